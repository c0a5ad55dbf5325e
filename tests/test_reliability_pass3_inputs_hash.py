"""Pass 3, class 2: every input that changes a result is in the default output folder's hash and in the
manifest (compare's --until and --progress, sensitivity's and --latest-opening's --until, the region pack's
contents), so a default folder is never replaced by a different result."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import PLAN, ROOT, cli

from expressim.model.cli import context
from expressim.model.store import folders

PROGRESS = ROOT / "scenarios" / "progress_2026.csv"


class _Stop(Exception):
    """Raised by the recording atomic_dir: the folder is known, nothing needs writing."""


@pytest.fixture()
def targets(monkeypatch: pytest.MonkeyPatch, fitted: Any, tmp_path: Path) -> list[Path]:
    """Default output folders the commands chose (the write itself is skipped); shipped fit for every cut."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(context, "fitted_for", lambda obs, **kw: fitted)
    seen: list[Path] = []

    @contextlib.contextmanager
    def recording(target: Any, **kw: Any) -> Iterator[Path]:
        seen.append(Path(target))
        raise _Stop
        yield Path(target)  # pragma: no cover

    monkeypatch.setattr(folders, "atomic_dir", recording)
    return seen


def _folder(targets: list[Path], *argv: str) -> Path:
    n = len(targets)
    cli("-q", *argv)
    assert len(targets) == n + 1, f"{argv} did not reach its output folder"
    return targets[-1]


def test_compare_folder_names_until_and_progress(targets: list[Path]) -> None:
    base = ("compare", str(PLAN), str(PLAN), "--replications", "2")
    plain = _folder(targets, *base)
    assert _folder(targets, *base) == plain  # same inputs, same folder
    assert _folder(targets, *base, "--until", "2023") != plain
    assert _folder(targets, *base, "--progress", str(PROGRESS)) != plain


def test_latest_opening_folder_names_until(targets: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from expressim.model.analysis import latest_opening

    monkeypatch.setattr(latest_opening, "latest_opening", lambda *a, **k: {})
    base = ("compare", "--latest-opening", "county_centre", "--target", "centres_2025", str(PLAN),
            "--replications", "2")
    assert _folder(targets, *base) != _folder(targets, *base, "--until", "2023")


def test_sensitivity_folder_names_until(targets: list[Path]) -> None:
    base = ("sensitivity", str(PLAN), "--method", "morris", "--samples", "2", "--replications", "2")
    assert _folder(targets, *base) != _folder(targets, *base, "--until", "2023")


def test_region_pack_contents_name_the_folder_and_reach_the_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      fitted: Any) -> None:
    from test_region_packs import TOY, _toy_scenario

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(context, "fitted_for", lambda obs, **kw: fitted)
    pack = tmp_path / "pack.yaml"
    shutil.copy(TOY, pack)
    scn = _toy_scenario(tmp_path, pack)
    rc, _, err = cli("-q", "run", str(scn), "--replications", "2")
    assert rc == 0, err
    (first,) = (tmp_path / "outputs").glob("*/*")
    man = json.loads((first / "manifest.json").read_text())
    key = str(pack.resolve())
    assert man["result_inputs"]["region_pack_sha256"] == man["inputs"][key]
    pack.write_text(pack.read_text(encoding="utf-8").replace("population: 500000", "population: 900000"),
                    encoding="utf-8")
    rc, _, err = cli("-q", "run", str(scn), "--replications", "2")
    assert rc == 0, err
    second = sorted((tmp_path / "outputs").glob("*/*"))
    assert len(second) == 2 and first in second  # the first result was not replaced by a different one


def test_a_relative_region_pack_is_taken_from_the_scenarios_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from expressim.model.spec import scenario as sc

    (tmp_path / "scn").mkdir()
    shutil.copy(ROOT / "tests" / "data" / "toy_region_pack.yaml", tmp_path / "scn" / "pack.yaml")
    d = yaml.safe_load(PLAN.read_text(encoding="utf-8"))
    d["region_pack"] = "pack.yaml"
    (tmp_path / "scn" / "s.yaml").write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # not the scenario's folder
    assert Path(sc.load(tmp_path / "scn" / "s.yaml").region_pack) == tmp_path / "scn" / "pack.yaml"
