"""The CLI's error discipline: exit codes, one line on stderr, tracebacks only with --debug."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import PLAN, ROOT, cli  # noqa: E402,F401

import expressim.model.cli.program as cli_mod
from expressim.model.cli import context, main, validate
from expressim.model.store.folders import Interrupted


def test_help_exits_0() -> None:
    rc, out, _ = cli("--help")
    assert rc == 0 and "validate" in out and "forecast" in out


@pytest.mark.parametrize("argv", [
    ["frobnicate"], [], ["run", str(PLAN), "--replications", "abc"], ["forecast", "--geography", "China"],
    ["run", str(PLAN), "--no-such-option"], ["sensitivity", str(PLAN), "--method", "magic"],
])
def test_usage_errors_are_one_line_exit_2(argv: list[str]) -> None:
    rc, out, err = cli(*argv)
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and "error:" in err and "--help" in err


@pytest.mark.parametrize(("argv", "words"), [
    (["run", str(PLAN), "--replications", "0"], "--replications: expected at least 1, got 0"),
    (["run", str(PLAN), "--replications", "-5"], "--replications: expected at least 1"),
    (["run", str(PLAN), "--seed", "-1"], "--seed: expected a non-negative"),
    (["run", str(PLAN), "--workers", "0"], "--workers: expected at least 1"),
    (["run"], "expected SCENARIO.yaml"),
    (["forecast", "--geography", "Mars", "--indicator", "express_volume", "--period", "2025"], "Mars"),
    (["forecast", "--geography", "China", "--indicator", "express_volume", "--period", "2025-13"], "--period"),
    (["forecast", "--geography", "China", "--indicator", "express_volume", "--period", "2025", "--until", "x"],
     "--until"),
    (["forecast", "--geography", "China", "--indicator", "express_volume", "--period", "2025", "--draws", "5"],
     "--draws"),
])
def test_bad_arguments_fail_fast_with_one_line(monkeypatch: pytest.MonkeyPatch, fitted: Any, argv: list[str],
                                               words: str) -> None:
    def no_simulation(*a: Any, **k: Any) -> Any:
        raise AssertionError("a bad argument must be refused before the simulation")

    monkeypatch.setattr("expressim.model.engine.ensemble.run", no_simulation)
    monkeypatch.setattr(context, "fitted_for", lambda obs, **kw: fitted)
    rc, out, err = cli(*argv)
    assert rc == 2 and out == "", err
    assert err.count("\n") == 1 and err.startswith("expressim: error: ") and words in err, err


def test_too_many_replications_for_the_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "_physical_memory", lambda: 2**30)
    rc, _, err = cli("run", str(PLAN), "--replications", "1000000")
    assert rc == 2 and "GiB of memory" in err and "expected at most about" in err


def test_internal_errors_are_one_line_exit_1_and_debug_shows_them(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: Any, warned: Any) -> str:
        raise TypeError("unsupported operand\nsecond line")

    monkeypatch.setattr(validate, "cmd_validate", broken)
    rc, _, err = cli("validate", str(PLAN))
    assert rc == 1 and err.count("\n") == 1
    assert "internal error: TypeError: unsupported operand\\x0asecond line" in err and "--debug" in err
    with pytest.raises(TypeError):
        main(["--debug", "validate", str(PLAN)])


@pytest.mark.parametrize(("exc", "code", "name"), [
    (KeyboardInterrupt(), 130, "SIGINT"), (Interrupted(signal.SIGTERM), 143, "SIGTERM"),
])
def test_interruptions_say_so(monkeypatch: pytest.MonkeyPatch, exc: BaseException, code: int, name: str) -> None:
    def stop(args: Any, warned: Any) -> str:
        raise exc

    monkeypatch.setattr(validate, "cmd_validate", stop)
    rc, _, err = cli("validate", str(PLAN))
    assert rc == code and err.count("\n") == 1 and f"interrupted by {name}" in err


def test_environment_errors_are_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(args: Any, warned: Any) -> str:
        raise OSError(28, "No space left on device", "/outputs/x/summary.json")

    monkeypatch.setattr(validate, "cmd_validate", full)
    rc, _, err = cli("validate", str(PLAN))
    assert rc == 1 and err == "expressim: error: /outputs/x/summary.json: No space left on device\n"


def test_sigterm_handler_is_restored_and_env_untouched() -> None:
    import os

    before = signal.getsignal(signal.SIGTERM)
    env = os.environ.get("EXPRESSIM_DEBUG")
    cli("validate", str(PLAN))
    cli("--debug", "validate", str(PLAN))
    assert signal.getsignal(signal.SIGTERM) == before and os.environ.get("EXPRESSIM_DEBUG") == env


def test_conflicts_are_warned_about_on_success(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fitted: Any) -> None:
    from expressim.calibration.observations import default_data_dir
    from expressim.calibration.records import COLUMNS

    f = tmp_path / "mine.csv"
    f.write_text(",".join(COLUMNS) + "\nChina,express_volume,2023,1400,亿件,,,\n", encoding="utf-8")
    monkeypatch.setattr(context, "fitted_for", lambda obs, **kw: fitted)
    rc, out, err = cli("forecast", "--geography", "China", "--indicator", "express_volume", "--period", "2025",
                       "--json", "--data", str(default_data_dir()), "--data", str(f))
    assert rc == 0 and out.startswith("{")
    assert "warning: 1 duplicate observation(s) differ by more than 1%" in err
    assert cli("-q", "forecast", "--geography", "China", "--indicator", "express_volume", "--period", "2025",
               "--data", str(default_data_dir()), "--data", str(f))[2] == ""


def test_one_line_escapes_control_characters() -> None:
    assert cli_mod._one_line(ValueError("a\nb\r\x00c")) == "a\\x0ab\\x0d\\x00c"


def test_console_script_and_module_agree() -> None:
    p = subprocess.run([sys.executable, "-m", "expressim.model", "validate", str(ROOT / "nope.yaml")], capture_output=True,
                       text=True, cwd=ROOT)
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "Traceback" not in p.stderr


def _no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*a: Any, **k: Any) -> Any:
        raise AssertionError("a bad argument must be refused before any work")

    for name in ("fitted_for", "load_observations", "scenario_observations", "simulate", "check_scenario"):
        monkeypatch.setattr(context, name, refuse)


@pytest.mark.parametrize("argv", [
    ["run", str(PLAN)], ["compare", str(PLAN), str(PLAN)], ["sensitivity", str(PLAN)],
    ["forecast", "--geography", "China", "--indicator", "express_volume", "--period", "2025"],
])
def test_a_negative_seed_is_refused_by_every_command_before_any_work(monkeypatch: pytest.MonkeyPatch,
                                                                     argv: list[str]) -> None:
    _no_work(monkeypatch)
    rc, out, err = cli(*argv, "--seed", "-1")
    assert (rc, out) == (2, "") and err == "expressim: error: --seed: expected a non-negative whole number, got -1\n"


@pytest.mark.parametrize(("argv", "least"), [
    (["sensitivity", str(PLAN)], 1), (["run", str(PLAN)], 1), (["compare", str(PLAN), str(PLAN)], 2),
])
def test_too_few_replications_are_refused_before_any_work(monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                                          least: int) -> None:
    _no_work(monkeypatch)
    rc, _, err = cli(*argv, "--replications", str(least - 1))
    assert rc == 2 and err == f"expressim: error: --replications: expected at least {least}, got {least - 1}\n"


def test_global_options_work_after_the_command() -> None:
    assert cli("validate", str(PLAN), "-q") == (0, "", "")
    assert cli("validate", str(PLAN))[1].startswith(f"{PLAN}: ok")
    rc, _, err = cli("-q", "validate", str(PLAN), "-v")
    assert rc == 2 and err.count("\n") == 1 and "not allowed with" in err
