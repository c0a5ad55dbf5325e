"""Run manifests: what produced an output (inputs' hashes, versions, seed, command, git revision)."""

from __future__ import annotations

import datetime as _dt
import platform
import subprocess
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from expressim.model.store.folders import file_sha256

PACKAGES = ("expressim", "numpy", "scipy", "pandas", "statsmodels", "simpy", "matplotlib", "pydantic",
            "PyYAML", "SALib", "tqdm")


def versions() -> dict[str, str]:
    """Installed versions of the packages that shape results."""
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def git_revision(where: Path | None = None) -> str | None:
    """The git commit of the working tree (with ``-dirty``), or None outside a checkout."""
    try:
        cwd = where or Path(__file__).resolve().parent
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=5)
        return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def build(*, command: Sequence[str], seed: int | None, data_files: Iterable[str | Path] = (),
          inputs: Iterable[str | Path] = (), extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A manifest dictionary.

    Parameters
    ----------
    command : sequence of str
        The command line.
    seed : int or None
        Root seed of the run.
    data_files, inputs : iterables of path
        Observation files and other inputs (scenario files), each hashed (SHA-256).
    """
    return {
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": list(command),
        "seed": seed,
        "inputs": {str(p): file_sha256(p) for p in inputs},
        "data_files": {str(p): file_sha256(p) for p in data_files},
        "versions": versions(),
        "git_revision": git_revision(),
        "platform": platform.platform(),
        **(extra or {}),
    }
