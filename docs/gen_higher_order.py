"""Draw the graph of a gradient: dy/dx for y = σ(x), built by create_graph."""

from __future__ import annotations

import pathlib

from autograd_lite.core.value import Value
from autograd_lite.functional import gradients

NAME = "higher-order-gradient-graph.svg"


def gradient_graph() -> Value:
    """Return dy/dx for y = σ(x) at x = 0.5 as a graph, after its own backward.

    The gradient node's graph holds x, y = σ(x), 1 − y and y·(1 − y); calling
    ``backward`` on it fills every node's ``grad``, so x.grad is d²y/dx².
    """
    x = Value(0.5, "x")
    y = x.sigmoid().named("y")
    (dydx,) = gradients(y, [x], create_graph=True)
    dydx.named("dy/dx")
    # dy/dx = 1 × (y × (1 − y)): the seed 1 times the sigmoid row's local rule.
    product = dydx.parents[1].named("y(1 − y)")
    product.parents[1].named("1 − y")
    dydx.backward()
    return dydx


def generate(out: pathlib.Path) -> list[pathlib.Path]:
    """Write the diagram of the gradient's graph into ``out``."""
    from autograd_lite.teach.viz import render_svg, to_dot

    out.mkdir(parents=True, exist_ok=True)
    path = out / NAME
    diagram = to_dot(gradient_graph(), precision=4, rankdir="TB")
    path.write_text(render_svg(diagram.source, renderer="wasm"), encoding="utf-8")
    return [path]


if __name__ == "__main__":
    for p in generate(pathlib.Path(__file__).parent / "images"):
        print(p)
