"""Tests of autograd_lite.compiled: programs equal the eager engine and the analytic formulas."""

from __future__ import annotations

import ast
import functools
import io
import math
import operator
import random
import re
import subprocess
import sys
import tokenize
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from models import close
from strategies import Expr, expressions

from autograd_lite.compiled import NumpyMath, Program, compile_graph, trace
from autograd_lite.compiled.codegen import comment, free_temporaries, label_comment
from autograd_lite.core.graph import topological
from autograd_lite.core.ops import Check, Op
from autograd_lite.core.value import Value, apply, mean, vsum
from autograd_lite.models.nn import MLP


def _eager(expr: Expr, inputs: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in inputs]
    root = expr.build(leaves)
    root.backward()
    return root.data, [v.grad for v in leaves]


@settings(max_examples=150)
@given(expressions(max_ops=14))
def test_program_on_floats_equals_eager(expr: Expr) -> None:
    leaves = [Value(x) for x in expr.inputs]
    root = expr.build(leaves)
    prog = compile_graph(root, leaves)
    value, grads = prog.value_and_grad(*expr.inputs)
    want, want_grads = _eager(expr, expr.inputs)
    # The same rules in the same order with the same float functions: the same bits.
    assert value == want
    assert grads == want_grads
    assert prog.run(*expr.inputs) == want


@settings(max_examples=80)
@given(expressions(max_ops=12))
def test_program_on_arrays_equals_eager_per_example(expr: Expr) -> None:
    leaves = [Value(x) for x in expr.inputs]
    prog = compile_graph(expr.build(leaves), leaves)
    factors = [1.0, 1.0 + 1e-7, 1.0 - 1e-7]
    batch = [np.array([x * f for f in factors]) for x in expr.inputs]
    values, grads = prog.value_and_grad(*batch, reduce=None)
    total, summed = prog.value_and_grad(*batch, reduce="sum")
    for e, f in enumerate(factors):
        want, want_grads = _eager(expr, [x * f for x in expr.inputs])
        assert close(float(values[e]), want)
        for g, w in zip(grads, want_grads, strict=True):
            assert close(float(g[e]), w)
    assert close(total, math.fsum(float(v) for v in values), 1e-10)
    # Gradients of array inputs keep their shape (each example owns its input).
    for g, s in zip(grads, summed, strict=True):
        assert np.allclose(g, s, rtol=1e-12, atol=1e-12)


@settings(max_examples=40)
@given(expressions(max_ops=10))
def test_program_gradient_matches_central_differences(expr: Expr) -> None:
    leaves = [Value(x) for x in expr.inputs]
    prog = compile_graph(expr.build(leaves), leaves)
    _, grads = prog.value_and_grad(*expr.inputs)
    h = 1e-6
    for i, g in enumerate(grads):
        up = list(expr.inputs)
        down = list(expr.inputs)
        up[i] += h
        down[i] -= h
        numeric = (expr.build(up) - expr.build(down)) / (2 * h)
        assert g == pytest.approx(numeric, rel=1e-4, abs=1e-5)


def _lr_program(n: int):
    xs = [Value(0.0, f"x{i + 1}") for i in range(n)]
    y = Value(0.0, "y")
    w = [Value(0.1 * (i + 1), f"w{i + 1}") for i in range(n)]
    b = Value(-0.2, "b")
    z = vsum([*(wi * xi for wi, xi in zip(w, xs, strict=True)), b]).named("z")
    loss = (z.softplus() - y * z).named("L")
    return compile_graph(loss, [*xs, y], [*w, b]), w, b


def test_logistic_regression_batch_matches_analytic_formulas() -> None:
    n, m = 3, 200
    rng = np.random.default_rng(0)
    X = rng.normal(size=(m, n))
    Y = (rng.random(m) < 0.5).astype(float)
    prog, w, b = _lr_program(n)
    cost, grads = prog.value_and_grad(*X.T, Y, reduce="mean")
    # The lesson's formulas: a = σ(z), dz = a − y, dw = mean(x·dz), db = mean(dz).
    wv = np.array([p.data for p in w])
    z = X @ wv + b.data
    a = 1.0 / (1.0 + np.exp(-z))
    want_cost = np.mean(-(Y * np.log(a) + (1 - Y) * np.log(1 - a)))
    dz = a - Y
    assert cost == pytest.approx(want_cost, rel=1e-12)
    dw = grads[n + 1 : 2 * n + 1]
    for i in range(n):
        assert dw[i] == pytest.approx(np.mean(X[:, i] * dz), rel=1e-10, abs=1e-14)
    assert grads[-1] == pytest.approx(np.mean(dz), rel=1e-10, abs=1e-14)
    # Per-example input gradients: dL/dx_i = w_i·dz, averaged by 1/m.
    for i in range(n):
        assert np.allclose(grads[i], wv[i] * dz / m, rtol=1e-10, atol=1e-15)


def test_mlp_program_matches_eager_and_numpy_backprop() -> None:
    rng = random.Random(3)
    X = [[rng.uniform(-1, 2), rng.uniform(-1, 1)] for _ in range(40)]
    Y = [rng.choice([-1.0, 1.0]) for _ in X]
    model = MLP(2, [6, 5, 1], seed=4)
    ps = model.parameters()
    alpha = 1e-3
    # Eager: the whole batch as one graph.
    scores = [model(x) for x in X]
    hinge = [(1.0 - y * s).relu() for y, s in zip(Y, scores, strict=True)]  # type: ignore[operator]
    eager = vsum(hinge) / len(X) + alpha * vsum([p * p for p in ps])
    model.zero_grad()
    eager.backward()
    eager_grads = [p.grad for p in ps]
    # Compiled: one example's graph, run over arrays.
    x1, x2, y = Value(0.0, "x1"), Value(0.0, "x2"), Value(1.0, "y")
    example = (1.0 - y * model([x1, x2])).relu() + alpha * vsum([p * p for p in ps])  # type: ignore[operator]
    prog = compile_graph(example, [x1, x2, y], ps)
    Xa = np.array(X)
    value, grads = prog.value_and_grad(Xa[:, 0], Xa[:, 1], np.array(Y), reduce="mean")
    assert value == pytest.approx(eager.data, rel=1e-12)
    for g, e in zip(grads[3:], eager_grads, strict=True):
        assert close(g, e)
    # NumPy backprop written out by hand (independent oracle).
    W1 = np.array([[p.data for p in n.w] for n in model.layers[0].neurons])
    b1 = np.array([n.b.data for n in model.layers[0].neurons])
    W2 = np.array([[p.data for p in n.w] for n in model.layers[1].neurons])
    b2 = np.array([n.b.data for n in model.layers[1].neurons])
    W3 = np.array([[p.data for p in n.w] for n in model.layers[2].neurons])
    b3 = np.array([n.b.data for n in model.layers[2].neurons])
    z1 = Xa @ W1.T + b1
    h1 = np.maximum(z1, 0)
    z2 = h1 @ W2.T + b2
    h2 = np.maximum(z2, 0)
    s = (h2 @ W3.T + b3)[:, 0]
    ya = np.array(Y)
    ds = (-ya * (1 - ya * s > 0) / len(X))[:, None]
    dW3 = ds.T @ h2 + 2 * alpha * W3
    dz2 = (ds @ W3) * (z2 > 0)
    dW2 = dz2.T @ h1 + 2 * alpha * W2
    dz1 = (dz2 @ W2) * (z1 > 0)
    dW1 = dz1.T @ Xa + 2 * alpha * W1
    got_w1 = [grads[3 + j * 3 + i] for j in range(6) for i in range(2)]
    assert np.allclose(got_w1, dW1.ravel(), rtol=1e-10, atol=1e-13)
    off = 3 + 6 * 3
    got_w2 = [grads[off + j * 7 + i] for j in range(5) for i in range(6)]
    assert np.allclose(got_w2, dW2.ravel(), rtol=1e-10, atol=1e-13)
    off += 5 * 7
    assert np.allclose(grads[off : off + 5], dW3.ravel(), rtol=1e-10, atol=1e-13)
    assert grads[off + 5] == pytest.approx(ds.sum() + 2 * alpha * b3[0], rel=1e-10, abs=1e-13)


def test_params_are_read_live_and_backward_accumulates() -> None:
    x = Value(2.0, "x")
    w = Value(3.0, "w")
    prog = compile_graph(w * x * x, [x])  # w becomes a parameter by default
    assert prog.params == (w,)
    assert prog.run(2.0) == 12.0
    w.data = 5.0
    assert prog.run(2.0) == 20.0
    w.grad = 1.0
    value = prog.backward(np.array([1.0, 2.0]), reduce="sum")
    assert value == 5.0 * (1 + 4)
    assert w.grad == 1.0 + (1 + 4)
    baked = compile_graph(w * x, [x], params=[])
    w.data = 100.0
    assert baked.run(1.0) == 5.0


def test_source_is_the_rules_printed_as_code() -> None:
    x = Value(0.5, "x")
    a = x.sigmoid().named("a")
    prog = compile_graph(a * a, [x])
    src = prog.source()
    assert "def forward" in src and "def value_and_grad" in src
    assert "m.sigmoid(x0)" in src
    # sigmoid's rule out·(1 − out), evaluated on symbols:
    assert "(v1 * (1.0 - v1))" in src
    assert "# 'a'" in src  # the label, quoted and escaped, in a comment only
    assert prog.labels == {"x0": "x", "v1": "a"}
    compile(src, "<test>", "exec")


def test_trace_builds_a_program() -> None:
    prog = trace(lambda a, b: (a * b).exp() / b, 1.0, 2.0)
    value, (ga, gb) = prog.value_and_grad(0.5, 4.0)
    assert value == pytest.approx(math.exp(2.0) / 4.0)
    assert ga == pytest.approx(math.exp(2.0))
    assert gb == pytest.approx(math.exp(2.0) * (0.5 * 4.0 - 1.0) / 16.0)
    with pytest.raises(TypeError, match="must return a Value"):
        trace(lambda a: 1.0, 1.0)  # type: ignore[arg-type, return-value]


def test_domain_errors_on_arrays_name_the_op_and_value() -> None:
    x = Value(1.0, "x")
    prog = compile_graph(x.log().named("lx"), [x])
    with pytest.raises(ValueError, match=r"log at 'lx'.*-3\.0\) at index 2"):
        prog.run(np.array([1.0, 2.0, -3.0]))
    with pytest.raises(ValueError, match="log"):
        prog.value_and_grad(0.0)
    d = Value(1.0, "d")
    q = compile_graph((1.0 / d).named("q"), [d])
    with pytest.raises(ZeroDivisionError, match="div at 'q'"):
        q.run(np.array([1.0, 0.0]))
    with pytest.raises(TypeError, match="takes 1 inputs"):
        q.run(1.0, 2.0)
    with pytest.raises(ValueError, match="reduce"):
        q.value_and_grad(1.0, reduce="max")  # type: ignore[arg-type]


def test_compile_rejects_non_leaves() -> None:
    x = Value(1.0)
    y = x * 2.0
    with pytest.raises(TypeError, match="leaf"):
        compile_graph(y * y, [y])
    with pytest.raises(ValueError, match="twice"):
        compile_graph(x * x, [x], [x])


def test_numpy_math_is_stable() -> None:
    m = NumpyMath()
    z = np.array([-800.0, -1.0, 0.0, 1.0, 800.0])
    s = m.sigmoid(z)
    assert np.all(np.isfinite(s))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    sp = m.softplus(z)
    assert sp[-1] == 800.0 and np.all(np.isfinite(sp))
    assert list(m.step(np.array([-1.0, 0.0, 2.0]))) == [0.0, 0.0, 1.0]
    # The namespace has no limits of its own: overflow is the program's test.
    with np.errstate(over="ignore"):
        assert m.exp(np.array([1.0, 710.0]))[1] == math.inf


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "relu", "step"])
def test_numpy_overrides_equal_the_primitive_bit_for_bit(name: str) -> None:
    # NumPy's own versions of these primitives must give what the primitive's
    # array-API form gives, to the bit, and what its float function gives on
    # each element (to the last bit: NumPy's exp is not the C library's).
    from autograd_lite.core.primitives import PRIMITIVES

    p = PRIMITIVES[name]
    xs = np.array([-800.0, -30.5, -1.0, -1e-300, -0.0, 0.0, 1e-300, 0.25, 1.0, 30.5, 800.0])
    with np.errstate(all="ignore"):
        got = getattr(NumpyMath(), name)(xs)
        standard = p.array(np, xs)
    expected = np.array([p.real(float(x)) for x in xs])
    assert got.dtype == np.float64
    assert got.tobytes() == np.asarray(standard).tobytes()
    assert np.array_equal(np.signbit(got), np.signbit(expected))
    assert np.allclose(got, expected, rtol=2.3e-16, atol=0.0)


# ------------------------------------------------------- bad input (QA)
def _log_program() -> Program:
    x, w = Value(1.0, "x"), Value(0.5, "w")
    return compile_graph((x * w).log().named("y"), inputs=[x], params=[w])


@pytest.mark.parametrize(
    ("arg", "kind", "message"),
    [
        ("a", TypeError, "input 0 ('x') must be a real number or an array of them, got str"),
        (1j, TypeError, "input 0 ('x') must be a real number or an array of them, got complex"),
        (None, TypeError, "input 0 ('x') must be a real number"),
        (True, TypeError, "input 0 ('x') must be a real number"),
        (float("nan"), ValueError, "input 0 ('x') must be finite (is NaN)"),
        (np.array([1.0 + 1j]), TypeError, "must be a real number or an array of them"),
        (np.array(["a"]), TypeError, "must be a real number or an array of them"),
        (
            np.array([1.0, np.nan, 2.0]),
            ValueError,
            "input 0 ('x') must be finite (is NaN) at index 1",
        ),
        (np.array([]), ValueError, "input 0 ('x') is an empty array"),
        (np.float64("nan"), ValueError, "input 0 ('x') must be finite (is NaN)"),
    ],
)
def test_bad_inputs_name_the_program_input(arg: object, kind: type, message: str) -> None:
    prog = _log_program()
    for call in (prog.run, prog.value_and_grad):
        with pytest.raises(kind, match=re.escape(message)):
            call(arg)


def test_domain_errors_name_the_op_and_the_node() -> None:
    prog = _log_program()
    with pytest.raises(ValueError, match=r"log at 'y' \(compiled program\).*-0\.5"):
        prog.value_and_grad(-1.0)
    with pytest.raises(ValueError, match=r"log at 'y'.*at index 1"):
        prog.value_and_grad(np.array([1.0, -1.0]))


def test_compile_and_trace_refuse_what_is_not_a_graph() -> None:
    with pytest.raises(TypeError, match="compile_graph: root must be a Value, got float"):
        compile_graph(3.0, [])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="compile_graph: inputs must be a list"):
        compile_graph(Value(1.0), Value(1.0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="trace: fn must be callable, got int"):
        trace(3, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a real number"):
        trace(lambda a: a, "a")  # type: ignore[arg-type]


# ---------------------------------------------- labels never become code
_NASTY = st.sampled_from(
    [
        "\n",
        "\r",
        "\r\n",
        "\u2028",
        "\u2029",
        "\x0b",
        "\x0c",
        "\x1c",
        "\x1d",
        "\x1e",
        "\x85",
        "\x00",
        "\t",
        "#",
        "'",
        '"',
        '"""',
        "\\",
        "\ud800",
        "\udfff",
        "\u202e",
        "open('PWNED','w')",
        "    ",
    ]
)
_PIECES = st.one_of(st.characters(exclude_categories=()), _NASTY)
_LABELS = st.lists(_PIECES, max_size=12).map("".join)


def _all_source(prog: Program) -> str:
    return prog.source() + "\n\n" + prog._code.grad_params


@settings(max_examples=60, deadline=None)
@given(expressions(max_ops=10), st.data())
def test_labels_never_change_the_code(expr: Expr, data: st.DataObject) -> None:
    leaves = [Value(x) for x in expr.inputs]
    root = expr.build(leaves)
    nodes = topological(root)
    plain = compile_graph(root, leaves)
    want = [ast.dump(ast.parse(src)) for src in _all_source(plain).split("\n\n\n")]
    labels = [data.draw(_LABELS) for _ in nodes]
    for n, label in zip(nodes, labels, strict=True):
        n.label = label
    prog = compile_graph(root, leaves)
    src = _all_source(prog)
    assert [ast.dump(ast.parse(part)) for part in src.split("\n\n\n")] == want
    # No line break that any reader could see, other than "\n".
    assert src.splitlines() == src.split("\n")[:-1] or src.splitlines() == src.split("\n")
    assert all(ch == "\n" or ch.isprintable() for ch in src)
    assert prog.labels == {
        k: v for k, v in prog.labels.items() if v
    }  # only nodes that have a label
    assert set(prog.labels.values()) <= {lb for lb in labels if lb}
    assert prog.run(*expr.inputs) == plain.run(*expr.inputs)


@given(_LABELS | st.text(st.characters(exclude_categories=())))
def test_comment_text_stays_on_one_line(text: str) -> None:
    safe = comment(text)
    assert all(ch.isprintable() for ch in safe)
    line = f"x = 1  # {label_comment(text)}\n"
    assert len(line.splitlines()) == 1
    tokens = list(tokenize.generate_tokens(io.StringIO(line).readline))
    assert [t.type for t in tokens].count(tokenize.COMMENT) == 1
    assert [t.type for t in tokens].count(tokenize.NEWLINE) == 1


@pytest.mark.parametrize("sep", ["\n", "\r", "\r\n", "\u2028", "\x0c", "\x85"])
def test_a_label_cannot_inject_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sep: str
) -> None:
    monkeypatch.chdir(tmp_path)
    w, x = Value(2.0, "w"), Value(3.0, "x" + sep + "import os; os.remove('x')")
    evil = f"f{sep}    open('PWNED','w').write('x')"
    prog = compile_graph((w * x).named(evil), [x], [w])
    assert prog.run(3.0) == 6.0
    assert prog.value_and_grad(np.array([1.0, 2.0]))[0] == 6.0
    prog.backward(1.0)
    assert not (tmp_path / "PWNED").exists()
    calls = [n for n in ast.walk(ast.parse(_all_source(prog))) if isinstance(n, ast.Call)]
    assert not any(isinstance(c.func, ast.Name) and c.func.id == "open" for c in calls)
    assert prog.labels["v2"] == evil


# ------------------------------------------------------------------ sums
def test_one_input_sums_on_floats_and_arrays() -> None:
    v = Value(3.0, "v")
    for root in (vsum([v]), mean([v]), vsum([v]) * 2.0):
        prog = compile_graph(root, [v])
        assert prog.run(3.0) == root.data
        value, (g,) = prog.value_and_grad(3.0)
        assert value == root.data
        arr = np.array([1.0, -2.0, 3.0])
        assert list(prog.run(arr)) == [prog.run(float(a)) for a in arr]
        _, (ga,) = prog.value_and_grad(arr, reduce=None)
        assert list(ga) == [g] * 3


def test_sums_are_plain_left_to_right_like_eager() -> None:
    xs = [Value(0.0, f"x{i}") for i in range(3)]
    root = vsum(xs)
    prog = compile_graph(root, xs)
    args = (1e16, 1.0, -1e16)
    assert prog.run(*args) == 0.0  # (1e16 + 1) rounds to 1e16: no compensation
    eager = vsum([Value(a) for a in args])
    assert prog.run(*args) == eager.data
    assert prog.run(*(np.array([a, a]) for a in args)).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("n", [2, 16, 17, 40])
def test_long_sums_have_the_bits_of_eager(n: int) -> None:
    rng = random.Random(n)
    vals = [rng.uniform(-1e3, 1e3) * 10 ** rng.randint(-5, 5) for _ in range(n)]
    xs = [Value(v, f"x{i}") for i, v in enumerate(vals)]
    root = vsum(xs)
    prog = compile_graph(root, xs)
    want = functools.reduce(operator.add, vals, -0.0)
    assert prog.run(*vals) == want
    batch = [np.array([v, -v, 2 * v]) for v in vals]
    got = prog.run(*batch)
    for e in range(3):
        assert got[e] == functools.reduce(operator.add, [b[e] for b in batch], -0.0)


# ---------------------------------------------------------------- errors
def test_overflow_on_arrays_names_the_op_node_and_example() -> None:
    x = Value(1e-300, "x")
    prog = compile_graph(x.exp().named("e"), [x])
    batch = np.array([0.0, 1.0, 2.0, 710.0, 711.0])
    pattern = (
        r"exp at 'e' \(compiled program\): the result overflows a float \('x' = 710\.0\) at index 3"
    )
    with pytest.raises(OverflowError, match=pattern):
        prog.run(batch)
    with pytest.raises(OverflowError, match=pattern):
        prog.value_and_grad(batch)
    with pytest.raises(OverflowError, match=r"exp at 'e'.*710\.0"):
        prog.run(710.0)
    # Products overflow too, on floats and arrays (no inf is ever returned).
    big = compile_graph((x * 1e300 * 1e300).named("big"), [x])
    with pytest.raises(OverflowError, match=r"mul at 'big'.*at index 1"):
        big.run(np.array([0.0, 1.0]))
    with pytest.raises(OverflowError, match="mul at 'big'"):
        big.value_and_grad(1.0)
    # A 2-D batch names the example by its index tuple.
    with pytest.raises(OverflowError, match=r"at index \(1, 0\)"):
        prog.run(np.array([[1.0, 2.0], [800.0, 3.0]]))


def test_errors_name_the_node_that_fails() -> None:
    x = Value(1.0, "x")
    first = x.log().named("first")
    later = (first * 1e300 * 1e300).named("later")
    prog = compile_graph(later + first, [x])
    for arg in (2.0, np.array([1.5, 2.0])):
        with pytest.raises(OverflowError, match=r"^mul at 'later' \(compiled program\)"):
            prog.run(arg)
    with pytest.raises(ValueError, match=r"^log at 'first'.*at index 1"):
        prog.run(np.array([1.0, -2.0]))
    # Unlabelled nodes are named by their identifier in the source.
    y = Value(1.0)
    anon = compile_graph((y * 2.0).exp() + 1.0, [y])
    with pytest.raises(OverflowError, match=r"^exp at node v3 \(compiled program\)"):
        anon.run(400.0)
    assert "v3 = m.exp(" in anon.source()


def test_the_first_error_in_eager_order_wins() -> None:
    x = Value(1e-300, "x")
    big = (x * 1e300 * 1e300).named("big")  # overflows for x != 0
    q = (1.0 / (x - 2.0)).named("q")  # its check fails at x = 2, later in the graph
    prog = compile_graph(big + q, [x])
    with pytest.raises(OverflowError, match="mul at 'big'"):
        prog.run(2.0)
    # On arrays: the first example that fails, at the node where eager would stop.
    e = (x * 100.0).exp().named("e")  # overflows for x > 7.1
    r = (1.0 / (x + 3.0)).named("r")  # fails at x = -3, later in the graph
    both = compile_graph(e + r, [x])
    with pytest.raises(ZeroDivisionError, match=r"^div at 'r'.*at index 0"):
        both.run(np.array([-3.0, 8.0]))
    with pytest.raises(OverflowError, match=r"^exp at 'e'.*at index 0"):
        both.run(np.array([8.0, -3.0]))


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        (math.inf, "input 0 ('x') must be finite (is infinite)"),
        (-math.inf, "input 0 ('x') must be finite (is infinite)"),
        (np.array([1.0, 2.0, -np.inf]), "input 0 ('x') must be finite (is infinite) at index 2"),
        (
            np.array([[1.0, 2.0], [np.nan, 1.0]]),
            "input 0 ('x') must be finite (is NaN) at index (1, 0)",
        ),
        (np.array([1e308, 1e308, np.inf]), "input 0 ('x') must be finite (is infinite) at index 2"),
        (np.float64("inf"), "input 0 ('x') must be finite (is infinite)"),
    ],
)
def test_infinite_and_nan_inputs_are_refused(arg: object, message: str) -> None:
    prog = _log_program()
    for call in (prog.run, prog.value_and_grad):
        with pytest.raises(ValueError, match=re.escape(message)):
            call(arg)
    # Finite entries whose sum overflows are fine (the fast test is only a filter).
    assert np.all(np.isfinite(prog.run(np.array([1e308, 1e308]))))


def test_parameters_must_be_finite() -> None:
    prog = _log_program()
    with pytest.raises(ValueError, match=re.escape("Value 'w': data must be finite, got inf")):
        prog.params[0].data = math.inf  # the node refuses it at the door
    with pytest.raises(
        ValueError, match=re.escape("parameter 0 ('w') must be finite (is infinite)")
    ):
        prog.run(1.0, params=[math.inf])


def test_a_non_finite_gradient_is_refused() -> None:
    x, w = Value(1.0, "x"), Value(1.0, "w")
    prog = compile_graph((w * x).log().named("y"), [x], [w])
    with pytest.raises(OverflowError, match="gradient of input 0 \\('x'\\)"):
        prog.value_and_grad(1e-320)  # dy/dx = 1/x overflows


# ------------------------------------------------------- rows a user made
def _cube_row() -> Op:
    return Op(
        "cube",
        "³",
        1,
        lambda m, a: a * a * a,
        lambda m, out, a: (3.0 * a * a,),
        ("3{0}²",),
        "{0}³",
        checks=(Check(lambda m, a: a > -10.0, ValueError, "cube needs x > -10"),),
    )


def _leaky_row() -> Op:
    # Branches on its input: printed on symbols it would always take one branch.
    return Op(
        "leaky\nimport os",
        "L",
        1,
        lambda m, a: a if a > 0.0 else 0.25 * a,
        lambda m, out, a: (1.0 if a > 0.0 else 0.25,),
        ("[{0} > 0]",),
        "leaky({0})\nimport os",
    )


def _sin_row() -> Op:
    return Op(
        "math_sin",
        "sin",
        1,
        lambda m, a: math.sin(a),
        lambda m, out, a: (math.cos(a),),
        ("cos {0}",),
        "sin({0})",
        finite=True,
    )


@pytest.mark.parametrize("make", [_cube_row, _leaky_row, _sin_row])
def test_rows_a_user_made_equal_eager(make: object) -> None:
    row = make()  # type: ignore[operator]
    x = Value(0.5, "x")
    root = apply(row, ((x * 3.0).named("t"),)) * x
    prog = compile_graph(root, [x])
    src = prog.source()
    if row.name == "cube":
        assert "v2 * v2 * v2" in src.replace("(", "").replace(")", "")  # printed, not called
    else:
        assert "m.call(R0, (v2,))" in src and "m.local(R0, 0, (v2,), v3)" in src
    batch = np.array([-2.0, -0.5, 0.25, 1.5])
    values, (grads,) = prog.value_and_grad(batch, reduce=None)
    for e, a in enumerate(batch):
        xa = Value(float(a))
        r = apply(row, (xa * 3.0,)) * xa
        r.backward()
        assert prog.run(float(a)) == r.data
        assert prog.value_and_grad(float(a))[1][0] == xa.grad
        assert values[e] == pytest.approx(r.data, rel=1e-15, abs=1e-300)
        assert grads[e] == pytest.approx(xa.grad, rel=1e-15, abs=1e-300)


def test_a_user_row_check_fails_like_a_table_row() -> None:
    x = Value(0.5, "x")
    prog = compile_graph(apply(_cube_row(), (x,)).named("c"), [x])
    with pytest.raises(
        ValueError,
        match=r"^cube at 'c' \(compiled program\): cube needs x > -10 \('x' = -11\.0\) at index 1",
    ):
        prog.run(np.array([1.0, -11.0]))


def test_the_core_imports_without_numpy() -> None:
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "from autograd_lite import Value, compile_graph\n"
        "x = Value(2.0, 'x')\n"
        "p = compile_graph((x * x).exp(), [x])\n"
        "print(p.value_and_grad(1.0)[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout) == math.exp(1.0)


# ------------------------------------------------------------- memory
def test_free_temporaries_deletes_each_intermediate_after_its_last_use() -> None:
    fwd = [
        "v3 = x0 * p0  # 'v9 in a label is not a use'",
        "v4 = v3.exp()",
        "if not m.finite(v4):",
        "    raise Recheck",
        "v5 = v4 + v3",
    ]
    back = ["gv5 = seed", "gv4 = gv5 * v4", "gp0 = R(gv4, x0)"]
    out_fwd, out_back = free_temporaries([fwd, back], {"v5"})
    # v4's last use is in backward; v3's in the forward; the root is kept.
    assert out_fwd == [*fwd, "del v3"]
    assert out_back == [
        "gv5 = seed",
        "gv4 = gv5 * v4",
        "del v4, gv5",
        "gp0 = R(gv4, x0)",
        "del gv4",
    ]


def _peak_arrays(run: Callable[[], object], size: int) -> float:
    import tracemalloc

    run()  # warm: the code compiled, the rows bound
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run()
        return (tracemalloc.get_traced_memory()[1] - before) / size
    finally:
        tracemalloc.stop()


def test_a_program_frees_each_array_once_it_is_done_with_it() -> None:
    x = Value(0.5, "x")
    p = Value(0.3, "p")
    h = x * p
    for _ in range(60):
        h = (h * 0.5 + x).tanh()
    prog = compile_graph(h, [x], [p])
    xs = np.linspace(-1.0, 1.0, 100_000)
    # 181 nodes over the batch, one array each if every one were kept to the end.
    # The forward needs two at a time; backward keeps what its rules read
    # (each tanh's output, 60) and frees each gradient once it is passed on.
    assert _peak_arrays(lambda: prog.run(xs), xs.nbytes) < 4
    assert _peak_arrays(lambda: prog.value_and_grad(xs), xs.nbytes) < 70
