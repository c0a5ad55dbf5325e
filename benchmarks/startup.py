"""Start-up time of the CLI: ``expressim --help`` and ``expressim validate scenarios/plan.yaml``.

Run from the project root::

    python benchmarks/startup.py [--repeat 9] [--budget 0.3]

Each command runs ``--repeat`` times in a fresh interpreter (``python -m expressim.model``);
prints the median wall time [s] of each, the median of the interpreter alone for reference,
and whether each median is within ``--budget`` seconds.  Exit code 1 when one is over.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wall(argv: list[str], repeat: int) -> float:
    """Median wall time [s] of ``argv`` over ``repeat`` runs (one warm-up run first)."""
    subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        p = subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(argv)}: exit {p.returncode}: {p.stderr.decode()[-300:]}")
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--budget", type=float, default=0.3, help="seconds each command's median may take")
    a = ap.parse_args()
    cli = [sys.executable, "-m", "expressim.model"]
    bare = wall([sys.executable, "-c", "pass"], a.repeat)
    rows = {"--help": wall([*cli, "--help"], a.repeat),
            "validate scenarios/plan.yaml": wall([*cli, "validate", "scenarios/plan.yaml"], a.repeat)}
    print(f"python alone: median {bare:.3f} s over {a.repeat} runs")
    over = False
    for name, t in rows.items():
        ok = t <= a.budget
        over |= not ok
        print(f"expressim {name}: median {t:.3f} s over {a.repeat} runs ({'within' if ok else 'OVER'} {a.budget} s)")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
