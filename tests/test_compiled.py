"""Tests of autograd_lite.compiled: programs equal the eager engine and the analytic formulas."""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import Expr, expressions

from autograd_lite.compiled import NumpyMath, Program, compile_graph, trace
from autograd_lite.nn import MLP
from autograd_lite.value import Value, vsum


def _eager(expr: Expr, inputs: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in inputs]
    root = expr.build(leaves)
    root.backward()
    return root.data, [v.grad for v in leaves]


def _close(a: float, b: float, tol: float = 1e-12) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


@settings(max_examples=150)
@given(expressions(max_ops=14))
def test_program_on_floats_equals_eager(expr: Expr) -> None:
    leaves = [Value(x) for x in expr.inputs]
    root = expr.build(leaves)
    prog = compile_graph(root, leaves)
    value, grads = prog.value_and_grad(*expr.inputs)
    want, want_grads = _eager(expr, expr.inputs)
    assert _close(value, want)
    assert all(_close(g, w) for g, w in zip(grads, want_grads, strict=True))
    assert _close(prog.run(*expr.inputs), want)


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
        assert _close(float(values[e]), want)
        for g, w in zip(grads, want_grads, strict=True):
            assert _close(float(g[e]), w)
    assert _close(total, math.fsum(float(v) for v in values), 1e-10)
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
        assert _close(g, e)
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
    assert "# a" in src
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
    with pytest.raises(ValueError, match=r"log at 'lx'.*-3\.0 at index 2"):
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
    with pytest.raises(OverflowError, match="exp"):
        m.exp(np.array([1.0, 710.0]))


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
        (float("nan"), ValueError, "input 0 ('x') is NaN"),
        (np.array([1.0 + 1j]), TypeError, "must be a real number or an array of them"),
        (np.array(["a"]), TypeError, "must be a real number or an array of them"),
        (np.array([1.0, np.nan, 2.0]), ValueError, "input 0 ('x') is NaN at index 1"),
        (np.array([]), ValueError, "input 0 ('x') is an empty array"),
        (np.float64("nan"), ValueError, "input 0 ('x') is NaN"),
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
