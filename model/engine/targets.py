"""The target register: attainment per replication, probabilities with Monte-Carlo errors,
and the year each target is first met.

A target compares one annual metric in its year with a threshold.  Rollout
targets count projects open (or a phase started) by the end of the year.  The
probability is the share of replications attaining it; its standard error is the
binomial ``sqrt(p (1 - p) / n)`` (with ``n`` replications; 0 when p is 0 or 1,
in which case the rule-of-three bound ``3 / n`` is also reported).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from expressim.model.spec.conventions import SUMMARY_QUANTILES
from expressim.model.spec.scenario import Target


def rollout_metric(target: Target, project_ids: Sequence[str], phase_names: Sequence[Sequence[str]],
                   opening: np.ndarray, phase_start: np.ndarray, years: Sequence[int], start_year: int) -> np.ndarray:
    """Projects open (or with ``target.phase`` started) by the end of each year, shape (n, Y)."""
    ends = (np.asarray(years) - start_year + 1) * 12.0
    n = opening.shape[0]
    out = np.zeros((n, len(years)))
    for pid in target.projects:
        j = list(project_ids).index(pid)
        if target.metric == "projects_open":
            t = opening[:, j]
        else:
            names = list(phase_names[j])
            if target.phase not in names:
                continue
            t = phase_start[:, j, names.index(target.phase)]
        out += (t[:, None] <= ends[None, :]) & np.isfinite(t)[:, None]
    return out


def target_values(target: Target, metrics: Mapping[str, np.ndarray], rollout_arrays: Mapping[str, object],
                  years: Sequence[int]) -> np.ndarray:
    """The target's metric in every simulated year, shape (n, Y)."""
    if target.metric in ("projects_open", "phase_started"):
        ra = rollout_arrays
        return rollout_metric(target, ra["project_ids"], ra["phase_names"], ra["opening"],  # type: ignore[arg-type]
                              ra["phase_start"], years, years[0])  # type: ignore[arg-type]
    return metrics[target.metric]


def attained(target: Target, values: np.ndarray) -> np.ndarray:
    """Boolean attainment of a threshold, same shape as ``values``."""
    tol = 1e-9 * max(abs(target.threshold), 1.0)
    if target.comparison == ">=":
        return values >= target.threshold - tol
    return values <= target.threshold + tol


def first_met_year(ok: np.ndarray, years: Sequence[int]) -> np.ndarray:
    """First year each replication attains (NaN if never), from (n, Y) booleans."""
    any_ok = ok.any(axis=1)
    first = np.asarray(years, dtype=float)[np.argmax(ok, axis=1)]
    return np.where(any_ok, first, np.nan)


@dataclass(frozen=True)
class TargetSummary:
    """Probability and distribution summary of one target."""

    id: str
    label: str
    year: int
    threshold: float
    unit: str
    probability: float
    probability_stderr: float
    p10: float
    median: float
    p90: float
    headline: bool
    first_met: dict[str, float]
    observed: float | None = None
    observed_source: str | None = None
    readings: tuple[dict[str, object], ...] | None = None

    def as_dict(self) -> dict[str, object]:
        """The fields as a dictionary; ``readings`` only when the target's wording has two readings."""
        d = dict(self.__dict__)
        if d["readings"] is None:
            del d["readings"]
        else:
            d["readings"] = [dict(r) for r in d["readings"]]
        return d


def readings(target: Target, metrics: Mapping[str, np.ndarray], years: Sequence[int]) -> tuple[dict[str, object], ...] | None:
    """P of the target under each reading of its wording (``conventions.READINGS``), the plan's likely one first.

    Returns
    -------
    tuple of dict or None
        ``{"reading", "metric", "why", "probability", "probability_stderr", "median"}`` per reading
        (probability [-], median in the target's unit); None when the metric has one reading.
    """
    from expressim.model.spec.conventions import READINGS

    alts = READINGS.get(target.metric)
    if not alts or any(m not in metrics for _, m, _ in alts):
        return None
    j = list(years).index(target.year)
    out = []
    for name, metric, why in alts:
        v = metrics[metric][:, j]
        ok = attained(target, v)
        p = float(ok.mean())
        out.append({"reading": name, "metric": metric, "why": why, "probability": p,
                    "probability_stderr": float(np.sqrt(p * (1 - p) / ok.size)) if ok.size > 1 else float("nan"),
                    "median": float(np.median(v))})
    return tuple(out)


def summarise(target: Target, value_in_year: np.ndarray, ok_in_year: np.ndarray, first_met: np.ndarray,
              years: Sequence[int]) -> TargetSummary:
    """Probability with its binomial standard error, quantiles and time-to-target shares."""
    n = ok_in_year.size
    p = float(ok_in_year.mean())
    se = float(np.sqrt(p * (1 - p) / n)) if n > 1 else float("nan")
    q10, q50, q90 = (float(x) for x in np.quantile(value_in_year, SUMMARY_QUANTILES))
    fm = {str(y): float(np.mean(first_met == y)) for y in years}
    fm["never"] = float(np.mean(np.isnan(first_met)))
    return TargetSummary(target.id, target.label, target.year, target.threshold, target.unit, p, se,
                         q10, q50, q90, target.headline, fm)


@dataclass(frozen=True)
class Observed:
    """A target's known value for its year, in the target's unit, and where it comes from.

    ``known_since`` is the month (``YYYY-MM``) the value became known: the progress row's date, or
    the end of the observed year for a data row.
    """

    value: float
    source: str
    origin: str  # "progress" or "data"
    known_since: str
    met: bool
