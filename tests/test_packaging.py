"""The project installs under one namespace and lists every package folder it ships."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from helpers import ROOT


def test_every_package_folder_is_installed_under_the_namespace() -> None:
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(cfg["packages"])
    found = {"expressim." + ".".join(p.parent.relative_to(ROOT).parts)
             for top in ("model", "calibration") for p in (ROOT / top).rglob("__init__.py")}
    assert found == listed
    assert all(cfg["package-dir"].get(name) == name.split(".", 1)[1] for name in ("expressim.model",
                                                                                    "expressim.calibration"))


def test_generic_top_level_names_are_not_claimed(tmp_path: Path) -> None:
    # outside the repository (no cwd on the path), only the namespaced names import
    code = ("import importlib.util as u; import expressim.model, expressim.calibration; "
            "print(u.find_spec('model') is None, u.find_spec('calibration') is None)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
