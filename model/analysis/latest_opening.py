"""The latest opening that still meets a target (``expressim compare --latest-opening``).

:func:`opening_curve` shifts the selected projects' dates by whole months on a grid, all on the
same seed (common random numbers, so the probability-vs-shift curve is smooth and moves only
because of the shift), and :func:`latest_admissible` reports the end of the unbroken run of shifts
whose one-sided lower 95% bound (Wilson score, :func:`wilson_bounds`) still reaches the required
probability.

The answer is honest about two things (:func:`verdict`): when P without the projects already
meets the level, the projects' date does not matter at that level and no "latest opening" is
claimed; and when the shifts admitted by the lower bounds and by the upper bounds differ, the
answer moves with the number of replications, so the range between them is reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from expressim.calibration.seam import Calibration
from expressim.model.analysis.compare import SHIFT_GRID
from expressim.model.spec.scenario import Scenario, ScenarioError

if TYPE_CHECKING:
    from expressim.model.engine.rollout import ProjectSpec

#: confidence of the one-sided lower bound
ONE_SIDED_LEVEL = 0.95


def select_projects(project_ids: Sequence[str], kinds: Sequence[str], selector: str) -> tuple[str, ...]:
    """Project ids chosen by ``selector``: a project id, a kind (e.g. ``county_centre``) or ``all``.

    Raises
    ------
    ScenarioError
        If nothing matches (the message lists the ids and kinds).
    """
    if selector == "all":
        chosen = tuple(project_ids)
    elif selector in project_ids:
        chosen = (selector,)
    else:
        chosen = tuple(p for p, k in zip(project_ids, kinds, strict=True) if k == selector)
    if not chosen:
        raise ScenarioError(f"--latest-opening {selector}: no such project or kind (ids: "
                            f"{', '.join(project_ids) or 'none'}; kinds: {', '.join(sorted(set(kinds))) or 'none'}; "
                            "or 'all')")
    return chosen


def earliest_shift(projects: Sequence[ProjectSpec], ids: Sequence[str]) -> int:
    """Most negative whole-month shift keeping every selected project's first start at or after
    the scenario start (month 0): ``-floor(min over projects of max(start, first not_before))``."""
    first = [max(p.start, p.phases[0].not_before if p.phases[0].not_before is not None else p.start)
             for p in projects if p.id in ids]
    return -int(math.floor(min(first))) if first else 0


@dataclass(frozen=True)
class OpeningPoint:
    """P(target) with the selected projects shifted by ``shift`` months.

    Attributes
    ----------
    shift : int
        Months added to the selected projects' ``start`` and ``not_before`` dates.
    probability, stderr, lower : float
        Share of replications attaining, its binomial s.e. and the one-sided lower 95% Wilson
        score bound (:func:`wilson_bounds`).
    median_opening : dict
        Project id -> median opening [months since the scenario start].
    group_median, group_last_median : float
        Median over replications and projects; median over replications of the last opening.
    open_by_target_year : float
        Share of the selected projects (over replications) open by the end of the target's year.
    upper : float
        One-sided upper 95% Wilson score bound (NaN when not computed).
    """

    shift: int
    probability: float
    stderr: float
    lower: float
    median_opening: dict[str, float]
    group_median: float
    group_last_median: float
    open_by_target_year: float
    upper: float = float("nan")


def opening_curve(scenario: Scenario, fitted: Calibration, ids: Sequence[str], target_id: str, shifts: Sequence[int], *,
                  replications: int, seed: int, workers: int = 1,
                  progress: Callable[[int], object] | None = None) -> list[OpeningPoint]:
    """P(target) for each shift of the selected projects, all on the same seed (common random numbers).

    Parameters
    ----------
    scenario : Scenario
        The scenario whose projects are shifted.
    fitted : Calibration
        Calibration.
    ids : sequence of str
        Selected project ids (:func:`select_projects`).
    target_id : str
        A target of ``scenario``.
    shifts : sequence of int
        Shifts [months] of the selected projects' dates (:func:`model.engine.rollout.shift_projects`).
    replications, seed, workers : int
        Ensemble size, root seed (the same for every shift) and processes.

    Notes
    -----
    With the same seed each replication draws the same phase durations and demand at every
    shift, so ``P(shift)`` moves only because of the shift: the curve is smooth.  When an earlier
    opening never hurts a replication's outcome (more months of uplift and capacity), the
    estimated curve itself is monotone, not only its expectation.
    Caveat (from the rollout model): a project holding a shared resource in more than one phase
    can open *later* when moved earlier, because it then queues differently; the plan's projects
    each use the ``approvals`` resource in one phase only, so monotonicity holds there.
    """
    from expressim.model.engine import ensemble
    from expressim.model.engine.rollout import shift_projects
    from expressim.model.engine.simulate import compile_scenario
    from expressim.model.spec.regions import load_pack

    pack = load_pack(scenario.region_pack)
    specs = compile_scenario(scenario, pack).projects
    index = [i for i, p in enumerate(specs) if p.id in ids]
    year_end = (next(t.year for t in scenario.targets if t.id == target_id) + 1) * 12.0 - scenario.start_month
    out = []
    for s in shifts:
        res = ensemble.run(scenario, fitted, replications=replications, seed=seed, workers=workers,
                           progress=progress, projects=shift_projects(specs, ids, float(s)))
        ok = res.attainment(target_id)
        n = ok.size
        p = float(ok.mean())
        se = float(math.sqrt(p * (1 - p) / n))
        op = res.opening[:, index]
        lo, hi = wilson_bounds(int(ok.sum()), n)
        out.append(OpeningPoint(int(s), p, se, lo,
                                {specs[i].id: float(np.median(op[:, j])) for j, i in enumerate(index)},
                                float(np.median(op)), float(np.median(op.max(axis=1))),
                                float(np.mean(op <= year_end)), hi))
    return out


def wilson_bounds(successes: int, n: int) -> tuple[float, float]:
    """One-sided lower and upper 95% bounds of a binomial probability: the Wilson score interval.

    ``statsmodels.stats.proportion.proportion_confint(successes, n, alpha=0.10, method="wilson")``:
    the two-sided 90% interval's ends are the one-sided 95% bounds (Wilson 1927, JASA 22:209).
    Unlike the Wald bound ``p - 1.645 sqrt(p (1 - p) / n)`` it stays below 1 when every
    replication attains (``p = 1``: the lower bound is ``n / (n + z²)``) and keeps its coverage
    near 0 and 1 (Brown, Cai & DasGupta 2001, Stat. Sci. 16:101).
    """
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, n, alpha=2 * (1 - ONE_SIDED_LEVEL), method="wilson")
    return float(low), float(high)


def latest_admissible(points: Sequence[OpeningPoint], required: float) -> OpeningPoint | None:
    """The latest shift such that it and every earlier shift on the grid have ``lower >= required``.

    Requiring the whole prefix of the grid to pass (not just one point) means a lucky isolated
    point beyond a failing one is never reported.  None when the earliest shift already fails.
    """
    best = None
    for pt in sorted(points, key=lambda q: q.shift):
        if pt.lower < required:
            break
        best = pt
    return best


def latest_optimistic(points: Sequence[OpeningPoint], required: float) -> OpeningPoint | None:
    """Like :func:`latest_admissible` but on the upper bounds: the latest shift not yet ruled out."""
    best = None
    for pt in sorted(points, key=lambda q: q.shift):
        if not pt.upper >= required:
            break
        best = pt
    return best


class Verdict(TypedDict):
    """What can honestly be said about the latest opening (:func:`verdict`)."""

    status: str
    shift_range: list[int | None]
    text: str


class OpeningRecord(TypedDict):
    """One shift of the curve in ``latest_opening.json``."""

    shift_months: int
    probability: float
    probability_stderr: float
    lower_bound_95: float
    admissible: bool
    upper_bound_95: float
    median_opening: dict[str, str]
    median_opening_months: dict[str, float]
    group_median_opening: str
    group_median_opening_months: float
    last_opening_median: str
    open_by_target_year: float


class WithoutProjects(TypedDict):
    """P(target) with the selected projects never opening within the horizon."""

    shift_months: int
    probability: float
    probability_stderr: float
    lower_bound_95: float
    upper_bound_95: float
    open_by_target_year: float


class TargetRef(TypedDict):
    """The target a latest opening keeps."""

    id: str
    label: str
    year: int
    threshold: float
    unit: str
    metric: str


class LatestOpening(TypedDict):
    """``latest_opening.json`` (docs/outputs.md)."""

    scenario: str
    scenario_file: str
    selection: str
    projects: list[str]
    target: TargetRef
    required_probability: float
    replications: int
    seed: int
    lower_bound_method: str
    grid_months: list[int]
    grid_limited_by_scenario_start: bool
    latest_shift_months: int | None
    latest: OpeningRecord | None
    latest_shift_point_estimate: int | None
    at_grid_end: bool
    without_projects: WithoutProjects
    verdict: Verdict
    method: str
    curve: list[OpeningRecord]


def verdict(points: Sequence[OpeningPoint], without: OpeningPoint, required: float) -> Verdict:
    """What can honestly be said about the latest opening.

    Returns
    -------
    dict
        ``status``: ``not_needed`` (P without the projects has its lower bound at the level: any
        date keeps the target), ``undetermined_without`` (P without the projects is within
        Monte-Carlo error of the level), ``none`` (even the earliest shift fails), ``range`` (the
        lower and upper bounds admit different shifts: the answer moves with the replications),
        or ``determined``; ``shift_range`` [months] = [latest shift by the lower bounds, latest
        shift by the upper bounds] (None where no shift qualifies); ``text``: one sentence.
    """
    low, high = latest_admissible(points, required), latest_optimistic(points, required)
    rng: list[int | None] = [low.shift if low else None, high.shift if high else None]
    if without.lower >= required:
        status, text = "not_needed", (f"P without the projects is {without.probability:.3f} (lower bound "
                                      f"{without.lower:.3f}), already at the level: their date does not decide it")
    elif without.upper >= required:
        status, text = "undetermined_without", (
            f"P without the projects is {without.probability:.3f} (95% bounds {without.lower:.3f} to "
            f"{without.upper:.3f}), within Monte-Carlo error of the level: whether they are needed at all, and so "
            "the latest opening, moves with the number of replications" + (
                f" (lower bounds admit up to {rng[0]:+d} months, upper bounds up to {rng[1]:+d})"
                if rng[0] is not None and rng[1] is not None else ""))
    elif low is None:
        status, text = "none", "even the earliest shift does not keep the lower bound at the level"
    elif rng[0] != rng[1]:
        status, text = "range", (f"between {rng[0]:+d} and {rng[1]:+d} months" if rng[1] is not None else
                                 f"at least {rng[0]:+d} months") + (
            ": the shifts admitted by the lower and the upper 95% bounds differ, so the answer moves with the "
            "number of replications (more replications narrow the range)")
    else:
        status, text = "determined", f"{rng[0]:+d} months: the lower and upper bounds agree on the grid"
    return {"status": status, "shift_range": rng, "text": text}


def opening_label(start_month: int, t: float) -> str:
    """Calendar month ``YYYY-MM`` of an opening at ``t`` months since the start (end of month ``ceil(t) - 1``)."""
    from expressim.calibration.periods import month_label

    return month_label(start_month + max(int(math.ceil(t - 1e-9)) - 1, -start_month))


def _point_dict(pt: OpeningPoint, start: int, required: float) -> OpeningRecord:
    return {"shift_months": pt.shift, "probability": pt.probability, "probability_stderr": pt.stderr,
            "lower_bound_95": pt.lower, "admissible": pt.lower >= required,
            "upper_bound_95": pt.upper,
            "median_opening": {k: opening_label(start, v) for k, v in pt.median_opening.items()},
            "median_opening_months": pt.median_opening,
            "group_median_opening": opening_label(start, pt.group_median),
            "group_median_opening_months": pt.group_median,
            "last_opening_median": opening_label(start, pt.group_last_median),
            "open_by_target_year": pt.open_by_target_year}


NOISE_NOTE = ("Guard against Monte-Carlo noise: every shift reuses the same seed (common random numbers), so the "
              "curve moves only with the shift (smooth, monotone in expectation); a shift is admissible only if the one-sided lower 95% "
              "Wilson score bound reaches the required level, and the answer is the end of the run of admissible "
              "shifts from the earliest one, so an isolated lucky point is never reported. The same run on the upper "
              "bounds gives the other end of the range the answer can take as replications grow.")


def search_grid(scenario: Scenario, selection: str) -> tuple[tuple[str, ...], list[int]]:
    """The selected project ids and the grid of whole-month shifts to search.

    The grid is :data:`SHIFT_GRID`, cut at the shift that would start a selected project
    before the scenario start (:func:`earliest_shift`).

    Raises
    ------
    ScenarioError
        ``selection`` matches no project (:func:`select_projects`).
    """
    from expressim.model.engine.simulate import compile_scenario
    from expressim.model.spec.regions import load_pack

    specs = compile_scenario(scenario, load_pack(scenario.region_pack)).projects
    ids = select_projects([p.id for p in specs], [p.kind for p in specs], selection)
    lo = max(SHIFT_GRID[0], earliest_shift(specs, ids))
    return ids, list(range(lo, SHIFT_GRID[1] + 1))


def latest_opening(scenario: Scenario, fitted: Calibration, selection: str, ids: Sequence[str], shifts: Sequence[int],
                   target_id: str, required: float, *, replications: int, seed: int, workers: int = 1,
                   progress: Callable[[int], object] | None = None, scenario_file: str = "") -> LatestOpening:
    """The latest opening of the selected projects that keeps ``P(target) >= required``.

    Runs :func:`opening_curve` over ``shifts`` and once with the projects never opening within
    the horizon, then applies :func:`latest_admissible`.

    Parameters
    ----------
    scenario, fitted
        The scenario and its calibration.
    selection : str
        What the user selected (a project id, a kind or ``all``), recorded in the result.
    ids, shifts
        From :func:`search_grid`.
    target_id : str
        A target of ``scenario``.
    required : float
        Required probability, in (0, 1).
    replications, seed, workers : int
        Ensemble size per shift, root seed (the same for every shift) and processes.
    progress : callable, optional
        Called with the number of replications done (``replications * (len(shifts) + 1)`` in all).
    scenario_file : str
        Recorded in the result.

    Returns
    -------
    dict
        The content of ``latest_opening.json`` (see docs/outputs.md).
    """
    never = scenario.n_months + 12  # every selected date after the horizon: the projects never open in the run
    points = opening_curve(scenario, fitted, ids, target_id, [*shifts, never], replications=replications, seed=seed,
                           workers=workers, progress=progress)
    without = points.pop()
    best = latest_admissible(points, required)
    point_est = max((p.shift for p in points if p.probability >= required), default=None)
    start = scenario.start_month
    target = next(t for t in scenario.targets if t.id == target_id)
    return {
        "scenario": scenario.name, "scenario_file": str(scenario_file), "selection": selection, "projects": list(ids),
        "target": {"id": target.id, "label": target.label, "year": target.year, "threshold": target.threshold,
                   "unit": target.unit, "metric": target.metric},
        "required_probability": required, "replications": replications, "seed": seed, "lower_bound_method": "Wilson score, one-sided 95%",
        "grid_months": [shifts[0], shifts[-1]], "grid_limited_by_scenario_start": shifts[0] > SHIFT_GRID[0],
        "latest_shift_months": best.shift if best else None,
        "latest": _point_dict(best, start, required) if best else None,
        "latest_shift_point_estimate": point_est,
        "at_grid_end": bool(best and best.shift == shifts[-1]),
        "without_projects": {"shift_months": never, "probability": without.probability,
                             "probability_stderr": without.stderr, "lower_bound_95": without.lower,
                             "upper_bound_95": without.upper, "open_by_target_year": without.open_by_target_year},
        "verdict": verdict(points, without, required),
        "method": NOISE_NOTE, "curve": [_point_dict(p, start, required) for p in points]}
