"""The CLI's command handlers: each takes the parsed arguments and calls the library.

Kept import-light at module level; heavy modules are imported inside handlers.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from calibration.assumptions import AssumptionError
from calibration.errors import FitError
from calibration.observations import DataError
from model.outputs import OutputError
from model.scenario import ScenarioError


class Interrupted(Exception):
    """Raised from a SIGTERM handler so that partial outputs are cleaned up."""


#: errors caused by what the user gave: one line on stderr, exit code 2
USER_ERRORS: tuple[type[BaseException], ...] = (DataError, FitError, AssumptionError, ScenarioError, OutputError)


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Interrupted("terminated")


def _install_signal_handlers() -> None:
    signal.signal(signal.SIGTERM, _on_sigterm)


def _say(args: argparse.Namespace, msg: str) -> None:
    if not getattr(args, "quiet", False):
        print(msg, file=sys.stderr)


# ---- calibration -------------------------------------------------------------------------------

def _cache_dir() -> Path:
    base = os.environ.get("EXPRESSIM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(tempfile.gettempdir(), f"expressim-{os.getuid()}"), "fitted")
    return Path(base)


def _code_hash() -> str:
    import calibration

    h = hashlib.sha256()
    root = Path(calibration.__file__).parent
    for f in sorted(root.glob("*.py")) + [root / "data" / "assumptions.yaml"]:
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def load_observations(args: argparse.Namespace) -> Any:
    """Observation set from ``--data``/``--until``/``--strict``."""
    from calibration.observations import load

    return load(args.data, until=args.until, strict=getattr(args, "strict", False))


def fitted_for(obs: Any, *, use_cache: bool = True) -> Any:
    """Calibrate, reusing a cached fit of the same data, ``--until`` and code."""
    from calibration.fit import fit_all

    key = hashlib.sha256(f"{obs.data_hash}|{obs.until}|{_code_hash()}".encode()).hexdigest()[:24]
    path = _cache_dir() / f"{key}.pickle"
    if use_cache and path.is_file():
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001 - a stale or truncated cache is just refitted
            pass
    fitted = fit_all(obs)
    if use_cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(fitted, fh)
            tmp.replace(path)
        except OSError:
            pass
    return fitted


def cmd_calibrate(args: argparse.Namespace) -> str:
    """``expressim calibrate``: fit, backtest, write the artefact and backtest plots."""
    from calibration.observations import report
    from model import manifest, plots
    from model.outputs import atomic_dir, write_json

    _install_signal_handlers()
    obs = load_observations(args)
    fitted = fitted_for(obs, use_cache=False)
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
            plots.save(plots.backtest_plot(nf), tmp / "figures" / f"backtest_China_{ind}.png")
        write_json(tmp / "manifest.json", manifest.build(command=sys.argv, seed=None, data_files=obs.files,
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


def cmd_forecast(args: argparse.Namespace) -> dict[str, Any] | str:
    """``expressim forecast``: one window's distribution (``--json``: the contracted shape)."""
    from calibration.fit import forecast

    if args.draws < 100:
        raise FitError(f"--draws: expected at least 100, got {args.draws}")
    obs = load_observations(args)
    result = forecast(fitted_for(obs), args.geography, args.indicator, args.period, n=args.draws, seed=args.seed)
    if args.json:
        return result
    q = result["quantiles"]
    unit = result["unit"]
    scale, label = (1e8, "亿" + unit) if unit in ("件", "元") else (1.0, unit)
    return (f"{result['geography']} {result['indicator']} {result['period']}: median {q['0.5'] / scale:,.2f} {label}, "
            f"80% interval {q['0.1'] / scale:,.2f} - {q['0.9'] / scale:,.2f}, "
            f"90% interval {q['0.05'] / scale:,.2f} - {q['0.95'] / scale:,.2f}")


# ---- scenarios -----------------------------------------------------------------------------------

def cmd_validate(args: argparse.Namespace) -> str:
    """``expressim validate``: check each scenario file (schema, regions, parameter overrides)."""
    from model import scenario as sc
    from model.engine import compile_scenario
    from model.parameters import resolve
    from model.regions import load_pack

    lines = []
    for path in args.scenarios:
        scn = sc.load(path)
        try:
            compile_scenario(scn, load_pack(scn.region_pack))
            resolve(scn)
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: {exc}") from None
        lines.append(f"{path}: ok ({scn.name}: {len(scn.projects)} projects, {len(scn.targets)} targets, "
                     f"{scn.start}..{scn.horizon})")
    return "" if args.quiet else "\n".join(lines)


def _progress(args: argparse.Namespace, total: int, desc: str) -> Any:
    """A tqdm bar on a terminal (after 2 s), nothing otherwise or with --quiet."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="rep", disable=args.quiet or not sys.stderr.isatty(), delay=2.0,
                leave=False, file=sys.stderr)


def _scenario_observations(args: argparse.Namespace, scn: Any, scenario_path: str) -> Any:
    from calibration.observations import load

    data = args.data
    if not data and scn.calibration.data:
        base = Path(scenario_path).resolve().parent
        data = [str((base / d) if not Path(d).is_absolute() else d) for d in scn.calibration.data]
    return load(data, until=args.until or scn.calibration.until, strict=getattr(args, "strict", False))


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


def simulate(args: argparse.Namespace, path: str, *, replications: int | None = None, seed: int | None = None) -> Any:
    """Load a scenario and its calibration, run it; returns (scenario, observations, results)."""
    from model import ensemble
    from model import scenario as sc

    scn = sc.load(path)
    obs = _scenario_observations(args, scn, path)
    fitted = fitted_for(obs)
    n = replications if replications is not None else (args.replications or scn.replications)
    s = seed if seed is not None else (args.seed if args.seed is not None else scn.seed)
    if n < 1:
        raise ScenarioError(f"--replications: expected at least 1, got {n}")
    if args.workers < 1:
        raise ScenarioError(f"--workers: expected at least 1, got {args.workers}")
    with _progress(args, n, scn.name) as bar:
        res = ensemble.run(scn, fitted, replications=n, seed=s, workers=args.workers, progress=bar.update)
    return scn, obs, fitted, res


def _default_out(kind: str, name: str, *parts: Any) -> Path:
    from model.outputs import safe_name

    key = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12]
    return Path("outputs") / safe_name(name) / f"{kind}-{key}" if kind else Path("outputs") / safe_name(name) / key


def write_run(tmp: Path, args: argparse.Namespace, path: str, scn: Any, obs: Any, fitted: Any, res: Any) -> dict[str, Any]:
    """Write every output of a run into ``tmp``; returns the summary dictionary."""
    import csv

    from model import manifest, plots, report
    from model.outputs import write_json
    from model.parameters import resolve

    summaries = res.summary()
    summary = {"scenario": scn.name, "seed": res.seed, "replications": res.replications,
               "targets": [{k: v for k, v in s.as_dict().items() if k != "first_met"} for s in summaries]}
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
    write_json(tmp / "results.json", res.meta())
    res.save_arrays(tmp / "arrays.npz")
    write_json(tmp / "calibration.json", fitted.to_dict())
    man = manifest.build(command=sys.argv, seed=res.seed, data_files=obs.files, inputs=[path], extra={
        "scenario": scn.name, "scenario_file": str(path), "replications": res.replications, "workers": args.workers,
        "data_hash": obs.data_hash, "until": obs.until, "results_sha256": results_digest(res),
        "data_args": args.data, "until_arg": args.until})
    write_json(tmp / "manifest.json", man)
    figs = plots.run_figures(res, tmp / "figures")
    report.write_run_report(tmp / "report.html", res, summaries, man, figures=figs, assumptions=resolve(scn),
                            data_sources=[f"{f} (sha256 {man['data_files'][f][:12]})" for f in obs.files])
    return summary


def _summary_text(summary: dict[str, Any], out: Path) -> str:
    lines = [f"{summary['scenario']}: {summary['replications']} replications, seed {summary['seed']} -> {out}"]
    for t in summary["targets"]:
        lines.append(f"  {t['id']:<28} P = {t['probability']:.3f} ± {t['probability_stderr']:.3f}")
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> str:
    """``expressim run``: simulate a scenario and write the contracted outputs atomically."""
    from model.outputs import atomic_dir

    _install_signal_handlers()
    if args.check_manifest:
        return check_manifest(args)
    scn, obs, fitted, res = simulate(args, args.scenario)
    out = Path(args.out) if args.out else _default_out("", scn.name, Path(args.scenario).read_bytes(), obs.data_hash,
                                                        res.replications, res.seed)
    with atomic_dir(out, force=args.force) as tmp:
        summary = write_run(tmp, args, args.scenario, scn, obs, fitted, res)
    if not args.quiet:
        print(_summary_text(summary, out), file=sys.stderr)
    return ""


def check_manifest(args: argparse.Namespace) -> str:
    """Rerun the run recorded in ``DIR/manifest.json`` and confirm bit-identical results."""
    import json

    from model.outputs import file_sha256

    d = Path(args.check_manifest)
    try:
        man = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        path, n, seed = man["scenario_file"], int(man["replications"]), int(man["seed"])
    except (OSError, ValueError, KeyError) as exc:
        raise OutputError(f"--check-manifest {d}: no readable manifest.json with scenario_file, replications, seed "
                          f"({type(exc).__name__})") from None
    changed = [f for f, h in {**man.get("inputs", {}), **man.get("data_files", {})}.items()
               if not Path(f).is_file() or file_sha256(f) != h]
    if changed:
        raise OutputError(f"--check-manifest: input changed or missing since the run: {changed[0]}")
    args.data = man.get("data_args")
    args.until = man.get("until_arg")
    _, _, _, res = simulate(args, path, replications=n, seed=seed)
    digest = results_digest(res)
    if digest != man.get("results_sha256"):
        raise OutputError(f"--check-manifest {d}: NOT reproduced (results digest {digest[:12]} != "
                          f"{str(man.get('results_sha256'))[:12]})")
    return f"reproduced: {d} ({n} replications, seed {seed}, results sha256 {digest[:12]})"


def cmd_compare(args: argparse.Namespace) -> str:
    """``expressim compare`` (implemented in :mod:`model.compare`)."""
    from model.compare import cmd_compare as run_compare

    _install_signal_handlers()
    return run_compare(args)


def cmd_sensitivity(args: argparse.Namespace) -> str:
    """``expressim sensitivity`` (implemented in :mod:`model.sensitivity`)."""
    from model.sensitivity import cmd_sensitivity as run_sensitivity

    _install_signal_handlers()
    return run_sensitivity(args)
