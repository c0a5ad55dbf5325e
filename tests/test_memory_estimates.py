"""Every command estimates its memory before any work and refuses what would not fit: exit 2, one line of
one shape naming the option; an out-of-memory that still happens gets advice that fits the command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import PLAN, ROOT, cli

SHAPE = re.compile(r"^expressim: error: (?P<opt>.+): (?P<n>[\d,]+) would need about [\d,.]+ GiB of memory "
                   r"\(this machine has 1\.0 GiB\); expected at most about (?P<most>[\d,]+)\n$")


@pytest.fixture
def small_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1 GiB machine on which nothing may be fitted or simulated: refusals come first."""
    from expressim.model.cli import context

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("work started before the memory check")

    monkeypatch.setattr(context, "_physical_memory", lambda: 2**30)
    monkeypatch.setattr(context, "fitted_for", refuse)
    monkeypatch.setattr("expressim.model.engine.ensemble.run", refuse)


@pytest.mark.parametrize(("argv", "option"), [
    (["sensitivity", str(PLAN), "--samples", "1000000000"], "--samples"),
    (["sensitivity", str(PLAN), "--method", "morris", "--samples", "200000"], "--samples"),
    (["compare", str(PLAN), str(ROOT / "scenarios" / "delayed.yaml"), "--replications", "40000"], "--replications"),
    (["compare", str(PLAN), "--latest-opening", "all", "--target", "revenue_2025", "--replications", "90000"],
     "--replications"),
    (["monitor", str(PLAN), "--every", "month", "--from", "2023-01", "--to", "2025-12", "--replications", "80000"],
     "--replications"),
    (["forecast", "--geography", "Bijie", "--indicator", "express_volume", "--period", "2030", "--draws", "9000000"],
     "--draws"),
    (["run", str(PLAN), "--replications", "100000"], "--replications"),
])
def test_each_command_refuses_what_would_not_fit_before_any_work(small_machine: None, tmp_path: Path,
                                                                 argv: list[str], option: str) -> None:
    rc, out, err = cli(*argv, *(["--out", str(tmp_path / "o")] if argv[0] != "forecast" else []))
    m = SHAPE.match(err)
    assert rc == 2 and out == "" and m is not None, err
    assert m["opt"] == option and int(m["most"].replace(",", "")) < int(m["n"].replace(",", ""))
    assert not (tmp_path / "o").exists()


def test_the_scenario_replications_are_named_when_no_option_set_them(small_machine: None, tmp_path: Path) -> None:
    p = tmp_path / "many.yaml"
    p.write_text(re.sub(r"^replications: .*$", "replications: 5000000", PLAN.read_text(encoding="utf-8"), count=1,
                        flags=re.M), encoding="utf-8")
    rc, _, err = cli("compare", str(p), str(p))
    m = SHAPE.match(err)
    assert rc == 2 and m is not None and m["opt"] == f"{p}: replications", err


def test_what_fits_is_not_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from expressim.model.cli import context

    context.check_memory("--draws", 1000, 2400)  # 2.4 MB on this machine
    monkeypatch.setattr(context, "_physical_memory", lambda: None)  # unknown memory: nothing refused
    context.check_memory("--draws", 10**12, 2400)


@pytest.mark.parametrize(("command", "argv", "advice"), [
    ("sensitivity", ["sensitivity", str(PLAN)], "a smaller --samples or fewer --replications"),
    ("forecast", ["forecast", "--geography", "China", "--indicator", "express_volume", "--period", "2025"],
     "fewer --draws"),
    ("monitor", ["monitor", str(PLAN), "--as-of", "2024-06"], "fewer --replications or as-of dates"),
])
def test_an_out_of_memory_that_still_happens_gets_advice_for_the_command(monkeypatch: pytest.MonkeyPatch,
                                                                         command: str, argv: list[str],
                                                                         advice: str) -> None:
    import importlib

    module = importlib.import_module(f"expressim.model.cli.{command}")

    def oom(args: object, warned: object) -> None:
        raise MemoryError

    monkeypatch.setattr(module, f"cmd_{command}", oom)
    rc, _, err = cli(*argv)
    assert rc == 1 and err == f"expressim: error: out of memory during {command}; try {advice}\n"
