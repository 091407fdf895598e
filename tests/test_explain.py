"""Step-by-step explanations: structure, numbers against independent oracles, renderings."""

from __future__ import annotations

import math
import re

import pytest
import sympy
from hypothesis import example, given, settings
from strategies import Expr, Instr, expressions

from autograd_lite.core.graph import reachable
from autograd_lite.core.value import Value, fmt_number, vsum
from autograd_lite.forward import forward_steps
from autograd_lite.functional import gradients
from autograd_lite.steps import backward_steps
from autograd_lite.teach.explain import (
    Explanation,
    ForwardExplanation,
    ForwardNodeStep,
    NodeStep,
    explain,
    explain_forward,
)
from autograd_lite.teach.lesson import explain_lesson, lesson_graph
from autograd_lite.teach.names import latex_name


def _small() -> tuple[Value, Value, Value]:
    x, y = Value(2.0, "x"), Value(3.0, "y")
    return (x * y + x).named("f"), x, y


# ------------------------------------------------------------ structure
def test_one_node_step_per_processed_node_with_its_edges() -> None:
    f, x, y = _small()
    e = explain(f)
    assert isinstance(e, Explanation)
    assert [s.index for s in e.steps] == [0, 1]
    assert all(isinstance(s, NodeStep) for s in e.steps)
    add, mul = e.steps
    assert add.node is f and add.upstream == 1.0
    assert [edge.parent for edge in add.edges] == [f.parents[0], x]
    assert mul.node is f.parents[0]
    assert [edge.parent for edge in mul.edges] == [x, y]
    # same grouping as the engine's records
    assert [s.step for s in backward_steps(f)] == [
        edge.step for step in e.steps for edge in step.edges
    ]


def test_numbers_match_the_hand_derivation() -> None:
    # f = x*y + x at (2, 3): df/dx = y + 1 = 4, df/dy = x = 2; x gets 1 then 3.
    f, x, y = _small()
    e = explain(f)
    assert e.gradients[x] == 4.0 and e.gradients[y] == 2.0
    mul = e.steps[1]
    assert mul.upstream == 1.0
    assert [edge.local for edge in mul.edges] == [3.0, 2.0]
    text = e.step_text(1)
    assert "dt1/dx = y = 3" in text
    assert "df/dx so far: 1 + 3 = 4 (use 2 of 2)" in text
    assert "Gradients: df/dx = 4, df/dy = 2" in e.to_text()


def test_steps_are_counted_from_1_in_every_rendering() -> None:
    # One numbering everywhere: the tables, step_text and the stepper say "step 1" for
    # steps[0] (Step.step == 0, the root's op).
    f, _x, _y = _small()
    e = explain(f)
    numbered = [ln.split()[0] for ln in e.to_text().splitlines() if ln[:1].isdigit()]
    assert numbered == ["1", "2"]
    md = [ln.split("|")[1].strip() for ln in e.to_markdown().splitlines() if ln.startswith("| ")]
    assert [c for c in md[1:] if c] == ["1", "2"]
    assert r"\text{step 1: }" in e.to_latex() and r"\text{step 2: }" in e.to_latex()
    assert r"\text{step 0: }" not in e.to_latex()
    assert e.step_text(0).startswith("Step 1 of 2: ")
    assert e.step_text(1).startswith("Step 2 of 2: ")
    with pytest.raises(IndexError, match="indices 0 to 1 show Step 1 to Step 2"):
        e.step_text(2)


def test_explaining_changes_no_grad() -> None:
    f, _x, _y = _small()
    explain(f).to_text()
    assert all(n.grad == 0.0 for n in reachable(f))


def test_leaf_root_and_validation() -> None:
    e = explain(Value(1.5, "w"))
    assert e.steps == []
    assert "0 steps" in e.to_text()
    for text in (e.to_text(), e.to_markdown(), e.to_latex()):
        assert "nothing flows backward" in text  # never an empty table or LaTeX block
    with pytest.raises(IndexError, match="no step at index 0"):
        e.step_text(0)
    with pytest.raises(TypeError, match="expected a Value"):
        explain(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="precision must be at least 1, got 0"):
        explain(Value(1.0), precision=0)
    with pytest.raises(TypeError, match="precision must be an int, got '4'"):
        explain(Value(1.0), precision="4")  # type: ignore[arg-type]


def test_unlabelled_nodes_get_fresh_names_that_avoid_labels() -> None:
    a = Value(1.0, "t1")
    b = Value(2.0)
    out = a * b + 1
    e = explain(out)
    names = set(e.names.values())
    assert e.names[out] == "out"
    assert e.names[b] == "v1"
    assert len(names) == len(e.names)  # no clashes with the user's "t1"
    assert "1" in names  # a constant is shown as its number


def test_running_sum_for_a_node_used_many_times() -> None:
    x = Value(3.0, "x")
    y = (x * x * x).named("y")  # dy/dx = 3x² = 27, from 3 uses
    e = explain(y)
    assert e.gradients[x] == 27.0
    text = e.to_text()
    assert "(use 3 of 3)" in text
    assert "= 27 (use 3 of 3)" in text


def test_deep_chain_is_explained_without_recursion() -> None:
    x = Value(0.5, "x")
    y = x
    for _ in range(3000):
        y = y * 1.0
    e = explain(y)
    assert len(e.steps) == 3000
    assert e.gradients[x] == 1.0
    assert e.step_text(2999).startswith("Step 3000 of 3000")


# relu(log(relu(x))): sympy once failed comparing a Piecewise condition with zoo.
RELU_OF_LOG = Expr(
    inputs=[2.0, 0.0, 0.0],
    program=(
        Instr(op="relu", args=(0,), k=None),
        Instr(op="log", args=(3,), k=None),
        Instr(op="sub", args=(4, 2.0), k=None),
        Instr(op="sub", args=(5, 2.0), k=None),
        Instr(op="relu", args=(4,), k=None),
        Instr(op="add", args=(6, 7), k=None),
    ),
    values=(
        2.0,
        0.0,
        0.0,
        2.0,
        math.log(2.0),
        math.log(2.0) - 2.0,
        math.log(2.0) - 4.0,
        math.log(2.0),
        2.0 * math.log(2.0) - 4.0,
    ),
)


@settings(max_examples=40)
@given(expressions(max_inputs=3, max_ops=8))
@example(RELU_OF_LOG)
def test_final_gradients_agree_with_sympy(expr: Expr) -> None:
    leaves = [Value(v, f"x{i + 1}") for i, v in enumerate(expr.inputs)]
    root = expr.build(leaves)
    if not isinstance(root, Value) or root in leaves:
        return
    e = explain(root)
    symbols = sympy.symbols(f"x1:{len(leaves) + 1}")
    f = expr.sympy(symbols)
    at = dict(zip(symbols, expr.inputs, strict=True))
    for leaf, s in zip(leaves, symbols, strict=True):
        want = float(sympy.diff(f, s).evalf(subs=at))
        assert e.gradients.get(leaf, 0.0) == pytest.approx(want, rel=1e-7, abs=1e-9)
    for k in range(len(e.steps)):
        assert e.step_text(k).startswith(f"Step {k + 1} of {len(e.steps)}")


# ------------------------------------------------------------ renderings
def _cells(line: str) -> list[str]:
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def test_markdown_is_a_well_formed_table_and_escapes_labels() -> None:
    a = Value(2.0, "a|b")
    c = Value(3.0, "c*d_e")
    out = (a * c).named("<L>")
    md = explain(out).to_markdown()
    rows = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert len(rows) == 2 + 2  # header, rule, one row per input
    widths = {len(_cells(r)) for r in rows}
    assert widths == {7}
    assert r"a\|b" in md and r"c\*d\_e" in md and r"\<L\>" in md
    assert explain(out)._repr_markdown_() == md


_LATEX_COMMANDS = {
    "frac", "partial", "cdot", "times", "sigma", "log", "exp", "tanh", "operatorname",
    "mathrm", "text", "quad", "qquad", "mathrel", "begin", "end", "infty", ",", ";", "_", "dot",
    "{", "}", "#", "$", "%", "&", " ", "backslash", "hat", "sim", "\\",
}  # fmt: skip


def assert_valid_latex(tex: str) -> None:
    assert tex.startswith("$$\n\\begin{aligned}") and tex.rstrip().endswith("\\end{aligned}\n$$")
    body = tex.strip().strip("$")
    assert "\x00" not in body and body.isascii()
    depth = 0
    for i, ch in enumerate(body):
        escaped = i > 0 and body[i - 1] == "\\" and (i < 2 or body[i - 2] != "\\")
        if ch == "{" and not escaped:
            depth += 1
        elif ch == "}" and not escaped:
            depth -= 1
            assert depth >= 0, f"unbalanced braces near {body[max(0, i - 30) : i + 1]!r}"
    assert depth == 0
    for cmd in re.findall(r"\\([A-Za-z]+|.)", body):
        assert cmd in _LATEX_COMMANDS, f"unexpected command \\{cmd}"
    # subscripts and superscripts are braced or escaped, never bare
    for m in re.finditer(r"(?<!\\)[_^](.)", body):
        assert m.group(1) == "{", f"bare _ or ^ at {body[m.start() - 10 : m.end() + 5]!r}"


def test_latex_is_valid_with_hostile_labels() -> None:
    labels = ["a_b", "x^2", "50%", "{", "\\", "a b", "#1", "$", "&", "~", "w1", "z"]
    leaves = [Value(1.0 + i, lab) for i, lab in enumerate(labels)]
    out = vsum([v * v for v in leaves]).sigmoid().log().named("L_total")
    tex = explain(out).to_latex()
    assert_valid_latex(tex)
    assert r"\frac{\partial \mathrm{L\_total}}{\partial w_{1}}" in tex
    assert explain(out)._repr_latex_() == tex


def test_latex_of_every_op_formula_is_valid() -> None:
    x, y = Value(0.7, "x"), Value(1.3, "y")
    out = (
        (x / y) ** y + (-x).exp() + x.tanh() * x.relu() + x.softplus() + x**3 + x**-0.5 - y
    ).named("f")
    tex = explain(out).to_latex()
    assert_valid_latex(tex)
    assert "^{(" in tex  # the power rule's exponent is braced
    assert "running sum" in tex and r"\mathrel{+}=" in tex


@pytest.mark.parametrize(
    ("name", "tex"),
    [("w1", "w_{1}"), ("a", "a"), ("L_1", r"\mathrm{L\_1}"), ("1e-05", r"1 \times 10^{-5}")],
)
def test_latex_names(name: str, tex: str) -> None:
    assert latex_name(name) == tex


# ------------------------------------------------------------ the lesson
X, Y, W, B = [1.5, -0.5], 1.0, [0.4, -0.6], 0.1


def _loss(w1: float, w2: float, b: float, y: float = Y) -> float:
    a = 1.0 / (1.0 + math.exp(-(w1 * X[0] + w2 * X[1] + b)))
    return -(y * math.log(a) + (1 - y) * math.log(1 - a))


def test_lesson_summary_agrees_with_central_differences() -> None:
    s = explain_lesson(lesson_graph(X, Y, W, B))
    assert s.agree
    rows = {r.name: r for r in s.rows}
    assert list(rows) == ["da", "dz (chain)", "dz", "dw1", "dw2", "db"]
    h = 1e-6
    num_w1 = (_loss(W[0] + h, W[1], B) - _loss(W[0] - h, W[1], B)) / (2 * h)
    num_w2 = (_loss(W[0], W[1] + h, B) - _loss(W[0], W[1] - h, B)) / (2 * h)
    num_b = (_loss(W[0], W[1], B + h) - _loss(W[0], W[1], B - h)) / (2 * h)
    for name, want in (("dw1", num_w1), ("dw2", num_w2), ("db", num_b)):
        assert rows[name].graph == pytest.approx(want, rel=1e-6)
    a = 1.0 / (1.0 + math.exp(-(W[0] * X[0] + W[1] * X[1] + B)))
    assert rows["dz"].graph == pytest.approx(a - Y, rel=1e-12)
    assert rows["da"].graph == pytest.approx(-Y / a + (1 - Y) / (1 - a), rel=1e-12)


def test_lesson_renderings() -> None:
    s = explain_lesson(lesson_graph(X, [0.0][0], W, B))
    text = s.to_text()
    for piece in ("da = −y/a + (1 − y)/(1 − a)", "dz = a − y", "dw1 = x1 · dz", "db = dz"):
        assert piece in text
    assert "agree with the lesson" in text
    assert "| dz | a − y |" in s.to_markdown()
    assert_valid_latex(s.to_latex())
    assert str(s) == text and s._repr_markdown_() == s.to_markdown()


def test_lesson_summary_reports_a_mismatch() -> None:
    g = lesson_graph(X, Y, W, B)
    wrong = g._replace(loss=g.loss * 2.0)  # not the lesson's loss any more
    s = explain_lesson(wrong)
    assert not s.agree
    assert "MISMATCH" in s.to_text() and "**no**" in s.to_markdown()


def test_explaining_the_lesson_graph_shows_the_sigmoid_step() -> None:
    g = lesson_graph(X, Y, W, B)
    text = explain(g.loss).to_text()
    assert "da/dz = a(1 − a)" in text
    assert "a = σ(z)" in text


def test_a_node_of_numbers_only_still_has_its_row() -> None:
    from autograd_lite.core.value import constant

    out = (constant(2.0) * 3.0).named("six")
    e = explain(out)
    assert len(e.steps) == 1
    assert "six = 2 × 3 = 6" in e.to_text() and "1 step" in e.to_text()
    assert "| six = 2 × 3 = 6 |" in e.to_markdown()


def test_huge_values_are_printed_and_infinite_ones_never_recorded() -> None:
    # Every number in a graph is finite: an overflow raises before a node exists.
    assert fmt_number(math.inf) == "inf" and fmt_number(-math.inf) == "-inf"
    x = Value(1e200, "x")
    with pytest.raises(OverflowError, match=r"mul: the result overflows.*'x' = 1e\+200"):
        x * x
    e = explain((x * 1e100).named("big"))
    assert "big = x × 1e+100 = 1e+300" in e.to_text()
    assert_valid_latex(e.to_latex())


def test_a_local_derivative_that_is_one_name_has_no_brackets() -> None:
    log_a, y = Value(2.0, "log a"), Value(0.5, "y")
    e = explain((y * log_a).named("p"))
    text = e.to_text()
    assert "dp/dy = log a = 2" in text  # not "(log a)"
    assert "dp/d(log a) = y = 0.5" in text
    assert "p = y × (log a) = 1" in text  # inside an expression a compound name keeps them
    tex = e.to_latex()
    assert r"= 1 \cdot y = 1 \cdot 0.5" in tex
    assert_valid_latex(tex)


# ------------------------------------------------------------ the forward sweep
def test_forward_rows_are_the_forward_steps_grouped_by_node() -> None:
    g = lesson_graph(X, Y, W, B)
    w1 = g.w[0]
    e = explain_forward(g.loss, {w1: 1.0})
    assert isinstance(e, ForwardExplanation)
    assert all(isinstance(s, ForwardNodeStep) for s in e.steps)
    records = list(forward_steps(g.loss, {w1: 1.0}))
    assert [edge for step in e.steps for edge in step.edges] == records
    assert [s.index for s in e.steps] == list(range(len(e.steps)))
    for step in e.steps:
        assert {edge.step for edge in step.edges} == {step.index}
        assert all(edge.node is step.node for edge in step.edges)
        assert step.tangent == step.edges[-1].total == e.tangents[step.node]
    # One table row per record, with the record's numbers in it.
    text = e.to_text()
    head = text.splitlines().index(next(ln for ln in text.splitlines() if ln.startswith("----")))
    body = text.splitlines()[head + 1 :]
    rows = body[: body.index("")]
    assert len(rows) == len(records)
    md_rows = [ln for ln in e.to_markdown().splitlines() if ln.startswith("| ")]
    assert len(md_rows) == 1 + len(records)  # the header, then one per record
    for record, row in zip(records, md_rows[1:], strict=True):
        cells = [c.strip() for c in _cells(row)]
        assert cells[2] == record.parent.label  # the lesson's labels need no escapes
        assert cells[4] == fmt_number(record.tangent, 4).replace("-", "−")  # one minus sign
    assert all(n.grad == 0.0 for n in reachable(g.loss))  # explaining is pure


def test_forward_steps_are_counted_from_1_in_every_rendering() -> None:
    f, x, _y = _small()
    e = explain_forward(f, {x: 1.0})
    assert [s.index for s in e.steps] == [0, 1]
    numbered = [ln.split()[0] for ln in e.to_text().splitlines() if ln[:1].isdigit()]
    assert numbered == ["1", "2"]
    md = [ln.split("|")[1].strip() for ln in e.to_markdown().splitlines() if ln.startswith("| ")]
    assert [c for c in md[1:] if c] == ["1", "2"]
    tex = e.to_latex()
    assert r"\text{step 1: }" in tex and r"\text{step 2: }" in tex
    assert r"\text{step 0: }" not in tex
    assert e.step_text(0).startswith("Step 1 of 2: t1 = x × y = 6")
    assert e.step_text(1).startswith("Step 2 of 2: f = t1 + x = 8")
    with pytest.raises(IndexError, match=r"the forward sweep has 2 \(indices 0 to 1 show Step 1"):
        e.step_text(2)


def test_forward_text_of_the_small_graph() -> None:
    # f = x*y + x at (2, 3) along dx = 1: t1 gets y·1 = 3, then f gets 3 + 1 = 4 = df/dx.
    f, x, _y = _small()
    e = explain_forward(f, {x: 1.0})
    assert e.tangent == 4.0
    text = e.to_text()
    assert text.startswith("Forward sweep of f = 8 along dx = 1, 2 steps\n")
    assert "Tangent of f: 4 (that is, df/dx)" in text
    assert e.step_text(1) == (
        "Step 2 of 2: f = t1 + x = 8\n"
        "  from t1 (tangent 3): local df/dt1 = 1\n"
        "    contribution 1 × 3 = 3\n"
        "    tangent of f so far: 3 (term 1 of 2)\n"
        "  from x (tangent 1): local df/dx = 1\n"
        "    contribution 1 × 1 = 1\n"
        "    tangent of f so far: 3 + 1 = 4 (term 2 of 2)"
    )
    headers = _cells(e.to_markdown().splitlines()[2])
    assert [h.strip() for h in headers] == [
        "step", "node", "input", "local derivative", "input tangent", "contribution",
        "tangent so far",
    ]  # fmt: skip
    tex = e.to_latex()
    assert_valid_latex(tex)
    assert r"\text{forward sweep along } \dot{x} = 1" in tex
    assert r"\dot{f} \mathrel{+}= \frac{\partial f}{\partial x}\,\dot{x} = 1" in tex
    assert r"\text{running sum: } \dot{f} = 3 + 1 = 4" in tex
    assert r"\text{tangent: } \dot{f} = 4" in tex
    assert str(e) == text and e._repr_markdown_() == e.to_markdown()
    assert e._repr_latex_() == tex
    assert repr(e) == "<ForwardExplanation of 'f' along dx = 1: 2 steps>"


@pytest.mark.parametrize(
    "direction",
    [{"w1": 1.0}, {"w2": 1.0}, {"b": 1.0}, {"w1": 0.5, "w2": -1.0, "b": 2.0}, {"x1": 3.0}],
    ids=str,
)
def test_forward_final_tangent_is_the_gradient_dotted_with_the_direction(
    direction: dict[str, float],
) -> None:
    g = lesson_graph(X, Y, W, B)
    leaves = {v.label: v for v in [*g.x, *g.w, g.b, g.y]}
    tangents = {leaves[k]: t for k, t in direction.items()}
    e = explain_forward(g.loss, tangents)
    grads = gradients(g.loss, list(tangents))
    want = sum(gr * t for gr, t in zip(grads, tangents.values(), strict=True))
    assert e.tangent == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert e.steps[-1].node is g.loss
    g.loss.backward()
    assert e.tangent == pytest.approx(sum(v.grad * t for v, t in tangents.items()), rel=1e-12)


@settings(max_examples=30)
@given(expressions(max_inputs=3, max_ops=8))
def test_forward_tangents_agree_with_the_backward_gradients(expr: Expr) -> None:
    leaves = [Value(v, f"x{i + 1}") for i, v in enumerate(expr.inputs)]
    root = expr.build(leaves)
    if not isinstance(root, Value) or root in leaves:
        return
    direction = {leaf: float(i + 1) for i, leaf in enumerate(leaves)}
    try:
        e = explain_forward(root, direction)
        grads = gradients(root, leaves)
    except (ValueError, ZeroDivisionError, OverflowError):
        return  # an undefined or infinite derivative somewhere: nothing to compare
    want = math.fsum(gr * t for gr, t in zip(grads, direction.values(), strict=True))
    scale = math.fsum(abs(gr * t) for gr, t in zip(grads, direction.values(), strict=True))
    assert abs(e.tangent - want) <= 1e-7 * max(scale, 1.0)
    for render in (e.to_text, e.to_markdown, e.to_latex):
        assert render()


def test_forward_with_nothing_to_sweep() -> None:
    f, _x, _y = _small()
    outside = Value(1.0, "u")
    e = explain_forward(f, {outside: 1.0})  # no node of f depends on u
    assert e.steps == [] and e.tangent == 0.0
    for text in (e.to_text(), e.to_markdown(), e.to_latex()):
        assert "no tangent flows forward" in text
    assert "along du = 1, 0 steps" in e.to_text()
    assert "Tangent of f: 0" in e.to_text()
    assert_valid_latex(e.to_latex())
    leaf = Value(2.0, "w")
    e = explain_forward(leaf, {leaf: 0.5})
    assert e.tangent == 0.5 and "Tangent of w: 0.5" in e.to_text()
    with pytest.raises(IndexError, match=r"the forward sweep has 0 \(it has none"):
        e.step_text(0)
    assert "no direction" in explain_forward(f, {}).to_text()


def test_forward_validation() -> None:
    f, x, _y = _small()
    with pytest.raises(TypeError, match="explain_forward: expected a Value"):
        explain_forward(1.0, {x: 1.0})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="explain_forward: precision must be at least 1"):
        explain_forward(f, {x: 1.0}, precision=0)
    with pytest.raises(TypeError, match="tangents must be a mapping"):
        explain_forward(f, [x])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be finite"):
        explain_forward(f, {x: math.inf})


# Hostile labels, as tests/test_hostile_labels.py checks explain(): a Markdown table
# keeps its rows and cells, LaTeX its one $$ block and its braces, the text its lines.
FORWARD_HOSTILE = [
    "a|b", "|", "<b>x</b>", "&amp;", "`code`", "**b**", "a\nb", "\r\n", "\x00", "\ud800",
    "\u2028", "$$", "$", "\\end{aligned}$$", "{", "}", "&", "#1", "%", "~", "^_", "\\", "",
]  # fmt: skip


def _hostile(label: str) -> tuple[Value, Value]:
    x, w = Value(2.0, label), Value(-0.5, label)
    p = (w * x).named(label)
    z = (p + 1).named(label)
    return z.sigmoid().log().named(label), w


def _tex_tokens(tex: str) -> list[str]:
    return re.findall(r"\\[A-Za-z]+|\\.|.", tex, re.DOTALL)


@pytest.mark.parametrize("label", FORWARD_HOSTILE, ids=lambda s: repr(s)[:20])
def test_forward_renderings_survive_hostile_labels(label: str) -> None:
    root, w = _hostile(label)
    blank, w0 = _hostile("")
    e, b = explain_forward(root, {w: 1.0}), explain_forward(blank, {w0: 1.0})
    md, md0 = e.to_markdown(), b.to_markdown()
    rows = [_cells(ln) for ln in md.splitlines() if ln.startswith("|")]
    assert len(rows) == len([ln for ln in md0.splitlines() if ln.startswith("|")])
    assert {len(r) for r in rows} == {7}
    assert len(md.splitlines()) == len(md0.splitlines())
    for r in rows[2:]:
        for cell in r:
            assert not re.search(r"(?<!\\)[<`&]", cell), cell
    assert len(e.to_text().splitlines()) == len(b.to_text().splitlines())
    for k in range(len(e.steps)):
        assert len(e.step_text(k).splitlines()) == len(b.step_text(k).splitlines())
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
    rows_tex = body.split(" \\\\\n")
    assert len(rows_tex) == len(b.to_latex().split(" \\\\\n"))
    for row in rows_tex:
        assert _tex_tokens(row).count("&") == 1, row
