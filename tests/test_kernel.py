"""The generated backward loop and the node layout it reads.

The loop's branches are printed from the op table's rules, so these tests check
the generator (every branch equals its rule, bit for bit), the fallbacks (rows
without a branch), the three ways a node stores its parents, and the walk that
marks visited nodes without a set. The derivatives themselves are checked
against independent oracles in test_ops.py and test_oracles.py.
"""

from __future__ import annotations

import dataclasses
import gc
import math
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as ag
from autograd_lite.core import ops
from autograd_lite.core.graph import reverse_topological
from autograd_lite.core.ops import TABLE, Op
from autograd_lite.core.primitives import FLOAT_MATH
from autograd_lite.core.value import Value, apply, vsum
from autograd_lite.fast import kernel
from autograd_lite.functional import gradients

#: A domain per row with a branch, inside which the rule is finite.
DOMAINS: dict[str, tuple[float, float]] = {
    "mul": (-5.0, 5.0),
    "add": (-5.0, 5.0),
    "sub": (-5.0, 5.0),
    "softplus": (-30.0, 30.0),
    "sigmoid": (-30.0, 30.0),
    "exp": (-5.0, 5.0),
    "log": (0.01, 50.0),
    "tanh": (-5.0, 5.0),
    "relu": (-5.0, 5.0),
    "neg": (-5.0, 5.0),
    "div": (0.1, 5.0),
    "identity": (-5.0, 5.0),
    "pow": (0.1, 4.0),
    "sin": (-5.0, 5.0),
    "cos": (-5.0, 5.0),
    "sqrt": (0.1, 50.0),
    "abs": (-5.0, 5.0),
}


def test_every_common_row_has_a_branch() -> None:
    branched = [row.name for row in kernel.branch_rows()]
    assert set(branched) == set(DOMAINS)
    for i, name in enumerate(branched):
        assert f"# {name}\n" in kernel.SOURCE
        keyword = "if" if i == 0 else "elif"
        assert f"{keyword} op is R{i}:" in kernel.SOURCE
    assert "op.local(" in kernel.SOURCE  # the generic branch for every other row


def _one_node(name: str, xs: Sequence[float]) -> tuple[list[Value], Value]:
    leaves = [Value(x, f"x{i}") for i, x in enumerate(xs)]
    return leaves, apply(TABLE[name], tuple(leaves))


@settings(max_examples=40)
@given(data=st.data())
@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_each_branch_adds_exactly_what_its_rule_gives(name: str, data: st.DataObject) -> None:
    lo, hi = DOMAINS[name]
    arity = 3 if name == "add" else TABLE[name].arity
    xs = [data.draw(st.floats(lo, hi)) for _ in range(arity)]
    g = data.draw(st.floats(-3.0, 3.0))
    leaves, node = _one_node(name, xs)
    expected = TABLE[name].local(xs, node.data, FLOAT_MATH, None)
    node.backward(g)
    assert [x.grad for x in leaves] == [0.0 + g * d for d in expected]


@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_each_branch_matches_central_differences(name: str) -> None:
    lo, hi = DOMAINS[name]
    arity = 3 if name == "add" else TABLE[name].arity
    xs = [lo + (hi - lo) * (0.3 + 0.17 * i) for i in range(arity)]
    if name == "relu":
        xs = [1.5]
    leaves, node = _one_node(name, xs)
    node.backward()
    for i in range(arity):
        h = 1e-6 * max(1.0, abs(xs[i]))
        up = [x + h if j == i else x for j, x in enumerate(xs)]
        down = [x - h if j == i else x for j, x in enumerate(xs)]
        slope = (TABLE[name].forward(up, None) - TABLE[name].forward(down, None)) / (2 * h)
        assert leaves[i].grad == pytest.approx(slope, rel=1e-6, abs=1e-8)


# --------------------------------------------------------- fallbacks
def _triple_product() -> Op:
    def forward(m: Any, a: Any, b: Any, c: Any) -> Any:
        return a * b * c

    def local(m: Any, out: Any, a: Any, b: Any, c: Any) -> tuple[Any, ...]:
        return (b * c, a * c, a * b)

    return Op("triple", "×3", 3, forward, local, ("", "", ""), "{0}·{1}·{2}")


def test_a_row_of_three_inputs_runs_the_generic_branch() -> None:
    x, y, z = Value(2.0, "x"), Value(-3.0, "y"), Value(0.5, "z")
    out = apply(_triple_product(), (x, y, z))
    (out * out).backward()  # d(p²)/dx = 2p·yz, with p = xyz = -3
    assert (x.grad, y.grad, z.grad) == (2 * -3.0 * -1.5, 2 * -3.0 * 1.0, 2 * -3.0 * -6.0)


def test_powc_rows_run_the_generic_branch() -> None:
    x = Value(1.5, "x")
    (x**3 + x**-0.5).backward()
    assert x.grad == pytest.approx(3 * 1.5**2 - 0.5 * 1.5**-1.5, rel=1e-15)


def test_an_add_row_with_other_derivatives_gets_no_special_branch() -> None:
    def local(m: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
        return tuple(2.0 for _ in xs)

    doubled = dataclasses.replace(ops.add, name="double_add", d=local)
    source, _ = kernel.loop_source([doubled])
    assert "# double_add" not in source
    loop = kernel.make_loop([doubled])
    xs = [Value(float(i)) for i in range(4)]
    node = apply(doubled, tuple(xs))
    node.grad = 1.5
    loop([node])
    assert [x.grad for x in xs] == [3.0] * 4


def test_constant_derivatives_other_than_one_are_printed_as_products() -> None:
    def local(m: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return (2.5, -0.25)

    def forward(m: Any, a: Any, b: Any) -> Any:
        return 2.5 * a - 0.25 * b

    row = Op("lin", "lin", 2, forward, local, ("2.5", "−0.25"), "lin({0}, {1})")
    source, _ = kernel.loop_source([row])
    assert "a.grad += g * 2.5" in source and "b.grad += g * -0.25" in source
    loop = kernel.make_loop([row])
    a, b = Value(1.0), Value(2.0)
    node = apply(row, (a, b))
    node.grad = 4.0
    loop([node])
    assert (a.grad, b.grad) == (10.0, -1.0)


def test_a_rule_failing_in_backward_is_reported_with_the_node() -> None:
    x = Value(2.0, "x")
    y = x.log().named("y")
    x.data = 0.0  # changed after the forward: the rule 1/x now divides by zero
    with pytest.raises(ZeroDivisionError, match=r"log backward at 'y'.*'x' = 0\.0"):
        y.backward()


def test_power_with_a_value_exponent_at_zero_base_names_the_op() -> None:
    b = Value(2.0, "b")
    y = ag.Value(0.0, "a") ** b
    with pytest.raises(ValueError, match=r"pow backward.*'a' = 0\.0"):
        y.backward()


# ------------------------------------------------------ parent storage
def test_parents_of_every_storage_shape() -> None:
    x, y, z = Value(1.0, "x"), Value(2.0, "y"), Value(3.0, "z")
    assert x.parents == ()
    assert (-x).parents == (x,)
    assert (x * y).parents == (x, y)
    assert (x * x).parents == (x, x)
    assert vsum([x]).parents == (x,)
    assert vsum([x, y]).parents == (x, y)
    assert vsum([x, y, z, x]).parents == (x, y, z, x)
    assert ag.constant(2.0).parents == ()


@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_a_sum_of_the_same_node_k_times_gives_k(k: int) -> None:
    x = Value(0.5, "x")
    vsum([x] * k).backward()
    assert x.grad == float(k)


def test_parents_is_read_only() -> None:
    x = Value(1.0)
    y = -x
    with pytest.raises(AttributeError):
        y.parents = ()  # type: ignore[misc]


# ------------------------------------------------------------- the walk
def test_walk_returns_reverse_creation_order_without_leaves() -> None:
    x, w = Value(1.0, "x"), Value(2.0, "w")
    h = (w * x).tanh()
    out = vsum([h * h, h, 3.0 * x])
    found, consts, leaves, *_ = kernel._walk(out)
    ends = leaves + consts
    order = sorted(found, key=lambda n: n.order, reverse=True)
    assert len(ends) == len(set(ends))
    assert {id(e) for e in ends} == {id(n) for n in reverse_topological(out) if not n.parents}
    expected = [n for n in reverse_topological(out) if n.parents]
    assert order == expected


def test_backward_keeps_no_object_per_node_for_the_garbage_collector() -> None:
    # Every object backward keeps while it runs counts towards the collector's
    # next pass; one per leaf (say a (leaf, gradient) pair) set off full
    # collections over a large graph and doubled its backward. Leaves with an
    # earlier gradient are the case that needs remembering.
    xs = [Value(float(i % 7) - 3.0) for i in range(5000)]
    w = Value(0.5, "w")
    out = vsum([(w * x).tanh() for x in xs])
    out.backward()  # every leaf now holds a gradient, which the next call adds to
    gc.disable()
    try:
        before = gc.get_count()[0]
        out.backward()
        kept = gc.get_count()[0] - before
    finally:
        gc.enable()
    assert kept < 50, kept
    assert xs[1].grad == pytest.approx(2 * 0.5 * (1 - math.tanh(0.5 * -2.0) ** 2))


@settings(max_examples=60)
@given(st.lists(st.sampled_from(["a", "b", "ab"]), min_size=1, max_size=8))
def test_marks_from_earlier_calls_never_hide_a_node(calls: list[str]) -> None:
    # Two roots share a subgraph; any sequence of backward calls must give
    # each call's exact gradients in the nodes it reaches.
    x = Value(0.7, "x")
    h = (x * x).sigmoid()
    a = h * 3.0 + x
    b = (h * h).exp()
    x_total = 0.0
    for which in calls:
        roots = [a, b] if which == "ab" else [a if which == "a" else b]
        for root in roots:
            dh = 3.0 if root is a else 2.0 * h.data * b.data
            direct = 1.0 if root is a else 0.0
            expected_h = dh
            expected_x = direct + dh * h.data * (1.0 - h.data) * 2.0 * x.data
            root.backward()
            x_total += expected_x
            assert h.grad == pytest.approx(expected_h, rel=1e-14)
            assert x.grad == pytest.approx(x_total, rel=1e-12)


def test_nodes_reached_by_a_zero_gradient_hold_zero() -> None:
    x = Value(3.0, "x")
    k0 = ag.constant(0.0)
    p = x * k0
    r = p.relu()  # relu'(0) = 0: nothing flows past r
    k1 = ag.constant(1.0)
    out = r + k1
    x.grad = 5.0  # a leaf accumulates: 5 + 0
    out.backward()
    got = [out.grad, r.grad, k1.grad, p.grad, k0.grad, x.grad]
    assert got == [1.0, 1.0, 1.0, 0.0, 0.0, 5.0]
    assert all(type(v) is float for v in got)


@settings(max_examples=40)
@given(st.integers(1, 60), st.floats(-2.0, 2.0))
def test_long_sums_of_products_match_the_analytic_gradient(m: int, w0: float) -> None:
    w = Value(w0, "w")
    xs = [float(i % 7) - 3.0 for i in range(m)]
    loss = vsum([(w * x - 1.0) ** 2 for x in xs]) / m
    (gw,) = gradients(loss, [w])
    analytic = math.fsum(2.0 * (w0 * x - 1.0) * x for x in xs) / m
    assert gw == pytest.approx(analytic, rel=1e-12, abs=1e-12)
    loss.backward()
    assert w.grad == gw
