"""The latest opening that still meets a target (``expressim compare --latest-opening``).

:func:`opening_curve` shifts the selected projects' dates by whole months on a grid, all on the
same seed (common random numbers, so the probability-vs-shift curve is smooth and moves only
because of the shift), and :func:`latest_admissible` reports the end of the unbroken run of shifts
whose one-sided lower 95% Wilson score bound still reaches the required probability.

The answer is honest about two things (:func:`verdict`): when P without the projects already
meets the level, the projects' date does not matter at that level and no "latest opening" is
claimed; and when the shifts admitted by the lower bounds and by the upper bounds differ, the
answer moves with the number of replications, so the range between them is reported.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from expressim.model.compare import SHIFT_GRID, Z95_ONE_SIDED
from expressim.model.scenario import ScenarioError


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


def earliest_shift(projects: Sequence[Any], ids: Sequence[str]) -> int:
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
        Share of replications attaining, its binomial s.e. and ``probability - 1.645 se``.
    median_opening : dict
        Project id -> median opening [months since the scenario start].
    group_median, group_last_median : float
        Median over replications and projects; median over replications of the last opening.
    open_by_target_year : float
        Share of the selected projects (over replications) open by the end of the target's year.
    upper : float
        One-sided upper 95% Wilson bound (NaN when not computed).
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


def wilson_bounds(successes: int, n: int) -> tuple[float, float]:
    """One-sided 95% lower and upper Wilson score bounds of a proportion (a two-sided 90% interval).

    Unlike ``p ± 1.645 se`` the score interval does not collapse to a point at p = 0 or 1
    (at p = 1 the lower bound is ``n / (n + z²)``), so a level reached by every replication of a
    small run is not taken as certain.
    """
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(successes, n, alpha=2 * 0.05, method="wilson")
    return float(lo), float(hi)


def opening_curve(scenario: Any, fitted: Any, ids: Sequence[str], target_id: str, shifts: Sequence[int], *,
                  replications: int, seed: int, workers: int = 1,
                  progress: Callable[[int], None] | None = None) -> list[OpeningPoint]:
    """P(target) for each shift of the selected projects, all on the same seed (common random numbers).

    Parameters
    ----------
    scenario : Scenario
        The scenario whose projects are shifted.
    fitted : calibration.fit.Fitted
        Calibration.
    ids : sequence of str
        Selected project ids (:func:`select_projects`).
    target_id : str
        A target of ``scenario``.
    shifts : sequence of int
        Shifts [months] of the selected projects' dates (:func:`model.rollout.shift_projects`).
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
    from expressim.model import ensemble
    from expressim.model.engine import compile_scenario
    from expressim.model.regions import load_pack
    from expressim.model.rollout import shift_projects

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
        lo, hi = wilson_bounds(int(ok.sum()), n)
        op = res.opening[:, index]
        out.append(OpeningPoint(int(s), p, se, lo,
                                {specs[i].id: float(np.median(op[:, j])) for j, i in enumerate(index)},
                                float(np.median(op)), float(np.median(op.max(axis=1))),
                                float(np.mean(op <= year_end)), hi))
    return out


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


def verdict(points: Sequence[OpeningPoint], without: OpeningPoint, required: float) -> dict[str, Any]:
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
    rng = [low.shift if low else None, high.shift if high else None]
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


def _point_dict(pt: OpeningPoint, start: int, required: float) -> dict[str, Any]:
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


def cmd_latest_opening(args: argparse.Namespace) -> str:
    """``expressim compare --latest-opening PROJECT --target ID --probability P SCENARIO``.

    Writes ``latest_opening.json``, ``figures/latest_opening.png`` and ``manifest.json``; returns
    the text summary.  See :func:`opening_curve` for why the curve is monotone (and when not).
    """
    from expressim.model import commands, manifest
    from expressim.model import scenario as sc
    from expressim.model.engine import compile_scenario
    from expressim.model.outputs import atomic_dir, write_json
    from expressim.model.regions import load_pack

    if len(args.scenarios) != 1:
        raise ScenarioError(f"--latest-opening: expected one scenario, got {len(args.scenarios)}")
    if not args.target:
        raise ScenarioError("--latest-opening: --target ID is required")
    req = float(args.probability)
    if not 0.0 < req < 1.0:
        raise ScenarioError(f"--probability: expected a number between 0 and 1, got {args.probability}")
    path = args.scenarios[0]
    scn = sc.load(path)
    tids = [t.id for t in scn.targets]
    if args.target not in tids:
        raise ScenarioError(f"{path}: --target {args.target}: no such target (have {', '.join(tids)})")
    specs = compile_scenario(scn, load_pack(scn.region_pack)).projects
    ids = select_projects([p.id for p in specs], [p.kind for p in specs], args.latest_opening)
    lo = max(SHIFT_GRID[0], earliest_shift(specs, ids))
    shifts = list(range(lo, SHIFT_GRID[1] + 1))
    obs = commands._scenario_observations(args, scn, path)
    fitted = commands.fitted_for(obs)
    n = args.replications or scn.replications
    seed = args.seed if args.seed is not None else scn.seed
    if n < 2:
        raise ScenarioError(f"--replications: expected at least 2, got {n}")
    if args.workers < 1:
        raise ScenarioError(f"--workers: expected at least 1, got {args.workers}")
    never = scn.n_months + 12  # every selected date after the horizon: the projects never open in the run
    with commands._progress(args, n * (len(shifts) + 1), f"{scn.name} latest opening") as bar:
        points = opening_curve(scn, fitted, ids, args.target, [*shifts, never], replications=n, seed=seed,
                               workers=args.workers, progress=bar.update)
    without = points.pop()
    best = latest_admissible(points, req)
    point_est = max((p.shift for p in points if p.probability >= req), default=None)
    start = scn.start_month
    target = next(t for t in scn.targets if t.id == args.target)
    result = {
        "scenario": scn.name, "scenario_file": str(path), "selection": args.latest_opening, "projects": list(ids),
        "target": {"id": target.id, "label": target.label, "year": target.year, "threshold": target.threshold,
                   "unit": target.unit, "metric": target.metric},
        "required_probability": req, "replications": n, "seed": seed, "z_one_sided": Z95_ONE_SIDED,
        "grid_months": [shifts[0], shifts[-1]], "grid_limited_by_scenario_start": lo > SHIFT_GRID[0],
        "latest_shift_months": best.shift if best else None,
        "latest": _point_dict(best, start, req) if best else None,
        "latest_shift_point_estimate": point_est,
        "at_grid_end": bool(best and best.shift == shifts[-1]),
        "without_projects": {"shift_months": never, "probability": without.probability,
                             "probability_stderr": without.stderr, "lower_bound_95": without.lower,
                             "upper_bound_95": without.upper, "open_by_target_year": without.open_by_target_year},
        "verdict": verdict(points, without, req),
        "method": NOISE_NOTE, "curve": [_point_dict(p, start, req) for p in points]}
    out = Path(args.out) if args.out else commands._default_out(
        "latest", scn.name, Path(path).read_bytes(), obs.data_hash, n, seed, args.latest_opening, args.target, req)
    man = manifest.build(command=commands._argv(args), seed=seed, data_files=obs.files, inputs=[path], extra={
        "kind": "latest_opening", "scenario": scn.name, "scenario_file": str(path), "replications": n,
        "data_hash": obs.data_hash, "selection": args.latest_opening, "target": args.target,
        "required_probability": req, "data_args": args.data, "until_arg": args.until})
    with atomic_dir(out, force=args.force or not args.out) as tmp:
        write_json(tmp / "latest_opening.json", result)
        write_json(tmp / "manifest.json", man)
        from expressim.model import plots_compare

        plots_compare.save_latest_opening(result, start, tmp / "figures" / "latest_opening.png")
    return "" if args.quiet else _latest_text(result, out)


def _latest_text(r: dict[str, Any], out: Path) -> str:
    sel = f"{r['selection']} ({len(r['projects'])} project{'s' if len(r['projects']) > 1 else ''})"
    lines = [f"latest opening of {sel} keeping P({r['target']['id']}) >= {r['required_probability']:.2f} in "
             f"{r['scenario']} ({r['replications']} replications per shift, seed {r['seed']}) -> {out}",
             f"  answer ({r['verdict']['status']}): {r['verdict']['text']}"]
    best = r["latest"]
    if best is None:
        lines.append(f"  none: even the earliest shift ({r['grid_months'][0]:+d} months) does not keep the lower "
                     "95% bound above the required level")
    else:
        more = " (the end of the grid: at least this late)" if r["at_grid_end"] else ""
        lines.append(f"  latest shift {best['shift_months']:+d} months{more}: P = {best['probability']:.3f} "
                     f"± {best['probability_stderr']:.4f} (lower 95% bound {best['lower_bound_95']:.4f})")
        lines.append(f"  median opening of the group {best['group_median_opening']}, last of the group "
                     f"{best['last_opening_median']}; per project: "
                     + ", ".join(f"{k} {v}" for k, v in best["median_opening"].items()))
        if best["open_by_target_year"] < 0.05:
            lines.append(f"  at this shift only {best['open_by_target_year']:.1%} of the selected openings fall by the end "
                         f"of {r['target']['year']}: the target holds at this level without them")
        nxt = next((c for c in r["curve"] if c["shift_months"] == best["shift_months"] + 1), None)
        if nxt is not None:
            lines.append(f"  one month later ({nxt['shift_months']:+d}): P = {nxt['probability']:.4f}, lower bound "
                         f"{nxt['lower_bound_95']:.4f} < {r['required_probability']:.2f}")
    w = r["without_projects"]
    if w["lower_bound_95"] >= r["required_probability"]:
        verdict = "so the target does not need them at this level"
    elif w["probability"] >= r["required_probability"]:
        verdict = ("so without them the level is reached only in the point estimate, not with 95% confidence: "
                   "their effect is small next to the Monte-Carlo error (raise --replications to sharpen it)")
    else:
        verdict = "so the target needs them at this level"
    lines.append(f"  with the selected projects not open within the horizon: P = {w['probability']:.3f} "
                 f"(lower bound {w['lower_bound_95']:.4f}), {verdict}")
    if r["latest_shift_point_estimate"] is not None:
        lines.append(f"  (point estimate alone would allow {r['latest_shift_point_estimate']:+d} months)")
    if r["grid_limited_by_scenario_start"]:
        lines.append(f"  grid {r['grid_months'][0]:+d}..{r['grid_months'][1]:+d} months: earlier shifts would start "
                     "the projects before the scenario start")
    lines.append("  " + r["method"])
    lines.append("  shift: P (lower bound) = " + ", ".join(
        f"{c['shift_months']:+d}: {c['probability']:.3f} ({c['lower_bound_95']:.3f})" for c in r["curve"][::3]))
    return "\n".join(lines)


