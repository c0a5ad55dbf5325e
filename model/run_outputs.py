"""The files a run writes: summary.json, annual.csv, targets.csv, arrays, manifest, figures, report.

The contracted shapes are in DESIGN §6; :func:`results_digest` fingerprints the result arrays so
``expressim run --check-manifest`` can confirm a rerun is bit-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import os
from pathlib import Path
from typing import Any


def command_line(args: argparse.Namespace) -> list[str]:
    """The command line as given (``cli.main`` records it in ``args.argv``; ``sys.argv`` otherwise)."""
    import sys

    return list(getattr(args, "argv", None) or sys.argv)


def results_digest(results: Any) -> str:
    """SHA-256 over every result array: equal digests mean bit-identical results."""
    import numpy as np

    h = hashlib.sha256()
    for name in sorted(results.metrics):
        h.update(name.encode())
        h.update(np.ascontiguousarray(results.metrics[name]).tobytes())
    for arr in (results.monthly, results.opening):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def write_run(tmp: Path, args: argparse.Namespace, path: str, scn: Any, obs: Any, fitted: Any, res: Any) -> dict[str, Any]:
    """Write every output of a run into ``tmp``; returns the summary dictionary."""
    import csv

    from expressim.model import manifest, plots, report
    from expressim.model.outputs import write_json
    from expressim.model.parameters import resolve

    summaries = res.summary()
    summary = {"scenario": scn.name, "seed": res.seed, "replications": res.replications,
               "targets": [{k: v for k, v in s.as_dict().items() if k != "first_met"
                            and not (k.startswith("observed") and v is None)} for s in summaries]}
    write_json(tmp / "summary.json", summary)
    rows = res.annual_rows()
    with (tmp / "annual.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    targets = {t.id: t for t in scn.targets}
    with (tmp / "targets.csv").open("w", newline="", encoding="utf-8") as fh:
        fields = ["id", "label", "metric", "year", "threshold", "unit", "comparison", "probability",
                  "probability_stderr", "p10", "median", "p90", "headline", "observed", "observed_source"] + [f"first_met_{y}" for y in res.years] + [
                  "never_met"]
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for s in summaries:
            t = targets[s.id]
            row = {"id": s.id, "label": s.label, "metric": t.metric, "year": s.year, "threshold": s.threshold,
                   "unit": s.unit, "comparison": t.comparison, "probability": s.probability,
                   "probability_stderr": s.probability_stderr, "p10": s.p10, "median": s.median, "p90": s.p90,
                   "headline": s.headline, "never_met": s.first_met["never"],
                   "observed": "" if s.observed is None else s.observed, "observed_source": s.observed_source or ""}
            row.update({f"first_met_{y}": s.first_met[str(y)] for y in res.years})
            w.writerow(row)
    write_json(tmp / "results.json", res.meta())
    res.save_arrays(tmp / "arrays.npz")
    write_json(tmp / "calibration.json", fitted.to_dict())
    prog = getattr(res, "progress", None)
    inputs = [Path(path).resolve()] + ([Path(prog.path).resolve()] if prog is not None else [])
    man = manifest.build(command=command_line(args), seed=res.seed, data_files=[Path(f).resolve() for f in obs.files],
                         inputs=inputs, extra={
        "progress_file": str(Path(prog.path).resolve()) if prog is not None else None,
        "kind": "run", "scenario": scn.name, "scenario_file": str(Path(path).resolve()), "scenario_arg": str(path),
        "replications": res.replications, "workers": args.workers, "cwd": os.getcwd(),
        "data_hash": obs.data_hash, "until": obs.until, "results_sha256": results_digest(res),
        "data_args": [str(Path(d).resolve()) for d in args.data] if args.data else None, "until_arg": args.until})
    write_json(tmp / "manifest.json", man)
    figs = plots.run_figures(res, tmp / "figures")
    from expressim.model.report_progress import as_of_month

    report.write_run_report(tmp / "report.html", res, summaries, man, figures=figs, assumptions=resolve(scn),
                            data_sources=[f"{f} (sha256 {man['data_files'][f][:12]})" for f in obs.files],
                            as_of=as_of_month(obs, prog, obs.until))
    return summary


def summary_text(summary: dict[str, Any], out: Path) -> str:
    """The per-target probability lines printed after a run."""
    lines = [f"{summary['scenario']}: {summary['replications']} replications, seed {summary['seed']} -> {out}"]
    for t in summary["targets"]:
        lines.append(f"  {t['id']:<28} P = {t['probability']:.3f} ± {t['probability_stderr']:.3f}")
    return "\n".join(lines)
