"""The backward pass one edge at a time, as records: what explanations and the stepper show.

:func:`backward_steps` runs the same chain rule as
:func:`autograd_lite.core.autodiff.backward` (the local derivatives from each
node's row, in reverse topological order) but yields a :class:`Step` per edge
and writes no ``grad``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autograd_lite.core.autodiff import local_derivatives
from autograd_lite.core.checks import check_finite, edge_text, seed_gradient
from autograd_lite.core.graph import reverse_topological

__all__ = ["Step", "backward_steps"]


@dataclass(frozen=True, slots=True)
class Step:
    """One edge of the backward pass: what a node sends to one of its inputs.

    Attributes:
        step: Index of the node being processed (0 for the root's op).
        node: The node sending its gradient upstream.
        upstream: d(root)/d(node), complete when the node is processed.
        index: Which input of ``node`` this edge goes to.
        parent: That input.
        local: The local derivative d(node)/d(parent) from the op table.
        contribution: ``upstream * local``.
        total: The parent's gradient after adding this contribution.
        uses: How many contributions the parent has received so far.
    """

    step: int
    node: Any
    upstream: float
    index: int
    parent: Any
    local: float
    contribution: float
    total: float
    uses: int


def backward_steps(root: Any, seed: float = 1.0) -> Iterator[Step]:
    """Yield the backward pass from ``root`` one edge at a time.

    Pure: no node's ``grad`` is changed. Nodes come in reverse topological
    order, and within a node its inputs in argument order.

    Args:
        root: The node to differentiate.
        seed: d(root)/d(root), 1.0 by default; must be finite.

    Raises:
        OverflowError, ValueError: At the first edge whose contribution, or
            whose input's running total, is not finite (after yielding it).
    """
    return _steps(root, seed_gradient(seed))


def _steps(root: Any, seed: float) -> Iterator[Step]:
    grads: dict[Any, float] = {root: seed}
    uses: dict[Any, int] = {}
    k = 0
    for node in reverse_topological(root):
        if not node.parents:
            continue
        g = grads.get(node, 0.0)
        for i, (p, d) in enumerate(zip(node.parents, local_derivatives(node), strict=True)):
            c = g * d if d != 0.0 else 0.0
            t = grads.get(p, 0.0) + c
            grads[p] = t
            uses[p] = n = uses.get(p, 0) + 1
            yield Step(k, node, g, i, p, d, c, t, n)
            check_finite(
                "backward", "gradient", edge_text(node, i),
                f"upstream {g!r} × local derivative {d!r}", p, c, t,
            )  # fmt: skip
        k += 1
