"""Self-contained HTML report of a run, for a planning official, and what every report shares (page,
tables, figures, captions, the answers page, the status legend); the comparison's report is
:mod:`expressim.model.viz.compare_report`.

One file, UTF-8, inline CSS, figures embedded as base64 PNG data URIs, no JavaScript, nothing
fetched from the network (source URLs appear as plain links only).  Every piece of text that
comes from a scenario, a data file or a caller passes through :func:`html.escape`.

Probabilities are shares of Monte-Carlo replications; "±" is two binomial standard errors.
Status: green "on track" (P >= 0.8), amber "at risk" (0.5 <= P < 0.8), red "unlikely" (P < 0.5) only
for a target whose year is still ahead; met / missed / unknown for a year that is over
(:func:`expressim.model.viz.progress_report.status_for`), always written out in words, not by colour alone.
Every report opens with one page of answers and is wholly in one language (``lang``: every sentence is
looked up in :mod:`expressim.model.viz.i18n`).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from expressim.model.spec.conventions import AT_RISK, ON_TRACK
from expressim.model.viz.html_text import escape, linkify
from expressim.model.viz.i18n import input_name, metric_name, reading_words, register_unit, tr
from expressim.model.viz.words import format_value, status

if TYPE_CHECKING:
    from expressim.calibration.distributions import Distribution
    from expressim.model.analysis.planning import LevelRow
    from expressim.model.analysis.rests_on import RestsOn
    from expressim.model.engine.results import Results
    from expressim.model.engine.targets import TargetSummary
    from expressim.model.viz.run_tables import DisplayTable

__all__ = ["answers_section", "format_value", "status", "write_run_report"]

_CSS = """
body{font-family:"Expressim Noto Sans SC",system-ui,"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
 max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;width:100%;margin:.6em 0 1.2em;font-size:.92em;table-layout:auto}
td{overflow-wrap:anywhere}
th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}
th{background:#f3f3f3} td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.green{background:#e3f1e4;color:#1b5e20;font-weight:bold} .amber{background:#fff4d6;color:#7a5200;font-weight:bold}
.red{background:#fbe4e4;color:#b71c1c;font-weight:bold} .muted{color:#666;font-size:.88em} td.nw{white-space:nowrap}
tr.headline td:first-child{font-weight:bold}
figure{margin:1.2em 0;text-align:center} figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#555;font-size:.9em} pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:.8em}
code,pre{font-family:"Expressim Noto Sans SC",ui-monospace,monospace} code{font-size:.9em}
.answers{border:2px solid #1f5fa8;border-radius:6px;padding:.2em 1em 1em;margin:1em 0 2em;background:#fafcff}
.answers h2{margin-top:.6em;border-bottom:none} .answers td.muted{font-size:1em;color:#444;background:#eee}
"""
#: figure file stem -> caption key in :mod:`expressim.model.viz.i18n`
_CAPTIONS = ("monthly_parcels_inout", "probability_over_time", "rollout_gantt", "target_probabilities", "comparison",
             "probabilities", "monitor_probability", "latest_opening", "target_levels", "cumulative_difference")


_e = escape
_linkify = linkify


def status_legend(lang: str, ahead: bool, over: bool) -> str:
    """The status legend (HTML): the traffic light only when some target's year is still ahead, met /
    missed / unknown only when some target's year is over."""
    parts = ([tr("status.legend_ahead", lang, on=ON_TRACK, risk=AT_RISK)] if ahead else []) + (
        [tr("status.legend_over", lang)] if over else [])
    return f'<p class="muted">{" ".join(parts)}</p>' if parts else ""


def _p(p: float, se: float, n: int | None) -> str:
    if se and np.isfinite(se):
        return f"{p:.2f} ± {2 * se:.2f}"
    bound = f" (error &lt; {3 / n:.3f})" if n else ""
    return f"{p:.2f}{bound}"


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def caption(stem: str, lang: str = "en", overrides: Mapping[str, str] | None = None) -> str:
    """The caption of a figure file (``fan_revenue``, ``monitor_probability``...) in ``lang``; ``overrides``
    maps a stem to a catalogue key (a figure a command draws differently under the same name)."""
    if overrides and stem in overrides:
        return tr(overrides[stem], lang)
    if overrides and "fan_*" in overrides and stem.startswith("fan_"):
        return tr(overrides["fan_*"], lang, desc=metric_name(stem[4:], lang))
    if stem in _CAPTIONS:
        return tr(f"cap.{stem}", lang)
    if stem.startswith("fan_"):
        return tr("cap.fan", lang, desc=metric_name(stem[4:], lang))
    if stem.startswith("difference_"):
        metric, _, year = stem[len("difference_"):].rpartition("_")
        return tr("cap.difference", lang, desc=metric_name(metric, lang), year=year)
    return stem.replace("_", " ")


def _figures(figures: Sequence[str | Path], lang: str = "en", overrides: Mapping[str, str] | None = None) -> str:
    parts = []
    for f in figures:
        p = Path(f)
        if not p.is_file():
            continue
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        cap = caption(p.stem, lang, overrides)
        parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{_e(cap)}">'
                     f"<figcaption>{_e(cap)}</figcaption></figure>")
    return "\n".join(parts) or f'<p class="muted">{tr("common.no_figures", lang)}</p>'


def _page(title: str, body: str, lang: str = "en") -> str:
    from expressim.model.viz.fonts import embedded_font_css

    code = "zh-CN" if lang == "zh" else "en"
    font = embedded_font_css(title + body)
    return (f'<!DOCTYPE html>\n<html lang="{code}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{font}{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n")


def _table(head: Sequence[str], rows: Sequence[str], widths: Sequence[int] = ()) -> str:
    cols = "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>" if widths else ""
    th = "".join(f"<th>{h}</th>" for h in head)
    return f"<table>{cols}<thead><tr>{th}</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


def _manifest(man: Any) -> str:
    return f"<pre>{html.escape(json.dumps(man, ensure_ascii=False, indent=2, default=str), quote=False)}</pre>"


# ---- run report -------------------------------------------------------------------------------

def _rests_cell(entries: Sequence[Any], lang: str = "en") -> str:
    """What a target rests on: the decisive input's P range beside the target (prior uncertainty)."""
    from expressim.model.analysis import rests_on

    if not entries:
        return "—"
    decided = rests_on.decided_by_assumption(entries)
    flag = f' <b class="amber">{tr("run.decided_by_assumption", lang)}</b>' if decided is not None else ""
    top = entries[0]
    if top.influence <= rests_on.NOISE_SDS * np.sqrt(2.0) * top.stderr:
        main = "—"
    else:
        main = tr("answers.p_range", lang, lo=top.probability_low, hi=top.probability_high,
                  input=input_name(top.input, top.label, lang), kind=tr(f"kind.{top.kind}", lang))
    more = (tr("run.then", lang) + ": " + ", ".join(f"{_e(input_name(e.input, e.label, lang))} "
                                                    f"{e.probability_low:.2f}–{e.probability_high:.2f}"
                                                    for e in entries[1:3])) if len(entries) > 1 else ""
    return f"{_e(main)}{flag}<br><span class=\"muted\">{more}</span>"


def _readings_cell(readings: Sequence[Mapping[str, Any]] | None, lang: str = "en") -> str:
    """P under each reading of a target's wording, the plan's likely reading first (empty: one reading)."""
    if not readings:
        return ""
    words = [reading_words(str(r["reading"]), str(r.get("why", "")), lang) for r in readings]
    parts = [f"{_e(w[0])} P = {float(r['probability']):.3f}" + (" " + tr("run.likely_meant", lang) if i == 0 else "")
             for i, (r, w) in enumerate(zip(readings, words, strict=True))]
    why = _e(words[0][1])
    return f'<br><span class="muted">{tr("run.readings", lang, parts="; ".join(parts), why=why)}</span>'


def _target_rows(results: Any, summaries: Sequence[Any], rests: Mapping[str, Sequence[Any]] | None = None,
                 as_of: int | None = None, lang: str = "en") -> list[str]:
    from expressim.model.viz.progress_report import status_for

    comparisons = {t.id: t.comparison for t in results.scenario.targets}
    rows = []
    ordered = sorted(summaries, key=lambda s: not bool(_get(s, "headline", False)))
    for s in ordered:
        p, se, unit = float(_get(s, "probability")), float(_get(s, "probability_stderr") or 0.0), _get(s, "unit", "")
        cls, words = status_for(p, int(_get(s, "year")), _get(s, "observed"), as_of, lang)
        cmp = comparisons.get(_get(s, "id"), ">=").replace(">=", "≥").replace("<=", "≤")
        quant = " / ".join(format_value(float(_get(s, k)), unit) for k in ("p10", "median", "p90"))
        head = ' class="headline"' if _get(s, "headline", False) else ""
        rows.append(
            f"<tr{head}><td>{_e(_get(s, 'label'))}<br><code class=\"muted\">{_e(_get(s, 'id'))}</code>"
            f"{_readings_cell(_get(s, 'readings'), lang)}</td>"
            f'<td class="num">{_e(_get(s, "year"))}</td>'
            f'<td class="num">{_e(cmp)} {_e(format_value(float(_get(s, "threshold")), unit, threshold=True))}</td>'
            f'<td class="num">{_p(p, se, results.replications)}</td><td class="{cls}">{_e(words)}</td>'
            f'<td class="num">{_e(quant)}</td>'
            + (f"<td>{_rests_cell(rests.get(str(_get(s, 'id')), []), lang)}</td>" if rests is not None else "") + "</tr>")
    return rows


def answers_section(rows: Sequence[Mapping[str, object]], intro: str, lang: str = "en",
                    head: Sequence[str] | None = None, cells: Sequence[Sequence[str]] | None = None) -> str:
    """The page of answers that opens every report (HTML).

    Parameters
    ----------
    rows : sequence of mapping
        :func:`expressim.model.viz.run_tables.answer_rows` (``label``, ``id``, ``year``, ``threshold``, ``cls``,
        ``answer``, ``range``, ``rests``, ``settled``), used when ``cells`` is None.
    intro : str
        The sentence above the table (HTML).
    head, cells : optional
        Another table instead (already escaped HTML cells, the first cell's class in ``cls`` of ``rows``).
    """
    if cells is None:
        head = [tr(k, lang) for k in ("common.target", "common.threshold", "answers.answer", "answers.range",
                                      "answers.rests_on", "answers.settled_by")]
        cells = [[f"<b>{_e(r['label'])}</b>", f"{_e(r['threshold'])} ({_e(r['year'])})", _e(r["answer"]),
                  _e(r["range"]), _e(r["rests"]), _e(r["settled"])] for r in rows]
    body = []
    for r, c in zip(rows, cells, strict=True):
        body.append("<tr>" + "".join(f'<td class="{r["cls"]}">{x}</td>' if i == 2 else f"<td>{x}</td>"
                                     for i, x in enumerate(c)) + "</tr>")
    table = _table(list(head or []), body) if body else f'<p class="muted">{tr("answers.no_head", lang)}</p>'
    return f'<section class="answers"><h2>{tr("answers.title", lang)}</h2><p>{intro}</p>{table}</section>'


def _drivers(results: Any) -> dict[str, tuple[str, float]]:
    """For each sampled input, the headline target whose value it moves most (Spearman rank correlation)."""
    from scipy.stats import spearmanr

    heads = [t for t in results.scenario.targets if t.headline and t.id in results.target_values]
    out: dict[str, tuple[str, float]] = {}
    for name, x in results.params.items():
        x = np.asarray(x, dtype=float)
        if x.size < 3 or np.ptp(x) == 0:
            continue
        best = ("", 0.0)
        for t in heads:
            y = results.target_values[t.id][:, results.years.index(t.year)]
            if np.ptp(y) == 0:
                continue
            r = float(spearmanr(x, y).statistic)
            if abs(r) > abs(best[1]):
                best = (t.id, r)
        out[name] = best
    return out


def _dist_text(d: Any, lang: str = "en") -> tuple[str, str]:
    dump = d.model_dump()
    params = {k: v for k, v in dump.items() if k not in ("dist", "unit", "source", "description")}
    spec = f"{dump.get('dist', type(d).__name__)}(" + ", ".join(f"{k}={v:g}" if isinstance(v, float | int) else
                                                               f"{k}={v}" for k, v in params.items()) + ")"
    lo, hi = d.bounds()
    rng = f"{lo:.4g} – {hi:.4g}" if lo != hi else f"{lo:.4g}"
    return spec, f"{rng} ({tr('run.mean', lang)} {d.mean():.4g})"


def _assumption_data(results: Any, assumptions: Mapping[str, Any], lang: str = "en") -> list[dict[str, Any]]:
    """The assumptions table's rows as values: input, description, distribution, range, unit, link, source."""
    drivers = _drivers(results)
    noise = 2.0 / np.sqrt(max(results.replications - 1, 1))  # |r| below this is indistinguishable from 0
    overrides = set(results.scenario.parameters)
    labels = {t.id: t.label for t in results.scenario.targets}
    order = sorted(assumptions, key=lambda k: -abs(drivers.get(k, ("", 0.0))[1]))
    out = []
    for k in order:
        d = assumptions[k]
        spec, rng = _dist_text(d, lang)
        tid, r = drivers.get(k, ("", 0.0))
        desc = str(getattr(d, "description", "") or "")
        out.append({"input": k, "override": k in overrides, "description": input_name(k, desc, lang) if desc else "",
                    "spec": spec, "range": rng, "unit": register_unit(str(getattr(d, "unit", "") or ""), lang),
                    "link": round(r, 2) if tid and abs(r) >= noise else None,
                    "link_target": labels.get(tid, tid) if tid and abs(r) >= noise else "",
                    "source": getattr(d, "source", "")})
    return out


def _assumption_rows(data: Sequence[Mapping[str, Any]], lang: str = "en") -> list[str]:
    rows = []
    for a in data:
        link = f"{a['link']:+.2f} · {_e(a['link_target'])}" if a["link"] is not None else "—"
        note = f' <span class="muted">{tr("run.override", lang)}</span>' if a["override"] else ""
        rows.append(f"<tr><td>{_e(a['description'] or a['input'])}{note}<br><code class=\"muted\">{_e(a['input'])}</code></td>"
                    f"<td>{_e(a['spec'])}<br><span class=\"muted\">{_e(a['range'])}</span></td><td>{_e(a['unit'])}</td>"
                    f'<td>{link}</td><td class="muted">{_linkify(a["source"])}</td></tr>')
    return rows


def _assumptions_table(data: Sequence[Mapping[str, Any]], lang: str) -> Any:
    from expressim.model.viz.run_tables import DisplayTable

    head = [tr("run.col.input", lang), tr("common.id", lang), tr("run.col.dist", lang), "", tr("common.unit", lang),
            tr("run.col.link", lang), tr("common.target", lang), tr("common.source", lang)]
    rows = [[a["description"], a["input"], a["spec"], a["range"], a["unit"], a["link"], a["link_target"], a["source"]]
            for a in data]
    return DisplayTable("assumptions", tr("run.assumptions", lang), head, rows)


#: text cells of a display table up to this length are kept on one line (indicator names, counties, units)
_NOWRAP_CHARS = 12


def _display_html(table: Any) -> str:
    """A :class:`~expressim.model.viz.run_tables.DisplayTable` as an HTML table (whole numbers such as
    years as written, other numbers with separators)."""
    body = []
    for row in table.rows:
        cells = []
        digits = max((_decimals(v) for v in row if isinstance(v, float)), default=0)  # one precision per row
        for v in row:
            if isinstance(v, int) and not isinstance(v, bool):
                cells.append(f'<td class="num">{v}</td>')
            elif isinstance(v, float):
                cells.append(f'<td class="num">{v:,.{digits}f}</td>')
            else:
                text = "—" if v is None else str(v)
                short = ' class="nw"' if len(text) <= _NOWRAP_CHARS else ""  # a name or unit, never cut mid-word
                cells.append(f"<td{short}>{_e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return _table([_e(h) for h in table.headers], body)


def _decimals(v: float) -> int:
    text = repr(float(v))
    return 0 if float(v).is_integer() else min(len(text.split(".")[1]), 4) if "." in text and "e" not in text else 4


def write_run_report(path: str | Path, results: Results, summaries: Sequence[TargetSummary],
                     manifest: Mapping[str, object], *, figures: Sequence[str | Path],
                     assumptions: Mapping[str, Distribution], data_sources: Sequence[str],
                     rests_on: Mapping[str, Sequence[RestsOn]] | None = None, as_of: int | None = None,
                     data_end: int | None = None, lang: str = "en",
                     levels: Sequence[LevelRow] = ()) -> list[DisplayTable]:
    """Write the run's self-contained HTML report; return the tables it shows (for the workbook).

    Parameters
    ----------
    path : path
        Output file (``report.html``).
    results : model.engine.results.Results
        The run.
    summaries : sequence of TargetSummary (or mappings with the same keys)
        ``results.summary()``.
    manifest : mapping
        The run manifest (shown as JSON at the end).
    figures : sequence of path
        PNG files to embed (base64 data URIs).
    assumptions : mapping
        Parameter id -> distribution (``model_dump``, ``bounds``, ``mean``, ``description``,
        ``source``, ``unit``), as from :func:`model.engine.parameters.resolve`.
    data_sources : sequence of str
        Observation files (or citations) the calibration used.
    rests_on : mapping, optional
        Target id -> :class:`model.analysis.rests_on.RestsOn` entries, most influential first; adds the
        "What it rests on" column (the P range across the priors).
    as_of : int, optional
        Month index the run speaks as of (:func:`expressim.model.viz.progress_report.as_of_month`): a target
        whose year is over is met / missed / unknown, never "on track".
    data_end : int, optional
        Last month index of the express data, stated beside the as-of month.
    lang : {"zh", "en"}
        The report's language.
    levels : sequence of mapping
        :func:`expressim.model.analysis.planning.level_rows`: the target-setting table (levels reached with
        P = 0.8 / 0.5 / 0.2 by indicator and year), after the targets.

    Returns
    -------
    list of DisplayTable
        Every table of the report, in order (answers, targets, target setting, indicators by year, rests on,
        tracked tasks, assumptions), with values in display units.
    """
    from expressim.model.spec.progress import month_text
    from expressim.model.viz import progress_report as rp
    from expressim.model.viz import run_tables as rt

    scn = results.scenario
    n = results.replications
    years = results.years
    created = manifest.get("created_utc", "") if isinstance(manifest, Mapping) else ""
    tracked = rp.tracked_rows(results, lang)
    heads = sum(1 for s in summaries if _get(s, "headline", False))
    answers = rt.answer_rows(results, summaries, rests_on, as_of, lang)
    annual = rt.annual_table(results, lang)
    adata = _assumption_data(results, assumptions, lang)
    tables = rt.run_tables(results, summaries, rests_on, as_of, lang) + [_assumptions_table(adata, lang)]
    level_section = ""
    if levels:
        from expressim.model.viz.planning_tables import levels_table

        lt = levels_table(levels, lang)
        tables.insert(3, lt)  # after answers, targets and indicators by year, as in the report
        level_section = (f"<h2>{_e(lt.title)}</h2><p><b>{tr('plan.levels_title', lang)}.</b> {tr('plan.levels_intro', lang)}</p>"
                         + _figures([f for f in figures if Path(f).stem == "target_levels"], lang) + _display_html(lt))
    when = month_text(as_of) if as_of is not None else "—"
    ahead = any(_get(s, "observed") is None and not rp.year_over(int(_get(s, "year")), as_of) for s in summaries)
    over = any(_get(s, "observed") is not None or rp.year_over(int(_get(s, "year")), as_of) for s in summaries)
    described = scn.description_zh if lang == "zh" and scn.description_zh else scn.description
    body = [
        f"<h1>{_e(tr('run.title', lang, name=scn.name))}</h1>",
        f"<p>{_e(described)}</p>" if described else "",
        '<p class="muted">' + _e(tr("run.meta", lang, start=scn.start, end=scn.horizon, y0=years[0], y1=years[-1],
                                    n=f"{n:,}", seed=results.seed, created=created)) + "</p>",
        answers_section(answers, _e(tr("answers.intro", lang, as_of=when)) + " " + tr("common.pm", lang), lang),
        f"<h2>{tr('run.targets', lang)}</h2>",
        "<p>" + tr("run.targets_intro", lang, n=f"{n:,}", pm=tr("common.pm", lang), heads=heads) + "</p>",
        f"<p>{tr('run.rests_intro', lang)}</p>" if rests_on is not None else "",
        _table([tr("common.target", lang), tr("common.year", lang), tr("common.threshold", lang),
                tr("common.probability", lang), tr("common.status", lang), tr("run.col.quant", lang)]
               + ([tr("run.col.rests", lang)] if rests_on is not None else []),
               _target_rows(results, summaries, rests_on, as_of, lang)),
        status_legend(lang, ahead, over),
        rp.decided_section(results, summaries, as_of, data_end, lang), rp.facts_section(results, lang),
        f"<h2>{tr('common.figures', lang)}</h2>", _figures([f for f in figures if Path(f).stem != "target_levels"], lang),
        f"<h2>{tr('run.annual', lang)}</h2>", f"<p>{tr('run.annual_intro', lang)}</p>", _display_html(annual),
        level_section,
        f"<h2>{tr('run.assumptions', lang)}</h2>",
        f"<p>{tr('run.assumptions_intro', lang)}</p>",
        _table([tr("run.col.input", lang), tr("run.col.dist", lang), tr("common.unit", lang), tr("run.col.link", lang),
                tr("common.source", lang)], _assumption_rows(adata, lang), (28, 20, 10, 14, 28)),
        f"<h2>{tr('run.tracked', lang)}</h2>",
        _table([tr(k, lang) for k in ("common.id", "common.task", "common.year", "common.status", "common.date",
                                      "common.source")], tracked) if tracked
        else f'<p class="muted">{tr("common.none", lang)}</p>',
        f'<p class="muted">{tr("run.workbook", lang)} {tr("common.lang_switch", lang)}</p>',
        f"<h2>{tr('common.data_sources', lang)}</h2>",
        "<ul>" + "".join(f"<li>{_linkify(s)}</li>" for s in data_sources) + "</ul>",
        f"<h2>{tr('common.manifest', lang)}</h2>", _details(tr("common.manifest_note", lang), _manifest(manifest)),
    ]
    Path(path).write_text(_page(f"expressim · {scn.name}", "\n".join(b for b in body if b), lang), encoding="utf-8")
    return tables


def _details(title: str, inner: str) -> str:
    return f"<details><summary>{title}</summary>{inner}</details>"
