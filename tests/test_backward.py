"""Backward: accumulation, repeated calls, no_grad, depth, higher order, step records."""

from __future__ import annotations

import gc
import math
from collections import defaultdict
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from strategies import Expr, expressions

import autograd_lite as ag
from autograd_lite.base import mode
from autograd_lite.base.mode import gc_paused, grad_enabled, no_grad
from autograd_lite.core.graph import reachable
from autograd_lite.core.value import Value
from autograd_lite.functional import gradients
from autograd_lite.steps import backward_steps

# ---------------------------------------------------------- accumulation


def test_fan_out_accumulates() -> None:
    a = Value(1.0, "a")
    b = a + a
    c = b + b
    c.backward()
    assert c.data == 4.0
    assert b.grad == 2.0
    assert a.grad == 4.0


def test_backward_of_a_leaf() -> None:
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0


def test_seed_scales_every_gradient() -> None:
    x = Value(2.0)
    y = x * x
    y.backward(3.0)
    assert y.grad == 3.0
    assert x.grad == 12.0


def test_repeated_backward_semantics() -> None:
    x = Value(3.0, "x")
    sq = x * x
    y = sq * x
    y.backward()
    assert x.grad == 27.0
    assert sq.grad == 3.0
    y.backward()
    assert x.grad == 54.0  # leaves accumulate across calls
    assert sq.grad == 3.0  # intermediates hold the latest call's gradient
    assert y.grad == 1.0
    y.zero_grad()
    assert x.grad == 0.0
    y.backward()
    assert x.grad == 27.0


def test_intermediate_holds_latest_call_from_another_root() -> None:
    x = Value(2.0, "x")
    h = x * x
    a = h * 3
    b = h * 5
    a.backward()
    assert h.grad == 3.0
    b.backward()
    assert h.grad == 5.0
    assert x.grad == 3.0 * 4 + 5.0 * 4


def test_zero_grad_resets_everything_reachable() -> None:
    x = Value(0.5, "x")
    w = Value(-1.5, "w")
    y = ((x * w).sigmoid() + 2) * x
    y.backward(create_graph=True)
    nodes = reachable(y)
    assert any(n.grad != 0.0 for n in nodes)
    y.zero_grad()
    assert all(n.grad == 0.0 and n.grad_node is None for n in nodes)


# ---------------------------------------------------------------- no_grad


def test_no_grad_records_no_parents() -> None:
    w = Value(2.0, "w")
    assert grad_enabled()
    with no_grad():
        assert not grad_enabled()
        u = (w * 3 + 1).exp().log() - w / 2
        s = ag.sum([w, w, 1.0])
    assert grad_enabled()
    for v in (u, s):
        assert v.parents == () and v.op is None and v.is_leaf
    assert u.data == pytest.approx(6.0)
    assert s.data == 5.0
    after = w * 3
    assert after.parents[0] is w


def test_no_grad_nested_restores_outer_state() -> None:
    with no_grad():
        with no_grad():
            pass
        assert not grad_enabled()
        assert (Value(1.0) + 1).parents == ()
    assert grad_enabled()


def test_no_grad_restores_on_exception() -> None:
    x = Value(-1.0, "x")
    with pytest.raises(ValueError), no_grad():
        x.log()
    assert grad_enabled()
    assert mode.is_fast()
    assert (x * 2).parents[0] is x


def test_update_inside_no_grad_is_a_fresh_leaf() -> None:
    w = Value(1.0, "w")
    loss = (w - 3) ** 2
    loss.backward()
    with no_grad():
        w2 = w - 0.25 * w.grad
    assert w2.data == 2.0 and w2.is_leaf


# ------------------------------------------------------- garbage collector


def test_gc_paused_pauses_and_restores() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block restores "paused", not "on"
    assert gc.isenabled()


def test_gc_paused_restores_on_exception() -> None:
    x = Value(-1.0, "x")
    with pytest.raises(ValueError, match="log"), gc_paused():
        x.log()
    assert gc.isenabled()


def test_gc_paused_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_graph_built_while_paused_is_freed_without_the_collector() -> None:
    # gc_paused is only safe because graphs hold no cycles: once the root is
    # dropped, reference counting alone must free every node.
    def live_values() -> int:
        return sum(1 for o in gc.get_objects() if type(o) is Value)

    x = Value(0.5, "x")
    gc.collect()
    with gc_paused():
        before = live_values()
        y = x
        for _ in range(300):
            y = (y * 1.5 + x).tanh() - ag.sum([y, x, 2.0])
        y.backward()
        assert live_values() > before + 1000
        del y
        assert live_values() == before


def test_create_graph_cycles_are_left_to_the_collector() -> None:
    # With create_graph=True a node's grad_node can reach the node again (the
    # rule of tanh uses its output), so those graphs do hold cycles: the
    # documented reason gc_paused is meant for first-order builds.
    def live_values() -> int:
        return sum(1 for o in gc.get_objects() if type(o) is Value)

    x = Value(0.5, "x")
    gc.collect()
    before = live_values()
    with gc_paused():
        y = (x * 1.5).tanh()
        y.backward(create_graph=True)
        x.grad_node = None
        del y
        assert live_values() > before
    gc.collect()
    assert live_values() == before


# ------------------------------------------------------------------- depth


@pytest.mark.slow
def test_chain_of_a_million_ops() -> None:
    n = 1_000_000
    x = Value(1.0, "x")
    y = x
    for _ in range(n):
        y = y + x
    assert y.data == n + 1
    y.backward()
    assert x.grad == n + 1


def test_deep_graph_from_builtin_sum() -> None:
    n = 20_000
    xs = [Value(i / n) for i in range(n)]
    total = sum(x * x for x in xs)
    assert isinstance(total, Value)
    total.backward()
    for i in (0, 1, n // 2, n - 1):
        assert xs[i].grad == pytest.approx(2 * i / n)


# ------------------------------------------------------------ higher order

# f, f', f'' written by hand.
SECOND: list[
    tuple[str, Callable[[Value], Value], Callable[[float], float], Callable[[float], float]]
] = [
    ("cube", lambda x: x * x * x, lambda a: 3 * a**2, lambda a: 6 * a),
    (
        "x_exp_x",
        lambda x: x * x.exp(),
        lambda a: (a + 1) * math.exp(a),
        lambda a: (a + 2) * math.exp(a),
    ),
    ("log", lambda x: x.log(), lambda a: 1 / a, lambda a: -1 / a**2),
    (
        "sigmoid",
        lambda x: x.sigmoid(),
        lambda a: (s := 1 / (1 + math.exp(-a))) * (1 - s),
        lambda a: (s := 1 / (1 + math.exp(-a))) * (1 - s) * (1 - 2 * s),
    ),
    (
        "tanh",
        lambda x: x.tanh(),
        lambda a: 1 - math.tanh(a) ** 2,
        lambda a: -2 * math.tanh(a) * (1 - math.tanh(a) ** 2),
    ),
    ("inverse", lambda x: 1 / x, lambda a: -1 / a**2, lambda a: 2 / a**3),
    ("sqrt", lambda x: x**0.5, lambda a: 0.5 * a**-0.5, lambda a: -0.25 * a**-1.5),
    (
        "softplus",
        lambda x: x.softplus(),
        lambda a: 1 / (1 + math.exp(-a)),
        lambda a: math.exp(-a) / (1 + math.exp(-a)) ** 2,
    ),
    (
        "x_pow_x",
        lambda x: x**x,
        lambda a: a**a * (math.log(a) + 1),
        lambda a: a**a * ((math.log(a) + 1) ** 2 + 1 / a),
    ),
]


@pytest.mark.parametrize(("name", "f", "df", "d2f"), SECOND, ids=[s[0] for s in SECOND])
@pytest.mark.parametrize("a", [0.4, 1.3, 2.2])
def test_second_derivative_via_backward(
    name: str,
    f: Callable[[Value], Value],
    df: Callable[[float], float],
    d2f: Callable[[float], float],
    a: float,
) -> None:
    x = Value(a, "x")
    y = f(x)
    y.backward(create_graph=True)
    assert x.grad == pytest.approx(df(a), rel=1e-10)
    g = x.grad_node
    assert g is not None and g.data == pytest.approx(df(a), rel=1e-10)
    x.grad = 0.0
    x.grad_node = None
    g.backward()
    assert x.grad == pytest.approx(d2f(a), rel=1e-9)


@pytest.mark.parametrize(("name", "f", "df", "d2f"), SECOND, ids=[s[0] for s in SECOND])
def test_second_derivative_via_gradients(
    name: str,
    f: Callable[[Value], Value],
    df: Callable[[float], float],
    d2f: Callable[[float], float],
) -> None:
    a = 1.7
    x = Value(a, "x")
    (g,) = gradients(f(x), [x], create_graph=True)
    assert g.data == pytest.approx(df(a), rel=1e-10)
    (h,) = gradients(g, [x])
    assert h == pytest.approx(d2f(a), rel=1e-9)


def test_third_derivative_and_mixed_partials() -> None:
    x = Value(1.5, "x")
    y = Value(-0.5, "y")
    f = x * x * x * y * y  # f = x³y²
    gx, gy = gradients(f, [x, y], create_graph=True)
    assert gx.data == pytest.approx(3 * 1.5**2 * 0.25)
    gxx, gxy = gradients(gx, [x, y], create_graph=True)
    assert gxx.data == pytest.approx(6 * 1.5 * 0.25)
    assert gxy.data == pytest.approx(3 * 1.5**2 * 2 * -0.5)
    (gyx,) = gradients(gy, [x])
    assert gyx == pytest.approx(gxy.data)
    (gxxx,) = gradients(gxx, [x])
    assert gxxx == pytest.approx(6 * 0.25)


def test_gradients_of_unused_node_is_zero() -> None:
    x = Value(1.0)
    other = Value(2.0)
    assert gradients(x * 3, [x, other]) == [3.0, 0.0]
    g = gradients(x * 3, [other], create_graph=True)
    assert g[0].data == 0.0


# ---------------------------------------------- three paths, one answer


def build(expr: Expr) -> tuple[list[Value], Value]:
    leaves = [Value(v, f"x{i}") for i, v in enumerate(expr.inputs)]
    return leaves, expr.build(leaves)


@settings(max_examples=80)
@given(expressions())
def test_gradients_is_backward_without_side_effects(expr: Expr) -> None:
    leaves, root = build(expr)
    nodes = reachable(root)
    got = gradients(root, leaves)
    assert all(n.grad == 0.0 and n.grad_node is None for n in nodes)
    root.backward()
    assert got == pytest.approx([x.grad for x in leaves], rel=1e-12, abs=1e-300)


@settings(max_examples=80)
@given(expressions())
def test_backward_adds_contributions_in_the_step_records_order(expr: Expr) -> None:
    # Same order of floating-point additions, so equal to the last bit.
    leaves, root = build(expr)
    expected = gradients(root, leaves)
    root.backward()
    assert [x.grad for x in leaves] == expected


def test_shared_constant_holds_the_latest_calls_gradient() -> None:
    x = Value(2.0, "x")
    k = ag.constant(3.0)
    y = x * k + k  # d/dk = x + 1
    z = (x * x) * k  # d/dk = x²
    y.backward()
    assert k.grad == 3.0
    z.backward()
    assert k.grad == 4.0
    y.backward()
    assert k.grad == 3.0  # reset, not accumulated like a leaf
    assert x.grad == 3.0 + 2 * 2.0 * 3.0 + 3.0  # the leaf accumulates all three calls


@settings(max_examples=80)
@given(expressions())
def test_flat_backward_agrees_with_step_records(expr: Expr) -> None:
    _, root = build(expr)
    steps = list(backward_steps(root))
    assert all(n.grad == 0.0 for n in reachable(root))  # the records are pure
    received: defaultdict[Value, float] = defaultdict(float)
    upstream: dict[Value, float] = {}
    uses: defaultdict[Value, int] = defaultdict(int)
    for s in steps:
        assert s.contribution == s.upstream * s.local
        assert s.parent is s.node.parents[s.index]
        upstream.setdefault(s.node, s.upstream)
        assert upstream[s.node] == s.upstream  # one upstream per node
        received[s.parent] += s.contribution
        uses[s.parent] += 1
        assert s.uses == uses[s.parent]
        assert s.total == pytest.approx(received[s.parent], rel=1e-12, abs=1e-300)
    # Step indices count the processed nodes, root first.
    indices = [s.step for s in steps]
    assert indices == sorted(indices)
    if steps:
        assert steps[0].node is root and steps[0].step == 0
    root.backward()
    for node in reachable(root):
        if node is root:
            continue
        assert node.grad == pytest.approx(received[node], rel=1e-12, abs=1e-300)
    for node, up in upstream.items():
        assert node.grad == pytest.approx(up, rel=1e-12, abs=1e-300)


class Recorder:
    def __init__(self) -> None:
        self.forward: list[Value] = []
        self.backward: list[tuple[Value, int, float]] = []

    def on_forward(self, node: Value) -> None:
        self.forward.append(node)

    def on_backward(self, node: Value, index: int, contribution: float) -> None:
        self.backward.append((node, index, contribution))

    def on_error(self, op: object, args: object, exc: Exception) -> None:
        pass


def test_hook_sees_every_node_and_edge_and_backward_still_right() -> None:
    rec = Recorder()
    with mode.using_hook(rec):  # type: ignore[arg-type]
        x = Value(2.0, "x")
        y = x * x + x.exp()
        y.backward()
        y.backward()
    assert mode.is_fast()
    assert [n.op.name for n in rec.forward if n.op] == ["mul", "exp", "add"]
    # 5 edges per call: add→mul, add→exp, mul→x twice, exp→x.
    assert len(rec.backward) == 2 * 5
    assert x.grad == pytest.approx(2 * (2 * 2.0 + math.exp(2.0)))
