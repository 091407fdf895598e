"""Finding where a compiled program failed, and raising the eager engine's error there.

The generated code only *detects* trouble: a failed domain check, an
overflow or a NaN raises :class:`~autograd_lite.compiled.runtime.Recheck`, a
backward line that raises is wrapped in
:class:`~autograd_lite.compiled.runtime.BackwardFailure`. The program then
calls :func:`locate`, which re-runs the graph node by node with the same rules
and namespace, and raises the error the eager engine would: the check's
error, ``OverflowError`` or ``ValueError``, naming the op, the node and the
input values and, on arrays, the first failing example.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from autograd_lite.compiled.arrays import broadcast, device, first_true, index_text, shape_of
from autograd_lite.compiled.codegen import RowCode
from autograd_lite.compiled.runtime import NUMPY, ArrayMath, BackwardFailure
from autograd_lite.core.value import Value

__all__ = ["ARITH", "backward_error", "locate"]

#: The errors a computation on floats raises (a domain error, an overflow...):
#: the generated code lets them through, and the program locates their node.
ARITH = (ArithmeticError, ValueError)


def _who(nodes: Sequence[Value], i: int) -> str:
    node = nodes[i]
    return repr(node.label) if node.label else f"node v{i}"


def backward_error(nodes: Sequence[Value], exc: BackwardFailure) -> Exception:
    """Return the error for a backward line that raised, naming its op and node.

    It has the type of the line's own error (``ArithmeticError`` when that
    is not an ``Exception``) and its message.
    """
    cause = exc.__context__
    node = nodes[exc.index]
    op = node.op.name if node.op is not None else "leaf"
    kind = type(cause) if isinstance(cause, Exception) else ArithmeticError
    return kind(f"{op} at {_who(nodes, exc.index)} (compiled program, backward): {cause}")


def _bool_dtype(xp: Any) -> Any:
    return getattr(xp, "bool", None) or xp.bool_


def locate(
    nodes: Sequence[Value],
    plans: Mapping[int, RowCode],
    inputs: Sequence[Value],
    params: Sequence[Value],
    xs: Sequence[Any],
    P: Sequence[float],
    m: Any,
) -> None:
    """Re-run the graph node by node and raise the error the eager engine would.

    Each node is evaluated with the same rules and namespace as the
    generated code, so the values are the same. On arrays, the error is
    the one of the first example that fails, at the first node where it does.
    Only functions of the array API standard are used on arrays. It returns
    only when the re-run finds nothing to raise.

    Args:
        nodes: The program's nodes, in topological order.
        plans: Node index → its row's rules as the code prints them.
        inputs: The program's inputs.
        params: The program's parameters.
        xs: The prepared inputs of the run that failed.
        P: Its parameter values.
        m: Its runtime namespace.

    Raises:
        ArithmeticError, ValueError: The first failure, naming the op, the
            node, the input values and, on arrays, the first failing example.
    """
    xp: Any = None
    if m is NUMPY:
        xp = sys.modules["numpy"]
    elif isinstance(m, ArrayMath):
        xp = m.xp
    vals: dict[int, Any] = {}
    for j, v in enumerate(inputs):
        vals[id(v)] = xs[j]
    for j, v in enumerate(params):
        vals[id(v)] = P[j]
    shape: tuple[int, ...] = ()
    first: Any = None
    if xp is not None:
        shape = broadcast([shape_of(x) for x in xs])
        # per example: the event where it first failed
        if m is NUMPY:
            first = xp.full(shape, -1)
        else:
            like = next(x for x in xs if not isinstance(x, float))
            first = xp.full(shape, -1, device=device(like))
    events: list[tuple[int, type[Exception], str, Any]] = []

    def fail(i: int, kind: type[Exception], message: str, bad: Any) -> None:
        """Record (arrays) or raise (floats) a failure at node i where ``bad``."""
        nonlocal first
        if xp is None:
            if bad:
                _raise(nodes, i, kind, message, [vals[id(p)] for p in nodes[i].parents], None)
            return
        shared = isinstance(bad, bool) or bad.ndim == 0
        if isinstance(bad, bool):
            if not bad:
                return
            bad = xp.full(shape, True, dtype=_bool_dtype(xp))
        mask = xp.logical_and(xp.broadcast_to(bad, shape), first < 0)
        if bool(xp.any(mask)):
            first = xp.where(mask, xp.full_like(first, len(events)), first)
            events.append((i, kind, message, shared))

    for i, n in enumerate(nodes):
        if id(n) in vals:
            continue
        if n.op is None or not n.parents:
            vals[id(n)] = n.data
            continue
        row, plan = n.op, plans[i]
        a = [vals[id(p)] for p in n.parents]
        for j, check in enumerate(row.checks):
            if plan.checks[j] is None:
                continue
            try:
                if isinstance(plan.checks[j], str):
                    held = check.holds(a, m, row.param)
                else:
                    held = m.holds(row, j, a)
            except ARITH:
                held = False
            if xp is not None and not isinstance(held, bool):
                fail(i, check.error, check.message, xp.logical_not(held))
            else:
                fail(i, check.error, check.message, not held)
        try:
            y = row.fwd(a, m, row.param) if plan.fwd is not None else m.call(row, a)
        except OverflowError:
            y = math.inf
        except ARITH as exc:
            if xp is None:
                _raise(nodes, i, type(exc), str(exc), a, None)
            y = math.nan
        if xp is None:
            if y - y != 0.0:
                if y != y:
                    fail(i, ValueError, "the result is NaN", True)
                fail(i, OverflowError, "the result overflows a float", True)
        else:
            if isinstance(y, float):
                nan, inf = math.isnan(y), math.isinf(y)
            else:
                nan, inf = xp.isnan(y), xp.isinf(y)
            fail(i, ValueError, "the result is NaN", nan)
            fail(i, OverflowError, "the result overflows a float", inf)
        vals[id(n)] = y
    if xp is None or not events:
        return
    flat_first = xp.reshape(first, (-1,))
    flat = first_true(xp, flat_first >= 0)
    i, kind, message, shared = events[int(flat_first[flat])]
    a = [vals[id(p)] for p in nodes[i].parents]
    a = [
        float(x)
        if isinstance(x, float)
        else float(xp.reshape(xp.broadcast_to(x, shape), (-1,))[flat])
        for x in a
    ]
    _raise(nodes, i, kind, message, a, None if shared else index_text(flat, shape))


def _raise(
    nodes: Sequence[Value],
    i: int,
    kind: type[Exception],
    message: str,
    a: Sequence[Any],
    index: str | None,
) -> NoReturn:
    node = nodes[i]
    assert node.op is not None
    parts = []
    for s, (p, x) in enumerate(zip(node.parents, a, strict=True)):
        name = repr(p.label) if p.label else f"input {s}"
        parts.append(f"{name} = {float(x)!r}")
    where = f" at index {index}" if index is not None else ""
    raise kind(
        f"{node.op.name} at {_who(nodes, i)} (compiled program): {message} "
        f"({'; '.join(parts)}){where}"
    ) from None
