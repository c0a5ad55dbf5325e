"""An honest latest opening: Wilson score bounds, 'not needed', and the range when the answer moves with n."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from expressim.model.analysis.latest_opening import OpeningPoint, latest_optimistic, verdict, wilson_bounds

Z = stats.norm.ppf(0.95)


def test_wilson_bounds_match_the_closed_form() -> None:
    """Wilson: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n); at p = 1 the lower bound is n / (n + z²)."""
    for k, n in ((50, 50), (37, 50), (0, 200), (1610, 2000)):
        p = k / n
        c = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
        h = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n * n)) / (1 + Z**2 / n)
        lo, hi = wilson_bounds(k, n)
        assert lo == pytest.approx(c - h, abs=1e-12) and hi == pytest.approx(c + h, abs=1e-12)
    assert wilson_bounds(50, 50)[0] == pytest.approx(50 / (50 + Z**2))


def _pt(shift: int, k: int, n: int = 400) -> OpeningPoint:
    p = k / n
    lo, hi = wilson_bounds(k, n)
    return OpeningPoint(shift, p, math.sqrt(p * (1 - p) / n), lo, {}, 0.0, 0.0, 0.0, hi)


def test_not_needed_when_p_without_the_projects_already_meets_the_level() -> None:
    pts = [_pt(s, 390 - 2 * s) for s in range(10)]
    v = verdict(pts, _pt(99, 360), 0.8)  # 0.90 without the projects, lower bound well above 0.8
    assert v["status"] == "not_needed" and "does not decide" in v["text"]


def test_undetermined_when_p_without_is_within_noise_of_the_level() -> None:
    """The README's old case: P without any centre 0.806 against a level of 0.8."""
    pts = [_pt(s, 390 - 2 * s) for s in range(10)]
    v = verdict(pts, _pt(99, 322), 0.8)  # 0.805
    assert v["status"] == "undetermined_without" and "moves with the number of replications" in v["text"]


def test_range_when_lower_and_upper_bounds_admit_different_shifts() -> None:
    """P falls 1 point a month from 0.90: the lower bounds stop earlier than the upper bounds."""
    pts = [_pt(s, 360 - 4 * s) for s in range(25)]
    v = verdict(pts, _pt(99, 200), 0.8)
    lo, hi = v["shift_range"]
    assert v["status"] == "range" and lo < hi
    assert all(p.lower >= 0.8 for p in pts if p.shift <= lo) and pts[lo + 1].lower < 0.8
    assert latest_optimistic(pts, 0.8) is not None and pts[hi].upper >= 0.8 > pts[hi + 1].upper


def test_determined_when_the_curve_drops_from_certain_to_impossible() -> None:
    pts = [_pt(s, 400 if s <= 4 else 0) for s in range(10)]
    v = verdict(pts, _pt(99, 0), 0.8)
    assert v == {"status": "determined", "shift_range": [4, 4], "text": v["text"]}


def test_the_printed_answer_agrees_with_the_verdict_when_p_without_is_within_noise() -> None:
    from pathlib import Path

    from expressim.model.cli.compare import _latest_text

    without = {"probability": 0.747, "lower_bound_95": 0.731, "upper_bound_95": 0.763}
    r = {"selection": "county_centre", "projects": ["a", "b"], "target": {"id": "t", "year": 2025},
         "required_probability": 0.75, "scenario": "plan", "replications": 2000, "seed": 1,
         "verdict": {"status": "undetermined_without", "text": "within Monte-Carlo error"}, "latest": None,
         "grid_months": [-4, 24], "without_projects": without, "latest_shift_point_estimate": None,
         "grid_limited_by_scenario_start": False, "method": "m", "curve": []}
    text = _latest_text(r, Path("out"))
    assert "needs them at this level" not in text and "not settled" in text
    r["without_projects"] = {**without, "upper_bound_95": 0.745}
    assert "needs them at this level" in _latest_text(r, Path("out"))
