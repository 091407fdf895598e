"""Reverse-mode differentiation over a recorded graph.

One traversal (:func:`autograd_lite.graph.reverse_topological`) and one set of
rules (the op table) serve three readers:

* :func:`backward` — the stateful pass behind ``Value.backward``; its
  first-order loop is written out flat because it is the hot path;
* :func:`backward_steps` — the same pass as a stream of :class:`Step` records
  (one per edge), read by the explanations, the stepper and :func:`gradients`;
* the graph-building pass (``create_graph=True``), which evaluates the same
  rules on Values so that gradients can be differentiated again.

A test checks that the flat loop and the step records always agree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

from autograd_lite.graph import _by_order, reverse_topological
from autograd_lite.kernel import make_loop
from autograd_lite.ops import FLOAT_MATH
from autograd_lite.value import MODE, VALUE_MATH, Value, _real, constant, vsum

__all__ = ["Step", "backward", "backward_steps", "gradients", "local_derivatives"]


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
    node: Value
    upstream: float
    index: int
    parent: Value
    local: float
    contribution: float
    total: float
    uses: int


def _name(node: Value) -> str:
    return (
        repr(node.label)
        if node.label
        else f"an unlabelled {node.op.name if node.op else 'leaf'} node"
    )


def _context(node: Value) -> str:
    parts = []
    for i, p in enumerate(node.parents):
        who = repr(p.label) if p.label else f"input {i}"
        parts.append(f"{who} = {p.data!r}")
    return "; ".join(parts)


def local_derivatives(node: Value) -> tuple[float, ...]:
    """Return d(node)/d(input) for each input of ``node``, as floats.

    Raises:
        ValueError, ZeroDivisionError, OverflowError: Where a local derivative
            is undefined or infinite; the message names the op, the node and
            its inputs.
    """
    op = node.op
    if op is None:
        return ()
    ps = node.parents
    try:
        return op.local([p.data for p in ps], node.data, FLOAT_MATH, op.param)
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        raise type(exc)(f"{op.name} backward at {_name(node)}: {exc} ({_context(node)})") from None


def backward_steps(root: Value, seed: float = 1.0) -> Iterator[Step]:
    """Yield the backward pass from ``root`` one edge at a time.

    Pure: no node's ``grad`` is changed. Nodes come in reverse topological
    order, and within a node its inputs in argument order.

    Args:
        root: The node to differentiate.
        seed: d(root)/d(root), 1.0 by default.
    """
    return _steps(root, _real(seed, "backward"), {root: _real(seed, "backward")})


def _steps(root: Value, seed: float, grads: dict[Value, float]) -> Iterator[Step]:
    uses: dict[Value, int] = {}
    k = 0
    for node in reverse_topological(root):
        if not node.parents:
            continue
        g = grads.get(node, 0.0)
        for i, (p, d) in enumerate(zip(node.parents, local_derivatives(node), strict=True)):
            c = g * d
            t = grads.get(p, 0.0) + c
            grads[p] = t
            n = uses.get(p, 0) + 1
            uses[p] = n
            yield Step(k, node, g, i, p, d, c, t, n)
        k += 1


def _reset_and_order(root: Value) -> list[Value]:
    """Zero the ``grad`` of every non-leaf node; return the nodes with parents.

    The nodes come in :func:`~autograd_lite.graph.reverse_topological`'s order
    (decreasing creation id), so the loop adds contributions in the same order
    as :func:`backward_steps`. Leaves and constants are never stored or sorted.
    Instead of a ``seen`` set, a visited node's ``grad`` is set to a float
    object made for this call (``mark``, equal to 0.0): identity with it means
    "already visited". An older mark cannot be mistaken for it, because a node
    still holding an older mark keeps that object alive at its own address.
    """
    if root.op is not None:
        root.grad = 0.0
    if root._a is None:
        return []
    mark = root.grad * 1.0  # arithmetic allocates a fresh float object
    root.grad = mark
    found: list[Value] = []
    stack = [root]
    pop = stack.pop
    push = stack.append
    keep = found.append
    # The visit of a parent is written out for the binary case rather than
    # building a tuple per node: this walk is a third of backward's time.
    while stack:
        n = pop()
        keep(n)  # in pop order the list is nearly sorted, which the sort exploits
        b = n._b
        if b is not None:
            a: Any = n._a
            if a._a is not None:
                if a.grad is not mark:
                    a.grad = mark
                    push(a)
            elif a.op is not None:
                a.grad = 0.0  # a constant: it holds this call's gradient
            if b._a is not None:
                if b.grad is not mark:
                    b.grad = mark
                    push(b)
            elif b.op is not None:
                b.grad = 0.0
        else:
            a = n._a
            for p in a if type(a) is tuple else (a,):
                if p._a is not None:
                    if p.grad is not mark:
                        p.grad = mark
                        push(p)
                elif p.op is not None:
                    p.grad = 0.0
    found.sort(key=_by_order, reverse=True)
    return found


def backward(root: Value, seed: float = 1.0, *, create_graph: bool = False) -> None:
    """Propagate gradients from ``root`` into the ``grad`` of every node.

    Leaves accumulate across calls; every other node (constants included)
    holds the gradient of this call. With ``create_graph`` each gradient is
    also stored as a differentiable node in ``grad_node``.
    """
    if type(seed) is not float:
        seed = _real(seed, "backward")
    if create_graph:
        _write_values(_value_grads(root, seed, None))
        return
    if MODE.hook is not None:
        grads = {root: seed}
        hook = MODE.hook
        for s in _steps(root, seed, grads):
            hook.on_backward(s.node, s.index, s.contribution)
        for n in reverse_topological(root):
            g = grads.get(n, 0.0)
            if n.op is None:
                n.grad += g
            else:
                n.grad = g
        return
    order = _reset_and_order(root)
    root.grad += seed
    _loop(order, local_derivatives)


_loop = make_loop()


def _times(g: Value, d: Any) -> Value:
    if type(d) is float:
        if d == 1.0:
            return g
        if d == -1.0:
            return -g
    product: Value = g * d
    return product


def _total(parts: list[Value]) -> Value:
    return parts[0] if len(parts) == 1 else vsum(parts)


def _value_grads(root: Value, seed: float, wrt: Sequence[Value] | None) -> dict[Value, Value]:
    """Run the rules on Values: each gradient is itself a graph."""
    order = reverse_topological(root)
    needed: set[Value] | None = None
    if wrt is not None:
        # Only nodes from which some target is reachable need a gradient.
        targets = set(wrt)
        needed = set()
        for n in reversed(order):
            if n in targets or any(p in needed for p in n.parents):
                needed.add(n)
    parts: dict[Value, list[Value]] = {root: [constant(seed)]}
    grads: dict[Value, Value] = {}
    hook = MODE.hook
    for node in order:
        got = parts.pop(node, None)
        if got is None:
            continue
        g = _total(got)
        grads[node] = g
        op = node.op
        if op is None or not node.parents:
            continue
        if needed is not None and not any(p in needed for p in node.parents):
            continue
        try:
            locs = op.local(node.parents, node, VALUE_MATH, op.param)
        except (ValueError, ZeroDivisionError, OverflowError) as exc:
            raise type(exc)(
                f"{op.name} backward at {_name(node)}: {exc} ({_context(node)})"
            ) from None
        for i, (p, d) in enumerate(zip(node.parents, locs, strict=True)):
            if needed is not None and p not in needed:
                continue
            c = _times(g, d)
            if hook is not None:
                hook.on_backward(node, i, c.data)
            parts.setdefault(p, []).append(c)
    return grads


def _write_values(grads: dict[Value, Value]) -> None:
    for n, g in grads.items():
        if n.op is None:
            n.grad += g.data
            n.grad_node = g if n.grad_node is None else n.grad_node + g
        else:
            n.grad = g.data
            n.grad_node = g


@overload
def gradients(
    root: Value, wrt: Sequence[Value], *, create_graph: Literal[False] = False
) -> list[float]: ...


@overload
def gradients(root: Value, wrt: Sequence[Value], *, create_graph: Literal[True]) -> list[Value]: ...


def gradients(
    root: Value, wrt: Sequence[Value], *, create_graph: bool = False
) -> list[float] | list[Value]:
    """Return d(root)/d(w) for each ``w`` in ``wrt`` without touching any ``grad``.

    Args:
        root: The node to differentiate.
        wrt: The nodes to differentiate with respect to.
        create_graph: Return the gradients as Values connected to the graph,
            so they can be differentiated again.

    Returns:
        One gradient per node of ``wrt`` (0 for a node ``root`` does not use).
    """
    for w in wrt:
        if not isinstance(w, Value):
            raise TypeError(f"gradients: wrt must hold Values, got {type(w).__name__}")
    if create_graph:
        vg = _value_grads(root, 1.0, wrt)
        return [vg[w] if w in vg else constant(0.0) for w in wrt]
    grads: dict[Value, float] = {root: 1.0}
    hook = MODE.hook
    if hook is None:
        for _ in _steps(root, 1.0, grads):
            pass
    else:
        for s in _steps(root, 1.0, grads):
            hook.on_backward(s.node, s.index, s.contribution)
    return [grads.get(w, 0.0) for w in wrt]
