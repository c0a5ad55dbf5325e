"""Which progress file a command uses, and the month its facts are cut at.

``--progress FILE`` wins over the scenario's ``progress:`` key (a path relative to the scenario
file).  ``--until PERIOD`` (or the scenario's ``calibration.until``) keeps only the rows dated in or
before the period's last month, as it keeps only the observations that end by then: a run
``--until P`` sees exactly what was known at ``P``.
"""

from __future__ import annotations

from pathlib import Path

from expressim.model.spec.progress import Progress, load, until_month
from expressim.model.spec.scenario import Scenario

__all__ = ["progress_for", "progress_path"]


def progress_path(given: str | None, scenario: Scenario, scenario_path: str | Path) -> Path | None:
    """``--progress`` (``given``) or the scenario's ``progress:`` (relative to the scenario file), or None."""
    if given:
        return Path(given)
    if scenario.progress:
        p = Path(scenario.progress)
        return p if p.is_absolute() else Path(scenario_path).resolve().parent / p
    return None


def progress_for(given: str | None, scenario: Scenario, scenario_path: str | Path,
                 until: str | None) -> Progress | None:
    """The checked progress file of a run (``--progress`` as ``given``, else the scenario's), cut at ``until``
    (None when there is none)."""
    path = progress_path(given, scenario, scenario_path)
    if path is None:
        return None
    return load(path, scenario).until(until_month(until))
