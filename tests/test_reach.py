"""Years the calibration cannot forecast are refused before any fit, naming the file and the field
(or the option): the shipped data stop at 2025 and forecasts reach 12 years past the data (2037)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import PLAN, cli


@pytest.fixture
def no_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to fit fails the test: the refusal must come before the fit."""
    from expressim.model.cli import context

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("fitted before refusing")

    monkeypatch.setattr(context, "fitted_for", refuse)


def _plan(tmp_path: Path, horizon: str | None = None, target_year: int | None = None, extra: str = "") -> tuple[Path, int]:
    text = PLAN.read_text(encoding="utf-8")
    if horizon:
        text = re.sub(r"^horizon: .*$", f"horizon: {horizon}", text, count=1, flags=re.M)
    index = -1
    if target_year:  # the fourth target of the file moves to target_year
        ids = re.findall(r"^  - \{id: ([^,]+),", text.split("\ntargets:", 1)[1], flags=re.M)
        index = 3
        text = re.sub(rf"(id: {re.escape(ids[index])},.*?year: )2025", rf"\g<1>{target_year}", text, count=1)
    p = tmp_path / "far.yaml"
    p.write_text(text + extra, encoding="utf-8")
    return p, index


def test_validate_refuses_a_target_year_beyond_the_reach(tmp_path: Path, no_fit: None) -> None:
    p, i = _plan(tmp_path, horizon="2040-12", target_year=2039)
    rc, _, err = cli("validate", str(p))
    assert rc == 2 and err.count("\n") == 1, err
    assert f"{p}: targets.{i}.year: 2039 is beyond" in err and "expected a year up to 2037" in err


def test_validate_refuses_a_horizon_beyond_the_reach(tmp_path: Path, no_fit: None) -> None:
    p, _ = _plan(tmp_path, horizon="2038-12")
    rc, _, err = cli("validate", str(p))
    assert rc == 2 and f"{p}: horizon: 2038 is beyond" in err and "up to 2037" in err, err
    p, _ = _plan(tmp_path, horizon="2037-12")
    assert cli("validate", str(p))[0] == 0


def test_run_until_cut_names_until_and_what_it_needs_before_the_fit(tmp_path: Path, no_fit: None) -> None:
    rc, _, err = cli("-q", "run", str(PLAN), "--until", "2011", "--replications", "10", "--out", str(tmp_path / "o"))
    assert rc == 2 and err.count("\n") == 1, err
    assert f"{PLAN}: targets.0.year: 2025 is beyond" in err and "with --until 2011" in err
    assert "expected a year up to 2023, or --until 2013 or later" in err
    assert not (tmp_path / "o").exists()


def test_the_scenario_calibration_until_is_named(tmp_path: Path, no_fit: None) -> None:
    assert "\ncalibration:" not in PLAN.read_text(encoding="utf-8")
    p, _ = _plan(tmp_path, extra="calibration:\n  until: '2010'\n")
    rc, _, err = cli("validate", str(p))
    assert rc == 2 and "calibration.until 2010" in err and f"{p}: targets.0.year" in err, err


@pytest.mark.parametrize("until", ["2006", "1999-06"])
def test_an_until_before_any_usable_data_says_what_is_needed(until: str, no_fit: None) -> None:
    rc, _, err = cli("forecast", "--geography", "China", "--indicator", "express_volume", "--period", "2010",
                     "--until", until)
    assert rc == 2 and err.startswith(f"expressim: error: --until {until}: ") and "expected 2008 or later" in err, err


def test_forecast_period_beyond_the_reach_names_period(no_fit: None) -> None:
    rc, _, err = cli("forecast", "--geography", "Guizhou", "--indicator", "express_revenue", "--period", "2028-Q2",
                     "--until", "2015")
    assert rc == 2 and err.startswith("expressim: error: --period 2028-Q2: 2028 is beyond") and "up to 2027" in err, err


def test_monitor_checks_its_earliest_as_of_date(tmp_path: Path, no_fit: None) -> None:
    rc, _, err = cli("monitor", str(PLAN), "--as-of", "2024-06", "2012-03", "--replications", "10",
                     "--out", str(tmp_path / "m"))
    assert rc == 2 and "with as-of date 2012-03" in err and f"{PLAN}: targets.0.year" in err, err
