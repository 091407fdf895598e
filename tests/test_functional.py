"""The function transforms grad, value_and_grad and hessian."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite.base.mode import no_grad
from autograd_lite.core.value import Value, vsum
from autograd_lite.functional import grad, gradients, hessian, value_and_grad


def sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def close(a: float, b: float, tol: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# ------------------------------------------------------- perturbation confusion
def test_no_perturbation_confusion() -> None:
    # f(x) = d/dy (x·y) at y = x equals x, so f'(x) = 1 (a confused engine gives 2).
    def f(x: Value) -> Value:
        return grad(lambda y: x * y)(x)

    assert grad(f)(3.0) == 1.0
    assert f(3.0) == 3.0


def test_no_perturbation_confusion_with_values_in() -> None:
    x = Value(3.0, "x")
    d = grad(lambda u: grad(lambda y: u * y)(u))(x)
    assert isinstance(d, Value)
    assert d.data == 1.0


def test_inner_grad_on_a_float_still_sees_the_outer_variable() -> None:
    # d/dx [d/dy (x·y²) at y = 1] = d/dx (2x) = 2
    assert grad(lambda x: grad(lambda y: x * y * y)(1.0))(3.0) == 2.0


# ----------------------------------------------------------------- any order
@given(st.floats(-3.0, 3.0))
def test_third_derivative_of_x4(x: float) -> None:
    assert close(grad(grad(grad(lambda v: v**4)))(x), 24.0 * x)
    assert close(grad(grad(grad(grad(lambda v: v * v * v * v))))(x), 24.0)


@given(st.floats(-4.0, 4.0))
def test_derivatives_of_sigmoid(x: float) -> None:
    s = sig(x)
    f = lambda v: v.sigmoid()  # noqa: E731
    assert close(grad(f)(x), s * (1 - s))
    assert close(grad(grad(f))(x), s * (1 - s) * (1 - 2 * s))
    assert close(grad(grad(grad(f)))(x), s * (1 - s) * (1 - 6 * s + 6 * s * s))


# ------------------------------------------------------------ floats / Values
def test_floats_in_floats_out() -> None:
    g = grad(lambda x, y: x * y + y.exp(), argnums=(0, 1))(2.0, 0.5)
    assert all(type(v) is float for v in g)
    assert g == (0.5, 2.0 + math.exp(0.5))
    v, dv = value_and_grad(lambda x: x * x)(3)
    assert type(v) is float and type(dv) is float
    assert (v, dv) == (9.0, 6.0)


def test_values_in_values_out_connected_to_the_graph() -> None:
    x = Value(0.3, "x")
    g = grad(lambda v: v.tanh())(x)
    assert isinstance(g, Value)
    t = math.tanh(0.3)
    assert close(g.data, 1 - t * t)
    (h,) = gradients(g, [x])
    assert close(h, -2 * t * (1 - t * t))
    # The argument itself is not modified.
    assert x.grad == 0.0 and x.grad_node is None


def test_a_value_in_another_argument_keeps_the_result_connected() -> None:
    y = Value(4.0, "y")
    g = grad(lambda x, w: x * x * w)(3.0, y)  # 2·x·w
    assert isinstance(g, Value) and g.data == 24.0
    assert gradients(g, [y]) == [6.0]


def test_value_and_grad_returns_value_and_gradients() -> None:
    val, (da, db) = value_and_grad(lambda a, b: a / b, argnums=(0, 1))(3.0, 2.0)
    assert val == 1.5
    assert close(da, 0.5) and close(db, -3.0 / 4.0)
    x = Value(2.0)
    val2, g2 = value_and_grad(lambda v: v**3)(x)
    assert isinstance(val2, Value) and isinstance(g2, Value)
    assert (val2.data, g2.data) == (8.0, 12.0)


def test_argnums_selects_and_orders_gradients() -> None:
    def f(a: Value, b: Value, c: Value) -> Value:
        return a * 1.0 + b * 10.0 + c * 100.0

    assert grad(f, argnums=2)(1.0, 1.0, 1.0) == 100.0
    assert grad(f, argnums=(2, 0))(1.0, 1.0, 1.0) == (100.0, 1.0)
    assert grad(f, argnums=-2)(1.0, 1.0, 1.0) == 10.0


def test_nested_list_arguments_keep_their_shape() -> None:
    def f(w: list[Value], b: Value) -> Value:
        return vsum([w[0] * w[0], w[1] * 3.0]) + b

    assert grad(f)([2.0, 5.0], 1.0) == [4.0, 3.0]
    assert grad(f, argnums=(0, 1))([2.0, 5.0], 1.0) == ([4.0, 3.0], 1.0)
    assert grad(lambda m: m[0][1] * m[1][0])([[1.0, 2.0], [3.0, 4.0]]) == [[0.0, 3.0], [2.0, 0.0]]


def test_constant_function_has_zero_gradient() -> None:
    assert grad(lambda x: 5.0)(1.0) == 0.0
    assert grad(lambda x: Value(2.0) * 3)(1.0) == 0.0
    assert grad(grad(lambda x: x * 2.0))(1.0) == 0.0
    assert hessian(lambda x, y: 7)(1.0, 2.0) == [[0.0, 0.0], [0.0, 0.0]]
    assert hessian(lambda x, y: x + 2.0 * y)(1.0, 2.0) == [[0.0, 0.0], [0.0, 0.0]]


def test_identity_function() -> None:
    assert grad(lambda x: x)(3.0) == 1.0
    assert grad(grad(lambda x: x))(3.0) == 0.0


def test_grad_works_inside_no_grad() -> None:
    x = Value(2.0, "x")
    with no_grad():
        assert grad(lambda v: v * v * v)(2.0) == 12.0
        assert hessian(lambda v: v * v * v)(2.0) == [[12.0]]
        g = grad(lambda v: v * v * v)(x)
    # Given a Value, the result stays connected to it: d/dx 3x² = 6x.
    assert gradients(g, [x]) == [12.0]


def test_non_scalar_output_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"grad\(<lambda>\).*must return a scalar.*list"):
        grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match="must return a scalar"):
        hessian(lambda x: "x")(1.0)
    with pytest.raises(TypeError, match="must return a scalar"):
        value_and_grad(lambda x: None)(1.0)


def test_bad_arguments_are_clear_errors() -> None:
    with pytest.raises(TypeError, match=r"arg0 must be a real number.*str"):
        grad(lambda x: x)("a")
    with pytest.raises(TypeError, match=r"arg0\[1\] must be a real number"):
        grad(lambda v: v[0])([1.0, None])
    with pytest.raises(IndexError, match="argnums 3 is out of range for 2"):
        grad(lambda x, y: x, argnums=3)(1.0, 2.0)
    with pytest.raises(ValueError, match="argnums is empty"):
        grad(lambda x: x, argnums=())(1.0)
    with pytest.raises(TypeError, match="at least one argument"):
        hessian(lambda: 1.0)()


# ------------------------------------------------------------------- hessian
def test_hessian_of_a_polynomial() -> None:
    # f = x²y + y³: H = [[2y, 2x], [2x, 6y]]
    h = hessian(lambda x, y: x * x * y + y**3)(3.0, 2.0)
    assert h == [[4.0, 6.0], [6.0, 12.0]]


def test_hessian_values_in_values_out_third_order() -> None:
    x = Value(0.5, "x")
    y = Value(-1.2, "y")
    h = hessian(lambda a, b: (a * b).exp())(x, y)
    assert all(isinstance(e, Value) for row in h for e in row)
    # H[0][0] = b² e^{ab}; its derivative in a is b³ e^{ab}
    e = math.exp(0.5 * -1.2)
    assert close(h[0][0].data, 1.44 * e)
    assert close(gradients(h[0][0], [x])[0], (-1.2) ** 3 * e)


def test_grad_of_hessian_entry() -> None:
    # d/dx of d²/dx² (x⁵) = 60x²
    assert close(grad(lambda x: hessian(lambda u: u**5)(x)[0][0])(1.5), 60 * 1.5**2)


def lr_data(m: int, seed: int) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    xs = [[rng.gauss(0, 1), rng.gauss(0, 1)] for _ in range(m)]
    ys = [float(rng.random() < 0.5) for _ in range(m)]
    return xs, ys


def lr_analytic_hessian(xs: list[list[float]], w: list[float], b: float) -> list[list[float]]:
    """(1/m) Σ a(1−a) x̃ x̃ᵀ with x̃ = (x1, x2, 1): the bias is a constant feature."""
    m = len(xs)
    h = [[0.0] * 3 for _ in range(3)]
    for x in xs:
        z = w[0] * x[0] + w[1] * x[1] + b
        a = sig(z)
        xt = [x[0], x[1], 1.0]
        for i in range(3):
            for j in range(3):
                h[i][j] += a * (1 - a) * xt[i] * xt[j] / m
    return h


@pytest.mark.parametrize("stable", [False, True])
def test_logistic_regression_hessian(stable: bool) -> None:
    xs, ys = lr_data(40, seed=1)
    w0, b0 = [0.3, -0.8], 0.1

    def cost(w1: Value, w2: Value, b: Value) -> Value:
        losses = []
        for x, y in zip(xs, ys, strict=True):
            z = vsum([w1 * x[0], w2 * x[1], b])
            if stable:
                losses.append(z.softplus() - y * z)
            else:
                a = z.sigmoid()
                losses.append(-(y * a.log() + (1 - y) * (1 - a).log()))
        return vsum(losses) / len(xs)

    got = hessian(cost)(w0[0], w0[1], b0)
    want = lr_analytic_hessian(xs, w0, b0)
    for i in range(3):
        for j in range(3):
            assert close(got[i][j], want[i][j], 1e-9), (i, j, got[i][j], want[i][j])


def test_logistic_regression_hessian_with_list_arguments() -> None:
    xs, ys = lr_data(25, seed=2)

    def cost(w: list[Value], b: Value) -> Value:
        losses = []
        for x, y in zip(xs, ys, strict=True):
            z = vsum([w[0] * x[0], w[1] * x[1], b])
            losses.append(z.softplus() - y * z)
        return vsum(losses) / len(xs)

    got = hessian(cost)([-0.4, 1.1], 0.7)
    want = lr_analytic_hessian(xs, [-0.4, 1.1], 0.7)
    assert all(close(got[i][j], want[i][j]) for i in range(3) for j in range(3))


@settings(max_examples=30)
@given(st.floats(0.2, 3.0), st.floats(-2.0, 2.0))
def test_hessian_against_central_differences_of_analytic_gradient(x: float, y: float) -> None:
    # f = log(x)·y² + tanh(x·y); its gradient is written out by hand.
    def gradf(a: float, b: float) -> tuple[float, float]:
        t = math.tanh(a * b)
        return (b * b / a + b * (1 - t * t), 2 * b * math.log(a) + a * (1 - t * t))

    h = hessian(lambda a, b: a.log() * b * b + (a * b).tanh())(x, y)
    eps = 1e-6
    for j in range(2):
        up = list(gradf(x + eps, y) if j == 0 else gradf(x, y + eps))
        dn = list(gradf(x - eps, y) if j == 0 else gradf(x, y - eps))
        for i in range(2):
            num = (up[i] - dn[i]) / (2 * eps)
            assert math.isclose(h[i][j], num, rel_tol=1e-5, abs_tol=1e-5)


@pytest.mark.parametrize("stable", [False, True])
def test_hessian_of_the_shared_logistic_model_cost(stable: bool) -> None:
    # The same analytic Hessian, through the model of autograd_lite.models.logistic
    # and the core create_graph path instead of the function transforms.
    from autograd_lite.models.logistic import LogisticRegression

    xs, ys = lr_data(30, seed=3)
    model = LogisticRegression(2, seed=4)
    params = model.parameters()
    cost = model.cost(xs, ys, stable=stable)
    first = gradients(cost, params, create_graph=True)
    got = [gradients(g, params) for g in first]
    want = lr_analytic_hessian(xs, [p.data for p in params[:2]], params[2].data)
    for i in range(3):
        for j in range(3):
            assert close(got[i][j], want[i][j], 1e-9), (i, j, got[i][j], want[i][j])


def test_repeated_argnums_and_non_functions_are_refused() -> None:
    # Wrapping argument 0 twice would silently differentiate it once (0.0 for the other).
    with pytest.raises(
        ValueError, match=r"grad\(<lambda>\): argnums \(0, -2\) names an argument twice"
    ):
        grad(lambda x, y: x * y, argnums=(0, -2))(1.0, 2.0)
    with pytest.raises(ValueError, match="names an argument twice"):
        value_and_grad(lambda x, y: x * y, argnums=(1, 1))(1.0, 2.0)
    assert grad(lambda x, y: x * y, argnums=(1, 0))(1.0, 2.0) == (1.0, 2.0)
    for transform in (grad, value_and_grad, hessian):
        with pytest.raises(TypeError, match=f"{transform.__name__}: expected a function"):
            transform(3)  # type: ignore[arg-type]
