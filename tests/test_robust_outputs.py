"""Outputs that cannot lie: atomic folders, interrupted runs, hostile names, --out/--force, manifests."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import PLAN, ROOT, cli  # noqa: E402,F401
from hypothesis import given
from hypothesis import strategies as st

from expressim.model.cli import context
from expressim.model.cli import run as run_command
from expressim.model.spec.names import safe_name
from expressim.model.store.folders import Interrupted, OutputError, atomic_dir, check_target, file_sha256


def leftovers(folder: Path) -> list[str]:
    """Hidden partial/old folders left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name)


# ---- atomic folders ---------------------------------------------------------------------------------

def test_complete_block_renames_into_place(tmp_path: Path) -> None:
    with atomic_dir(tmp_path / "run") as tmp:
        assert tmp.name.startswith(".run.partial-") and tmp.parent == tmp_path
        (tmp / "manifest.json").write_text("{}")
    assert (tmp_path / "run" / "manifest.json").is_file() and leftovers(tmp_path) == []


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt(), Interrupted(signal.SIGTERM)])
def test_interrupted_block_leaves_nothing(tmp_path: Path, exc: BaseException) -> None:
    with pytest.raises(type(exc)), atomic_dir(tmp_path / "run") as tmp:
        (tmp / "summary.json").write_text("{}")
        raise exc
    assert list(tmp_path.iterdir()) == []


def test_existing_run_is_replaced_only_with_force(tmp_path: Path) -> None:
    target = tmp_path / "run"
    with atomic_dir(target) as tmp:
        (tmp / "manifest.json").write_text('{"v": 1}')
    with pytest.raises(OutputError, match="already holds a run.*--force"), atomic_dir(target):
        pass
    with atomic_dir(target, force=True) as tmp:
        (tmp / "manifest.json").write_text('{"v": 2}')
    assert json.loads((target / "manifest.json").read_text())["v"] == 2 and leftovers(tmp_path) == []


def test_force_never_replaces_what_the_tool_did_not_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.docx").write_text("years of work")
    with pytest.raises(OutputError, match="holds no expressim output"), atomic_dir(precious, force=True):
        pass
    assert (precious / "chapter1.docx").is_file()
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        check_target(tmp_path / "afile", force=True)
    monkeypatch.chdir(precious)
    (precious / "manifest.json").write_text("{}")
    for where in (".", "..", str(precious)):
        with pytest.raises(OutputError, match="current folder or one of its parents"):
            check_target(where, force=True)


def test_empty_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    with atomic_dir(tmp_path / "run") as tmp:
        (tmp / "x").write_text("1")
    assert (tmp_path / "run" / "x").is_file()


def test_partials_of_dead_processes_are_cleaned_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    (tmp_path / f".run.partial-{dead_pid}-abc").mkdir()
    (tmp_path / f".run.old-{dead_pid}").mkdir()
    (tmp_path / f".run.partial-{os.getppid()}-live").mkdir()
    (tmp_path / f".other.partial-{dead_pid}-x").mkdir()
    (tmp_path / f".run.partial-{dead_pid}-abc" / ".expressim-partial").write_bytes(b"")  # the tool's own
    (tmp_path / f".run.old-{dead_pid}" / "kept.txt").write_text("a previous run")
    with atomic_dir(tmp_path / "run") as tmp:
        (tmp / "manifest.json").write_text("{}")
    # the tool's own unfinished folder goes; a folder an interrupted --force moved aside, one without the
    # mark and another target's are kept (pass 3: nothing the tool cannot prove it wrote is deleted)
    assert leftovers(tmp_path) == [f".other.partial-{dead_pid}-x", f".run.old-{dead_pid}",
                                   f".run.partial-{os.getppid()}-live"]


# ---- hostile names ----------------------------------------------------------------------------------

@given(st.text(max_size=300))
def test_safe_name_is_one_harmless_component(name: str) -> None:
    s = safe_name(name)
    assert 1 <= len(s) <= 81
    assert "/" not in s and "\\" not in s and "\x00" not in s and ".." not in s
    assert not s.startswith((".", "-")) and s == s.strip()
    base = Path("/outputs")
    assert (base / s).resolve().parent == base
    assert s.split(".")[0].lower() not in {"con", "nul", "prn", "aux", "com1", "lpt1"}


HOSTILE = ["../../evil", "/etc/passwd", "..", ".", "a/b\\c", "C:\\Windows\\x", "CON", "nul.txt", "~root",
           "毕节/../../x", "-rf", "." * 50, "x" * 200, "$(rm -rf ~)"]


def _fake_write_outputs(tmp: Path, args: Any, scn: Any, obs: Any, fitted: Any, res: Any, *more: Any) -> dict[str, Any]:
    (tmp / "manifest.json").write_text("{}")
    return {"scenario": scn.name, "seed": res.seed, "replications": res.replications, "targets": []}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_scenario_names_stay_under_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fitted: Any,
                                                   name: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(run_command, "write_outputs", _fake_write_outputs)
    monkeypatch.setattr(context, "fitted_for", lambda obs, **kw: fitted)
    d = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    d["name"] = name
    f = work / "s.yaml"
    f.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    rc, _, err = cli("-q", "run", str(f), "--replications", "2")
    assert rc == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]
    assert sorted(p.name for p in work.iterdir()) == ["outputs", "s.yaml"]
    (scenario_dir,) = list((work / "outputs").iterdir())
    assert scenario_dir.name == safe_name(name)
    (run_dir,) = list(scenario_dir.iterdir())
    assert (run_dir / "manifest.json").is_file()
    assert run_dir.resolve().is_relative_to((work / "outputs").resolve())


def test_out_refuses_an_existing_run_before_simulating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       fitted: Any) -> None:
    monkeypatch.setattr(run_command, "write_outputs", _fake_write_outputs)
    monkeypatch.setattr(context, "fitted_for", lambda obs, **kw: fitted)
    out = tmp_path / "run"
    assert cli("-q", "run", str(PLAN), "--out", str(out), "--replications", "2")[0] == 0
    stamp = (out / "manifest.json").stat().st_mtime_ns

    def must_not_run(*a: Any, **k: Any) -> Any:
        raise AssertionError("simulated before refusing --out")

    monkeypatch.setattr(context, "simulate", must_not_run)
    rc, _, err = cli("run", str(PLAN), "--out", str(out), "--replications", "2")
    assert rc == 2 and err.count("\n") == 1 and "already holds a run" in err and "--force" in err
    assert (out / "manifest.json").stat().st_mtime_ns == stamp
    monkeypatch.undo()
    monkeypatch.setattr(run_command, "write_outputs", _fake_write_outputs)
    monkeypatch.setattr(context, "fitted_for", lambda obs, **kw: fitted)
    assert cli("-q", "run", str(PLAN), "--out", str(out), "--replications", "2", "--force")[0] == 0
    assert leftovers(tmp_path) == []


def test_default_output_is_replaced_on_rerun(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fitted: Any) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run_command, "write_outputs", _fake_write_outputs)
    monkeypatch.setattr(context, "fitted_for", lambda obs, **kw: fitted)
    for _ in range(2):
        assert cli("-q", "run", str(PLAN), "--replications", "2")[0] == 0
    assert len(list((tmp_path / "outputs" / "plan").iterdir())) == 1


# ---- a real run: contracted files, manifest, --check-manifest -------------------------------------------

@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One real run of a copy of plan.yaml (40 replications), written through the whole pipeline."""
    d = tmp_path_factory.mktemp("real")
    scn = d / "plan.yaml"
    shutil.copy(PLAN, scn)
    out = d / "run"
    rc, _, err = cli("-q", "run", str(scn), "--out", str(out), "--replications", "40", "--seed", "5")
    assert rc == 0, err
    return scn, out


def test_run_writes_contract_and_a_complete_manifest(real_run: tuple[Path, Path]) -> None:
    scn, out = real_run
    for f in ("summary.json", "annual.csv", "targets.csv", "manifest.json", "report.html"):
        assert (out / f).is_file(), f
    assert list((out / "figures").glob("*.png"))
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["seed"] == 5 and man["replications"] == 40
    pack = ROOT / "model" / "spec" / "region_packs" / "bijie.yaml"  # the region pack is an input too (pass 3)
    assert man["inputs"] == {str(scn.resolve()): file_sha256(scn), str(pack): file_sha256(pack)}
    assert man["data_files"] and all(len(h) == 64 for h in man["data_files"].values())
    assert {"numpy", "scipy", "pandas", "pydantic", "python"} <= set(man["versions"])
    assert "git_revision" in man and man["command"][0] == "expressim" and "run" in man["command"]
    assert len(man["results_sha256"]) == 64
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert all(0.0 <= t["probability"] <= 1.0 for t in s["targets"])
    assert leftovers(out.parent) == []


def test_check_manifest_reproduces(real_run: tuple[Path, Path]) -> None:
    _, out = real_run
    rc, stdout, err = cli("run", "--check-manifest", str(out))
    assert rc == 0, err
    assert stdout.startswith("reproduced:")


def test_check_manifest_reports_a_changed_input(real_run: tuple[Path, Path]) -> None:
    scn, out = real_run
    original = scn.read_bytes()
    try:
        scn.write_bytes(original.replace(b"seed: 20230423", b"seed: 20230424"))
        rc, _, err = cli("run", "--check-manifest", str(out))
        assert rc == 1 and err.count("\n") == 1
        assert "NOT reproducible" in err and "changed since the run" in err and "plan.yaml" in err
    finally:
        scn.write_bytes(original)


def test_check_manifest_reports_different_results(real_run: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = real_run
    fake = tmp_path / "tampered"
    shutil.copytree(out, fake)
    man = json.loads((fake / "manifest.json").read_text(encoding="utf-8"))
    man["results_sha256"] = "0" * 64
    (fake / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    rc, _, err = cli("run", "--check-manifest", str(fake))
    assert rc == 1 and "NOT reproduced" in err and err.count("\n") == 1


def test_check_manifest_needs_a_run_folder(tmp_path: Path) -> None:
    rc, _, err = cli("run", "--check-manifest", str(tmp_path))
    assert rc == 2 and "manifest.json" in err and err.count("\n") == 1
    rc, _, err = cli("run", str(PLAN), "--check-manifest", str(tmp_path))
    assert rc == 2 and "expected no SCENARIO.yaml" in err


def test_one_replication_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "one"
    rc, _, err = cli("-q", "run", str(PLAN), "--out", str(out), "--replications", "1", "--seed", "2")
    assert rc == 0, err
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["replications"] == 1 and all(t["probability"] in (0.0, 1.0) for t in s["targets"])


# ---- interrupted runs (a real subprocess, killed) -------------------------------------------------------

def _spawn(out: Path, replications: int) -> subprocess.Popen[str]:
    env = {**os.environ, "MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR", str(out.parent / "mpl"))}
    return subprocess.Popen(
        [sys.executable, "-m", "expressim.model", "run", str(PLAN), "--out", str(out), "--replications", str(replications)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        # a test runner in the background may ignore SIGINT; give the child Python's own handler
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )


def _assert_nothing_finished(proc: subprocess.Popen[str], out: Path, sig: int) -> None:
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err
    assert "interrupted" in err and "no output folder was completed" in err and "Traceback" not in err
    assert not out.exists()
    assert leftovers(out.parent) == []


def test_run_killed_while_simulating_leaves_nothing(tmp_path: Path) -> None:
    """SIGTERM and SIGINT (Ctrl-C) ~3 s into a 100,000-replication run."""
    procs = {sig: (_spawn(tmp_path / f"run_{sig}", 100_000), tmp_path / f"run_{sig}")
             for sig in (signal.SIGTERM, signal.SIGINT)}
    time.sleep(3.0)
    for sig, (proc, _) in procs.items():
        assert proc.poll() is None, proc.communicate()[1]
        proc.send_signal(sig)
    for sig, (proc, out) in procs.items():
        _assert_nothing_finished(proc, out, sig)


@pytest.mark.parametrize("delay", [0.2, 0.6, 1.2])
def test_run_killed_while_starting_says_so(tmp_path: Path, delay: float) -> None:
    """The handler is in place before the heavy imports: even an early SIGTERM gets the message."""
    out = tmp_path / "run"
    proc = _spawn(out, 100_000)
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    _assert_nothing_finished(proc, out, signal.SIGTERM)


def test_run_killed_while_writing_leaves_no_partial_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = _spawn(out, 2000)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith(".run.partial-") for p in tmp_path.iterdir()):
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run finished before its outputs were seen being written"
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _assert_nothing_finished(proc, out, signal.SIGTERM)
