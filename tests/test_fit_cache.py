"""The fit cache reads only what this user wrote, in a folder nobody else can write to."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from expressim.calibration import fit as fit_module
from expressim.model.store import fit_cache


class _Planted:
    """Unpickling this touches a file: the proof that a planted pickle ran code."""

    def __init__(self, sentinel: Path) -> None:
        self.sentinel = sentinel

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.sentinel,))


@pytest.fixture
def counted_fit(monkeypatch: pytest.MonkeyPatch, fitted: Any) -> list[int]:
    calls: list[int] = []

    def fake_fit_all(obs: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return fitted

    monkeypatch.setattr(fit_module, "fit_all", fake_fit_all)
    return calls


def _key_path(observations: Any, root: Path) -> Path:
    return root / f"{fit_cache.cache_key(observations)}.npz"


def test_second_call_uses_the_private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, observations: Any,
                                            counted_fit: list[int]) -> None:
    monkeypatch.setenv("EXPRESSIM_CACHE", str(tmp_path / "cache"))
    fit_cache.fitted_for(observations)
    fit_cache.fitted_for(observations)
    assert len(counted_fit) == 1
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("mode", [0o777, 0o775])
def test_planted_pickle_in_a_shared_folder_is_never_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            observations: Any, counted_fit: list[int],
                                                            mode: int) -> None:
    root = tmp_path / "shared"
    root.mkdir()
    os.chmod(root, mode)
    monkeypatch.setenv("EXPRESSIM_CACHE", str(root))
    sentinel = tmp_path / "code_ran"
    _key_path(observations, root).write_bytes(pickle.dumps(_Planted(sentinel)))
    fit_cache.fitted_for(observations)
    assert not sentinel.exists() and len(counted_fit) == 1


def test_group_writable_entry_is_never_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, observations: Any,
                                              counted_fit: list[int]) -> None:
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    monkeypatch.setenv("EXPRESSIM_CACHE", str(root))
    sentinel = tmp_path / "code_ran"
    p = _key_path(observations, root)
    p.write_bytes(pickle.dumps(_Planted(sentinel)))
    os.chmod(p, 0o666)
    fit_cache.fitted_for(observations)
    assert not sentinel.exists() and len(counted_fit) == 1


def test_wrong_type_and_cache_path_that_is_a_file_refit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        observations: Any, counted_fit: list[int]) -> None:
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    monkeypatch.setenv("EXPRESSIM_CACHE", str(root))
    p = _key_path(observations, root)
    p.write_bytes(pickle.dumps({"not": "a fit"}))
    os.chmod(p, 0o600)
    assert isinstance(fit_cache.fitted_for(observations), fit_module.Fitted)
    as_file = tmp_path / "a_file"
    as_file.write_text("x")
    monkeypatch.setenv("EXPRESSIM_CACHE", str(as_file))
    assert isinstance(fit_cache.fitted_for(observations), fit_module.Fitted)
    assert len(counted_fit) == 2 and as_file.read_text() == "x"


def test_key_changes_with_library_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    before = fit_cache._code_hash()
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "0.0.0" if name == "statsmodels" else real(name))
    assert fit_cache._code_hash() != before


def test_default_location_is_the_users_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EXPRESSIM_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert fit_cache.cache_dir() == tmp_path / ".cache" / "expressim"
