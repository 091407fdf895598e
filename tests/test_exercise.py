"""Self-checking exercises: blanks, grading with feedback, random exercises, the quiz page.

Every expected number comes from an oracle outside the exercise: the lesson's
hand-derived formulas, sympy, or central differences of the ops' forward
functions over the graph.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import Value

X1, X2, W1, W2, B, Y = 1.5, -0.5, 0.4, -0.8, 0.1, 1.0
LESSON = "-(y*log(sigmoid(w1*x1 + w2*x2 + b)) + (1 - y)*log(1 - sigmoid(w1*x1 + w2*x2 + b)))"
VALUES = {"x1": X1, "x2": X2, "w1": W1, "w2": W2, "b": B, "y": Y}
HOSTILE = "</script><img src=x onerror=alert(1)>"

# The lesson by hand: z = w·x + b, a = σ(z), dz = a − y, da = −y/a + (1−y)/(1−a).
Z = W1 * X1 + W2 * X2 + B
A = 1.0 / (1.0 + math.exp(-Z))
DZ = A - Y
DA = -Y / A + (1 - Y) / (1 - A)


def _lesson() -> al.Exercise:
    g = al.lesson_graph([X1, X2], Y, [W1, W2], B)
    return al.Exercise.from_graph(g.loss)


def _only(ex: al.Exercise, **fields: object) -> al.Blank:
    found = [b for b in ex.blanks if all(getattr(b, k) == v for k, v in fields.items())]
    assert len(found) == 1, (fields, found)
    return found[0]


def _wrong(ex: al.Exercise, blank_id: str, value: float) -> str:
    answers: dict[str, object] = dict(ex.answers())
    answers[blank_id] = value
    grade = ex.check(answers)
    assert blank_id not in grade.correct
    assert set(grade.messages) == {blank_id}
    return grade.messages[blank_id]


# ------------------------------------------------------------ the lesson's numbers
def test_lesson_numbers_by_hand() -> None:
    assert round(A, 4) == 0.7503 and round(DZ, 4) == -0.2497
    ex = _lesson()
    assert _only(ex, kind="upstream", node="a").answer == pytest.approx(DA)
    assert _only(ex, kind="upstream", node="z").answer == pytest.approx(DZ)
    sig = _only(ex, kind="local", op="sigmoid")
    assert sig.answer == pytest.approx(A * (1 - A))
    assert sig.inputs == pytest.approx((Z,)) and sig.index == 0 and sig.input == "z"
    assert _only(ex, kind="contribution", op="sigmoid").answer == pytest.approx(DA * A * (1 - A))
    grads = {b.node: b.answer for b in ex.blanks if b.kind == "grad"}
    assert grads == pytest.approx(
        {"w1": X1 * DZ, "w2": X2 * DZ, "b": DZ, "x1": W1 * DZ, "x2": W2 * DZ,
         "y": -math.log(A) + math.log(1 - A)}
    )  # fmt: skip
    # Each product w_i·x_i sends dz·x_i to w_i: a mul step asks two locals.
    w1x1 = _only(ex, kind="local", node="w1·x1", index=0)
    assert (w1x1.op, w1x1.inputs, w1x1.input, w1x1.answer) == ("mul", (W1, X1), "w1", X1)
    assert ex.check(ex.answers()).passed


def test_lesson_expression_against_sympy() -> None:
    sympy = pytest.importorskip("sympy")
    syms = {n: sympy.Symbol(n) for n in VALUES}
    sigmoid = sympy.Lambda(sympy.Symbol("t"), 1 / (1 + sympy.exp(-sympy.Symbol("t"))))
    expr = sympy.sympify(LESSON, locals={**syms, "sigmoid": sigmoid, "log": sympy.log})
    ex = al.Exercise.from_expression(LESSON, VALUES)
    assert ex.title == LESSON
    for b in ex.blanks:
        if b.kind == "grad":
            want = float(
                sympy.diff(expr, syms[b.node]).subs({syms[k]: v for k, v in VALUES.items()})
            )
            assert b.answer == pytest.approx(want, rel=1e-12, abs=1e-12), b.node
    assert {b.node for b in ex.blanks if b.kind == "grad"} == set(VALUES)


def test_blank_ids_kinds_and_questions() -> None:
    ex = al.Exercise.from_expression("x - y", {"x": 2.0, "y": 5.0})
    assert [b.id for b in ex.blanks] == [
        "step1.upstream", "step1.local0", "step1.contribution0", "step1.local1",
        "step1.contribution1", "grad.x", "grad.y",
    ]  # fmt: skip
    assert [b.kind for b in ex.blanks] == [
        "upstream", "local", "contribution", "local", "contribution", "grad", "grad",
    ]  # fmt: skip
    local1 = ex.blank("step1.local1")
    assert (local1.op, local1.inputs, local1.index, local1.input, local1.step) == (
        "sub", (2.0, 5.0), 1, "y", 1,
    )  # fmt: skip
    assert local1.answer == -1.0 and "∂out/∂y" in local1.question
    assert ex.blank("grad.y").op is None and ex.blank("grad.y").step is None
    only_grads = al.Exercise.from_expression("x - y", {"x": 2.0, "y": 5.0}, kinds=["grad"])
    assert [b.id for b in only_grads.blanks] == ["grad.x", "grad.y"]


def test_constants_get_no_blanks_and_grads_are_not_touched() -> None:
    x = Value(3.0, "x")
    out = (1 - x) * 2
    ex = al.Exercise.from_graph(out)
    assert all(b.input not in ("1", "2") for b in ex.blanks)
    assert ex.blank("grad.x").answer == -2.0
    assert x.grad == 0.0 and out.grad == 0.0


def test_powc_local_derivative() -> None:
    ex = al.Exercise.from_expression("x**3", {"x": 2.0})
    local = _only(ex, kind="local")
    assert (local.op, local.inputs, local.answer) == ("powc", (2.0,), 12.0)


# ------------------------------------------------------------ feedback
def test_upstream_given_for_local() -> None:
    ex = _lesson()
    msg = _wrong(ex, _only(ex, kind="local", op="sigmoid").id, DA)
    assert "step 9 (sigmoid at a)" in msg
    assert "this is the upstream gradient ∂L/∂a, not the local derivative" in msg


def test_local_given_for_upstream() -> None:
    ex = _lesson()
    msg = _wrong(ex, _only(ex, kind="upstream", node="a").id, A * (1 - A))
    assert "this is the local derivative ∂a/∂z, not the upstream gradient ∂L/∂a" in msg


def test_contribution_given_for_local_and_parts_given_for_contribution() -> None:
    ex = _lesson()
    local = _only(ex, kind="local", op="sigmoid")
    msg = _wrong(ex, local.id, DZ)
    assert "this is the contribution (upstream × local), not the local derivative" in msg
    contribution = _only(ex, kind="contribution", op="sigmoid")
    assert "this is the local derivative ∂a/∂z alone" in _wrong(ex, contribution.id, A * (1 - A))
    assert "this is the upstream gradient ∂L/∂a alone" in _wrong(ex, contribution.id, DA)


def test_forgotten_second_use() -> None:
    # out = b·x + b: b is used by the add (step 1) and by the product (step 2).
    ex = al.Exercise.from_expression("b*x + b", {"b": 0.5, "x": 3.0})
    assert ex.blank("grad.b").answer == 3.0 + 1.0
    msg = _wrong(ex, "grad.b", 1.0)  # only the add's contribution
    assert "did you forget the second use of b?" in msg
    assert "the gradient ∂out/∂b of the leaf b" in msg
    msg = _wrong(ex, "grad.b", 3.0)  # only the product's, the last one sent: overwrite
    assert "assigned with = instead of added with +=" in msg
    assert "did you forget the first use of b?" in msg


def test_forgotten_use_of_an_inner_node() -> None:
    # In the lesson a feeds log a and 1 − a; with y = 0 both contributions are non-zero.
    g = al.lesson_graph([X1, X2], 0.0, [W1, W2], B)
    ex = al.Exercise.from_graph(g.loss)
    up = _only(ex, kind="upstream", node="a")
    assert up.answer == pytest.approx(1 / (1 - A))
    msg = _wrong(ex, up.id, 0.0 * (-1 / A))  # log a's share is 0 here: y = 0
    # Whichever use was dropped, the message names a forgotten use of a.
    assert re.search(r"did you forget the (first|second) use of a\?", msg), msg


def test_sign_flipped() -> None:
    ex = al.Exercise.from_expression("x - y", {"x": 2.0, "y": 5.0})
    msg = _wrong(ex, "step1.local1", 1.0)
    assert "subtraction's rule is d(a − b)/db = −1" in msg
    assert "the sign is flipped" in _wrong(ex, "grad.y", 1.0)


def test_generic_message_names_step_and_kind() -> None:
    ex = _lesson()
    local = _only(ex, kind="local", op="sigmoid")
    msg = _wrong(ex, local.id, 123.0)
    assert msg.startswith("step 9 (sigmoid at a), the local derivative ∂a/∂z")
    assert "123 is not the local derivative ∂a/∂z" in msg and "a(1 − a)" in msg


def test_missing_answers_and_score() -> None:
    ex = al.Exercise.from_expression("x*y", {"x": 2.0, "y": 5.0})
    grade = ex.check({"grad.x": 5.0})
    assert grade.correct == ("grad.x",)
    assert grade.total == len(ex.blanks) and not grade.passed
    assert grade.score == pytest.approx(1 / len(ex.blanks))
    assert all("no answer given" in m for m in grade.messages.values())
    assert len(grade.messages) == len(ex.blanks) - 1


def test_tolerance() -> None:
    ex = _lesson()
    rounded = {k: float(f"{v:.4g}") for k, v in ex.answers().items()}
    assert ex.check(rounded).passed  # four significant digits pass by default
    strict = al.Exercise.from_graph(ex.graph, rel_tol=1e-12, abs_tol=1e-15)
    grade = strict.check(rounded)
    assert not grade.passed and _only(strict, kind="grad", node="w1").id in grade.messages
    loose = al.Exercise.from_graph(ex.graph, rel_tol=0.1)
    assert loose.check({k: v * 1.05 for k, v in ex.answers().items()}).passed
    with pytest.raises(ValueError, match="rel_tol"):
        al.Exercise.from_graph(ex.graph, rel_tol=-1)
    with pytest.raises(ValueError, match="both be 0"):
        al.Exercise.from_graph(ex.graph, rel_tol=0, abs_tol=0)


def test_assert_correct() -> None:
    ex = al.Exercise.from_expression("b*x + b", {"b": 0.5, "x": 3.0})
    ex.assert_correct(ex.answers())
    answers = {**ex.answers(), "grad.b": 1.0}
    with pytest.raises(AssertionError, match=r"grad.b: .*did you forget the second use of b\?"):
        ex.assert_correct(answers)


def test_bad_answers() -> None:
    ex = al.Exercise.from_expression("x*y", {"x": 2.0, "y": 5.0})
    with pytest.raises(KeyError, match=r"grad\.z"):
        ex.check({"grad.z": 1.0})
    with pytest.raises(KeyError, match="nope"):
        ex.blank("nope")
    with pytest.raises(TypeError, match=r"grad\.x"):
        ex.check({"grad.x": "5"})
    with pytest.raises(TypeError, match=r"grad\.x"):
        ex.check({"grad.x": True})
    with pytest.raises(TypeError, match="mapping"):
        ex.check([("grad.x", 5.0)])  # type: ignore[arg-type]
    assert "not a finite number" in ex.check({"grad.x": math.nan}).messages["grad.x"]


def test_bad_construction() -> None:
    with pytest.raises(ValueError, match="unknown blank kind 'edges'"):
        al.Exercise.from_expression("x*y", {"x": 2.0, "y": 5.0}, kinds=["edges"])
    with pytest.raises(ValueError, match="nothing to differentiate"):
        al.Exercise.from_graph(Value(1.0, "x"))
    with pytest.raises(TypeError, match="Value"):
        al.Exercise.from_graph(1.0)  # type: ignore[arg-type]


# ------------------------------------------------------------ random exercises
def _evaluate(root: Value, shift: Mapping[Value, float]) -> float:
    # The graph's forward again from the ops' forward functions (no derivative rule).
    memo: dict[Value, float] = {}
    for n in al.topological(root):
        if n.op is None or not n.parents:
            memo[n] = n.data + shift.get(n, 0.0)
        else:
            memo[n] = n.op.forward([memo[p] for p in n.parents])
    return memo[root]


def _central(root: Value, leaf: Value, h: float = 1e-6) -> float:
    return (_evaluate(root, {leaf: h}) - _evaluate(root, {leaf: -h})) / (2 * h)


OPS = ("add", "sub", "mul", "div", "sigmoid", "tanh", "exp", "log", "sqrt", "sin", "pow", "powc")


@given(
    seed=st.integers(0, 10**6),
    ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=4, unique=True),
    size=st.integers(2, 7),
)
def test_random_exercises_against_central_differences(seed: int, ops: list[str], size: int) -> None:
    reuse = any(al.TABLE[o].arity != 1 for o in ops)
    ex = al.Exercise.random(seed=seed, ops=ops, size=size, reuse=reuse)
    assert ex.check(ex.answers()).passed
    ops_used = {n.op.name for n in al.topological(ex.graph) if n.op is not None and n.parents}
    assert ops_used <= {*ops, "add"}  # an add joins chains an op could not continue
    assert set(ops) <= ops_used or size < len(ops)
    leaves = {n.label: n for n in al.topological(ex.graph) if n.op is None}
    for b in ex.blanks:
        assert math.isfinite(b.answer)
        if b.kind == "grad":
            want = _central(ex.graph, leaves[b.node])
            assert b.answer == pytest.approx(want, rel=1e-5, abs=1e-6), b
        elif b.kind == "local" and b.op != "powc":
            row, xs, i, h = al.TABLE[b.op], list(b.inputs), b.index, 1e-6
            assert i is not None
            up = row.forward([*xs[:i], xs[i] + h, *xs[i + 1 :]])
            down = row.forward([*xs[:i], xs[i] - h, *xs[i + 1 :]])
            assert b.answer == pytest.approx((up - down) / (2 * h), rel=1e-3, abs=1e-6), b
    if reuse:  # some node feeds two ops (or one op twice)
        uses: dict[Value, int] = {}
        for n in al.topological(ex.graph):
            for p in n.parents:
                uses[p] = uses.get(p, 0) + 1
        assert max(uses.values()) >= 2


@given(seed=st.integers(0, 10**6))
def test_random_typical_mistakes_get_their_message(seed: int) -> None:
    ex = al.Exercise.random(seed=seed, ops=("add", "mul", "sub", "tanh"), size=4)
    upstream = {b.step: b.answer for b in ex.blanks if b.kind == "upstream"}
    for b in ex.blanks:
        if b.kind != "local":
            continue
        g = upstream[b.step]
        if math.isclose(g, b.answer, rel_tol=1e-3, abs_tol=1e-4):
            continue
        msg = _wrong(ex, b.id, g)
        assert msg.startswith(f"step {b.step} ({b.op} at ")
        if (
            b.op == "sub"
            and b.index == 1
            and math.isclose(g, -b.answer, rel_tol=1e-3, abs_tol=1e-4)
        ):
            # Also a forgotten minus, the diagnosis tried first for subtraction's −1.
            assert "subtraction's rule is d(a − b)/db = −1" in msg
        else:
            assert "this is the upstream gradient" in msg and "not the local derivative" in msg


def test_random_is_deterministic_and_checks_its_arguments() -> None:
    one = al.Exercise.random(seed=7, ops=("add", "mul", "log"), size=5)
    two = al.Exercise.random(seed=7, ops=("add", "mul", "log"), size=5)
    assert [(b.id, b.answer, b.inputs) for b in one.blanks] == [
        (b.id, b.answer, b.inputs) for b in two.blanks
    ]
    others = {
        tuple(b.answer for b in al.Exercise.random(seed=s, ops=("add", "mul", "log")).blanks)
        for s in range(5)
    }
    assert len(others) > 1
    with pytest.raises(ValueError, match="unknown op 'logg'"):
        al.Exercise.random(ops=("add", "logg"))
    with pytest.raises(ValueError, match="const"):
        al.Exercise.random(ops=("const",))
    with pytest.raises(ValueError, match="reuse needs a two-input op"):
        al.Exercise.random(ops=("exp", "tanh"), reuse=True)
    with pytest.raises(ValueError, match="size"):
        al.Exercise.random(size=0)
    assert (
        al.Exercise.random(ops=("exp", "tanh"), reuse=False, size=3)
        .check(al.Exercise.random(ops=("exp", "tanh"), reuse=False, size=3).answers())
        .passed
    )


def test_random_logs_stay_in_their_domain() -> None:
    for seed in range(30):
        ex = al.Exercise.random(seed=seed, ops=("log", "sqrt", "sub"), size=4)
        for n in al.topological(ex.graph):
            if n.op is not None and n.op.name == "log":
                assert n.parents[0].data > 0
            if n.op is not None and n.op.name == "sqrt":
                assert n.parents[0].data > 0


# ------------------------------------------------------------ the quiz page
def _data(page: str) -> dict[str, object]:
    m = re.search(r'<script type="application/json" id="quiz-data">(.*?)</script>', page, re.S)
    assert m is not None
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def test_page_is_self_contained(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ex = _lesson()
    path = tmp_path / "quiz.html"
    page = ex.to_html(path)
    assert path.read_text(encoding="utf-8") == page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert page.count('data-blank="') == 2 * len(ex.blanks)  # the box and its input
    data = _data(page)
    rules = {b["id"]: b for b in data["blanks"]}  # type: ignore[attr-defined]
    assert list(rules) == [b.id for b in ex.blanks]
    for b in ex.blanks:
        assert rules[b.id]["answer"] == b.answer
    assert (data["rel"], data["abs"]) == (ex.rel_tol, ex.abs_tol)


def test_hostile_labels_stay_text() -> None:
    x = Value(2.0, HOSTILE)
    y = Value(-3.0, "y&amp;<b>")
    out = (x * y + x).named("L" + HOSTILE)
    ex = al.Exercise.from_graph(out, title=HOSTILE)
    page = ex.to_html()
    assert HOSTILE not in page
    assert "<img" not in page and "<b>" not in page
    assert page.count("<script") == 2 and page.count("</script>") == 2
    data = _data(page)  # the JSON keeps the label exactly
    assert any(HOSTILE in b["context"] for b in data["blanks"])  # type: ignore[attr-defined]
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert ex.check(ex.answers()).passed
    # A hostile label gets no id of its own: ids stay plain.
    assert all(re.fullmatch(r"[A-Za-z0-9_.]+", b.id) for b in ex.blanks)
    # Messages are plain text: they name the node as it is labelled.
    grad_x = _only(ex, kind="grad", node=HOSTILE)
    assert grad_x.answer == -3.0 + 1.0  # d(x·y + x)/dx = y + 1
    assert f"did you forget the second use of {HOSTILE}?" in _wrong(ex, grad_x.id, 1.0)


def test_repr_html_is_a_sandboxed_frame() -> None:
    ex = al.Exercise.from_expression("x*y", {"x": 2.0, "y": 5.0})
    shown = ex._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts"' in shown
    assert "<script" not in shown
