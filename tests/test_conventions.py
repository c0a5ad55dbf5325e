"""Constants live once: model/spec/conventions.py (and calibration/conventions.py below it)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from helpers import ROOT

from expressim.model.spec import conventions as cv

HOMES = {ROOT / "model" / "spec" / "conventions.py", ROOT / "calibration" / "conventions.py"}
NAMES = {"BASE_YEAR", "MAX_FIRMS", "MAX_SCENIC", "MAX_DEMONSTRATIONS_PER_YEAR", "QUANTILES", "SUMMARY_QUANTILES",
         "METRICS", "FRACTION_METRICS", "ROLLOUT_METRICS", "HEADLINE_METRICS", "ON_TRACK", "AT_RISK"}
#: literal sets that must come from the conventions
LITERALS = {(0.1, 0.5, 0.9), (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)}


def _sources() -> list[Path]:
    return [f for top in ("model", "calibration") for f in sorted((ROOT / top).rglob("*.py")) if f not in HOMES]


def test_no_second_copy_of_a_convention() -> None:
    found = []
    for f in _sources():
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                found += [f"{f.relative_to(ROOT)}: {t.id}" for t in targets if isinstance(t, ast.Name) and t.id in NAMES]
            if isinstance(node, ast.List | ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts):
                values = tuple(e.value for e in node.elts)  # type: ignore[attr-defined]
                if values in LITERALS:
                    found.append(f"{f.relative_to(ROOT)}:{node.lineno}: literal {values}")
    assert found == []


def test_the_engine_produces_exactly_the_metrics_named(fitted: Any) -> None:
    from expressim.model.engine import ensemble
    from expressim.model.spec import scenario as sc

    res = ensemble.run(sc.load(ROOT / "scenarios" / "plan.yaml"), fitted, replications=4, seed=1)
    assert set(res.metrics) == set(cv.METRICS)
    assert set(cv.HEADLINE_METRICS) <= set(cv.METRICS) and set(cv.FRACTION_METRICS) <= set(cv.METRICS)


def test_targets_may_name_every_metric_and_only_those() -> None:
    from typing import get_args

    from expressim.model.spec.scenario import Target

    assert set(get_args(Target.model_fields["metric"].annotation)) == set(cv.TARGET_METRICS)
