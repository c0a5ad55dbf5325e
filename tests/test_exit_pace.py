"""The exit pace's register entry moves the answer as it should (``national_exit_growth_mismatch``).

The monthly layer hands the annual hierarchy the growth level at the last release as an observation of
that year's growth state, with this mismatch SD [log growth].  On the shipped data the layer's December
2025 pace (about +5% a year) is far below what the annual model alone expects for 2026, so the tighter
the mismatch, the lower the 2026 national median (measured: 2,173亿 at SD 0.01, 2,197 at the shipped 0.03,
2,247 at 0.1, 2,262 at 1.0, where the pace is nearly ignored)."""

from __future__ import annotations

import copy

import pytest
from helpers import levels

from expressim.calibration import assumptions as reg
from expressim.calibration.fit import fit_all
from expressim.calibration.observations import load
from expressim.calibration.window_forecast import forecast

KEY = "national_exit_growth_mismatch"


def _median_2026(sd: float) -> float:
    register = copy.deepcopy(reg.load_register())
    register[KEY]["value"] = sd
    fitted = fit_all(load(), register, levels=levels())
    return forecast(fitted, "China", "express_volume", "2026", n=4000, seed=1)["quantiles"]["0.5"]


@pytest.fixture(scope="module")
def medians() -> dict[float, float]:
    return {sd: _median_2026(sd) for sd in (0.01, 0.03, 1.0)}


def test_a_tighter_mismatch_pulls_2026_toward_the_exit_pace(medians: dict[float, float]) -> None:
    assert medians[0.01] < medians[0.03] < medians[1.0]
    assert medians[1.0] / medians[0.01] > 1.02  # not a rounding-level effect

