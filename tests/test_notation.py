"""One notation per format: every output writes one minus sign, and one derivative letter.

Text, Markdown, diagrams, the stepper page and the quiz write the minus sign
U+2212 for formulas, labels and numbers alike; LaTeX writes ``-``; a terminal
without Unicode gets ``-`` everywhere. The rule is in docs/explain.md (Notation).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator

import pytest

from autograd_lite import Value
from autograd_lite.cli import DEMO_EXAMPLE, main
from autograd_lite.teach.exercise import Exercise
from autograd_lite.teach.explain import explain, explain_forward
from autograd_lite.teach.lesson import explain_lesson, lesson_graph
from autograd_lite.teach.mistakes import MISTAKES, compare_mistake
from autograd_lite.teach.paths import explain_paths
from autograd_lite.teach.viz import stepper_html, to_dot

MINUS = "\u2212"
# "-" used as a minus: before a number, a name or a bracket ("-0.25", "-x", "-(a)"),
# in an exponent ("1e-05"), or between spaces ("a - b"). Not in a word
# ("left-to-right"), an arrow ("->"), a flag ("--set"), a table's rule ("----") or a
# list item ("- central differences").
ASCII_MINUS = re.compile(r"(?<![\w\-)\]])-(?=[\w(.])|(?<=\de)-(?=\d)|(?<=[^\S\n])-(?=\s)")


def ascii_minuses(text: str) -> list[str]:
    return [text[max(0, m.start() - 12) : m.end() + 12] for m in ASCII_MINUS.finditer(text)]


def test_the_pattern_tells_a_minus_from_a_hyphen() -> None:
    # The oracle itself: each of these is a minus sign, each of the others is not.
    for minus in ("= -0.25", "(-1)", "1e-05", "a - b", "-x", "x = -inf", "[-y log a]"):
        assert ascii_minuses(minus), minus
    for other in (
        "left-to-right",
        "a -> b",
        "--set x=2",
        "----  ---",
        "|---|---:|",
        "\n- item",
        "a−b",
    ):
        assert not ascii_minuses(other), other


def _lesson() -> Value:
    ex = DEMO_EXAMPLE
    g = lesson_graph(ex["x"], ex["y"], ex["w"], ex["b"])  # type: ignore[arg-type]
    return g.loss


def _unicode_outputs() -> Iterator[tuple[str, str]]:
    """Every text, Markdown, diagram and stepper output of the lesson graph, by name."""
    ex = DEMO_EXAMPLE
    g = lesson_graph(ex["x"], ex["y"], ex["w"], ex["b"])  # type: ignore[arg-type]
    loss = g.loss
    lesson = explain_lesson(g)
    yield "lesson text", lesson.to_text()
    yield "lesson markdown", lesson.to_markdown()
    e = explain(loss, checks=("central",), mistake="sign")
    yield "explain text", e.to_text()
    yield "explain markdown", e.to_markdown()
    for k in range(len(e.steps)):
        yield f"step_text({k})", e.step_text(k)
        yield f"step_text({k}, partial)", e.step_text(k, partial=True)
    fwd = explain_forward(loss, {g.w[0]: 1.0})
    yield "forward text", fwd.to_text()
    yield "forward markdown", fwd.to_markdown()
    for k in range(len(fwd.steps)):
        yield f"forward step_text({k})", fwd.step_text(k, partial=True)
    for node in (g.w[0], g.a, g.x[1]):
        p = explain_paths(loss, node)
        yield f"paths to {node.label} text", p.to_text()
        yield f"paths to {node.label} markdown", p.to_markdown()
        p = explain_paths(loss, node, limit=1)  # grouped by use instead of listed
        yield f"grouped paths to {node.label}", p.to_text()
    for name in MISTAKES:
        m = compare_mistake(loss, name)
        yield f"mistake {name} text", m.to_text()
        yield f"mistake {name} markdown", m.to_markdown()
    loss.backward()
    yield "diagram", to_dot(loss).source
    ex_ = Exercise.from_graph(_lesson())
    yield "exercise forward", "\n".join(ex_.forward)
    wrong = {b.id: b.answer + 0.5 for b in ex_.blanks}
    yield "exercise feedback", "\n".join(ex_.check(wrong).messages.values())


@pytest.fixture(scope="module")
def unicode_outputs() -> list[tuple[str, str]]:
    return list(_unicode_outputs())


def test_unicode_outputs_write_one_minus_sign(unicode_outputs: list[tuple[str, str]]) -> None:
    assert len(unicode_outputs) > 40
    for name, text in unicode_outputs:
        assert not ascii_minuses(text), (name, ascii_minuses(text))
    # Each kind of output has negative numbers to show (the test can fail).
    for kind in ("lesson text", "explain markdown", "diagram", "exercise forward"):
        assert MINUS in dict(unicode_outputs)[kind], kind


def test_numbers_are_written_with_the_formulas_sign() -> None:
    # The lesson's dz = a − y = sigmoid(1.1) − 1, computed here on its own.
    import math

    dz = 1 / (1 + math.exp(-1.1)) - 1
    text = explain_lesson(lesson_graph([1.5, -0.5], 1.0, [0.4, -0.8], 0.1)).to_text()
    assert f"dz = a − y                   = 0.7503 − 1 = −{abs(dz):.4f}" in text
    assert f"log(1−a) = −{-math.log(-dz):.4g}" in explain(_lesson()).to_text()


def test_latex_writes_only_the_ascii_minus() -> None:
    loss = _lesson()
    g_w1 = next(n for n in _leaves(loss) if n.label == "w1")
    latex = [
        explain_lesson(lesson_graph([1.5, -0.5], 1.0, [0.4, -0.8], 0.1)).to_latex(),
        explain(loss, checks=("central",), mistake="sign").to_latex(),
        explain_forward(loss, {g_w1: 1.0}).to_latex(),
        explain_paths(loss, g_w1).to_latex(),
        compare_mistake(loss, "sign").to_latex(),
    ]
    for text in latex:
        assert MINUS not in text
        assert ascii_minuses(text)  # the negative numbers are there, with "-"


def _leaves(root: Value) -> list[Value]:
    from autograd_lite.core.graph import topological

    return [n for n in topological(root) if n.op is None]


def _cli(encoding: str, *argv: str) -> str:
    out = io.TextIOWrapper(io.BytesIO(), encoding=encoding, newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="backslashreplace")
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(list(argv)) == 0
    out.flush()
    assert isinstance(out.buffer, io.BytesIO)
    return out.buffer.getvalue().decode(encoding)


ARGV = ("explain", "sigmoid(w*x - b)", "--set", "w=0.4", "x=-1.5", "b=0.1")


def test_the_command_line_writes_one_minus_sign_per_terminal() -> None:
    utf8 = _cli("utf-8", *ARGV)
    assert MINUS in utf8 and "dout/dw" in utf8
    assert not ascii_minuses(utf8), ascii_minuses(utf8)
    ascii_text = _cli("ascii", *ARGV)
    assert MINUS not in ascii_text and ascii_minuses(ascii_text)
    assert "dout/dw" in ascii_text


def _texts(page: str) -> list[str]:
    script = page.split('<script type="application/json" id="texts">')[1].split("</script>")[0]
    texts: list[str] = json.loads(script)
    return texts


@pytest.mark.parametrize("kind", ["forward", "mistake"])
def test_every_stepper_page_writes_one_minus_sign(kind: str) -> None:
    loss = _lesson()
    w1 = next(n for n in _leaves(loss) if n.label == "w1")
    if kind == "forward":
        page = stepper_html(loss, renderer="wasm", sweep="forward", tangents={w1: 1.0})
    else:
        page = stepper_html(loss, renderer="wasm", mistake="sign")
    texts = _texts(page)
    assert any(MINUS in t for t in texts)
    for text in texts:
        assert "∂" in text and not re.search(r"\bd[A-Za-z(]\S*/d", text), text
        assert not ascii_minuses(text), ascii_minuses(text)
    data = page.split("var DATA = ")[1].split("\n")[0]
    assert MINUS in data and not re.search(r'"-\d', data)


def test_the_stepper_text_uses_its_pictures_notation() -> None:
    loss = _lesson()
    page = stepper_html(loss, renderer="wasm")
    texts = _texts(page)
    assert texts
    edge_labels = re.findall(r"∂[^/\s]+/∂", page)
    assert edge_labels  # the picture writes ∂a/∂z ...
    for text in texts:
        assert "∂L/∂" in text and "dL/d" not in text  # ... and so does the text beside it
        assert not ascii_minuses(text), ascii_minuses(text)
    # The gradients the script shows in the boxes, and the mistake's, use the same sign.
    data = page.split("var DATA = ")[1].split("\n")[0]
    assert '"−1"' in data  # the first step sends −1 to (1−y)·log(1−a)
    assert not re.search(r'"-\d', data)
