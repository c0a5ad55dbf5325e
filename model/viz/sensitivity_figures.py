"""Figures of the sensitivity command: index bars, PRIM peeling trade-off, value of information.

Each function draws on ``ax`` (or a new Agg figure when ``ax`` is None) and returns the Axes.
Figures are built with :class:`matplotlib.figure.Figure`, never through pyplot's global state;
matplotlib is imported only inside these functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained").subplots()


def save(ax: Any, path: str | Path, dpi: int = 120) -> Path:
    """Write the figure holding ``ax`` to ``path`` (PNG)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    ax.figure.savefig(p, dpi=dpi)
    return p


def sobol_bars(rows: list[dict[str, Any]], title: str, *, top: int = 15, ax: Any = None) -> Any:
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
            ecolor="#1d3557", capsize=2, label="total order ST")
    ax.barh(y - 0.2, [r["S1"] for r in rs], height=0.4, xerr=[r["S1_conf"] for r in rs], color="#e9a03b",
            ecolor="#8a5a12", capsize=2, label="first order S1")
    ax.set_yticks(y, [r["factor"] for r in rs], fontsize=8)
    ax.axvline(0.0, color="0.4", lw=0.8)
    ax.set_xlabel("Sobol' index (share of output variance), 95% bootstrap interval")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    return ax


def morris_bars(rows: list[dict[str, Any]], title: str, *, top: int = 15, ax: Any = None) -> Any:
    """Morris ``mu*`` with its 95% bootstrap bars, largest first."""
    rs = sorted((r for r in rows if np.isfinite(r["mu_star"])), key=lambda r: -r["mu_star"])[:top][::-1]
    ax = _axes(ax, (7.5, 0.3 * max(len(rs), 3) + 1.2))
    y = np.arange(len(rs))
    ax.barh(y, [r["mu_star"] for r in rs], xerr=[r["mu_star_conf"] for r in rs], color="#3b6ea5", capsize=2)
    ax.set_yticks(y, [r["factor"] for r in rs], fontsize=8)
    ax.set_xlabel("Morris mu* (output change across the factor's probability range)")
    ax.set_title(title, fontsize=10)
    return ax


def peeling_tradeoff(result: dict[str, Any], title: str, *, ax: Any = None) -> Any:
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
                zorder=1, label="second pass (kept inputs)")
    sc = ax.scatter(cov, dens, c=k, cmap="viridis", s=22, zorder=2)
    ax.figure.colorbar(sc, ax=ax, label="restricted inputs")
    ch = result.get("chosen")
    if ch:
        ax.scatter([ch["coverage"]], [ch["density"]], marker="*", s=220, color="#d62828", zorder=3,
                   label=f"chosen ({len(ch['limits'])} inputs)")
    if ch or ref:
        ax.legend(loc="lower left", fontsize=8)
    ax.set_xlabel("coverage (share of misses inside the box)")
    ax.set_ylabel("density (share of the box that misses)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(title, fontsize=10)
    return ax


def voi_bars(voi: dict[str, Any], output: str, title: str, *, ax: Any = None) -> Any:
    """Expected variance reduction per information group, with the 10-90% range of P(target | group known)."""
    rows = [r for r in voi["indices"] if r["output"] == output and np.isfinite(r["S1"])]
    rows = sorted(rows, key=lambda r: r["S1"])
    ax = _axes(ax, (7.5, 0.45 * max(len(rows), 3) + 1.2))
    y = np.arange(len(rows))
    colors = ["#999999" if r["factor"] in ("policy timing", "other inputs") else "#2a9d8f" for r in rows]
    ax.barh(y, [r["S1"] for r in rows], xerr=[r["S1_conf"] for r in rows], color=colors, capsize=2)
    for yi, r in zip(y, rows, strict=True):
        ax.annotate(f"P if known, 10-90%: {r['p10']:.2f}-{r['p90']:.2f}", (max(r["S1"], 0) + r["S1_conf"], yi),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=7)
    ax.margins(x=0.3)
    ax.set_yticks(y, [r["factor"] for r in rows], fontsize=8)
    ax.axvline(0.0, color="0.4", lw=0.8)
    ax.set_xlabel("expected share of variance removed if the group were known (closed S1)")
    ax.set_title(title, fontsize=10)
    return ax


def write_figures(directory: Path, scenario: str, method: str, rows: list[dict[str, Any]], boxes: dict[str, Any],
                  voi: dict[str, Any], target_ids: list[str]) -> list[Path]:
    """Every figure of a sensitivity run: index bars per output, PRIM trade-off and VOI per target."""
    from expressim.model.spec.names import safe_name

    out = []
    for o in dict.fromkeys(r["output"] for r in rows):
        sub = [r for r in rows if r["output"] == o]
        if all(r["constant"] for r in sub):
            continue
        draw = sobol_bars if method == "sobol" else morris_bars
        out.append(save(draw(sub, f"{scenario}: {o}"), directory / f"sensitivity_{safe_name(o)}.png"))
    for t in target_ids:
        out.append(save(peeling_tradeoff(boxes[t], f"{scenario}: PRIM, missing {t}"), directory / f"prim_{safe_name(t)}.png"))
        if any(r["output"] == f"{t}.attained" and np.isfinite(r["S1"]) for r in voi["indices"]):
            out.append(save(voi_bars(voi, f"{t}.attained", f"{scenario}: value of information, {t}"),
                            directory / f"voi_{safe_name(t)}.png"))
    return out
