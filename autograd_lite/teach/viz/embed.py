"""Embedding a whole HTML page inline, as notebooks and the docs show the stepper."""

from __future__ import annotations

import html

__all__ = ["iframe"]


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
