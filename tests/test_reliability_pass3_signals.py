"""Pass 3, class 9: a SIGTERM whose exception something swallowed (a finaliser, a library's ``except
BaseException``) still stops the folder from completing and the command from reporting success."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import PLAN, cli

from expressim.model.cli import context
from expressim.model.cli import run as run_command
from expressim.model.store import folders
from expressim.model.store.folders import Interrupted, atomic_dir


@pytest.fixture(autouse=True)
def _restore_signals() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, previous)
    folders.received_signal = None


def _swallowed_sigterm() -> None:
    try:
        folders.on_signal(signal.SIGTERM, None)
    except BaseException:  # noqa: BLE001 - what a careless finaliser or library does
        pass


def test_a_swallowed_signal_leaves_no_completed_folder(tmp_path: Path) -> None:
    with pytest.raises(Interrupted), atomic_dir(tmp_path / "run") as tmp:
        (tmp / "manifest.json").write_text("{}")
        _swallowed_sigterm()
    assert list(tmp_path.iterdir()) == []


def test_a_swallowed_signal_is_reported_as_an_interruption(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           fitted: Any) -> None:
    def writes_and_swallows(tmp: Path, *args: Any) -> dict[str, Any]:
        (tmp / "manifest.json").write_text("{}")
        _swallowed_sigterm()
        return {"scenario": "plan", "seed": 1, "replications": 2, "targets": []}

    monkeypatch.setattr(run_command, "write_outputs", writes_and_swallows)
    monkeypatch.setattr(context, "fitted_for", lambda obs, **kw: fitted)
    rc, _, err = cli("-q", "run", str(PLAN), "--replications", "2", "--out", str(tmp_path / "run"))
    assert rc == 128 + signal.SIGTERM and "interrupted by SIGTERM" in err, err
    assert not (tmp_path / "run").exists()


def test_an_interruption_inside_a_finaliser_is_recorded_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    import gc
    import sys

    from expressim.model.cli import environment

    previous = sys.unraisablehook
    environment.prepare(None)
    try:
        class Finalised:
            def __del__(self) -> None:
                raise Interrupted(signal.SIGTERM)

        Finalised()
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert folders.received_signal == signal.SIGTERM
    assert "Exception ignored" not in capsys.readouterr().err
