"""Manifests are input too: ``run --check-manifest DIR`` refuses a hostile manifest.json in one line,
exit 2, naming the file and the field (the manifest is read by ``store.manifest.RunManifest``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import PLAN, cli, in_thread, special_file

SHA = "ab" * 32


def _good(tmp: Path) -> dict[str, Any]:
    scn = str(PLAN.resolve())
    return {"kind": "run", "scenario_file": scn, "replications": 40, "seed": 5, "results_sha256": SHA,
            "inputs": {scn: SHA}, "data_files": {}, "cwd": str(tmp), "data_args": None, "until_arg": None,
            "progress_file": None, "versions": {"numpy": "1"}}


def _set(m: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    if value is _DROP:
        m.pop(key)
    else:
        m[key] = value
    return m


_DROP = object()


@pytest.mark.parametrize(("key", "value", "field"), [
    ("inputs", [], "inputs"),
    ("inputs", "plan.yaml", "inputs"),
    ("inputs", {"plan.yaml": 7}, "inputs.plan.yaml"),
    ("inputs", {"plan.yaml": None}, "inputs.plan.yaml"),
    ("inputs", {"plan.yaml": "not-a-digest"}, "inputs.plan.yaml"),
    ("inputs", {"a\u0000b": SHA}, "inputs"),
    ("data_files", None, "data_files"),
    ("data_files", [["x.csv", SHA]], "data_files"),
    ("replications", "abc", "replications"),
    ("replications", -3, "replications"),
    ("replications", 0, "replications"),
    ("replications", True, "replications"),
    ("replications", 40.5, "replications"),
    ("seed", 5.0, "seed"),
    ("seed", -1, "seed"),
    ("seed", "5", "seed"),
    ("seed", _DROP, "seed"),
    ("scenario_file", _DROP, "scenario_file"),
    ("scenario_file", 12, "scenario_file"),
    ("scenario_file", "/elsewhere/other.yaml", "scenario_file"),
    ("results_sha256", ["x"], "results_sha256"),
    ("data_args", "calibration/data", "data_args"),
    ("cwd", {"a": 1}, "cwd"),
    ("progress_file", "/tmp/never-recorded.csv", "progress_file"),
    ("kind", "compare", "kind"),
])
def test_a_hostile_manifest_field_is_named_with_exit_2(tmp_path: Path, key: str, value: Any, field: str) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps(_set(_good(tmp_path), key, value)), encoding="utf-8")
    rc, out, err = cli("run", "--check-manifest", str(tmp_path))
    assert rc == 2, err
    assert err.startswith(f"expressim: error: {tmp_path / 'manifest.json'}: {field}")
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""


@pytest.mark.parametrize("body", ["[1, 2]", "null", "{\"seed\": NaN", "[" * 100_000, "\udcff"])
def test_a_manifest_that_is_not_a_json_object_is_refused(tmp_path: Path, body: str) -> None:
    (tmp_path / "manifest.json").write_bytes(body.encode("utf-8", "surrogateescape"))
    rc, _, err = cli("run", "--check-manifest", str(tmp_path))
    assert rc == 2 and str(tmp_path / "manifest.json") in err and err.count("\n") == 1, err


@pytest.mark.parametrize("kind", ["fifo", "huge", "folder", "device"])
def test_a_manifest_that_is_not_a_small_regular_file_is_refused_without_reading_it(tmp_path: Path, kind: str) -> None:
    m = special_file(tmp_path / "manifest.json", kind)
    rc, _, err = in_thread(lambda: cli("run", "--check-manifest", str(tmp_path)))
    assert rc == 2 and str(m) in err and err.count("\n") == 1, err
