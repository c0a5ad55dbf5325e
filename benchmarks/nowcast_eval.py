"""Pseudo-real-time nowcasts of the national full year, scored as a user would get them (through the CLI).

Origins: every Jan–N release of 2023, 2024 and 2025 (volume and revenue, from the shipped
``calibration/data/releases_2025.csv``), and the older Jan–N releases of ``observations.csv``
(2009–2022, volume; scored apart: before 2023 the layer has few monthly rates to read).  At each origin ``expressim forecast --until <release>
--period <year> --json`` runs on the shipped data cut at the release; the full year is scored
against the published outturn.  2024 (the scope-break year) is the *selection* set: the only
origins on which a method choice of the monthly layer was compared; 2023 and 2025 are *scored*.

Scores, pooled over origins and both series: absolute percentage error of the median, 80%
coverage, the quantile score (the mean pinball loss over the contracted quantiles, a proper
score that approximates the CRPS), the 80% interval score, and a log score from a lognormal
matched to the 10/50/90% quantiles.  Competitor: the year-to-date rule "last year × (1 +
year-to-date growth)" (last year on the comparable basis: the outturn divided by its published
growth).  The difference of absolute errors is tested with a Diebold–Mariano-type t statistic
whose variance is clustered by (year, series) (few clusters: read it as indicative).

    python benchmarks/nowcast_eval.py [--workers 2] [--json] [--sets selection]

``--sets selection`` scores the selection origins only: the step of choosing a variant of the layer,
which must not look at the scored set.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RELEASES = ROOT / "calibration" / "data" / "releases_2025.csv"
OLDER = ROOT / "calibration" / "data" / "observations.csv"
EVIDENCE = ROOT / "calibration" / "data" / "evidence_2025_2026.csv"
SERIES = ("express_volume", "express_revenue")
Z90 = 1.2815515655446004


def releases(path: Path = RELEASES) -> list[dict[str, str]]:
    """The national volume and revenue rows of a shipped observation file."""
    with path.open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["geography"] == "China"
                and r["indicator"].split("(")[0] in SERIES]


def cases(rows: list[dict[str, str]], years: range = range(2023, 2026)) -> list[dict[str, object]]:
    """One case per Jan–N release (N < 12) of ``years`` with a growth rate and a published full year."""
    final = {(r["indicator"].split("(")[0], int(r["period"])): (float(r["value"]), float(r["yoy_growth_pct"]))
             for r in rows if r["period"].isdigit() and r["yoy_growth_pct"] and r["unit"] in ("亿件", "亿元")}
    out: list[dict[str, object]] = []
    for r in rows:
        ind, p = r["indicator"].split("(")[0], r["period"]
        if ".." not in p or not r["yoy_growth_pct"] or p.endswith("..12"):
            continue
        year, month = int(p[:4]), int(p.split("..")[1])
        if (ind, year) not in final or year not in years:
            continue
        outturn, growth = final[(ind, year)]
        last_year = outturn / (1 + growth / 100)  # comparable basis
        out.append({"indicator": ind, "year": year, "until": f"{year}-{month:02d}", "outturn": outturn,
                    "rule": last_year * (1 + float(r["yoy_growth_pct"]) / 100),
                    "set": "older" if year < 2023 else "selection" if year == 2024 else "scored"})
    return out


def forecast(case: dict[str, object]) -> dict[str, float]:
    """The CLI's quantiles of the case's full year [亿]."""
    cmd = ["expressim", "forecast", "--until", str(case["until"]), "--geography", "China",
           "--indicator", str(case["indicator"]), "--period", str(case["year"]), "--json", "-q"]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600, check=True)
    return {k: v / 1e8 for k, v in json.loads(p.stdout)["quantiles"].items()}


def scores(q: dict[str, float], y: float) -> dict[str, float]:
    """Proper scores of one quantile forecast against the outturn ``y`` (same unit)."""
    levels = np.array([float(k) for k in q])
    values = np.array(list(q.values()))
    pinball = float(np.mean([(float(y < v) - a) * (v - y) for a, v in zip(levels, values, strict=True)]))
    lo, hi = q["0.1"], q["0.9"]
    interval = (hi - lo) + 10 * max(lo - y, 0) + 10 * max(y - hi, 0)
    mu, sd = np.log(q["0.5"]), (np.log(hi) - np.log(lo)) / (2 * Z90)
    log_score = float(-0.5 * np.log(2 * np.pi * sd**2) - 0.5 * ((np.log(y) - mu) / sd) ** 2 - np.log(y))
    return {"ape": abs(q["0.5"] / y - 1), "covered": float(lo <= y <= hi), "quantile_score": pinball / y,
            "interval_score": interval / y, "log_score": log_score}


PIT_EDGES = (0.1, 0.25, 0.5, 0.75, 0.9)


def pit_histogram(rows: list[dict[str, object]]) -> list[int]:
    """Counts of outturns in each interval between the forecast quantiles 0.1/0.25/0.5/0.75/0.9."""
    counts = [0] * (len(PIT_EDGES) + 1)
    for r in rows:
        y = float(r["outturn"])  # type: ignore[arg-type]
        counts[sum(y > float(r[f"q{e}"]) for e in PIT_EDGES)] += 1  # type: ignore[arg-type]
    return counts


def coverage_spread(rows: list[dict[str, object]], rng: np.random.Generator, n: int = 4000) -> tuple[float, float]:
    """5-95% range of the pooled 80% coverage of a calibrated forecaster under the cases' overlap.

    Cases of one (year, series) forecast one outturn from nested information: for a calibrated
    forecaster the error at a later origin is part of the error at an earlier one, so the
    standardised errors of origins ``N < M`` correlate ``sd_M / sd_N`` (log SDs from each case's
    10-90% band).  Errors are drawn with that correlation and the pooled coverage counted.
    """
    groups: dict[tuple[object, object], list[float]] = {}
    for r in rows:
        sd = (np.log(float(r["q0.9"])) - np.log(float(r["q0.1"]))) / (2 * Z90)  # type: ignore[arg-type]
        groups.setdefault((r["year"], r["indicator"]), []).append(max(sd, 1e-6))
    z90 = Z90
    hits = np.zeros(n)
    for sds in groups.values():
        s = np.array(sorted(sds, reverse=True))  # earlier origins have wider bands
        corr = np.minimum.outer(s, s) / np.maximum.outer(s, s)
        z = rng.multivariate_normal(np.zeros(len(s)), corr, size=n, method="eigh")
        hits += np.sum(np.abs(z) <= z90, axis=1)
    cov = hits / len(rows)
    return float(np.quantile(cov, 0.05)), float(np.quantile(cov, 0.95))


def dm_clustered(d: np.ndarray, clusters: list[tuple[object, ...]]) -> tuple[float, float]:
    """Mean loss difference and its t statistic with a variance clustered by ``clusters``."""
    keys = sorted(set(clusters), key=str)
    sums = np.array([sum(d[i] for i, c in enumerate(clusters) if c == k) for k in keys])
    mean = float(d.mean())
    var = float(np.sum((sums - np.array([sum(1 for c in clusters if c == k) for k in keys]) * mean) ** 2)) / len(d) ** 2
    return mean, mean / np.sqrt(var) if var > 0 else float("nan")


def ratio_by_year(rows: list[dict[str, object]]) -> tuple[dict[int, float], float]:
    """Each year's ratio of mean absolute errors (model / rule, both series pooled) and the standard
    error of the pooled ratio, clustered by year.

    The pooled ratio ``R = Σ a / Σ b`` (``a``, ``b``: the model's and the rule's absolute errors) is a
    ratio estimator; by the delta method ``Var R ≈ G/(G-1) Σ_k (Σ_{i∈k} (a_i - R b_i))² / (Σ b)²`` over the
    ``G`` years ``k`` (the origins of one year share their surprises, whatever the series). With two or
    three years this is rough: it says how far apart two measurements of the same forecaster may fall.
    """
    years = sorted({int(r["year"]) for r in rows})  # type: ignore[call-overload]
    a = np.array([float(r["ape"]) for r in rows])  # type: ignore[arg-type]
    b = np.array([float(r["rule_ape"]) for r in rows])  # type: ignore[arg-type]
    yr = np.array([int(r["year"]) for r in rows])  # type: ignore[call-overload]
    ratio = a.sum() / b.sum()
    per = {y: float(a[yr == y].sum() / b[yr == y].sum()) for y in years}
    if len(years) < 2:
        return per, float("nan")
    u = np.array([np.sum(a[yr == y] - ratio * b[yr == y]) for y in years])
    g = len(years)
    return per, float(np.sqrt(g / (g - 1) * np.sum(u**2)) / b.sum())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="print every case as JSON")
    ap.add_argument("--sets", nargs="+", choices=("selection", "scored", "older"),
                    default=["selection", "scored", "older"], help="the sets of origins to forecast and score")
    args = ap.parse_args(argv)
    older = releases(OLDER) + [r for r in releases() if r["period"].isdigit() and int(r["period"]) < 2023]
    years = [r for r in releases(EVIDENCE) if r["period"].isdigit()]  # 2024 revenue with its growth rate
    cs = [c for c in cases(releases() + years) + cases(older, range(2008, 2023)) if c["set"] in args.sets]
    with ThreadPoolExecutor(args.workers) as ex:
        qs = list(ex.map(forecast, cs))
    rows = []
    for c, q in zip(cs, qs, strict=True):
        y = float(c["outturn"])  # type: ignore[arg-type]
        rows.append({**c, **{f"q{k}": v for k, v in q.items()}, **scores(q, y),
                     "rule_ape": abs(float(c["rule"]) / y - 1)})  # type: ignore[arg-type]
    if args.json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return 0
    for r in rows:
        print(f"{r['set']:9s} {r['indicator']:16s} {r['until']}: median {r['q0.5']:9.1f} "
              f"[{r['q0.1']:9.1f}, {r['q0.9']:9.1f}]  rule {r['rule']:9.1f}  outturn {r['outturn']:9.1f}")
    rng = np.random.default_rng(20230423)
    for name in ("selection", "scored", "older"):
        sub = [r for r in rows if r["set"] == name]
        if not sub:
            continue
        ape = np.array([r["ape"] for r in sub])
        rule = np.array([r["rule_ape"] for r in sub])
        mean_d, t = dm_clustered(ape - rule, [(r["year"], r["indicator"]) for r in sub])
        print(f"\n{name} ({len(sub)} origins): model MAE {ape.mean():.2%}, year-to-date rule {rule.mean():.2%} "
              f"(ratio {ape.mean() / rule.mean():.2f}); loss difference {mean_d:+.2%} (clustered t {t:.2f})")
        per, se = ratio_by_year(sub)
        print("  ratio by year: " + ", ".join(f"{y} {v:.2f}" for y, v in per.items())
              + (f"; standard error of the pooled ratio (clustered by year) {se:.3f}" if np.isfinite(se) else ""))
        print(f"  80% coverage {np.mean([r['covered'] for r in sub]):.2f}; quantile score "
              f"{np.mean([r['quantile_score'] for r in sub]):.4f}; interval score "
              f"{np.mean([r['interval_score'] for r in sub]):.4f}; log score {np.mean([r['log_score'] for r in sub]):.2f}")
        pit_hi = np.mean([r["outturn"] > r["q0.5"] for r in sub])
        print(f"  outturn above the median in {pit_hi:.2f} of origins (0.5 for a calibrated median)")
        print(f"  PIT histogram over the quantile bins {PIT_EDGES}: {pit_histogram(sub)} "
              f"(expected shares {np.round(np.diff((0, *PIT_EDGES, 1)), 2).tolist()})")
        lo, hi = coverage_spread(sub, rng)
        print(f"  a calibrated forecaster with the same overlap (origins of one year share an outturn) covers "
              f"between {lo:.2f} and {hi:.2f} in 90% of simulations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
