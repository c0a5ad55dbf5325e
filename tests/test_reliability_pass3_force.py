"""Pass 3, classes 1 and 3: ``--force`` replaces only a folder the tool provably wrote; the output lock is
an OS lock; what a crashed replacement left is kept and named, never deleted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import PLAN, ROOT, cli

from expressim.model.store.folders import OutputError, atomic_dir


def _one_line_refusal(rc: int, err: str) -> None:
    assert rc == 2, err
    assert "Traceback" not in err and "internal error" not in err and len(err.strip().splitlines()) == 1, err


def test_force_refuses_a_webapp_with_a_manifest_json(tmp_path: Path) -> None:
    """The issue's case: any folder holding a ``manifest.json`` used to be deleted whole by --force."""
    web = tmp_path / "webapp"
    (web / "src").mkdir(parents=True)
    (web / "manifest.json").write_text("{}")
    (web / "src" / "app.js").write_text("keep")
    rc, _, err = cli("-q", "run", str(PLAN), "--out", str(web), "--force", "--replications", "2")
    _one_line_refusal(rc, err)
    assert "not replaced, even with --force" in err and "webapp" in err
    assert (web / "src" / "app.js").read_text() == "keep" and (web / "manifest.json").read_text() == "{}"


def _own_folder(target: Path, files: dict[str, str]) -> None:
    with atomic_dir(target) as tmp:
        (tmp / "manifest.json").write_text('{"kind": "run"}')
        (tmp / "figures").mkdir()
        for name, text in files.items():
            (tmp / name).write_text(text)


def test_the_manifest_lists_every_file_with_the_tools_schema(tmp_path: Path) -> None:
    _own_folder(tmp_path / "run", {"summary.json": "{}", "figures/a.png": "png"})
    man = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert man["output_schema"] == "expressim-output/1" and man["kind"] == "run"
    assert sorted(man["files"]) == ["figures/a.png", "summary.json"]
    assert man["files"]["summary.json"]["bytes"] == 2
    assert not (tmp_path / "run" / ".expressim-partial").exists()


@pytest.mark.parametrize("change", ["extra_file", "scenario_inside", "edited", "extra_folder", "link",
                                    "foreign_schema", "no_listing", "manifest_link"])
def test_force_refuses_a_folder_it_cannot_prove_it_wrote(tmp_path: Path, change: str) -> None:
    target = tmp_path / "run"
    _own_folder(target, {"summary.json": "{}", "figures/a.png": "png"})
    man = target / "manifest.json"
    if change == "extra_file":
        (target / "figures" / "notes.txt").write_text("mine")
    elif change == "scenario_inside":  # a scenario kept inside its run folder
        (target / "plan.yaml").write_text(PLAN.read_text(encoding="utf-8"), encoding="utf-8")
    elif change == "edited":
        (target / "summary.json").write_text('{"annotated": true}')
    elif change == "extra_folder":
        (target / "drafts").mkdir()
    elif change == "link":
        (target / "figures" / "b.png").symlink_to(tmp_path)
    elif change == "foreign_schema":
        man.write_text(json.dumps({**json.loads(man.read_text()), "output_schema": "webpack/5"}))
    elif change == "no_listing":
        data = json.loads(man.read_text())
        del data["files"]
        man.write_text(json.dumps(data))
    elif change == "manifest_link":
        real = tmp_path / "elsewhere.json"
        real.write_text(man.read_text())
        man.unlink()
        man.symlink_to(real)
    before = sorted(str(p.relative_to(target)) for p in target.rglob("*"))
    with pytest.raises(OutputError, match="not replaced, even with --force"), atomic_dir(target, force=True) as tmp:
        (tmp / "manifest.json").write_text("{}")
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_force_replaces_the_tools_own_folder(tmp_path: Path) -> None:
    target = tmp_path / "run"
    _own_folder(target, {"summary.json": "{}", "figures/a.png": "png"})
    with atomic_dir(target, force=True) as tmp:
        (tmp / "manifest.json").write_text('{"v": 2}')
    assert json.loads((target / "manifest.json").read_text())["v"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_link_as_out_is_refused_before_any_work(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "out").symlink_to(real, target_is_directory=True)
    rc, _, err = cli("-q", "run", str(PLAN), "--out", str(tmp_path / "out"), "--replications", "2")
    _one_line_refusal(rc, err)
    assert "is a link" in err and list(real.iterdir()) == []


# ---- class 3: the lock and what a crashed replacement leaves ---------------------------------------

def test_a_lock_held_by_a_process_whose_pid_is_not_ours_to_see_still_holds(tmp_path: Path) -> None:
    """A run in another PID namespace: its pid means nothing here, its OS lock still holds."""
    target = tmp_path / "run"
    lock = tmp_path / ".run.lock"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "os.write(fd, b'999999999')\n"  # a pid no process here has
        "print('held', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputError, match="another expressim process"), atomic_dir(target) as tmp:
            (tmp / "manifest.json").write_text("{}")
    finally:
        holder.kill()
        holder.wait()
    assert not target.exists()
    with atomic_dir(target) as tmp:  # the kernel dropped the killed holder's lock
        (tmp / "manifest.json").write_text("{}")
    assert (target / "manifest.json").is_file() and not lock.exists()


def test_an_empty_stale_lock_does_not_block_its_folder(tmp_path: Path) -> None:
    (tmp_path / ".run.lock").write_text("")
    with atomic_dir(tmp_path / "run") as tmp:
        (tmp / "manifest.json").write_text("{}")
    assert (tmp_path / "run" / "manifest.json").is_file()


def test_a_previous_run_left_aside_by_a_crashed_replacement_is_kept_and_named(tmp_path: Path) -> None:
    """SIGTERM between the two renames of --force used to leave .X.old-PID, which the next run deleted."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    old = tmp_path / f".run.old-{int(dead.stdout)}"
    old.mkdir()
    (old / "summary.json").write_text("the only copy")
    said: list[str] = []
    with atomic_dir(tmp_path / "run", warn=said.append) as tmp:
        (tmp / "manifest.json").write_text("{}")
    assert (old / "summary.json").read_text() == "the only copy"
    assert len(said) == 1 and str(old) in said[0] and "kept" in said[0]


def test_the_cli_names_a_kept_folder_on_stderr(tmp_path: Path) -> None:
    old = tmp_path / ".run.old-1"
    old.mkdir()
    (old / "summary.json").write_text("the only copy")
    env = {**os.environ, "EXPRESSIM_CACHE": str(tmp_path / "cache")}
    code = ("import sys; from expressim.model.store.folders import atomic_dir\n"
            f"with atomic_dir({str(tmp_path / 'run')!r}) as t:\n"
            "    (t / 'manifest.json').write_text('{}')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"kept {old}" in done.stderr and (old / "summary.json").is_file()
