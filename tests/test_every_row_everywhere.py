"""Every one-input row of the op table works in every mode, read from the table.

New rows (built in, or registered by a user like tests/conftest.py's
``softsign``) are covered without editing this file: the function form on
numbers and Values, ``Value`` arithmetic through it, second derivatives,
forward mode, the compiled program on floats, NumPy, array-api-strict, JAX and
dask, the diagram, the explanations (text, Markdown, LaTeX), the stepper, the
parser and the command line. The derivatives are checked against central
differences of the row's own float forward, an independent oracle for the
rules.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.compiled import compile_graph
from autograd_lite.core.value import BUILTIN
from autograd_lite.parse import parse_expression
from autograd_lite.teach.explain import explain

#: Points inside every row's domain, away from kinks (abs, relu at 0) and poles.
POINTS = (0.3, 0.7, 1.9)


def unary_rows() -> list[al.Op]:
    return [r for r in al.TABLE.values() if r.arity == 1 and r.param is None]


ROWS = unary_rows()
IDS = [r.name for r in ROWS]


def slope(row: al.Op, x: float, h: float = 1e-6) -> float:
    return (row(x + h) - row(x - h)) / (2 * h)


def curvature(row: al.Op, x: float, h: float = 1e-4) -> float:
    return (row(x + h) - 2 * row(x) + row(x - h)) / (h * h)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_function_form_on_numbers_values_and_higher_order(row: al.Op) -> None:
    for x in POINTS:
        y = row(x)
        assert type(y) is float and y == row.forward([x])
        v = al.Value(x, "x")
        out = row(v)
        assert isinstance(out, al.Value) and out.data == y and out.op is row
        out.backward(create_graph=True)
        assert v.grad == pytest.approx(slope(row, x), rel=1e-6, abs=1e-8)
        assert v.grad_node is not None
        (d2,) = al.gradients(v.grad_node, [v])
        assert d2 == pytest.approx(curvature(row, x), rel=1e-4, abs=1e-5)
        assert al.jvp(lambda a: row(a), (x,), (1.0,))[1] == pytest.approx(v.grad, rel=1e-12)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_compiled_on_floats_numpy_strict_jax_and_dask(row: al.Op) -> None:
    x = al.Value(POINTS[0], "x")
    prog = compile_graph((row(x) * 2.0).named("y"), [x])
    xs = np.array(POINTS)
    eager = []
    for p in POINTS:
        v = al.Value(p)
        y = row(v) * 2.0
        y.backward()
        eager.append((y.data, v.grad))
    for i, p in enumerate(POINTS):
        value, (g,) = prog.value_and_grad(p)
        assert (value, g) == eager[i]
    values, (grads,) = prog.value_and_grad(xs, reduce=None)
    np.testing.assert_allclose(values, [e[0] for e in eager], rtol=1e-15)
    np.testing.assert_allclose(grads, [e[1] for e in eager], rtol=1e-15)
    strict = pytest.importorskip("array_api_strict")
    sv, (sg,) = prog.value_and_grad(strict.asarray(xs), reduce=None)
    np.testing.assert_allclose(np.asarray(sv), values, rtol=1e-15)
    np.testing.assert_allclose(np.asarray(sg), grads, rtol=1e-15)
    jax = pytest.importorskip("jax")
    before = jax.config.read("jax_enable_x64")
    jax.config.update("jax_enable_x64", True)
    try:
        jv, (jg,) = prog.jit(reduce=None, input_grads=True)(jax.numpy.asarray(xs))
        np.testing.assert_allclose(np.asarray(jv), values, rtol=1e-14)
        np.testing.assert_allclose(np.asarray(jg), grads, rtol=1e-14)
    finally:
        jax.config.update("jax_enable_x64", before)
    dask = pytest.importorskip("dask")
    import dask.array as da

    dv, (dg,) = prog.value_and_grad(da.from_array(xs, chunks=2), reduce=None)
    dv, dg = dask.compute(dv, dg, scheduler="sync")
    np.testing.assert_allclose(dv, values, rtol=1e-15)
    np.testing.assert_allclose(dg, grads, rtol=1e-15)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_diagram_explanations_and_stepper(row: al.Op) -> None:
    x = al.Value(POINTS[1], "x")
    y = row(x).named("y")
    y.backward()
    dot = al.to_dot(y).source
    # The op's circle, its symbol quoted or not as DOT needs.
    assert re.search(rf'label="?{re.escape(row.symbol)}"? ', dot), row.symbol
    e = explain(y)
    assert "dy/dx" in str(e) and f"{x.grad:.4g}".replace("-", "−")[:4] in str(e)
    assert "x" in e.to_markdown() and "\\" in e.to_latex()
    assert "σ" not in e.to_latex() and "√" not in e.to_latex()  # symbols become LaTeX
    page = str(al.stepper_html(y))
    assert ("<script" in page and row.name in page) or row.symbol in page


@pytest.mark.parametrize("row", [r for r in ROWS if r.name.isidentifier()], ids=lambda r: r.name)
def test_parser_and_command_line(row: al.Op) -> None:
    x0 = POINTS[2]
    out = parse_expression(f"{row.name}(x) * 3", {"x": x0})
    assert out.data == pytest.approx(row(x0) * 3.0, rel=1e-15)
    if row.name not in BUILTIN:
        return  # a row registered in this process only: the command line runs in another
    cli = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "explain", f"{row.name}(x)", "--set", f"x={x0}"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    assert f"{row(x0):.4g}".replace("-", "−") in cli.stdout


def test_sqrt_at_zero_is_zero_and_its_backward_raises() -> None:
    x = al.Value(0.0, "x")
    y = al.sqrt(x).named("y")
    assert y.data == 0.0
    with pytest.raises(ZeroDivisionError, match="sqrt backward at 'y'"):
        y.backward()
    assert x.grad == 0.0
    with pytest.raises(ValueError, match="sqrt"):
        al.sqrt(al.Value(-1.0))


def test_abs_at_zero_has_derivative_zero() -> None:
    for zero in (0.0, -0.0):
        x = al.Value(zero, "x")
        y = abs(x)
        y.backward()
        assert (y.data, x.grad) == (0.0, 0.0)
    assert math.copysign(1.0, al.abs(-0.0)) == 1.0  # |−0| is +0
