"""Compiled programs on dask arrays: lazy, chunk by chunk, tree-reduced; threads and a cluster."""

from __future__ import annotations

import math

import models
import numpy as np
import pytest
from hypothesis import given, settings
from models import close, lr_columns, lr_program
from strategies import Expr, expressions

from autograd_lite.compiled import compile_graph, scale
from autograd_lite.core.value import Value

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")


@settings(max_examples=25)
@given(expressions(max_ops=10))
def test_random_graphs_on_dask_equal_eager(expr: Expr) -> None:
    leaves = [Value(x) for x in expr.inputs]
    prog = compile_graph(expr.build(leaves), leaves)
    factors = [1.0, 1.0 + 1e-7, 1.0 - 1e-7, 1.0 + 2e-7, 1.0 - 3e-7]
    cols = [np.array([x * f for f in factors]) for x in expr.inputs]
    lazy = [da.from_array(c, chunks=2) for c in cols]
    values, grads = prog.value_and_grad(*lazy, reduce=None)
    total, summed = prog.value_and_grad(*lazy, reduce="sum", input_grads=False)
    values, grads, total, summed = dask.compute(values, grads, total, summed, scheduler="sync")
    for e, f in enumerate(factors):
        leaves2 = [Value(x * f) for x in expr.inputs]
        root = expr.build(leaves2)
        root.backward()
        assert close(float(values[e]), root.data)
        for g, v in zip(grads, leaves2, strict=True):
            assert close(float(g[e]), v.grad)
    assert close(float(total), math.fsum(values), 1e-10)


def test_lr_value_and_grad_is_lazy_and_equals_numpy() -> None:
    prog = lr_program(3)
    data = lr_columns(3, 100)
    v0, g0 = prog.value_and_grad(*data, reduce="mean")
    lazy = [da.from_array(c, chunks=30) for c in data]
    value, grads = prog.value_and_grad(*lazy, reduce="mean", input_grads=False)
    assert isinstance(value, da.Array)  # nothing computed yet
    assert grads[:4] == [None] * 4
    got = dask.compute(value, *grads[4:], scheduler="threads")
    assert close(got[0], v0)
    for a, b in zip(got[1:], g0[4:], strict=True):
        assert close(float(a), b)
    # With the inputs' gradients: per-example arrays, lazily.
    value, grads = prog.value_and_grad(*lazy, reduce="mean")
    got = dask.compute(value, *grads, scheduler="threads")
    for a, b in zip(got[1:], g0, strict=True):
        assert np.allclose(a, b, rtol=1e-12, atol=1e-15)
    # A 2-D (m, n) array stands for n inputs, with scale.value_and_grad.
    X = da.from_array(np.stack(data[:3], axis=1), chunks=(25, 3))
    v2, g2 = scale.value_and_grad(
        prog, [X, lazy[3]], reduce="mean", input_grads=False, compute=True, scheduler="threads"
    )
    assert close(v2, v0)
    assert all(close(a, b) for a, b in zip(g2[4:], g0[4:], strict=True))
    # run: one lazy value per example.
    assert np.allclose(prog.run(*lazy).compute(scheduler="threads"), prog.run(*data), rtol=1e-15)


def test_graph_is_chunked_and_tree_reduced() -> None:
    prog = lr_program(2)
    lazy = [da.from_array(c, chunks=10) for c in lr_columns(2, 80)]
    value, _ = prog.value_and_grad(*lazy, input_grads=False)
    graph = dict(value.__dask_graph__())
    # one program task per chunk (8), partial sums combined in a tree of fan-in 4 or less
    assert sum("_run_chunk" in str(v) or "blockwise" in str(k) for k, v in graph.items()) >= 1
    total = scale.block_sums([prog], [[0.1, 0.2, -0.2]], *lazy, split_every=2)
    names = {k[0] if isinstance(k, tuple) else k for k in dict(total.__dask_graph__())}
    assert sum("partial" in n or "sum-" in n for n in names) >= 2  # more than one level
    assert np.isfinite(total.compute(scheduler="threads")).all()


def test_nan_in_one_chunk_names_the_node_and_global_index() -> None:
    prog = lr_program(2)
    data = lr_columns(2, 40)
    data[1][27] = math.nan
    lazy = [da.from_array(c, chunks=10) for c in data]
    value, _ = prog.value_and_grad(*lazy, input_grads=False)  # building never raises
    with pytest.raises(ValueError, match=r"input 1 \('x2'\) must be finite \(is NaN\) at index 27"):
        value.compute(scheduler="threads")
    x = Value(1.0, "x")
    lg = compile_graph(x.log().named("lx"), [x])
    xs = np.linspace(1.0, 2.0, 30)
    xs[23] = -1.0
    out = lg.run(da.from_array(xs, chunks=7))
    with pytest.raises(ValueError, match=r"^log at 'lx' \(compiled program\).*at index 23 \[dask"):
        out.compute(scheduler="threads")
    t = Value(1e-300, "t")
    ex = compile_graph((t * 1e300 * 1e300).named("big"), [t])
    ys = np.zeros(12)
    ys[9] = 1.0
    v, _ = ex.value_and_grad(da.from_array(ys, chunks=4), input_grads=False)
    with pytest.raises(OverflowError, match=r"mul at 'big'.*at index 9"):
        v.compute(scheduler="threads")


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_on_a_two_process_cluster(client) -> None:  # type: ignore[no-untyped-def]
    prog = lr_program(3)
    data = lr_columns(3, 200, seed=5)
    v0, _ = prog.value_and_grad(*data, reduce="mean")
    # Data made on the workers, chunk by chunk (never on the client).
    rng = da.random.default_rng(5)
    X = rng.standard_normal((200, 3), chunks=(50, 3))
    y = (rng.random(200, chunks=50) < 0.5).astype(float)
    v, g = scale.value_and_grad(prog, [X, y], reduce="mean", input_grads=False, compute=True)
    want_v, want_g = prog.value_and_grad(
        *np.asarray(X.compute()).T, np.asarray(y.compute()), reduce="mean"
    )
    assert close(v, want_v)
    assert all(close(a, b) for a, b in zip(g[4:], want_g[4:], strict=True))
    # Errors raised on a worker reach the client with the global index.
    bad = da.from_array(np.where(np.arange(200) == 123, np.nan, data[0]), chunks=50)
    value, _ = prog.value_and_grad(bad, *data[1:], input_grads=False)
    with pytest.raises(ValueError, match="at index 123"):
        client.compute(value).result()
    assert np.isfinite(v0)


def test_a_cluster_sums_the_chunks_to_the_bits_of_threads(client) -> None:  # type: ignore[no-untyped-def]
    # The tree's shape is set by the chunks and split_every, not by who computes it.
    prog = lr_program(3)
    data = [da.from_array(c, chunks=37) for c in lr_columns(3, 500, seed=8)]
    on = {
        scheduler: scale.value_and_grad(
            prog, data, input_grads=False, split_every=3, compute=True, scheduler=scheduler
        )
        for scheduler in ("threads", None)  # None: the active distributed client
    }
    (v0, g0), (v1, g1) = on["threads"], on[None]
    assert v0 == v1 and g0[4:] == g1[4:]


def _moments(blocks: list[np.ndarray], n: int) -> np.ndarray:
    X, y, c = blocks
    return np.concatenate([[n], X.sum(axis=0), [(y * c).sum()]])


def test_chunk_sums_passes_whole_blocks_and_adds_them_in_a_tree() -> None:
    rng = np.random.default_rng(8)
    X = rng.normal(size=(90, 3))
    y = rng.normal(size=90)
    lazy = scale.chunk_sums(
        _moments,
        da.from_array(X, chunks=(20, 3)),
        da.from_array(y, chunks=20),
        2.5,
        width=5,
        split_every=2,
    )
    (got,) = dask.compute(lazy, scheduler="threads")
    want = np.concatenate([[90], X.sum(axis=0), [2.5 * y.sum()]])
    assert np.allclose(got, want, rtol=1e-13)
    short = scale.chunk_sums(_moments, da.from_array(X, chunks=(20, 3)), y, 1.0, width=4)
    with pytest.raises(ValueError, match="returned 5 sums, expected 4"):
        short.compute(scheduler="threads")


def test_fit_on_a_two_process_cluster(client) -> None:  # type: ignore[no-untyped-def]
    from autograd_lite.models.optimize import fit_logistic

    sk = pytest.importorskip("sklearn.linear_model")
    # Rows generated chunk by chunk on the workers; the client fetches them only for the oracle.
    rng = da.random.default_rng(11)
    X = rng.standard_normal((3000, 4), chunks=(500, 4))
    y = (X @ np.array([1.0, -0.5, 0.25, 0.0]) + rng.standard_normal(3000, chunks=500)) > 0
    X, y = client.persist([X, y.astype(float)])
    Xn, yn = np.asarray(X.compute()), np.asarray(y.compute())
    ref = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=1000, solver="newton-cholesky")
    ref.fit(Xn, yn)
    z = Xn @ ref.coef_[0] + ref.intercept_[0]
    best = float(np.mean(np.logaddexp(0.0, z) - yn * z))
    # L-BFGS stops when f no longer decreases in float64, before a gradient of 1e-10.
    for solver, tol in (("newton", 1e-10), ("lbfgs", 1e-7)):
        fit = fit_logistic(X, y, solver=solver, tol=tol)  # type: ignore[arg-type]
        assert fit.converged
        assert fit.history[-1] == pytest.approx(best, rel=1e-9)
        assert np.allclose(fit.weights, ref.coef_[0], rtol=1e-6, atol=1e-8)
    bad = da.where(da.arange(3000, chunks=500) == 2222, 3.0, y)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\], got 3.0 at index 2222"):
        fit_logistic(X, bad)


@pytest.mark.parametrize("make", models.CASES, ids=["lr", "mlp"])
def test_both_models_on_dask_threads_equal_eager(make) -> None:  # type: ignore[no-untyped-def]
    case = make()
    lazy = [da.from_array(c, chunks=7) for c in case.columns]
    value, grads = case.program.value_and_grad(*lazy, reduce="mean", input_grads=False)
    k = len(case.program.inputs)
    value, *params = dask.compute(value, *grads[k:], scheduler="threads")
    models.check(case, value, [None] * k + params)


@pytest.mark.parametrize("make", models.CASES, ids=["lr", "mlp"])
def test_both_models_on_a_two_process_cluster_equal_eager(client, make) -> None:  # type: ignore[no-untyped-def]
    case = make()
    lazy = [da.from_array(c, chunks=5) for c in case.columns]
    value, grads = scale.value_and_grad(
        case.program, lazy, reduce="mean", input_grads=False, compute=True
    )
    models.check(case, value, grads)
