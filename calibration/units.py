"""Units as published and their canonical forms.

Every observation is stored in a canonical unit (``件`` parcels, ``元`` yuan,
``人`` persons, ``个`` items, ...).  ``convert`` multiplies by the unit's scale:
``1 亿件 = 1e8 件``, ``1 万元 = 1e4 元``.
"""

from __future__ import annotations

import re

#: published unit -> (canonical unit, multiplier to the canonical unit)
UNITS: dict[str, tuple[str, float]] = {
    "件": ("件", 1.0),
    "万件": ("件", 1e4),
    "亿件": ("件", 1e8),
    "元": ("元", 1.0),
    "万元": ("元", 1e4),
    "亿元": ("元", 1e8),
    "人": ("人", 1.0),
    "万人": ("人", 1e4),
    "个": ("个", 1.0),
    "万个": ("个", 1e4),
    "户": ("户", 1.0),
    "处": ("处", 1.0),
    "%": ("%", 1.0),
    "元/件": ("元/件", 1.0),
    "day_of_year": ("day_of_year", 1.0),
}

#: traditional characters of the same units (exports in the traditional script)
_TRADITIONAL = str.maketrans({"億": "亿", "萬": "万", "個": "个", "處": "处", "戶": "户"})


class UnitError(ValueError):
    """A unit that is not in :data:`UNITS`."""


def canonical(unit: str) -> tuple[str, float]:
    """Canonical unit and multiplier for a published unit.

    Raises
    ------
    UnitError
        If the unit is unknown; the message lists the accepted units.
    """
    try:
        return UNITS[unit.strip().translate(_TRADITIONAL)]
    except KeyError:
        shown = re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]", "?", unit[:30])
        raise UnitError(f"unknown unit '{shown}' (expected one of {', '.join(UNITS)})") from None


def convert(value: float, unit: str) -> tuple[float, str]:
    """Convert ``value`` in ``unit`` to ``(value_in_canonical_unit, canonical_unit)``."""
    cu, k = canonical(unit)
    return value * k, cu


def to_unit(value: float, canonical_unit: str, unit: str) -> float:
    """Express a canonical value in another published unit of the same dimension."""
    cu, k = canonical(unit)
    if cu != canonical_unit:
        raise UnitError(f"cannot express {canonical_unit} in {unit}")
    return value / k
