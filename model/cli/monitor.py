"""``expressim monitor``: the CLI handler (arguments, data per date, outputs written atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from expressim.model.cli import context as cm
from expressim.model.cli.lang import report_lang
from expressim.model.cli.options import MonitorOptions, Warnings
from expressim.model.cli.reach import check_reach

if TYPE_CHECKING:
    from expressim.calibration.observations import ObservationSet

__all__ = ["cmd_monitor"]


def cmd_monitor(args: MonitorOptions, warned: Warnings) -> str:
    """Re-assess a scenario at each as-of date; write monitor.json, a figure, report.html, manifest.json."""
    from expressim.calibration.seam import Calibration
    from expressim.model.analysis.monitor import as_of_points, monitor
    from expressim.model.cli.progress_inputs import progress_for
    from expressim.model.cli.result_inputs import default_folder, pack_file, scenario_inputs
    from expressim.model.spec.regions import load_pack
    from expressim.model.store.folders import atomic_dir, check_target
    from expressim.model.store.monitor_files import write_monitor
    from expressim.model.store.workbook import write_workbook
    from expressim.model.viz import monitor_figures as plots_monitor
    from expressim.model.viz import monitor_report as report_monitor
    from expressim.model.viz import run_figures as plots

    _refuse_future(args)
    points = as_of_points(args.as_of, args.every, args.from_, args.to)
    scn = cm.check_scenario(args.scenario)
    n = args.replications if args.replications is not None else scn.replications
    seed = args.seed if args.seed is not None else scn.seed
    if n < 1:
        raise cm.ScenarioError(f"{args.scenario}: replications: expected at least 1, got {n}")
    cm.memory_monitor(args, scn, args.scenario, n, len(points))
    if args.out:
        check_target(args.out, force=args.force)
    prog = progress_for(args.progress, scn, args.scenario, None)
    data, load_until = cm.scenario_loader(args, scn, args.scenario)
    loaded: dict[str, ObservationSet] = {}

    def observations(until: str) -> ObservationSet:
        if until not in loaded:  # the earliest point is loaded once, for the reach check and its run
            loaded[until] = load_until(until)
        return loaded[until]

    first = min(points)
    check_reach(observations(first), scn, args.scenario, until=first, until_label="as-of date", data=data)
    _warn_after_data(warned, points, observations(points[-1]))
    cm.warn_about_data(warned, observations(points[-1]))

    pack = load_pack(scn.region_pack)
    lang = report_lang(args.lang, scn, args.scenario)

    def fit(obs: ObservationSet) -> Calibration:
        fitted = cm.fitted_for(obs, pack=pack)
        cm.warn_region(warned, args.scenario, pack, fitted)
        return fitted

    with cm.progress_bar(args, n * len(points), f"{scn.name} monitor") as bar:
        mon = monitor(scn, points, load_observations=observations, fit=fit, progress=prog,
                      replications=n, seed=seed, workers=args.workers, on_chunk=bar.update)
    result = mon.to_json()
    files = sorted({f for obs in loaded.values() for f in obs.files})
    first_obs = observations(first)
    result_inputs = {**scenario_inputs(args.scenario, scn, first_obs, prog), "until": None, "as_of": points,
                     "data_sha256": sorted({o.data_hash for o in loaded.values()}),
                     "replications": n, "seed": seed}
    out = Path(args.out) if args.out else default_folder("monitor", scn.name, result_inputs)
    with atomic_dir(out, force=args.force or not args.out) as tmp:
        man = write_monitor(tmp, command=cm.command_line(args), record=result, scenario_file=args.scenario,
                            region_pack=pack_file(scn, args.scenario), progress=prog, data_files=files,
                            workers=args.workers, result_inputs=result_inputs)
        names = {**{t.id: t.label for t in scn.targets}, **{t.id: t.label for t in scn.tracked},
                 **{p.id: p.label or p.id for p in scn.projects}}
        fig = plots.save(plots_monitor.monitor_figure(result, lang=lang, names=names),
                         tmp / "figures" / "monitor_probability.png")
        tables = report_monitor.write_monitor_report(tmp / "report.html", result, [fig], man, lang=lang, names=names)
        write_workbook(tmp / "results.xlsx", tables)
    if args.quiet:
        return ""
    from expressim.model.viz.i18n import tr

    lines = [tr("cli.monitor_head", lang, name=scn.name, dates=", ".join(points), n=n, seed=seed, out=out)]
    for tid, t in result["targets"].items():
        if t["headline"]:
            lines.append(f"  {tid:<28} " + "  ".join(report_monitor.cell_text(p, t["year"], ob, d, lang) for p, ob, d in
                                                        zip(t["probability"], t["observed"], points, strict=True)))
    return "\n".join(lines)


def _refuse_future(args: MonitorOptions) -> None:
    """Refuse as-of dates (``--as-of``, ``--to``) after the current month: nothing is known as of a date to come.

    A malformed month is left to :func:`expressim.model.analysis.monitor.as_of_points` to name.
    """
    from expressim.model.cli.run import run_month
    from expressim.model.spec.progress import month_text
    from expressim.model.spec.scenario import parse_month

    now = run_month()
    given = [("--as-of", p) for p in (args.as_of or [])] + ([("--to", args.to)] if args.to and not args.as_of else [])
    for option, text in given:
        try:
            month = parse_month(text)
        except (TypeError, ValueError):
            continue
        if month > now:
            raise cm.ScenarioError(f"{option} {text}: after the current month {month_text(now)}, when nothing is "
                                   f"known yet; expected {month_text(now)} or earlier")


def _warn_after_data(warned: Warnings, points: list[str], latest: ObservationSet) -> None:
    """Name the as-of dates after the data's last month: they differ from it only by progress facts."""
    from expressim.model.spec.progress import month_text
    from expressim.model.spec.scenario import parse_month
    from expressim.model.viz.progress_report import data_end_month

    end = data_end_month(latest)
    late = [p for p in points if end is not None and parse_month(p) > end]
    if end is not None and len(late) > 1:
        warned.add(f"as-of dates {', '.join(late)} are after the data's last month ({month_text(end)}): "
                      f"they see the same observations and differ only by progress facts")
