"""Function transforms: ``grad``, ``value_and_grad``, ``hessian``, ``jvp``, ``jacfwd``, ``jacrev``.

Each transform takes a Python function of scalars and returns a new function
(``jvp`` evaluates at once, as ``jax.jvp`` does).
The arguments being differentiated are wrapped in *fresh* nodes before ``f``
runs: a new leaf for a number, a new ``identity`` node for a ``Value``. The
derivative is taken with respect to that fresh node only, so a nested ``grad``
never confuses its own variable with an outer one (no perturbation
confusion): for f(x) = d/dy (x·y) at y = x, f'(x) is 1, not 2.

``grad``, ``value_and_grad``, ``hessian`` and ``jacrev`` use reverse mode
(:mod:`autograd_lite.core.autodiff`); ``jvp`` and ``jacfwd`` use forward mode
(:mod:`autograd_lite.forward`), from the same local-derivative rules. The two
modes nest in any order: ``jacfwd(jacrev(f))`` is the Hessian.

Numbers in, numbers out: called on floats at the top level, the transforms
use the fast float sweeps and return floats. Called on Values (or inside
another transform), they build the derivative as a graph (``create_graph``)
and return Values connected to it, so the result can be differentiated again,
to any order.

Like ``torch.func.grad``, the transforms record the graph they need even when
called inside :func:`autograd_lite.no_grad`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, Literal, overload

from autograd_lite.base import mode
from autograd_lite.base.mode import set_grad_enabled
from autograd_lite.core.autodiff import gather
from autograd_lite.core.ops import identity as IDENTITY
from autograd_lite.core.value import VALUE_MATH, Value, apply, constant
from autograd_lite.forward import note_sweep, sweep

__all__ = ["grad", "gradients", "hessian", "jacfwd", "jacobian", "jacrev", "jvp", "value_and_grad"]


@overload
def gradients(
    root: Value, wrt: Sequence[Value], *, create_graph: Literal[False] = False
) -> list[float]: ...


@overload
def gradients(root: Value, wrt: Sequence[Value], *, create_graph: Literal[True]) -> list[Value]: ...


def gradients(
    root: Value, wrt: Sequence[Value], *, create_graph: bool = False
) -> list[float] | list[Value]:
    """Return d(root)/d(w) for each ``w`` in ``wrt`` without touching any ``grad``.

    Args:
        root: The node to differentiate.
        wrt: The nodes to differentiate with respect to.
        create_graph: Return the gradients as Values connected to the graph,
            so they can be differentiated again.

    Returns:
        One gradient per node of ``wrt`` (0 for a node ``root`` does not use).
    """
    for w in wrt:
        if not isinstance(w, Value):
            raise TypeError(f"gradients: wrt must hold Values, got {type(w).__name__}")
    if create_graph:
        vg = gather(root, constant(1.0), VALUE_MATH, wrt)
        return [vg[w] if w in vg else constant(0.0) for w in wrt]
    grads = gather(root, 1.0)
    return [grads.get(w, 0.0) for w in wrt]


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
        note_sweep("reverse")
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
            note_sweep("reverse")
            for g in gradients(out, leaves, create_graph=True):
                note_sweep("reverse")
                if graph:
                    rows.append(list(gradients(g, leaves, create_graph=True)))
                else:
                    rows.append(list(gradients(g, leaves)))
        return rows

    hessian_f.__name__ = f"hessian_{name}"
    hessian_f.__doc__ = f"Hessian of {name}."
    return hessian_f


# ------------------------------------------------------------ forward mode
def _outputs(out: object, where: str) -> tuple[list[Value], bool]:
    """Return the outputs of ``f`` as nodes, and whether ``f`` returned one scalar."""
    if not isinstance(out, list | tuple):
        if isinstance(out, Value) or (isinstance(out, numbers.Real) and not isinstance(out, bool)):
            return [_scalar_output(out, where)], True
        raise TypeError(
            f"{where}: the function must return a scalar (a Value or a real number) "
            f"or a list or tuple of scalars, got {type(out).__name__} {out!r:.60}"
        )
    items = []
    for i, o in enumerate(out):
        if isinstance(o, Value):
            items.append(o)
        elif isinstance(o, numbers.Real) and not isinstance(o, bool):
            items.append(Value(float(o)))  # a constant output: its derivatives are 0
        else:
            raise TypeError(
                f"{where}: the function must return a scalar or a list or tuple of scalars, "
                f"but output [{i}] is {type(o).__name__} {o!r:.60}"
            )
    return items, False


def _call_outputs(f: Callable[..., Any], args: Sequence[Any], where: str) -> tuple[Any, Any]:
    with mode.transform():
        out = f(*args)
    nodes, scalar = _outputs(out, where)
    return out, (nodes, scalar)


def _like(out: object, items: list[Any]) -> Any:
    return tuple(items) if isinstance(out, tuple) else items


def _directions(primal: object, tangent: object, where: str, label: str, into: list[Any]) -> None:
    """Append the tangent of every scalar of ``primal`` to ``into``, checking the nesting."""
    if isinstance(primal, list | tuple):
        if not isinstance(tangent, list | tuple) or len(tangent) != len(primal):
            got = (
                f"{type(tangent).__name__} of length {len(tangent)}"
                if isinstance(tangent, list | tuple)
                else f"{type(tangent).__name__} {tangent!r:.60}"
            )
            raise TypeError(
                f"{where}: {label} must have the structure of its primal "
                f"(a sequence of length {len(primal)}), got {got}"
            )
        for i, (p, t) in enumerate(zip(primal, tangent, strict=True)):
            _directions(p, t, where, f"{label}[{i}]", into)
        return
    if isinstance(tangent, Value):
        into.append(tangent)
        return
    if isinstance(tangent, numbers.Real) and not isinstance(tangent, bool):
        t = float(tangent)
        if t - t != 0.0:
            raise ValueError(f"{where}: {label} must be finite, got {t!r}")
        into.append(t)
        return
    raise TypeError(
        f"{where}: {label} must be a real number or a Value (the tangent of a scalar), "
        f"got {type(tangent).__name__} {tangent!r:.60}"
    )


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Evaluate ``f`` at ``primals`` and its derivative along ``tangents``, in one forward sweep.

    The directional derivative is Σ_i df/dx_i · t_i, computed by forward mode
    (:func:`autograd_lite.forward.jvp_graph`) without forming the gradient.

    Args:
        f: A function of scalars (numbers or Values, or nested lists of them)
            returning a scalar or a list or tuple of scalars.
        primals: The arguments of ``f``, as a tuple (or list).
        tangents: One tangent per scalar of ``primals``, with the same nesting.

    Returns:
        ``(f(*primals), derivative)``; for a list or tuple output, both are
        lists or tuples with one entry per output. Floats in give floats out;
        Values in (primals or tangents, or a call inside another transform)
        give Values connected to the graph.

    Raises:
        TypeError: If ``f`` is not callable, ``primals`` or ``tangents`` is not
            a tuple or list, their nesting differs, a scalar is not a real
            number or a Value, or ``f`` returns something else than scalars.
        ValueError: If a tangent is not finite.
        OverflowError, ValueError: If a tangent in the sweep is not finite.

    Example:
        >>> jvp(lambda x, y: x * y, (3.0, 4.0), (1.0, 0.0))  # d/dx
        (12.0, 4.0)
        >>> jvp(lambda x, y: x * y, (3.0, 4.0), (1.0, 2.0))  # 4·1 + 3·2
        (12.0, 10.0)
    """
    name = _function_name(f, "jvp")
    where = f"jvp({name})"
    for what, seq in (("primals", primals), ("tangents", tangents)):
        if not isinstance(seq, list | tuple):
            raise TypeError(
                f"{where}: {what} must be a tuple (or list) with one entry per argument, "
                f"got {type(seq).__name__} {seq!r:.60}"
            )
    if len(tangents) != len(primals):
        raise TypeError(
            f"{where}: got {len(primals)} primal(s) but {len(tangents)} tangent(s); "
            "pass one tangent per primal"
        )
    graph = mode.depth() > 0 or _has_value(primals) or _has_value(tangents)
    leaves: list[Value] = []
    directions: list[Any] = []
    for i, (p, t) in enumerate(zip(primals, tangents, strict=True)):
        _directions(p, t, where, f"tangents[{i}]", directions)
    with set_grad_enabled(True):
        wrapped = [_wrap(p, where, f"primals[{i}]", leaves) for i, p in enumerate(primals)]
        out, (nodes, scalar) = _call_outputs(f, wrapped, where)
        derivs = sweep(nodes, dict(zip(leaves, directions, strict=True)), graph)
    values: list[Any] = nodes if graph else [n.data for n in nodes]
    if scalar:
        return values[0], derivs[0]
    return _like(out, values), _like(out, derivs)


def _jacobian_transform(
    f: Callable[..., Any], argnums: int | Sequence[int], transform: str
) -> Callable[..., list[Any]]:
    name = _function_name(f, transform)
    forward = transform == "jacfwd"

    def jacobian_f(*args: Any) -> list[Any]:
        where = f"{transform}({name})"
        if not args:
            raise TypeError(f"{where}: expected at least one argument")
        nums = _argnums(argnums, len(args), where)
        graph = mode.depth() > 0 or any(_has_value(a) for a in args)
        wrapped = list(args)
        leaves: list[Value] = []
        with set_grad_enabled(True):
            for k in nums:
                wrapped[k] = _wrap(args[k], where, f"arg{k}", leaves)
            _, (outs, scalar) = _call_outputs(f, wrapped, where)
            rows: list[list[Any]]
            if forward:
                # One forward sweep per input gives a column: d(every output)/d(that input).
                columns = [sweep(outs, {leaf: 1.0}, graph) for leaf in leaves]
                rows = [[col[i] for col in columns] for i in range(len(outs))]
            else:
                # One reverse sweep per output gives a row: d(that output)/d(every input).
                rows = []
                for o in outs:
                    note_sweep("reverse")
                    if graph:
                        rows.append(list(gradients(o, leaves, create_graph=True)))
                    else:
                        rows.append(list(gradients(o, leaves)))
        return rows[0] if scalar else rows

    jacobian_f.__name__ = f"{transform}_{name}"
    jacobian_f.__doc__ = f"Jacobian of {name} ({'forward' if forward else 'reverse'} mode)."
    return jacobian_f


def jacfwd(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., list[Any]]:
    """Return a function computing the Jacobian of ``f`` by forward mode.

    All scalars of the differentiated argument(s) (numbers or Values, lists
    nested to any depth) are flattened in order into x1..xn. One forward
    sweep per input: n sweeps, each giving one column. Cheapest when f has
    few inputs and many outputs.

    Args:
        f: A function of scalars returning a scalar or a list or tuple of
            scalars y1..ym.
        argnums: Which argument to differentiate (an int), or which arguments
            (a sequence of ints, flattened one after the other).

    Returns:
        ``j(*args)``: for a scalar output, the list of partials
        [df/dx1, ..., df/dxn]; for a list or tuple output, the m×n list of
        rows J[i][j] = dyi/dxj. Floats in give floats out; Values in (or a
        call inside another transform) give Values connected to the graph.

    Raises:
        TypeError: If ``f`` is not callable, no argument is given, an argument
            is not a real number, a Value or a list of them, or ``f`` returns
            something else than scalars.
        ValueError: If ``argnums`` is empty or names an argument twice.
        IndexError: If ``argnums`` is out of range.

    Example:
        >>> jacfwd(lambda x, y: [x * y, x + y], argnums=(0, 1))(3.0, 4.0)
        [[4.0, 3.0], [1.0, 1.0]]
        >>> jacfwd(lambda w: w[0] * w[1])([3.0, 4.0])
        [4.0, 3.0]
    """
    return _jacobian_transform(f, argnums, "jacfwd")


def jacrev(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., list[Any]]:
    """Return a function computing the Jacobian of ``f`` by reverse mode.

    All scalars of the differentiated argument(s) (numbers or Values, lists
    nested to any depth) are flattened in order into x1..xn. One reverse
    sweep per output: m sweeps, each giving one row. Cheapest when f has
    few outputs and many inputs (a loss: one sweep for every parameter).
    Also available as ``jacobian``.

    Args:
        f: A function of scalars returning a scalar or a list or tuple of
            scalars y1..ym.
        argnums: Which argument to differentiate (an int), or which arguments
            (a sequence of ints, flattened one after the other).

    Returns:
        ``j(*args)``: for a scalar output, the list of partials
        [df/dx1, ..., df/dxn]; for a list or tuple output, the m×n list of
        rows J[i][j] = dyi/dxj. Floats in give floats out; Values in (or a
        call inside another transform) give Values connected to the graph.

    Raises:
        TypeError: If ``f`` is not callable, no argument is given, an argument
            is not a real number, a Value or a list of them, or ``f`` returns
            something else than scalars.
        ValueError: If ``argnums`` is empty or names an argument twice.
        IndexError: If ``argnums`` is out of range.

    Example:
        >>> jacrev(lambda x, y: [x * y, x + y], argnums=(0, 1))(3.0, 4.0)
        [[4.0, 3.0], [1.0, 1.0]]
        >>> jacfwd(jacrev(lambda x: x**3))(2.0)  # forward over reverse: d²/dx² x³ = 6x
        [[12.0]]
    """
    return _jacobian_transform(f, argnums, "jacrev")


#: The Jacobian by reverse mode (an alias of :func:`jacrev`).
jacobian = jacrev
