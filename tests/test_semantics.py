"""Semantics of graphs as Python objects: pickle, copy, deepcopy, bool, grad_node.

See the "Semantics" section of docs/design.md.
"""

from __future__ import annotations

import copy
import io
import pickle
import time
from dataclasses import replace
from itertools import product

import pytest
from hypothesis import given, settings
from strategies import Expr, expressions

import autograd_lite as al
from autograd_lite.anomaly import detect_anomaly
from autograd_lite.core import ops
from autograd_lite.core.graph import reachable, topological
from autograd_lite.core.value import Value, apply
from autograd_lite.functional import gradients
from autograd_lite.teach.lesson import lesson_graph

PROTOCOLS = range(2, pickle.HIGHEST_PROTOCOL + 1)


def roundtrip(obj: object, protocol: int = pickle.HIGHEST_PROTOCOL) -> object:
    return pickle.loads(pickle.dumps(obj, protocol=protocol))


def structure(root: Value) -> list[tuple[object, ...]]:
    """Every node in creation order: data, grad, label, op, parent positions."""
    nodes = topological(root)
    pos = {n: i for i, n in enumerate(nodes)}
    return [
        (n.data, n.grad, n.label, n.op, tuple(pos[p] for p in n.parents), n.order) for n in nodes
    ]


def cached(row: ops.Op) -> bool:
    """Whether ``pow_const`` keeps one object for this row's exponent (64 are cached)."""
    return ops.pow_const(row.param) is ops.pow_const(row.param)  # type: ignore[arg-type]


def same_row(a: ops.Op | None, b: ops.Op | None) -> bool:
    """The same row object; for a powc row whose exponent is not cached, an equal row."""
    if a is not None and a.name == "powc" and not cached(a):
        return a == b
    return a is b


def same_graph(a: Value, b: Value) -> None:
    """``b`` is a faithful copy of ``a``: same structure, same ops (by identity), new nodes."""
    sa, sb = structure(a), structure(b)
    assert len(sa) == len(sb)
    for x, y in zip(sa, sb, strict=True):
        assert x[:3] == y[:3]
        assert same_row(x[3], y[3])  # type: ignore[arg-type]
        assert x[4] == y[4]
    assert not reachable(a) & reachable(b)


def every_row_graph() -> tuple[Value, list[Value]]:
    """A graph with one node of every row of the table (and a few powc rows)."""
    x = Value(0.7, "x")
    w = Value(-1.3, "w")
    nodes = [
        x + w,
        x - w,
        x * w,
        x / w,
        -x,
        x ** Value(2.5),
        x**3,
        x**0.5,
        x**-2,
        x**1.7,
        x.exp(),
        x.log(),
        w.sigmoid(),
        w.tanh(),
        w.relu(),
        w.softplus(),
        apply(ops.identity, (x,)),
        al.sum([x, w, 2.0, x]),
        1.5 - x,
    ]
    seen = {n.op.name for n in nodes if n.op is not None}
    # Every other one-input row of the table (new rows are covered without editing this list).
    nodes += [row(x) for name, row in ops.TABLE.items() if row.arity == 1 and name not in seen]
    root = al.sum(nodes).named("root")
    return root, nodes


# ------------------------------------------------------------------ pickle


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_pickle_round_trip_of_every_row(protocol: int) -> None:
    root, _ = every_row_graph()
    root.backward()
    copy_ = roundtrip(root, protocol)
    assert isinstance(copy_, Value)
    same_graph(root, copy_)
    rows = {n.op.name for n in reachable(copy_) if n.op is not None}
    assert rows == set(ops.TABLE)  # every row kind, CONST and powc included
    for n in reachable(copy_):
        if n.op is not None and n.op.name != "powc":
            assert n.op is ops.TABLE[n.op.name]
        if n.op is not None and n.op.name == "powc" and cached(n.op):
            assert n.op is ops.pow_const(n.op.param)  # type: ignore[arg-type]
    assert any(n.is_constant for n in reachable(copy_))


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_pickled_graph_gives_the_same_gradients(protocol: int) -> None:
    root, _ = every_row_graph()
    copy_ = roundtrip(root, protocol)
    assert isinstance(copy_, Value)
    root.backward()
    copy_.backward()
    assert [s[:3] for s in structure(root)] == [s[:3] for s in structure(copy_)]


def test_shared_subexpressions_stay_shared() -> None:
    a = Value(2.0, "a")
    sq = a * a
    s2 = roundtrip(sq)
    assert isinstance(s2, Value)
    p, q = s2.parents
    assert p is q and p.label == "a"
    # A diamond: b and c both read a; d reads b and c.
    b = a.exp()
    c = a.tanh()
    d = b * c
    d2 = roundtrip(d)
    assert isinstance(d2, Value)
    b2, c2 = d2.parents
    assert b2.parents[0] is c2.parents[0]
    assert len(reachable(d2)) == 4


def test_several_roots_in_one_pickle_share_their_nodes() -> None:
    x = Value(1.5, "x")
    u = x * 2.0
    v = u.exp()
    w = u + x
    u2, v2, w2, x2 = roundtrip([u, v, w, x])  # type: ignore[misc]
    assert v2.parents[0] is u2
    assert w2.parents == (u2, x2)
    assert u2.parents[0] is x2
    # The same object twice, and nodes before their graph.
    x3, w3, w4 = roundtrip([x, w, w])  # type: ignore[misc]
    assert w3 is w4 and w3.parents[1] is x3


def test_nodes_pickled_by_separate_dumps_are_independent() -> None:
    x = Value(1.5, "x")
    u = x * 2.0
    first = pickle.dumps(u)
    v = pickle.loads(pickle.dumps(u.exp()))  # not a reference into the first pickle
    assert isinstance(v, Value) and v.data == u.exp().data
    u2 = pickle.loads(first)
    assert isinstance(u2, Value) and v.parents[0] is not u2


def test_one_pickler_shares_nodes_across_its_dump_calls() -> None:
    x = Value(1.5, "x")
    u = x * 2.0
    buf = io.BytesIO()
    p = pickle.Pickler(buf)
    p.dump(u)
    p.dump(u + x)
    buf.seek(0)
    up = pickle.Unpickler(buf)
    u2 = up.load()
    w2 = up.load()
    assert w2.parents[0] is u2 and w2.parents[1] is u2.parents[0]


def test_lesson_graph_round_trip() -> None:
    g = lesson_graph([1.0, 2.0, -0.5], 1.0, [0.5, -0.25, 0.125], 0.1)
    g.loss.backward()
    for protocol in PROTOCOLS:
        g2 = roundtrip(g, protocol)
        assert type(g2) is type(g)
        same_graph(g.loss, g2.loss)  # type: ignore[attr-defined]
        # The fields are the nodes of the loss's graph, not copies of them.
        inside = reachable(g2.loss)  # type: ignore[attr-defined]
        for n in [g2.a, g2.z, g2.b, g2.y, *g2.x, *g2.w]:  # type: ignore[attr-defined]
            assert n in inside
        assert g2.a.parents[0] is g2.z  # type: ignore[attr-defined]
    g3 = roundtrip(g)
    for n in reachable(g3.loss):  # type: ignore[attr-defined]
        n.grad = 0.0
    g3.loss.backward()  # type: ignore[attr-defined]
    assert g3.z.grad == g.z.grad  # type: ignore[attr-defined]
    assert [w.grad for w in g3.w] == [w.grad for w in g.w]  # type: ignore[attr-defined]


def test_pickle_of_a_chain_of_1e5_ops_is_iterative() -> None:
    x = Value(0.5, "x")
    v = x
    for _ in range(100_000):
        v = v * 1.0001 + 0.0001
    v.backward()
    v2 = roundtrip(v)
    assert isinstance(v2, Value)
    assert v2.data == v.data and v2.grad == v.grad and v2.op is ops.add
    assert v2.parents[1].op is ops.const
    nodes = topological(v2)
    assert len(nodes) == 400_001
    assert nodes[0].label == "x" and nodes[0].grad == x.grad
    orders = [n.order for n in nodes]
    assert orders == sorted(orders) and orders[0] > x.order  # fresh, same sequence
    x2 = nodes[0]
    x.zero_grad()
    x2.zero_grad()
    v.backward()
    v2.backward()
    assert x2.grad == x.grad


def test_leaf_and_constant_alone() -> None:
    x = Value(2.0, "x")
    x.grad = 1.25
    x2 = roundtrip(x)
    assert isinstance(x2, Value)
    assert (x2.data, x2.grad, x2.label, x2.op, x2.parents) == (2.0, 1.25, "x", None, ())
    c = al.constant(3.0)
    c2 = roundtrip(c)
    assert isinstance(c2, Value) and c2.op is ops.const and c2.is_constant


def test_grad_nodes_are_pickled_and_stay_differentiable() -> None:
    x = Value(3.0, "x")
    y = x * x * x
    y.backward(create_graph=True)
    for obj in (y, [x, y]):
        got = roundtrip(obj)
        y2 = got if isinstance(got, Value) else got[1]  # type: ignore[index]
        (x2,) = [n for n in reachable(y2) if n.label == "x"]
        assert x2.grad == 27.0
        assert x2.grad_node is not None and x2.grad_node.data == 27.0
        assert gradients(x2.grad_node, [x2]) == [18.0]  # d(3x²)/dx at 3
        assert x2 in reachable(x2.grad_node)  # the gradient graph reads x itself


@pytest.mark.slow
def test_pickle_and_copies_of_a_chain_of_1e6_ops() -> None:
    # About 4·10⁶ nodes; this takes some 30 s, so it is marked slow (CI runs it).
    x = Value(0.5, "x")
    v = x
    with al.gc_paused():
        for _ in range(1_000_000):
            v = v * 1.0001 + 0.0001
    t = time.perf_counter()
    data = pickle.dumps(v, protocol=5)
    v2 = pickle.loads(data)
    took = time.perf_counter() - t
    del data
    assert v2.data == v.data and v2.op is ops.add
    del v2
    v3 = copy.deepcopy(v)
    assert v3.data == v.data and v3.parents[1].op is ops.const
    del v3
    assert copy.copy(v).parents == v.parents
    assert took < 120


# ------------------------------------------------------------ op rows


@pytest.mark.parametrize("name", sorted(ops.TABLE))
def test_table_rows_pickle_as_the_same_object(name: str) -> None:
    row = ops.TABLE[name]
    for protocol in PROTOCOLS:
        assert roundtrip(row, protocol) is row
    assert copy.copy(row) is row and copy.deepcopy(row) is row


def test_powc_rows_pickle_through_pow_const() -> None:
    for k in (2.0, 3.0, -1.0, 0.5):
        row = ops.pow_const(k)
        assert same_row(row, roundtrip(row))  # type: ignore[arg-type]
    rare = replace(ops.powc, param=123.456)  # equal to pow_const's row, maybe not cached
    got = roundtrip(rare)
    assert isinstance(got, ops.Op) and got == rare and got.param == 123.456
    if ops.pow_const(123.456) is ops.pow_const(123.456):  # cached: the same object
        assert got is ops.pow_const(123.456)


def test_a_registered_user_row_pickles_by_name() -> None:
    row = al.register(replace(ops.mul, name="times", symbol="·"))
    try:
        got = roundtrip(row)
        assert isinstance(got, ops.Op) and got == row
        assert got.forward([2.0, 3.0]) == 6.0
        node = apply(row, (Value(2.0), Value(4.0)))
        node2 = roundtrip(node)
        assert isinstance(node2, Value) and node2.op == row and node2.data == 8.0
    finally:
        al.unregister("times")  # the table is shared by every test


def test_a_user_row_with_local_functions_fails_clearly() -> None:
    row = replace(ops.mul, name="shifted", fn=lambda m, a, b: a + 1.0)
    with pytest.raises(pickle.PicklingError, match="'shifted'"):
        pickle.dumps(row)
    with pytest.raises(pickle.PicklingError, match="'shifted'"):
        pickle.dumps(apply(row, (Value(1.0), Value(2.0))))
    assert copy.deepcopy(row) is row  # copying needs no pickling


# ---------------------------------------------------------------- copy


def test_deepcopy_copies_the_graph_and_keeps_op_identity() -> None:
    root, _ = every_row_graph()
    root.backward()
    c = copy.deepcopy(root)
    same_graph(root, c)
    for n in reachable(c):
        if n.op is not None and n.op.name != "powc":
            assert n.op is ops.TABLE[n.op.name]
    orders = [s[5] for s in structure(c)]
    assert min(orders) > max(s[5] for s in structure(root))
    c.zero_grad()
    root.zero_grad()
    root.backward()
    c.backward()
    assert [s[:3] for s in structure(root)] == [s[:3] for s in structure(c)]


def test_deepcopy_shares_across_roots_and_keeps_grad_nodes() -> None:
    x = Value(3.0, "x")
    u = x * x
    y = u * x
    y.backward(create_graph=True)
    x2, u2, y2 = copy.deepcopy([x, u, y])
    assert y2.parents == (u2, x2) and u2.parents == (x2, x2)
    assert x2.grad == 27.0 and x2.grad_node is not None and x2.grad_node.data == 27.0
    assert x2 in reachable(x2.grad_node) and x not in reachable(x2.grad_node)
    assert gradients(x2.grad_node, [x2]) == [18.0]
    g = lesson_graph([1.0, 2.0], 0.0, [0.5, -0.25], 0.0)
    g2 = copy.deepcopy(g)
    assert g2.a.parents[0] is g2.z and g2.w[0] in reachable(g2.z)


def test_deepcopy_of_a_chain_of_1e5_ops_is_iterative() -> None:
    x = Value(0.5, "x")
    v = x
    for _ in range(100_000):
        v = v * 1.0001 + 0.0001
    c = copy.deepcopy(v)
    assert c.data == v.data and c.parents[1].op is ops.const
    c.backward()
    v.backward()
    (xc,) = [n for n in reachable(c) if n.label == "x"]
    assert xc.grad == x.grad and xc is not x


def test_copy_is_a_new_node_over_the_same_parents() -> None:
    x = Value(2.0, "x")
    y = (x * 3.0).named("y")
    y.backward()
    c = copy.copy(y)
    assert c is not y
    assert (c.data, c.grad, c.label, c.op) == (y.data, y.grad, y.label, y.op)
    assert c.parents == y.parents and c.parents[0] is x  # shared, not copied
    assert c.order > y.order
    x.zero_grad()
    c.backward()
    assert x.grad == 3.0  # backward through the copy reaches the original leaf
    leaf = copy.copy(x)
    assert leaf.is_leaf and leaf is not x and leaf.data == x.data


# ---------------------------------------------------------------- bool


def test_bool_is_value_based() -> None:
    assert not Value(0.0)
    assert not Value(-0.0)
    assert Value(2.0) and Value(-1e-300)
    x = Value(1.0)
    loss = x - 1.0
    taken = bool(loss)
    assert not taken
    assert bool(x * 2.0) is True


def test_ordering_and_equality_are_not_numeric() -> None:
    v = Value(0.5)
    with pytest.raises(TypeError):
        _ = v < 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = v > Value(0.0)  # type: ignore[operator]
    assert (v == 0.5) is False  # identity: nodes are dictionary keys
    assert v == v and hash(v) == hash(v)


# ------------------------------------------------------------ grad_node


def consistent(root: Value) -> None:
    for n in reachable(root):
        assert n.grad_node is None or n.grad_node.data == n.grad, n


@pytest.mark.parametrize(("first", "second"), list(product(["plain", "graph"], repeat=2)))
@pytest.mark.parametrize("reset", [False, True])
def test_grad_node_agrees_with_grad(first: str, second: str, reset: bool) -> None:
    x = Value(3.0, "x")
    u = (x * x).named("u")
    y = u * x  # x³; dy/du = x = 3, dy/dx = 27
    for i, kind in enumerate((first, second)):
        if i == 1 and reset:
            y.zero_grad()
        y.backward(create_graph=kind == "graph")
        consistent(y)
    assert x.grad == (27.0 if reset else 54.0)
    assert u.grad == 3.0  # an intermediate node holds the latest call
    if second == "plain":
        assert x.grad_node is None and u.grad_node is None and y.grad_node is None
    else:
        assert u.grad_node is not None and u.grad_node.data == 3.0
        if reset or first == "graph":
            assert x.grad_node is not None
            # The grad_node is the sum of the two gradient graphs: d/dx of 2·3x².
            assert gradients(x.grad_node, [x]) == [18.0 if reset else 36.0]
        else:
            assert x.grad_node is None  # grad holds a plain backward's number


def test_plain_backward_clears_grad_nodes_under_a_hook_too() -> None:
    x = Value(3.0, "x")
    y = x * x * x
    y.backward(create_graph=True)
    with detect_anomaly():
        y.backward()
    assert x.grad == 54.0 and x.grad_node is None
    consistent(y)


def test_plain_backward_clears_only_what_it_reaches() -> None:
    x = Value(3.0, "x")
    y = x * x * x
    z = x.exp()
    z.backward(create_graph=True)
    y.backward()
    assert x.grad_node is None
    assert z.grad_node is not None  # z is not in y's graph


def test_backward_from_a_leaf_clears_its_grad_node() -> None:
    x = Value(3.0, "x")
    (x * x).backward(create_graph=True)
    x.backward()
    assert x.grad == 7.0 and x.grad_node is None


# ------------------------------------------------------------ random graphs


@settings(max_examples=60)
@given(expressions())
def test_random_graphs_round_trip(expr: Expr) -> None:
    leaves = [Value(v, f"x{i}") for i, v in enumerate(expr.inputs)]
    root = expr.build(leaves)
    root.backward()
    for copy_ in (roundtrip(root), copy.deepcopy(root)):
        assert isinstance(copy_, Value)
        same_graph(root, copy_)
        for n in reachable(copy_):
            if n.op is not None and n.op.name != "powc":
                assert n.op is ops.TABLE[n.op.name]
        copy_.zero_grad()
        copy_.backward()
        root.zero_grad()
        root.backward()
        assert [s[1] for s in structure(copy_)] == [s[1] for s in structure(root)]
    # The leaves and the root in one pickle: the leaves are the root's leaves.
    got = roundtrip([root, *leaves])
    assert isinstance(got, list)
    inside = reachable(root)
    inside2 = reachable(got[0])
    for leaf, leaf2 in zip(leaves, got[1:], strict=True):
        assert (leaf in inside) == (leaf2 in inside2)
