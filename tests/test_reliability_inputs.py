"""Hostile inputs found by an adversarial pass: each class is refused with one line, exit 2.

Classes here: special files (FIFOs, devices, links to them) in data folders and as scenarios;
YAML 1.1 surprises (sexagesimal numbers, impossible dates, binary/set tags, keys equal as text);
values that would pass validation and break later (booleans as numbers, control characters).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers import PLAN, ROOT, cli, in_thread, special_file

from expressim.calibration.text import FileReadError, read_regular
from expressim.model.spec.safe_yaml import YamlInputError, parse_yaml

DATA = ROOT / "calibration" / "data"


@pytest.mark.parametrize("kind", ["fifo", "device", "folder_link"])
def test_read_regular_refuses_special_files(tmp_path: Path, kind: str) -> None:
    p = special_file(tmp_path / "x.csv", kind)
    with pytest.raises(FileReadError):
        in_thread(lambda: read_regular(p, 1000))


def test_read_regular_cap_holds_while_reading(tmp_path: Path) -> None:
    p = tmp_path / "big.csv"
    p.write_bytes(b"x" * 5000)
    assert read_regular(p, 5000) == b"x" * 5000
    with pytest.raises(FileReadError, match="larger than 4999 bytes"):
        read_regular(p, 4999)


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_data_folder_with_a_special_file_is_refused(tmp_path: Path, kind: str) -> None:
    d = tmp_path / "data"
    shutil.copytree(DATA, d)
    special_file(d / "zz_special.csv", kind)
    rc, _, err = in_thread(lambda: cli("forecast", "--data", str(d), "--geography", "China",
                                        "--indicator", "express_volume", "--period", "2025"))
    assert rc == 2 and "zz_special.csv" in err and "regular file" in err and "Traceback" not in err


def test_scenario_that_is_a_fifo_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "plan.yaml"
    os.mkfifo(p)
    rc, _, err = in_thread(lambda: cli("validate", str(p)))
    assert rc == 2 and "plan.yaml" in err and "named pipe" in err


@pytest.mark.parametrize(("text", "expected"), [
    ("seed: 1:30", {"seed": "1:30"}),                  # YAML 1.1 would read 90 (base 60)
    ("start: 2023-02-30", {"start": "2023-02-30"}),     # YAML 1.1: a date that fails to construct
    ("d: 2023-02-01", {"d": "2023-02-01"}),
    ("x: 1.0e8", {"x": 1.0e8}), ("x: 1e8", {"x": 1.0e8}), ("x: .5", {"x": 0.5}),
    ("t: yes", {"t": "yes"}), ("t: true", {"t": True}), ("a: 0x1F", {"a": 31}), ("a: 0o17", {"a": 15}),
])
def test_yaml_reads_plain_scalars_by_the_core_schema(text: str, expected: dict[str, object]) -> None:
    assert parse_yaml(text, "f.yaml") == expected


@pytest.mark.parametrize(("text", "fragment"), [
    ("a: !!binary aGVsbG8=", "'!!binary' is not allowed"),
    ("a: !!set {x, y}", "'!!set' is not allowed"),
    ("a: !!timestamp 2023-01-01", "'!!timestamp' is not allowed"),
    ("{2024: 2, '2024': 3}", "duplicate key '2024'"),
])
def test_yaml_refuses_tags_and_keys_equal_as_text(text: str, fragment: str) -> None:
    with pytest.raises(YamlInputError, match=fragment):
        parse_yaml(text, "f.yaml")


def _plan_with(tmp_path: Path, old: str, new: str) -> Path:
    text = PLAN.read_text(encoding="utf-8")
    assert old in text
    p = tmp_path / "bad.yaml"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p


@pytest.mark.parametrize(("old", "new", "fragment"), [
    ("seed: 20230423", "seed: 1:30", "seed"),
    ("threshold: 4.0e8", "threshold: true", "expected a number, got the boolean"),
    ("name: plan", 'name: "plan\\x1b[31m"', "control character U+001B"),
    ("name: plan", 'name: "plan\\x00nul"', "control character U+0000"),
    ("name: plan", 'name: "evil\\nline"', "control character U+000A"),
])
def test_values_that_would_break_later_are_refused_by_validate(tmp_path: Path, old: str, new: str,
                                                                fragment: str) -> None:
    rc, _, err = cli("validate", str(_plan_with(tmp_path, old, new)))
    assert rc == 2 and "bad.yaml" in err and fragment in err and "Traceback" not in err


def test_impossible_unquoted_date_names_the_field(tmp_path: Path) -> None:
    text = PLAN.read_text(encoding="utf-8")
    p = tmp_path / "bad.yaml"
    p.write_text(text.replace("start: ", "start: 2023-02-30 #", 1), encoding="utf-8")
    rc, _, err = cli("validate", str(p))
    assert rc == 2 and "bad.yaml" in err and "start" in err and "Traceback" not in err


def test_dollar_signs_in_labels_are_drawn_literally(tmp_path: Path) -> None:
    text = PLAN.read_text(encoding="utf-8").replace("label: 快递进出口业务量 4亿件", r"label: 'cost $\frac{x$ and $^$'", 1)
    p = tmp_path / "dollars.yaml"
    p.write_text(text, encoding="utf-8")
    rc, _, err = cli("-q", "run", str(p), "--replications", "50", "--out", str(tmp_path / "out"))
    assert rc == 0, err
    assert (tmp_path / "out" / "report.html").is_file()


@pytest.mark.parametrize(("value", "unit", "yoy"), [("1e301", "亿件", ""), ("1e200", "件", ""), ("inf", "件", ""),
                                                    ("1750.8", "亿件", "1e300")])
def test_values_near_the_float_limits_are_refused(tmp_path: Path, value: str, unit: str, yoy: str) -> None:
    d = tmp_path / "data"
    shutil.copytree(DATA, d)
    with (d / "extreme.csv").open("w", encoding="utf-8") as fh:
        fh.write("geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"
                 f"China,express_volume,2025,{value},{unit},{yoy},,synthetic\n")
    for geo in ("China", "Guizhou"):
        rc, _, err = cli("forecast", "--data", str(d), "--geography", geo, "--indicator", "express_volume",
                         "--period", "2025", "--strict")
        assert rc == 2 and "extreme.csv:2" in err and "Traceback" not in err, err


def test_non_finite_results_never_reach_the_outputs(fitted: object) -> None:
    import numpy as np

    from expressim.model.engine import ensemble
    from expressim.model.spec.scenario import ScenarioError
    from expressim.model.spec.scenario import load as load_scenario

    scn = load_scenario(PLAN)
    comp, draws = ensemble.prepare(scn, fitted, replications=20, seed=1)  # type: ignore[arg-type]
    raw = ensemble.execute(comp, fitted, draws)  # type: ignore[arg-type]
    ensemble.to_results(comp, raw, draws, 1)  # finite: fine
    name = next(iter(raw["metrics"]))
    raw["metrics"][name] = np.where(np.arange(raw["metrics"][name].size).reshape(raw["metrics"][name].shape) == 0,
                                    np.inf, raw["metrics"][name])
    with pytest.raises(ScenarioError, match=f"'{name}' overflows"):
        ensemble.to_results(comp, raw, draws, 1)


def _plan_with_first_duration(tmp_path: Path, duration: str) -> Path:
    import re

    text = PLAN.read_text(encoding="utf-8")
    p = tmp_path / "dur.yaml"
    p.write_text(re.sub(r"duration: [^,}]*(\{[^}]*\}|[0-9.]+)", "duration: " + duration, text, count=1),
                 encoding="utf-8")
    return p


@pytest.mark.parametrize("duration", ["{dist: uniform, low: 1, high: 1.0e300}", "{dist: lognormal, median: 12, sigma: 50}",
                                      "{dist: normal, mean: 12, sd: 1.0e200, low: 0}", "1.0e8"])
def test_durations_of_centuries_are_refused_by_validate(tmp_path: Path, duration: str) -> None:
    rc, _, err = cli("validate", str(_plan_with_first_duration(tmp_path, duration)))
    assert rc == 2 and "projects.0.phases.0.duration" in err and "1200 months" in err


def test_wide_but_credible_durations_run_and_draw(tmp_path: Path) -> None:
    p = _plan_with_first_duration(tmp_path, "{dist: lognormal, median: 12, sigma: 1.4}")
    rc, _, err = cli("-q", "run", str(p), "--replications", "60", "--out", str(tmp_path / "out"))
    assert rc == 0, err
    assert (tmp_path / "out" / "figures").is_dir()


def test_workers_are_capped_at_the_work_and_the_cores() -> None:
    import os

    from expressim.model.engine.ensemble import usable_workers

    cores = len(os.sched_getaffinity(0))
    assert usable_workers(200, 3) == min(3, cores)
    assert usable_workers(200, 1000) == cores
    assert usable_workers(1, 1000) == 1 and usable_workers(4, 0) == 1


def test_many_workers_under_a_low_open_files_limit_finish(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64)); "
            "from expressim.model.cli import main; "
            f"sys.exit(main(['-q', 'run', {str(PLAN)!r}, '--replications', '2000', '--workers', '200', "
            f"'--out', {str(tmp_path / 'out')!r}]))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-500:]


@pytest.mark.parametrize("forms", [("data", "~/data"), pytest.param(("data", "DATA", "link", "~/data"),
                                                                    marks=pytest.mark.slow)])
def test_relative_absolute_linked_and_home_data_paths_give_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   forms: tuple[str, ...]) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (tmp_path / "link").symlink_to(data, target_is_directory=True)
    from expressim.model.store.fit_cache import cache_dir

    monkeypatch.setenv("EXPRESSIM_CACHE", str(cache_dir()))  # keep the warm fit cache when HOME moves
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    for form in forms:  # "data" is how the README types it
        form = str(data) if form == "DATA" else form
        rc, _, err = cli("-q", "run", str(PLAN), "--data", form, "--replications", "40", "--seed", "1")
        assert rc == 0, f"{form}: {err}"
    (run,) = list((tmp_path / "outputs" / "plan").iterdir())  # one folder: the same inputs, the same run
    man = (run / "manifest.json").read_text(encoding="utf-8")
    assert str(data / "observations.csv") in man


_UNITS = ["件", "万件", "亿件", "元", "万元", "亿元", "人", "万人", "%", "个"]


def test_any_value_near_the_float_limits_is_read_or_refused_in_one_line(tmp_path: Path) -> None:
    """Property: a row's value and growth rate, whatever their magnitude, give a finite observation
    within the documented bound or a DataError naming file, line and field -- never anything else."""
    import math

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from expressim.calibration.records import MAX_CANONICAL_VALUE, DataError, read_csv

    numbers = st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e308, max_value=1e308),
                        st.floats(min_value=1e290, max_value=1.7976931348623157e308),
                        st.sampled_from([5e-324, 2.2250738585072014e-308, 1e16, 1.0000001e16]))
    growth = st.one_of(st.just(""), st.floats(allow_nan=False, allow_infinity=False).map(repr))

    @settings(max_examples=60, deadline=None)
    @given(numbers, st.sampled_from(_UNITS), growth)
    def check(value: float, unit: str, yoy: str) -> None:
        f = tmp_path / "v.csv"
        f.write_text("geography,indicator,period,value,unit,yoy_growth_pct,source_url,note\n"
                     f"China,express_volume,2024,{value!r},{unit},{yoy},,synthetic\n", encoding="utf-8")
        try:
            (o,) = read_csv(f)
        except DataError as exc:
            assert str(exc).startswith(f"{f}:2: field '") and "\n" not in str(exc)
            return
        assert math.isfinite(o.value) and abs(o.value) <= MAX_CANONICAL_VALUE
        assert o.yoy_growth_pct is None or math.isfinite(o.yoy_growth_pct)

    check()
