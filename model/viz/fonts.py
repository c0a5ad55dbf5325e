"""The CJK font that ships with the project: Noto Sans CJK (SIL Open Font License 1.1), from the
``noto-cjk-sans-otc`` dependency.

Figures register it with matplotlib (:func:`expressim.model.viz.run_figures.register_bundled_font`); the
HTML reports embed a subset of its simplified-Chinese face holding just the characters of the page
(:func:`embedded_font_css`, made with fonttools: about 70 kB for 400 characters), so a report shows
Chinese in any browser, on a machine without a CJK font, and still loads nothing from the network.
The licence allows both (bundling and subsetting; Noto has no reserved font name).  The reports name the
embedded family first in ``font-family``: listed after a system family, Chromium drew the first text
of each style in boxes (the per-character fallback ran before the data-URI font was ready).
"""

from __future__ import annotations

import base64
import functools
import io
from pathlib import Path

__all__ = ["CJK_FROM", "CSS_FAMILY", "SC_FACE", "embedded_font_css", "font_file"]

#: face of the simplified-Chinese font in the Noto Sans CJK collection (JP, KR, SC, TC, HK, then Mono)
SC_FACE = 2
#: the first code point the embedded subset covers (CJK radicals, punctuation, ideographs, full-width forms):
#: Latin punctuation (“ ≥ – ·) stays in the reader's own font, not in the wider CJK forms
CJK_FROM = 0x2E80
#: the CSS family name of the embedded subset
CSS_FAMILY = "Expressim Noto Sans SC"


def font_file() -> Path | None:
    """The Noto Sans CJK collection file, or None when the package is not installed."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return path if path.is_file() else None


def embedded_font_css(text: str) -> str:
    """An ``@font-face`` rule with a subset of Noto Sans CJK SC covering the CJK characters of ``text``
    (from :data:`CJK_FROM` on), as a data URI (empty when ``text`` has none or the font is missing).

    Parameters
    ----------
    text : str
        The page's text (markup included: only CJK characters are kept).
    """
    chars = tuple(sorted({ord(c) for c in text if ord(c) >= CJK_FROM}))
    path = font_file()
    if not chars or path is None:
        return ""
    return _font_face(str(path), chars)


@functools.lru_cache(maxsize=8)
def _font_face(path: str, chars: tuple[int, ...]) -> str:
    """The ``@font-face`` rule of the subset of ``path`` holding ``chars`` (a pure function of its
    arguments, kept for the reports of one process that use the same characters: about 2 s each)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=SC_FACE, lazy=True)
    opts = subset.Options()
    opts.hinting = False
    opts.layout_features = []
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep the copyright and licence records
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=list(chars))
    sub.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    font.close()
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'@font-face{{font-family:"{CSS_FAMILY}";src:url(data:font/otf;base64,{data}) format("opentype");'
            "font-display:block}")
