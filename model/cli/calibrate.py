"""``expressim calibrate``: fit the state-space model to the observations, write the artefact and what each
observation moved."""

from __future__ import annotations

import sys
from pathlib import Path

from expressim.model.cli import context
from expressim.model.cli.options import CalibrateOptions, Warnings


def cmd_calibrate(args: CalibrateOptions, warned: Warnings) -> str:
    """``expressim calibrate``: fit, write the artefact and the table of what each observation moved."""
    from expressim.calibration.observations import report
    from expressim.model.spec.names import safe_name
    from expressim.model.spec.regions import default_pack, load_pack
    from expressim.model.store.calibration_files import write_calibration
    from expressim.model.store.folders import atomic_dir, check_target

    if args.out:
        check_target(args.out, force=args.force)
    pack = load_pack(args.region or default_pack())
    obs = context.load_observations(args, warned, pack.file or None)
    fitted = context.fitted_for(obs, pack=pack, use_cache=False)
    name = obs.data_hash[:12] if not obs.until else f"{obs.data_hash[:12]}-until-{safe_name(str(obs.until))}"
    if pack.name != default_pack():  # the data, the cut at --until and the pack are the whole input
        name += f"-{safe_name(pack.name)}"
    out = Path(args.out) if args.out else Path("outputs") / "calibration" / name
    rep = report(obs)
    with atomic_dir(out, force=args.force or not args.out) as tmp:
        write_calibration(tmp, command=context.command_line(args), obs=obs, fitted=fitted, report=rep,
                          region_pack=pack.name)
    results = [f"calibrated {rep.n_observations} observations (+{rep.n_derived} derived from growth rates) "
               f"from {len(obs.files)} file(s) -> {out}"]
    diagnostics = [f"scope break: {b}" for b in rep.scope_breaks if "express" in b]
    diagnostics += [f"conflict over 1%: {c}" for c in rep.conflicts]
    diagnostics += [f"not read: {n}" for n in obs.skipped]
    diagnostics += [f"note: {n}" for n in fitted.notes]
    results += context.moved_lines(fitted, 100 if args.verbose else 5)
    if args.quiet:
        return ""
    # notes quote data files (geographies, indicators): one inert line each; results on stdout, notes on stderr
    from expressim.model.spec.validation_messages import escape_controls

    if diagnostics:
        print("\n".join(map(escape_controls, diagnostics)), file=sys.stderr)
    return "\n".join(map(escape_controls, results))
