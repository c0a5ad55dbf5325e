"""Pass 3, classes 10 and 16: a hostile process environment (encodings, broken or full output, closed
stderr, an unusable HOME) and options naming special files -- each in a subprocess with the environment set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import PLAN, ROOT

EXPRESSIM = [sys.executable, "-m", "expressim.model"]


def _chinese_scenario(tmp_path: Path) -> Path:
    d = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    d["name"] = "毕节规划"
    f = tmp_path / "zh.yaml"
    f.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    return f


def _no_traceback(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err and "Exception ignored" not in err, err


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_an_encoding_that_cannot_show_the_text_is_no_error(tmp_path: Path, encoding: str) -> None:
    f = _chinese_scenario(tmp_path)
    done = subprocess.run([*EXPRESSIM, "validate", str(f)], cwd=ROOT, capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": encoding})
    _no_traceback(done.stderr.decode("latin-1"))
    assert done.returncode == 0 and b"\\u6bd5\\u8282" in done.stdout, done.stderr


def test_a_reader_that_goes_away_ends_quietly(tmp_path: Path) -> None:
    f = _chinese_scenario(tmp_path)
    proc = subprocess.Popen([*EXPRESSIM, "validate", str(f), str(f), str(f)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # `| true`: the reader is gone before anything is written
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=120) == 1
    _no_traceback(err)
    assert err == ""


def test_a_full_output_is_one_line(tmp_path: Path) -> None:
    f = _chinese_scenario(tmp_path)
    with open("/dev/full", "wb") as full:
        done = subprocess.run([*EXPRESSIM, "validate", str(f)], cwd=ROOT, stdout=full, stderr=subprocess.PIPE,
                              timeout=120)
    err = done.stderr.decode()
    assert done.returncode == 1 and len(err.strip().splitlines()) == 1 and "No space left" in err, err
    _no_traceback(err)


def test_a_closed_stderr_still_writes_the_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = subprocess.run([*EXPRESSIM, "run", str(PLAN), "--replications", "2", "--out", str(out)], cwd=ROOT,
                          stdout=subprocess.PIPE, preexec_fn=lambda: os.close(2), timeout=300)  # noqa: PLW1509
    assert done.returncode == 0
    assert (out / "manifest.json").is_file() and (out / "report.html").is_file()
    assert not list(tmp_path.glob(".run.lock"))


def test_an_unusable_home_keeps_matplotlib_quiet_under_q(tmp_path: Path) -> None:
    from expressim.model.store.fit_cache import cache_dir

    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "XDG_CACHE_HOME")}
    env["HOME"] = "/dev/null"  # not a folder: nothing can be created under it
    env["EXPRESSIM_CACHE"] = str(cache_dir())  # the warm fit cache (it was under HOME): no refit
    out = tmp_path / "run"
    done = subprocess.run([*EXPRESSIM, "-q", "run", str(PLAN), "--replications", "2", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and (out / "figures").is_dir()


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_data_that_is_a_device_or_a_pipe_is_named_as_such(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        path = tmp_path / "fifo.csv"
        os.mkfifo(path)
        want = "is a named pipe (FIFO)"
    else:
        path, want = Path("/dev/zero"), "is a character device"
    done = subprocess.run([*EXPRESSIM, "-q", "run", str(PLAN), "--data", str(path), "--replications", "2",
                           "--out", str(tmp_path / "o")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and f"--data {path}: {want}" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_single_day_period_is_named_as_such() -> None:
    done = subprocess.run([*EXPRESSIM, "forecast", "--geography", "China", "--indicator", "express_volume",
                           "--period", "2025-11-01"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--period 2025-11-01: a single day" in done.stderr, done.stderr


def test_matplotlib_falls_back_to_a_private_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from expressim.model.cli import environment

    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    monkeypatch.setenv("EXPRESSIM_CACHE", "/dev/null/cache")  # unusable
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(environment.tempfile, "tempdir", None)
    environment.prepare(None)
    chosen = Path(os.environ["MPLCONFIGDIR"])
    assert chosen.parent == tmp_path and chosen.name.startswith("expressim-mpl-") and chosen.is_dir()
    assert chosen.stat().st_mode & 0o077 == 0
