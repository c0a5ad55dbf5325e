"""The observation store (issue 2): units, YoY derivation, duplicates, scope breaks, ``--until``,
and every bad-row case named by file, line and field."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from helpers import cli
from hypothesis import given
from hypothesis import strategies as st

from expressim.calibration.observations import DataError, load
from expressim.calibration.records import COLUMNS, parse_number, read_csv, rel_precision
from expressim.calibration.units import UNITS, UnitError, canonical, convert, to_unit

HEADER = ",".join(COLUMNS) + "\n"


def write(tmp: Path, name: str, text: str | bytes) -> Path:
    p = tmp / name
    p.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return p


# ---- units ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("unit", "canon", "k"), [("件", "件", 1.0), ("万件", "件", 1e4), ("亿件", "件", 1e8),
                                                  ("亿元", "元", 1e8), ("万人", "人", 1e4), ("%", "%", 1.0),
                                                  ("億件", "件", 1e8), ("萬元", "元", 1e4)])
def test_units_convert_to_canonical(unit: str, canon: str, k: float) -> None:
    assert canonical(unit) == (canon, k)
    assert convert(2.5, unit) == (2.5 * k, canon)


@given(st.floats(-1e15, 1e15, allow_nan=False), st.sampled_from(sorted(UNITS)))
def test_unit_conversion_inverts(v: float, unit: str) -> None:
    c, cu = convert(v, unit)
    assert to_unit(c, cu, unit) == pytest.approx(v, rel=1e-12, abs=1e-300)


def test_unknown_and_mismatched_units_are_refused() -> None:
    with pytest.raises(UnitError, match="unknown unit 'parcels'"):
        canonical("parcels")
    with pytest.raises(UnitError):
        to_unit(1.0, "件", "亿元")


@pytest.mark.parametrize(("text", "value"), [("1,083", 1083.0), ("１０８３．５", 1083.5), ("１，０８３", 1083.0),
                                             (" 12.5 ", 12.5), ("−3", -3.0), ("1 083", 1083.0)])
def test_numbers_as_exported(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["1,5", "1,23", "nan", "inf", "", "12.3万", "1e999"])
def test_ambiguous_or_non_finite_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


def test_precision_of_published_digits() -> None:
    assert rel_precision("1320.7", 1320.7) == pytest.approx(0.05 / 1320.7)
    assert rel_precision("14000", 14000) == pytest.approx(500 / 14000)


# ---- derivation, duplicates, scope breaks, --until ---------------------------------------------------

def test_growth_rate_implies_the_year_earlier_window_flagged_derived(tmp_path: Path) -> None:
    f = write(tmp_path, "g.csv", HEADER + "Guizhou,express_volume,2024-01..10,10.5,亿件,5,u,\n")
    obs = load([f])
    d = [o for o in obs.observations if o.derived]
    assert len(d) == 1
    assert str(d[0].period) == "2023-01..10"
    assert d[0].value == pytest.approx(10.5e8 / 1.05)
    assert d[0].yoy_growth_pct is None and "derived" in d[0].note


def test_no_derivation_over_a_published_level(tmp_path: Path) -> None:
    f = write(tmp_path, "g.csv", HEADER + "X,v,2024,105,件,5,,\nX,v,2023,100,件,,,\n")
    obs = load([f])
    assert not any(o.derived for o in obs.observations) and not obs.scope_breaks


def test_duplicates_keep_the_most_precise_and_report_the_conflict(tmp_path: Path) -> None:
    f = write(tmp_path, "d.csv", HEADER + "X,v,2024,1321,亿件,,,\nX,v,2024,1320.7,亿件,,,\nX,v,2024-01..12,1320,亿件,,,\n")
    obs = load([f])
    kept = obs.select("X", "v")
    assert len(kept) == 1 and kept[0].value == pytest.approx(1320.7e8)
    assert obs.duplicates_dropped == 2
    assert len(obs.conflicts) == 1 and obs.conflicts[0].rel_spread < 0.01
    load([f], strict=True)  # under 1%: strict passes


def test_bulletin_beats_preliminary(tmp_path: Path) -> None:
    f = write(tmp_path, "d.csv", HEADER + "X,v,2015,206.12,亿件,,,preliminary (announced at year start)\n"
                                          "X,v,2015,206.7,亿件,,,statistical bulletin\n")
    assert load([f]).select("X", "v")[0].value == pytest.approx(206.7e8)


def test_strict_fails_on_conflicts_above_one_percent(tmp_path: Path) -> None:
    f = write(tmp_path, "d.csv", HEADER + "X,v,2024,100,件,,,\nX,v,2024,110.5,件,,,\n")
    assert len(load([f]).conflicts) == 1
    with pytest.raises(DataError, match=r"--strict: 1 conflicting"):
        load([f], strict=True)
    rc, _, err = cli("forecast", "--geography", "China", "--indicator", "express_volume", "--period", "2025",
                     "--data", str(f), "--strict")
    assert rc == 2 and err.count("\n") == 1 and "--strict" in err


def test_scope_break_on_the_national_2024_volume(observations: object) -> None:
    b = {x.period: x for x in observations.breaks("China", "express_volume")}  # type: ignore[attr-defined]
    # the year and the 2024 monthly bulletins (each against the 2023 month as first published) see it
    assert "2024" in b and all(p.startswith("2024") for p in b)
    assert b["2024"].ratio == pytest.approx(1.091, abs=0.002)


def test_until_drops_later_rows_before_derivation(tmp_path: Path) -> None:
    f = write(tmp_path, "u.csv", HEADER + "X,v,2024,105,件,5,,\nX,v,2022,90,件,,,\nX,v,2023-06,8,件,,,\n")
    full = load([f])
    assert any(o.derived and str(o.period) == "2023" for o in full.observations)
    cut = load([f], until="2023")
    assert sorted(str(o.period) for o in cut.observations) == ["2022", "2023-06"]
    assert load([f], until="2023-05").select("X", "v")[-1].period.year == 2022


def test_until_on_the_shipped_data_removes_the_2024_break() -> None:
    obs = load(until="2023")
    assert not obs.breaks("China", "express_volume")
    assert max(o.period.last for o in obs.observations if o.period.kind != "approx") // 12 <= 2023


def test_bad_until_is_one_clear_error() -> None:
    with pytest.raises(DataError, match="--until: '2023-13'|--until: month 13"):
        load(until="2023-13")


# ---- exports from office software --------------------------------------------------------------------

ROW = "China,express_volume(快递业务量),2021,1083,亿件,29.9,https://example.org,注释\n"


@pytest.mark.parametrize(("name", "content"), [
    ("utf8.csv", (HEADER + ROW).encode("utf-8")),
    ("bom.csv", ("\ufeff" + HEADER + ROW).encode("utf-8")),
    ("gbk.csv", (HEADER + ROW).encode("gbk")),
    ("gb18030.csv", (HEADER + ROW).encode("gb18030")),
    ("utf16.csv", (HEADER + ROW).encode("utf-16")),
    ("crlf.csv", (HEADER + ROW).replace("\n", "\r\n").encode("utf-8")),
    ("thousands.csv", (HEADER + ROW.replace(",1083,", ',"1,083",')).encode("utf-8")),
    ("fullwidth.csv", (HEADER + ROW.replace("2021", "２０２１").replace("1083", "１０８３．０")
                       .replace("29.9", "２９．９％")).encode("utf-8")),
    ("blank_lines.csv", (HEADER + "\n\n" + ROW + "\n,,,,,,,\n   \n").encode("utf-8")),
    ("trailing_columns.csv", (HEADER.strip() + ",,\n" + ROW.strip() + ",,\n").encode("utf-8")),
    ("header_case.csv", (HEADER.upper().replace(",", " , ") + ROW).encode("utf-8")),
    ("reordered.csv", ("value,geography,indicator,period,unit,yoy_growth_pct,source_url,note\n"
                       "1083,China,express_volume,2021,亿件,29.9,,\n").encode()),
])
def test_exports_read_to_the_same_numbers(tmp_path: Path, name: str, content: bytes) -> None:
    obs = read_csv(write(tmp_path, name, content))
    assert len(obs) == 1
    o = obs[0]
    assert (o.geography, o.indicator, str(o.period), o.unit) == ("China", "express_volume", "2021", "件")
    assert o.value == pytest.approx(1083e8) and o.yoy_growth_pct == pytest.approx(29.9)


# (file content, expected line or None, words the message must hold)
BAD_FILES: list[tuple[str, bytes, int | None, tuple[str, ...]]] = [
    ("unit", (HEADER + "China,express_volume,2021,1083,parcels,,,\n").encode(), 2, ("field 'unit'", "parcels")),
    ("period", (HEADER + "China,express_volume,2024-13,1,亿件,,,\n").encode(), 2, ("field 'period'", "13")),
    ("period_date", (HEADER + "China,express_volume,2024-02-30,1,亿件,,,\n").encode(), 2, ("field 'period'",)),
    ("period_excel", (HEADER + "China,express_volume,2024/6/1,1,亿件,,,\n").encode(), 2, ("field 'period'",)),
    ("value", (HEADER + "China,express_volume,2021,lots,亿件,,,\n").encode(), 2, ("field 'value'", "lots")),
    ("value_empty", (HEADER + "China,express_volume,2021,,亿件,,,\n").encode(), 2, ("field 'value'",)),
    ("value_decimal_comma", (HEADER + 'China,express_volume,2021,"1,5",亿件,,,\n').encode(), 2, ("field 'value'",)),
    ("value_nan", (HEADER + "China,express_volume,2021,NaN,亿件,,,\n").encode(), 2, ("field 'value'",)),
    ("value_negative", (HEADER + "China,express_volume,2021,-3,亿件,,,\n").encode(), 2, ("field 'value'", "non-negative")),
    ("yoy", (HEADER + "China,express_volume,2021,3,亿件,abc,,\n").encode(), 2, ("field 'yoy_growth_pct'",)),
    ("yoy_minus_100", (HEADER + "China,express_volume,2021,3,亿件,-100,,\n").encode(), 2, ("field 'yoy_growth_pct'",)),
    ("geography", (HEADER + ",express_volume,2021,3,亿件,,,\n").encode(), 2, ("field 'geography'",)),
    ("indicator", (HEADER + "China,(快递),2021,3,亿件,,,\n").encode(), 2, ("field 'indicator'",)),
    ("short_row", (HEADER + "China,express_volume,2021\n").encode(), 2, ("3 fields", "expected 8")),
    ("long_row", (HEADER + ROW.strip() + ",surprise\n").encode(), 2, ("9 fields",)),
    ("fullwidth_comma", (HEADER + "China,express_volume,2021，3,亿件,,,\n").encode(), 2, ("full-width comma",)),
    ("unclosed_quote", (HEADER + 'China,express_volume,2021,"3,亿件,,,\nChina,x,2021,3,件,,,\n').encode(), 3,
     ("unclosed quote",)),
    ("missing_columns", "geography,indicator,period,value,unit\nChina,v,2021,1,件\n".encode(), 1,
     ("missing column", "yoy_growth_pct")),
    ("extra_column", (HEADER.strip() + ",comment\n" + ROW.strip() + ",x\n").encode(), 1,
     ("unexpected column", "comment")),
    ("duplicate_column", (HEADER.strip() + ",value\n" + ROW.strip() + ",1\n").encode(), 1, ("more than once",)),
    ("semicolons", (HEADER + ROW).replace(",", ";").encode(), 1, ("semicolons",)),
    ("tabs", (HEADER + ROW).replace(",", "\t").encode(), 1, ("tabs",)),
    ("empty", b"", None, ("empty file",)),
    ("only_blank", b"\n\n", 1, ("empty header",)),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, ("binary",)),
    ("undecodable", b"geography\x80\xff,indicator\n", None, ("UTF-8",)),
]


@pytest.mark.parametrize(("case", "content", "line", "words"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_every_bad_file_is_one_line_naming_file_line_and_field(tmp_path: Path, case: str, content: bytes,
                                                               line: int | None, words: tuple[str, ...]) -> None:
    f = write(tmp_path, f"{case}.csv", content)
    with pytest.raises(DataError) as exc:
        load([f])
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(f))
    if line is not None:
        assert msg.startswith(f"{f}:{line}:"), msg
    for w in words:
        assert w in msg, msg


@pytest.mark.parametrize("case", ["unit", "period", "value", "missing_columns", "binary"])
def test_bad_data_through_the_cli_exit_2_one_line_nothing_written(tmp_path: Path, case: str) -> None:
    _, content, _, _ = next(c for c in BAD_FILES if c[0] == case)
    f = write(tmp_path, f"{case}.csv", content)
    out = tmp_path / "cal"
    rc, stdout, err = cli("calibrate", "--data", str(f), "--out", str(out))
    assert rc == 2 and stdout == ""
    assert err.count("\n") == 1 and err.startswith("expressim: error: ") and f"{case}.csv" in err
    assert "Traceback" not in err and not out.exists()
    assert list(tmp_path.iterdir()) == [f]


def test_a_row_the_model_cannot_read_is_named_and_left_out_strict_refuses_it(tmp_path: Path) -> None:
    """Real releases carry an index, a rank or a day range: one line names them; the rest is read."""
    f = write(tmp_path, "messy.csv", HEADER + ROW + "China,express_CR8,2025-01..06,97.02,index,,,\n"
              "China,express_volume,2023-01-01..05-04,100.06,亿件,16.9,,\n"
              "China,express_volume,2024-H1 (year inferred),800,亿件,,,\n"
              "China,express_revenue,2025-01..10,12200,亿元 (≈1.22 trillion),8.5,,\n"
              "China,express_volume,2025,,亿件,5,,\n")
    obs = load([f])
    periods = {(o.indicator, str(o.period)) for o in obs.observations if not o.derived}
    assert ("express_volume", "2024-H1") in periods and ("express_revenue", "2025-01..10") in periods
    assert len(obs.skipped) == 1 and "\n" not in obs.skipped[0]
    line = obs.skipped[0]
    assert "3 row(s) not used" in line and "line 3 unit 'index'" in line and "line 4 period" in line
    assert "line 7 value" in line
    with pytest.raises(DataError, match=r"--strict: .*messy.csv:3: field 'unit'"):
        load([f], strict=True)


def test_zero_flow_totals_are_refused_zero_stocks_kept(tmp_path: Path) -> None:
    f = write(tmp_path, "z.csv", HEADER + "Guizhou,express_volume,2024-01..10,0,亿件,,,\n")
    with pytest.raises(DataError, match=r"z.csv:2: field 'value': expected a positive total"):
        load([f])
    g = write(tmp_path, "s.csv", HEADER + "Bijie,cloud_warehouses,2024-06-30,0,个,,,\n")
    assert load([g]).observations[0].value == 0


def test_zero_level_contradicting_a_growth_rate_names_both_rows(tmp_path: Path) -> None:
    f = write(tmp_path, "z.csv", HEADER + "X,firms,2023,0,个,,,\nX,firms,2024,12,个,20,,\n")
    with pytest.raises(DataError, match=r"z.csv:2: field 'value'.*growth rate at .*z.csv:3"):
        load([f])


def test_missing_data_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load([tmp_path / "nope.csv"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no observation CSV"):
        load([tmp_path / "empty"])


def test_data_folder_plus_file_adds_the_file(tmp_path: Path) -> None:
    from expressim.calibration.observations import default_data_dir

    f = write(tmp_path, "mine.csv", HEADER + "Bijie,express_volume,2024,1.1,亿件,,,local\n")
    obs = load([default_data_dir(), f])
    assert obs.select("Bijie", "express_volume")[0].value == pytest.approx(1.1e8)
    assert len(obs.files) == 5  # drivers, evidence 2025-26, observations, releases 2025, mine


# ---- fuzz: mutated rows give a valid load or the one-line error --------------------------------------

BASE_ROWS = [
    "China,express_volume(快递业务量),2022,1105.8,亿件,2.1,https://a.example,",
    "China,express_volume(快递业务量),2023,1320.7,亿件,19.4,https://b.example,statistical bulletin",
    "Guizhou,express_volume(快递业务量),2024-01..10,3.5,亿件,25.1,https://c.example,",
    "China,express_revenue(快递业务收入),2023-Q1,2459,亿元,,https://d.example,",
]
CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "2024-13", "2024-H3", "１２．５", "1,234", "1,23", "-5", "0", "1e400", "亿件", "億件",
                     "万件", "%", "％", "元/件", '"', "，", "nan", "2024-02-29", "2023-02-29", "2024-01..13",
                     "１，２３４", "\t", "\u3000", "�"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@st.composite
def mutated_csv(draw: st.DrawFn) -> str:
    rows = [r.split(",") for r in BASE_ROWS]
    for _ in range(draw(st.integers(1, 3))):
        r = draw(st.integers(0, len(rows) - 1))
        op = draw(st.sampled_from(["replace", "delete", "insert", "blank", "dup"]))
        if op == "replace":
            rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(CELL)
        elif op == "delete" and len(rows[r]) > 1:
            del rows[r][draw(st.integers(0, len(rows[r]) - 1))]
        elif op == "insert":
            rows[r].insert(draw(st.integers(0, len(rows[r]))), draw(CELL))
        elif op == "blank":
            rows.insert(r, [""])
        else:
            rows.append(list(rows[r]))
    return HEADER + "\n".join(",".join(r) for r in rows) + "\n"


@given(mutated_csv(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_mutated_rows_load_or_fail_with_one_line(tmp_path_factory: pytest.TempPathFactory, text: str,
                                                 encoding: str) -> None:
    d = tmp_path_factory.mktemp("fuzz")
    f = d / "data.csv"
    try:
        f.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        f.write_bytes(text.encode("utf-8"))
    try:
        obs = load([f])
    except DataError as exc:
        msg = str(exc)
        assert msg.startswith(str(f)) and "\n" not in msg
        return
    assert all(math.isfinite(o.value) for o in obs.observations)
    assert all(o.value >= 0 for o in obs.observations if o.unit in ("件", "元"))


@given(mutated_csv())
def test_mutated_data_through_the_cli_exit_0_or_2(tmp_path_factory: pytest.TempPathFactory, fitted: object,
                                                  text: str) -> None:
    from unittest import mock

    f = tmp_path_factory.mktemp("fuzzcli") / "data.csv"
    f.write_text(text, encoding="utf-8")
    # the data are loaded and checked for real; the (slow) fit is the shipped one
    with mock.patch("expressim.model.cli.context.fitted_for", lambda obs, **kw: fitted):
        rc, out, err = cli("forecast", "--geography", "China", "--indicator", "express_volume", "--period", "2025",
                           "--json", "--draws", "200", "--data", str(f))
    assert rc in (0, 2), err
    if rc == 2:
        assert err.count("\n") == 1 and err.startswith("expressim: error: ") and str(f) in err
    else:
        assert out.startswith("{")
