"""Step-by-step explanations: structure, numbers against independent oracles, renderings."""

from __future__ import annotations

import math
import re

import pytest
import sympy
from hypothesis import example, given, settings
from strategies import Expr, Instr, expressions

from autograd_lite.autodiff import backward_steps
from autograd_lite.explain import Explanation, NodeStep, explain, explain_lesson, latex_name
from autograd_lite.graph import reachable
from autograd_lite.logistic import lesson_graph
from autograd_lite.value import Value, vsum


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
    "mathrm", "text", "quad", "qquad", "mathrel", "begin", "end", "infty", ",", ";", "_",
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
    from autograd_lite.value import constant

    out = (constant(2.0) * 3.0).named("six")
    e = explain(out)
    assert len(e.steps) == 1
    assert "six = 2 × 3 = 6" in e.to_text() and "1 step" in e.to_text()
    assert "| six = 2 × 3 = 6 |" in e.to_markdown()


def test_huge_values_are_printed_and_infinite_ones_never_recorded() -> None:
    # Every number in a graph is finite: an overflow raises before a node exists.
    from autograd_lite.ops import fmt_number

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
