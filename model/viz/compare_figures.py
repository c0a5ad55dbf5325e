"""Figures of ``expressim compare``: probabilities side by side, overlaid fans, paired differences,
and the probability-versus-opening curve of a latest-opening search.

Same conventions as :mod:`model.viz.run_figures` (whose font handling, labels and units it reuses): each
function takes data and an optional ``ax`` and returns the Axes; figures are built on
:class:`matplotlib.figure.Figure` and rendered by Agg (pyplot is never imported); Chinese labels
are drawn with a CJK font when one is installed and fall back to English otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes

from expressim.model.spec.conventions import METRICS, SUMMARY_QUANTILES
from expressim.model.viz import run_figures as plots
from expressim.model.viz.figure_style import GREEN, RED, _axes, _label, _style, save, unit_scale
from expressim.model.viz.i18n import metric_name, tr
from expressim.model.viz.run_figures import HistoryNote

if TYPE_CHECKING:
    from expressim.calibration.observations import ObservationSet
    from expressim.model.analysis.compare import Comparison
    from expressim.model.analysis.latest_opening import LatestOpening
    from expressim.model.engine.results import Results

__all__ = ["compare_figures", "difference_histogram", "latest_opening_plot", "overlaid_fan", "overlaid_monthly",
           "probabilities_chart", "save_latest_opening"]

#: matplotlib's default colour cycle (tab10), so that a scenario has the same colour in every figure
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
          "#17becf")


def _color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def probabilities_chart(comparison: Comparison, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Grouped bars: each common target's probability per scenario, ±2 s.e. (:func:`model.viz.run_figures.comparison_chart`)."""
    return plots.comparison_chart(comparison, ax=ax, lang=lang)


def overlaid_fan(results: Sequence[Results], names: Sequence[str], metric: str, ax: Axes | None = None,
                 lang: str = "en", history: Mapping[int, float] | None = None,
                 history_note: HistoryNote | None = None) -> Axes:
    """Annual fan charts of one metric for several scenarios, overlaid: median and 10-90% band each.

    Parameters
    ----------
    results : sequence of Results
        Runs on common random numbers; the first one's targets on ``metric`` are drawn.
    names : sequence of str
        Display names.
    metric : str
        A key of ``Results.metrics`` [its unit in :data:`model.spec.conventions.METRICS`].
    history, history_note : optional
        The region's observed values of the metric and what they are, as in
        :func:`expressim.model.viz.run_figures.fan_chart` (points; "none in the data" in the legend).
    """
    with _style() as cjk:
        ax = _axes(ax, (8.0, 4.4))
        unit, _ = METRICS.get(metric, ("", metric))
        desc = metric_name(metric, lang)
        div, ulabel = unit_scale(unit, cjk and lang == "zh")
        for i, (nm, r) in enumerate(zip(names, results, strict=True)):
            if metric not in r.metrics:
                continue
            x = np.asarray(r.years, dtype=float) + (i - (len(names) - 1) / 2) * 0.04
            v = r.metrics[metric] / div
            q = np.quantile(v, SUMMARY_QUANTILES, axis=0)
            ax.fill_between(x, q[0], q[2], color=_color(i), alpha=0.13, linewidth=0)
            ax.plot(x, q[1], marker="o", color=_color(i), linewidth=2,
                    label=tr("fig.cmp_fan_label", lang, name=_label(nm, f"scenario {i + 1}", cjk)))
        plots.draw_history(ax, history, history_note, div, [y for r in results for y in r.years], lang, cjk)
        for t in results[0].scenario.targets:
            if t.metric == metric:
                ax.plot([t.year], [t.threshold / div], marker="D", color="black", linestyle="none",
                        label=tr("fig.target_short", lang, year=t.year))
                ax.axhline(t.threshold / div, color="black", linewidth=0.8, linestyle=":")
        years = sorted({y for r in results for y in r.years} | {y for y in (history or {}) if y >= min(
            (y0 for r in results for y0 in r.years), default=0) - 6})
        ax.set_xticks(years, [str(y) for y in years], fontsize=8 if len(years) > 10 else None)
        ax.grid(axis="y", alpha=0.3)
        ax.set_ylabel(ulabel)
        ax.set_title(tr("fig.cmp_fan_title", lang, desc=_label(desc, metric, cjk)), fontsize=11)
        handles, labels = ax.get_legend_handles_labels()
        uniq = dict(zip(labels, handles, strict=True))
        ax.legend(list(uniq.values()), list(uniq.keys()), fontsize=8, loc="upper left")
    return ax


def overlaid_monthly(results: Sequence[Results], names: Sequence[str], ax: Axes | None = None,
                     lang: str = "en") -> Axes:
    """Monthly parcels in + out [万件/month] of several scenarios: median and 10-90% band each."""
    with _style() as cjk:
        ax = _axes(ax, (9.0, 4.4))
        for i, (nm, r) in enumerate(zip(names, results, strict=True)):
            v = r.monthly.sum(axis=2) / 1e4
            x = (r.scenario.start_month + np.arange(v.shape[1])) / 12.0 + 1 / 24.0
            q = np.quantile(v, SUMMARY_QUANTILES, axis=0)
            ax.fill_between(x, q[0], q[2], color=_color(i), alpha=0.12, linewidth=0)
            ax.plot(x, q[1], color=_color(i), linewidth=1.6, label=(_label(nm, f"scenario {i + 1}", cjk)))
        years = sorted({y for r in results for y in r.years})
        ax.set_xticks(years, [str(y) for y in years])
        ax.grid(axis="y", alpha=0.3)
        ax.set_ylabel(tr("fig.per_month", lang if cjk else "en"))
        ax.set_title(tr("fig.cmp_monthly_title", lang), fontsize=11)
        ax.legend(fontsize=8, loc="upper left")
    return ax


def difference_histogram(diffs: Mapping[str, np.ndarray], reference: str, year: int = 2025,
                         ax: Axes | None = None, lang: str = "en") -> Axes:
    """Histograms of per-replication differences of parcels in + out in ``year`` vs the reference.

    Parameters
    ----------
    diffs : mapping
        Scenario name -> ``b_i - a_i`` [件], replication ``i`` on the same random numbers.
    reference : str
        The first scenario's name.
    """
    with _style() as cjk:
        ax = _axes(ax, (8.0, 4.4))
        div, ulabel = unit_scale("件", cjk and lang == "zh")
        allv = np.concatenate([np.asarray(d, dtype=float) / div for d in diffs.values()]) if diffs else np.zeros(1)
        lo, hi = np.quantile(allv, [0.005, 0.995]) if allv.size > 1 else (-1.0, 1.0)
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        bins = np.linspace(lo, hi, 61)
        for i, (nm, d) in enumerate(diffs.items()):
            v = np.clip(np.asarray(d, dtype=float) / div, lo, hi)
            m = float(np.mean(np.asarray(d)) / div)
            ax.hist(v, bins=bins.tolist(), color=_color(i + 1), alpha=0.45, density=True,
                    label=tr("fig.diff_label", lang, name=_label(nm, f"scenario {i + 2}", cjk), m=m,
                             p=float(np.mean(np.asarray(d) > 0))))
            ax.axvline(m, color=_color(i + 1), linewidth=1.5)
        ax.axvline(0.0, color="black", linewidth=1, linestyle=":")
        ref = (_label(reference, "reference", cjk))
        ax.set_xlabel(tr("fig.diff_x", lang, year=year, unit=ulabel, ref=ref))
        ax.set_ylabel(tr("fig.density", lang))
        ax.set_title(tr("fig.diff_title", lang, year=year, ref=ref), fontsize=11)
        ax.legend(fontsize=8, loc="upper left")
    return ax


def compare_figures(results: Sequence[Results], names: Sequence[str], comparison: Comparison,
                    diffs: Mapping[str, np.ndarray], directory: str | Path, lang: str = "en",
                    observations: ObservationSet | None = None, region: str | None = None) -> list[Path]:
    """Write the comparison figures into ``directory``; return their paths.

    Probabilities side by side, overlaid annual fans of the headline metrics (with the ``region``'s observed
    values from ``observations``, the first scenario's), the overlaid monthly in + out fan and (when there is
    a second scenario) the paired-difference histogram.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = [save(probabilities_chart(comparison, lang=lang), d / "probabilities.png")]
    heads = [t["metric"] for t in comparison["targets"] if t.get("headline")]
    metrics = [m for m in dict.fromkeys(heads or list(plots.HEADLINE_METRICS)) if all(m in r.metrics for r in results)]
    shown = plots.region_display(results[0], region, lang)
    for m in metrics:
        hist, note = plots.history_for(observations, m, region)
        if note is not None:
            note["region"] = shown
        paths.append(save(overlaid_fan(results, names, m, lang=lang, history=hist, history_note=note), d / f"fan_{m}.png"))
    paths.append(save(overlaid_monthly(results, names, lang=lang), d / "monthly_parcels_inout.png"))
    if diffs:
        paths.append(save(difference_histogram(diffs, names[0], lang=lang), d / "difference_parcels_inout_2025.png"))
    return paths


def latest_opening_plot(result: LatestOpening, start_month: int, ax: Axes | None = None,
                        lang: str = "en") -> Axes:
    """P(target) against the median opening month of the shifted projects (``latest_opening.json``).

    Draws the estimate, its ±2 s.e. band, the one-sided lower 95% bound, the required level and
    the latest admissible opening.  x is calendar time: an opening ``t`` months after the start
    is drawn at ``start_year + t / 12``, ticks labelled as months (``YYYY-MM``).
    """
    with _style() as cjk:
        ax = _axes(ax, (8.0, 4.6))
        curve = sorted(result["curve"], key=lambda c: c["shift_months"])
        x = start_month / 12.0 + np.array([c["group_median_opening_months"] for c in curve]) / 12.0
        p = np.array([c["probability"] for c in curve])
        se = np.array([c["probability_stderr"] for c in curve])
        lb = np.array([c["lower_bound_95"] for c in curve])
        ax.fill_between(x, np.clip(p - 2 * se, 0, 1), np.clip(p + 2 * se, 0, 1), color="#1f5fa8", alpha=0.2,
                        linewidth=0, label=tr("fig.pm2", lang))
        ax.plot(x, p, marker=".", color="#1f5fa8", linewidth=1.8, label=tr("fig.lo_p", lang))
        ax.plot(x, lb, linestyle="--", color="#1f5fa8", linewidth=1, label=tr("fig.lo_lb", lang))
        req = float(result["required_probability"])
        ax.axhline(req, color=RED, linewidth=1.2, linestyle=":", label=tr("fig.lo_req", lang, req=req))
        w = result.get("without_projects")
        if w:
            ax.axhline(float(w["probability"]), color="0.4", linewidth=1, linestyle="--",
                       label=tr("fig.lo_without", lang, p=float(w["probability"])))
        zero = next((c for c in curve if c["shift_months"] == 0), None)
        if zero is not None:
            ax.axvline(start_month / 12.0 + zero["group_median_opening_months"] / 12.0, color="0.5", linewidth=1,
                       linestyle=":", label=tr("fig.lo_zero", lang))
        best = result.get("latest")
        if best:
            bx = start_month / 12.0 + best["group_median_opening_months"] / 12.0
            ax.axvline(bx, color=GREEN, linewidth=1.5,
                       label=tr("fig.lo_best", lang, shift=best["shift_months"], month=best["group_median_opening"]))
        t = result["target"]
        ye = float(t["year"]) + 1.0
        if x.min() <= ye <= x.max():
            ax.axvline(ye, color="0.3", linewidth=1, linestyle="-.", label=tr("fig.lo_end", lang, year=t["year"]))
        low = float(np.nanmin(np.r_[p - 2 * se, req]))
        ax.set_ylim(max(-0.02, low - 0.05), 1.02)
        lo_m, hi_m = int(np.floor(x.min() * 12)), int(np.ceil(x.max() * 12))
        step = max(3, int(np.ceil((hi_m - lo_m) / 8 / 3)) * 3)
        ticks = [m for m in range(lo_m - lo_m % 3, hi_m + 1, step)]
        ax.set_xticks([m / 12.0 for m in ticks], [f"{m // 12}-{m % 12 + 1:02d}" for m in ticks], fontsize=8,
                      rotation=30)
        ax.set_xlabel(tr("fig.lo_x", lang))
        ax.set_ylabel(tr("fig.lo_y", lang))
        ax.set_title(tr("fig.lo_title", lang, target=_label(str(t["label"]), str(t["id"]), cjk),
                        name=_label(str(result["scenario"]), "scenario", cjk)), fontsize=11)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
    return ax


def save_latest_opening(result: LatestOpening, start_month: int, path: str | Path, lang: str = "en") -> Path:
    """Write :func:`latest_opening_plot` to ``path`` (PNG)."""
    return save(latest_opening_plot(result, start_month, lang=lang), path)
