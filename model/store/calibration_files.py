"""The files ``expressim calibrate`` writes: fitted.json, observations_report.json, what_moved.csv, manifest.json.

The shapes are in docs/outputs.md.  The folder is made atomically by the caller
(:func:`expressim.model.store.folders.atomic_dir`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from expressim.calibration.seam import DescribedCalibration

if TYPE_CHECKING:
    from expressim.calibration.observations import LoadReport, ObservationSet

__all__ = ["write_calibration"]


def write_calibration(tmp: Path, *, command: Sequence[str], obs: ObservationSet, fitted: DescribedCalibration,
                      report: LoadReport, region_pack: str) -> None:
    """Write a calibration's files into ``tmp``.

    Parameters
    ----------
    tmp : Path
        The (temporary) output folder.
    command : sequence of str
        The command line, recorded in the manifest.
    obs : ObservationSet
        The observations fitted (their files are hashed into the manifest).
    fitted : DescribedCalibration
        The fit (``fitted.json``) and what each observation moved (``what_moved.csv``).
    report : LoadReport
        What the load found (:func:`expressim.calibration.observations.report`).
    region_pack : str
        The name of the region pack whose hierarchy was calibrated.
    """
    import pandas as pd

    from expressim.model.store import manifest
    from expressim.model.store.folders import write_json
    from expressim.model.store.tables import write_frame

    write_json(tmp / "fitted.json", fitted.to_dict())
    write_json(tmp / "observations_report.json", {
        "observations": report.n_observations, "derived_from_growth": report.n_derived,
        "duplicates_merged": obs.duplicates_dropped, "conflicts_over_1pct": report.conflicts,
        "all_conflicts": [c.describe() for c in obs.conflicts], "scope_breaks": report.scope_breaks,
        "rows_not_used": list(obs.skipped)})
    write_frame(tmp / "what_moved.csv", pd.DataFrame(list(fitted.moved)))
    write_json(tmp / "manifest.json", manifest.build(command=command, seed=None, data_files=obs.files, extra={
        "kind": "calibrate", "data_hash": obs.data_hash, "until": obs.until, "region_pack": region_pack}))
