"""The Value node: construction, operators, functions, n-ary sum, memory."""

from __future__ import annotations

import gc
import math
import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.core import ops
from autograd_lite.core.value import Value, mean, vsum
from autograd_lite.functional import gradients

# ----------------------------------------------------------- construction


def test_construction_defaults() -> None:
    v = Value(3.5)
    assert v.data == 3.5
    assert v.grad == 0.0
    assert v.label == ""
    assert v.parents == ()
    assert v.op is None
    assert v.is_leaf and not v.is_constant
    assert v.grad_node is None


@pytest.mark.parametrize(
    ("given_data", "want"),
    [(3, 3.0), (-2, -2.0), (True, 1.0), (Fraction(1, 4), 0.25), (1e308, 1e308), (-0.0, 0.0)],
)
def test_construction_converts_real_numbers_to_float(given_data: object, want: float) -> None:
    v = Value(given_data)  # type: ignore[arg-type]
    assert type(v.data) is float
    assert v.data == want


def test_label_and_named() -> None:
    x = Value(1.0, "x")
    assert x.label == "x"
    z = (x * 2).named("z")
    assert z.label == "z"
    assert z.parents[0] is x


def test_creation_order_increases() -> None:
    a = Value(1.0)
    b = Value(2.0)
    c = a * b
    assert a.order < b.order < c.order


def test_repr_shows_label_data_and_grad() -> None:
    x = Value(2.5, "weight")
    text = repr(x)
    assert "weight" in text and "2.5" in text and "grad" in text
    y = x * x
    y.backward()
    assert "5.0" in repr(x)  # d(x²)/dx at 2.5
    unlabelled = repr(Value(-1.25))
    assert "-1.25" in unlabelled and "label" not in unlabelled


def test_float_conversion() -> None:
    assert float(Value(1.5)) == 1.5


# -------------------------------------------------------------- operators

# (operator, forward on floats, d/da, d/db), written by hand.
BINARY: list[
    tuple[
        str,
        Callable[[object, object], object],
        Callable[[float, float], float],
        Callable[[float, float], float],
        Callable[[float, float], float],
    ]
] = [
    ("add", operator.add, lambda a, b: a + b, lambda a, b: 1.0, lambda a, b: 1.0),
    ("sub", operator.sub, lambda a, b: a - b, lambda a, b: 1.0, lambda a, b: -1.0),
    ("mul", operator.mul, lambda a, b: a * b, lambda a, b: b, lambda a, b: a),
    ("div", operator.truediv, lambda a, b: a / b, lambda a, b: 1 / b, lambda a, b: -a / b**2),
    (
        "pow",
        operator.pow,
        lambda a, b: math.pow(a, b),
        lambda a, b: b * math.pow(a, b - 1),
        lambda a, b: math.pow(a, b) * math.log(a),
    ),
]
MIXES = ["value-value", "value-int", "int-value", "value-float", "float-value"]


@pytest.mark.parametrize(("name", "fn", "fwd", "da", "db"), BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("mix", MIXES)
def test_binary_operators(
    name: str,
    fn: Callable[[object, object], object],
    fwd: Callable[[float, float], float],
    da: Callable[[float, float], float],
    db: Callable[[float, float], float],
    mix: str,
) -> None:
    a_num, b_num = (3, 2) if "int" in mix else (1.5, 2.5)
    a = Value(a_num, "a") if mix.startswith("value") else a_num
    b = Value(b_num, "b") if mix.endswith("value") else b_num
    out = fn(a, b)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(fwd(a_num, b_num), rel=1e-15)
    assert len(out.parents) == (1 if name == "pow" and mix.endswith(("int", "float")) else 2)
    if isinstance(a, Value):
        assert out.parents[0] is a
    else:
        assert out.parents[0].is_constant and out.parents[0].data == a_num
    if isinstance(b, Value) and isinstance(a, Value):
        assert out.parents[1] is b
    out.backward()
    if isinstance(a, Value):
        assert a.grad == pytest.approx(da(a_num, b_num), rel=1e-12)
    if isinstance(b, Value):
        assert b.grad == pytest.approx(db(a_num, b_num), rel=1e-12)


@pytest.mark.parametrize("mix", MIXES)
def test_operator_op_rows(mix: str) -> None:
    a = Value(2.0) if mix.startswith("value") else 2.0
    b = Value(3.0) if mix.endswith("value") else 3.0
    assert (a + b).op is ops.TABLE["add"]  # type: ignore[union-attr]
    assert (a - b).op is ops.TABLE["sub"]  # type: ignore[union-attr]
    assert (a * b).op is ops.TABLE["mul"]  # type: ignore[union-attr]
    assert (a / b).op is ops.TABLE["div"]  # type: ignore[union-attr]


def test_pow_with_number_exponent_is_powc() -> None:
    x = Value(2.0, "x")
    for k in (2, 3.0, -1, 0.5):
        y = x**k
        assert y.op is not None and y.op.name == "powc" and y.op.param == float(k)
        assert y.parents == (x,)
        assert y.data == pytest.approx(2.0**k)


def test_pow_with_value_exponent_is_pow() -> None:
    x = Value(2.0, "x")
    k = Value(3.0, "k")
    y = x**k
    assert y.op is ops.TABLE["pow"] and y.parents == (x, k)
    assert y.data == 8.0
    y.backward()
    assert x.grad == pytest.approx(3 * 2.0**2)
    assert k.grad == pytest.approx(8.0 * math.log(2.0))


def test_number_to_value_power() -> None:
    x = Value(3.0, "x")
    y = 2**x
    assert y.op is ops.TABLE["pow"]
    assert y.parents[0].is_constant and y.parents[0].data == 2.0 and y.parents[1] is x
    y.backward()
    assert y.data == 8.0
    assert x.grad == pytest.approx(8.0 * math.log(2.0))


def test_unary_minus_and_plus() -> None:
    x = Value(1.5, "x")
    y = -x
    assert y.data == -1.5 and y.op is ops.TABLE["neg"] and y.parents == (x,)
    y.backward()
    assert x.grad == -1.0
    assert +x is x


FUNCTIONS = [
    ("exp", math.exp, math.exp),
    ("log", math.log, lambda a: 1 / a),
    ("sigmoid", lambda a: 1 / (1 + math.exp(-a)), lambda a: math.exp(-a) / (1 + math.exp(-a)) ** 2),
    ("tanh", math.tanh, lambda a: 1 / math.cosh(a) ** 2),
    ("relu", lambda a: max(a, 0.0), lambda a: 1.0 if a > 0 else 0.0),
    ("softplus", lambda a: math.log(1 + math.exp(a)), lambda a: 1 / (1 + math.exp(-a))),
]


@pytest.mark.parametrize(("name", "f", "df"), FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
@settings(max_examples=30)
@given(a=st.floats(0.05, 4.0) | st.floats(-4.0, -0.05))
def test_functions(
    name: str, f: Callable[[float], float], df: Callable[[float], float], a: float
) -> None:
    if name == "log":
        a = abs(a)
    x = Value(a, "x")
    y = getattr(x, name)()
    assert y.op is ops.TABLE[name] and y.parents == (x,)
    assert y.data == pytest.approx(f(a), rel=1e-12)
    y.backward()
    assert x.grad == pytest.approx(df(a), rel=1e-9)


def test_relu_derivative_at_zero_is_zero() -> None:
    x = Value(0.0)
    y = x.relu()
    y.backward()
    assert y.data == 0.0 and x.grad == 0.0


# ------------------------------------------------------------ parents and sum


def test_parents_keep_order_and_multiplicity() -> None:
    a = Value(3.0, "a")
    b = Value(4.0, "b")
    sq = a * a
    assert sq.parents == (a, a)
    sq.backward()
    assert a.grad == 6.0
    d = b - a
    assert d.parents == (b, a)


def test_sum_is_one_node() -> None:
    xs = [Value(float(i)) for i in range(7)]
    s = ag.sum(xs)
    assert s.op is ops.TABLE["add"]
    assert len(s.parents) == 7
    assert s.parents == tuple(xs)
    assert s.data == 21.0
    s.backward()
    assert all(x.grad == 1.0 for x in xs)


def test_sum_mixes_numbers_and_repeats() -> None:
    a = Value(2.0, "a")
    s = vsum([a, 1, a, 2.5])
    assert len(s.parents) == 4
    assert s.parents[1].is_constant and s.parents[3].data == 2.5
    assert s.data == 7.5
    s.backward()
    assert a.grad == 2.0


def test_sum_of_nothing_is_constant_zero() -> None:
    s = vsum([])
    assert s.data == 0.0 and s.is_constant


def test_sum_adds_left_to_right_like_a_chain_of_plus() -> None:
    # Plain floating point, in order: 1e16 + 1 rounds back to 1e16 (as with
    # Python's `+`); the compiled program adds arrays the same way.
    terms = [1e16, 1.0, -1e16]
    s = vsum([Value(t) for t in terms])
    assert s.data == (1e16 + 1.0) + -1e16 == 0.0
    assert s.data == (Value(1e16) + Value(1.0) + Value(-1e16)).data


def test_mean() -> None:
    xs = [Value(v) for v in (1.0, 2.0, 6.0)]
    m = mean(xs)
    assert m.data == 3.0
    m.backward()
    assert all(x.grad == pytest.approx(1 / 3) for x in xs)
    with pytest.raises(ValueError, match="mean"):
        mean([])


def test_builtin_sum_of_100k_values() -> None:
    n = 100_000
    xs = [Value(1.0) for _ in range(n)]
    total = sum(xs)  # a chain of n two-input add nodes, starting from 0 + xs[0]
    assert isinstance(total, Value)
    assert total.data == float(n)
    total.backward()
    assert all(x.grad == 1.0 for x in xs)


# ------------------------------------------------------------------ memory


@contextmanager
def gc_disabled() -> Iterator[None]:
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def live_values() -> int:
    # Value instances are tracked by the cyclic GC, so gc.get_objects sees every live one.
    return sum(1 for o in gc.get_objects() if type(o) is Value)


def build_graph() -> Value:
    x = Value(0.5, "x")
    w = [Value(0.001 * i, f"w{i}") for i in range(50)]
    z = vsum([wi * x for wi in w]) + x * x
    loss = (z.sigmoid().log() - z.tanh() + (z**2).exp() / (1 + z.relu())).softplus()
    loss.backward()
    loss.backward()
    return loss


def test_graph_freed_by_reference_counting_alone() -> None:
    with gc_disabled():
        before = live_values()
        root = build_graph()
        assert live_values() - before > 100
        del root
        assert live_values() == before


def test_gradients_with_create_graph_leave_no_cycles() -> None:
    with gc_disabled():
        before = live_values()
        x = Value(2.0, "x")
        y = x * x * x
        (g,) = gradients(y, [x], create_graph=True)
        (h,) = gradients(g, [x])
        assert h == pytest.approx(6 * 2.0)
        del x, y, g
        assert live_values() == before


def test_create_graph_cycle_is_broken_by_zero_grad() -> None:
    # backward(create_graph=True) stores on x a gradient graph that refers to x,
    # as PyTorch does; zero_grad drops it, after which refcounting frees all.
    with gc_disabled():
        before = live_values()
        x = Value(2.0, "x")
        y = x * x * x
        y.backward(create_graph=True)
        assert x.grad_node is not None
        y.zero_grad()
        assert x.grad_node is None
        del x, y
        assert live_values() == before
