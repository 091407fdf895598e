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

Every gradient is finite, as every forward value is: an edge whose
contribution (upstream gradient × local derivative) is ±inf or NaN raises
``OverflowError`` (inf) or ``ValueError`` (NaN), naming the node, the input
and both factors; so does a gradient whose contributions add up past the
float range. An edge whose local derivative is exactly 0 contributes exactly
0 (as ReLU's does in PyTorch), whatever the upstream gradient.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Literal, overload

from autograd_lite import mode
from autograd_lite.graph import by_order, reverse_topological
from autograd_lite.kernel import make_loop
from autograd_lite.ops import FLOAT_MATH
from autograd_lite.value import (
    VALUE_MATH,
    Value,
    constant,
    inputs_text,
    node_name,
    real_number,
    register_reverse,
    vsum,
)

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
        # Python's float ** reports overflow as an errno tuple; say it in words.
        why = "a local derivative overflows a float" if isinstance(exc, OverflowError) else exc
        raise type(exc)(
            f"{op.name} backward at {node_name(node)}: {why} ({inputs_text(node)})"
        ) from None


def backward_steps(root: Value, seed: float = 1.0) -> Iterator[Step]:
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
    seed = _seed(seed)
    return _steps(root, seed, {root: seed})


def _seed(seed: object) -> float:
    g = seed if type(seed) is float else real_number(seed, "backward")
    if g - g != 0.0:
        raise ValueError(f"backward: the seed gradient must be finite, got {g!r}")
    return g


def describe_edge(node: Value, i: int) -> tuple[str, str]:
    """Name a node and its input ``i`` for messages: ("the mul node 'z' (data=…)", "'w' = 2.0")."""
    p = node.parents[i]
    op = node.op.name if node.op else "leaf"
    this = f"the {op} node {node.label!r}" if node.label else f"an unlabelled {op} node"
    that = repr(p.label) if p.label else f"input {i}"
    return f"{this} (data={node.data!r})", f"{that} = {p.data!r}"


def _edge_text(node: Value, i: int) -> str:
    this, that = describe_edge(node, i)
    return f"{this} to its input {i} ({that})"


def check_finite(
    sweep: str, quantity: str, edge: str, factors: str, owner: Value, c: float, t: float
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


def _check_step(s: Step) -> None:
    """Raise if a step made a gradient non-finite (the policy of every backward pass)."""
    check_finite(
        "backward",
        "gradient",
        _edge_text(s.node, s.index),
        f"upstream {s.upstream!r} × local derivative {s.local!r}",
        s.parent,
        s.contribution,
        s.total,
    )


def _steps(root: Value, seed: float, grads: dict[Value, float]) -> Iterator[Step]:
    uses: dict[Value, int] = {}
    k = 0
    for node in reverse_topological(root):
        if not node.parents:
            continue
        g = grads.get(node, 0.0)
        for i, (p, d) in enumerate(zip(node.parents, local_derivatives(node), strict=True)):
            c = g * d if d != 0.0 else 0.0
            t = grads.get(p, 0.0) + c
            grads[p] = t
            n = uses.get(p, 0) + 1
            uses[p] = n
            step = Step(k, node, g, i, p, d, c, t, n)
            yield step
            if c - c != 0.0 or t - t != 0.0:
                _check_step(step)
        k += 1


def _reset_and_order(root: Value) -> tuple[list[Value], list[Value]]:
    """Zero the ``grad`` of every non-leaf node; return the nodes with parents and the ends.

    The ends are the leaves and constants reached (some more than once): the
    loop never reads their gradients, so they are tested for finiteness after it.

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
        return [], []
    mark = root.grad * 1.0  # arithmetic allocates a fresh float object
    root.grad = mark
    found: list[Value] = []
    ends: list[Value] = []
    stack = [root]
    pop = stack.pop
    push = stack.append
    keep = found.append
    end = ends.append
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
            else:
                if a.op is not None:
                    a.grad = 0.0  # a constant: it holds this call's gradient
                end(a)
            if b._a is not None:
                if b.grad is not mark:
                    b.grad = mark
                    push(b)
            else:
                if b.op is not None:
                    b.grad = 0.0
                end(b)
        else:
            a = n._a
            for p in a if type(a) is tuple else (a,):
                if p._a is not None:
                    if p.grad is not mark:
                        p.grad = mark
                        push(p)
                else:
                    if p.op is not None:
                        p.grad = 0.0
                    end(p)
    found.sort(key=by_order, reverse=True)
    return found, ends


def backward(root: Value, seed: float = 1.0, *, create_graph: bool = False) -> None:
    """Propagate gradients from ``root`` into the ``grad`` of every node.

    Leaves accumulate across calls; every other node (constants included)
    holds the gradient of this call. With ``create_graph`` each gradient is
    also stored as a differentiable node in ``grad_node``.
    """
    if type(seed) is not float or seed - seed != 0.0:
        seed = _seed(seed)
    if create_graph:
        _write_values(_value_grads(root, seed, None))
        return
    hook = mode.hook()
    if hook is not None:
        grads = {root: seed}
        for s in _steps(root, seed, grads):
            hook.on_backward(s.node, s.index, s.contribution)
        for n in reverse_topological(root):
            g = grads.get(n, 0.0)
            if n.op is None:
                n.grad += g
            else:
                n.grad = g
            n.grad_node = None
        return
    order, ends = _reset_and_order(root)
    if _GRAPHS[0]:
        _clear_grad_nodes(root, order, ends)
    root.grad += seed
    if root.grad - root.grad != 0.0:
        raise OverflowError(
            f"backward: the gradient of the leaf {node_name(root)} overflows a float"
        )

    def nonfinite(node: object) -> None:
        _find_nonfinite(root, seed)

    _loop(order, local_derivatives, nonfinite)
    # The loop tests every gradient it reads; the leaves' and constants' it
    # never reads. One sum tests them all: it is finite unless one is not
    # (or unless finite ones add past the float range, which the replay sorts out).
    total = sum(map(_grad_of, ends))
    if total - total != 0.0:
        for e in ends:
            if e.grad - e.grad != 0.0:
                _find_nonfinite(root, seed)


def _find_nonfinite(root: Value, seed: float) -> None:
    """Replay the pass without side effects and raise at the edge that left the float range."""
    for _ in _steps(root, seed, {root: seed}):
        pass
    # Unreachable for a graph whose gradients were non-finite; kept as a guard.
    raise OverflowError(f"backward from {node_name(root)}: a gradient is not finite")


_grad_of = attrgetter("grad")
_loop = make_loop()
register_reverse(backward)


def _times(g: Value, d: Any) -> Value:
    if type(d) is float:
        if d == 1.0:
            return g
        if d == -1.0:
            return -g
    product: Value = g * d
    return product


_PLAIN_ERRORS = (ValueError, ZeroDivisionError, OverflowError)
_INF = float("inf")
_NAN = float("nan")


def _data(d: Any) -> float:
    return d.data if isinstance(d, Value) else float(d)


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
    hook = mode.hook()
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
            if type(exc) not in _PLAIN_ERRORS:  # e.g. AnomalyError: keep its own fields
                raise
            raise type(exc)(
                f"{op.name} backward at {node_name(node)}: {exc} ({inputs_text(node)})"
            ) from None
        for i, (p, d) in enumerate(zip(node.parents, locs, strict=True)):
            if needed is not None and p not in needed:
                continue
            if type(d) is float and d == 0.0:
                continue  # an exact zero contributes nothing
            try:
                c = _times(g, d)
            except (OverflowError, ValueError) as exc:
                if hook is not None:
                    hook.on_backward(node, i, _INF if isinstance(exc, OverflowError) else _NAN)
                raise type(exc)(
                    f"backward: the gradient sent by {_edge_text(node, i)} is not finite "
                    f"(upstream {g.data!r} × local derivative {_data(d)!r}): {exc}"
                ) from None
            if hook is not None:
                hook.on_backward(node, i, c.data)
            parts.setdefault(p, []).append(c)
    return grads


# True once a backward(create_graph=True) has stored a grad_node anywhere in the
# process: from then on a plain backward also clears the grad_node of every node
# it reaches (a pass over them; before that, it costs nothing).
_GRAPHS = [False]


def _clear_grad_nodes(root: Value, order: list[Value], ends: list[Value]) -> None:
    """A plain backward leaves no grad_node: it would no longer describe ``grad``."""
    root.grad_node = None
    for n in order:
        n.grad_node = None
    for n in ends:
        n.grad_node = None


def _write_values(grads: dict[Value, Value]) -> None:
    """Store each gradient node in ``grad_node`` and its number in ``grad``.

    A leaf accumulates: its ``grad_node`` becomes the sum of the gradient nodes
    of every call since the last reset, unless ``grad`` already holds the
    number of a plain backward (``grad != 0`` with no ``grad_node``): no node
    describes that part, so ``grad_node`` stays ``None`` until ``zero_grad()``.
    """
    _GRAPHS[0] = True
    for n, g in grads.items():
        if n.op is None:
            had = n.grad_node
            if had is None and n.grad != 0.0:
                n.grad += g.data
            else:
                n.grad += g.data
                n.grad_node = g if had is None else had + g
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
    hook = mode.hook()
    if hook is None:
        for _ in _steps(root, 1.0, grads):
            pass
    else:
        for s in _steps(root, 1.0, grads):
            hook.on_backward(s.node, s.index, s.contribution)
    return [grads.get(w, 0.0) for w in wrt]
