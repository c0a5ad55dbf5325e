"""Figure of a monitor run: each headline target's probability across the as-of dates.

Dates where facts (progress rows) or express releases (new observations) arrived are marked with
what they were, so a move of the lines can be read against what moved it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from expressim.model.viz.run_figures import AMBER, GREEN, RED, _axes, _label, _style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["monitor_figure"]


def monitor_figure(data: dict[str, Any], ax: Axes | None = None) -> Axes:
    """Probability of each headline target (all targets if none is headline) at each as-of date.

    Parameters
    ----------
    data : dict
        ``Monitor.to_json()``: ``as_of``, ``targets`` {id: {label, headline, probability, observed}},
        ``events`` [{as_of, new_facts, new_releases}].
    """
    with _style() as cjk:
        ax = _axes(ax, (8.5, 4.8))
        dates = list(data["as_of"])
        x = np.arange(len(dates))
        targets = data["targets"]
        heads = [k for k, v in targets.items() if v.get("headline")] or list(targets)[:6]
        for tid in heads:
            t = targets[tid]
            p = np.asarray(t["probability"], dtype=float)
            line = ax.plot(x, p, marker="o", label=_label(str(t.get("label", tid)), tid, cjk))[0]
            seen = [i for i, v in enumerate(t.get("observed") or []) if v is not None]
            if seen:  # decided by an observed value from here on
                ax.plot(x[seen], p[seen], marker="*", markersize=13, color=line.get_color(), linestyle="none")
        for lo, hi, c in ((0.8, 1.02, GREEN), (0.5, 0.8, AMBER), (-0.02, 0.5, RED)):
            ax.axhspan(lo, hi, color=c, alpha=0.06)
        for i, ev in enumerate(data.get("events", [])):
            what = [*ev.get("new_facts", [])] + ([f"{len(ev['new_releases'])} new release(s)"]
                                                  if ev.get("new_releases") else [])
            if what:
                ax.axvline(i, color="0.6", linestyle=":", linewidth=0.8)
                ax.text(i, 1.0, "\n".join(w[:38] for w in what[:4]), rotation=90, va="top", ha="right",
                        fontsize=6, color="0.3")
        ax.set_xticks(x, dates, rotation=45 if len(dates) > 6 else 0, fontsize=8)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("as of (data until, progress rows dated by)")
        ax.set_ylabel("P(target met)")
        ax.set_title(f"{data.get('scenario', '')}: headline targets as known at each date (stars: observed)",
                     fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
    return ax
