"""Figures of a run: fan charts, probability over time, rollout Gantt, target probabilities and the comparison chart.

Every function takes data and an optional ``ax`` (a new figure is made when it is None) and
returns the Axes; :func:`save` writes a PNG.  Figures are built on :class:`matplotlib.figure.Figure`
directly and rendered by the Agg canvas, never through pyplot: no backend is selected, no global
figure registry fills up, and importing this module changes nothing.

Titles, axes and legends are in the report's language (``lang``, words from
:mod:`expressim.model.viz.i18n`).  Chinese is drawn with Noto Sans CJK SC from the ``noto-cjk-sans-otc``
dependency (SIL Open Font License 1.1), registered with matplotlib by :mod:`expressim.model.viz.figure_style`, so a
fresh machine needs nothing but ``pip install``; an installed CJK font (Source Han Sans, WenQuanYi, SimHei
...) is used when the package is missing, and without any, figures fall back to English labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
from matplotlib.axes import Axes

from expressim.model.engine.results import Results
from expressim.model.spec.conventions import AT_RISK, HEADLINE_METRICS, METRICS, ON_TRACK, SUMMARY_QUANTILES
from expressim.model.spec.scenario import Target, parse_month
from expressim.model.viz.figure_style import (
    AMBER,
    GREEN,
    RED,
    _axes,
    _label,
    _style,
    cjk_font,
    register_bundled_font,
    save,
    traffic_light,
    unit_scale,
)
from expressim.model.viz.i18n import metric_name, tr

if TYPE_CHECKING:
    from expressim.calibration.observations import ObservationSet
    from expressim.model.analysis.compare import Comparison
    from expressim.model.engine.targets import TargetSummary


class HistoryNote(TypedDict):
    """What the observed points of a fan chart are: the region as shown, the data's last month (``YYYY-MM``)
    and the years implied by a growth rate or summed from collected and delivered."""

    region: str | None
    end: str | None
    implied: list[int]

__all__ = ["cjk_font", "comparison_chart", "register_bundled_font", "fan_chart", "monthly_fan", "probability_over_time",
           "rollout_gantt", "run_figures", "save", "target_probabilities", "traffic_light", "unit_scale"]

PHASE_COLORS = ("#6baed6", "#fdae6b", "#74c476", "#9e9ac8", "#bcbd22", "#8c6d31", "#17becf", "#969696")
BAND_PROBS = ((0.025, 0.975), (0.10, 0.90), (0.25, 0.75))  # 95%, 80%, 50% bands
BAND_ALPHA = (0.18, 0.30, 0.45)
#: headline metrics given their own fan chart by :func:`run_figures` (also any headline target's metric)


#: how far past the scenario's horizon the Gantt chart shows phases and openings [years]
GANTT_YEARS_PAST_HORIZON = 2.0


def _bands(ax: Axes, x: np.ndarray, draws: np.ndarray, color: str, label: str, lang: str = "en") -> None:
    """Quantile bands (95/80/50%) and the median of ``draws`` (n, len(x))."""
    for (lo, hi), alpha in zip(BAND_PROBS, BAND_ALPHA, strict=True):
        q = np.nanquantile(draws, [lo, hi], axis=0)
        ax.fill_between(x, q[0], q[1], color=color, alpha=alpha, linewidth=0,
                        label=tr("fig.band", lang, k=round((hi - lo) * 100)))
    ax.plot(x, np.nanmedian(draws, axis=0), color=color, linewidth=2, label=label)


def _title(ax: Axes, what: str, results: Results, cjk: bool) -> None:
    ax.set_title(f"{what} · {_label(results.scenario.name, 'scenario', cjk)}", fontsize=11)


def _years_axis(ax: Axes, years: Sequence[int]) -> None:
    ax.set_xticks(list(years), [str(y) for y in years])
    ax.grid(axis="y", alpha=0.3)


# ---- run figures ------------------------------------------------------------------------------

def _annual_baseline(results: Results, metric: str) -> np.ndarray | None:
    """No-policy annual parcels (n, Y) from ``baseline_monthly`` for parcel metrics, else None."""
    cols = {"parcels_out": [0], "parcels_in": [1], "parcels_inout": [0, 1]}.get(metric)
    if cols is None:
        return None
    b = results.baseline_monthly[:, :, cols].sum(axis=2)
    return np.asarray(b[:, : b.shape[1] // 12 * 12].reshape(b.shape[0], -1, 12).sum(axis=2))


def fan_chart(results: Results, metric: str, target: Target | str | None = None, ax: Axes | None = None,
              baseline: bool = False, lang: str = "en", history: Mapping[int, float] | None = None,
              history_note: HistoryNote | None = None) -> Axes:
    """Annual fan chart of a metric: median and 50/80/95% bands, with the target threshold(s).

    Parameters
    ----------
    results : Results
        A finished run; uses ``results.metrics[metric]`` (n, Y).
    metric : str
        A key of ``results.metrics`` (see :data:`model.spec.conventions.METRICS`).
    target : Target or str, optional
        Draw only this target's threshold; default every target on ``metric``.
    baseline : bool
        For parcel metrics, also draw the no-policy baseline's median (dashed).
    lang : {"zh", "en"}
        Language of the title, axes and legend.
    history : mapping, optional
        Observed annual values of the metric (year -> value in its canonical unit), drawn as points.
    history_note : mapping, optional
        What the history is (:func:`history_for`): ``region`` (the geography), ``end`` (the data's last month,
        ``YYYY-MM``), ``implied`` (years whose value is implied by a growth rate or summed from collected and
        delivered: hollow points).  Without observed values the legend says the data hold none for the region.
    """
    if metric not in results.metrics:
        raise KeyError(f"no metric '{metric}' in the results (have {', '.join(results.metrics)})")
    with _style() as cjk:
        ax = _axes(ax)
        unit, _ = METRICS.get(metric, ("", metric))
        desc = metric_name(metric, lang if cjk else "en")
        div, ulabel = unit_scale(unit, cjk and lang == "zh")
        years = np.asarray(results.years)
        _bands(ax, years, results.metrics[metric] / div, "#1f5fa8", tr("fig.median", lang), lang)
        base = _annual_baseline(results, metric) if baseline else None
        if base is not None:
            ax.plot(years, np.median(base, axis=0) / div, "--", color="0.35", label=tr("fig.baseline", lang))
        draw_history(ax, history, history_note, div, results.years, lang, cjk)
        if isinstance(target, str):
            target = results.target(target)
        targets = [target] if target is not None else [t for t in results.scenario.targets if t.metric == metric]
        for t in targets:
            p = float(results.attainment(t.id).mean())
            ax.axhline(t.threshold / div, color=RED, linewidth=1.2, linestyle=":")
            ax.plot([t.year], [t.threshold / div], marker="D", color=RED, linestyle="none",
                    label=tr("fig.target", lang, year=t.year, label=_label(t.label, t.id, cjk)))
            ax.annotate(f"P = {p:.2f}", (t.year, t.threshold / div), textcoords="offset points", xytext=(-8, 8),
                        ha="right", color=RED, fontsize=9)
            ob = results.observed.get(t.id)
            if ob is not None:  # a known value decides the target (model.analysis.observed)
                ax.plot([t.year], [ob.value / div], marker="*", markersize=14, color="black", linestyle="none",
                        label=tr("fig.observed", lang, year=t.year,
                                 word=tr("status.met_short" if ob.met else "status.missed_short", lang)))
        if history:
            hy = [y for y in history if years[0] - 6 <= y <= years[-1]]
            ax.set_xticks(sorted({*hy, *results.years}), [str(y) for y in sorted({*hy, *results.years})], fontsize=8)
            ax.grid(axis="y", alpha=0.3)
        else:
            _years_axis(ax, results.years)
        ax.set_ylabel(ulabel)
        _title(ax, _label(desc, metric, cjk), results, cjk)
        ax.legend(fontsize=8, loc="upper left")
    return ax


def draw_history(ax: Axes, history: Mapping[int, float] | None, note: HistoryNote | None, div: float,
                 years: Sequence[int], lang: str, cjk: bool) -> None:
    """The region's observed annual values on a fan chart (black points, hollow when implied by a growth rate
    or summed from collected and delivered), labelled with the region and the data's end; without any, a
    legend line saying the data hold none (the fan before the data's end is then the model's estimate)."""
    info: Mapping[str, Any] = note or {}
    region = _label(str(info.get("region") or ""), "", cjk)
    end = str(info.get("end") or "—")
    hy = sorted(y for y in (history or {}) if min(years) - 6 <= y <= max(years)) if years else []
    if history and hy:
        implied = set(info.get("implied") or ())
        ax.plot(hy, [history[y] / div for y in hy], color="black", linestyle="-", linewidth=0.8, zorder=6)
        full = [y for y in hy if y not in implied]
        if full:  # above the fans and the scenarios' medians, white-edged so it shows on any of them
            ax.plot(full, [history[y] / div for y in full], marker="o", color="black", markeredgecolor="white",
                    markersize=7, linestyle="none", zorder=7,
                    label=tr("fig.history_region", lang, region=region, end=end))
        hollow = [y for y in hy if y in implied]
        if hollow:
            ax.plot(hollow, [history[y] / div for y in hollow], marker="o", markerfacecolor="white",
                    color="black", markersize=7, linestyle="none", zorder=7, label=tr("fig.history_implied", lang))
    elif note is not None:
        ax.plot([], [], linestyle="none", label=tr("fig.history_none", lang, region=region, end=end))


def region_display(results: Results, region: str | None, lang: str) -> str | None:
    """The region as a reader names it: its Chinese name from the region pack in Chinese, else its key."""
    if not region or lang != "zh":
        return region
    from expressim.model.spec.pack_names import display_names

    return display_names(results.scenario.region_pack).get(region, region)


def monthly_fan(results: Results, direction: str = "inout", ax: Axes | None = None, lang: str = "en") -> Axes:
    """Monthly parcels handled in the city: 50/80/95% bands, median and the baseline's median (dashed).

    Parameters
    ----------
    direction : {"inout", "out", "in"}
        Out = collected, in = delivered, inout = both (``results.monthly`` is (n, T, 2) [件/month]).
    """
    cols = {"out": [0], "in": [1], "inout": [0, 1]}
    if direction not in cols:
        raise ValueError(f"direction: expected one of inout, out, in; got '{direction}'")
    with _style() as cjk:
        ax = _axes(ax, (8.5, 4.2))
        months = results.scenario.start_month + np.arange(results.monthly.shape[1])
        x = months / 12.0 + 1 / 24.0  # mid-month, in calendar years
        div = 1e4
        _bands(ax, x, results.monthly[:, :, cols[direction]].sum(axis=2) / div, "#1f5fa8", tr("fig.median_this", lang),
               lang)
        base = results.baseline_monthly[:, :, cols[direction]].sum(axis=2)
        ax.plot(x, np.median(base, axis=0) / div, "--", color="0.3", label=tr("fig.baseline", lang))
        _years_axis(ax, results.years)
        ax.set_xlim(x[0] - 1 / 24, x[-1] + 1 / 24)
        ax.set_ylabel(tr("fig.per_month", lang if cjk else "en"))
        what = tr(f"fig.monthly_{direction}", lang)
        _title(ax, tr("fig.monthly_title", lang, what=what), results, cjk)
        ax.legend(fontsize=8, loc="upper left")
    return ax


def probability_over_time(results: Results, ax: Axes | None = None, lang: str = "en") -> Axes:
    """P(a headline target has been attained by year y) for each simulated year, one line per target.

    Uses :meth:`Results.first_met` (NaN = never met).  Reference lines at 0.5 and 0.8 mark the
    amber and green zones.
    """
    with _style() as cjk:
        ax = _axes(ax)
        years = np.asarray(results.years)
        heads = [t for t in results.scenario.targets if t.headline] or list(results.scenario.targets)[:5]
        for t in heads:
            fm = results.first_met(t.id)
            p = [(np.nan_to_num(fm, nan=np.inf) <= y).mean() for y in years]
            ax.plot(years, p, marker="o", label=_label(t.label, t.id, cjk))
        for lo, hi, c in ((ON_TRACK, 1.02, GREEN), (AT_RISK, ON_TRACK, AMBER), (-0.02, AT_RISK, RED)):
            ax.axhspan(lo, hi, color=c, alpha=0.06)
        ax.set_ylim(-0.02, 1.02)
        _years_axis(ax, results.years)
        ax.set_ylabel(tr("fig.pot_y", lang))
        _title(ax, tr("fig.pot_title", lang), results, cjk)
        ax.legend(fontsize=8, loc="lower right")
    return ax


def rollout_gantt(results: Results, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Opening dates of the projects: 10-90% interval, median, phases' median spans, plan marker.

    Rows are ``results.project_ids``; x is calendar time in years.  Opening (and phase) times are
    months since the scenario start, so month ``m`` is the calendar point ``start_year + m / 12``;
    ``planned_open`` 'YYYY-MM' is drawn at the end of that month.
    """
    n_p = len(results.project_ids)
    with _style() as cjk:
        ax = _axes(ax, (9.0, 0.45 * n_p + 1.8))
        t0 = results.scenario.start_month / 12.0
        specs = {p.id: p for p in results.scenario.projects}
        seen: dict[str, int] = {}
        labels = []
        for i, pid in enumerate(results.project_ids):
            y = n_p - 1 - i
            spec = specs.get(pid)
            labels.append(_label(spec.label, pid, cjk) if spec is not None and spec.label else pid)
            for k, name in enumerate(results.phase_names[i]):
                s, e = results.phase_start[:, i, k], results.phase_end[:, i, k]
                ok = np.isfinite(s) & np.isfinite(e)
                if not ok.any():
                    continue
                c = PHASE_COLORS[seen.setdefault(name, len(seen)) % len(PHASE_COLORS)]
                ax.barh(y + 0.18, (np.median(e[ok]) - np.median(s[ok])) / 12, left=t0 + np.median(s[ok]) / 12,
                        height=0.28, color=c, alpha=0.85, label=tr("fig.phase", lang, name=name))
            op = results.opening[:, i]
            fin = op[np.isfinite(op)]
            if fin.size:
                lo, med, hi = np.quantile(fin, SUMMARY_QUANTILES)
                ax.barh(y - 0.18, (hi - lo) / 12, left=t0 + lo / 12, height=0.3, facecolor="none",
                        edgecolor="black", linewidth=1.0, label=tr("fig.open_band", lang))
                ax.plot([t0 + med / 12] * 2, [y - 0.33, y - 0.03], color="black", linewidth=2,
                        label=tr("fig.open_median", lang))
            if spec is not None and spec.planned_open:
                ax.plot(t0 + (parse_month(spec.planned_open) + 1 - results.scenario.start_month) / 12, y - 0.18,
                        marker="D", color=RED, linestyle="none", markersize=6, label=tr("fig.planned", lang))
        prog = getattr(results, "progress", None)
        for r in prog.rows if prog is not None else ():  # progress facts the rollout is conditioned on
            if r.kind in ("phase", "project") and r.id.split(".", 1)[0] in results.project_ids:
                y = n_p - 1 - results.project_ids.index(r.id.split(".", 1)[0])
                mark = "|" if r.status in ("opened", "started", "finished") else ">" if "not_" in r.status else "<"
                ax.plot(t0 + (r.month + 0.5 - results.scenario.start_month) / 12, y - 0.18, marker=mark,
                        color="#6a1b9a", markersize=9, linestyle="none", label=tr("fig.fact", lang))
        ax.set_yticks(range(n_p), labels[::-1], fontsize=8)
        end = t0 + results.scenario.n_months / 12
        ax.axvline(end, color="0.5", linestyle=":", linewidth=1)
        # the scenario window plus two years: phases that run on for decades are cut at the edge
        ax.set_xlim(t0, min(max(end, ax.get_xlim()[1]), end + GANTT_YEARS_PAST_HORIZON))
        ticks = list(range(int(t0), int(np.ceil(ax.get_xlim()[1])) + 1))
        ax.set_xticks(ticks, [str(v) for v in ticks])
        ax.grid(axis="x", alpha=0.3)
        _title(ax, tr("fig.gantt_title", lang), results, cjk)
        uniq = {lab: h for h, lab in zip(*ax.get_legend_handles_labels(), strict=True)}
        ax.legend(list(uniq.values()), list(uniq), fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def _get(obj: Any, key: str) -> Any:
    return obj[key] if isinstance(obj, Mapping) else getattr(obj, key)


def _obs(s: Any) -> Any:
    return s.get("observed") if isinstance(s, Mapping) else getattr(s, "observed", None)


def _obs_year_ahead(cls: str, words: str, lang: str) -> bool:
    """Whether the status words are a traffic light (a year still ahead), not met / missed / unknown."""
    return words in {tr(f"status.{c}", lang) for c in ("green", "amber", "red")}


def _with_year(label: str, year: Any) -> str:
    return label if str(year) in label else f"{label} ({year})"


def target_probabilities(summaries: Sequence[TargetSummary], ax: Axes | None = None, lang: str = "en",
                         as_of: int | None = None) -> Axes:
    """Horizontal bars of each target's probability with ±2 standard errors, traffic-light coloured.

    A target whose year is over by ``as_of`` is coloured by what is known: green met, red missed, grey
    unknown (never a traffic light of a year that is over), with its word beside the bar.

    Parameters
    ----------
    summaries : sequence of TargetSummary or mapping
        Each with ``id``, ``label``, ``year``, ``probability``, ``probability_stderr``.
    as_of : int, optional
        Month index the figure speaks as of.
    """
    from expressim.model.viz.progress_report import status_for

    with _style() as cjk:
        ax = _axes(ax, (8.0, 0.32 * len(summaries) + 1.6))
        n = len(summaries)
        ys = np.arange(n)[::-1]
        p = np.array([float(_get(s, "probability")) for s in summaries])
        se = np.array([float(_get(s, "probability_stderr") or 0.0) for s in summaries])
        states = [status_for(float(v), int(_get(s, "year")), _obs(s), as_of, lang) for v, s in zip(p, summaries, strict=True)]
        colors = [{"green": GREEN, "amber": AMBER, "red": RED}.get(c, "#9e9e9e") for c, _ in states]
        ax.barh(ys, p, color=colors, height=0.7)
        ax.errorbar(p, ys, xerr=2 * np.nan_to_num(se), fmt="none", ecolor="black", capsize=2, linewidth=0.8)
        for y, v, e, (cls, words) in zip(ys, p, np.nan_to_num(se), states, strict=True):
            if not _obs_year_ahead(cls, words, lang):  # met / missed / unknown: the word, inside the bar's start
                short = tr({"green": "status.met_short", "red": "status.missed_short"}.get(cls, "status.unknown_short"),
                           lang)
                ax.text(0.01, y, f"{short} · {v:.2f}", va="center", ha="left", fontsize=7,
                        color="white" if cls in ("green", "red") else "black")
                continue
            inside = v + 2 * e > 0.9
            ax.text(v - 0.02 if inside else v + 2 * e + 0.015, y, f"{v:.2f}", va="center", fontsize=7,
                    ha="right" if inside else "left", color="white" if inside else "black")
        labels = [_with_year(_label(str(_get(s, "label")), str(_get(s, "id")), cjk), _get(s, "year"))
                  + (" " + tr("fig.observed_tag", lang) if _obs(s) is not None else "") for s in summaries]
        ax.set_yticks(ys, labels, fontsize=8)
        ax.set_xlim(0, 1.05)
        for v in (0.5, 0.8):
            ax.axvline(v, color="0.5", linestyle=":", linewidth=1)
        ax.set_xlabel(tr("fig.probs_x", lang))
        ax.set_title(tr("fig.probs_title", lang), fontsize=11)
    return ax


def comparison_chart(comparison: Comparison, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Grouped bars: each target's probability in each scenario of a ``compare`` run (±2 s.e.).

    Parameters
    ----------
    comparison : mapping
        ``{"scenarios": [names], "targets": [{"id", "label", "year", "by_scenario": {name:
        {"probability", "probability_stderr"}}, ...}]}``.
    """
    names = list(comparison["scenarios"])
    targets = list(comparison["targets"])
    with _style() as cjk:
        ax = _axes(ax, (8.5, 0.25 * len(targets) * max(len(names), 2) + 1.8))
        h = 0.8 / max(len(names), 1)
        base = np.arange(len(targets))[::-1].astype(float)
        for j, name in enumerate(names):
            by: list[Mapping[str, Any]] = [t["by_scenario"].get(name, {}) for t in targets]
            p = np.array([float(b.get("probability", np.nan)) for b in by])
            se = np.array([float(b.get("probability_stderr") or 0.0) for b in by])
            y = base + 0.4 - h * (j + 0.5)
            ax.barh(y, p, height=h * 0.9, label=_label(name, f"{tr('fig.scenario', 'en')} {j + 1}", cjk))
            ax.errorbar(p, y, xerr=2 * se, fmt="none", ecolor="black", capsize=1.5, linewidth=0.7)
        ax.set_yticks(base, [_with_year(_label(str(t.get("label", t["id"])), t["id"], cjk), t.get("year", ""))
                             for t in targets], fontsize=8)
        ax.set_xlim(0, 1.05)
        ax.set_xlabel(tr("fig.cmp_x", lang))
        ax.set_title(tr("fig.cmp_title", lang), fontsize=11)
        ax.legend(fontsize=8, loc="lower right")
    return ax


def run_figures(results: Results, directory: str | Path, lang: str = "en", as_of: int | None = None,
                observations: ObservationSet | None = None, region: str | None = None) -> list[Path]:
    """Write the standard figures of a run into ``directory`` (created); return their paths.

    Fan charts of each headline target's metric (with the target line and, from ``observations``, the
    observed annual values of the ``region`` geography), the monthly in+out fan, the probability over time, the rollout
    Gantt chart and the target probabilities (words fitting ``as_of``), all in ``lang``.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    heads: list[str] = [t.metric for t in results.scenario.targets if t.headline and t.metric in results.metrics]
    metrics = list(dict.fromkeys(heads or [m for m in HEADLINE_METRICS if m in results.metrics]))
    paths = []
    shown = region_display(results, region, lang)
    for m in metrics:
        hist, note = history_for(observations, m, region)
        if note is not None:
            note["region"] = shown
        paths.append(save(fan_chart(results, m, baseline=m.startswith("parcels"), lang=lang, history=hist,
                                    history_note=note), d / f"fan_{m}.png"))
    paths.append(save(monthly_fan(results, "inout", lang=lang), d / "monthly_parcels_inout.png"))
    paths.append(save(probability_over_time(results, lang=lang), d / "probability_over_time.png"))
    if results.project_ids:
        paths.append(save(rollout_gantt(results, lang=lang), d / "rollout_gantt.png"))
    paths.append(save(target_probabilities(results.summary(), lang=lang, as_of=as_of), d / "target_probabilities.png"))
    return paths


#: the observed series of a metric in the region's data (the prefecture's annual express releases)
HISTORY_SERIES: dict[str, str] = {"parcels_out": "express_volume", "parcels_inout": "express_volume_inout",
                                  "parcels_in": "express_volume_inbound", "revenue": "express_revenue"}


def history_for(observations: ObservationSet | None, metric: str,
                geography: str | None) -> tuple[dict[int, float], HistoryNote | None]:
    """The observed annual values of ``metric`` the fan chart draws, and what they are (``region``, ``end``: the
    data's last month, ``implied``: years implied by a growth rate, or in + out summed from collected and
    delivered); ``({}, None)`` without observations (nothing to say), ``({}, note)`` when the data hold none of
    the region's values of the metric.

    The calibrated observations: whole calendar years of the prefecture's own series, up to the data's end
    (``--until`` cuts them).  Parcels in + out are the in + out series where published, else collected plus
    delivered of the same year where both are.
    """
    if observations is None or not geography or metric not in HISTORY_SERIES:
        return {}, None
    from expressim.calibration.periods import month_label
    from expressim.model.viz.progress_report import data_end_month

    end = data_end_month(observations)
    full = observed_history(observations, metric, geography, derived=False)
    every = observed_history(observations, metric, geography, derived=True)
    implied = {y for y in every if y not in full}
    if metric == "parcels_inout":
        out = observed_history(observations, "parcels_out", geography, derived=True)
        inn = observed_history(observations, "parcels_in", geography, derived=True)
        for y in set(out) & set(inn) - set(every):
            every[y] = out[y] + inn[y]
            implied.add(y)
    return every, {"region": geography, "end": month_label(end) if end is not None else None,
                   "implied": sorted(implied)}


def observed_history(observations: ObservationSet | None, metric: str, geography: str | None,
                     derived: bool = False) -> dict[int, float]:
    """The region's observed full-year values of ``metric`` (year -> value in 件 or 元), for the fan chart.

    Only whole calendar years of the prefecture's own series (``geography``, the region pack's
    ``prefecture``); empty when there are none.  ``derived``: also the values implied by a growth rate
    (a published value of the same year wins).
    """
    indicator = HISTORY_SERIES.get(metric)
    obs = getattr(observations, "observations", None)
    if indicator is None or not obs or not geography:
        return {}
    out: dict[int, float] = {}
    for o in obs:
        if (o.geography == geography and o.indicator == indicator and getattr(o.period, "kind", "") == "year"
                and (derived or not getattr(o, "derived", False))):
            y = int(o.period.first) // 12
            if y not in out or not getattr(o, "derived", False):
                out[y] = float(o.value)
    return out
