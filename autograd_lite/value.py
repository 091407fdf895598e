"""The graph node: ``Value`` records every operation applied to it.

A node holds its number (``data``), its gradient (``grad``), the nodes it was
computed from (``parents``, an ordered tuple: ``a*a`` has two parent slots) and
the op-table row that computed it (``op``; ``None`` for a leaf). It holds no
closure and no reference to the nodes computed from it, so a dropped graph is
freed by reference counting alone.
"""

from __future__ import annotations

import gc
import itertools
import numbers
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from math import exp as _math_exp
from math import fsum as _fsum
from math import log as _math_log
from math import tanh as _math_tanh
from operator import attrgetter
from typing import Protocol

from autograd_lite import ops
from autograd_lite.ops import _POWC_CACHE as _POWC_ROWS
from autograd_lite.ops import (
    ADD,
    CONST,
    DIV,
    EXP,
    LOG,
    MUL,
    NEG,
    POW,
    RELU,
    SIGMOID,
    SOFTPLUS,
    SUB,
    TANH,
    Op,
    _sigmoid,
    _softplus,
)

__all__ = [
    "VALUE_MATH",
    "Number",
    "Operand",
    "Value",
    "apply",
    "constant",
    "gc_paused",
    "grad_enabled",
    "mean",
    "no_grad",
    "set_grad_enabled",
    "vsum",
]

Number = int | float
Operand = "Value | int | float"


class ModeHook(Protocol):
    """Observer of every recorded op (installed by ``detect_anomaly``)."""

    def on_forward(self, node: Value) -> None:
        """Called with each node right after it is created."""

    def on_backward(self, node: Value, index: int, contribution: float) -> None:
        """Called with each contribution a node sends to its input ``index``."""


class _Mode:
    """Process-wide recording state (not thread-local, like a global switch)."""

    __slots__ = ()
    #: True when ops record parents and no hook is installed: the fast path.
    plain: bool = True
    record: bool = True
    hook: ModeHook | None = None

    @classmethod
    def refresh(cls) -> None:
        global _PLAIN
        cls.plain = _PLAIN = cls.record and cls.hook is None


MODE = _Mode
_PLAIN = True
_order = itertools.count()
_next = _order.__next__


def _describe(args: Iterable[Value]) -> str:
    parts = []
    for i, a in enumerate(args):
        name = repr(a.label) if a.label else f"input {i}"
        parts.append(f"{name} = {a.data!r}")
    return "; ".join(parts)


def _real(x: object, where: str) -> float:
    """Convert a real number to float, or raise a clear ``TypeError``."""
    if type(x) is float:
        return x
    if isinstance(x, Value):
        raise TypeError(f"{where}: got a Value where a number was expected; pass the Value itself")
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"{where}: expected a real number (int or float), got {type(x).__name__} {x!r}")


class Value:
    """A scalar node of a computation graph.

    Args:
        data: The number this node holds; any real number (not complex, not NaN).
        label: A name shown in reprs, diagrams and explanations.

    Raises:
        TypeError: If ``data`` is not a real number or ``label`` not a string.
        ValueError: If ``data`` is NaN.

    Example:
        >>> x = Value(3.0, "x")
        >>> y = x * x * x
        >>> y.backward()
        >>> x.grad
        27.0
    """

    # The parents live in two slots rather than a tuple: a tuple per node
    # doubled the objects the cyclic garbage collector rescans while a large
    # graph grows (see docs/performance.md). ``_a`` is the first parent, or
    # all of them as a tuple when there are three or more; ``_b`` the second.
    __slots__ = ("_a", "_b", "data", "grad", "grad_node", "label", "op", "order")

    data: float
    grad: float
    _a: Value | tuple[Value, ...] | None
    _b: Value | None
    op: Op | None
    label: str
    grad_node: Value | None
    order: int

    def __init__(self, data: float, label: str = "") -> None:
        if type(data) is not float:
            data = _real(data, f"Value({label!r})" if label else "Value")
        if data != data:
            raise ValueError(f"Value{f' {label!r}' if label else ''}: data is NaN")
        if type(label) is not str:
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
        self.data = data
        self.grad = 0.0
        self._a = None
        self._b = None
        self.op = None
        self.label = label
        self.grad_node = None
        self.order = _next()

    # ------------------------------------------------------------ basics
    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in argument order (``()`` for a leaf).

        ``a * a`` has two parent slots holding the same node.
        """
        a = self._a
        if a is None:
            return ()
        b = self._b
        if b is not None:
            return (a, b)  # type: ignore[return-value]
        if type(a) is tuple:
            return a
        return (a,)  # type: ignore[return-value]

    @property
    def is_leaf(self) -> bool:
        """True for a node the user created (not computed, not a constant)."""
        return self.op is None

    @property
    def is_constant(self) -> bool:
        """True for a number lifted into the graph, like the ``1`` in ``1 - a``."""
        return self.op is CONST

    def named(self, label: str) -> Value:
        """Set ``label`` and return the node itself, for chaining.

        Example:
            >>> z = (Value(2.0) * 3).named("z")
        """
        if type(label) is not str:
            raise TypeError(f"named: label must be a str, got {type(label).__name__}")
        self.label = label
        return self

    def __repr__(self) -> str:
        head = f"label={self.label!r}, " if self.label else ""
        return f"Value({head}data={self.data!r}, grad={self.grad!r})"

    def __float__(self) -> float:
        return self.data

    # -------------------------------------------------------- arithmetic
    # Hot path: when MODE.plain, each method runs the forward inline and builds
    # the node directly. Anything unusual (a domain error, a NaN, recording off,
    # a hook) falls back to ``apply``, which owns the error messages. The local
    # derivatives always come from the op table (``backward`` calls the rows).
    def __add__(self, other: Value | float) -> Value:
        t = type(other)
        if t is not Value:
            other = (
                _node(float(other), None, None, CONST)
                if t is float or t is int
                else _lift(other, "add", self)
            )
        if _PLAIN:
            d = self.data + other.data  # type: ignore[union-attr]
            if d == d:
                v = _new(Value)
                v.data = d
                v.grad = 0.0
                v._a = self
                v._b = other  # type: ignore[assignment]
                v.op = ADD
                v.label = ""
                v.grad_node = None
                v.order = _next()
                return v
            _nan("add", (self, other))  # type: ignore[arg-type]
        return apply(ADD, (self, other))  # type: ignore[arg-type]

    def __radd__(self, other: float) -> Value:
        return _lift(other, "add", self).__add__(self)

    def __sub__(self, other: Value | float) -> Value:
        t = type(other)
        if t is not Value:
            other = (
                _node(float(other), None, None, CONST)
                if t is float or t is int
                else _lift(other, "sub", self)
            )
        if _PLAIN:
            d = self.data - other.data  # type: ignore[union-attr]
            if d == d:
                return _node(d, self, other, SUB)  # type: ignore[arg-type]
        return apply(SUB, (self, other))  # type: ignore[arg-type]

    def __rsub__(self, other: float) -> Value:
        return _lift(other, "sub", self).__sub__(self)

    def __mul__(self, other: Value | float) -> Value:
        t = type(other)
        if t is not Value:
            other = (
                _node(float(other), None, None, CONST)
                if t is float or t is int
                else _lift(other, "mul", self)
            )
        if _PLAIN:
            d = self.data * other.data  # type: ignore[union-attr]
            if d == d:
                v = _new(Value)
                v.data = d
                v.grad = 0.0
                v._a = self
                v._b = other  # type: ignore[assignment]
                v.op = MUL
                v.label = ""
                v.grad_node = None
                v.order = _next()
                return v
            _nan("mul", (self, other))  # type: ignore[arg-type]
        return apply(MUL, (self, other))  # type: ignore[arg-type]

    def __rmul__(self, other: float) -> Value:
        t = type(other)
        if (t is float or t is int) and _PLAIN:
            k = float(other)
            d = k * self.data
            if d == d:
                v = _new(Value)
                v.data = d
                v.grad = 0.0
                v._a = _node(k, None, None, CONST)
                v._b = self
                v.op = MUL
                v.label = ""
                v.grad_node = None
                v.order = _next()
                return v
        return _lift(other, "mul", self).__mul__(self)

    def __truediv__(self, other: Value | float) -> Value:
        if type(other) is not Value:
            other = _lift(other, "div", self)
        if _PLAIN:
            b = other.data
            if b != 0.0:
                d = self.data / b
                if d == d:
                    return _node(d, self, other, DIV)
        return apply(DIV, (self, other))

    def __rtruediv__(self, other: float) -> Value:
        return _lift(other, "div", self).__truediv__(self)

    def __neg__(self) -> Value:
        if _PLAIN:
            return _node(-self.data, self, None, NEG)
        return apply(NEG, (self,))

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Value | float) -> Value:
        if type(other) is Value:
            return apply(POW, (self, other))
        # _lift's message names this node when the exponent is not a real number.
        k = (
            other
            if type(other) is float
            else float(other)
            if type(other) is int
            else _lift(other, "pow", self).data
        )
        op = _POWC_ROWS.get(k)
        if op is None:
            op = ops.pow_const(k)
        if _PLAIN:
            x = self.data
            if x > 0.0 or (k.is_integer() and (x != 0.0 or k >= 0.0)):
                try:
                    d = float(x**k)
                except OverflowError:
                    return apply(op, (self,))
                if d == d:
                    return _node(d, self, None, op)
        return apply(op, (self,))

    def __rpow__(self, other: float) -> Value:
        return apply(POW, (_lift(other, "pow", self), self))

    # ---------------------------------------------------------- functions
    def exp(self) -> Value:
        """Return e**self; raises ``OverflowError`` above about 709.78."""
        if _PLAIN:
            x = self.data
            if x <= 709.782712893384:
                return _node(_math_exp(x), self, None, EXP)
        return apply(EXP, (self,))

    def log(self) -> Value:
        """Return the natural logarithm; raises ``ValueError`` for data <= 0."""
        if _PLAIN:
            x = self.data
            if x > 0.0:
                return _node(_math_log(x), self, None, LOG)
        return apply(LOG, (self,))

    def sigmoid(self) -> Value:
        """Return 1 / (1 + e**-self), stable for every finite input."""
        if _PLAIN:
            return _node(_sigmoid(self.data), self, None, SIGMOID)
        return apply(SIGMOID, (self,))

    def tanh(self) -> Value:
        """Return the hyperbolic tangent."""
        if _PLAIN:
            return _node(_math_tanh(self.data), self, None, TANH)
        return apply(TANH, (self,))

    def relu(self) -> Value:
        """Return max(self, 0); its derivative at 0 is taken as 0."""
        if _PLAIN:
            x = self.data
            return _node(x if x > 0.0 else 0.0, self, None, RELU)
        return apply(RELU, (self,))

    def softplus(self) -> Value:
        """Return log(1 + e**self) without overflow; its derivative is sigmoid."""
        if _PLAIN:
            return _node(_softplus(self.data), self, None, SOFTPLUS)
        return apply(SOFTPLUS, (self,))

    # ---------------------------------------------------------- gradients
    def backward(self, grad: float = 1.0, *, create_graph: bool = False) -> None:
        """Propagate d(self)/d(node) into every node's ``grad``.

        Leaves accumulate across calls (call :meth:`zero_grad` to reset);
        every other node holds the gradient of the latest call.

        Args:
            grad: The seed d(root)/d(self), 1.0 by default.
            create_graph: Also store each gradient as a differentiable node
                in ``grad_node``, so it can be differentiated again.
        """
        from autograd_lite.autodiff import backward

        backward(self, grad, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Reset ``grad`` (and ``grad_node``) of every node reachable from this one."""
        from autograd_lite.graph import reachable

        for node in reachable(self):
            node.grad = 0.0
            node.grad_node = None


def _node(data: float, a: Value | tuple[Value, ...] | None, b: Value | None, op: Op) -> Value:
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v._a = a
    v._b = b
    v.op = op
    v.label = ""
    v.grad_node = None
    v.order = _next()
    return v


def _make(data: float, parents: tuple[Value, ...], op: Op) -> Value:
    """Record a node from a tuple of parents (one, two, or any number)."""
    n = len(parents)
    if n == 2:
        return _node(data, parents[0], parents[1], op)
    if n == 1:
        return _node(data, parents[0], None, op)
    return _node(data, parents if n else None, None, op)


_new = object.__new__
_data_of = attrgetter("data")


def constant(x: float) -> Value:
    """Return ``x`` as a constant node (shown as a plain number in diagrams)."""
    return _node(_real(x, "constant"), None, None, CONST)


def _lift(x: object, opname: str, other: Value) -> Value:
    t = type(x)
    if t is float or t is int:
        return _node(float(x), None, None, CONST)  # type: ignore[arg-type]
    if isinstance(x, Value):
        return x
    if not isinstance(x, numbers.Real):
        who = f"Value {other.label!r}" if other.label else "a Value"
        raise TypeError(
            f"{opname}: cannot combine {who} (data={other.data!r}) with "
            f"{type(x).__name__} {x!r}; operands must be real numbers or Values"
        )
    f = float(x)
    if f != f:
        raise ValueError(f"{opname}: operand is NaN (with {_describe((other,))})")
    return _node(f, None, None, CONST)


def _nan(opname: str, args: tuple[Value, ...]) -> None:
    raise ValueError(f"{opname}: result is NaN ({_describe(args)})")


def apply(op: Op, args: tuple[Value, ...]) -> Value:
    """Run ``op``'s forward on ``args`` and record the result as a node.

    Errors from the forward are re-raised with the op name and the labels and
    values of the inputs.

    Args:
        op: A row of the op table.
        args: The input nodes, in order.

    Returns:
        The new node (a leaf when recording is off, see :func:`no_grad`).
    """
    try:
        data = op.forward([a.data for a in args], op.param)
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        raise type(exc)(f"{op.name}: {exc} ({_describe(args)})") from None
    if data != data:
        _nan(op.name, args)
    if _PLAIN:
        return _make(data, args, op)
    if not MODE.record:
        return Value(data)
    node = _make(data, args, op)
    hook = MODE.hook
    if hook is not None:
        hook.on_forward(node)
    return node


def vsum(values: Iterable[Value | float]) -> Value:
    """Add any number of Values and numbers into ONE node.

    ``z = vsum([w1 * x1, w2 * x2, b])`` is one add node with three inputs, and
    a loss summed over m examples is one node, not an m-deep chain. Exported
    as ``autograd_lite.sum``.

    Args:
        values: Values or real numbers (numbers become constants).

    Returns:
        The sum node; a constant 0 for an empty input.
    """
    if _PLAIN:
        # Hot path: all Values (an n-ary sum in a model or a loss).
        items = tuple(values)
        for v in items:
            if type(v) is not Value:
                break
        else:
            if items:
                d = _fsum(map(_data_of, items))
                if d == d:
                    return _make(d, items, ADD)  # type: ignore[arg-type]
        values = items
    args: list[Value] = []
    for v in values:
        if type(v) is not Value:
            if isinstance(v, Value):
                args.append(v)
                continue
            args.append(constant(_real(v, "add")))
        else:
            args.append(v)
    if not args:
        return constant(0.0)
    return apply(ADD, tuple(args))


def mean(values: Iterable[Value | float]) -> Value:
    """Return the mean of ``values`` as one add node divided by their count.

    Raises:
        ValueError: If ``values`` is empty.
    """
    items = list(values)
    if not items:
        raise ValueError("mean: no values to average")
    return vsum(items) / len(items)


def grad_enabled() -> bool:
    """Return whether ops currently record their parents."""
    return MODE.record


@contextmanager
def set_grad_enabled(enabled: bool) -> Iterator[None]:
    """Context manager that switches recording on or off, restoring it on exit.

    Args:
        enabled: Whether ops inside the block record their parents.
    """
    previous = MODE.record
    MODE.record = bool(enabled)
    MODE.refresh()
    try:
        yield
    finally:
        MODE.record = previous
        MODE.refresh()


def no_grad() -> AbstractContextManager[None]:
    """Context manager in which ops record no parents.

    Inside it every result is a new leaf: use it for parameter updates and
    inference. The switch is process-wide (not per thread).

    Example:
        >>> w = Value(1.0)
        >>> with no_grad():
        ...     w2 = w * 2
        >>> w2.parents
        ()
    """
    return set_grad_enabled(False)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Context manager that pauses Python's cyclic garbage collector.

    A graph recorded by the forward ops and differentiated by a first-order
    ``backward`` contains no reference cycles (a node holds neither a closure
    nor a link to the nodes computed from it), so reference counting alone
    frees it once dropped and the cyclic collector never finds anything in
    it. (``backward(create_graph=True)`` is different: a ``grad_node`` can
    lead back to its own node, and such cycles wait for the collector.)
    The collector still *scans* every live node: a full collection runs
    whenever the objects that survived earlier collections have grown by 25 %,
    so a graph of 10**5 nodes is rescanned several times while it is built,
    which can cost more than building it. Pausing the collector around a
    large build skips those scans; reference counting keeps working, so
    memory is still freed at once.

    On exit the collector's previous state is restored (also when the block
    raises), so nested uses and a collector the caller switched off stay as
    they were. The switch is process-wide: cycles created by other code in the
    block, in any thread, are collected only after it ends.
    ``LogisticRegression.fit`` and ``LogisticRegression.cost`` use it.

    Example:
        >>> import gc
        >>> with gc_paused():
        ...     paused = not gc.isenabled()
        >>> paused, gc.isenabled()
        (True, True)
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _ValueMath:
    """The math namespace over Values: rules evaluated here build graphs."""

    __slots__ = ()

    @staticmethod
    def exp(x: Value) -> Value:
        return x.exp()

    @staticmethod
    def log(x: Value) -> Value:
        return x.log()

    @staticmethod
    def sigmoid(x: Value) -> Value:
        return x.sigmoid()

    @staticmethod
    def tanh(x: Value) -> Value:
        return x.tanh()

    @staticmethod
    def step(x: Value) -> Value:
        return constant(1.0 if x.data > 0.0 else 0.0)


#: The namespace passed to rules when gradients are built as graphs.
VALUE_MATH = _ValueMath()
