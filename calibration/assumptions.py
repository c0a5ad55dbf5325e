"""The assumption register (``calibration/data/assumptions.yaml``): read access for calibration.

Every entry is a plain mapping; :func:`distribution` turns one into a
:mod:`calibration.distributions` object (the same classes the scenarios use), so
calibration and simulation read the register one way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import TypeAdapter

from expressim.calibration.distributions import ADAPTER, Family

REQUIRED = ("dist", "unit", "description", "source")
#: validates a register entry into a distribution object
DISTRIBUTION: TypeAdapter[Any] = ADAPTER


class AssumptionError(ValueError):
    """A malformed assumption entry; the message names file and entry."""


def default_path() -> Path:
    """The shipped register."""
    return Path(__file__).resolve().parent / "data" / "assumptions.yaml"


def load_register(path: str | Path | None = None) -> dict[str, dict[str, object]]:
    """Read the register: ``{id: {dist, ..., unit, description, source}}``.

    Raises
    ------
    AssumptionError
        When an entry lacks a required key or its source is empty.
    """
    p = Path(path) if path is not None else default_path()
    try:
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
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


def distribution(entry: Mapping[str, object]) -> Family:
    """The entry as a distribution object (``ppf``, ``mean``, ``bounds`` ...).

    Raises
    ------
    AssumptionError
        If the entry is not a valid distribution.
    """
    from pydantic import ValidationError

    try:
        result: Family = DISTRIBUTION.validate_python(entry)
        return result
    except ValidationError as exc:
        raise AssumptionError(f"assumptions.yaml: {exc.errors()[0]['msg']}") from None


#: a source that names the committed script which built the prior from cited evidence rows
_EVIDENCE = re.compile(r"^\s*evidence \(([\w./-]+\.py)\)")


def evidence_script(entry: object) -> str | None:
    """The committed script (path from the project root) that built a prior from evidence rows, or None.

    An entry whose ``source`` begins ``evidence (benchmarks/<script>.py):`` is such a prior (DESIGN.md
    §6: the ``evidence`` kind of "rests on"); any other source is a plain assumption.
    """
    source = entry.get("source") if isinstance(entry, Mapping) else getattr(entry, "source", None)
    m = _EVIDENCE.match(str(source or ""))
    return m.group(1) if m else None


def median(entry: Mapping[str, object]) -> float:
    """The entry's median."""
    return float(distribution(entry).ppf(np.array([0.5]))[0])
