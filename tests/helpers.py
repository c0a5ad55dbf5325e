"""Helpers shared by several test modules (importable: pytest puts tests/ on sys.path)."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import TypeVar

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


T = TypeVar("T")


def special_file(path: Path, kind: str) -> Path:
    """Make ``path`` a file no reader should block on or read whole: ``fifo`` (a named pipe),
    ``device`` (a link to /dev/zero), ``huge`` (1 GiB, sparse), ``folder``, ``folder_link``."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "huge":
        with path.open("wb") as fh:
            fh.truncate(2**30)
    elif kind == "folder":
        path.mkdir()
    elif kind == "folder_link":
        path.symlink_to(path.parent, target_is_directory=True)
    else:
        raise ValueError(f"unknown special file kind {kind!r}")
    return path


def in_thread(fn: Callable[[], T], timeout: float = 20.0) -> T:
    """Run ``fn`` in a thread and return (or re-raise) its outcome; fail instead of hanging the suite."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["v"] = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            box["e"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "hung on a special file"
    if "e" in box:
        raise box["e"]  # type: ignore[misc]
    return box["v"]  # type: ignore[return-value]


def levels(pack: str = "bijie"):  # type: ignore[no-untyped-def]
    """The calibration levels (nation, province, prefecture) of a shipped region pack: what the CLI hands
    :func:`expressim.calibration.fit.fit_all` (the tests fit the first region's hierarchy unless told)."""
    from expressim.model.spec.regions import load_pack

    return load_pack(pack).levels()
