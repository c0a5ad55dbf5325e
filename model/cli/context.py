"""What every command shares: exit codes, user errors, argument checks, progress, warnings,
the scenario's observations and calibration, the default output folders.

Kept import-light at module level; heavy modules are imported inside the functions.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, NamedTuple, Protocol, Self

from expressim.calibration.seam import Calibration, DescribedCalibration
from expressim.model.cli.options import (
    CompareOptions,
    DataOptions,
    ForecastOptions,
    Options,
    ScenarioOptions,
    SensitivityOptions,
    Warnings,
)
from expressim.model.spec.scenario import Scenario, ScenarioError
from expressim.model.store.fit_cache import fitted_for

if TYPE_CHECKING:
    from expressim.calibration.observations import ObservationSet
    from expressim.model.engine.results import Results
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


def check_arguments(args: Options) -> None:
    """Refuse numeric options that cannot work, for every command, before any work is done.

    Raises
    ------
    ScenarioError
        ``--replications`` below the command's minimum, a negative ``--seed``, ``--workers``
        below 1, ``--samples`` below the method's minimum, ``--draws`` out of range or
        ``--probability`` outside (0, 1); the message names the option and what was expected.
    """
    scenario = args if isinstance(args, ScenarioOptions) else None
    n = scenario.replications if scenario is not None else None
    least = MIN_REPLICATIONS.get(args.command, 1)
    if n is not None and n < least:
        raise ScenarioError(f"--replications: expected at least {least}, got {n}")
    seed = scenario.seed if scenario is not None else args.seed if isinstance(args, ForecastOptions) else None
    if seed is not None and seed < 0:
        raise ScenarioError(f"--seed: expected a non-negative whole number, got {seed}")
    if scenario is not None and scenario.workers < 1:
        raise ScenarioError(f"--workers: expected at least 1, got {scenario.workers}")
    if isinstance(args, SensitivityOptions) and args.samples < MIN_SAMPLES[args.method]:
        raise ScenarioError(f"--samples: expected at least {MIN_SAMPLES[args.method]} for {args.method}, "
                            f"got {args.samples}")
    if isinstance(args, ForecastOptions) and not DRAWS_RANGE[0] <= args.draws <= DRAWS_RANGE[1]:
        raise ScenarioError(f"--draws: expected {DRAWS_RANGE[0]} to {DRAWS_RANGE[1]}, got {args.draws}")
    if isinstance(args, CompareOptions) and not 0.0 < args.probability < 1.0:
        raise ScenarioError(f"--probability: expected a number between 0 and 1, got {args.probability}")


# ---- calibration -------------------------------------------------------------------------------

def warn_region(warned: Warnings, path: str, pack: RegionPack, fitted: Calibration) -> None:
    """Warn when the scenario's region pack is for another prefecture than the calibration's baseline."""
    if pack.prefecture and pack.prefecture != fitted.region:
        warned.add(f"{path}: region pack '{pack.name}' is for {pack.prefecture}, but the calibration's baseline "
                   f"parcels are {fitted.region}'s: the counties are the pack's, the parcel paths are not")


def warn_about_data(warned: Warnings, obs: ObservationSet) -> None:
    """Warn about what a load found in the user's files: conflicts over 1%, rows not used, unknown keys."""
    from expressim.calibration.observations import CONFLICT_TOLERANCE

    big = [c for c in obs.conflicts if c.rel_spread > CONFLICT_TOLERANCE]
    if big:
        warned.add(f"{len(big)} duplicate observation(s) differ by more than {100 * CONFLICT_TOLERANCE:g}% "
                   f"(kept the most precise; --strict refuses them), first: {big[0].describe()}")
    from expressim.calibration.observations import default_data_dir

    shipped = str(default_data_dir())
    for line in obs.skipped:  # the shipped files' known leftovers are listed by `calibrate` only
        if not line.startswith(shipped):
            warned.add(line)
    for line in obs.unfamiliar:
        warned.add(line)


def load_observations(args: DataOptions, warned: Warnings, pack_file: str | Path | None = None) -> ObservationSet:
    """Observation set from ``--data``/``--until``/``--strict`` (conflicts over 1% are warned about); rows may
    name geographies by the Chinese names of the shipped packs and of ``pack_file`` (``--region``)."""
    from expressim.calibration.observations import load
    from expressim.model.spec.pack_names import names_for

    obs = load(args.paths, until=args.until, strict=args.strict, names=names_for(pack_file))
    warn_about_data(warned, obs)
    return obs


# ---- scenarios -----------------------------------------------------------------------------------

def check_scenario(path: str | Path) -> Scenario:
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


class ProgressBar(Protocol):
    """A progress bar (tqdm's): a context manager counting units of work."""

    def update(self, n: float | None = 1) -> bool | None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc_value: BaseException | None,
                 traceback: TracebackType | None) -> None: ...


def progress_bar(args: Options, total: int, desc: str) -> ProgressBar:
    """A tqdm bar on a terminal (after 2 s), nothing otherwise or with --quiet."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="rep", disable=args.quiet or not sys.stderr.isatty(), delay=2.0,
                leave=False, file=sys.stderr)


def scenario_data(args: DataOptions, scn: Scenario, scenario_path: str | Path) -> list[str] | None:
    """The observation paths of a scenario's run: ``--data``, else the scenario's ``calibration.data``
    (relative to the scenario file), else None (shipped); then ``--add``, which adds to whichever it is."""
    from expressim.model.cli.options import data_paths

    base = None
    if scn.calibration.data:
        folder = Path(scenario_path).resolve().parent
        base = [str((folder / d) if not Path(d).is_absolute() else d) for d in scn.calibration.data]
    paths = data_paths(args.data, args.add, base)
    return list(paths) if paths else None


def scenario_loader(args: DataOptions, scn: Scenario, scenario_path: str | Path
                    ) -> tuple[list[str] | None, Callable[[str | None], ObservationSet]]:
    """A scenario's observation paths (:func:`scenario_data`) and a function loading them cut at a period,
    rows read with the Chinese names of the shipped packs and of the scenario's own pack."""
    from expressim.calibration.observations import load
    from expressim.model.spec.pack_names import names_for
    from expressim.model.spec.regions import pack_path

    data = scenario_data(args, scn, scenario_path)
    names = names_for(pack_path(scn.region_pack, scenario_path))

    def load_until(until: str | None) -> ObservationSet:
        return load(data, until=until, strict=args.strict, names=names)

    return data, load_until


def scenario_observations(args: DataOptions, warned: Warnings, scn: Scenario, scenario_path: str) -> ObservationSet:
    """The observations of a scenario's run, checked to reach its years (:func:`check_reach`) before any fit."""
    data, load_until = scenario_loader(args, scn, scenario_path)
    given = args.until
    until = given or scn.calibration.until
    obs = load_until(until)
    from expressim.model.cli.reach import check_reach

    check_reach(obs, scn, scenario_path, until=until, until_label="--until" if given else f"{scenario_path}: calibration.until",
                data=data)
    warn_about_data(warned, obs)
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


def _bytes_per_replication(scn: Scenario, n_counties: int) -> int:
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


def _replications_option(args: ScenarioOptions, path: str | Path, override: int | None = None) -> str:
    given = override is None and args.replications is not None
    return "--replications" if given else f"{path}: replications"


def replication_bytes(scn: Scenario) -> int:
    """Estimated peak bytes of one replication of ``scn`` (its region pack's counties)."""
    from expressim.model.spec.regions import load_pack

    return _bytes_per_replication(scn, len(load_pack(scn.region_pack).counties))


def memory_run(args: ScenarioOptions, scn: Scenario, path: str | Path, n: int, override: int | None = None) -> None:
    """``run`` (and each scenario's run elsewhere): the results of ``n`` replications."""
    check_memory(_replications_option(args, path, override), n, replication_bytes(scn))


def memory_compare(args: ScenarioOptions, scenarios: Sequence[tuple[Scenario, str]], n: int, shifts: int = 0) -> None:
    """``compare``: every scenario's results are held together (``--latest-opening``: one shift at a time
    next to the plain run, each reduced to its target)."""
    each = sum(replication_bytes(s) for s, _ in scenarios) if not shifts else 2 * replication_bytes(scenarios[0][0])
    check_memory(_replications_option(args, scenarios[0][1]), n, each)


def memory_monitor(args: ScenarioOptions, scn: Scenario, path: str | Path, n: int, points: int) -> None:
    """``monitor``: one as-of date's results at a time, plus each date's attainment of every target."""
    check_memory(_replications_option(args, path), n, replication_bytes(scn) + 8 * points * (len(scn.targets) + 2))


def memory_sensitivity(args: SensitivityOptions, scn: Scenario, path: str | Path, n_targets: int) -> None:
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


def memory_forecast(args: ForecastOptions, years_ahead: int) -> None:
    """``forecast``: ``--draws`` paths of the states to the forecast year."""
    fixed, per_year = FORECAST_BYTES_PER_DRAW
    check_memory("--draws", args.draws, fixed + per_year * max(years_ahead, 1))


def check_run_args(scn: Scenario, path: str | Path, n: int, n_counties: int, *, option: str | None = None) -> None:
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


class Simulated(NamedTuple):
    """A scenario's run: the scenario, the observations it was calibrated on, the calibration and the results."""

    scenario: Scenario
    observations: ObservationSet
    fitted: DescribedCalibration
    results: Results


def simulate(args: ScenarioOptions, warned: Warnings, path: str, *, replications: int | None = None,
             seed: int | None = None) -> Simulated:
    """Load a scenario and its calibration, run it; returns (scenario, observations, fitted, results).

    The replications, seed and workers are checked before observations are loaded and
    the model is calibrated, so a bad argument fails at once.
    """
    from expressim.model.analysis.monitor import assess
    from expressim.model.cli.progress_inputs import progress_for
    from expressim.model.spec.regions import load_pack

    scn = check_scenario(path)
    arg_n, arg_s = args.replications, args.seed
    n = replications if replications is not None else (arg_n if arg_n is not None else scn.replications)
    s = seed if seed is not None else (arg_s if arg_s is not None else scn.seed)
    workers = args.workers
    pack = load_pack(scn.region_pack)
    check_run_args(scn, path, n, len(pack.counties), option=_replications_option(args, path, replications))
    prog = progress_for(args.progress, scn, path, args.until or scn.calibration.until)
    obs = scenario_observations(args, warned, scn, path)
    t0 = time.perf_counter()
    fitted = fitted_for(obs, pack=pack)
    warn_region(warned, path, pack, fitted)
    _verbose_calibration(args, obs, fitted, time.perf_counter() - t0)
    t0 = time.perf_counter()
    with progress_bar(args, n, scn.name) as bar:
        res = assess(scn, fitted, obs, prog, replications=n, seed=s, workers=workers, on_chunk=bar.update)
    if res.conditioning is not None and res.conditioning.imposed:
        warned.add(f"{prog.path if prog else ''}: the scenario's durations (almost) never meet the fact(s) on line(s) "
                   f"{', '.join(map(str, sorted(res.conditioning.imposed)))}; imposed in "
                   f"{max(res.conditioning.imposed.values())} replication(s) (see the report)")
    dt = time.perf_counter() - t0
    verbose(args, f"{scn.name}: {n} replications on {workers} worker(s) in {dt:.2f} s ({n / max(dt, 1e-9):,.0f} reps/s)")
    return Simulated(scn, obs, fitted, res)


def verbose(args: Options, message: str) -> None:
    """Print a detail line on stderr with ``--verbose``."""
    if args.verbose:
        from expressim.model.spec.validation_messages import escape_controls

        print(f"expressim: {escape_controls(message)}", file=sys.stderr)


def _verbose_calibration(args: Options, obs: ObservationSet, fitted: DescribedCalibration, seconds: float) -> None:
    """With ``--verbose``: what the calibration used and found."""
    if not args.verbose:
        return
    verbose(args, f"data: {', '.join(obs.files)} (sha256 {obs.data_hash[:12]}, until {obs.until or '-'}); "
                   f"calibrated in {seconds:.2f} s")
    for b in obs.scope_breaks:
        if b.indicator.startswith("express"):
            verbose(args, f"scope break {b.geography}/{b.indicator}/{b.period}: ratio {b.ratio:.3f}")
    verbose(args, "state-space estimate: " + ", ".join(f"{k} {v:.3g}" for k, v in fitted.hier.parameters().items())
            + f" ({fitted.hier.n_observations} observations in the likelihood)")
    for line in moved_lines(fitted, 5):
        verbose(args, line)
    for note in fitted.notes:
        verbose(args, f"note: {note}")


def moved_lines(fitted: DescribedCalibration, top: int) -> list[str]:
    """The observations that moved the headline forecasts most (what_moved.csv has them all)."""
    rows = sorted(fitted.moved, key=lambda r: -max(abs(float(v)) for k, v in r.items()
                                                   if k.endswith("%") and isinstance(v, int | float)))[:top]
    if not rows:
        return []
    heads = [k for k in rows[0] if k.endswith("%")]
    out = [f"what moved the forecasts of {fitted.last_year + 1} (leave-one-out, %): " + " | ".join(heads)]
    for r in rows:
        out.append(f"  {r['geography']}/{r['indicator']}/{r['period']}{' (growth-implied)' if r['implied_by_growth'] else ''}: "
                   + " | ".join(f"{r[k]:+.2f}" for k in heads))
    return out


def default_out(kind: str, name: str, *parts: object) -> Path:
    """The default output folder ``outputs/<name>/[<kind>-]<hash of parts>/`` (same inputs, same folder)."""
    from expressim.model.spec.names import safe_name

    key = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12]
    return Path("outputs") / safe_name(name) / f"{kind}-{key}" if kind else Path("outputs") / safe_name(name) / key


def command_line(args: Options) -> list[str]:
    """The command line as given (recorded in the options by ``main``; ``sys.argv`` otherwise)."""
    return list(args.argv or sys.argv)
