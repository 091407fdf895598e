"""Forward mode: jvp_graph, forward_steps, and the transforms jvp, jacfwd, jacrev."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import Expr, expressions, finite_floats

from autograd_lite.base.mode import no_grad
from autograd_lite.core.autodiff import local_derivatives
from autograd_lite.core.graph import topological
from autograd_lite.core.value import Value
from autograd_lite.forward import ForwardStep, count_sweeps, forward_steps, jvp_graph
from autograd_lite.functional import grad, gradients, hessian, jacfwd, jacobian, jacrev, jvp


def close(got: float, want: float, rel: float, scale: float = 1.0) -> bool:
    return abs(got - want) <= rel * max(scale, abs(want))


def directions(n: int) -> st.SearchStrategy[list[float]]:
    return st.lists(finite_floats(-1.0, 1.0), min_size=n, max_size=n)


def build(expr: Expr) -> tuple[Value, list[Value]]:
    leaves = [Value(v, f"x{i}") for i, v in enumerate(expr.inputs)]
    return expr.build(leaves), leaves


def as_function(expr: Expr) -> Callable[..., Any]:
    def f(*xs: Any) -> Any:
        return expr.build(list(xs))

    return f


def scale_of(root: Value, leaves: Sequence[Value], t: Sequence[float]) -> float:
    g = gradients(root, leaves)
    return 1.0 + sum(abs(gi * ti) for gi, ti in zip(g, t, strict=True))


# ------------------------------------------------------------ jvp_graph
@settings(max_examples=150)
@given(expressions().flatmap(lambda e: st.tuples(st.just(e), directions(e.n_inputs))))
def test_jvp_graph_is_the_gradient_dotted_with_the_tangent(drawn: tuple[Expr, list[float]]) -> None:
    expr, t = drawn
    root, leaves = build(expr)
    g = gradients(root, leaves)
    want = math.fsum(gi * ti for gi, ti in zip(g, t, strict=True))
    got = jvp_graph(root, dict(zip(leaves, t, strict=True)))
    assert type(got) is float
    assert close(got, want, 1e-12, scale_of(root, leaves, t)), (got, want)
    # One seed at a time gives each partial derivative.
    for leaf, gi in zip(leaves, g, strict=True):
        assert close(jvp_graph(root, {leaf: 1.0}), gi, 1e-12, scale_of(root, [leaf], [1.0]))


@settings(max_examples=100)
@given(expressions().flatmap(lambda e: st.tuples(st.just(e), directions(e.n_inputs))))
def test_jvp_matches_central_differences(drawn: tuple[Expr, list[float]]) -> None:
    expr, t = drawn
    f = as_function(expr)
    value, d = jvp(f, tuple(expr.inputs), tuple(t))
    h = 1e-6 * max(1.0, *(abs(x) for x in expr.inputs))
    up = [x + h * ti for x, ti in zip(expr.inputs, t, strict=True)]
    down = [x - h * ti for x, ti in zip(expr.inputs, t, strict=True)]
    fd = (float(expr.build(up)) - float(expr.build(down))) / (2 * h)
    assert close(value, float(expr.build(list(expr.inputs))), 1e-12)
    assert close(d, fd, 1e-5, scale=max(1.0, abs(value))), (d, fd)


@settings(max_examples=30)
@given(expressions(max_ops=8).flatmap(lambda e: st.tuples(st.just(e), directions(e.n_inputs))))
def test_jvp_matches_sympy(drawn: tuple[Expr, list[float]]) -> None:
    expr, t = drawn
    syms = sympy.symbols(f"x0:{expr.n_inputs}", real=True)
    sym = expr.sympy(syms)
    at = dict(zip(syms, (sympy.Float(v, 30) for v in expr.inputs), strict=True))
    want = float(
        sum(sympy.diff(sym, s) * sympy.Rational(ti) for s, ti in zip(syms, t, strict=True)).evalf(
            30, subs=at
        )
    )
    _, got = jvp(as_function(expr), tuple(expr.inputs), tuple(t))
    root, leaves = build(expr)
    assert close(got, want, 1e-9, scale_of(root, leaves, t)), (got, want)


def test_seeding_an_interior_node_differentiates_with_respect_to_it() -> None:
    x = Value(0.7, "x")
    z = (x * 3.0).named("z")
    f = z.sigmoid() * x
    (want,) = gradients(f, [z])
    assert jvp_graph(f, {z: 1.0}) == want
    # A root that depends on no seeded node has tangent exactly 0.
    assert jvp_graph(f, {Value(1.0): 1.0}) == 0.0
    assert jvp_graph(x, {x: 2.5}) == 2.5


def test_jvp_graph_with_create_graph_is_differentiable() -> None:
    x = Value(0.3, "x")
    t = jvp_graph(x.sigmoid(), {x: 1.0}, create_graph=True)  # σ'(x) as a node
    s = 1.0 / (1.0 + math.exp(-0.3))
    assert isinstance(t, Value)
    assert math.isclose(t.data, s * (1 - s), rel_tol=1e-15)
    (d2,) = gradients(t, [x])
    assert math.isclose(d2, s * (1 - s) * (1 - 2 * s), rel_tol=1e-12)
    # The tangent itself may be a Value: d/du [d/dx x² along u] = 2x.
    u = Value(1.0, "u")
    tu = jvp_graph(x * x, {x: u}, create_graph=True)
    assert gradients(tu, [u]) == [0.6]
    # A root that depends on no seed gives a constant 0 node.
    zero = jvp_graph(x * 2.0, {u: 1.0}, create_graph=True)
    assert isinstance(zero, Value) and zero.data == 0.0


def test_create_graph_sweep_records_inside_no_grad() -> None:
    x = Value(2.0, "x")
    f = x * x * x
    with no_grad():
        t = jvp_graph(f, {x: 1.0}, create_graph=True)
    assert t.data == 12.0
    assert gradients(t, [x]) == [12.0]


# ------------------------------------------------------------ forward_steps
@settings(max_examples=100)
@given(expressions().flatmap(lambda e: st.tuples(st.just(e), directions(e.n_inputs))))
def test_forward_steps_are_consistent(drawn: tuple[Expr, list[float]]) -> None:
    expr, t = drawn
    root, leaves = build(expr)
    seeds = dict(zip(leaves, t, strict=True))
    steps = list(forward_steps(root, seeds))
    order = {n: i for i, n in enumerate(topological(root))}
    tangent: dict[Value, float] = dict(seeds)
    running: dict[Value, float] = {}
    last = -1
    for s in steps:
        assert isinstance(s, ForwardStep)
        assert order[s.node] >= last  # topological order
        last = order[s.node]
        assert s.parent is s.node.parents[s.index]
        assert s.local == local_derivatives(s.node)[s.index]
        assert s.tangent == tangent[s.parent]  # the input's tangent is complete
        assert s.contribution == (s.local * s.tangent if s.local != 0.0 else 0.0)
        running[s.node] = running.get(s.node, 0.0) + s.contribution
        assert s.total == running[s.node]
        tangent[s.node] = s.total
    assert tangent.get(root, 0.0) == jvp_graph(root, seeds)
    assert all(n.grad == 0.0 for n in topological(root))  # pure
    # Every edge from a non-constant carries a tangent here, since every leaf is seeded.
    edges = sum(1 for n in topological(root) for p in n.parents if not p.is_constant)
    assert len(steps) == edges


def test_forward_steps_skip_edges_that_carry_no_tangent() -> None:
    w, x = Value(2.0, "w"), Value(3.0, "x")
    c = (x * x).named("c")  # depends on x only
    f = (w * c).named("f")
    steps = list(forward_steps(f, {w: 1.0}))
    assert [(s.node.label, s.index) for s in steps] == [("f", 0)]
    assert steps[0].total == 9.0


# ----------------------------------------------------------- jacfwd / jacrev
@st.composite
def vector_functions(draw: st.DrawFn) -> tuple[Expr, list[int]]:
    expr = draw(expressions(max_inputs=4))
    root, _ = build(expr)
    count = sum(1 for n in topological(root) if n.parents)
    m = draw(st.integers(1, 4))
    picks = draw(st.lists(st.integers(0, count - 1), min_size=m, max_size=m))
    return expr, picks


def outputs(expr: Expr, picks: list[int]) -> Callable[..., list[Value]]:
    def f(*xs: Any) -> list[Value]:
        root = expr.build(list(xs))
        computed = [n for n in topological(root) if n.parents]
        return [computed[i] for i in picks]

    return f


@settings(max_examples=100)
@given(vector_functions())
def test_jacfwd_equals_jacrev(drawn: tuple[Expr, list[int]]) -> None:
    expr, picks = drawn
    f = outputs(expr, picks)
    n, m = expr.n_inputs, len(picks)
    argnums = tuple(range(n))
    with count_sweeps() as fwd_count:
        jf = jacfwd(f, argnums)(*expr.inputs)
    with count_sweeps() as rev_count:
        jr = jacrev(f, argnums)(*expr.inputs)
    assert (fwd_count.forward, fwd_count.reverse) == (n, 0)
    assert (rev_count.forward, rev_count.reverse) == (0, m)
    assert len(jf) == len(jr) == m
    for row_f, row_r in zip(jf, jr, strict=True):
        assert len(row_f) == len(row_r) == n
        for a, b in zip(row_f, row_r, strict=True):
            assert type(a) is float and type(b) is float
            assert close(a, b, 1e-12, scale=max(1.0, *map(abs, row_r))), (a, b)


@settings(max_examples=40)
@given(expressions(max_inputs=3, max_ops=8))
def test_nested_jacobians_are_the_hessian(expr: Expr) -> None:
    f = as_function(expr)
    argnums = tuple(range(expr.n_inputs))
    h = hessian(f)(*expr.inputs)
    scale = max(1.0, *(abs(v) for row in h for v in row))
    for name, jac in (
        ("fwd-over-rev", jacfwd(jacrev(f, argnums), argnums)),
        ("rev-over-fwd", jacrev(jacfwd(f, argnums), argnums)),
        ("fwd-over-fwd", jacfwd(jacfwd(f, argnums), argnums)),
        ("rev-over-rev", jacrev(jacrev(f, argnums), argnums)),
    ):
        got = jac(*expr.inputs)
        for i, row in enumerate(got):
            for j, v in enumerate(row):
                assert type(v) is float
                assert close(v, h[i][j], 1e-9, scale), (name, i, j, v, h[i][j])


def test_jacfwd_of_jacrev_is_hessian_on_a_list_argument() -> None:
    def f(w: list[Value]) -> Value:
        return (w[0] * w[1] + w[2] * w[2]).exp() / 2

    at = [0.1, -0.2, 0.3]
    h = hessian(f)(at)
    with count_sweeps() as count:
        got = jacfwd(jacrev(f))(at)
    assert (count.forward, count.reverse) == (3, 1)
    for row, want in zip(got, h, strict=True):
        for a, b in zip(row, want, strict=True):
            assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def test_shapes_and_aliases() -> None:
    assert jacobian is jacrev
    assert jacfwd(lambda x: x * x)(3.0) == [6.0]  # scalar output: a list of partials
    assert jacrev(lambda x: x * x)(3.0) == [6.0]
    assert jacfwd(lambda x: (x, 2.0 * x, 5.0))(1.0) == [[1.0], [2.0], [0.0]]
    assert jacrev(lambda x: (x, 2.0 * x, 5.0))(1.0) == [[1.0], [2.0], [0.0]]
    assert jacfwd(lambda x: [])(1.0) == []
    # argnums picks the arguments; nested lists are flattened in order.
    j = jacfwd(lambda a, w, c: a * w[0] * w[1] * c, argnums=1)(2.0, [3.0, 4.0], 5.0)
    assert j == [40.0, 30.0]
    j = jacrev(lambda a, w, c: a * w[0] * w[1] * c, argnums=(2, 0))(2.0, [3.0, 4.0], 5.0)
    assert j == [24.0, 60.0]


def test_values_in_give_values_out() -> None:
    x = Value(2.0, "x")
    for jac in (jacfwd, jacrev):
        (d,) = jac(lambda u: u**3)(x)
        assert isinstance(d, Value) and d.data == 12.0
        assert gradients(d, [x]) == [12.0]  # differentiable again: 6x
    value, d = jvp(lambda u: u**3, (x,), (1.0,))
    assert isinstance(value, Value) and isinstance(d, Value)
    assert (value.data, d.data) == (8.0, 12.0)
    assert gradients(d, [x]) == [12.0]


# --------------------------------------------------------------------- jvp
def test_jvp_on_tuple_and_list_outputs() -> None:
    v, d = jvp(lambda x, y: (x * y, x + y), (3.0, 4.0), (1.0, 1.0))
    assert (v, d) == ((12.0, 7.0), (7.0, 2.0))
    v, d = jvp(lambda w: [w[0] * w[1]], ([3.0, 4.0],), ([1.0, 0.0],))
    assert (v, d) == ([12.0], [4.0])
    assert jvp(lambda x: 7.0, (1.0,), (1.0,)) == (7.0, 0.0)


def test_no_perturbation_confusion_in_forward_mode() -> None:
    # f(x) = d/dy (x·y) at y = x equals x, so f'(x) = 1 (a confused engine gives 2).
    def f(x: Any) -> Any:
        return jvp(lambda y: x * y, (x,), (1.0,))[1]

    assert f(3.0) == 3.0
    assert grad(f)(3.0) == 1.0
    assert jvp(f, (3.0,), (1.0,)) == (3.0, 1.0)
    assert jacfwd(f)(3.0) == [1.0]
    assert jacfwd(lambda x: grad(lambda y: x * y)(x))(3.0) == [1.0]


def test_differentiating_through_the_tangent() -> None:
    # d/dt of the jvp of x² at x = 3 along t is f'(3) = 6.
    assert grad(lambda t: jvp(lambda u: u * u, (3.0,), (t,))[1])(1.0) == 6.0


@settings(max_examples=100)
@given(
    finite_floats(-3, 3),
    finite_floats(-3, 3),
    finite_floats(-3, 3),
    finite_floats(-3, 3),
    finite_floats(-3, 3),
    st.sampled_from([0.0, 1.0]),
    directions(3),
)
def test_lesson_loss_against_the_closed_form(
    w1: float, w2: float, b: float, x1: float, x2: float, y: float, t: list[float]
) -> None:
    def loss(w1: Value, w2: Value, b: Value) -> Value:
        a = (w1 * x1 + w2 * x2 + b).sigmoid()
        return -(y * a.log() + (1 - y) * (1 - a).log())

    z = w1 * x1 + w2 * x2 + b
    a = 1.0 / (1.0 + math.exp(-z))
    dz = a - y
    want = [x1 * dz, x2 * dz, dz]  # (dw1, dw2, db)
    for jac in (jacfwd, jacrev):
        got = jac(loss, argnums=(0, 1, 2))(w1, w2, b)
        assert all(
            math.isclose(g, e, rel_tol=1e-9, abs_tol=1e-12) for g, e in zip(got, want, strict=True)
        )
    _, d = jvp(loss, (w1, w2, b), tuple(t))
    assert math.isclose(
        d, sum(e * ti for e, ti in zip(want, t, strict=True)), rel_tol=1e-9, abs_tol=1e-12
    )
    # The Hessian: a(1 − a) x̃ x̃ᵀ with x̃ = (x1, x2, 1).
    xt = (x1, x2, 1.0)
    h = jacfwd(jacrev(loss, argnums=(0, 1, 2)), argnums=(0, 1, 2))(w1, w2, b)
    for i in range(3):
        for j in range(3):
            assert math.isclose(h[i][j], a * (1 - a) * xt[i] * xt[j], rel_tol=1e-9, abs_tol=1e-12)


# ------------------------------------------------------------- non-finite
def test_an_overflowing_contribution_raises_naming_the_edge() -> None:
    x = Value(1.0, "x")
    f = (x * 1e300).named("f")
    with pytest.raises(OverflowError, match=r"forward: the tangent sent by input 0 \('x'.*'f'"):
        jvp_graph(f, {x: 1e300})
    with pytest.raises(OverflowError, match="forward: the tangent sent by"):
        jvp_graph(f, {x: 1e300}, create_graph=True)
    with pytest.raises(OverflowError, match="forward"):
        jvp(lambda u: u * 1e300, (1.0,), (1e300,))
    # The records stream yields the offending edge, then raises.
    seen: list[ForwardStep] = []
    with pytest.raises(OverflowError):
        for s in forward_steps(f, {x: 1e300}):
            seen.append(s)
    assert seen and seen[-1].contribution == math.inf


def test_a_total_that_overflows_raises() -> None:
    x = Value(1.0, "x")
    f = (x + x).named("f")
    with pytest.raises(OverflowError, match="the tangent of 'f' overflows a float"):
        jvp_graph(f, {x: 1e308})
    with pytest.raises(OverflowError, match="the tangent of 'f' overflows a float"):
        jvp_graph(f, {x: 1e308}, create_graph=True)


def test_a_nan_contribution_raises_value_error() -> None:
    x = Value(1e-320, "x")
    f = x.log()  # finite, but its local derivative 1/x is inf
    with pytest.raises(ValueError, match=r"is nan \(local derivative inf × input tangent 0.0\)"):
        jvp_graph(f, {x: 0.0})
    with pytest.raises(OverflowError, match="is inf"):
        jvp_graph(f, {x: 1.0})


def test_non_finite_seed_tangents_raise() -> None:
    x = Value(1.0, "x")
    for bad in (math.inf, -math.inf, math.nan):
        with pytest.raises(ValueError, match="jvp_graph: the tangent of 'x' must be finite"):
            jvp_graph(x * 2.0, {x: bad})
        with pytest.raises(ValueError, match=r"jvp\(<lambda>\): tangents\[0\] must be finite"):
            jvp(lambda u: u * 2.0, (1.0,), (bad,))


# ------------------------------------------------------------- bad inputs
def test_bad_inputs_raise_clear_type_errors() -> None:
    x = Value(1.0, "x")
    f = x * 2.0
    with pytest.raises(TypeError, match="jvp_graph: the root must be a Value"):
        jvp_graph(1.0, {x: 1.0})  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="jvp_graph: tangents must be a mapping"):
        jvp_graph(f, [x])  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="jvp_graph: tangents must be keyed by Values"):
        jvp_graph(f, {1.0: 1.0})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="jvp_graph: the tangent of 'x' is a Value"):
        jvp_graph(f, {x: Value(1.0)})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=r"jvp_graph: the tangent of 'x'.*str"):
        jvp_graph(f, {x: "1"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="forward_steps: the root must be a Value"):
        forward_steps(None, {})  # type: ignore[arg-type]

    def sq(u: Any) -> Any:
        return u * u

    with pytest.raises(TypeError, match="jvp: expected a function"):
        jvp(3, (1.0,), (1.0,))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"jvp\(sq\): primals must be a tuple"):
        jvp(sq, 1.0, (1.0,))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"jvp\(sq\): tangents must be a tuple"):
        jvp(sq, (1.0,), 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"jvp\(sq\): got 1 primal\(s\) but 2 tangent\(s\)"):
        jvp(sq, (1.0,), (1.0, 2.0))
    with pytest.raises(TypeError, match=r"jvp\(sq\): tangents\[0\] must have the structure"):
        jvp(sq, ([1.0, 2.0],), ([1.0],))
    with pytest.raises(TypeError, match=r"jvp\(sq\): tangents\[0\] must be a real number"):
        jvp(sq, (1.0,), ("1",))
    with pytest.raises(TypeError, match=r"jvp\(sq\): primals\[0\] must be a real number"):
        jvp(sq, ("1",), (1.0,))
    with pytest.raises(TypeError, match=r"jvp\(<lambda>\): the function must return a scalar"):
        jvp(lambda u: "no", (1.0,), (1.0,))
    for name, jac in (("jacfwd", jacfwd), ("jacrev", jacrev)):
        with pytest.raises(TypeError, match=f"{name}: expected a function"):
            jac(None)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match=rf"{name}\(sq\): expected at least one argument"):
            jac(sq)()
        with pytest.raises(TypeError, match=rf"{name}\(sq\): arg0 must be a real number"):
            jac(sq)("x")
        with pytest.raises(TypeError, match=rf"{name}\(<lambda>\):.*output \[1\] is str"):
            jac(lambda u: [u, "no"])(1.0)
        with pytest.raises(TypeError, match=rf"{name}\(<lambda>\): the function must return"):
            jac(lambda u: {"u": u})(1.0)
        with pytest.raises(IndexError, match=rf"{name}\(sq\): argnums 3 is out of range"):
            jac(sq, argnums=3)(1.0)


def test_sweep_counts_of_the_reverse_transforms() -> None:
    def f(x: Any, y: Any) -> Any:
        return x * y

    with count_sweeps() as outer:
        with count_sweeps() as inner:
            grad(f)(1.0, 2.0)
        hessian(f)(1.0, 2.0)
        jvp(f, (1.0, 2.0), (1.0, 0.0))
    assert (inner.forward, inner.reverse) == (0, 1)
    assert (outer.forward, outer.reverse) == (1, 1 + 3)
