"""The reports checked as a person would: opened in headless Chromium, screenshotted, not blank,
and without a single network request from the page.

Skipped when no Chromium is installed (``.ci/run`` installs the Debian package ``chromium``), except
under CI (``CI=true``), where a missing Chromium fails every test here.
Requests are read from Chromium's net log: requests the page makes carry the page's origin
(``"null"`` for a ``file://`` page) as ``initiator``, while the browser's own background traffic
(component updates, sign-in probes, which the flags below reduce but do not always stop) is
logged with initiator ``"not an origin"``.  A control page that does load a remote image
proves the detector sees page requests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT, require_tool

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

pytestmark = [pytest.mark.browser]


@pytest.fixture(autouse=True)
def _chromium() -> None:
    require_tool(CHROMIUM is not None, "a headless Chromium (Debian package 'chromium')")

#: resource loads in HTML/CSS that would hit the network (links the reader may click are not loads)
REMOTE_LOAD = re.compile(
    r"""(?:\bsrc|\bsrcset|\bposter|\bdata|<link[^>]*\bhref)\s*=\s*["']?\s*(?:https?:|wss?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import|\bfetch\(|XMLHttpRequest|new\s+WebSocket""",
    re.IGNORECASE)
NETWORK_SCHEMES = ("http://", "https://", "ws://", "wss://")


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["MPLCONFIGDIR"] = str(tmp / "mpl")
    return env


def _screenshot(page: Path, tmp: Path, name: str) -> tuple[Path, Path]:
    """Open ``page`` in headless Chromium; return (screenshot PNG, net log JSON)."""
    png, netlog = tmp / f"{name}.png", tmp / f"{name}-netlog.json"
    assert CHROMIUM is not None
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
           # never reach the real network, even if something tried (requests are still logged)
           "--host-resolver-rules=MAP * ~NOTFOUND",
           f"--user-data-dir={tmp / f'profile-{name}'}", f"--screenshot={png}", "--window-size=1200,2000",
           f"--log-net-log={netlog}", "--enable-logging=stderr", "--v=1", page.resolve().as_uri()]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp)
    assert png.is_file(), f"no screenshot (exit {proc.returncode}): {proc.stderr[-2000:]}"
    assert netlog.is_file(), "no net log"
    return png, netlog


def page_requests(netlog: Path) -> list[str]:
    """Network URLs (http, https, ws, wss) requested by the page, from a Chromium net log."""
    text = netlog.read_text(encoding="utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:  # a log cut short at exit lacks its closing brackets
        data = json.loads(text.rstrip().rstrip(",") + "]}")
    names = {v: k for k, v in data["constants"]["logEventTypes"].items()}
    urls = []
    for ev in data.get("events", []):
        p = ev.get("params") or {}
        if names.get(ev.get("type")) != "URL_REQUEST_START_JOB":
            continue
        url = str(p.get("url", ""))
        if url.startswith(NETWORK_SCHEMES) and p.get("initiator") != "not an origin":
            urls.append(url)
    return urls


def _not_blank(png: Path) -> None:
    import matplotlib.image as mpimg

    img = np.asarray(mpimg.imread(png), dtype=float)[..., :3]
    assert img.shape[0] >= 1000 and img.shape[1] >= 1000, img.shape
    non_white = float(np.mean(img.min(axis=-1) < 0.9))
    assert non_white > 0.03, f"screenshot looks blank: {non_white:.2%} non-white pixels"
    assert float(img.std()) > 0.05
    colours = len(np.unique((img[::4, ::4] * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    assert colours > 50, f"only {colours} colours: not a rendered report"


@pytest.fixture(scope="module")
def run_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("run")
    out = tmp / "run"
    subprocess.run([sys.executable, "-m", "expressim.model", "-q", "run", "scenarios/plan.yaml", "--replications", "200",
                    "--out", str(out)], check=True, cwd=ROOT, env=_env(tmp), timeout=300)
    return out / "report.html"


@pytest.fixture(scope="module")
def compare_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("compare")
    out = tmp / "compare"
    subprocess.run([sys.executable, "-m", "expressim.model", "-q", "compare", "scenarios/plan.yaml", "scenarios/delayed.yaml",
                    "--replications", "200", "--out", str(out)], check=True, cwd=ROOT, env=_env(tmp), timeout=300)
    return out / "report.html"


def test_detector_sees_a_page_request(tmp_path: Path) -> None:
    """Positive control: a page loading a remote image is caught (so an empty list means something)."""
    page = tmp_path / "control.html"
    page.write_text('<!doctype html><html><body><h1>control</h1><img src="http://example.invalid/x.png">'
                    "</body></html>", encoding="utf-8")
    assert REMOTE_LOAD.search(page.read_text(encoding="utf-8"))
    _, netlog = _screenshot(page, tmp_path, "control")
    assert any("example.invalid" in u for u in page_requests(netlog))


@pytest.mark.parametrize("which", ["run_report", "compare_report"])
def test_report_renders_offline(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    report: Path = request.getfixturevalue(which)
    html = report.read_text(encoding="utf-8")
    loads = [m.group(0) for m in REMOTE_LOAD.finditer(html)]
    assert not loads, f"the HTML loads remote resources: {loads[:5]}"
    assert "data:image/png;base64," in html  # figures embedded
    png, netlog = _screenshot(report, tmp_path, which)
    _not_blank(png)
    requests = page_requests(netlog)
    assert not requests, f"the page made network requests: {requests[:5]}"


# ---- every command's report in Chinese and in English (issue 20) -----------------------------------

#: (command, language): the arguments of each command whose report is checked
COMMANDS = {
    "run": ["run", "scenarios/plan.yaml", "--replications", "200", "--progress", "scenarios/progress_2026.csv"],
    "compare": ["compare", "scenarios/plan.yaml", "scenarios/delayed.yaml", "--replications", "200"],
    "monitor": ["monitor", "scenarios/plan.yaml", "--as-of", "2024-12", "2025-12", "--replications", "100"],
    "sensitivity": ["sensitivity", "scenarios/plan.yaml", "--samples", "8", "--replications", "200",
                    "--target", "parcels_inout_2025"],
    "latest": ["compare", "scenarios/plan.yaml", "--latest-opening", "centre_weining", "--target",
               "parcels_inout_2025", "--replications", "100"],
    # target setting: levels reached with P 0.8/0.5/0.2 side by side, and what two late centres cost by county
    "setting": ["compare", "scenarios/plan_2030.yaml", "scenarios/plan_2030_delayed.yaml", "--replications", "200"],
}
#: internal ids that must not stand for a name on the answers page
INTERNAL_IDS = ("local_delivered_relative", "local_collected_intensity", "national_volume_u", "parcels_inout_2025",
                "revenue_2025", "jobs_per_10k_parcels_2023")
#: the answers heading and a heading that must come after it, per language
ANSWERS = {"zh": "<h2>结论</h2>", "en": "<h2>Answers</h2>"}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    tmp = tmp_path_factory.mktemp("reports")
    out: dict[tuple[str, str], Path] = {}
    pairs = [("run", "zh"), ("run", "en"), ("compare", "zh"), ("compare", "en"), ("monitor", "zh"), ("sensitivity", "en"),
             ("latest", "zh"), ("setting", "zh"), ("setting", "en")]
    for command, lang in pairs:
        folder = tmp / f"{command}-{lang}"
        subprocess.run([sys.executable, "-m", "expressim.model", "-q", *COMMANDS[command], "--lang", lang,
                        "--out", str(folder)], check=True, cwd=ROOT, env=_env(tmp), timeout=600)
        out[(command, lang)] = folder / "report.html"
    return out


def _embedded_cmap(html: str) -> set[int]:
    import base64
    import io

    from fontTools.ttLib import TTFont

    m = re.search(r"font/otf;base64,([A-Za-z0-9+/=]+)\)", html)
    assert m is not None, "no embedded CJK font"
    return set(TTFont(io.BytesIO(base64.b64decode(m.group(1)))).getBestCmap())


@pytest.mark.parametrize("pair", [("run", "zh"), ("run", "en"), ("compare", "zh"), ("compare", "en"),
                                  ("monitor", "zh"), ("sensitivity", "en"), ("latest", "zh"), ("setting", "zh"),
                                  ("setting", "en")], ids=lambda p: "-".join(p))
def test_every_report_in_both_languages_reads_without_boxes(pair: tuple[str, str], reports: dict[tuple[str, str], Path],
                                                            tmp_path: Path) -> None:
    """Screenshot of each command's report: not blank, no request, answers first, no internal id on the
    answers page, and every character it shows covered by the font it carries (no tofu boxes on a
    machine without a CJK font), which is named first so Chromium uses it from the first paint."""
    command, lang = pair
    page = reports[pair]
    html = page.read_text(encoding="utf-8")
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}"' in html
    body = html[html.index("<body>"):]
    assert body.index(ANSWERS[lang]) < body.index("<h2>", body.index(ANSWERS[lang]) + 1)
    answers = body[body.index(ANSWERS[lang]):body.index("</section>")]
    assert not [i for i in INTERNAL_IDS if i in answers], answers[:400]
    visible = re.sub(r"<[^>]+>", "", re.sub(r"<(style|pre)>.*?</\1>", "", html, flags=re.S))
    needed = {ord(c) for c in visible if ord(c) >= 0x2E80}  # CJK: what a machine without a CJK font lacks
    missing = needed - _embedded_cmap(html)
    assert not missing, f"characters without a glyph: {''.join(map(chr, sorted(missing)))[:40]}"
    assert 'body{font-family:"Expressim Noto Sans SC"' in html
    png, netlog = _screenshot(page, tmp_path, f"{command}-{lang}")
    _not_blank(png)
    assert not page_requests(netlog)
    if command in ("run", "setting"):  # the target-setting section, with its figure
        assert ("目标设定" if lang == "zh" else "Target levels P 0.8, 0.5, 0.2") in visible
        assert 'alt="' + ("各主要指标逐年" if lang == "zh" else "Levels of each headline indicator") in html
    if command == "setting":  # the gain or loss by county, on the answers page and in its section
        assert ("分区县增减 2026" if lang == "zh" else "By county 2026") in visible
        assert ("plan_2030_delayed 与 plan_2030 相比" if lang == "zh" else "plan_2030_delayed against plan_2030") in answers
        assert ("威宁县" if lang == "zh" else "Weining") in visible
