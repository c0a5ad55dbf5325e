"""What every figure shares: the CJK font (the bundled Noto Sans CJK SC, registered with matplotlib), the style
(rcParams), labels drawable without a CJK font, display units, traffic-light colours, new Axes and :func:`save`.

Figures are built on :class:`matplotlib.figure.Figure` directly and rendered by the Agg canvas, never through
pyplot; :func:`save` writes a PNG at :data:`DPI`.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from expressim.model.viz.words import status

__all__ = ["AMBER", "CJK_CANDIDATES", "DPI", "GREEN", "RED", "cjk_font", "register_bundled_font", "save",
           "traffic_light", "unit_scale"]

DPI = 110
#: fonts covering simplified Chinese, in order of preference (matplotlib family names)
CJK_CANDIDATES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                  "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC",
                  "Hiragino Sans GB", "Noto Sans CJK JP", "Noto Serif CJK SC", "AR PL UMing CN",
                  "AR PL UKai CN", "Droid Sans Fallback")
GREEN, AMBER, RED = "#2e7d32", "#f9a825", "#c62828"

# ---- fonts, labels, units ---------------------------------------------------------------------

def register_bundled_font() -> Path | None:
    """Add the Noto Sans CJK collection shipped by the ``noto-cjk-sans-otc`` package to matplotlib's fonts.

    Idempotent (a font file already known is not added again); returns the file, or None when the
    package is not installed.
    """
    from expressim.model.viz.fonts import font_file

    path = font_file()
    if path is None:
        return None
    known = {Path(f.fname) for f in font_manager.fontManager.ttflist}
    if path not in known:
        font_manager.fontManager.addfont(str(path))
    return path


def cjk_font() -> str | None:
    """Name of a font covering simplified Chinese, or None.

    The bundled Noto Sans CJK SC first (:func:`register_bundled_font`), else an installed font: looks
    through matplotlib's font list (built once per ``MPLCONFIGDIR``; delete its ``fontlist-*.json`` after
    installing fonts) for the names in :data:`CJK_CANDIDATES`.
    """
    register_bundled_font()
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((c for c in CJK_CANDIDATES if c in names), None)


@contextmanager
def _style() -> Iterator[bool]:
    """rcParams for the figure (CJK font first when there is one) and no missing-glyph warnings.

    Yields whether a CJK font is in use.
    """
    font = cjk_font()
    # text.parse_math off: user text (labels, names) is drawn literally, so a '$' never starts mathtext
    rc: Any = {"axes.unicode_minus": False, "axes.spines.top": False, "axes.spines.right": False,
               "text.parse_math": False}
    if font is not None:
        rc["font.family"] = [font, "DejaVu Sans"]
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        warnings.filterwarnings("ignore", message=r".*missing from (current )?font")
        yield font is not None


def _label(text: str, fallback: str, cjk: bool) -> str:
    """``text`` when it can be drawn; else its ASCII parenthetical ("物流园区 (city hub)" -> "city hub"),
    else ``fallback`` (an id)."""
    if cjk or text.isascii():
        return text
    inner = [g.strip() for g in re.findall(r"\(([^()]*)\)", text) if g.isascii() and re.search("[A-Za-z]", g)]
    outside = re.sub(r"\s*\([^()]*\)", "", text).strip()
    if outside.isascii() and outside:
        return outside
    return inner[0] if inner else fallback


def unit_scale(unit: str, cjk: bool = True) -> tuple[float, str]:
    """Display divisor and unit label: 件/元 -> 1e8 and 亿件/亿元, fraction -> 0.01 and %.

    Without CJK the label is English ("100M parcels", "100M yuan", "persons", "count").
    """
    table = {"件": (1e8, "亿件", "100M parcels"), "元": (1e8, "亿元", "100M yuan"),
             "fraction": (0.01, "%", "%"), "人": (1.0, "人", "persons"), "个": (1.0, "个", "count")}
    if unit in table:
        div, zh, en = table[unit]
        return div, zh if cjk else en
    return 1.0, unit if (cjk or unit.isascii()) else ""


def traffic_light(p: float) -> tuple[str, str]:
    """Status words and colour of a probability: >= 0.8 green, 0.5-0.8 amber, < 0.5 red."""
    cls, words = status(p)
    return words, {"green": GREEN, "amber": AMBER, "red": RED}[cls]


def _axes(ax: Axes | None, size: tuple[float, float] = (7.5, 4.2)) -> Axes:
    if ax is not None:
        return ax
    fig = Figure(figsize=size, layout="constrained")
    return fig.add_subplot()


def _figure(obj: Axes | Figure) -> Figure:
    fig: Any = obj
    for _ in range(4):  # Axes -> (SubFigure ->) Figure
        fig = fig if isinstance(fig, Figure) else getattr(fig, "figure", None)
    if not isinstance(fig, Figure):
        raise TypeError(f"expected a matplotlib Axes or Figure, got {type(obj).__name__}")
    return fig


def save(fig_or_ax: Axes | Figure, path: str | Path) -> Path:
    """Write a figure (or the figure of an Axes) to ``path`` as PNG (dpi 110) and close it.

    Parameters
    ----------
    fig_or_ax : Axes or Figure
        What a plotting function returned.
    path : path
        Target file; parent folders are created.
    """
    fig = _figure(fig_or_ax)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with _style():
        fig.savefig(p, format="png", dpi=DPI, metadata={"Software": None})
    if "matplotlib.pyplot" in sys.modules:  # a figure the caller made with pyplot: release it
        sys.modules["matplotlib.pyplot"].close(fig)
    return p
