"""Throughput of the vectorised engine against the per-replication reference, and peak memory.

Run from the project root::

    python benchmarks/engine.py [--json] [--vectorised-reps 20000] [--reference-reps 300] [--repeat 5]

Both engines run on ``scenarios/plan.yaml`` in this process, on draws from the same
machinery (:func:`model.engine.ensemble.prepare`); calibration and drawing are outside the
timings.  Throughput is the median over ``--repeat`` timings [replications/s], the two
engines' timings interleaved so that both see the same machine load:

* vectorised: :func:`model.engine.ensemble.execute` (serial, chunks of ``ensemble.CHUNK``);
* reference: :func:`model.engine.oracle.reference.simulate_reference` (one replication at a time).

Peak memory is the maximum resident set size (``getrusage(RUSAGE_SELF).ru_maxrss``)
[GiB] of a child process running ``ensemble.run`` with ``--rss-reps`` replications
(100,000 by default), calibration cache warm.  Before timing, both engines are checked to
agree on a few replications.  With ``--json`` one line is printed::

    {"vectorised_reps_per_s": ..., "reference_reps_per_s": ..., "ratio": ..., "peak_rss_gib_100k": ...}
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "plan.yaml"


def _load() -> tuple[Any, Any]:
    """The shipped calibration (cached fit) and the plan scenario."""
    from expressim.calibration.observations import load
    from expressim.model.cli.context import fitted_for
    from expressim.model.spec import scenario

    return fitted_for(load()), scenario.load(SCENARIO)


def engines_agree(fitted: Any, scn: Any, n: int = 20, seed: int = 7) -> list[str]:
    """Names of the outputs where the two engines differ (``rtol=1e-9``) on ``n`` replications."""
    from expressim.model.engine import ensemble
    from expressim.model.engine.oracle.reference import simulate_reference
    from expressim.model.engine.simulate import flatten_outputs

    comp, draws = ensemble.prepare(scn, fitted, replications=n, seed=seed)
    a = flatten_outputs(ensemble.execute(comp, fitted, draws))
    b = flatten_outputs(simulate_reference(comp, fitted, draws))
    return [
        k
        for k in a
        if a[k].shape != b[k].shape or not np.allclose(a[k], b[k], rtol=1e-9, atol=0.0, equal_nan=True)
    ]


def _rate(run: Callable[[], object], n: int) -> float:
    """``n / seconds`` of one call of ``run()`` [replications/s]."""
    t0 = time.perf_counter()
    run()
    return n / (time.perf_counter() - t0)


def throughput(fitted: Any, scn: Any, n_vec: int, n_ref: int, repeat: int, seed: int) -> tuple[float, float]:
    """Median vectorised and reference throughput [replications/s] on the plan scenario.

    The two engines' timings are interleaved (vectorised, reference, vectorised, ...) so that
    both medians see the same machine load.
    """
    from expressim.model.engine import ensemble
    from expressim.model.engine.oracle.reference import simulate_reference

    comp, draws = ensemble.prepare(scn, fitted, replications=n_vec, seed=seed)
    comp_r, draws_r = ensemble.prepare(scn, fitted, replications=n_ref, seed=seed)
    ensemble.execute(comp, fitted, draws.slice(0, min(n_vec, 100)))  # warm-up (imports, caches)
    simulate_reference(comp_r, fitted, draws_r.slice(0, min(n_ref, 5)))
    vec, ref = [], []
    for _ in range(repeat):
        vec.append(_rate(lambda: ensemble.execute(comp, fitted, draws), n_vec))
        ref.append(_rate(lambda: simulate_reference(comp_r, fitted, draws_r), n_ref))
    return float(np.median(vec)), float(np.median(ref))


def child_peak_rss(n: int, seed: int) -> float:
    """Run ``ensemble.run`` with ``n`` replications in a child process; its peak RSS [GiB]."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child-rss", str(n), "--seed", str(seed)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child run failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["peak_rss_gib"])


def _child(n: int, seed: int) -> int:
    """The child's work: one ``ensemble.run``; prints ``{"peak_rss_gib": ...}``."""
    from expressim.model.engine import ensemble

    fitted, scn = _load()
    res = ensemble.run(scn, fitted, replications=n, seed=seed, workers=1)
    assert res.replications == n
    # ru_maxrss is in KiB on Linux
    print(json.dumps({"peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--vectorised-reps", type=int, default=20_000)
    parser.add_argument("--reference-reps", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--rss-reps", type=int, default=100_000, help="replications of the memory run (0: skip)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child-rss", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_rss:
        return _child(args.child_rss, args.seed)

    fitted, scn = _load()
    bad = engines_agree(fitted, scn)
    if bad:
        print(f"engines disagree on: {', '.join(bad)}", file=sys.stderr)
        return 1
    vec, ref = throughput(fitted, scn, args.vectorised_reps, args.reference_reps, args.repeat, args.seed)
    rss = child_peak_rss(args.rss_reps, args.seed) if args.rss_reps > 0 else None
    out = {
        "vectorised_reps_per_s": round(vec, 1),
        "reference_reps_per_s": round(ref, 1),
        "ratio": round(vec / ref, 2),
        "peak_rss_gib_100k": None if rss is None else round(rss, 3),
    }
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"scenario: {SCENARIO.relative_to(ROOT)} ({len(scn.projects)} projects, {scn.n_months} months)")
    print(f"vectorised: {vec:12,.0f} reps/s  ({args.vectorised_reps} reps, median of {args.repeat})")
    print(f"reference:  {ref:12,.0f} reps/s  ({args.reference_reps} reps, median of {args.repeat})")
    print(f"ratio:      {vec / ref:12,.1f} x   (target >= 30)")
    if rss is None:
        print("peak RSS:   skipped (--rss-reps 0)")
    else:
        print(f"peak RSS:   {rss:12,.3f} GiB ({args.rss_reps} reps in a child process; target < 4)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
