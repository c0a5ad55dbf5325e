"""Pass 3, classes 12 and 8: edge monitor and sensitivity arguments end in one line (never an internal
error), and the number of monitor points is bounded (none after the current month)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import PLAN, cli

from expressim.model.cli import context


def _refused(argv: tuple[str, ...], *words: str) -> None:
    rc, _, err = cli("-q", *argv)
    assert rc == 2, err
    assert "internal error" not in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for w in words:
        assert w in err, err


@pytest.mark.parametrize("every, start, end, first", [("year", "2024-01", "2024-06", "2024-12"),
                                                      ("quarter", "2024-01", "2024-02", "2024-03"),
                                                      ("year", "2024-02", "2024-02", "2024-12")])
def test_a_range_without_a_point_is_one_line(every: str, start: str, end: str, first: str) -> None:
    _refused(("monitor", str(PLAN), "--every", every, "--from", start, "--to", end, "--replications", "2"),
             f"no {every} ends in this range", f"--to {first}")


def test_far_future_monitor_points_are_refused_before_any_fit() -> None:
    _refused(("monitor", str(PLAN), "--every", "year", "--from", "2026-01", "--to", "2100-12", "--replications", "2"),
             "--to 2100-12", "after the current month")
    _refused(("monitor", str(PLAN), "--as-of", "2024-12", "2031-12", "--replications", "2"), "--as-of 2031-12")


def test_the_number_of_monitor_points_is_bounded() -> None:
    from expressim.model.analysis.monitor import MAX_POINTS, as_of_points

    _refused(("monitor", str(PLAN), "--every", "month", "--from", "2018-01", "--to", "2024-12", "--replications", "2"),
             "84 as-of dates", f"at most {MAX_POINTS}")
    assert len(as_of_points(None, "month", "2021-09", "2024-12")) == MAX_POINTS


def test_prim_with_no_varying_input_or_one_replication_finds_no_box() -> None:
    from expressim.model.analysis import discovery

    for inputs, y in (({}, np.array([1.0, 0.0, 1.0])), ({"a": np.array([0.3])}, np.array([1.0]))):
        box = discovery.prim(inputs, y)
        assert box["chosen"] is None and box["trajectory"] == []
        assert discovery.describe(box["chosen"]).startswith("no box")


def test_sensitivity_with_one_replication_finishes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fitted: Any) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(context, "fitted_for", lambda obs, **kw: fitted)
    rc, _, err = cli("-q", "sensitivity", str(PLAN), "--samples", "8", "--replications", "1", "--target",
                     "jobs_2025", "--out", str(tmp_path / "s"))
    assert rc == 0, err
    assert (tmp_path / "s" / "discovery.json").is_file()
