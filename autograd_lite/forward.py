"""Forward-mode differentiation over a recorded graph, from the same op table.

Reverse mode (:mod:`autograd_lite.core.autodiff`) walks the graph from the root
back to the inputs and, in one sweep, gives d(root)/d(node) for *every* node.
Forward mode walks it the other way: given a *tangent* (a direction) on some
inputs, it visits the nodes in :func:`~autograd_lite.core.graph.topological` order
and gives, in one sweep, the derivative of *every* node along that direction:

    tangent(node) = Σ_i local_i(node) × tangent(input_i)

where ``local_i`` is the row's local-derivative rule, the very rule that
backward uses. Evaluated on floats it gives numbers; with
``create_graph=True`` it is evaluated on Values (``VALUE_MATH``), so the
tangent is itself a graph and can be differentiated again.

Seeding. A node named in ``tangents`` is an independent input: its tangent is
the one given, and the edges into it are not followed (so seeding an interior
node means "differentiate with respect to this node", as
:func:`~autograd_lite.gradients` does). Every other leaf and constant
has tangent 0. A node none of whose inputs depends on a seeded node has
tangent exactly 0: its edges carry nothing and are skipped (no record, no
local derivative evaluated).

Every tangent is finite, as every forward value and every gradient is: an
edge whose contribution (local derivative × input tangent) is ±inf or NaN
raises ``OverflowError`` (inf) or ``ValueError`` (NaN), naming the node, the
input and both factors; so does a tangent whose contributions add up past the
float range. An edge whose local derivative is exactly 0 contributes exactly
0, as in backward.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, overload

from autograd_lite.base.mode import set_grad_enabled
from autograd_lite.core.checks import (
    check_finite,
    describe_edge,
    inputs_text,
    node_name,
    real_number,
)
from autograd_lite.core.graph import by_order, reachable
from autograd_lite.core.primitives import FLOAT_MATH
from autograd_lite.core.value import (
    VALUE_MATH,
    Value,
    constant,
    vsum,
)

__all__ = [
    "ForwardStep",
    "SweepCount",
    "count_sweeps",
    "forward_steps",
    "jvp_graph",
]


# ------------------------------------------------------------ sweep counting
@dataclass(slots=True, eq=False)
class SweepCount:
    """How many sweeps over a graph were made inside a :func:`count_sweeps` block.

    Attributes:
        forward: Forward sweeps: :func:`jvp_graph`, :func:`forward_steps`,
            and the forward transforms of :mod:`autograd_lite.functional`
            (``jvp`` makes one, ``jacfwd`` one per input).
        reverse: Reverse sweeps made by the transforms of
            :mod:`autograd_lite.functional` (``grad`` and ``value_and_grad``
            make one, ``jacrev`` one per output, ``hessian`` 1 + n). A direct
            call of ``backward`` or ``gradients`` is not counted.
    """

    forward: int = 0
    reverse: int = 0


class _Counters(threading.local):
    def __init__(self) -> None:
        self.active: list[SweepCount] = []


_counters = _Counters()


@contextmanager
def count_sweeps() -> Iterator[SweepCount]:
    """Context manager counting the sweeps made in this thread inside the block.

    Blocks nest: every open block of the thread counts each sweep.

    Yields:
        A :class:`SweepCount`, updated as sweeps happen.

    Example:
        >>> from autograd_lite.functional import jacfwd, jacrev
        >>> f = lambda w1, w2, b: (w1 * 1.5 + w2 * -0.5 + b).sigmoid()
        >>> with count_sweeps() as fwd:
        ...     _ = jacfwd(f, argnums=(0, 1, 2))(0.2, -0.4, 0.1)
        >>> with count_sweeps() as rev:
        ...     _ = jacrev(f, argnums=(0, 1, 2))(0.2, -0.4, 0.1)
        >>> fwd, rev
        (SweepCount(forward=3, reverse=0), SweepCount(forward=0, reverse=1))
    """
    count = SweepCount()
    _counters.active.append(count)
    try:
        yield count
    finally:
        _counters.active.remove(count)


def note_sweep(kind: Literal["forward", "reverse"]) -> None:
    """Record one sweep of ``kind`` in every open :func:`count_sweeps` block of this thread."""
    for count in _counters.active:
        if kind == "forward":
            count.forward += 1
        else:
            count.reverse += 1


# ------------------------------------------------------------------ records
@dataclass(frozen=True, slots=True)
class ForwardStep:
    """One edge of the forward sweep: what an input sends to a node's tangent.

    The forward counterpart of :class:`autograd_lite.steps.Step`.

    Attributes:
        step: Index of the node being processed (0 for the first node whose
            tangent is computed).
        node: The node whose tangent is being computed.
        index: Which input of ``node`` this edge comes from.
        parent: That input.
        local: The local derivative d(node)/d(parent) from the op table.
        tangent: The tangent of ``parent``, complete when ``node`` is processed.
        contribution: ``local * tangent``.
        total: The tangent of ``node`` after adding this contribution.
    """

    step: int
    node: Value
    index: int
    parent: Value
    local: float
    tangent: float
    contribution: float
    total: float


# ------------------------------------------------------------------ messages


def _edge(node: Value, i: int) -> str:
    this, that = describe_edge(node, i)
    return f"input {i} ({that}) of {this}"


def _check_step(s: ForwardStep) -> None:
    """Raise if a step made a tangent non-finite (the policy of every sweep)."""
    check_finite(
        "forward",
        "tangent",
        _edge(s.node, s.index),
        f"local derivative {s.local!r} × input tangent {s.tangent!r}",
        s.node,
        s.contribution,
        s.total,
    )


_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


def _locals(node: Value, graph: bool) -> tuple[Any, ...]:
    """The local derivatives of ``node`` (floats, or Values when ``graph``)."""
    op = node.op
    assert op is not None
    ps = node.parents
    try:
        if graph:
            return op.local(ps, node, VALUE_MATH, op.param)
        return op.local([p.data for p in ps], node.data, FLOAT_MATH, op.param)
    except _ERRORS as exc:
        if type(exc) not in _ERRORS:  # e.g. AnomalyError: keep its own fields
            raise
        why = (
            "a local derivative overflows a float"
            if isinstance(exc, OverflowError) and not graph
            else exc
        )
        raise type(exc)(
            f"{op.name} local derivative at {node_name(node)} (forward): {why} "
            f"({inputs_text(node)})"
        ) from None


# ------------------------------------------------------------------ seeds
def _seeds(
    roots: Sequence[Value], tangents: Mapping[Value, Any], where: str, graph: bool
) -> dict[Value, Any]:
    for r in roots:
        if not isinstance(r, Value):
            raise TypeError(f"{where}: the root must be a Value, got {type(r).__name__} {r!r:.60}")
    if not isinstance(tangents, Mapping):
        raise TypeError(
            f"{where}: tangents must be a mapping from Values to numbers, "
            f"got {type(tangents).__name__}"
        )
    seeds: dict[Value, Any] = {}
    for node, t in tangents.items():
        if not isinstance(node, Value):
            raise TypeError(
                f"{where}: tangents must be keyed by Values, got {type(node).__name__} {node!r:.60}"
            )
        who = f"the tangent of {node_name(node)}"
        if isinstance(t, Value):
            if not graph:
                raise TypeError(
                    f"{where}: {who} is a Value; pass create_graph=True to differentiate "
                    "through the tangents, or pass a number"
                )
            seeds[node] = t
            continue
        f = real_number(t, f"{where}: {who}")
        if f - f != 0.0:
            raise ValueError(f"{where}: {who} must be finite, got {f!r}")
        seeds[node] = f
    return seeds


def _order(roots: Sequence[Value]) -> list[Value]:
    nodes: set[Value] = set()
    for r in roots:
        nodes |= reachable(r)
    return sorted(nodes, key=by_order)


def _reached(roots: Sequence[Value], tangent: dict[Value, Any]) -> Iterator[Value]:
    """In creation order, the nodes a sweep computes: not seeded, with a parent that has a tangent.

    ``tangent`` grows as the sweep goes, so each node is tested after its parents are done.
    """
    for node in _order(roots):
        if node not in tangent and any(p in tangent for p in node.parents):
            yield node


# ------------------------------------------------------------------ sweeps
def _steps(roots: Sequence[Value], seeds: dict[Value, float]) -> Iterator[ForwardStep]:
    """The float sweep: fills ``seeds`` with every active node's tangent as it goes."""
    tangent = seeds
    k = 0
    for node in _reached(roots, tangent):
        total = 0.0
        for i, (p, d) in enumerate(zip(node.parents, _locals(node, False), strict=True)):
            t = tangent.get(p)
            if t is None:
                continue  # an input that depends on no seed: its tangent is exactly 0
            d = float(d)
            c = d * t if d != 0.0 else 0.0
            total = total + c
            step = ForwardStep(k, node, i, p, d, t, c, total)
            yield step
            if c - c != 0.0 or total - total != 0.0:
                _check_step(step)
        tangent[node] = total
        k += 1


def _times(d: Any, t: Any) -> Any:
    if type(d) is float:
        if d == 1.0:
            return t
        if d == -1.0:
            return -t
    if type(t) is float:
        if t == 1.0:
            return d
        if t == -1.0:
            return -d
    return d * t


def _value_sweep(roots: Sequence[Value], seeds: dict[Value, Any]) -> dict[Value, Any]:
    """The graph-building sweep: tangents are Values (or exact float zeros and ones)."""
    tangent = seeds
    for node in _reached(roots, tangent):
        parts: list[Any] = []
        for i, (p, d) in enumerate(zip(node.parents, _locals(node, True), strict=True)):
            t = tangent.get(p)
            if t is None or (type(d) is float and d == 0.0):
                continue
            try:
                c = _times(d, t)
                if type(c) is float and c - c != 0.0:
                    raise (ValueError if c != c else OverflowError)(f"got {c!r}")
            except (OverflowError, ValueError) as exc:
                raise type(exc)(
                    f"forward: the tangent sent by {_edge(node, i)} is not finite "
                    f"(local derivative {_data(d)!r} × input tangent {_data(t)!r}): {exc}"
                ) from None
            parts.append(c)
        try:
            tangent[node] = _total(parts)
        except OverflowError:
            raise OverflowError(
                f"forward: the tangent of {node_name(node)} overflows a float: its contributions "
                f"{[_data(c) for c in parts]!r} add up past the float range"
            ) from None
    return tangent


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _total(parts: list[Any]) -> Any:
    if not parts:
        return 0.0
    if len(parts) == 1:
        return parts[0]
    if all(type(c) is float for c in parts):
        s = FLOAT_MATH.add(parts)
        if s - s != 0.0:
            raise OverflowError("the sum overflows a float")
        return s
    return vsum(parts)


def sweep(roots: Sequence[Value], seeds: dict[Value, Any], create_graph: bool) -> list[Any]:
    """Run one forward sweep and return the tangent of each root.

    Used by the transforms of :mod:`autograd_lite.functional`; ``seeds`` must
    already be checked (finite floats, or Values when ``create_graph``). With
    ``create_graph`` every returned tangent is a Value.
    """
    note_sweep("forward")
    if create_graph:
        with set_grad_enabled(True):
            found = _value_sweep(roots, dict(seeds))
        out = [found.get(r, 0.0) for r in roots]
        return [t if isinstance(t, Value) else constant(t) for t in out]
    tangent = dict(seeds)
    for _ in _steps(roots, tangent):
        pass
    return [tangent.get(r, 0.0) for r in roots]


# ------------------------------------------------------------------ public
def forward_steps(root: Value, tangents: Mapping[Value, float]) -> Iterator[ForwardStep]:
    """Yield the forward sweep toward ``root`` one edge at a time.

    Pure: no node's ``grad`` is changed. Nodes come in topological order
    (creation order), and within a node its inputs in argument order; edges
    from inputs that depend on no seeded node are skipped.

    Args:
        root: The node whose graph is swept.
        tangents: The direction: a tangent for each seeded node (usually
            leaves); every other leaf has tangent 0. Each must be finite.

    Yields:
        One :class:`ForwardStep` per edge that carries a tangent.

    Raises:
        TypeError: If ``root`` is not a Value or ``tangents`` is not a mapping
            from Values to real numbers.
        ValueError: If a seeded tangent is not finite.
        OverflowError, ValueError: At the first edge whose contribution, or
            whose node's running total, is not finite (after yielding it).

    Example:
        >>> x, y = Value(3.0, "x"), Value(4.0, "y")
        >>> f = (x * y).named("f")
        >>> for s in forward_steps(f, {x: 1.0}):
        ...     print(s.node.label, s.index, s.local, s.tangent, s.total)
        f 0 4.0 1.0 4.0
    """
    seeds = _seeds((root,), tangents, "forward_steps", False)
    note_sweep("forward")
    return _steps((root,), seeds)


@overload
def jvp_graph(
    root: Value, tangents: Mapping[Value, float], *, create_graph: Literal[False] = False
) -> float: ...


@overload
def jvp_graph(
    root: Value, tangents: Mapping[Value, Value | float], *, create_graph: Literal[True]
) -> Value: ...


def jvp_graph(
    root: Value, tangents: Mapping[Value, Any], *, create_graph: bool = False
) -> float | Value:
    """Return the derivative of ``root`` along the direction ``tangents``, in one forward sweep.

    With ``tangents = {x: 1.0}`` this is d(root)/dx; with several seeds it is
    the directional derivative Σ d(root)/dx · tangent(x), equal to the
    reverse-mode gradient dotted with the tangents.

    Args:
        root: The node to differentiate.
        tangents: A tangent for each seeded node (see the module docs: a
            seeded node is an independent input; unseeded leaves have tangent 0).
        create_graph: Evaluate the local rules on Values and return the
            tangent as a Value connected to the graph, so it can be
            differentiated again; the tangents may then be Values too.

    Returns:
        The tangent of ``root``: a float (0.0 when ``root`` depends on no
        seeded node), or a Value with ``create_graph``.

    Raises:
        TypeError: If ``root`` is not a Value or ``tangents`` is not a mapping
            from Values to real numbers (or Values, with ``create_graph``).
        ValueError: If a seeded tangent is not finite.
        OverflowError, ValueError: If a contribution or a tangent is not
            finite; the message names the node and the edge.

    Example:
        >>> w, x = Value(2.0, "w"), Value(3.0, "x")
        >>> f = (w * x).sigmoid() + w * w
        >>> round(jvp_graph(f, {w: 1.0}), 6)  # d f / dw
        4.0074
        >>> jvp_graph(w * x * x, {w: 1.0, x: 0.5})  # 9·1 + 12·0.5
        15.0
        >>> jvp_graph(w * w * w, {w: 1.0}, create_graph=True).data  # 3w² as a node
        12.0
    """
    seeds = _seeds((root,), tangents, "jvp_graph", create_graph)
    return sweep((root,), seeds, create_graph)[0]  # type: ignore[no-any-return]
