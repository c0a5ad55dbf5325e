"""Options that name files or periods, checked before a command starts (one line, exit code 2).

``--data /dev/zero`` or a named pipe used to be reported as "no such file or directory"; a
``forecast --period`` that is a single day as "not inside one calendar year".  These checks say
what the option is and what was expected.
"""

from __future__ import annotations

import os
import stat

from expressim.model.cli.options import DataOptions, ForecastOptions, Options, ScenarioOptions
from expressim.model.spec.scenario import ScenarioError

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _special(path: str) -> str | None:
    """What a path is when it is neither a regular file nor a folder (links followed); None otherwise."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None  # missing or unreadable: the reader says so
    return next((name for test, name in _KINDS if test(mode)), None)


def check_options(args: Options) -> None:
    """Refuse ``--data``/``--progress`` paths that are devices, pipes or sockets, and a ``--period`` that is
    not a window of one calendar year.

    Raises
    ------
    ScenarioError
        ``--data /dev/zero: is a character device; expected an observation CSV or a folder of them``.
    """
    for d in (args.paths if isinstance(args, DataOptions) else None) or ():
        kind = _special(str(d))
        if kind is not None:
            raise ScenarioError(f"--data {d}: is {kind}; expected an observation CSV or a folder of them")
    progress = args.progress if isinstance(args, ScenarioOptions) else None
    if progress:
        kind = _special(str(progress))
        if kind is not None:
            raise ScenarioError(f"--progress {progress}: is {kind}; expected a progress file (a small CSV of facts)")
    if isinstance(args, ForecastOptions):
        check_forecast_period(args.period)


def check_forecast_period(text: str) -> None:
    """Refuse a ``forecast --period`` that is a single day (a malformed one is left to the forecast to name).

    Raises
    ------
    ScenarioError
        ``--period 2025-11-01: a single day; expected a window ...``.
    """
    from expressim.calibration.periods import PeriodError, parse_period

    try:
        p = parse_period(text, allow_approx=False)
    except PeriodError:
        return
    if not p.is_flow_window:
        raise ScenarioError(f"--period {text}: a single day, not a window to forecast; expected a year (2025), a half "
                            f"(2025-H1), a quarter (2025-Q3), a month (2025-11) or months of one year (2025-01..10)")
