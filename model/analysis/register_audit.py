"""Audit of the assumption register: no entry may be derived from a target it is used to judge.

Two checks, both against the thresholds of the scenarios' targets:

* text: a ``source`` or ``description`` that speaks of the plan, a target or a goal and quotes a
  number equal to a target threshold (``"the plan's 500亿 = 4亿 parcels x 125元"``,
  ``"the plan's 100 t goal"``) has taken its value from the target;
* values: a coefficient whose unit is a ratio of two target units (元 per 件, jobs per 10,000
  parcels) must not equal one threshold divided by another (5.0e10 元 / 4.0e8 件 = 125 元/件):
  that is a value back-solved so that the plan is met exactly at its own volume target (pairs of
  targets of the same scenario and year: that is how such a value is computed).

Distinctive thresholds only: small counts (1, 2, 3, 5, 8, 10) and 100% appear in every text and
prove nothing, so the text check uses thresholds of at least 100 or strictly between 0 and 1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: register unit -> (numerator target unit, denominator target unit, scale)
RATIO_UNITS: dict[str, tuple[str, str, float]] = {
    "元/件": ("元", "件", 1.0),
    "jobs per 10,000 parcels": ("人", "件", 1e4),
}
#: words that tie a text to the plan's targets
_GOAL = re.compile(r"\bplan'?s?\b|\btargets?\b|\bgoals?\b|\bthresholds?\b|目标", re.IGNORECASE)
_NUMBER = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(亿|万|%)?")
_MULT = {"亿": 1e8, "万": 1e4, "%": 0.01, None: 1.0}
#: numeric fields of a distribution
_FIELDS = ("value", "low", "mode", "high", "median", "mean")
REL_TOL = 0.01


@dataclass(frozen=True)
class Threshold:
    """One target threshold: ``id``, value, unit and year, and the scenario it belongs to."""

    id: str
    value: float
    unit: str
    year: int = 0
    scenario: str = ""


def numbers_in(text: str) -> list[float]:
    """Numbers quoted in ``text`` with 亿 / 万 / % applied (``"500亿"`` -> 5e10, ``"95%"`` -> 0.95)."""
    out = []
    for m in _NUMBER.finditer(text):
        try:
            out.append(float(m.group(1).replace(",", "")) * _MULT[m.group(2)])
        except ValueError:
            continue
    return out


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b))


def _distinctive(t: float) -> bool:
    return abs(t) >= 100 or 0.0 < t < 1.0


def _ratio_unit(unit: str) -> tuple[str, str, float] | None:
    return next((v for k, v in RATIO_UNITS.items() if unit.startswith(k)), None)


def findings(register: Mapping[str, Mapping[str, object]], thresholds: Iterable[Threshold]) -> list[str]:
    """Register entries that look derived from a target threshold, one sentence each (empty: none)."""
    ths = list(thresholds)
    out: list[str] = []
    for key, entry in register.items():
        text = f"{entry.get('source', '')} {entry.get('description', '')}"
        if _GOAL.search(text):
            for x in numbers_in(text):
                hit = next((t for t in ths if _distinctive(t.value) and _close(x, t.value)), None)
                if hit is not None:
                    out.append(f"{key}: its text ties it to the plan and quotes {x:g}, the threshold of {hit.id}")
                    break
        ratio = _ratio_unit(str(entry.get("unit", "")))
        if ratio is None:
            continue
        num, den, scale = ratio
        for f in _FIELDS:
            v = entry.get(f)
            if not isinstance(v, int | float):
                continue
            for a in (t for t in ths if t.unit == num):
                for b in (t for t in ths if t.unit == den and t.value and (t.scenario, t.year) == (a.scenario, a.year)):
                    if _close(float(v), a.value / b.value * scale):
                        out.append(f"{key}.{f} = {v:g} equals {a.id} / {b.id} ({a.value:g} / {b.value:g})")
    return out


def scenario_thresholds(paths: Iterable[str | Path]) -> list[Threshold]:
    """Thresholds of every target in the given scenario files."""
    from expressim.model.spec import scenario as sc

    out = []
    for p in paths:
        scn = sc.load(p)
        out += [Threshold(t.id, float(t.threshold), t.unit, int(t.year), scn.name) for t in scn.targets]
    return out
