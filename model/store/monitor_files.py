"""The files ``expressim monitor`` writes: monitor.json and manifest.json.

The shapes are in docs/outputs.md.  The figure and the report are drawn by :mod:`expressim.model.viz`; the
folder is made atomically by the caller (:func:`expressim.model.store.folders.atomic_dir`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from expressim.model.analysis.monitor import MonitorRecord
    from expressim.model.spec.progress import Progress

__all__ = ["write_monitor"]


def write_monitor(tmp: Path, *, command: Sequence[str], record: MonitorRecord, scenario_file: str | Path,
                  region_pack: Path, progress: Progress | None, data_files: Sequence[str | Path], workers: int,
                  result_inputs: Mapping[str, object]) -> dict[str, object]:
    """Write ``monitor.json`` (:meth:`expressim.model.analysis.monitor.Monitor.to_json`) and its manifest into
    ``tmp``; returns the manifest.

    ``data_files`` are the observation files of every as-of date (hashed into the manifest); the scenario, its
    region pack and the progress file are the manifest's inputs.
    """
    from expressim.model.store import manifest
    from expressim.model.store.folders import write_json

    inputs = [Path(scenario_file).resolve(), region_pack.resolve()] + (
        [Path(progress.path).resolve()] if progress is not None else [])
    man = manifest.build(command=command, seed=record["seed"], data_files=[Path(f).resolve() for f in data_files],
                         inputs=inputs, extra={"kind": "monitor", "scenario": record["scenario"], "as_of": record["as_of"],
                                               "replications": record["replications"], "workers": workers,
                                               "progress_file": str(Path(progress.path).resolve()) if progress else None,
                                               "result_inputs": result_inputs})
    write_json(tmp / "monitor.json", record)
    write_json(tmp / "manifest.json", man)
    return man
