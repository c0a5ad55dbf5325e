"""The assumption register (``calibration/data/assumptions.yaml``): read access for calibration.

Calibration needs only a few priors (lognormal and triangular); the simulation
package parses the same file into full distribution objects.  Here every entry is
returned as a plain mapping and the two quantile functions calibration uses are
provided.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy import stats

REQUIRED = ("dist", "unit", "description", "source")


class AssumptionError(ValueError):
    """A malformed assumption entry; the message names file and entry."""


def default_path() -> Path:
    """The shipped register."""
    return Path(__file__).resolve().parent / "data" / "assumptions.yaml"


def load_register(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Read the register: ``{id: {dist, ..., unit, description, source}}``.

    Raises
    ------
    AssumptionError
        When an entry lacks a required key or its source is empty.
    """
    p = Path(path) if path is not None else default_path()
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise AssumptionError(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise AssumptionError(f"{p}: expected a mapping of assumption ids to entries")
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise AssumptionError(f"{p}: entry '{key}': expected a mapping")
        missing = [k for k in REQUIRED if not str(entry.get(k, "")).strip()]
        if missing:
            raise AssumptionError(f"{p}: entry '{key}': missing {', '.join(missing)}")
    return data


def ppf(entry: dict[str, Any], u: np.ndarray) -> np.ndarray:
    """Inverse CDF of a register entry (fixed, uniform, triangular, normal, lognormal)."""
    u = np.asarray(u, dtype=float)
    kind = entry["dist"]
    if kind == "fixed":
        return np.full_like(u, float(entry["value"]))
    if kind == "uniform":
        return entry["low"] + u * (entry["high"] - entry["low"])
    if kind == "triangular":
        lo, mo, hi = float(entry["low"]), float(entry["mode"]), float(entry["high"])
        return np.asarray(stats.triang.ppf(u, (mo - lo) / (hi - lo), loc=lo, scale=hi - lo))
    if kind == "normal":
        return entry["mean"] + entry["sd"] * stats.norm.ppf(u)
    if kind == "lognormal":
        return entry["median"] * np.exp(entry["sigma"] * stats.norm.ppf(u))
    raise AssumptionError(f"unknown dist '{kind}'")


def median(entry: dict[str, Any]) -> float:
    """The entry's median."""
    return float(ppf(entry, np.array([0.5]))[0])
