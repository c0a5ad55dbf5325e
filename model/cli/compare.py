"""``expressim compare``: scenarios on common random numbers, and ``--latest-opening``.

The statistics are in :mod:`expressim.model.analysis.compare` and
:mod:`expressim.model.analysis.latest_opening`; this module checks the arguments, runs them,
and has the results written (store) and drawn (viz).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from expressim.model.cli import context
from expressim.model.cli.lang import report_lang
from expressim.model.cli.options import CompareOptions, Warnings
from expressim.model.cli.result_inputs import default_folder, pack_file, scenario_inputs
from expressim.model.spec.scenario import ScenarioError

if TYPE_CHECKING:
    from expressim.model.analysis.latest_opening import LatestOpening
    from expressim.model.analysis.planning import ScenarioWindowTotal


def unique_names(names: list[str]) -> list[str]:
    """Display names made unique by numbering repeats (``plan``, ``plan #2``)."""
    out: list[str] = []
    for nm in names:
        k, cand = 1, nm
        while cand in out:
            k += 1
            cand = f"{nm} #{k}"
        out.append(cand)
    return out


def cmd_compare(args: CompareOptions, warned: Warnings) -> str:
    """``expressim compare``: run scenarios on common random numbers and have the comparison written.

    With ``--latest-opening`` it runs :func:`cmd_latest_opening` instead.

    Returns
    -------
    str
        The table printed on stdout (empty with ``--quiet``).
    """
    from expressim.model.analysis.compare import (
        compare_results,
        comparison_table,
        cumulative_windows,
        volume_differences,
        volume_summary,
    )
    from expressim.model.analysis.planning import plan_comparison
    from expressim.model.cli.run import run_month
    from expressim.model.spec import scenario as sc
    from expressim.model.spec.regions import load_pack
    from expressim.model.store.comparison_files import ComparedRun, write_comparison
    from expressim.model.store.folders import atomic_dir
    from expressim.model.store.workbook import write_workbook
    from expressim.model.viz import compare_report
    from expressim.model.viz.compare_figures import compare_figures
    from expressim.model.viz.planning_figures import planning_figures
    from expressim.model.viz.progress_report import as_of_month

    if args.latest_opening:
        if args.progress:  # shifted timelines and dated facts do not mix
            raise ScenarioError("--progress: not used by --latest-opening (it shifts the planned dates the facts "
                                "would pin); run compare without one of them")
        return cmd_latest_opening(args, warned)

    paths = list(args.scenarios)
    scenarios = [(sc.load(p), p) for p in paths]  # every file checked before anything runs
    first = scenarios[0][0]
    context.memory_compare(args, scenarios, args.replications if args.replications is not None else first.replications)
    runs: list[context.Simulated] = []
    for i, p in enumerate(paths):
        if i == 0:
            runs.append(context.simulate(args, warned, p))
        else:  # same replications and seed as the first: common random numbers
            runs.append(context.simulate(args, warned, p, replications=runs[0].results.replications,
                                         seed=runs[0].results.seed))
    results = [r.results for r in runs]
    if results[0].replications < 2:
        raise ScenarioError(f"{paths[0]}: replications: a comparison needs at least 2")
    names = unique_names([r.scenario.name for r in runs])
    comparison = compare_results(results, names)
    if not comparison["targets"]:
        raise ScenarioError(f"{', '.join(paths)}: the scenarios have no target id in common")
    levels, cumulative, windows = plan_comparison(results, names)
    vdiff = volume_differences(results, names)
    lang = report_lang(args.lang, first, paths[0])
    pack = load_pack(first.region_pack)
    county_names = {c.id: c.name for c in pack.counties}
    as_of = max((m for m in (as_of_month(r.observations, r.results.progress, r.observations.until, run_month())
                             for r in runs) if m is not None), default=None)
    common = {t["id"] for t in comparison["targets"]}
    dropped = list(dict.fromkeys(f"{t.label} ({t.year})" for r in runs for t in r.scenario.targets
                                 if t.id not in common))
    each = [scenario_inputs(p, r.scenario, r.observations, r.results.progress) for p, r in zip(paths, runs, strict=True)]
    inputs = {"scenarios": each, "replications": results[0].replications, "seed": results[0].seed}
    out = Path(args.out) if args.out else default_folder("", "compare-" + "-".join(names), inputs)
    compared = [ComparedRun(nm, str(p), r.scenario, r.observations, r.results, pack_file(r.scenario, p), e)
                for nm, p, r, e in zip(names, paths, runs, each, strict=True)]
    read = list(dict.fromkeys(d for p, r in zip(paths, runs, strict=True)  # each scenario's data, then --add
                              for d in context.scenario_data(args, r.scenario, p) or ()))
    with atomic_dir(out, force=args.force or not args.out) as tmp:
        files = write_comparison(tmp, command=context.command_line(args), comparison=comparison, runs=compared,
                                 levels=levels, cumulative=cumulative, windows=cumulative_windows(windows),
                                 volumes=volume_summary(vdiff), workers=args.workers, data_args=read or None,
                                 until_arg=args.until, progress_arg=args.progress, result_inputs=inputs)
        figs = compare_figures(results, names, files.record, vdiff, tmp / "figures", lang=lang,
                               observations=runs[0].observations, region=pack.prefecture or None)
        window_rows: list[ScenarioWindowTotal] = [{**w, "scenario": nm} for nm, ws in windows.items() for w in ws]
        figs += planning_figures(tmp / "figures", levels, lang=lang, targets=first.targets, cumulative=cumulative,
                                 window=window_rows, county_names=county_names)
        tables = compare_report.write_compare_report(tmp / "report.html", files.record, figs, files.run_manifests, as_of=as_of,
                                             lang=lang, dropped=dropped, levels=levels, cumulative=cumulative,
                                             windows=windows, county_names=county_names)
        write_workbook(tmp / "results.xlsx", tables)
    if args.quiet:
        return ""
    from expressim.model.viz.i18n import tr

    head = (tr("cli.compare_head", lang, k=len(names), n=results[0].replications, seed=results[0].seed, out=out) + "\n"
            + tr("cli.compare_note", lang, ref=names[0]))
    from expressim.model.viz.planning_tables import window_answer

    cum = [window_answer(ws, lang, nm, names[0]) for nm, ws in windows.items() if ws]
    return "\n".join([head, *comparison_table(comparison), *(f"  {c}" for c in cum if c)])


def cmd_latest_opening(args: CompareOptions, warned: Warnings) -> str:
    """``expressim compare --latest-opening PROJECT --target ID --probability P SCENARIO``.

    Has ``latest_opening.json``, ``figures/latest_opening.png``, the report and ``manifest.json`` written;
    returns the text summary (:func:`expressim.model.analysis.latest_opening.latest_opening` computes it).
    """
    from expressim.model.analysis.latest_opening import latest_opening, search_grid
    from expressim.model.spec import scenario as sc
    from expressim.model.spec.regions import load_pack
    from expressim.model.store.comparison_files import write_latest_opening
    from expressim.model.store.folders import atomic_dir
    from expressim.model.store.workbook import write_workbook
    from expressim.model.viz.compare_figures import save_latest_opening
    from expressim.model.viz.latest_report import write_latest_report

    selection = args.latest_opening
    if not selection:
        raise ScenarioError("--latest-opening: expected PROJECT (an id, a kind such as county_centre, or 'all')")
    if len(args.scenarios) != 1:
        raise ScenarioError(f"--latest-opening: expected one scenario, got {len(args.scenarios)}")
    if not args.target:
        raise ScenarioError("--latest-opening: --target ID is required")
    req = float(args.probability)
    path = args.scenarios[0]
    scn = sc.load(path)
    tids = [t.id for t in scn.targets]
    if args.target not in tids:
        raise ScenarioError(f"{path}: --target {args.target}: no such target (have {', '.join(tids)})")
    ids, shifts = search_grid(scn, selection)
    context.memory_compare(args, [(scn, path)], args.replications or scn.replications, shifts=len(shifts))
    obs = context.scenario_observations(args, warned, scn, path)
    fitted = context.fitted_for(obs, pack=load_pack(scn.region_pack))
    n = args.replications or scn.replications
    seed = args.seed if args.seed is not None else scn.seed
    if n < 2:
        raise ScenarioError(f"--replications: expected at least 2, got {n}")
    with context.progress_bar(args, n * (len(shifts) + 1), f"{scn.name} latest opening") as bar:
        result = latest_opening(scn, fitted, selection, ids, shifts, args.target, req, replications=n,
                                seed=seed, workers=args.workers, progress=bar.update, scenario_file=str(path))
    inputs = {**scenario_inputs(path, scn, obs), "replications": n, "seed": seed, "selection": selection,
              "target": args.target, "required_probability": req}
    out = Path(args.out) if args.out else default_folder("latest", scn.name, inputs)
    with atomic_dir(out, force=args.force or not args.out) as tmp:
        man = write_latest_opening(tmp, command=context.command_line(args), result=result, scenario=scn,
                                   scenario_file=str(path), region_pack=pack_file(scn, path), observations=obs,
                                   data_args=context.scenario_data(args, scn, path), until_arg=args.until,
                                   result_inputs=inputs)
        lang = report_lang(args.lang, scn, path)
        fig = save_latest_opening(result, scn.start_month, tmp / "figures" / "latest_opening.png", lang=lang)
        tables = write_latest_report(tmp / "report.html", result, [fig], man,
                                     {p.id: p.label or p.id for p in scn.projects}, lang=lang)
        write_workbook(tmp / "results.xlsx", tables)
    return "" if args.quiet else _latest_text(result, out)


def _latest_text(r: LatestOpening, out: Path) -> str:
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
    elif w["upper_bound_95"] >= r["required_probability"]:  # the verdict's undetermined_without
        verdict = ("within Monte-Carlo error of the level: whether the target needs them is not settled at "
                   "this number of replications (raise --replications to sharpen it)")
    else:
        verdict = "so the target needs them at this level"
    lines.append(f"  with the selected projects not open within the horizon: P = {w['probability']:.3f} "
                 f"(95% bounds {w['lower_bound_95']:.4f} to {w['upper_bound_95']:.4f}), {verdict}")
    if r["latest_shift_point_estimate"] is not None:
        lines.append(f"  (point estimate alone would allow {r['latest_shift_point_estimate']:+d} months)")
    if r["grid_limited_by_scenario_start"]:
        lines.append(f"  grid {r['grid_months'][0]:+d}..{r['grid_months'][1]:+d} months: earlier shifts would start "
                     "the projects before the scenario start")
    lines.append("  " + r["method"])
    lines.append("  shift: P (lower bound) = " + ", ".join(
        f"{c['shift_months']:+d}: {c['probability']:.3f} ({c['lower_bound_95']:.3f})" for c in r["curve"][::3]))
    return "\n".join(lines)
