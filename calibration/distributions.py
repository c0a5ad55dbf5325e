"""Uncertain parameters: five small distribution families behind one discriminated union.

Every parameter of a scenario is a distribution (a bare number is a ``fixed`` one).  The engine
draws one stream of uniforms per parameter and maps it through :meth:`ppf`, so that the same
seed gives every scenario the same draws (common random numbers) and SALib can address each
parameter through its :meth:`bounds`.

Families (the ``dist`` key of a YAML mapping)
--------------------------------------------
``fixed {value}``, ``uniform {low, high}``, ``triangular {low, mode, high}``,
``normal {mean, sd, low?, high?}`` (optionally truncated to ``[low, high]``) and
``lognormal {median, sigma}`` (``sigma`` is the standard deviation of the natural log).
Each also carries ``unit``, ``source`` (a citation, or text starting with ``"assumption:"``) and
an optional ``description``, as in ``calibration/data/assumptions.yaml``.

References
----------
Johnson, Kotz & Balakrishnan, *Continuous Univariate Distributions* (2nd ed., 1994), vol. 1:
ch. 13 (normal, truncated normal), ch. 14 (lognormal), ch. 26 (uniform, triangular).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

__all__ = [
    "Distribution",
    "Fixed",
    "LogNormal",
    "Normal",
    "Triangular",
    "Uniform",
    "as_distribution",
    "open_uniform",
]

_TAIL = 0.001  # bounds() of an unbounded distribution: its 0.1% and 99.9% quantiles
_MIN_MASS = 1e-12  # smallest probability a truncated normal's interval may hold


def open_uniform(rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
    """Uniform draws strictly inside (0, 1), so that :meth:`ppf` of unbounded laws stays finite.

    ``(k + 0.5) / 2**52`` for integer ``k`` uniform on ``[0, 2**52)``: exact in float64,
    symmetric about 0.5, and never 0 or 1 (``Generator.random`` can return 0).
    """
    k = rng.integers(0, 2**52, size=size, dtype=np.int64)
    return (k.astype(np.float64) + 0.5) * 2.0**-52


def _as_u(u: ArrayLike) -> np.ndarray:
    arr = np.asarray(u, dtype=np.float64)
    if not np.all((arr >= 0.0) & (arr <= 1.0)):  # also rejects NaN
        raise ValueError("ppf: probabilities must lie in [0, 1] (got values outside, or NaN)")
    return arr


class _Base(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    unit: str = ""
    source: str = ""
    description: str = ""

    def ppf(self, u: ArrayLike) -> np.ndarray:
        """Inverse CDF at probabilities ``u`` in [0, 1]; returns float64 of ``u``'s shape [unit]."""
        raise NotImplementedError

    def mean(self) -> float:
        """Expected value [unit]."""
        raise NotImplementedError

    def var(self) -> float:
        """Variance [unit**2]."""
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        """The (possibly infinite) support ``(lower, upper)`` [unit]."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        """Draws ``ppf(open_uniform(rng, size))`` [unit]."""
        return self.ppf(open_uniform(rng, size))

    def bounds(self) -> tuple[float, float]:
        """Finite range for sensitivity analysis [unit].

        The support where it is finite; otherwise the 0.001 (lower) or 0.999 (upper) quantile
        (both quantiles for the lognormal, whose lower end 0 is never attained).
        """
        lo, hi = self.support()
        if not np.isfinite(lo):
            lo = float(self.ppf(_TAIL))
        if not np.isfinite(hi):
            hi = float(self.ppf(1.0 - _TAIL))
        return float(lo), float(hi)

    @property
    def is_fixed(self) -> bool:
        """True when the parameter has no uncertainty."""
        return False


class Fixed(_Base):
    """A known constant: ``ppf(u) = value``."""

    dist: Literal["fixed"] = "fixed"
    value: float

    def ppf(self, u: ArrayLike) -> np.ndarray:
        return np.full(np.shape(_as_u(u)), self.value, dtype=np.float64)

    def mean(self) -> float:
        return self.value

    def var(self) -> float:
        return 0.0

    def support(self) -> tuple[float, float]:
        return self.value, self.value

    @property
    def is_fixed(self) -> bool:
        return True


class Uniform(_Base):
    """Uniform on ``[low, high]``: ``ppf(u) = low + u (high - low)``, var ``(high - low)**2 / 12``."""

    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"uniform: need low < high, got low={self.low}, high={self.high}")
        return self

    def ppf(self, u: ArrayLike) -> np.ndarray:
        return self.low + _as_u(u) * (self.high - self.low)

    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    def var(self) -> float:
        return (self.high - self.low) ** 2 / 12.0

    def support(self) -> tuple[float, float]:
        return self.low, self.high


class Triangular(_Base):
    """Triangular on ``[a, b]`` with mode ``c``.

    ``ppf(u) = a + sqrt(u (b - a)(c - a))`` for ``u < (c - a)/(b - a)``, else
    ``b - sqrt((1 - u)(b - a)(b - c))``; mean ``(a + b + c)/3``;
    var ``(a² + b² + c² - ab - ac - bc)/18``.
    """

    dist: Literal["triangular"] = "triangular"
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                "triangular: need low <= mode <= high and low < high, got "
                f"low={self.low}, mode={self.mode}, high={self.high}"
            )
        return self

    def ppf(self, u: ArrayLike) -> np.ndarray:
        uu = _as_u(u)
        a, c, b = self.low, self.mode, self.high
        split = (c - a) / (b - a)
        left = a + np.sqrt(uu * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - uu) * (b - a) * (b - c))
        return np.asarray(np.where(uu < split, left, right), dtype=np.float64)

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    def var(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0

    def support(self) -> tuple[float, float]:
        return self.low, self.high


def _phi(z: float) -> float:
    return float(np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)) if np.isfinite(z) else 0.0


class Normal(_Base):
    """Normal ``N(mean, sd²)``, optionally truncated to ``[low, high]`` (either side optional).

    With ``α = (low - mean)/sd``, ``β = (high - mean)/sd`` and ``Z = Φ(β) - Φ(α)``:
    ``ppf(u) = mean + sd Φ⁻¹(Φ(α) + u Z)``, mean ``mean + sd (φ(α) - φ(β))/Z``,
    var ``sd² [1 + (αφ(α) - βφ(β))/Z - ((φ(α) - φ(β))/Z)²]`` (Johnson et al. 1994, §13.10).
    When ``α > 0`` the quantile is taken from the upper tail (``Φ(-x)``) to keep precision.
    """

    dist: Literal["normal"] = "normal"
    mean_: float = Field(alias="mean")
    sd: float
    low: float | None = None
    high: float | None = None

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)

    @model_validator(mode="after")
    def _check(self) -> Normal:
        if not self.sd > 0:
            raise ValueError(f"normal: need sd > 0, got sd={self.sd}")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"normal: need low < high, got low={self.low}, high={self.high}")
        if self._mass() < _MIN_MASS:
            raise ValueError(
                f"normal: the truncation interval [{self.low}, {self.high}] holds almost no "
                f"probability under N({self.mean_}, {self.sd}**2)"
            )
        return self

    def _ab(self) -> tuple[float, float]:
        a = -np.inf if self.low is None else (self.low - self.mean_) / self.sd
        b = np.inf if self.high is None else (self.high - self.mean_) / self.sd
        return float(a), float(b)

    def _mass(self) -> float:
        from scipy.special import ndtr  # lazy: scipy.special costs ~0.5 s of CLI start-up

        a, b = self._ab()
        if a > 0.0:
            return float(ndtr(-a) - ndtr(-b))
        return float(ndtr(b) - ndtr(a))

    def ppf(self, u: ArrayLike) -> np.ndarray:
        from scipy.special import ndtr, ndtri

        uu = _as_u(u)
        a, b = self._ab()
        if a > 0.0:  # whole interval in the upper tail: work with survival probabilities
            sa, sb = ndtr(-a), ndtr(-b)
            z = -ndtri(sa - uu * (sa - sb))
        else:
            pa, pb = ndtr(a), ndtr(b)
            z = ndtri(pa + uu * (pb - pa))
        x = self.mean_ + self.sd * z
        lo, hi = self.support()
        return np.asarray(np.clip(x, lo, hi), dtype=np.float64)

    def mean(self) -> float:
        a, b = self._ab()
        return self.mean_ + self.sd * (_phi(a) - _phi(b)) / self._mass()

    def var(self) -> float:
        a, b = self._ab()
        z = self._mass()
        aphi = a * _phi(a) if np.isfinite(a) else 0.0
        bphi = b * _phi(b) if np.isfinite(b) else 0.0
        d = (_phi(a) - _phi(b)) / z
        return self.sd**2 * (1.0 + (aphi - bphi) / z - d * d)

    def support(self) -> tuple[float, float]:
        lo = -np.inf if self.low is None else self.low
        hi = np.inf if self.high is None else self.high
        return float(lo), float(hi)

    @property
    def truncated(self) -> bool:
        """True when either truncation bound is set."""
        return self.low is not None or self.high is not None


class LogNormal(_Base):
    """Lognormal: ``ln X ~ N(ln median, sigma²)``.

    ``ppf(u) = median exp(sigma Φ⁻¹(u))``, mean ``median exp(sigma²/2)``,
    var ``median² exp(sigma²)(exp(sigma²) - 1)``.
    """

    dist: Literal["lognormal"] = "lognormal"
    median: float
    sigma: float

    @model_validator(mode="after")
    def _check(self) -> LogNormal:
        if not self.median > 0:
            raise ValueError(f"lognormal: need median > 0, got median={self.median}")
        if not self.sigma > 0:
            raise ValueError(f"lognormal: need sigma > 0 (sd of the log), got sigma={self.sigma}")
        return self

    def ppf(self, u: ArrayLike) -> np.ndarray:
        from scipy.special import ndtri

        return np.asarray(self.median * np.exp(self.sigma * ndtri(_as_u(u))), dtype=np.float64)

    def mean(self) -> float:
        return self.median * float(np.exp(0.5 * self.sigma**2))

    def var(self) -> float:
        s2 = self.sigma**2
        return self.median**2 * float(np.exp(s2) * np.expm1(s2))

    def support(self) -> tuple[float, float]:
        return 0.0, float(np.inf)

    def bounds(self) -> tuple[float, float]:
        """The 0.001 and 0.999 quantiles [unit] (0 is never attained: it is -inf on the log scale)."""
        return float(self.ppf(_TAIL)), float(self.ppf(1.0 - _TAIL))


Family = Fixed | Uniform | Triangular | Normal | LogNormal
"""A distribution of one of the five families (the validated object)."""

Distribution = Annotated[Family, Field(discriminator="dist")]
"""Any of the five families; pydantic picks the class from the ``dist`` key."""

#: validates a mapping with a ``dist`` key into its :data:`Family` member
ADAPTER: TypeAdapter[Any] = TypeAdapter(Distribution)


def as_distribution(x: object) -> Family:
    """Coerce a bare number (-> ``fixed``), a mapping with a ``dist`` key, or a distribution.

    Raises
    ------
    pydantic.ValidationError
        For a mapping that does not describe a valid distribution.
    TypeError
        For anything else (including booleans and strings).
    """
    if isinstance(x, Family):
        return x
    if isinstance(x, bool) or x is None:
        raise TypeError(f"expected a number, a mapping with 'dist', or a distribution; got {x!r}")
    if isinstance(x, int | float | np.integer | np.floating):
        return Fixed(value=float(x))
    if isinstance(x, dict):
        result: Family = ADAPTER.validate_python(x)
        return result
    raise TypeError(f"expected a number, a mapping with 'dist', or a distribution; got {x!r}")
