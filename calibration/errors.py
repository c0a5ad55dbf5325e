"""Error types of the calibration package (kept import-light for the CLI)."""

from __future__ import annotations


class FitError(ValueError):
    """A geography/indicator/period the calibration cannot produce; one-line message."""
