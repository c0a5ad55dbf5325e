"""The seam between calibration and the model: what the simulation may ask of a calibration.

The engine (``expressim.model.engine``) and the analyses type their calibration argument with
:class:`Calibration`, never with a concrete class, so a new calibration (for example another
state-space model) plugs in by providing these members.  :class:`calibration.fit.Fitted`
implements both protocols today; mypy checks it (``tests/test_static.py``).

Keep this file small: it names exactly what is used, nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol


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
    def region(self) -> str:
        """The prefecture (its geography in the observation files) whose baseline paths are given."""
        ...

    @property
    def register(self) -> dict[str, dict[str, object]]:
        """The assumption register (id -> prior with its range and source), as loaded."""
        ...

    @property
    def local_anchor_year(self) -> int | None:
        """The last year with a published figure of the region's own parcels or revenue (None: none).

        Up to it the baseline paths are the region's history as counted, with the infrastructure
        open at the time inside them; after it, that history carried forward with no opening after
        it.  The engine adds only the effect of what opens after this year."""
        ...

    def baseline_groups(self, years: Sequence[int]) -> tuple[str, ...]:
        """The factor each column of a replication's block of standard normals feeds, for a run over
        ``years``; the block's width is the length (the engine draws the block from one named stream)."""
        ...

    def local_paths(self, years: Sequence[int], z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Annual baseline parcels collected and delivered in the region [件], each (rep, year): one
        coherent path per row of the block ``z`` of standard normals (rep, width)."""
        ...

    def local_revenue_per_parcel(self, years: Sequence[int], z: np.ndarray) -> np.ndarray:
        """Revenue per collected parcel in the region [元/件], (rep, year), on the same paths as
        :meth:`local_paths` for the same ``z``."""
        ...

    def baseline_summaries(self, years: Sequence[int], z: np.ndarray) -> dict[str, np.ndarray]:
        """One scalar per replication and factor (rep,), for sensitivity and "rests on" analyses."""
        ...

    def observations_behind(self, factor: str) -> int:
        """How many observations in the likelihood bear on a factor (0: it is a prior only)."""
        ...

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready record of the calibration (written as ``calibration.json``)."""
        ...


class DescribedCalibration(Calibration, Protocol):
    """A calibration the CLI can describe (``calibrate`` files, ``--verbose`` lines)."""

    @property
    def last_year(self) -> int:
        """The last year with an observation (the forecast origin)."""
        ...

    @property
    def hier(self) -> HierarchyFit:
        """The state-space estimate (``to_dict()`` gives its parameters and counts)."""
        ...

    @property
    def moved(self) -> tuple[dict[str, object], ...]:
        """What each observation moved: one row per observation, the change in each headline forecast."""
        ...

    @property
    def notes(self) -> tuple[str, ...]:
        """What the fit could not do or use, in words."""
        ...


def _fitted_implements_the_seam(fitted: Fitted) -> DescribedCalibration:
    """Never called: mypy checks here that :class:`calibration.fit.Fitted` provides the seam."""
    return fitted


if TYPE_CHECKING:
    import numpy as np

    from expressim.calibration.fit import Fitted
    from expressim.calibration.hierarchy import HierarchyFit
