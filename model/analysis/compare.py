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
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

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


def compare_results(results: Sequence[Any], names: Sequence[str]) -> dict[str, Any]:
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
    targets = []
    for t in common:
        outcomes = [r.attainment(t.id) for r in results]
        by: dict[str, Any] = {}
        for nm, r in zip(names, results, strict=True):
            s = next(s for s in r.summary() if s.id == t.id)
            by[nm] = {"probability": s.probability, "probability_stderr": s.probability_stderr, "median": s.median,
                      "observed": s.observed}
        diffs = {nm: asdict(paired_difference(outcomes[0], o))
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


def comparison_rows(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of ``comparison.csv``: one per target × scenario."""
    rows = []
    ref = comparison["scenarios"][0]
    for t in comparison["targets"]:
        for nm in comparison["scenarios"]:
            b = t["by_scenario"][nm]
            d = t["differences"].get(nm, {})
            rows.append({"target": t["id"], "label": t["label"], "year": t["year"], "threshold": t["threshold"],
                         "unit": t["unit"], "scenario": nm, "probability": b["probability"],
                         "probability_stderr": b["probability_stderr"], "reference": ref,
                         "difference": d.get("difference", 0.0 if nm == ref else None),
                         "ci_low": d.get("ci_low"), "ci_high": d.get("ci_high"),
                         "unpaired_ci_low": d.get("unpaired_ci_low"), "unpaired_ci_high": d.get("unpaired_ci_high"),
                         "mcnemar_p": d.get("mcnemar_p")})
    return rows


def volume_differences(results: Sequence[Any], names: Sequence[str], year: int = 2025,
                       metric: str = "parcels_inout") -> dict[str, np.ndarray]:
    """Per-replication ``metric`` in ``year`` of each run minus the first run's [件] (runs lacking it skipped)."""
    first = results[0]
    if year not in first.years or metric not in first.metrics:
        return {}
    a = first.metrics[metric][:, first.years.index(year)]
    return {nm: r.metrics[metric][:, r.years.index(year)] - a for nm, r in zip(names[1:], results[1:], strict=True)
            if year in r.years and metric in r.metrics}


def comparison_table(comparison: dict[str, Any]) -> list[str]:
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


__all__ = ["PairedDifference", "compare_results", "comparison_rows", "mcnemar_p",
           "paired_difference", "volume_differences"]
