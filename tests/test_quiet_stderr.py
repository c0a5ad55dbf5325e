"""Library warnings stay off the terminal on success (shown with -v as ``expressim: warning:`` lines)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from helpers import PLAN, ROOT, cli


def _noisy_fit(real):  # type: ignore[no-untyped-def]
    def fit(obs, **kw):  # type: ignore[no-untyped-def]
        import numpy as np

        warnings.warn("Maximum Likelihood optimization failed to converge", RuntimeWarning, stacklevel=1)
        with np.errstate(all="warn"):
            np.log(np.zeros(1))  # numpy's own RuntimeWarning: divide by zero
        warnings.warn("a future default changes", FutureWarning, stacklevel=1)
        return real(obs, **kw)
    return fit


@pytest.fixture
def plain_warnings():  # type: ignore[no-untyped-def]
    """Python's own warning display (pytest records warnings instead of printing them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: sys.stderr.write(
            warnings.formatwarning(message, category, filename, lineno, line))
        yield


@pytest.mark.parametrize("verbosity", [[], ["-q"]])
def test_library_warnings_do_not_reach_stderr_on_success(monkeypatch: pytest.MonkeyPatch, plain_warnings: None,
                                                         verbosity: list[str]) -> None:
    from expressim.model.cli import context

    monkeypatch.setattr(context, "fitted_for", _noisy_fit(context.fitted_for))
    rc, out, err = cli(*verbosity, "forecast", "--geography", "Guizhou", "--indicator", "express_volume",
                       "--period", "2025", "--draws", "1000")
    assert rc == 0 and out
    assert "Warning" not in err and "converge" not in err and err == "", err


def test_library_warnings_are_shown_once_each_with_verbose(monkeypatch: pytest.MonkeyPatch) -> None:
    from expressim.model.cli import context

    monkeypatch.setattr(context, "fitted_for", _noisy_fit(context.fitted_for))
    rc, _, err = cli("-v", "forecast", "--geography", "Guizhou", "--indicator", "express_volume",
                     "--period", "2025", "--draws", "1000")
    lines = [x for x in err.splitlines() if "(library" in x]
    assert rc == 0 and len(lines) == 3, err
    assert all(x.startswith("expressim: warning: (library, ") for x in lines)
    assert any("RuntimeWarning: divide by zero" in x for x in lines) and any("FutureWarning" in x for x in lines)


def test_a_command_warning_with_control_characters_is_one_escaped_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from expressim.model.cli import context

    real = context.load_observations

    def load(args, warned, *rest):  # type: ignore[no-untyped-def]
        warned.add("data note\x1b[2Jwith\nnewline")
        return real(args, warned, *rest)

    monkeypatch.setattr(context, "load_observations", load)
    rc, _, err = cli("forecast", "--geography", "Guizhou", "--indicator", "express_volume", "--period", "2025",
                     "--draws", "1000")
    assert rc == 0 and err == "expressim: warning: data note\\x1b[2Jwith\\x0anewline\n"


@pytest.mark.parametrize("argv", [["-q", "run", str(PLAN), "--replications", "50"],
                                  ["forecast", "--geography", "Bijie", "--indicator", "express_volume_inout",
                                   "--period", "2026-H1", "--until", "2016"]])
def test_normal_commands_print_nothing_on_stderr(tmp_path: Path, argv: list[str]) -> None:
    if argv[1] == "run":
        argv = [*argv, "--out", str(tmp_path / "out")]
    p = subprocess.run([sys.executable, "-W", "default", "-m", "expressim.model", *argv], capture_output=True,
                       text=True, timeout=300, cwd=ROOT)
    assert p.returncode == 0 and p.stderr == "", p.stderr[-800:]


def test_text_from_data_files_reaches_the_terminal_as_one_inert_line(tmp_path: Path) -> None:
    """A data file's name quoted in a calibration note (calibrate, -v) cannot move the cursor."""
    import shutil

    d = tmp_path / "data"
    shutil.copytree(ROOT / "calibration" / "data", d)
    bad = d / "zz\x1b[2J\x07.csv"  # a file name quoted in a "not used" note
    bad.write_text("geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"
                   "China,express_volume_inbound,2024,1,亿件,,,x\n", encoding="utf-8")
    rc, _, err = cli("calibrate", "--data", str(d), "--out", str(tmp_path / "cal"))
    assert rc == 0, err
    assert "not used: China/express_volume_inbound/2024" in err and "\\x1b[2J\\x07.csv" in err
    assert "\x1b" not in err and "\x07" not in err


def test_a_signal_an_import_turned_into_another_error_is_still_an_interruption(monkeypatch: pytest.MonkeyPatch) -> None:
    """numpy's C extensions re-raise an interrupted import as a plain ImportError (the chain is lost)."""
    import signal

    from expressim.model.cli import validate
    from expressim.model.store import folders

    def interrupted_import(args: object, warned: object) -> None:
        try:
            folders.on_signal(signal.SIGTERM, None)
        except folders.Interrupted:
            pass
        raise ImportError("PyCapsule_Import could not import module \"datetime\"") from None

    monkeypatch.setattr(validate, "cmd_validate", interrupted_import)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        rc, _, err = cli("validate", str(PLAN))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert rc == 128 + signal.SIGTERM and "interrupted by SIGTERM" in err, err
    monkeypatch.undo()
    assert cli("validate", str(PLAN))[0] == 0  # the next command starts afresh
