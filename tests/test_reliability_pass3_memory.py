"""Pass 3, class 6: the memory estimate of a run holds for packs with many counties (it was 16x low at
100 counties, 21x at 200), so a large run is refused with one line instead of being killed."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_region_packs import TOY, _toy_scenario

from expressim.model.cli import context
from expressim.model.engine import ensemble
from expressim.model.spec import scenario as sc


@pytest.mark.parametrize("n_counties", [3, 100])
def test_the_estimate_is_not_below_the_measured_peak(tmp_path: Path, fitted: Any, n_counties: int) -> None:
    d = yaml.safe_load(TOY.read_text(encoding="utf-8"))
    d["counties"] += [{"id": f"C{i}", "population": 100_000, "source": "synthetic", "townships": 5}
                      for i in range(n_counties - 3)]
    pack = tmp_path / "pack.yaml"
    pack.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    scn = sc.load(_toy_scenario(tmp_path, pack))
    n = 200
    tracemalloc.start()
    try:
        ensemble.run(scn, fitted, replications=n, seed=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate = context.replication_bytes(scn)
    assert estimate >= peak / n, (estimate, peak / n)
    assert estimate <= 4 * peak / n + 40_000  # and not so high that runs that fit are refused
