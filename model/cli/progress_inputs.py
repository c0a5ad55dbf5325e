"""Which progress file a command uses, and the month its facts are cut at.

``--progress FILE`` wins over the scenario's ``progress:`` key (a path relative to the scenario
file).  ``--until PERIOD`` (or the scenario's ``calibration.until``) keeps only the rows dated in or
before the period's last month, as it keeps only the observations that end by then: a run
``--until P`` sees exactly what was known at ``P``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from expressim.model.spec.progress import Progress, load, until_month
from expressim.model.spec.scenario import Scenario

__all__ = ["progress_for", "progress_path"]


def progress_path(args: argparse.Namespace, scenario: Scenario, scenario_path: str | Path) -> Path | None:
    """``--progress`` or the scenario's ``progress:`` (relative to the scenario file), or None."""
    given = getattr(args, "progress", None)
    if given:
        return Path(given)
    if scenario.progress:
        p = Path(scenario.progress)
        return p if p.is_absolute() else Path(scenario_path).resolve().parent / p
    return None


def progress_for(args: argparse.Namespace, scenario: Scenario, scenario_path: str | Path,
                 until: str | None) -> Progress | None:
    """The checked progress file of a run, cut at ``until`` (None when there is none)."""
    path = progress_path(args, scenario, scenario_path)
    if path is None:
        return None
    return load(path, scenario).until(until_month(until))
