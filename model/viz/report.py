"""Self-contained HTML reports of a run and of a comparison, for a planning official.

One file, UTF-8, inline CSS, figures embedded as base64 PNG data URIs, no JavaScript, nothing
fetched from the network (source URLs appear as plain links only).  Every piece of text that
comes from a scenario, a data file or a caller passes through :func:`html.escape`.

Probabilities are shares of Monte-Carlo replications; "±" is two binomial standard errors.
Status: green "on track" (P >= 0.8), amber "at risk" (0.5 <= P < 0.8), red "unlikely" (P < 0.5),
always written out in words, not by colour alone.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from expressim.model.spec.conventions import AT_RISK, METRICS, ON_TRACK
from expressim.model.viz.html_text import escape, linkify

__all__ = ["format_value", "status", "write_compare_report", "write_run_report"]

_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
 max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;width:100%;margin:.6em 0 1.2em;font-size:.92em;table-layout:auto}
td{overflow-wrap:anywhere}
th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}
th{background:#f3f3f3} td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.green{background:#e3f1e4;color:#1b5e20;font-weight:bold} .amber{background:#fff4d6;color:#7a5200;font-weight:bold}
.red{background:#fbe4e4;color:#b71c1c;font-weight:bold} .muted{color:#666;font-size:.88em}
tr.headline td:first-child{font-weight:bold}
figure{margin:1.2em 0;text-align:center} figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#555;font-size:.9em} pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:.8em}
code{font-size:.9em}
"""
_STATUS = {"green": ("On track", "有望达成"), "amber": ("At risk", "存在风险"), "red": ("Unlikely", "难以达成")}
_CAPTIONS = {
    "monthly_parcels_inout": "Monthly parcels in + out: median, 50/80/95% bands; dashed: no-policy baseline median",
    "probability_over_time": "Headline targets: probability that each has been attained by the end of each year",
    "rollout_gantt": "Infrastructure rollout: median phase spans, opening 10–90% interval and median, plan date",
    "target_probabilities": "Probability of every target (±2 standard errors), traffic-light coloured",
    "comparison": "Targets by scenario, on common random numbers (±2 standard errors)",
}


_e = escape
_linkify = linkify


def status(p: float) -> tuple[str, str]:
    """Traffic-light class and words for a probability: ``("green", "On track · 有望达成")`` etc."""
    cls = "green" if p >= ON_TRACK else "amber" if p >= AT_RISK else "red"
    en, zh = _STATUS[cls]
    return cls, f"{en} · {zh}"


def _num(x: float, digits: int) -> str:
    return f"{x:,.{digits}f}"


def format_value(value: float, unit: str, *, threshold: bool = False) -> str:
    """A value in readable units: 件/元 in 亿件/亿元, fractions in %, counts with separators.

    >>> format_value(4.0e8, "件", threshold=True)
    '4 亿件'
    >>> format_value(0.9782, "fraction")
    '97.8%'
    """
    if value is None or not np.isfinite(value):
        return "—"
    if unit in ("件", "元"):
        v, u, d = value / 1e8, f" 亿{unit}", 2
    elif unit == "fraction":
        v, u, d = value * 100, "%", 1
    else:
        v, u, d = value, f" {unit}" if unit else "", 0 if abs(value) >= 100 or float(value).is_integer() else 1
    text = _num(v, d)
    if threshold and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + u


def _p(p: float, se: float, n: int | None) -> str:
    if se and np.isfinite(se):
        return f"{p:.2f} ± {2 * se:.2f}"
    bound = f" (error &lt; {3 / n:.3f})" if n else ""
    return f"{p:.2f}{bound}"


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _figures(figures: Sequence[str | Path]) -> str:
    parts = []
    for f in figures:
        p = Path(f)
        if not p.is_file():
            continue
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        stem = p.stem
        desc = METRICS.get(stem[4:], ("", stem[4:].replace("_", " ")))[1]
        cap = _CAPTIONS.get(stem) or (f"Annual {desc}: median, 50/80/95% bands, target threshold (dotted)"
                                      if stem.startswith("fan_") else stem.replace("_", " "))
        parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{_e(cap)}">'
                     f"<figcaption>{_e(cap)}</figcaption></figure>")
    return "\n".join(parts) or '<p class="muted">No figures.</p>'


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n")


def _table(head: Sequence[str], rows: Sequence[str], widths: Sequence[int] = ()) -> str:
    cols = "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>" if widths else ""
    th = "".join(f"<th>{h}</th>" for h in head)
    return f"<table>{cols}<thead><tr>{th}</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


def _manifest(man: Any) -> str:
    return f"<pre>{html.escape(json.dumps(man, ensure_ascii=False, indent=2, default=str), quote=False)}</pre>"


# ---- run report -------------------------------------------------------------------------------

def _rests_cell(entries: Sequence[Any]) -> str:
    """What a target rests on: the decisive input's P range beside the target (prior uncertainty)."""
    from expressim.model.analysis import rests_on

    if not entries:
        return "—"
    decided = rests_on.decided_by_assumption(entries)
    flag = ' <b class="amber">decided by an assumption</b>' if decided is not None else ""
    more = "; then " + ", ".join(f"{_e(e.input)} {e.probability_low:.2f}–{e.probability_high:.2f}"
                                 for e in entries[1:3]) if len(entries) > 1 else ""
    return f"{_e(rests_on.sentence(entries))}{flag}<br><span class=\"muted\">{more.lstrip('; ')}</span>"


def _readings_cell(readings: Sequence[Mapping[str, Any]] | None) -> str:
    """P under each reading of a target's wording, the plan's likely reading first (empty: one reading)."""
    if not readings:
        return ""
    parts = [f"{_e(r['reading'])} P = {float(r['probability']):.3f}" + (" (likely meant)" if i == 0 else "")
             for i, r in enumerate(readings)]
    why = _e(str(readings[0]["why"]))
    return f'<br><span class="muted">Readings: {"; ".join(parts)}. First because {why}.</span>'


def _target_rows(results: Any, summaries: Sequence[Any], rests: Mapping[str, Sequence[Any]] | None = None,
                 as_of: int | None = None) -> list[str]:
    from expressim.model.viz.progress_report import target_status

    comparisons = {t.id: t.comparison for t in results.scenario.targets}
    rows = []
    ordered = sorted(summaries, key=lambda s: not bool(_get(s, "headline", False)))
    for s in ordered:
        p, se, unit = float(_get(s, "probability")), float(_get(s, "probability_stderr") or 0.0), _get(s, "unit", "")
        cls, words = target_status(s, as_of, status(p)) if hasattr(s, "observed") else status(p)
        cmp = comparisons.get(_get(s, "id"), ">=").replace(">=", "≥").replace("<=", "≤")
        quant = " / ".join(format_value(float(_get(s, k)), unit) for k in ("p10", "median", "p90"))
        head = ' class="headline"' if _get(s, "headline", False) else ""
        rows.append(
            f"<tr{head}><td>{_e(_get(s, 'label'))}<br><code class=\"muted\">{_e(_get(s, 'id'))}</code>"
            f"{_readings_cell(_get(s, 'readings'))}</td>"
            f'<td class="num">{_e(_get(s, "year"))}</td>'
            f'<td class="num">{_e(cmp)} {_e(format_value(float(_get(s, "threshold")), unit, threshold=True))}</td>'
            f'<td class="num">{_p(p, se, results.replications)}</td><td class="{cls}">{_e(words)}</td>'
            f'<td class="num">{_e(quant)}</td>'
            + (f"<td>{_rests_cell(rests.get(str(_get(s, 'id')), []))}</td>" if rests is not None else "") + "</tr>")
    return rows


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


def _dist_text(d: Any) -> tuple[str, str]:
    dump = d.model_dump()
    params = {k: v for k, v in dump.items() if k not in ("dist", "unit", "source", "description")}
    spec = f"{dump.get('dist', type(d).__name__)}(" + ", ".join(f"{k}={v:g}" if isinstance(v, float | int) else
                                                               f"{k}={v}" for k, v in params.items()) + ")"
    lo, hi = d.bounds()
    rng = f"{lo:.4g} – {hi:.4g}" if lo != hi else f"{lo:.4g}"
    return spec, f"{rng} (mean {d.mean():.4g})"


def _assumption_rows(results: Any, assumptions: Mapping[str, Any]) -> list[str]:
    drivers = _drivers(results)
    noise = 2.0 / np.sqrt(max(results.replications - 1, 1))  # |r| below this is indistinguishable from 0
    overrides = set(results.scenario.parameters)
    order = sorted(assumptions, key=lambda k: -abs(drivers.get(k, ("", 0.0))[1]))
    rows = []
    for k in order:
        d = assumptions[k]
        spec, rng = _dist_text(d)
        tid, r = drivers.get(k, ("", 0.0))
        link = f"{r:+.2f} with <code>{_e(tid)}</code>" if tid and abs(r) >= noise else "—"
        note = ' <span class="muted">(scenario override)</span>' if k in overrides else ""
        rows.append(f"<tr><td><code>{_e(k)}</code>{note}<br>{_e(getattr(d, 'description', ''))}</td>"
                    f"<td>{_e(spec)}<br><span class=\"muted\">{_e(rng)}</span></td><td>{_e(getattr(d, 'unit', ''))}</td>"
                    f'<td>{link}</td><td class="muted">{_linkify(getattr(d, "source", ""))}</td></tr>')
    return rows


def write_run_report(path: str | Path, results: Any, summaries: Sequence[Any], manifest: Mapping[str, Any], *,
                     figures: Sequence[str | Path], assumptions: Mapping[str, Any],
                     data_sources: Sequence[str], rests_on: Mapping[str, Sequence[Any]] | None = None,
                     as_of: int | None = None, data_end: int | None = None) -> None:
    """Write the run's self-contained HTML report.

    Parameters
    ----------
    path : path
        Output file (``report.html``).
    results : model.engine.results.Results
        The run.
    summaries : sequence of TargetSummary (or mappings with the same keys)
        ``results.summary()``.
    manifest : mapping
        The run manifest (shown as JSON).
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
    """
    from expressim.model.viz import progress_report as rp

    scn = results.scenario
    n = results.replications
    years = results.years
    created = manifest.get("created_utc", "") if isinstance(manifest, Mapping) else ""
    tracked = rp.tracked_rows(results)
    heads = sum(1 for s in summaries if _get(s, "headline", False))
    body = [
        f"<h1>Express-delivery scenario report · {_e(scn.name)}</h1>",
        f"<p>{_e(scn.description)}</p>" if scn.description else "",
        f'<p class="muted">Simulated {_e(scn.start)} to {_e(scn.horizon)} ({years[0]}–{years[-1]}); '
        f"{n:,} replications; seed {_e(results.seed)}; created {_e(created)}.</p>",
        "<h2>Targets</h2>",
        f"<p>Probability that each target is attained in its year, across {n:,} simulated futures. "
        "“±” is two Monte-Carlo standard errors (about a 95% band for the estimate); when every or no "
        f"replication attains a target the error is below 3/n. The {heads} headline targets come first (bold). "
        "P10 / median / P90: the target's indicator in its year (one in ten futures falls below P10).</p>",
        "<p>The “±” is Monte-Carlo error only. The uncertainty from the priors is in the last column: the input "
        "that moves P most, <i>data</i> (calibrated on observations) or <i>assumption</i> (a prior with no data "
        "behind it), and P with that input held at its 10th and at its 90th percentile. A target is "
        "<b>decided by an assumption</b> when an assumption moves its P by at least 0.2.</p>"
        if rests_on is not None else "",
        _table(["Target", "Year", "Threshold", "Probability", "Status", "P10 / median / P90"]
               + (["What it rests on (P at the input's 10th → 90th percentile)"] if rests_on is not None else []),
               _target_rows(results, summaries, rests_on, as_of)),
        f'<p class="muted">Status: <span class="green">On track</span> P ≥ {ON_TRACK:g}; '
        f'<span class="amber">At risk</span> {AT_RISK:g} ≤ P &lt; {ON_TRACK:g}; <span class="red">Unlikely</span> '
        f'P &lt; {AT_RISK:g} (targets whose year is still ahead); Met / Missed: the value is observed; Unknown: the '
        "year is over and its value is not observed.</p>",
        rp.decided_section(results, summaries, as_of, data_end), rp.facts_section(results),
        "<h2>Figures</h2>", _figures(figures),
        "<h2>Assumptions that drive the result</h2>",
        "<p>Every uncertain input of the simulation, with its distribution. “Link” is the rank correlation "
        "between the input and the headline target it moves most, in this run (sorted by its size); it is a "
        "screening measure, not a formal sensitivity index (see <code>expressim sensitivity</code>); “—” marks links "
        "too weak to tell from zero with this many replications.</p>",
        _table(["Input", "Distribution, range (mean)", "Unit", "Link", "Source"],
               _assumption_rows(results, assumptions), (28, 20, 10, 14, 28)),
        "<h2>Plan tasks tracked, not simulated</h2>",
        _table(["Id", "Task", "Year", "Status", "Date", "Source"], tracked) if tracked else '<p class="muted">None.</p>',
        "<h2>Data sources</h2>",
        "<ul>" + "".join(f"<li>{_linkify(s)}</li>" for s in data_sources) + "</ul>",
        "<h2>Manifest</h2>", _manifest(manifest),
    ]
    Path(path).write_text(_page(f"expressim · {scn.name}", "\n".join(b for b in body if b)), encoding="utf-8")


# ---- comparison report ------------------------------------------------------------------------

def _pp(x: Any) -> str:
    return "—" if x is None or not np.isfinite(float(x)) else f"{100 * float(x):+.1f} pp"


def write_compare_report(path: str | Path, comparison: Mapping[str, Any], figures: Sequence[str | Path],
                         manifests: Mapping[str, Any] | Sequence[Any]) -> None:
    """Write the comparison's self-contained HTML report.

    Parameters
    ----------
    path : path
        Output file.
    comparison : mapping
        ``{"scenarios": [names], "targets": [{"id", "label", "year", "by_scenario": {name:
        {"probability", "probability_stderr"}}, "differences": {name: {"difference", "ci_low",
        "ci_high"}}}]}``; differences are paired (common random numbers) against the first scenario.
    figures : sequence of path
        PNG files to embed.
    manifests : mapping or sequence
        The runs' manifests (name -> manifest, or a list), shown as JSON.
    """
    names = [str(n) for n in comparison.get("scenarios", [])]
    ref = names[0] if names else ""
    overview, sections = [], []
    for t in comparison.get("targets", []):
        by, diffs = t.get("by_scenario", {}), t.get("differences", {})
        cells, rows = [], []
        for name in names:
            b = by.get(name, {})
            p, se = b.get("probability"), float(b.get("probability_stderr") or 0.0)
            if p is None:
                cells.append("<td>—</td>")
                rows.append(f"<tr><td>{_e(name)}</td><td colspan=\"3\">not in this scenario</td></tr>")
                continue
            cls, words = status(float(p))
            cells.append(f'<td class="num {cls}">{float(p):.2f} <span class="muted">{_e(_STATUS[cls][0])}</span></td>')
            d = diffs.get(name, {})
            if name == ref:
                diff = "reference"
            else:
                lo, hi = d.get("ci_low"), d.get("ci_high")
                sig = ("" if lo is None or hi is None else
                       " (clear difference)" if lo > 0 or hi < 0 else " (not distinguishable from 0)")
                diff = f"{_pp(d.get('difference'))} [95% CI {_pp(lo)} to {_pp(hi)}]{sig}"
            rows.append(f'<tr><td>{_e(name)}</td><td class="num">{_p(float(p), se, None)}</td>'
                        f'<td class="{cls}">{_e(words)}</td><td class="num">{_e(diff)}</td></tr>')
        label, year = str(t.get("label", t.get("id"))), str(t.get("year", ""))
        label = label if year in label else f"{label} ({year})"
        overview.append(f"<tr><td>{_e(label)}<br><code class=\"muted\">{_e(t.get('id'))}</code></td>{''.join(cells)}</tr>")
        sections.append(f"<h3>{_e(label)} <code class=\"muted\">{_e(t.get('id'))}</code></h3>"
                        + _table(["Scenario", "Probability", "Status", f"Difference vs {_e(ref)}"], rows))
    mans = manifests.items() if isinstance(manifests, Mapping) else enumerate(manifests)
    body = [
        "<h1>Scenario comparison · " + " vs ".join(_e(n) for n in names) + "</h1>",
        "<p>All scenarios were run with the same seed, so they share every random draw of the inputs they have "
        f"in common (common random numbers): a difference shows the policy, not noise. Differences are "
        f"paired against the first scenario, <b>{_e(ref)}</b>, in percentage points (pp) with a 95% "
        "confidence interval.</p>",
        "<h2>Overview</h2>", _table(["Target"] + [_e(n) for n in names], overview),
        "<h2>Figures</h2>", _figures(figures),
        "<h2>Targets in detail</h2>", *sections,
        "<h2>Manifests</h2>", *(f"<h3>{_e(k)}</h3>{_manifest(m)}" for k, m in mans),
    ]
    Path(path).write_text(_page("expressim comparison · " + " vs ".join(names), "\n".join(body)), encoding="utf-8")
