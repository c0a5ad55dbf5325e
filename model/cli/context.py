"""What every command shares: exit codes, user errors, argument checks, progress, warnings,
the scenario's observations and calibration, the default output folders.

Kept import-light at module level; heavy modules are imported inside the functions.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expressim.calibration.seam import Calibration, DescribedCalibration
from expressim.model.spec.scenario import ScenarioError
from expressim.model.store.fit_cache import fitted_for

if TYPE_CHECKING:
    from expressim.model.spec.regions import RegionPack

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


class CheckFailed(Exception):
    """A check that ran and failed (``run --check-manifest``: not reproduced); exit code 1."""


def user_errors() -> tuple[type[BaseException], ...]:
    """Errors caused by what the user gave: one line on stderr, exit code 2."""
    from expressim.calibration.assumptions import AssumptionError
    from expressim.calibration.errors import FitError
    from expressim.calibration.observations import DataError
    from expressim.model.spec.regions import RegionError
    from expressim.model.store.folders import OutputError

    return (DataError, FitError, AssumptionError, ScenarioError, OutputError, RegionError)


#: the fewest replications each command can work with (a comparison needs a variance)
MIN_REPLICATIONS = {"compare": 2}
#: the fewest base samples of each sensitivity method
MIN_SAMPLES = {"sobol": 8, "morris": 2}
#: forecast draws accepted
DRAWS_RANGE = (100, 10_000_000)


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse numeric options that cannot work, for every command, before any work is done.

    Raises
    ------
    ScenarioError
        ``--replications`` below the command's minimum, a negative ``--seed``, ``--workers``
        below 1, ``--samples`` below the method's minimum, ``--draws`` out of range or
        ``--probability`` outside (0, 1); the message names the option and what was expected.
    """
    n = getattr(args, "replications", None)
    least = MIN_REPLICATIONS.get(args.command, 1)
    if n is not None and n < least:
        raise ScenarioError(f"--replications: expected at least {least}, got {n}")
    seed = getattr(args, "seed", None)
    if seed is not None and seed < 0:
        raise ScenarioError(f"--seed: expected a non-negative whole number, got {seed}")
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        raise ScenarioError(f"--workers: expected at least 1, got {workers}")
    samples = getattr(args, "samples", None)
    if samples is not None and samples < MIN_SAMPLES[args.method]:
        raise ScenarioError(f"--samples: expected at least {MIN_SAMPLES[args.method]} for {args.method}, got {samples}")
    draws = getattr(args, "draws", None)
    if draws is not None and not DRAWS_RANGE[0] <= draws <= DRAWS_RANGE[1]:
        raise ScenarioError(f"--draws: expected {DRAWS_RANGE[0]} to {DRAWS_RANGE[1]}, got {draws}")
    probability = getattr(args, "probability", None)
    if probability is not None and not 0.0 < probability < 1.0:
        raise ScenarioError(f"--probability: expected a number between 0 and 1, got {probability}")


# ---- calibration -------------------------------------------------------------------------------

def warn(args: argparse.Namespace, message: str) -> None:
    """Queue a warning (once: a repeated message is not queued again); the CLI prints the queue on
    stderr once the command has succeeded."""
    queued = getattr(args, "warnings", [])
    if message not in queued:
        args.warnings = [*queued, message]


def warn_region(args: argparse.Namespace, path: str, pack: RegionPack, fitted: Calibration) -> None:
    """Warn when the scenario's region pack is for another prefecture than the calibration's baseline."""
    if pack.prefecture and pack.prefecture != fitted.region:
        warn(args, f"{path}: region pack '{pack.name}' is for {pack.prefecture}, but the calibration's baseline "
                   f"parcels are {fitted.region}'s: the counties are the pack's, the parcel paths are not")


def _warn_conflicts(args: argparse.Namespace, obs: Any) -> None:
    from expressim.calibration.observations import CONFLICT_TOLERANCE

    big = [c for c in obs.conflicts if c.rel_spread > CONFLICT_TOLERANCE]
    if big:
        warn(args, f"{len(big)} duplicate observation(s) differ by more than {100 * CONFLICT_TOLERANCE:g}% "
                   f"(kept the most precise; --strict refuses them), first: {big[0].describe()}")
    from expressim.calibration.observations import default_data_dir

    shipped = str(default_data_dir())
    for line in obs.skipped:  # the shipped files' known leftovers are listed by `calibrate` only
        if not line.startswith(shipped):
            warn(args, line)


def load_observations(args: argparse.Namespace) -> Any:
    """Observation set from ``--data``/``--until``/``--strict`` (conflicts over 1% are warned about)."""
    from expressim.calibration.observations import load

    obs = load(args.data, until=args.until, strict=getattr(args, "strict", False))
    _warn_conflicts(args, obs)
    return obs


# ---- scenarios -----------------------------------------------------------------------------------

def check_scenario(path: str | Path) -> Any:
    """Load a scenario and check it against its region pack and the assumption register.

    Everything ``validate`` checks: the schema (:func:`model.spec.scenario.load`), that every
    project's region is in the pack, that the scenario compiles, and that every parameter
    override names a simulation parameter.

    Raises
    ------
    ScenarioError
        ``path: place: what was expected`` (one line).
    """
    from expressim.model.engine.parameters import resolve
    from expressim.model.engine.simulate import compile_scenario
    from expressim.model.spec import scenario as sc
    from expressim.model.spec.regions import RegionError, load_pack

    scn = sc.load(path)
    try:
        pack = load_pack(scn.region_pack)
    except RegionError as exc:
        raise ScenarioError(f"{path}: region_pack: {exc}") from None
    allowed = [*pack.ids, "all", pack.prefecture]
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


def progress_bar(args: argparse.Namespace, total: int, desc: str) -> Any:
    """A tqdm bar on a terminal (after 2 s), nothing otherwise or with --quiet."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="rep", disable=args.quiet or not sys.stderr.isatty(), delay=2.0,
                leave=False, file=sys.stderr)


def scenario_data(args: argparse.Namespace, scn: Any, scenario_path: str | Path) -> list[str] | None:
    """``--data``, else the scenario's ``calibration.data`` (relative to the scenario file), else None (shipped)."""
    data = getattr(args, "data", None)
    if not data and scn.calibration.data:
        base = Path(scenario_path).resolve().parent
        data = [str((base / d) if not Path(d).is_absolute() else d) for d in scn.calibration.data]
    return data


def scenario_observations(args: argparse.Namespace, scn: Any, scenario_path: str) -> Any:
    """The observations of a scenario's run, checked to reach its years (:func:`check_reach`) before any fit."""
    from expressim.calibration.observations import load

    data = scenario_data(args, scn, scenario_path)
    given = getattr(args, "until", None)
    until = given or scn.calibration.until
    obs = load(data, until=until, strict=getattr(args, "strict", False))
    from expressim.model.cli.reach import check_reach

    check_reach(obs, scn, scenario_path, until=until, until_label="--until" if given else f"{scenario_path}: calibration.until",
                data=data)
    _warn_conflicts(args, obs)
    return obs


# ---- memory: one estimator per command, one refusal ---------------------------------------------------

#: share of physical memory a command's estimated peak may take before it is refused
MEMORY_SHARE = 0.6
#: peak bytes per forecast draw: a fixed part and a part per year past the data.  Measured with
#: ``/usr/bin/time -f %M expressim forecast --draws 1000000`` (the prefecture's express_volume: 2.3 GB for 2025,
#: 4.4 GB for 2036 with data to 2024), rounded up.
FORECAST_BYTES_PER_DRAW = (2400, 200)
#: SALib's bootstrap resamples of each index (model.analysis.sensitivity.analyse), held as indices and values
SENSITIVITY_RESAMPLES = 100


def _bytes_per_replication(scn: Any, n_counties: int) -> int:
    """Rough peak bytes a replication's arrays take (results, chunk copies, concatenation).

    The county term is the demand model's per-county monthly arrays (policy multipliers, shares,
    openings: about 4.5 kB per county and replication for 36 months, measured with ``tracemalloc``
    at 3, 8 and 100 counties), so a pack with many counties is estimated from above, not 16x below.
    """
    t, y = scn.n_months, len(scn.years)
    p = max(len(scn.projects), 1)
    k = max((len(pr.phases) for pr in scn.projects), default=1)
    floats = 4 * t + 6 * n_counties * t + p * (1 + 2 * k) + 2 * (20 + len(scn.targets)) * y + 40
    return 8 * floats * 3


def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(option: str, count: int, bytes_each: float) -> None:
    """Refuse ``count`` units of work (replications, samples, draws) whose estimated peak memory passes
    :data:`MEMORY_SHARE` of this machine's, before any work is done.

    Parameters
    ----------
    option : str
        What the user set, as named in the message (``--samples``, ``plan.yaml: replications``).
    count : int
        Units asked for.
    bytes_each : float
        Estimated peak bytes per unit [bytes] (the command's estimator).

    Raises
    ------
    ScenarioError
        ``OPTION: N would need about X GiB of memory (this machine has Y GiB); expected at most about M``.
    """
    mem = _physical_memory()
    need = count * max(bytes_each, 1.0)
    if mem is None or need <= MEMORY_SHARE * mem:
        return
    most = int(MEMORY_SHARE * mem // max(bytes_each, 1.0))
    raise ScenarioError(f"{option}: {count:,} would need about {need / 2**30:,.1f} GiB of memory (this machine has "
                        f"{mem / 2**30:.1f} GiB); expected at most about {most:,}")


def _replications_option(args: argparse.Namespace, path: str | Path, override: int | None = None) -> str:
    given = override is None and getattr(args, "replications", None) is not None
    return "--replications" if given else f"{path}: replications"


def replication_bytes(scn: Any) -> int:
    """Estimated peak bytes of one replication of ``scn`` (its region pack's counties)."""
    from expressim.model.spec.regions import load_pack

    return _bytes_per_replication(scn, len(load_pack(scn.region_pack).counties))


def memory_run(args: argparse.Namespace, scn: Any, path: str | Path, n: int, override: int | None = None) -> None:
    """``run`` (and each scenario's run elsewhere): the results of ``n`` replications."""
    check_memory(_replications_option(args, path, override), n, replication_bytes(scn))


def memory_compare(args: argparse.Namespace, scenarios: list[tuple[Any, str]], n: int, shifts: int = 0) -> None:
    """``compare``: every scenario's results are held together (``--latest-opening``: one shift at a time
    next to the plain run, each reduced to its target)."""
    each = sum(replication_bytes(s) for s, _ in scenarios) if not shifts else 2 * replication_bytes(scenarios[0][0])
    check_memory(_replications_option(args, scenarios[0][1]), n, each)


def memory_monitor(args: argparse.Namespace, scn: Any, path: str | Path, n: int, points: int) -> None:
    """``monitor``: one as-of date's results at a time, plus each date's attainment of every target."""
    check_memory(_replications_option(args, path), n, replication_bytes(scn) + 8 * points * (len(scn.targets) + 2))


def memory_sensitivity(args: argparse.Namespace, scn: Any, path: str | Path, n_targets: int) -> None:
    """``sensitivity``: a Sobol'/Morris design of ``--samples`` base rows, its outputs and the bootstrap,
    then the plain run used for scenario discovery (``--replications``)."""
    from expressim.model.engine.parameters import resolve

    k = (sum(not d.is_fixed for d in resolve(scn).values())
         + sum(not ph.duration.is_fixed for p in scn.projects for ph in p.phases) + len(scn.years) + 1)
    rows = k + 2  # A, B and one AB matrix per factor (Morris: k + 1 per trajectory)
    per_sample = 8 * rows * (3 * k + 4 * n_targets + 4) + 8 * SENSITIVITY_RESAMPLES * (6 + 4 * n_targets)
    check_memory("--samples", args.samples, per_sample)
    n = args.replications if args.replications is not None else scn.replications
    memory_run(args, scn, path, n)


def memory_forecast(args: argparse.Namespace, years_ahead: int) -> None:
    """``forecast``: ``--draws`` paths of the states to the forecast year."""
    fixed, per_year = FORECAST_BYTES_PER_DRAW
    check_memory("--draws", args.draws, fixed + per_year * max(years_ahead, 1))


def check_run_args(scn: Any, path: str | Path, n: int, n_counties: int, *, option: str | None = None) -> None:
    """Refuse a replication count that cannot work or would not fit in memory, before any expensive step.

    ``n_counties`` is the region pack's; seeds and workers were checked with the options
    (:func:`check_arguments`).

    Raises
    ------
    ScenarioError
        Replications below 1 or too many for this machine's memory (:func:`check_memory`).
    """
    if n < 1:  # the scenario's own count (the options were checked by check_arguments)
        raise ScenarioError(f"{path}: replications: expected at least 1, got {n}")
    check_memory(option or f"{path}: replications", n, _bytes_per_replication(scn, n_counties))


def simulate(args: argparse.Namespace, path: str, *, replications: int | None = None, seed: int | None = None) -> Any:
    """Load a scenario and its calibration, run it; returns (scenario, observations, fitted, results).

    The replications, seed and workers are checked before observations are loaded and
    the model is calibrated, so a bad argument fails at once.
    """
    from expressim.model.analysis.monitor import assess
    from expressim.model.cli.progress_inputs import progress_for
    from expressim.model.spec.regions import load_pack

    scn = check_scenario(path)
    arg_n = getattr(args, "replications", None)
    arg_s = getattr(args, "seed", None)
    n = replications if replications is not None else (arg_n if arg_n is not None else scn.replications)
    s = seed if seed is not None else (arg_s if arg_s is not None else scn.seed)
    workers = getattr(args, "workers", 1)
    pack = load_pack(scn.region_pack)
    check_run_args(scn, path, n, len(pack.counties), option=_replications_option(args, path, replications))
    prog = progress_for(args, scn, path, getattr(args, "until", None) or scn.calibration.until)
    obs = scenario_observations(args, scn, path)
    t0 = time.perf_counter()
    fitted = fitted_for(obs, pack=pack)
    warn_region(args, path, pack, fitted)
    _verbose_calibration(args, obs, fitted, time.perf_counter() - t0)
    t0 = time.perf_counter()
    with progress_bar(args, n, scn.name) as bar:
        res = assess(scn, fitted, obs, prog, replications=n, seed=s, workers=workers, on_chunk=bar.update)
    if res.conditioning is not None and res.conditioning.imposed:
        warn(args, f"{prog.path if prog else ''}: the scenario's durations (almost) never meet the fact(s) on line(s) "
                   f"{', '.join(map(str, sorted(res.conditioning.imposed)))}; imposed in "
                   f"{max(res.conditioning.imposed.values())} replication(s) (see the report)")
    dt = time.perf_counter() - t0
    verbose(args, f"{scn.name}: {n} replications on {workers} worker(s) in {dt:.2f} s ({n / max(dt, 1e-9):,.0f} reps/s)")
    return scn, obs, fitted, res


def verbose(args: argparse.Namespace, message: str) -> None:
    """Print a detail line on stderr with ``--verbose``."""
    if getattr(args, "verbose", False):
        from expressim.model.spec.validation_messages import escape_controls

        print(f"expressim: {escape_controls(message)}", file=sys.stderr)


def _verbose_calibration(args: argparse.Namespace, obs: Any, fitted: DescribedCalibration, seconds: float) -> None:
    """With ``--verbose``: what the calibration used and found."""
    if not getattr(args, "verbose", False):
        return
    verbose(args, f"data: {', '.join(obs.files)} (sha256 {obs.data_hash[:12]}, until {obs.until or '-'}); "
                   f"calibrated in {seconds:.2f} s")
    for b in obs.scope_breaks:
        if b.indicator.startswith("express"):
            verbose(args, f"scope break {b.geography}/{b.indicator}/{b.period}: ratio {b.ratio:.3f}")
    est = fitted.hier.to_dict()
    verbose(args, "state-space estimate: " + ", ".join(f"{k} {v:.3g}" for k, v in est["parameters"].items())
            + f" ({est['observations_in_likelihood']} observations in the likelihood)")
    for line in moved_lines(fitted, 5):
        verbose(args, line)
    for note in fitted.notes:
        verbose(args, f"note: {note}")


def moved_lines(fitted: Any, top: int) -> list[str]:
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


def default_out(kind: str, name: str, *parts: Any) -> Path:
    """The default output folder ``outputs/<name>/[<kind>-]<hash of parts>/`` (same inputs, same folder)."""
    from expressim.model.spec.names import safe_name

    key = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12]
    return Path("outputs") / safe_name(name) / f"{kind}-{key}" if kind else Path("outputs") / safe_name(name) / key


def command_line(args: argparse.Namespace) -> list[str]:
    """The command line as given (``main`` records it in ``args.argv``; ``sys.argv`` otherwise)."""
    return list(getattr(args, "argv", None) or sys.argv)
