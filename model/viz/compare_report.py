"""Self-contained HTML report of a comparison of scenarios on common random numbers, for a planning official:
the answers first (each target's difference and whether its interval excludes zero), the overview, the target
setting and gain-or-loss sections, figures and manifests; the page and its shared parts are
:mod:`expressim.model.viz.report`'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from expressim.model.viz.i18n import tr
from expressim.model.viz.report import (
    _details,
    _display_html,
    _e,
    _figures,
    _manifest,
    _p,
    _page,
    _table,
    answers_section,
    status_legend,
)

if TYPE_CHECKING:
    from expressim.model.analysis.compare import Comparison
    from expressim.model.analysis.planning import CumulativeRow, LevelRow, WindowTotal
    from expressim.model.viz.run_tables import DisplayTable

__all__ = ["write_compare_report"]


def _pp(x: Any) -> str:
    return "—" if x is None or not np.isfinite(float(x)) else f"{100 * float(x):+.1f} pp"


def _diff_text(d: Mapping[str, Any], lang: str) -> tuple[str, bool | None]:
    """``+3.1 pp [95% CI +1.0 pp to +5.2 pp]`` and whether the interval excludes zero (None: no interval)."""
    lo, hi = d.get("ci_low"), d.get("ci_high")
    clear = None if lo is None or hi is None else bool(lo > 0 or hi < 0)
    return f"{_pp(d.get('difference'))} [{tr('cmp.ci', lang)} {_pp(lo)} {tr('cmp.to', lang)} {_pp(hi)}]", clear


def write_compare_report(path: str | Path, comparison: Comparison, figures: Sequence[str | Path],
                         manifests: Mapping[str, Mapping[str, object]] | Sequence[Mapping[str, object]], *,
                         as_of: int | None = None, lang: str = "en", dropped: Sequence[str] = (),
                         levels: Sequence[LevelRow] = (), cumulative: Sequence[CumulativeRow] = (),
                         windows: Mapping[str, Sequence[WindowTotal]] | None = None,
                         county_names: Mapping[str, str] | None = None) -> list[DisplayTable]:
    """Write the comparison's self-contained HTML report; return its tables (for the workbook).

    Parameters
    ----------
    path : path
        Output file.
    comparison : mapping
        ``{"scenarios": [names], "targets": [{"id", "label", "year", "by_scenario": {name:
        {"probability", "probability_stderr", "observed"}}, "differences": {name: {"difference", "ci_low",
        "ci_high"}}}]}``; differences are paired (common random numbers) against the first scenario.
    figures : sequence of path
        PNG files to embed.
    manifests : mapping or sequence
        The runs' manifests (name -> manifest, or a list), shown as JSON at the end (folded).
    as_of : int, optional
        Month index the comparison speaks as of: a target whose year is over is met / missed / unknown.
    lang : {"zh", "en"}
        The report's language.
    dropped : sequence of str
        Targets (their labels) left out because not every scenario has them (named in the report).
    levels : sequence of mapping
        :func:`expressim.model.analysis.planning.level_rows` of every scenario: levels reached with P = 0.8 /
        0.5 / 0.2 side by side.
    cumulative : sequence of mapping
        :func:`expressim.model.analysis.planning.cumulative_difference`: parcels, revenue and jobs gained or
        lost against the reference, by year and county.
    windows : mapping, optional
        Scenario name -> :func:`expressim.model.analysis.planning.window_totals` over the years that differ.
    county_names : mapping, optional
        County id -> its name (the region pack's), used in Chinese.

    Returns
    -------
    list of DisplayTable
        The answers and the overview, values as numbers (probabilities, differences in pp), then the target
        setting, the gain or loss over the years that differ (one per scenario) and year by year.
    """
    from expressim.model.spec.progress import month_text
    from expressim.model.viz.progress_report import status_for, year_over
    from expressim.model.viz.run_tables import DisplayTable

    names = [str(n) for n in comparison.get("scenarios", [])]
    ref = names[0] if names else ""
    overview, sections, answers, answer_cells = [], [], [], []
    seen: list[tuple[str, bool]] = []  # (class, year over or observed) of every cell, for the legend
    plain_answers: list[list[Any]] = []
    plain_overview: list[list[Any]] = []
    for t in comparison.get("targets", []):
        by, diffs = t.get("by_scenario", {}), t.get("differences", {})
        year = int(t.get("year", 0) or 0)
        cells, rows = [], []
        plain: list[Any] = []
        for name in names:
            b: Mapping[str, Any] = by.get(name, {})
            p, se = b.get("probability"), float(b.get("probability_stderr") or 0.0)
            if p is None:
                plain += [None, tr("common.not_in", lang)]
                cells.append("<td>—</td>")
                rows.append(f"<tr><td>{_e(name)}</td><td colspan=\"3\">{tr('common.not_in', lang)}</td></tr>")
                continue
            cls, words = status_for(float(p), year, b.get("observed"), as_of, lang)
            over = b.get("observed") is not None or year_over(year, as_of)
            seen.append((cls, over))
            short = words if not over else tr({"green": "status.met_short", "red": "status.missed_short"}.get(
                cls, "status.unknown_short"), lang)
            cells.append(f'<td class="num {cls}">{float(p):.2f} · {_e(short)}</td>')
            plain += [round(float(p), 3), short]
            d: Mapping[str, Any] = diffs.get(name, {})
            if name == ref:
                diff = tr("common.reference", lang)
            else:
                text, clear = _diff_text(d, lang)
                sig = "" if clear is None else f" ({tr('cmp.clear' if clear else 'cmp.not_clear', lang)})"
                diff = text + sig
            rows.append(f'<tr><td>{_e(name)}</td><td class="num">{_p(float(p), se, None)}</td>'
                        f'<td class="{cls}">{_e(words)}</td><td class="num">{_e(diff)}</td></tr>')
        label, year_s = str(t.get("label", t.get("id"))), str(t.get("year", ""))
        label = label if year_s in label else f"{label} ({year_s})"
        diff_cells = []
        for name in names[1:]:
            found = diffs.get(name)
            if found is None:
                diff_cells.append("—")
                plain += [None, None, None, ""]
                continue
            dd: Mapping[str, Any] = found
            clear_d = _diff_text(dd, lang)[1]
            plain += [*(None if dd.get(k) is None else round(100 * float(dd[k]), 1) for k in ("difference", "ci_low", "ci_high")),
                      "" if clear_d is None else tr("cmp.clear" if clear_d else "cmp.not_clear", lang)]
            text, clear = _diff_text(dd, lang)
            diff_cells.append(f"{_e(name)}: {_e(text)}" + ("" if clear is None else
                              f" <b>{tr('cmp.clear' if clear else 'cmp.not_clear', lang)}</b>"))
        plain_overview.append([label, *plain])
        overview.append(f"<tr><td style=\"min-width:11em\">{_e(label)}</td>{''.join(cells)}"
                        f"<td>{'<br>'.join(diff_cells)}</td></tr>")
        sections.append(f"<h3>{_e(label)}</h3>"
                        + _table([tr("common.scenario", lang), tr("common.probability", lang), tr("common.status", lang),
                                  _e(tr("cmp.diff_vs", lang, ref=ref))], rows))
        if t.get("headline", True):
            b = by.get(ref, {})
            if b.get("probability") is None:
                continue
            cls, words = status_for(float(b["probability"]), year, b.get("observed"), as_of, lang)
            answers.append({"cls": cls})
            plain_answers.append([label, ref, round(float(b["probability"]), 3), words,
                                  "; ".join(re.sub(r"<[^>]+>", "", c) for c in diff_cells) or "—"])
            answer_cells.append([f"<b>{_e(label)}</b>", _e(ref),
                                 f"{float(b['probability']):.2f} · {_e(words)}", "<br>".join(diff_cells) or "—"])
    when = month_text(as_of) if as_of is not None else "—"
    mans = manifests.items() if isinstance(manifests, Mapping) else enumerate(manifests)
    title = " vs ".join(names)
    plan_tables, plan_html, plan_answers = _planning_sections(figures, lang, ref, levels, cumulative, windows or {},
                                                              county_names or {})
    body = [
        f"<h1>{_e(tr('cmp.title', lang, names=title))}</h1>",
        answers_section(answers, tr("cmp.answers_intro", lang) + "".join(f"</p><p><b>{_e(a)}</b>" for a in plan_answers),
                        lang,
                        head=[tr("common.target", lang), tr("cmp.col.reference", lang), tr("common.status", lang),
                              tr("cmp.col.difference", lang)], cells=answer_cells),
        "<p>" + tr("cmp.intro", lang, ref=_e(ref), as_of=_e(when)) + "</p>",
        f'<p class="muted">{_e(tr("cmp.dropped", lang, ids=", ".join(dropped)))}</p>' if dropped else "",
        f"<h2>{tr('cmp.overview', lang)}</h2>",
        _table([tr("common.target", lang)] + [_e(n) for n in names] + [tr("cmp.col.difference", lang)], overview),
        status_legend(lang, any(c in ("green", "amber", "red") and not w for c, w in seen),
                      any(w for _, w in seen)),
        plan_html,
        f"<h2>{tr('common.figures', lang)}</h2>",
        _figures([f for f in figures if Path(f).stem not in _PLANNING_FIGURES], lang,
                 {"monthly_parcels_inout": "cap.cmp_monthly", "fan_*": "cap.cmp_fan"}),
        f"<h2>{tr('cmp.detail', lang)}</h2>", *sections,
        f'<p class="muted">{tr("common.lang_switch", lang)}</p>',
        f"<h2>{tr('common.manifest', lang)}</h2>", f'<p class="muted">{tr("common.manifest_note", lang)}</p>',
        *(_details(_e(k), _manifest(m)) for k, m in mans),
    ]
    Path(path).write_text(_page("expressim · " + title, "\n".join(b for b in body if b), lang), encoding="utf-8")
    head = [tr("common.target", lang)]
    for name in names:
        head += [f"{name}: {tr('common.probability', lang)}", f"{name}: {tr('common.status', lang)}"]
    for name in names[1:]:
        head += [f"{name}: Δ (pp)", f"{name}: {tr('cmp.ci', lang)} (pp) ↓", f"{name}: {tr('cmp.ci', lang)} (pp) ↑",
                 f"{name}: {tr('cmp.clear', lang)}?"]
    return [DisplayTable("answers", tr("answers.title", lang),
                         [tr("common.target", lang), tr("cmp.col.reference", lang), tr("common.probability", lang),
                          tr("common.status", lang), tr("cmp.col.difference", lang)], plain_answers),
            DisplayTable("overview", tr("cmp.overview", lang), head, plain_overview), *plan_tables]


#: figures the target-setting sections show beside their tables (not again under "Figures")
_PLANNING_FIGURES = ("target_levels", "cumulative_difference")


def _planning_sections(figures: Sequence[str | Path], lang: str, ref: str, levels: Sequence[LevelRow],
                       cumulative: Sequence[CumulativeRow], windows: Mapping[str, Sequence[WindowTotal]],
                       county_names: Mapping[str, str]) -> tuple[list[DisplayTable], str, list[str]]:
    """The comparison's target setting and gain-or-loss sections: (tables, HTML, answer sentences)."""
    from expressim.model.viz import planning_tables as pt

    def fig(stem: str) -> str:
        return _figures([f for f in figures if Path(f).stem == stem], lang)

    tables: list[Any] = []
    parts: list[str] = []
    answers: list[str] = []
    if levels:
        lt = pt.levels_table(levels, lang)
        tables.append(lt)
        parts += [f"<h2>{_e(lt.title)}</h2>", f"<p><b>{tr('plan.levels_title', lang)}.</b> {tr('plan.levels_intro', lang)}</p>",
                  f"<p>{tr('plan.levels_cmp_intro', lang)}</p>", fig("target_levels"), _display_html(lt)]
    if cumulative:
        parts += [f"<h2>{_e(tr('plan.cum_title', lang, ref=ref))}</h2>", f"<p>{tr('plan.cum_intro', lang, ref=_e(ref))}</p>"]
        any_window = False
        for name, window in windows.items():
            if not window:
                continue
            any_window = True
            wt = pt.window_table(window, lang, county_names, name, ref)
            tables.append(wt)
            span = pt.span_text(int(window[0]["first_year"]), int(window[0]["last_year"]))
            answers.append(pt.window_answer(window, lang, name, ref))
            parts += [f"<h3>{_e(wt.title)}</h3>",
                      f"<p><b>{_e(tr('plan.window_title', lang, name=name, ref=ref, span=span))}.</b> "
                      f"<span class=\"muted\">{_e(tr('plan.window_intro', lang, span=span))}</span></p>",
                      _display_html(wt)]
        if not any_window:
            parts.append(f'<p class="muted">{tr("plan.no_difference", lang)}</p>')
        parts.append(fig("cumulative_difference"))
        ct = pt.cumulative_table(cumulative, lang, county_names)
        tables.append(ct)
        parts += [f"<h3>{_e(ct.title)}</h3>", _details(_e(tr("plan.by_year_title", lang)), _display_html(ct))]
    return tables, "\n".join(parts), [a for a in answers if a]
