"""Diagrams of the computation graph and the backward stepper.

Everything here is loaded on first use, so importing :mod:`autograd_lite`
never imports ``graphviz``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autograd_lite.teach.viz.dot import Diagram, to_dot
    from autograd_lite.teach.viz.drawing import draw
    from autograd_lite.teach.viz.render import (
        RendererNotFound,
        RenderError,
        RenderTimeout,
        render_svg,
        set_renderer,
    )
    from autograd_lite.teach.viz.stepper import Stepper, stepper_html, stepper_view

__all__ = [
    "Diagram",
    "RenderError",
    "RenderTimeout",
    "RendererNotFound",
    "Stepper",
    "draw",
    "render_svg",
    "set_renderer",
    "stepper_html",
    "stepper_view",
    "to_dot",
]

_HOME = {
    "Diagram": "dot",
    "to_dot": "dot",
    "draw": "drawing",
    "RenderError": "render",
    "RenderTimeout": "render",
    "RendererNotFound": "render",
    "render_svg": "render",
    "set_renderer": "render",
    "stepper_html": "stepper",
    "stepper_view": "stepper",
    "Stepper": "stepper",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'autograd_lite.teach.viz' has no attribute {name!r}")
    return getattr(importlib.import_module(f"autograd_lite.teach.viz.{home}"), name)
