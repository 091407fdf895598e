"""Newton and L-BFGS fits reach scikit-learn's optimum, on NumPy and on dask."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite.optimize import LogisticObjective, fit_logistic

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
    data = (*np.ascontiguousarray(X.T), y)
    theta = np.array([0.3, -0.2, 0.1])
    _, g, H = obj.evaluate(theta, data, 50, hessian=True)
    h = 1e-6
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        gp = obj.evaluate(theta + e, data, 50, hessian=False)[1]
        gm = obj.evaluate(theta - e, data, 50, hessian=False)[1]
        assert np.allclose(H[:, j], (gp - gm) / (2 * h), rtol=1e-6, atol=1e-8)
    assert g.shape == (3,)


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
