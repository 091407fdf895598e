"""The eager engine's hot paths, generated from the op table.

Two pieces of code run for almost every node the engine records: the forward
of an operator method (``Value.__mul__``, ``Value.exp``...) and the backward
loop. Both are written here from the rows, never by hand.

**Forward.** :func:`method_source` runs a row's ``fwd`` and ``checks`` on
symbols and writes a method that, when no thread is in a special mode, tests
the domain inline, computes the result inline, tests that it is finite, and
builds the node with no further call; anything unusual falls back to
``apply``, which owns the error messages. :data:`FORWARD_SOURCE` is the text.

**Backward.**

``Value.backward`` spends most of its time in one loop over the nodes in
reverse creation order. Calling each row's ``local`` rule from that loop costs
a function call and two tuples per node; instead, this module runs each rule
once on symbols (:mod:`autograd_lite.symbolic`), which prints the rule as an
expression, and writes a single loop with one branch per common op:

.. code-block:: python

    if op is R0:  # mul
        a = n._a
        b = n._b
        x0 = a.data
        x1 = b.data
        a.grad += g * x1
        b.grad += g * x0

No derivative is copied by hand: change a rule in the table and the loop
changes with it. Rows without a branch (``powc`` rows carry their exponent;
rows a user builds) run through a generic branch that calls the rule. Every
branch adds ``g * d`` in the same order as
:func:`autograd_lite.autodiff.backward_steps`, so both agree to the last bit.
The generated text is :data:`SOURCE`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite import ops
from autograd_lite.ops import FLOAT_MATH, Op
from autograd_lite.symbolic import SYM_MATH, Sym, SymMath

__all__ = ["FORWARD_SOURCE", "METHODS", "SOURCE", "loop_source", "make_loop", "method_source"]

#: Rows with a branch of their own, most frequent first (each miss costs an
#: identity test): products, sums and differences dominate models and losses.
_ORDER = (
    "mul",
    "add",
    "sub",
    "softplus",
    "sigmoid",
    "exp",
    "log",
    "tanh",
    "relu",
    "neg",
    "div",
    "identity",
    "pow",
)

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


def _branch(row: Op) -> list[str]:
    """The statements for one fixed-arity row, derivatives computed before any update."""
    k = row.arity
    xs = [Sym(f"x{i}") for i in range(k)]
    locs = row.local(xs, Sym("y"), SYM_MATH, row.param)
    lines = [f"{_PARENTS[i]} = n.{'_a' if i == 0 else '_b'}" for i in range(k)]
    body: list[str] = []
    updates: list[str] = []
    for i, d in enumerate(locs):
        if isinstance(d, Sym) and not re.fullmatch(r"x\d|y", d.text):
            body.append(f"d{i} = {d.text}")
            d = Sym(f"d{i}")
        updates.append(_update(_PARENTS[i], d))
    text = "\n".join(body + updates)
    lines += [f"x{i} = {_PARENTS[i]}.data" for i in range(k) if re.search(rf"\bx{i}\b", text)]
    if re.search(r"\by\b", text):
        lines.append("y = n.data")
    return lines + body + updates


def _add_branch(row: Op) -> list[str] | None:
    """The n-ary sum: one branch per storage shape, valid only if every local is 1."""
    locs = row.local([Sym("x0"), Sym("x1"), Sym("x2")], Sym("y"), SYM_MATH, row.param)
    if not all(_is(d, 1.0) for d in locs):
        return None
    return [
        "b = n._b",
        "if b is not None:",
        "    n._a.grad += g",
        "    b.grad += g",
        "else:",
        "    a = n._a",
        "    if type(a) is tuple:",
        "        for p in a:",
        "            p.grad += g",
        "    else:",
        "        a.grad += g",
    ]


_GENERIC = [
    "ps = n.parents",
    "locs = op.local([p.data for p in ps], n.data, m, op.param)",
    "for p, d in zip(ps, locs, strict=True):",
    "    p.grad += g * d",
]


def loop_source(rows: Sequence[Op]) -> tuple[str, dict[str, Any]]:
    """Write the loop with one branch per row of ``rows``, tested in that order.

    Returns:
        The source of ``loop(order, explain)`` and the globals it needs
        (``R0``, ``R1``... for the rows, ``m`` for the float math namespace).
        A row with no fixed arity of 1 or 2, or an n-ary row whose local
        derivatives are not all 1, gets no branch and runs the generic one.
    """
    env: dict[str, Any] = {"m": FLOAT_MATH}
    branches: list[tuple[str, list[str]]] = []
    for row in rows:
        if row.arity == -1:
            lines = _add_branch(row)
        elif row.arity in (1, 2):
            lines = _branch(row)
        else:
            lines = None
        if lines is not None:
            key = f"R{len(branches)}"
            env[key] = row
            branches.append((key, [f"# {row.name}", *lines]))
    out = [
        "def loop(order, explain, nonfinite):",
        "    n = None",
        "    try:",
        "        for n in order:",
        "            op = n.op",
        "            g = n.grad",
        "            if g - g != 0.0:  # inf or NaN: the pass stops and says where",
        "                nonfinite(n)",
    ]
    pad = " " * 16
    for i, (key, lines) in enumerate(branches):
        out.append(f"            {'if' if i == 0 else 'elif'} op is {key}:")
        out += [pad + line for line in lines]
    if branches:
        out.append("            else:")
        out += [pad + line for line in _GENERIC]
    else:
        out += [" " * 12 + line for line in _GENERIC]
    out += [
        "    except (ValueError, ZeroDivisionError, OverflowError):",
        "        if n is not None:",
        "            explain(n)",
        "        raise",
    ]
    return "\n".join(out) + "\n", env


Loop = Callable[[Sequence[Any], Callable[[Any], object], Callable[[Any], object]], None]


def make_loop(rows: Sequence[Op] | None = None) -> Loop:
    """Compile the loop for ``rows`` (the common rows of the table by default).

    The returned ``loop(order, explain, nonfinite)`` takes the nodes with
    inputs, each before its inputs and each ``grad`` already complete when it
    is reached, and adds every edge's ``g * d`` into the input's ``grad``. If
    a rule raises, ``explain(node)`` is called to re-raise it with the node's
    context; a node whose gradient is not finite is passed to
    ``nonfinite(node)``, which raises.
    """
    source, env = loop_source(_DEFAULT_ROWS if rows is None else rows)
    exec(compile(source, "<autograd_lite.kernel>", "exec"), env)
    loop: Loop = env["loop"]
    return loop


_DEFAULT_ROWS = tuple(ops.TABLE[name] for name in _ORDER)

#: The source of the loop ``Value.backward`` runs (for reading and teaching).
SOURCE = loop_source(_DEFAULT_ROWS)[0]


# ---------------------------------------------------------------- forward
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
    ("exp", "exp", "unary"),
    ("log", "log", "unary"),
    ("sigmoid", "sigmoid", "unary"),
    ("tanh", "tanh", "unary"),
    ("relu", "relu", "unary"),
    ("softplus", "softplus", "unary"),
)

#: Generated forwards call the float namespace through plain globals
#: (``m_exp``), one attribute look-up cheaper than ``m.exp``.
_INLINE = SymMath("m_")
_NAMESPACE = {
    f"m_{name}": getattr(FLOAT_MATH, name) for name in dir(FLOAT_MATH) if not name.startswith("_")
}


def _condition(row: Op, xs: list[Sym]) -> str | None:
    """The row's checks as one inline condition, or None when nothing is tested."""
    parts = []
    for check in row.checks:
        held = check.holds(xs, _INLINE, row.param)
        if held is True:
            continue
        parts.append(str(held))
    return " and ".join(parts) if parts else None


def method_source(fname: str, row: Op, key: str, shape: str) -> str:
    """Write the fast forward of one row as a function named ``fname``.

    ``key`` is the global name the row is bound to. The function needs, in
    its globals: ``Value``, ``_new``, ``_next``, ``_PLAIN``, ``apply``,
    ``_operand`` (lifting a number into a constant node), the row,
    ``R_const`` (the constant row) and the ``m_*`` functions of the float
    namespace.
    """
    arity = 1 if shape == "unary" else 2
    xs = [Sym(f"x{i}") for i in range(arity)]
    expr = row.fwd(xs, _INLINE, row.param)
    cond = _condition(row, xs)
    first, second = ("other", "self") if shape == "reflected" else ("self", "other")
    args = "(self,)" if arity == 1 else f"({first}, {second})"
    head = [f"def {fname}(self{'' if arity == 1 else ', other'}):"]
    if arity == 2:
        # A finite float operand becomes a constant node right here: models
        # multiply by their inputs, so this is as hot as the op itself.
        head += [
            "    if type(other) is not Value:",
            "        if type(other) is float and other - other == 0.0:",
            "            c = _new(Value)",
            "            c.data = other",
            "            c.grad = 0.0",
            "            c._a = None",
            "            c._b = None",
            "            c.op = R_const",
            '            c.label = ""',
            "            c.grad_node = None",
            "            c.order = _next()",
            "            other = c",
            "        else:",
            f"            other = _operand(other, {row.name!r}, self)",
        ]
    body = [f"x0 = {first}.data"] + ([f"x1 = {second}.data"] if arity == 2 else [])
    build = [
        "v = _new(Value)",
        "v.data = d",
        "v.grad = 0.0",
        f"v._a = {first}",
        f"v._b = {'None' if arity == 1 else second}",
        f"v.op = {key}",
        'v.label = ""',
        "v.grad_node = None",
        "v.order = _next()",
        "return v",
    ]
    inner = [f"d = {expr}"]
    if row.finite:
        inner += build
    else:
        inner += ["if d - d == 0.0:  # finite: neither inf nor NaN"] + ["    " + b for b in build]
    if cond is not None:
        inner = [f"if {cond}:"] + ["    " + line for line in inner]
    lines = [
        *head,
        "    if _PLAIN:",
        "        try:",
        *("            " + line for line in body + inner),
        "        except OverflowError:",
        "            pass",
        f"    return apply({key}, {args})",
    ]
    return "\n".join(lines) + "\n"


def forward_source(rows: dict[str, Op]) -> tuple[str, dict[str, Any]]:
    """Write every method of :data:`METHODS`; return the text and the globals it needs."""
    env: dict[str, Any] = dict(_NAMESPACE)
    env["R_const"] = rows["const"]
    parts = []
    for fname, name, shape in METHODS:
        key = f"R_{name}"
        env[key] = rows[name]
        parts.append(method_source(f"_fast{fname}", rows[name], key, shape))
    return "\n\n".join(parts), env


#: The source of the ``Value`` operator methods (for reading and teaching).
FORWARD_SOURCE = forward_source(ops.TABLE)[0]
