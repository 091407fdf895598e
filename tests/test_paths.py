"""The gradient as a sum over paths: counts, products and sums against independent oracles.

The oracles: central differences on plain floats and the engine's ``gradients`` for the
sums; a naive recursive count and walk of the graph for the paths; hand computations for
the classic graphs and the lesson's logistic regression.
"""

from __future__ import annotations

import io
import math
import re
import sys
import time

import pytest
from hypothesis import given, settings
from strategies import Expr, expressions

import autograd_lite as al
from autograd_lite.core.graph import topological
from autograd_lite.core.value import Value
from autograd_lite.functional import gradients
from autograd_lite.teach.paths import GradientPath, PathExplanation, PathGroup, explain_paths


# ------------------------------------------------------------ oracles
def naive_paths(root: Value, node: Value) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Every path as (ids of its nodes, input positions), by plain recursion (small graphs)."""
    if root is node:
        return [((id(root),), ())]
    out = []
    for i, p in enumerate(root.parents):
        for ids, inputs in naive_paths(p, node):
            out.append(((id(root), *ids), (i, *inputs)))
    return out


def central_difference(expr: Expr, i: int) -> float:
    xs = list(expr.inputs)
    h = 1e-6 * max(1.0, abs(xs[i]))
    up, down = xs.copy(), xs.copy()
    up[i] += h
    down[i] -= h
    return float(expr.build(up) - expr.build(down)) / (up[i] - down[i])


def close(got: float, want: float, rel: float, scale: float = 1.0) -> bool:
    return abs(got - want) <= rel * max(scale, abs(want))


def doublings(k: int) -> tuple[Value, Value]:
    """a, then b = a + a, c = b + b, ... k times: 2^k paths from the last node to a."""
    a = Value(1.0, "a")
    n = a
    for _ in range(k):
        n = n + n
    return n, a


# ------------------------------------------------------------ random graphs
@settings(max_examples=80)
@given(expressions())
def test_products_add_up_to_central_differences_and_the_engine(expr: Expr) -> None:
    leaves = [Value(v, f"x{i}") for i, v in enumerate(expr.inputs)]
    root = expr.build(leaves)
    for i, x in enumerate(leaves):
        count = len(naive_paths(root, x)) if len(topological(root)) < 40 else None
        e = explain_paths(root, x, limit=10_000)
        if count is not None:
            assert e.count == count
        assert e.listed == (e.count <= 10_000)
        if not e.listed:
            continue
        size = math.fsum(abs(p.product) for p in e.paths)
        fd = central_difference(expr, i)
        assert close(e.total, fd, 1e-5, scale=max(1.0, abs(root.data))), (i, e.total, fd)
        want = gradients(root, [x])[0]
        assert e.gradient == want
        assert abs(e.total - want) <= 1e-9 * max(1.0, size), (e.total, want)
        assert e.agree


@settings(max_examples=60)
@given(expressions(max_ops=8))
def test_every_node_paths_are_the_graphs_paths_and_sum_to_its_gradient(expr: Expr) -> None:
    leaves = [Value(v, f"x{i}") for i, v in enumerate(expr.inputs)]
    root = expr.build(leaves)
    for node in topological(root):
        want = naive_paths(root, node)
        e = explain_paths(root, node, limit=len(want) + 1)
        assert e.count == len(want) and e.listed
        got = [(tuple(id(n) for n in p.nodes), p.inputs) for p in e.paths]
        assert got == want  # depth first from the root, inputs in argument order
        for p in e.paths:
            assert p.nodes[0] is root and p.nodes[-1] is node
            assert len(p.factors) == len(p.inputs) == len(p.nodes) - 1
            for upper, i, lower in zip(p.nodes[:-1], p.inputs, p.nodes[1:], strict=True):
                assert upper.parents[i] is lower
            assert p.product == math.prod(p.factors)
        grad = gradients(root, [node])[0]
        size = math.fsum(abs(p.product) for p in e.paths)
        assert abs(e.total - grad) <= 1e-9 * max(1.0, size)
        # Grouped by the uses of the node, the same sum: each use is its paths' sum.
        for g in e.groups:
            through = [p for p in e.paths if p.nodes[-2] is g.consumer and p.inputs[-1] == g.index]
            assert g.count == len(through)
            part = math.fsum(p.product for p in through)
            assert abs(g.contribution - part) <= 1e-9 * max(
                1.0, sum(abs(p.product) for p in through)
            )
        assert sum(g.count for g in e.groups) == (e.count if node is not root else 0)
        grouped = explain_paths(root, node, limit=1)
        if e.count > 1:
            assert not grouped.listed and grouped.paths == []
            assert abs(grouped.total - grad) <= 1e-9 * max(1.0, size)


# ------------------------------------------------------------ classic graphs
def test_two_doublings_have_four_paths_of_product_one() -> None:
    a = Value(5.0, "a")
    b = (a + a).named("b")
    c = (b + b).named("c")
    e = explain_paths(c, a)
    assert isinstance(e, PathExplanation)
    assert e.count == 4 and len(e.paths) == 4 and e.listed
    assert all(isinstance(p, GradientPath) for p in e.paths)
    assert [p.nodes for p in e.paths] == [(c, b, a)] * 4
    assert [p.inputs for p in e.paths] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [p.factors for p in e.paths] == [(1.0, 1.0)] * 4
    assert [p.product for p in e.paths] == [1.0] * 4
    assert e.total == 4.0 and e.gradient == 4.0 and e.agree
    # Grouped by the uses of a: b uses it twice, and each use carries 2 paths of c.
    assert [(g.consumer, g.index, g.count) for g in e.groups] == [(b, 0, 2), (b, 1, 2)]
    assert [(g.upstream, g.local, g.contribution) for g in e.groups] == [(2.0, 1.0, 2.0)] * 2


def test_a_times_a_is_two_paths() -> None:
    a = Value(3.0, "a")
    y = (a * a).named("y")
    e = explain_paths(y, a)
    # d(a·a)/d(first a) is the second a = 3, and the other way round: 3 + 3 = 2a.
    assert e.count == 2
    assert [(p.nodes, p.inputs, p.factors, p.product) for p in e.paths] == [
        ((y, a), (0,), (3.0,), 3.0),
        ((y, a), (1,), (3.0,), 3.0),
    ]
    assert e.total == 6.0 == e.gradient
    text = e.to_text()
    assert "y →(input 1) a" in text and "y →(input 2) a" in text
    assert "Sum of the products: 3 + 3 = 6" in text


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_the_lesson_graph_for_w1() -> None:
    x, y, w, b = [1.5, -0.5], 1.0, [0.4, -0.8], 0.1
    g = al.lesson_graph(x=x, y=y, w=w, b=b)
    a = _sigmoid(w[0] * x[0] + w[1] * x[1] + b)
    e = explain_paths(g.loss, g.w[0])
    # L reaches a twice (through log a and through log(1−a)); below a the road is one.
    assert e.count == 2
    labels = [[n.label for n in p.nodes] for p in e.paths]
    below = ["a", "z", "w1·x1", "w1"]
    assert labels == [
        ["L", "−y·log a", "y·log a", "log a", *below],
        ["L", "(1−y)·log(1−a)", "log(1−a)", "1−a", *below],
    ]
    through_log_a, through_1_minus_a = e.paths
    # By hand: 1 · (−1) · y · (1/a) · a(1−a) · 1 · x1 = −y(1−a)·x1, which is x1·(a−y) at y = 1.
    assert math.isclose(through_log_a.product, x[0] * (a - y), rel_tol=1e-12)
    # The other path passes d((1−y)·log(1−a))/d(log(1−a)) = 1 − y = 0.
    assert through_1_minus_a.factors[1] == 0.0 and through_1_minus_a.product == 0.0
    assert math.isclose(e.total, x[0] * (a - y), rel_tol=1e-12)
    assert math.isclose(e.gradient, x[0] * (a - y), rel_tol=1e-12)


def test_the_lesson_graph_with_a_soft_label_has_two_nonzero_paths() -> None:
    x, y, w, b = [1.5, -0.5], 0.25, [0.4, -0.8], 0.1
    g = al.lesson_graph(x=x, y=y, w=w, b=b)
    a = _sigmoid(w[0] * x[0] + w[1] * x[1] + b)
    e = explain_paths(g.loss, g.w[0])
    # By hand: −y(1−a)·x1 through log a, (1−y)·a·x1 through log(1−a); they add to x1(a−y).
    want = [-y * (1 - a) * x[0], (1 - y) * a * x[0]]
    for p, hand in zip(e.paths, want, strict=True):
        assert math.isclose(p.product, hand, rel_tol=1e-12)
    assert math.isclose(e.total, x[0] * (a - y), rel_tol=1e-12)


def test_constants_and_data_nodes_are_nodes_like_any_other() -> None:
    a = Value(2.0, "a")
    one_minus_a = (1 - a).named("1−a")
    f = (one_minus_a * a).named("f")
    one = one_minus_a.parents[0]
    assert one.is_constant
    e = explain_paths(f, one)
    # f = (c − a)·a: df/dc = a = 2, along one path f → 1−a → c.
    assert e.count == 1 and e.paths[0].nodes == (f, one_minus_a, one)
    assert e.paths[0].factors == (2.0, 1.0) and e.total == 2.0 == e.gradient
    g = al.lesson_graph(x=[1.5, -0.5], y=1.0, w=[0.4, -0.8], b=0.1)
    data = explain_paths(g.loss, g.x[0])
    a_ = _sigmoid(0.4 * 1.5 + 0.8 * 0.5 + 0.1)
    assert math.isclose(data.total, 0.4 * (a_ - 1.0), rel_tol=1e-12)  # dL/dx1 = w1·(a − y)


def test_the_root_itself_is_one_path_with_no_edge() -> None:
    x = Value(3.0, "x")
    y = (x * 2).named("y")
    e = explain_paths(y, y)
    assert e.count == 1 and e.paths[0].nodes == (y,) and e.paths[0].factors == ()
    assert e.total == 1.0 == e.gradient and e.groups == []
    assert "(no edge)" in e.to_text()


def test_a_node_the_root_does_not_use_has_no_path() -> None:
    x, q = Value(3.0, "x"), Value(2.0, "q")
    y = (x * 2).named("y")
    (q * x).named("elsewhere")  # q is used, but not by y
    for node in (q, y * 3):  # a stranger, and a node computed from y
        e = explain_paths(y, node)
        assert e.count == 0 and e.paths == [] and e.groups == []
        assert e.total == 0.0 and e.gradient == 0.0 and e.agree
    e = explain_paths(y, q)
    assert "0 paths" in e.to_text()
    assert "No path leads from y down to q" in e.to_text()
    assert "dy/dq = 0" in e.to_text()
    assert "No path leads" in e.to_markdown()
    assert r"\frac{\partial y}{\partial q} = 0" in e.to_latex()


# ------------------------------------------------------------ many paths
def test_up_to_the_limit_the_paths_are_listed_past_it_grouped() -> None:
    root, a = doublings(5)
    listed = explain_paths(root, a, limit=32)
    assert listed.listed and listed.count == 32 and len(listed.paths) == 32
    grouped = explain_paths(root, a, limit=31)
    assert not grouped.listed and grouped.count == 32 and grouped.paths == []
    assert listed.total == grouped.total == 32.0 == grouped.gradient
    assert "more than the limit of 31" in grouped.to_text()


def test_a_billion_paths_are_counted_exactly_and_never_listed() -> None:
    root, a = doublings(30)
    start = time.perf_counter()
    e = explain_paths(root, a)
    text, md, tex = e.to_text(), e.to_markdown(), e.to_latex()
    assert time.perf_counter() - start < 5.0
    assert e.count == 1_073_741_824 == 2**30
    assert not e.listed and e.paths == [] and e.limit == 32
    first = root  # b = a + a, the one node that uses a
    while first.parents[0] is not a:
        first = first.parents[0]
    assert [(g.consumer, g.index, g.count) for g in e.groups] == [
        (first, 0, 2**29),
        (first, 1, 2**29),
    ]
    assert e.total == 2.0**30 == e.gradient
    assert "1073741824 paths, more than the limit of 32" in text
    assert "too many paths to list" in text and "grouped by the 2 uses of a" in text
    assert "Sum of the contributions: 536870912 + 536870912 = 1073741824" in text
    assert "1073741824 paths" in md and r"\sum_{\text{uses}}" in tex


def test_counts_past_fifteen_digits_are_shown_by_their_size() -> None:
    root, a = doublings(200)
    e = explain_paths(root, a)
    assert e.count == 2**200
    digits = str(2**200)  # 1606938044258990275541962092341162602522202993782792835301376
    shown = f"about {digits[0]}.{round(int(digits[1:5]) / 10)} × 10^{len(digits) - 1}"
    assert shown in e.to_text()
    assert rf"\approx {digits[0]}.{round(int(digits[1:5]) / 10)} \times 10^{{60}}" in e.to_latex()


def test_a_deep_chain_is_walked_without_recursion() -> None:
    x = Value(1.0, "x")
    n = x
    depth = sys.getrecursionlimit() + 500
    for _ in range(depth):
        n = n * 0.999
    e = explain_paths(n, x)
    assert e.count == 1 and len(e.paths[0].nodes) == depth + 1
    assert math.isclose(e.total, 0.999**depth, rel_tol=1e-12)


def test_explaining_changes_no_grad() -> None:
    a = Value(3.0, "a")
    y = (a * a + a).named("y")
    explain_paths(y, a)
    assert a.grad == 0.0 and y.grad == 0.0


# ------------------------------------------------------------ renderings
def test_renderings_and_jupyter() -> None:
    a = Value(3.0, "a")
    y = (a * a).named("y")
    e = explain_paths(y, a)
    assert str(e) == e.to_text()
    assert e._repr_markdown_() == e.to_markdown()
    assert e._repr_latex_() == e.to_latex()
    assert repr(e).startswith("<PathExplanation from 'y' to 'a': 2 paths")
    ascii_text = e.to_text(encoding="ascii")
    ascii_text.encode("ascii")
    assert "y ->(input 1) a" in ascii_text
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert e.print_text(out) is True


def _cells(line: str) -> list[str]:
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def _tex_tokens(tex: str) -> list[str]:
    return re.findall(r"\\[A-Za-z]+|\\.|.", tex, re.DOTALL)


HOSTILE = [
    "a|b", "|", "<b>x</b>", "&amp;", "`code`", "**b**", "a\nb", "\r\n", "\x00", "\ud800",
    "\u2028", "$$", "$", "\\end{aligned}$$", "{", "}", "&", "#1", "%", "~", "^_", "\\", "",
    "[x](http://e)", "(a)", "→",
]  # fmt: skip


def _hostile(label: str) -> tuple[Value, Value]:
    x, w = Value(2.0, label), Value(-0.5, label)
    p = (w * x).named(label)
    z = (p + w).named(label)  # w reaches z twice: directly and through p
    return z.sigmoid().log().named(label), w


@pytest.mark.parametrize("limit", [32, 1])
@pytest.mark.parametrize("label", HOSTILE, ids=lambda s: repr(s)[:20])
def test_hostile_labels_never_become_markup(label: str, limit: int) -> None:
    root, w = _hostile(label)
    blank, w0 = _hostile("")
    e, b = explain_paths(root, w, limit=limit), explain_paths(blank, w0, limit=limit)
    assert e.count == b.count == 2 and e.listed == (limit == 32)
    md, md0 = e.to_markdown(), b.to_markdown()
    rows = [_cells(ln) for ln in md.splitlines() if ln.startswith("|")]
    assert len(rows) == len([ln for ln in md0.splitlines() if ln.startswith("|")])
    assert {len(r) for r in rows} == {4 if e.listed else 7}
    assert len(md.splitlines()) == len(md0.splitlines())
    title, *rest = md.splitlines()
    assert title.startswith("**") and title.endswith("**")
    for line in [title[2:-2], *rest]:
        assert not re.search(r"(?<!\\)[<>`&\[\]*_$~#]", line), line
    text = e.to_text()
    assert len(text.splitlines()) == len(b.to_text().splitlines())
    assert "\x00" not in text and "\u2028" not in text
    text.encode("utf-8")
    tex = e.to_latex()
    assert "\x00" not in tex
    tex.encode("utf-8")
    lines = tex.split("\n")
    assert [i for i, ln in enumerate(lines) if "$$" in ln] == [0, len(lines) - 2]
    body = "\n".join(lines[1:-2])
    depth = 0
    for tok in _tex_tokens(body):
        assert tok not in ("$", "#", "%", "~"), f"unescaped {tok!r}"
        depth += (tok == "{") - (tok == "}")
        assert depth >= 0
    assert depth == 0
    for m in re.finditer(r"(?<!\\)[_^](.)", body):  # sub- and superscripts are braced
        assert m.group(1) == "{", body[m.start() - 10 : m.end() + 5]
    rows_tex = body.split(" \\\\\n")
    assert len(rows_tex) == len(b.to_latex().split(" \\\\\n"))
    for row in rows_tex:
        assert _tex_tokens(row).count("&") == 1, row


# ------------------------------------------------------------ bad arguments
def test_bad_arguments_raise_clear_errors() -> None:
    a = Value(1.0, "a")
    y = a * 2
    with pytest.raises(TypeError, match=r"explain_paths: root must be a Value, got float"):
        explain_paths(1.0, a)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"explain_paths: node must be a Value, got str"):
        explain_paths(y, "a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"precision must be an int, got 2.5"):
        explain_paths(y, a, precision=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"precision must be an int, got True"):
        explain_paths(y, a, precision=True)
    with pytest.raises(ValueError, match=r"precision must be at least 1, got 0"):
        explain_paths(y, a, precision=0)
    with pytest.raises(TypeError, match=r"limit must be an int, got '3'"):
        explain_paths(y, a, limit="3")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"limit must be at least 1, got 0"):
        explain_paths(y, a, limit=0)


def test_the_package_exports_it() -> None:
    assert al.explain_paths is explain_paths and al.PathExplanation is PathExplanation
    assert {"explain_paths", "PathExplanation"} <= set(al.__all__)
    assert PathGroup.__module__ == "autograd_lite.teach.paths"
