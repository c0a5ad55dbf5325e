"""No register entry is derived from a target threshold (model.register_audit)."""

from __future__ import annotations

import pytest
from helpers import ROOT

from expressim.calibration.assumptions import load_register
from expressim.model.analysis import register_audit as ra

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))

#: the online-shopping entry as it stood before issue 13 (value back-solved from the 500亿 target)
OLD_ONLINE = {"dist": "triangular", "low": 70, "mode": 100, "high": 140, "unit": "元/件",
              "description": "online retail value carried per e-commerce parcel",
              "source": "PRIORS.md §6: SPB 137元 (2019), implied 126-128元 (2016, 2019), Hubei 89元 (2023 H1). "
                        "assumption: the plan's 500亿 \"online shopping supported\" counts parcels in and out "
                        "(500亿 = 4亿 parcels x 125元), so the engine applies this value to e-commerce parcels in + out."}
OLD_LIQUOR = {"dist": "triangular", "low": 30, "mode": 70, "high": 150, "unit": "t per year",
              "source": "assumption: Jinsha makes 1.8万 kL a year (PRIORS.md §6) but express carries a tiny share; "
                        "the plan's 100 t goal suggests the starting level was below it."}


@pytest.fixture(scope="module")
def thresholds() -> list[ra.Threshold]:
    return ra.scenario_thresholds(SCENARIOS)


def test_the_register_has_no_entry_derived_from_a_target(thresholds: list[ra.Threshold]) -> None:
    assert SCENARIOS and thresholds
    assert ra.findings(load_register(), thresholds) == []


def test_the_audit_catches_the_back_solved_online_value(thresholds: list[ra.Threshold]) -> None:
    found = ra.findings({"online_value_per_parcel": OLD_ONLINE, "specialty_liquor_tonnes_2023": OLD_LIQUOR}, thresholds)
    assert any(f.startswith("online_value_per_parcel:") and "online_shopping_2025" in f for f in found), found
    assert any(f.startswith("specialty_liquor_tonnes_2023:") and "liquor_20" in f for f in found), found


def test_the_audit_catches_a_value_equal_to_threshold_over_volume(thresholds: list[ra.Threshold]) -> None:
    """Neutral words, but mode = 500亿元 / 4亿件 = 125 元/件 and 1万人 / 4亿件 x 10^4 = 0.25 jobs per 10,000."""
    planted = {"v": {"dist": "triangular", "low": 90, "mode": 125, "high": 160, "unit": "元/件", "source": "x"},
               "j": {"dist": "triangular", "low": 0.1, "mode": 0.25, "high": 0.5,
                     "unit": "jobs per 10,000 parcels handled a year", "source": "x"}}
    found = ra.findings(planted, thresholds)
    assert any(f.startswith("v.mode") and "online_shopping_2025 / parcels_inout_2025" in f for f in found), found
    assert any(f.startswith("j.mode") and "jobs_2025 / parcels_inout_2025" in f for f in found), found


def test_numbers_in_reads_chinese_multipliers() -> None:
    assert ra.numbers_in("500亿 = 4亿 x 125元, 95%, 1,320.7") == pytest.approx([5e10, 4e8, 125.0, 0.95, 1320.7])


def test_every_spillover_coefficient_cites_evidence_rows_or_is_a_labelled_assumption() -> None:
    """Each entry the spillovers use names rows of priors_evidence.csv (by parameter) or says "assumption:"."""
    import csv

    from expressim.model.engine.parameters import SIMULATION_PARAMETERS

    with (ROOT / "calibration" / "data" / "priors_evidence.csv").open(encoding="utf-8") as fh:
        rows = {r["parameter"] for r in csv.DictReader(fh)}
    reg = load_register()
    spill = SIMULATION_PARAMETERS[SIMULATION_PARAMETERS.index("jobs_per_10k_parcels_2023"):]
    for key in spill:
        e = reg[key]
        assert e.get("description") and e.get("unit"), key
        src = str(e.get("source", ""))
        cited = [w for w in src.replace(",", " ").replace("(", " ").split() if w in rows]
        assert cited or "assumption:" in src or "PRIORS.md" in src, key
    for key in ("online_value_per_parcel", "online_value_per_parcel_decline", "jobs_per_10k_parcels_2023",
                "jobs_productivity_growth"):
        src = str(reg[key]["source"])
        assert "priors_evidence.csv:" in src and any(r in src for r in rows), key
