"""The graph node: ``Value`` records every operation applied to it.

A node holds its number (``data``), its gradient (``grad``), the nodes it was
computed from (``parents``, an ordered tuple: ``a*a`` has two parent slots) and
the op-table row that computed it (``op``; ``None`` for a leaf). It holds no
closure and no reference to the nodes computed from it, so a dropped graph is
freed by reference counting alone.
"""

from __future__ import annotations

import itertools
import numbers
import threading
import weakref
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import Any

from autograd_lite import kernel, mode, ops
from autograd_lite.graph import reachable
from autograd_lite.mode import gc_paused, grad_enabled, no_grad, set_grad_enabled
from autograd_lite.ops import (
    ADD,
    CONST,
    DIV,
    EXP,
    FLOAT_MATH,
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
    "inputs_text",
    "mean",
    "no_grad",
    "node_name",
    "real_number",
    "record_node",
    "register_reverse",
    "set_grad_enabled",
    "vsum",
]

Number = int | float
Operand = "Value | int | float"


# True while no thread is in no_grad or has a hook installed: then every op
# takes its inline fast path and no thread-local state is read (mode.py
# keeps this copy current).
_PLAIN = True


def _set_plain(fast: bool) -> None:
    global _PLAIN
    _PLAIN = fast


mode.on_fast_change(_set_plain)
_order = itertools.count()
_next = _order.__next__

# The reverse pass, registered by autograd_lite.autodiff (which the package
# always imports): autodiff is built on this module, not the other way round.
_REVERSE: list[Callable[..., None]] = []


def register_reverse(backward: Callable[..., None]) -> None:
    """Install the function ``Value.backward`` calls (done by :mod:`autograd_lite.autodiff`)."""
    _REVERSE[:] = [backward]


#: How many inputs an error message lists before it says how many are left.
_SHOWN = 4


def _describe(args: Iterable[Value]) -> str:
    parts = []
    items = list(args)
    for i, a in enumerate(items[:_SHOWN]):
        name = repr(a.label) if a.label else f"input {i}"
        parts.append(f"{name} = {a.data!r}")
    if len(items) > _SHOWN:
        parts.append(f"and {len(items) - _SHOWN} more inputs")
    return "; ".join(parts)


def node_name(node: Value) -> str:
    """How messages name a node: its label quoted, else "an unlabelled <op> node"."""
    if node.label:
        return repr(node.label)
    return f"an unlabelled {node.op.name if node.op else 'leaf'} node"


def inputs_text(node: Value) -> str:
    """How messages list a node's inputs: ``'x' = 2.0; input 1 = 3.0``."""
    return "; ".join(
        f"{repr(p.label) if p.label else f'input {i}'} = {p.data!r}"
        for i, p in enumerate(node.parents)
    )


def real_number(x: object, where: str) -> float:
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
        "data": "The number this node holds (its forward value).",
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
            data = real_number(data, f"Value({label!r})" if label else "Value")
        if data - data != 0.0:  # inf - inf and nan - nan are both NaN
            raise ValueError(
                f"Value{f' {label!r}' if label else ''}: data must be finite, got {data!r}"
            )
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

    def __bool__(self) -> bool:
        """Return ``data != 0``, as ``bool`` of a number (and of a PyTorch scalar) does.

        So ``if loss:`` tests the number. The ordering operators (``<``, ``>``)
        are not defined on a node and raise ``TypeError``: compare ``.data``.
        """
        return self.data != 0.0

    # ----------------------------------------------------- copy and pickle
    def __copy__(self) -> Value:
        """Return a new node with the same parents (shared, not copied) and fields.

        The copy has the same ``data``, ``grad``, ``label``, ``op`` and
        ``grad_node`` and a fresh ``order`` (after every existing node), so
        a backward pass through it reaches the original inputs.
        """
        v = _new(Value)
        v.data = self.data
        v.grad = self.grad
        v._a = self._a
        v._b = self._b
        v.op = self.op
        v.label = self.label
        v.grad_node = self.grad_node
        v.order = _next()
        return v

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """Copy every node this one depends on (parents and ``grad_node``), iteratively.

        Shared nodes stay shared, also across several nodes copied with one
        memo (``copy.deepcopy([a, b])``); op rows and labels are shared.
        """
        return _deepcopy(self, memo)

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        """Pickle the node with everything it depends on as flat arrays (no recursion)."""
        return _reduce(self)

    # -------------------------------------------------------- arithmetic
    # Each method below is replaced, right after the class, by its fast path
    # generated from the op table (kernel.FORWARD_SOURCE); these bodies are the
    # general path that the fast one falls back to, and carry the docs.
    def __add__(self, other: Value | float) -> Value:
        """Return ``self + other`` as an ``add`` node."""
        return apply(ADD, (self, _operand(other, "add", self)))

    def __radd__(self, other: float) -> Value:
        """Return ``other + self`` as an ``add`` node."""
        return apply(ADD, (_operand(other, "add", self), self))

    def __sub__(self, other: Value | float) -> Value:
        """Return ``self - other`` as a ``sub`` node."""
        return apply(SUB, (self, _operand(other, "sub", self)))

    def __rsub__(self, other: float) -> Value:
        """Return ``other - self`` as a ``sub`` node."""
        return apply(SUB, (_operand(other, "sub", self), self))

    def __mul__(self, other: Value | float) -> Value:
        """Return ``self * other`` as a ``mul`` node."""
        return apply(MUL, (self, _operand(other, "mul", self)))

    def __rmul__(self, other: float) -> Value:
        """Return ``other * self`` as a ``mul`` node."""
        return apply(MUL, (_operand(other, "mul", self), self))

    def __truediv__(self, other: Value | float) -> Value:
        """Return ``self / other``; raises ``ZeroDivisionError`` for a zero divisor."""
        return apply(DIV, (self, _operand(other, "div", self)))

    def __rtruediv__(self, other: float) -> Value:
        """Return ``other / self``; raises ``ZeroDivisionError`` for a zero divisor."""
        return apply(DIV, (_operand(other, "div", self), self))

    def __neg__(self) -> Value:
        """Return ``-self`` as a ``neg`` node."""
        return apply(NEG, (self,))

    def __pos__(self) -> Value:
        """Return the node itself."""
        return self

    def __pow__(self, other: Value | float) -> Value:
        """Return ``self ** other``.

        A number exponent gives a ``powc`` node carrying the exponent; a Value
        exponent a ``pow`` node, differentiable in both inputs.

        Raises:
            ValueError: For a negative base and a non-integer exponent.
            ZeroDivisionError: For 0 to a negative power.
        """
        if type(other) is Value:
            return apply(POW, (self, other))
        # _operand's message names this node when the exponent is not a finite number.
        k = other if type(other) is float and other - other == 0.0 else None
        if k is None:
            k = _operand(other, "pow", self).data
        fast = _POWC_FAST.get(k)
        if fast is None:
            fast = _powc_method(k)
        return fast(self)

    def __rpow__(self, other: float) -> Value:
        """Return ``other ** self`` as a ``pow`` node."""
        return apply(POW, (_operand(other, "pow", self), self))

    # ---------------------------------------------------------- functions
    def exp(self) -> Value:
        """Return e**self; raises ``OverflowError`` where the result overflows (above ~709.78)."""
        return apply(EXP, (self,))

    def log(self) -> Value:
        """Return the natural logarithm; raises ``ValueError`` for data <= 0."""
        return apply(LOG, (self,))

    def sigmoid(self) -> Value:
        """Return 1 / (1 + e**-self), stable for every finite input."""
        return apply(SIGMOID, (self,))

    def tanh(self) -> Value:
        """Return the hyperbolic tangent."""
        return apply(TANH, (self,))

    def relu(self) -> Value:
        """Return max(self, 0); its derivative at 0 is taken as 0."""
        return apply(RELU, (self,))

    def softplus(self) -> Value:
        """Return log(1 + e**self) without overflow; its derivative is sigmoid."""
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
        _REVERSE[0](self, grad, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Reset ``grad`` (and ``grad_node``) of every node reachable from this one."""
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


def record_node(data: float, parents: tuple[Value, ...], op: Op) -> Value:
    """Record a node computed by ``op`` from ``parents``, with ``data`` as its value.

    No forward is run and nothing is checked: the caller vouches that ``data``
    is what ``op`` gives on the parents' data (the stepper uses it to copy a
    graph as it was recorded). Use :func:`apply` to compute a node.
    """
    n = len(parents)
    if n == 2:
        return _node(data, parents[0], parents[1], op)
    if n == 1:
        return _node(data, parents[0], None, op)
    return _node(data, parents if n else None, None, op)


_new = object.__new__
_data_of = attrgetter("data")


def constant(x: float) -> Value:
    """Return ``x`` as a constant node (shown as a plain number in diagrams).

    Raises:
        TypeError: If ``x`` is not a real number.
        ValueError: If ``x`` is NaN or infinite.
    """
    f = real_number(x, "constant")
    if f - f != 0.0:
        raise ValueError(f"constant: must be finite, got {f!r}")
    return _node(f, None, None, CONST)


def _operand(x: object, opname: str, other: Value) -> Value:
    """Return ``x`` as a node: a Value as it is, a finite number as a constant."""
    t = type(x)
    if t is float:
        if x - x == 0.0:  # type: ignore[operator]
            v = _new(Value)
            v.data = x  # type: ignore[assignment]
            v.grad = 0.0
            v._a = None
            v._b = None
            v.op = CONST
            v.label = ""
            v.grad_node = None
            v.order = _next()
            return v
    elif t is Value or isinstance(x, Value):
        return x  # type: ignore[return-value]
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        if isinstance(x, bool):
            return _node(float(x), None, None, CONST)
        who = f"Value {other.label!r}" if other.label else "a Value"
        raise TypeError(
            f"{opname}: cannot combine {who} (data={other.data!r}) with "
            f"{type(x).__name__} {x!r:.60}; operands must be real numbers or Values"
        )
    try:
        f = float(x)
    except OverflowError:
        raise OverflowError(
            f"{opname}: operand {x!r:.40} is too large for a float (with {_describe((other,))})"
        ) from None
    if f - f != 0.0:
        raise ValueError(
            f"{opname}: operand must be finite, got {f!r} (with {_describe((other,))})"
        )
    return _node(f, None, None, CONST)


def apply(op: Op, args: tuple[Value, ...]) -> Value:
    """Run ``op``'s forward on ``args`` and record the result as a node.

    This is the general path every op goes through when its inline fast path
    does not apply. Errors from the forward (outside the domain, overflow,
    NaN) are raised with the op's name and the labels and values of the
    inputs; inside :func:`~autograd_lite.detect_anomaly` they carry the line
    of code that made the op.

    Args:
        op: A row of the op table.
        args: The input nodes, in order.

    Returns:
        The new node (a leaf when recording is off, see :func:`no_grad`).
    """
    try:
        data = op.forward([a.data for a in args], op.param)
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        error = type(exc)(f"{op.name}: {exc} ({_describe(args)})")
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
    chain of ``+`` would add them (and as the compiled program adds arrays).
    Exported as ``autograd_lite.sum``.

    Args:
        values: Values or real numbers (numbers become constants).

    Returns:
        The sum node; a constant 0 for an empty input.
    """
    items = tuple(values)
    for v in items:
        if type(v) is not Value:
            break
    else:
        if _PLAIN and items:
            try:
                d = _ADD_FWD(list(map(_data_of, items)), FLOAT_MATH, None)
            except OverflowError:
                d = _INF
            if d - d == 0.0:
                return record_node(d, items, ADD)  # type: ignore[arg-type]
        if not items:
            return constant(0.0)
        return apply(ADD, items)  # type: ignore[arg-type]
    args = [v if isinstance(v, Value) else constant(real_number(v, "add")) for v in items]
    if not args:
        return constant(0.0)
    return apply(ADD, tuple(args))


_ADD_FWD = ADD.fwd
_INF = float("inf")


def mean(values: Iterable[Value | float]) -> Value:
    """Return the mean of ``values`` as one add node divided by their count.

    Raises:
        ValueError: If ``values`` is empty.
    """
    items = list(values)
    if not items:
        raise ValueError("mean: no values to average")
    return vsum(items) / len(items)


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

    @staticmethod
    def relu(x: Value) -> Value:
        return x.relu()

    @staticmethod
    def softplus(x: Value) -> Value:
        return x.softplus()

    @staticmethod
    def add(xs: Sequence[Value]) -> Value:
        return vsum(xs)

    @staticmethod
    def either(p: object, q: object) -> bool:
        return bool(p or q)

    @staticmethod
    def is_integer(x: Value | float) -> bool:
        return float(x).is_integer()


#: The namespace passed to rules when gradients are built as graphs.
VALUE_MATH = _ValueMath()


# ------------------------------------------------------ pickle and copy
# A node is pickled with every node it depends on (through its parents and its
# ``grad_node``) as ONE flat record: arrays of numbers, the op rows, parent
# indices. Loading rebuilds that list in creation order, so nothing recurses
# along the depth of the graph. Several nodes pickled by one pickler (``dumps([a,
# b])``) share a *session*: a node already written in an earlier record is
# referenced there, not written again, so shared sub-expressions stay shared.
# The session lives exactly as long as that pickler's memo: the pickler is the
# only holder of the ``_Session`` object, the thread keeps a weak reference.

_local = threading.local()


class _Session:
    """The nodes one pickler has written so far."""

    __slots__ = ("__weakref__", "records", "starts", "where")

    def __init__(self) -> None:
        # where[node]: its number in the session (-1: pickled as a lone node).
        self.where: dict[Value, int] = {}
        self.records: list[_Record] = []
        self.starts: list[int] = []

    def __reduce__(self) -> tuple[Any, ...]:
        return (_no_session, ())


def _no_session() -> None:
    return None


def _session() -> _Session:
    ref = getattr(_local, "session", None)
    s = ref() if ref is not None else None
    if s is None:
        s = _Session()
        _local.session = weakref.ref(s)
    return s


def _closure(
    root: Value, known: Callable[[Value], bool] | None, boundary: list[Value]
) -> list[Value]:
    """Every node ``root`` depends on that is not ``known``, in creation order.

    Iterative; it follows parents and ``grad_node`` and stops at known nodes,
    which it lists in ``boundary``.
    """
    seen = {root}
    found = [root]
    stack = [root]
    pop = stack.pop
    push = stack.append
    add = seen.add
    keep = found.append
    while stack:
        n = pop()
        b = n._b
        if b is not None:
            ps: Any = (n._a, b)
        else:
            ps = n._a
            if type(ps) is not tuple:
                ps = () if ps is None else (ps,)
        g = n.grad_node
        if g is not None:
            ps = (*ps, g)
        for p in ps:
            if p in seen:
                continue
            add(p)
            if known is not None and known(p):
                boundary.append(p)
                continue
            keep(p)
            if p._a is not None or p.grad_node is not None:
                push(p)
    # Found depth first from the root, the list is made of long descending runs.
    found.sort(key=_order_of)
    return found


_order_of = attrgetter("order")
_label_of = attrgetter("label")
_grad_of = attrgetter("grad")


class _Record:
    """One flat record on the dumping side: a node and what it depends on."""

    __slots__ = ("payload",)

    def __init__(self, nodes: list[Value], s: _Session) -> None:
        where = s.where
        base = len(where)
        s.starts.append(base)
        s.records.append(self)
        for i, n in enumerate(nodes):
            where[n] = base + i
        ext: list[Value] = []
        ext_index: dict[Value, int] = {}

        def outside(p: Value) -> int:
            # A node written earlier, by another record or on its own.
            k = ext_index.get(p, -1)
            if k < 0:
                k = ext_index[p] = len(ext)
                ext.append(p)
            return -1 - k

        counts: list[int] = []
        refs: list[int] = []
        count = counts.append
        ref = refs.append
        owners: list[int] = []
        links: list[int] = []
        for i, n in enumerate(nodes):
            b = n._b
            if b is not None:
                count(2)
                a: Any = n._a
                k = where[a] - base
                ref(k if k >= 0 else outside(a))
                k = where[b] - base
                ref(k if k >= 0 else outside(b))
            else:
                a = n._a
                if a is None:
                    count(0)
                elif type(a) is tuple:
                    count(len(a))
                    for p in a:
                        k = where[p] - base
                        ref(k if k >= 0 else outside(p))
                else:
                    count(1)
                    k = where[a] - base
                    ref(k if k >= 0 else outside(a))
            g = n.grad_node
            if g is not None:
                k = where[g] - base
                owners.append(i)
                links.append(k if k >= 0 else outside(g))
        labels = {i: label for i, label in enumerate(map(_label_of, nodes)) if label}
        self.payload = (
            array("d", map(_data_of, nodes)),
            array("d", map(_grad_of, nodes)),
            [n.op for n in nodes],
            labels,
            array("L", counts),
            array("q", refs),
            array("q", owners),
            array("q", links),
            ext,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_load_record, self.payload)


def _reduce(v: Value) -> tuple[Any, ...]:
    with gc_paused():  # many objects, no cycles: skip the collector's rescans
        return _reduce_node(v)


def _reduce_node(v: Value) -> tuple[Any, ...]:
    s = _session()
    k = s.where.get(v)
    if k is not None and k >= 0:
        r = bisect_right(s.starts, k) - 1
        return (_pick, (s.records[r], k - s.starts[r]))
    if v._a is None and v.grad_node is None:
        s.where[v] = -1
        return (_lone, (v.data, v.grad, v.label, v.op, s))
    nodes = _closure(v, s.where.__contains__ if s.where else None, [])
    record = _Record(nodes, s)
    return (_pick, (record, s.where[v] - s.starts[-1], s))


def _lone(data: float, grad: float, label: str, op: Op | None, session: object = None) -> Value:
    v = _new(Value)
    v.data = data
    v.grad = grad
    v._a = None
    v._b = None
    v.op = op
    v.label = label
    v.grad_node = None
    v.order = _next()
    return v


def _pick(nodes: list[Value], i: int, session: object = None) -> Value:
    return nodes[i]


@gc_paused()  # many objects: skip the collector's rescans while they are made
def _load_record(
    datas: Sequence[float],
    grads: Sequence[float],
    op_rows: Sequence[Op | None],
    labels: dict[int, str],
    counts: Sequence[int],
    refs: Sequence[int],
    owners: Sequence[int],
    links: Sequence[int],
    ext: Sequence[Value],
) -> list[Value]:
    """Rebuild a record's nodes in creation order (fresh ``order`` numbers, same sequence).

    A reference ``k >= 0`` is the record's own node ``k``; ``k < 0`` is
    ``ext[-1 - k]``, a node loaded earlier.
    """
    nodes: list[Value] = []
    keep = nodes.append
    j = 0
    for data, grad, op, c in zip(datas, grads, op_rows, counts, strict=True):
        v = _new(Value)
        v.data = data
        v.grad = grad
        v.op = op
        v.label = ""
        v.grad_node = None
        v.order = _next()
        if c == 0:
            v._a = None
            v._b = None
        elif c == 2:
            k = refs[j]
            v._a = nodes[k] if k >= 0 else ext[-1 - k]
            k = refs[j + 1]
            v._b = nodes[k] if k >= 0 else ext[-1 - k]
            j += 2
        elif c == 1:
            k = refs[j]
            v._a = nodes[k] if k >= 0 else ext[-1 - k]
            v._b = None
            j += 1
        else:
            v._a = tuple(nodes[k] if k >= 0 else ext[-1 - k] for k in refs[j : j + c])
            v._b = None
            j += c
        keep(v)
    for i, k in zip(owners, links, strict=True):
        nodes[i].grad_node = nodes[k] if k >= 0 else ext[-1 - k]
    for i, label in labels.items():
        nodes[i].label = label
    return nodes


@gc_paused()  # many objects: skip the collector's rescans while they are made
def _deepcopy(root: Value, memo: dict[int, Any]) -> Value:
    # Every node copied with this memo, original -> copy, kept under one key of
    # the memo (the dict also keeps the originals alive, as the memo requires).
    new: dict[Value, Value] | None = memo.get(_COPIES)
    if new is None:
        new = memo[_COPIES] = {}
    done = new.get(root)
    if done is not None:
        return done
    nodes = _closure(root, new.__contains__ if new else None, [])
    linked = []
    # In creation order, so the copies of a node's parents exist before it.
    for n in nodes:
        v = _new(Value)
        v.data = n.data
        v.grad = n.grad
        b = n._b
        if b is not None:
            v._a = new[n._a]  # type: ignore[index]
            v._b = new[b]
        else:
            a = n._a
            v._b = None
            if a is None:
                v._a = None
            elif type(a) is tuple:
                v._a = tuple([new[p] for p in a])
            else:
                v._a = new[a]  # type: ignore[index]
        v.op = n.op
        v.label = n.label
        v.grad_node = None
        v.order = _next()
        new[n] = v
        if n.grad_node is not None:
            linked.append(n)
    for n in linked:
        new[n].grad_node = new[n.grad_node]  # type: ignore[index]
    return new[root]


# The memo key of that dict: the id of an object that lives as long as the module.
_COPIES_KEY = object()
_COPIES = id(_COPIES_KEY)


# ------------------------------------------------------------ fast paths
def _install() -> None:
    """Replace the operator methods of ``Value`` by their generated fast paths.

    The code runs in this module's namespace, so it reads the live ``_PLAIN``.
    """
    source, env = kernel.forward_source(ops.TABLE)
    scope = globals()
    scope.update(env)
    exec(compile(source, "<autograd_lite.kernel forward>", "exec"), scope)
    for fname, _, _ in kernel.METHODS:
        fast = scope.pop(f"_fast{fname}")
        general = getattr(Value, fname)
        fast.__doc__ = general.__doc__
        fast.__qualname__ = general.__qualname__
        fast.__module__ = __name__
        fast.__annotations__ = general.__annotations__
        setattr(Value, fname, fast)


_POWC_FAST: dict[float, Callable[[Value], Value]] = {}


def _powc_method(k: float) -> Callable[[Value], Value]:
    """The fast path of ``x ** k`` for one exponent (generated on first use)."""
    row = ops.pow_const(k)
    if len(_POWC_FAST) >= 64:  # rare exponents take the general path
        return lambda x: apply(row, (x,))
    key = f"R_powc{len(_POWC_FAST)}"
    scope = globals()
    scope[key] = row
    namespace: dict[str, Any] = {}
    source = kernel.method_source("_fast_powc", row, key, "unary")
    exec(compile(source, "<autograd_lite.kernel forward>", "exec"), scope, namespace)
    fast: Callable[[Value], Value] = namespace["_fast_powc"]
    _POWC_FAST[k] = fast
    return fast


_install()
