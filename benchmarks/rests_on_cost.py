"""Cost of the rests-on analysis: a plan run with it against one without (medians, ratio).

"Without" is what every run does before writing files: the ensemble (draws, engine) and the
target summary.  "With" adds :func:`model.analysis.rests_on.analyse` on the same results.  The acceptance
bound is a ratio below 2.  Figures, report and file writing are left out of both, which makes
the ratio larger (stricter) than that of a whole ``expressim run``.

Usage: ``python benchmarks/rests_on_cost.py [--replications 2000] [--repeats 5] [--seed 20230423]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20230423)
    args = ap.parse_args()

    from expressim.calibration.observations import load
    from expressim.model.analysis import rests_on
    from expressim.model.cli.context import fitted_for
    from expressim.model.engine import ensemble
    from expressim.model.spec import scenario as sc

    scn = sc.load(ROOT / "scenarios" / "plan.yaml")
    fitted = fitted_for(load())
    without, analysis = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        res = ensemble.run(scn, fitted, replications=args.replications, seed=args.seed)
        res.summary()
        t1 = time.perf_counter()
        rests_on.analyse(res, fitted)
        t2 = time.perf_counter()
        without.append(t1 - t0)
        analysis.append(t2 - t1)
    m_without, m_analysis = statistics.median(without), statistics.median(analysis)
    print(f"plan, {args.replications} replications, {args.repeats} repeats (medians)")
    print(f"  run without rests_on   {m_without:8.3f} s")
    print(f"  rests_on analysis      {m_analysis:8.3f} s")
    print(f"  ratio with / without   {(m_without + m_analysis) / m_without:8.2f}  (bound: 2)")


if __name__ == "__main__":
    main()
