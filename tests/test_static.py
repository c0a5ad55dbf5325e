"""Static checks in the default suite: ruff (lint) and mypy (types) stay clean.

Skipped when the tools are not installed (they come with the ``test`` extra).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed")
def test_ruff_is_clean() -> None:
    p = subprocess.run(["ruff", "check", "model", "calibration", "tests", "benchmarks"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:]


def test_mypy_is_clean(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    # mypy cannot follow the editable install's name mapping (model/ -> expressim.model), so it
    # reads the packages through links laid out as they are installed
    (tmp_path / "expressim").mkdir()
    for top in ("model", "calibration"):
        (tmp_path / "expressim" / top).symlink_to(ROOT / top, target_is_directory=True)
    p = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                        "-p", "expressim.model", "-p", "expressim.calibration"], cwd=tmp_path,
                       env={**os.environ, "MYPYPATH": str(tmp_path)}, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0 and "Success" in p.stdout, p.stdout[-3000:]
