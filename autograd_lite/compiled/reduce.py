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

import contextlib
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

from autograd_lite.compiled.arrays import broadcast, device, first_true, shape_of
from autograd_lite.compiled.inputs import leaf_name, nonfinite_kind
from autograd_lite.compiled.runtime import NUMPY
from autograd_lite.core.value import Value

__all__ = [
    "ArrayBatch",
    "Batch",
    "DeferredBatch",
    "NumpyBatch",
    "Reduce",
    "batch_for",
    "batched",
    "check_grads",
    "check_reduce",
    "check_total",
    "keep",
    "same",
]

Reduce = Literal["sum", "mean"] | None


def check_reduce(reduce: object) -> None:
    """Refuse a ``reduce=`` that is not ``"sum"``, ``"mean"`` or ``None``.

    Raises:
        ValueError: Naming the value given.
    """
    if reduce not in ("sum", "mean", None):
        raise ValueError(f"reduce must be 'sum', 'mean' or None, got {reduce!r}")


def _numpy_reducers(
    shape: tuple[int, ...], n: int
) -> tuple[Callable[..., Any], Callable[..., Any]]:
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


def _array_reducers(
    xp: Any, shape: tuple[int, ...], n: int, deferred: bool
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Return the (R, T) of :func:`_numpy_reducers` for any array-API namespace ``xp``.

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


def _sum_down(xp: Any, g: Any, shape: tuple[int, ...]) -> Any:
    """Return a gradient of the batch shape summed back down to an input's ``shape``."""
    lead = g.ndim - len(shape)
    if lead:
        g = xp.sum(g, axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    return g


class Batch:
    """How one kind of array seeds, reduces and finishes a batched run (see :func:`batched`).

    :func:`batched` holds what is the same for every kind: which results are
    per-example arrays, sums over the batch, zeros or ``None``. Each subclass
    says how they are made on its arrays.
    """

    # The hooks batched calls; shape is the batch shape, n its number of examples.
    def _quiet(self) -> contextlib.AbstractContextManager[Any]:
        # the context the run and the finishing happen in
        return contextlib.nullcontext()

    def _seed(self, shape: tuple[int, ...]) -> Any:
        # the root's gradient in an unreduced run: ones of the batch shape
        raise NotImplementedError

    def _reducers(self, shape: tuple[int, ...], n: int) -> tuple[Callable[..., Any], ...]:
        # the (R, T) that sum over the batch
        raise NotImplementedError

    def _full(self, g: Any, shape: tuple[int, ...]) -> Any:
        # a per-example result as a new array of the batch shape (None: zeros)
        raise NotImplementedError

    def _zeros(self, s: tuple[int, ...]) -> Any:
        # the reduced gradient, of shape s, of a leaf the root does not depend on
        raise NotImplementedError

    def _sum_to(self, g: Any, shape: tuple[int, ...], s: tuple[int, ...]) -> Any:
        # an array input's gradient summed over the batch down to its shape s
        raise NotImplementedError

    def _grad_sum(self, g: Any, j: int, k: int, shape: tuple[int, ...]) -> Any:
        # the sum over the batch of the gradient of leaf j (the k inputs come first)
        raise NotImplementedError

    def _total(self, value: Any, shape: tuple[int, ...], n: int) -> Any:
        # the sum over the batch of the root's value
        raise NotImplementedError


class NumpyBatch(Batch):
    """NumPy arrays (the fast path), run with NumPy's floating-point errors ignored."""

    def __init__(self) -> None:
        import numpy as np

        self._np = np

    def _quiet(self) -> contextlib.AbstractContextManager[Any]:
        return self._np.errstate(all="ignore")  # the code tests for inf and NaN itself

    def _seed(self, shape: tuple[int, ...]) -> Any:
        return self._np.ones(shape)  # per-example gradients must come out as full arrays

    def _reducers(self, shape: tuple[int, ...], n: int) -> tuple[Callable[..., Any], ...]:
        return _numpy_reducers(shape, n)

    def _full(self, g: Any, shape: tuple[int, ...]) -> Any:
        np = self._np
        return np.zeros(shape) if g is None else np.broadcast_to(g, shape).copy()

    def _zeros(self, s: tuple[int, ...]) -> Any:
        return self._np.zeros(s) if s else 0.0

    def _sum_to(self, g: Any, shape: tuple[int, ...], s: tuple[int, ...]) -> Any:
        np = self._np
        return _sum_down(np, np.broadcast_to(g, shape), s)

    def _grad_sum(self, g: Any, j: int, k: int, shape: tuple[int, ...]) -> Any:
        if type(g) is float:
            return g  # already summed over the batch
        np = self._np
        return float(np.sum(np.broadcast_to(g, shape)))

    def _total(self, value: Any, shape: tuple[int, ...], n: int) -> Any:
        np = self._np
        return float(np.sum(np.broadcast_to(value, shape)))


class ArrayBatch(Batch):
    """Arrays of any array-API namespace ``xp`` on ``device``: standard functions only."""

    def __init__(self, xp: Any, device: Any) -> None:
        self._xp = xp
        self._device = device

    def _seed(self, shape: tuple[int, ...]) -> Any:
        return self._xp.ones(shape, dtype=self._xp.float64, device=self._device)

    def _reducers(self, shape: tuple[int, ...], n: int) -> tuple[Callable[..., Any], ...]:
        return _array_reducers(self._xp, shape, n, False)

    def _full(self, g: Any, shape: tuple[int, ...]) -> Any:
        xp = self._xp
        if g is None:
            g = 0.0
        if isinstance(g, float | int):
            return xp.full(shape, float(g), dtype=xp.float64, device=self._device)
        return xp.broadcast_to(g, shape) * 1.0  # a new array, not a view

    def _zeros(self, s: tuple[int, ...]) -> Any:
        return self._xp.zeros(s, dtype=self._xp.float64, device=self._device) if s else 0.0

    def _sum_to(self, g: Any, shape: tuple[int, ...], s: tuple[int, ...]) -> Any:
        return _sum_down(self._xp, self._full(g, shape), s)

    def _grad_sum(self, g: Any, j: int, k: int, shape: tuple[int, ...]) -> Any:
        if isinstance(g, float | int):
            return float(g)  # already summed over the batch
        return float(self._xp.sum(self._xp.broadcast_to(g, shape)))

    def _total(self, value: Any, shape: tuple[int, ...], n: int) -> Any:
        if isinstance(value, float | int):
            return float(value) * n
        return float(self._xp.sum(self._xp.broadcast_to(value, shape)))


class DeferredBatch(Batch):
    """Arrays of ``xp`` traced by ``jax.jit``: every result stays an array, none is read."""

    def __init__(self, xp: Any) -> None:
        self._xp = xp

    def _seed(self, shape: tuple[int, ...]) -> Any:
        return self._xp.ones(shape, dtype=self._xp.float64)

    def _reducers(self, shape: tuple[int, ...], n: int) -> tuple[Callable[..., Any], ...]:
        return _array_reducers(self._xp, shape, n, True)

    def _full(self, g: Any, shape: tuple[int, ...]) -> Any:
        return self._xp.broadcast_to(0.0 if g is None else g, shape)

    def _zeros(self, s: tuple[int, ...]) -> Any:
        return self._xp.zeros(s, dtype=self._xp.float64)

    def _sum_to(self, g: Any, shape: tuple[int, ...], s: tuple[int, ...]) -> Any:
        return _sum_down(self._xp, self._xp.broadcast_to(g, shape), s)

    def _grad_sum(self, g: Any, j: int, k: int, shape: tuple[int, ...]) -> Any:
        if j >= k:
            return g  # a parameter's gradient is summed already
        return self._xp.sum(self._xp.broadcast_to(g, shape))

    def _total(self, value: Any, shape: tuple[int, ...], n: int) -> Any:
        return self._xp.sum(self._xp.broadcast_to(value, shape))


def batch_for(m: Any, xs: Sequence[Any]) -> Batch:
    """Return how a run with the runtime namespace ``m`` on the arrays ``xs`` is batched.

    NumPy's namespace gets its fast path; any other array-API namespace
    makes its arrays on the device of the first array among ``xs``.
    """
    if m is NUMPY:
        return NumpyBatch()
    like = next(x for x in xs if not isinstance(x, float))
    return ArrayBatch(m.xp, device(like))


def batched(
    run: Callable[..., tuple[Any, Sequence[Any]]],
    batch: Batch,
    xs: Sequence[Any],
    reduce: Reduce,
    input_grads: bool,
) -> tuple[Any, list[Any]]:
    """Run a batched ``value_and_grad`` and return its ``(value, grads)`` in their final form.

    With ``reduce=None``, the value and every gradient asked for are arrays of
    the batch shape. Otherwise they are summed (averaged) over the batch:
    floats for the value, the parameters and the scalar inputs, arrays of
    their own shape for the array inputs.

    Args:
        run: ``run(seed, R, T)`` runs the generated code and returns the
            root's value and its gradients, ordered as the inputs then the
            parameters (``None``: not computed).
        batch: How the arrays are made.
        xs: The prepared inputs (their shapes are the shapes of their gradients).
        reduce: ``"sum"``, ``"mean"`` or ``None``.
        input_grads: Whether the inputs' gradients were asked for (``None`` if not).
    """
    shapes = [shape_of(x) for x in xs]
    shape = broadcast(shapes)
    n = math.prod(shape)
    k = len(xs)
    out: list[Any] = []
    with batch._quiet():
        if reduce is None:
            value, grads = run(batch._seed(shape), same, keep)
            for j, g in enumerate(grads):
                out.append(None if j < k and not input_grads else batch._full(g, shape))
            return batch._full(value, shape), out
        R, T = batch._reducers(shape, n)
        value, grads = run(1.0, R, T)
        scale = 1.0 / n if reduce == "mean" else 1.0
        wrt_shapes = shapes + [() for _ in grads[k:]]
        for j, (g, s) in enumerate(zip(grads, wrt_shapes, strict=True)):
            if j < k and not input_grads:
                out.append(None)
            elif g is None:
                out.append(batch._zeros(s))
            elif s:
                out.append(batch._sum_to(g, shape, s) * scale)
            else:
                out.append(batch._grad_sum(g, j, k, shape) * scale)
        return batch._total(value, shape, n) * scale, out


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
