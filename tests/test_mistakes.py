"""The classic backprop mistakes: hand-computed wrong answers, an independent engine, purity."""

from __future__ import annotations

import copy
import io
import itertools
from collections.abc import Callable, Iterator, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import Expr, expressions

import autograd_lite as al
from autograd_lite import Value
from autograd_lite.core.graph import reachable, topological
from autograd_lite.teach.mistakes import (
    MISTAKES,
    MistakeComparison,
    MistakeRow,
    compare_mistake,
    mistaken_backward,
)

ALL = sorted(MISTAKES)


def _classic() -> tuple[Value, Value, Value]:
    a = Value(3.0, "a")
    b = (a + a).named("b")
    c = (b + b).named("c")
    return c, b, a


def _rows(root: Value, mistake: str) -> list[tuple[str, float, float]]:
    return [(r.name, r.right, r.wrong) for r in compare_mistake(root, mistake).rows]


# ------------------------------------------------- the classic graphs, by hand
def test_b_is_a_plus_a_and_c_is_b_plus_b() -> None:
    # Right: c = 2b, b = 2a, so dc/db = 2 and dc/da = 2 · 2 = 4.
    c, b, a = _classic()
    assert [a.grad, b.grad, c.grad] == [0.0, 0.0, 0.0]
    assert compare_mistake(c, "overwrite").right == {c: 1.0, b: 2.0, a: 4.0}

    # overwrite: c sends 1 to b twice and the second `=` replaces the first, so b = 1
    # (not 1 + 1); b then sends 1 · 1 to a twice, again replaced: a = 1 (not 4).
    assert mistaken_backward(c, "overwrite") == {c: 1.0, b: 1.0, a: 1.0}

    # recursive: visit(c) adds 1 to b (b = 1) and visits b at once, which adds 1 and 1
    # to a (a = 2); back in c, the second edge adds 1 to b (b = 2) and visits b again,
    # which now adds 2 and 2 to a: a = 2 + 4 = 6. b itself gets both of its parts once.
    assert mistaken_backward(c, "recursive") == {c: 1.0, b: 2.0, a: 6.0}

    # stale: the leaf a keeps 4 from the first call and adds 4 more; b and c are not
    # leaves, so they hold the second call's 2 and 1.
    assert mistaken_backward(c, "stale") == {c: 1.0, b: 2.0, a: 8.0}

    # stale_everywhere (micrograd): after the first call c = 1, b = 2, a = 4. The second
    # sets c = 1; c adds 1 + 1 to b (b = 4); b adds 4 + 4 to a (a = 4 + 8 = 12).
    assert mistaken_backward(c, "stale_everywhere") == {c: 1.0, b: 4.0, a: 12.0}

    # No subtraction: the sign mistake changes nothing.
    assert mistaken_backward(c, "sign") == {c: 1.0, b: 2.0, a: 4.0}

    assert _rows(c, "overwrite") == [("b", 2.0, 1.0), ("a", 4.0, 1.0)]
    assert _rows(c, "recursive") == [("a", 4.0, 6.0)]
    assert _rows(c, "stale") == [("a", 4.0, 8.0)]
    assert _rows(c, "stale_everywhere") == [("b", 2.0, 4.0), ("a", 4.0, 12.0)]
    assert _rows(c, "sign") == []
    assert [a.grad, b.grad, c.grad] == [0.0, 0.0, 0.0]


def test_x_times_x_times_x_twice_without_zero_grad() -> None:
    x = Value(3.0, "x")
    t = x * x
    y = (t * x).named("y")
    y.backward()
    assert x.grad == 27.0  # 3x² at 3
    # stale: the second call adds another 27 to the leaf.
    assert mistaken_backward(y, "stale")[x] == 54.0
    y.backward()  # and that is what this library really does
    assert x.grad == 54.0
    # stale_everywhere (micrograd): after the first call t = 3 (dy/dt = x) and x = 27.
    # The second: y sends x = 3 to t (t = 6) and t = 9 to x (x = 36); t sends 3 · 6 to x
    # twice (x = 36 + 36 = 72).
    assert mistaken_backward(y, "stale_everywhere") == {y: 1.0, t: 6.0, x: 72.0}
    # overwrite: y sets x = t = 9; t (gradient 3) sets x = 3 · 3 = 9, twice: 9, not 27.
    assert mistaken_backward(y, "overwrite")[x] == 9.0
    # recursive: t has one use, so it propagates once, complete: the right 27.
    assert mistaken_backward(y, "recursive")[x] == 27.0
    assert x.grad == 54.0  # none of the above touched it


def test_the_sign_of_subtraction() -> None:
    a, b = Value(5.0, "a"), Value(2.0, "b")
    d = (a - b).named("d")
    assert mistaken_backward(d, "sign") == {d: 1.0, a: 1.0, b: 1.0}  # d(a − b)/db is −1
    assert _rows(d, "sign") == [("b", -1.0, 1.0)]
    same = (a - a).named("z")  # right 1 − 1 = 0; without the minus 1 + 1 = 2
    assert _rows(same, "sign") == [("a", 0.0, 2.0)]


def test_two_wrong_signs_cancel() -> None:
    # f = x − (y − z): df/dz = (−1)(−1) = +1, and without the minus (+1)(+1) = +1 too.
    x, y, z = Value(1.0, "x"), Value(2.0, "y"), Value(3.0, "z")
    u = (y - z).named("u")
    f = (x - u).named("f")
    assert _rows(f, "sign") == [("u", -1.0, 1.0), ("y", -1.0, 1.0)]
    why = {r.name: r.why for r in compare_mistake(f, "sign").rows}
    assert why["u"] == "u is subtracted in f: df/du is −1, but without the minus it is +1."
    assert why["y"] == "y gets its gradient from u, whose gradient is already wrong."
    g = (x - (y * z).named("y·z")).named("g")  # a compound name gets brackets of its own
    (row, *_) = compare_mistake(g, "sign").rows
    assert row.why == "y·z is subtracted in g: dg/d(y·z) is −1, but without the minus it is +1."


def test_every_why_names_the_cause() -> None:
    c, _, _ = _classic()
    why = {m: [r.why for r in compare_mistake(c, m).rows] for m in ALL}
    assert why["overwrite"][0] == (
        "b receives 2 contributions and each replaces the one before, "
        "so only the last (1) is kept instead of their sum."
    )
    assert why["recursive"] == [
        "b passes its gradient on each time a part of it arrives (2 times) instead of once "
        "when complete, so a receives the earlier, partial amounts again."
    ]
    assert why["stale"] == [
        "a is a leaf, so the second call adds its gradient (4) to the 4 left by the first: "
        "zero_grad() was not called in between."
    ]
    assert why["stale_everywhere"][0] == (
        "b keeps 2 from the first call, and the second call adds another 2."
    )
    assert why["stale_everywhere"][1].startswith(
        "a keeps 4 from the first call, and the second call adds 8:"
    )
    # One use of a node whose gradient is wrong: the reason is upstream.
    a = Value(3.0, "a")
    b = (a + a).named("b")
    e = b.exp().named("e")
    f = (e + e).named("f")
    rows = compare_mistake(f, "overwrite").rows
    assert [r.name for r in rows] == ["e", "b", "a"]
    assert rows[1].why == "b gets its gradient from e, whose gradient is already wrong."


# ------------------------------------------------------------ renderings
def test_renderings() -> None:
    c, _, _ = _classic()
    cmp = compare_mistake(c, "overwrite")
    assert isinstance(cmp, MistakeComparison) and all(isinstance(r, MistakeRow) for r in cmp.rows)
    text = str(cmp)
    assert text == cmp.to_text()
    lines = text.splitlines()
    assert lines[0] == "Mistake 'overwrite' on c = 12: 2 of 3 gradients differ"
    assert lines[1] == MISTAKES["overwrite"]
    assert lines[3].split() == ["node", "right", "dc/d(node)", "wrong", "why"]
    assert lines[5].split()[:3] == ["b", "2", "1"] and lines[6].split()[:3] == ["a", "4", "1"]
    md = cmp.to_markdown()
    assert "| a | 4 | 1 | a receives 2 contributions" in md and md == cmp._repr_markdown_()
    tex = cmp.to_latex()
    assert tex.startswith("$$\n\\begin{aligned}\n") and tex.endswith("\\end{aligned}\n$$\n")
    assert r"\frac{\partial c}{\partial a}:\; 4\text{ right},\; 1\text{ wrong}." in tex
    assert repr(cmp) == "<MistakeComparison 'overwrite' on 'c': 2 of 3 gradients differ>"
    nothing = compare_mistake(c, "sign")
    assert "0 of 3 gradients differ" in str(nothing) and "No gradient differs" in str(nothing)
    assert "No gradient differs" in nothing.to_markdown() and "No gradient differs" in (
        nothing.to_latex()
    )


def test_labels_are_escaped_in_every_format() -> None:
    a = Value(3.0, "a|*_$\\{x}\n")
    b = (a + a).named("b&#%")
    c = (b - b).named("c")
    cmp = compare_mistake(c, "sign")
    md = cmp.to_markdown()
    assert r"a\|\*\_\$\\{x}\\n" in md and r"b\&\#%" in md
    assert all(line.count("|") - line.count(r"\|") == 5 for line in md.splitlines()[4:8])
    tex = cmp.to_latex()
    assert r"\mathrm{a|*\_\$\backslash \{x\}\backslash n}" in tex
    assert len(tex.splitlines()) == 8  # $$, begin, title, definition, 2 rows, end, $$
    assert r"\mathrm{b\&\#\%}\text{ is subtracted in }c" in tex
    assert r"\text{b&#%" not in tex  # words and names are escaped separately
    assert "a|*_$\\{x}\\n" in cmp.to_text()  # printable: the newline is shown as \n


def test_text_for_an_ascii_terminal() -> None:
    x = Value(0.5, "σ")
    y = (x - x.sigmoid()).named("y")
    cmp = compare_mistake(y, "sign")
    ascii_text = cmp.to_text(encoding="ascii")
    ascii_text.encode("ascii")
    assert "\\u03c3" in ascii_text and "sigmoid" not in ascii_text.split("\n", 3)[3]
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert cmp.print_text(out) is True


def test_numbers_that_print_alike_get_more_digits() -> None:
    # x reaches z along x · 1.0000001 and x · 1e-8. overwrite keeps the contribution sent
    # last, from the older product: 1.0000001, where the sum is 1.00000011. At 4 digits
    # both read 1: the row shows as many digits as tell them apart.
    x = Value(1.0, "x")
    z = (x * 1.0000001 + x * 1e-8).named("z")
    (row,) = compare_mistake(z, "overwrite").rows
    assert row.right == 1.0000001 + 1e-8 and row.wrong == 1.0000001
    line = str(compare_mistake(z, "overwrite")).splitlines()[-1].split()
    assert line[:3] == ["x", "1.00000011", "1.0000001"]


# ------------------------------------------------------------ bad input
def test_unknown_mistakes_and_non_values_are_refused_with_the_list() -> None:
    c, _, _ = _classic()
    listed = "'overwrite', 'recursive', 'stale', 'stale_everywhere', 'sign'"
    for call in (mistaken_backward, compare_mistake):
        with pytest.raises(ValueError, match="unknown mistake 'overwrote'") as info:
            call(c, "overwrote")
        assert listed in str(info.value)
        with pytest.raises(TypeError, match=r"root must be a Value, got float 3\.0") as info:
            call(3.0, "sign")  # type: ignore[arg-type]
        assert listed in str(info.value)
        with pytest.raises(TypeError, match="mistake must be the name of a mistake") as info:
            call(c, 1)  # type: ignore[arg-type]
        assert listed in str(info.value)
    with pytest.raises(TypeError, match="precision must be an int"):
        compare_mistake(c, "sign", precision=2.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="precision must be at least 1, got 0"):
        compare_mistake(c, "sign", precision=0)


def test_the_naive_recursion_refuses_an_exponential_walk() -> None:
    # x0 = 1, x_k = x_{k−1} + x_{k−1}: node x_k lies on 2^(25−k) paths from x_25, so the
    # recursion makes 2^0 + 2^1 + ... + 2^25 = 2^26 − 1 visits.
    x = Value(1.0, "x0")
    for _ in range(25):
        x = x + x
    with pytest.raises(ValueError, match=r"would make 67,108,863 visits"):
        mistaken_backward(x, "recursive")
    assert mistaken_backward(x, "overwrite")[reachable_leaf(x)] == 1.0  # the others are cheap


def reachable_leaf(root: Value) -> Value:
    return next(n for n in reachable(root) if n.op is None)


def test_a_deep_chain_does_not_reach_the_recursion_limit() -> None:
    x = Value(2.0, "x")
    y = x
    for _ in range(5000):
        y = -y
    assert mistaken_backward(y, "recursive")[x] == 1.0  # (−1)^5000


def test_a_wrong_gradient_that_overflows_names_its_node() -> None:
    x = Value(1.0, "x")
    z = (x * 1e308).named("z")  # dz/dx = 1e308: doubled, it overflows
    with pytest.raises(OverflowError, match=r"stale.*gradient of 'x' overflows"):
        mistaken_backward(z, "stale")
    with pytest.raises(OverflowError, match="'x' overflows"):
        compare_mistake(z, "stale_everywhere")


# ------------------------------------------------------- random graphs
def _leaves(expr: Expr) -> list[Value]:
    return [Value(v, f"x{i}") for i, v in enumerate(expr.inputs)]


@settings(max_examples=60)
@given(expressions(max_inputs=3, max_ops=8), st.sampled_from(ALL))
def test_right_side_is_the_engines_and_nothing_is_touched(expr: Expr, mistake: str) -> None:
    root = expr.build(_leaves(expr))
    nodes = topological(root)
    for i, n in enumerate(nodes):  # gradients left over from earlier work
        n.grad = 0.25 * i - 1.0
    before = [(n.grad, n.grad_node, n.data) for n in nodes]
    cmp = compare_mistake(root, mistake)
    wrong = mistaken_backward(root, mistake)
    assert [(n.grad, n.grad_node, n.data) for n in nodes] == before
    assert list(cmp.right) and set(cmp.right) == set(nodes) == set(wrong)
    assert [cmp.right[n] for n in nodes] == al.gradients(root, nodes)
    assert cmp.wrong == wrong
    for row in cmp.rows:
        assert row.right == cmp.right[row.node] and row.wrong == wrong[row.node]
        assert row.why and row.name == cmp.names[row.node]
        assert not row.node.is_constant
    str(cmp), cmp.to_markdown(), cmp.to_latex()


@settings(max_examples=60)
@given(expressions(max_inputs=3, max_ops=8))
def test_stale_is_what_a_second_backward_gives(expr: Expr) -> None:
    root = expr.build(_leaves(expr))
    twin = copy.deepcopy(root)
    twin.zero_grad()
    twin.backward()
    twin.backward()
    wrong = mistaken_backward(root, "stale")
    for n, m in zip(topological(root), topological(twin), strict=True):
        assert wrong[n] == m.grad
    rows = {r.node for r in compare_mistake(root, "stale").rows}
    assert rows == {n for n in topological(root) if n.op is None and wrong[n] != 0.0}


def _uses(root: Value) -> dict[Value, int]:
    count = dict.fromkeys(reachable(root), 0)
    for n in count:
        for p in n.parents:
            count[p] += 1
    return count


@settings(max_examples=60)
@given(expressions(max_inputs=3, max_ops=8))
def test_mistakes_that_the_graph_cannot_show_list_nothing(expr: Expr) -> None:
    root = expr.build(_leaves(expr))
    uses = _uses(root)
    if not any(n.op is not None and n.op.name == "sub" for n in uses):
        assert compare_mistake(root, "sign").rows == []
    # Only an inner node with several uses passes on partial gradients.
    if all(k <= 1 for n, k in uses.items() if n.parents):
        assert compare_mistake(root, "recursive").rows == []
    if all(k <= 1 for k in uses.values()):  # a tree: one contribution per node
        assert compare_mistake(root, "overwrite").rows == []
        assert mistaken_backward(root, "overwrite") == compare_mistake(root, "sign").right


# An independent engine: micrograd-style nodes that record their own local derivatives
# (written here, not read from the op table), for graphs of + − × and negation.
class Mini:
    made: Iterator[int] = itertools.count()

    def __init__(
        self,
        data: float,
        parents: tuple[Mini, ...] = (),
        local: Sequence[float] = (),
        kind: str = "leaf",
    ) -> None:
        self.data, self.parents, self.local, self.kind = data, parents, tuple(local), kind
        self.order = next(Mini.made)
        self.grad = 0.0

    @staticmethod
    def lift(x: Mini | float) -> Mini:
        return x if isinstance(x, Mini) else Mini(float(x), kind="const")

    @staticmethod
    def add(*xs: Mini | float) -> Mini:
        ns = tuple(Mini.lift(x) for x in xs)
        total = ns[0].data
        for n in ns[1:]:
            total += n.data  # left to right, as a chain of + adds
        return Mini(total, ns, [1.0] * len(ns), "add")

    def __sub__(self, other: Mini | float) -> Mini:
        o = Mini.lift(other)
        return Mini(self.data - o.data, (self, o), (1.0, -1.0), "sub")

    def __rsub__(self, other: float) -> Mini:
        return Mini.lift(other) - self

    def __mul__(self, other: Mini | float) -> Mini:
        o = Mini.lift(other)
        return Mini(self.data * o.data, (self, o), (o.data, self.data), "mul")

    def __rmul__(self, other: float) -> Mini:
        return Mini.lift(other) * self

    def __neg__(self) -> Mini:
        return Mini(-self.data, (self,), (-1.0,), "neg")


def _mini_nodes(root: Mini) -> list[Mini]:
    seen, stack = {root}, [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return sorted(seen, key=lambda n: n.order)


def _mini_topo_pass(root: Mini, assign: bool = False, sign_bug: bool = False) -> None:
    root.grad = 1.0
    for n in reversed(_mini_nodes(root)):
        for p, d in zip(n.parents, n.local, strict=True):
            if sign_bug and n.kind == "sub":
                d = 1.0
            p.grad = n.grad * d if assign else p.grad + n.grad * d


def _mini_recursive(node: Mini) -> None:
    for p, d in zip(node.parents, node.local, strict=True):
        p.grad += node.grad * d
        _mini_recursive(p)


def _mini_recursive_pass(root: Mini) -> None:
    root.grad = 1.0
    _mini_recursive(root)


def _mini_twice(root: Mini) -> None:
    _mini_topo_pass(root)  # micrograd: every node keeps its gradient, the root is reset
    _mini_topo_pass(root)


MINI: dict[str, Callable[[Mini], None]] = {
    "overwrite": lambda r: _mini_topo_pass(r, assign=True),
    "sign": lambda r: _mini_topo_pass(r, sign_bug=True),
    "recursive": _mini_recursive_pass,
    "stale_everywhere": _mini_twice,
}


@settings(max_examples=100)
@given(
    expressions(max_inputs=3, max_ops=7, ops=("add", "sub", "mul", "neg")),
    st.sampled_from(sorted(MINI)),
)
def test_each_mistake_matches_an_engine_that_makes_it(expr: Expr, mistake: str) -> None:
    root = expr.build(_leaves(expr))
    mini = expr.build([Mini(v) for v in expr.inputs], {"add": Mini.add})
    ours, theirs = topological(root), _mini_nodes(mini)
    assert [n.data for n in ours] == [m.data for m in theirs]  # the same graph, node by node
    MINI[mistake](mini)
    wrong = mistaken_backward(root, mistake)
    for n, m in zip(ours, theirs, strict=True):
        assert wrong[n] == pytest.approx(m.grad, rel=1e-12, abs=1e-12), (mistake, n)
