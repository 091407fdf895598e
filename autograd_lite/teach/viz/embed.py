"""Embedding a whole HTML page inline, as notebooks and the docs show the stepper."""

from __future__ import annotations

import html
import json
import re

__all__ = ["iframe", "script_json"]

# JSON inside <script>: no "<" (so neither "</script" nor "<!--" can end it),
# no ">" or "&", and no U+2028/U+2029 (line ends to old JavaScript).
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(data: object) -> str:
    """Return ``data`` as JSON that can sit inside a ``<script>`` element of any page.

    The characters that could end the element or confuse a parser are written as
    Unicode escapes, so ``JSON.parse`` of the element's text gives ``data`` back,
    whatever strings (labels, expressions) it holds.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group()], text)


def iframe(page: str, height: int = 640, title: str = "") -> str:
    """Return ``page`` as an ``<iframe srcdoc="…">`` in a ``<div>``: the whole page, escaped.

    A notebook shows it inline with the page's own script running (the
    stepper's buttons work); ``html.unescape`` of the attribute gives ``page``
    back exactly. The ``<div>`` around it lets ``IPython.display.HTML`` take
    it without warning (it warns on text that starts with ``<iframe``).

    Args:
        page: A complete HTML document.
        height: The frame's height in pixels.
        title: The frame's accessible title (escaped).
    """
    named = f' title="{html.escape(title, quote=True)}"' if title else ""
    return (
        f'<div class="autograd-lite-embed"><iframe srcdoc="{html.escape(page, quote=True)}"'
        f'{named} style="width:100%;height:{int(height)}px;border:1px solid #ddd"></iframe></div>'
    )
