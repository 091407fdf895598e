"""The safe expression parser: what it accepts, what it builds, what it rejects."""

from __future__ import annotations

import ast
import builtins
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite.core.value import Value
from autograd_lite.parse import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NESTING,
    ExpressionError,
    compile_expression,
    parse_expression,
)


def _sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _central(f, xs: dict[str, float], name: str, h: float = 1e-6) -> float:
    up, down = dict(xs), dict(xs)
    up[name] += h
    down[name] -= h
    return (f(**up) - f(**down)) / (2 * h)


def _grads(root: Value, names: list[str]) -> dict[str, float]:
    from autograd_lite.core.graph import reachable
    from autograd_lite.functional import gradients

    leaves = {n.label: n for n in reachable(root) if n.op is None and n.label}
    return dict(zip(names, gradients(root, [leaves[n] for n in names]), strict=True))


CASES = [
    # text, python oracle of the same function
    ("sigmoid(w1*x1 + w2*x2 + b)", lambda w1, x1, w2, x2, b: _sig(w1 * x1 + w2 * x2 + b)),
    ("x*x*x - 2*x + 1", lambda x: x**3 - 2 * x + 1),
    ("-x**2", lambda x: -(x**2)),
    ("x**-1.5 + 3/x", lambda x: x**-1.5 + 3 / x),
    ("exp(a) * log(b) / tanh(a)", lambda a, b: math.exp(a) * math.log(b) / math.tanh(a)),
    (
        "softplus(a) - relu(a - b - 3) + relu(a*b)",
        lambda a, b: math.log1p(math.exp(a)) - max(a - b - 3, 0.0) + max(a * b, 0.0),
    ),
    ("sum(a, 2*b, a*b, 3)", lambda a, b: a + 2 * b + a * b + 3),
    ("a**b", lambda a, b: a**b),
    ("+a - -b", lambda a, b: a + b),
]


@pytest.mark.parametrize(("text", "oracle"), CASES, ids=[c[0] for c in CASES])
@settings(max_examples=25)
@given(data=st.data())
def test_value_and_gradient_match_python_and_central_differences(text, oracle, data) -> None:
    names = list(compile_expression(text).names)
    values = {n: data.draw(st.floats(0.3, 2.5), label=n) for n in names}
    root = parse_expression(text, values)
    assert root.data == pytest.approx(oracle(**values), rel=1e-12)
    grads = _grads(root, names)
    for n in names:
        assert grads[n] == pytest.approx(_central(oracle, values, n), rel=1e-5, abs=1e-7)


def test_names_are_shared_labelled_leaves_in_order_of_appearance() -> None:
    e = compile_expression("y*x + x")
    assert e.names == ("y", "x")
    root = e.build({"x": 2.0, "y": 3.0})
    assert _grads(root, ["x", "y"]) == {"x": 4.0, "y": 2.0}  # d/dx = y + 1, d/dy = x


def test_square_with_a_literal_exponent_works_at_negative_bases() -> None:
    # A Value exponent would need log(base) for its derivative; a literal must not.
    root = parse_expression("x**2", {"x": -3.0})
    assert root.data == 9.0
    assert _grads(root, ["x"])["x"] == -6.0


def test_expression_without_names_is_a_constant_node() -> None:
    root = parse_expression("2 * 3 + 1", {})
    assert isinstance(root, Value)
    assert root.data == 7.0


HOSTILE = [
    "__import__('os')",
    "().__class__",
    "x.y",
    "x[0]",
    "lambda: 1",
    "[x for x in y]",
    "{x for x in y}",
    "(x for x in y)",
    "open('f')",
    "eval('1')",
    "exp",
    "exp(x, x)",
    "exp(x=1)",
    "sum()",
    "sum(*x)",
    "f(x)(y)",
    "x.exp()",
    "import os",
    "x = 1",
    "x; y",
    "x if y else z",
    "x < y",
    "x and y",
    "not x",
    "x ^ 2",
    "x // 2",
    "x % 2",
    "x @ y",
    "~x",
    "'text'",
    "b'bytes'",
    "f'{x}'",
    "True",
    "None",
    "...",
    "1j",
    "1e400",
    "9" * 400,
    "(x := 1)",
    "_x + 1",
    "[1, 2]",
    "(1, 2)",
    "{}",
    "",
    "   ",
    "x +",
    "\x00",
    "x" * (MAX_LENGTH + 1),
    "x" * 10**6,
    "(" * 10**4 + "x" + ")" * 10**4,
    "(" * (MAX_NESTING + 1) + "x" + ")" * (MAX_NESTING + 1),
    "-" * 500 + "x",
    "+".join(["x"] * (MAX_DEPTH + 5)),
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:25]))
def test_rejected_with_a_one_line_expression_error(text: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text, {"x": 1.0, "y": 2.0, "z": 3.0})
    message = str(info.value)
    assert message and "\n" not in message and len(message) < 300


def test_never_calls_eval_or_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec called")

    real_compile = builtins.compile
    modes = []

    def only_ast(source, filename, mode, flags=0, *args, **kwargs):  # type: ignore[no-untyped-def]
        modes.append(flags & ast.PyCF_ONLY_AST)
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", boom)
    monkeypatch.setattr(builtins, "exec", boom)
    monkeypatch.setattr(builtins, "compile", only_ast)
    result = parse_expression("x*2 + exp(y)", {"x": 1.0, "y": 0.0}).data
    monkeypatch.undo()
    assert result == 3.0
    assert modes and all(modes)  # ast.parse only ever asks for a syntax tree


def test_limits_are_boundaries_not_approximations() -> None:
    at_limit = "x+" * ((MAX_LENGTH - 1) // 2) + "x"
    assert len(at_limit) <= MAX_LENGTH
    # long but shallow enough? Depth grows with a left-nested chain, so check both sides.
    nested_ok = "(" * MAX_NESTING + "x" + ")" * MAX_NESTING
    assert parse_expression(nested_ok, {"x": 2.0}).data == 2.0
    chain_ok = "+".join(["x"] * (MAX_DEPTH - 5))
    assert parse_expression(chain_ok, {"x": 1.0}).data == MAX_DEPTH - 5
    with pytest.raises(ExpressionError, match="too deep"):
        parse_expression(at_limit, {"x": 1.0})


def test_missing_extra_and_bad_values_are_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="'y'"):
        parse_expression("x*y", {"x": 1.0})
    with pytest.raises(ExpressionError, match=r"'z'.*not used"):
        parse_expression("x", {"x": 1.0, "z": 2.0})
    for bad in (math.nan, math.inf, "1", True):
        with pytest.raises(ExpressionError, match="finite number"):
            parse_expression("x", {"x": bad})  # type: ignore[dict-item]
    with pytest.raises(ExpressionError):
        compile_expression(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "x", "error", "words"),
    [
        ("log(x)", -1.0, ValueError, "log"),
        ("1/(x - 1)", 1.0, ZeroDivisionError, "div"),
        ("2**10**10", None, OverflowError, "overflow"),
        ("x**1e9", 2.0, OverflowError, "overflow"),
        ("exp(1000*x)", 1.0, OverflowError, "exp"),
        ("(0-x)**0.5", 1.0, ValueError, "negative base"),
    ],
)
def test_engine_errors_pass_through_with_the_engines_message(text, x, error, words) -> None:
    with pytest.raises(error, match=words) as info:
        parse_expression(text, {} if x is None else {"x": x})
    assert not isinstance(info.value, ExpressionError)


@settings(max_examples=300)
@given(st.text(alphabet="xy0123456789.e+-*/()_ ,[]'.:=<>^%sumexplogabc", max_size=40))
def test_fuzz_only_clean_errors(text: str) -> None:
    try:
        expression = compile_expression(text)
    except ExpressionError:
        return
    values = dict.fromkeys(expression.names, 0.7)
    try:
        result = expression.build(values)
    except (ValueError, ZeroDivisionError, OverflowError):
        return
    assert isinstance(result, Value)


@pytest.mark.parametrize(
    ("expr", "token"),
    [
        ("x + w^2", "^"),
        ("w % x", "%"),
        ("(x) ^ 2", "^"),
        ("é + y ^ 2", "^"),  # after a two-byte character
        ("中文 + x ^ 2", "^"),  # after three-byte characters
        ("  a // b", "//"),  # leading spaces count
        ("x.y", "."),
        ("x[0]", "["),
        ("1 if x else 2", "1"),
        ("αβ + @", "@"),  # a syntax error after non-ASCII names
        ("x < y", "<"),
        ("ñ and x", "and"),
        ("x + 'a'", "'"),
        ("f(x) + y", "f"),
    ],
)
def test_an_error_names_the_column_of_the_offending_token(expr: str, token: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(expr)
    column = expr.index(token) + 1  # 1-based, in characters
    assert info.value.column == column
    assert str(info.value).endswith(f" at column {column}")
