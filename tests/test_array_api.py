"""Compiled programs on every array library: array-api-strict, NumPy, JAX; and pickling.

array-api-strict has only the functions of the array API standard, so a
program that runs on it uses nothing else. JAX is skipped when not installed.
"""

from __future__ import annotations

import math
import pickle

import models
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from models import close, lr_columns, lr_program
from strategies import Expr, expressions

from autograd_lite.compiled import compile_graph
from autograd_lite.core.value import Value

xps = pytest.importorskip("array_api_strict")


def _eager(expr: Expr, inputs: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in inputs]
    root = expr.build(leaves)
    root.backward()
    return root.data, [v.grad for v in leaves]


def _to_np(a: object) -> np.ndarray:
    return np.from_dlpack(a) if hasattr(a, "__dlpack__") else np.asarray(a)


@settings(max_examples=60)
@given(expressions(max_ops=12))
def test_random_graphs_on_array_api_strict_equal_eager(expr: Expr) -> None:
    leaves = [Value(x) for x in expr.inputs]
    prog = compile_graph(expr.build(leaves), leaves)
    factors = [1.0, 1.0 + 1e-7, 1.0 - 1e-7]
    batch = [xps.asarray([x * f for f in factors], dtype=xps.float64) for x in expr.inputs]
    values, grads = prog.value_and_grad(*batch, reduce=None)
    assert type(values).__module__.startswith("array_api_strict")
    total, summed = prog.value_and_grad(*batch, reduce="sum")
    for e, f in enumerate(factors):
        want, want_grads = _eager(expr, [x * f for x in expr.inputs])
        assert close(float(values[e]), want)
        for g, w in zip(grads, want_grads, strict=True):
            assert close(float(g[e]), w)
    assert close(total, math.fsum(float(values[e]) for e in range(3)), 1e-10)
    assert close(prog.run(*batch)[0].__float__(), float(values[0]))
    for g, s in zip(grads, summed, strict=True):
        assert np.allclose(_to_np(g), _to_np(s), rtol=1e-12, atol=1e-12)


def test_lr_cost_on_strict_equals_numpy() -> None:
    prog = lr_program(3)
    data = lr_columns(3, 64)
    v0, g0 = prog.value_and_grad(*data, reduce="mean")
    v1, g1 = prog.value_and_grad(*(xps.asarray(c) for c in data), reduce="mean")
    assert close(v1, v0)
    for a, b in zip(g1, g0, strict=True):
        assert np.allclose(_to_np(a) if not isinstance(a, float) else a, b, rtol=1e-12, atol=1e-15)
    # Integer arrays are read as float64; a bool array is refused.
    ints = [xps.asarray(np.round(c).astype(np.int64)) for c in data]
    assert math.isfinite(prog.value_and_grad(*ints)[0])
    with pytest.raises(TypeError, match="real number"):
        prog.run(*ints[:-1], xps.asarray([True] * 64))


def test_errors_on_strict_name_the_node_and_example() -> None:
    x = Value(1.0, "x")
    prog = compile_graph(x.log().named("lx"), [x])
    with (
        np.errstate(all="ignore"),
        pytest.raises(ValueError, match=r"log at 'lx'.*-3\.0\) at index 2"),
    ):
        prog.run(xps.asarray([1.0, 2.0, -3.0]))
    e = compile_graph(x.exp().named("e"), [x])
    with (
        np.errstate(all="ignore"),
        pytest.raises(OverflowError, match=r"exp at 'e'.*710\.0\) at index \(1, 0\)"),
    ):
        e.value_and_grad(xps.asarray([[1.0, 2.0], [710.0, 3.0]]))
    with pytest.raises(ValueError, match=r"must be finite \(is NaN\) at index 1"):
        prog.run(xps.asarray([1.0, math.nan]))


# ----------------------------------------------------------------- pickle
def test_programs_pickle_and_rebuild() -> None:
    prog = lr_program(3)
    data = lr_columns(3, 32)
    q = pickle.loads(pickle.dumps(prog))
    assert q.source() == prog.source()
    assert q.labels == prog.labels
    assert [p.label for p in q.params] == [p.label for p in prog.params]
    v0, g0 = prog.value_and_grad(*data)
    v1, g1 = q.value_and_grad(*data)
    assert v0 == v1
    for a, b in zip(g0, g1, strict=True):
        assert np.array_equal(a, b)
    # Rows come back as the op table's own rows (by name), and errors still name nodes.
    from autograd_lite.core import ops

    assert all(r is ops.TABLE[r.name] for r in q._code.rows if r.name in ops.TABLE)
    x = Value(2.0, "x")
    lp = pickle.loads(pickle.dumps(compile_graph((x**1.5).log().named("lg"), [x])))
    with pytest.raises(ValueError, match="at index 1"):
        lp.run(np.array([1.0, -1.0]))
    assert lp.run(4.0) == pytest.approx(1.5 * math.log(4.0))


# -------------------------------------------------------------------- JAX
@pytest.fixture
def jnp():  # type: ignore[no-untyped-def]
    jax = pytest.importorskip("jax", reason="JAX is not installed")
    before = jax.config.read("jax_enable_x64")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    yield jnp
    jax.config.update("jax_enable_x64", before)


def test_jax_equals_numpy_eager_and_jit(jnp) -> None:  # type: ignore[no-untyped-def]
    prog = lr_program(3)
    data = lr_columns(3, 100)
    v0, g0 = prog.value_and_grad(*data, reduce="mean")
    jdata = [jnp.asarray(c) for c in data]
    v1, g1 = prog.value_and_grad(*jdata, reduce="mean")
    assert close(v1, v0)
    for a, b in zip(g1, g0, strict=True):
        assert np.allclose(np.asarray(a), b, rtol=1e-12, atol=1e-15)
    f = prog.jit(reduce="mean")
    v2, g2 = f(*jdata)
    assert close(float(v2), v0)
    for a, b in zip(g2[4:], g0[4:], strict=True):
        assert close(float(a), b)
    with pytest.raises(TypeError, match="mix array libraries"):
        prog.run(*jdata[:-1], xps.asarray(data[-1]))
    # Errors under jit are located by an eager re-run.
    x = Value(1.0, "x")
    lg = compile_graph(x.log().named("lx"), [x])
    with pytest.raises(ValueError, match=r"log at 'lx'.*at index 1"):
        lg.jit()(jnp.asarray([1.0, -2.0]))
    # A non-finite input is tested inside the jitted function and named, as without jit.
    bad = [*jdata[:2], jdata[2].at[7].set(jnp.nan), *jdata[3:]]
    with pytest.raises(ValueError, match=r"input 2 \('x3'\) must be finite \(is NaN\) at index 7"):
        f(*bad)
    with pytest.raises(
        ValueError, match=r"input 0 \('x'\) must be finite \(is infinite\) at index 0"
    ):
        lg.jit()(jnp.asarray([jnp.inf, 2.0]))


def test_jax_without_x64_is_refused(jnp) -> None:  # type: ignore[no-untyped-def]
    import jax

    prog = lr_program(1)
    jax.config.update("jax_enable_x64", False)
    try:
        with pytest.raises(RuntimeError, match="jax_enable_x64"):
            prog.value_and_grad(jnp.zeros(3), jnp.zeros(3))
        with pytest.raises(RuntimeError, match="jax_enable_x64"):
            prog.jit()
    finally:
        jax.config.update("jax_enable_x64", True)


# ------------------------------------------------- both models, every library
@pytest.mark.parametrize("make", models.CASES, ids=["lr", "mlp"])
@pytest.mark.parametrize("library", ["numpy", "array-api-strict", "jax", "jax-jit"])
def test_both_models_on_every_array_library_equal_eager(make, library, request) -> None:  # type: ignore[no-untyped-def]
    case = make()
    if library == "numpy":
        args: list[object] = list(case.columns)
    elif library == "array-api-strict":
        args = [xps.asarray(c) for c in case.columns]
    else:
        jnp = request.getfixturevalue("jnp")
        args = [jnp.asarray(c) for c in case.columns]
    if library == "jax-jit":
        value, grads = case.program.jit(reduce="mean")(*args)
    else:
        value, grads = case.program.value_and_grad(*args, reduce="mean", input_grads=False)
    models.check(case, value, grads)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expr=expressions(max_ops=10))
def test_random_graphs_on_jax_equal_eager(jnp, expr: Expr) -> None:  # type: ignore[no-untyped-def]
    leaves = [Value(x) for x in expr.inputs]
    prog = compile_graph(expr.build(leaves), leaves)
    factors = [1.0, 1.0 + 1e-7, 1.0 - 1e-7]
    batch = [jnp.asarray([x * f for f in factors]) for x in expr.inputs]
    values, grads = prog.value_and_grad(*batch, reduce=None)
    for e, f in enumerate(factors):
        want, want_grads = _eager(expr, [x * f for x in expr.inputs])
        assert close(float(values[e]), want)
        for g, w in zip(grads, want_grads, strict=True):
            assert close(float(g[e]), w)


class _DeviceArray:
    """Stands for a GPU array (CuPy's): NumPy may not read it implicitly."""

    shape = (3,)

    def __array__(self, dtype=None, copy=None):  # type: ignore[no-untyped-def]
        raise TypeError("Implicit conversion to a NumPy array is not allowed")


def test_a_foreign_array_without_array_api_compat_gets_a_clear_error(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(__import__("sys").modules, "array_api_compat", None)  # import fails
    x = Value(1.0, "x")
    prog = compile_graph((x * 2.0).named("y"), [x])
    with pytest.raises(TypeError) as info:
        prog.run(_DeviceArray())
    message = str(info.value)
    assert "input 0 ('x')" in message
    assert "Implicit conversion to a NumPy array is not allowed" in message
    assert "pip install 'autograd_lite[arrayapi]'" in message
