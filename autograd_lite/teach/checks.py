"""Three independent checks of every gradient: the engine, central differences, sympy.

:func:`node_checks` computes, for every node of a graph, d(root)/d(node) three
ways: as ``backward()`` does (the engine), by central differences (the node's
value nudged up and down, everything downstream of it evaluated again from
the op table's forward rules), and, when sympy is installed, by symbolic
differentiation (a sympy expression of the root built from the same forward
rules, the node a symbol, differentiated and evaluated at the node's value).
The engine and sympy agree to the last digit or two; central differences lose
about a third of a float's digits, the price of dividing a small difference
by a small step. :func:`autograd_lite.teach.explain.explain` shows them with
``checks=True``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from autograd_lite.core.autodiff import gather
from autograd_lite.core.graph import topological
from autograd_lite.core.primitives import PRIMITIVES
from autograd_lite.core.value import Value

__all__ = ["METHODS", "NodeCheck", "node_checks", "sympy_available", "sympy_math"]

#: The checks besides the engine's own gradient.
METHODS = ("central", "sympy")

#: The central differences step by h = STEP × max(1, abs(x)). The cube root of the float
#: epsilon balances the truncation error (h²) against the rounding error (ε/h).
STEP = (2.0**-52) ** (1.0 / 3.0)


@dataclass(frozen=True, slots=True, eq=False)
class NodeCheck:
    """d(root)/d(node) for one node, computed three independent ways.

    Attributes:
        node: The node.
        engine: The gradient as ``backward()`` computes it.
        central: By central differences, ``(f(x + h) − f(x − h)) / 2h`` with
            ``h`` about 6e-6 × max(1, |x|), everything downstream of the node
            evaluated again; None where a nudged value leaves an op's domain,
            or when not asked for.
        symbolic: By sympy's symbolic derivative, evaluated at the node's
            value; None when sympy is not installed or not asked for.
        step: The ``h`` of the central difference (0.0 when not computed).
    """

    node: Value
    engine: float
    central: float | None
    symbolic: float | None
    step: float

    @property
    def central_error(self) -> float | None:
        """``central − engine`` (None without a central difference)."""
        return None if self.central is None else self.central - self.engine

    @property
    def symbolic_error(self) -> float | None:
        """``symbolic − engine`` (None without a symbolic derivative)."""
        return None if self.symbolic is None else self.symbolic - self.engine


def sympy_available() -> bool:
    """Whether sympy can be imported (the symbolic check needs it)."""
    import importlib.util

    return importlib.util.find_spec("sympy") is not None


# ------------------------------------------------------------ central differences
def _downstream(order: Sequence[Value], node: Value) -> list[Value]:
    """The nodes that depend on ``node``, in topological order (``node`` excluded)."""
    hit = {node}
    out = []
    for n in order:
        if n is not node and any(p in hit for p in n.parents):
            hit.add(n)
            out.append(n)
    return out


def _evaluate(root: Value, node: Value, x: float, after: Sequence[Value]) -> float:
    values = {node: x}
    for n in after:
        assert n.op is not None
        values[n] = n.op.forward([values.get(p, p.data) for p in n.parents])
    return values.get(root, root.data)


def _central(root: Value, node: Value, after: Sequence[Value]) -> tuple[float | None, float]:
    x = node.data
    h = STEP * max(1.0, abs(x))
    h = (x + h) - x  # a step the float arithmetic represents exactly
    try:
        up = _evaluate(root, node, x + h, after)
        down = _evaluate(root, node, x - h, after)
    except (ArithmeticError, ValueError):
        return None, h  # a nudged value left an op's domain
    d = (up - down) / (2.0 * h)
    return (d if math.isfinite(d) else None), h


# ------------------------------------------------------------ sympy
def sympy_math(sympy: Any) -> Any:
    """Return the math namespace of the op table's rules over sympy expressions.

    Derived from :data:`~autograd_lite.core.primitives.PRIMITIVES`: each
    primitive's sympy form, or sympy's function of the same name. A row's
    forward run with it (``row.fwd(args, sympy_math(sympy))``) builds the
    sympy expression that the checks differentiate.

    Args:
        sympy: The sympy module.
    """
    forms = {}
    for p in PRIMITIVES.values():
        if p.sympy is not None:
            forms[p.name] = functools.partial(p.sympy, sympy)
        elif hasattr(sympy, p.name):
            forms[p.name] = getattr(sympy, p.name)
    return SimpleNamespace(**forms)


def _symbolic(sympy: Any, root: Value, node: Value, after: Sequence[Value]) -> float | None:
    m = sympy_math(sympy)
    x = sympy.Symbol("x", real=True)
    exprs: dict[Value, Any] = {node: x}
    for n in after:
        assert n.op is not None
        ins = [exprs[p] if p in exprs else sympy.Float(p.data, 30) for p in n.parents]
        exprs[n] = n.op.fwd(ins, m)
    if root not in exprs:
        return 0.0  # the root does not depend on the node
    d = sympy.diff(exprs[root], x)
    value = d.evalf(30, subs={x: sympy.Float(node.data, 30)})
    try:
        out = float(value)
    except TypeError:  # not a real number there (nan, zoo)
        return None
    return out if math.isfinite(out) else None


def node_checks(root: Value, methods: Iterable[str] = METHODS) -> dict[Value, NodeCheck]:
    """d(root)/d(node) for every node but the constants, by the engine and by ``methods``.

    Pure: no node's ``grad`` changes.

    Args:
        root: The node to differentiate.
        methods: Any of ``"central"`` and ``"sympy"``. With ``"sympy"`` and no
            sympy installed, :attr:`NodeCheck.symbolic` is None.

    Returns:
        A :class:`NodeCheck` per node, in topological order (leaves first).

    Raises:
        TypeError: If ``root`` is not a Value.
        ValueError: If a method is not one of :data:`METHODS`.
    """
    if not isinstance(root, Value):
        raise TypeError(f"node_checks: root must be a Value, got {type(root).__name__}")
    wanted = set(methods)
    unknown = wanted - set(METHODS)
    if unknown:
        raise ValueError(
            f"checks: unknown method {sorted(unknown)[0]!r}; expected some of {list(METHODS)}"
        )
    sympy: Any = None
    if "sympy" in wanted and sympy_available():
        import importlib

        sympy = importlib.import_module("sympy")
    order = topological(root)
    engine = gather(root)
    out: dict[Value, NodeCheck] = {}
    for n in order:
        if n.is_constant:
            continue
        after = _downstream(order, n)
        central, h = _central(root, n, after) if "central" in wanted else (None, 0.0)
        symbolic = _symbolic(sympy, root, n, after) if sympy is not None else None
        out[n] = NodeCheck(n, engine[n], central, symbolic, h)
    return out
