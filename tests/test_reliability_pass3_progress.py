"""Pass 3, classes 5 and 15 (and 16's unclosed quote): repeated progress rows are merged and the facts
capped; no fact dated after today; one state of a tracked item a month; ids unique across kinds."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import PLAN, cli
from test_progress import _write

from expressim.model.spec import progress as progress_module
from expressim.model.spec import scenario as sc
from expressim.model.spec.progress import ProgressError, load


@pytest.fixture(scope="module")
def plan() -> sc.Scenario:
    return sc.load(PLAN)


def test_one_row_repeated_29000_times_is_one_fact(tmp_path: Path, plan: sc.Scenario) -> None:
    p = _write(tmp_path, "centre_qianxi,opened_by,2024-11,,,\n" * 29_000)  # 1 MB, the case
    t0 = time.perf_counter()
    prog = load(p, plan)
    assert time.perf_counter() - t0 < 5.0
    assert len(prog.rows) == 1 and prog.rows[0].line == 2 and len(prog.rollout_facts(plan)) == 1


def test_repeats_with_other_sources_are_merged_into_the_first(tmp_path: Path, plan: sc.Scenario) -> None:
    p = _write(tmp_path, "centre_qianxi,opened_by,2024-11,,a,first\ncentre_qianxi,opened_by,2024-11,,b,again\n")
    (row,) = load(p, plan).rows
    assert (row.line, row.source) == (2, "a")


def test_distinct_facts_are_capped(tmp_path: Path, plan: sc.Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "MAX_FACTS", 3)
    body = "".join(f"cloud_warehouse_firm,not_done,2024-{m:02d},,,\n" for m in range(1, 6))
    with pytest.raises(ProgressError, match=r"line 5: \(row\): more than 3 distinct facts"):
        load(_write(tmp_path, body), plan)


def test_a_fact_dated_after_today_is_refused(tmp_path: Path, plan: sc.Scenario,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "current_month", lambda: 2025 * 12 + 5)  # today: 2025-06
    with pytest.raises(ProgressError, match=r"line 2: date: 2025-07 is after the current month 2025-06"):
        load(_write(tmp_path, "cloud_warehouse_firm,done,2025-07,,,\n"), plan)
    assert len(load(_write(tmp_path, "cloud_warehouse_firm,done,2025-06,,,\n"), plan).rows) == 1


def test_a_typo_dated_2062_does_not_end_every_year(tmp_path: Path) -> None:
    d = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    d["progress"] = "progress.csv"
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    _write(tmp_path, "cloud_warehouse_firm,done,2062-03,,,\n")
    rc, _, err = cli("-q", "validate", str(f))
    assert rc == 2 and "2062-03 is after the current month" in err and len(err.strip().splitlines()) == 1, err


def test_done_and_not_done_in_one_month_contradict(tmp_path: Path, plan: sc.Scenario) -> None:
    body = "cloud_warehouse_firm,done,2024-05,,,\ncloud_warehouse_firm,not_done,2024-05,,,\n"
    with pytest.raises(ProgressError, match=r"line 3: status: cloud_warehouse_firm not_done 2024-05 contradicts line 2"):
        load(_write(tmp_path, body), plan)
    ok = "cloud_warehouse_firm,not_done,2024-05,,,\ncloud_warehouse_firm,done,2024-09,,,\n"
    assert len(load(_write(tmp_path, ok), plan).rows) == 2


def test_an_unclosed_quote_is_named_as_such(tmp_path: Path, plan: sc.Scenario) -> None:
    body = 'cloud_warehouse_firm,done,2024-05,,,"a note\ncloud_warehouse_firm,done,2024-09,,,\n'
    with pytest.raises(ProgressError, match=r"line 2: \(row\): a quote .* never closed"):
        load(_write(tmp_path, body), plan)


@pytest.mark.parametrize("where", ["targets", "tracked"])
def test_a_target_or_tracked_id_equal_to_a_project_id_is_refused(where: str) -> None:
    d: dict[str, Any] = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    d[where][0]["id"] = d["projects"][0]["id"]
    with pytest.raises(sc.ScenarioError, match=rf"{where}\.0\.id: '.*' is also a project id"):
        sc.from_dict(d)
