"""The provincial share model tested on other provinces: does a province's log share keep its drift?

The hierarchy gives a province a log share of the national volume with a drift (``s' = s + sd``).
The shipped releases hold the 2024 table of all 31 provinces (level and growth, so 2023 on the
comparable basis too) and, for a few provinces, the 2025 growth or level.  For each province with a
2025 figure the 2025 share is forecast from 2023-2024 three ways: no change (random walk), the full
2023-2024 drift, and half of it; the log errors are compared.  Only the provinces the 2025 releases
cover can be scored, so the sample is small: read it as a check of direction, not a calibration.

    python benchmarks/province_shares.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "calibration" / "data"


def rows() -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for name in ("releases_2025.csv", "evidence_2025_2026.csv"):
        with (DATA / name).open(encoding="utf-8") as fh:
            out += list(csv.DictReader(fh))
    return out


def key(text: str) -> str:
    return text.split("(")[0].strip()


def main() -> int:
    rs = rows()
    nat = {int(r["period"]): (float(r["value"]), float(r["yoy_growth_pct"])) for r in rs
           if r["geography"] == "China" and key(r["indicator"]) == "express_volume" and r["period"] in ("2024", "2025")}
    v24, g24 = nat[2024]
    v25 = nat[2025][0]
    n23 = v24 / (1 + g24 / 100)  # 2023 on the comparable basis
    p24: dict[str, tuple[float, float]] = {}
    p25: dict[str, float] = {}
    for r in rs:
        geo, ind = key(r["geography"]), key(r["indicator"])
        if geo == "China" or not r["period"] == "2024" and not r["period"] == "2025":
            continue
        if ind == "express_volume" and r["period"] == "2024" and r["yoy_growth_pct"] and r["unit"] == "亿件":
            p24[geo] = (float(r["value"]), float(r["yoy_growth_pct"]))
        elif ind == "express_volume" and r["period"] == "2025" and r["unit"] == "亿件":
            p25[geo] = float(r["value"])
        elif ind == "express_volume_yoy_growth" and r["period"] == "2025" and geo not in p25:
            p25[geo] = -float(r["value"])  # a growth rate: applied to the 2024 level below
    print(f"{len(p24)} provinces with a 2024 level and growth; {len(p25)} with a 2025 figure\n")
    print("| province | share 2023 | share 2024 | share 2025 | error: no change | full drift | half drift |")
    print("|---|---|---|---|---|---|---|")
    errs: dict[str, list[float]] = {"no change": [], "full drift": [], "half drift": []}
    for geo, x in sorted(p25.items()):
        if geo not in p24:
            continue
        lvl24, gr24 = p24[geo]
        lvl25 = lvl24 * (1 - x / 100) if x < 0 else x
        s23, s24, s25 = np.log(lvl24 / (1 + gr24 / 100) / n23), np.log(lvl24 / v24), np.log(lvl25 / v25)
        d = s24 - s23
        e = {"no change": s24 - s25, "full drift": s24 + d - s25, "half drift": s24 + d / 2 - s25}
        for k, v in e.items():
            errs[k].append(v)
        print(f"| {geo} | {np.exp(s23):.4f} | {np.exp(s24):.4f} | {np.exp(s25):.4f} | {e['no change']:+.3f} | "
              f"{e['full drift']:+.3f} | {e['half drift']:+.3f} |")
    print("\nroot mean square log error: " + ", ".join(f"{k} {np.sqrt(np.mean(np.square(v))):.3f}"
                                                     for k, v in errs.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
