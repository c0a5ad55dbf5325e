"""``expressim validate``: check scenario files without running them."""

from __future__ import annotations

from expressim.model.cli import context
from expressim.model.cli.options import ValidateOptions, Warnings


def cmd_validate(args: ValidateOptions, warned: Warnings) -> str:
    """``expressim validate``: check each scenario file (schema, regions, parameter overrides)."""
    from expressim.model.cli.progress_inputs import progress_for

    lines = []
    for path in args.scenarios:
        scn = context.check_scenario(path)
        context.scenario_observations(args, warned, scn, path)  # the data reach the scenario's years (no fit)
        prog = progress_for(None, scn, path, None)  # the scenario's progress: file, checked against it
        facts = f", {len(prog.rows)} progress rows" if prog is not None else ""
        lines.append(f"{path}: ok ({scn.name}: {len(scn.projects)} projects, {len(scn.targets)} targets, "
                     f"{scn.start}..{scn.horizon}{facts})")
    return "" if args.quiet else "\n".join(lines)
