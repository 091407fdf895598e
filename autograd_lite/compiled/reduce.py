"""Reducing a batched program's results over the batch, and finishing them.

On arrays, each element is one example. The generated backward code calls
two reducers on the way: ``R(g, d)`` on an edge from a per-example node into
one shared by the whole batch (a parameter, a constant, a float input) and
``T(g)`` on a shared root. With ``reduce="sum"`` or ``"mean"`` they sum over
the batch at once, so shared nodes hold float gradients; with ``reduce=None``
they are :func:`same` and :func:`keep` and every gradient stays per example.
Finishing then gives every result its final form: per-example arrays of the
batch shape, or the sums (means) over the batch, gradients of array inputs
summed back to their shape; and refuses a result that is not finite.

NumPy has its own reducers (its fast path); any other array-API library is
reduced with functions of the standard only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from autograd_lite.compiled.arrays import device, first_true, shape_of
from autograd_lite.compiled.inputs import leaf_name, nonfinite_kind
from autograd_lite.core.value import Value

__all__ = [
    "Reduce",
    "check_grads",
    "check_total",
    "finish",
    "finish_xp",
    "keep",
    "reducers",
    "same",
    "sum_to",
    "xp_reducers",
]

Reduce = Literal["sum", "mean"] | None


def reducers(shape: tuple[int, ...], n: int) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Return (R, T) that sum over a batch of ``n`` NumPy examples of the given shape.

    Inside a batched program a per-example gradient is an array, or a float
    when it is the same for every example (the seed is 1.0); R(g, d) sums g·d
    over the batch, T(g) sums g.
    """
    import numpy as np

    ndarray = np.ndarray
    vdot = np.vdot

    def R(g: Any, d: Any) -> float:
        if type(g) is ndarray:
            if type(d) is ndarray and d.shape == g.shape and g.size == n:
                return float(vdot(g, d))
            g = g * d
        elif type(d) is ndarray:
            g = d * g
        else:
            return float(g * d) * n
        if g.size == n:
            return float(g.sum())
        return float(np.broadcast_to(g, shape).sum())

    def T(g: Any) -> float:
        if type(g) is ndarray:
            return float(np.broadcast_to(g, shape).sum())
        return float(g) * n

    return R, T


def xp_reducers(
    xp: Any, shape: tuple[int, ...], n: int, deferred: bool
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Return the (R, T) of :func:`reducers` for any array-API namespace ``xp``.

    Eager: the sums become floats. Deferred (under ``jit``): 0-d arrays.
    """

    def total(g: Any) -> Any:
        s = xp.sum(g) if tuple(g.shape) == shape else xp.sum(xp.broadcast_to(g, shape))
        return s if deferred else float(s)

    def R(g: Any, d: Any) -> Any:
        if isinstance(g, float | int) and isinstance(d, float | int):
            return float(g * d) * n
        return total(g * d)

    def T(g: Any) -> Any:
        if isinstance(g, float | int):
            return float(g) * n
        return total(g)

    return R, T


def same(g: Any, d: Any) -> Any:
    """Return ``g * d``: the R of an unreduced run (gradients stay per example)."""
    return g * d


def keep(g: Any) -> Any:
    """Return ``g``: the T of an unreduced run."""
    return g


def _np_sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def sum_to(xp: Any, g: Any, shape: tuple[int, ...]) -> Any:
    """Return a gradient of the batch shape summed back down to an input's ``shape``."""
    lead = g.ndim - len(shape)
    if lead:
        g = xp.sum(g, axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    return g


def finish(
    value: Any,
    grads: Sequence[Any],
    xs: Sequence[Any],
    shape: tuple[int, ...],
    n: int,
    reduce: Reduce,
    input_grads: bool,
) -> tuple[Any, list[Any]]:
    """Return a NumPy run's ``(value, grads)`` in their final form.

    Args:
        value: The root's value as the code returned it.
        grads: Its gradients, ordered as the inputs then the parameters.
        xs: The prepared inputs (their shapes are the shapes of their gradients).
        shape: The batch shape.
        n: The number of examples.
        reduce: ``"sum"``, ``"mean"`` or ``None``.
        input_grads: Whether the inputs' gradients were asked for.
    """
    import numpy as np

    k = len(xs)
    out: list[Any] = []
    if reduce is None:
        for j, g in enumerate(grads):
            if j < k and not input_grads:
                out.append(None)
                continue
            out.append(np.zeros(shape) if g is None else np.broadcast_to(g, shape).copy())
        return np.broadcast_to(value, shape).copy(), out
    wrt_shapes = [np.shape(x) for x in xs] + [() for _ in grads[k:]]
    scale = 1.0 / n if reduce == "mean" else 1.0
    for j, (g, s) in enumerate(zip(grads, wrt_shapes, strict=True)):
        if j < k and not input_grads:
            out.append(None)
        elif g is None:
            out.append(np.zeros(s) if s else 0.0)
        elif s:
            out.append(_np_sum_to(np.broadcast_to(g, shape), s) * scale)
        elif type(g) is float:
            out.append(g * scale)  # already summed over the batch
        else:
            out.append(float(np.sum(np.broadcast_to(g, shape))) * scale)
    total = float(np.sum(np.broadcast_to(value, shape)))
    return total * scale, out


def finish_xp(
    xp: Any,
    value: Any,
    grads: Sequence[Any],
    xs: Sequence[Any],
    shape: tuple[int, ...],
    n: int,
    reduce: Reduce,
    input_grads: bool,
) -> tuple[Any, list[Any]]:
    """:func:`finish` for any array-API namespace ``xp``."""
    k = len(xs)
    like = next(x for x in xs if not isinstance(x, float))
    dev = device(like)

    def full(g: Any, s: tuple[int, ...]) -> Any:
        if isinstance(g, float | int):
            return xp.full(s, float(g), dtype=xp.float64, device=dev)
        return xp.broadcast_to(g, s) * 1.0  # a new array, not a view

    out: list[Any] = []
    if reduce is None:
        for j, g in enumerate(grads):
            if j < k and not input_grads:
                out.append(None)
                continue
            out.append(full(0.0 if g is None else g, shape))
        return full(value, shape), out
    wrt_shapes = [shape_of(x) for x in xs] + [() for _ in grads[k:]]
    scale = 1.0 / n if reduce == "mean" else 1.0
    for j, (g, s) in enumerate(zip(grads, wrt_shapes, strict=True)):
        if j < k and not input_grads:
            out.append(None)
        elif g is None:
            out.append(xp.zeros(s, dtype=xp.float64, device=dev) if s else 0.0)
        elif s:
            out.append(sum_to(xp, full(g, shape), s) * scale)
        elif isinstance(g, float | int):
            out.append(float(g) * scale)  # already summed over the batch
        else:
            out.append(float(xp.sum(xp.broadcast_to(g, shape))) * scale)
    if isinstance(value, float | int):
        total = float(value) * n
    else:
        total = float(xp.sum(xp.broadcast_to(value, shape)))
    return total * scale, out


def check_grads(
    grads: Sequence[Any], inputs: Sequence[Value], params: Sequence[Value], xp: Any = None
) -> None:
    """Refuse an infinite or NaN gradient, naming the input or parameter.

    Args:
        grads: The gradients, ordered as ``inputs + params`` (None: not computed).
        inputs: The program's inputs.
        params: The program's parameters.
        xp: The array namespace of array gradients other than NumPy's.

    Raises:
        ValueError: If a gradient has a NaN, OverflowError if one is infinite.
    """
    wrt = [*inputs, *params]
    for j, g in enumerate(grads):
        if g is None:
            continue
        if isinstance(g, float):
            if g - g == 0.0:
                continue
            x = float(g)
        elif xp is not None:
            ok = xp.isfinite(g)
            if bool(xp.all(ok)):
                continue
            flat = first_true(xp, xp.logical_not(xp.reshape(ok, (-1,))))
            x = float(xp.reshape(g, (-1,))[flat])
        else:
            import numpy as np

            bad = np.flatnonzero(~np.isfinite(g))
            if not bad.size:
                continue
            x = float(np.asarray(g).flat[bad[0]])
        kind_of = "input" if j < len(inputs) else "parameter"
        jj = j if j < len(inputs) else j - len(inputs)
        who = leaf_name(kind_of, jj, wrt[j])
        kind, why = nonfinite_kind(x)
        raise kind(f"compiled program (backward): the gradient of {who} {why} ({x!r})")


def check_total(total: Any, reduce: Reduce) -> None:
    """Refuse a sum (or mean) over the batch that is not finite.

    Raises:
        ValueError: If it is NaN, OverflowError if it is infinite.
    """
    if reduce is not None and total - total != 0.0:
        kind, _ = nonfinite_kind(total)
        raise kind(f"compiled program: the {reduce} over the batch is not finite ({total!r})")
