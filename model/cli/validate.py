"""``expressim validate``: check scenario files without running them."""

from __future__ import annotations

import argparse

from expressim.model.cli import context


def cmd_validate(args: argparse.Namespace) -> str:
    """``expressim validate``: check each scenario file (schema, regions, parameter overrides)."""
    lines = []
    for path in args.scenarios:
        scn = context.check_scenario(path)
        lines.append(f"{path}: ok ({scn.name}: {len(scn.projects)} projects, {len(scn.targets)} targets, "
                     f"{scn.start}..{scn.horizon})")
    return "" if args.quiet else "\n".join(lines)
