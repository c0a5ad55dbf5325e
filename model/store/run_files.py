"""The files a run writes: summary.json, annual.csv, targets.csv, rests_on.csv, results.json, arrays,
calibration, manifest.

The contracted shapes are in docs/outputs.md; :func:`results_digest` fingerprints the result arrays
so ``expressim run --check-manifest`` can confirm a rerun is bit-identical.  Figures and the report
are drawn by :mod:`expressim.model.viz` (the CLI calls both).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from expressim.calibration.seam import Calibration
from expressim.model.analysis import rests_on
from expressim.model.analysis.rests_on import RestsOn


def results_digest(results: Any) -> str:
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
    """What :func:`write_run` wrote that the report needs: the summary dictionary, the
    per-target summaries and the manifest."""

    summary: dict[str, Any]
    summaries: list[Any]
    manifest: dict[str, Any]


def write_run(tmp: Path, *, command: list[str], path: str, scn: Any, obs: Any, fitted: Calibration, res: Any, workers: int,
              data_args: list[str] | None, until_arg: str | None,
              rests: Mapping[str, Sequence[RestsOn]] | None = None, region_pack: Path | None = None,
              result_inputs: Mapping[str, Any] | None = None) -> RunFiles:
    """Write the data files of a run into ``tmp`` (the figures and report are drawn by viz).

    Parameters
    ----------
    tmp : Path
        The (temporary) output folder.
    command : list of str
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
    """
    from expressim.model.store import manifest
    from expressim.model.store.folders import write_json
    from expressim.model.store.tables import write_csv

    summaries = res.summary()
    summary = {"scenario": scn.name, "seed": res.seed, "replications": res.replications,
               "targets": [{k: v for k, v in s.as_dict().items() if k != "first_met"
                            and not (k.startswith("observed") and v is None)} for s in summaries]}
    if rests is not None:
        for t in summary["targets"]:
            entries = rests.get(str(t["id"]), [])
            decided = rests_on.decided_by_assumption(entries)
            t["rests_on"] = [e.as_dict() for e in entries]
            t["decided_by_assumption"] = decided.input if decided is not None else None
    write_json(tmp / "summary.json", summary)
    write_csv(tmp / "annual.csv", res.annual_rows())
    targets = {t.id: t for t in scn.targets}
    fields = ["id", "label", "metric", "year", "threshold", "unit", "comparison", "probability",
              "probability_stderr", "p10", "median", "p90", "headline", "observed", "observed_source"] + [
              f"first_met_{y}" for y in res.years] + ["never_met"]
    target_rows = []
    for s in summaries:
        t = targets[s.id]
        row = {"id": s.id, "label": s.label, "metric": t.metric, "year": s.year, "threshold": s.threshold,
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
    write_json(tmp / "results.json", res.meta())
    res.save_arrays(tmp / "arrays.npz")
    write_json(tmp / "calibration.json", fitted.to_dict())
    prog = getattr(res, "progress", None)
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
    return RunFiles(summary, summaries, man)
