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
from collections.abc import Sequence
from typing import Any

from autograd_lite import ops

__all__ = [
    "FLOAT",
    "NUMPY",
    "ArrayMath",
    "BackwardFailure",
    "FloatMath",
    "NumpyMath",
    "Recheck",
    "jax_x64_enabled",
    "require_jax_x64",
]


class Recheck(Exception):
    """Raised by generated code when a test fails: the program re-runs step by step."""


class BackwardFailure(Exception):
    """Raised by generated code when a backward line raises; carries the node index."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


# ----------------------------------------------------------------- floats
class FloatMath(ops.FloatMath):
    """Runtime namespace of a program run on plain floats (one example).

    The primitives are inherited from :class:`autograd_lite.ops.FloatMath`,
    the namespace the eager engine computes with.
    """

    __slots__ = ()

    @staticmethod
    def ok(condition: Any) -> bool:
        """Return whether a domain check holds."""
        return bool(condition)

    @staticmethod
    def finite(x: float) -> bool:
        """Return whether ``x`` is neither infinite nor NaN."""
        return x - x == 0.0  # inf - inf and nan - nan are nan

    @staticmethod
    def call(row: ops.Op, xs: Sequence[float]) -> float:
        """Run a row's forward (a row whose rule cannot be printed as code)."""
        return float(row.fwd(xs, ops.FLOAT_MATH, row.param))

    @staticmethod
    def holds(row: ops.Op, j: int, xs: Sequence[float]) -> bool:
        """Run a row's check ``j``."""
        return bool(row.checks[j].holds(xs, ops.FLOAT_MATH, row.param))

    @staticmethod
    def local(row: ops.Op, j: int, xs: Sequence[float], out: float) -> float:
        """Return a row's local derivative with respect to input ``j``."""
        return float(row.local(xs, out, ops.FLOAT_MATH, row.param)[j])


# ----------------------------------------------------------------- arrays
def _np() -> Any:
    import numpy

    return numpy


def _elementwise(fn: Any, xs: Sequence[Any]) -> Any:
    """Apply a float function to each example of broadcast arrays (inf/nan on errors)."""
    np = _np()

    def one(*e: float) -> float:
        try:
            return float(fn([float(v) for v in e]))
        except OverflowError:
            return math.inf
        except (ArithmeticError, ValueError):
            return math.nan

    return np.vectorize(one, otypes=[float])(*xs)


class NumpyMath:
    """Runtime namespace of a program run on NumPy arrays (one element per example).

    A value shared by the whole batch (one that depends on parameters only)
    stays a float and goes through the float functions, so it is exactly the
    eager engine's number.
    """

    __slots__ = ()

    @staticmethod
    def exp(x: Any) -> Any:
        """Return e**x (``inf`` where it overflows)."""
        np = _np()
        if type(x) is not np.ndarray:
            try:
                return math.exp(x)
            except OverflowError:
                return math.inf
        return np.exp(x)

    @staticmethod
    def log(x: Any) -> Any:
        """Return log x (callers have checked x > 0)."""
        np = _np()
        return np.log(x) if type(x) is np.ndarray else ops.FLOAT_MATH.log(x)

    @staticmethod
    def sigmoid(x: Any) -> Any:
        """Return the stable logistic function (exp only ever sees −|x|)."""
        np = _np()
        if type(x) is not np.ndarray:
            return ops.FLOAT_MATH.sigmoid(x)
        # In place where possible: the batch arrays are the expensive part.
        e = np.abs(x)
        np.negative(e, out=e)
        np.exp(e, out=e)
        r = e + 1.0
        np.reciprocal(r, out=r)
        e *= r
        np.copyto(e, r, where=np.greater_equal(x, 0.0))
        return e

    @staticmethod
    def tanh(x: Any) -> Any:
        """Return tanh x."""
        np = _np()
        return np.tanh(x) if type(x) is np.ndarray else math.tanh(x)

    @staticmethod
    def step(x: Any) -> Any:
        """Return 1.0 where x > 0, else 0.0."""
        np = _np()
        if type(x) is not np.ndarray:
            return ops.FLOAT_MATH.step(x)
        return np.greater(x, 0.0).astype(float)

    @staticmethod
    def relu(x: Any) -> Any:
        """Return x where x > 0, else 0.0."""
        np = _np()
        if type(x) is not np.ndarray:
            return ops.FLOAT_MATH.relu(x)
        return np.where(np.greater(x, 0.0), x, 0.0)

    @staticmethod
    def softplus(x: Any) -> Any:
        """Return log(1 + e**x) without overflow."""
        np = _np()
        if type(x) is not np.ndarray:
            return ops.FLOAT_MATH.softplus(x)
        t = np.abs(x)
        np.negative(t, out=t)
        np.exp(t, out=t)
        np.log1p(t, out=t)
        t += np.maximum(x, 0.0)
        return t

    @staticmethod
    def add(xs: Sequence[Any]) -> Any:
        """Return the sum, added left to right (the bits of ``FLOAT_MATH.add`` per example)."""
        np = _np()
        if len(xs) == 1:
            return -0.0 + xs[0]
        total = xs[0] + xs[1]  # -0.0 + a + b is a + b: the same bits as FLOAT_MATH.add
        for x in xs[2:]:
            # ``total`` is a new array: add into it where the shapes allow.
            if type(total) is np.ndarray and (type(x) is not np.ndarray or x.shape == total.shape):
                total += x
            else:
                total = total + x
        return total

    @staticmethod
    def either(p: Any, q: Any) -> Any:
        """Return the logical or of two conditions."""
        np = _np()
        if type(p) is np.ndarray or type(q) is np.ndarray:
            return np.logical_or(p, q)
        return bool(p or q)

    @staticmethod
    def is_integer(x: Any) -> Any:
        """Return whether x is a whole number (elementwise)."""
        np = _np()
        if type(x) is not np.ndarray:
            return float(x).is_integer()
        return np.equal(np.trunc(x), x)

    # -------------------------------------------------------- helpers
    @staticmethod
    def ok(condition: Any) -> bool:
        """Return whether a domain check holds for every example."""
        np = _np()
        if type(condition) is np.ndarray:
            return bool(condition.all())
        return bool(condition)

    @staticmethod
    def finite(x: Any) -> bool:
        """Return whether no example of ``x`` is infinite or NaN."""
        np = _np()
        if type(x) is np.ndarray:
            return bool(np.isfinite(x).all())
        return bool(x - x == 0.0)

    @staticmethod
    def call(row: ops.Op, xs: Sequence[Any]) -> Any:
        """Run a row's forward example by example (a row that cannot be printed)."""
        if not any(type(x) is _np().ndarray for x in xs):
            return FLOAT.call(row, xs)
        return _elementwise(lambda e: row.fwd(e, ops.FLOAT_MATH, row.param), xs)

    @staticmethod
    def holds(row: ops.Op, j: int, xs: Sequence[Any]) -> Any:
        """Run a row's check ``j`` example by example."""
        np = _np()
        if not any(type(x) is np.ndarray for x in xs):
            return FLOAT.holds(row, j, xs)
        check = row.checks[j]
        fn = np.vectorize(
            lambda *e: bool(check.holds([float(v) for v in e], ops.FLOAT_MATH, row.param)),
            otypes=[bool],
        )
        return fn(*xs)

    @staticmethod
    def local(row: ops.Op, j: int, xs: Sequence[Any], out: Any) -> Any:
        """Return a row's local derivative for input ``j``, example by example."""
        np = _np()
        if not any(type(x) is np.ndarray for x in (*xs, out)):
            return FLOAT.local(row, j, xs, out)
        return _elementwise(
            lambda e: row.local(e[:-1], e[-1], ops.FLOAT_MATH, row.param)[j], (*xs, out)
        )


#: The namespace instances programs run with.
FLOAT = FloatMath()
NUMPY = NumpyMath()


# ------------------------------------------------- any array-API library
def _is_scalar(x: Any) -> bool:
    # Values shared by the whole batch are plain Python numbers (``float``,
    # or the ``bool`` of a condition on them); everything else is an array.
    return isinstance(x, float | int)


class ArrayMath:
    """Runtime namespace over any array library that follows the array API standard.

    ``xp`` is the library's standard namespace (from
    ``array_api_compat.array_namespace``): array-api-strict, JAX, CuPy, the
    compat wrappers of NumPy... Only functions of the standard are called
    (``exp``, ``log1p``, ``where``, ``isfinite``, ``all``...), no NumPy-only
    ones. A value shared by the batch (a Python float) goes through the float
    functions, as in :class:`NumpyMath`.

    With ``deferred=True`` (programs traced by ``jax.jit``) the tests do not
    look at the data: ``ok`` and ``finite`` record the condition as a 0-d
    boolean array in :attr:`flags` and let the code go on; the caller checks
    the flags after the run and re-runs the program eagerly to locate a failure.

    Attributes:
        xp: The array namespace.
        deferred: Whether tests are recorded rather than decided.
        flags: The recorded tests (deferred mode only).
    """

    __slots__ = ("deferred", "flags", "xp")

    def __init__(self, xp: Any, *, deferred: bool = False) -> None:
        self.xp = xp
        self.deferred = deferred
        self.flags: list[Any] = []

    def exp(self, x: Any) -> Any:
        """Return e**x (``inf`` where it overflows)."""
        if _is_scalar(x):
            try:
                return math.exp(x)
            except OverflowError:
                return math.inf
        return self.xp.exp(x)

    def log(self, x: Any) -> Any:
        """Return log x (callers have checked x > 0)."""
        return ops.FLOAT_MATH.log(x) if _is_scalar(x) else self.xp.log(x)

    def sigmoid(self, x: Any) -> Any:
        """Return the stable logistic function (exp only ever sees −|x|)."""
        if _is_scalar(x):
            return ops.FLOAT_MATH.sigmoid(x)
        xp = self.xp
        e = xp.exp(-xp.abs(x))
        r = 1.0 / (e + 1.0)
        return xp.where(x >= 0.0, r, e * r)

    def tanh(self, x: Any) -> Any:
        """Return tanh x."""
        return math.tanh(x) if _is_scalar(x) else self.xp.tanh(x)

    def step(self, x: Any) -> Any:
        """Return 1.0 where x > 0, else 0.0."""
        if _is_scalar(x):
            return ops.FLOAT_MATH.step(x)
        return self.xp.astype(x > 0.0, x.dtype)

    def relu(self, x: Any) -> Any:
        """Return x where x > 0, else 0.0."""
        if _is_scalar(x):
            return ops.FLOAT_MATH.relu(x)
        xp = self.xp
        return xp.where(x > 0.0, x, xp.zeros_like(x))

    def softplus(self, x: Any) -> Any:
        """Return log(1 + e**x) without overflow."""
        if _is_scalar(x):
            return ops.FLOAT_MATH.softplus(x)
        xp = self.xp
        return xp.log1p(xp.exp(-xp.abs(x))) + xp.where(x > 0.0, x, xp.zeros_like(x))

    @staticmethod
    def add(xs: Sequence[Any]) -> Any:
        """Return the sum, added left to right (the bits of ``FLOAT_MATH.add`` per example)."""
        if len(xs) == 1:
            return -0.0 + xs[0]
        total = xs[0] + xs[1]
        for x in xs[2:]:
            total = total + x
        return total

    def either(self, p: Any, q: Any) -> Any:
        """Return the logical or of two conditions."""
        if isinstance(p, bool):
            return True if p else q
        if isinstance(q, bool):
            return True if q else p
        return self.xp.logical_or(p, q)

    def is_integer(self, x: Any) -> Any:
        """Return whether x is a whole number (elementwise)."""
        if _is_scalar(x):
            return float(x).is_integer()
        return self.xp.trunc(x) == x

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
        if _is_scalar(x):
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
        arrays = [x for x in xs if not _is_scalar(x)]
        shape = tuple(xp.broadcast_arrays(*arrays)[0].shape)
        n = math.prod(shape)
        columns: list[list[float]] = []
        for x in xs:
            if _is_scalar(x):
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

    def call(self, row: ops.Op, xs: Sequence[Any]) -> Any:
        """Run a row's forward example by example (a row that cannot be printed)."""
        if all(_is_scalar(x) for x in xs):
            return FLOAT.call(row, xs)
        return self._each(lambda e: row.fwd(e, ops.FLOAT_MATH, row.param), xs)

    def holds(self, row: ops.Op, j: int, xs: Sequence[Any]) -> Any:
        """Run a row's check ``j`` example by example."""
        if all(_is_scalar(x) for x in xs):
            return FLOAT.holds(row, j, xs)
        check = row.checks[j]
        shape, columns = self._examples(xs)
        out = [
            bool(check.holds(list(e), ops.FLOAT_MATH, row.param))
            for e in zip(*columns, strict=True)
        ]
        return self._array(out, shape, self.xp.bool)

    def local(self, row: ops.Op, j: int, xs: Sequence[Any], out: Any) -> Any:
        """Return a row's local derivative for input ``j``, example by example."""
        if all(_is_scalar(x) for x in (*xs, out)):
            return FLOAT.local(row, j, xs, out)
        return self._each(
            lambda e: row.local(e[:-1], e[-1], ops.FLOAT_MATH, row.param)[j], (*xs, out)
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
