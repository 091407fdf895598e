"""Hypothesis strategies shared by the test suite.

``expressions()`` draws random expression graphs over the differentiable ops of
the op table. Each graph is a short straight-line program: every instruction
applies one op to earlier nodes (inputs or results, drawn with repetition, so
sub-expressions are shared and ``a * a`` occurs) or to a plain number. The
input values are drawn first and every op is chosen only where its inputs lie
comfortably inside its domain and away from kinks, so the same program can be
evaluated by the engine, by floats, by sympy and by torch, and checked with
central differences.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

__all__ = ["BOUND", "OPS", "Expr", "Instr", "expressions", "finite_floats"]

#: No intermediate value of a drawn expression exceeds this in magnitude.
BOUND = 1e3

#: Ops the generator uses (names of rows in ``autograd_lite.core.ops.TABLE``).
OPS = (
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "pow",
    "powc",
    "exp",
    "log",
    "sigmoid",
    "tanh",
    "relu",
    "softplus",
    "identity",
)

#: Constant exponents drawn for ``x ** k``.
POWC_EXPONENTS = (2.0, 3.0, -1.0, 0.5, 1.5, -2.0, 1.0, 0.0, 4.0)

# An argument is a node index (int) or a plain number (float) to be lifted.
Arg = int | float


@dataclass(frozen=True)
class Instr:
    """One step of an expression: ``op`` applied to ``args`` (``k``: exponent of powc)."""

    op: str
    args: tuple[Arg, ...]
    k: float | None = None


def _sigmoid(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _float_eval(op: str, xs: Sequence[float], k: float | None) -> float:
    """An independent float evaluation, used while drawing."""
    if op == "add":
        return math.fsum(xs)
    if op == "sub":
        return xs[0] - xs[1]
    if op == "mul":
        return xs[0] * xs[1]
    if op == "div":
        return xs[0] / xs[1]
    if op == "neg":
        return -xs[0]
    if op == "pow":
        return float(xs[0] ** xs[1])
    if op == "powc":
        assert k is not None
        return float(xs[0] ** k)
    if op == "exp":
        return math.exp(xs[0])
    if op == "log":
        return math.log(xs[0])
    if op == "sigmoid":
        return _sigmoid(xs[0])
    if op == "tanh":
        return math.tanh(xs[0])
    if op == "relu":
        return max(xs[0], 0.0)
    if op == "softplus":
        return max(xs[0], 0.0) + math.log1p(math.exp(-abs(xs[0])))
    if op == "identity":
        return xs[0]
    raise KeyError(op)


def _allowed(op: str, xs: Sequence[float], k: float | None) -> bool:
    """Whether ``op`` at ``xs`` is well inside its domain and away from kinks."""
    if op == "div" and abs(xs[1]) < 0.2:
        return False
    if op == "pow" and not (0.2 <= xs[0] <= 20.0 and abs(xs[1]) <= 3.0):
        return False
    if op == "powc":
        assert k is not None
        if k != int(k) and xs[0] < 0.2:
            return False
        if k < 0 and abs(xs[0]) < 0.2:
            return False
        if abs(xs[0]) > 30.0:
            return False
    if op == "exp" and xs[0] > 5.0:
        return False
    if op == "log" and xs[0] < 0.1:
        return False
    if op == "relu" and abs(xs[0]) < 0.05:
        return False
    if op in ("sigmoid", "tanh", "softplus") and abs(xs[0]) > 20.0:
        # Keeps derivatives of a visible size, so a central difference can check them.
        return False
    try:
        out = _float_eval(op, xs, k)
    except (ArithmeticError, ValueError):
        return False
    return math.isfinite(out) and abs(out) <= BOUND


_ARITY = {
    "add": -1,
    "sub": 2,
    "mul": 2,
    "div": 2,
    "pow": 2,
}


@dataclass(frozen=True)
class Expr:
    """A random expression graph.

    Attributes:
        inputs: The input values (one per leaf).
        program: The instructions; node ``i`` for ``i < len(inputs)`` is input
            ``i``, node ``len(inputs) + j`` is the result of ``program[j]``.
        values: Float value of every node at ``inputs`` (as drawn).
    """

    inputs: list[float]
    program: tuple[Instr, ...]
    values: tuple[float, ...]

    @property
    def n_inputs(self) -> int:
        """Number of inputs."""
        return len(self.inputs)

    def _run(self, leaves: Sequence[Any], call: Callable[[Instr, list[Any]], Any]) -> Any:
        nodes: list[Any] = list(leaves)
        if len(nodes) != len(self.inputs):
            raise ValueError(f"expected {len(self.inputs)} leaves, got {len(nodes)}")
        for ins in self.program:
            args = [nodes[a] if type(a) is int else a for a in ins.args]
            nodes.append(call(ins, args))
        return nodes[-1]

    def build(
        self, leaves: Sequence[Any], funcs: Mapping[str, Callable[..., Any]] | None = None
    ) -> Any:
        """Evaluate the expression on ``leaves``.

        With ``Value`` leaves this records a graph (n-ary sums become ONE add
        node). Plain floats are evaluated with the ``math`` module. Any other
        object must support ``+ - * / **``, unary ``-`` and the methods
        ``exp log sigmoid tanh relu``; pass ``funcs`` to supply missing ones
        (e.g. ``{"softplus": torch.nn.functional.softplus}``).
        """
        from autograd_lite.core import ops
        from autograd_lite.core.value import Value, apply, vsum

        overrides = dict(funcs or {})
        is_value = bool(leaves) and isinstance(leaves[0], Value)
        is_float = bool(leaves) and all(type(x) in (int, float) for x in leaves)

        def call(ins: Instr, a: list[Any]) -> Any:
            op = ins.op
            if op in overrides:
                return overrides[op](*a) if op != "powc" else overrides[op](a[0], ins.k)
            if is_float:
                return _float_eval(op, [float(x) for x in a], ins.k)
            if op == "add":
                if is_value:
                    return vsum(a)
                total = a[0]
                for x in a[1:]:
                    total = total + x
                return total
            if op == "sub":
                return a[0] - a[1]
            if op == "mul":
                return a[0] * a[1]
            if op == "div":
                return a[0] / a[1]
            if op == "neg":
                return -a[0]
            if op == "pow":
                return a[0] ** a[1]
            if op == "powc":
                return a[0] ** ins.k
            if op == "identity":
                return apply(ops.TABLE["identity"], (a[0],)) if is_value else a[0]
            return getattr(a[0], op)()

        return self._run(leaves, call)

    def sympy(self, symbols: Sequence[Any]) -> Any:
        """Return the expression as a sympy expression in ``symbols``."""
        import sympy

        def num(x: Any) -> Any:
            return sympy.Rational(x) if isinstance(x, float) else x

        def call(ins: Instr, a: list[Any]) -> Any:
            a = [num(x) for x in a]
            op = ins.op
            if op == "add":
                return sympy.Add(*a)
            if op == "sub":
                return a[0] - a[1]
            if op == "mul":
                return a[0] * a[1]
            if op == "div":
                return a[0] / a[1]
            if op == "neg":
                return -a[0]
            if op == "pow":
                return a[0] ** a[1]
            if op == "powc":
                assert ins.k is not None
                return a[0] ** sympy.Rational(ins.k)
            if op == "exp":
                return sympy.exp(a[0])
            if op == "log":
                return sympy.log(a[0])
            if op == "sigmoid":
                return 1 / (1 + sympy.exp(-a[0]))
            if op == "tanh":
                return sympy.tanh(a[0])
            if op == "relu":
                # The branch taken at the drawn point, from the recorded forward
                # value (relu'(0) = 0): a Piecewise condition on a symbolic
                # argument such as log(relu(x)) makes sympy compare with zoo.
                x = ins.args[0]
                taken = (self.values[x] if type(x) is int else float(x)) > 0.0
                return a[0] if taken else sympy.Integer(0)
            if op == "softplus":
                return sympy.log(1 + sympy.exp(a[0]))
            if op == "identity":
                return a[0]
            raise KeyError(op)

        return self._run(list(symbols), call)

    def __repr__(self) -> str:
        lines = [f"x{i} = {v!r}" for i, v in enumerate(self.inputs)]
        n = len(self.inputs)
        for j, ins in enumerate(self.program):
            names = [
                (f"v{a}" if a >= n else f"x{a}") if type(a) is int else repr(a) for a in ins.args
            ]
            k = f"[k={ins.k!r}]" if ins.k is not None else ""
            lines.append(f"v{n + j} = {ins.op}{k}({', '.join(names)})  # {self.values[n + j]!r}")
        return "Expr(\n  " + "\n  ".join(lines) + "\n)"


def finite_floats(lo: float = -3.0, hi: float = 3.0) -> st.SearchStrategy[float]:
    """Finite floats in ``[lo, hi]``."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


_CONSTANTS = st.sampled_from((2.0, -1.0, 0.5, 1.0, 3.0, -2.5))


@st.composite
def _expressions(
    draw: st.DrawFn, min_inputs: int, max_inputs: int, max_ops: int, ops: Sequence[str]
) -> Expr:
    n = draw(st.integers(min_inputs, max_inputs))
    inputs = [draw(finite_floats()) for _ in range(n)]
    values: list[float] = list(inputs)
    program: list[Instr] = []
    used: set[int] = set()
    n_ops = draw(st.integers(1, max_ops))

    def arg() -> Arg:
        # Mostly nodes (recent ones more often, which builds depth), sometimes a number.
        if draw(st.integers(0, 5)) == 0:
            return draw(_CONSTANTS)
        count = len(values)
        if draw(st.booleans()):
            return draw(st.integers(max(0, count - 3), count - 1))
        return draw(st.integers(0, count - 1))

    def val(a: Arg) -> float:
        return values[a] if type(a) is int else a

    for _ in range(n_ops):
        op = draw(st.sampled_from(ops))
        arity = _ARITY.get(op, 1)
        if arity == -1:
            args = tuple(arg() for _ in range(draw(st.integers(2, 4))))
        elif arity == 2:
            args = (arg(), arg())
        else:
            # Unary ops take a node, never a bare number.
            args = (draw(st.integers(0, len(values) - 1)),)
        if not any(type(a) is int for a in args):
            args = (len(values) - 1, *args[1:])
        k = draw(st.sampled_from(POWC_EXPONENTS)) if op == "powc" else None
        xs = [val(a) for a in args]
        if not _allowed(op, xs, k):
            # Negation is defined everywhere and keeps the bound: the draw stays valid.
            first = next(a for a in args if type(a) is int)
            op, args, k = "neg", (first,), None
            xs = [val(first)]
        used.update(a for a in args if type(a) is int)
        program.append(Instr(op, args, k))
        values.append(_float_eval(op, xs, k))

    # Every result feeds the root: unused results are summed into one add node.
    sinks = [i for i in range(n, len(values)) if i not in used]
    if len(sinks) > 1:
        total = math.fsum(values[i] for i in sinks)
        if abs(total) <= BOUND:
            program.append(Instr("add", tuple(sinks)))
            values.append(total)
    return Expr(inputs, tuple(program), tuple(values))


def expressions(
    min_inputs: int = 1, max_inputs: int = 4, max_ops: int = 12, ops: Sequence[str] = OPS
) -> st.SearchStrategy[Expr]:
    """Random expression graphs with shared sub-expressions, inside every op's domain.

    Args:
        min_inputs: Fewest inputs.
        max_inputs: Most inputs.
        max_ops: Most instructions (a final n-ary add that joins unused
            results may come on top).
        ops: Which ops to draw from (names from :data:`OPS`).

    Returns:
        A strategy of :class:`Expr`.
    """
    return _expressions(min_inputs, max_inputs, max_ops, tuple(ops))
