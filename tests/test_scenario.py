"""Scenario files: every bad input is one line naming file, place and what was expected; fuzzed
scenarios give a valid result or that line, never a traceback."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from helpers import PLAN, ROOT, cli
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from expressim.model.cli import main
from expressim.model.spec import scenario as sc

SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


def plan() -> dict[str, Any]:
    return yaml.safe_load(PLAN.read_text(encoding="utf-8"))


def assert_one_line_error(rc: int, err: str, path: Path, *words: str) -> None:
    assert rc == 2, err
    assert err.count("\n") == 1 and err.startswith("expressim: error: "), err
    assert str(path) in err and "Traceback" not in err
    for w in words:
        assert w in err, err


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_scenarios_validate(path: Path) -> None:
    rc, out, err = cli("validate", str(path))
    assert rc == 0 and "ok" in out
    if path.name == "delayed.yaml":  # its last centres and the hub's construction are gated past 2025 on purpose
        assert err and all("is after the horizon 2025-12" in ln for ln in err.splitlines())
    else:
        assert err == ""


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def f(d: dict[str, Any]) -> None:
        *head, last = path.split(".")
        node: Any = d
        for k in head:
            node = node[int(k)] if isinstance(node, list) else node[k]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return f


def _rename(path: str, new: str) -> Callable[[dict[str, Any]], None]:
    def f(d: dict[str, Any]) -> None:
        *head, last = path.split(".")
        node: Any = d
        for k in head:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[new] = node.pop(last)
    return f


# (id, mutation of plan.yaml, words the one-line message must hold)
BAD_CONTENT: list[tuple[str, Callable[[dict[str, Any]], None], tuple[str, ...]]] = [
    ("unknown_top_key", _rename("replications", "replicatoins"), ("replicatoins: unknown key", "'replications'")),
    ("unknown_nested_key", _rename("projects.0.phases.0.duration", "duraton"),
     ("projects.0.phases.0.duraton: unknown key", "did you mean 'duration'")),
    ("unknown_distribution_key", _set("projects.0.phases.0.duration", {"dist": "triangular", "lowe": 1, "mode": 2,
                                                                       "high": 3}),
     ("projects.0.phases.0.duration.lowe", "did you mean 'low'")),
    ("unknown_distribution", _set("projects.0.phases.0.duration.dist", "triangle"), ("did you mean 'triangular'",)),
    ("missing_key", lambda d: d.pop("targets"), ("targets: required key is missing",)),
    ("wrong_type_int", _set("replications", "many"), ("replications: expected a whole number", "'many'")),
    ("wrong_type_bool", _set("seed", True), ("seed", "boolean")),
    ("wrong_type_text", _set("name", 2030), ("name: expected text", "2030")),
    ("wrong_type_list", _set("projects", {"a": 1}), ("projects: expected a list",)),
    ("wrong_type_mapping", _set("projects.0", ["hub"]), ("projects.0: expected a mapping",)),
    ("wrong_literal", _set("projects.0.kind", "hubb"), ("projects.0.kind", "did you mean 'hub'")),
    ("bad_month", _set("start", "2023-13"), ("start", "YYYY-MM")),
    ("date_not_month", _set("horizon", "2025-12-31"), ("horizon", "YYYY-MM")),
    ("start_not_january", _set("start", "2023-03"), ("start: expected a January",)),
    ("horizon_before_start", _set("horizon", "2022-12"), ("horizon",)),
    ("negative_duration", _set("projects.0.phases.0.duration", {"dist": "uniform", "low": -2, "high": 3}),
     ("projects.0.phases.0.duration", "negative")),
    ("negative_fixed_duration", _set("projects.0.phases.0.duration", -1), ("projects.0.phases.0.duration",)),
    ("not_before_before_start", _set("projects.0.phases.0.not_before", "2022-06"),
     ("projects.0.phases.0.not_before", "before the scenario start")),
    ("planned_open_before_start", _set("projects.1.planned_open", "2020-01"),
     ("projects.1.planned_open", "before the scenario start")),
    ("probability_above_one", _set("parameters", {"demo_success_probability": 1.2}),
     ("parameters.demo_success_probability", "[0, 1]")),
    ("probability_below_zero", _set("parameters", {"scenic_yearly_hazard": {"dist": "uniform", "low": -0.1,
                                                                            "high": 0.5}}),
     ("parameters.scenic_yearly_hazard", "[0, 1]")),
    ("probability_unbounded", _set("parameters", {"specialty_share_outbound": {"dist": "normal", "mean": 0.8, "sd": 0.1}}),
     ("parameters.specialty_share_outbound", "[0, 1]")),
    ("ramp_zero", _set("parameters", {"hub_ramp_months": 0}), ("parameters.hub_ramp_months", "> 0")),
    ("unknown_parameter", _set("parameters", {"demo_sucess_probability": 0.5}),
     ("parameters.demo_sucess_probability", "did you mean 'demo_success_probability'")),
    ("bad_distribution", _set("parameters", {"specialty_share_outbound": {"dist": "triangular", "low": 0.9, "mode": 0.5,
                                                                 "high": 0.95}}),
     ("parameters.specialty_share_outbound", "low <= mode <= high")),
    ("region_not_in_pack", _set("projects.1.region", "Guiyang"), ("projects.1.region", "'Guiyang'", "bijie pack")),
    ("region_typo", _set("projects.1.region", "Qianxii"), ("did you mean 'Qianxi'",)),
    ("unknown_resource", _set("projects.0.phases.1.resource", "approval"),
     ("projects.0.phases.1.resource", "did you mean 'approvals'")),
    ("duplicate_project", _set("projects.2.id", "centre_qianxi"), ("projects.2", "duplicate project id")),
    ("target_unknown_project", _set("targets.11.projects", ["centre_qianxi", "centre_nayyong"]),
     ("targets.11.projects", "did you mean 'centre_nayong'")),
    ("target_unknown_phase", _set("targets.11.phase", "build"), ("targets.11.phase", "no phase 'build'")),
    ("target_year_outside", _set("targets.0.year", 2031), ("targets.0.year", "outside the simulated years")),
    ("fraction_threshold", _set("targets.7.threshold", 100), ("targets.7.threshold", "[0, 1]")),
    ("negative_threshold", _set("targets.0.threshold", -1), ("targets.0.threshold", "non-negative")),
    ("nan_threshold", _set("targets.0.threshold", float("nan")), ("targets.0.threshold",)),
    ("replications_zero", _set("replications", 0), ("replications", ">= 1")),
    ("demonstrations_too_many", _set("demonstrations.agriculture", {2023: 50}), ("demonstrations.agriculture",)),
    ("demonstrations_year_outside", _set("demonstrations.agriculture", {2030: 1}),
     ("demonstrations.agriculture.2030", "outside")),
    ("region_pack", _set("region_pack", "guiyang"), ("region_pack", "'bijie'")),
]


@pytest.mark.parametrize(("case", "mutate", "words"), BAD_CONTENT, ids=[c[0] for c in BAD_CONTENT])
def test_bad_content_is_one_line_with_the_place(tmp_path: Path, case: str, mutate: Callable[[dict[str, Any]], None],
                                                words: tuple[str, ...]) -> None:
    d = plan()
    mutate(d)
    f = tmp_path / f"{case}.yaml"
    f.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    rc, out, err = cli("validate", str(f))
    assert_one_line_error(rc, err, f, *words)
    assert out == ""


PLAN_TEXT = PLAN.read_text(encoding="utf-8")
# (id, file bytes, words)
BAD_FILES: list[tuple[str, bytes, tuple[str, ...]]] = [
    ("syntax", b"name: [unclosed\n", ("line 2, column 1", "YAML syntax error")),
    ("syntax_indent", b"name: a\n  start: 2023-01\n", ("line 2, column", "YAML syntax error")),
    ("tab_indent", b"name: a\n\tstart: 2023-01\n", ("line 2, column 1",)),
    ("python_object", b"name: !!python/object:os.system [echo hi]\n", ("line 1, column 7", "!!python/object")),
    ("python_apply", b"name: !!python/object/apply:os.system [echo hi]\n", ("!!python/object/apply",)),
    ("custom_tag", b"name: !secret x\n", ("tag '!secret' is not allowed",)),
    ("duplicate_key", (PLAN_TEXT + "\nseed: 7\n").encode(), ("duplicate key 'seed'", "line")),
    ("empty", b"", ("empty file",)),
    ("whitespace", b"   \n\n# only a comment\n", ("empty file", )),
    ("comment_only", b"# nothing\n---\n", ("(top level)", "empty file")),
    ("list_top", b"- name: a\n- name: b\n", ("(top level): expected a mapping", "a list")),
    ("scalar_top", b"plan\n", ("(top level): expected a mapping", "'plan'")),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ("binary",)),
    ("latin1", "name: café\n".encode("latin-1"), ("not UTF-8",)),
    ("enormous", b"# padding\n" * 120_000, ("bytes; expected a scenario under",)),
    ("alias_bomb", ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True))
        + "name: *i\n").encode(), ("values once aliases are expanded",)),
    ("deep_nesting", b"name: " + b"[" * 5000 + b"]" * 5000 + b"\n", ("nest",)),
    ("multiple_documents", b"name: a\n---\nname: b\n", ("expected a single document", )),
]


@pytest.mark.parametrize(("case", "content", "words"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_files_are_one_line(tmp_path: Path, case: str, content: bytes, words: tuple[str, ...]) -> None:
    f = tmp_path / f"{case}.yaml"
    f.write_bytes(content)
    rc, out, err = cli("validate", str(f))
    assert_one_line_error(rc, err, f)
    assert any(w in err for w in words), err


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert_one_line_error(*cli("validate", str(tmp_path / "no.yaml"))[::2], tmp_path / "no.yaml", "no such")
    assert_one_line_error(*cli("validate", str(tmp_path))[::2], tmp_path, "folder")


def test_utf16_and_bom_files_are_read(tmp_path: Path) -> None:
    for enc, name in (("utf-16", "u16.yaml"), ("utf-8-sig", "bom.yaml")):
        f = tmp_path / name
        f.write_bytes(PLAN_TEXT.encode(enc))
        assert cli("validate", str(f))[0] == 0


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("name: [", encoding="utf-8")
    with pytest.raises(sc.ScenarioError):
        main(["--debug", "validate", str(f)])
    with pytest.raises(sc.ScenarioError):
        main(["validate", str(f), "--debug"])


def test_bare_numbers_are_fixed_distributions() -> None:
    d = plan()
    d["projects"][0]["phases"][0]["duration"] = 0
    d["parameters"] = {"demo_success_probability": 0.9}
    s = sc.from_dict(d)
    assert s.projects[0].phases[0].duration.dist == "fixed"
    assert s.parameters["demo_success_probability"].mean() == 0.9


def test_parameter_ranges_cover_every_simulation_parameter() -> None:
    from expressim.model.engine.parameters import SIMULATION_PARAMETERS, resolve

    assert set(sc.PARAMETER_RANGES) == set(SIMULATION_PARAMETERS)
    # every register default lies inside its range
    dists = resolve(sc.load(PLAN))
    for name, dist in dists.items():
        sc._check_parameter(name, dist)


def test_did_you_mean_reaches_every_level() -> None:
    from expressim.model.spec.validation_messages import _fields_at

    assert "duration" in _fields_at(("projects", 0, "phases", 0, "x"), sc.Scenario)
    assert "mode" in _fields_at(("parameters", "x", "triangular", "y"), sc.Scenario)
    assert "capacity" in _fields_at(("resources", 0, "x"), sc.Scenario)
    assert "replications" in _fields_at(("x",), sc.Scenario)


# ---- fuzz -------------------------------------------------------------------------------------------

BASES = {p.name: yaml.safe_load(p.read_text(encoding="utf-8")) for p in SHIPPED}


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.sampled_from(["2023-01", "2025-12", "2030-06", "1900-01", "2023-13", "all", "hub",
                                           "triangular", "approvals", "Qianxi", "construction", "-1", ""]),
    st.lists(st.integers(0, 3), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    # fresh objects each time (a shared one could be mutated into a cycle)
    st.builds(lambda: {"dist": "uniform", "low": 0.1, "high": 0.2}), st.builds(lambda: {"dist": "fixed", "value": 0}),
)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    d = copy.deepcopy(BASES[draw(st.sampled_from(sorted(BASES)))])
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(d)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = d
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        old = parent[key]
        op = draw(st.sampled_from(["delete", "replace", "perturb", "retype", "rename"]))
        if op == "delete":
            del parent[key]
        elif op == "perturb" and isinstance(old, int | float) and not isinstance(old, bool):
            parent[key] = old * draw(st.sampled_from([-1, 0, 0.5, 1.5, 10, 1e6])) + draw(st.integers(-3, 3))
        elif op == "retype":
            parent[key] = str(old) if not isinstance(old, str) else [old]
        elif op == "rename" and isinstance(parent, dict) and isinstance(key, str):
            parent[key + draw(st.sampled_from(["s", "_", "x"]))] = parent.pop(key)
        else:
            parent[key] = draw(VALUES)
    return d


def _dump(d: dict[str, Any]) -> str:
    return yaml.safe_dump(d, allow_unicode=True, sort_keys=False)


@given(mutated())
def test_mutated_scenarios_validate_or_fail_with_one_line(tmp_path_factory: pytest.TempPathFactory,
                                                          d: dict[str, Any]) -> None:
    f = tmp_path_factory.mktemp("scn") / "s.yaml"
    f.write_text(_dump(d), encoding="utf-8")
    rc, out, err = cli("validate", str(f))
    assert rc in (0, 2), err
    if rc == 2:
        assert_one_line_error(rc, err, f)
    else:
        assert err == "" and "ok" in out


@given(st.data())
def test_corrupted_yaml_text_never_crashes(tmp_path_factory: pytest.TempPathFactory, data: st.DataObject) -> None:
    text = bytearray(PLAN_TEXT.encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(text) - 1))
        op = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        b = data.draw(st.sampled_from(list(b":-[]{}&*!|>'\"#\t\n ,?%@`\\x\xe4\x00")))
        if op == "flip":
            text[i] = b
        elif op == "insert":
            text.insert(i, b)
        else:
            del text[i]
    f = tmp_path_factory.mktemp("raw") / "s.yaml"
    f.write_bytes(bytes(text))
    rc, _, err = cli("validate", str(f))
    assert rc in (0, 2), err
    if rc == 2:
        assert_one_line_error(rc, err, f)


@settings(suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow], max_examples=10)
@given(mutated())
def test_scenarios_that_validate_also_run(tmp_path_factory: pytest.TempPathFactory, fitted: Any,
                                          d: dict[str, Any]) -> None:
    """A scenario ``validate`` accepts runs and gives finite results and probabilities in [0, 1].

    Only mutations that validate count as examples (``assume``): hypothesis draws until 10 of
    them ran, instead of returning early on the invalid ones.
    """
    from expressim.model.cli import context
    from expressim.model.engine import ensemble

    f = tmp_path_factory.mktemp("run") / "s.yaml"
    f.write_text(_dump(d), encoding="utf-8")
    try:
        scn = context.check_scenario(f)
    except sc.ScenarioError:
        scn = None
    assume(scn is not None)
    assert scn is not None
    assume(scn.n_months <= 12 * 8)  # beyond the calibration horizon the fit refuses (a FitError, tested elsewhere)
    res = ensemble.run(scn, fitted, replications=16, seed=3)
    for name, arr in res.metrics.items():
        assert np.all(np.isfinite(arr)) and np.all(arr >= 0), name
    np.testing.assert_allclose(res.metrics["parcels_inout"], res.metrics["parcels_in"] + res.metrics["parcels_out"],
                               rtol=1e-12)
    assert res.opening.shape == (16, len(scn.projects))
