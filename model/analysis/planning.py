"""Target setting: the level of each indicator reached with a given probability, and what a change of plan
gains or loses, cumulatively, by year and county.

**Levels reached with probability p.**  For an indicator judged "at least" (every headline indicator),
the level ``L`` reached with probability ``p`` in year ``y`` is the ``1 - p`` quantile of its simulated
annual values: ``P(X_y >= L) = p``.  So the P0.8 level is the 20th percentile (a target set there is met
in four simulated futures out of five), the P0.5 level the median and the P0.2 level the 80th percentile.
For an indicator whose targets read "at most" (``<=``) the ``p`` quantile is used instead.  Quantiles are
``numpy.quantile`` (linear interpolation) over the replications.

**Cumulative difference against a reference scenario.**  Two scenarios run on common random numbers share
every draw of every input they have in common, so replication ``i`` of both differs only by the policy
(:mod:`expressim.model.analysis.compare`).  For each replication the difference ``d_i(y, c)`` of an annual
indicator in year ``y`` and county ``c`` is paired; the cumulative difference through year ``y`` is
``D_i(y, c) = sum_{s <= y} d_i(s, c)``.  Reported: its mean, the Monte-Carlo standard error of the mean
(``sd / sqrt(n)``), and the 10th, 50th and 90th percentiles over the replications: the **80% interval**
within which the gain or loss falls in four simulated futures out of five (a spread of outcomes, not a
confidence interval of the mean).  County values of revenue and jobs are the county's parcels times the
city's revenue per collected parcel and jobs per parcel handled of the same replication and year
(:meth:`expressim.model.engine.results.Results.county_metric`), so counties add up to the city.  Jobs are
a stock: their cumulative difference is in job-years (人·年).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, TypedDict

import numpy as np

from expressim.model.spec.conventions import HEADLINE_METRICS, METRICS, SUMMARY_QUANTILES

if TYPE_CHECKING:
    from expressim.model.engine.results import Results

__all__ = ["CUMULATIVE_METRICS", "LEVEL_PROBABILITIES", "ComparisonPlanning", "CumulativeRow", "LevelRow",
           "WindowTotal", "cumulative_difference", "difference_window", "headline_metrics", "level_rows",
           "plan_comparison", "target_levels", "window_totals"]

#: a row of ``target_levels.csv``: ``scenario, metric, year, unit, comparison``, one ``level_pXX`` per
#: probability and ``thresholds`` (the level columns follow the probabilities asked for)
LevelRow = dict[str, str | int | float]


class CumulativeRow(TypedDict):
    """A row of ``cumulative_difference.csv`` (see :func:`cumulative_difference`)."""

    scenario: str
    reference: str
    metric: str
    unit: str
    county: str
    year: int
    difference_mean: float
    difference_p10: float
    difference_p50: float
    difference_p90: float
    cumulative_mean: float
    cumulative_stderr: float
    cumulative_p10: float
    cumulative_p50: float
    cumulative_p90: float


class WindowTotal(TypedDict):
    """A scenario's gain or loss over a window of years, by indicator and county (:func:`window_totals`)."""

    metric: str
    unit: str
    county: str
    first_year: int
    last_year: int
    mean: float
    stderr: float
    p10: float
    p50: float
    p90: float


class ScenarioWindowTotal(WindowTotal):
    """A :class:`WindowTotal` naming its scenario (the rows of every scenario of a comparison together)."""

    scenario: str


#: probabilities of the levels reported (a target set at the P0.8 level is met in 4 futures out of 5)
LEVEL_PROBABILITIES = (0.8, 0.5, 0.2)
#: indicators whose cumulative gain or loss a comparison reports, by county
CUMULATIVE_METRICS = ("parcels_inout", "revenue", "jobs")
#: percentiles of the paired differences reported: the 80% interval and the median
INTERVAL = SUMMARY_QUANTILES
#: the key of the whole region in the county column
TOTAL = "total"


def headline_metrics(results: Results) -> list[str]:
    """The indicators of the scenario's headline targets (in their order), else the standard headline ones."""
    heads = [t.metric for t in results.scenario.targets if t.headline and t.metric in results.metrics]
    return list(dict.fromkeys(heads or [m for m in HEADLINE_METRICS if m in results.metrics]))


def _at_most(results: Results, metric: str) -> bool:
    """Whether the scenario's targets on ``metric`` read "at most" (then high levels are the easy ones)."""
    cmps = {t.comparison for t in results.scenario.targets if t.metric == metric}
    return cmps == {"<="}


def target_levels(results: Results, metric: str, probabilities: Sequence[float] = LEVEL_PROBABILITIES) -> np.ndarray:
    """Levels of ``metric`` reached with each probability in each year, shape (len(probabilities), Y).

    Parameters
    ----------
    results : Results
        A run; ``results.metrics[metric]`` is (n, Y) in the metric's canonical unit.
    metric : str
        A key of ``results.metrics``.
    probabilities : sequence of float
        Each in (0, 1); the level reached with probability ``p`` is the ``1 - p`` quantile ("at least"
        indicators) or the ``p`` quantile ("at most" indicators).
    """
    values = np.asarray(results.metrics[metric], dtype=float)
    qs = [p if _at_most(results, metric) else 1.0 - p for p in probabilities]
    return np.quantile(values, qs, axis=0)


def level_rows(results: Results, scenario: str | None = None, metrics: Sequence[str] | None = None,
               probabilities: Sequence[float] = LEVEL_PROBABILITIES) -> list[LevelRow]:
    """Rows of ``target_levels.csv``: one per indicator and year.

    Columns ``scenario, metric, year, unit, comparison, level_p80, level_p50, level_p20`` (canonical units;
    ``level_pXX`` is the level reached with probability XX%) and ``thresholds`` (the scenario's targets on
    that indicator and year, ``;``-separated, for reading the levels beside them).
    """
    name = results.scenario.name if scenario is None else scenario
    rows: list[LevelRow] = []
    for m in (metrics if metrics is not None else headline_metrics(results)):
        if m not in results.metrics:
            continue
        lv = target_levels(results, m, probabilities)
        unit = METRICS.get(m, ("", ""))[0]
        for j, y in enumerate(results.years):
            row: LevelRow = {"scenario": name, "metric": m, "year": y, "unit": unit,
                                   "comparison": "<=" if _at_most(results, m) else ">="}
            row.update({f"level_p{round(100 * p):02d}": float(lv[i, j]) for i, p in enumerate(probabilities)})
            row["thresholds"] = ";".join(f"{t.threshold:g}" for t in results.scenario.targets
                                         if t.metric == m and t.year == y)
            rows.append(row)
    return rows


def _county_values(results: Results, metric: str) -> np.ndarray:
    """(n, C + 1, Y): each county's annual values and, last, the whole region's."""
    county = results.county_metric(metric)
    total = np.asarray(results.metrics[metric], dtype=float)[:, None, :]
    return np.concatenate([county, total], axis=1)


#: relative size below which a paired difference is rounding (a county's revenue is its parcels times the
#: city's revenue per parcel: the same parcels give the same revenue up to the last bits)
ROUNDING = 1e-9


def _paired(a: Results, b: Results, metric: str, ja: Sequence[int], jb: Sequence[int]) -> np.ndarray:
    """(n, C + 1, Y'): ``b``'s values minus ``a``'s by county (the region last), rounding noise set to 0."""
    va, vb = _county_values(a, metric)[:, :, list(ja)], _county_values(b, metric)[:, :, list(jb)]
    d = vb - va
    d[np.abs(d) <= ROUNDING * np.maximum(np.abs(va), np.abs(vb))] = 0.0
    return d


def cumulative_difference(results: Sequence[Results], names: Sequence[str],
                          metrics: Sequence[str] = CUMULATIVE_METRICS) -> list[CumulativeRow]:
    """Rows of ``cumulative_difference.csv``: each scenario against the first, by indicator, county and year.

    Parameters
    ----------
    results : sequence of Results
        Runs on common random numbers (same seed and replications); the first is the reference.
    names : sequence of str
        Display names, one per run.
    metrics : sequence of str
        Indicators (each must have county values: parcels, revenue, jobs).

    Returns
    -------
    list of dict
        ``scenario, reference, metric, unit, county, year`` (``county`` = a county id or ``total``), the
        year's paired difference (``difference_mean``, ``difference_p10``, ``difference_p50``,
        ``difference_p90``) and the cumulative one from the first simulated year through ``year``
        (``cumulative_mean``, ``cumulative_stderr``, ``cumulative_p10``, ``cumulative_p50``,
        ``cumulative_p90``), in canonical units (件, 元; jobs in persons, cumulated in job-years).
    """
    ref = results[0]
    out: list[CumulativeRow] = []
    for nm, r in zip(names[1:], results[1:], strict=True):
        if r.replications != ref.replications or list(r.county_ids) != list(ref.county_ids):
            continue  # not paired replication by replication, or other counties: nothing to pair
        years = [y for y in ref.years if y in r.years]
        ja, jb = [ref.years.index(y) for y in years], [r.years.index(y) for y in years]
        for m in metrics:
            if m not in ref.metrics or m not in r.metrics:
                continue
            d = _paired(ref, r, m, ja, jb)  # (n, C + 1, Y')
            cum = np.cumsum(d, axis=2)
            qd = np.quantile(d, INTERVAL, axis=0)
            qc = np.quantile(cum, INTERVAL, axis=0)
            se = cum.std(axis=0, ddof=1) / np.sqrt(max(d.shape[0], 1)) if d.shape[0] > 1 else np.zeros(cum.shape[1:])
            unit = METRICS.get(m, ("", ""))[0]
            for c, cid in enumerate([*ref.county_ids, TOTAL]):
                for k, y in enumerate(years):
                    out.append({"scenario": nm, "reference": names[0], "metric": m, "unit": unit, "county": cid,
                                "year": y, "difference_mean": float(d[:, c, k].mean()),
                                "difference_p10": float(qd[0, c, k]), "difference_p50": float(qd[1, c, k]),
                                "difference_p90": float(qd[2, c, k]), "cumulative_mean": float(cum[:, c, k].mean()),
                                "cumulative_stderr": float(se[c, k]), "cumulative_p10": float(qc[0, c, k]),
                                "cumulative_p50": float(qc[1, c, k]), "cumulative_p90": float(qc[2, c, k])})
    return out


def difference_window(rows: Sequence[CumulativeRow], scenario: str, metric: str = "parcels_inout",
                      share: float = 0.01) -> tuple[int, int] | None:
    """The years in which ``scenario`` differs materially from the reference in ``metric`` (whole region).

    From the first to the last year whose mean annual difference is, in absolute value, at least ``share`` of
    the largest one (None when the scenarios never differ).
    A delay that costs parcels in 2026-28 and none afterwards gives (2026, 2028).
    """
    by_year = {int(r["year"]): float(r["difference_mean"]) for r in rows
               if r["scenario"] == scenario and r["metric"] == metric and r["county"] == TOTAL}
    if not by_year:
        return None
    peak = max(abs(v) for v in by_year.values())
    if peak <= 0:
        return None
    years = sorted(y for y, v in by_year.items() if abs(v) >= share * peak)
    return years[0], years[-1]


def window_totals(results: Sequence[Results], names: Sequence[str], window: tuple[int, int], scenario: str,
                  metrics: Sequence[str] = CUMULATIVE_METRICS) -> list[WindowTotal]:
    """The gain or loss of ``scenario`` against the first run summed over the years ``window`` (both ends
    included), by indicator and county: ``metric, unit, county, first_year, last_year, mean, stderr, p10,
    p50, p90`` (the same paired replications as :func:`cumulative_difference`)."""
    ref = results[0]
    r = results[list(names).index(scenario)]
    years = [y for y in range(window[0], window[1] + 1) if y in ref.years and y in r.years]
    if not years or r.replications != ref.replications:
        return []
    ja, jb = [ref.years.index(y) for y in years], [r.years.index(y) for y in years]
    out: list[WindowTotal] = []
    for m in metrics:
        if m not in ref.metrics or m not in r.metrics:
            continue
        d = _paired(ref, r, m, ja, jb).sum(axis=2)  # (n, C + 1)
        q = np.quantile(d, INTERVAL, axis=0)
        se = d.std(axis=0, ddof=1) / np.sqrt(d.shape[0]) if d.shape[0] > 1 else np.zeros(d.shape[1])
        for c, cid in enumerate([*ref.county_ids, TOTAL]):
            out.append({"metric": m, "unit": METRICS.get(m, ("", ""))[0], "county": cid, "first_year": years[0],
                        "last_year": years[-1], "mean": float(d[:, c].mean()), "stderr": float(se[c]),
                        "p10": float(q[0, c]), "p50": float(q[1, c]), "p90": float(q[2, c])})
    return out


class ComparisonPlanning(NamedTuple):
    """Target setting of a comparison: every scenario's levels, the paired cumulative differences against the
    first, and each other scenario's totals over the years in which it differs (empty when it never differs)."""

    levels: list[LevelRow]
    cumulative: list[CumulativeRow]
    windows: dict[str, list[WindowTotal]]


def plan_comparison(results: Sequence[Results], names: Sequence[str]) -> ComparisonPlanning:
    """Every scenario's levels reached with P = 0.8 / 0.5 / 0.2 (:func:`level_rows`), each scenario's paired
    cumulative difference against the first by year and county (:func:`cumulative_difference`), and its totals
    over the years in which it differs (:func:`difference_window`, :func:`window_totals`)."""
    levels = [row for nm, r in zip(names, results, strict=True) for row in level_rows(r, nm)]
    cumulative = cumulative_difference(results, names)
    windows: dict[str, list[WindowTotal]] = {}
    for nm in names[1:]:
        span = difference_window(cumulative, nm)
        windows[nm] = window_totals(results, names, span, nm) if span is not None else []
    return ComparisonPlanning(levels, cumulative, windows)
