"""HTML reports: one self-contained file, nothing loaded from the network, user text escaped."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="expressim-mpl-"))  # no cache in $HOME (docs/architecture.md)

import html  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402

from expressim.model.viz import compare_report, report  # noqa: E402
from expressim.model.viz import run_figures as plots

HOSTILE = "<script>alert(1)</script>"
#: anything that would make a browser fetch a resource or run code
NETWORK = [r'src="http', r'href="http[^"]*\.css', r"<script", r"<link", r"@import", r"url\((?!data:)", r"<iframe"]


@pytest.fixture(scope="module")
def run(fitted):
    from expressim.model.engine import ensemble
    from expressim.model.engine.parameters import resolve
    from expressim.model.spec import scenario
    from expressim.model.store import manifest

    scn = scenario.load("scenarios/plan.yaml")
    scn = scn.model_copy(update={"name": HOSTILE, "description": "plan & <b>bold</b>"})
    res = ensemble.run(scn, fitted, replications=200)
    man = manifest.build(command=["expressim", "run", HOSTILE], seed=res.seed)
    return res, man, resolve(scn)


@pytest.fixture(scope="module")
def figures(run, tmp_path_factory):
    res, _, _ = run
    d = tmp_path_factory.mktemp("figs")
    return [plots.save(plots.target_probabilities(res.summary()), d / "target_probabilities.png"),
            plots.save(plots.fan_chart(res, "parcels_inout"), d / "fan_parcels_inout.png")]


def _no_network(text: str) -> None:
    for pat in NETWORK:
        assert not re.search(pat, text, flags=re.IGNORECASE), pat


def test_run_report_is_self_contained_and_escaped(run, figures, tmp_path):
    res, man, assumptions = run
    sources = ["calibration/data/observations.csv", 'https://www.spb.gov.cn/ "quoted" <img src=x onerror=alert(1)>']
    path = tmp_path / "report.html"
    report.write_run_report(path, res, res.summary(), man, figures=figures, assumptions=assumptions,
                            data_sources=sources)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    text = path.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in text
    _no_network(text)
    assert HOSTILE not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<b>bold</b>" not in text and "<img src=x" not in text
    assert text.count('src="data:image/png;base64,') == len(figures)
    for t in res.scenario.targets:
        assert html.escape(t.label) in text, t.id
    for t in res.scenario.tracked:
        assert html.escape(t.label) in text, t.id
    for k in assumptions:
        assert k in text
    assert "On track" in text and ("At risk" in text or "Unlikely" in text)
    assert "亿件" in text and '"seed": 20230423' in text


def test_report_units_and_status():
    assert report.format_value(4.0e8, "件", threshold=True) == "4 亿件"
    assert report.format_value(5.64e8, "件") == "5.64 亿件"
    assert report.format_value(0.9782, "fraction") == "97.8%"
    assert report.format_value(10000, "人", threshold=True) == "10,000 人"
    assert report.format_value(float("nan"), "元") == "—"
    assert report.status(0.8)[0] == "green" and report.status(0.5)[0] == "amber" and report.status(0.49)[0] == "red"
    assert "On track" in report.status(0.95)[1]


def test_compare_report(run, figures, tmp_path):
    res, man, _ = run
    names = [HOSTILE, "delayed"]
    comparison = {"scenarios": names, "targets": [
        {"id": s.id, "label": s.label, "year": s.year,
         "by_scenario": {names[0]: {"probability": s.probability, "probability_stderr": s.probability_stderr},
                         names[1]: {"probability": 0.5 * s.probability, "probability_stderr": 0.01}},
         "differences": {names[1]: {"difference": -0.5 * s.probability, "ci_low": -0.6 * s.probability - 0.01,
                                    "ci_high": -0.4 * s.probability + 0.01}}}
        for s in res.summary()]}
    chart = plots.save(plots.comparison_chart(comparison), tmp_path / "figs" / "comparison.png")
    path = tmp_path / "compare.html"
    compare_report.write_compare_report(path, comparison, [*figures, chart], {HOSTILE: man, "delayed": man})
    text = path.read_text(encoding="utf-8")
    _no_network(text)
    assert HOSTILE not in text and "&lt;script&gt;" in text
    assert text.count('src="data:image/png;base64,') == len(figures) + 1
    for s in res.summary():
        assert html.escape(s.label) in text
    assert "95% CI" in text and " pp" in text
