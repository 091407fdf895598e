"""The op table, row by row, against independent oracles.

Every test iterates ``ops.TABLE``: a new row is picked up automatically and
fails ``test_every_row_has_a_domain`` until its domain, float reference and
sympy expression are added below.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite.core import ops
from autograd_lite.core.ops import TABLE, Op, pow_const
from autograd_lite.core.primitives import FLOAT_MATH
from autograd_lite.core.value import VALUE_MATH, Value, apply, constant

# Rows that are not differentiable operations of their inputs.
NOT_DIFFERENTIABLE = {"const"}

#: Sample exponents for the ``powc`` row (it is parametrized by ``pow_const``).
POWC_KS = (0.0, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5, 1.5, -0.5, 2.5)


def box(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats with lo <= |x| <= hi, of either sign."""
    return st.one_of(box(lo, hi), box(-hi, -lo))


def tuples(*parts: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[float, ...]]:
    return st.tuples(*parts)


def powc_domain(k: float | None) -> st.SearchStrategy[tuple[float, ...]]:
    assert k is not None
    if k != int(k):
        return tuples(box(0.1, 5.0))
    if k < 0:
        return tuples(away_from_zero(0.1, 5.0))
    return tuples(box(-5.0, 5.0))


@dataclass(frozen=True)
class Spec:
    """How to test one row: where to sample, and two independent definitions."""

    domain: Callable[[float | None], st.SearchStrategy[tuple[float, ...]]]
    reference: Callable[[Sequence[float], float | None], float]
    symbolic: Callable[[Sequence[sympy.Symbol], float | None], sympy.Expr]


def const_domain(
    *parts: st.SearchStrategy[float],
) -> Callable[[float | None], st.SearchStrategy[tuple[float, ...]]]:
    return lambda k: st.tuples(*parts)


WIDE = box(-10.0, 10.0)
SQUASH = box(-15.0, 15.0)

SPECS: dict[str, Spec] = {
    "add": Spec(
        lambda k: st.lists(WIDE, min_size=1, max_size=5).map(tuple),
        lambda xs, k: sum(xs),
        lambda s, k: sympy.Add(*s),
    ),
    "sub": Spec(const_domain(WIDE, WIDE), lambda xs, k: xs[0] - xs[1], lambda s, k: s[0] - s[1]),
    "mul": Spec(const_domain(WIDE, WIDE), lambda xs, k: xs[0] * xs[1], lambda s, k: s[0] * s[1]),
    "div": Spec(
        const_domain(WIDE, away_from_zero(0.1, 10.0)),
        lambda xs, k: xs[0] / xs[1],
        lambda s, k: s[0] / s[1],
    ),
    "neg": Spec(const_domain(WIDE), lambda xs, k: -xs[0], lambda s, k: -s[0]),
    "pow": Spec(
        const_domain(box(0.1, 5.0), box(-3.0, 3.0)),
        lambda xs, k: math.pow(xs[0], xs[1]),
        lambda s, k: s[0] ** s[1],
    ),
    "powc": Spec(
        powc_domain,
        lambda xs, k: math.pow(xs[0], k),  # type: ignore[arg-type]
        lambda s, k: s[0] ** sympy.Rational(k),  # type: ignore[arg-type]
    ),
    "exp": Spec(
        const_domain(box(-20.0, 5.0)), lambda xs, k: math.exp(xs[0]), lambda s, k: sympy.exp(s[0])
    ),
    "log": Spec(
        const_domain(box(0.01, 100.0)), lambda xs, k: math.log(xs[0]), lambda s, k: sympy.log(s[0])
    ),
    "sigmoid": Spec(
        const_domain(SQUASH),
        lambda xs, k: 1.0 / (1.0 + math.exp(-xs[0])),
        lambda s, k: 1 / (1 + sympy.exp(-s[0])),
    ),
    "tanh": Spec(
        const_domain(SQUASH),
        lambda xs, k: (math.exp(2 * xs[0]) - 1) / (math.exp(2 * xs[0]) + 1),
        lambda s, k: (sympy.exp(s[0]) - sympy.exp(-s[0])) / (sympy.exp(s[0]) + sympy.exp(-s[0])),
    ),
    "relu": Spec(
        const_domain(away_from_zero(0.01, 10.0)),
        lambda xs, k: xs[0] if xs[0] > 0 else 0.0,
        lambda s, k: sympy.Piecewise((s[0], s[0] > 0), (0, True)),
    ),
    "softplus": Spec(
        const_domain(SQUASH),
        lambda xs, k: math.log(1.0 + math.exp(xs[0])),
        lambda s, k: sympy.log(1 + sympy.exp(s[0])),
    ),
    "identity": Spec(const_domain(WIDE), lambda xs, k: xs[0], lambda s, k: s[0]),
    "sin": Spec(const_domain(WIDE), lambda xs, k: math.sin(xs[0]), lambda s, k: sympy.sin(s[0])),
    "cos": Spec(const_domain(WIDE), lambda xs, k: math.cos(xs[0]), lambda s, k: sympy.cos(s[0])),
    "sqrt": Spec(
        const_domain(box(0.01, 100.0)), lambda xs, k: xs[0] ** 0.5, lambda s, k: sympy.sqrt(s[0])
    ),
    "abs": Spec(
        const_domain(away_from_zero(0.01, 10.0)),
        lambda xs, k: xs[0] if xs[0] >= 0 else -xs[0],
        lambda s, k: sympy.Abs(s[0]),
    ),
    # The user-defined row that tests/conftest.py registers.
    "softsign": Spec(
        const_domain(WIDE),
        lambda xs, k: xs[0] / (1.0 + (xs[0] if xs[0] >= 0 else -xs[0])),
        lambda s, k: s[0] / (1 + sympy.Abs(s[0])),
    ),
}


def cases() -> list[Op]:
    """Every differentiable row; ``powc`` once per sample exponent."""
    out: list[Op] = []
    for name in sorted(TABLE):
        if name in NOT_DIFFERENTIABLE:
            continue
        out.extend([pow_const(k) for k in POWC_KS] if name == "powc" else [TABLE[name]])
    return out


def case_id(op: Op) -> str:
    return op.name if op.name != "powc" else f"powc[k={op.param}]"


CASES = cases()
parametrize_ops = pytest.mark.parametrize("op", CASES, ids=[case_id(o) for o in CASES])


def spec(op: Op) -> Spec:
    if op.name not in SPECS:
        pytest.fail(f"op {op.name!r} has no test domain: add it to SPECS in tests/test_ops.py")
    return SPECS[op.name]


@functools.cache
def analytic(name: str, k: float | None, n: int) -> tuple[Callable[..., float], ...]:
    """d(op)/d(input i) for each i, by sympy, compiled to plain float functions."""
    syms = sympy.symbols(f"s0:{n}", real=True)
    expr = SPECS[name].symbolic(syms, k)
    return tuple(sympy.lambdify(syms, sympy.diff(expr, s), "math") for s in syms)


def scale(*xs: float) -> float:
    return max(1.0, *(abs(x) for x in xs))


def central_difference(op: Op, xs: Sequence[float], i: int) -> float:
    h = 1e-6 * max(1.0, abs(xs[i]))
    up = list(xs)
    down = list(xs)
    up[i] += h
    down[i] -= h
    return (op.forward(up, op.param) - op.forward(down, op.param)) / (up[i] - down[i])


# ---------------------------------------------------------------- the table


def test_every_row_has_a_domain() -> None:
    missing = set(TABLE) - set(SPECS) - NOT_DIFFERENTIABLE
    assert not missing, f"rows without a test domain in tests/test_ops.py: {sorted(missing)}"


def test_rows_are_named_by_their_key() -> None:
    for name, op in TABLE.items():
        assert op.name == name
        assert op.symbol or name == "const"


@parametrize_ops
def test_arity_matches_local_rule(op: Op) -> None:
    xs = (0.7, 1.3)[: op.arity] if op.arity > 0 else (0.7, 1.3, 2.1)
    out = op.forward(xs, op.param)
    assert len(op.local(xs, out, FLOAT_MATH, op.param)) == len(xs)
    if op.arity > 0:
        assert len(op.formulas) == op.arity
    else:
        assert len(op.formulas) == 1


def test_const_row() -> None:
    c = constant(2.5)
    assert c.op is ops.const and c.is_constant and not c.is_leaf
    assert c.parents == ()
    assert ops.const.local((), 2.5, FLOAT_MATH, None) == ()
    with pytest.raises(TypeError, match="const"):
        ops.const.forward((), None)


def test_pow_const_carries_its_exponent() -> None:
    for k in POWC_KS:
        row = pow_const(k)
        assert row.name == "powc" and row.param == k
        assert pow_const(k) == row
    # Exponents beyond the cache still work.
    for j in range(100):
        assert pow_const(1000.0 + j).param == 1000.0 + j


# ------------------------------------------------------ forward and derivatives


@parametrize_ops
@settings(max_examples=60)
@given(data=st.data())
def test_forward_matches_reference(op: Op, data: st.DataObject) -> None:
    s = spec(op)
    xs = data.draw(s.domain(op.param))
    got = op.forward(xs, op.param)
    want = s.reference(xs, op.param)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


@parametrize_ops
@settings(max_examples=60)
@given(data=st.data())
def test_local_matches_central_differences(op: Op, data: st.DataObject) -> None:
    xs = data.draw(spec(op).domain(op.param))
    out = op.forward(xs, op.param)
    local = op.local(xs, out, FLOAT_MATH, op.param)
    for i, d in enumerate(local):
        fd = central_difference(op, xs, i)
        assert abs(fd - d) <= 1e-5 * scale(d, out), (i, fd, d)


@parametrize_ops
@settings(max_examples=60)
@given(data=st.data())
def test_local_matches_sympy(op: Op, data: st.DataObject) -> None:
    xs = data.draw(spec(op).domain(op.param))
    out = op.forward(xs, op.param)
    local = op.local(xs, out, FLOAT_MATH, op.param)
    for i, (d, f) in enumerate(zip(local, analytic(op.name, op.param, len(xs)), strict=True)):
        want = float(f(*xs))
        assert d == pytest.approx(want, rel=1e-9, abs=1e-12), (i, xs)


@parametrize_ops
@settings(max_examples=25)
@given(data=st.data())
def test_local_rule_on_values_builds_the_same_derivative(op: Op, data: st.DataObject) -> None:
    # The same rule evaluated on Values (the create_graph path) must agree with sympy.
    xs = data.draw(spec(op).domain(op.param))
    leaves = tuple(Value(x) for x in xs)
    node = apply(op, leaves)
    local = op.local(leaves, node, VALUE_MATH, op.param)
    for d, f in zip(local, analytic(op.name, op.param, len(xs)), strict=True):
        got = d.data if isinstance(d, Value) else float(d)
        assert got == pytest.approx(float(f(*xs)), rel=1e-9, abs=1e-12)


# -------------------------------------------------------------- formula text

_NAMES = ("a", "b", "c", "d", "e")
_MATH_NS = {
    "exp": math.exp,
    "log": math.log,
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
    "relu": lambda x: max(x, 0.0),
    "softplus": lambda x: math.log1p(math.exp(x)),
    "tanh": math.tanh,
    "sin": math.sin,
    "cos": math.cos,
    "sqrt": math.sqrt,
    "abs": lambda x: x if x >= 0 else -x,
    "sign": lambda x: (x > 0) - (x < 0),
    "softsign": lambda x: x / (1.0 + (x if x >= 0 else -x)),
}


def to_python(text: str) -> str:
    """Read a formula as printed (Unicode maths) into a Python expression."""
    text = text.replace("−", "-").replace("·", "*").replace("×", "*").replace("÷", "/")
    text = text.replace("²", "**2").replace("^", "**").replace("σ(", "sigmoid(")
    text = re.sub(r"log (\w+)", r"log(\1)", text)
    text = re.sub(r"√(\w+)", r"sqrt(\1)", text)
    text = re.sub(r"\|(.+?)\|", r"abs(\1)", text)
    text = re.sub(r"\[(.+?)\]", r"(1.0 if \1 else 0.0)", text)
    # Implicit products: "o(1 - o)" and ")(".
    text = re.sub(r"\b([a-eo0-9])\(", r"\1*(", text)
    text = re.sub(r"\b([0-9])([a-z])", r"\1*\2", text)
    return text.replace(")(", ")*(")


def sample(op: Op) -> tuple[float, ...]:
    xs = (0.8, 1.7, 2.3)
    return xs[: op.arity] if op.arity > 0 else xs


@parametrize_ops
def test_formula_text_is_the_derivative(op: Op) -> None:
    xs = sample(op)
    out = op.forward(xs, op.param)
    ns = dict(_MATH_NS, o=out, **dict(zip(_NAMES, xs, strict=False)))
    for i in range(len(xs)):
        text = op.formula(i, _NAMES[: len(xs)], "o")
        assert "{" not in text and "}" not in text, text
        value = eval(to_python(text), {"__builtins__": {}}, ns)
        want = float(analytic(op.name, op.param, len(xs))[i](*xs))
        assert value == pytest.approx(want, rel=1e-9), (text, to_python(text))


@parametrize_ops
def test_expression_text_is_the_forward(op: Op) -> None:
    xs = sample(op)
    names = _NAMES[: len(xs)]
    text = op.expression(names)
    assert "{" not in text and "}" not in text, text
    for n in names:
        assert n in text
    ns = dict(_MATH_NS, **dict(zip(names, xs, strict=False)))
    value = eval(to_python(text), {"__builtins__": {}}, ns)
    assert value == pytest.approx(op.forward(xs, op.param), rel=1e-12)


@parametrize_ops
def test_formula_substitutes_long_labels(op: Op) -> None:
    labels = ["w_12", "x1", "bias"][: op.arity] if op.arity > 0 else ["w_12", "x1", "bias"]
    for i in range(len(labels)):
        text = op.formula(i, labels, "L_out")
        assert "{" not in text and "}" not in text, text
    text = op.expression(labels)
    assert all(label in text for label in labels), text


def test_zero_exponent_has_zero_derivative_at_zero() -> None:
    # Regression: the general rule k * a**(k-1) divided by zero at a = 0, k = 0.
    x = Value(0.0, "x")
    y = x**0
    assert y.data == 1.0
    y.backward()
    assert x.grad == 0.0
