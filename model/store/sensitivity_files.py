"""The files ``expressim sensitivity`` writes: sensitivity.csv, sensitivity.json, voi.json, discovery.json and
manifest.json.

The shapes are in docs/outputs.md.  Figures and the report are drawn by :mod:`expressim.model.viz`; the
folder is made atomically by the caller (:func:`expressim.model.store.folders.atomic_dir`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from expressim.model.analysis.sensitivity import IndexRow, OutputMeta, index_value

if TYPE_CHECKING:
    import numpy as np

    from expressim.calibration.observations import ObservationSet
    from expressim.model.analysis.closed_sobol import ValueOfInformation
    from expressim.model.analysis.discovery import PrimResult
    from expressim.model.analysis.sensitivity import Design, Problem
    from expressim.model.engine.results import Results
    from expressim.model.spec.scenario import Scenario, Target

__all__ = ["SAMPLING", "csv_rows", "write_sensitivity"]

#: how the design's rows become the engine's inputs (``sensitivity.json``: ``sampling``)
SAMPLING = ("SALib design on [0,1]^k mapped to probabilities in each factor's p_range, then its ppf; "
            "non-factor random inputs (county noise, event uniforms) shared by A and every AB_i of a "
            "base sample (Sobol') or by a trajectory (Morris), common random numbers with a plain run")


def csv_rows(rows: Sequence[IndexRow], meta: Mapping[str, OutputMeta], method: str) -> list[dict[str, object]]:
    """Rows of ``sensitivity.csv``: each index row with what its output is, its members joined, and (Sobol')
    the 95% interval of ``S1`` and ``ST``."""
    keys = ("S1", "S1_conf", "ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf", "mu", "sigma")
    out = []
    for r in rows:
        row: dict[str, object] = {"method": method, **meta[r["output"]], "factor": r["factor"],
                                  "members": "; ".join(r["members"])}
        row.update({k: index_value(r, k) for k in keys})
        if method == "sobol":
            for k in ("S1", "ST"):
                row[f"{k}_low"] = index_value(r, k) - index_value(r, f"{k}_conf")
                row[f"{k}_high"] = index_value(r, k) + index_value(r, f"{k}_conf")
        row["constant"] = r["constant"]
        out.append(row)
    return out


def write_sensitivity(tmp: Path, *, command: Sequence[str], scenario: Scenario, scenario_file: str, region_pack: Path,
                      observations: ObservationSet, results: Results, problem: Problem, design: Design,
                      outputs: Mapping[str, np.ndarray], rows: Sequence[IndexRow], meta: Mapping[str, OutputMeta],
                      voi: ValueOfInformation, boxes: Mapping[str, PrimResult], targets: Sequence[Target], seed: int,
                      samples: int, workers: int, grouping: str, timing: Mapping[str, float], until_arg: str | None,
                      result_inputs: Mapping[str, object]) -> dict[str, object]:
    """Write a sensitivity study's data files into ``tmp``; returns the manifest.

    Parameters
    ----------
    tmp : Path
        The (temporary) output folder.
    command : sequence of str
        The command line, recorded in the manifest.
    scenario, scenario_file, region_pack, observations
        The scenario, its file and region pack file and the observations (hashed into the manifest).
    results : Results
        The plain run scenario discovery used (its replications and progress file).
    problem, design, outputs, rows, meta
        Factors, the SALib design, each output's values over the design, the index rows
        (:func:`expressim.model.analysis.sensitivity.analyse`) and what each output is.
    voi, boxes
        The value of information (:func:`expressim.model.analysis.closed_sobol.value_of_information`) and each
        target's PRIM result (:func:`expressim.model.analysis.discovery.prim`).
    targets, seed, samples, workers, grouping, timing, until_arg, result_inputs
        Recorded in the files and the manifest.
    """
    import numpy as np

    from expressim.model.store import manifest
    from expressim.model.store.folders import write_json
    from expressim.model.store.tables import write_csv

    write_csv(tmp / "sensitivity.csv", csv_rows(rows, meta, design.method))
    write_json(tmp / "sensitivity.json", {
        "scenario": scenario.name, "seed": seed, "method": design.method, "samples": samples,
        "evaluations": design.n, "workers": workers, "rollout_grouping": grouping, "sampling": SAMPLING,
        "factors": [{"name": f.name, "kind": f.kind, "group": f.group, "unit": f.unit, "bounds": list(f.bounds),
                     "probability_range": list(f.p_range)} for f in problem.factors],
        "outputs": [{**meta[k], "mean": float(np.mean(v)), "sd": float(np.std(v))} for k, v in outputs.items()],
        "indices": rows, "timing_seconds": timing})
    write_json(tmp / "voi.json", {"scenario": scenario.name, "seed": seed, **voi})
    write_json(tmp / "discovery.json", {
        "scenario": scenario.name, "seed": seed, "replications": results.replications,
        "outcome": "target missed (1 - attainment) in the target year",
        "method": "PRIM (expressim.model.analysis.discovery)", "targets": boxes})
    man = manifest.build(
        command=command, seed=seed, data_files=observations.files,
        inputs=[scenario_file, region_pack, *([results.progress.path] if results.progress is not None else [])],
        extra={"scenario": scenario.name, "scenario_file": scenario_file, "method": design.method,
               "samples": samples, "evaluations": design.n, "replications": results.replications,
               "workers": workers, "targets": [t.id for t in targets], "data_hash": observations.data_hash,
               "until": observations.until, "until_arg": until_arg, "result_inputs": result_inputs,
               "timing_seconds": timing})
    write_json(tmp / "manifest.json", man)
    return man
