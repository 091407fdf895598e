"""gradcheck passes on correct rules and names the input and order of a wrong one."""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from strategies import Expr, expressions

from autograd_lite.core import ops
from autograd_lite.core.value import Value, apply
from autograd_lite.testing import GradcheckError, GradcheckReport, gradcheck


def sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _wrong_tanh_rule(m: Any, out: Any, a: Any) -> tuple[Any, ...]:
    return (1.0 + out * out,)  # the sign is wrong: d tanh = 1 − tanh²


#: A tanh whose derivative is wrong at every order.
BROKEN_TANH = dataclasses.replace(ops.TABLE["tanh"], name="broken_tanh", d=_wrong_tanh_rule)


def _frozen_sigmoid_rule(m: Any, out: Any, a: Any) -> tuple[Any, ...]:
    # Right value, but computed from the float inside the node: when gradients
    # are built as graphs this derivative is a constant, so σ'' comes out 0.
    s = out.data if isinstance(out, Value) else out
    return (s * (1.0 - s),)


#: A sigmoid right at first order and wrong at second order.
FROZEN_SIGMOID = dataclasses.replace(
    ops.TABLE["sigmoid"], name="frozen_sigmoid", d=_frozen_sigmoid_rule
)


def test_passes_on_correct_functions_up_to_third_order() -> None:
    report = gradcheck(lambda x, y: (x * y).tanh() + x.log() * y.sigmoid(), [0.8, -0.4], order=3)
    assert report.ok and bool(report)
    assert report.checked == 2 + 4 + 8
    assert "passed" in str(report)


@settings(max_examples=30)
@given(expressions(min_inputs=1, max_inputs=3, max_ops=8))
def test_passes_on_random_expression_graphs(expr: Expr) -> None:
    assert gradcheck(lambda *xs: expr.build(list(xs)), expr.inputs, order=2)


def test_fails_on_a_wrong_first_order_rule_naming_input_and_order() -> None:
    x = Value(0.3, "x")
    y = Value(-0.7, "y")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: apply(BROKEN_TANH, (a,)) * b, [x, y])
    report = info.value.report
    first = [m for m in report.mismatches if m.order == 1]
    assert [m.index for m in first] == [(0,)]
    assert first[0].names == ("'x'",)
    t = math.tanh(0.3)
    # The numeric side is the true derivative, the engine side the broken rule.
    assert math.isclose(first[0].numeric, -0.7 * (1 - t * t), rel_tol=1e-6)
    assert math.isclose(first[0].engine, -0.7 * (1 + t * t), rel_tol=1e-12)
    assert "order 1 with respect to ('x')" in str(info.value)
    assert isinstance(info.value, AssertionError)


def test_a_broken_op_on_the_second_input_names_that_input() -> None:
    report = gradcheck(
        lambda a, b: a * apply(BROKEN_TANH, (b,)), [0.5, 0.9], order=1, raise_exception=False
    )
    assert not report
    assert [m.index for m in report.mismatches] == [(1,)]
    assert "input 1" in str(report) and "failed" in str(report)


def test_a_rule_wrong_only_at_second_order() -> None:
    f = lambda a: apply(FROZEN_SIGMOID, (a,)) * 2.0  # noqa: E731
    assert gradcheck(f, [0.4], order=1)
    report = gradcheck(f, [0.4], order=2, raise_exception=False)
    assert isinstance(report, GradcheckReport)
    assert [(m.order, m.index) for m in report.mismatches] == [(2, (0, 0))]
    (m,) = report.mismatches
    s = sig(0.4)
    assert m.engine == 0.0
    assert math.isclose(m.numeric, 2 * s * (1 - s) * (1 - 2 * s), rel_tol=1e-6)
    with pytest.raises(GradcheckError, match=r"order 2 with respect to \(input 0, input 0\)"):
        gradcheck(f, [0.4], order=2)


def test_mixed_second_order_mismatch_is_located() -> None:
    # Only d²/dx² is wrong; the mixed partials involving y are right.
    report = gradcheck(
        lambda a, b: apply(FROZEN_SIGMOID, (a,)) + a * b, [0.4, 1.3], raise_exception=False
    )
    assert [(m.order, m.index) for m in report.mismatches] == [(2, (0, 0))]


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="order must be an int >= 1"):
        gradcheck(lambda x: x, [1.0], order=0)
    with pytest.raises(ValueError, match="eps must be positive"):
        gradcheck(lambda x: x, [1.0], eps=0.0)
    with pytest.raises(ValueError, match="no inputs"):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match="input 1 must be a real number"):
        gradcheck(lambda x, y: x, [1.0, "2"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="must return a scalar"):
        gradcheck(lambda x: [x], [1.0])


@pytest.mark.parametrize(
    ("kwargs", "kind", "message"),
    [
        ({"inputs": 1.0}, TypeError, "inputs must be a list of numbers or Values"),
        ({"inputs": "ab"}, TypeError, "inputs must be a list of numbers or Values"),
        ({"inputs": [math.nan]}, ValueError, "input 0 must be finite, got nan"),
        ({"inputs": [math.inf]}, ValueError, "input 0 must be finite, got inf"),
        ({"order": "2"}, TypeError, "order must be an int, got '2'"),
        ({"atol": math.nan}, ValueError, "atol must be finite and >= 0, got nan"),
        ({"rtol": -1.0}, ValueError, "rtol must be finite and >= 0, got -1.0"),
        ({"eps": "1e-6"}, TypeError, "eps must be a real number"),
        ({"f": 3}, TypeError, "f must be callable, got int"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, Any], kind: type, message: str) -> None:
    args: dict[str, Any] = {"f": lambda x: x * x, "inputs": [1.0], **kwargs}
    with pytest.raises(kind, match=re.escape(message)):
        gradcheck(**args)


def test_a_difference_step_outside_the_domain_is_explained() -> None:
    # log is fine at 1e-9, but the central difference also evaluates it at 1e-9 - 1e-6.
    with pytest.raises(ValueError, match=r"f fails at 'x' - eps \(eps=1e-06\).*smaller eps.*log"):
        gradcheck(lambda a: a.log(), [Value(1e-9, "x")])
    assert gradcheck(lambda a: a.log(), [Value(1e-9, "x")], eps=1e-12, rtol=1e-2)


def test_inputs_are_not_modified() -> None:
    x = Value(0.2, "x")
    gradcheck(lambda a: a.exp(), [x])
    assert x.grad == 0.0 and x.grad_node is None and x.data == 0.2
