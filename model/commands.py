"""The CLI's command handlers: each takes the parsed arguments and calls the library.

Kept import-light at module level; heavy modules are imported inside handlers.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import sys
import time
from pathlib import Path
from typing import Any

from expressim.calibration.assumptions import AssumptionError
from expressim.calibration.errors import FitError
from expressim.calibration.observations import DataError
from expressim.model.fit_cache import fitted_for  # noqa: F401 - part of this module's interface
from expressim.model.outputs import Interrupted, OutputError, on_signal
from expressim.model.regions import RegionError
from expressim.model.run_outputs import command_line as _argv
from expressim.model.run_outputs import results_digest, summary_text, write_run
from expressim.model.scenario import ScenarioError


class CheckFailed(Exception):
    """A check that ran and failed (``run --check-manifest``: not reproduced); exit code 1."""


__all__ = ["USER_ERRORS", "CheckFailed", "Interrupted", "on_signal"]

#: errors caused by what the user gave: one line on stderr, exit code 2
USER_ERRORS: tuple[type[BaseException], ...] = (DataError, FitError, AssumptionError, ScenarioError, OutputError,
                                                 RegionError)


# ---- calibration -------------------------------------------------------------------------------

def warn(args: argparse.Namespace, message: str) -> None:
    """Queue a warning; the CLI prints the queue on stderr once the command has succeeded."""
    args.warnings = [*getattr(args, "warnings", []), message]


def _warn_conflicts(args: argparse.Namespace, obs: Any) -> None:
    from expressim.calibration.observations import CONFLICT_TOLERANCE

    big = [c for c in obs.conflicts if c.rel_spread > CONFLICT_TOLERANCE]
    if big:
        warn(args, f"{len(big)} duplicate observation(s) differ by more than {100 * CONFLICT_TOLERANCE:g}% "
                   f"(kept the most precise; --strict refuses them), first: {big[0].describe()}")


def load_observations(args: argparse.Namespace) -> Any:
    """Observation set from ``--data``/``--until``/``--strict`` (conflicts over 1% are warned about)."""
    from expressim.calibration.observations import load

    obs = load(args.data, until=args.until, strict=getattr(args, "strict", False))
    _warn_conflicts(args, obs)
    return obs


def cmd_calibrate(args: argparse.Namespace) -> str:
    """``expressim calibrate``: fit, write the artefact and the table of what each observation moved."""
    from expressim.calibration.observations import report
    from expressim.model import manifest
    from expressim.model.outputs import atomic_dir, check_target, write_json

    if args.out:
        check_target(args.out, force=args.force)
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
        import pandas as pd

        pd.DataFrame(list(fitted.moved)).to_csv(tmp / "what_moved.csv", index=False)
        write_json(tmp / "manifest.json", manifest.build(command=_argv(args), seed=None, data_files=obs.files,
                                                         extra={"data_hash": obs.data_hash, "until": obs.until}))
    lines = [f"calibrated {rep.n_observations} observations (+{rep.n_derived} derived from growth rates) "
             f"from {len(obs.files)} file(s) -> {out}"]
    lines += [f"scope break: {b}" for b in rep.scope_breaks if "express" in b]
    lines += [f"conflict over 1%: {c}" for c in rep.conflicts]
    lines += [f"note: {n}" for n in fitted.notes]
    lines += _moved_lines(fitted, 100 if getattr(args, "verbose", False) else 5)
    if not args.quiet:
        print("\n".join(lines), file=sys.stderr)
    return ""


def _moved_lines(fitted: Any, top: int) -> list[str]:
    """The observations that moved the headline forecasts most (what_moved.csv has them all)."""
    rows = sorted(fitted.moved, key=lambda r: -max(abs(v) for k, v in r.items() if k.endswith("%")))[:top]
    if not rows:
        return []
    heads = [k for k in rows[0] if k.endswith("%")]
    out = [f"what moved the forecasts of {fitted.last_year + 1} (leave-one-out, %): " + " | ".join(heads)]
    for r in rows:
        out.append(f"  {r['geography']}/{r['indicator']}/{r['period']}{' (growth-implied)' if r['implied_by_growth'] else ''}: "
                   + " | ".join(f"{r[k]:+.2f}" for k in heads))
    return out


def cmd_forecast(args: argparse.Namespace) -> dict[str, Any] | str:
    """``expressim forecast``: one window's distribution (``--json``: the contracted shape)."""
    from expressim.calibration.fit import forecast

    if not 100 <= args.draws <= 10_000_000:
        raise FitError(f"--draws: expected 100 to 10000000, got {args.draws}")
    obs = load_observations(args)
    fitted = fitted_for(obs)
    for note in fitted.notes:
        if note.startswith("not used:"):
            warn(args, note)
    result = forecast(fitted, args.geography, args.indicator, args.period, n=args.draws, seed=args.seed)
    if args.json:
        return result
    q = result["quantiles"]
    unit = result["unit"]
    scale, label = (1e8, "亿" + unit) if unit in ("件", "元") else (1.0, unit)
    return (f"{result['geography']} {result['indicator']} {result['period']}: median {q['0.5'] / scale:,.2f} {label}, "
            f"80% interval {q['0.1'] / scale:,.2f} - {q['0.9'] / scale:,.2f}, "
            f"90% interval {q['0.05'] / scale:,.2f} - {q['0.95'] / scale:,.2f}")


# ---- scenarios -----------------------------------------------------------------------------------

def check_scenario(path: str | Path) -> Any:
    """Load a scenario and check it against its region pack and the assumption register.

    Everything ``validate`` checks: the schema (:func:`model.scenario.load`), that every
    project's region is in the pack, that the scenario compiles, and that every parameter
    override names a simulation parameter.

    Raises
    ------
    ScenarioError
        ``path: place: what was expected`` (one line).
    """
    from expressim.model import scenario as sc
    from expressim.model.engine import compile_scenario
    from expressim.model.parameters import resolve
    from expressim.model.regions import load_pack

    scn = sc.load(path)
    pack = load_pack(scn.region_pack)
    allowed = [*pack.ids, "all", "Bijie"]
    for i, p in enumerate(scn.projects):
        if p.region not in allowed:
            close = difflib.get_close_matches(p.region, allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ScenarioError(f"{path}: projects.{i}.region: '{p.region}' is not a region of the {pack.name} pack; "
                                f"expected one of {', '.join(allowed)}{hint}")
    try:
        compile_scenario(scn, pack)
        resolve(scn)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return scn


def cmd_validate(args: argparse.Namespace) -> str:
    """``expressim validate``: check each scenario file (schema, regions, parameter overrides)."""
    lines = []
    for path in args.scenarios:
        scn = check_scenario(path)
        lines.append(f"{path}: ok ({scn.name}: {len(scn.projects)} projects, {len(scn.targets)} targets, "
                     f"{scn.start}..{scn.horizon})")
    return "" if args.quiet else "\n".join(lines)


def _progress(args: argparse.Namespace, total: int, desc: str) -> Any:
    """A tqdm bar on a terminal (after 2 s), nothing otherwise or with --quiet."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="rep", disable=args.quiet or not sys.stderr.isatty(), delay=2.0,
                leave=False, file=sys.stderr)


def _scenario_observations(args: argparse.Namespace, scn: Any, scenario_path: str) -> Any:
    from expressim.calibration.observations import load

    data = args.data
    if not data and scn.calibration.data:
        base = Path(scenario_path).resolve().parent
        data = [str((base / d) if not Path(d).is_absolute() else d) for d in scn.calibration.data]
    obs = load(data, until=args.until or scn.calibration.until, strict=getattr(args, "strict", False))
    _warn_conflicts(args, obs)
    return obs


#: share of physical memory a run's result arrays may take before it is refused
MEMORY_SHARE = 0.6


def _bytes_per_replication(scn: Any) -> int:
    """Rough peak bytes a replication's arrays take (results, chunk copies, concatenation)."""
    t, y = scn.n_months, len(scn.years)
    p = max(len(scn.projects), 1)
    k = max((len(pr.phases) for pr in scn.projects), default=1)
    floats = 4 * t + 2 * 8 * y + p * (1 + 2 * k) + 2 * (20 + len(scn.targets)) * y + 40
    return 8 * floats * 3


def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def check_run_args(scn: Any, path: str | Path, n: int, seed: int, workers: int) -> None:
    """Refuse replications, seeds and workers that cannot work, before any expensive step.

    Raises
    ------
    ScenarioError
        Replications below 1 or too many for this machine's memory, a negative seed,
        fewer than 1 worker.
    """
    if n < 1:
        raise ScenarioError(f"--replications: expected at least 1, got {n}")
    if seed < 0:
        raise ScenarioError(f"--seed: expected a non-negative whole number, got {seed}")
    if workers < 1:
        raise ScenarioError(f"--workers: expected at least 1, got {workers}")
    mem = _physical_memory()
    need = n * _bytes_per_replication(scn)
    if mem is not None and need > MEMORY_SHARE * mem:
        most = int(MEMORY_SHARE * mem // _bytes_per_replication(scn))
        raise ScenarioError(f"{path}: replications: {n} would need about {need / 2**30:.1f} GiB of memory "
                            f"(this machine has {mem / 2**30:.1f} GiB); expected at most about {most}")


def simulate(args: argparse.Namespace, path: str, *, replications: int | None = None, seed: int | None = None) -> Any:
    """Load a scenario and its calibration, run it; returns (scenario, observations, fitted, results).

    The replications, seed and workers are checked before observations are loaded and
    the model is calibrated, so a bad argument fails at once.
    """
    from expressim.model import ensemble

    scn = check_scenario(path)
    arg_n = getattr(args, "replications", None)
    arg_s = getattr(args, "seed", None)
    n = replications if replications is not None else (arg_n if arg_n is not None else scn.replications)
    s = seed if seed is not None else (arg_s if arg_s is not None else scn.seed)
    workers = getattr(args, "workers", 1)
    check_run_args(scn, path, n, s, workers)
    obs = _scenario_observations(args, scn, path)
    t0 = time.perf_counter()
    fitted = fitted_for(obs)
    _verbose_calibration(args, obs, fitted, time.perf_counter() - t0)
    t0 = time.perf_counter()
    with _progress(args, n, scn.name) as bar:
        res = ensemble.run(scn, fitted, replications=n, seed=s, workers=workers, progress=bar.update)
    dt = time.perf_counter() - t0
    _verbose(args, f"{scn.name}: {n} replications on {workers} worker(s) in {dt:.2f} s ({n / max(dt, 1e-9):,.0f} reps/s)")
    return scn, obs, fitted, res


def _verbose(args: argparse.Namespace, message: str) -> None:
    """Print a detail line on stderr with ``--verbose``."""
    if getattr(args, "verbose", False):
        print(f"expressim: {message}", file=sys.stderr)


def _verbose_calibration(args: argparse.Namespace, obs: Any, fitted: Any, seconds: float) -> None:
    """With ``--verbose``: what the calibration used and found."""
    if not getattr(args, "verbose", False):
        return
    _verbose(args, f"data: {', '.join(obs.files)} (sha256 {obs.data_hash[:12]}, until {obs.until or '-'}); "
                   f"calibrated in {seconds:.2f} s")
    for b in obs.scope_breaks:
        if b.indicator.startswith("express"):
            _verbose(args, f"scope break {b.geography}/{b.indicator}/{b.period}: ratio {b.ratio:.3f}")
    est = fitted.hier.to_dict()
    _verbose(args, "state-space estimate: " + ", ".join(f"{k} {v:.3g}" for k, v in est["parameters"].items())
             + f" ({est['observations_in_likelihood']} observations in the likelihood)")
    for line in _moved_lines(fitted, 5):
        _verbose(args, line)
    for note in fitted.notes:
        _verbose(args, f"note: {note}")


def _default_out(kind: str, name: str, *parts: Any) -> Path:
    from expressim.model.outputs import safe_name

    key = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12]
    return Path("outputs") / safe_name(name) / f"{kind}-{key}" if kind else Path("outputs") / safe_name(name) / key


def cmd_run(args: argparse.Namespace) -> str:
    """``expressim run``: simulate a scenario and write the contracted outputs atomically.

    An explicit ``--out`` holding a run is refused unless ``--force`` (checked before the
    simulation); the default ``outputs/<scenario>/<hash>/`` names the inputs, so rerunning
    the same inputs replaces it.
    """
    from expressim.model.outputs import atomic_dir, check_target

    if args.check_manifest:
        if args.scenario:
            raise ScenarioError(f"run: --check-manifest reruns the scenario recorded in {args.check_manifest}; "
                                f"expected no SCENARIO.yaml as well (got {args.scenario})")
        return check_manifest(args)
    if not args.scenario:
        raise ScenarioError("run: expected SCENARIO.yaml (or --check-manifest DIR)")
    if args.out:
        check_target(args.out, force=args.force)
    scn, obs, fitted, res = simulate(args, args.scenario)
    out = Path(args.out) if args.out else _default_out("", scn.name, Path(args.scenario).read_bytes(), obs.data_hash,
                                                        obs.until, res.replications, res.seed)
    with atomic_dir(out, force=args.force or not args.out) as tmp:
        summary = write_run(tmp, args, args.scenario, scn, obs, fitted, res)
    if not args.quiet:
        print(summary_text(summary, out), file=sys.stderr)
    return ""


def _versions_differ(recorded: dict[str, str]) -> list[str]:
    from expressim.model import manifest

    now = manifest.versions()
    return [f"{k} {v} -> {now.get(k)}" for k, v in sorted(recorded.items()) if now.get(k) != v]


def check_manifest(args: argparse.Namespace) -> str:
    """Rerun the run recorded in ``DIR/manifest.json`` and confirm bit-identical results.

    Raises
    ------
    OutputError
        No readable run manifest in ``DIR`` (exit code 2).
    CheckFailed
        An input changed or is missing, or the rerun's results differ (exit code 1).
    """
    import json

    from expressim.model.outputs import file_sha256

    d = Path(args.check_manifest)
    try:
        man = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        path, n, seed = str(man["scenario_file"]), int(man["replications"]), int(man["seed"])
        recorded = str(man["results_sha256"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OutputError(f"--check-manifest {d}: expected a run folder with a manifest.json recording "
                          f"scenario_file, replications, seed and results_sha256 ({type(exc).__name__})") from None
    if man.get("kind", "run") != "run":
        raise OutputError(f"--check-manifest {d}: a '{man.get('kind')}' manifest; expected one written by expressim run")
    base = Path(str(man.get("cwd") or "."))

    def absolute(f: str) -> Path:
        p = Path(f)
        return p if p.is_absolute() else base / p

    for f, h in {**man.get("inputs", {}), **man.get("data_files", {})}.items():
        if not absolute(f).is_file():
            raise CheckFailed(f"{d}: NOT reproducible: input {f} is missing")
        if file_sha256(absolute(f)) != h:
            raise CheckFailed(f"{d}: NOT reproducible: input {f} changed since the run "
                              f"(sha256 {file_sha256(absolute(f))[:12]}, recorded {str(h)[:12]})")
    args.data = [str(absolute(x)) for x in man["data_args"]] if man.get("data_args") else None
    args.until = man.get("until_arg")
    args.replications, args.seed = None, None
    _, _, _, res = simulate(args, str(absolute(path)), replications=n, seed=seed)
    digest = results_digest(res)
    if digest != recorded:
        diff = _versions_differ(man.get("versions", {}))
        why = f"; package versions differ: {', '.join(diff)}" if diff else "; same package versions"
        raise CheckFailed(f"{d}: NOT reproduced: results sha256 {digest[:12]}, recorded {recorded[:12]}{why}")
    return f"reproduced: {d} ({n} replications, seed {seed}, results sha256 {digest[:12]})"


def cmd_compare(args: argparse.Namespace) -> str:
    """``expressim compare`` (implemented in :mod:`model.compare`)."""
    from expressim.model.compare import cmd_compare as run_compare

    return run_compare(args)


def cmd_sensitivity(args: argparse.Namespace) -> str:
    """``expressim sensitivity`` (implemented in :mod:`model.sensitivity`)."""
    from expressim.model.sensitivity_command import cmd_sensitivity as run_sensitivity

    return run_sensitivity(args)
