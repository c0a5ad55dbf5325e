"""The README's results tables, regenerated through the CLI on the shipped data.

Runs ``expressim compare`` on the four timeline scenarios, ``expressim run`` of the plan (what each
headline target rests on) and ``expressim monitor`` of the plan with the shipped progress file, each
with 2,000 replications and seed 20230423, in a temporary folder, and prints the two Markdown tables
README.md shows ("Results on the shipped data" and the monitor table).

    python benchmarks/readme_tables.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("plan", "delayed", "accelerated", "no_new_infrastructure")
AS_OF = ("2023-06", "2023-12", "2024-06", "2024-12", "2025-06", "2025-12")
COMMON = ("--replications", "2000", "--seed", "20230423", "-q")
HEADLINE = ("parcels_inout_2025", "revenue_2025", "jobs_2025", "specialty_2025", "online_shopping_2025")


def cli(*args: str) -> None:
    subprocess.run(["expressim", *args], cwd=ROOT, check=True, capture_output=True)


def fmt_diff(d: dict[str, float]) -> str:
    return f"Δ {d['difference']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        cli("compare", *(f"scenarios/{s}.yaml" for s in SCENARIOS), "--out", str(t / "cmp"), *COMMON)
        cli("run", "scenarios/plan.yaml", "--out", str(t / "run"), *COMMON)
        cli("monitor", "scenarios/plan.yaml", "--as-of", *AS_OF, "--progress", "scenarios/progress_2026.csv",
            "--out", str(t / "mon"), *COMMON)
        comparison = json.loads((t / "cmp" / "comparison.json").read_text(encoding="utf-8"))
        summary = json.loads((t / "run" / "summary.json").read_text(encoding="utf-8"))
        monitor = json.loads((t / "mon" / "monitor.json").read_text(encoding="utf-8"))
    rests = {x["id"]: x.get("rests_on") or [] for x in summary["targets"]}
    print("| 2025 target | plan | delayed (+12 months) | accelerated | no new infrastructure | plan: rests on (P at p10 → p90) |")
    print("|---|---|---|---|---|---|")
    for tgt in comparison["targets"]:
        if tgt["year"] != 2025:
            continue
        by, diffs = tgt["by_scenario"], tgt.get("differences", {})
        cells = [f"{by['plan']['probability']:.3f}"]
        for s in SCENARIOS[1:]:
            if s not in by:
                cells.append("—")
                continue
            cell = f"{by[s]['probability']:.3f}"
            if s in diffs and tgt["id"] in HEADLINE:
                cell += f" ({fmt_diff(diffs[s])})"
            cells.append(cell)
        first = rests.get(tgt["id"], [])[:1]
        why = "; ".join(f"{r.get('label', r['input'])} ({r['kind']}): {r['probability_low']:.2f} → "
                        f"{r['probability_high']:.2f}" for r in first)
        print(f"| {tgt['label']} | " + " | ".join(cells) + f" | {why} |")
    print()
    print("| P as of | " + " | ".join(monitor["as_of"]) + " |")
    print("|---|" + "---|" * len(monitor["as_of"]))
    labels = {x["id"]: x["label"] for x in summary["targets"]}
    for tid in HEADLINE:
        ps = monitor["targets"].get(tid, {}).get("probability", [])
        print(f"| {labels.get(tid, tid)} | " + " | ".join(f"{p:.3f}" for p in ps) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
