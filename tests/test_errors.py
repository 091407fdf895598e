"""Bad input gets the right exception with a message naming op, node and value."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.core.value import Value
from autograd_lite.functional import gradients

# --------------------------------------------------------------- TypeError


@pytest.mark.parametrize("bad", ["abc", None, 1 + 2j, [1.0], (1.0,), {"x": 1}, Decimal("1.5")])
def test_non_real_data_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError) as info:
        Value(bad, "w")  # type: ignore[arg-type]
    message = str(info.value)
    assert "Value" in message and "'w'" in message
    assert repr(bad) in message


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf])
def test_data_that_is_not_finite_is_rejected(x: float) -> None:
    with pytest.raises(ValueError, match="must be finite") as info:
        Value(x, "w")
    assert "'w'" in str(info.value) and repr(x) in str(info.value)


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf])
def test_operands_and_constants_that_are_not_finite_are_rejected(x: float) -> None:
    w = Value(1.0, "w")
    for make in (lambda: w + x, lambda: x * w, lambda: w**x, lambda: ag.constant(x)):
        with pytest.raises(ValueError, match="must be finite"):
            make()


def test_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label"):
        Value(1.0, 3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="label"):
        Value(1.0).named(None)  # type: ignore[arg-type]


OPERATORS: list[tuple[str, Callable[[object, object], object]]] = [
    ("add", lambda a, b: a + b),  # type: ignore[operator]
    ("sub", lambda a, b: a - b),  # type: ignore[operator]
    ("mul", lambda a, b: a * b),  # type: ignore[operator]
    ("div", lambda a, b: a / b),  # type: ignore[operator]
    ("pow", lambda a, b: a**b),  # type: ignore[operator]
]


@pytest.mark.parametrize(("name", "fn"), OPERATORS, ids=[o[0] for o in OPERATORS])
@pytest.mark.parametrize("bad", ["x", 1j, None, [2.0]])
@pytest.mark.parametrize("side", ["left", "right"])
def test_operator_with_non_real_is_a_type_error(
    name: str, fn: Callable[[object, object], object], bad: object, side: str
) -> None:
    v = Value(1.5, "weight")
    with pytest.raises(TypeError) as info:
        fn(v, bad) if side == "right" else fn(bad, v)
    message = str(info.value)
    assert name in message and "'weight'" in message and "1.5" in message
    assert repr(bad) in message


def test_str_plus_value() -> None:
    with pytest.raises(TypeError, match=r"add.*'a'.*'x'"):
        Value(1.0, "a") + "x"  # type: ignore[operator]
    with pytest.raises(TypeError, match=r"add.*'a'.*'x'"):
        "x" + Value(1.0, "a")  # type: ignore[operator]


def test_sum_with_non_real_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"add.*'x'"):
        ag.sum([Value(1.0), "x"])  # type: ignore[list-item]


def test_gradients_wrt_must_be_values() -> None:
    with pytest.raises(TypeError, match="gradients"):
        gradients(Value(1.0), [1.0])  # type: ignore[list-item]


def test_backward_seed_must_be_real() -> None:
    with pytest.raises(TypeError, match="backward"):
        Value(1.0).backward("x")  # type: ignore[arg-type]


# ------------------------------------------------------ domain errors (forward)


def expect(exc: type[Exception], fn: Callable[[], object], *fragments: str) -> None:
    with pytest.raises(exc) as info:
        fn()
    message = str(info.value)
    for f in fragments:
        assert f in message, (f, message)


@pytest.mark.parametrize("x", [0.0, -0.0, -1.0, -1e-300, -5e-324])
def test_log_outside_domain(x: float) -> None:
    expect(ValueError, lambda: Value(x, "p").log(), "log", "'p'", repr(x))


@pytest.mark.parametrize(("base", "k"), [(-8.0, 1 / 3), (-2.0, 0.5), (-1e-9, 2.5)])
def test_negative_base_to_non_integer_power(base: float, k: float) -> None:
    expect(ValueError, lambda: Value(base, "b") ** k, "pow", "'b'", repr(base), repr(k))
    expect(
        ValueError,
        lambda: Value(base, "b") ** Value(k, "e"),
        "pow",
        "'b'",
        "'e'",
        repr(base),
        repr(k),
    )


def test_negative_base_to_integer_power_is_fine() -> None:
    assert (Value(-2.0) ** 3).data == -8.0
    assert (Value(-2.0) ** Value(2.0)).data == 4.0
    assert (Value(-2.0) ** -1).data == -0.5


@settings(max_examples=50)
@given(
    base=st.floats(-1e3, -1e-6),
    k=st.floats(-5, 5).filter(lambda k: k != int(k)),
)
def test_power_never_returns_complex(base: float, k: float) -> None:
    with pytest.raises(ValueError):
        Value(base) ** k


def test_division_by_zero() -> None:
    expect(ZeroDivisionError, lambda: Value(1.0, "num") / 0, "div", "'num'", "1.0")
    expect(ZeroDivisionError, lambda: Value(1.0, "n") / Value(0.0, "d"), "div", "'n'", "'d'")
    expect(ZeroDivisionError, lambda: 2.0 / Value(0.0, "d"), "div", "'d'", "0.0")
    expect(ZeroDivisionError, lambda: Value(0.0, "z") ** -1, "pow", "'z'", "0.0")


@pytest.mark.parametrize("x", [709.8, 710.0, 1000.0, 1e308])
def test_exp_overflow(x: float) -> None:
    expect(OverflowError, lambda: Value(x, "t").exp(), "exp", "'t'", repr(x))


def test_exp_at_its_largest_finite_input() -> None:
    assert math.isfinite(Value(709.78).exp().data)


def test_power_overflow() -> None:
    expect(OverflowError, lambda: Value(10.0, "t") ** 400, "pow", "'t'", "10.0")


# ------------------------------------------------------------ stability


def test_sigmoid_saturates_without_overflow() -> None:
    lo = Value(-1000.0, "lo")
    hi = Value(1000.0, "hi")
    a = lo.sigmoid()
    b = hi.sigmoid()
    assert a.data == pytest.approx(0.0, abs=1e-300)
    assert b.data == 1.0
    (a + b).backward()
    assert math.isfinite(lo.grad) and math.isfinite(hi.grad)
    assert lo.grad == pytest.approx(0.0, abs=1e-300) and hi.grad == pytest.approx(0.0, abs=1e-300)


def test_tanh_saturates_without_overflow() -> None:
    for x in (1000.0, -1000.0):
        v = Value(x)
        t = v.tanh()
        assert t.data == math.copysign(1.0, x)
        t.backward()
        assert v.grad == 0.0


def test_softplus_is_finite_at_extremes() -> None:
    hi = Value(1000.0).softplus()
    lo = Value(-1000.0).softplus()
    assert hi.data == 1000.0
    assert lo.data == pytest.approx(0.0, abs=1e-300)


FINITE = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=200)
@given(FINITE)
def test_squashing_functions_are_stable_for_every_finite_input(x: float) -> None:
    v = Value(x)
    s = v.sigmoid()
    t = v.tanh()
    p = v.softplus()
    assert 0.0 <= s.data <= 1.0
    assert -1.0 <= t.data <= 1.0
    assert math.isfinite(p.data) and p.data >= 0.0
    assert p.data >= x  # softplus(x) > max(x, 0)
    for node in (s, t, p):
        v.grad = 0.0
        node.backward()
        assert math.isfinite(v.grad) and 0.0 <= v.grad <= 1.0


@settings(max_examples=100)
@given(st.floats(-700, 700))
def test_sigmoid_agrees_with_the_textbook_formula(x: float) -> None:
    assert Value(x).sigmoid().data == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-12, abs=1e-300)


# ---------------------------------------------------- domain errors (backward)


def test_sqrt_at_zero_fails_in_backward_with_context() -> None:
    x = Value(0.0, "x")
    y = (x**0.5).named("root")
    assert y.data == 0.0
    expect(ZeroDivisionError, y.backward, "pow", "backward", "'root'", "'x'", "0.0")


def test_value_power_with_negative_base_fails_in_backward() -> None:
    a = Value(-2.0, "a")
    b = Value(2.0, "b")
    y = a**b
    assert y.data == 4.0
    expect(ValueError, y.backward, "pow", "backward", "'a'", "-2.0", "log")
    expect(ValueError, lambda: y.backward(create_graph=True), "pow", "backward", "'a'", "-2.0")
    expect(ValueError, lambda: gradients(y, [a]), "pow", "backward", "'a'")


def test_failed_backward_names_the_node_even_deep_in_a_graph() -> None:
    x = Value(0.0, "x")
    y = (x * 2).named("twice") ** 0.5
    z = (y + 1).named("z")
    with pytest.raises(ZeroDivisionError) as info:
        z.backward()
    assert "'twice'" in str(info.value)
