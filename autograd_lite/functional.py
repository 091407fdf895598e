"""Function transforms: ``grad``, ``value_and_grad`` and ``hessian``.

Each transform takes a Python function of scalars and returns a new function.
The arguments being differentiated are wrapped in *fresh* nodes before ``f``
runs: a new leaf for a number, a new ``identity`` node for a ``Value``. The
derivative is taken with respect to that fresh node only, so a nested ``grad``
never confuses its own variable with an outer one (no perturbation
confusion): for f(x) = d/dy (x·y) at y = x, f'(x) is 1, not 2.

Numbers in, numbers out: called on floats at the top level, the transforms
use the fast float backward and return floats. Called on Values (or inside
another transform), they build the gradient as a graph (``create_graph``) and
return Values connected to it, so the result can be differentiated again, to
any order.

Like ``torch.func.grad``, the transforms record the graph they need even when
called inside :func:`autograd_lite.no_grad`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite import mode
from autograd_lite.autodiff import gradients
from autograd_lite.mode import set_grad_enabled
from autograd_lite.ops import IDENTITY
from autograd_lite.value import Value, apply

__all__ = ["grad", "hessian", "value_and_grad"]


def _fresh(x: object, where: str, label: str) -> Value:
    """Wrap one scalar argument in a new node that only this call knows."""
    if isinstance(x, Value):
        node = apply(IDENTITY, (x,))
        node.label = x.label or label
        return node
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(float(x), label)
    raise TypeError(
        f"{where}: {label} must be a real number, a Value or a (nested) list of them, "
        f"got {type(x).__name__} {x!r}"
    )


def _wrap(x: object, where: str, label: str, leaves: list[Value]) -> Any:
    """Return ``x`` with every scalar replaced by a fresh node (appended to ``leaves``)."""
    if isinstance(x, list | tuple):
        items = [_wrap(item, where, f"{label}[{i}]", leaves) for i, item in enumerate(x)]
        return items if isinstance(x, list) else tuple(items)
    node = _fresh(x, where, label)
    leaves.append(node)
    return node


def _unflatten(like: object, flat: Sequence[Any], start: int) -> tuple[Any, int]:
    """Rebuild the nesting of ``like`` from ``flat``; return it and the next index."""
    if isinstance(like, list | tuple):
        items = []
        for item in like:
            built, start = _unflatten(item, flat, start)
            items.append(built)
        return (items if isinstance(like, list) else tuple(items)), start
    return flat[start], start + 1


def _has_value(x: object) -> bool:
    if isinstance(x, list | tuple):
        return any(_has_value(item) for item in x)
    return isinstance(x, Value)


def _function_name(f: object, transform: str) -> str:
    if not callable(f):
        raise TypeError(
            f"{transform}: expected a function to differentiate, got {type(f).__name__} {f!r:.60}"
        )
    return getattr(f, "__name__", "f")


def _argnums(argnums: int | Sequence[int], nargs: int, where: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise ValueError(f"{where}: argnums is empty; name at least one argument")
    for k in nums:
        if not isinstance(k, int) or isinstance(k, bool):
            raise TypeError(f"{where}: argnums must hold ints, got {type(k).__name__} {k!r}")
        if not -nargs <= k < nargs:
            raise IndexError(f"{where}: argnums {k} is out of range for {nargs} argument(s)")
    nums = tuple(k % nargs for k in nums)
    if len(set(nums)) != len(nums):
        # Each argument is wrapped in one fresh node: a repeat would be differentiated once.
        raise ValueError(f"{where}: argnums {argnums!r} names an argument twice")
    return nums


def _scalar_output(out: object, where: str) -> Value:
    if isinstance(out, Value):
        return out
    if isinstance(out, numbers.Real) and not isinstance(out, bool):
        # A function that ignores its inputs: its derivative is 0.
        return Value(float(out))
    raise TypeError(
        f"{where}: the function must return a scalar (a Value or a real number), "
        f"got {type(out).__name__} {out!r}"
    )


def _call(f: Callable[..., Any], args: Sequence[Any], where: str) -> Value:
    # Inside a transform (in this thread) every transform builds its gradient
    # as a graph, even from float arguments: an outer one may differentiate it.
    with mode.transform():
        out = f(*args)
    return _scalar_output(out, where)


def _differentiate(
    f: Callable[..., Any], args: tuple[Any, ...], nums: tuple[int, ...], where: str
) -> tuple[Value, list[Any], list[Value], list[Any], bool]:
    """Evaluate ``f`` on fresh nodes and differentiate it.

    Returns the output, the wrapped arguments, the fresh nodes, their
    gradients (Values when ``graph`` is true, else floats) and ``graph``.
    """
    graph = mode.depth() > 0 or any(_has_value(a) for a in args)
    wrapped = list(args)
    leaves: list[Value] = []
    with set_grad_enabled(True):
        for k in nums:
            wrapped[k] = _wrap(args[k], where, f"arg{k}", leaves)
        out = _call(f, wrapped, where)
        grads: list[Any] = (
            gradients(out, leaves, create_graph=True) if graph else gradients(out, leaves)
        )
    return out, wrapped, leaves, grads, graph


def _shape(args: tuple[Any, ...], nums: tuple[int, ...], single: bool, grads: list[Any]) -> Any:
    result = []
    start = 0
    for k in nums:
        built, start = _unflatten(args[k], grads, start)
        result.append(built)
    return result[0] if single else tuple(result)


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """Return a function computing both ``f(*args)`` and its gradient.

    Args:
        f: A function of scalars (numbers or Values, or nested lists of them)
            returning a scalar.
        argnums: Which argument to differentiate (an int), or which arguments
            (a sequence of ints, giving a tuple of gradients).

    Returns:
        ``g(*args) -> (value, gradient)``. Each gradient has the nesting of its
        argument. Floats in give floats out; Values in (or a call inside
        another transform) give Values connected to the graph.

    Raises:
        TypeError: If ``f`` is not callable, an argument is not a real number,
            a Value or a list of them, or ``f`` does not return a scalar.
        ValueError: If ``argnums`` is empty or names an argument twice.
        IndexError: If ``argnums`` is out of range.

    Example:
        >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
        (12.0, (4.0, 3.0))
    """
    single = isinstance(argnums, int)
    name = _function_name(f, "value_and_grad")

    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        where = f"value_and_grad({name})"
        nums = _argnums(argnums, len(args), where)
        out, _, _, grads, graph = _differentiate(f, args, nums, where)
        shaped = _shape(args, nums, single, grads)
        return (out if graph else out.data), shaped

    value_and_grad_f.__name__ = f"value_and_grad_{name}"
    value_and_grad_f.__doc__ = f"Value and gradient of {name}."
    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function computing the gradient of ``f``.

    Composable to any order: ``grad(grad(grad(f)))`` is the third derivative.

    Args:
        f: A function of scalars (numbers or Values, or nested lists of them)
            returning a scalar.
        argnums: Which argument to differentiate (an int), or which arguments
            (a sequence of ints, giving a tuple of gradients).

    Returns:
        ``g(*args) -> gradient``, with the nesting of the differentiated
        argument(s). Floats in give floats out; Values in (or a call inside
        another transform) give Values connected to the graph.

    Raises:
        TypeError: If ``f`` is not callable, an argument is not a real number,
            a Value or a list of them, or ``f`` does not return a scalar.
        ValueError: If ``argnums`` is empty or names an argument twice.
        IndexError: If ``argnums`` is out of range.

    Example:
        >>> grad(lambda x: x**3)(2.0)
        12.0
        >>> grad(grad(lambda x: x**3))(2.0)
        12.0
    """
    single = isinstance(argnums, int)
    name = _function_name(f, "grad")

    def grad_f(*args: Any) -> Any:
        where = f"grad({name})"
        nums = _argnums(argnums, len(args), where)
        _, _, _, grads, _ = _differentiate(f, args, nums, where)
        return _shape(args, nums, single, grads)

    grad_f.__name__ = f"grad_{name}"
    grad_f.__doc__ = f"Gradient of {name}."
    return grad_f


def hessian(f: Callable[..., Any]) -> Callable[..., list[list[Any]]]:
    """Return a function computing the matrix of second derivatives of ``f``.

    All scalar arguments of ``f`` (numbers or Values, lists nested to any
    depth) are flattened in order into x1..xn, and the result is the n×n
    matrix H[i][j] = d²f / dxi dxj, symmetric up to rounding.

    Args:
        f: A function of scalars returning a scalar.

    Returns:
        ``h(*args) -> list[list[float]]`` (lists of Values when given Values
        or called inside another transform, so it can be differentiated again).

    Raises:
        TypeError: If ``f`` is not callable, an argument is not a real number,
            a Value or a list of them, or ``f`` does not return a scalar.

    Example:
        >>> hessian(lambda x, y: x * x * y)(3.0, 2.0)
        [[4.0, 6.0], [6.0, 0.0]]
    """
    name = _function_name(f, "hessian")

    def hessian_f(*args: Any) -> list[list[Any]]:
        where = f"hessian({name})"
        if not args:
            raise TypeError(f"{where}: expected at least one argument")
        graph = mode.depth() > 0 or any(_has_value(a) for a in args)
        leaves: list[Value] = []
        rows: list[list[Any]] = []
        with set_grad_enabled(True):
            wrapped = [_wrap(a, where, f"arg{k}", leaves) for k, a in enumerate(args)]
            out = _call(f, wrapped, where)
            for g in gradients(out, leaves, create_graph=True):
                if graph:
                    rows.append(list(gradients(g, leaves, create_graph=True)))
                else:
                    rows.append(list(gradients(g, leaves)))
        return rows

    hessian_f.__name__ = f"hessian_{name}"
    hessian_f.__doc__ = f"Hessian of {name}."
    return hessian_f
