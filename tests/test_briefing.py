"""Reports an official can brief from (issue 20): one language per report, words that fit the date,
the answers first, results.xlsx beside CSVs Excel can open, Chinese in figures on a fresh machine."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="expressim-mpl-"))  # no cache in $HOME

import pytest  # noqa: E402
from helpers import PLAN, ROOT, cli  # noqa: E402

from expressim.model.cli import context  # noqa: E402
from expressim.model.viz import i18n  # noqa: E402

PROGRESS = ROOT / "scenarios" / "progress_2026.csv"
DEC_2026 = 2026 * 12 + 11
#: words of a year still ahead, in both languages
FORWARD = ("On track", "At risk", "Unlikely", "有望达成", "存在风险", "难以达成")


# ---- the catalogue --------------------------------------------------------------------------------

def test_every_message_has_both_languages_and_the_same_fields() -> None:
    fields = re.compile(r"\{(\w+)")
    for key, entry in i18n.MESSAGES.items():
        assert set(entry) == {"en", "zh"}, key
        assert entry["en"].strip() and entry["zh"].strip(), key
        assert set(fields.findall(entry["en"])) == set(fields.findall(entry["zh"])), key
    for key, entry in i18n.METRIC_NAMES.items():
        assert set(entry) == {"en", "zh"}, key


def test_default_language_follows_the_region_pack() -> None:
    assert i18n.default_lang(["毕节市", "七星关区"]) == "zh"
    assert i18n.default_lang(["Springfield", "Shelbyville"]) == "en"
    assert i18n.default_lang(["毕节市"], "en") == "en"


def _literals(path: Path) -> list[str]:
    """The string literals of a module, docstrings left out."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.FunctionDef | ast.ClassDef) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docs]


def test_the_shipped_plan_reports_in_chinese_unless_asked() -> None:
    from expressim.model.cli.lang import report_lang
    from expressim.model.spec import scenario as sc

    scn = sc.load(PLAN)
    assert report_lang(None, scn, PLAN) == "zh"
    assert report_lang("en", scn, PLAN) == "en"


def test_a_progress_fact_is_said_in_words() -> None:
    names = {"centre_nayong": "纳雍县共配中心"}
    assert i18n.fact_text("centre_nayong not_opened_by 2024-12", names, "zh") == "纳雍县共配中心 截至仍未投用 2024-12"
    assert i18n.fact_text("centre_nayong.construction started 2024-03", names, "en") == (
        "纳雍县共配中心 · construction started in 2024-03")
    assert i18n.fact_text("something else entirely", names, "en") == "something else entirely"


def test_no_report_module_prints_a_status_word_outside_the_catalogue() -> None:
    """The words are in one place (the catalogue): no other module of viz spells a status word itself."""
    catalogue = {"messages.py", "i18n.py"}
    for path in sorted((ROOT / "model" / "viz").glob("*.py")):
        if path.name in catalogue:
            continue
        f = path.name
        for text in _literals(path):
            if re.fullmatch(r"[a-z_]+\.[a-z_.]+", text):  # a catalogue key
                continue
            for word in (*FORWARD, "已达成", "未达成", "Missed", "Unknown", "missed"):
                assert word not in text, (f, word, text)


def test_the_bundled_cjk_font_is_registered_with_matplotlib() -> None:
    from expressim.model.viz import figure_style

    assert figure_style.register_bundled_font() is not None, "noto-cjk-sans-otc is a dependency"
    assert figure_style.cjk_font() == "Noto Sans CJK SC"


def test_a_report_embeds_the_subset_of_the_characters_it_uses() -> None:
    import base64
    import io

    from fontTools.ttLib import TTFont

    from expressim.model.viz.fonts import embedded_font_css

    css = embedded_font_css("<p>快递业务量 4亿件 · 未达成</p>")
    data = re.search(r"base64,([A-Za-z0-9+/=]+)\)", css)
    assert data is not None
    cmap = TTFont(io.BytesIO(base64.b64decode(data.group(1)))).getBestCmap()
    assert all(ord(c) in cmap for c in "快递业务量亿件未达成")
    assert ord("·") not in cmap  # Latin punctuation stays in the reader's font
    assert len(data.group(1)) < 200_000
    assert embedded_font_css("plain ASCII only") == ""


# ---- CSV and workbook -----------------------------------------------------------------------------

def test_a_csv_with_chinese_text_round_trips_through_pandas(tmp_path: Path) -> None:
    import pandas as pd

    from expressim.model.store.tables import write_csv, write_frame

    rows = [{"label": "快递进出口业务量 4亿件", "value": 4.0e8}, {"label": "=HYPERLINK(1)", "value": -1.5}]
    write_csv(tmp_path / "a.csv", rows)
    assert (tmp_path / "a.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(tmp_path / "a.csv", encoding="utf-8-sig")
    assert list(back.columns) == ["label", "value"]
    assert back["label"].tolist() == ["快递进出口业务量 4亿件", "'=HYPERLINK(1)"]
    assert back["value"].tolist() == [4.0e8, -1.5]
    write_frame(tmp_path / "b.csv", back)
    assert pd.read_csv(tmp_path / "b.csv", encoding="utf-8-sig")["label"][0] == "快递进出口业务量 4亿件"


def test_workbook_sheets_are_frozen_and_never_hold_a_formula(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from expressim.model.store.workbook import write_workbook
    from expressim.model.viz.run_tables import DisplayTable

    tables = [DisplayTable("a", "目标/Targets [1]", ["目标", "=1+1"], [["=HYPERLINK(\"x\")", 4.02], ["plain", None]]),
              DisplayTable("b", "目标/Targets [1]", ["x"], [[1]])]
    wb = load_workbook(write_workbook(tmp_path / "r.xlsx", tables))
    assert len(wb.sheetnames) == 2 and len(set(wb.sheetnames)) == 2
    ws = wb[wb.sheetnames[0]]
    assert ws.freeze_panes == "A2"
    assert ws["B1"].value == "'=1+1" and ws["A2"].value == "'=HYPERLINK(\"x\")" and ws["B2"].value == 4.02
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


# ---- end to end: December 2026, the plan's progress file, no local data ---------------------------

@pytest.fixture()
def december(monkeypatch: pytest.MonkeyPatch, fitted: Any) -> None:
    from expressim.model.cli import run as run_command

    monkeypatch.setattr(context, "fitted_for", lambda obs, **kw: fitted)
    monkeypatch.setattr(run_command, "run_month", lambda: DEC_2026)


def _progress_with_a_miss(tmp_path: Path) -> Path:
    p = tmp_path / "progress.csv"
    p.write_text(PROGRESS.read_text(encoding="utf-8").rstrip("\n")
                 + "\njobs_2025,observed,2026-04,9000,bureau count,test row\n", encoding="utf-8")
    return p


def _text(html: str) -> str:
    """The reader's text of a report: tags, the embedded font and the manifest left out."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    html = re.sub(r"<pre>.*?</pre>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _rows_of(html: str, needle: str) -> list[str]:
    """Table rows whose first cell names ``needle``."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)
    return [r for r in rows if r.startswith("<td") and needle in r.split("</td>", 1)[0]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_forward_words_for_2025_in_run_compare_and_monitor(tmp_path: Path, december: None, lang: str) -> None:
    prog = _progress_with_a_miss(tmp_path)
    run, cmp, mon = tmp_path / "run", tmp_path / "cmp", tmp_path / "mon"
    rc, out, err = cli("run", str(PLAN), "--progress", str(prog), "--replications", "40", "--seed", "1",
                       "--out", str(run), "--lang", lang)
    assert rc == 0, err
    assert "jobs_2025" in out and "->" in out  # the results on stdout
    rc, _, err = cli("compare", str(PLAN), str(ROOT / "scenarios" / "delayed.yaml"), "--progress", str(prog),
                     "--replications", "40", "--seed", "1", "--out", str(cmp), "--lang", lang)
    assert rc == 0, err
    rc, _, err = cli("monitor", str(PLAN), "--as-of", "2025-12", "2026-06", "--progress", str(prog),
                     "--replications", "30", "--seed", "1", "--out", str(mon), "--lang", lang)
    assert rc == 0, err
    missed = "Missed" if lang == "en" else "未达成"
    for folder in (run, cmp, mon):
        html = (folder / "report.html").read_text(encoding="utf-8")
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}"' in html
        text = _text(html)
        for word in FORWARD:  # every headline and every other target of the plan is a 2023-2025 target
            assert word not in text, (folder.name, word)
        jobs = _rows_of(html, "就业岗位 1万人")
        assert jobs and all(missed.lower() in r.lower() for r in jobs), (folder.name, jobs[:1])
        assert text.index("结论" if lang == "zh" else "Answers") < min(
            text.index(h) for h in ("所有情景" if lang == "zh" else "All scenarios", "全部目标" if lang == "zh" else "All targets",
                                    "在每个日期" if lang == "zh" else "The plan re-assessed") if h in text)
    from openpyxl import load_workbook

    for folder in (cmp, mon):  # compare and monitor hold their report's tables in a workbook too
        wb = load_workbook(folder / "results.xlsx")
        assert wb.sheetnames[0] == ("结论" if lang == "zh" else "Answers") and len(wb.sheetnames) >= 2
        assert all(ws.freeze_panes == "A2" for ws in wb)
        cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
        assert not [c for c in cells for w in FORWARD if w in c], folder.name
    other = "Probability" if lang == "zh" else "达成概率"
    assert other not in _text((run / "report.html").read_text(encoding="utf-8"))


def test_run_writes_results_xlsx_with_every_table_of_the_report(tmp_path: Path, december: None) -> None:
    from openpyxl import load_workbook

    run = tmp_path / "run"
    rc, _, err = cli("-q", "run", str(PLAN), "--replications", "40", "--seed", "1", "--out", str(run), "--lang", "zh")
    assert rc == 0, err
    wb = load_workbook(run / "results.xlsx")
    assert wb.sheetnames[:3] == ["结论", "全部目标", "各年指标"]
    assert {"主要依据", "影响结果的假设"} <= set(wb.sheetnames)
    html = (run / "report.html").read_text(encoding="utf-8")
    for name in wb.sheetnames:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert name in html  # each sheet is a table the report shows, under the same heading
    targets = wb["全部目标"]
    head = [c.value for c in targets[1]]
    assert head[:4] == ["目标", "编号", "年份", "目标值"]
    row = next(r for r in targets.iter_rows(min_row=2, values_only=True) if r[1] == "parcels_inout_2025")
    assert row[3] == 4.0 and row[4] == "≥ 亿件"  # threshold in 亿件, not 400000000.0
    annual = [r for r in wb["各年指标"].iter_rows(min_row=2, values_only=True) if r[0] == "快递进出口业务量"]
    assert annual and all(r[2] == "亿件" and 0.5 < r[5] < 20 for r in annual)
    assert round(annual[0][5], 2) == annual[0][5]


def test_the_chinese_run_report_says_its_own_words_in_chinese(tmp_path: Path, december: None) -> None:
    """Outside what a source wrote (cited sources in the muted column), a Chinese run report has no English
    sentence: the scenario's ``description_zh``, readings, input names and register units in Chinese."""
    rc, _, err = cli("run", str(PLAN), "--replications", "200", "--lang", "zh", "--out", str(tmp_path / "r"))
    assert rc == 0, err
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    html = re.sub(r'<td class="muted">.*?</td>', "", html, flags=re.S)  # cited sources, as written
    from expressim.model.spec.scenario import load as load_scenario

    scn = load_scenario(PLAN)
    assert scn.description_zh and scn.description_zh in html and scn.description not in html
    rc, _, err = cli("run", str(PLAN), "--replications", "20", "--lang", "en", "--out", str(tmp_path / "en"))
    assert rc == 0, err
    en_html = (tmp_path / "en" / "report.html").read_text(encoding="utf-8")
    assert scn.description_zh not in en_html and scn.description.split(".")[0] in en_html
    text = _text(html)
    english = sorted({m.group(0) for m in re.finditer(r"[A-Za-z]{3,}(?: [A-Za-z]{2,}){3,}", text)})
    assert english == [], english[:5]


def test_every_register_unit_and_reading_has_chinese() -> None:
    from expressim.calibration.assumptions import load_register
    from expressim.model.spec.conventions import READINGS

    units = {str(e.get("unit", "")) for e in load_register().values() if e.get("unit")}
    assert units <= set(i18n.REGISTER_UNITS_ZH), sorted(units - set(i18n.REGISTER_UNITS_ZH))
    readings = {r for rs in READINGS.values() for r, _, _ in rs}
    assert readings <= set(i18n.READINGS_ZH)
