"""``expressim run``: simulate a scenario and write the contracted outputs; ``--check-manifest``
reruns a recorded run and confirms it is reproduced bit for bit."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from expressim.calibration.seam import DescribedCalibration
from expressim.model.cli import context
from expressim.model.cli.lang import pack_fields, report_lang
from expressim.model.cli.options import RunOptions, Warnings
from expressim.model.cli.result_inputs import default_folder, pack_file, scenario_inputs
from expressim.model.spec.scenario import ScenarioError
from expressim.model.store.run_files import RunSummary, results_digest

if TYPE_CHECKING:
    from expressim.calibration.observations import ObservationSet
    from expressim.model.engine.results import Results
    from expressim.model.spec.scenario import Scenario


def cmd_run(args: RunOptions, warned: Warnings) -> str:
    """``expressim run``: simulate a scenario and write the contracted outputs atomically.

    An explicit ``--out`` holding a run is refused unless ``--force`` (checked before the
    simulation); the default ``outputs/<scenario>/<hash>/`` names the inputs, so rerunning
    the same inputs replaces it.
    """
    from expressim.model.store.folders import atomic_dir, check_target

    if args.check_manifest:
        if args.scenario:
            raise ScenarioError(f"run: --check-manifest reruns the scenario recorded in {args.check_manifest}; "
                                f"expected no SCENARIO.yaml as well (got {args.scenario})")
        return check_manifest(args, warned)
    if not args.scenario:
        raise ScenarioError("run: expected SCENARIO.yaml (or --check-manifest DIR)")
    if args.out:
        check_target(args.out, force=args.force)
    scn, obs, fitted, res = context.simulate(args, warned, args.scenario)
    prog = res.progress
    inputs = {**scenario_inputs(args.scenario, scn, obs, prog), "replications": res.replications, "seed": res.seed}
    out = Path(args.out) if args.out else default_folder("", scn.name, inputs)
    lang = report_lang(args.lang, scn, args.scenario)
    with atomic_dir(out, force=args.force or not args.out) as tmp:
        summary = write_outputs(tmp, args, scn, obs, fitted, res, inputs, lang)
    return "" if args.quiet else summary_text(summary, out, lang)


def _versions_differ(recorded: dict[str, str]) -> list[str]:
    from expressim.model.store import manifest

    now = manifest.versions()
    return [f"{k} {v} -> {now.get(k)}" for k, v in sorted(recorded.items()) if now.get(k) != v]


def check_manifest(args: RunOptions, warned: Warnings) -> str:
    """Rerun the run recorded in ``DIR/manifest.json`` and confirm bit-identical results.

    The rerun takes the recorded ``--data``, ``--until`` and progress file (a copy of ``args`` with them).

    Raises
    ------
    OutputError
        No readable run manifest in ``DIR`` (exit code 2).
    CheckFailed
        An input changed or is missing, or the rerun's results differ (exit code 1).
    """
    from expressim.model.store.folders import file_sha256
    from expressim.model.store.manifest import read_run_manifest

    d = Path(str(args.check_manifest))
    man = read_run_manifest(d)
    path, n, seed, recorded = man.scenario_file, man.replications, man.seed, man.results_sha256
    base = Path(man.cwd or ".")

    def absolute(f: str) -> Path:
        p = Path(f)
        return p if p.is_absolute() else base / p

    for f, h in {**man.inputs, **man.data_files}.items():
        if not absolute(f).is_file():
            raise context.CheckFailed(f"{d}: NOT reproducible: input {f} is missing")
        if file_sha256(absolute(f)) != h:
            raise context.CheckFailed(f"{d}: NOT reproducible: input {f} changed since the run "
                                      f"(sha256 {file_sha256(absolute(f))[:12]}, recorded {h[:12]})")
    rerun = dataclasses.replace(
        args, data=tuple(str(absolute(x)) for x in man.data_args) if man.data_args else None, add=None,
        until=man.until_arg,
        progress=str(absolute(man.progress_file)) if man.progress_file else None, replications=None, seed=None)
    _, _, _, res = context.simulate(rerun, warned, str(absolute(path)), replications=n, seed=seed)
    digest = results_digest(res)
    if digest != recorded:
        diff = _versions_differ(man.versions)
        why = f"; package versions differ: {', '.join(diff)}" if diff else "; same package versions"
        raise context.CheckFailed(f"{d}: NOT reproduced: results sha256 {digest[:12]}, recorded {recorded[:12]}{why}")
    return f"reproduced: {d} ({n} replications, seed {seed}, results sha256 {digest[:12]})"


def write_outputs(tmp: Path, args: RunOptions, scn: Scenario, obs: ObservationSet, fitted: DescribedCalibration,
                  res: Results, inputs: Mapping[str, object] | None = None, lang: str = "en") -> RunSummary:
    """Have a run's data files written (store), its figures and report drawn (viz) and the report's tables
    written as ``results.xlsx`` (store); returns the summary.

    ``inputs`` is what the result depends on (:mod:`expressim.model.cli.result_inputs`), recorded in the
    manifest as ``result_inputs``; ``lang`` is the report's language (``zh`` or ``en``).
    """
    from expressim.model.analysis import rests_on
    from expressim.model.analysis.planning import level_rows
    from expressim.model.engine.parameters import resolve
    from expressim.model.store.run_files import write_run
    from expressim.model.store.workbook import write_workbook
    from expressim.model.viz import report
    from expressim.model.viz.planning_figures import planning_figures
    from expressim.model.viz.progress_report import as_of_month, data_end_month
    from expressim.model.viz.run_figures import run_figures

    if args.scenario is None:  # cmd_run refused it before the simulation
        raise ScenarioError("run: expected SCENARIO.yaml (or --check-manifest DIR)")
    rests = rests_on.analyse(res, fitted)
    levels = level_rows(res)
    files = write_run(tmp, command=context.command_line(args), path=args.scenario, scn=scn, obs=obs, fitted=fitted, res=res,
                      workers=args.workers, data_args=context.scenario_data(args, scn, args.scenario), until_arg=args.until,
                      rests=rests,
                      region_pack=pack_file(scn, args.scenario), result_inputs=inputs, levels=levels)
    man = files.manifest
    as_of = as_of_month(obs, res.progress, obs.until, run_month())
    region = str(pack_fields(scn, args.scenario).get("prefecture") or "") or None
    figs = run_figures(res, tmp / "figures", lang=lang, as_of=as_of, observations=obs, region=region)
    figs += planning_figures(tmp / "figures", levels, lang=lang, targets=scn.targets)
    tables = report.write_run_report(
        tmp / "report.html", res, files.summaries, man, figures=figs, assumptions=resolve(scn), rests_on=rests,
        as_of=as_of, data_end=data_end_month(obs), lang=lang, levels=levels,
        data_sources=[f"{f} (sha256 {files.data_files[str(Path(f).resolve())][:12]})" for f in obs.files])
    write_workbook(tmp / "results.xlsx", tables)
    return files.summary


def run_month() -> int:
    """The month the command runs in, as a month index ``year * 12 + month - 1`` (UTC)."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    return now.year * 12 + now.month - 1


def summary_text(summary: RunSummary, out: Path, lang: str = "en") -> str:
    """The per-target probability lines printed after a run (on stdout); "±" is two standard errors,
    as in the report."""
    from expressim.model.viz.i18n import input_name, tr

    lines = [tr("cli.run_head", lang, name=summary["scenario"], n=summary["replications"], seed=summary["seed"],
                out=out) + " " + tr("cli.pm_note", lang)]
    for t in summary["targets"]:
        entries = t.get("rests_on") or []
        top = entries[0] if entries else None
        moves = top is not None and abs(top["probability_high"] - top["probability_low"]) > 3 * 2**0.5 * top["stderr"]
        prior = ("  (" + tr("cli.priors", lang, lo=top["probability_low"], hi=top["probability_high"],
                             input=input_name(top["input"], str(top.get("label") or ""), lang),
                             kind=tr(f"kind.{top['kind']}", lang)) + ")"
                 if top is not None and moves else "")
        lines.append(f"  {t['id']:<28} P = {t['probability']:.3f} ± {2 * t['probability_stderr']:.3f}{prior}")
    return "\n".join(lines)
