"""Variants of the national model scored at horizons 1-5 on the rolling origin, with the 2030 band each gives.

For each named variant of ``backtest_variants.py`` (the shipped calibration with one prior fixed,
tightened or one function patched), forecasts are made in-process by the functions the CLI calls,
from origins 2012-2014 (selection) and 2015-2024 (scored) at horizons 1-5, and scored by the mean
quantile score (pinball loss over the seven contracted quantiles, relative to the outturn) with the
80% coverage by horizon; then the variant is fitted on the shipped data and its national volume
2030 p90/p10 and P(at least one yearly fall 2026-2030) are printed (20,000 paths, seed 1).

    python benchmarks/longrun_variants.py base shock_prior_tight omega05 t8 phi_prior0 irregular05
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import backtest_variants as bv  # noqa: E402

from expressim.calibration import fit as fitmod  # noqa: E402
from expressim.calibration.observations import load  # noqa: E402

LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
HORIZONS = (1, 2, 3, 4, 5)


def pinball(r: dict[str, float]) -> float:
    y = r["truth"]
    return float(np.mean([(float(y < r[f"q{a}"]) - a) * (r[f"q{a}"] - y) for a in LEVELS])) / y


def score(register: dict | None, origins: range) -> tuple[float, dict[int, float]]:
    """Mean quantile score and 80% coverage by horizon of a variant's forecasts from ``origins``."""
    rows = [r for v in bv.run(origins, register, HORIZONS).values() for r in v]
    cov = {h: float(np.mean([r["lo"] <= r["truth"] <= r["hi"] for r in rows if r["h"] == h])) for h in HORIZONS}
    return float(np.mean([pinball(r) for r in rows])), cov


def main(names: list[str]) -> int:
    print("| variant | selection 2012–14 quantile score | scored 2015–24 quantile score | scored 80% coverage h=1..5 "
          "| 2030 p90/p10 | P(a yearly fall 2026–30) |")
    print("|---|---|---|---|---|---|")
    for name in names or ["base"]:
        label, register, ctx = bv.VARIANTS[name]
        with ctx():
            sel, _ = score(register, range(2012, 2015))
            sc, cov = score(register, range(2015, 2025))
            f = fitmod.fit_all(load(), register, levels=bv.levels())
            x = f.annual_draws("China", "express_volume", list(range(f.last_year, 2031)), 20000, np.random.default_rng(1))
        q10, q90 = np.quantile(x[:, -1], (0.1, 0.9))
        fall = float(np.mean(np.any(np.diff(x, axis=1) < 0, axis=1)))
        print(f"| {label} | {sel:.4f} | {sc:.4f} | {' / '.join(f'{cov[h]:.2f}' for h in HORIZONS)} | "
              f"{q90 / q10:.2f} | {fall:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
