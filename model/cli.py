"""Command line: parse, call the library, turn known errors into one line and exit code 2.

``expressim --help`` lists the commands (DESIGN §6).  Heavy libraries are imported
inside the handlers so that ``--help`` and ``validate`` start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from model.commands import USER_ERRORS, Interrupted

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", action="append", metavar="DIR|CSV",
                   help="observation CSVs or folders of them; replaces the shipped data "
                        "(repeat: --data calibration/data --data mine.csv adds a file)")
    p.add_argument("--until", metavar="PERIOD", help="drop every observation after this period (e.g. 2023)")
    p.add_argument("--strict", action="store_true", help="fail when duplicate values differ by more than 1%%")


def _run_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", help="output folder (default outputs/<scenario>/<hash>/)")
    p.add_argument("--replications", type=int, metavar="N", help="override the scenario's replications")
    p.add_argument("--seed", type=int, metavar="S", help="override the scenario's seed")
    p.add_argument("--workers", type=int, default=1, metavar="K", help="worker processes (results do not depend on it)")
    p.add_argument("--force", action="store_true", help="replace an existing output folder")
    _data_args(p)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    ap = argparse.ArgumentParser(prog="expressim", description="Scenario forecasts for a region's express-delivery industry.")
    ap.add_argument("--debug", action="store_true", help="show tracebacks")
    verbosity = ap.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="print more detail")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check scenario files")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml")

    p = sub.add_parser("calibrate", help="fit the models to the observations and backtest them")
    _data_args(p)
    p.add_argument("--out", metavar="DIR", help="output folder (default outputs/calibration/<data hash>/)")
    p.add_argument("--force", action="store_true", help="replace an existing output folder")

    p = sub.add_parser("forecast", help="forecast one window of one series")
    p.add_argument("--geography", required=True, help="China, Guizhou or Bijie")
    p.add_argument("--indicator", required=True,
                   help="express_volume, express_revenue; Bijie also express_volume_inbound, express_volume_inout")
    p.add_argument("--period", required=True, help="2025, 2025-H1, 2025-Q3, 2025-01..10, 2025-11")
    p.add_argument("--json", action="store_true", help="print the contracted JSON")
    p.add_argument("--draws", type=int, default=20000, help="Monte-Carlo draws (default 20000)")
    p.add_argument("--seed", type=int, default=0)
    _data_args(p)

    p = sub.add_parser("run", help="simulate a scenario and write summary, tables, figures and report")
    p.add_argument("scenario", metavar="SCENARIO.yaml")
    p.add_argument("--check-manifest", metavar="DIR", dest="check_manifest",
                   help="rerun the run recorded in DIR/manifest.json and confirm it is reproduced")
    _run_args(p)

    p = sub.add_parser("compare", help="run scenarios on common random numbers and compare them")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.yaml")
    p.add_argument("--latest-opening", dest="latest_opening", metavar="PROJECT",
                   help="search the latest opening of PROJECT (an id, a kind such as county_centre, or 'all')")
    p.add_argument("--target", metavar="ID", help="target for --latest-opening")
    p.add_argument("--probability", type=float, default=0.8, help="required probability for --latest-opening")
    _run_args(p)

    p = sub.add_parser("sensitivity", help="global sensitivity (SALib), scenario discovery and value of information")
    p.add_argument("scenario", metavar="SCENARIO.yaml")
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol")
    p.add_argument("--samples", type=int, default=256, metavar="N", help="base sample size N")
    p.add_argument("--target", action="append", metavar="ID", help="targets to analyse (default: headline ones)")
    _run_args(p)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    args = build_parser().parse_args(argv)
    if args.debug:
        os.environ["EXPRESSIM_DEBUG"] = "1"
    from model import commands

    handler = getattr(commands, f"cmd_{args.command}")
    try:
        result = handler(args)
    except USER_ERRORS as exc:
        if args.debug:
            raise
        print(f"expressim: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, Interrupted) as exc:
        if args.debug:
            raise
        print(f"expressim: interrupted ({exc or 'Ctrl-C'}); no output folder was completed", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(result, dict | list):
        print(json.dumps(result, ensure_ascii=False))
    elif isinstance(result, str) and result:
        print(result)
    return 0


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
