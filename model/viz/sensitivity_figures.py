"""Figures of the sensitivity command: index bars, PRIM peeling trade-off, value of information.

Each function draws on ``ax`` (or a new Agg figure when ``ax`` is None) and returns the Axes.
Figures are built with :class:`matplotlib.figure.Figure`, never through pyplot's global state;
matplotlib is imported only inside these functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from expressim.model.viz.i18n import tr

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from expressim.model.analysis.closed_sobol import ValueOfInformation
    from expressim.model.analysis.discovery import PrimResult
    from expressim.model.analysis.sensitivity import IndexRow


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained").subplots()


def save(ax: Axes, path: str | Path, dpi: int = 120) -> Path:
    """Write the figure holding ``ax`` to ``path`` (PNG)."""
    from matplotlib.figure import Figure

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig = ax.figure
    root = fig if isinstance(fig, Figure) else fig.figure  # the axes of a subfigure: its root figure
    root.savefig(p, dpi=dpi)
    return p


def _name(factor: str, names: Mapping[str, str] | None) -> str:
    return (names or {}).get(factor, factor)


def sobol_bars(rows: Sequence[IndexRow], title: str, *, top: int = 15, ax: Axes | None = None, lang: str = "en",
               names: Mapping[str, str] | None = None) -> Axes:
    """Tornado of total-order indices (ST, 95% bootstrap bars) with first-order (S1) beside.

    Parameters
    ----------
    rows : list of dict
        Index rows of one output (``factor``, ``S1``, ``S1_conf``, ``ST``, ``ST_conf``).
    top : int
        Factors shown, largest ST first.
    """
    rs = sorted((r for r in rows if np.isfinite(r["ST"])), key=lambda r: -r["ST"])[:top][::-1]
    ax = _axes(ax, (7.5, 0.32 * max(len(rs), 3) + 1.2))
    y = np.arange(len(rs))
    ax.barh(y + 0.2, [r["ST"] for r in rs], height=0.4, xerr=[r["ST_conf"] for r in rs], color="#3b6ea5",
            ecolor="#1d3557", capsize=2, label=tr("sfig.total", lang))
    ax.barh(y - 0.2, [r["S1"] for r in rs], height=0.4, xerr=[r["S1_conf"] for r in rs], color="#e9a03b",
            ecolor="#8a5a12", capsize=2, label=tr("sfig.alone", lang))
    ax.set_yticks(y, [_name(r["factor"], names) for r in rs], fontsize=8)
    ax.axvline(0.0, color="0.4", lw=0.8)
    ax.set_xlabel(tr("sfig.sobol_x", lang))
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    return ax


def morris_bars(rows: Sequence[IndexRow], title: str, *, top: int = 15, ax: Axes | None = None, lang: str = "en",
                names: Mapping[str, str] | None = None) -> Axes:
    """Morris ``mu*`` with its 95% bootstrap bars, largest first."""
    rs = sorted((r for r in rows if np.isfinite(r["mu_star"])), key=lambda r: -r["mu_star"])[:top][::-1]
    ax = _axes(ax, (7.5, 0.3 * max(len(rs), 3) + 1.2))
    y = np.arange(len(rs))
    ax.barh(y, [r["mu_star"] for r in rs], xerr=[r["mu_star_conf"] for r in rs], color="#3b6ea5", capsize=2)
    ax.set_yticks(y, [_name(r["factor"], names) for r in rs], fontsize=8)
    ax.set_xlabel(tr("sfig.morris_x", lang))
    ax.set_title(title, fontsize=10)
    return ax


def peeling_tradeoff(result: PrimResult, title: str, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """PRIM peeling trajectory: coverage against density, coloured by the number of restricted inputs."""
    ax = _axes(ax, (6.5, 4.8))
    traj = result["trajectory"]
    cov = [t["coverage"] for t in traj]
    dens = [t["density"] for t in traj]
    k = [len(t["restricted"]) for t in traj]
    ax.plot(cov, dens, color="0.7", lw=0.8, zorder=1)
    ref = result.get("refined_trajectory") or []
    if ref:
        ax.plot([t["coverage"] for t in ref], [t["density"] for t in ref], color="#d62828", lw=0.8, ls="--",
                zorder=1, label=tr("sfig.second", lang))
    sc = ax.scatter(cov, dens, c=k, cmap="viridis", s=22, zorder=2)
    ax.figure.colorbar(sc, ax=ax, label=tr("sfig.restricted", lang))
    ch = result.get("chosen")
    if ch:
        ax.scatter([ch["coverage"]], [ch["density"]], marker="*", s=220, color="#d62828", zorder=3,
                   label=tr("sfig.chosen", lang, k=len(ch["limits"])))
    if ch or ref:
        ax.legend(loc="lower left", fontsize=8)
    ax.set_xlabel(tr("sfig.coverage", lang))
    ax.set_ylabel(tr("sfig.density", lang))
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=10)
    return ax


def voi_bars(voi: ValueOfInformation, output: str, title: str, *, ax: Axes | None = None, lang: str = "en",
             names: Mapping[str, str] | None = None) -> Axes:
    """Expected variance reduction per information group, with the 10-90% range of P(target | group known)."""
    rows = [r for r in voi["indices"] if r["output"] == output and np.isfinite(r["S1"])]
    rows = sorted(rows, key=lambda r: r["S1"])
    ax = _axes(ax, (7.5, 0.45 * max(len(rows), 3) + 1.2))
    y = np.arange(len(rows))
    colors = ["#999999" if r["factor"] in ("policy timing", "other inputs") else "#2a9d8f" for r in rows]
    ax.barh(y, [r["S1"] for r in rows], xerr=[r["S1_conf"] for r in rows], color=colors, capsize=2)
    for yi, r in zip(y, rows, strict=True):
        ax.annotate(tr("sfig.p_if_known", lang, lo=r["p10"], hi=r["p90"]), (max(r["S1"], 0) + r["S1_conf"], yi),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=7)
    ax.margins(x=0.3)
    ax.set_yticks(y, [_name(r["factor"], names) for r in rows], fontsize=8)
    ax.axvline(0.0, color="0.4", lw=0.8)
    ax.set_xlabel(tr("sfig.voi_x", lang))
    ax.set_title(title, fontsize=10)
    return ax


def write_figures(directory: Path, scenario: str, method: str, rows: Sequence[IndexRow],
                  boxes: Mapping[str, PrimResult], voi: ValueOfInformation, target_ids: Sequence[str], *,
                  lang: str = "en", names: Mapping[str, str] | None = None,
                  labels: Mapping[str, str] | None = None) -> list[Path]:
    """Every figure of a sensitivity run: index bars per output, PRIM trade-off and VOI per target.

    ``names`` maps factors and information groups to plain words, ``labels`` target ids to their labels;
    titles and axes are in ``lang`` (Chinese drawn with the bundled CJK font).
    """
    from expressim.model.spec.names import safe_name
    from expressim.model.viz.figure_style import _style

    def output(o: str) -> str:
        tid, _, kind = o.rpartition(".")
        label = (labels or {}).get(tid, tid)
        return tr("sfig.value" if kind == "value" else "sfig.attained", lang, label=label) if tid else o

    out = []
    with _style():
        for o in dict.fromkeys(r["output"] for r in rows):
            sub = [r for r in rows if r["output"] == o]
            if all(r["constant"] for r in sub):
                continue
            draw = sobol_bars if method == "sobol" else morris_bars
            title = tr("sfig.sobol_title", lang, scenario=scenario, output=output(o))
            out.append(save(draw(sub, title, lang=lang, names=names), directory / f"sensitivity_{safe_name(o)}.png"))
        for t in target_ids:
            label = (labels or {}).get(t, t)
            out.append(save(peeling_tradeoff(boxes[t], tr("sfig.prim_title", lang, scenario=scenario, target=label),
                                             lang=lang), directory / f"prim_{safe_name(t)}.png"))
            if any(r["output"] == f"{t}.attained" and np.isfinite(r["S1"]) for r in voi["indices"]):
                out.append(save(voi_bars(voi, f"{t}.attained", tr("sfig.voi_title", lang, scenario=scenario,
                                                                    target=label), lang=lang, names=names),
                                directory / f"voi_{safe_name(t)}.png"))
    return out
