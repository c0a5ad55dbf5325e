"""The decisive local priors have a source (issue 18, section 3): ``benchmarks/local_prior_evidence.py``
builds them from the evidence rows, the register holds what it gives, and "rests on" calls them
``evidence`` (DESIGN.md §6)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from helpers import ROOT

from expressim.calibration import assumptions as reg
from expressim.model.analysis.rests_on import group_kind, input_kind

SCRIPT = ROOT / "benchmarks" / "local_prior_evidence.py"
LOCAL = ("local_collected_intensity", "local_delivered_relative", "local_intensity_correlation")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("local_prior_evidence", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def derived() -> dict[str, Any]:
    mod = _script()
    out = mod.derive()
    out["suggested"] = mod.suggested(out["records"])
    return out


def test_register_holds_what_the_script_derives(derived: dict[str, Any]) -> None:
    register = reg.load_register()
    for name, want in derived["suggested"].items():
        entry = register[name]
        for field, value in want.items():
            assert float(entry[field]) == pytest.approx(value, rel=0, abs=1e-9), (name, field)
        assert reg.evidence_script(entry) == "benchmarks/local_prior_evidence.py", name


def test_the_prediction_interval_is_leave_one_out_over_the_provinces(derived: dict[str, Any]) -> None:
    line = derived["line"]
    assert len(line.names) >= 25  # provinces with a 2024 row and complete census rows
    assert line.loo_errors.size == len(line.names) and line.loo_rmse > 0
    assert line.b > 0  # more urban provinces collect more per head
    c = next(r for r in derived["records"] if r["parameter"] == "local_collected_intensity")
    assert c["low90"] < c["median"] < c["high90"]
    # the interval is at least as wide as the provinces' own out-of-sample spread allows after the bound
    assert np.log(c["high90"] / c["low90"]) > line.loo_rmse


def test_every_number_comes_from_a_row() -> None:
    """The script's only numeric literals are unit multipliers, the draw count and its seed, the normal's
    5-95% quantile, the quantile levels, the bisection's bracket and steps, and days of January: every figure
    of the model is read from a data file."""
    import ast

    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    numbers = {float(n.value) for n in ast.walk(tree)
               if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)}
    allowed = {0.0, 1.0, 2.0, 3.0, 100.0, 1e8, 1e4, 10.0, 200.0, 200_000.0, 18.0, 31.0, 1.6448536269514722, 0.05, 0.5,
               0.95}  # 3: a tuple index; 100: per cent
    assert numbers <= allowed, sorted(numbers - allowed)


def test_json_records() -> None:
    out = subprocess.run([sys.executable, str(SCRIPT), "--json"], capture_output=True, text=True, check=True, cwd=ROOT)
    recs = json.loads(out.stdout)
    assert [r["parameter"] for r in recs] == list(LOCAL)
    assert all({"median", "sigma", "low90", "high90"} <= r.keys() for r in recs[:2])


class _Fit:
    def __init__(self, behind: int) -> None:
        self.register = reg.load_register()
        self._behind = behind

    def observations_behind(self, factor: str) -> int:
        return self._behind


def test_rests_on_calls_the_local_priors_evidence() -> None:
    assert input_kind("local_collected_intensity", _Fit(0)) == "evidence"  # type: ignore[arg-type]
    assert input_kind("local_delivered_relative", _Fit(0)) == "evidence"  # type: ignore[arg-type]
    assert input_kind("local_collected_intensity", _Fit(2)) == "data"  # type: ignore[arg-type]
    assert input_kind("national_exit_growth_mismatch", _Fit(0)) == "assumption"  # type: ignore[arg-type]
    assert group_kind({"data", "evidence"}) == "evidence" and group_kind({"evidence", "assumption"}) == "assumption"


def test_run_summary_labels_them_evidence(tmp_path: Path) -> None:
    from helpers import PLAN, cli

    rc, _, err = cli("run", str(PLAN), "--replications", "400", "--out", str(tmp_path / "r"), "--quiet")
    assert rc == 0, err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    kinds = {e["input"]: e["kind"] for t in summary["targets"] for e in t.get("rests_on") or []}
    assert kinds.get("local_collected_intensity") == "evidence" or kinds.get("local_delivered_relative") == "evidence"
    assert "evidence" in set(kinds.values())


def test_a_capitals_pack_holds_what_the_script_derives_for_it() -> None:
    """Kunming's pack register (a provincial capital) holds the script's values for it: the delivered ratio uses
    the capitals' in/out rows (Chengdu, 0.99), not the western areas' (about 4)."""
    from expressim.model.spec.regions import load_pack

    mod = _script()
    out = mod.derive(region="Kunming", province="Yunnan")
    pack = load_pack("kunming").register
    for name, want in mod.suggested(out["records"]).items():
        for field, value in want.items():
            assert float(pack[name][field]) == pytest.approx(value, rel=0, abs=1e-9), (name, field)  # type: ignore[arg-type]
    delivered = next(r for r in out["records"] if r["parameter"] == "local_delivered_relative")
    assert "capital in/out ratio" in delivered["model"]
