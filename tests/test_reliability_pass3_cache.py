"""Pass 3, classes 13 and 7: a fit cache entry is used only when it validates completely (else it is
ignored and rebuilt); identical observations share one entry; the cache folder is bounded."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import cli

from expressim.calibration import artefact
from expressim.calibration import fit as fit_module
from expressim.model.store import fit_cache


@pytest.fixture
def counted_fit(monkeypatch: pytest.MonkeyPatch, fitted: Any, tmp_path: Path) -> list[int]:
    """fit_all counted (it returns the session's fit); the cache in a private temporary folder."""
    calls: list[int] = []

    def fake_fit_all(obs: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return dataclasses.replace(fitted, data_hash=obs.data_hash, until=obs.until)

    monkeypatch.setattr(fit_module, "fit_all", fake_fit_all)
    monkeypatch.setenv("EXPRESSIM_CACHE", str(tmp_path / "cache"))
    return calls


def _damaged(fitted: Any, how: str) -> Any:
    h = fitted.hier
    if how == "nan_params":
        params = h.params.copy()
        params[0] = np.nan
        return dataclasses.replace(fitted, hier=dataclasses.replace(h, params=params))
    if how == "inf_state":
        sm = h.state_mean.copy()
        sm[0, 0, 0] = np.inf
        return dataclasses.replace(fitted, hier=dataclasses.replace(h, state_mean=sm))
    if how == "short_draws":
        return dataclasses.replace(fitted, hier=dataclasses.replace(h, state_mean=h.state_mean[:, :-2]))
    if how == "wrong_params":
        return dataclasses.replace(fitted, hier=dataclasses.replace(h, params=h.params[:3]))
    if how == "int_dtype":
        return dataclasses.replace(fitted, hier=dataclasses.replace(h, theta_cov=h.theta_cov.astype(np.int64)))
    if how == "nan_published":
        key = next(iter(fitted.published))
        pub = dict(fitted.published)
        pub[key] = dataclasses.replace(pub[key], log_value=float("nan"))
        return dataclasses.replace(fitted, published=pub)
    if how == "nan_profile":
        w = fitted.profile.weights.copy()
        w[3] = np.nan
        return dataclasses.replace(fitted, profile=dataclasses.replace(fitted.profile, weights=w))
    if how == "other_register":
        reg = {k: dict(v) for k, v in fitted.register.items()}
        first = next(iter(reg))
        reg[first] = {**reg[first], "median": 123456.0}
        return dataclasses.replace(fitted, register=reg)
    if how == "negative_population":
        return dataclasses.replace(fitted, populations={**fitted.populations, "Bijie": -1.0})
    raise ValueError(how)


DAMAGE = ["nan_params", "inf_state", "short_draws", "wrong_params", "int_dtype", "nan_published", "nan_profile",
          "other_register", "negative_population"]


@pytest.mark.parametrize("how", DAMAGE)
def test_an_entry_that_does_not_validate_is_ignored_and_rebuilt(tmp_path: Path, observations: Any, fitted: Any,
                                                                 counted_fit: list[int], how: str) -> None:
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    entry = root / f"{fit_cache.cache_key(observations)}.npz"
    entry.write_bytes(artefact.dumps(_damaged(fitted, how)))
    os.chmod(entry, 0o600)
    got = fit_cache.fitted_for(observations)
    assert counted_fit == [1]  # refitted
    assert fit_cache.check_fit(got) is None and np.isfinite(got.hier.params).all()
    assert fit_cache.check_fit(fit_cache._load(entry)) is None  # and the entry rebuilt


def test_the_shipped_fit_validates(fitted: Any) -> None:
    assert fit_cache.check_fit(fitted) is None


def test_forecast_never_prints_nan_from_a_planted_entry(tmp_path: Path, observations: Any, fitted: Any,
                                                        counted_fit: list[int]) -> None:
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    entry = root / f"{fit_cache.cache_key(observations)}.npz"
    entry.write_bytes(artefact.dumps(_damaged(fitted, "nan_params")))
    os.chmod(entry, 0o600)
    rc, out, err = cli("forecast", "--geography", "China", "--indicator", "express_volume", "--period", "2026")
    assert rc == 0, err
    assert "nan" not in (out + err).lower()


def test_identical_observations_share_one_entry(tmp_path: Path, counted_fit: list[int]) -> None:
    from expressim.calibration.observations import load

    late = [load(until=u) for u in ("2027-12", "2028-06", "2029")]  # all after the data's end: the same rows
    assert len({fit_cache.cache_key(o) for o in late}) == 1
    got = [fit_cache.fitted_for(o) for o in late]
    assert counted_fit == [1] and [g.until for g in got] == ["2027-12", "2028-06", "2029"]
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1
    assert fit_cache.cache_key(load(until="2015")) != fit_cache.cache_key(late[0])


def test_the_cache_folder_is_bounded_and_only_entries_are_removed(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    for i in range(fit_cache.MAX_ENTRIES + 6):
        p = root / f"{i:024x}.npz"
        p.write_bytes(b"x" * 1000)
        os.utime(p, (1_000_000 + i, 1_000_000 + i))
    (root / "notes.txt").write_text("mine")
    (root / "abc.npz").write_bytes(b"not an entry name")
    removed = fit_cache.prune(root)
    assert len(removed) == 6 and {p.name for p in removed} == {f"{i:024x}.npz" for i in range(6)}  # the oldest
    assert (root / "notes.txt").is_file() and (root / "abc.npz").is_file()
    assert len(fit_cache.prune(root, max_bytes=5000)) == fit_cache.MAX_ENTRIES - 5
