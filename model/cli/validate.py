"""``expressim validate``: check scenario files without running them."""

from __future__ import annotations

from expressim.model.cli import context
from expressim.model.cli.options import ValidateOptions, Warnings


def cmd_validate(args: ValidateOptions, warned: Warnings) -> str:
    """``expressim validate``: check each scenario file (schema, regions, parameter overrides)."""
    from expressim.model.cli.progress_inputs import progress_for
    from expressim.model.spec.timing_checks import as_of_warnings, horizon_warnings
    from expressim.model.viz.progress_report import data_end_month

    lines = []
    for path in args.scenarios:
        scn = context.check_scenario(path)
        obs = context.scenario_observations(args, warned, scn, path)  # the data reach the scenario's years (no fit)
        prog = progress_for(None, scn, path, None)  # the scenario's progress: file, checked against it
        until = args.until or scn.calibration.until
        for message in [*horizon_warnings(scn, path),
                        *as_of_warnings(scn, path, data_end=data_end_month(obs), today=today(), until=until,
                                        until_label="--until" if args.until else None, progress=prog)]:
            warned.add(message)
        facts = f", {len(prog.rows)} progress rows" if prog is not None else ""
        lines.append(f"{path}: ok ({scn.name}: {len(scn.projects)} projects, {len(scn.targets)} targets, "
                     f"{scn.start}..{scn.horizon}{facts})")
    return "" if args.quiet else "\n".join(lines)


def today() -> int:
    """The current month (``year * 12 + month - 1``, UTC): as-of dates after it are warned about."""
    from expressim.model.cli.run import run_month

    return run_month()
