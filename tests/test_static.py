"""Static checks in the default suite: ruff (lint) and mypy (types) stay clean.

Skipped when the tools are not installed (they come with the ``test`` extra), except under CI
(``CI=true``), where a missing tool fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT, require_tool


def test_ruff_is_clean() -> None:
    require_tool(shutil.which("ruff") is not None, "ruff")
    p = subprocess.run(["ruff", "check", "model", "calibration", "tests", "benchmarks"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:]


def test_mypy_is_clean(tmp_path: Path) -> None:
    import importlib.util

    require_tool(importlib.util.find_spec("mypy") is not None, "mypy")
    # mypy cannot follow the editable install's name mapping (model/ -> expressim.model), so it
    # reads the packages through links laid out as they are installed
    (tmp_path / "expressim").mkdir()
    for top in ("model", "calibration"):
        (tmp_path / "expressim" / top).symlink_to(ROOT / top, target_is_directory=True)
    p = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                        "-p", "expressim.model", "-p", "expressim.calibration"], cwd=tmp_path,
                       env={**os.environ, "MYPYPATH": str(tmp_path)}, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0 and "Success" in p.stdout, p.stdout[-3000:]


def test_a_missing_tool_skips_on_a_desk_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI: ruff is not installed"):
        require_tool(False, "ruff")
    require_tool(True, "ruff")  # present: nothing happens
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_tool(False, "ruff")
