r"""The fast layer: the eager engine's hot paths, generated from the op table.

The core (:mod:`autograd_lite.core`) is the readable, runnable specification:
``Value.__mul__`` applies the ``mul`` row, ``Value.backward`` runs the chain
rule node by node through ``row.local``. Two pieces of code run for almost
every node, so this layer generates faster versions of them from the same
rows and installs them on ``Value`` when the package is imported:

**Forward.** Each operator method (``__mul__``, ``exp``...) is printed from its
row's ``fn`` and ``checks`` run on symbols: when no thread is in a special
mode, it tests the domain inline, computes the result inline, tests that it
is finite, and builds the node with no further call; anything unusual falls
back to the core's method, which owns the error messages.
:data:`FORWARD_SOURCE` is the text.

**Backward.** One loop over the nodes with one branch per common row, each
printed from the row's ``local`` rule, e.g. for ``mul``:

.. code-block:: python

    elif op is R0:  # mul
        a = n._a
        b = n._b
        a.grad += g * b._data
        b.grad += g * a._data

Rows without a branch run the generic branch, which calls the rule.
:data:`SOURCE` is the text. Around the loop, :func:`backward` keeps the core's
guarantee that a failed pass changes nothing: it saves every gradient it
overwrites and restores them all if anything raises, then lets the core's
pass raise the error with its full message. The loop tests no gradient: an
infinite or NaN gradient anywhere is passed on by every branch down to the
leaves and constants (``inf * 0.0`` is NaN), so one sum over those finds it.

Nothing here changes a result: every generated path gives the core's numbers
bit for bit (the consistency tests check it), and :func:`uninstall` puts the
core's own methods back.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from operator import add, attrgetter
from string import Template
from typing import Any

from autograd_lite.base import mode
from autograd_lite.base.mode import grad_nodes_made
from autograd_lite.core.checks import seed_gradient
from autograd_lite.core.graph import by_order
from autograd_lite.core.primitives import FLOAT_MATH
from autograd_lite.core.value import BUILTIN, TABLE, Op, Value, next_order, operand
from autograd_lite.fast.symbolic import SYM_MATH, Sym, SymMath

__all__ = [
    "FORWARD_SOURCE",
    "METHODS",
    "SOURCE",
    "backward",
    "branch_rows",
    "install",
    "installed",
    "loop_source",
    "make_loop",
    "method_source",
    "uninstall",
]

#: Which ``Value`` method computes which row, and how its operands are taken:
#: ``"unary"`` (self), ``"binary"`` (self, other) or ``"reflected"`` (other, self).
METHODS: tuple[tuple[str, str, str], ...] = (
    ("__add__", "add", "binary"),
    ("__radd__", "add", "reflected"),
    ("__sub__", "sub", "binary"),
    ("__rsub__", "sub", "reflected"),
    ("__mul__", "mul", "binary"),
    ("__rmul__", "mul", "reflected"),
    ("__truediv__", "div", "binary"),
    ("__rtruediv__", "div", "reflected"),
    ("__neg__", "neg", "unary"),
    ("__abs__", "abs", "unary"),
    ("exp", "exp", "unary"),
    ("log", "log", "unary"),
    ("sigmoid", "sigmoid", "unary"),
    ("tanh", "tanh", "unary"),
    ("relu", "relu", "unary"),
    ("softplus", "softplus", "unary"),
)

#: Rows with a branch of their own in the backward loop, most frequent first
#: (each miss costs an identity test): products, sums and differences dominate.
_ORDER = ("mul", "add", "sub", "softplus", "sigmoid", "exp", "log", "tanh", "relu", "neg", "div")

# --------------------------------------------------------------- forward
# A number operand becomes a constant node right here: models multiply by their
# inputs, so this is as hot as the op itself.
_BINARY = Template("""\
def $fname(self, other):
    if _PLAIN:
        t = type(other)
        if t is not Value:
            if t is int and -9007199254740992 <= other <= 9007199254740992:
                other = float(other)  # exactly: what the core's operand does
                t = float
            if t is float and other - other == 0.0:
                c = _new(Value)
                c._data = other
                c.grad = _ZERO
                c._a = None
                c._b = None
                c.op = R_const
                c.label = ""
                c.grad_node = None
                c.order = _next()
                other = c
            else:
                other = _operand(other, $opname, self)
        x0 = $first._data
        x1 = $second._data
        try:
$body
        except OverflowError:
            pass
    return _general_$fname(self, other)
""")
_UNARY = Template("""\
def $fname(self):
    if _PLAIN:
        x0 = self._data
        try:
$body
        except OverflowError:
            pass
    return _general_$fname(self)
""")
# The node construction of value.record_node, inlined.
_BUILD = """\
v = _new(Value)
v._data = d
v.grad = _ZERO
v._a = $first
v._b = $second
v.op = $key
v.label = ""
v.grad_node = None
v.order = _next()
return v"""

#: Generated forwards call the float namespace through plain globals
#: (``m_exp``), one attribute look-up cheaper than ``m.exp``.
_INLINE = SymMath("m_")


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def method_source(fname: str, row: Op, key: str, shape: str) -> str:
    """Write the fast forward of one row as a function named ``fname``.

    ``key`` is the global name the row is bound to; the function also needs
    ``_general_<fname>`` (the core's method, the fallback) in its globals.
    """
    arity = 1 if shape == "unary" else 2
    xs = [Sym(f"x{i}") for i in range(arity)]
    first, second = ("other", "self") if shape == "reflected" else ("self", "other")
    conds = [
        str(c) for c in (ch.holds(xs, _INLINE, row.param) for ch in row.checks) if c is not True
    ]
    build = Template(_BUILD).substitute(
        first=first if arity == 2 else "self", second=second if arity == 2 else "None", key=key
    )
    body = f"d = {row.fwd(xs, _INLINE, row.param)}\n"
    body += (
        build
        if row.finite
        else "if d - d == 0.0:  # finite: neither inf nor NaN\n" + _indent(build, 4)
    )
    if conds:
        body = f"if {' and '.join(conds)}:\n" + _indent(body, 4)
    template = _UNARY if arity == 1 else _BINARY
    return template.substitute(
        fname=fname, body=_indent(body, 12), first=first, second=second, opname=repr(row.name)
    )


def forward_source(rows: dict[str, Op]) -> tuple[str, dict[str, Any]]:
    """Write every method of :data:`METHODS`; return the text and the row globals it needs."""
    env: dict[str, Any] = {"R_const": rows["const"]}
    parts = []
    for fname, name, shape in METHODS:
        env[f"R_{name}"] = rows[name]
        parts.append(method_source(fname, rows[name], f"R_{name}", shape))
    return "\n\n".join(parts), env


#: The source of the ``Value`` operator methods (for reading and teaching).
FORWARD_SOURCE = forward_source(TABLE)[0]


# --------------------------------------------------------------- backward
_PARENTS = ("a", "b")


def _is(d: object, k: float) -> bool:
    return not isinstance(d, Sym) and float(d) == k  # type: ignore[arg-type]


def _update(parent: str, d: object) -> str:
    if _is(d, 1.0):
        return f"{parent}.grad += g"
    if _is(d, -1.0):
        return f"{parent}.grad -= g"  # x + g*(-1.0) and x - g round identically
    text = d.text if isinstance(d, Sym) else repr(float(d))  # type: ignore[arg-type]
    return f"{parent}.grad += g * {text}"


def _branch(row: Op) -> list[str] | None:
    """The statements for one row, derivatives computed before any update."""
    if row.arity not in (1, 2):
        return None
    xs = [Sym(f"x{i}") for i in range(row.arity)]
    try:
        locs = row.local(xs, Sym("y"), SYM_MATH, row.param)
    except TypeError:  # the rule branches on its input: the generic branch runs it
        return None
    lines = [f"{_PARENTS[i]} = n.{'_a' if i == 0 else '_b'}" for i in range(row.arity)]
    body: list[str] = []
    updates: list[str] = []
    for i, d in enumerate(locs):
        if isinstance(d, Sym) and not re.fullmatch(r"x\d|y", d.text):
            body.append(f"d{i} = {d.text}")
            d = Sym(f"d{i}")
        updates.append(_update(_PARENTS[i], d))
    text = "\n".join(body + updates)
    lines += [
        f"x{i} = {_PARENTS[i]}._data" for i in range(row.arity) if re.search(rf"\bx{i}\b", text)
    ]
    if re.search(r"\by\b", text):
        lines.append("y = n._data")
    return lines + body + updates


# The n-ary sum stores two inputs in the two slots and more as a tuple.
_SUM = """\
b = n._b
if b is not None:
    n._a.grad += g
    b.grad += g
else:
    a = n._a
    if type(a) is tuple:
        for p in a:
            p.grad += g
    else:
        a.grad += g"""

_GENERIC = """\
ps = n.parents
for p, d in zip(ps, op.local([p._data for p in ps], n._data, m, op.param), strict=True):
    p.grad += g * d"""

_LOOP = Template("""\
def loop(order):
    for n in order:
        op = n.op
        g = n.grad
$branches
""")


def loop_source(rows: Sequence[Op]) -> tuple[str, dict[str, Any]]:
    """Write the loop with one branch per row of ``rows``, tested in that order.

    Returns:
        The source of ``loop(order)`` and the globals it needs (``R0``, ``R1``...
        for the rows, ``m`` for the float math namespace). A row that is not
        unary or binary, whose rule cannot be printed, or an n-ary row whose
        local derivatives are not all 1, runs the generic branch.
    """
    env: dict[str, Any] = {"m": FLOAT_MATH}
    parts: list[str] = []
    for row in rows:
        if row.arity == -1:
            ones = row.local([Sym("x0"), Sym("x1"), Sym("x2")], Sym("y"), SYM_MATH, row.param)
            lines = _SUM.splitlines() if all(_is(d, 1.0) for d in ones) else None
        else:
            lines = _branch(row)
        if lines is not None:
            key = f"R{len(env) - 1}"
            env[key] = row
            head = "if" if not parts else "elif"
            parts.append(f"{head} op is {key}:  # {row.name}\n" + _indent("\n".join(lines), 4))
    generic = ("else:\n" + _indent(_GENERIC, 4)) if parts else _GENERIC
    return _LOOP.substitute(branches=_indent("\n".join([*parts, generic]), 8)), env


Loop = Callable[[Sequence[Any]], None]


def make_loop(rows: Sequence[Op] | None = None) -> Loop:
    """Compile the loop for ``rows`` (the common rows of the table by default).

    The returned ``loop(order)`` takes the nodes with inputs, each before its
    inputs and each ``grad`` already complete when it is reached, and adds
    every edge's ``g * d`` into the input's ``grad``; it raises where a rule
    raises. It does not test gradients: a gradient that is not finite is
    passed on by every branch (``inf * 0.0`` is NaN), so it reaches the
    leaves and constants, where :func:`backward` tests them all at once.
    """
    source, env = loop_source(branch_rows() if rows is None else rows)
    exec(compile(source, "<autograd_lite.fast.kernel>", "exec"), env)
    loop: Loop = env["loop"]
    return loop


def branch_rows() -> tuple[Op, ...]:
    """The rows with a branch of their own: the common ones first, then every other built-in."""
    first = [TABLE[name] for name in _ORDER]
    rest = [
        row
        for name, row in TABLE.items()
        if name in BUILTIN and row not in first and row.arity in (-1, 1, 2) and row.param is None
    ]
    return tuple(row for row in (*first, *rest) if _branch(row) is not None or row.arity == -1)


#: The source of the loop ``Value.backward`` runs (for reading and teaching).
SOURCE = loop_source(branch_rows())[0]

_grad_of = attrgetter("grad")
_drain: Callable[[Iterable[None]], None] = deque[None](maxlen=0).extend  # runs an iterator


Walk = tuple[
    list[Value],
    list[Value],
    list[Value],
    list[float],
    list[Value],
    list[float],
    list[Value],
    list[float],
]


def _walk(root: Value) -> Walk:
    """Mark the graph for one pass; return what the loop and a restore need.

    Returns the nodes with inputs (``found``), the constants (``consts``)
    and the leaves (``ends``, with their gradients ``ends_old``), each once;
    ``carried``, the leaves whose gradient before the call is not zero, with
    those gradients in ``carried_old``; and ``saved``, the nodes of ``found``
    and ``consts`` whose gradient before the call is not this module's
    ``_ZERO``, with those gradients in ``saved_old``.

    Only the carried leaves need their gradient added after the loop: a
    leaf's gradient starts the loop at ``mark`` (0.0), so the loop leaves
    ``0.0 + c1 + c2...``, which is never -0.0, and a zero (``0.0``, ``-0.0``,
    ``0``) plus it is itself, to the bit. Only the saved nodes need their
    gradient put back by a restore: every other one held ``_ZERO`` itself,
    as a node made here does until a backward reaches it, so ``_ZERO`` is
    its gradient to the bit.

    A visited node's ``grad`` is set to a float object made for this call
    (``mark``, equal to 0.0): identity with it means "already visited",
    which spares a ``seen`` set. An older mark cannot be mistaken for it: a
    node still holding one keeps that object alive at its address.
    """
    mark = root.grad * 0.0 + 0.0  # arithmetic allocates a fresh float object
    found: list[Value] = []
    consts: list[Value] = []
    ends: list[Value] = []
    ends_old: list[float] = []
    # Two lists rather than one of pairs: a pair per node would be an object
    # for the garbage collector to count, and would set off its collections.
    carried: list[Value] = []
    carried_old: list[float] = []
    saved: list[Value] = []
    saved_old: list[float] = []
    if root.grad is not _ZERO:
        saved.append(root)
        saved_old.append(root.grad)
    root.grad = mark
    stack = [root]
    pop, push, keep, const = stack.pop, stack.append, found.append, consts.append
    end, end_save = ends.append, ends_old.append
    carry, carry_save = carried.append, carried_old.append
    save, save_old = saved.append, saved_old.append
    zero = _ZERO
    # Depth first, each node kept when it is popped, so that ``found`` comes
    # out in long runs of creation order and the sort after the walk has
    # little to do (breadth first interleaves the subgraphs of a long chain of
    # sums and makes the sort several times slower; keeping a node when it is
    # first seen puts a sum's inputs in rising order, a run of one each).
    # The visit of a parent is written out for the binary case rather than
    # building a tuple per node: this walk is a third of backward's time.
    while stack:
        n = pop()
        keep(n)
        b = n._b
        if b is not None:
            a: Any = n._a
            old = a.grad
            if old is not mark:
                a.grad = mark
                if a._a is not None:
                    push(a)
                    if old is not zero:
                        save(a)
                        save_old(old)
                elif a.op is None:
                    end(a)
                    end_save(old)
                    if old:
                        carry(a)
                        carry_save(old)
                else:
                    const(a)
                    if old is not zero:
                        save(a)
                        save_old(old)
            old = b.grad
            if old is not mark:
                b.grad = mark
                if b._a is not None:
                    push(b)
                    if old is not zero:
                        save(b)
                        save_old(old)
                elif b.op is None:
                    end(b)
                    end_save(old)
                    if old:
                        carry(b)
                        carry_save(old)
                else:
                    const(b)
                    if old is not zero:
                        save(b)
                        save_old(old)
        else:
            a = n._a
            for p in a if type(a) is tuple else (a,):
                old = p.grad
                if old is not mark:
                    p.grad = mark
                    if p._a is not None:
                        push(p)
                        if old is not zero:
                            save(p)
                            save_old(old)
                    elif p.op is None:
                        end(p)
                        end_save(old)
                        if old:
                            carry(p)
                            carry_save(old)
                    else:
                        const(p)
                        if old is not zero:
                            save(p)
                            save_old(old)
    return found, consts, ends, ends_old, carried, carried_old, saved, saved_old


def backward(self: Value, grad: float = 1.0, *, create_graph: bool = False) -> None:
    """The fast path of ``Value.backward`` (the core's docs apply)."""
    if create_graph or not _PLAIN or self._a is None:
        _general_backward(self, grad, create_graph=create_graph)
        return
    seed = grad if type(grad) is float and grad - grad == 0.0 else seed_gradient(grad)
    found, consts, ends, ends_old, carried, carried_old, saved, saved_old = _walk(self)
    try:
        self.grad = seed
        found.sort(key=by_order, reverse=True)  # in place: found is ours
        _loop(found)
        # A leaf adds this call's gradient to the earlier ones, ``old + new`` for
        # each (in C: models whose inputs are leaves carry thousands).
        _drain(map(setattr, carried, repeat("grad"), map(add, carried_old, map(_grad_of, carried))))
        # One sum tests them all: finite unless one is not (or they add past the range).
        total = sum(map(_grad_of, ends)) + sum(map(_grad_of, consts))
        if total - total != 0.0:
            for e in (*ends, *consts):
                if e.grad - e.grad != 0.0:
                    raise OverflowError(e.grad)
        if grad_nodes_made():  # before any, there is no grad_node to clear
            for group in (found, ends, consts):
                for n in group:
                    n.grad_node = None
    except BaseException as exc:
        for group in (found, consts):
            for n in group:
                n.grad = _ZERO
        for nodes, olds in ((saved, saved_old), (ends, ends_old)):
            for n, old in zip(nodes, olds, strict=True):
                n.grad = old
        if isinstance(exc, ValueError | ZeroDivisionError | OverflowError):
            _general_backward(self, grad)  # raises the error with its full message
        raise


_loop: Loop = make_loop()

# True while no thread is in no_grad or has a hook installed (see core.mode).
_PLAIN = True


def _set_plain(fast: bool) -> None:
    global _PLAIN
    _PLAIN = fast


_general_backward = Value.backward
_general_call = Op.__call__
_general_pow = Value.__pow__
_CORE: dict[str, Any] = {}
#: The gradient every node made here starts with (0.0): one object, so that the
#: walk tells by identity that a node's gradient is still the one it was made with.
_ZERO = 0.0
# What the fast sum below uses, bound once.
_new = object.__new__
_next = next_order
m_add = FLOAT_MATH.add
R_add = TABLE["add"]


def _call(self: Op, *args: Any) -> Any:
    """The fast path of ``Op.__call__`` for the n-ary sum of Values (``autograd_lite.sum``)."""
    n = len(args)
    if self is R_add and _PLAIN and n > 2:
        # Only a Value's number is kept, so the count tells whether every
        # argument is one (a single pass: a model's sums have dozens of terms).
        xs = [a._data for a in args if type(a) is Value]
        if len(xs) == n and (d := m_add(xs)) - d == 0.0:
            v = _new(Value)
            v._data = d
            v.grad = _ZERO
            v._a = args
            v._b = None
            v.op = R_add
            v.label = ""
            v.grad_node = None
            v.order = _next()
            return v
    return _general_call(self, *args)


#: Fast ``x ** k`` methods, one per constant exponent (the commonest 64), made on first use.
_POWC_FAST: dict[float, Callable[[Value], Value]] = {}


def _powc_method(k: float) -> Callable[[Value], Value]:
    """Generate the fast path of ``x ** k`` for one exponent, from the ``powc`` row."""
    row = TABLE["powc"].with_param(k)
    n = len(_POWC_FAST)
    scope = globals()
    scope[f"R_powc{n}"] = row
    scope[f"_general__powc{n}"] = row  # the row's own call: the core's path
    namespace: dict[str, Any] = {}
    source = method_source(f"_powc{n}", row, f"R_powc{n}", "unary")
    exec(compile(source, "<autograd_lite.fast.kernel powc>", "exec"), scope, namespace)
    fast: Callable[[Value], Value] = namespace[f"_powc{n}"]
    _POWC_FAST[k] = fast
    return fast


def _pow(self: Value, other: Any) -> Value:
    """The fast path of ``Value.__pow__`` for a number exponent (the core's docs apply)."""
    t = type(other)
    if t is float or (t is int and -9007199254740992 <= other <= 9007199254740992):
        k = float(other)
        if k - k == 0.0:
            fast = _POWC_FAST.get(k)
            if fast is None and len(_POWC_FAST) < 64:
                fast = _powc_method(k)
            if fast is not None:
                return fast(self)
    return _general_pow(self, other)


def install() -> None:
    """Install the generated methods and the fast backward on ``Value``."""
    if _CORE:
        return
    source, env = forward_source(TABLE)
    scope = globals()
    scope.update(env)
    scope.update({f"m_{k}": v for k, v in vars(FLOAT_MATH).items()})
    scope.update(_operand=operand)
    for fname, _, _ in METHODS:
        _CORE[fname] = scope[f"_general_{fname}"] = getattr(Value, fname)
    namespace: dict[str, Any] = {}
    exec(compile(source, "<autograd_lite.fast.kernel forward>", "exec"), scope, namespace)
    for fname, _, _ in METHODS:
        fast = namespace[fname]
        core = _CORE[fname]
        fast.__doc__, fast.__qualname__, fast.__module__ = core.__doc__, core.__qualname__, __name__
        fast.__annotations__ = core.__annotations__
        scope[f"_fast_{fname.strip('_')}"] = fast
        setattr(Value, fname, fast)
    _CORE["__pow__"] = Value.__pow__
    _pow.__doc__ = Value.__pow__.__doc__
    setattr(Value, "__pow__", _pow)  # noqa: B010
    _CORE["__call__"] = Op.__call__
    setattr(Op, "__call__", _call)  # noqa: B010
    _CORE["backward"] = Value.backward
    backward.__doc__ = Value.backward.__doc__
    setattr(Value, "backward", backward)  # noqa: B010


def uninstall() -> None:
    """Put the core's own methods back on ``Value`` (results do not change)."""
    for fname, core in _CORE.items():
        setattr(Op if fname == "__call__" else Value, fname, core)
    _CORE.clear()


def installed() -> bool:
    """Return whether the fast layer is installed."""
    return bool(_CORE)


mode.on_fast_change(_set_plain)
