"""The monitor's self-contained HTML report: the answers (how each headline target's standing moved and
what arrived in between), each target's status by as-of date in words, and what arrived when.

Every cell carries words, not only a colour: met / missed (observed), unknown (the target's year is over
by that as-of date and its value is not known), else the probability with its traffic-light word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expressim.model.viz.i18n import tr
from expressim.model.viz.report import (
    _details,
    _e,
    _figures,
    _manifest,
    _page,
    _table,
    answers_section,
    status_legend,
)
from expressim.model.viz.run_tables import DisplayTable

if TYPE_CHECKING:
    from expressim.model.analysis.monitor import MonitorRecord, TargetTrack

__all__ = ["cell_status", "cell_text", "write_monitor_report"]


def _month(text: str) -> int:
    from expressim.model.spec.scenario import parse_month

    return parse_month(text)


def cell_status(p: float, year: int, observed: float | None, as_of: str, lang: str) -> tuple[str, str]:
    """CSS class and the words of one target at one as-of date (``YYYY-MM``)."""
    from expressim.model.viz.progress_report import status_for

    return status_for(float(p), int(year), observed, _month(as_of), lang)


def _with_year(t: TargetTrack, tid: str) -> str:
    """The target's label with its year, unless the label already names it."""
    label, year = str(t.get("label", tid)), str(t.get("year", ""))
    return label if year in label else f"{label} ({year})"


def cell_text(p: float, year: int, observed: float | None, as_of: str, lang: str) -> str:
    """The short words of one target at one as-of date (``0.83 · On track``, ``unknown; P = 0.79``)."""
    cls, words = cell_status(p, year, observed, as_of, lang)
    return _short(cls, words, float(p), observed, lang)


def _short(cls: str, words: str, p: float, observed: float | None, lang: str) -> str:
    """The words of one cell, short: ``0.83 · On track``, ``missed (9,000)``, ``unknown; P = 0.79``."""
    if observed is not None:
        return f"{tr('status.met_short' if cls == 'green' else 'status.missed_short', lang)} ({observed:,.6g})"
    if cls == "muted":
        return f"{tr('status.unknown_short', lang)}; P = {p:.2f}"
    return f"{p:.2f} · {words}"


def write_monitor_report(path: str | Path, data: MonitorRecord, figures: Sequence[str | Path],
                         manifest: Mapping[str, object], lang: str = "en", names: Mapping[str, str] | None = None
                         ) -> list[DisplayTable]:
    """Write ``report.html`` of a monitor run from ``Monitor.to_json()``, in ``lang``; return its tables
    (answers, status by date: P and words per date) for the workbook.

    ``names`` maps the ids a progress fact names (projects, targets, tasks) to their labels.
    """
    from expressim.model.viz.i18n import fact_text

    dates = list(data["as_of"])
    events = list(data.get("events", []))
    from expressim.model.viz.progress_report import year_over

    rows, answers, cells_a = [], [], []
    seen: list[tuple[str, Any, bool]] = []
    plain_rows: list[list[Any]] = []
    plain_answers: list[list[Any]] = []
    for tid, t in data["targets"].items():
        cells = []
        states = []
        for p, ob, d in zip(t["probability"], t["observed"], dates, strict=True):
            cls, words = cell_status(float(p), int(t.get("year")), ob, d, lang)
            seen.append((cls, ob, year_over(int(t.get("year")), _month(d))))
            states.append((cls, words, float(p), ob))
            cells.append(f'<td class="num {cls}">{_e(_short(cls, words, float(p), ob, lang))}</td>')
        plain_rows.append([t.get("label", tid), t.get("year")]
                          + [v for c, w, p, ob in states for v in (round(p, 3), _short(c, w, p, ob, lang))])
        head = ' class="headline"' if t.get("headline") else ""
        rows.append(f"<tr{head}><td style=\"min-width:12em\">{_e(_with_year(t, tid))}</td>"
                    f"{''.join(cells)}</tr>")
        if t.get("headline") and states:
            c0, w0, p0, o0 = states[0]
            c1, w1, p1, o1 = states[-1]
            arrived = [fact_text(f, names or {}, lang) for ev in events[1:] for f in ev.get("new_facts", [])]
            releases = sum(len(ev.get("new_releases", [])) for ev in events[1:])
            what = arrived + ([tr("mon.releases_n", lang, n=releases)] if releases else [])
            why = tr("mon.why", lang, what="; ".join(what[:6])) if what else tr("mon.nothing", lang)
            answers.append({"cls": c1})
            plain_answers.append([t.get("label", tid), t.get("year"), _short(c0, w0, p0, o0, lang),
                                  _short(c1, w1, p1, o1, lang), why])
            cells_a.append([f"<b>{_e(_with_year(t, tid))}</b>",
                            _e(tr("mon.moved", lang, first=_short(c0, w0, p0, o0, lang), d0=dates[0],
                                  last=_short(c1, w1, p1, o1, lang), d1=dates[-1])),
                            _e(_short(c1, w1, p1, o1, lang)), _e(why)])
    ev_rows = []
    for ev in events:
        facts = "".join(f"<li>{_e(fact_text(f, names or {}, lang))}</li>" for f in ev.get("new_facts", []))
        rel = "".join(f"<li>{_e(r)}</li>" for r in ev.get("new_releases", []))
        ev_rows.append(f"<tr><td>{_e(ev['as_of'])}</td><td><ul>{facts}</ul></td><td><ul>{rel}</ul></td></tr>")
    name = str(data.get("scenario", ""))
    body = [
        f"<h1>{_e(tr('mon.title', lang, name=name))}</h1>",
        answers_section(answers, tr("mon.answers_intro", lang), lang,
                        head=[tr("common.target", lang), f"{dates[0]} → {dates[-1]}" if dates else "",
                              tr("common.status", lang) + (f" ({dates[-1]})" if dates else ""),
                              tr("mon.arrived", lang)], cells=cells_a),
        "<p>" + tr("mon.intro", lang, seed=_e(data.get("seed")), n=_e(data.get("replications"))) + "</p>",
        f"<h2>{tr('mon.table', lang)}</h2>",
        _table([tr("common.target", lang), *[_e(d) for d in dates]], rows),
        status_legend(lang, any(c in ("green", "amber", "red") and ob is None and not over
                                for c, ob, over in seen),
                      any(ob is not None or over for _, ob, over in seen)),
        f"<h2>{tr('common.figures', lang)}</h2>", _figures(figures, lang),
        f"<h2>{tr('mon.arrived', lang)}</h2>",
        f'<p class="muted">{tr("mon.arrived_note", lang)}</p>',
        _table([tr("common.as_of", lang), tr("mon.new_facts", lang), tr("mon.new_releases", lang)], ev_rows),
        f'<p class="muted">{tr("common.lang_switch", lang)}</p>',
        f"<h2>{tr('common.manifest', lang)}</h2>", _details(tr("common.manifest_note", lang), _manifest(manifest)),
    ]
    Path(path).write_text(_page(f"expressim · {name}", "\n".join(body), lang), encoding="utf-8")
    first, last = (dates[0], dates[-1]) if dates else ("", "")
    return [DisplayTable("answers", tr("answers.title", lang),
                         [tr("common.target", lang), tr("common.year", lang), first, last, tr("mon.arrived", lang)],
                         plain_answers),
            DisplayTable("by_date", tr("mon.table", lang),
                         [tr("common.target", lang), tr("common.year", lang)]
                         + [h for d in dates for h in (f"{d} P", f"{d} {tr('common.status', lang)}")], plain_rows)]
