"""Calibration conventions shared with the model (kept light: no numerical imports).

The model reads them through :mod:`expressim.model.spec.conventions`.
"""

from __future__ import annotations

#: quantiles of ``forecast --json`` and of a run's ``annual.csv`` (the contracted set)
QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
