"""The files ``expressim compare`` writes: comparison.json, comparison.csv, target_levels.csv,
cumulative_difference.csv and manifest.json; and those of ``compare --latest-opening``: latest_opening.json
and manifest.json.

The shapes are in docs/outputs.md.  Figures and the report are drawn by :mod:`expressim.model.viz`; the
folder is made atomically by the caller (:func:`expressim.model.store.folders.atomic_dir`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from expressim.model.analysis.compare import Comparison, CumulativeWindow, ScenarioRun, VolumeDifference

if TYPE_CHECKING:
    from expressim.calibration.observations import ObservationSet
    from expressim.model.analysis.latest_opening import LatestOpening
    from expressim.model.analysis.planning import CumulativeRow, LevelRow
    from expressim.model.engine.results import Results
    from expressim.model.spec.scenario import Scenario

__all__ = ["ComparedRun", "ComparisonFiles", "write_comparison", "write_latest_opening"]


@dataclass(frozen=True)
class ComparedRun:
    """One scenario of a comparison: its display name and file, what it ran on and its results."""

    name: str
    file: str
    scenario: Scenario
    observations: ObservationSet
    results: Results
    #: the region pack file (hashed among the manifests' inputs)
    region_pack: Path
    #: what this scenario's result depends on (:mod:`expressim.model.cli.result_inputs`)
    result_inputs: Mapping[str, object]


@dataclass(frozen=True)
class ComparisonFiles:
    """What :func:`write_comparison` wrote that the report needs: ``comparison.json`` as written, the
    comparison's manifest and each run's."""

    record: Comparison
    manifest: dict[str, object]
    run_manifests: list[dict[str, object]]


def _scenario_runs(runs: Sequence[ComparedRun]) -> list[ScenarioRun]:
    from expressim.model.store.run_files import results_digest

    return [{"name": r.name, "file": r.file, "replications": r.results.replications, "seed": r.results.seed,
             "data_hash": r.observations.data_hash, "results_sha256": results_digest(r.results)} for r in runs]


def write_comparison(tmp: Path, *, command: Sequence[str], comparison: Comparison, runs: Sequence[ComparedRun],
                     levels: Sequence[LevelRow], cumulative: Sequence[CumulativeRow],
                     windows: Mapping[str, CumulativeWindow], volumes: Mapping[str, VolumeDifference],
                     workers: int, data_args: Sequence[str] | None, until_arg: str | None,
                     progress_arg: str | None, result_inputs: Mapping[str, object]) -> ComparisonFiles:
    """Write a comparison's data files into ``tmp``.

    Parameters
    ----------
    tmp : Path
        The (temporary) output folder.
    command : sequence of str
        The command line, recorded in the manifests.
    comparison : Comparison
        :func:`expressim.model.analysis.compare.compare_results`; ``comparison.json`` adds each run
        (``scenario_runs``), the cumulative windows and the 2025 parcel differences.
    runs : sequence of ComparedRun
        The scenarios, the first the reference.
    levels, cumulative : sequences of rows
        ``target_levels.csv`` and ``cumulative_difference.csv`` (:mod:`expressim.model.analysis.planning`).
    windows, volumes : mappings
        Scenario name -> its gain or loss over the years it differs, its paired 2025 parcel difference.
    workers, data_args, until_arg, progress_arg, result_inputs
        Recorded in the manifest (``--workers``, ``--data``, ``--until``, ``--progress`` as given, and every
        input the result depends on).
    """
    from expressim.model.analysis.compare import comparison_rows
    from expressim.model.store import manifest
    from expressim.model.store.folders import write_json
    from expressim.model.store.run_files import results_digest
    from expressim.model.store.tables import write_csv

    record: Comparison = {**comparison, "scenario_runs": _scenario_runs(runs), "cumulative_difference": dict(windows),
                          "parcels_inout_2025_difference": dict(volumes)}
    per_run = [manifest.build(command=command, seed=r.results.seed, data_files=r.observations.files,
                              inputs=[r.file, r.region_pack, *([r.results.progress.path] if r.results.progress is not None else [])],
                              extra={"scenario": r.name, "scenario_file": r.file, "replications": r.results.replications,
                                     "data_hash": r.observations.data_hash, "until": r.observations.until,
                                     "region_pack": str(r.region_pack), "result_inputs": r.result_inputs,
                                     "results_sha256": results_digest(r.results)}) for r in runs]
    progress_files = [r.results.progress.path for r in runs if r.results.progress is not None]
    first = runs[0].results
    man = manifest.build(
        command=command, seed=first.seed, data_files=sorted({f for r in runs for f in r.observations.files}),
        inputs=list(dict.fromkeys([*(r.file for r in runs), *(str(r.region_pack) for r in runs),
                                   *map(str, progress_files)])),
        extra={"kind": "compare", "scenarios": [r.name for r in runs], "scenario_files": [r.file for r in runs],
               "replications": first.replications, "workers": workers, "data_args": data_args,
               "until_arg": until_arg, "progress_arg": progress_arg, "result_inputs": result_inputs,
               "results_sha256": {r.name: m["results_sha256"] for r, m in zip(runs, per_run, strict=True)}})
    write_json(tmp / "comparison.json", record)
    write_csv(tmp / "comparison.csv", comparison_rows(record))
    write_csv(tmp / "target_levels.csv", levels)
    write_csv(tmp / "cumulative_difference.csv", cumulative)
    write_json(tmp / "manifest.json", man)
    return ComparisonFiles(record, man, per_run)


def write_latest_opening(tmp: Path, *, command: Sequence[str], result: LatestOpening, scenario: Scenario,
                         scenario_file: str, region_pack: Path, observations: ObservationSet,
                         data_args: Sequence[str] | None, until_arg: str | None,
                         result_inputs: Mapping[str, object]) -> dict[str, object]:
    """Write ``latest_opening.json`` and its manifest into ``tmp``; returns the manifest.

    ``result`` is :func:`expressim.model.analysis.latest_opening.latest_opening` (it names the selection,
    the target, the required probability, the replications and the seed recorded in the manifest).
    """
    from expressim.model.store import manifest
    from expressim.model.store.folders import write_json

    man = manifest.build(command=command, seed=result["seed"], data_files=observations.files,
                         inputs=[scenario_file, region_pack], extra={
        "kind": "latest_opening", "scenario": scenario.name, "scenario_file": scenario_file,
        "replications": result["replications"], "data_hash": observations.data_hash, "until": observations.until,
        "selection": result["selection"], "target": result["target"]["id"],
        "required_probability": result["required_probability"], "data_args": data_args, "until_arg": until_arg,
        "result_inputs": result_inputs})
    write_json(tmp / "latest_opening.json", result)
    write_json(tmp / "manifest.json", man)
    return man
