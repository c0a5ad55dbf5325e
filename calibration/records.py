"""Observation records and how one CSV becomes them: columns, numbers, units, one line per error.

:func:`read_csv` parses one observation CSV into raw :class:`Observation` records (canonical
units, periods as month windows, provenance) and refuses a bad row with one line naming the file,
the line and the field.  Merging, derivation from growth rates and scope breaks are the
observation set's (:mod:`expressim.calibration.observations`).
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from expressim.calibration.periods import Period, PeriodError, parse_period, shown
from expressim.calibration.text import FileReadError, TextDecodeError, decode_text, read_regular
from expressim.calibration.units import UnitError, convert

#: the columns of an observation CSV (any order; matched case-insensitively)
COLUMNS = ("geography", "indicator", "period", "value", "unit", "yoy_growth_pct", "source_url", "note")
MAX_FILE_BYTES = 50 * 2**20


class DataError(ValueError):
    """Bad input data; the message is one line naming file, line and field."""


class UnusableRow(DataError):
    """A well-formed row the model cannot read: a unit or period outside its vocabulary, or no value.

    Real releases carry such rows (an ``index``, a rank, ``2023-01-01..05-04``): the loader names
    them in one warning line per file and leaves them out (``--strict`` refuses them).
    """

    def __init__(self, line: int, field: str, text: str) -> None:
        super().__init__(f"line {line} {field} {shown(text, 30)}")
        self.line, self.field, self.text = line, field, text


#: annotations that do not change a period (``2024-H1 (year inferred)`` is ``2024-H1``)
_PERIOD_NOTE = re.compile(r"^(.*?)\s*\((?:year inferred|reported [^()]*|photo published [^()]*|published [^()]*)\)$")
#: annotations that do not change a unit (``亿元 (≈1.22 trillion)`` is ``亿元``)
_UNIT_NOTE = re.compile(r"^(.*?)\s*\(≈[^()]*\)$")


def clean_period(text: str) -> str:
    """A published period without an annotation that leaves its meaning unchanged."""
    m = _PERIOD_NOTE.match(text)
    return m.group(1).strip() if m else text


def clean_unit(text: str) -> str:
    """A published unit without an approximate restatement in brackets."""
    m = _UNIT_NOTE.match(text)
    return m.group(1).strip() if m else text


@dataclass(frozen=True)
class Observation:
    """One published (or derived) number in canonical units.

    Attributes
    ----------
    geography, indicator : str
        English keys (the part before any ``(中文名)``).
    period : Period
        The window (or date) the value covers.
    value : float
        Value in ``unit`` (canonical).
    unit : str
        Canonical unit (``件``, ``元``, ``人`` ...).
    yoy_growth_pct : float or None
        Published growth on the same window a year earlier [%].
    rel_precision : float
        Half a unit of the last published digit, relative to the value
        (``1320.7`` -> ``0.05 / 1320.7``).
    derived : bool
        True for a value implied by another row's growth rate.
    preliminary : bool
        True when the note says the figure was preliminary.
    """

    geography: str
    indicator: str
    period: Period
    value: float
    unit: str
    yoy_growth_pct: float | None = None
    source_url: str = ""
    note: str = ""
    file: str = ""
    line: int = 0
    rel_precision: float = 0.0
    derived: bool = False
    preliminary: bool = False
    indicator_label: str = ""
    #: the geography cell as written (``Name(名称)``, a Chinese name alone): read as a key by
    #: :func:`expressim.calibration.names.resolve`
    geography_label: str = ""


def english_key(text: str) -> str:
    """``'express_volume(快递业务量)'`` -> ``'express_volume'``; ``'Name(名称)'`` -> ``'Name'``."""
    return re.split(r"[(（]", text, maxsplit=1)[0].strip()


def _normalise(text: str) -> str:
    """NFKC-fold full-width digits and punctuation (common in Chinese exports)."""
    return unicodedata.normalize("NFKC", text).strip()


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(text: str) -> float:
    """Parse a published number: full-width digits, thousands separators allowed.

    Raises
    ------
    ValueError
        If the text is not a finite number.
    """
    t = _normalise(text).replace("\u2212", "-").replace(" ", "")
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    v = float(t)
    if not math.isfinite(v):
        raise ValueError(f"'{text}' is not finite")
    return v


def rel_precision(text: str, value: float) -> float:
    """Relative half-unit of the last significant digit of a published number.

    Trailing zeros of an integer are taken as not significant (``14000`` may be
    ``1.4万亿``): ``rel_precision('14000', 14000) = 500 / 14000``.
    """
    t = _normalise(text).replace(",", "").lstrip("+-")
    if value == 0:
        return 0.0
    if "." in t:
        step = 10.0 ** -len(t.split(".", 1)[1])
    else:
        stripped = t.rstrip("0")
        step = 10.0 ** (len(t) - len(stripped)) if stripped else 1.0
    return 0.5 * step / abs(value)


def _read_text(path: Path) -> str:
    """Read a CSV as text: UTF-8 (with or without BOM), UTF-16 with a BOM, else GB18030 (GBK exports).

    Raises
    ------
    DataError
        Not a regular file (a FIFO or a device is refused before any read), unreadable,
        too large, binary, or in no supported encoding.
    """
    try:
        raw = read_regular(path, MAX_FILE_BYTES)
    except FileReadError as exc:
        raise DataError(f"{path}: {exc}; expected an observation CSV under {MAX_FILE_BYTES // 2**20} MiB") from None
    try:
        return decode_text(raw, ("utf-8-sig", "gb18030"))
    except TextDecodeError as exc:
        raise DataError(f"{path}: {exc}; expected a UTF-8 or GBK text CSV (save the file as UTF-8)") from None


def _separator_hint(first_line: str) -> str:
    for sep, name in (("\t", "tabs"), (";", "semicolons")):
        if sep in first_line and "," not in first_line:
            return f" (the file seems separated by {name}; save it as comma-separated CSV)"
    return ""


def read_csv(path: Path) -> list[Observation]:
    """Parse one observation CSV into raw observations; an unusable row is an error (strict reading).

    Raises
    ------
    DataError
        As :func:`read_csv_rows`, and for the first unusable row.
    """
    rows, skipped = read_csv_rows(path)
    if skipped:
        first = skipped[0]
        raise DataError(f"{path}:{first.line}: field '{first.field}': {first.__cause__ or first}")
    return rows


def read_csv_rows(path: Path) -> tuple[list[Observation], list[UnusableRow]]:
    """Parse one observation CSV into raw observations (no merging, no derivation) and the rows left out.

    A row whose unit or period the model cannot read, or with no value, is returned in the
    second list (the caller names it in a warning); a file none of whose rows can be read is refused.

    Columns may come in any order; header names are matched case-insensitively after
    folding full-width characters.  Blank lines are skipped, and so are trailing
    columns without a name when their cells are empty (office software adds them).
    A column that is not one of :data:`COLUMNS` is refused: its meaning is unknown
    and ignoring it could silently change a number.

    Raises
    ------
    DataError
        One line: ``file:line: field 'x': expected ..., got '...'``.
    """
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text))
    try:
        header = [_normalise(h).lower() for h in next(reader)]
    except StopIteration:
        raise DataError(f"{path}: empty file; expected a header row {','.join(COLUMNS)}") from None
    except csv.Error as exc:
        raise DataError(f"{path}:1: unreadable CSV header ({exc})") from None
    while header and not header[-1]:
        header.pop()
    width = len(header)
    if not header:
        raise DataError(f"{path}:1: empty header row; expected {','.join(COLUMNS)}")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        hint = _separator_hint(text.splitlines()[0] if text else "")
        raise DataError(f"{path}:1: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}{hint}")
    extra = [h or f"(unnamed column {i + 1})" for i, h in enumerate(header) if h not in COLUMNS]
    if extra:
        raise DataError(f"{path}:1: unexpected column(s) {', '.join(extra)}; expected exactly {','.join(COLUMNS)}")
    dups = sorted({h for h in header if header.count(h) > 1})
    if dups:
        raise DataError(f"{path}:1: column(s) {', '.join(dups)} appear more than once; expected each once")
    pos = {c: header.index(c) for c in COLUMNS}
    out: list[Observation] = []
    skipped: list[UnusableRow] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > width and not any(cell.strip() for cell in row[width:]):
                row = row[:width]
            if len(row) != width:
                hint = ""
                if any("\n" in cell for cell in row):
                    hint = "; an unclosed quote (\") joins lines"
                elif len(row) < width and any("，" in cell for cell in row):
                    hint = "; a full-width comma (，) does not separate fields, use ','"
                raise DataError(f"{path}:{line}: {len(row)} fields; expected {width} ({','.join(header)}){hint}")
            try:
                out.append(_parse_row(path, line, {c: row[i] for c, i in pos.items()}))
            except UnusableRow as exc:
                skipped.append(exc)
    except csv.Error as exc:
        raise DataError(f"{path}:{reader.line_num}: unreadable CSV ({exc})") from None
    if skipped and not out:
        first = skipped[0]
        raise DataError(f"{path}:{first.line}: field '{first.field}': {first.__cause__ or first}")
    return out, skipped


#: canonical units of flows (parcels, money) whose published totals must be positive
POSITIVE_FLOW_UNITS = ("件", "元")
#: largest accepted value in canonical units (China's GDP is about 1.3e14 元; nothing the tool
#: reads comes within a hundred times of this): larger values are typing errors and would
#: overflow the models' arithmetic
MAX_CANONICAL_VALUE = 1e16
#: largest accepted year-on-year growth [%] (a hundredfold in a year)
MAX_GROWTH_PCT = 1e4
#: canonical units whose values cannot be negative (counts, money, persons)
NON_NEGATIVE_UNITS = ("件", "元", "人", "个", "户", "处", "元/件", "day_of_year")


def _parse_row(path: Path, line: int, row: dict[str, str]) -> Observation:
    where = f"{path}:{line}"
    geo, ind = _normalise(row["geography"]), _normalise(row["indicator"])
    if not english_key(geo):
        raise DataError(f"{where}: field 'geography': expected a place name such as Name(名称), got {shown(row['geography'])}")
    if not english_key(ind):
        raise DataError(f"{where}: field 'indicator': expected a name such as express_volume, got {shown(row['indicator'])}")
    try:
        period = parse_period(clean_period(_normalise(row["period"])))
    except PeriodError as exc:
        raise UnusableRow(line, "period", row["period"]) from exc
    if not row["value"].strip():
        raise UnusableRow(line, "value", row["value"]) from DataError("expected a number, got ''")
    try:
        raw = parse_number(row["value"])
    except ValueError:
        raise DataError(f"{where}: field 'value': expected a number, got {shown(row['value'])}") from None
    try:
        value, unit = convert(raw, clean_unit(_normalise(row["unit"])))
    except UnitError as exc:
        raise UnusableRow(line, "unit", row["unit"]) from exc
    if not math.isfinite(value) or abs(value) > MAX_CANONICAL_VALUE:
        raise DataError(f"{where}: field 'value': {shown(row['value'])} {row['unit'].strip()} is {value:.3g} {unit}; "
                        f"expected at most {MAX_CANONICAL_VALUE:.0e} {unit} (no indicator comes near it)")
    if unit in NON_NEGATIVE_UNITS and value < 0:
        raise DataError(f"{where}: field 'value': expected a non-negative number of {unit}, got {shown(row['value'])}")
    if unit in POSITIVE_FLOW_UNITS and value == 0 and period.is_flow_window:
        raise DataError(f"{where}: field 'value': expected a positive total of {unit} for {period} (the models "
                        f"work on logarithms; leave an unknown value out rather than writing 0), got "
                        f"{shown(row['value'])}")
    yoy: float | None = None
    if row["yoy_growth_pct"].strip():
        try:
            yoy = parse_number(_normalise(row["yoy_growth_pct"]).replace("%", ""))
        except ValueError:
            raise DataError(f"{where}: field 'yoy_growth_pct': expected a number in percent, "
                            f"got {shown(row['yoy_growth_pct'])}") from None
        if not -100 < yoy <= MAX_GROWTH_PCT:
            raise DataError(f"{where}: field 'yoy_growth_pct': expected a rate above -100% and at most "
                            f"{MAX_GROWTH_PCT:.0f}%, got {shown(row['yoy_growth_pct'])}")
    note = row["note"].strip()
    return Observation(
        geography=english_key(geo), indicator=english_key(ind), period=period, value=value, unit=unit,
        yoy_growth_pct=yoy, source_url=row["source_url"].strip(), note=note, file=str(path), line=line,
        rel_precision=rel_precision(row["value"], raw), preliminary="preliminary" in note.lower(),
        indicator_label=ind, geography_label=geo,
    )
