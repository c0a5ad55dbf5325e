"""National rolling-origin backtest run through the CLI, as a user runs it.

For every origin ``O`` in 2015..2022 a data folder holding only the shipped China rows is
given to ``expressim forecast --until O`` (subprocess, its own fit cache) for China's
express volume and revenue at ``O + 1 .. O + 3``.  Each forecast is scored against the
published annual level; a level published after a scope break the origin's data could not
know of is put on the origin's basis with the break ratio the full data show (the published
growth rate across the break), which is how the forecast (made on the old basis) is meant.
The benchmark is GM(1,1) fitted to the last five annual levels up to the origin (published
basis, the same scoring).

    python benchmarks/backtest_cli.py            # prints the Markdown table
    python benchmarks/backtest_cli.py --write    # also writes it into docs/backtest.md
    python benchmarks/backtest_cli.py --origins 2012-2014   # the origins used to choose methods

With ``--origins`` before 2015, GM(1,1) is fitted to the 4-5 levels available up to the origin.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from expressim.calibration.fit import annual_series
from expressim.calibration.models import GreyGM11
from expressim.calibration.observations import load

ROOT = Path(__file__).resolve().parents[1]
ORIGINS = range(2015, 2023)
HORIZONS = (1, 2, 3)
INDICATORS = ("express_volume", "express_revenue")
BEGIN, END = "<!-- backtest_cli:begin -->", "<!-- backtest_cli:end -->"


def shipped_rows(dest: Path, keep: Callable[[dict[str, str]], bool]) -> None:
    """Copy the shipped observation files into ``dest`` keeping only the rows ``keep`` selects."""
    for f in sorted((ROOT / "calibration" / "data").glob("*.csv")):
        with f.open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        if not rows or "geography" not in rows[0]:
            continue
        with (dest / f.name).open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(r for r in rows if keep(r))


def china_only(dest: Path) -> None:
    """Copy the shipped observation files keeping only China's rows."""
    shipped_rows(dest, lambda r: r["geography"] == "China")


def cli_forecast(data: Path, until: int, indicator: str, year: int, cache: str) -> dict[str, float]:
    p = subprocess.run(["expressim", "forecast", "--data", str(data), "--until", str(until), "--geography", "China",
                        "--indicator", indicator, "--period", str(year), "--json"], capture_output=True, text=True,
                       env={**os.environ, "EXPRESSIM_CACHE": cache}, check=True)
    return {k: float(v) for k, v in json.loads(p.stdout)["quantiles"].items()}


def truth_on_origin_basis(indicator: str) -> tuple[dict[int, float], dict[int, float]]:
    """Published levels, and the chain-linked ratio that puts each year on an earlier origin's basis."""
    obs = load()
    s = annual_series(obs, "China", indicator)
    published = {o.period.year: o.value for o in obs.select("China", indicator, derived=False)
                 if o.period.kind == "year"}
    breaks = dict(s.breaks)
    return published, breaks


#: a forecaster: (data folder, origin, indicator, target year) -> the forecast's quantiles
Forecaster = Callable[[Path, int, str, int], dict[str, float]]


def run(origins: range = ORIGINS, forecaster: Forecaster | None = None,
        horizons: tuple[int, ...] = HORIZONS) -> dict[str, list[dict[str, float]]]:
    """Score forecasts from each origin against the published levels (on the origin's basis).

    ``forecaster`` defaults to ``expressim forecast --until O`` in a new process (its own fit cache).
    Each row holds the origin, horizon, truth, the forecast's median and 80% bounds, every
    quantile (``q<level>``), the GM(1,1) point forecast and the five levels it was fitted to.
    """
    out: dict[str, list[dict[str, float]]] = {i: [] for i in INDICATORS}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "china"
        data.mkdir()
        china_only(data)
        cache = str(Path(tmp) / "cache")
        forecast = forecaster or (lambda d, o, ind, y: cli_forecast(d, o, ind, y, cache))
        for ind in INDICATORS:
            published, breaks = truth_on_origin_basis(ind)
            for o in origins:
                yrs = [y for y in range(o - 4, o + 1) if y in published]
                hist = np.array([published[y] for y in yrs])
                gm = GreyGM11(window=len(yrs)).fit(np.array(yrs), hist).predict(max(horizons))
                for h in horizons:
                    y = o + h
                    if y not in published:
                        continue
                    truth = published[y]
                    for b, ratio in breaks.items():
                        if o < b <= y:  # the origin's data are on the basis before the break
                            truth /= ratio
                    q = forecast(data, o, ind, y)
                    out[ind].append({"origin": o, "h": h, "truth": truth, "median": q["0.5"], "lo": q["0.1"],
                                     "hi": q["0.9"], "gm": float(gm[h - 1]),
                                     **{f"q{k}": v for k, v in q.items()}})
    return out


def table(res: dict[str, list[dict[str, float]]]) -> str:
    lines = ["| series | h | n | MAPE state space | MAPE GM(1,1) last 5 | ratio | 80% coverage |",
             "|---|---|---|---|---|---|---|"]
    for ind, rows in res.items():
        for h in HORIZONS:
            r = [x for x in rows if x["h"] == h]
            if not r:
                continue
            m = 100 * np.mean([abs(x["median"] / x["truth"] - 1) for x in r])
            g = 100 * np.mean([abs(x["gm"] / x["truth"] - 1) for x in r])
            cov = np.mean([x["lo"] <= x["truth"] <= x["hi"] for x in r])
            lines.append(f"| China {ind} | {h} | {len(r)} | {m:.1f}% | {g:.1f}% | {m / g:.2f} | {cov:.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write the table into docs/backtest.md")
    ap.add_argument("--origins", default=f"{ORIGINS.start}-{ORIGINS.stop - 1}", metavar="FIRST-LAST",
                    help="origins to score (default %(default)s; --write needs the default)")
    args = ap.parse_args()
    first, last = (int(x) for x in args.origins.split("-"))
    if args.write and range(first, last + 1) != ORIGINS:
        ap.error("--write records the default origins only")
    res = run(range(first, last + 1))
    md = table(res)
    print(md)
    if args.write:
        doc = ROOT / "docs" / "backtest.md"
        text = doc.read_text(encoding="utf-8")
        block = f"{BEGIN}\n{md}\n{END}"
        if BEGIN in text:
            text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
        doc.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
