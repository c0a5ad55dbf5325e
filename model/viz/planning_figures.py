"""Figures of target setting: the levels reached with probability 0.8 / 0.5 / 0.2 by year (run and compare),
and the cumulative gain or loss of a scenario against the reference, by year and county (compare).

Same conventions as :mod:`expressim.model.viz.run_figures` (fonts, labels, units, Agg without pyplot).
The numbers come from :mod:`expressim.model.analysis.planning`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from expressim.model.viz.figure_style import RED, _label, _style, save, unit_scale
from expressim.model.viz.i18n import metric_name, tr

if TYPE_CHECKING:
    from expressim.model.analysis.planning import CumulativeRow, LevelRow, WindowTotal
    from expressim.model.spec.scenario import Target

__all__ = ["cumulative_difference_chart", "planning_figures", "target_levels_chart"]

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
#: line style of each probability's level
STYLES = {80: ("-", 2.2), 50: ("--", 1.4), 20: (":", 1.4)}


def _color(i: int) -> str:
    return COLORS[i % len(COLORS)]


def target_levels_chart(rows: Sequence[LevelRow], lang: str = "en",
                        targets: Sequence[Target] = ()) -> Figure:
    """One panel per indicator: the level reached with probability 0.8 (solid), 0.5 (dashed) and 0.2
    (dotted) in each year, one colour per scenario, the scenario's targets as red diamonds.

    Parameters
    ----------
    rows : sequence of mapping
        :func:`expressim.model.analysis.planning.level_rows` of one or more scenarios.
    targets : sequence of Target
        The (first) scenario's targets; those on a drawn indicator are marked.
    """
    metrics = list(dict.fromkeys(str(r["metric"]) for r in rows))
    scenarios = list(dict.fromkeys(str(r["scenario"]) for r in rows))
    with _style() as cjk:
        ncols = 1 if len(metrics) == 1 else 2
        nrows = int(np.ceil(len(metrics) / ncols)) or 1
        fig = Figure(figsize=(10.5 if ncols == 2 else 7.5, 3.3 * nrows + 0.6), layout="constrained")
        axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
        for ax, m in zip(axes, metrics, strict=False):
            mine = [r for r in rows if r["metric"] == m]
            unit = str(mine[0]["unit"])
            div, ulabel = unit_scale(unit, cjk and lang == "zh")
            for i, s in enumerate(scenarios):
                rs = sorted((r for r in mine if r["scenario"] == s), key=lambda r: int(r["year"]))
                x = [int(r["year"]) for r in rs]
                for p, (ls, lw) in STYLES.items():
                    ax.plot(x, [float(r[f"level_p{p:02d}"]) / div for r in rs], linestyle=ls, linewidth=lw,
                            color=_color(i), marker="o" if p == 80 else None, markersize=3)
            for t in targets:
                if getattr(t, "metric", None) == m:
                    ax.plot([t.year], [t.threshold / div], marker="D", color=RED, linestyle="none", markersize=6)
            years = sorted({int(r["year"]) for r in mine})
            ax.set_xticks(years, [str(y) for y in years], fontsize=8)
            ax.grid(axis="y", alpha=0.3)
            ax.set_ylabel(ulabel)
            ax.set_title(_label(metric_name(m, lang if cjk else "en"), m, cjk), fontsize=10)
        for ax in axes[len(metrics):]:
            ax.set_visible(False)
        handles = [axes[0].plot([], [], linestyle=ls, linewidth=lw, color="black",
                                label=tr("fig.level_p", lang, p=p / 100))[0] for p, (ls, lw) in STYLES.items()]
        handles.append(axes[0].plot([], [], marker="D", color=RED, linestyle="none", label=tr("fig.level_target", lang))[0])
        if len(scenarios) > 1:
            handles += [axes[0].plot([], [], color=_color(i), linewidth=6, alpha=0.6,
                                     label=_label(s, f"{tr('fig.scenario', 'en')} {i + 1}", cjk))[0]
                        for i, s in enumerate(scenarios)]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), fontsize=8)
        fig.suptitle(tr("fig.levels_title", lang), fontsize=11)
    return fig


def _county_label(cid: str, county_names: Mapping[str, str], lang: str, cjk: bool) -> str:
    if cid == "total":
        return tr("plan.total", lang if cjk else "en")
    name = county_names.get(cid, cid)
    return name if (lang == "zh" and cjk) else cid


def cumulative_difference_chart(rows: Sequence[CumulativeRow], window: Sequence[WindowTotal],
                                lang: str = "en", county_names: Mapping[str, str] | None = None,
                                metrics: Sequence[str] = ("parcels_inout", "revenue", "jobs")) -> Figure:
    """Each indicator in a row: left, the whole region's cumulative difference against the reference by year
    (mean, 80% band of the paired replications); right, each county's total over the window (mean, 80%
    interval), counties without any difference left out.

    Parameters
    ----------
    rows : sequence of mapping
        :func:`expressim.model.analysis.planning.cumulative_difference`.
    window : sequence of mapping
        :func:`expressim.model.analysis.planning.window_totals` of one scenario (may be empty), with a
        ``scenario`` key.
    """
    names = county_names or {}
    scenarios = list(dict.fromkeys(str(r["scenario"]) for r in rows))
    ref = str(rows[0]["reference"]) if rows else ""
    metrics = [m for m in metrics if any(r["metric"] == m for r in rows)]
    with _style() as cjk:
        fig = Figure(figsize=(11.0, 2.9 * max(len(metrics), 1) + 0.8), layout="constrained")
        axes = fig.subplots(max(len(metrics), 1), 2, squeeze=False)
        for k, m in enumerate(metrics):
            left, right = axes[k]
            unit = str(next(r["unit"] for r in rows if r["metric"] == m))
            div, ulabel = unit_scale(unit, cjk and lang == "zh")
            if unit in ("件", "元"):  # gains and losses in 万 (10k), as the tables show them
                div, ulabel = 1e4, tr(f"plan.unit_10k.{unit}", lang if cjk else "en")
            cum_unit = tr("plan.job_years", lang if cjk else "en") if m == "jobs" else ulabel
            for i, s in enumerate(scenarios):
                rs = sorted((r for r in rows if r["scenario"] == s and r["metric"] == m and r["county"] == "total"),
                            key=lambda r: int(r["year"]))
                x = [int(r["year"]) for r in rs]
                left.fill_between(x, [r["cumulative_p10"] / div for r in rs], [r["cumulative_p90"] / div for r in rs],
                                  color=_color(i + 1), alpha=0.2, linewidth=0)
                left.plot(x, [r["cumulative_mean"] / div for r in rs], marker="o", markersize=3, color=_color(i + 1),
                          label=_label(s, f"scenario {i + 2}", cjk))
            left.axhline(0, color="black", linewidth=0.8, linestyle=":")
            years = sorted({int(r["year"]) for r in rows if r["metric"] == m})
            left.set_xticks(years, [str(y) for y in years], fontsize=8)
            left.grid(axis="y", alpha=0.3)
            left.set_ylabel(cum_unit)
            left.set_title(tr("fig.cum_left", lang, desc=_label(metric_name(m, lang if cjk else "en"), m, cjk)),
                           fontsize=10)
            wm = [w for w in window if w["metric"] == m and (w["county"] == "total" or abs(float(w["p10"])) > 0
                                                               or abs(float(w["p90"])) > 0)]
            if wm:
                y0, y1 = int(wm[0]["first_year"]), int(wm[0]["last_year"])
                wunit = tr("plan.job_years", lang if cjk else "en") if m == "jobs" and y1 > y0 else ulabel
                ys = np.arange(len(wm))[::-1]
                mean = np.array([float(w["mean"]) for w in wm]) / div
                lo = np.array([float(w["p10"]) for w in wm]) / div
                hi = np.array([float(w["p90"]) for w in wm]) / div
                right.barh(ys, mean, color=[("0.45" if w["county"] == "total" else _color(1)) for w in wm], height=0.6)
                right.errorbar(mean, ys, xerr=[np.maximum(mean - lo, 0), np.maximum(hi - mean, 0)], fmt="none",
                               ecolor="black", capsize=3, linewidth=0.9)
                right.set_yticks(ys, [_county_label(str(w["county"]), names, lang, cjk) for w in wm], fontsize=8)
                right.axvline(0, color="black", linewidth=0.8, linestyle=":")
                right.set_xlabel(wunit, fontsize=8)
                right.grid(axis="x", alpha=0.3)
                span = f"{y0}" if y0 == y1 else f"{y0}–{y1}"
                right.set_title(tr("fig.cum_right", lang, span=span), fontsize=10)
            else:
                right.set_visible(False)
        if metrics:
            axes[0][0].legend(fontsize=8, loc="lower left")
        fig.suptitle(tr("fig.cum_title", lang, ref=_label(ref, "reference", cjk)), fontsize=11)
    return fig


def planning_figures(directory: str | Path, levels: Sequence[LevelRow], lang: str = "en",
                     targets: Sequence[Target] = (), cumulative: Sequence[CumulativeRow] = (),
                     window: Sequence[WindowTotal] = (), county_names: Mapping[str, str] | None = None) -> list[Path]:
    """Write ``target_levels.png`` (when there are levels) and ``cumulative_difference.png`` (when there is
    a comparison) into ``directory``; return their paths."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = []
    if levels:
        paths.append(save(target_levels_chart(levels, lang, targets), d / "target_levels.png"))
    if cumulative:
        paths.append(save(cumulative_difference_chart(cumulative, window, lang, county_names),
                          d / "cumulative_difference.png"))
    return paths
