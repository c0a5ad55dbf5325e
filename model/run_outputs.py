"""The files a run writes: summary.json, annual.csv, targets.csv, rests_on.csv, arrays, manifest, figures,
report.

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

    from expressim.model import manifest, plots, report, rests_on
    from expressim.model.outputs import write_json
    from expressim.model.parameters import resolve

    summaries = res.summary()
    rests = rests_on.analyse(res, fitted)
    summary = {"scenario": scn.name, "seed": res.seed, "replications": res.replications,
               "targets": [{k: v for k, v in s.as_dict().items() if k != "first_met"} for s in summaries]}
    for t in summary["targets"]:
        decided = rests_on.decided_by_assumption(rests.get(str(t["id"]), []))
        t["rests_on"] = [e.as_dict() for e in rests.get(str(t["id"]), [])]
        t["decided_by_assumption"] = decided.input if decided is not None else None
    write_json(tmp / "summary.json", summary)
    rows = res.annual_rows()
    with (tmp / "annual.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    targets = {t.id: t for t in scn.targets}
    with (tmp / "targets.csv").open("w", newline="", encoding="utf-8") as fh:
        fields = ["id", "label", "metric", "year", "threshold", "unit", "comparison", "probability",
                  "probability_stderr", "p10", "median", "p90", "headline"] + [f"first_met_{y}" for y in res.years] + [
                  "never_met"]
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for s in summaries:
            t = targets[s.id]
            row = {"id": s.id, "label": s.label, "metric": t.metric, "year": s.year, "threshold": s.threshold,
                   "unit": s.unit, "comparison": t.comparison, "probability": s.probability,
                   "probability_stderr": s.probability_stderr, "p10": s.p10, "median": s.median, "p90": s.p90,
                   "headline": s.headline, "never_met": s.first_met["never"]}
            row.update({f"first_met_{y}": s.first_met[str(y)] for y in res.years})
            w.writerow(row)
    with (tmp / "rests_on.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rests_on.CSV_FIELDS))
        w.writeheader()
        w.writerows(rests_on.csv_rows(rests, {s.id: s.probability for s in summaries}))
    write_json(tmp / "results.json", res.meta())
    res.save_arrays(tmp / "arrays.npz")
    write_json(tmp / "calibration.json", fitted.to_dict())
    man = manifest.build(command=command_line(args), seed=res.seed, data_files=[Path(f).resolve() for f in obs.files],
                         inputs=[Path(path).resolve()], extra={
        "kind": "run", "scenario": scn.name, "scenario_file": str(Path(path).resolve()), "scenario_arg": str(path),
        "replications": res.replications, "workers": args.workers, "cwd": os.getcwd(),
        "data_hash": obs.data_hash, "until": obs.until, "results_sha256": results_digest(res),
        "data_args": [str(Path(d).resolve()) for d in args.data] if args.data else None, "until_arg": args.until})
    write_json(tmp / "manifest.json", man)
    figs = plots.run_figures(res, tmp / "figures")
    report.write_run_report(tmp / "report.html", res, summaries, man, figures=figs, assumptions=resolve(scn),
                            rests_on=rests,
                            data_sources=[f"{f} (sha256 {man['data_files'][f][:12]})" for f in obs.files])
    return summary


def summary_text(summary: dict[str, Any], out: Path) -> str:
    """The per-target probability lines printed after a run."""
    lines = [f"{summary['scenario']}: {summary['replications']} replications, seed {summary['seed']} -> {out}"]
    for t in summary["targets"]:
        top = (t.get("rests_on") or [None])[0]
        moves = top and abs(top["probability_high"] - top["probability_low"]) > 3 * 2**0.5 * top.get("stderr", 0.0)
        prior = (f"  (priors: {top['probability_low']:.2f} to {top['probability_high']:.2f} with {top['input']}, "
                 f"{top['kind']})" if moves else "")
        lines.append(f"  {t['id']:<28} P = {t['probability']:.3f} ± {t['probability_stderr']:.3f}{prior}")
    return "\n".join(lines)
