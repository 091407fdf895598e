"""The graph node ``Value``, the row type ``Op``, and how an op becomes a node.

A node holds its number (``data``), its gradient (``grad``), the nodes it was
computed from (``parents``, an ordered tuple: ``a*a`` has two parent slots) and
the op-table row that computed it (``op``; ``None`` for a leaf). It holds no
closure and no reference to the nodes computed from it, so a dropped graph is
freed by reference counting alone.

A row (:class:`Op`) is data: its forward, its domain, its local derivatives and
how it prints, written as ordinary arithmetic on its inputs plus calls to a
math namespace ``m`` (:mod:`autograd_lite.core.primitives`). A row is also
callable: ``row(x, y)`` on Values records a node, on numbers returns a float.
The built-in rows live in :mod:`autograd_lite.core.ops` and are kept in
:data:`TABLE`, by name.

Every number in a graph is finite: a leaf holds a finite real number, and an
op whose result would be ±inf or NaN raises instead of recording it
(``OverflowError`` for an overflow, ``ValueError`` for NaN; an input outside a
row's domain raises the row's own error).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import count
from types import SimpleNamespace
from typing import Any

from autograd_lite.base import mode, pickling
from autograd_lite.core import autodiff
from autograd_lite.core.checks import (
    finite_number,
    inputs_text,
    operand_number,
    real_number,
    seed_gradient,
)
from autograd_lite.core.graph import reachable
from autograd_lite.core.primitives import FLOAT_MATH, PRIMITIVES

__all__ = [
    "TABLE",
    "VALUE_MATH",
    "Check",
    "Op",
    "Value",
    "apply",
    "constant",
    "fmt_number",
    "mean",
    "next_order",
    "operand",
    "record_node",
    "register",
    "unregister",
    "vsum",
]

Number = int | float

#: Every row by name: the built-in rows of :mod:`autograd_lite.core.ops` and the
#: rows a user registered with :func:`register`. Tests iterate it.
TABLE: dict[str, Op] = {}


def fmt_number(x: float, precision: int = 4) -> str:
    """Format a number compactly: integers without a decimal point."""
    if abs(x) < 1e15 and x == int(x):  # the bound first: int(inf) raises
        return str(int(x))
    return f"{x:.{precision}g}"


# ------------------------------------------------------------------ rows
@dataclass(frozen=True, slots=True)
class Check:
    """A condition a row's inputs must meet, written against a math namespace.

    Attributes:
        test: ``test(m, *xs)`` (``test(m, *xs, k)`` for a row with a
            parameter): true where the inputs are inside the domain (a bool
            on floats, a mask on arrays, code on symbols), or the constant
            ``True`` when nothing needs testing.
        error: The exception raised where it is false.
        message: What is wrong, e.g. ``"log is defined only for x > 0"``.
    """

    test: Callable[..., Any]
    error: type[Exception]
    message: str

    def holds(self, xs: Sequence[Any], m: Any, k: float | None = None) -> Any:
        """Run the test on ``xs`` with the math namespace ``m``."""
        return self.test(m, *xs) if k is None else self.test(m, *xs, k)


@dataclass(frozen=True, slots=True)
class Op:
    """One operation: a row of the op table, callable on Values and numbers.

    A row is written once, as maths, and every mode of the library reads it:
    the eager engine, higher-order and forward-mode derivatives, the
    generated fast paths, the compiled programs over arrays, the diagrams,
    explanations and the parser.

    Attributes:
        name: Stable identifier, e.g. ``"mul"``; what the parser calls it.
        symbol: What a diagram prints in the op's circle, e.g. ``"×"``.
        arity: Number of inputs, or ``-1`` for any number (``add``).
        fn: ``fn(m, *xs)``: the result, in arithmetic plus the math namespace
            ``m``, for inputs inside the domain.
        d: ``d(m, out, *xs)``: the local derivative with respect to each
            input, as a tuple (``out`` is the op's result).
        formulas: Per input, the local derivative as text. ``{0}``, ``{1}``...
            stand for the inputs, ``{out}`` for the output, ``{k}`` and
            ``{k-1}`` for the parameter. For an n-ary op the single entry
            applies to every input.
        template: How the expression reads, e.g. ``"{0} × {1}"``; an n-ary
            op joins its inputs with ``joiner``.
        checks: The domain: conditions the inputs must meet, tested in order.
        finite: True when every finite input inside the domain gives a finite
            result (``tanh``, ``sigmoid``...), so no overflow test is needed.
        param: A constant carried by the row (the exponent of ``x**3``);
            ``fn``, ``d`` and the checks then take it as a last argument ``k``.
        joiner: Separator for n-ary templates.
        doc: One line for humans.

    Example:
        >>> cube = Op("cube", "³", 1, lambda m, a: a * a * a,
        ...           lambda m, out, a: (3.0 * a * a,), ("3{0}²",), "{0}³")
        >>> cube(2.0)
        8.0
        >>> x = Value(2.0, "x")
        >>> y = cube(x)
        >>> y.backward()
        >>> (y.data, x.grad)
        (8.0, 12.0)
    """

    name: str
    symbol: str
    arity: int
    fn: Callable[..., Any] = field(repr=False)
    d: Callable[..., tuple[Any, ...]] = field(repr=False)
    formulas: tuple[str, ...] = field(repr=False)
    template: str = field(default="", repr=False)
    checks: tuple[Check, ...] = field(default=(), repr=False)
    finite: bool = field(default=False, repr=False)
    param: float | None = None
    joiner: str = field(default=" + ", repr=False)
    doc: str = field(default="", repr=False)

    # -- running the rules with any math namespace
    def fwd(self, xs: Sequence[Any], m: Any, k: float | None = None) -> Any:
        """Return ``fn`` on ``xs`` with the math namespace ``m`` (no checks)."""
        k = self.param if k is None else k
        return self.fn(m, *xs) if k is None else self.fn(m, *xs, k)

    def local(self, xs: Sequence[Any], out: Any, m: Any, k: float | None = None) -> tuple[Any, ...]:
        """Return the local derivatives ``d`` on ``xs`` with the math namespace ``m``."""
        k = self.param if k is None else k
        return self.d(m, out, *xs) if k is None else self.d(m, out, *xs, k)

    def forward(self, xs: Sequence[float], k: float | None = None) -> float:
        """Return the row's result on floats, applying its domain and overflow policy.

        Args:
            xs: The input numbers (finite).
            k: The row's parameter; defaults to :attr:`param`.

        Returns:
            The result, always a finite float.

        Raises:
            ValueError, ZeroDivisionError: Where a domain check fails, or the
                result is NaN.
            OverflowError: Where the result overflows a float.
        """
        k = self.param if k is None else k
        for check in self.checks:
            if not check.holds(xs, FLOAT_MATH, k):
                got = ""
                if len(xs) == 1:
                    got = f", got {xs[0]!r}" + (f" ** {k!r}" if k is not None else "")
                raise check.error(check.message + got)
        try:
            y = float(self.fwd(xs, FLOAT_MATH, k))
        except OverflowError:
            raise OverflowError("the result overflows a float") from None
        if y - y != 0.0:  # inf - inf and nan - nan are nan: one test for both
            if y != y:
                raise ValueError("the result is NaN")
            raise OverflowError("the result overflows a float")
        return y

    def __call__(self, *args: Value | float) -> Any:
        """Apply the op: a new node if any argument is a Value, else a float.

        Raises:
            TypeError: For a wrong number of arguments or a non-number.
            ValueError, ZeroDivisionError, OverflowError: As :meth:`forward`,
                with the op's name and the inputs in the message.
        """
        if self.arity >= 0 and len(args) != self.arity:
            raise TypeError(f"{self.name}: takes {self.arity} inputs, got {len(args)}")
        anchor = next((a for a in args if isinstance(a, Value)), None)
        if anchor is None:
            xs = [real_number(a, self.name) for a in args]
            for x in xs:
                if x - x != 0.0:
                    raise ValueError(f"{self.name}: inputs must be finite, got {x!r}")
            try:
                return self.forward(xs)
            except (ValueError, ZeroDivisionError, OverflowError) as exc:
                raise type(exc)(f"{self.name}: {exc} (inputs {xs!r})") from None
        return apply(self, tuple(operand(a, self.name, anchor) for a in args))

    # -- how the row prints
    def formula(self, index: int, names: Sequence[str], out: str = "out") -> str:
        """Return the local derivative with respect to input ``index`` as text.

        Args:
            index: Which input.
            names: How to print each input (labels, or ``a``, ``b``...).
            out: How to print the op's output.

        Returns:
            The formula, e.g. ``"a(1 − a)"`` for sigmoid with ``out="a"``.
        """
        text = self.formulas[0] if self.arity == -1 else self.formulas[index]
        return _substitute(text, names, out, self.param)

    def expression(self, names: Sequence[str]) -> str:
        """Return how the op reads applied to ``names``, e.g. ``"w1 × x1"``."""
        if self.arity == -1:
            return self.joiner.join(names)
        return _substitute(self.template, names, "out", self.param)

    def with_param(self, k: float) -> Op:
        """Return this row carrying the parameter ``k`` (the exponent of ``powc``)."""
        if k == self.param:
            return self
        row = _WITH_PARAM.get((self.name, k))
        if row is None or TABLE.get(self.name) is not self:
            row = replace(self, param=k)
            if TABLE.get(self.name) is self and len(_WITH_PARAM) < 64:
                _WITH_PARAM[(self.name, k)] = row
        return row

    # A row pickles as its name (and parameter): pickles hold data, never code.
    # It loads as the same row object, so ``node.op is ops.MUL`` holds after a
    # round trip; a row that is not registered cannot be pickled.
    def __reduce__(self) -> tuple[Any, ...]:
        base = TABLE.get(self.name)
        if base is self or (base is not None and replace(base, param=self.param) == self):
            return (table_row, (self.name, self.param))
        raise pickling.PicklingError(
            f"cannot pickle the op row {self.name!r}: it is not registered in the op table; "
            f"register it with autograd_lite.register(row) in the process that pickles and "
            f"in the one that loads"
        )

    def __copy__(self) -> Op:
        return self  # rows are immutable

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self


_WITH_PARAM: dict[tuple[str, float], Op] = {}


def _substitute(text: str, names: Sequence[str], out: str, k: float | None) -> str:
    if k is not None:
        text = text.replace("{k-1}", fmt_number(k - 1.0)).replace("{k}", fmt_number(k))
    text = text.replace("{out}", out)
    for i, n in enumerate(names):
        text = text.replace("{" + str(i) + "}", n)
    return text


def table_row(name: str, param: float | None = None) -> Op:
    """The registered row ``name`` (with ``param``): how a pickled row is loaded."""
    row = TABLE.get(name) if type(name) is str else None
    if row is None:
        raise pickling.UnpicklingError(f"unknown op {name!r}: no such row in the op table")
    if param is not None and param != row.param:
        return row.with_param(real_number(param, name))
    return row


def register(row: Op) -> Op:
    """Add a row to :data:`TABLE`, so it can be pickled, parsed and listed like a built-in.

    Registering again under the same name replaces a user row; the built-in
    rows cannot be replaced.

    Returns:
        The row itself.

    Raises:
        ValueError: If the name is that of a built-in row.
    """
    if not isinstance(row, Op):
        raise TypeError(f"register: expected an Op, got {type(row).__name__}")
    if row.name in BUILTIN:
        raise ValueError(f"register: {row.name!r} is a built-in op; choose another name")
    TABLE[row.name] = row
    return row


def unregister(name: str) -> None:
    """Remove the user row ``name`` from :data:`TABLE` (built-in rows stay).

    Raises:
        ValueError: If ``name`` is a built-in row.
        KeyError: If no row has that name.
    """
    if name in BUILTIN:
        raise ValueError(f"unregister: {name!r} is a built-in op and cannot be removed")
    if name not in TABLE:
        raise KeyError(f"unregister: no op named {name!r} in the table")
    del TABLE[name]


#: The names of the built-in rows (set by :mod:`autograd_lite.core.ops`).
BUILTIN: set[str] = set()


# ------------------------------------------------------------------ nodes
class Value:
    """A scalar node of a computation graph.

    Every number in a graph is finite: a leaf holds a finite real number, and
    an op whose result would be ±inf or NaN raises instead of recording it.

    Args:
        data: The number this node holds; any finite real number.
        label: A name shown in reprs, diagrams and explanations.

    Raises:
        TypeError: If ``data`` is not a real number or ``label`` not a string.
        ValueError: If ``data`` is NaN or infinite.

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
    # A dict of slots gives each attribute the help text ``help(Value)`` shows.
    __slots__ = {
        "_a": "The first parent, or the tuple of all parents of an n-ary node.",
        "_b": "The second parent of a binary node.",
        "_data": "The number this node holds (read and set through ``data``).",
        "grad": (
            "The gradient d(root)/d(this node) after root.backward(). Leaves add up the "
            "gradients of successive calls; every other node holds the latest call's."
        ),
        "grad_node": (
            "The gradient as a node that can be differentiated again, after "
            "backward(create_graph=True); otherwise None. When set, its data equals grad "
            "(a plain backward clears it)."
        ),
        "label": "The name shown in reprs, diagrams and explanations.",
        "op": "The op-table row that computed this node; None for a leaf.",
        "order": "The creation number; every node is numbered after its parents.",
    }

    _data: float
    grad: float
    _a: Value | tuple[Value, ...] | None
    _b: Value | None
    op: Op | None
    label: str
    grad_node: Value | None
    order: int

    def __init__(self, data: float, label: str = "") -> None:
        if type(data) is not float or data - data != 0.0:
            data = finite_number(data, f"Value({label!r})" if label else "Value", "data")
        if type(label) is not str:
            raise TypeError(f"Value: label must be a str, got {type(label).__name__}")
        _fill(self, data, None, None, None)
        self.label = label

    @property
    def data(self) -> float:
        """The number this node holds (its forward value); always a finite float.

        Setting it checks the new number as the constructor does.

        Raises:
            TypeError: If set to something that is not a real number.
            ValueError: If set to NaN or an infinity.
            OverflowError: If set to an int too large for a float.
        """
        return self._data

    @data.setter
    def data(self, value: float) -> None:
        if type(value) is not float or value - value != 0.0:  # optimizers set it every step
            value = finite_number(value, f"Value {self.label!r}" if self.label else "Value", "data")
        self._data = value

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in argument order (``()`` for a leaf).

        ``a * a`` has two parent slots holding the same node.
        """
        a, b = self._a, self._b
        if a is None:
            return ()
        if b is not None:
            return (a, b)  # type: ignore[return-value]
        return a if type(a) is tuple else (a,)  # type: ignore[return-value]

    @property
    def is_leaf(self) -> bool:
        """True for a node the user created (not computed, not a constant)."""
        return self.op is None

    @property
    def is_constant(self) -> bool:
        """True for a number lifted into the graph, like the ``1`` in ``1 - a``."""
        return self.op is not None and self.op.arity == 0

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

    def __bool__(self) -> bool:
        """Return ``data != 0``, as ``bool`` of a number (and of a PyTorch scalar) does.

        So ``if loss:`` tests the number. The ordering operators (``<``, ``>``)
        are not defined on a node and raise ``TypeError``: compare ``.data``.
        """
        return self.data != 0.0

    # ---------------------------------------------------------- arithmetic
    # Each operator applies the row of that name. (The fast layer,
    # autograd_lite.fast, installs inline versions generated from the same rows.)
    def __add__(self, other: Value | float) -> Value:
        """Return ``self + other`` as an ``add`` node."""
        return TABLE["add"](self, other)  # type: ignore[no-any-return]

    def __radd__(self, other: float) -> Value:
        """Return ``other + self`` as an ``add`` node."""
        return TABLE["add"](other, self)  # type: ignore[no-any-return]

    def __sub__(self, other: Value | float) -> Value:
        """Return ``self - other`` as a ``sub`` node."""
        return TABLE["sub"](self, other)  # type: ignore[no-any-return]

    def __rsub__(self, other: float) -> Value:
        """Return ``other - self`` as a ``sub`` node."""
        return TABLE["sub"](other, self)  # type: ignore[no-any-return]

    def __mul__(self, other: Value | float) -> Value:
        """Return ``self * other`` as a ``mul`` node."""
        return TABLE["mul"](self, other)  # type: ignore[no-any-return]

    def __rmul__(self, other: float) -> Value:
        """Return ``other * self`` as a ``mul`` node."""
        return TABLE["mul"](other, self)  # type: ignore[no-any-return]

    def __truediv__(self, other: Value | float) -> Value:
        """Return ``self / other``; raises ``ZeroDivisionError`` for a zero divisor."""
        return TABLE["div"](self, other)  # type: ignore[no-any-return]

    def __rtruediv__(self, other: float) -> Value:
        """Return ``other / self``; raises ``ZeroDivisionError`` for a zero divisor."""
        return TABLE["div"](other, self)  # type: ignore[no-any-return]

    def __neg__(self) -> Value:
        """Return ``-self`` as a ``neg`` node."""
        return TABLE["neg"](self)  # type: ignore[no-any-return]

    def __pos__(self) -> Value:
        """Return the node itself."""
        return self

    def __abs__(self) -> Value:
        """Return ``abs(self)`` as an ``abs`` node (its derivative at 0 is 0)."""
        return TABLE["abs"](self)  # type: ignore[no-any-return]

    def __pow__(self, other: Value | float) -> Value:
        """Return ``self ** other``.

        A number exponent gives a ``powc`` node carrying the exponent; a Value
        exponent a ``pow`` node, differentiable in both inputs.

        Raises:
            ValueError: For a negative base and a non-integer exponent.
            ZeroDivisionError: For 0 to a negative power.
        """
        if isinstance(other, Value):
            return TABLE["pow"](self, other)  # type: ignore[no-any-return]
        k = operand(other, "pow", self).data  # a clear error for a non-number exponent
        return TABLE["powc"].with_param(k)(self)  # type: ignore[no-any-return]

    def __rpow__(self, other: float) -> Value:
        """Return ``other ** self`` as a ``pow`` node."""
        return TABLE["pow"](other, self)  # type: ignore[no-any-return]

    def exp(self) -> Value:
        """Return e**self; raises ``OverflowError`` where the result overflows (above ~709.78)."""
        return TABLE["exp"](self)  # type: ignore[no-any-return]

    def log(self) -> Value:
        """Return the natural logarithm; raises ``ValueError`` for data <= 0."""
        return TABLE["log"](self)  # type: ignore[no-any-return]

    def sigmoid(self) -> Value:
        """Return 1 / (1 + e**-self), stable for every finite input."""
        return TABLE["sigmoid"](self)  # type: ignore[no-any-return]

    def tanh(self) -> Value:
        """Return the hyperbolic tangent."""
        return TABLE["tanh"](self)  # type: ignore[no-any-return]

    def relu(self) -> Value:
        """Return max(self, 0); its derivative at 0 is taken as 0."""
        return TABLE["relu"](self)  # type: ignore[no-any-return]

    def softplus(self) -> Value:
        """Return log(1 + e**self) without overflow; its derivative is sigmoid."""
        return TABLE["softplus"](self)  # type: ignore[no-any-return]

    # ----------------------------------------------------------- gradients
    def backward(self, grad: float = 1.0, *, create_graph: bool = False) -> None:
        """Propagate d(self)/d(node) into every node's ``grad``.

        Leaves accumulate across calls (call :meth:`zero_grad` to reset);
        every other node holds the gradient of the latest call. If the pass
        raises (a non-finite gradient, a rule's error, ``KeyboardInterrupt``),
        every ``grad`` and ``grad_node`` is left as it was before the call.

        Args:
            grad: The seed d(root)/d(self), 1.0 by default.
            create_graph: Also store each gradient as a differentiable node
                in ``grad_node``, so it can be differentiated again.
        """
        seed = seed_gradient(grad)
        if create_graph:
            autodiff.backward(self, constant(seed), VALUE_MATH)
        else:
            autodiff.backward(self, seed)

    def zero_grad(self) -> None:
        """Reset ``grad`` (and ``grad_node``) of every node reachable from this one."""
        for node in reachable(self):
            node.grad = 0.0
            node.grad_node = None

    # ------------------------------------------------------ copy and pickle
    def __copy__(self) -> Value:
        """Return a new node with the same parents (shared, not copied) and fields.

        The copy has the same ``data``, ``grad``, ``label``, ``op`` and
        ``grad_node`` and a fresh ``order`` (after every existing node), so
        a backward pass through it reaches the original inputs.
        """
        v = record_node(self.data, self.parents, self.op)
        v.grad, v.label, v.grad_node = self.grad, self.label, self.grad_node
        if v.grad_node is not None:
            mode.note_grad_nodes()
        return v

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """Copy every node this one depends on (parents and ``grad_node``), iteratively.

        Shared nodes stay shared, also across several nodes copied with one
        memo (``copy.deepcopy([a, b])``); op rows and labels are shared.
        """
        return pickling.deepcopy_graph(self, memo, record_node)  # type: ignore[no-any-return]

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        """Pickle the node with everything it depends on as flat arrays (no code, no recursion)."""
        return pickling.reduce_graph(self, record_node)


_new = object.__new__
#: The creation counter: each call gives the next node's ``order``.
next_order = count().__next__


def _fill(v: Value, data: float, a: Any, b: Value | None, op: Op | None) -> Value:
    # The one place a node's fields are set (the fast layer inlines the same lines).
    v._data = data
    v.grad = 0.0
    v._a = a
    v._b = b
    v.op = op
    v.label = ""
    v.grad_node = None
    v.order = next_order()
    return v


def record_node(data: float, parents: Sequence[Value], op: Op | None) -> Value:
    """Record a node computed by ``op`` from ``parents``, with ``data`` as its value.

    No forward is run and nothing is checked: the caller vouches that ``data``
    is what ``op`` gives on the parents' data (the stepper uses it to copy a
    graph as it was recorded). Use :func:`apply` to compute a node.
    """
    n = len(parents)
    if n == 2:
        return _fill(_new(Value), data, parents[0], parents[1], op)
    if n == 1:
        return _fill(_new(Value), data, parents[0], None, op)
    return _fill(_new(Value), data, tuple(parents) if n else None, None, op)


def constant(x: float) -> Value:
    """Return ``x`` as a constant node (shown as a plain number in diagrams).

    Raises:
        TypeError: If ``x`` is not a real number.
        ValueError: If ``x`` is NaN or infinite.
    """
    return record_node(finite_number(x, "constant"), (), TABLE["const"])


def operand(x: object, opname: str, other: Value) -> Value:
    """Return ``x`` as a node: a Value as it is, a finite number as a constant.

    ``opname`` and ``other`` (the Value it is combined with) name the
    operation in the error raised for anything else.
    """
    if isinstance(x, Value):
        return x
    return record_node(operand_number(x, opname, other), (), TABLE["const"])


# True while no thread is in no_grad or has a hook installed: then apply skips
# every thread-local look-up (mode.py keeps this copy current).
_PLAIN = True


def _set_plain(fast: bool) -> None:
    global _PLAIN
    _PLAIN = fast


mode.on_fast_change(_set_plain)


def apply(op: Op, args: tuple[Value, ...]) -> Value:
    """Run ``op``'s forward on ``args`` and record the result as a node.

    Errors from the forward (outside the domain, overflow, NaN) are raised
    with the op's name and the labels and values of the inputs; inside
    :func:`~autograd_lite.detect_anomaly` they carry the line of code that
    made the op.

    Args:
        op: A row of the op table.
        args: The input nodes, in order.

    Returns:
        The new node (a leaf when recording is off, see :func:`no_grad`).
    """
    try:
        data = op.forward([a.data for a in args], op.param)
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        error = type(exc)(f"{op.name}: {exc} ({inputs_text(args[0], args)})")
        hook = None if _PLAIN else mode.hook()
        if hook is not None:
            hook.on_error(op, args, error)
        raise error from None
    if _PLAIN:
        return record_node(data, args, op)
    if not mode.recording():
        return Value(data)
    node = record_node(data, args, op)
    hook = mode.hook()
    if hook is not None:
        hook.on_forward(node)
    return node


def vsum(values: Iterable[Value | float]) -> Value:
    """Add any number of Values and numbers into ONE node.

    ``z = vsum([w1 * x1, w2 * x2, b])`` is one add node with three inputs, and
    a loss summed over m examples is one node, not an m-deep chain. The
    numbers are added left to right in plain floating point, exactly as a
    chain of ``+`` would add them. Exported as ``autograd_lite.sum``.

    Args:
        values: Values or real numbers (numbers become constants).

    Returns:
        The sum node; a constant 0 for an empty input.
    """
    items = tuple(values)
    if not items:
        return constant(0.0)
    out = TABLE["add"](*items)
    if isinstance(out, Value):
        return out
    # Numbers only: the row gave a float; the sum of constants is a node.
    return TABLE["add"](constant(real_number(items[0], "add")), *items[1:])  # type: ignore[no-any-return]


def mean(values: Iterable[Value | float]) -> Value:
    """Return the mean of ``values`` as one add node divided by their count.

    Raises:
        ValueError: If ``values`` is empty.
    """
    items = list(values)
    if not items:
        raise ValueError("mean: no values to average")
    return vsum(items) / len(items)


# ------------------------------------------------- the math namespace of Values
def _on_values(name: str, smooth: bool) -> Callable[..., Any]:
    if name == "add":
        return vsum
    if smooth:  # a differentiable primitive is the row of the same name
        return lambda *xs: TABLE[name](*xs)
    real = PRIMITIVES[name].real  # piecewise constant: its derivative is 0

    def flat(*xs: Any) -> Any:
        y = real(*(x.data if isinstance(x, Value) else x for x in xs))
        return constant(y) if type(y) is float else y

    return flat


#: The math namespace over Values. Rules evaluated with it build graphs, so
#: gradients can be differentiated again.
VALUE_MATH: Any = SimpleNamespace(
    **{p.name: _on_values(p.name, p.smooth) for p in PRIMITIVES.values()}
)
