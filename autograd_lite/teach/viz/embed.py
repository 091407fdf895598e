"""Embedding a whole HTML page inline, as notebooks and the docs show the stepper."""

from __future__ import annotations

import html

__all__ = ["iframe"]


def iframe(page: str, height: int = 640, title: str = "") -> str:
    """Return ``page`` as an ``<iframe srcdoc="…">``: the whole page, attribute-escaped.

    A notebook shows it inline with the page's own script running (the
    stepper's buttons work); ``html.unescape`` of the attribute gives ``page``
    back exactly.

    Args:
        page: A complete HTML document.
        height: The frame's height in pixels.
        title: The frame's accessible title (escaped).
    """
    named = f' title="{html.escape(title, quote=True)}"' if title else ""
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}"{named} '
        f'style="width:100%;height:{int(height)}px;border:1px solid #ddd"></iframe>'
    )
