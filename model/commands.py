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
