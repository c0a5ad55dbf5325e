"""``results.xlsx``: the tables of a report as an Excel workbook, one sheet per table.

Headers are bold and frozen (the first row stays in view while scrolling), columns are sized to their
contents, numbers are numbers (already in display units: 亿件, 亿元, %), and every text cell -- headers
included -- passes through :func:`expressim.model.store.tables.neutral_cell`, so a label written like a
formula (``=HYPERLINK(...)``) is stored as text, never as a live formula.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from expressim.model.store.tables import neutral_cell

__all__ = ["sheet_name", "write_workbook"]

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name (at most 31 characters, none of ``[]:*?/\\``)."""
    base = _BAD_SHEET_CHARS.sub(" ", str(title)).strip().strip("'")[:31] or "Sheet"
    name, k = base, 1
    while name.lower() in {t.lower() for t in taken}:
        k += 1
        suffix = f" ({k})"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name)
    return name


class Table(Protocol):
    """A table of a report (:class:`expressim.model.viz.run_tables.DisplayTable`): a sheet of the workbook."""

    @property
    def title(self) -> str: ...

    @property
    def headers(self) -> Sequence[str]: ...

    @property
    def rows(self) -> Sequence[Sequence[object]]: ...


def _cell(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value if value == value else None  # NaN -> empty
    return neutral_cell(str(value))


def write_workbook(path: str | Path, tables: Sequence[Table]) -> Path:
    """Write ``tables`` to an ``.xlsx`` workbook, one sheet each, in order.

    Parameters
    ----------
    path : path
        The workbook written.
    tables : sequence
        Objects with ``title`` (sheet name), ``headers`` (list of str) and ``rows`` (list of lists of
        numbers and text), such as :class:`expressim.model.viz.run_tables.DisplayTable`.

    Returns
    -------
    Path
        ``path``.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F3F3F3")
    for table in tables:
        ws = wb.create_sheet(sheet_name(table.title, taken))
        ws.append([_cell(h) for h in table.headers])
        for c in ws[1]:
            c.font, c.fill = bold, fill
            c.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            ws.append([_cell(v) for v in row])
        ws.freeze_panes = "A2"
        for i, header in enumerate(table.headers, start=1):
            texts = [str(header)] + [str(r[i - 1]) for r in table.rows[:200] if i - 1 < len(r) and r[i - 1] is not None]
            wide = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in t) for t in texts), default=8)
            ws.column_dimensions[get_column_letter(i)].width = min(max(8, wide + 2), 60)
    p = Path(path)
    wb.save(p)
    return p
