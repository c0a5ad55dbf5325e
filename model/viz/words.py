"""The words and numbers every report and figure shares: the traffic light of a target still ahead and
a value in the units a reader uses (no imports from the report modules, so every one of them can use it)."""

from __future__ import annotations

import numpy as np

from expressim.model.spec.conventions import AT_RISK, ON_TRACK
from expressim.model.viz.i18n import tr

__all__ = ["format_value", "status"]


def status(p: float, lang: str | None = None) -> tuple[str, str]:
    """Traffic-light class and words for a probability of a target still ahead.

    ``("green", "On track")`` (P >= 0.8), amber "At risk" (0.5 <= P < 0.8), red "Unlikely"; in ``lang``
    ("zh" or "en"), or both ("On track · 有望达成") when ``lang`` is None.
    """
    cls = "green" if p >= ON_TRACK else "amber" if p >= AT_RISK else "red"
    if lang is None:
        return cls, f"{tr(f'status.{cls}', 'en')} · {tr(f'status.{cls}', 'zh')}"
    return cls, tr(f"status.{cls}", lang)


def _num(x: float, digits: int) -> str:
    return f"{x:,.{digits}f}"


def format_value(value: float, unit: str, *, threshold: bool = False) -> str:
    """A value in readable units: 件/元 in 亿件/亿元, fractions in %, counts with separators.

    >>> format_value(4.0e8, "件", threshold=True)
    '4 亿件'
    >>> format_value(0.9782, "fraction")
    '97.8%'
    """
    if value is None or not np.isfinite(value):
        return "—"
    if unit in ("件", "元"):
        v, u, d = value / 1e8, f" 亿{unit}", 2
    elif unit == "fraction":
        v, u, d = value * 100, "%", 1
    else:
        v, u, d = value, f" {unit}" if unit else "", 0 if abs(value) >= 100 or float(value).is_integer() else 1
    text = _num(v, d)
    if threshold and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + u
