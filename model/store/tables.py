"""CSV tables the tool writes, safe to open in a spreadsheet.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their
full-width forms) is read as a formula by Excel, LibreOffice and Google Sheets: a target label
``=HYPERLINK("http://evil", "click")`` would become a live link, ``=cmd|' /C calc'!A0`` a command.
As the OWASP guidance on CSV injection says, such a cell is written with a leading single quote
(``'=HYPERLINK(...)``), which spreadsheets show as text.  Numbers -- numeric values, and text that is
just a number such as ``-0.5`` or ``+3e8`` -- are written unchanged.  Every CSV the tool writes goes
through :func:`write_csv` (or :func:`write_frame`); any other table format (a workbook,
:mod:`expressim.model.store.workbook`) must pass its text cells through :func:`neutral_cell` too.

CSVs are UTF-8 with a byte-order mark (``utf-8-sig``): Excel in a Chinese locale reads a CSV without one
as GBK and shows mojibake; with it, Excel, LibreOffice, pandas (``encoding="utf-8-sig"``, and its default
``utf-8``, which drops the mark) and Python's ``csv`` module (opened with ``utf-8-sig``) read it alike.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")

#: first characters that make a spreadsheet read a cell as a formula (OWASP), with their full-width forms
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
#: the CSVs' encoding: UTF-8 with a byte-order mark, so that Excel in a Chinese locale reads them as UTF-8
ENCODING = "utf-8-sig"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutral_cell(value: T) -> T | str:
    """A cell value a spreadsheet will not run: text starting like a formula gets a leading ``'``.

    Parameters
    ----------
    value : object
        The cell; only ``str`` values are changed, and only when they start with one of
        :data:`FORMULA_STARTS` and are not a plain number.

    Returns
    -------
    object
        ``value`` itself, or ``"'" + value``.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(path: str | Path, rows: Iterable[Mapping[str, object]], fieldnames: Sequence[str] | None = None) -> None:
    """Write ``rows`` as a UTF-8 CSV (with BOM) with a header, every text cell through :func:`neutral_cell`.

    Parameters
    ----------
    path : path
        The file written.
    rows : iterable of mapping
        One mapping per row (column -> value).
    fieldnames : sequence of str, optional
        The columns, in order (default: the first row's keys).
    """
    rows = list(rows)
    fields = list(fieldnames) if fieldnames is not None else list(rows[0]) if rows else []
    with Path(path).open("w", newline="", encoding=ENCODING) as fh:
        w = csv.DictWriter(fh, fieldnames=[neutral_cell(f) for f in fields])
        w.writeheader()
        for r in rows:
            w.writerow({neutral_cell(k): neutral_cell(v) for k, v in r.items()})


def write_frame(path: str | Path, frame: pd.DataFrame) -> None:
    """Write a pandas DataFrame as a CSV (UTF-8 with BOM) without its index, every text cell through
    :func:`neutral_cell`."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(neutral_cell)
    out.columns = [neutral_cell(str(c)) for c in out.columns]
    out.to_csv(path, index=False, encoding=ENCODING)
