"""The files a run writes and reads back: summary.json, annual.csv, targets.csv, rests_on.csv,
target_levels.csv, results.json and arrays.npz (the results, reloadable), calibration, manifest.

The contracted shapes are in docs/outputs.md; :func:`results_digest` fingerprints the result arrays
so ``expressim run --check-manifest`` can confirm a rerun is bit-identical; :func:`load_run` reads a
run's results back from ``results.json`` and ``arrays.npz``.  Figures and the report are drawn by
:mod:`expressim.model.viz` (the CLI calls both).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from expressim.calibration.seam import Calibration
from expressim.model.analysis import rests_on
from expressim.model.analysis.rests_on import RestsOn, RestsOnRecord

if TYPE_CHECKING:
    from expressim.calibration.observations import ObservationSet
    from expressim.model.engine.results import Results
    from expressim.model.engine.targets import Observed, TargetSummary
    from expressim.model.spec.scenario import Scenario


class TargetRecord(TypedDict):
    """One target of ``summary.json`` (DESIGN.md §6): its probability and distribution, and what it rests on."""

    id: str
    label: str
    year: int
    threshold: float
    unit: str
    probability: float
    probability_stderr: float
    p10: float
    median: float
    p90: float
    headline: bool
    observed: NotRequired[float]
    observed_source: NotRequired[str]
    readings: NotRequired[list[dict[str, object]]]
    rests_on: NotRequired[list[RestsOnRecord]]
    decided_by_assumption: NotRequired[str | None]


class RunSummary(TypedDict):
    """``summary.json``."""

    scenario: str
    seed: int
    replications: int
    targets: list[TargetRecord]


def results_digest(results: Results) -> str:
    """SHA-256 over every result array: equal digests mean bit-identical results."""
    import numpy as np

    h = hashlib.sha256()
    for name in sorted(results.metrics):
        h.update(name.encode())
        h.update(np.ascontiguousarray(results.metrics[name]).tobytes())
    for arr in (results.monthly, results.opening):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


@dataclass(frozen=True)
class RunFiles:
    """What :func:`write_run` wrote that the report needs: the summary, the per-target summaries,
    the manifest and the SHA-256 of each data file (by resolved path)."""

    summary: RunSummary
    summaries: list[TargetSummary]
    manifest: dict[str, object]
    data_files: dict[str, str]


def _target_record(s: TargetSummary) -> TargetRecord:
    """``s`` as written in ``summary.json``: every field but ``first_met``, ``observed*`` only when known,
    ``readings`` only when the wording has two readings (in the order of :class:`TargetSummary`)."""
    rec: TargetRecord = {"id": s.id, "label": s.label, "year": s.year, "threshold": s.threshold, "unit": s.unit,
                         "probability": s.probability, "probability_stderr": s.probability_stderr, "p10": s.p10,
                         "median": s.median, "p90": s.p90, "headline": s.headline}
    if s.observed is not None:
        rec["observed"] = s.observed
    if s.observed_source is not None:
        rec["observed_source"] = s.observed_source
    if s.readings is not None:
        rec["readings"] = [dict(r) for r in s.readings]
    return rec


def write_run(tmp: Path, *, command: Sequence[str], path: str | Path, scn: Scenario, obs: ObservationSet,
              fitted: Calibration, res: Results, workers: int, data_args: Sequence[str] | None, until_arg: str | None,
              rests: Mapping[str, Sequence[RestsOn]] | None = None, region_pack: Path | None = None,
              result_inputs: Mapping[str, object] | None = None,
              levels: Sequence[Mapping[str, object]] | None = None) -> RunFiles:
    """Write the data files of a run into ``tmp`` (the figures and report are drawn by viz).

    Parameters
    ----------
    tmp : Path
        The (temporary) output folder.
    command : sequence of str
        The command line, recorded in the manifest.
    path : str
        The scenario file.
    scn, obs, fitted, res
        Scenario, observation set, calibration and results.
    workers : int
        Worker processes used (recorded; results do not depend on it).
    data_args, until_arg
        ``--data`` and ``--until`` as given (recorded so ``--check-manifest`` can rerun the run).
    rests : mapping, optional
        Target id -> what its answer rests on (:func:`expressim.model.analysis.rests_on.analyse`),
        written into summary.json and rests_on.csv.
    region_pack : Path, optional
        The region pack file, hashed among the manifest's inputs (``--check-manifest`` then sees a change).
    result_inputs : mapping, optional
        Every input the result depends on (the default folder's hash is made from it), recorded as is.
    levels : sequence of rows, optional
        The levels reached with P 0.8 / 0.5 / 0.2 (:func:`expressim.model.analysis.planning.level_rows`),
        written as ``target_levels.csv``.
    """
    from expressim.model.store import manifest
    from expressim.model.store.folders import write_json
    from expressim.model.store.tables import write_csv

    summaries = res.summary()
    summary: RunSummary = {"scenario": scn.name, "seed": res.seed, "replications": res.replications,
                           "targets": [_target_record(s) for s in summaries]}
    if rests is not None:
        for rec in summary["targets"]:
            entries = rests.get(rec["id"], [])
            decided = rests_on.decided_by_assumption(entries)
            rec["rests_on"] = [e.as_dict() for e in entries]
            rec["decided_by_assumption"] = decided.input if decided is not None else None
    write_json(tmp / "summary.json", summary)
    write_csv(tmp / "annual.csv", res.annual_rows())
    targets = {t.id: t for t in scn.targets}
    fields = ["id", "label", "metric", "year", "threshold", "unit", "comparison", "probability",
              "probability_stderr", "p10", "median", "p90", "headline", "observed", "observed_source"] + [
              f"first_met_{y}" for y in res.years] + ["never_met"]
    target_rows = []
    for s in summaries:
        t = targets[s.id]
        row: dict[str, object] = {
            "id": s.id, "label": s.label, "metric": t.metric, "year": s.year, "threshold": s.threshold,
            "unit": s.unit, "comparison": t.comparison, "probability": s.probability,
            "probability_stderr": s.probability_stderr, "p10": s.p10, "median": s.median, "p90": s.p90,
            "headline": s.headline, "never_met": s.first_met["never"],
            "observed": "" if s.observed is None else s.observed, "observed_source": s.observed_source or ""}
        row.update({f"first_met_{y}": s.first_met[str(y)] for y in res.years})
        target_rows.append(row)
    write_csv(tmp / "targets.csv", target_rows, fields)
    if rests is not None:
        write_csv(tmp / "rests_on.csv", rests_on.csv_rows(rests, {s.id: s.probability for s in summaries}),
                  list(rests_on.CSV_FIELDS))
    if levels is not None:
        write_csv(tmp / "target_levels.csv", levels)
    write_json(tmp / "results.json", results_record(res))
    write_arrays(tmp / "arrays.npz", res)
    write_json(tmp / "calibration.json", fitted.to_dict())
    prog = res.progress
    inputs = [Path(path).resolve()] + ([Path(prog.path).resolve()] if prog is not None else []) + (
        [region_pack.resolve()] if region_pack is not None else [])
    man = manifest.build(command=command, seed=res.seed, data_files=[Path(f).resolve() for f in obs.files],
                         inputs=inputs, extra={
        "progress_file": str(Path(prog.path).resolve()) if prog is not None else None,
        "kind": "run", "scenario": scn.name, "scenario_file": str(Path(path).resolve()), "scenario_arg": str(path),
        "replications": res.replications, "workers": workers, "cwd": os.getcwd(),
        "data_hash": obs.data_hash, "until": obs.until, "results_sha256": results_digest(res),
        "data_args": [str(Path(d).resolve()) for d in data_args] if data_args else None, "until_arg": until_arg,
        "region_pack": str(region_pack.resolve()) if region_pack is not None else None,
        "result_inputs": dict(result_inputs) if result_inputs is not None else None})
    write_json(tmp / "manifest.json", man)
    return RunFiles(summary, summaries, man, manifest.file_hashes(man, "data_files"))


# ---- the results, reloadable ------------------------------------------------------------------------


def write_arrays(path: Path, res: Results) -> None:
    """Write every array of ``res`` to ``path`` (``.npz``, compressed): metrics, targets, inputs, monthly
    parcels, counties and the rollout."""
    import numpy as np

    arrays = {f"metric__{k}": v for k, v in res.metrics.items()}
    arrays.update({f"target__{k}": v for k, v in res.target_values.items()})
    arrays.update({f"param__{k}": v for k, v in res.params.items()})
    arrays.update({"monthly": res.monthly, "baseline_monthly": res.baseline_monthly,
                   "county_annual": res.county_annual, "opening": res.opening,
                   "phase_start": res.phase_start, "phase_end": res.phase_end})
    np.savez_compressed(path, allow_pickle=False, **arrays)


def results_record(res: Results) -> dict[str, object]:
    """``results.json``: what :func:`load_run` needs besides the arrays."""
    return {"scenario": res.scenario.model_dump(mode="json"), "seed": res.seed,
            "project_ids": list(res.project_ids), "phase_names": [list(p) for p in res.phase_names],
            "county_ids": list(res.county_ids),
            "observed": {k: dict(v.__dict__) for k, v in res.observed.items()}}


def load_run(directory: str | Path) -> Results:
    """Reload a saved run (``results.json`` + ``arrays.npz``)."""
    import numpy as np

    from expressim.model.engine.results import Results
    from expressim.model.spec.scenario import Scenario

    d = Path(directory)
    meta = json.loads((d / "results.json").read_text(encoding="utf-8"))
    with np.load(d / "arrays.npz") as z:
        arr: dict[str, np.ndarray] = {k: z[k] for k in z.files}
    pick = {k.split("__", 1)[1]: v for k, v in arr.items() if k.startswith("metric__")}
    return Results(
        scenario=Scenario.model_validate(meta["scenario"]), seed=meta["seed"], metrics=pick,
        monthly=arr["monthly"], baseline_monthly=arr["baseline_monthly"], county_annual=arr["county_annual"],
        opening=arr["opening"], phase_start=arr["phase_start"], phase_end=arr["phase_end"],
        project_ids=tuple(meta["project_ids"]), phase_names=tuple(tuple(p) for p in meta["phase_names"]),
        county_ids=tuple(meta["county_ids"]),
        target_values={k.split("__", 1)[1]: v for k, v in arr.items() if k.startswith("target__")},
        params={k.split("__", 1)[1]: v for k, v in arr.items() if k.startswith("param__")},
        observed=_observed(meta.get("observed", {})),
    )


def _observed(saved: dict[str, Any]) -> dict[str, Observed]:
    from expressim.model.engine.targets import Observed

    return {k: Observed(**v) for k, v in saved.items()}
