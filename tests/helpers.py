"""Helpers shared by several test modules (importable: pytest puts tests/ on sys.path)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from expressim.model.cli import main

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "scenarios" / "plan.yaml"


def cli(*argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(list(argv))
    return rc, out.getvalue(), err.getvalue()


def in_ci() -> bool:
    """True under continuous integration (``CI=true``, set by ``.ci/run`` and CI services)."""
    import os

    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require_tool(available: bool, what: str) -> None:
    """Skip a test whose tool is missing on a developer's machine; in CI a missing tool fails it."""
    import pytest

    if available:
        return
    if in_ci():
        pytest.fail(f"CI: {what} is not installed; CI must install it (.ci/run)")
    pytest.skip(f"{what} not installed")
