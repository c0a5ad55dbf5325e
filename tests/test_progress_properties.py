"""Property: any progress-file text either loads or raises the one-line ProgressError naming the file
(and the line, for a row) -- never another exception, never a traceback."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import pytest
from helpers import PLAN, in_thread, special_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expressim.model.spec import scenario as sc
from expressim.model.spec.progress import COLUMNS, STATUSES, ProgressError, load

SCN = sc.load(PLAN)
IDS = [p.id for p in SCN.projects] + [f"{p.id}.{ph.name}" for p in SCN.projects for ph in p.phases] + \
      [t.id for t in SCN.targets] + [t.id for t in SCN.tracked]
ALL_STATUSES = [s for v in STATUSES.values() for s in v]

hostile_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
months = st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(0, 9999), st.integers(0, 13))
numbers = st.one_of(
    st.floats().map(repr), st.floats(min_value=1e300, max_value=1.7976931348623157e308).map(repr),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e-400", "0x10", "1_000", "٣",
                     "１２", "9" * 400, "1e999999999", "", " ", "0.5", "1", "-0", "+.5e-3"]),
    st.integers(-10**30, 10**30).map(str), hostile_text)
cells = {
    "id": st.one_of(st.sampled_from(IDS), hostile_text, st.sampled_from(IDS).map(lambda s: s + "\x00")),
    "status": st.one_of(st.sampled_from(ALL_STATUSES), hostile_text),
    "date": st.one_of(months, st.sampled_from(["2024-03", "2025-12", "2026-04", "2024-3", "2024-02-30", "99999-01",
                                               "-001-01", "2024-00", "２０２４-０３"]), hostile_text),
    "value": numbers,
    "source": hostile_text,
    "note": st.one_of(hostile_text, st.just("a\nb"), st.just('"quoted, with comma"'), st.just("\x1b[31mred")),
}
TARGETS = {t.id: t.year for t in SCN.targets}
TRACKED = [t.id for t in SCN.tracked]
#: rows that load (a target observed at or after its year's end, a tracked item's state), so the checks on
#: what loads are exercised, not only the refusals
plausible = st.one_of(
    st.sampled_from(sorted(TARGETS)).flatmap(lambda i: st.fixed_dictionaries({
        "id": st.just(i), "status": st.just("observed"),
        "date": st.sampled_from([f"{TARGETS[i]}-12", f"{TARGETS[i] + 1}-01"]),
        "value": st.one_of(st.floats(0, 1).map(repr), st.integers(0, 10**6).map(str)),
        "source": st.just("s"), "note": st.just("")})),
    st.fixed_dictionaries({
        "id": st.sampled_from(TRACKED), "status": st.just("partial"), "date": st.sampled_from(["2024-03", "2025-06"]),
        "value": st.floats(0.01, 0.99).map(repr), "source": st.just("s"), "note": st.just("")}),
    st.fixed_dictionaries({
        "id": st.sampled_from(TRACKED), "status": st.sampled_from(["done", "not_done"]), "date": st.just("2024-05"),
        "value": st.just(""), "source": st.just("s"), "note": st.just("")}),
)
row = st.one_of(st.fixed_dictionaries(cells), plausible)
header = st.one_of(st.just(list(COLUMNS)), st.permutations(list(COLUMNS)),
                   st.lists(st.sampled_from([*COLUMNS, "when", ""]), max_size=8))


def _csv(head: list[str], rows: list[dict[str, str]], ragged: bool) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=random_eol[0])
    w.writerow(head)
    for r in rows:
        values = [r.get(c, "") for c in head] if head else list(r.values())
        w.writerow(values[:-1] if ragged and values else values)
    return buf.getvalue()


random_eol = ["\n"]


#: rows that loaded with and without a value (a test asserts the property reached both)
loaded = {"valued": 0, "empty": 0}


def _check(p: Path) -> None:
    try:
        prog = load(p, SCN)
    except ProgressError as exc:
        msg = str(exc)
        assert msg.startswith(f"{p}: ") and "\n" not in msg and "\r" not in msg, msg
        assert re.match(rf"{re.escape(str(p))}: (line \d+: |larger than|cannot read|byte \d+|is |no such)", msg), msg
        return
    for r in prog.rows:  # what loads is usable: known ids, finite values (or none)
        assert r.id in IDS, r
        assert r.value is None or math.isfinite(r.value), r
        loaded["empty" if r.value is None else "valued"] += 1


@pytest.mark.filterwarnings("ignore")
def test_any_csv_text_loads_or_is_refused_in_one_line(tmp_path: Path) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(header, st.lists(row, max_size=6), st.booleans(), st.sampled_from(["\n", "\r\n", "\r"]),
           st.sampled_from(["", "\ufeff"]))
    def check(head: list[str], rows: list[dict[str, str]], ragged: bool, eol: str, bom: str) -> None:
        random_eol[0] = eol
        p = tmp_path / "progress.csv"
        p.write_bytes((bom + _csv(head, rows, ragged)).encode("utf-8"))
        _check(p)

    before = dict(loaded)
    check()
    # the checks on what loads ran on rows with and without a value (not only on refusals)
    assert loaded["valued"] > before["valued"] and loaded["empty"] > before["empty"], loaded


@pytest.mark.filterwarnings("ignore")
def test_any_bytes_load_or_are_refused_in_one_line(tmp_path: Path) -> None:
    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.binary(max_size=300), st.sampled_from([b"", b"id,status,date,value,source,note\n", b"\xff\xfe",
                                                     b'id,status,date,value,source,note\n"unclosed']))
    def check(body: bytes, head: bytes) -> None:
        p = tmp_path / "progress.csv"
        p.write_bytes(head + body)
        _check(p)

    check()


@pytest.mark.parametrize("kind", ["fifo", "device", "huge", "folder"])
def test_a_progress_file_that_is_not_a_small_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    p = special_file(tmp_path / "progress.csv", kind)
    with pytest.raises(ProgressError) as exc:
        in_thread(lambda: load(p, SCN))
    assert str(exc.value).startswith(f"{p}: ")


@pytest.mark.parametrize(("field", "text"), [("note", "done\x1b[2J"), ("source", "http://x\x00y"),
                                             ("note", "two\x85lines"), ("id", "centre_qianxi\x7f")])
def test_control_characters_in_a_progress_cell_are_refused_naming_line_and_field(tmp_path: Path, field: str,
                                                                                 text: str) -> None:
    cells = {"id": "centre_qianxi", "status": "opened", "date": "2024-03", "value": "", "source": "s", "note": "n"}
    cells[field] = text
    p = tmp_path / "progress.csv"
    p.write_text(",".join(COLUMNS) + "\ncentre_qianxi,opened_by,2025-11,,,\n" + ",".join(cells[c] for c in COLUMNS)
                 + "\n", encoding="utf-8")
    with pytest.raises(ProgressError) as exc:
        load(p, SCN)
    assert str(exc.value).startswith(f"{p}: line 3: {field}: contains the control character U+")
