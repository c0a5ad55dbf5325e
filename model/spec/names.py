"""Names made safe as one path component (scenario and target names become folder and file names)."""

from __future__ import annotations

import re

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def safe_name(name: str) -> str:
    """A scenario name made safe as one path component.

    Only letters (any script), digits, ``_``, ``-`` and single dots survive; separators,
    ``..``, control characters and leading dots become ``_`` or are dropped; Windows
    device names get a suffix; the result has 1 to 80 characters.

    >>> safe_name("../../etc/passwd")
    'etc_passwd'
    >>> safe_name("本市 plan")
    '本市_plan'
    """
    s = re.sub(r"[^\w.-]+", "_", str(name), flags=re.UNICODE)
    s = re.sub(r"\.{2,}", "_", s).strip("._-")[:80].strip("._-")
    if not s:
        return "scenario"
    if s.split(".")[0].lower() in _RESERVED:
        s = f"{s}_"
    return s
