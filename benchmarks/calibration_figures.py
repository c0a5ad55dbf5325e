"""The figures docs/calibration.md quotes, computed from the shipped data.

    python benchmarks/calibration_figures.py

Prints the estimate at the mode, the 2024 scope-break offset, national revenue per parcel in
2024 and 2030 (also under the former random-walk drift), the chance that national volume falls
in the year after the data, the nowcast of Guizhou 2024 from partial releases, and Bijie's
per-head quantities with no local data.  Every stochastic figure uses 20,000 paths and a fixed
seed, so a rerun prints the same numbers.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backtest_cli import shipped_rows  # noqa: E402
from backtest_variants import drift_persistence  # noqa: E402

from expressim.calibration.fit import Fitted, fit_all  # noqa: E402
from expressim.calibration.levels import Levels  # noqa: E402
from expressim.calibration.observations import load  # noqa: E402
from expressim.calibration.paths import block_size, simulate_states  # noqa: E402
from expressim.calibration.statespace import IX, PARAMS  # noqa: E402
from expressim.calibration.window_forecast import forecast  # noqa: E402

N = 20000
SEED = 3


def _quantiles(x: np.ndarray, qs: tuple[float, ...]) -> str:
    return " / ".join(f"{v:.2f}" for v in np.quantile(x, qs))


def revenue_per_parcel(fitted: Fitted, year: int) -> np.ndarray:
    """National revenue per parcel [元/件] in ``year`` on simulated paths."""
    z = np.random.default_rng(SEED).standard_normal((N, block_size(fitted.hier, [year])))
    return np.asarray(np.exp(simulate_states(fitted.hier, [year], z)[:, 0, IX["r"]]))


def _levels() -> Levels:
    """The default region pack's hierarchy (what the CLI calibrates)."""
    from expressim.model.spec.regions import default_pack, load_pack

    return load_pack(default_pack()).levels()


def main() -> None:
    obs = load()
    fitted = fit_all(obs, levels=_levels())
    h = fitted.hier
    last = fitted.last_year
    print("estimate at the mode:", ", ".join(f"{n} {v:.3f}" for n, v in zip(PARAMS, h.params, strict=True)))
    state = h.state_mean[0, last - h.first_year]
    print(f"scope-break offset d {state[IX['d']]:.3f} (chain-linked / published {math.exp(-state[IX['d']]):.3f}); "
          f"{last} revenue per parcel {math.exp(state[IX['r']]):.2f} 元, drift {state[IX['rd']]:+.3f} a year")
    print(f"2030 national revenue per parcel 10/50/90%: {_quantiles(revenue_per_parcel(fitted, 2030), (0.1, 0.5, 0.9))} 元")
    with drift_persistence(lambda phi: np.ones_like(phi)):
        walk = fit_all(obs, levels=_levels())
        print("  with the former random-walk drift:", _quantiles(revenue_per_parcel(walk, 2030), (0.1, 0.5, 0.9)), "元")
    x = fitted.annual_draws("China", "express_volume", [last, last + 1], N, np.random.default_rng(SEED))
    print(f"P(national volume {last + 1} below {last}) = {np.mean(x[:, 1] < x[:, 0]):.3f}")
    years = list(range(last, 2031))
    x = fitted.annual_draws("China", "express_volume", years, N, np.random.default_rng(SEED))
    q10, q50, q90 = np.quantile(x[:, -1], (0.1, 0.5, 0.9)) / 1e8
    print(f"national volume 2030: median {q50:,.0f}亿, 80% {q10:,.0f}-{q90:,.0f}亿, p90/p10 {q90 / q10:.2f}; "
          f"P(at least one yearly fall {last + 1}-2030) = {np.mean(np.any(np.diff(x, axis=1) < 0, axis=1)):.3f}")
    mu = fitted.hier.param_draws[:, PARAMS.index("mu")]
    print(f"long-run growth mu: mode {h.params[PARAMS.index('mu')]:.3f}, 80% of parameter draws "
          f"{np.quantile(mu, 0.1):.3f}-{np.quantile(mu, 0.9):.3f} (prior {h.to_dict().get('priors', {}).get('mu', 'N(0.05, 0.05)')})")

    with tempfile.TemporaryDirectory() as tmp:
        partial = Path(tmp)
        shipped_rows(partial, lambda r: not (r["geography"] == "China" and r["period"] == "2024" and
                                             r.get("indicator", "").split("(")[0] in ("express_volume", "express_revenue")))
        q = forecast(fit_all(load([partial]), levels=_levels()), "Guizhou", "express_volume", "2024", n=N, seed=SEED)["quantiles"]
    print(f"Guizhou 2024 from partial releases (national 2024 annual rows removed): p90/p10 {q['0.9'] / q['0.1']:.2f}")

    persons = _levels().population
    print(f"Bijie with no local data, as `forecast` gives it (persons {persons:,.0f}): collected per head "
          "5/50/95% | delivered per head | in+out [亿件]")

    def cells(indicator: str, year: int, scale: float) -> str:
        q = forecast(fitted, "Bijie", indicator, str(year), n=N, seed=SEED)["quantiles"]
        return " / ".join(f"{q[k] / scale:.2f}" for k in ("0.05", "0.5", "0.95"))
    for year in (2023, 2024, 2025):
        print(f"  {year}: {cells('express_volume', year, persons)} | {cells('express_volume_inbound', year, persons)} | "
              f"{cells('express_volume_inout', year, 1e8)}")


if __name__ == "__main__":
    main()
