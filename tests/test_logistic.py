"""Logistic regression on Value graphs, checked against independent oracles.

Oracles: the lesson's hand-derived formulas in plain floats (``analytic``,
itself checked by central differences), NumPy evaluations of the same
formulas, and scikit-learn's optimiser on a real data set.
"""

from __future__ import annotations

import contextlib
import gc
import io
import itertools
import math
import re
import runpy
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_lite.base.mode import no_grad
from autograd_lite.core.value import Value
from autograd_lite.functional import gradients
from autograd_lite.models.logistic import LogisticRegression, make_data
from autograd_lite.teach.lesson import (
    LessonGraph,
    analytic,
    analytic_batch,
    da,
    dz,
    lesson_graph,
)

EPS = 2.0**-52

# ----------------------------------------------------------------- strategies
coord = st.floats(-2.0, 2.0, allow_nan=False)
small = st.floats(-1.0, 1.0, allow_nan=False)
hard_y = st.sampled_from([0.0, 1.0])
soft_y = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def examples(
    draw: st.DrawFn, y: st.SearchStrategy[float]
) -> tuple[list[float], float, list[float], float]:
    n = draw(st.integers(1, 10))
    x = draw(st.lists(coord, min_size=n, max_size=n))
    w = draw(st.lists(coord, min_size=n, max_size=n))
    return x, draw(y), w, draw(coord)


@st.composite
def batches(
    draw: st.DrawFn, y: st.SearchStrategy[float] = soft_y
) -> tuple[list[list[float]], list[float], list[float], float]:
    n = draw(st.integers(1, 10))
    m = draw(st.integers(1, 12))
    X = [draw(st.lists(small, min_size=n, max_size=n)) for _ in range(m)]
    Y = [draw(y) for _ in range(m)]
    w = draw(st.lists(small, min_size=n, max_size=n))
    return X, Y, w, draw(small)


def _model(w: Sequence[float], b: float) -> LogisticRegression:
    model = LogisticRegression(len(w))
    for p, v in zip(model.w, w, strict=True):
        p.data = v
    model.b.data = b
    return model


def _close(got: float, want: float, tol: float) -> bool:
    return abs(got - want) <= tol


# --------------------------------------------- single example: graph vs formula
def _check_lesson(x: list[float], y: float, w: list[float], b: float) -> None:
    z_scale = math.fsum(abs(wi * xi) for wi, xi in zip(w, x, strict=True)) + abs(b)
    ref = analytic(x, y, w, b)
    a = ref.a
    assume(0.0 < a < 1.0 and abs(ref.z) < 30.0)

    g = lesson_graph(x, y, w, b)
    g.loss.backward()

    # Rounding a (and z) by a few ulps moves 1/a and 1/(1−a) by a relative
    # amount ra, r1a; the tolerances below propagate exactly that.
    dz_err = 8 * EPS * (z_scale + 1.0)
    ra = 8 * EPS + (1.0 - a) * dz_err
    r1a = 8 * EPS * a / (1.0 - a) + a * dz_err
    t_da = y / a * ra + (1 - y) / (1 - a) * r1a + 1e-12 * (y / a + (1 - y) / (1 - a))
    t_loss = y * ra + (1 - y) * r1a + 1e-12 * (1.0 + ref.L)

    assert _close(g.z.data, ref.z, dz_err)
    assert math.isclose(g.a.data, a, rel_tol=1e-12)
    assert _close(g.loss.data, ref.L, t_loss)
    assert _close(g.a.grad, ref.da, t_da), (g.a.grad, ref.da)
    assert _close(g.z.grad, ref.dz, 1e-12), (g.z.grad, ref.dz)
    for wi, xi, dwi in zip(g.w, x, ref.dw, strict=True):
        assert _close(wi.grad, dwi, 1e-12 * (1.0 + abs(xi)))
    assert _close(g.b.grad, ref.db, 1e-12)
    # dL/dx_i = w_i·dz and dL/dy = −log a + log(1−a) = −z, both from the same lesson algebra.
    for xv, w_i in zip(g.x, w, strict=True):
        assert _close(xv.grad, w_i * ref.dz, 1e-12 * (1.0 + abs(w_i)))
    assert _close(g.y.grad, -ref.z, ra + r1a + 1e-12 * (1.0 + abs(ref.z)))


@given(examples(hard_y))
def test_lesson_graph_gradients_match_formulas_hard_labels(
    ex: tuple[list[float], float, list[float], float],
) -> None:
    _check_lesson(*ex)


@given(examples(soft_y))
def test_lesson_graph_gradients_match_formulas_soft_labels(
    ex: tuple[list[float], float, list[float], float],
) -> None:
    _check_lesson(*ex)


def test_lesson_two_feature_example_by_hand() -> None:
    # z = 0.5·1 − 0.25·2 + 0 = 0, so a = 1/2, da = −2, dz = −1/2, dw = (−1/2, −1), db = −1/2.
    g = lesson_graph([1.0, 2.0], 1.0, [0.5, -0.25], 0.0)
    g.loss.backward()
    assert (g.z.data, g.a.data) == (0.0, 0.5)
    assert g.loss.data == pytest.approx(math.log(2.0), rel=1e-15)
    assert g.a.grad == -2.0
    assert g.z.grad == -0.5
    assert [w.grad for w in g.w] == [-0.5, -1.0]
    assert g.b.grad == -0.5


def test_lesson_graph_structure_and_labels() -> None:
    g = lesson_graph([1.0, 2.0, 3.0], 0.0, [0.1, 0.2, 0.3], -0.5)
    assert isinstance(g, LessonGraph)
    assert [v.label for v in g.x] == ["x1", "x2", "x3"]
    assert [v.label for v in g.w] == ["w1", "w2", "w3"]
    assert (g.b.label, g.y.label, g.z.label, g.a.label, g.loss.label) == ("b", "y", "z", "a", "L")
    assert g.parameters == [*g.w, g.b]
    assert g.inputs == [*g.x, g.y]
    # z is ONE add node over w1·x1, w2·x2, w3·x3 and b.
    assert g.z.op is not None and g.z.op.name == "add"
    assert len(g.z.parents) == 4 and g.z.parents[-1] is g.b
    assert all(p.op is not None and p.op.name == "mul" for p in g.z.parents[:3])
    assert g.a.op is not None and g.a.op.name == "sigmoid" and g.a.parents == (g.z,)


@given(examples(soft_y))
def test_analytic_oracle_agrees_with_central_differences(
    ex: tuple[list[float], float, list[float], float],
) -> None:
    # The oracle is trusted only because it is checked here on its own.
    x, y, w, b = ex
    r = analytic(x, y, w, b)
    # Beyond |z| ≈ 8 the literal loss rounds 1 − a too coarsely for differences.
    assume(abs(r.z) < 8.0)
    h = 1e-5
    for i in range(len(w)):
        up = analytic(x, y, [*w[:i], w[i] + h, *w[i + 1 :]], b).L
        dn = analytic(x, y, [*w[:i], w[i] - h, *w[i + 1 :]], b).L
        assert _close((up - dn) / (2 * h), r.dw[i], 1e-5 * (1.0 + abs(x[i])))
    num_db = (analytic(x, y, w, b + h).L - analytic(x, y, w, b - h).L) / (2 * h)
    assert _close(num_db, r.db, 1e-5)
    assert da(r.a, y) == r.da and dz(r.a, y) == r.dz


# ------------------------------------------------ m examples: cost() vs formulas
@settings(max_examples=60)
@given(batches(), st.booleans())
def test_cost_gradients_match_averaged_formulas(
    batch: tuple[list[list[float]], list[float], list[float], float], stable: bool
) -> None:
    X, Y, w, b = batch
    model = _model(w, b)
    J = model.cost(X, Y, stable=stable)
    J.backward()
    ref = analytic_batch(X, Y, w, b)
    assert math.isclose(J.data, ref.cost, rel_tol=1e-12, abs_tol=1e-12)
    for p, dwj in zip(model.w, ref.dw, strict=True):
        assert math.isclose(p.grad, dwj, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(model.b.grad, ref.db, rel_tol=1e-9, abs_tol=1e-12)
    # The mean is one add node over the m losses, divided by m.
    assert J.op is not None and J.op.name == "div"
    total = J.parents[0]
    assert total.op is not None and total.op.name == "add" and len(total.parents) == len(X)
    assert J.parents[1].data == len(X)


@settings(max_examples=60)
@given(examples(soft_y))
def test_stable_loss_equals_literal_loss_in_value_and_gradient(
    ex: tuple[list[float], float, list[float], float],
) -> None:
    x, y, w, b = ex
    model = _model(w, b)
    try:
        literal = model.loss(x, y)
    except ValueError:
        assume(False)
        raise
    stable = model.stable_loss(x, y)
    params = model.parameters()
    g_lit = gradients(literal, params)
    g_st = gradients(stable, params)
    z = analytic(x, y, w, b).z
    a = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
    # The literal form loses relative accuracy in log(1−a) as a → 1.
    tol = 1e-12 * (1.0 + abs(z)) + 4 * EPS / max(min(a, 1.0 - a), EPS)
    assert _close(literal.data, stable.data, tol * (1.0 + literal.data))
    for gl, gs, xi in zip(g_lit, g_st, [*x, 1.0], strict=True):
        assert _close(gl, gs, tol * (1.0 + abs(xi)))


def test_saturated_literal_loss_raises_clear_error_and_stable_does_not() -> None:
    model = _model([50.0], 0.0)  # z = 50: σ(z) == 1.0 exactly in double precision
    with pytest.raises(ValueError, match=r"log.*0\.0.*1−a"):
        model.loss([1.0], 1.0)
    with pytest.raises(ValueError, match="log"):
        lesson_graph([1.0], 0.0, [50.0], 0.0)
    with pytest.raises(ValueError, match="softplus"):
        analytic([1.0], 1.0, [50.0], 0.0)
    # softplus(z) − y·z: log(1 + e^−50) for y = 1 and 50 + log(1 + e^−50) for y = 0.
    assert model.stable_loss([1.0], 1.0).data == pytest.approx(math.exp(-50.0), rel=1e-9)
    assert model.stable_loss([1.0], 0.0).data == pytest.approx(50.0, rel=1e-15)
    J = model.cost([[1.0], [-1.0]], [0.0, 1.0], stable=True)
    J.backward()
    # dz = a − y: (1 − 0) for the first example and (e^−50/(1+e^−50) − 1) for the second.
    want_dw = (1.0 * 1.0 + (-1.0) * (math.exp(-50.0) - 1.0)) / 2
    assert model.w[0].grad == pytest.approx(want_dw, rel=1e-12)


# --------------------------------------------------------------------- training
def test_fit_reduces_cost_and_reports_history() -> None:
    X, Y = make_data(80, seed=2)
    model = LogisticRegression(2, seed=1)
    start = analytic_batch(X, Y, [w.data for w in model.w], model.b.data).cost
    seen: list[tuple[int, float]] = []
    history = model.fit(X, Y, lr=0.5, epochs=40, callback=lambda e, c: seen.append((e, c)))
    assert len(history) == 40
    assert seen == list(enumerate(history))
    assert history[0] == pytest.approx(start, rel=1e-12)
    assert all(b <= a for a, b in itertools.pairwise(history))
    end = analytic_batch(X, Y, [w.data for w in model.w], model.b.data).cost
    assert end < history[-1] < 0.5 * history[0]
    # Data centred at ±(1, 1): both weights must become clearly positive.
    assert all(w.data > 0.5 for w in model.w)


def test_fit_and_cost_restore_the_garbage_collector() -> None:
    X, Y = make_data(30, seed=3)
    model = LogisticRegression(2, seed=0)
    states: list[bool] = []
    model.fit(X, Y, epochs=3, callback=lambda e, c: states.append(gc.isenabled()))
    assert states == [True, True, True]  # the callback runs with the collector on
    model.cost(X, Y, stable=True)
    assert gc.isenabled()
    gc.disable()
    try:
        model.fit(X, Y, epochs=1)
        model.cost(X, Y)
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


def test_cost_restores_the_garbage_collector_on_error() -> None:
    # z = 1000 saturates σ to 1.0, so the literal loss takes log(0) and raises.
    model = LogisticRegression(1, seed=0)
    model.w[0].data = 1.0
    with pytest.raises(ValueError, match="log"):
        model.cost([[1000.0]], [0.0])
    assert gc.isenabled()


def test_fit_with_zero_epochs_changes_nothing() -> None:
    X, Y = make_data(6, 3, seed=1)
    model = LogisticRegression(3, seed=4)
    before = [p.data for p in model.parameters()]
    assert model.fit(X, Y, epochs=0) == []
    assert [p.data for p in model.parameters()] == before


def test_fit_accepts_soft_labels() -> None:
    # One feature, target probabilities σ(2x − 1): the exact minimiser is w = 2, b = −1.
    X = [[v / 4] for v in range(-8, 9)]
    Y = [1.0 / (1.0 + math.exp(-(2 * x[0] - 1))) for x in X]
    model = LogisticRegression(1)
    model.fit(X, Y, lr=4.0, epochs=2000)
    assert model.w[0].data == pytest.approx(2.0, abs=1e-3)
    assert model.b.data == pytest.approx(-1.0, abs=1e-3)


def test_fit_on_separable_data_with_large_lr_never_hits_log_zero() -> None:
    X, _ = make_data(40, seed=5)
    X = [x for x in X if abs(x[0] + x[1]) > 0.5]
    Y = [1.0 if x[0] + x[1] > 0 else 0.0 for x in X]
    model = LogisticRegression(2)
    history = model.fit(X, Y, lr=30.0, epochs=1000)
    assert all(math.isfinite(c) for c in history)
    assert all(b <= a for a, b in itertools.pairwise(history))
    assert history[-1] < history[100] < 1e-6
    # The model has become so confident that the literal loss is no longer computable.
    z_max = max(abs(model.logit(x).data) for x in X)
    assert z_max > 40
    with pytest.raises(ValueError, match="log"):
        for x, y in zip(X, Y, strict=True):
            model.loss(x, y)


def test_predict_and_predict_proba() -> None:
    model = _model([2.0, -1.0], 0.5)
    X = [[0.0, 0.0], [1.0, 3.0], [-1.0, -2.0], [0.25, 1.0]]
    probs = model.predict_proba(X)
    zs = [0.5, 2.0 - 3.0 + 0.5, -2.0 + 2.0 + 0.5, 0.5 - 1.0 + 0.5]
    assert probs == pytest.approx([1 / (1 + math.exp(-z)) for z in zs], rel=1e-15)
    assert model.predict(X) == [1, 0, 1, 1]
    assert model.predict(X, threshold=0.6) == [1, 0, 1, 0]
    # Inference keeps no graph.
    assert model(X[0]).parents  # a normal call records...
    with no_grad():
        assert not model(X[0]).parents  # ...and predict_proba runs under no_grad


def test_fitted_model_classifies_make_data() -> None:
    X, Y = make_data(200, seed=7)
    model = LogisticRegression(2)
    model.fit(X, Y, lr=1.0, epochs=60)
    test_X, test_Y = make_data(200, seed=8)
    accuracy = sum(p == y for p, y in zip(model.predict(test_X), test_Y, strict=True)) / 200
    assert accuracy > 0.85


def test_numpy_arrays_are_accepted_like_lists() -> None:
    np = pytest.importorskip("numpy")
    X, Y = make_data(30, 3, seed=9)
    a, b = LogisticRegression(3), LogisticRegression(3)
    assert a.fit(np.array(X), np.array(Y), epochs=5) == b.fit(X, Y, epochs=5)
    assert a.predict_proba(np.array(X)) == b.predict_proba(X)
    assert a.cost(np.array(X), np.array(Y)).data == b.cost(X, Y).data


def test_parameters_and_init() -> None:
    model = LogisticRegression(3, seed=5)
    params = model.parameters()
    assert params == [*model.w, model.b]
    assert [p.label for p in params] == ["w1", "w2", "w3", "b"]
    assert all(isinstance(p, Value) and p.is_leaf for p in params)
    assert all(-0.1 <= w.data <= 0.1 for w in model.w) and model.b.data == 0.0
    again = LogisticRegression(3, seed=5)
    assert [p.data for p in again.parameters()] == [p.data for p in params]
    assert model.n_features == 3
    a = model([1.0, 2.0, 3.0])
    assert a.label == "a" and a.parents[0].label == "z"


# --------------------------------------------------------------------- make_data
def test_make_data_is_deterministic_and_two_class() -> None:
    X, Y = make_data(50, 3, seed=11)
    assert len(X) == len(Y) == 50 and all(len(x) == 3 for x in X)
    assert set(Y) == {0.0, 1.0}
    assert make_data(50, 3, seed=11) == (X, Y)
    assert make_data(50, 3, seed=12)[0] != X
    mean1 = [sum(x[j] for x, y in zip(X, Y, strict=True) if y == 1) / 25 for j in range(3)]
    mean0 = [sum(x[j] for x, y in zip(X, Y, strict=True) if y == 0) / 25 for j in range(3)]
    assert all(m1 > 0.4 and m0 < -0.4 for m1, m0 in zip(mean1, mean0, strict=True))


# -------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda m: m.fit([], []), ValueError, "X is empty"),
        (lambda m: m.fit([[1.0, 2.0]], [1.0, 0.0]), ValueError, "1 examples but Y has 2"),
        (lambda m: m.fit([[1.0]], [1.0]), ValueError, r"X\[0\] has 1 features, expected 2"),
        (lambda m: m.fit([[1.0, 2.0]], [1.5]), ValueError, r"Y\[0\] must lie in \[0, 1\], got 1.5"),
        (lambda m: m.fit([[1.0, 2.0]], [1.0], lr=0.0), ValueError, "lr must be > 0"),
        (lambda m: m.fit([[1.0, 2.0]], [1.0], lr=-1), ValueError, "lr must be > 0"),
        (lambda m: m.fit([[1.0, 2.0]], [1.0], epochs=-1), ValueError, "epochs must be >= 0"),
        (lambda m: m.fit([[1.0, 2.0]], [1.0], epochs=2.5), TypeError, "epochs must be an int"),
        (lambda m: m.fit([[1.0, "a"]], [1.0]), TypeError, r"X\[0\]\[1\] must be a real number"),
        (lambda m: m.fit([[1.0, math.inf]], [1.0]), ValueError, "must be finite"),
        (lambda m: m.fit("ab", [1.0]), TypeError, "X must be a sequence"),
        (lambda m: m.cost([[1.0, 2.0]], [-0.1]), ValueError, "must lie in"),
        (lambda m: m.loss([1.0, 2.0], 2.0), ValueError, "y must lie in"),
        (lambda m: m([1.0]), ValueError, "x has 1 features, expected 2"),
        (lambda m: m.predict([[1.0, 2.0]], threshold=2), ValueError, "threshold"),
    ],
)
def test_bad_input_raises_clear_errors(call: object, exc: type[Exception], match: str) -> None:
    model = LogisticRegression(2)
    with pytest.raises(exc, match=match):
        call(model)  # type: ignore[operator]


def test_bad_constructor_and_helpers() -> None:
    with pytest.raises(ValueError, match="n_features must be >= 1"):
        LogisticRegression(0)
    with pytest.raises(TypeError, match="n_features must be an int"):
        LogisticRegression(2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="w has 1 features, expected 2"):
        lesson_graph([1.0, 2.0], 1.0, [1.0], 0.0)
    with pytest.raises(ValueError, match="y must lie in"):
        analytic([1.0], -1.0, [1.0], 0.0)
    with pytest.raises(ValueError, match="m must be >= 1"):
        make_data(0)


# ------------------------------------------------- real data against NumPy/sklearn
FEATURES = [0, 1, 4, 8, 9]  # mean radius, texture, smoothness, symmetry, fractal dimension


@pytest.fixture(scope="module")
def cancer() -> tuple[list[list[float]], list[float]]:
    datasets = pytest.importorskip("sklearn.datasets")
    pytest.importorskip("numpy")
    data = datasets.load_breast_cancer()
    X = data.data[:, FEATURES]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.tolist(), data.target.astype(float).tolist()


def test_cost_and_gradient_on_breast_cancer_match_numpy(
    cancer: tuple[list[list[float]], list[float]],
) -> None:
    import numpy as np

    X, Y = cancer
    w = [0.8, -0.3, 0.5, -1.2, 0.05]
    b = 0.4
    model = _model(w, b)
    Xa, Ya, wa = np.array(X), np.array(Y), np.array(w)
    z = Xa @ wa + b
    a = 1.0 / (1.0 + np.exp(-z))
    want_cost = float(np.mean(-(Ya * np.log(a) + (1 - Ya) * np.log(1 - a))))
    dz_np = a - Ya
    want_dw = Xa.T @ dz_np / len(Ya)
    want_db = float(dz_np.mean())
    for stable in (False, True):
        for p in model.parameters():
            p.grad = 0.0
        J = model.cost(X, Y, stable=stable)
        J.backward()
        assert J.data == pytest.approx(want_cost, rel=1e-12)
        assert [p.grad for p in model.w] == pytest.approx(list(want_dw), rel=1e-10, abs=1e-14)
        assert model.b.grad == pytest.approx(want_db, rel=1e-10, abs=1e-14)


def test_fit_on_breast_cancer_reaches_sklearn_optimum(
    cancer: tuple[list[list[float]], list[float]],
) -> None:
    import numpy as np

    linear_model = pytest.importorskip("sklearn.linear_model")
    X, Y = cancer
    Xa, Ya = np.array(X), np.array(Y)
    # C = inf is the unpenalised maximum-likelihood fit (penalty=None is deprecated).
    clf = linear_model.LogisticRegression(C=np.inf, max_iter=10_000, tol=1e-12).fit(Xa, Ya)

    def mean_cost(w: np.ndarray, b: float) -> float:
        z = Xa @ w + b
        return float(np.mean(np.logaddexp(0.0, z) - Ya * z))

    best = mean_cost(clf.coef_[0], float(clf.intercept_[0]))
    model = LogisticRegression(len(FEATURES))
    history = model.fit(X, Y, lr=2.0, epochs=300)
    ours = mean_cost(np.array([p.data for p in model.w]), model.b.data)
    assert ours < history[-1] < history[0]
    assert best <= ours + 1e-12  # sklearn's point is the optimum...
    assert ours - best < 1e-4  # ...and 300 gradient steps get within 1e-4 of it.
    ours_w = np.array([p.data for p in model.w])
    assert np.allclose(ours_w, clf.coef_[0], rtol=0.03, atol=0.03)
    ours_acc = float(np.mean(np.array(model.predict(X)) == Ya))
    assert abs(ours_acc - clf.score(Xa, Ya)) <= 0.01


# ------------------------------------------------------- tutorial and example
ROOT = Path(__file__).resolve().parent.parent


def _python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)


def test_tutorial_blocks_run_and_print_what_the_page_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a block that saves a figure saves it here
    blocks = _python_blocks(ROOT / "docs" / "tutorial.md")
    assert len(blocks) >= 8
    namespace: dict[str, object] = {"__name__": "tutorial"}
    for block in blocks:
        # Lines of a block that start with "# " show the output of its prints.
        expected = [line[2:] for line in block.splitlines() if line.startswith("# ")]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, "docs/tutorial.md", "exec"), namespace)
        assert out.getvalue().splitlines() == expected, block


def test_lesson_example_table_agrees_and_cost_falls() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(ROOT / "examples" / "lesson.py"), run_name="__main__")
    lines = out.getvalue().splitlines()
    names = ["da", "dz", "dw1", "dw2", "db"]
    rows = [line.split() for line in lines if line.split()[:1] and line.split()[0] in names]
    assert [r[0] for r in rows] == names
    assert all(float(r[-1]) < 1e-12 for r in rows)  # the diff column
    costs = [float(line.split("=")[1]) for line in lines if line.strip().startswith("epoch")]
    assert len(costs) >= 5
    assert all(b < a for a, b in itertools.pairwise(costs))
