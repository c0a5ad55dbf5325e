"""The monitor's self-contained HTML report: probabilities by as-of date, and what arrived when."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from expressim.model.viz.report import _e, _figures, _manifest, _page, _table, status

__all__ = ["write_monitor_report"]


def write_monitor_report(path: str | Path, data: Mapping[str, Any], figures: Sequence[str | Path],
                         manifest: Mapping[str, Any]) -> None:
    """Write ``report.html`` of a monitor run from ``Monitor.to_json()``."""
    dates = list(data["as_of"])
    rows = []
    for tid, t in data["targets"].items():
        cells = []
        for p, ob in zip(t["probability"], t["observed"], strict=True):
            if ob is not None:
                cls, words = ("green", "met") if p >= 1.0 else ("red", "missed")
                cells.append(f'<td class="num {cls}">{words} (observed {ob:,.6g})</td>')
            else:
                cls, _ = status(float(p))
                cells.append(f'<td class="num {cls}">{float(p):.2f}</td>')
        head = ' class="headline"' if t.get("headline") else ""
        rows.append(f"<tr{head}><td>{_e(t.get('label', tid))}<br><code class=\"muted\">{_e(tid)}</code> "
                    f"({_e(t.get('year'))})</td>{''.join(cells)}</tr>")
    events = []
    for ev in data.get("events", []):
        facts = "".join(f"<li>{_e(f)}</li>" for f in ev.get("new_facts", []))
        rel = "".join(f"<li>{_e(r)}</li>" for r in ev.get("new_releases", []))
        events.append(f"<tr><td>{_e(ev['as_of'])}</td><td><ul>{facts}</ul></td><td><ul>{rel}</ul></td></tr>")
    body = [
        f"<h1>Plan versus actual over time · {_e(data.get('scenario', ''))}</h1>",
        f"<p>The plan re-assessed at each date with only what was known by then: observations whose period "
        f"ends by the date, progress rows dated by it. Same seed ({_e(data.get('seed'))}) and "
        f"{_e(data.get('replications'))} replications at every date (common random numbers), so a change "
        "between dates comes from what became known, not from noise. Each column equals "
        "<code>expressim run --until DATE</code> with the same seed and replications.</p>",
        "<h2>Probability of each target by date</h2>",
        _table(["Target", *[_e(d) for d in dates]], rows),
        "<h2>Figures</h2>", _figures(figures),
        "<h2>What arrived at each date</h2>",
        '<p class="muted">Facts: progress rows first dated by this date. Releases: express observations in '
        "the data for the first time (none are listed for the first date).</p>",
        _table(["As of", "New facts", "New releases"], events),
        "<h2>Manifest</h2>", _manifest(manifest),
    ]
    Path(path).write_text(_page(f"expressim monitor · {data.get('scenario', '')}", "\n".join(body)),
                          encoding="utf-8")
