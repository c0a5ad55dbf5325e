"""Calibration figures: the rolling-origin backtest of a national series.

A plotting module (with :mod:`model.viz.run_figures`, :mod:`model.viz.compare_figures` and
:mod:`model.viz.sensitivity_figures`, the only modules that import matplotlib).
"""

from __future__ import annotations

from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from expressim.model.spec.conventions import SUMMARY_QUANTILES
from expressim.model.viz.run_figures import _axes, _style, unit_scale


def backtest_plot(nf: Any, ax: Axes | None = None) -> Axes:
    """History and the rolling-origin combination forecasts (h = 1..3) of a national series.

    Parameters
    ----------
    nf : calibration.fit.NationalFit
        Fitted series with its backtest (``nf.backtest.table``, ``nf.backtest.intervals``).

    Notes
    -----
    Each origin's forecasts start from that origin's actual value; the grey bars are the
    nested 80% intervals (built only from errors known at the origin); the dashed line is the
    median forecast beyond the data (bias-corrected by the backtest errors) with its 80% band.
    Levels are shown in 亿 (1e8) of the series' unit.
    """
    from expressim.calibration.fit import UNITS

    with _style() as cjk:
        ax = _axes(ax, (8.0, 4.5))
        div, ulabel = unit_scale(UNITS.get(nf.indicator, ""), cjk)
        years, values = np.asarray(nf.series.years), np.asarray(nf.series.values, dtype=float)
        ax.plot(years, values / div, "o-", color="black", linewidth=1.5, markersize=3, label="history (latest basis)")
        tab = nf.backtest.table
        comb = tab[tab["model"] == "combination"]
        origins = sorted(comb["origin"].unique())
        cmap = matplotlib.colormaps["viridis"]
        actual = dict(zip(years.tolist(), values.tolist(), strict=True))
        for i, o in enumerate(origins):
            g = comb[comb["origin"] == o].sort_values("horizon")
            xs = [o, *g["target_year"].tolist()]
            ys = [actual.get(int(o), np.nan), *g["forecast"].tolist()]
            ax.plot(xs, np.asarray(ys) / div, "-", marker=".", color=cmap(i / max(len(origins) - 1, 1)),
                    linewidth=1, alpha=0.9, label="combination forecasts by origin (h = 1..3)" if i == 0 else None)
        iv = nf.backtest.intervals
        if iv is not None and not iv.empty:
            h1 = iv[iv["horizon"] == 1]
            ax.vlines(h1["target_year"], h1["lower"] / div, h1["upper"] / div, color="0.5", linewidth=3, alpha=0.5,
                      label="nested 80% interval (h = 1)")
        fut = list(range(nf.last_year + 1, nf.last_year + 4))
        lo, mid, hi = nf.levels(fut, np.array(SUMMARY_QUANTILES))
        ax.fill_between([nf.last_year, *fut], np.r_[values[-1], lo] / div, np.r_[values[-1], hi] / div,
                        color="#1f5fa8", alpha=0.15, label="forecast beyond the data: 80% interval")
        ax.plot([nf.last_year, *fut], np.r_[values[-1], mid] / div, "--", color="#1f5fa8",
                label="forecast beyond the data: median")
        summ = nf.backtest.summary()
        cs = summ[summ["model"] == "combination"]
        text = ", ".join(f"h={int(r.horizon)}: MAPE {r.mape_pct:.1f}%" for r in cs.itertuples())
        ax.set_title(f"China {nf.indicator}: rolling-origin backtest\n{text}", fontsize=10)
        ax.set_ylabel(ulabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    return ax
