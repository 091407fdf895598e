"""Facts about the arrays a compiled program runs on, for any array library.

A program's arguments are floats (one example), NumPy arrays (its own fast
path) or arrays of a library that follows the array API standard. This module
says which library the arguments come from (:func:`namespace`) and gives the
few array facts the rest of the compiled path shares: the batch shape, an
array's shape and device, the first failing element of a test and how its
index is written in a message. Only functions of the standard are called on
arrays that are not NumPy's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite.compiled.runtime import ArrayMath, require_jax_x64, shape_mismatch
from autograd_lite.core.value import Value

__all__ = [
    "array_math",
    "broadcast",
    "device",
    "first_true",
    "index_text",
    "is_numpy_like",
    "namespace",
    "shape_of",
]


def is_numpy_like(a: Any) -> bool:
    """Return whether ``a`` takes the NumPy fast path: NumPy arrays and scalars, lists, tuples."""
    return isinstance(a, list | tuple) or type(a).__module__ == "numpy"


def namespace(args: Sequence[Any]) -> Any:
    """Return the array namespace of the non-NumPy array arguments, or None (NumPy or floats).

    Raises:
        TypeError: If the arrays come from two libraries.
        RuntimeError: If they are JAX arrays and ``jax_enable_x64`` is off.
    """
    found = None
    for a in args:
        if isinstance(a, float | int | Value | str | bytes | complex) or a is None:
            continue
        if is_numpy_like(a):
            continue
        try:
            import array_api_compat
        except ImportError:  # without it, anything array-like goes through NumPy
            return None
        try:
            xp = array_api_compat.array_namespace(a)
        except TypeError:
            continue  # not an array: preparing the inputs refuses it or reads it with NumPy
        if array_api_compat.is_numpy_namespace(xp):
            continue
        if found is not None and found is not xp:
            raise TypeError(
                f"compiled program: inputs mix array libraries ({found.__name__} and "
                f"{xp.__name__}); give every input from one library"
            )
        if array_api_compat.is_jax_namespace(xp):
            require_jax_x64()
        found = xp
    return found


_NAMESPACES: dict[int, ArrayMath] = {}


def array_math(xp: Any) -> ArrayMath:
    """Return the (cached) runtime namespace of a program run on ``xp``'s arrays."""
    m = _NAMESPACES.get(id(xp))
    if m is None:
        m = _NAMESPACES[id(xp)] = ArrayMath(xp)
    return m


def broadcast(
    shapes: Sequence[tuple[int, ...]], who: Callable[[int], str] | None = None
) -> tuple[int, ...]:
    """Return the broadcast shape of the inputs' ``shapes`` (the standard's rules).

    No array library is needed. ``who(j)`` names input ``j`` in the error
    (``"input 1 ('y')"``); dask inputs are checked with the same words.

    Raises:
        ValueError: If two shapes do not broadcast together, naming both
            inputs when ``who`` is given.
    """
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    owner = [-1] * ndim  # the input that set each dimension
    for j, s in enumerate(shapes):
        for d, size in enumerate(s, ndim - len(s)):
            if size == 1:
                continue
            if out[d] not in (1, size):
                if who is None:
                    raise ValueError(
                        f"compiled program: inputs of shapes {list(shapes)} do not broadcast"
                    )
                i = owner[d]
                raise shape_mismatch(who(j), s, who(i), shapes[i])
            out[d], owner[d] = size, j
    return tuple(out)


def shape_of(x: Any) -> tuple[int, ...]:
    """Return the shape of an array, or ``()`` for a number shared by the whole batch."""
    return () if isinstance(x, float | int) else tuple(x.shape)


def device(x: Any) -> Any:
    """Return the device an array lives on (where new arrays for its batch are made)."""
    import array_api_compat

    return array_api_compat.device(x)


def first_true(xp: Any, flat: Any) -> int:
    """Return the index of the first True of a 1-D boolean array of ``xp``."""
    # argmax returns the first maximum; the standard's argmax takes no booleans.
    if xp.__name__ == "numpy":
        return int(xp.argmax(flat))
    return int(xp.argmax(xp.astype(flat, xp.int8)))


def _unravel(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    out = []
    for s in reversed(shape):
        flat, r = divmod(flat, s)
        out.append(r)
    return tuple(reversed(out))


def index_text(flat: int, shape: tuple[int, ...]) -> str:
    """Return how an example's index is written in a message: ``7``, or ``(1, 3)`` in 2-D.

    Args:
        flat: The example's index in the flattened (row-major) batch.
        shape: The batch shape.
    """
    if len(shape) == 1:
        return str(flat)
    return str(_unravel(flat, shape))
