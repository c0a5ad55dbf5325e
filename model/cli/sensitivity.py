"""The ``expressim sensitivity`` command: Sobol'/Morris indices, PRIM boxes and value of information.

The library parts live in :mod:`model.analysis.sensitivity` (factors, designs, SALib analyses, the engine as a
model), :mod:`model.analysis.discovery` (PRIM) and :mod:`model.analysis.closed_sobol`; this module selects targets, runs them
and writes ``sensitivity.csv``/``.json``, ``discovery.json``, ``voi.json``, figures and a manifest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from expressim.model.analysis.sensitivity import (
    IndexRow,
    analyse,
    engine_model,
    evaluate,
    index_value,
    output_meta,
    sample_design,
    scenario_factors,
)
from expressim.model.cli.options import SensitivityOptions, Warnings

if TYPE_CHECKING:
    from expressim.model.spec.scenario import Scenario, Target


def select_targets(scenario: Scenario, ids: Sequence[str] | None) -> list[Target]:
    """The targets named by ``--target`` (default: the headline ones; all if none is headline)."""
    from expressim.model.spec.scenario import ScenarioError

    by_id = {t.id: t for t in scenario.targets}
    if ids:
        bad = [i for i in ids if i not in by_id]
        if bad:
            raise ScenarioError(f"--target {bad[0]}: no such target (have {', '.join(by_id)})")
        return [by_id[i] for i in dict.fromkeys(ids)]
    return [t for t in scenario.targets if t.headline] or list(scenario.targets)


def _top(rows: Sequence[IndexRow], output: str, key: str, names: Mapping[str, str] | None = None,
         lang: str = "en", k: int = 4) -> str:
    """The ``k`` inputs with the largest index ``key`` on ``output``, by their plain names."""
    from expressim.model.viz.i18n import tr

    rs = sorted((r for r in rows if r["output"] == output and np.isfinite(index_value(r, key))),
                key=lambda r: -index_value(r, key))[:k]
    return ", ".join(f"{(names or {}).get(r['factor'], r['factor'])} {index_value(r, key):.3g}"
                     f"±{index_value(r, key + '_conf'):.2g}" for r in rs) or tr("cli.constant", lang)


def cmd_sensitivity(args: SensitivityOptions, warned: Warnings) -> str:
    """``expressim sensitivity``: SALib indices, PRIM boxes and value of information, written atomically."""
    import time
    from pathlib import Path

    from expressim.model.analysis import closed_sobol as voi
    from expressim.model.analysis import discovery
    from expressim.model.cli import context as cm
    from expressim.model.cli.lang import report_lang
    from expressim.model.cli.result_inputs import default_folder, pack_file, scenario_inputs
    from expressim.model.engine.parameters import resolve
    from expressim.model.engine.simulate import compile_scenario
    from expressim.model.spec import scenario as sc
    from expressim.model.spec.regions import load_pack
    from expressim.model.spec.scenario import ScenarioError
    from expressim.model.store.folders import atomic_dir
    from expressim.model.store.sensitivity_files import write_sensitivity
    from expressim.model.store.workbook import write_workbook
    from expressim.model.viz import sensitivity_figures as ps
    from expressim.model.viz.sensitivity_report import box_text, plain_names, write_sensitivity_report

    scn = sc.load(args.scenario)
    targets = select_targets(scn, args.target)
    cm.memory_sensitivity(args, scn, args.scenario, len(targets))
    grouping = args.rollout_groups
    obs = cm.scenario_observations(args, warned, scn, args.scenario)
    pack = load_pack(scn.region_pack)
    fitted = cm.fitted_for(obs, pack=pack)
    seed = args.seed if args.seed is not None else scn.seed
    try:
        comp = compile_scenario(scn, pack)
    except ValueError as exc:
        raise ScenarioError(f"{args.scenario}: {exc}") from None
    dists = resolve(scn, fitted.register)
    problem = scenario_factors(scn, dists, fitted, rollout_groups=grouping)
    timing: dict[str, float] = {}
    t0 = time.perf_counter()
    design = sample_design(problem, args.method, args.samples, seed)
    timing["sample"] = time.perf_counter() - t0
    with cm.progress_bar(args, design.n, f"{args.method} design") as bar:
        ys = evaluate(problem, design.u, design.noise, design.n_noise,
                      engine_model(comp, fitted, dists, seed, targets, workers=args.workers, progress=bar.update))
    timing["evaluate"] = time.perf_counter() - t0 - timing["sample"]
    rows = analyse(problem, design, ys, seed=seed)
    timing["sensitivity_total"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    n_groups, n_outer = len(set(map(voi.voi_group, problem.factors))), min(250, max(20, args.samples))
    with cm.progress_bar(args, args.samples * (n_groups + 2) + n_groups * n_outer * 40, "value of information") as bar:
        vinfo = voi.value_of_information(problem, engine_model(comp, fitted, dists, seed, targets, workers=args.workers,
                                                               progress=bar.update), list(ys), n=args.samples,
                                         seed=seed, n_outer=n_outer, n_inner=40)
    timing["value_of_information"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    _, _, _, res = cm.simulate(args, warned, args.scenario, seed=seed)
    inputs, units = discovery.ensemble_inputs(res)
    boxes = {t.id: discovery.prim(inputs, 1.0 - res.attainment(t.id).astype(float), units=units) for t in targets}
    timing["discovery"] = time.perf_counter() - t2

    key_inputs = {**scenario_inputs(args.scenario, scn, obs, res.progress), "method": args.method,
              "samples": args.samples, "seed": seed, "replications": res.replications,
              "targets": [t.id for t in targets], "rollout_grouping": grouping}
    out = Path(args.out) if args.out else default_folder("sensitivity", scn.name, key_inputs)
    with atomic_dir(out, force=args.force or not args.out) as tmp:
        man = write_sensitivity(tmp, command=cm.command_line(args), scenario=scn, scenario_file=args.scenario,
                                region_pack=pack_file(scn, args.scenario), observations=obs, results=res,
                                problem=problem, design=design, outputs=ys, rows=rows, meta=output_meta(targets),
                                voi=vinfo, boxes=boxes, targets=targets, seed=seed, samples=args.samples,
                                workers=args.workers, grouping=grouping, timing=timing, until_arg=args.until,
                                result_inputs=key_inputs)
        lang = report_lang(args.lang, scn, args.scenario)
        descriptions = {k: str(getattr(d, "description", "") or "") for k, d in dists.items()}
        descriptions.update({pr.id: pr.label or pr.id for pr in scn.projects})
        figs = ps.write_figures(tmp / "figures", scn.name, args.method, rows, boxes, vinfo, [t.id for t in targets],
                                lang=lang, names=plain_names(rows, vinfo, descriptions, lang),
                                labels={t.id: t.label for t in targets})
        tables = write_sensitivity_report(tmp / "report.html", scenario=scn.name, method=args.method,
                                          evaluations=design.n, rows=rows, boxes=boxes, voi=vinfo, targets=targets,
                                          descriptions=descriptions, figures=figs, manifest=man, lang=lang)
        write_workbook(tmp / "results.xlsx", tables)
    from expressim.model.viz.i18n import tr

    key = "ST" if args.method == "sobol" else "mu_star"
    plain = plain_names(rows, vinfo, descriptions, lang)
    lines = [tr("cli.sens_head", lang, name=scn.name, method=args.method, n=args.samples, k=len(problem.factors),
                g=len(problem.groups), e=design.n, s=timing["sensitivity_total"], out=out)]
    for t in targets:
        lines.append(f"  {t.id}: " + tr("cli.sens_moves", lang, top=_top(rows, f"{t.id}.value", key, plain, lang)))
        lines.append(f"  {' ' * len(t.id)}  " + tr("cli.sens_box", lang, box=box_text(boxes[t.id]["chosen"],
                                                                                     descriptions, lang)))
    lines.append("  " + tr("cli.sens_ask", lang, groups=", ".join(
        f"{plain.get(g['group'], g['group'])} {g['mean_S1']:.2f}" for g in vinfo["ranking"]["overall"]),
        t=vinfo["ranking"]["policy_timing_mean_S1"]))
    return "" if args.quiet else "\n".join(lines)
