"""What a compiled program accepts: its arguments checked and made ready to run.

The eager engine refuses numbers that are not finite; a program does the
same for every input and parameter, naming the input (its position and
label), the offending value and, in an array, the first failing example.
:func:`prepare` turns the arguments into what the generated code reads
(floats, NumPy float64 arrays, or float64 arrays of another array-API
library) and picks the runtime namespace to run with.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NoReturn

from autograd_lite.compiled.arrays import (
    array_math,
    broadcast,
    first_true,
    index_text,
    is_numpy_like,
    namespace,
    shape_of,
)
from autograd_lite.compiled.runtime import FLOAT, NUMPY
from autograd_lite.core.value import Value

__all__ = [
    "check_count",
    "leaf_name",
    "nonfinite_kind",
    "param_values",
    "prepare",
    "refused",
    "who_input",
]


def leaf_name(kind: str, j: int, leaf: Value) -> str:
    """Return how messages name a program's leaf: ``"input 1 ('y')"``, ``"parameter 0"``.

    Args:
        kind: ``"input"`` or ``"parameter"``.
        j: Its position among the program's inputs, or among its parameters.
        leaf: The leaf, whose label is shown when it has one.
    """
    label = leaf.label
    return f"{kind} {j} ({label!r})" if label else f"{kind} {j}"


def who_input(inputs: Sequence[Value], j: int) -> str:
    """Return how messages name input ``j`` of a program with these ``inputs``."""
    return leaf_name("input", j, inputs[j])


def nonfinite_kind(x: float) -> tuple[type[Exception], str]:
    """Return the error type and the words for a number that is NaN or infinite."""
    if x != x:
        return ValueError, "is NaN"
    return OverflowError, "is infinite"


def refused(x: float) -> tuple[type[Exception], str]:
    """Return the error for an input or parameter that is not finite: ``ValueError``."""
    return ValueError, f"must be finite ({nonfinite_kind(x)[1]})"


def check_count(inputs: Sequence[Value], args: Sequence[Any]) -> None:
    """Refuse a call whose number of arguments is not the program's number of inputs.

    Raises:
        TypeError: Naming the inputs by label.
    """
    if len(args) != len(inputs):
        raise TypeError(
            f"program takes {len(inputs)} inputs "
            f"({', '.join(v.label or '?' for v in inputs)}), got {len(args)}"
        )


def prepare(
    inputs: Sequence[Value], args: Sequence[Any], scan: bool = True
) -> tuple[list[Any], Any]:
    """Return the arguments made ready and the namespace to run with (FLOAT, NUMPY or xp's).

    Numbers become floats, Values their ``data``, arrays float64 arrays of
    their library. With ``scan`` false, arrays of a non-NumPy library are not
    scanned for NaN or inf: the caller tests them itself (inside ``jax.jit``).

    Args:
        inputs: The program's inputs (their labels name them in errors).
        args: One argument per input.
        scan: Whether to test non-NumPy arrays for NaN and inf.

    Raises:
        TypeError: If an argument is not a real number or an array of them,
            or the arrays mix libraries.
        ValueError: If an argument is not finite or is an empty array, or
            the arrays' shapes do not broadcast together.
    """
    xp = namespace(args)
    out: list[Any] = []
    batched = False
    for j, a in enumerate(args):
        t = type(a)
        if t is float:
            if a - a != 0.0:  # inf or NaN, as the eager engine refuses them
                _bad_input(inputs, j, a, *refused(a))
            out.append(a)
        elif t is int:
            out.append(float(a))
        elif isinstance(a, Value):
            out.append(a.data)
        elif t is bool or isinstance(a, (str, bytes, complex)) or a is None:
            _bad_input(inputs, j, a, TypeError, "must be a real number or an array of them")
        else:
            out.append(_array(inputs, j, a) if xp is None else _array_xp(inputs, j, a, xp, scan))
            batched = batched or not isinstance(out[-1], float)
    if not batched:
        return out, FLOAT
    broadcast([shape_of(x) for x in out], lambda j: who_input(inputs, j))
    return out, NUMPY if xp is None else array_math(xp)


def _bad_input(
    inputs: Sequence[Value], j: int, a: Any, kind: type[Exception], why: str
) -> NoReturn:
    who = who_input(inputs, j)
    raise kind(f"compiled program: {who} {why}, got {type(a).__name__} {a!r:.60}")


def _array(inputs: Sequence[Value], j: int, a: Any) -> Any:
    import numpy as np

    if isinstance(a, float):  # a float subclass such as numpy.float64
        x = float(a)
        if x - x != 0.0:
            _bad_input(inputs, j, a, *refused(x))
        return x
    try:
        arr = np.asarray(a)
    except (TypeError, ValueError) as exc:  # e.g. a CuPy array, read without array-api-compat
        _bad_input(
            inputs, j, a, TypeError,
            f"cannot be read as a NumPy array ({exc}); for arrays of another library "
            f"(CuPy, JAX, ...) install array-api-compat: pip install 'autograd_lite[arrayapi]'",
        )  # fmt: skip
    if arr.dtype.kind not in "iuf":  # refuse complex, bool, strings and objects
        _bad_input(inputs, j, a, TypeError, "must be a real number or an array of them")
    arr = arr.astype(float, copy=False)
    if arr.ndim == 0:
        x = float(arr)
        if x - x != 0.0:
            _bad_input(inputs, j, a, *refused(x))
        return x
    if arr.size == 0:
        _bad_input(inputs, j, a, ValueError, "is an empty array (a batch needs an example)")
    # One cheap reduction first: the sum is inf or NaN whenever an entry
    # is (or when finite entries overflow); only then look for the entry.
    with np.errstate(all="ignore"):
        s = float(np.add.reduce(arr, axis=None))
    if s - s != 0.0:
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            x = float(arr.flat[bad[0]])
            kind, why = refused(x)
            _bad_input(inputs, j, a, kind, f"{why} at index {index_text(int(bad[0]), arr.shape)}")
    return arr


def _array_xp(inputs: Sequence[Value], j: int, a: Any, xp: Any, scan: bool = True) -> Any:
    """The generic :func:`_array`: only functions of the array API standard."""
    if isinstance(a, float):
        return _array(inputs, j, a)
    if is_numpy_like(a):
        a = xp.asarray(a)
    dtype = getattr(a, "dtype", None)
    try:
        real = dtype is not None and xp.isdtype(dtype, ("real floating", "integral"))
    except (TypeError, ValueError):
        real = False
    if not real:
        _bad_input(inputs, j, a, TypeError, "must be a real number or an array of them")
    if dtype != xp.float64:
        a = xp.astype(a, xp.float64)
    shape = tuple(a.shape)
    if not shape:
        x = float(a)
        if x - x != 0.0:
            _bad_input(inputs, j, a, *refused(x))
        return x
    if math.prod(shape) == 0:
        _bad_input(inputs, j, a, ValueError, "is an empty array (a batch needs an example)")
    if not scan:
        return a
    ok = xp.isfinite(a)
    if not bool(xp.all(ok)):
        flat = first_true(xp, xp.logical_not(xp.reshape(ok, (-1,))))
        x = float(xp.reshape(a, (-1,))[flat])
        kind, why = refused(x)
        _bad_input(inputs, j, a, kind, f"{why} at index {index_text(flat, shape)}")
    return a


def param_values(params: Sequence[Value], values: Sequence[float] | None = None) -> list[float]:
    """Return the parameters' values for one run: ``values``, or by default their ``data``.

    Raises:
        TypeError: If ``values`` does not hold one number per parameter.
        ValueError: If a value is not finite, naming the parameter.
    """
    if values is None:
        P = [p.data for p in params]
    else:
        P = [float(v) for v in values]
        if len(P) != len(params):
            raise TypeError(f"compiled program: params= needs {len(params)} values, got {len(P)}")
    s = sum(P)
    if s - s != 0.0:
        for j, x in enumerate(P):
            if x - x != 0.0:
                kind, why = refused(x)
                raise kind(f"compiled program: {leaf_name('parameter', j, params[j])} {why}")
    return P
