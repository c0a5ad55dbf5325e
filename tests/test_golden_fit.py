"""Golden reference of the production state-space fit: ``fit_all`` on fixed inputs reproduces the
log-likelihood and smoothed states that tests/reference/make_golden_fit.py computed and committed.

The inputs (a small subset of the shipped rows and a copy of the register entries the fit reads) are
fixed files under tests/reference/, so a change of the shipped data or of the register does not move
the reference; a change of the fit's code that moves it fails here.  An intended change: rerun the
script and commit the new golden_fit.json, saying why the numbers moved.
"""

from __future__ import annotations

import importlib.util
import json
from typing import Any

import numpy as np
import pytest
from helpers import ROOT

from expressim.calibration.statespace import STATES

SCRIPT = ROOT / "tests" / "reference" / "make_golden_fit.py"
LOGLIKE_RTOL = 1e-6
STATE_ATOL = 1e-6


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("make_golden_fit", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def golden() -> tuple[Any, dict[str, Any]]:
    script = _script()
    return script, json.loads(script.OUT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def refit(golden: tuple[Any, dict[str, Any]]) -> Any:
    script, _ = golden
    return script.fit()


def test_the_inputs_are_the_ones_the_reference_was_made_from(golden: tuple[Any, dict[str, Any]]) -> None:
    script, ref = golden
    assert ref["inputs_sha256"] == {script.DATA.name: script.sha256(script.DATA),
                                    script.REGISTER.name: script.sha256(script.REGISTER)}, (
        "the golden fit's inputs changed: they are fixed copies; rerun the script only for an intended change")


def test_the_fit_reproduces_its_log_likelihood(golden: tuple[Any, dict[str, Any]], refit: Any) -> None:
    _, ref = golden
    h = refit.hier
    assert (h.first_year, h.last_year, h.n_observations) == (ref["first_year"], ref["last_year"],
                                                             ref["observations_in_likelihood"])
    assert h.loglike == pytest.approx(ref["loglike"], rel=LOGLIKE_RTOL, abs=0.0)


def test_the_fit_reproduces_its_smoothed_states(golden: tuple[Any, dict[str, Any]], refit: Any) -> None:
    _, ref = golden
    assert list(STATES) == ref["states"]
    want = np.asarray(ref["smoothed_states"], dtype=float)
    got = refit.hier.state_mean[0]
    assert got.shape == want.shape
    for j, name in enumerate(STATES):
        np.testing.assert_allclose(got[:, j], want[:, j], rtol=0.0, atol=STATE_ATOL,
                                   err_msg=f"smoothed state {name!r}, years {ref['first_year']}..{ref['last_year']}")


def test_the_reference_is_a_real_fit(golden: tuple[Any, dict[str, Any]]) -> None:
    """The pinned numbers are of a fit that read its data: finite, every state in every year, the national
    level at the published counts (1750.8亿 parcels in 2024; 1320.7亿 in 2023 on the basis before the
    2024 scope break, which the offset ``d`` carries)."""
    _, ref = golden
    states = np.asarray(ref["smoothed_states"], dtype=float)
    assert np.isfinite(ref["loglike"]) and np.all(np.isfinite(states))
    assert states.shape == (ref["last_year"] - ref["first_year"] + 1, len(STATES))
    at = {y: dict(zip(STATES, states[y - ref["first_year"]], strict=True)) for y in (2023, 2024)}
    assert abs(at[2024]["a"] - np.log(1750.8e8)) < 0.01
    assert abs(at[2023]["a"] + at[2023]["d"] - np.log(1320.7e8)) < 0.01
    assert -0.15 < at[2023]["d"] < -0.05  # the break: 2024 counts about 9% more than the old basis
