"""Plan versus actual in the run report: words that fit the date, decided and open targets, facts.

The *as-of* month of a run is ``--until`` when given (what was known then: the monitor's points),
else the month the run is made: an analyst asking in December 2026 about 2025 targets gets "unknown"
for a year that is over but not observed, even when the data stop earlier (the data's end and the
progress file's latest date are reported beside it).  A target whose value is known (:mod:`model.analysis.observed`) is **met** or
**missed**.  A target whose year is over by the as-of month but whose value is not known is
**unknown** (the model's probability is shown as what it is, an estimate, never as "on track").
Only targets whose year is still ahead get the traffic-light words of :func:`model.viz.report.status`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from expressim.model.spec.progress import month_text
from expressim.model.viz.html_text import escape, linkify
from expressim.model.viz.i18n import fact_text, tr

if TYPE_CHECKING:
    from expressim.calibration.observations import ObservationSet
    from expressim.model.engine.results import Results
    from expressim.model.engine.targets import TargetSummary
    from expressim.model.spec.progress import Progress
    from expressim.model.spec.scenario import Scenario, Target

__all__ = ["as_of_month", "decided_section", "facts_section", "release_for", "status_for", "target_status",
           "tracked_rows", "tracked_values", "year_over"]

#: the catalogue key (:mod:`expressim.model.viz.i18n`) of what would decide a target, by metric
RELEASES: dict[str, str] = {
    "parcels_inout": "release.parcels_inout", "parcels_out": "release.parcels_out", "parcels_in": "release.parcels_in",
    "revenue": "release.revenue", "jobs": "release.jobs", "specialty_sales": "release.specialty_sales",
    "online_shopping": "release.online_shopping", "firms_over_1e8": "release.firms", "firms_over_1e7": "release.firms",
    "village_coverage": "release.village_coverage", "green_slim_tape": "release.green",
    "green_no_reboxing": "release.green", "green_reusable_bags": "release.green",
    "projects_open": "release.projects_open", "phase_started": "release.phase_started",
    "demo_agriculture": "release.demo_agriculture", "demo_manufacturing": "release.demo_manufacturing",
    "liquor_tonnes": "release.liquor_tonnes", "scenic_coverage": "release.scenic_coverage",
}

_TRACKED = {"done": "green", "not_done": "red", "partial": "amber"}


_e = escape
_link = linkify


def as_of_month(observations: ObservationSet | None, progress: Progress | None, until: str | None,
                run_month: int | None = None) -> int | None:
    """The as-of month index of a run (see the module docstring); None when nothing dates it.

    Parameters
    ----------
    until : str or None
        ``--until``: the run speaks as of its last month.
    run_month : int, optional
        Month index (``year * 12 + month - 1``) the run is made in; without ``--until`` the run
        speaks as of the later of it, the data's last express month and the progress file's
        latest date.
    """
    if until:
        from expressim.calibration.periods import parse_period

        return parse_period(until, allow_approx=False).last
    end = data_end_month(observations)
    ends = [] if end is None else [end]
    if progress is not None and progress.last_month is not None:
        ends.append(progress.last_month)
    if run_month is not None:
        ends.append(run_month)
    return max(ends, default=None)


def data_end_month(observations: ObservationSet | None) -> int | None:
    """The last month index of the express series the calibration reads (None without any); an
    outlook or a target dated later (``express_volume_forecast`` 2026) is not data of that month."""
    from expressim.calibration.usable import INDICATORS

    ends = [o.period.last for o in getattr(observations, "observations", ())
            if o.period.kind != "approx" and o.indicator in INDICATORS and not o.derived]
    return max(ends, default=None)


def year_over(year: int, as_of: int | None) -> bool:
    """Whether the calendar ``year`` has ended by the as-of month."""
    return as_of is not None and as_of >= year * 12 + 11


def status_for(probability: float, year: int, observed: float | None, as_of: int | None,
               lang: str | None = None) -> tuple[str, str]:
    """CSS class and words for one target, from plain values (run, compare, monitor, figures, workbook).

    Met / missed when its value is observed (``probability`` is then exactly 1 or 0), unknown when its
    year is over by ``as_of`` and not observed, else the traffic light of ``probability``
    (:func:`expressim.model.viz.report.status`: on track / at risk / unlikely).

    Parameters
    ----------
    probability : float
        P(target met) [probability].
    year : int
        The target's year.
    observed : float or None
        The observed value, when known.
    as_of : int or None
        Month index the answer speaks as of (:func:`as_of_month`).
    lang : {"zh", "en"} or None
        The words' language; None gives both ("On track · 有望达成").
    """
    from expressim.model.viz.words import status

    def words(key: str) -> str:
        return tr(key, lang) if lang is not None else f"{tr(key, 'en')} · {tr(key, 'zh')}"

    if observed is not None:
        return ("green", words("status.met")) if probability >= 1.0 else ("red", words("status.missed"))
    if year_over(int(year), as_of):
        return "muted", words("status.unknown")
    return status(probability, lang)


def target_status(summary: TargetSummary, as_of: int | None, default: tuple[str, str] | None = None,
                  lang: str | None = None) -> tuple[str, str]:
    """CSS class and words for one target summary: met / missed, unknown (year over), or its traffic light.

    ``default`` (the traffic light's class and words) is used for a target still ahead when given.
    """
    observed = getattr(summary, "observed", None)
    cls, words = status_for(float(summary.probability), int(summary.year), observed, as_of, lang)
    if default is not None and observed is None and not year_over(int(summary.year), as_of):
        return default
    return cls, words


def release_for(target: Target, lang: str = "en", names: Mapping[str, str] | None = None) -> str:
    """The release (or progress row) that would decide ``target``, in ``lang``; projects by their labels
    (``names``: project id -> label)."""
    key = RELEASES.get(target.metric, "release.default")
    projects = ("、" if lang == "zh" else ", ").join((names or {}).get(p, p) for p in target.projects)
    return tr(key, lang, year=target.year, projects=projects, phase=target.phase or "")


def project_names(scenario: Scenario) -> dict[str, str]:
    """Project id -> its label in the scenario (the id when it has none)."""
    return {p.id: p.label or p.id for p in scenario.projects}


def decided_section(results: Results, summaries: Sequence[TargetSummary], as_of: int | None, data_end: int | None = None,
                    lang: str = "en") -> str:
    """HTML: which targets are decided, which are still uncertain, and what would decide them."""
    from expressim.model.viz.words import format_value

    targets = {t.id: t for t in results.scenario.targets}
    pnames = project_names(results.scenario)
    decided, unknown, ahead = [], [], []
    for s in summaries:
        t = targets[s.id]
        name = f"<b>{_e(t.label)}</b> <code class=\"muted\">{_e(s.id)}</code>"
        if s.observed is not None:
            ob = results.observed[s.id]
            word = tr("status.met_short" if ob.met else "status.missed_short", lang)
            decided.append(f"<li>{name}: " + tr("pva.decided_item", lang, word=f"<b>{_e(word)}</b>",
                           value=_e(format_value(float(ob.value), t.unit)), since=_e(ob.known_since),
                           origin=_e(ob.origin), source=_link(ob.source)) + "</li>")
        elif year_over(t.year, as_of):
            unknown.append(f"<li>{name}: " + _e(tr("pva.unknown_item", lang, year=t.year, p=s.probability,
                                                      release=release_for(t, lang, pnames))) + "</li>")
        else:
            ahead.append(f"<li>{name}: " + _e(tr("pva.ahead_item", lang, p=s.probability,
                                                    release=release_for(t, lang, pnames))) + "</li>")
    when = month_text(as_of) if as_of is not None else "—"
    prog = getattr(results, "progress", None)
    prog_end = (tr("pva.prog_end", lang, when=_e(month_text(prog.last_month)))
                if prog is not None and prog.last_month is not None else "")
    none = f'<p class="muted">{tr("common.none", lang)}</p>'
    parts = [f"<h2>{_e(tr('pva.title', lang, when=when))}</h2>",
             "<p>" + tr("pva.intro", lang, end=_e(month_text(data_end) if data_end is not None else "—"),
                        prog=prog_end) + "</p>",
             f"<h3>{tr('pva.decided', lang, n=len(decided))}</h3>", "<ul>" + "".join(decided) + "</ul>" if decided
             else none,
             f"<h3>{tr('pva.unknown', lang, n=len(unknown))}</h3>", "<ul>" + "".join(unknown) + "</ul>" if unknown
             else none,
             f"<h3>{tr('pva.ahead', lang, n=len(ahead))}</h3>", "<ul>" + "".join(ahead) + "</ul>" if ahead
             else none]
    return "\n".join(parts)


def facts_section(results: Results, lang: str = "en") -> str:
    """HTML: the rollout facts the run was conditioned on, and those the durations could not reach."""
    prog = results.progress
    rows = [r for r in prog.rows if r.kind in ("phase", "project")] if prog is not None else []
    if prog is None or not rows:
        return ""
    cond = results.conditioning
    imposed = cond.imposed if cond is not None else {}
    redrawn = cond.redrawn if cond is not None else {}
    n = results.replications
    scn = results.scenario
    names = {**{t.id: t.label for t in scn.targets}, **{p.id: p.label or p.id for p in scn.projects}}
    body = []
    for r in rows:
        pid = r.id.split(".", 1)[0]
        how = (tr("pva.imposed", lang, k=f"{imposed[r.line]:,}", n=f"{n:,}") if r.line in imposed else
               tr("pva.redrawn", lang, k=f"{redrawn[pid]:,}", n=f"{n:,}", pid=pid) if redrawn.get(pid)
               else tr("pva.already", lang))
        fact = fact_text(f"{r.id} {r.status} {r.date}", names, lang)
        body.append(f"<tr><td><code>{_e(r.id)}</code></td><td>{_e(fact)}</td><td>{_e(how)}</td>"
                    f'<td class="muted">{_link(r.source)}<br>{_e(r.note)}</td></tr>')
    head = "".join(f"<th>{tr(k, lang)}</th>" for k in ("common.id", "pva.col.fact", "pva.col.how", "pva.col.doubt"))
    return (f"<h2>{tr('pva.facts', lang)}</h2>"
            f"<p>{tr('pva.facts_intro', lang, path=_e(prog.path))}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>" + "\n".join(body) + "</tbody></table>")


def tracked_values(results: Results, lang: str = "en") -> list[tuple[str, str, str, int | None, str, str, str]]:
    """The tracked plan tasks: (css class, id, label, year, status words, date, source) each."""
    latest = results.progress.tracked() if results.progress is not None else {}
    out = []
    for t in results.scenario.tracked:
        r = latest.get(t.id)
        if r is None:
            cls, words, date, src = "muted", tr("status.no_row", lang), "—", ""
        else:
            cls, words = _TRACKED[r.status], tr(f"status.{r.status}", lang)
            if r.status == "partial" and r.value is not None:
                words += f" ({100 * r.value:.0f}%)"
            date, src = r.date, " ".join(x for x in (r.source, r.note) if x)
        out.append((cls, t.id, t.label, t.year, words, date, src))
    return out


def tracked_rows(results: Results, lang: str = "en") -> list[str]:
    """Table rows of the tracked plan tasks with status, date and source from the progress file."""
    rows = []
    for cls, tid, label, year, words, date, src in tracked_values(results, lang):
        rows.append(f"<tr><td><code>{_e(tid)}</code></td><td>{_e(label)}</td>"
                    f'<td class="num">{_e(year) if year is not None else "—"}</td>'
                    f'<td class="{cls}">{_e(words)}</td><td class="num">{_e(date)}</td>'
                    f'<td class="muted">{_link(src)}</td></tr>')
    return rows
