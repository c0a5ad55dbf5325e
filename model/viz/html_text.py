"""Text made safe for the self-contained HTML reports: escaping and plain links."""

from __future__ import annotations

import html
import re

#: an http(s) URL inside running text (stops at whitespace, quotes and CJK punctuation)
URL = re.compile(r"https?://[^\s<>\"'()，。；、]+")


def escape(x: object) -> str:
    """``str(x)`` with ``& < > " '`` escaped for HTML text and attributes."""
    return html.escape(str(x), quote=True)


def linkify(text: object) -> str:
    """Escape ``text`` and turn its http(s) URLs into plain links (no resource is loaded)."""
    s, out, pos = str(text), [], 0
    for m in URL.finditer(s):
        out.append(escape(s[pos:m.start()]))
        out.append(f'<a href="{escape(m.group())}" rel="noopener noreferrer">{escape(m.group())}</a>')
        pos = m.end()
    out.append(escape(s[pos:]))
    return "".join(out)
