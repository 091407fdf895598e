"""A backward pass that raises leaves every gradient exactly as it was.

Each case below failed before backward gathered its contributions first: the
pass added some of them to the leaves, then raised. Now every ``grad`` and
``grad_node`` of the graph is as it was before the call, in every mode: the
fast path, the core's own methods, ``create_graph``, a hook
(``detect_anomaly``), ``gradients``/``hessian``, and for any exception,
``KeyboardInterrupt`` included.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite.core.graph import reachable
from autograd_lite.fast import kernel
from tests.strategies import Expr, expressions

Snapshot = list[tuple[str, type, Any]]


def snapshot(*roots: al.Value) -> Snapshot:
    # repr and type: the bits (-0.0 is not 0.0, and 0 is not 0.0), not equality.
    nodes = sorted(set().union(*(reachable(r) for r in roots)), key=lambda n: n.order)
    return [(repr(n.grad), type(n.grad), n.grad_node) for n in nodes]


@contextmanager
def core_only() -> Iterator[None]:
    """Run with the core's own methods (the fast layer taken off), then put it back."""
    kernel.uninstall()
    try:
        yield
    finally:
        kernel.install()


MODES: dict[str, Callable[[al.Value], None]] = {
    "fast": lambda root: root.backward(),
    "create_graph": lambda root: root.backward(create_graph=True),
    "anomaly": lambda root: _anomaly(root),
}


def _anomaly(root: al.Value) -> None:
    with al.detect_anomaly():
        root.backward()


def _overflowing_graph() -> tuple[al.Value, al.Value, al.Value]:
    a, v = al.Value(1.0, "a"), al.Value(1e-5, "v")
    loss = a * 2.0 + (v * 1e10) * 1e300  # d loss/dv = 1e310: overflows
    return loss, a, v


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("core", [False, True], ids=["with fast layer", "core only"])
def test_an_overflowing_backward_changes_no_gradient(mode: str, core: bool) -> None:
    loss, a, v = _overflowing_graph()
    a.grad = 5.0
    before = snapshot(loss)
    with core_only() if core else _nothing(), pytest.raises(OverflowError):
        MODES[mode](loss)
    assert snapshot(loss) == before
    assert (a.grad, v.grad) == (5.0, 0.0)  # before: 7.0 and inf


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def test_an_overflowing_seed_changes_no_gradient() -> None:
    a, b = al.Value(1.0, "a"), al.Value(2.0, "b")
    y = a + b * 10.0
    with pytest.raises(OverflowError):
        y.backward(1e308)  # b's gradient is 1e309
    assert (a.grad, b.grad) == (0.0, 0.0)  # before: (1e308, inf)


def test_a_leaf_whose_total_overflows_keeps_its_earlier_gradient() -> None:
    x = al.Value(1.0, "x")
    y = x * 1e308
    y.backward()
    with pytest.raises(OverflowError, match="'x'"):
        y.backward()  # 1e308 + 1e308 overflows: the second call adds nothing
    assert x.grad == 1e308


def _interrupting_row(after: int) -> al.Op:
    """A row whose derivative raises KeyboardInterrupt from its ``after``-th use on."""
    calls = [0]

    def d(m: Any, out: Any, a: Any) -> tuple[Any, ...]:
        calls[0] += 1
        if calls[0] > after:
            raise KeyboardInterrupt
        return (1.0,)

    return al.Op("bad", "bad", 1, lambda m, a: a, d, ("1",), "bad({0})")


@pytest.mark.parametrize("core", [False, True], ids=["with fast layer", "core only"])
def test_an_interrupted_backward_changes_no_gradient(core: bool) -> None:
    x = al.Value(3.0, "x")
    y = _interrupting_row(0)(x) + x * x  # the row runs after x*x has sent 6.0 to x
    with core_only() if core else _nothing(), pytest.raises(KeyboardInterrupt):
        y.backward()
    assert x.grad == 0.0  # before: 6.0


def test_an_interrupted_gradients_call_changes_nothing() -> None:
    x = al.Value(3.0, "x")
    y = _interrupting_row(0)(x) + x * x
    x.grad = 1.5
    before = snapshot(y)
    with pytest.raises(KeyboardInterrupt):
        al.gradients(y, [x])
    with pytest.raises(KeyboardInterrupt):
        al.gradients(y, [x], create_graph=True)
    assert snapshot(y) == before


def test_a_failure_after_create_graph_keeps_every_grad_node() -> None:
    x = al.Value(0.5, "x")
    y = al.sin(x * x)
    y.backward(create_graph=True)
    assert x.grad_node is not None
    w = al.Value(1e-5, "w")
    z = y + (w * 1e10) * 1e300  # its backward overflows at w
    before = snapshot(z)
    for backward in (z.backward, lambda: z.backward(create_graph=True)):
        with pytest.raises(OverflowError):
            backward()
        assert snapshot(z) == before


@settings(max_examples=60)
@given(expr=expressions(min_inputs=1, max_inputs=3, max_ops=10), data=st.data())
def test_a_row_failing_at_a_random_node_changes_no_gradient(
    expr: Expr, data: st.DataObject
) -> None:
    leaves = [al.Value(x, f"x{i}") for i, x in enumerate(expr.inputs)]
    out = expr.build(leaves)
    out.backward()  # earlier gradients, which a failure must leave alone
    uses = data.draw(st.integers(0, 3))
    failing = _failing_row(uses, data.draw(st.sampled_from([ValueError, KeyboardInterrupt])))
    # The failing row sits on a random node of the graph; the rest adds up to the root.
    nodes = sorted(reachable(out), key=lambda n: n.order)
    target = data.draw(st.sampled_from(nodes))
    root = out + failing(target) + failing(out)
    before = snapshot(root)
    for mode in ("fast", "create_graph"):
        try:
            MODES[mode](root)
        except (ValueError, KeyboardInterrupt, OverflowError, ZeroDivisionError):
            assert snapshot(root) == before
            return
        before = snapshot(root)  # it succeeded: the failure was not reached this time


def _failing_row(after: int, error: type[BaseException]) -> al.Op:
    calls = [0]

    def d(m: Any, out: Any, a: Any) -> tuple[Any, ...]:
        calls[0] += 1
        if calls[0] > after:
            raise error("this rule fails")
        return (1.0,)

    return al.Op("failing", "f", 1, lambda m, a: a, d, ("1",), "f({0})")


@pytest.mark.parametrize("earlier", [-0.0, 0.0, 0, 2.5])
def test_a_failure_restores_inner_nodes_and_constants_to_the_bit(earlier: Any) -> None:
    x = al.Value(0.5, "x")
    h = (x * 3.0).tanh()
    out = h * h + 1.0
    nodes = sorted(reachable(out), key=lambda n: n.order)
    for i, n in enumerate(nodes):
        if n.op is not None and i % 2:
            n.grad = earlier  # half the inner nodes and constants hold this, half a fresh 0.0
    before = snapshot(out)
    root = out + _failing_row(0, ValueError)(h)
    with pytest.raises(ValueError, match="this rule fails"):
        root.backward()
    assert snapshot(out) == before


def test_the_fast_layer_and_the_core_give_the_same_bits_on_repeated_calls() -> None:
    rng = random.Random(7)
    for _ in range(20):
        xs = [rng.uniform(-2, 2) for _ in range(3)]
        results = []
        for core in (False, True):
            leaves = [al.Value(x) for x in xs]
            y = al.sum([al.sin(leaves[0] * leaves[1]), leaves[2].tanh() * leaves[0], leaves[1]])
            with core_only() if core else _nothing():
                y.backward()
                y.backward(0.5)
            results.append([v.grad for v in leaves])
        assert results[0] == results[1]
        assert all(math.isfinite(g) for g in results[0])


@pytest.mark.parametrize("start", [0.0, -0.0, 0, 2.5, -1])
def test_a_leaf_adds_the_call_to_its_gradient_as_the_core_does_from_any_start(start: Any) -> None:
    # x receives -0.0 twice (w = -0.0): the sign of the zero it ends with and
    # its type show the order of the additions; w receives 1.0, 1.0 and 2.0.
    results = []
    for core in (False, True):
        x, w = al.Value(1.0, "x"), al.Value(-0.0, "w")
        y = al.sum([x * w, x * w, w * 2.0])
        x.grad, w.grad = start, start
        with core_only() if core else _nothing():
            y.backward()
        results.append([(type(v.grad), math.copysign(1.0, v.grad), v.grad) for v in (x, w)])
    assert results[0] == results[1]
    # The core's rule, by hand: the earlier gradient plus this call's sum (from 0.0).
    assert results[1][0] == (float, math.copysign(1.0, start + (0.0 + -0.0 + -0.0)), start + 0.0)
    assert results[1][1][2] == start + (0.0 + 1.0 + 1.0 + 2.0)
