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

from collections.abc import Sequence
from typing import Any

from expressim.model.spec.progress import month_text
from expressim.model.viz.html_text import escape, linkify

__all__ = ["as_of_month", "decided_section", "facts_section", "target_status", "tracked_rows"]

#: what would decide a target, by metric ({year} is filled in)
RELEASES: dict[str, str] = {
    "parcels_inout": "Bijie's parcels in + out for {year} (快递进出口业务量; no public series reports it so far)",
    "parcels_out": "Bijie's express volume for {year} (快递业务量, usually released early the next year)",
    "parcels_in": "Bijie's parcels delivered for {year} (not published so far)",
    "revenue": "Bijie's express revenue for {year} (快递业务收入, usually released early the next year)",
    "jobs": "a count of express-sector jobs in Bijie for {year} (none published so far)",
    "specialty_sales": "the city's figure for specialty products sold out by express in {year}",
    "online_shopping": "the city's figure for online shopping supported by express in {year}",
    "firms_over_1e8": "the revenue of Bijie's express firms in {year} (postal administration)",
    "firms_over_1e7": "the revenue of Bijie's express firms in {year} (postal administration)",
    "village_coverage": "a statement of administrative-village express coverage at the end of {year}",
    "green_slim_tape": "the postal administration's green-packaging rates for {year}",
    "green_no_reboxing": "the postal administration's green-packaging rates for {year}",
    "green_reusable_bags": "the postal administration's green-packaging rates for {year}",
    "projects_open": "dated openings of {projects} (progress rows: opened / opened_by / not_opened_by)",
    "phase_started": "dated starts of {phase} at {projects} (progress rows: started / started_by / not_started_by)",
    "demo_agriculture": "the list of agriculture demonstration projects named by the end of {year}",
    "demo_manufacturing": "the list of manufacturing demonstration projects named by the end of {year}",
    "liquor_tonnes": "Jinsha's liquor shipped by express in {year}",
    "scenic_coverage": "a statement of express service at 4A+ scenic spots at the end of {year}",
}

_TRACKED = {"done": ("green", "Done · 已完成"), "not_done": ("red", "Not done · 未完成"),
            "partial": ("amber", "Partly done · 部分完成")}


_e = escape
_link = linkify


def as_of_month(observations: Any, progress: Any, until: str | None, run_month: int | None = None) -> int | None:
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


def data_end_month(observations: Any) -> int | None:
    """The last month index of the express series the calibration reads (None without any); an
    outlook or a target dated later (``express_volume_forecast`` 2026) is not data of that month."""
    from expressim.calibration.usable import INDICATORS

    ends = [o.period.last for o in getattr(observations, "observations", ())
            if o.period.kind != "approx" and o.indicator in INDICATORS and not o.derived]
    return max(ends, default=None)


def year_over(year: int, as_of: int | None) -> bool:
    """Whether the calendar ``year`` has ended by the as-of month."""
    return as_of is not None and as_of >= year * 12 + 11


def target_status(summary: Any, as_of: int | None, default: tuple[str, str]) -> tuple[str, str]:
    """CSS class and words for one target: met / missed, unknown (year over), or ``default``."""
    observed = getattr(summary, "observed", None)
    if observed is not None:
        return ("green", "Met · 已达成 (observed)") if summary.probability >= 1.0 else ("red", "Missed · 未达成 (observed)")
    if year_over(int(summary.year), as_of):
        return "muted", "Unknown · 未知 (year over, not observed)"
    return default


def release_for(target: Any) -> str:
    """The release (or progress row) that would decide ``target``."""
    text = RELEASES.get(target.metric, "an observed value for {year}")
    return text.format(year=target.year, projects=", ".join(target.projects), phase=target.phase or "")


def decided_section(results: Any, summaries: Sequence[Any], as_of: int | None, data_end: int | None = None) -> str:
    """HTML: which targets are decided, which are still uncertain, and what would decide them."""
    targets = {t.id: t for t in results.scenario.targets}
    decided, unknown, ahead = [], [], []
    for s in summaries:
        t = targets[s.id]
        if s.observed is not None:
            ob = results.observed[s.id]
            word = "met" if ob.met else "missed"
            decided.append(f"<li><b>{_e(s.id)}</b> ({_e(t.label)}): <b>{word}</b>, observed {ob.value:,.6g} "
                           f"{_e(t.unit)} (known since {_e(ob.known_since)}; {_e(ob.origin)}: {_e(ob.source)})</li>")
        elif year_over(t.year, as_of):
            unknown.append(f"<li><b>{_e(s.id)}</b>: {t.year} is over but not observed; the model's estimate "
                           f"P = {s.probability:.2f}. Decided by: {_e(release_for(t))}.</li>")
        else:
            ahead.append(f"<li><b>{_e(s.id)}</b>: P = {s.probability:.2f}. Decided by: {_e(release_for(t))}.</li>")
    when = month_text(as_of) if as_of is not None else "—"
    prog = getattr(results, "progress", None)
    prog_end = (f"; the progress file's latest date is {_e(month_text(prog.last_month))}"
                if prog is not None and prog.last_month is not None else "")
    parts = [f"<h2>Plan versus actual (as of {_e(when)})</h2>",
             f"<p>As of <code>--until</code> when given, else the month the run was made. The express data "
             f"end in {_e(month_text(data_end) if data_end is not None else '—')}{prog_end}. A target is <b>decided</b> when its value for its year is known "
             "(an <code>observed</code> progress row, or that exact series and year in the data).</p>",
             f"<h3>Decided ({len(decided)})</h3>", "<ul>" + "".join(decided) + "</ul>" if decided
             else '<p class="muted">None.</p>',
             f"<h3>Year over, not observed ({len(unknown)})</h3>", "<ul>" + "".join(unknown) + "</ul>" if unknown
             else '<p class="muted">None.</p>',
             f"<h3>Still ahead ({len(ahead)})</h3>", "<ul>" + "".join(ahead) + "</ul>" if ahead
             else '<p class="muted">None.</p>']
    return "\n".join(parts)


def facts_section(results: Any) -> str:
    """HTML: the rollout facts the run was conditioned on, and those the durations could not reach."""
    prog = results.progress
    rows = [r for r in prog.rows if r.kind in ("phase", "project")] if prog is not None else []
    if not rows:
        return ""
    cond = results.conditioning
    imposed = cond.imposed if cond is not None else {}
    redrawn = cond.redrawn if cond is not None else {}
    n = results.replications
    body = []
    for r in rows:
        pid = r.id.split(".", 1)[0]
        how = (f"imposed in {imposed[r.line]:,} of {n:,} replications: the scenario's durations (almost) never "
               "meet it, so its priors contradict the fact" if r.line in imposed else
               f"met by sampling ({redrawn[pid]:,} of {n:,} replications redrawn for {pid})" if redrawn.get(pid)
               else "already met in every replication (nothing redrawn)")
        body.append(f"<tr><td><code>{_e(r.id)}</code></td><td>{_e(r.status)} {_e(r.date)}</td><td>{_e(how)}</td>"
                    f'<td class="muted">{_link(r.source)}<br>{_e(r.note)}</td></tr>')
    return ("<h2>Progress facts the rollout is conditioned on</h2>"
            f"<p>From <code>{_e(prog.path)}</code>. Every replication meets every fact; replications that "
            "already met them keep their draws (common random numbers with the plan as written).</p>"
            "<table><thead><tr><th>Id</th><th>Fact</th><th>How it holds</th><th>Source and doubt</th></tr>"
            "</thead><tbody>" + "\n".join(body) + "</tbody></table>")


def tracked_rows(results: Any) -> list[str]:
    """Table rows of the tracked plan tasks with status, date and source from the progress file."""
    latest = results.progress.tracked() if results.progress is not None else {}
    rows = []
    for t in results.scenario.tracked:
        r = latest.get(t.id)
        if r is None:
            cls, words, date, src = "muted", "Unknown · 未知 (no progress row)", "—", ""
        else:
            cls, words = _TRACKED[r.status]
            if r.status == "partial" and r.value is not None:
                words += f" ({100 * r.value:.0f}%)"
            date, src = r.date, " ".join(x for x in (r.source, r.note) if x)
        rows.append(f"<tr><td><code>{_e(t.id)}</code></td><td>{_e(t.label)}</td>"
                    f'<td class="num">{_e(t.year) if t.year is not None else "—"}</td>'
                    f'<td class="{cls}">{_e(words)}</td><td class="num">{_e(date)}</td>'
                    f'<td class="muted">{_link(src)}</td></tr>')
    return rows
