"""``validate`` warns, one line each and exit code 0 (issue 20): a phase ``not_before`` after the scenario's
horizon, a project that cannot open inside it even at its shortest durations, an as-of date (``calibration.until``,
``--until``) after the data's last month or after the current month, and progress facts dated after the data."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT, cli

from expressim.model.cli import run as run_command
from expressim.model.spec import progress as progress_module

PLAN_2030 = ROOT / "scenarios" / "plan_2030.yaml"
DEC_2026 = 2026 * 12 + 11
CENTRE = "  - {<<: *centre2025, id: centre_hezhang, region: Hezhang, label: 赫章县共配中心}"


@pytest.fixture(autouse=True)
def _december(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_command, "run_month", lambda: DEC_2026)
    monkeypatch.setattr(progress_module, "current_month", lambda: DEC_2026)


def _scenario(tmp: Path, not_before: str | None = None, until: str | None = None, progress: str | None = None) -> Path:
    text = PLAN_2030.read_text(encoding="utf-8")
    if not_before is not None:
        assert CENTRE in text
        text = text.replace(CENTRE, "  - <<: *centre2025\n    id: centre_hezhang\n    region: Hezhang\n"
                                    f"    phases:\n      - {{<<: *prep, not_before: {not_before}}}\n"
                                    "      - *build\n      - *commission")
    extra = ""
    if until is not None:
        extra += f"calibration: {{until: {until}}}\n"
    if progress is not None:
        extra += f"progress: {progress}\n"
    text = text.replace("start: 2023-01\n", "start: 2023-01\n" + extra)
    p = tmp / f"s_{not_before}_{until}_{progress}.yaml".replace("/", "_")
    p.write_text(text, encoding="utf-8")
    return p


def _warnings(err: str) -> list[str]:
    return [ln for ln in err.splitlines() if ln.startswith("expressim: warning: ")]


def test_the_shipped_2030_plan_validates_without_a_word() -> None:
    rc, out, err = cli("validate", str(PLAN_2030))
    assert rc == 0 and "ok" in out and _warnings(err) == []


@pytest.mark.parametrize("not_before, expected", [
    ("2025-01", None),  # as shipped: opens in 2025
    ("2030-11", "opens at the earliest in 2031-02"),  # gate inside, opening after the horizon
    ("2031-03", "projects.8.phases.0.not_before: 2031-03 is after the horizon 2030-12"),
])
def test_a_phase_gated_past_the_horizon_is_said(tmp_path: Path, not_before: str, expected: str | None) -> None:
    rc, out, err = cli("validate", str(_scenario(tmp_path, not_before=not_before)))
    assert rc == 0 and ": ok (" in out
    lines = _warnings(err)
    if expected is None:
        assert lines == []
    else:
        assert len(lines) == 1 and expected in lines[0] and "centre_hezhang" in lines[0]


@pytest.mark.parametrize("until, expected", [
    ("2025-06", None),  # inside the data
    ("2026-06", "after the data's last month 2025-12"),
    ("2027-03", "after the current month 2026-12"),
])
def test_an_as_of_date_after_the_data_or_today_is_said(tmp_path: Path, until: str, expected: str | None) -> None:
    rc, _, err = cli("validate", str(_scenario(tmp_path, until=until)))
    assert rc == 0, err
    lines = _warnings(err)
    if expected is None:
        assert lines == []
    else:
        assert len(lines) == 1 and "calibration.until" in lines[0] and expected in lines[0]


def test_progress_facts_after_the_data_are_said(tmp_path: Path) -> None:
    prog = tmp_path / "progress.csv"
    prog.write_text("id,status,date,value,source,note\ncentre_qianxi,opened_by,2024-11,,a,\n", encoding="utf-8")
    rc, _, err = cli("validate", str(_scenario(tmp_path, progress=str(prog))))
    assert rc == 0 and _warnings(err) == []
    prog.write_text("id,status,date,value,source,note\ncentre_qianxi,opened_by,2024-11,,a,\n"
                    "centre_weining,not_opened_by,2026-09,,b,\n", encoding="utf-8")
    rc, _, err = cli("validate", str(_scenario(tmp_path, progress=str(prog))))
    lines = _warnings(err)
    assert rc == 0 and len(lines) == 1
    assert "1 fact(s) dated after the data's last month 2025-12" in lines[0] and "line 3" in lines[0]
    prog.write_text("id,status,date,value,source,note\ncentre_weining,not_opened_by,2027-02,,b,\n", encoding="utf-8")
    rc, _, err = cli("validate", str(_scenario(tmp_path, progress=str(prog))))  # after today: refused, as before
    assert rc == 2 and "after the current month 2026-12" in err
