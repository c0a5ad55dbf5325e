"""``expressim calibrate``: fit the models to the observations, backtest them, write the artefact."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from expressim.model.cli import context


def cmd_calibrate(args: argparse.Namespace) -> str:
    """``expressim calibrate``: fit, backtest, write the artefact and backtest plots."""
    from expressim.calibration.observations import report
    from expressim.model.store import manifest
    from expressim.model.store.folders import atomic_dir, check_target, write_json
    from expressim.model.viz import calibration_figures as plots_calibration
    from expressim.model.viz import run_figures as plots

    if args.out:
        check_target(args.out, force=args.force)
    obs = context.load_observations(args)
    fitted = context.fitted_for(obs, use_cache=False)
    out = Path(args.out) if args.out else Path("outputs") / "calibration" / obs.data_hash[:12]
    rep = report(obs)
    with atomic_dir(out, force=args.force or not args.out) as tmp:
        write_json(tmp / "fitted.json", fitted.to_dict())
        write_json(tmp / "observations_report.json", {
            "observations": rep.n_observations, "derived_from_growth": rep.n_derived,
            "duplicates_merged": obs.duplicates_dropped, "conflicts_over_1pct": rep.conflicts,
            "all_conflicts": [c.describe() for c in obs.conflicts], "scope_breaks": rep.scope_breaks})
        frames = []
        for ind, nf in fitted.national.items():
            t = nf.backtest.table.copy()
            t.insert(0, "indicator", ind)
            frames.append(t)
            s = nf.backtest.summary()
            s.insert(0, "indicator", ind)
            s.to_csv(tmp / f"backtest_summary_{ind}.csv", index=False)
        import pandas as pd

        pd.concat(frames).to_csv(tmp / "backtest.csv", index=False)
        (tmp / "figures").mkdir()
        for ind, nf in fitted.national.items():
            plots.save(plots_calibration.backtest_plot(nf), tmp / "figures" / f"backtest_China_{ind}.png")
        write_json(tmp / "manifest.json", manifest.build(command=context.command_line(args), seed=None, data_files=obs.files,
                                                         extra={"data_hash": obs.data_hash, "until": obs.until}))
    lines = [f"calibrated {rep.n_observations} observations (+{rep.n_derived} derived from growth rates) "
             f"from {len(obs.files)} file(s) -> {out}"]
    lines += [f"scope break: {b}" for b in rep.scope_breaks if "express" in b]
    lines += [f"conflict over 1%: {c}" for c in rep.conflicts]
    for ind, nf in fitted.national.items():
        top = sorted(nf.weights.items(), key=lambda kv: -kv[1])[:3]
        lines.append(f"China {ind}: weights " + ", ".join(f"{k} {v:.2f}" for k, v in top))
    if not args.quiet:
        print("\n".join(lines), file=sys.stderr)
    return ""
