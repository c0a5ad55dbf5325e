"""Every input that changes a command's result, in one dictionary: the default output folder's hash and
the manifest's ``result_inputs`` are both made from it, so two different results never share a folder.

A scenario's result depends on the scenario file, its region pack, the observations (their bytes
and the ``--until`` cut), the progress file, the replications and the seed; each command adds what
else it takes (compare: every scenario; monitor: its dates; sensitivity: method, samples, targets).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from expressim.calibration.observations import ObservationSet
    from expressim.model.spec.progress import Progress
    from expressim.model.spec.scenario import Scenario


def digest(path: str | Path) -> str:
    """SHA-256 of a regular file's bytes (hex); see :func:`expressim.model.store.folders.file_sha256`."""
    from expressim.model.store.folders import file_sha256

    return file_sha256(path)


def pack_file(scn: Scenario, scenario_path: str | Path | None = None) -> Path:
    """The region pack file a scenario uses (the shipped pack's file for a pack named, not given as a path)."""
    from expressim.model.spec.regions import pack_path

    return pack_path(scn.region_pack, scenario_path)


def scenario_inputs(path: str | Path, scn: Scenario, obs: ObservationSet,
                    progress: Progress | None = None) -> dict[str, object]:
    """What one scenario's result depends on, besides replications and seed.

    Parameters
    ----------
    path : path
        The scenario file.
    scn : Scenario
        The loaded scenario (for its region pack).
    obs : ObservationSet
        The observations used (``data_hash`` covers the bytes of every file, ``until`` the cut).
    progress : ProgressFacts, optional
        The progress facts used (their file's bytes are hashed).

    Returns
    -------
    dict
        ``scenario_sha256``, ``region_pack``, ``region_pack_sha256``, ``region_pack_data_sha256`` (the
        shipped data a ``from_data`` pack reads), ``data_sha256``, ``until``, ``progress_sha256`` (None
        without progress facts).
    """
    pack = pack_file(scn, path)
    return {"scenario_sha256": digest(path), "region_pack": str(pack.resolve()), "region_pack_sha256": digest(pack),
            "region_pack_data_sha256": pack_data_digest(pack),
            "data_sha256": obs.data_hash, "until": obs.until,
            "progress_sha256": digest(progress.path) if progress is not None else None}


def pack_data_digest(pack: Path) -> str | None:
    """SHA-256 of the shipped data a ``populations: from_data`` pack takes its populations from (whatever
    ``--data`` says), None for a pack with its own populations."""
    import hashlib

    from expressim.calibration.observations import default_data_dir
    from expressim.model.spec.safe_yaml import YamlInputError, read_file

    try:
        d = read_file(pack, "region pack")
    except YamlInputError:
        return None
    if not isinstance(d, dict) or d.get("populations") != "from_data":
        return None
    h = hashlib.sha256()
    for name in ("drivers.csv", "observations.csv"):
        h.update(digest(default_data_dir() / name).encode())
    return h.hexdigest()


def default_folder(kind: str, name: str, inputs: Mapping[str, object]) -> Path:
    """The default output folder ``outputs/<name>/[<kind>-]<hash>/`` of a result made from ``inputs``.

    The hash is over the canonical JSON of ``inputs`` (sorted keys): the same inputs give the same
    folder (a rerun replaces it), any different input another one.
    """
    from expressim.model.cli.context import default_out

    return default_out(kind, name, json.dumps(inputs, sort_keys=True, ensure_ascii=True, default=str))
