"""Figures: every function returns Axes, writes a non-empty PNG, and falls back cleanly without CJK fonts."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="expressim-mpl-"))  # no cache in $HOME (docs/architecture.md)

import dataclasses  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from helpers import require_tool  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from expressim.model.engine.results import Results  # noqa: E402
from expressim.model.viz import figure_style
from expressim.model.viz import run_figures as plots

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def results(fitted) -> Results:
    from expressim.model.engine import ensemble
    from expressim.model.spec import scenario

    return ensemble.run(scenario.load("scenarios/plan.yaml"), fitted, replications=200)


def _png(path: Path) -> None:
    assert path.is_file() and path.stat().st_size > 5000
    assert path.read_bytes()[:8] == PNG


@pytest.mark.parametrize("make", [
    lambda r: plots.fan_chart(r, "parcels_inout", baseline=True),
    lambda r: plots.fan_chart(r, "revenue", target="revenue_2025"),
    lambda r: plots.fan_chart(r, "village_coverage"),
    lambda r: plots.monthly_fan(r, "inout"),
    lambda r: plots.monthly_fan(r, "out"),
    lambda r: plots.probability_over_time(r),
    lambda r: plots.rollout_gantt(r),
    lambda r: plots.target_probabilities(r.summary()),
], ids=["fan_parcels", "fan_revenue_target", "fan_fraction", "monthly_inout", "monthly_out", "prob_time",
        "gantt", "target_probs"])
def test_figure_returns_axes_and_saves_png(results, make, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no glyph or font warnings leak out, with or without CJK fonts
        ax = make(results)
        assert isinstance(ax, Axes)
        _png(plots.save(ax, tmp_path / "fig.png"))


def test_given_axes_is_used(results):
    from matplotlib.figure import Figure

    fig = Figure()
    axes = fig.subplots(1, 2)
    assert plots.fan_chart(results, "jobs", ax=axes[0]) is axes[0]
    assert plots.probability_over_time(results, ax=axes[1]) is axes[1]


def test_run_figures_writes_every_chart(results, tmp_path):
    paths = plots.run_figures(results, tmp_path / "figures")
    names = {p.name for p in paths}
    for m in ("parcels_inout", "revenue", "jobs", "specialty_sales", "online_shopping"):
        assert f"fan_{m}.png" in names
    assert {"monthly_parcels_inout.png", "probability_over_time.png", "rollout_gantt.png",
            "target_probabilities.png"} <= names
    for p in paths:
        _png(p)


def test_without_cjk_font_labels_are_ids_and_quiet(results, monkeypatch, tmp_path):
    monkeypatch.setattr(figure_style, "cjk_font", lambda: None)
    named = dataclasses.replace(results, scenario=results.scenario.model_copy(update={"name": "计划 (plan)"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plots.target_probabilities(results.summary())
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert labels[0].startswith("parcels_inout_2025")
        assert all(lab.isascii() for lab in labels)
        gantt = plots.rollout_gantt(named)
        assert "city logistics hub" in [t.get_text() for t in gantt.get_yticklabels()]
        assert gantt.get_title().endswith("· plan")
        plots.save(gantt, tmp_path / "gantt.png")
        fan = plots.fan_chart(named, "revenue")
        assert fan.get_ylabel() == "100M yuan"
        plots.save(fan, tmp_path / "fan.png")


def test_with_cjk_font_labels_are_chinese(results):
    # the bundled Noto Sans CJK (dependency noto-cjk-sans-otc) or an installed font; under CI=true none fails
    require_tool(figure_style.cjk_font() is not None,
                 "a CJK font (the bundled noto-cjk-sans-otc, or apt-get install fonts-noto-cjk)")
    ax = plots.target_probabilities(results.summary())
    assert "快递进出口业务量" in ax.get_yticklabels()[0].get_text()
    assert plots.fan_chart(results, "parcels_inout", lang="zh").get_ylabel() == "亿件"


def test_label_and_units():
    assert figure_style._label("毕节快递物流聚集区 (city logistics hub)", "hub", False) == "city logistics hub"
    assert figure_style._label("共配中心 黔西、纳雍 开工 (2023)", "centres_2023", False) == "centres_2023"
    assert figure_style._label("parcels in + out (快递进出口业务量)", "x", False) == "parcels in + out"
    assert figure_style._label("共配中心", "id", True) == "共配中心"
    assert plots.unit_scale("件") == (1e8, "亿件")
    assert plots.unit_scale("fraction", cjk=False) == (0.01, "%")
    assert [figure_style.traffic_light(p)[1] for p in (0.8, 0.79, 0.5, 0.49)] == [figure_style.GREEN, figure_style.AMBER, figure_style.AMBER,
                                                                          figure_style.RED]


def test_fan_chart_draws_the_target_line_the_bands_and_the_median(results):
    from matplotlib.collections import PolyCollection

    t = next(t for t in results.scenario.targets if t.id == "revenue_2025")
    with figure_style._style() as cjk:
        div, _ = plots.unit_scale("元", cjk)
    ax = plots.fan_chart(results, "revenue", target="revenue_2025")
    flat = [ln for ln in ax.get_lines() if len(set(np.asarray(ln.get_ydata(), dtype=float))) == 1]
    assert any(np.isclose(float(ln.get_ydata()[0]), t.threshold / div) for ln in flat)
    draws = results.metrics["revenue"] / div
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == len(plots.BAND_PROBS)
    for band, (lo, hi) in zip(bands, plots.BAND_PROBS, strict=True):
        y = band.get_paths()[0].vertices[:, 1]
        assert y.max() == pytest.approx(np.quantile(draws, hi, axis=0).max(), rel=1e-9)
        assert y.min() == pytest.approx(np.quantile(draws, lo, axis=0).min(), rel=1e-9)
    median = next(ln for ln in ax.get_lines() if ln.get_label() == "median")
    np.testing.assert_allclose(median.get_ydata(), np.median(draws, axis=0), rtol=1e-12)


def test_gantt_draws_one_opening_bar_per_project_at_its_10_90_interval(results):
    ax = plots.rollout_gantt(results)
    bars = [p for p in ax.patches if p.get_label() == "opening 10-90%" or p.get_facecolor()[3] == 0.0]
    assert len(bars) == len(results.project_ids)
    t0 = results.scenario.start_month / 12.0
    lefts = sorted(round(b.get_x(), 9) for b in bars)
    expected = []
    for i in range(len(results.project_ids)):
        fin = results.opening[:, i][np.isfinite(results.opening[:, i])]
        expected.append(round(t0 + np.quantile(fin, 0.1) / 12, 9))
    assert lefts == sorted(expected)
