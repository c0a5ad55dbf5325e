"""The analyst's progress file: dated facts about what actually happened to a plan.

A CSV with the columns ``id,status,date,value,source,note`` (UTF-8, a BOM allowed), one fact a row:

========================  ================================================  ===========================
``id``                    ``status``                                        ``value``
========================  ================================================  ===========================
``project.phase``         ``started`` / ``finished`` (in month ``date``),   empty
                          ``started_by`` (in or before it),
                          ``not_started_by`` (still not by its end)
``project``               ``opened`` (in month ``date``), ``opened_by``,    empty
                          ``not_opened_by``
``target``                ``observed`` (``date``: when it became known)     the value, target's unit
``tracked``               ``done``, ``not_done``, ``partial``               ``partial``: share done 0-1
========================  ================================================  ===========================

Months are ``YYYY-MM``.  On the simulation's clock (months since the scenario start, month ``m``
covering ``[m, m + 1)``) a rollout fact is an interval for one event time, a phase's start or end
(a project's opening is its last phase's end): ``opened D`` is ``[D, D + 1)``, ``opened_by D``
``[-inf, D + 1)``, ``not_opened_by D`` ``[D + 1, inf)``.  :func:`load` refuses a file whose rollout facts
cannot all hold (events of a project run in order and no phase starts before its ``not_before``),
ids the scenario does not have (with a suggestion), a status that does not fit the id, dates outside
the scenario's months (an ``observed`` row: before the end of the target's year), and bad values:
one line naming the file, the line and the field (:class:`ProgressError`, exit code 2).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace
from pathlib import Path

from expressim.model.spec.scenario import FRACTION_METRICS, Scenario, ScenarioError, _printable, parse_month
from expressim.model.spec.validation_messages import did_you_mean

__all__ = ["COLUMNS", "STATUSES", "Progress", "ProgressError", "Row", "RolloutFact", "load", "month_text"]

COLUMNS = ("id", "status", "date", "value", "source", "note")
#: statuses by the kind of id they apply to
STATUSES: dict[str, tuple[str, ...]] = {
    "phase": ("started", "finished", "started_by", "not_started_by"),
    "project": ("opened", "opened_by", "not_opened_by"),
    "target": ("observed",),
    "tracked": ("done", "not_done", "partial"),
}
_MAX_BYTES = 1 << 20
#: most distinct facts a file may hold (rows repeating a fact are merged first); each is checked in every
#: replication and drawn in the report
MAX_FACTS = 500


def current_month() -> int:
    """The month index (``year * 12 + month - 1``) of today (UTC): no fact can be dated later."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    return now.year * 12 + now.month - 1


class ProgressError(ScenarioError):
    """A progress file that cannot be used; one line naming file, line and field."""


def month_text(index: int) -> str:
    """Month index ``year * 12 + month - 1`` -> ``YYYY-MM``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Row:
    """One fact of the file (``month`` = ``date`` as a month index ``year * 12 + month - 1``)."""

    line: int
    id: str
    status: str
    date: str
    month: int
    value: float | None
    source: str
    note: str
    kind: str  # phase, project, target or tracked


@dataclass(frozen=True)
class RolloutFact:
    """A rollout fact as an interval for one event time [months since the scenario start].

    ``event`` is ``"start"`` or ``"end"`` of phase ``phase`` of project ``project``; the fact holds
    when ``low <= time < high``.
    """

    project: str
    phase: int
    event: str
    low: float
    high: float
    line: int
    text: str
    file: str = ""

    def holds(self, time: float) -> bool:
        """Whether an event time [months] satisfies the fact."""
        return self.low <= time < self.high


@dataclass(frozen=True)
class Progress:
    """A validated progress file (rows in file order)."""

    path: str
    rows: tuple[Row, ...]

    def until(self, month: int | None) -> Progress:
        """Only the rows dated in or before month index ``month`` (None: all)."""
        if month is None:
            return self
        return replace(self, rows=tuple(r for r in self.rows if r.month <= month))

    def rollout_facts(self, scenario: Scenario) -> tuple[RolloutFact, ...]:
        """Phase and project rows as :class:`RolloutFact` intervals, in file order."""
        return tuple(replace(f, file=self.path) for r in self.rows if (f := _fact(r, scenario)) is not None)

    def observed(self) -> dict[str, Row]:
        """Target id -> its ``observed`` row (the latest dated one)."""
        out: dict[str, Row] = {}
        for r in sorted((r for r in self.rows if r.kind == "target"), key=lambda r: (r.month, r.line)):
            out[r.id] = r
        return out

    def tracked(self) -> dict[str, Row]:
        """Tracked id -> its latest row."""
        out: dict[str, Row] = {}
        for r in sorted((r for r in self.rows if r.kind == "tracked"), key=lambda r: (r.month, r.line)):
            out[r.id] = r
        return out

    @property
    def last_month(self) -> int | None:
        """The latest date of the file as a month index (None when empty)."""
        return max((r.month for r in self.rows), default=None)


def _fact(r: Row, scn: Scenario) -> RolloutFact | None:
    if r.kind not in ("phase", "project"):
        return None
    d = float(r.month - scn.start_month)
    if r.kind == "project":
        pid = r.id
        proj = next(p for p in scn.projects if p.id == pid)
        k, event = len(proj.phases) - 1, "end"
    else:
        pid, name = r.id.split(".", 1)
        proj = next(p for p in scn.projects if p.id == pid)
        k = [ph.name for ph in proj.phases].index(name)
        event = "start" if r.status.startswith(("started", "not_started")) else "end"
    if r.status in ("started", "finished", "opened"):
        low, high = d, d + 1.0
    elif r.status.endswith("_by") and not r.status.startswith("not_"):
        low, high = -math.inf, d + 1.0
    else:
        low, high = d + 1.0, math.inf
    return RolloutFact(pid, k, event, low, high, r.line, f"{r.id} {r.status} {r.date}")


def _ids(scn: Scenario) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for p in scn.projects:
        kinds[p.id] = "project"
        for ph in p.phases:
            kinds[f"{p.id}.{ph.name}"] = "phase"
    kinds.update({t.id: "target" for t in scn.targets})
    kinds.update({t.id: "tracked" for t in scn.tracked})
    return kinds


def _read(path: Path) -> str:
    from expressim.calibration.text import FileReadError, read_regular

    try:  # a regular file only (a FIFO or device is refused before any read), capped while reading
        raw = read_regular(path, _MAX_BYTES)
    except FileReadError as exc:
        raise ProgressError(f"{path}: {exc}; expected a progress file (a small CSV of facts)") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProgressError(f"{path}: byte {exc.start}: expected UTF-8 text") from None


def load(path: str | Path, scenario: Scenario) -> Progress:
    """Read and check a progress file against a scenario.

    Raises
    ------
    ProgressError
        ``file: line N: field: what was expected`` for the first problem.
    """
    p = Path(path)
    reader = csv.reader(io.StringIO(_read(p), newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ProgressError(f"{p}: line 1: header: expected the columns {','.join(COLUMNS)}, got an empty file") from None
    except csv.Error as exc:
        raise ProgressError(f"{p}: line 1: header: {exc}") from None
    if sorted(header) != sorted(COLUMNS):
        raise ProgressError(f"{p}: line 1: header: expected the columns {','.join(COLUMNS)}, got {','.join(header)}")
    kinds = _ids(scenario)
    rows: list[Row] = []
    seen: dict[tuple[str, str, int, float | None], int] = {}
    chains = _Chains(scenario, p)
    now = current_month()
    begun = reader.line_num + 1
    try:
        for cells in reader:
            line = begun  # a quoted cell may span lines: the row is named by the line it starts on
            begun = reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise ProgressError(f"{p}: line {line}: (row): expected {len(header)} fields, got {len(cells)}")
            row = _row(p, line, _printable_cells(p, line, dict(zip(header, (c.strip() for c in cells), strict=True))),
                       scenario, kinds, now)
            fact_key = (row.id, row.status, row.month, row.value)
            if fact_key in seen:  # the same fact again (another source or note): merged into the first
                continue
            _check_duplicate(p, row, rows)
            if len(seen) == MAX_FACTS:
                raise ProgressError(f"{p}: line {line}: (row): more than {MAX_FACTS} distinct facts; expected at "
                                    f"most {MAX_FACTS} (rows repeating a fact are merged)")
            seen[fact_key] = line
            if row.kind in ("phase", "project"):
                fact = _fact(row, scenario)
                assert fact is not None
                chains.add(fact, row)
            rows.append(row)
    except csv.Error as exc:
        if "end of data" in str(exc) or "EOF" in str(exc):
            raise ProgressError(f"{p}: line {begun}: (row): a quote (\") opened in this row is never closed; "
                                f"expected a closing quote before the end of the file") from None
        raise ProgressError(f"{p}: line {reader.line_num}: (row): {exc}") from None
    return Progress(str(p), tuple(rows))


def _printable_cells(p: Path, line: int, cells: dict[str, str]) -> dict[str, str]:
    """Refuse control characters in any cell: notes and sources reach the terminal and the reports."""
    for name, text in cells.items():
        try:
            _printable(text)
        except ValueError as exc:
            raise ProgressError(f"{p}: line {line}: {name}: {exc}") from None
    return cells


def _row(p: Path, line: int, c: dict[str, str], scn: Scenario, kinds: dict[str, str], now: int | None = None) -> Row:
    where = f"{p}: line {line}"
    rid, status = c["id"], c["status"]
    if rid not in kinds:
        raise ProgressError(f"{where}: id: unknown id '{rid}'; expected a project, project.phase, target or "
                            f"tracked id of scenario '{scn.name}'{did_you_mean(rid, kinds)}")
    kind = kinds[rid]
    if status not in STATUSES[kind]:
        known = [s for v in STATUSES.values() for s in v]
        what = "is not a status" if status not in known else "does not fit"
        raise ProgressError(f"{where}: status: '{status}' {what} for {kind} '{rid}'; expected one of "
                            f"{', '.join(STATUSES[kind])}{did_you_mean(status, STATUSES[kind])}")
    try:
        month = parse_month(c["date"])
    except ValueError as exc:
        raise ProgressError(f"{where}: date: {exc}") from None
    start, end = scn.start_month, parse_month(scn.horizon)
    if kind in ("phase", "project") and not start <= month <= end:
        raise ProgressError(f"{where}: date: {c['date']} is outside the scenario's months "
                            f"{scn.start}..{scn.horizon}")
    if kind == "tracked" and month < start:
        raise ProgressError(f"{where}: date: {c['date']} is before the scenario start {scn.start}")
    if now is not None and month > now:
        raise ProgressError(f"{where}: date: {c['date']} is after the current month {month_text(now)}; expected "
                            f"the date of something that has happened (up to {month_text(now)})")
    value = _value(where, kind, status, c["value"], scn, rid)
    if kind == "target":
        year = next(t.year for t in scn.targets if t.id == rid)
        if month < year * 12 + 11:
            raise ProgressError(f"{where}: date: {c['date']} is before the end of {year}; a value for "
                                f"{year} can only be known from {year}-12 on")
    return Row(line, rid, status, c["date"], month, value, c["source"], c["note"], kind)


def _value(where: str, kind: str, status: str, text: str, scn: Scenario, rid: str) -> float | None:
    if kind in ("phase", "project") or status in ("done", "not_done"):
        if text:
            raise ProgressError(f"{where}: value: expected an empty value for '{status}', got '{text}'")
        return None
    try:
        v = float(text)
    except ValueError:
        what = "a share done between 0 and 1" if status == "partial" else "the observed value in the target's unit"
        raise ProgressError(f"{where}: value: expected {what}, got '{text}'") from None
    if not math.isfinite(v):
        raise ProgressError(f"{where}: value: expected a finite number, got '{text}'")
    if status == "partial" and not 0.0 < v < 1.0:
        raise ProgressError(f"{where}: value: expected a share done strictly between 0 and 1 for 'partial' "
                            f"(use done / not_done otherwise), got {text}")
    if kind == "target":
        t = next(t for t in scn.targets if t.id == rid)
        if t.metric in FRACTION_METRICS and not 0.0 <= v <= 1.0:
            raise ProgressError(f"{where}: value: {t.metric} is a fraction: expected 0..1, got {text}")
        if v < 0 and t.metric not in FRACTION_METRICS:
            raise ProgressError(f"{where}: value: expected a non-negative {t.unit or 'value'}, got {text}")
    return v


def _check_duplicate(p: Path, row: Row, rows: list[Row]) -> None:
    """Refuse a target observed twice with two values, or a tracked item given two states in one month."""
    if row.kind == "target":
        for r in rows:
            if r.id == row.id and r.value != row.value:
                raise ProgressError(f"{p}: line {row.line}: value: {row.id} observed {row.value:g} contradicts line "
                                    f"{r.line} (observed {r.value:g})")
    elif row.kind == "tracked":
        for r in rows:
            if r.id == row.id and r.month == row.month and (r.status, r.value) != (row.status, row.value):
                was = r.status + (f" {r.value:g}" if r.value is not None else "")
                raise ProgressError(f"{p}: line {row.line}: status: {row.id} {row.status} {row.date} contradicts "
                                    f"line {r.line} ({was} in the same month); expected one state a month")


class _Chains:
    """Each project's event times (start_0 <= end_0 <= start_1 ...) as intervals; refuses empty ones."""

    def __init__(self, scn: Scenario, path: Path) -> None:
        self.scn, self.path = scn, path
        self.low: dict[str, list[float]] = {}
        self.high: dict[str, list[float]] = {}
        self.lines: dict[str, list[int]] = {}
        for proj in scn.projects:
            low = []
            for ph in proj.phases:
                nb = scn.month_offset(ph.not_before)
                low += [nb if nb is not None else 0.0, -math.inf]
            self.low[proj.id], self.high[proj.id] = low, [math.inf] * len(low)
            self.lines[proj.id] = []

    def add(self, fact: RolloutFact, row: Row) -> None:
        pid = fact.project
        i = 2 * fact.phase + (1 if fact.event == "end" else 0)
        low, high = list(self.low[pid]), list(self.high[pid])
        low[i], high[i] = max(low[i], fact.low), min(high[i], fact.high)
        for j in range(1, len(low)):
            low[j] = max(low[j], low[j - 1])
        for j in range(len(high) - 2, -1, -1):
            high[j] = min(high[j], high[j + 1])
        if any(lo >= hi for lo, hi in zip(low, high, strict=True)):
            earlier = self.lines[pid]
            why = (f"contradicts line{'s' if len(earlier) > 1 else ''} {', '.join(map(str, earlier))} on '{pid}'"
                   if earlier else f"cannot hold: a phase of '{pid}' would start before its not_before")
            raise ProgressError(f"{self.path}: line {row.line}: status: {row.status} {row.date} {why}")
        self.low[pid], self.high[pid] = low, high
        self.lines[pid].append(row.line)


def until_month(until: str | int | None) -> int | None:
    """The last month index of an ``--until`` period (None stays None; a year may be given as an int)."""
    if until is None:
        return None
    from expressim.calibration.periods import PeriodError, parse_period

    if isinstance(until, bool) or not isinstance(until, str | int):
        raise ProgressError(f"--until: expected a period such as 2023 or 2023-06, got {until!r}")
    try:
        return parse_period(str(until), allow_approx=False).last
    except PeriodError as exc:
        raise ProgressError(f"--until: {exc}") from None
