"""Figure of a monitor run: each headline target's probability across the as-of dates.

Dates where facts (progress rows) or express releases (new observations) arrived are marked with
what they were, so a move of the lines can be read against what moved it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from expressim.model.viz.figure_style import AMBER, GREEN, RED, _axes, _label, _style

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from expressim.model.analysis.monitor import MonitorRecord

__all__ = ["monitor_figure"]


def monitor_figure(data: MonitorRecord, ax: Axes | None = None, lang: str = "en",
                   names: dict[str, str] | None = None) -> Axes:
    """Probability of each headline target (all targets if none is headline) at each as-of date.

    The coloured zones are named in the legend (on track / at risk / unlikely); a point whose target
    is decided by an observed value is a star; the legend sits outside the plot, the event notes
    above it, so neither hides a point.

    Parameters
    ----------
    data : dict
        ``Monitor.to_json()``: ``as_of``, ``targets`` {id: {label, headline, probability, observed}},
        ``events`` [{as_of, new_facts, new_releases}].
    lang : {"zh", "en"}
        Language of the title, axes and legend.
    names : dict, optional
        Labels of the ids the progress facts name.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from expressim.model.spec.scenario import parse_month
    from expressim.model.viz.i18n import fact_text, tr
    from expressim.model.viz.progress_report import year_over

    with _style() as cjk:
        ax = _axes(ax, (10.0, 5.2))
        dates = list(data["as_of"])
        x = np.arange(len(dates))
        targets = data["targets"]
        heads = [k for k, v in targets.items() if v.get("headline")] or list(targets)[:6]
        unknown = False
        for tid in heads:
            t = targets[tid]
            p = np.asarray(t["probability"], dtype=float)
            line = ax.plot(x, p, marker="o", label=_label(str(t.get("label", tid)), tid, cjk))[0]
            over = [i for i, d in enumerate(dates) if (t.get("observed") or [None] * len(dates))[i] is None
                    and year_over(int(t.get("year", 0) or 0), parse_month(d))]
            if over:  # the target's year is over and its value unknown: an estimate, not a traffic light
                ax.plot(x[over], p[over], marker="o", markersize=7, markerfacecolor="white", color=line.get_color(),
                        markeredgecolor=line.get_color(), linestyle="none", zorder=4)
                unknown = True
            seen = [i for i, v in enumerate(t.get("observed") or []) if v is not None]
            if seen:  # decided by an observed value from here on
                ax.plot(x[seen], p[seen], marker="*", markersize=16, color=line.get_color(), linestyle="none",
                        markeredgecolor="black", markeredgewidth=0.6, zorder=5)
        zones: list[Any] = []
        for lo, hi, c, key in ((0.8, 1.02, GREEN, "fig.zone_green"), (0.5, 0.8, AMBER, "fig.zone_amber"),
                               (-0.02, 0.5, RED, "fig.zone_red")):
            ax.axhspan(lo, hi, color=c, alpha=0.08)
            zones.append(Patch(facecolor=c, alpha=0.25, label=tr(key, lang)))
        notes = []
        for i, ev in enumerate(data.get("events", [])):
            what = [fact_text(f, names or {}, lang) for f in ev.get("new_facts", [])] + (
                [tr("mon.releases_n", lang, n=len(ev["new_releases"]))]
                                                  if ev.get("new_releases") and i > 0 else [])
            if what and i > 0:
                ax.axvline(i, color="0.6", linestyle=":", linewidth=0.8)
                notes.append(f"{dates[i]}: " + "; ".join(w[:40] for w in what[:3]))
        ax.set_xticks(x, dates, rotation=45 if len(dates) > 6 else 0, fontsize=8)
        ax.set_xlim(-0.3, len(dates) - 0.7)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel(tr("fig.mon_x", lang))
        ax.set_ylabel(tr("fig.mon_y", lang))
        ax.set_title(tr("fig.mon_title", lang, name=data.get("scenario", "")), fontsize=10)
        handles, labels = ax.get_legend_handles_labels()
        if unknown:
            zones.append(Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor="0.3", linestyle="none",
                                label=tr("fig.unknown_point", lang)))
        ax.legend([*handles, *zones], [*labels, *(str(z.get_label()) for z in zones)], fontsize=7,
                  loc="upper left", bbox_to_anchor=(1.01, 1.0))
        if notes:
            ax.text(0.0, -0.16 - 0.02 * len(dates) / 6, "\n".join(notes[:6]), transform=ax.transAxes, fontsize=7,
                    va="top", color="0.3")
    return ax
