"""Reverse-mode differentiation over a recorded graph: the chain rule, once.

``root.backward()`` visits the nodes from the root down (each before its
inputs, :func:`~autograd_lite.core.graph.reverse_topological`), and at each
node sends ``upstream gradient × local derivative`` to every input, where the
contributions add up::

    grad(input) = Σ over the uses of input:  grad(node) × d(node)/d(input)

The local derivatives come from the node's row of the op table, run with a
math namespace: floats for numbers, Values (``create_graph=True``) for
gradients that can be differentiated again.

**All or nothing.** The contributions are gathered first and written into the
nodes only once the pass has completed: if it raises for any reason (a
non-finite gradient, a rule's error, ``KeyboardInterrupt``), every ``grad``
and ``grad_node`` is exactly as it was before the call.

**Finite.** Every gradient is finite, as every forward value is: an edge whose
contribution is ±inf or NaN raises ``OverflowError`` (inf) or ``ValueError``
(NaN), naming the node, the input and both factors; so does a gradient whose
contributions add up past the float range. An edge whose local derivative is
exactly 0 contributes exactly 0 (as ReLU's does in PyTorch), whatever the
upstream gradient.

This module reads nodes only through their public fields, so it imports no
node type. The same pass as a stream of step records, for explanations and
the stepper, is :func:`autograd_lite.steps.backward_steps`.
"""

from __future__ import annotations

from typing import Any

from autograd_lite.base import mode
from autograd_lite.core.checks import (
    check_finite,
    edge_text,
    inputs_text,
    node_name,
)
from autograd_lite.core.graph import reverse_topological
from autograd_lite.core.primitives import FLOAT_MATH

__all__ = ["backward", "gather", "local_derivatives"]

_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


# ------------------------------------------------------- the chain rule
def local_derivatives(node: Any, m: Any = FLOAT_MATH) -> tuple[Any, ...]:
    """Return d(node)/d(input) for each input of ``node`` (floats; nodes with a Value namespace).

    Raises:
        ValueError, ZeroDivisionError, OverflowError: Where a local derivative
            is undefined or infinite; the message names the op, the node and
            its inputs.
    """
    op = node.op
    if op is None or not node.parents:
        return ()
    ps = node.parents
    try:
        if m is FLOAT_MATH:
            return op.local([p.data for p in ps], node.data, m)  # type: ignore[no-any-return]
        return op.local(ps, node, m)  # type: ignore[no-any-return]
    except _ERRORS as exc:
        if type(exc) not in _ERRORS:  # e.g. AnomalyError: keep its own fields
            raise
        # Python's float ** reports overflow as an errno tuple; say it in words.
        why = "a local derivative overflows a float" if isinstance(exc, OverflowError) else exc
        raise type(exc)(
            f"{op.name} backward at {node_name(node)}: {why} ({inputs_text(node)})"
        ) from None


def _exact_zero(d: Any) -> bool:
    return type(d) is float and d == 0.0


def _data(x: Any) -> float:
    return x if type(x) is float else x.data


def gather(root: Any, seed: Any = 1.0, m: Any = FLOAT_MATH, wrt: Any = None) -> dict[Any, Any]:
    """Return d(root)/d(node) for every node reached, without touching any node.

    With a Value namespace ``m`` (and a Value ``seed``) every gradient is a
    node. ``wrt``, if given, limits the work to the nodes from which one of
    them can be reached.
    """
    graph = m is not FLOAT_MATH
    hook = mode.hook()
    order = reverse_topological(root)
    needed: set[Any] | None = None
    if wrt is not None:  # only nodes from which some target is reachable need a gradient
        targets, needed = set(wrt), set()
        for n in reversed(order):
            if n in targets or any(p in needed for p in n.parents):
                needed.add(n)
    grads: dict[Any, Any] = {root: seed}
    parts: dict[Any, list[Any]] = {}
    for node in order:
        if graph and node in parts:
            got = parts.pop(node)
            grads[node] = got[0] if len(got) == 1 else m.add(got)
        g = grads.get(node)
        if g is None or node.op is None:
            continue
        if needed is not None and not any(p in needed for p in node.parents):
            continue
        for i, (p, d) in enumerate(zip(node.parents, local_derivatives(node, m), strict=True)):
            if needed is not None and p not in needed:
                continue
            if _exact_zero(d):
                if hook is not None:
                    hook.on_backward(node, i, 0.0)
                if not graph:
                    grads[p] = grads.get(p, 0.0) + 0.0
                continue
            try:
                c = g * d
            except (OverflowError, ValueError) as exc:  # raised by a Value product
                if hook is not None:
                    hook.on_backward(node, i, float("inf" if type(exc) is OverflowError else "nan"))
                raise type(exc)(
                    f"backward: the gradient sent by {edge_text(node, i)} is not finite "
                    f"(upstream {_data(g)!r} × local derivative {_data(d)!r}): {exc}"
                ) from None
            if hook is not None:
                hook.on_backward(node, i, _data(c))
            if graph:
                parts.setdefault(p, []).append(c)
                continue
            t = grads.get(p, 0.0) + c
            check_finite(
                "backward", "gradient", edge_text(node, i),
                f"upstream {g!r} × local derivative {d!r}", p, c, t,
            )  # fmt: skip
            grads[p] = t
    return grads


def backward(root: Any, seed: Any = 1.0, m: Any = FLOAT_MATH) -> None:
    """Propagate gradients from ``root`` into every node's ``grad``, all or nothing.

    Leaves (``op is None``) accumulate across calls; every other node,
    constants included, holds the gradient of this call. With a Value
    namespace ``m`` (and a Value ``seed``) each gradient is also a node,
    stored in ``grad_node``.
    """
    graph = m is not FLOAT_MATH
    # 1. Gather: the chain rule, node by node, into a dict (no node is touched).
    grads = gather(root, seed, m)
    order = reverse_topological(root)
    # 2. Check, then commit: leaves add this call's gradient, the others take it.
    new = []
    for node in order:
        g = grads.get(node)
        number = 0.0 if g is None else _data(g)
        if node.op is None:
            total = node.grad + number
            if total - total != 0.0:
                raise OverflowError(
                    f"backward: the gradient of the leaf {node_name(node)} overflows a float: "
                    f"{node.grad!r} from earlier calls plus {number!r} from this one"
                )
            had = node.grad_node
            if not graph:
                keep = None
            elif had is None and node.grad != 0.0:
                keep = None  # a plain backward's number: no node describes it
            else:
                keep = g if had is None else (had if g is None else had + g)
            new.append((node, total, keep))
        else:
            new.append((node, number, g if graph else None))
    if graph:
        mode.note_grad_nodes()
    for node, number, grad_node in new:
        node.grad = number
        node.grad_node = grad_node
