"""Newton and L-BFGS fits reach scikit-learn's optimum, on NumPy and on dask."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite.models.optimize import LogisticObjective, fit_logistic

sklearn_lm = pytest.importorskip("sklearn.linear_model")


@pytest.fixture(scope="module")
def problem() -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    rng = np.random.default_rng(1)
    m, n = 300, 4
    X = rng.normal(size=(m, n))
    y = (X @ rng.normal(size=n) + 0.3 + rng.normal(size=m) > 0).astype(float)
    sk = sklearn_lm.LogisticRegression(
        C=np.inf, tol=1e-12, max_iter=10_000, solver="newton-cholesky"
    ).fit(X, y)
    z = X @ sk.coef_[0] + sk.intercept_[0]
    cost = float(np.mean(np.logaddexp(0.0, z) - y * z))
    return X, y, sk.coef_[0], float(sk.intercept_[0]), cost


def _check(fit, w, b, cost) -> None:  # type: ignore[no-untyped-def]
    assert fit.converged
    assert np.allclose(fit.weights, w, rtol=1e-6, atol=1e-9)
    assert fit.bias == pytest.approx(b, rel=1e-6, abs=1e-9)
    assert fit.history[-1] == pytest.approx(cost, rel=1e-9)
    assert all(a >= c - 1e-15 for a, c in zip(fit.history, fit.history[1:], strict=False))


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_numpy_fit_reaches_sklearn(problem, solver) -> None:  # type: ignore[no-untyped-def]
    X, y, w, b, cost = problem
    seen: list[tuple[int, float]] = []
    fit = fit_logistic(X, y, solver=solver, tol=1e-10, callback=lambda i, c: seen.append((i, c)))
    _check(fit, w, b, cost)
    assert [i for i, _ in seen] == list(range(1, len(seen) + 1))
    assert seen[-1][1] == pytest.approx(fit.history[-1])


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_dask_fit_reaches_sklearn(problem, solver) -> None:  # type: ignore[no-untyped-def]
    da = pytest.importorskip("dask.array")
    X, y, w, b, cost = problem
    fit = fit_logistic(
        da.from_array(X, chunks=(70, 4)),
        da.from_array(y, chunks=70),
        solver=solver,
        tol=1e-10,
        scheduler="threads",
    )
    _check(fit, w, b, cost)


def test_l2_matches_sklearn_c() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(float)
    C = 0.5
    sk = sklearn_lm.LogisticRegression(C=C, tol=1e-12, max_iter=10_000, solver="newton-cholesky")
    sk.fit(X, y)
    fit = fit_logistic(X, y, tol=1e-11, l2=1.0 / (C * len(y)))
    assert np.allclose(fit.weights, sk.coef_[0], rtol=1e-6, atol=1e-9)


def test_hessian_comes_from_the_engine() -> None:
    # The Hessian of the programs equals central differences of the compiled gradient.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 2))
    y = (rng.random(50) < 0.5).astype(float)
    obj = LogisticObjective(2)
    theta = np.array([0.3, -0.2, 0.1])
    _, g, H = obj.evaluate(theta, (X, y), 50, hessian=True)
    h = 1e-6
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        gp = obj.evaluate(theta + e, (X, y), 50, hessian=False)[1]
        gm = obj.evaluate(theta - e, (X, y), 50, hessian=False)[1]
        assert np.allclose(H[:, j], (gp - gm) / (2 * h), rtol=1e-6, atol=1e-8)
    assert g.shape == (3,)


@pytest.mark.parametrize("l2", [0.0, 0.7])
def test_value_gradient_and_hessian_equal_the_analytic_formulas(l2: float) -> None:
    # Oracle: the textbook formulas dz = σ(z) − y, ∇ = [Xᵀdz, Σdz]/m, H = AᵀSA/m
    # (A = [X 1], S = diag(σ(1−σ))), over more rows than one block of the NumPy loop.
    rng = np.random.default_rng(4)
    m, n = 70_001, 3
    X = rng.normal(size=(m, n)) * 2.0
    y = (rng.random(m) < 0.4).astype(float)
    theta = np.array([0.5, -1.5, 0.25, -0.3])
    z = X @ theta[:n] + theta[n]
    a = 1.0 / (1.0 + np.exp(-z))
    A = np.hstack([X, np.ones((m, 1))])
    w = theta[:n]
    want_cost = np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * w @ w
    want_grad = A.T @ (a - y) / m + l2 * np.append(w, 0.0)
    want_hess = (A * (a * (1.0 - a))[:, None]).T @ A / m + l2 * np.diag([1.0] * n + [0.0])
    cost, grad, hess = LogisticObjective(n, l2).evaluate(theta, (X, y), m, hessian=True)
    assert cost == pytest.approx(want_cost, rel=1e-12)
    assert np.allclose(grad, want_grad, rtol=1e-10, atol=1e-13)
    assert np.allclose(hess, want_hess, rtol=1e-10, atol=1e-13)
    assert np.array_equal(hess, hess.T)


def test_bad_data_names_the_example() -> None:
    X = np.zeros((6, 2))
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
    X[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"feature 2 must be finite, got nan at index 4"):
        fit_logistic(X, y)
    X[4, 1] = 0.0
    y[3] = -1.0
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\], got -1.0 at index 3"):
        fit_logistic(X, y)


def test_dask_bad_chunk_names_the_global_example() -> None:
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 2))
    y = (rng.random(40) < 0.5).astype(float)
    X[27, 0] = np.inf
    with pytest.raises(ValueError, match=r"feature 1 must be finite, got inf at index 27 \[dask"):
        fit_logistic(
            da.from_array(X, chunks=(10, 2)), da.from_array(y, chunks=10), scheduler="threads"
        )
    X[27, 0] = 0.0
    y[33] = 2.0
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\], got 2.0 at index 33"):
        fit_logistic(
            da.from_array(X, chunks=(10, 2)), da.from_array(y, chunks=10), scheduler="threads"
        )


def test_bad_arguments() -> None:
    X = np.zeros((4, 2))
    y = np.array([0.0, 1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="solver"):
        fit_logistic(X, y, solver="sgd")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="labels"):
        fit_logistic(X, y * 2)
    with pytest.raises(ValueError, match=r"\(m, n\)"):
        fit_logistic(X[:, 0], y)
    fit = fit_logistic(X, y, max_iter=0)
    assert fit.n_iter == 0 and fit.history == [pytest.approx(np.log(2.0))]
