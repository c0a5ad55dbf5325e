"""The seam between calibration and the model: what the simulation may ask of a calibration.

The engine (``expressim.model.engine``) and the analyses type their calibration argument with
:class:`Calibration`, never with a concrete class, so a new calibration (for example a
state-space model) plugs in by providing these members.  :class:`calibration.fit.Fitted`
implements both protocols today; mypy checks it (``tests/test_static.py``).

Keep this file small: it names exactly what is used, nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

#: a percent-point function: probabilities in (0, 1) -> values of a factor
PPF = Callable[[np.ndarray], np.ndarray]


class MonthlyProfile(Protocol):
    """Seasonal profile of the parcels over the calendar months."""

    @property
    def weights(self) -> np.ndarray:
        """Share of a year's parcels in each month, shape (12,), summing to 1 [-]."""
        ...


class Calibration(Protocol):
    """What the engine, the analyses and the run files ask of a calibration."""

    @property
    def profile(self) -> MonthlyProfile:
        """The seasonal profile that spreads annual parcels over months."""
        ...

    @property
    def register(self) -> dict[str, dict[str, Any]]:
        """The assumption register (id -> prior with its range and source), as loaded."""
        ...

    def baseline_factor_ppfs(self) -> dict[str, PPF]:
        """Percent-point functions of the baseline factors, by name (the keys of
        ``bijie_paths``' ``factors``)."""
        ...

    def bijie_paths(self, years: Sequence[int], factors: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Annual baseline parcels collected and delivered in the region [件], shape (rep, year),
        given each replication's baseline factor values."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record of the calibration (written as ``calibration.json``)."""
        ...


class DescribedCalibration(Calibration, Protocol):
    """A calibration the CLI can describe (``calibrate`` files, ``--verbose`` lines)."""

    @property
    def national(self) -> Mapping[str, Any]:
        """National fits by indicator (each with ``weights``, ``backtest``, ``last_year``)."""
        ...

    @property
    def bijie_collected(self) -> Any:
        """Belief on the region's collected intensity (``ppf``, ``interval``, ``n_updates``)."""
        ...

    @property
    def bijie_delivered(self) -> Any:
        """Belief on the region's delivered ratio (``ppf``, ``interval``, ``n_updates``)."""
        ...

    @property
    def notes(self) -> tuple[str, ...]:
        """What the fit could not do, in words."""
        ...


def _fitted_implements_the_seam(fitted: Fitted) -> DescribedCalibration:
    """Never called: mypy checks here that :class:`calibration.fit.Fitted` provides the seam."""
    return fitted


if TYPE_CHECKING:
    from expressim.calibration.fit import Fitted
