"""Ensembles: draws on named streams, chunks of replications, serial or process-pool execution.

Every random input is drawn once, in the parent, on its own named stream
(:mod:`model.engine.parameters`), before any work is split.  Chunks are fixed-size
slices of replications and the engine is a pure function of its chunk, so the
result is identical whatever ``workers`` is, and two scenarios run with the same
seed share every draw of every input they have in common (common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from typing import Any, overload

import numpy as np

from expressim.calibration.seam import Calibration
from expressim.model.engine.parameters import Draws, make_draws, resolve
from expressim.model.engine.results import Results
from expressim.model.engine.rollout import ProjectSpec
from expressim.model.engine.simulate import ChunkOutput, Compiled, compile_scenario, simulate_chunk
from expressim.model.engine.targets import target_values
from expressim.model.spec.progress import RolloutFact
from expressim.model.spec.regions import RegionPack, load_pack
from expressim.model.spec.scenario import Scenario, ScenarioError

#: replications per chunk: large enough to amortise Python overhead, small enough to bound memory
CHUNK = 4000


def chunks(n: int, size: int | None = None) -> list[tuple[int, int]]:
    """Fixed ``[a, b)`` slices of ``size`` (default :data:`CHUNK`, read at call time) covering
    ``range(n)``, independent of the worker count."""
    step = CHUNK if size is None else size
    return [(a, min(a + step, n)) for a in range(0, n, step)]


def usable_workers(requested: int, tasks: int) -> int:
    """Worker processes worth starting: no more than the chunks of work or the machine's cores.

    Results never depend on it (chunks are fixed), so capping only saves processes that would
    sit idle -- and forking hundreds of them can exhaust a limit on open files or processes.
    """
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(requested, tasks, cores))


#: reduces one chunk's raw output in the worker: ``reduce(comp, raw, draws) -> dict of arrays``
Reducer = Callable[[Compiled, ChunkOutput, Draws], dict[str, np.ndarray]]


def _work(args: tuple[Compiled, Calibration, Draws, Reducer | None]) -> ChunkOutput | dict[str, np.ndarray]:
    comp, fitted, draws, reduce = args
    raw = simulate_chunk(comp, fitted, draws)
    return raw if reduce is None else reduce(comp, raw, draws)


def _concat(parts: Sequence[Any]) -> Any:
    out: dict[str, Any] = {}
    for key in parts[0]:
        if isinstance(parts[0][key], dict):
            out[key] = {k: np.concatenate([p[key][k] for p in parts]) for k in parts[0][key]}
        else:
            out[key] = np.concatenate([p[key] for p in parts])
    return out


@overload
def execute(comp: Compiled, fitted: Calibration, draws: Draws, *, workers: int = 1,
            progress: Callable[[int], object] | None = None, reduce: None = None) -> ChunkOutput: ...


@overload
def execute(comp: Compiled, fitted: Calibration, draws: Draws, *, workers: int = 1,
            progress: Callable[[int], object] | None = None, reduce: Reducer) -> dict[str, np.ndarray]: ...


def execute(comp: Compiled, fitted: Calibration, draws: Draws, *, workers: int = 1,
            progress: Callable[[int], object] | None = None,
            reduce: Reducer | None = None) -> ChunkOutput | dict[str, np.ndarray]:
    """Run the engine over chunks of ``draws`` (serially, or on ``workers`` processes).

    ``reduce`` (a picklable top-level function or ``functools.partial``) is applied to each
    chunk's output where the chunk ran, so a worker returns only what the caller needs
    (sensitivity designs keep the targets' outputs, not every array).
    """
    spans = chunks(draws.n)
    tasks = [(comp, fitted, draws.slice(a, b), reduce) for a, b in spans]
    parts: list[ChunkOutput | dict[str, np.ndarray]] = []
    workers = usable_workers(workers, len(tasks))
    parallel = workers > 1
    with ProcessPoolExecutor(max_workers=workers) if parallel else nullcontext() as pool:
        results: Iterator[ChunkOutput | dict[str, np.ndarray]] = pool.map(_work, tasks) if pool is not None else map(_work, tasks)
        for r, (a, b) in zip(results, spans, strict=True):
            parts.append(r)
            if progress:
                progress(b - a)
    return _concat(parts)


def prepare(scenario: Scenario, fitted: Calibration, *, replications: int | None = None, seed: int | None = None,
            pack: RegionPack | None = None, projects: tuple[ProjectSpec, ...] | None = None,
            register: Mapping[str, Mapping[str, object]] | None = None) -> tuple[Compiled, Draws]:
    """Compile a scenario and draw all its random inputs."""
    n = scenario.replications if replications is None else replications
    if n < 1:
        raise ScenarioError(f"replications: expected at least 1, got {n}")
    s = scenario.seed if seed is None else seed
    pk = pack if pack is not None else load_pack(scenario.region_pack)
    comp = compile_scenario(scenario, pk, projects)
    dists = resolve(scenario, register if register is not None else fitted.register)
    draws = make_draws(scenario, dists, fitted, n, s, len(pk.counties))
    return comp, draws


def to_results(comp: Compiled, raw: ChunkOutput, draws: Draws, seed: int) -> Results:
    """Wrap engine output into :class:`Results` with every target's yearly values."""
    scn = comp.scenario
    project_ids = tuple(p.id for p in comp.projects)
    phase_names = tuple(tuple(ph.name for ph in p.phases) for p in comp.projects)
    ra = {"project_ids": project_ids, "phase_names": phase_names, "opening": raw["opening"],
          "phase_start": raw["phase_start"]}
    tv = {t.id: np.asarray(target_values(t, raw["metrics"], ra, scn.years)) for t in scn.targets}
    bad = [k for k, v in [*raw["metrics"].items(), *tv.items()] if not np.all(np.isfinite(v))]
    if bad:  # never let NaN or inf reach a result file (JSON would show it as null, a silent lie)
        raise ScenarioError(f"scenario '{scn.name}': '{bad[0]}' overflows to non-finite values; expected "
                            f"parameters and data of realistic magnitude (check the scenario's parameters)")
    return Results(scn, seed, raw["metrics"], raw["monthly"], raw["baseline_monthly"], raw["county_annual"],
                   raw["opening"], raw["phase_start"], raw["phase_end"], project_ids, phase_names, comp.county_ids,
                   tv, dict(draws.params))


def run(scenario: Scenario, fitted: Calibration, *, replications: int | None = None, seed: int | None = None,
        workers: int = 1, progress: Callable[[int], object] | None = None,
        projects: tuple[ProjectSpec, ...] | None = None, facts: Sequence[RolloutFact] = ()) -> Results:
    """Run a scenario: draws on named streams, engine over chunks, :class:`Results`.

    Parameters
    ----------
    scenario : Scenario
        Validated scenario.
    fitted : Calibration
        Calibration (baseline paths and their uncertainty).
    replications, seed : int, optional
        Override the scenario's values.
    workers : int
        Processes; the result does not depend on it.
    progress : callable, optional
        Called with the number of replications finished after each chunk.
    projects : tuple of ProjectSpec, optional
        Replace the scenario's projects (latest-opening searches).
    facts : sequence of RolloutFact
        Progress facts every replication's rollout is conditioned on (:mod:`model.engine.conditioning`);
        the outcome is kept in ``Results.conditioning``.
    """
    s = scenario.seed if seed is None else seed
    comp, draws = prepare(scenario, fitted, replications=replications, seed=s, projects=projects)
    cond = None
    if facts:
        from expressim.model.engine.conditioning import condition_draws

        draws, cond = condition_draws(comp, draws, facts, s)
    raw = execute(comp, fitted, draws, workers=workers, progress=progress)
    res = to_results(comp, raw, draws, s)
    res.conditioning = cond
    return res
