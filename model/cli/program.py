"""Command line: parse, call the library, turn known errors into one line and an exit code.

``expressim --help`` lists the commands (docs/outputs.md).  Heavy libraries are imported
inside the handlers so that ``--help`` and ``validate`` start fast.

Exit codes
----------
0
    Success.
1
    A check that ran and failed (``run --check-manifest`` not reproduced), an internal
    error (a bug: one line, the traceback with ``--debug``), or an environment problem
    (out of memory, a disk error).
2
    Bad input: a scenario, a data file or an argument; one line on stderr naming the
    file and the place, nothing written.
128 + signal
    Interrupted (130 for Ctrl-C, 143 for SIGTERM); no output folder was completed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from expressim.model.cli.options import Options

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

#: command -> module holding its ``cmd_<command>`` handler (imported only when the command runs)
COMMANDS = {
    "validate": "expressim.model.cli.validate",
    "calibrate": "expressim.model.cli.calibrate",
    "forecast": "expressim.model.cli.forecast",
    "run": "expressim.model.cli.run",
    "compare": "expressim.model.cli.compare",
    "sensitivity": "expressim.model.cli.sensitivity",
    "monitor": "expressim.model.cli.monitor",
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _debug_arg(p: argparse.ArgumentParser) -> None:
    # the global options are also accepted after the command (``expressim run x.yaml -q --debug``)
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    verbosity = p.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                           help="print nothing but errors")
    verbosity.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                           help="print more detail")


def _data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", action="append", metavar="DIR|CSV",
                   help="observation CSVs or folders of them; replaces the shipped data "
                        "(repeat: --data calibration/data --data mine.csv adds a file)")
    _add_arg(p)
    p.add_argument("--until", metavar="PERIOD", help="drop every observation after this period (e.g. 2023)")
    p.add_argument("--strict", action="store_true", help="fail when duplicate values differ by more than 1%%")


def _add_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--add", action="append", metavar="CSV|DIR",
                   help="observation CSVs or folders of them added to the shipped data (to --data when given); "
                        "repeatable; a path given twice counts once")


def _region_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--region", metavar="PACK",
                   help="the region pack whose hierarchy is calibrated: a shipped pack's name or a pack .yaml "
                        "(default: forecast: the pack whose prefecture or province is --geography, else the "
                        "default pack; calibrate: the default pack)")


def _lang_arg(p: argparse.ArgumentParser) -> None:
    from expressim.model.cli.lang import add_lang_arg

    add_lang_arg(p)


def _progress_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--progress", metavar="FILE",
                   help="progress file (CSV id,status,date,value,source,note): facts the rollout is conditioned on "
                        "and observed targets; replaces the scenario's progress:")


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", help="output folder (default outputs/<scenario>/<hash>/)")
    p.add_argument("--replications", type=int, metavar="N", help="override the scenario's replications (>= 1)")
    p.add_argument("--seed", type=int, metavar="S", help="override the scenario's seed (>= 0)")
    p.add_argument("--workers", type=int, default=1, metavar="K", help="worker processes (results do not depend on it)")
    p.add_argument("--force", action="store_true",
                   help="replace an existing output folder (only one holding a previous run)")
    _data_args(p)
    _lang_arg(p)
    _debug_arg(p)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    ap = _Parser(prog="expressim", description="Scenario forecasts for a region's express-delivery industry.")
    ap.add_argument("--debug", action="store_true", help="show tracebacks")
    verbosity = ap.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="print more detail")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml")
    _debug_arg(p)

    p = sub.add_parser("calibrate", help="fit the state-space model to the observations; say what each one moved")
    _data_args(p)
    _region_arg(p)
    p.add_argument("--out", metavar="DIR", help="output folder (default outputs/calibration/<data hash>/)")
    p.add_argument("--force", action="store_true", help="replace an existing output folder")
    _debug_arg(p)

    p = sub.add_parser("forecast", help="forecast one window of one series")
    p.add_argument("--geography", required=True,
                   help="the nation, province or prefecture of a region pack (e.g. the default pack's prefecture)")
    p.add_argument("--indicator", required=True,
                   help="express_volume, express_revenue; the prefecture also express_volume_inbound, "
                        "express_volume_inout")
    _region_arg(p)
    p.add_argument("--period", required=True, help="2025, 2025-H1, 2025-Q3, 2025-01..10, 2025-11")
    p.add_argument("--json", action="store_true", help="print the contracted JSON")
    p.add_argument("--draws", type=int, default=20000, help="Monte-Carlo draws (default 20000)")
    p.add_argument("--seed", type=int, default=0)
    _data_args(p)
    _debug_arg(p)

    p = sub.add_parser("run", help="simulate a scenario and write summary, tables, figures and report")
    p.add_argument("scenario", metavar="SCENARIO.yaml", nargs="?",
                   help="the scenario (not needed with --check-manifest)")
    p.add_argument("--check-manifest", metavar="DIR", dest="check_manifest",
                   help="rerun the run recorded in DIR/manifest.json and confirm it is reproduced")
    _run_args(p)
    _progress_arg(p)

    p = sub.add_parser("compare", help="run scenarios on common random numbers and compare them")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml")
    p.add_argument("--latest-opening", dest="latest_opening", metavar="PROJECT",
                   help="search the latest opening of PROJECT (an id, a kind such as county_centre, or 'all')")
    p.add_argument("--target", metavar="ID", help="target for --latest-opening")
    p.add_argument("--probability", type=float, default=0.8, help="required probability for --latest-opening")
    _run_args(p)
    _progress_arg(p)

    p = sub.add_parser("monitor", help="re-assess a scenario with only what was known at each date")
    p.add_argument("scenario", metavar="SCENARIO.yaml")
    p.add_argument("--as-of", dest="as_of", nargs="+", metavar="PERIOD", help="as-of months YYYY-MM")
    p.add_argument("--every", choices=("month", "quarter", "year"), help="as-of dates at every month/quarter/year end")
    p.add_argument("--from", dest="from_", metavar="PERIOD", help="first month for --every (YYYY-MM)")
    p.add_argument("--to", metavar="PERIOD", help="last month for --every (YYYY-MM)")
    p.add_argument("--out", metavar="DIR", help="output folder (default outputs/<scenario>/monitor-<hash>/)")
    p.add_argument("--replications", type=int, metavar="N", help="override the scenario's replications (>= 1)")
    p.add_argument("--seed", type=int, metavar="S", help="override the scenario's seed (>= 0)")
    p.add_argument("--workers", type=int, default=1, metavar="K", help="worker processes (results do not depend on it)")
    p.add_argument("--force", action="store_true", help="replace an existing output folder")
    p.add_argument("--data", action="append", metavar="DIR|CSV",
                   help="observation CSVs or folders of them (cut at each as-of date); replaces the shipped data")
    _add_arg(p)
    p.add_argument("--strict", action="store_true", help="fail when duplicate values differ by more than 1%%")
    _progress_arg(p)
    _lang_arg(p)
    _debug_arg(p)

    p = sub.add_parser("sensitivity", help="global sensitivity (SALib), scenario discovery and value of information")
    p.add_argument("scenario", metavar="SCENARIO.yaml")
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol")
    p.add_argument("--samples", type=int, default=256, metavar="N", help="base sample size N")
    p.add_argument("--target", action="append", metavar="ID", help="targets to analyse (default: headline ones)")
    _run_args(p)
    return ap


def _one_line(exc: BaseException | str) -> str:
    """The message on one line: control characters (newlines included) shown as ``\\xNN``."""
    from expressim.model.spec.validation_messages import escape_controls

    return escape_controls(str(exc).strip()) or type(exc).__name__


def _install_sigterm() -> Any:
    """Turn SIGTERM into :class:`model.store.folders.Interrupted` (so partial outputs are removed)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    from expressim.model.store import folders  # light: the handler is in place before heavy imports

    folders.received_signal = None
    return signal.signal(signal.SIGTERM, folders.on_signal)


def parse_options(argv: Sequence[str]) -> Options:
    """The command's options from the command line after the program name (the CLI's edge: the only place
    argparse's namespace is read, :func:`expressim.model.cli.options.from_namespace`).

    Raises
    ------
    SystemExit
        ``--help`` (0) or a usage error (2, one line printed).
    """
    from expressim.model.cli.options import from_namespace

    return from_namespace(build_parser().parse_args(list(argv)), argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (never raises, except with ``--debug``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse_options(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2, one line already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    if args.quiet and args.verbose:  # one before the command, the other after it
        print("expressim: error: argument -v/--verbose: not allowed with argument -q/--quiet (see expressim --help)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    debug = args.debug
    previous_env = os.environ.get("EXPRESSIM_DEBUG")
    if debug:
        os.environ["EXPRESSIM_DEBUG"] = "1"
    previous_term = _install_sigterm()
    from expressim.model.cli import environment

    previous_hook = sys.unraisablehook
    environment.prepare(args.verbose)
    try:
        return _dispatch(args, debug)
    except OSError as exc:  # a message or result could not be written (broken pipe, full disk, closed stream)
        if debug:
            raise
        return environment.output_failed(exc)
    finally:
        sys.unraisablehook = previous_hook
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)
        if debug:
            if previous_env is None:
                os.environ.pop("EXPRESSIM_DEBUG", None)
            else:
                os.environ["EXPRESSIM_DEBUG"] = previous_env


def _interruption(exc: BaseException) -> BaseException | None:
    """The Ctrl-C or SIGTERM behind ``exc`` (also when an import turned it into another error)."""
    from expressim.model.store import folders

    seen: BaseException | None = exc
    for _ in range(20):
        if seen is None:
            break
        if isinstance(seen, KeyboardInterrupt | folders.Interrupted):
            return seen
        seen = seen.__cause__ or seen.__context__
    if folders.received_signal is not None:  # the chain was lost (an extension module re-raised it as ImportError)
        return folders.Interrupted(folders.received_signal)
    return None


#: what to make smaller when a command runs out of memory anyway (estimators refuse most cases first)
MEMORY_ADVICE = {
    "validate": "a scenario with fewer projects or years",
    "calibrate": "fewer or smaller --data files",
    "forecast": "fewer --draws",
    "run": "fewer --replications",
    "compare": "fewer --replications or scenarios",
    "monitor": "fewer --replications or as-of dates",
    "sensitivity": "a smaller --samples or fewer --replications",
}


def _report(exc: BaseException, command: str | None = None) -> int:
    """One line on stderr for a failed command; returns the exit code."""
    stop = _interruption(exc)
    if stop is not None:
        signum = int(getattr(stop, "signum", signal.SIGINT))
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = f"signal {signum}"
        print(f"expressim: interrupted by {name}; no output folder was completed (partial files removed)",
              file=sys.stderr)
        return 128 + signum
    context = sys.modules.get("expressim.model.cli.context")
    if context is not None and isinstance(exc, context.user_errors()):
        print(f"expressim: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if context is not None and isinstance(exc, context.CheckFailed):
        print(f"expressim: check failed: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    if isinstance(exc, MemoryError):
        print(f"expressim: error: out of memory during {command or 'the command'}; try "
              f"{MEMORY_ADVICE.get(command or '', 'a smaller problem')}", file=sys.stderr)
        return EXIT_FAILED
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"expressim: error: {where}{exc.strerror or _one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    print(f"expressim: internal error: {type(exc).__name__}: {_one_line(exc)} "
          f"(this is a bug; rerun with --debug for the traceback)", file=sys.stderr)
    return EXIT_FAILED


def library_warnings(caught: Sequence[warnings.WarningMessage]) -> list[str]:
    """Warnings the libraries raised during a command, once each, as one line (shown with ``--verbose``).

    A command's own warnings (what the user should act on) are collected in the
    :class:`expressim.model.cli.options.Warnings` given to its handler and printed whatever the verbosity; a library's warning
    (statsmodels convergence, numpy floating point, pandas deprecations) is a detail of how the
    result was computed, kept off the terminal unless asked for.
    """
    seen: dict[tuple[str, str], str] = {}
    for w in caught:
        cat = getattr(w.category, "__name__", "Warning")
        text = _one_line(w.message if isinstance(w.message, BaseException) else Warning(str(w.message)))
        where = os.path.basename(str(w.filename))
        seen.setdefault((cat, text), f"(library, {where}:{w.lineno}) {cat}: {text}")
    return list(seen.values())


def _dispatch(args: Options, debug: bool) -> int:
    from expressim.model.cli.options import Warnings

    warned = Warnings()
    from expressim.model.cli.options import data_note

    note = data_note(args)
    if note:
        warned.note(note)
    try:
        import importlib

        from expressim.model.cli import context

        context.check_arguments(args)
        from expressim.model.cli.option_checks import check_options

        check_options(args)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = getattr(importlib.import_module(COMMANDS[args.command]), f"cmd_{args.command}")(args, warned)
    except (SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - every failure becomes one line (a traceback with --debug)
        if debug:
            raise
        return _report(exc, args.command)
    from expressim.model.store import folders

    if folders.received_signal is not None:  # a signal whose exception something swallowed: not a success
        return _report(folders.Interrupted(folders.received_signal), args.command)
    if not args.quiet:
        for message in warned:
            print(f"expressim: warning: {_one_line(message)}", file=sys.stderr)
        for message in warned.notes:
            print(f"expressim: note: {_one_line(message)}", file=sys.stderr)
        if args.verbose:
            for line in library_warnings(caught):
                print(f"expressim: warning: {line}", file=sys.stderr)
    if isinstance(result, dict | list):
        print(json.dumps(result, ensure_ascii=False))
    elif isinstance(result, str) and result:
        print(result)
    sys.stdout.flush()  # a full or broken output fails here, inside main (see environment.output_failed)
    return EXIT_OK


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
