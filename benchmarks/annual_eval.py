"""Annual rolling-origin evaluation through the CLI, with proper scores against simple competitors.

Origins 2012..2024, horizons 1..5 (where the outturn is published, through 2025), China's express
volume and revenue; the model's forecasts come from ``expressim forecast --until O`` on the shipped
China rows (``benchmarks/backtest_cli.py`` runs them and puts outturns on the origin's basis).
Origins 2012-2014 are the selection set on which the calibration's method choices were made
(docs/backtest.md); 2015-2024 are scored.

Competitors, each from the published annual levels up to the origin only:

* random walk with drift in logs: drift = the mean of the last five log growths, SD their SD,
  predictive SD ``σ √(h + h²/n)`` (drift uncertainty included);
* GM(1,1) on the last five levels, with empirical intervals: quantiles of its own log errors at
  that horizon on earlier origins whose outturn the origin already knew (nested; at least three);
* a damped-growth rule fixed in advance: the last growth decays by 0.7 a year (point forecast only).

Scores pooled over origins, horizons and series: the quantile score (mean pinball loss over the
levels 0.05-0.95, relative to the outturn: a proper score that approximates the CRPS), 80%
coverage, a log score from a lognormal matched to the 10/50/90% quantiles, and the absolute
percentage error of the median.  Differences are tested with a Diebold-Mariano-type t statistic
whose variance is clustered by origin year (the cases of one origin share its data and errors).
The long-horizon part reports coverage by horizon, the evidence for the width at 2030.

    python benchmarks/annual_eval.py [--origins 2012-2024] [--horizons 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.stats import norm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from backtest_cli import run, truth_on_origin_basis  # noqa: E402

LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
SELECTION = range(2012, 2015)
DAMPING = 0.7  # the fixed rule's yearly decay of growth (set before any scoring)


def pinball(q: dict[float, float], y: float) -> float:
    """Mean pinball loss of quantiles ``{level: value}`` against ``y``, relative to ``y``."""
    return float(np.mean([(float(y < v) - a) * (v - y) for a, v in q.items()])) / y


def log_score(q: dict[float, float], y: float) -> float:
    """Log density of ``log y`` under the normal matched to the log quantiles 10/50/90%."""
    mu, sd = np.log(q[0.5]), (np.log(q[0.9]) - np.log(q[0.1])) / (2 * norm.ppf(0.9))
    return float(norm.logpdf(np.log(y), mu, sd))


def rw_drift(levels: list[float], h: int) -> dict[float, float]:
    g = np.diff(np.log(levels))[-5:]
    sd = float(np.std(g, ddof=1)) if len(g) > 1 else 0.1
    mu = np.log(levels[-1]) + h * float(np.mean(g))
    s = sd * np.sqrt(h + h * h / len(g))
    return {a: float(np.exp(mu + s * norm.ppf(a))) for a in LEVELS}


def damped(levels: list[float], h: int) -> float:
    g = float(np.log(levels[-1] / levels[-2]))
    return float(levels[-1] * np.exp(sum(g * DAMPING**k for k in range(1, h + 1))))


def outlooks() -> dict[int, float]:
    """The Post Bureau's January outlooks of national volume growth [fraction] by target year, from the
    shipped files (``express_volume_forecast``: its growth rate, else its level over last year's)."""
    import csv

    rows: list[dict[str, str]] = []
    for name in ("observations.csv", "releases_2025.csv", "evidence_2025_2026.csv"):
        with (Path(__file__).resolve().parents[1] / "calibration" / "data" / name).open(encoding="utf-8") as fh:
            rows += [r for r in csv.DictReader(fh) if r["geography"] == "China"]
    levels = {int(r["period"]): float(r["value"]) for r in rows
              if r["indicator"].split("(")[0] == "express_volume" and r["period"].isdigit() and r["unit"] == "亿件"}
    out: dict[int, float] = {}
    for r in rows:
        if r["indicator"].split("(")[0] == "express_volume_forecast" and r["period"].isdigit():
            y = int(r["period"])
            if r["yoy_growth_pct"]:
                out[y] = float(r["yoy_growth_pct"]) / 100
            elif y - 1 in levels:
                out[y] = float(r["value"]) / levels[y - 1] - 1
    return out


def dm(d: np.ndarray, clusters: np.ndarray) -> tuple[float, float]:
    """Mean of ``d`` and its t statistic clustered by ``clusters``."""
    mean = float(d.mean())
    sums = np.array([np.sum(d[clusters == c] - mean) for c in np.unique(clusters)])
    se = np.sqrt(np.sum(sums**2)) / len(d)
    return mean, mean / se if se > 0 else float("nan")


def calibrated_spread(sub: list[dict[str, object]], horizons: tuple[int, ...], series_corr: float,
                      rng: np.random.Generator, integrated: bool = False, observed_sq: float = float("nan"),
                      n: int = 4000) -> dict[str, tuple[float, float]]:
    """5-95% ranges of the pooled 80% coverage and mean squared standardised error that a
    *calibrated* forecaster shows on these cases, given how they overlap.

    A case's log error is taken as the sum of the yearly shocks between its origin and its target
    year (equal variance), so cases sharing years share errors: an origin's horizons are nested,
    neighbouring origins overlap, and the two series' shocks correlate ``series_corr``.  With
    ``integrated`` the shocks hit the growth rate instead (a shock ``k`` years before the target
    weighs ``k``), as in the model's own growth states: horizons then overlap more.  The
    observed coverage of a width that is right should fall inside the first range; a mean
    squared standardised error below the second range's low end says the band is too wide.
    ``share_below``: the shares of simulations whose mean squared error is at most ``observed_sq``
    (a one-sided p-value of "the band is too wide") and that cover every case.
    """
    cases = [r for r in sub if r["h"] in horizons]
    years = sorted({int(r["origin"]) + k for r in cases for k in range(1, int(r["h"]) + 1)})
    col = {y: i for i, y in enumerate(years)}
    names = sorted({str(r["series"]) for r in cases})
    c = np.full((len(names), len(names)), series_corr) + np.eye(len(names)) * (1 - series_corr)
    shocks = rng.multivariate_normal(np.zeros(len(names)), c, size=(n, len(years)), method="eigh")  # (n, years, series)
    z = np.empty((n, len(cases)))
    for j, r in enumerate(cases):
        h = int(r["h"])
        idx = [col[int(r["origin"]) + k] for k in range(1, h + 1)]
        w = np.arange(h, 0, -1, dtype=float) if integrated else np.ones(h)
        z[:, j] = shocks[:, idx, names.index(str(r["series"]))] @ w / np.sqrt(w @ w)
    cover = np.mean(np.abs(z) <= norm.ppf(0.9), axis=1)
    sq = np.mean(z**2, axis=1)
    return {"coverage": (float(np.quantile(cover, 0.05)), float(np.quantile(cover, 0.95))),
            "mean_sq_z": (float(np.quantile(sq, 0.05)), float(np.quantile(sq, 0.95))),
            "share_below": (float(np.mean(sq <= observed_sq)), float(np.mean(cover >= 1.0)))}


def series_correlation(last_year: int) -> float:
    """Correlation of the yearly changes in log growth of national volume and revenue, published
    years up to ``last_year`` (how much the two series' surprises move together)."""
    growth = {}
    for ind in ("express_volume", "express_revenue"):
        published, breaks = truth_on_origin_basis(ind)
        growth[ind] = {y: np.log(published[y] / published[y - 1] / breaks.get(y, 1.0))
                       for y in published if y - 1 in published and y <= last_year}
    years = [y for y in growth["express_volume"] if y - 1 in growth["express_volume"]
             and y in growth["express_revenue"] and y - 1 in growth["express_revenue"]]
    d = [[g[y] - g[y - 1] for y in years] for g in growth.values()]
    return float(np.corrcoef(d)[0, 1])


def standardised_error(q: dict[float, float], y: float) -> float:
    """Log error of the median in units of the log SD implied by the 10-90% band."""
    return float(np.log(y / q[0.5]) / (np.log(q[0.9] / q[0.1]) / (2 * norm.ppf(0.9))))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--origins", default="2012-2024", metavar="FIRST-LAST")
    ap.add_argument("--horizons", type=int, default=5)
    args = ap.parse_args(argv)
    first, last = (int(x) for x in args.origins.split("-"))
    res = run(range(first, last + 1), horizons=tuple(range(1, args.horizons + 1)))
    rows = []
    for ind, cases in res.items():
        published, _ = truth_on_origin_basis(ind)
        for c in cases:
            o, h, y = int(c["origin"]), int(c["h"]), c["truth"]
            hist = [published[t] for t in range(o - 5, o + 1) if t in published]
            past = [np.log(p["truth"] / p["gm"]) for p in cases if p["h"] == h and p["origin"] + h <= o]
            gm_q = ({a: c["gm"] * float(np.exp(np.quantile(past, a))) for a in LEVELS} if len(past) >= 3 else None)
            model_q = {a: c[f"q{a}"] for a in LEVELS}
            rows.append({"series": ind, "origin": o, "h": h, "y": y, "model": model_q, "rw": rw_drift(hist, h),
                         "gm": gm_q, "gm_point": c["gm"], "damped": damped(hist, h)})
    print("\n## The Post Bureau's January outlook (volume, h = 1), bias-corrected inside the origin")
    print("| year | outlook growth | bias correction (earlier outlooks) | corrected | model median | outturn |")
    print("|---|---|---|---|---|---|")
    look = outlooks()
    errs: dict[str, list[float]] = {"outlook": [], "corrected": [], "model": []}
    for r in sorted((r for r in rows if r["series"] == "express_volume" and r["h"] == 1), key=lambda r: r["origin"]):
        y = r["origin"] + 1
        if y not in look:
            continue
        published, breaks = truth_on_origin_basis("express_volume")
        base = published[r["origin"]]
        past = [np.log(published[t] / published[t - 1] / breaks.get(t, 1.0)) - np.log1p(look[t]) for t in look
                if t <= r["origin"] and t - 1 in published and t in published]
        bias = float(np.mean(past)) if past else 0.0
        out = np.log(r["y"] / base)
        pred = {"outlook": np.log1p(look[y]), "corrected": np.log1p(look[y]) + bias, "model": np.log(r["model"][0.5] / base)}
        for k, v in pred.items():
            errs[k].append(abs(v - out))
        print(f"| {y} | {look[y]:+.1%} | {bias:+.3f} log ({len(past)}) | {np.expm1(pred['corrected']):+.1%} | "
              f"{np.expm1(pred['model']):+.1%} | {np.expm1(out):+.1%} |")
    print("mean absolute log error of the growth: " + ", ".join(f"{k} {np.mean(v):.3f}" for k, v in errs.items() if v))
    for name, sel in (("selection 2012-2014", lambda r: r["origin"] in SELECTION),
                      ("scored 2015-2024", lambda r: r["origin"] not in SELECTION)):
        sub = [r for r in rows if sel(r)]
        if not sub:
            continue
        print(f"\n## {name}: {len(sub)} cases (origins x horizons x 2 series)")
        common = [r for r in sub if r["gm"] is not None]
        keys = ("model", "rw", "gm") if common else ("model", "rw")
        common = common or sub
        print(f"Scores on the {len(common)} cases where every forecaster has intervals (GM's need three earlier "
              "errors at the horizon); MAPE of the point forecasts on all cases.\n")
        print("| forecaster | quantile score | log score | 80% coverage | MAPE of median | n |")
        print("|---|---|---|---|---|---|")
        for key in keys:
            s = common
            qs = np.mean([pinball(r[key], r["y"]) for r in s])
            ls = np.mean([log_score(r[key], r["y"]) for r in s])
            cov = np.mean([r[key][0.1] <= r["y"] <= r[key][0.9] for r in s])
            ape = 100 * np.mean([abs(r[key][0.5] / r["y"] - 1) for r in sub if r[key] is not None])
            print(f"| {key} | {qs:.4f} | {ls:.2f} | {cov:.2f} | {ape:.1f}% | {len(s)} |")
        for key in ("gm_point", "damped"):
            ape = 100 * np.mean([abs(r[key] / r["y"] - 1) for r in sub])
            print(f"| {key} (point) | | | | {ape:.1f}% | {len(sub)} |")
        for other in ("rw", "gm"):
            s = [r for r in sub if r[other] is not None]
            if not s:
                continue
            d = np.array([pinball(r["model"], r["y"]) - pinball(r[other], r["y"]) for r in s])
            mean, t = dm(d, np.array([r["origin"] for r in s]))
            print(f"quantile score, model minus {other}: {mean:+.4f} (clustered t {t:.2f}, {len(s)} cases, "
                  f"{len({r['origin'] for r in s})} origins)")
        print("\ncoverage of the model's 80% interval by horizon: " + ", ".join(
            f"h={h} {np.mean([r['model'][0.1] <= r['y'] <= r['model'][0.9] for r in sub if r['h'] == h]):.2f} "
            f"(n={sum(r['h'] == h for r in sub)})" for h in sorted({r['h'] for r in sub})))
        long = tuple(h for h in (3, 4, 5) if h <= args.horizons)
        cases = [r for r in sub if r["h"] in long]
        if cases:
            z = np.array([standardised_error(r["model"], r["y"]) for r in cases])
            print(f"long horizons h={long[0]}-{long[-1]} ({len(cases)} cases): 80% coverage {np.mean(np.abs(z) <= norm.ppf(0.9)):.2f}, "
                  f"mean squared standardised error {np.mean(z**2):.2f} (1 for a calibrated width), "
                  f"mean standardised error {np.mean(z):+.2f}")
            rho = series_correlation(max(int(r["origin"]) + int(r["h"]) for r in sub))
            for integrated in (False, True):
                sp = calibrated_spread(sub, long, rho, np.random.default_rng(20300101), integrated, float(np.mean(z**2)))
                print(f"  a calibrated forecaster on the same overlapping cases (shocks to the "
                      f"{'growth rate' if integrated else 'level'}, series correlation {rho:.2f}): coverage "
                      f"{sp['coverage'][0]:.2f}-{sp['coverage'][1]:.2f}, mean squared error {sp['mean_sq_z'][0]:.2f}-"
                      f"{sp['mean_sq_z'][1]:.2f} (5-95% of 4,000 simulations); a mean squared error at most the "
                      f"observed in {sp['share_below'][0]:.2f} of them, every case covered in {sp['share_below'][1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
