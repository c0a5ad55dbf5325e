"""``expressim compare``: scenarios on common random numbers, and ``--latest-opening``.

The statistics are in :mod:`expressim.model.analysis.compare` and
:mod:`expressim.model.analysis.latest_opening`; this module checks the arguments, runs them,
and has the results written (store) and drawn (viz).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from expressim.model.cli import context
from expressim.model.cli.lang import report_lang
from expressim.model.cli.options import CompareOptions, Warnings
from expressim.model.cli.result_inputs import default_folder, pack_file, scenario_inputs
from expressim.model.spec.scenario import ScenarioError


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
    """``expressim compare``: run scenarios on common random numbers and write the comparison.

    With ``--latest-opening`` it runs :func:`cmd_latest_opening` instead.

    Returns
    -------
    str
        The table printed on stdout (empty with ``--quiet``).
    """
    from expressim.model.analysis.compare import (
        compare_results,
        comparison_rows,
        comparison_table,
        volume_differences,
    )
    from expressim.model.cli.run import run_month
    from expressim.model.spec import scenario as sc
    from expressim.model.spec.regions import load_pack
    from expressim.model.store import manifest
    from expressim.model.store.folders import atomic_dir, write_json
    from expressim.model.store.run_files import results_digest
    from expressim.model.store.tables import write_csv
    from expressim.model.store.workbook import write_workbook
    from expressim.model.viz import report
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
    runs = []
    for i, p in enumerate(paths):
        if i == 0:
            runs.append(context.simulate(args, warned, p))
        else:  # same replications and seed as the first: common random numbers
            runs.append(context.simulate(args, warned, p, replications=runs[0][3].replications, seed=runs[0][3].seed))
    results = [r[3] for r in runs]
    if results[0].replications < 2:
        raise ScenarioError(f"{paths[0]}: replications: a comparison needs at least 2")
    names = unique_names([r[0].name for r in runs])
    comparison = compare_results(results, names)
    if not comparison["targets"]:
        raise ScenarioError(f"{', '.join(paths)}: the scenarios have no target id in common")
    comparison["scenario_runs"] = [
        {"name": nm, "file": str(p), "replications": r[3].replications, "seed": r[3].seed,
         "data_hash": r[1].data_hash, "results_sha256": results_digest(r[3])}
        for nm, p, r in zip(names, paths, runs, strict=True)]
    levels, cumulative, windows = planning(results, names)
    comparison["cumulative_difference"] = {nm: {"years": [w[0]["first_year"], w[0]["last_year"]] if w else None,
                                                "totals": w} for nm, w in windows.items()}
    vdiff = volume_differences(results, names)
    comparison["parcels_inout_2025_difference"] = {
        nm: {"mean": float(d.mean()), "p05": float(np.quantile(d, 0.05)), "median": float(np.median(d)),
             "p95": float(np.quantile(d, 0.95)), "unit": "件"} for nm, d in vdiff.items()}
    lang = report_lang(args.lang, first, paths[0])
    pack = load_pack(first.region_pack)
    county_names = {c.id: c.name for c in pack.counties}
    as_of = max((m for m in (as_of_month(r[1], r[3].progress, r[1].until, run_month()) for r in runs)
                 if m is not None), default=None)
    common = {t["id"] for t in comparison["targets"]}
    dropped = list(dict.fromkeys(f"{t.label} ({t.year})" for r in runs for t in r[0].targets if t.id not in common))
    each = [scenario_inputs(p, r[0], r[1], r[3].progress) for p, r in zip(paths, runs, strict=True)]
    inputs = {"scenarios": each, "replications": results[0].replications, "seed": results[0].seed}
    out = Path(args.out) if args.out else default_folder("", "compare-" + "-".join(names), inputs)
    packs = [pack_file(r[0], p) for p, r in zip(paths, runs, strict=True)]
    progress_files = [r[3].progress.path for r in runs if r[3].progress is not None]
    per_run = [manifest.build(command=context.command_line(args), seed=r[3].seed, data_files=r[1].files,
                              inputs=[p, pk, *([r[3].progress.path] if r[3].progress is not None else [])], extra={
        "scenario": nm, "scenario_file": str(p), "replications": r[3].replications, "data_hash": r[1].data_hash,
        "until": r[1].until, "region_pack": str(pk), "result_inputs": e,
        "results_sha256": results_digest(r[3])}) for nm, p, r, pk, e in zip(names, paths, runs, packs, each, strict=True)]
    data_files = sorted({f for r in runs for f in r[1].files})
    man = manifest.build(command=context.command_line(args), seed=results[0].seed, data_files=data_files,
                         inputs=list(dict.fromkeys([*paths, *map(str, packs), *map(str, progress_files)])), extra={
        "kind": "compare", "scenarios": names, "scenario_files": [str(p) for p in paths],
        "replications": results[0].replications, "workers": args.workers, "data_args": args.data,
        "until_arg": args.until, "progress_arg": args.progress, "result_inputs": inputs,
        "results_sha256": {nm: m["results_sha256"] for nm, m in zip(names, per_run, strict=True)}})
    with atomic_dir(out, force=args.force or not args.out) as tmp:
        write_json(tmp / "comparison.json", comparison)
        write_csv(tmp / "comparison.csv", comparison_rows(comparison))
        write_csv(tmp / "target_levels.csv", levels)
        write_csv(tmp / "cumulative_difference.csv", cumulative)
        write_json(tmp / "manifest.json", man)
        figs = compare_figures(results, names, comparison, vdiff, tmp / "figures", lang=lang, observations=runs[0][1],
                               region=pack.prefecture or None)
        window_rows = [dict(w, scenario=nm) for nm, ws in windows.items() for w in ws]
        figs += planning_figures(tmp / "figures", levels, lang=lang, targets=first.targets, cumulative=cumulative,
                                 window=window_rows, county_names=county_names)
        tables = report.write_compare_report(tmp / "report.html", comparison, figs, per_run, as_of=as_of, lang=lang,
                                             dropped=dropped, levels=levels, cumulative=cumulative, windows=windows,
                                             county_names=county_names)
        write_workbook(tmp / "results.xlsx", tables)
    if args.quiet:
        return ""
    from expressim.model.viz.i18n import tr

    head = (tr("cli.compare_head", lang, k=len(names), n=results[0].replications, seed=results[0].seed, out=out) + "\n"
            + tr("cli.compare_note", lang, ref=names[0]))
    from expressim.model.viz.planning_tables import window_answer

    cum = [window_answer(ws, lang, nm, names[0]) for nm, ws in windows.items() if ws]
    return "\n".join([head, *comparison_table(comparison), *(f"  {c}" for c in cum if c)])


def planning(results: list[Any], names: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                           dict[str, list[dict[str, Any]]]]:
    """Target setting of a comparison (:mod:`expressim.model.analysis.planning`): every scenario's levels reached
    with P = 0.8 / 0.5 / 0.2, each scenario's paired cumulative difference against the first by year and county,
    and its totals over the years in which it differs (scenario name -> rows; empty when it never differs)."""
    from expressim.model.analysis.planning import (
        cumulative_difference,
        difference_window,
        level_rows,
        window_totals,
    )

    levels = [row for nm, r in zip(names, results, strict=True) for row in level_rows(r, nm)]
    cumulative = cumulative_difference(results, names)
    windows: dict[str, list[dict[str, Any]]] = {}
    for nm in names[1:]:
        span = difference_window(cumulative, nm)
        windows[nm] = window_totals(results, names, span, nm) if span is not None else []
    return levels, cumulative, windows


def cmd_latest_opening(args: CompareOptions, warned: Warnings) -> str:
    """``expressim compare --latest-opening PROJECT --target ID --probability P SCENARIO``.

    Writes ``latest_opening.json``, ``figures/latest_opening.png`` and ``manifest.json``; returns
    the text summary (:func:`expressim.model.analysis.latest_opening.latest_opening` computes it).
    """
    from expressim.model.analysis.latest_opening import latest_opening, search_grid
    from expressim.model.spec import scenario as sc
    from expressim.model.store import manifest
    from expressim.model.store.folders import atomic_dir, write_json
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
    from expressim.model.spec.regions import load_pack

    fitted = context.fitted_for(obs, pack=load_pack(scn.region_pack))
    n = args.replications or scn.replications
    seed = args.seed if args.seed is not None else scn.seed
    if n < 2:
        raise ScenarioError(f"--replications: expected at least 2, got {n}")
    with context.progress_bar(args, n * (len(shifts) + 1), f"{scn.name} latest opening") as bar:
        result = latest_opening(scn, fitted, selection, ids, shifts, args.target, req, replications=n,
                                seed=seed, workers=args.workers, progress=bar.update, scenario_file=str(path))
    inputs = {**scenario_inputs(path, scn, obs), "replications": n, "seed": seed, "selection": args.latest_opening,
              "target": args.target, "required_probability": req}
    out = Path(args.out) if args.out else default_folder("latest", scn.name, inputs)
    man = manifest.build(command=context.command_line(args), seed=seed, data_files=obs.files,
                         inputs=[path, pack_file(scn, path)], extra={
        "kind": "latest_opening", "scenario": scn.name, "scenario_file": str(path), "replications": n,
        "data_hash": obs.data_hash, "until": obs.until, "selection": args.latest_opening, "target": args.target,
        "required_probability": req, "data_args": args.data, "until_arg": args.until, "result_inputs": inputs})
    with atomic_dir(out, force=args.force or not args.out) as tmp:
        write_json(tmp / "latest_opening.json", result)
        write_json(tmp / "manifest.json", man)
        lang = report_lang(args.lang, scn, path)
        fig = save_latest_opening(result, scn.start_month, tmp / "figures" / "latest_opening.png", lang=lang)
        tables = write_latest_report(tmp / "report.html", result, [fig], man,
                                     {p.id: p.label or p.id for p in scn.projects}, lang=lang)
        write_workbook(tmp / "results.xlsx", tables)
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
