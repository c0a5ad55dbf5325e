"""Comparing scenarios on common random numbers, and the latest opening that still meets a target.

``expressim compare A.yaml B.yaml ...`` runs every scenario with the same seed and replications.
Every random input is drawn on its own named stream (:mod:`model.parameters`), so replication
``i`` of ``A`` and replication ``i`` of ``B`` see the same demand, parameters and phase
durations and differ only by the policy.  For a target with per-replication outcomes
``a_i, b_i`` in {0, 1} the difference of probabilities is

.. math::
    \\hat\\Delta = \\bar b - \\bar a = \\bar d, \\quad d_i = b_i - a_i, \\qquad
    \\mathrm{se}_{paired} = s_d / \\sqrt{n}, \\qquad
    \\mathrm{se}_{unpaired} = \\sqrt{(s_a^2 + s_b^2) / n}

(sample variances with ``n - 1``), so ``se_paired**2 = se_unpaired**2 - 2 cov(a, b) / n``: the
pairing removes the shared noise (McNemar's setting: only the discordant pairs carry
information; the exact McNemar p-value is reported too).  Intervals are
``diff ± 1.96 se`` (Wald; Agresti & Min 2005, "Simple improved confidence intervals for
comparing matched proportions", Stat. Med. 24:729).

``--latest-opening`` (:func:`opening_curve`, :func:`latest_admissible`) shifts the selected
projects' dates by whole months on a grid, all on the same seed, and reports the latest shift
whose one-sided lower 95% bound ``p - 1.645 se`` still reaches the required probability.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from model.scenario import ScenarioError

Z95 = 1.959963984540054  #: two-sided 95% normal quantile
Z95_ONE_SIDED = 1.6448536269514722  #: one-sided 95% normal quantile
SHIFT_GRID = (-12, 24)  #: default range of the latest-opening search [months]


# ---- paired differences --------------------------------------------------------------------------

@dataclass(frozen=True)
class PairedDifference:
    """Difference of two attainment probabilities on the same replications.

    Attributes
    ----------
    difference : float
        ``mean(b) - mean(a)`` [probability].
    stderr, ci_low, ci_high : float
        Paired standard error ``sd(b - a) / sqrt(n)`` and the 95% interval.
    unpaired_stderr, unpaired_ci_low, unpaired_ci_high : float
        The same as if the runs were independent (for reference).
    first_only, this_only : int
        Discordant pairs: replications attaining only in the first scenario / only in this one.
    mcnemar_p : float
        Exact two-sided McNemar p-value (binomial test on the discordant pairs).
    """

    difference: float
    stderr: float
    ci_low: float
    ci_high: float
    unpaired_stderr: float
    unpaired_ci_low: float
    unpaired_ci_high: float
    first_only: int
    this_only: int
    mcnemar_p: float


def paired_difference(a: np.ndarray, b: np.ndarray, z: float = Z95) -> PairedDifference:
    """Paired (and, for reference, unpaired) difference ``mean(b) - mean(a)`` with intervals.

    Parameters
    ----------
    a, b : ndarray
        Per-replication outcomes (booleans or numbers) of the first and the other scenario,
        same length ``n >= 2``, replication ``i`` of both on the same random numbers.
    z : float
        Normal quantile of the interval (1.96 for 95%).

    Returns
    -------
    PairedDifference
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or a.size < 2:
        raise ValueError(f"paired_difference: need two equal 1-d samples of >= 2, got {a.shape} and {b.shape}")
    n = a.size
    d = b - a
    diff = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(n))
    se_u = float(math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / n))
    first_only = int(np.sum((a > 0.5) & (b <= 0.5)))
    this_only = int(np.sum((b > 0.5) & (a <= 0.5)))
    return PairedDifference(diff, se, diff - z * se, diff + z * se, se_u, diff - z * se_u, diff + z * se_u,
                            first_only, this_only, mcnemar_p(first_only, this_only))


def mcnemar_p(first_only: int, this_only: int) -> float:
    """Exact two-sided McNemar p-value: ``binomtest(this_only, first_only + this_only, 0.5)``."""
    m = first_only + this_only
    if m == 0:
        return 1.0
    from scipy.stats import binomtest

    return float(binomtest(this_only, m, 0.5).pvalue)


def _unique_names(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for nm in names:
        k, cand = 1, nm
        while cand in out:
            k += 1
            cand = f"{nm} #{k}"
        out.append(cand)
    return out


def compare_results(results: Sequence[Any], names: Sequence[str]) -> dict[str, Any]:
    """The comparison dictionary (``comparison.json``) of runs made on common random numbers.

    Parameters
    ----------
    results : sequence of Results
        Same replications and seed; the first is the reference.
    names : sequence of str
        Unique display names, one per run.

    Returns
    -------
    dict
        ``{"scenarios", "replications", "seed", "targets": [{"id", "label", "year", "threshold",
        "unit", "by_scenario": {name: {"probability", "probability_stderr", "median"}},
        "differences": {name: {...PairedDifference}}}]}`` for every target id present in all runs.
    """
    first = results[0]
    common = [t for t in first.scenario.targets
              if all(any(u.id == t.id for u in r.scenario.targets) for r in results[1:])]
    targets = []
    for t in common:
        outcomes = [r.attainment(t.id) for r in results]
        by: dict[str, Any] = {}
        for nm, r in zip(names, results, strict=True):
            s = next(s for s in r.summary() if s.id == t.id)
            by[nm] = {"probability": s.probability, "probability_stderr": s.probability_stderr, "median": s.median}
        diffs = {nm: asdict(paired_difference(outcomes[0], o))
                 for nm, o in zip(names[1:], outcomes[1:], strict=True)}
        same = all(next(u for u in r.scenario.targets if u.id == t.id).model_dump() == t.model_dump()
                   for r in results[1:])
        targets.append({"id": t.id, "label": t.label, "year": t.year, "threshold": t.threshold, "unit": t.unit,
                        "metric": t.metric, "headline": t.headline, "same_definition": same,
                        "by_scenario": by, "differences": diffs})
    return {"scenarios": list(names), "reference": names[0], "replications": first.replications,
            "seed": first.seed, "confidence_level": 0.95,
            "method": ("common random numbers (same seed, named streams); difference = mean of per-replication "
                       "paired differences, s.e. = sd(d)/sqrt(n), 95% CI = diff ± 1.96 s.e.; unpaired CI for "
                       "reference; exact McNemar p on the discordant pairs"),
            "targets": targets}


def comparison_rows(comparison: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of ``comparison.csv``: one per target × scenario."""
    rows = []
    ref = comparison["scenarios"][0]
    for t in comparison["targets"]:
        for nm in comparison["scenarios"]:
            b = t["by_scenario"][nm]
            d = t["differences"].get(nm, {})
            rows.append({"target": t["id"], "label": t["label"], "year": t["year"], "threshold": t["threshold"],
                         "unit": t["unit"], "scenario": nm, "probability": b["probability"],
                         "probability_stderr": b["probability_stderr"], "reference": ref,
                         "difference": d.get("difference", 0.0 if nm == ref else None),
                         "ci_low": d.get("ci_low"), "ci_high": d.get("ci_high"),
                         "unpaired_ci_low": d.get("unpaired_ci_low"), "unpaired_ci_high": d.get("unpaired_ci_high"),
                         "mcnemar_p": d.get("mcnemar_p")})
    return rows


def volume_differences(results: Sequence[Any], names: Sequence[str], year: int = 2025,
                       metric: str = "parcels_inout") -> dict[str, np.ndarray]:
    """Per-replication ``metric`` in ``year`` of each run minus the first run's [件] (runs lacking it skipped)."""
    first = results[0]
    if year not in first.years or metric not in first.metrics:
        return {}
    a = first.metrics[metric][:, first.years.index(year)]
    return {nm: r.metrics[metric][:, r.years.index(year)] - a for nm, r in zip(names[1:], results[1:], strict=True)
            if year in r.years and metric in r.metrics}


def _fmt_table(comparison: dict[str, Any]) -> list[str]:
    names = comparison["scenarios"]
    w = max(24, *(len(n) for n in names))
    lines = ["  " + f"{'target':<26}" + "".join(f"{n:>{w + 2}}" for n in names)]
    for t in comparison["targets"]:
        by = t["by_scenario"]
        ps = [f"P {by[n]['probability']:.3f} ± {by[n]['probability_stderr']:.3f}" for n in names]
        lines.append(f"  {t['id']:<26}" + "".join(f"{s:>{w + 2}}" for s in ps))
        ds = [f"Δ {d['difference']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]"
              for d in (t["differences"][n] for n in names[1:])]
        lines.append(f"  {'':<26}{'(reference)':>{w + 2}}" + "".join(f"{s:>{w + 2}}" for s in ds))
    return lines


# ---- the compare command --------------------------------------------------------------------------

def _check_args(args: argparse.Namespace) -> None:
    if args.replications is not None and args.replications < 2:
        raise ScenarioError(f"--replications: a comparison needs at least 2, got {args.replications}")


def cmd_compare(args: argparse.Namespace) -> str:
    """``expressim compare``: run scenarios on common random numbers and write the comparison.

    With ``--latest-opening`` it runs :func:`cmd_latest_opening` instead.

    Returns
    -------
    str
        The table printed on stdout (empty with ``--quiet``).
    """
    from model import commands, manifest, report
    from model.outputs import atomic_dir, write_json

    _check_args(args)
    if args.latest_opening:
        return cmd_latest_opening(args)
    from model import scenario as sc

    paths = list(args.scenarios)
    for p in paths:  # every file checked before anything runs
        sc.load(p)
    runs = []
    for i, p in enumerate(paths):
        if i == 0:
            runs.append(commands.simulate(args, p))
        else:  # same replications and seed as the first: common random numbers
            runs.append(commands.simulate(args, p, replications=runs[0][3].replications, seed=runs[0][3].seed))
    results = [r[3] for r in runs]
    if results[0].replications < 2:
        raise ScenarioError(f"{paths[0]}: replications: a comparison needs at least 2")
    names = _unique_names([r[0].name for r in runs])
    comparison = compare_results(results, names)
    if not comparison["targets"]:
        raise ScenarioError(f"{', '.join(paths)}: the scenarios have no target id in common")
    comparison["scenario_runs"] = [
        {"name": nm, "file": str(p), "replications": r[3].replications, "seed": r[3].seed,
         "data_hash": r[1].data_hash, "results_sha256": commands.results_digest(r[3])}
        for nm, p, r in zip(names, paths, runs, strict=True)]
    vdiff = volume_differences(results, names)
    comparison["parcels_inout_2025_difference"] = {
        nm: {"mean": float(d.mean()), "p05": float(np.quantile(d, 0.05)), "median": float(np.median(d)),
             "p95": float(np.quantile(d, 0.95)), "unit": "件"} for nm, d in vdiff.items()}
    out = Path(args.out) if args.out else commands._default_out(
        "", "compare-" + "-".join(names), *(Path(p).read_bytes() for p in paths),
        *(r[1].data_hash for r in runs), results[0].replications, results[0].seed)
    per_run = [manifest.build(command=sys.argv, seed=r[3].seed, data_files=r[1].files, inputs=[p], extra={
        "scenario": nm, "scenario_file": str(p), "replications": r[3].replications, "data_hash": r[1].data_hash,
        "results_sha256": commands.results_digest(r[3])}) for nm, p, r in zip(names, paths, runs, strict=True)]
    data_files = sorted({f for r in runs for f in r[1].files})
    man = manifest.build(command=sys.argv, seed=results[0].seed, data_files=data_files, inputs=paths, extra={
        "kind": "compare", "scenarios": names, "scenario_files": [str(p) for p in paths],
        "replications": results[0].replications, "workers": args.workers, "data_args": args.data,
        "until_arg": args.until, "results_sha256": {nm: m["results_sha256"] for nm, m in zip(names, per_run, strict=True)}})
    with atomic_dir(out, force=args.force) as tmp:
        write_json(tmp / "comparison.json", comparison)
        rows = comparison_rows(comparison)
        with (tmp / "comparison.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        write_json(tmp / "manifest.json", man)
        from model import plots_compare

        figs = plots_compare.compare_figures(results, names, comparison, vdiff, tmp / "figures")
        report.write_compare_report(tmp / "report.html", comparison, figs, per_run)
    if args.quiet:
        return ""
    head = (f"compare: {len(names)} scenarios, {results[0].replications} replications each, seed {results[0].seed} "
            f"(common random numbers) -> {out}\n"
            f"P = probability of attaining the target; Δ = paired difference vs {names[0]} with 95% CI "
            f"(s.e. from per-replication pairs; unpaired CIs in comparison.json)")
    return "\n".join([head, *_fmt_table(comparison)])


# ---- latest opening ------------------------------------------------------------------------------

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
    """

    shift: int
    probability: float
    stderr: float
    lower: float
    median_opening: dict[str, float]
    group_median: float
    group_last_median: float
    open_by_target_year: float


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
    from model import ensemble
    from model.engine import compile_scenario
    from model.regions import load_pack
    from model.rollout import shift_projects

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
        out.append(OpeningPoint(int(s), p, se, p - Z95_ONE_SIDED * se,
                                {specs[i].id: float(np.median(op[:, j])) for j, i in enumerate(index)},
                                float(np.median(op)), float(np.median(op.max(axis=1))),
                                float(np.mean(op <= year_end))))
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


def opening_label(start_month: int, t: float) -> str:
    """Calendar month ``YYYY-MM`` of an opening at ``t`` months since the start (end of month ``ceil(t) - 1``)."""
    from calibration.periods import month_label

    return month_label(start_month + max(int(math.ceil(t - 1e-9)) - 1, -start_month))


def _point_dict(pt: OpeningPoint, start: int, required: float) -> dict[str, Any]:
    return {"shift_months": pt.shift, "probability": pt.probability, "probability_stderr": pt.stderr,
            "lower_bound_95": pt.lower, "admissible": pt.lower >= required,
            "median_opening": {k: opening_label(start, v) for k, v in pt.median_opening.items()},
            "median_opening_months": pt.median_opening,
            "group_median_opening": opening_label(start, pt.group_median),
            "group_median_opening_months": pt.group_median,
            "last_opening_median": opening_label(start, pt.group_last_median),
            "open_by_target_year": pt.open_by_target_year}


NOISE_NOTE = ("Guard against Monte-Carlo noise: every shift reuses the same seed (common random numbers), so the "
              "curve moves only with the shift (smooth, monotone in expectation); a shift is admissible only if the one-sided lower 95% "
              "bound p - 1.645 s.e. reaches the required level, and the answer is the end of the run of admissible "
              "shifts from the earliest one, so an isolated lucky point is never reported.")


def cmd_latest_opening(args: argparse.Namespace) -> str:
    """``expressim compare --latest-opening PROJECT --target ID --probability P SCENARIO``.

    Writes ``latest_opening.json``, ``figures/latest_opening.png`` and ``manifest.json``; returns
    the text summary.  See :func:`opening_curve` for why the curve is monotone (and when not).
    """
    from model import commands, manifest
    from model import scenario as sc
    from model.engine import compile_scenario
    from model.outputs import atomic_dir, write_json
    from model.regions import load_pack

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
                             "open_by_target_year": without.open_by_target_year},
        "method": NOISE_NOTE, "curve": [_point_dict(p, start, req) for p in points]}
    out = Path(args.out) if args.out else commands._default_out(
        "latest", scn.name, Path(path).read_bytes(), obs.data_hash, n, seed, args.latest_opening, args.target, req)
    man = manifest.build(command=sys.argv, seed=seed, data_files=obs.files, inputs=[path], extra={
        "kind": "latest_opening", "scenario": scn.name, "scenario_file": str(path), "replications": n,
        "data_hash": obs.data_hash, "selection": args.latest_opening, "target": args.target,
        "required_probability": req, "data_args": args.data, "until_arg": args.until})
    with atomic_dir(out, force=args.force) as tmp:
        write_json(tmp / "latest_opening.json", result)
        write_json(tmp / "manifest.json", man)
        from model import plots_compare

        plots_compare.save_latest_opening(result, start, tmp / "figures" / "latest_opening.png")
    return "" if args.quiet else _latest_text(result, out)


def _latest_text(r: dict[str, Any], out: Path) -> str:
    sel = f"{r['selection']} ({len(r['projects'])} project{'s' if len(r['projects']) > 1 else ''})"
    lines = [f"latest opening of {sel} keeping P({r['target']['id']}) >= {r['required_probability']:.2f} in "
             f"{r['scenario']} ({r['replications']} replications per shift, seed {r['seed']}) -> {out}"]
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
    verdict = ("so the target does not need them at this level" if w["lower_bound_95"] >= r["required_probability"]
               else "so they matter")
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


__all__ = ["OpeningPoint", "PairedDifference", "cmd_compare", "cmd_latest_opening", "compare_results",
           "comparison_rows", "earliest_shift", "latest_admissible", "mcnemar_p", "opening_curve", "opening_label",
           "paired_difference", "select_projects", "volume_differences"]
