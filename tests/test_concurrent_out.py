"""Two runs to one --out: exactly one wins, the other is refused with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import PLAN, ROOT

from expressim.model.store.folders import OutputError, atomic_dir


def test_a_second_writer_is_refused_while_the_first_holds_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with atomic_dir(target) as tmp:
        (tmp / "manifest.json").write_text("{}")
        with pytest.raises(OutputError, match=r"another expressim process \(pid \d+\) is writing"):
            with atomic_dir(target):
                pass
    assert (target / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # lock and partial folders gone


def test_a_folder_completed_meanwhile_is_never_replaced_without_force(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with pytest.raises(OutputError, match="another run completed this folder first"):
        with atomic_dir(target) as tmp:
            (tmp / "manifest.json").write_text('{"mine": 1}')
            target.mkdir()  # as if another process finished first (it could not have: the lock)
            (target / "manifest.json").write_text('{"theirs": 1}')
    assert (target / "manifest.json").read_text() == '{"theirs": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    target = tmp_path / "run"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    (tmp_path / ".run.lock").write_text(dead.stdout.strip())
    with atomic_dir(target) as tmp:
        (tmp / "manifest.json").write_text("{}")
    assert (target / "manifest.json").is_file() and not (tmp_path / ".run.lock").exists()


@pytest.mark.slow
def test_two_concurrent_cli_runs_one_wins(tmp_path: Path) -> None:
    out = tmp_path / "run"
    env = {**os.environ, "EXPRESSIM_CACHE": str(tmp_path / "cache")}
    # warm the fit cache so that both runs reach the writing step at about the same time
    subprocess.run([sys.executable, "-m", "expressim.model", "-q", "forecast", "--geography", "China",
                    "--indicator", "express_volume", "--period", "2025"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    cmd = [sys.executable, "-m", "expressim.model", "-q", "run", str(PLAN), "--out", str(out),
           "--replications", "300", "--seed", "1"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [(p.wait(timeout=600), p.stderr.read() if p.stderr else "") for p in procs]
    codes = sorted(rc for rc, _ in results)
    assert codes == [0, 2], results
    loser = next(err for rc, err in results if rc == 2)
    assert "run" in loser and "Traceback" not in loser and len(loser.strip().splitlines()) == 1
    assert (out / "manifest.json").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run")]
