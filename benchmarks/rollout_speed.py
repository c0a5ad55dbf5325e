"""Throughput of the two rollout engines: 10 projects x 4 phases, one resource of capacity 2.

Run from the project root::

    python benchmarks/rollout_speed.py [--simpy-reps 2000] [--vectorised-reps 100000] [--repeat 3]

Prints replications per second (median of ``--repeat`` timings) for each engine and their
ratio, after checking that both engines give the same numbers on a shared subset.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from expressim.calibration.distributions import LogNormal, Triangular, Uniform
from expressim.model.engine.rollout import (
    PhaseSpec,
    ProjectSpec,
    ResourceSpec,
    RolloutResult,
    phase_uniforms,
    simulate_rollout_simpy,
)
from expressim.model.engine.rollout_numpy import simulate_rollout_vectorised


def workload() -> tuple[tuple[ProjectSpec, ...], list[ResourceSpec]]:
    """Ten projects of four phases; construction needs one of two shared crews."""
    projects = tuple(
        ProjectSpec(
            f"project{i}",
            "county_centre",
            f"county{i}",
            (
                PhaseSpec("feasibility", Triangular(low=2, mode=4, high=8)),
                PhaseSpec("approval", Triangular(low=3, mode=6, high=12), not_before=12.0 * (i % 3)),
                PhaseSpec("construction", LogNormal(median=9, sigma=0.35), resource="crew"),
                PhaseSpec("commissioning", Uniform(low=1, high=3)),
            ),
        )
        for i in range(10)
    )
    return projects, [ResourceSpec("crew", 2)]


Engine = Callable[[Sequence[ProjectSpec], Sequence[ResourceSpec], np.ndarray], RolloutResult]


def reps_per_second(engine: Engine, n_rep: int, repeat: int) -> float:
    """Median over ``repeat`` runs of replications per second (uniform generation excluded)."""
    projects, resources = workload()
    u = phase_uniforms(np.random.default_rng(0), n_rep, projects)
    rates = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        engine(projects, resources, u)
        rates.append(n_rep / (time.perf_counter() - t0))
    return float(np.median(rates))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simpy-reps", type=int, default=2000)
    parser.add_argument("--vectorised-reps", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    projects, resources = workload()
    u = phase_uniforms(np.random.default_rng(1), 500, projects)
    a, b = simulate_rollout_simpy(projects, resources, u), simulate_rollout_vectorised(projects, resources, u)
    if not np.allclose(a.phase_end, b.phase_end, rtol=0, atol=1e-9):
        print("engines disagree", file=sys.stderr)
        return 1
    waited = float(np.mean(b.start_of("project0", "construction") > b.end_of("project0", "approval")))

    simpy_rate = reps_per_second(simulate_rollout_simpy, args.simpy_reps, args.repeat)
    vec_rate = reps_per_second(simulate_rollout_vectorised, args.vectorised_reps, args.repeat)
    print(f"workload: 10 projects x 4 phases, 1 resource of capacity 2 (project0 waits in {waited:.0%})")
    print(f"simpy:      {simpy_rate:12,.0f} reps/s  ({args.simpy_reps} reps, median of {args.repeat})")
    print(f"vectorised: {vec_rate:12,.0f} reps/s  ({args.vectorised_reps} reps, median of {args.repeat})")
    print(f"ratio:      {vec_rate / simpy_rate:12,.0f} x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
