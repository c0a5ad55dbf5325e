"""Class 17 of reliability pass 3, calibration part: the documented API takes the natural arguments
(a year as an int, one path) and raises its documented errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from expressim.calibration import artefact
from expressim.calibration.errors import FitError
from expressim.calibration.observations import default_data_dir, load
from expressim.calibration.periods import PeriodError, parse_period
from expressim.calibration.window_forecast import forecast

HEADER = "geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"


def test_parse_period_takes_a_year_as_an_int_and_refuses_other_types() -> None:
    assert parse_period(2025) == parse_period("2025")
    for bad in (2025.0, None, True, b"2025"):
        with pytest.raises(PeriodError):
            parse_period(bad)  # type: ignore[arg-type]


def test_load_takes_one_path_and_an_int_until(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text(HEADER + "China,express_volume,2022,1105.8,亿件,,,\nChina,express_volume,2024,1750.8,亿件,,,\n",
                 encoding="utf-8")
    assert len(load(f).observations) == 2 and len(load(str(f)).observations) == 2
    cut = load(f, until=2023)
    assert [str(o.period) for o in cut.observations] == ["2022"] and cut.until == "2023"


def test_forecast_with_no_draws_is_a_fit_error(fitted: object) -> None:
    with pytest.raises(FitError, match="n: expected a whole number"):
        forecast(fitted, "China", "express_volume", "2025", n=0)  # type: ignore[arg-type]


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 truncated", b"not an npz", b"\x93NUMPY"])
def test_a_malformed_artefact_is_a_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        artefact.loads(data)


def test_the_shipped_folder_as_one_path() -> None:
    assert load(default_data_dir()).files == load([default_data_dir()]).files
