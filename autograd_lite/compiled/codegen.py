r"""Writing a program's source from the op table, with no per-op knowledge.

Every line comes from a row of the op table run on symbols
(:mod:`autograd_lite.fast.symbolic`): the forward from ``row.fwd``, the domain
tests from ``row.checks``, the backward from ``row.local``. A row a user made
is treated the same way; when its rules cannot be printed (they branch on the
input, call ``math.erf``...), the line calls the row instead
(``m.call(R0, (x0,))``), which runs it example by example.

**Tests.** The program must never return or use inf or NaN. A row with
``finite=False`` may overflow, so its result is *pending* until tested with
``m.finite(v)``. A test is not written after every such row: where a pending
value only feeds ``+``, ``-``, ``*`` (or a numerator), an inf or NaN in it
would make the consumer's result non-finite too, so testing the consumer
covers it. A pending value is tested before anything else reads it (a domain
check, a function such as ``m.exp``, a denominator) and, at the end, if
nothing covers it. A failed test or check raises :class:`Recheck`; the
program then re-runs the graph step by step to find the first failing node
and example and raise the error the eager engine would.

**Labels.** Labels are user text and never become code: the program only
uses generated identifiers (``x0``, ``p0``, ``v12``). A label appears in a
comment through :func:`comment`, which escapes every character that is not
printable (newlines, ``\r``, ``\u2028``, ...), so a comment cannot end
early, and in :attr:`Code.labels`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_lite.core.primitives import PRIMITIVES
from autograd_lite.core.value import Op, Value
from autograd_lite.fast.symbolic import SYM_MATH, Sym, code, num, times

__all__ = ["Code", "RowCode", "comment", "label_comment", "row_code", "write"]


# ------------------------------------------------------------- comments
def comment(text: str, limit: int = 72) -> str:
    r"""Return ``text`` made safe to follow ``#`` on one line of code.

    Every character that is not printable (per ``str.isprintable``: line and
    paragraph separators, ``\r``, ``\x0b``, ``\x0c``, ``\x1c``-``\x1e``,
    ``\x85``, other control and format characters, lone surrogates) is
    written as a backslash escape, so neither Python's tokenizer, nor
    ``str.splitlines``, nor an editor sees a line break in it. Long text is cut.
    """
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            if code < 0x100:
                out.append(f"\\x{code:02x}")
            elif code < 0x10000:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    safe = "".join(out)
    return safe if len(safe) <= limit else safe[: limit - 3] + "..."


def label_comment(label: str) -> str:
    """Return a label as comment text: quoted, escaped and cut by :func:`comment`."""
    return comment(repr(label))


# ---------------------------------------------------- printing the rules
class _Strict(Sym):
    """A symbol that refuses to be a truth value, so a rule that branches on it fails."""

    __slots__ = ()

    def __bool__(self) -> bool:
        raise TypeError("a rule that branches on its input cannot be printed")


def _strictly(name: str) -> Any:
    base = getattr(Sym, name)

    def method(self: Sym, *args: object) -> object:
        out = base(self, *args)
        return _Strict(out.text) if isinstance(out, Sym) else out

    method.__name__ = name
    return method


for _name in (
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__truediv__",
    "__rtruediv__",
    "__pow__",
    "__rpow__",
    "__neg__",
    "__gt__",
    "__ge__",
    "__lt__",
    "__le__",
    "__ne__",
    "__eq__",
):
    setattr(_Strict, _name, _strictly(_name))


class _StrictMath:
    """The symbolic math namespace, limited to the runtime primitives."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name not in PRIMITIVES:
            raise AttributeError(name)
        fn = getattr(SYM_MATH, name)

        def call(*args: Any) -> _Strict:
            return _Strict(fn(*args).text)

        return call


_STRICT_MATH: Any = _StrictMath()
_ARG = "_a{}_"
_OUT = "_o_"
_PLACEHOLDER = re.compile(r"\b_a(\d+)_\b|\b_o_\b")

_ARITH = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_COMPARE = (ast.Gt, ast.GtE, ast.Lt, ast.LtE, ast.Eq, ast.NotEq)


def _valid(text: str, names: set[str], conditions: bool) -> bool:
    """Whether ``text`` is an expression of ``names``, numbers, arithmetic and ``m.<primitive>``."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    m_uses: set[int] = set()
    tuples: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if not (
                isinstance(f, ast.Attribute)
                and isinstance(f.value, ast.Name)
                and f.value.id == "m"
                and f.attr in PRIMITIVES
                and not node.keywords
            ):
                return False
            m_uses.add(id(f.value))
            tuples.update(id(a) for a in node.args if isinstance(a, ast.Tuple))
        elif isinstance(node, ast.Name):
            if node.id == "m":
                if id(node) not in m_uses:
                    return False
            elif node.id not in names:
                return False
        elif isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                return False
        elif isinstance(node, ast.BinOp):
            if not isinstance(node.op, _ARITH):
                return False
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                return False
        elif isinstance(node, ast.Compare):
            if not conditions or not all(isinstance(o, _COMPARE) for o in node.ops):
                return False
        elif isinstance(node, ast.Tuple):
            if id(node) not in tuples:
                return False
        elif not isinstance(
            node, ast.Expression | ast.Attribute | ast.Load | ast.operator | ast.unaryop | ast.cmpop
        ):
            return False
    return True


def _propagating(text: str, n: int) -> set[int]:
    """The inputs of ``text`` whose every use reaches the result through ``+ - *`` or a numerator.

    A non-finite value in such an input makes the result non-finite (IEEE:
    inf + x, inf * x, inf / x are inf or NaN), so testing the result tests it.
    """
    tree = ast.parse(text, mode="eval")
    good: set[int] = set()
    bad: set[int] = set()
    stack: list[tuple[ast.AST, bool]] = [(tree.body, True)]
    while stack:
        node, through = stack.pop()
        if isinstance(node, ast.Name):
            mt = re.fullmatch(r"_a(\d+)_", node.id)
            if mt:
                (good if through else bad).add(int(mt.group(1)))
        elif isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add | ast.Sub | ast.Mult):
                stack += [(node.left, through), (node.right, through)]
            elif isinstance(node.op, ast.Div):
                stack += [(node.left, through), (node.right, False)]
            else:
                stack += [(node.left, False), (node.right, False)]
        elif isinstance(node, ast.UnaryOp):
            stack.append((node.operand, through))
        elif isinstance(node, ast.Call):
            summing = isinstance(node.func, ast.Attribute) and node.func.attr == "add"
            for a in node.args:
                items = a.elts if isinstance(a, ast.Tuple) else [a]
                stack += [(e, through and summing) for e in items]
        else:
            stack += [(c, False) for c in ast.iter_child_nodes(node)]
    return {i for i in good - bad if i < n}


def _text(x: object) -> str | None:
    if isinstance(x, Sym):
        return x.text
    if type(x) in (int, float):
        return num(float(x))  # type: ignore[arg-type]
    return None


@dataclass(frozen=True)
class RowCode:
    """A row's rules printed once for a number of inputs, with placeholders ``_a0_``...

    Attributes:
        fwd: The forward expression, or None when the row must be called.
        checks: Per check: the condition, ``None`` when nothing is tested
            (the rule returned ``True``), or ``False`` when it must be called.
        local: Per input: the derivative (a number or an expression that may
            use ``_o_``, the output), or None when the rule must be called.
        propagating: Inputs whose inf or NaN always reaches the result.
    """

    fwd: str | None
    checks: tuple[str | bool | None, ...]
    local: tuple[float | str, ...] | None
    propagating: frozenset[int] = field(default=frozenset())


def row_code(row: Op, n: int) -> RowCode:
    """Print ``row``'s rules for ``n`` inputs (calling the row where they cannot be printed)."""
    names = {_ARG.format(i) for i in range(n)}
    xs = [_Strict(_ARG.format(i)) for i in range(n)]
    k = row.param

    fwd: str | None
    try:
        fwd = _text(row.fwd(xs, _STRICT_MATH, k))
    except Exception:  # any failure to print means: call the row
        fwd = None
    if fwd is not None and not _valid(fwd, names, conditions=False):
        fwd = None

    checks: list[str | bool | None] = []
    for check in row.checks:
        try:
            held = check.holds(xs, _STRICT_MATH, k)
            text = None if held is True else _text(held)
        except Exception:
            checks.append(False)
            continue
        if held is True:
            checks.append(None)
        elif text is not None and _valid(text, names, conditions=True):
            checks.append(text)
        else:
            checks.append(False)

    local: tuple[float | str, ...] | None
    try:
        ds = row.local(xs, _Strict(_OUT), _STRICT_MATH, k)
        items: list[float | str] = []
        for d in ds:
            if isinstance(d, Sym):
                if not _valid(d.text, names | {_OUT}, conditions=False):
                    raise TypeError(d.text)
                items.append(d.text)
            else:
                items.append(float(d))
        local = tuple(items) if len(items) == n else None
    except Exception:
        local = None

    prop: set[int] = set()
    if fwd is not None:
        prop = _propagating(fwd, n)
        for c in checks:  # an input a check reads must be tested first
            if isinstance(c, str):
                prop -= {int(i) for i in re.findall(r"\b_a(\d+)_\b", c)}
    return RowCode(fwd, tuple(checks), local, frozenset(prop))


def _fill(template: str, args: Sequence[str], out: str = "") -> str:
    return _PLACEHOLDER.sub(lambda mt: args[int(mt.group(1))] if mt.group(1) else out, template)


def _strip(text: str) -> str:
    """Drop one pair of parentheses enclosing the whole expression."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(text) - 1:
            return text
    return text[1:-1]


# ---------------------------------------------------------------- writing
@dataclass
class Code:
    """The written program.

    Attributes:
        forward: Source of ``forward(x0, ..., P, m)``.
        grad: Source of ``value_and_grad(x0, ..., P, m, seed, R, T)``.
        grad_params: The same, computing only the parameters' gradients.
        rows: The rows the code calls, bound to ``R0``, ``R1``...
        labels: Generated identifier → label, for nodes that have one.
        plans: Node index → its row's printed rules (read when re-running).
    """

    forward: str
    grad: str
    grad_params: str
    rows: list[Op]
    labels: dict[str, str]
    plans: dict[int, RowCode]


def write(
    nodes: Sequence[Value], root: Value, inputs: Sequence[Value], params: Sequence[Value]
) -> Code:
    """Write the program computing ``root`` from ``inputs`` and ``params``.

    Args:
        nodes: ``root``'s graph in topological order.
        root: The output node.
        inputs: Leaves that are arguments (``x0``...).
        params: Leaves read from ``P`` (``p0``...).
    """
    name: dict[int, str] = {}
    labels: dict[str, str] = {}
    for j, v in enumerate(inputs):
        name[id(v)] = f"x{j}"
    for j, v in enumerate(params):
        name[id(v)] = f"p{j}"
    index = {id(n): i for i, n in enumerate(nodes)}
    # A node is "batched" when it depends on an input: its value is an array
    # when the inputs are; everything else is one float shared by the batch.
    batched: set[int] = {id(v) for v in inputs}
    cache: dict[tuple[int, int], RowCode] = {}
    plans: dict[int, RowCode] = {}
    bound: dict[int, int] = {}
    rows: list[Op] = []

    def key_of(op: Op) -> str:
        if id(op) not in bound:
            bound[id(op)] = len(rows)
            rows.append(op)
        return f"R{bound[id(op)]}"

    fwd: list[str] = []
    pending: set[int] = set()  # may hold inf or NaN: not yet tested
    uncovered: set[int] = set()  # pending, and no pending consumer tests it
    covers: dict[int, list[int]] = {}

    def test(i: int) -> None:
        fwd.append(f"if not m.finite({name[id(nodes[i])]}):")
        fwd.append("    raise Recheck")
        stack = [i]
        while stack:
            j = stack.pop()
            if j in pending:
                pending.discard(j)
                uncovered.discard(j)
                stack.extend(covers.get(j, ()))

    for i, n in enumerate(nodes):
        key = id(n)
        if key in name:
            if n.label:
                labels[name[key]] = n.label
            continue
        if not n.parents:
            if n.data - n.data != 0.0:
                raise ValueError(f"compile_graph: node v{i} holds {n.data!r}, not a finite number")
            name[key] = num(n.data)  # constants and leaves not listed: baked in
            continue
        op = n.op
        assert op is not None
        name[key] = f"v{i}"
        if n.label:
            labels[f"v{i}"] = n.label
        if any(id(p) in batched for p in n.parents):
            batched.add(key)
        args = [name[id(p)] for p in n.parents]
        slots = [index[id(p)] for p in n.parents]
        ck = (id(op), len(args))
        plan = cache.get(ck)
        if plan is None:
            plan = cache[ck] = row_code(op, len(args))
        plans[i] = plan
        tup = f"({', '.join(args)},)"
        for s, p in enumerate(slots):
            if p in pending and s not in plan.propagating:
                test(p)
        for j, c in enumerate(plan.checks):
            if c is None:
                continue
            cond = _fill(c, args) if isinstance(c, str) else f"m.holds({key_of(op)}, {j}, {tup})"
            why = comment(f"{op.name}: {op.checks[j].message}")
            fwd.append(f"if not m.ok({_strip(cond)}):  # {why}")
            fwd.append("    raise Recheck")
        expr = _fill(plan.fwd, args) if plan.fwd is not None else f"m.call({key_of(op)}, {tup})"
        note = f"  # {label_comment(n.label)}" if n.label else ""
        fwd.append(f"v{i} = {_strip(expr)}{note}")
        fed = sorted({p for p in slots if p in pending})  # pending only at propagating slots now
        if not op.finite or fed:
            pending.add(i)
            uncovered.add(i)
            covers[i] = fed
            uncovered.difference_update(fed)
    for i in sorted(uncovered):
        test(i)

    arg_list = ", ".join([*(f"x{j}" for j in range(len(inputs))), "P", "m"])
    head = [f"# x{j}: {label_comment(v.label)}" for j, v in enumerate(inputs) if v.label]
    for j, v in enumerate(params):
        head.append(f"p{j} = P[{j}]" + (f"  # {label_comment(v.label)}" if v.label else ""))
    root_name = name[id(root)]
    forward_src = (
        f"def forward({arg_list}):\n"
        + _indent([*head, *free_temporaries([fwd], {root_name})[0], f"return {root_name}"])
        + "\n"
    )
    wrt = [*inputs, *params]
    env = _Env(nodes, name, batched, root, wrt, plans, key_of)
    grad_src = _grad_source("value_and_grad", arg_list, head, fwd, env, wrt)
    params_src = _grad_source("value_and_grad_params", arg_list, head, fwd, env, params)
    return Code(forward_src, grad_src, params_src, rows, labels, plans)


@dataclass
class _Env:
    nodes: Sequence[Value]
    name: dict[int, str]
    batched: set[int]
    root: Value
    wrt: Sequence[Value]
    plans: dict[int, RowCode]
    key_of: Any


#: The program's intermediates: node values (v7) and their gradients (gv7).
_TEMPORARY = re.compile(r"\bg?v\d+\b")


def free_temporaries(parts: Sequence[list[str]], keep: set[str]) -> list[list[str]]:
    """Add a ``del`` after the statement that last uses each intermediate.

    ``parts`` are consecutive runs of statements (a line indented under the
    one before it belongs to its statement; comments are not uses). Freeing
    each array as soon as the program is done with it keeps a batch's peak
    memory to the arrays still needed rather than every array the program
    makes, and lets the allocator reuse their memory for the next ones.
    ``keep`` names what the program returns.
    """
    runs: list[list[list[str]]] = []
    for part in parts:
        statements: list[list[str]] = []
        for line in part:
            if line.startswith(" ") and statements:
                statements[-1].append(line)
            else:
                statements.append([line])
        runs.append(statements)
    last: dict[str, tuple[int, int]] = {}
    for r, statements in enumerate(runs):
        for k, statement in enumerate(statements):
            for line in statement:
                for used in _TEMPORARY.findall(line.split("#", 1)[0]):
                    last[used] = (r, k)
    dead: dict[tuple[int, int], list[str]] = {}
    for used, at in last.items():
        if used not in keep:
            dead.setdefault(at, []).append(used)
    out: list[list[str]] = []
    for r, statements in enumerate(runs):
        lines: list[str] = []
        for k, statement in enumerate(statements):
            lines += statement
            if (r, k) in dead:
                lines.append(f"del {', '.join(dead[r, k])}")
        out.append(lines)
    return out


def _indent(lines: list[str], pad: str = "    ") -> str:
    return "\n".join(pad + ln for ln in lines)


def _grad_source(
    fname: str,
    args: str,
    head: list[str],
    fwd: list[str],
    env: _Env,
    targets_list: Sequence[Value],
) -> str:
    """Write forward + backward; only gradients that reach ``targets_list`` are computed."""
    # Backward: reverse creation order; each edge's local derivative comes from
    # the op table rule evaluated on symbols (printed as code).
    name, nodes, batched = env.name, env.nodes, env.batched
    root_name = name[id(env.root)]
    targets = {id(v) for v in targets_list}
    needed: set[int] = set()
    for n in nodes:
        if id(n) in targets or any(id(p) in needed for p in n.parents):
            needed.add(id(n))
    back: list[str] = []
    has_grad: set[int] = set()
    if root_name.isidentifier():
        root_batched = id(env.root) in batched
        back.append(f"g{root_name} = seed" if root_batched else f"g{root_name} = T(seed)")
        has_grad.add(id(env.root))
    for i in range(len(nodes) - 1, -1, -1):
        n = nodes[i]
        op = n.op
        if op is None or not n.parents or id(n) not in needed or id(n) not in has_grad:
            continue
        pnames = [name[id(p)] for p in n.parents]
        plan = env.plans[i]
        out = name[id(n)]
        g = f"g{out}"
        lines: list[str] = []
        for s, p in enumerate(n.parents):
            if id(p) not in needed:
                continue
            d: object
            if plan.local is None:
                tup = f"({', '.join(pnames)},)"
                d = Sym(f"m.local({env.key_of(op)}, {s}, {tup}, {out})")
            else:
                t = plan.local[s]
                d = t if isinstance(t, float) else Sym(_fill(t, pnames, out))
            pn = f"g{name[id(p)]}"
            reduce_edge = id(n) in batched and id(p) not in batched
            # An edge from a per-example node into a shared one is summed over
            # the batch right away (R), so shared nodes hold scalar gradients.
            c = f"R({g}, {code(d)})" if reduce_edge else _strip(times(Sym(g), d).text)
            if id(p) in has_grad:
                lines.append(f"{pn} = {pn} + {c}")
            else:
                lines.append(f"{pn} = {c}")
                has_grad.add(id(p))
        if lines:
            back.append(f"# {out} = {comment(op.expression(pnames))}")
            back.append(f"_n = {i}")
            back.extend(lines)
    grads = ", ".join(
        f"g{name[id(v)]}" if id(v) in has_grad and id(v) in targets else "None" for v in env.wrt
    )
    fwd, back = free_temporaries([fwd, back], {root_name})
    body = [*head, *fwd, "_n = -1", "try:"]
    body += ["    " + ln for ln in back] or ["    pass"]
    body += [
        "except (ArithmeticError, ValueError):",
        "    raise BackwardFailure(_n)",
        f"return {root_name}, ({grads}{',' if len(env.wrt) == 1 else ''})",
    ]
    return f"def {fname}({args}, seed, R, T):\n" + _indent(body) + "\n"
