"""Cold ``expressim forecast`` timings: a new process each time, the fit cache warm (as a user runs it).

    python benchmarks/forecast_speed.py [--runs 7]

Prints the median wall time of each command and of the first (cache-filling) fit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time

CASES = (("China", "express_volume", "2025"), ("Guizhou", "express_revenue", "2024-H2"),
         ("Bijie", "express_volume_inout", "2026"))


def timed(args: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(["expressim", "forecast", *args, "--json"], env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    n = ap.parse_args().runs
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "EXPRESSIM_CACHE": cache}
        geo, ind, per = CASES[0]
        first = timed(["--geography", geo, "--indicator", ind, "--period", per], env)
        print(f"first forecast (fits and fills the cache): {first:.2f} s")
        for geo, ind, per in CASES:
            ts = [timed(["--geography", geo, "--indicator", ind, "--period", per], env) for _ in range(n)]
            print(f"forecast {geo} {ind} {per}: median {statistics.median(ts):.2f} s over {n} runs "
                  f"(min {min(ts):.2f}, max {max(ts):.2f})")


if __name__ == "__main__":
    main()
