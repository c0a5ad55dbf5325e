"""The target-setting tables of the run and compare reports, as plain rows in display units (the report draws
them as HTML, ``results.xlsx`` holds the same rows): levels reached with probability 0.8 / 0.5 / 0.2, and a
comparison's gain or loss by county (over the years that differ, and year by year, cumulated).

The numbers come from :mod:`expressim.model.analysis.planning`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from expressim.model.viz.i18n import metric_name, tr
from expressim.model.viz.run_tables import DisplayTable, display_number

if TYPE_CHECKING:
    from expressim.model.analysis.planning import CumulativeRow, LevelRow, WindowTotal

__all__ = ["county_label", "cumulative_table", "levels_table", "span_text", "window_answer", "window_table"]


def county_label(cid: str, county_names: Mapping[str, str], lang: str) -> str:
    """A county in the report's language: its Chinese name in Chinese (from the region pack), else its id;
    ``total`` is the whole region."""
    if cid == "total":
        return tr("plan.total", lang)
    return county_names.get(cid, cid) if lang == "zh" else cid


def span_text(first: int, last: int) -> str:
    """``2026–2028`` (or ``2026`` for one year)."""
    return str(first) if first == last else f"{first}–{last}"


def _threshold_text(text: str, unit: str, lang: str) -> str:
    if not text:
        return ""
    return "; ".join(f"{display_number(float(v), unit, lang)[0]:g}" for v in str(text).split(";") if v)


def levels_table(rows: Sequence[LevelRow], lang: str) -> DisplayTable:
    """Levels reached with P = 0.8 / 0.5 / 0.2 by indicator and year; one block of three columns per scenario
    when ``rows`` hold several (:func:`expressim.model.analysis.planning.level_rows`)."""
    scenarios = list(dict.fromkeys(str(r["scenario"]) for r in rows))
    several = len(scenarios) > 1
    head = [tr("plan.col.indicator", lang), tr("common.year", lang), tr("common.unit", lang)]
    for s in scenarios:
        head += ([f"{s} · {tr(f'plan.col.p{p}_short', lang)}" for p in (80, 50, 20)] if several
                 else [tr(f"plan.col.p{p}", lang) for p in (80, 50, 20)])
    head.append(tr("plan.col.targets", lang))
    by_key: dict[tuple[str, int], dict[str, LevelRow]] = {}
    for r in rows:
        by_key.setdefault((str(r["metric"]), int(r["year"])), {})[str(r["scenario"])] = r
    out = []
    for (m, y), per in by_key.items():
        first = next(iter(per.values()))
        unit = str(first["unit"])
        cells: list[object] = [metric_name(m, lang), y, display_number(None, unit, lang)[1]]
        for s in scenarios:
            row = per.get(s)
            cells += [None if row is None else display_number(float(row[f"level_p{p}"]), unit, lang)[0]
                      for p in (80, 50, 20)]
        cells.append(_threshold_text(str(per.get(scenarios[0], first).get("thresholds", "")), unit, lang))
        out.append(cells)
    return DisplayTable("target_levels", tr("plan.levels_sheet", lang), head, out)


def _cum_unit(metric: str, unit: str, lang: str, summed: bool) -> str:
    if metric == "jobs" and summed:
        return tr("plan.job_years", lang)
    return tr(f"plan.unit_10k.{unit}", lang) if unit in ("件", "元") else display_number(None, unit, lang)[1]


def difference_number(value: float, unit: str, lang: str) -> float | None:
    """A gain or loss in the units a reader weighs it in: parcels and yuan in 万 (10k; a county's loss is a few
    thousand 万件, a tenth of 亿件), persons as they are; whole numbers from 100, else one decimal."""
    if unit in ("件", "元"):
        v = float(value) / 1e4
    else:
        shown = display_number(value, unit, lang)[0]
        if shown is None:
            return None
        v = shown
    return float(round(v)) if abs(v) >= 100 else round(v, 1)


def window_table(window: Sequence[WindowTotal], lang: str, county_names: Mapping[str, str],
                 name: str, ref: str) -> DisplayTable:
    """Gain or loss over the years that differ, by county (counties without any difference left out): one row
    per indicator and county, mean and 80% interval (:func:`expressim.model.analysis.planning.window_totals`)."""
    head = [tr("plan.col.indicator", lang), tr("plan.col.county", lang), tr("common.unit", lang),
            tr("plan.col.mean", lang), tr("plan.col.p10", lang), tr("plan.col.p90", lang)]
    rows: list[list[object]] = []
    for w in window:
        if w["county"] != "total" and not (float(w["p10"]) or float(w["p90"]) or float(w["mean"])):
            continue
        unit = str(w["unit"])
        summed = int(w["last_year"]) > int(w["first_year"])
        rows.append([metric_name(str(w["metric"]), lang), county_label(str(w["county"]), county_names, lang),
                     _cum_unit(str(w["metric"]), unit, lang, summed),
                     *(difference_number(float(v), unit, lang) for v in (w["mean"], w["p10"], w["p90"]))])
    span = span_text(int(window[0]["first_year"]), int(window[0]["last_year"])) if window else ""
    return DisplayTable("window_difference", tr("plan.window_sheet", lang, name=name, span=span), head, rows)


def cumulative_table(rows: Sequence[CumulativeRow], lang: str, county_names: Mapping[str, str],
                     only_changed: bool = True) -> DisplayTable:
    """Year by year, each scenario against the reference: that year's difference and the cumulative one (mean
    and 80% interval), by indicator and county (``only_changed``: counties with a difference in some year and
    the whole region) (:func:`expressim.model.analysis.planning.cumulative_difference`)."""
    changed = {(r["scenario"], r["metric"], r["county"]) for r in rows
               if r["county"] == "total" or any(float(v) for v in (r["cumulative_p10"], r["cumulative_p90"],
                                                                   r["cumulative_mean"]))}
    head = [tr("plan.col.scenario", lang), tr("plan.col.indicator", lang), tr("plan.col.county", lang),
            tr("common.year", lang), tr("common.unit", lang), tr("plan.col.year_diff", lang), tr("plan.col.cum", lang),
            tr("plan.col.cum_p10", lang), tr("plan.col.cum_p90", lang)]
    out: list[list[object]] = []
    for r in rows:
        if only_changed and (r["scenario"], r["metric"], r["county"]) not in changed:
            continue
        unit, m = str(r["unit"]), str(r["metric"])
        out.append([r["scenario"], metric_name(m, lang), county_label(str(r["county"]), county_names, lang), r["year"],
                    _cum_unit(m, unit, lang, False) + (f" / {tr('plan.job_years', lang)}" if m == "jobs" else ""),
                    *(difference_number(float(v), unit, lang)
                      for v in (r["difference_mean"], r["cumulative_mean"], r["cumulative_p10"], r["cumulative_p90"]))])
    return DisplayTable("cumulative_difference", tr("plan.cum_sheet", lang), head, out)


def window_answer(window: Sequence[WindowTotal], lang: str, name: str, ref: str) -> str:
    """One sentence: the whole region's parcels, revenue and jobs gained or lost over the years that differ."""
    from expressim.model.viz.words import format_value

    tot = {str(w["metric"]): w for w in window if w["county"] == "total"}
    if "parcels_inout" not in tot:
        return ""
    p = tot["parcels_inout"]
    rev = tot.get("revenue")
    jobs = tot.get("jobs")
    return tr("plan.answer", lang, name=name, ref=ref, span=span_text(int(p["first_year"]), int(p["last_year"])),
              parcels=format_value(float(p["mean"]), "件"), lo=format_value(float(p["p10"]), "件"),
              hi=format_value(float(p["p90"]), "件"),
              revenue=format_value(float(rev["mean"]), "元") if rev else "—",
              jobs=f"{float(jobs['mean']):+,.0f}" if jobs else "—")
