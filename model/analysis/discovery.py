"""Scenario discovery: PRIM boxes of inputs under which a target is missed.

The patient rule induction method (Friedman & Fisher 1999), as used in exploratory modelling
(Bryant & Lempert 2010): starting from the box holding every replication, repeatedly *peel*
the ``alpha`` share of the remaining points off one side of one input, choosing the peel that
leaves the highest *density* (share of cases of interest in the box), until the box holds
less than ``min_mass`` of the points or no peel raises the density.  Each step records
*coverage* (share of all cases inside the box), density, mass and the restricted inputs.
From the trajectory one box is chosen (the first, i.e. widest, with density at least
``threshold``, or halfway from the base density to 1 if higher; else the one maximising
coverage x density), optionally *pasted* (limits
widened again while that raises density), and restrictions that do not matter are dropped
using the quasi-p-value of each restriction (one-sided binomial test of the box's density
against the box without that restriction; Bryant & Lempert 2010, sec. 3).

No maintained lightweight package fits: ``prim`` (Project Platypus) is GPL-3 and pulls in
mplcursors, ``ema_workbench`` is a framework; this is a compact reimplementation.

References
----------
Friedman, J. H. & Fisher, N. I. (1999). Bump hunting in high-dimensional data.
Statistics and Computing 9, 123-143.
Bryant, B. P. & Lempert, R. J. (2010). Thinking inside the box: a participatory,
computer-assisted approach to scenario discovery. Technol. Forecast. Soc. Change 77, 34-49.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

import numpy as np

#: units of the calibration factors (not in the assumption register)
BASELINE_UNITS = {"national_volume_u": "national volume growth, first year", "province_share_u": "province share of national",
                  "local_collected_intensity": "× province per capita", "local_delivered_relative": "× national per capita",
                  "revenue_per_parcel": "元/件, first year"}

if TYPE_CHECKING:
    from expressim.model.engine.results import Results


class BoxStats(TypedDict):
    """One box of a peeling trajectory: coverage, density, mass, replications inside, restricted inputs."""

    coverage: float
    density: float
    mass: float
    n: int
    restricted: list[str]


class Limit(TypedDict):
    """A restricted input of the chosen box (``low``/``high`` None where the box keeps the full range)."""

    low: float | None
    high: float | None
    range: list[float]
    unit: str
    quasi_p: float


class ChosenBox(TypedDict):
    """The box PRIM chose: its step on the trajectory, the rule, its statistics and limits."""

    step: int
    rule: str
    pasted: bool
    coverage: float
    density: float
    mass: float
    n: int
    limits: dict[str, Limit]


class PrimResult(TypedDict):
    """What :func:`prim` found for one outcome (``discovery.json``: ``targets``)."""

    base_density: float
    n: int
    alpha: float
    min_mass: float
    threshold: float
    chosen: ChosenBox | None
    refined_trajectory: list[BoxStats]
    trajectory: list[BoxStats]
    note: NotRequired[str]


@dataclass(frozen=True)
class Box:
    """Axis-aligned limits ``lower <= x <= upper`` per input column."""

    lower: np.ndarray
    upper: np.ndarray

    def inside(self, x: np.ndarray) -> np.ndarray:
        return np.all((x >= self.lower) & (x <= self.upper), axis=1)

    def restricted(self, full: Box) -> list[int]:
        """Columns whose limits are tighter than ``full``."""
        return [int(j) for j in np.flatnonzero((self.lower > full.lower) | (self.upper < full.upper))]


def _stats(box: Box, x: np.ndarray, y: np.ndarray, full: Box) -> dict[str, Any]:
    m = box.inside(x)
    n_in = int(m.sum())
    return {"coverage": float(y[m].sum() / max(y.sum(), 1)), "density": float(y[m].mean()) if n_in else 0.0,
            "mass": n_in / len(y), "n": n_in, "restricted": box.restricted(full)}


def peel(x: np.ndarray, y: np.ndarray, *, alpha: float = 0.05, min_mass: float = 0.05) -> list[Box]:
    """The peeling trajectory: boxes from the full one down to ``min_mass`` (Friedman & Fisher 1999, sec. 4)."""
    full = Box(x.min(axis=0), x.max(axis=0))
    boxes = [full]
    m = np.ones(len(y), dtype=bool)
    while m.mean() >= min_mass:
        xin, yin = x[m], y[m]
        best: tuple[float, int, int, float, np.ndarray] | None = None
        for j in range(x.shape[1]):
            for side, q in ((0, alpha), (1, 1.0 - alpha)):
                cut = float(np.quantile(xin[:, j], q))
                keep = xin[:, j] >= cut if side == 0 else xin[:, j] <= cut
                if keep.all() or not keep.any():
                    continue
                dens = float(yin[keep].mean())
                if best is None or dens > best[0] or (dens == best[0] and keep.sum() > best[4].sum()):
                    best = (dens, j, side, cut, keep)
        if best is None or best[0] <= yin.mean() or best[4].sum() / len(y) < min_mass:
            break
        _, j, side, cut, keep = best
        lo, hi = boxes[-1].lower.copy(), boxes[-1].upper.copy()
        (lo if side == 0 else hi)[j] = cut
        boxes.append(Box(lo, hi))
        idx = np.flatnonzero(m)
        m[idx[~keep]] = False
    return boxes


def paste(box: Box, x: np.ndarray, y: np.ndarray, *, alpha: float = 0.05) -> Box:
    """Widen limits by ``alpha`` of the box's points at a time while the density rises."""
    full = Box(x.min(axis=0), x.max(axis=0))
    while True:
        m = box.inside(x)
        base, step = float(y[m].mean()), max(1, int(alpha * m.sum()))
        best: tuple[float, Box] | None = None
        for j in box.restricted(full):
            others = np.all(np.delete((x >= box.lower) & (x <= box.upper), j, axis=1), axis=1)
            for side in (0, 1):
                out = others & ((x[:, j] < box.lower[j]) if side == 0 else (x[:, j] > box.upper[j]))
                if not out.any():
                    continue
                vals = np.sort(x[out, j])
                edge = vals[-min(step, len(vals))] if side == 0 else vals[min(step, len(vals)) - 1]
                lo, hi = box.lower.copy(), box.upper.copy()
                (lo if side == 0 else hi)[j] = edge
                cand = Box(lo, hi)
                d = float(y[cand.inside(x)].mean())
                if d > base and (best is None or d > best[0]):
                    best = (d, cand)
        if best is None:
            return box
        box = best[1]


def quasi_p(box: Box, x: np.ndarray, y: np.ndarray, full: Box) -> dict[int, float]:
    """One-sided binomial quasi-p-value of each restriction (density vs. the box without it)."""
    from scipy.stats import binom

    m = box.inside(x)
    k, n = int(y[m].sum()), int(m.sum())
    out = {}
    for j in box.restricted(full):
        lo, hi = box.lower.copy(), box.upper.copy()
        lo[j], hi[j] = full.lower[j], full.upper[j]
        p0 = float(y[Box(lo, hi).inside(x)].mean())
        out[j] = float(binom.sf(k - 1, n, p0))
    return out


def _choose(boxes: list[Box], x: np.ndarray, y: np.ndarray, threshold: float) -> tuple[int, str]:
    """Index of the widest box reaching ``max(threshold, (1 + base density) / 2)``, else the maximum of
    coverage x density over the peeled boxes."""
    st = [_stats(b, x, y, boxes[0]) for b in boxes]
    dens = np.array([t["density"] for t in st])
    thr = max(threshold, (1.0 + dens[0]) / 2.0)  # a common outcome needs a box denser than the whole space
    hit = np.flatnonzero(dens >= thr)
    if hit.size:
        return int(hit[0]), f"widest box with density >= {thr:.3g}"
    score = dens * np.array([t["coverage"] for t in st])
    score[0] = -1.0 if len(st) > 1 else score[0]
    return int(np.argmax(score)), f"no box reaches density {thr:.3g}: maximum coverage x density"


def _prune(box: Box, x: np.ndarray, y: np.ndarray, full: Box, max_qp: float) -> tuple[Box, dict[int, float]]:
    """Drop the restriction with the largest quasi-p-value while it exceeds ``max_qp``."""
    qp = quasi_p(box, x, y, full)
    while qp and max(qp.values()) > max_qp:
        j = max(qp, key=lambda k: qp[k])
        lo, hi = box.lower.copy(), box.upper.copy()
        lo[j], hi[j] = full.lower[j], full.upper[j]
        box = Box(lo, hi)
        qp = quasi_p(box, x, y, full)
    return box, qp


def _pass(x: np.ndarray, y: np.ndarray, cols: list[int], full: Box, *, alpha: float, min_mass: float,
          threshold: float, pasting: bool, max_qp: float) -> tuple[list[Box], int, str, Box, dict[int, float]]:
    """One PRIM pass over columns ``cols``: peel, choose, paste, prune (boxes in all columns)."""
    sub = peel(x[:, cols], y, alpha=alpha, min_mass=min_mass)
    boxes = []
    for b in sub:
        lo, hi = full.lower.copy(), full.upper.copy()
        lo[cols], hi[cols] = b.lower, b.upper
        boxes.append(Box(lo, hi))
    i, rule = _choose(boxes, x, y, threshold)
    box = paste(boxes[i], x, y, alpha=alpha) if pasting else boxes[i]
    box, qp = _prune(box, x, y, full, max_qp)
    return boxes, i, rule, box, qp


def prim(inputs: dict[str, np.ndarray], y: np.ndarray, *, alpha: float = 0.05, min_mass: float = 0.05,
         threshold: float = 0.8, pasting: bool = True, max_qp: float = 0.05,
         units: dict[str, str] | None = None) -> PrimResult:
    """Run PRIM and choose a box.

    A first pass peels over every input; restrictions that survive the quasi-p-value test
    name the inputs that matter, and a second pass peels over those alone (peels spent on
    irrelevant inputs in the first pass only fit noise).

    Parameters
    ----------
    inputs : dict
        Input name -> values per replication, each (n,), in parameter units.
    y : ndarray
        1 for the cases of interest (e.g. a missed target), 0 otherwise, (n,).
    alpha, min_mass : float
        Peeling share and the smallest box mass.
    threshold : float
        Density the chosen box must reach (the widest such box is chosen); at least halfway
        from the base density to 1, so that a common outcome does not choose the whole space.
    pasting : bool
        Paste the chosen box.
    max_qp : float
        Drop restrictions whose quasi-p-value exceeds this (largest first).

    Returns
    -------
    dict
        ``base_density``, ``trajectory`` (first pass: coverage, density, mass, n, restricted
        per step), ``refined_trajectory`` (second pass), ``chosen`` (rule, statistics and
        ``limits`` {input: {low, high, range, unit, quasi_p}} of the restricted inputs).
    """
    names = list(inputs)
    y = np.asarray(y, dtype=float)
    if not names or len(y) < 2:  # one replication, or no input that varies: nothing to peel
        return {"base_density": float(y.mean()) if len(y) else 0.0, "n": int(len(y)), "alpha": alpha,
                "min_mass": min_mass, "threshold": threshold, "chosen": None, "refined_trajectory": [],
                "trajectory": [], "note": "no box: fewer than 2 replications or no input that varies across them"}
    x = np.column_stack([np.asarray(inputs[k], dtype=float) for k in names])
    ok = np.all(np.isfinite(x), axis=1)
    x, y = x[ok], y[ok]
    full = Box(x.min(axis=0), x.max(axis=0))
    kw: dict[str, Any] = {"alpha": alpha, "min_mass": min_mass, "threshold": threshold, "pasting": pasting, "max_qp": max_qp}

    def trajectory(boxes: list[Box]) -> list[BoxStats]:
        return [_named(_stats(b, x, y, full), names) for b in boxes]

    result: PrimResult = {"base_density": float(y.mean()) if len(y) else 0.0, "n": int(len(y)), "alpha": alpha,
                          "min_mass": min_mass, "threshold": threshold, "chosen": None,
                          "refined_trajectory": [], "trajectory": []}
    if y.sum() == 0:
        result["trajectory"] = [_named(_stats(full, x, y, full), names)]
        return result
    boxes, i, rule, box, qp = _pass(x, y, list(range(x.shape[1])), full, **kw)
    result["trajectory"] = trajectory(boxes)
    keep = box.restricted(full)
    if keep and len(keep) < len(boxes[i].restricted(full)):
        boxes2, i, rule, box, qp = _pass(x, y, keep, full, **kw)
        result["refined_trajectory"] = trajectory(boxes2)
        rule += f" (second pass over the {len(keep)} inputs the first pass kept)"
    st = _stats(box, x, y, full)
    u = units or {}
    limits: dict[str, Limit] = {names[j]: {"low": float(box.lower[j]) if box.lower[j] > full.lower[j] else None,
                         "high": float(box.upper[j]) if box.upper[j] < full.upper[j] else None,
                         "range": [float(full.lower[j]), float(full.upper[j])], "unit": u.get(names[j], ""),
                         "quasi_p": qp[j]} for j in st["restricted"]}
    result["chosen"] = {"step": i, "rule": rule, "pasted": pasting, "coverage": st["coverage"],
                        "density": st["density"], "mass": st["mass"], "n": st["n"], "limits": limits}
    return result


def _named(stats: dict[str, Any], names: Sequence[str]) -> BoxStats:
    """A box's statistics with its restricted columns named."""
    return {"coverage": stats["coverage"], "density": stats["density"], "mass": stats["mass"], "n": stats["n"],
            "restricted": [names[j] for j in stats["restricted"]]}


def ensemble_inputs(results: Results) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Per-replication inputs of a run: its parameters and each phase's duration [months].

    Returns the inputs and their units.
    """
    from expressim.model.engine.parameters import resolve

    dists = resolve(results.scenario)
    inputs = {k: np.asarray(v, dtype=float) for k, v in results.params.items()
              if np.ptp(np.asarray(v, dtype=float)) > 0}
    units = {k: dists[k].unit if k in dists else BASELINE_UNITS.get(k, "") for k in inputs}
    dur = results.phase_end - results.phase_start
    for i, pid in enumerate(results.project_ids):
        for j, ph in enumerate(results.phase_names[i]):
            name = f"rollout:{pid}:{ph}"
            if np.ptp(dur[:, i, j]) > 0:
                inputs[name], units[name] = dur[:, i, j], "months"
    return inputs, units


def describe(box: ChosenBox | None) -> str:
    """One line: the chosen box's limits with coverage and density."""
    if not box:
        return "no box (no case of interest)"
    parts = []
    for k, lim in box["limits"].items():
        lo, hi = lim["low"], lim["high"]
        s = f"{lo:.4g} <= {k}" if lo is not None else k
        s = f"{s} <= {hi:.4g}" if hi is not None else s
        parts.append(f"{s} {lim['unit']}".strip())
    return (" and ".join(parts) or "whole space") + (f" (coverage {box['coverage']:.2f}, density {box['density']:.2f}, "
                                                     f"{box['n']} replications)")
