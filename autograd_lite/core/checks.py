"""The number policy, and the words of every error about a node, an input or an edge.

Every number in a graph is a finite float. :func:`real_number` and
:func:`seed_gradient` admit numbers at the doors; :func:`check_finite` is the
one test of a sweep's contributions; :func:`node_name`, :func:`inputs_text`
and :func:`describe_edge` name nodes, inputs and edges the same way in every
message; :func:`shorten` prints a long value with an ellipsis and its length,
never cut silently. Nodes are read only through their public fields.
"""

from __future__ import annotations

import numbers
from typing import Any

__all__ = [
    "check_finite",
    "describe_edge",
    "edge_text",
    "finite_number",
    "inputs_text",
    "node_name",
    "operand_number",
    "real_number",
    "seed_gradient",
    "shorten",
]


def real_number(x: object, where: str) -> float:
    """Convert a real number to float, or raise a clear ``TypeError``."""
    if type(x) is float:
        return x
    if hasattr(x, "parents"):  # a node
        raise TypeError(f"{where}: got a Value where a number was expected; pass the Value itself")
    if isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(f"{where}: {shorten(x)} is too large for a float") from None
    raise TypeError(f"{where}: expected a real number (int or float), got {type(x).__name__} {x!r}")


def finite_number(x: object, where: str, field: str = "") -> float:
    """Convert a finite real number to float, or raise a clear error naming ``where``."""
    f = x if type(x) is float else real_number(x, where)
    if f - f != 0.0:  # inf - inf and nan - nan are both NaN
        raise ValueError(f"{where}: {field + ' ' if field else ''}must be finite, got {f!r}")
    return f


def operand_number(x: object, opname: str, other: Any) -> float:
    """Return ``x``, a number combined with the node ``other`` by ``opname``, as a finite float.

    Raises:
        TypeError: If ``x`` is not a real number (``bool`` counts as one).
        OverflowError, ValueError: If it is too large for a float or not finite.
    """
    if isinstance(x, bool):
        return float(x)
    if not isinstance(x, numbers.Real):
        who = f"Value {other.label!r}" if other.label else "a Value"
        raise TypeError(
            f"{opname}: cannot combine {who} (data={other.data!r}) with "
            f"{type(x).__name__} {shorten(x)}; operands must be real numbers or Values"
        )
    try:
        f = float(x)
    except OverflowError:
        raise OverflowError(
            f"{opname}: operand {shorten(x)} is too large for a float "
            f"(with {inputs_text(other, (other,))})"
        ) from None
    if f - f != 0.0:
        raise ValueError(
            f"{opname}: operand must be finite, got {f!r} (with {inputs_text(other, (other,))})"
        )
    return f


def shorten(x: object, limit: int = 60) -> str:
    """Return ``repr(x)``, shortened in the middle with an ellipsis and its length if long."""
    text = repr(x)
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]}…{text[-limit // 4 :]} ({len(text)} characters)"


def node_name(node: Any) -> str:
    """How messages name a node: its label quoted, else "an unlabelled <op> node"."""
    if node.label:
        return repr(node.label)
    return f"an unlabelled {node.op.name if node.op else 'leaf'} node"


def inputs_text(node: Any, args: Any = None, shown: int = 4) -> str:
    """How messages list a node's inputs: ``'x' = 2.0; input 1 = 3.0`` (the first ``shown``)."""
    items = list(node.parents if args is None else args)
    parts = [
        f"{repr(p.label) if p.label else f'input {i}'} = {p.data!r}"
        for i, p in enumerate(items[:shown])
    ]
    if len(items) > shown:
        parts.append(f"and {len(items) - shown} more inputs")
    return "; ".join(parts)


def describe_edge(node: Any, i: int) -> tuple[str, str]:
    """Name a node and its input ``i`` for messages: ("the mul node 'z' (data=…)", "'w' = 2.0")."""
    p = node.parents[i]
    op = node.op.name if node.op else "leaf"
    this = f"the {op} node {node.label!r}" if node.label else f"an unlabelled {op} node"
    that = repr(p.label) if p.label else f"input {i}"
    return f"{this} (data={node.data!r})", f"{that} = {p.data!r}"


def edge_text(node: Any, i: int) -> str:
    """Name the edge from ``node`` to its input ``i``, as backward's messages do."""
    this, that = describe_edge(node, i)
    return f"{this} to its input {i} ({that})"


def check_finite(
    sweep: str, quantity: str, edge: str, factors: str, owner: Any, c: float, t: float
) -> None:
    """Raise the non-finite policy's error for one edge of a sweep, if it applies.

    Args:
        sweep: ``"backward"`` or ``"forward"``.
        quantity: ``"gradient"`` or ``"tangent"``.
        edge: The edge, as messages name it.
        factors: The two factors of the contribution, as text.
        owner: The node whose running total ``t`` is.
        c: The edge's contribution.
        t: The total after adding it.

    Raises:
        ValueError: If ``c`` is NaN.
        OverflowError: If ``c`` is infinite or ``t`` overflows.
    """
    if c - c != 0.0:
        kind = ValueError if c != c else OverflowError
        raise kind(f"{sweep}: the {quantity} sent by {edge} is {c!r} ({factors})")
    if t - t != 0.0:
        raise OverflowError(
            f"{sweep}: the {quantity} of {node_name(owner)} overflows a float: adding "
            f"{c!r} from {edge} to the earlier total gives {t!r}"
        )


def seed_gradient(seed: object) -> float:
    """Return the seed d(root)/d(root) as a float; raise unless it is a finite real number."""
    g = seed if type(seed) is float else real_number(seed, "backward")
    if g - g != 0.0:
        raise ValueError(f"backward: the seed gradient must be finite, got {g!r}")
    return g
