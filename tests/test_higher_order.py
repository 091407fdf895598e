"""Higher-order derivatives of every op, checked against analytic formulas and sympy."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import Expr, expressions

import autograd_lite as al
from autograd_lite.core import ops
from autograd_lite.core.value import Value, apply, vsum
from autograd_lite.functional import grad, gradients, hessian


def sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def close(a: float, b: float, tol: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# Per unary op: how to apply it to a node, points inside its domain, and the
# analytic 1st, 2nd and 3rd derivatives as functions of x.
Deriv = Callable[[float], float]
UNARY: dict[str, tuple[Callable[[Value], Value], list[float], tuple[Deriv, Deriv, Deriv]]] = {
    "neg": (lambda v: -v, [-1.3, 0.4], (lambda x: -1.0, lambda x: 0.0, lambda x: 0.0)),
    "exp": (lambda v: v.exp(), [-2.0, 0.0, 1.7], (math.exp, math.exp, math.exp)),
    "log": (
        lambda v: v.log(),
        [0.3, 1.0, 4.5],
        (lambda x: 1 / x, lambda x: -1 / x**2, lambda x: 2 / x**3),
    ),
    "sigmoid": (
        lambda v: v.sigmoid(),
        [-3.0, -0.2, 0.0, 1.1, 4.0],
        (
            lambda x: sig(x) * (1 - sig(x)),
            lambda x: sig(x) * (1 - sig(x)) * (1 - 2 * sig(x)),
            lambda x: sig(x) * (1 - sig(x)) * (1 - 6 * sig(x) + 6 * sig(x) ** 2),
        ),
    ),
    "tanh": (
        lambda v: v.tanh(),
        [-1.5, 0.0, 0.3, 2.0],
        (
            lambda x: 1 - math.tanh(x) ** 2,
            lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
            lambda x: -2 * (1 - math.tanh(x) ** 2) * (1 - 3 * math.tanh(x) ** 2),
        ),
    ),
    "relu": (
        lambda v: v.relu(),
        [-0.7, 0.9],
        (lambda x: 1.0 if x > 0 else 0.0, lambda x: 0.0, lambda x: 0.0),
    ),
    "softplus": (
        lambda v: v.softplus(),
        [-2.5, 0.0, 0.8, 3.0],
        (
            sig,
            lambda x: sig(x) * (1 - sig(x)),
            lambda x: sig(x) * (1 - sig(x)) * (1 - 2 * sig(x)),
        ),
    ),
    "identity": (
        lambda v: apply(ops.identity, (v,)),
        [-1.0, 2.5],
        (lambda x: 1.0, lambda x: 0.0, lambda x: 0.0),
    ),
    "sin": (
        lambda v: al.sin(v),
        [-2.0, 0.0, 1.3],
        (math.cos, lambda x: -math.sin(x), lambda x: -math.cos(x)),
    ),
    "cos": (
        lambda v: al.cos(v),
        [-2.0, 0.0, 1.3],
        (lambda x: -math.sin(x), lambda x: -math.cos(x), math.sin),
    ),
    "sqrt": (
        lambda v: al.sqrt(v),
        [0.25, 1.0, 9.0],
        (
            lambda x: 0.5 * x**-0.5,
            lambda x: -0.25 * x**-1.5,
            lambda x: 0.375 * x**-2.5,
        ),
    ),
    "abs": (
        lambda v: abs(v),
        [-1.5, 0.7],
        (lambda x: 1.0 if x > 0 else -1.0, lambda x: 0.0, lambda x: 0.0),
    ),
    # The user-defined row of tests/conftest.py: x / (1 + |x|).
    "softsign": (
        lambda v: al.TABLE["softsign"](v),
        [-2.0, 0.5, 3.0],
        (
            lambda x: 1 / (1 + abs(x)) ** 2,
            lambda x: -2 * math.copysign(1.0, x) / (1 + abs(x)) ** 3,
            lambda x: 6 / (1 + abs(x)) ** 4,
        ),
    ),
}

POWC_K = [0.0, 1.0, 2.0, 3.0, -1.0, 0.5, -2.5]


def powc_derivs(k: float) -> tuple[Deriv, Deriv, Deriv]:
    return (
        lambda x: k * x ** (k - 1),
        lambda x: k * (k - 1) * x ** (k - 2),
        lambda x: k * (k - 1) * (k - 2) * x ** (k - 3),
    )


# Binary ops: value of f(a, b) and its partials, keyed by the variables
# differentiated ("a", "ab", "bbb"...). Missing keys are zero.
Partials = dict[str, Callable[[float, float], float]]
BINARY: dict[str, tuple[Callable[[Value, Value], Value], Partials]] = {
    "add": (lambda a, b: vsum([a, b, a]), {"a": lambda a, b: 2.0, "b": lambda a, b: 1.0}),
    "sub": (lambda a, b: a - b, {"a": lambda a, b: 1.0, "b": lambda a, b: -1.0}),
    "mul": (
        lambda a, b: a * b,
        {"a": lambda a, b: b, "b": lambda a, b: a, "ab": lambda a, b: 1.0, "ba": lambda a, b: 1.0},
    ),
    "div": (
        lambda a, b: a / b,
        {
            "a": lambda a, b: 1 / b,
            "b": lambda a, b: -a / b**2,
            "ab": lambda a, b: -1 / b**2,
            "ba": lambda a, b: -1 / b**2,
            "bb": lambda a, b: 2 * a / b**3,
            "abb": lambda a, b: 2 / b**3,
            "bab": lambda a, b: 2 / b**3,
            "bba": lambda a, b: 2 / b**3,
            "bbb": lambda a, b: -6 * a / b**4,
        },
    ),
    "pow": (
        lambda a, b: a**b,
        {
            "a": lambda a, b: b * a ** (b - 1),
            "b": lambda a, b: a**b * math.log(a),
            "aa": lambda a, b: b * (b - 1) * a ** (b - 2),
            "ab": lambda a, b: a ** (b - 1) * (1 + b * math.log(a)),
            "ba": lambda a, b: a ** (b - 1) * (1 + b * math.log(a)),
            "bb": lambda a, b: a**b * math.log(a) ** 2,
            "aaa": lambda a, b: b * (b - 1) * (b - 2) * a ** (b - 3),
            "bbb": lambda a, b: a**b * math.log(a) ** 3,
            "aab": lambda a, b: a ** (b - 2) * ((2 * b - 1) + b * (b - 1) * math.log(a)),
        },
    ),
}


def nth_derivative(build: Callable[[Value], Value], x: float, n: int) -> float:
    """The n-th derivative through repeated create_graph gradients."""
    leaf = Value(x, "x")
    out = build(leaf)
    for _ in range(n):
        (out,) = gradients(out, [leaf], create_graph=True)
    return out.data


def test_every_op_has_a_higher_order_oracle() -> None:
    covered = set(UNARY) | set(BINARY) | {"powc", "const"}
    assert covered == set(ops.TABLE), set(ops.TABLE) ^ covered


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("order", [1, 2, 3])
def test_unary_derivatives_match_analytic(name: str, order: int) -> None:
    build, points, derivs = UNARY[name]
    for x in points:
        got = nth_derivative(build, x, order)
        assert close(got, derivs[order - 1](x)), (name, order, x, got)


@pytest.mark.parametrize("k", POWC_K)
@pytest.mark.parametrize("order", [1, 2, 3])
def test_powc_derivatives_match_analytic(k: float, order: int) -> None:
    for x in (0.6, 1.9):
        got = nth_derivative(lambda v: v**k, x, order)
        assert close(got, powc_derivs(k)[order - 1](x)), (k, order, x, got)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_partials_up_to_third_order(name: str) -> None:
    build, partials = BINARY[name]
    a0, b0 = 1.7, 0.6
    for path in ["a", "b", "aa", "ab", "ba", "bb", "aaa", "aab", "abb", "bab", "bba", "bbb"]:
        a, b = Value(a0, "a"), Value(b0, "b")
        out = build(a, b)
        for var in path:
            (out,) = gradients(out, [a if var == "a" else b], create_graph=True)
        want = partials[path](a0, b0) if path in partials else 0.0
        if path not in partials and name in ("pow",) and len(path) > 1:
            continue  # not listed analytically; the sympy test covers it
        assert close(out.data, want), (name, path, out.data, want)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_fourth_order_matches_sympy(name: str) -> None:
    import sympy

    s = sympy.Symbol("s")
    exprs = {
        "neg": -s,
        "exp": sympy.exp(s),
        "log": sympy.log(s),
        "sigmoid": 1 / (1 + sympy.exp(-s)),
        "tanh": sympy.tanh(s),
        "relu": s,  # evaluated at positive points only
        "softplus": sympy.log(1 + sympy.exp(s)),
        "identity": s,
        "sin": sympy.sin(s),
        "cos": sympy.cos(s),
        "sqrt": sympy.sqrt(s),
        "abs": sympy.Abs(s),
        "softsign": s / (1 + sympy.Abs(s)),
    }
    build, points, _ = UNARY[name]
    for x in points:
        if name == "relu" and x <= 0:
            continue
        # |s| is s or -s on the side of 0 where the point lies.
        expr = exprs[name].subs(sympy.Abs(s), s if x > 0 else -s)
        d4 = sympy.lambdify(s, sympy.diff(expr, s, 4))
        assert close(nth_derivative(build, x, 4), float(d4(x)), 1e-8), (name, x)


def test_backward_create_graph_matches_sigmoid_second_derivative() -> None:
    x = Value(0.4, "x")
    y = x.sigmoid()
    y.backward(create_graph=True)
    assert x.grad_node is not None
    assert close(x.grad, sig(0.4) * (1 - sig(0.4)))
    x.grad_node.backward()
    # x.grad accumulates: first derivative plus second derivative.
    s = sig(0.4)
    assert close(x.grad, s * (1 - s) + s * (1 - s) * (1 - 2 * s))


def test_backward_without_flag_leaves_no_grad_node() -> None:
    x = Value(0.4, "x")
    y = (x * x).tanh()
    y.backward()
    assert x.grad_node is None
    assert y.grad_node is None


def test_leaf_grad_nodes_accumulate_across_create_graph_calls() -> None:
    x = Value(3.0, "x")
    (x * x * x).backward(create_graph=True)
    (x * x).backward(create_graph=True)
    assert x.grad == 27.0 + 6.0
    assert x.grad_node is not None
    # d/dx (3x² + 2x) = 6x + 2
    (g,) = gradients(x.grad_node, [x])
    assert g == 6 * 3.0 + 2


def test_fourth_order_of_a_composite_through_backward() -> None:
    import sympy

    s = sympy.Symbol("s")
    e = sympy.tanh(s) * sympy.log(s) / (s + 2) + 1 / (1 + sympy.exp(-s * s))
    want = [float(sympy.diff(e, s, k).subs(s, 0.7)) for k in range(1, 5)]
    x = Value(0.7, "x")
    out = x.tanh() * x.log() / (x + 2) + (x * x).sigmoid()
    for k in range(4):
        out.backward(create_graph=True)
        assert x.grad_node is not None
        g = x.grad_node
        assert close(g.data, want[k], 1e-8), (k + 1, g.data, want[k])
        x.zero_grad()
        g.zero_grad()
        out = g


def test_create_graph_on_a_deep_chain_is_iterative() -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(20000):
        y = y * 1.0
    (g,) = gradients(y * y, [x], create_graph=True)
    (h,) = gradients(g, [x])
    assert g.data == 1.0 and h == 2.0


@settings(max_examples=40)
@given(expressions(min_inputs=1, max_inputs=3, max_ops=8))
def test_random_graphs_second_and_third_order_match_sympy(expr: Expr) -> None:
    import sympy

    n = len(expr.inputs)
    syms = sympy.symbols(f"x0:{n}")
    sym = expr.sympy(syms)
    subs = dict(zip(syms, [sympy.Float(x, 30) for x in expr.inputs], strict=True))
    leaves = [Value(x, f"x{i}") for i, x in enumerate(expr.inputs)]
    out = expr.build(leaves)
    first = gradients(out, leaves, create_graph=True)
    rng = random.Random(n)
    for i in range(n):
        second = gradients(first[i], leaves, create_graph=True)
        for j in range(n):
            want = float(sympy.diff(sym, syms[i], syms[j]).evalf(subs=subs))
            assert close(second[j].data, want, 1e-7), (i, j, second[j].data, want)
        j, k = rng.randrange(n), rng.randrange(n)
        (third,) = gradients(second[j], [leaves[k]])
        want3 = float(sympy.diff(sym, syms[i], syms[j], syms[k]).evalf(subs=subs))
        assert close(third, want3, 1e-7), (i, j, k, third, want3)


@settings(max_examples=25)
@given(expressions(min_inputs=1, max_inputs=3, max_ops=8))
def test_random_graphs_hessian_matches_sympy(expr: Expr) -> None:
    import sympy

    n = len(expr.inputs)
    syms = sympy.symbols(f"x0:{n}")
    sym = expr.sympy(syms)
    subs = dict(zip(syms, [sympy.Float(x, 30) for x in expr.inputs], strict=True))
    got = hessian(lambda *xs: expr.build(list(xs)))(*expr.inputs)
    for i in range(n):
        for j in range(n):
            want = float(sympy.diff(sym, syms[i], syms[j]).evalf(subs=subs))
            assert close(got[i][j], want, 1e-7), (i, j, got[i][j], want)
            assert close(got[i][j], got[j][i], 1e-9)


@given(st.floats(-4.0, 4.0))
def test_grad_of_grad_of_grad_of_sigmoid(x: float) -> None:
    got = grad(grad(grad(lambda v: v.sigmoid())))(x)
    s = sig(x)
    assert close(got, s * (1 - s) * (1 - 6 * s + 6 * s * s))
