"""Period algebra: every published window as a range of months.

A *flow* observation (parcels in a year, revenue in Jan–Oct) covers an inclusive
range of calendar months; a *stock* observation (a census population) is dated.
Months are counted as integer indices ``year * 12 + (month - 1)`` so that window
arithmetic is integer arithmetic.

Period forms (docs/outputs.md): ``2024`` (year), ``2024-06`` (month), ``2024-01..10``
(months 1..10 of 2024, e.g. a Jan–Oct cumulative release), ``2024-Q1``,
``2024-H1``, ``2020-11-01`` (a date).  The shipped driver file also holds a few
loosely dated rows (``2014-era``, ``2020s``, ``2010-2020``, ``unspecified ...``);
they parse as *approximate* periods that fitting never uses.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from dataclasses import dataclass
from typing import Literal

PeriodKind = Literal["year", "month", "months", "quarter", "half", "date", "approx"]

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4})-(\d{2})\.\.(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_HALF = re.compile(r"^(\d{4})-H([12])$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ERA = re.compile(r"^(\d{4})(?:-era|s)$")
_SPAN = re.compile(r"^(\d{4})-(\d{4})$")

MIN_YEAR, MAX_YEAR = 1949, 2100


def month_index(year: int, month: int) -> int:
    """Integer index of a calendar month: ``year * 12 + month - 1``."""
    return year * 12 + month - 1


def month_label(index: int) -> str:
    """``'YYYY-MM'`` for a month index (inverse of :func:`month_index`)."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for a one-line message: control characters escaped, long text cut."""
    cut = text[:limit]
    body = re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]", lambda m: f"\\x{ord(m[0]):02x}", cut)
    return f"'{body}{'...' if len(text) > limit else ''}'"


class PeriodError(ValueError):
    """A period string that is not one of the accepted forms."""


@dataclass(frozen=True, order=True)
class Period:
    """A window of months ``[first, last]`` (inclusive), or a date for stocks.

    Attributes
    ----------
    kind : str
        ``year``, ``month``, ``months`` (an arbitrary range inside one year,
        e.g. Jan–N cumulative), ``quarter``, ``half``, ``date`` or ``approx``.
    first, last : int
        First and last month index of the window (for a date: its month; for an
        approximate period: the span it names).
    day : int
        Day of month for ``date`` periods, else 0.
    text : str
        The approximate period's original text (empty otherwise).
    """

    first: int
    last: int
    kind: PeriodKind
    day: int = 0
    text: str = ""

    @property
    def year(self) -> int:
        """Calendar year of the window's last month."""
        return self.last // 12

    @property
    def n_months(self) -> int:
        """Number of months the window spans."""
        return self.last - self.first + 1

    @property
    def is_flow_window(self) -> bool:
        """True for windows usable as sums of monthly flows."""
        return self.kind in ("year", "month", "months", "quarter", "half")

    def shift_years(self, years: int) -> Period:
        """The same window ``years`` years later (negative: earlier).

        A date keeps its day, except 29 February, which becomes the 28th in a common year.
        """
        day = self.day
        if self.kind == "date" and day:
            y, m = (self.first + 12 * years) // 12, (self.first + 12 * years) % 12 + 1
            day = min(day, calendar.monthrange(y, m)[1])
        return Period(self.first + 12 * years, self.last + 12 * years, self.kind, day, self.text)

    @property
    def window(self) -> tuple[int, int, int, bool, str]:
        """What the period covers, whatever its spelling: ``2024-01..06`` and ``2024-H1`` are one window."""
        return (self.first, self.last, self.day, self.kind in ("date", "approx"), self.text)

    def __str__(self) -> str:
        y, m1, m2 = self.first // 12, self.first % 12 + 1, self.last % 12 + 1
        if self.kind == "year":
            return f"{y:04d}"
        if self.kind == "month":
            return f"{y:04d}-{m1:02d}"
        if self.kind == "quarter":
            return f"{y:04d}-Q{(m1 - 1) // 3 + 1}"
        if self.kind == "half":
            return f"{y:04d}-H{(m1 - 1) // 6 + 1}"
        if self.kind == "months":
            return f"{y:04d}-{m1:02d}..{m2:02d}"
        if self.kind == "date":
            return f"{y:04d}-{m1:02d}-{self.day:02d}"
        return self.text


def _year(text: str, s: str) -> int:
    y = int(s)
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise PeriodError(f"year {y} in '{text}' is outside {MIN_YEAR}..{MAX_YEAR}")
    return y


def _month(text: str, s: str) -> int:
    m = int(s)
    if not 1 <= m <= 12:
        raise PeriodError(f"month {m} in '{text}' is not 01..12")
    return m


def parse_period(text: str | int, *, allow_approx: bool = True) -> Period:
    """Parse a period string into a :class:`Period`.

    Parameters
    ----------
    text : str or int
        One of the forms in the module docstring; an int is a year (``2025``).
    allow_approx : bool
        Accept loosely dated forms (``2014-era``, ``2020s``, ``2010-2020``,
        ``unspecified ...``) as ``approx`` periods.

    Raises
    ------
    PeriodError
        With a message saying what was expected (also for a value that is neither text nor a year).
    """
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise PeriodError(f"{text!r} is not a period (expected text such as 2025 or 2025-06, or a year as a number)")
    t = str(text).strip()
    if m := _YEAR.match(t):
        y = _year(t, m[1])
        return Period(month_index(y, 1), month_index(y, 12), "year")
    if m := _MONTH.match(t):
        y, mo = _year(t, m[1]), _month(t, m[2])
        return Period(month_index(y, mo), month_index(y, mo), "month")
    if m := _RANGE.match(t):
        y, a, b = _year(t, m[1]), _month(t, m[2]), _month(t, m[3])
        if a > b:
            raise PeriodError(f"range '{t}' ends before it starts")
        kind: PeriodKind = "month" if a == b else "months"
        return Period(month_index(y, a), month_index(y, b), kind)
    if m := _QUARTER.match(t):
        y, q = _year(t, m[1]), int(m[2])
        return Period(month_index(y, 3 * q - 2), month_index(y, 3 * q), "quarter")
    if m := _HALF.match(t):
        y, h = _year(t, m[1]), int(m[2])
        return Period(month_index(y, 6 * h - 5), month_index(y, 6 * h), "half")
    if m := _DATE.match(t):
        y, mo, d = _year(t, m[1]), _month(t, m[2]), int(m[3])
        try:
            _dt.date(y, mo, d)
        except ValueError as exc:
            raise PeriodError(f"'{t}' is not a calendar date") from exc
        return Period(month_index(y, mo), month_index(y, mo), "date", day=d)
    if allow_approx:
        if m := _ERA.match(t):
            y = _year(t, m[1])
            last = y + 9 if t.endswith("s") else y
            return Period(month_index(y, 1), month_index(last, 12), "approx", text=t)
        if m := _SPAN.match(t):
            a, b = _year(t, m[1]), _year(t, m[2])
            if a > b:
                raise PeriodError(f"span '{t}' ends before it starts")
            return Period(month_index(a, 1), month_index(b, 12), "approx", text=t)
        if t.lower().startswith("unspecified"):
            return Period(0, 0, "approx", text=t)
    raise PeriodError(
        f"{shown(str(text))} is not a period (expected YYYY, YYYY-MM, YYYY-MM..MM, YYYY-Qn, YYYY-Hn or YYYY-MM-DD)"
    )
