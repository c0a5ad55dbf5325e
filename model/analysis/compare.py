"""Comparing scenarios on common random numbers, and the latest opening that still meets a target.

``expressim compare A.yaml B.yaml ...`` runs every scenario with the same seed and replications.
Every random input is drawn on its own named stream (:mod:`model.engine.parameters`), so replication
``i`` of ``A`` and replication ``i`` of ``B`` see the same demand, parameters and phase
durations and differ only by the policy.  For a target with per-replication outcomes
``a_i, b_i`` in {0, 1} the difference of probabilities is

.. math::
    \\hat\\Delta = \\bar b - \\bar a = \\bar d, \\quad d_i = b_i - a_i, \\qquad
    \\mathrm{se}_{paired} = s_d / \\sqrt{n}, \\qquad
    \\mathrm{se}_{unpaired} = \\sqrt{(s_a^2 + s_b^2) / n}

(sample variances with ``n - 1``), so ``se_paired**2 = se_unpaired**2 - 2 cov(a, b) / n``: the
pairing removes the shared noise (McNemar's setting: only the discordant pairs carry
information; the exact McNemar p-value is reported too).  Intervals are
``diff ± 1.96 se`` (Wald; Agresti & Min 2005, "Simple improved confidence intervals for
comparing matched proportions", Stat. Med. 24:729).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NotRequired, TypedDict

import numpy as np

if TYPE_CHECKING:
    from expressim.model.analysis.planning import WindowTotal
    from expressim.model.engine.results import Results

Z95 = 1.959963984540054  #: two-sided 95% normal quantile
SHIFT_GRID = (-12, 24)  #: default range of the latest-opening search [months]


# ---- paired differences --------------------------------------------------------------------------

@dataclass(frozen=True)
class PairedDifference:
    """Difference of two attainment probabilities on the same replications.

    Attributes
    ----------
    difference : float
        ``mean(b) - mean(a)`` [probability].
    stderr, ci_low, ci_high : float
        Paired standard error ``sd(b - a) / sqrt(n)`` and the 95% interval.
    unpaired_stderr, unpaired_ci_low, unpaired_ci_high : float
        The same as if the runs were independent (for reference).
    first_only, this_only : int
        Discordant pairs: replications attaining only in the first scenario / only in this one.
    mcnemar_p : float
        Exact two-sided McNemar p-value (binomial test on the discordant pairs).
    """

    difference: float
    stderr: float
    ci_low: float
    ci_high: float
    unpaired_stderr: float
    unpaired_ci_low: float
    unpaired_ci_high: float
    first_only: int
    this_only: int
    mcnemar_p: float

    def as_record(self) -> DifferenceRecord:
        """The fields as written in ``comparison.json`` (in order)."""
        return {"difference": self.difference, "stderr": self.stderr, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "unpaired_stderr": self.unpaired_stderr, "unpaired_ci_low": self.unpaired_ci_low,
                "unpaired_ci_high": self.unpaired_ci_high, "first_only": self.first_only,
                "this_only": self.this_only, "mcnemar_p": self.mcnemar_p}


class DifferenceRecord(TypedDict):
    """A :class:`PairedDifference` in ``comparison.json``."""

    difference: float
    stderr: float
    ci_low: float
    ci_high: float
    unpaired_stderr: float
    unpaired_ci_low: float
    unpaired_ci_high: float
    first_only: int
    this_only: int
    mcnemar_p: float


class ScenarioProbability(TypedDict):
    """One scenario's answer for one target in ``comparison.json``."""

    probability: float
    probability_stderr: float
    median: float
    observed: float | None


class TargetComparison(TypedDict):
    """One target of ``comparison.json``: each scenario's P and its paired difference against the first."""

    id: str
    label: str
    year: int
    threshold: float
    unit: str
    metric: str
    headline: bool
    same_definition: bool
    by_scenario: dict[str, ScenarioProbability]
    differences: dict[str, DifferenceRecord]


class ScenarioRun(TypedDict):
    """What each compared run was (``comparison.json``: ``scenario_runs``)."""

    name: str
    file: str
    replications: int
    seed: int
    data_hash: str
    results_sha256: str


class CumulativeWindow(TypedDict):
    """A scenario's gain or loss against the first over the years in which it differs (None: never)."""

    years: list[int] | None
    totals: list[WindowTotal]


class VolumeDifference(TypedDict):
    """The paired difference of parcels handled in 2025 [件]: mean, 5th, 50th and 95th percentiles."""

    mean: float
    p05: float
    median: float
    p95: float
    unit: str


class Comparison(TypedDict):
    """``comparison.json`` (docs/outputs.md); the CLI adds the runs, the cumulative windows and the 2025
    parcel differences."""

    scenarios: list[str]
    reference: str
    replications: int
    seed: int
    confidence_level: float
    method: str
    targets: list[TargetComparison]
    scenario_runs: NotRequired[list[ScenarioRun]]
    cumulative_difference: NotRequired[dict[str, CumulativeWindow]]
    parcels_inout_2025_difference: NotRequired[dict[str, VolumeDifference]]


def paired_difference(a: np.ndarray, b: np.ndarray, z: float = Z95) -> PairedDifference:
    """Paired (and, for reference, unpaired) difference ``mean(b) - mean(a)`` with intervals.

    Parameters
    ----------
    a, b : ndarray
        Per-replication outcomes (booleans or numbers) of the first and the other scenario,
        same length ``n >= 2``, replication ``i`` of both on the same random numbers.
    z : float
        Normal quantile of the interval (1.96 for 95%).

    Returns
    -------
    PairedDifference
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or a.size < 2:
        raise ValueError(f"paired_difference: need two equal 1-d samples of >= 2, got {a.shape} and {b.shape}")
    n = a.size
    d = b - a
    diff = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(n))
    se_u = float(math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / n))
    first_only = int(np.sum((a > 0.5) & (b <= 0.5)))
    this_only = int(np.sum((b > 0.5) & (a <= 0.5)))
    return PairedDifference(diff, se, diff - z * se, diff + z * se, se_u, diff - z * se_u, diff + z * se_u,
                            first_only, this_only, mcnemar_p(first_only, this_only))


def mcnemar_p(first_only: int, this_only: int) -> float:
    """Exact two-sided McNemar p-value: ``binomtest(this_only, first_only + this_only, 0.5)``."""
    m = first_only + this_only
    if m == 0:
        return 1.0
    from scipy.stats import binomtest

    return float(binomtest(this_only, m, 0.5).pvalue)


def compare_results(results: Sequence[Results], names: Sequence[str]) -> Comparison:
    """The comparison dictionary (``comparison.json``) of runs made on common random numbers.

    Parameters
    ----------
    results : sequence of Results
        Same replications and seed; the first is the reference.
    names : sequence of str
        Unique display names, one per run.

    Returns
    -------
    dict
        ``{"scenarios", "replications", "seed", "targets": [{"id", "label", "year", "threshold",
        "unit", "by_scenario": {name: {"probability", "probability_stderr", "median", "observed"}},
        "differences": {name: {...PairedDifference}}}]}`` for every target id present in all runs.
    """
    first = results[0]
    common = [t for t in first.scenario.targets
              if all(any(u.id == t.id for u in r.scenario.targets) for r in results[1:])]
    targets: list[TargetComparison] = []
    for t in common:
        outcomes = [r.attainment(t.id) for r in results]
        by: dict[str, ScenarioProbability] = {}
        for nm, r in zip(names, results, strict=True):
            s = next(s for s in r.summary() if s.id == t.id)
            by[nm] = {"probability": s.probability, "probability_stderr": s.probability_stderr, "median": s.median,
                      "observed": s.observed}
        diffs = {nm: paired_difference(outcomes[0], o).as_record()
                 for nm, o in zip(names[1:], outcomes[1:], strict=True)}
        same = all(next(u for u in r.scenario.targets if u.id == t.id).model_dump() == t.model_dump()
                   for r in results[1:])
        targets.append({"id": t.id, "label": t.label, "year": t.year, "threshold": t.threshold, "unit": t.unit,
                        "metric": t.metric, "headline": t.headline, "same_definition": same,
                        "by_scenario": by, "differences": diffs})
    return {"scenarios": list(names), "reference": names[0], "replications": first.replications,
            "seed": first.seed, "confidence_level": 0.95,
            "method": ("common random numbers (same seed, named streams); difference = mean of per-replication "
                       "paired differences, s.e. = sd(d)/sqrt(n), 95% CI = diff ± 1.96 s.e.; unpaired CI for "
                       "reference; exact McNemar p on the discordant pairs"),
            "targets": targets}


def comparison_rows(comparison: Comparison) -> list[dict[str, object]]:
    """Rows of ``comparison.csv``: one per target × scenario."""
    rows: list[dict[str, object]] = []
    ref = comparison["scenarios"][0]
    for t in comparison["targets"]:
        for nm in comparison["scenarios"]:
            b = t["by_scenario"][nm]
            d = t["differences"].get(nm)
            rows.append({"target": t["id"], "label": t["label"], "year": t["year"], "threshold": t["threshold"],
                         "unit": t["unit"], "scenario": nm, "probability": b["probability"],
                         "probability_stderr": b["probability_stderr"], "reference": ref,
                         "difference": d["difference"] if d is not None else 0.0 if nm == ref else None,
                         "ci_low": None if d is None else d["ci_low"], "ci_high": None if d is None else d["ci_high"],
                         "unpaired_ci_low": None if d is None else d["unpaired_ci_low"], "unpaired_ci_high": None if d is None else d["unpaired_ci_high"],
                         "mcnemar_p": None if d is None else d["mcnemar_p"]})
    return rows


def volume_differences(results: Sequence[Results], names: Sequence[str], year: int = 2025,
                       metric: str = "parcels_inout") -> dict[str, np.ndarray]:
    """Per-replication ``metric`` in ``year`` of each run minus the first run's [件] (runs lacking it skipped)."""
    first = results[0]
    if year not in first.years or metric not in first.metrics:
        return {}
    a = first.metrics[metric][:, first.years.index(year)]
    return {nm: r.metrics[metric][:, r.years.index(year)] - a for nm, r in zip(names[1:], results[1:], strict=True)
            if year in r.years and metric in r.metrics}


def volume_summary(differences: Mapping[str, np.ndarray]) -> dict[str, VolumeDifference]:
    """Each scenario's paired parcel difference (:func:`volume_differences`) as mean, 5th, 50th and 95th
    percentiles [件] (``comparison.json``: ``parcels_inout_2025_difference``)."""
    return {nm: {"mean": float(d.mean()), "p05": float(np.quantile(d, 0.05)), "median": float(np.median(d)),
                 "p95": float(np.quantile(d, 0.95)), "unit": "件"} for nm, d in differences.items()}


def cumulative_windows(windows: Mapping[str, Sequence[WindowTotal]]) -> dict[str, CumulativeWindow]:
    """Each scenario's totals over the years in which it differs from the first, with those years (None when
    it never differs) (``comparison.json``: ``cumulative_difference``)."""
    return {nm: {"years": [w[0]["first_year"], w[0]["last_year"]] if w else None, "totals": list(w)}
            for nm, w in windows.items()}


def comparison_table(comparison: Comparison) -> list[str]:
    """Lines of the text table printed by ``expressim compare``: P ± two standard errors per scenario (as in the
    reports), paired differences with their 95% intervals."""
    names = comparison["scenarios"]
    w = max(24, *(len(n) for n in names))
    lines = ["  " + f"{'target':<26}" + "".join(f"{n:>{w + 2}}" for n in names)]
    for t in comparison["targets"]:
        by = t["by_scenario"]
        ps = [f"P {by[n]['probability']:.3f} ± {2 * by[n]['probability_stderr']:.3f}" for n in names]
        lines.append(f"  {t['id']:<26}" + "".join(f"{s:>{w + 2}}" for s in ps))
        ds = [f"Δ {d['difference']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]"
              for d in (t["differences"][n] for n in names[1:])]
        lines.append(f"  {'':<26}{'(reference)':>{w + 2}}" + "".join(f"{s:>{w + 2}}" for s in ds))
    return lines


__all__ = ["Comparison", "PairedDifference", "compare_results", "comparison_rows", "cumulative_windows", "mcnemar_p",
           "paired_difference", "volume_differences", "volume_summary"]
