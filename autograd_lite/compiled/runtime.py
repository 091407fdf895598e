"""What a compiled program calls at run time: the math namespaces and the test helpers.

A program's code is the op table's rules printed on symbols, so it only ever
calls the *primitives* of a math namespace (``m.exp``, ``m.sigmoid``,
``m.add``...), never a per-op forward. Two namespaces are provided:

* :class:`FloatMath` for one example of plain floats: the primitives are the
  op table's own float functions, so a program gives the eager engine's
  numbers to the last bit.
* :class:`NumpyMath` for NumPy arrays (one element per example). Programs run
  it with NumPy's floating-point errors ignored: overflow and invalid results
  become ``inf`` and ``nan``, which the code tests for where they can appear.

Besides the primitives, each namespace has the helpers the generated tests
call: ``ok(condition)`` (a domain check holds for every example) and
``finite(value)`` (no example overflowed or became NaN), plus ``call``,
``holds`` and ``local`` for rows a user made whose rules cannot be printed.
NumPy is imported only when an array namespace is used.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite.core.primitives import FLOAT_MATH, PRIMITIVES, Primitive
from autograd_lite.core.value import Op

__all__ = [
    "FLOAT",
    "NUMPY",
    "ArrayMath",
    "BackwardFailure",
    "FloatMath",
    "NumpyMath",
    "Recheck",
    "any_dask",
    "is_dask",
    "jax_x64_enabled",
    "require_jax_x64",
    "shape_mismatch",
]


class Recheck(Exception):
    """Raised by generated code when a test fails: the program re-runs step by step."""


class BackwardFailure(Exception):
    """Raised by generated code when a backward line raises; carries the node index."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


# ----------------------------------------------------------------- floats
class FloatMath:
    """Runtime namespace of a program run on plain floats (one example).

    The primitives are the float functions of
    :data:`~autograd_lite.core.primitives.PRIMITIVES`, the ones the eager
    engine computes with, so a program gives its numbers to the last bit.
    """

    def __init__(self) -> None:
        for p in PRIMITIVES.values():
            setattr(self, p.name, p.real)

    @staticmethod
    def ok(condition: Any) -> bool:
        """Return whether a domain check holds."""
        return bool(condition)

    @staticmethod
    def finite(x: float) -> bool:
        """Return whether ``x`` is neither infinite nor NaN."""
        return x - x == 0.0  # inf - inf and nan - nan are nan

    @staticmethod
    def call(row: Op, xs: Sequence[float]) -> float:
        """Run a row's forward (a row whose rule cannot be printed as code)."""
        return float(row.fwd(xs, FLOAT_MATH, row.param))

    @staticmethod
    def holds(row: Op, j: int, xs: Sequence[float]) -> bool:
        """Run a row's check ``j``."""
        return bool(row.checks[j].holds(xs, FLOAT_MATH, row.param))

    @staticmethod
    def local(row: Op, j: int, xs: Sequence[float], out: float) -> float:
        """Return a row's local derivative with respect to input ``j``."""
        return float(row.local(xs, out, FLOAT_MATH, row.param)[j])

    def __getattr__(self, name: str) -> Any:  # for mypy: the primitives are set in __init__
        raise AttributeError(name)


# ------------------------------------------------- any array-API library
def _is_scalar(x: Any) -> bool:
    # Values shared by the whole batch are plain Python numbers (``float``,
    # or the ``bool`` of a condition on them); everything else is an array.
    return isinstance(x, float | int)


def _on_arrays(p: Primitive, xp: Any, scalar: Callable[[Any], bool]) -> Callable[..., Any]:
    """The primitive ``p`` over ``xp``'s arrays (a value shared by the batch: its float one)."""
    real, array = p.real, p.array
    if p.name == "add":  # one function for both: floats and arrays add left to right alike
        return lambda xs: array(xp, xs)

    def call(*args: Any) -> Any:
        for a in args:
            if not scalar(a):
                return array(xp, *args)
        try:
            return real(*args)
        except OverflowError:
            return math.inf

    call.__name__ = p.name
    return call


class ArrayMath:
    """Runtime namespace over any array library that follows the array API standard.

    ``xp`` is the library's standard namespace (from
    ``array_api_compat.array_namespace``): array-api-strict, JAX, CuPy, the
    compat wrappers of NumPy... Every primitive is the array function of its
    row of :data:`~autograd_lite.core.primitives.PRIMITIVES`, which calls only
    functions of the standard. A value shared by the batch (a Python float)
    goes through the float functions, so it is exactly the eager engine's number.

    With ``deferred=True`` (programs traced by ``jax.jit``) the tests do not
    look at the data: ``ok`` and ``finite`` record the condition as a 0-d
    boolean array in :attr:`flags` and let the code go on; the caller checks
    the flags after the run and re-runs the program eagerly to locate a failure.

    Attributes:
        xp: The array namespace.
        deferred: Whether tests are recorded rather than decided.
        flags: The recorded tests (deferred mode only).
    """

    def __init__(self, xp: Any, *, deferred: bool = False) -> None:
        self._xp = xp
        self.deferred = deferred
        self.flags: list[Any] = []
        self._bind(xp, _is_scalar)

    def _bind(self, xp: Any, scalar: Callable[[Any], bool]) -> None:
        for p in PRIMITIVES.values():
            setattr(self, p.name, _on_arrays(p, xp, scalar))

    @property
    def xp(self) -> Any:
        """The array namespace."""
        return self._xp

    def __getattr__(self, name: str) -> Any:  # for mypy: the primitives are set in __init__
        raise AttributeError(name)

    @staticmethod
    def _scalar(x: Any) -> bool:
        return _is_scalar(x)

    def _is_array(self, x: Any) -> bool:
        return not self._scalar(x)

    # -------------------------------------------------------- helpers
    def ok(self, condition: Any) -> bool:
        """Return whether a domain check holds for every example."""
        if isinstance(condition, bool):
            return condition
        flag = self.xp.all(condition)
        if self.deferred:
            self.flags.append(flag)
            return True
        return bool(flag)

    def finite(self, x: Any) -> bool:
        """Return whether no example of ``x`` is infinite or NaN."""
        if self._scalar(x):
            return bool(x - x == 0.0)
        flag = self.xp.all(self.xp.isfinite(x))
        if self.deferred:
            self.flags.append(flag)
            return True
        return bool(flag)

    def _examples(self, xs: Sequence[Any]) -> tuple[tuple[int, ...], list[list[float]]]:
        """Broadcast ``xs`` and return their shape and, per argument, its floats in order."""
        if self.deferred:
            raise TypeError(
                "compiled program: a row whose rules cannot be printed as code runs example "
                "by example and cannot be traced by jit; run the program without jit"
            )
        xp = self.xp
        arrays = [x for x in xs if not self._scalar(x)]
        shape = tuple(xp.broadcast_arrays(*arrays)[0].shape)
        n = math.prod(shape)
        columns: list[list[float]] = []
        for x in xs:
            if self._scalar(x):
                columns.append([float(x)] * n)
            else:
                flat = xp.reshape(xp.broadcast_to(x, shape), (-1,))
                columns.append([float(flat[i]) for i in range(n)])
        return shape, columns

    def _array(self, values: list[Any], shape: tuple[int, ...], dtype: Any) -> Any:
        xp = self.xp
        out = xp.asarray(values, dtype=dtype)
        return xp.reshape(out, shape) if shape else out

    def _each(self, fn: Any, xs: Sequence[Any]) -> Any:
        shape, columns = self._examples(xs)
        out: list[float] = []
        for e in zip(*columns, strict=True):
            try:
                out.append(float(fn(list(e))))
            except OverflowError:
                out.append(math.inf)
            except (ArithmeticError, ValueError):
                out.append(math.nan)
        return self._array(out, shape, self.xp.float64)

    def call(self, row: Op, xs: Sequence[Any]) -> Any:
        """Run a row's forward example by example (a row that cannot be printed)."""
        if all(self._scalar(x) for x in xs):
            return FLOAT.call(row, xs)
        return self._each(lambda e: row.fwd(e, FLOAT_MATH, row.param), xs)

    def holds(self, row: Op, j: int, xs: Sequence[Any]) -> Any:
        """Run a row's check ``j`` example by example."""
        if all(self._scalar(x) for x in xs):
            return FLOAT.holds(row, j, xs)
        check = row.checks[j]
        shape, columns = self._examples(xs)
        out = [
            bool(check.holds(list(e), FLOAT_MATH, row.param)) for e in zip(*columns, strict=True)
        ]
        return self._array(out, shape, self.xp.bool)

    def local(self, row: Op, j: int, xs: Sequence[Any], out: Any) -> Any:
        """Return a row's local derivative for input ``j``, example by example."""
        if all(self._scalar(x) for x in (*xs, out)):
            return FLOAT.local(row, j, xs, out)
        return self._each(lambda e: row.local(e[:-1], e[-1], FLOAT_MATH, row.param)[j], (*xs, out))


# ----------------------------------------------------------------- NumPy
def _np() -> Any:
    import numpy

    return numpy


class NumpyMath(ArrayMath):
    """Runtime namespace of a program run on NumPy arrays (one element per example).

    The array-API namespace over NumPy itself (NumPy 2 follows the standard),
    with overrides where the batch arrays are the expensive part: in place
    (``sigmoid``, ``softplus``, ``add``) or without the array of zeros the
    standard's ``where`` needs (``relu``, ``step``). A value shared by the whole batch
    stays a float and goes through the float functions.
    """

    def __init__(self) -> None:
        # NumPy is imported on first use: the primitives are bound then (see __getattr__).
        self._xp = None
        self._bound = False
        self.deferred = False
        self.flags = []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or self._bound:
            raise AttributeError(name)
        self._bound = True
        np = self.xp
        ndarray = np.ndarray
        self._bind(np, lambda x: type(x) is not ndarray)
        self.sigmoid = self._sigmoid
        self.softplus = self._softplus
        self.add = self._add
        self.relu = self._relu
        self.step = self._step
        return getattr(self, name)

    @property
    def xp(self) -> Any:
        """NumPy, imported on first use."""
        if self._xp is None:
            self._xp = _np()
        return self._xp

    def _scalar(self, x: Any) -> bool:  # type: ignore[override]
        return type(x) is not self.xp.ndarray

    def _sigmoid(self, x: Any) -> Any:
        np = self.xp
        if type(x) is not np.ndarray:
            return FLOAT_MATH.sigmoid(x)
        e = np.abs(x)
        np.negative(e, out=e)
        np.exp(e, out=e)
        r = e + 1.0
        np.reciprocal(r, out=r)
        e *= r
        np.copyto(e, r, where=np.greater_equal(x, 0.0))
        return e

    def _relu(self, x: Any) -> Any:
        np = self.xp
        if type(x) is not np.ndarray:
            return FLOAT_MATH.relu(x)
        return np.where(np.greater(x, 0.0), x, 0.0)

    def _step(self, x: Any) -> Any:
        np = self.xp
        if type(x) is not np.ndarray:
            return FLOAT_MATH.step(x)
        return np.greater(x, 0.0).astype(np.float64)

    def _softplus(self, x: Any) -> Any:
        np = self.xp
        if type(x) is not np.ndarray:
            return FLOAT_MATH.softplus(x)
        t = np.abs(x)
        np.negative(t, out=t)
        np.exp(t, out=t)
        np.log1p(t, out=t)
        t += np.maximum(x, 0.0)
        return t

    def _add(self, xs: Sequence[Any]) -> Any:
        np = self.xp
        if len(xs) == 1:
            return -0.0 + xs[0]
        total = xs[0] + xs[1]  # -0.0 + a + b is a + b: the same bits as the float sum
        for x in xs[2:]:
            # ``total`` is a new array: add into it where the shapes allow.
            if type(total) is np.ndarray and (type(x) is not np.ndarray or x.shape == total.shape):
                total += x
            else:
                total = total + x
        return total

    def ok(self, condition: Any) -> bool:
        """Return whether a domain check holds for every example."""
        if type(condition) is self.xp.ndarray:
            return bool(condition.all())
        return bool(condition)

    def finite(self, x: Any) -> bool:
        """Return whether no example of ``x`` is infinite or NaN."""
        if type(x) is self.xp.ndarray:
            return bool(self.xp.isfinite(x).all())
        return bool(x - x == 0.0)


#: The namespace instances programs run with.
FLOAT = FloatMath()
NUMPY = NumpyMath()


def is_dask(a: Any) -> bool:
    """Return whether ``a`` is a dask array (without importing dask)."""
    mod = sys.modules.get("dask.array")
    return mod is not None and isinstance(a, mod.Array)


def any_dask(args: Sequence[Any]) -> bool:
    """Return whether any of ``args`` is a dask array (without importing dask)."""
    mod = sys.modules.get("dask.array")
    return mod is not None and any(isinstance(a, mod.Array) for a in args)


def shape_mismatch(
    who_j: str, shape_j: tuple[int, ...], who_i: str, shape_i: tuple[int, ...]
) -> ValueError:
    """The error for two inputs whose shapes do not broadcast together."""
    if len(shape_j) == 1 and len(shape_i) == 1:
        return ValueError(
            f"compiled program: {who_j} has {shape_j[0]} examples but {who_i} has "
            f"{shape_i[0]} (every array input needs the same number of examples)"
        )
    return ValueError(
        f"compiled program: {who_j} has shape {shape_j} but {who_i} has shape {shape_i}; "
        f"they do not broadcast together"
    )


def jax_x64_enabled() -> bool:
    """Return whether JAX computes in float64 (``jax_enable_x64``); False when JAX is absent."""
    import sys

    jax = sys.modules.get("jax")
    if jax is None:
        return False
    return bool(jax.config.read("jax_enable_x64"))


def require_jax_x64() -> None:
    """Raise unless JAX has float64 enabled: programs never compute in float32."""
    if not jax_x64_enabled():
        raise RuntimeError(
            "compiled program: JAX is computing in float32 (jax_enable_x64 is off), but "
            "programs compute in float64 like the eager engine. Enable it before creating "
            "any array: jax.config.update('jax_enable_x64', True), or set the environment "
            "variable JAX_ENABLE_X64=1"
        )
