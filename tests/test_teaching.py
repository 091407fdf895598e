"""Diagrams and pages that teach: lesson names, data drawn as data, "backward has not run",
notebook display objects, the m-example program, and one running example everywhere."""

from __future__ import annotations

import html
import importlib.util
import itertools
import math
import re
from pathlib import Path

import pytest

from autograd_lite import Value
from autograd_lite.cli import DEMO_EXAMPLE, main
from autograd_lite.core.graph import topological
from autograd_lite.teach.explain import explain
from autograd_lite.teach.lesson import NEG_Y_LOG_A, explain_lesson, lesson_graph
from autograd_lite.teach.viz import Stepper, stepper_html, stepper_view, to_dot
from autograd_lite.teach.viz.dot import NOT_RUN, backward_has_run

ROOT = Path(__file__).resolve().parent.parent

#: The lesson's one running example: x, y, w, b.
X, Y, W, B = [1.5, -0.5], 1.0, [0.4, -0.8], 0.1

NODE = re.compile(r"^\t(\w+) \[label=(\"(?:[^\"\\]|\\.)*\"|\S+)(.*)\]$", re.M)
EDGE = re.compile(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$", re.M)


def _records(source: str) -> dict[str, tuple[list[str], str]]:
    """Each record node's label name -> (its fields, its other attributes)."""
    out = {}
    for m in NODE.finditer(source):
        label = m[2][1:-1] if m[2].startswith('"') else m[2]
        if label.startswith("{ "):
            fields = label[2:-2].split(" | ")
            out[fields[0]] = (fields, m[3])
    return out


def _id(source: str, name: str) -> str:
    for m in NODE.finditer(source):
        if m[2].startswith('"{ ' + name + " |"):
            return m[1]
    raise AssertionError(name)


def _edge_labels_from(source: str, nid: str) -> list[str]:
    return [m[3] or "" for m in EDGE.finditer(source) if m[1] == nid]


# ------------------------------------------------------- the lesson's names
def test_the_root_is_L_and_its_parts_read_like_the_formula() -> None:
    g = lesson_graph(X, Y, W, B)
    labels = [n.label for n in topological(g.loss)]
    assert "−L" not in labels
    # L = −y·log a − (1−y)·log(1−a): the right-hand side, term by term.
    assert g.loss.label == "L" and g.loss.op is not None and g.loss.op.name == "sub"
    first, rest = g.loss.parents
    assert (first.label, rest.label) == (NEG_Y_LOG_A, "(1−y)·log(1−a)") == ("−y·log a", rest.label)
    assert first.op is not None and first.op.name == "neg"
    assert [p.label for p in first.parents] == ["y·log a"]
    # Every readable label the lesson graph had is still there.
    for name in ("x1", "x2", "w1", "w2", "b", "y", "w1·x1", "w2·x2", "z", "a", "log a"):
        assert name in labels, name
    for name in ("y·log a", "1−y", "1−a", "log(1−a)", "(1−y)·log(1−a)", "L"):
        assert name in labels, name
    text = explain(g.loss).to_text()
    assert "L = (−y·log a) − ((1−y)·log(1−a)) = 0.2873" in text
    assert "−y·log a = −(y·log a) = 0.2873" in text
    assert "−(−L)" not in text and "−L" not in text


# ------------------------------------------------------------ data as data
def test_the_lesson_diagram_draws_x_and_y_as_data_without_gradients() -> None:
    g = lesson_graph(X, Y, W, B)
    g.loss.backward()
    src = g.diagram().source
    rec = _records(src)
    for name, value in (("x1", "1.5"), ("x2", "−0.5"), ("y", "1"), ("1−y", "0")):
        fields, attrs = rec[name]
        assert fields == [name, f"data {value}"], (name, fields)
        assert 'class="value data"' in attrs and "shape=Mrecord" in attrs
        # No local derivative on the edges out of data.
        assert all("label=" not in e for e in _edge_labels_from(src, _id(src, name))), name
    for name in ("w1", "w2", "b"):
        fields, attrs = rec[name]
        assert fields[2].startswith("grad ") and 'class="value parameter"' in attrs
    dw1 = f"{1.5 * (g.a.data - 1.0):.4g}".replace("-", "−")  # dw1 = x1·dz, the minus sign
    assert rec["w1"][0][2] == f"grad {dw1}"
    assert any("∂(w1·x1)/∂w1 = x1 = 1.5" in e for e in _edge_labels_from(src, _id(src, "w1")))
    assert "legend_data" in src
    # Asked for, the data's gradients come back; without data= nothing changes.
    shown = _records(g.diagram(show_data_grads=True).source)
    assert shown["y"][0] == ["y", "data 1", f"grad {g.y.grad:.4g}".replace("-", "−")]
    plain = _records(to_dot(g.loss, parameters=g.parameters).source)
    assert plain["y"][0][2].startswith("grad ") and 'class="value input"' in plain["y"][1]


def test_data_must_be_leaves_and_not_parameters() -> None:
    g = lesson_graph(X, Y, W, B)
    with pytest.raises(ValueError, match="data must be leaves"):
        to_dot(g.loss, data=[g.z])
    with pytest.raises(ValueError, match="both as a parameter and as data"):
        to_dot(g.loss, parameters=[g.w[0]], data=[g.w[0]])
    with pytest.raises(TypeError, match="data must be a list"):
        to_dot(g.loss, data=g.y)  # type: ignore[arg-type]


# ------------------------------------------------ before backward() has run
def test_a_diagram_before_backward_says_so_instead_of_showing_zeros() -> None:
    g = lesson_graph(X, Y, W, B)
    assert not backward_has_run(g.loss)
    src = g.diagram().source
    assert NOT_RUN in src
    grads = [f[2] for f, _ in _records(src).values() if len(f) > 2]
    assert grads and set(grads) == {"grad ?"}
    assert "grad 0" not in src
    g.loss.backward()
    assert backward_has_run(g.loss)
    after = g.diagram().source
    assert NOT_RUN not in after and "grad ?" not in after
    g.loss.zero_grad()  # back to no gradient at all
    assert NOT_RUN in g.diagram().source


def test_not_run_banner_only_where_gradients_are_shown_from_the_nodes() -> None:
    x = Value(2.0, "x")
    y = (x * x).named("y")
    assert NOT_RUN not in to_dot(y, show_grad=False).source
    assert NOT_RUN not in to_dot(y, grads={y: 1.0, x: 4.0}).source  # the stepper's partial sums
    y.backward()
    assert "grad 4" in to_dot(y).source
    leaf = Value(3.0, "w")
    assert NOT_RUN in to_dot(leaf).source
    leaf.backward()
    assert NOT_RUN not in to_dot(leaf).source


def test_the_banner_is_drawn() -> None:
    from autograd_lite.teach.viz import render_svg

    g = lesson_graph(X, Y, W, B)
    svg = render_svg(g.diagram(show_local=False, legend=False).source, renderer="wasm")
    assert html.escape(NOT_RUN) in svg or NOT_RUN in svg


# ------------------------------------------------------ notebook displays
def _srcdoc(fragment: str) -> str:
    m = re.fullmatch(
        r'<div class="autograd-lite-embed"><iframe srcdoc="([^"]*)"(.*)></iframe></div>',
        fragment,
        re.S,
    )
    assert m, fragment[:200]
    return html.unescape(m[1])


def test_stepper_displays_inline_as_an_iframe_of_the_escaped_page(tmp_path: Path) -> None:
    g = lesson_graph(X, Y, W, B)
    page = stepper_html(g.loss, parameters=g.parameters)
    assert isinstance(page, str)  # unchanged for compatibility
    s = stepper_view(g.loss, parameters=g.parameters)
    assert isinstance(s, Stepper) and s.html == page and str(s) == page
    shown = s._repr_html_()
    assert _srcdoc(shown) == page  # the attribute round-trips to the page exactly
    assert "height:720px" in shown and 'title="Backward pass of L"' in shown
    assert "<script" not in shown.split('"', 2)[1]  # escaped: no markup inside the attribute
    assert "height:900px" in stepper_view(g.loss, height=900)._repr_html_()
    assert len(repr(s)) < 200 and "KB" in repr(s)
    out = s.save(tmp_path / "s.html")
    assert out.read_text(encoding="utf-8") == page
    with pytest.raises(ValueError, match="height"):
        Stepper(page, height=5)


def test_the_stepper_displays_in_ipython_without_a_warning() -> None:
    # IPython warns "Consider using IPython.display.IFrame instead" on HTML that
    # starts with <iframe; the inline view must not.
    import os
    import warnings

    if os.environ.get("CI"):
        import IPython.display as display
    else:
        display = pytest.importorskip("IPython.display")
    g = lesson_graph(X, Y, W, B)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = stepper_view(g.loss, parameters=g.parameters)
        shown = display.HTML(s._repr_html_())
        formatted = display.HTML(s._repr_html_())._repr_html_()
    assert [str(w.message) for w in caught] == []
    assert _srcdoc(formatted) == s.html and shown.data == formatted


def test_explanations_display_as_markdown_and_have_readable_reprs() -> None:
    g = lesson_graph(X, Y, W, B)
    s = explain_lesson(g)
    assert s._repr_markdown_() == s.to_markdown()
    assert s._repr_markdown_().startswith("| forward | expression | value |")
    assert " object at 0x" not in repr(s)
    assert repr(s).startswith("<LessonExplanation: da, dz (chain), dz, dw1, dw2, db: all agree")
    e = explain(g.loss)
    assert e._repr_markdown_() == e.to_markdown() and "| step |" in e._repr_markdown_()
    assert " object at 0x" not in repr(e)


# ------------------------------------------- m examples: program vs formulas
def test_compiled_program_mean_gradients_equal_the_vectorized_formulas() -> None:
    np = pytest.importorskip("numpy")
    from autograd_lite.compiled import compile_graph

    rng = np.random.default_rng(7)
    n, m = 2, 257
    Xm = rng.normal(size=(n, m))  # one column per example, as in the lesson
    Ym = (rng.random(m) < 0.5).astype(float)
    w, b = rng.normal(size=n), float(rng.normal())
    g = lesson_graph(X, Y, list(w), b)
    prog = compile_graph(g.loss, inputs=g.inputs, params=g.parameters)
    J, grads = prog.value_and_grad(Xm[0], Xm[1], Ym, reduce="mean", input_grads=False)
    # The lesson's vectorized formulas, computed independently with NumPy.
    A = 1.0 / (1.0 + np.exp(-(w @ Xm + b)))
    dZ = A - Ym
    dw = Xm @ dZ.T / m
    db = dZ.sum() / m
    cost = -np.mean(Ym * np.log(A) + (1 - Ym) * np.log(1 - A))
    assert grads[:3] == [None, None, None]
    np.testing.assert_allclose(grads[3:5], dw, rtol=1e-10, atol=1e-14)
    assert math.isclose(grads[5], db, rel_tol=1e-10, abs_tol=1e-14)
    assert math.isclose(J, cost, rel_tol=1e-12)
    # The generated code holds the lines docs/m-examples.md points at.
    source = prog.source()
    for line in ("gv8 = gv9 * (v9 * (1.0 - v9))", "gp0 = R(gv6, x0)", "gp2 = R(gv8, 1.0)"):
        assert line in source


# ----------------------------------------------- one running example
_VALUE = re.compile(r'Value\((-?[\d.]+), "(x1|x2|w1|w2|b)"\)')
_LESSON_CALL = re.compile(
    r"(?:lesson_graph|analytic)\(\s*(?:x=)?\[([^\]]*)\],\s*(?:y=)?([-\d.]+),\s*"
    r"(?:w=)?\[([^\]]*)\],\s*(?:b=)?([-\d.]+)\)"
)
_UNPACKED = re.compile(r"x1, x2, y = (-?[\d.]+), (-?[\d.]+), (-?[\d.]+)")
RUNNING = {"x1": 1.5, "x2": -0.5, "w1": 0.4, "w2": -0.8, "b": 0.1, "y": 1.0}
PAGES = [
    "README.md",
    "docs/tutorial.md",
    "docs/index.md",
    "docs/m-examples.md",
    "docs/diagrams.md",
    "docs/explain.md",
    "docs/stepper.md",
]


def _floats(text: str) -> list[float]:
    return [float(t) for t in text.split(",")]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_uses_the_running_example(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    found = 0
    for value, name in _VALUE.findall(text):
        assert float(value) == RUNNING[name], f"{page}: Value({value}, {name!r})"
        found += 1
    for x, y, w, b in _LESSON_CALL.findall(text):
        got = (_floats(x), float(y), _floats(w), float(b))
        if len(got[0]) == 2:  # the two-feature lesson (one-feature toys are other examples)
            assert got == (X, Y, W, B), f"{page}: {got}"
            found += 1
    for x1, x2, y in _UNPACKED.findall(text):
        assert (float(x1), float(x2), float(y)) == (1.5, -0.5, 1.0), page
        found += 1
    assert found, f"{page} shows no lesson example"


def test_the_demo_and_the_example_script_use_the_running_example(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert {"x": tuple(X), "y": Y, "w": tuple(W), "b": B} == DEMO_EXAMPLE
    assert main(["demo", "--out", str(tmp_path), "--epochs", "1", "--examples", "4"]) == 0
    out = capsys.readouterr().out
    assert "z = w1·x1 + w2·x2 + b = 1.1\n" in out
    assert "] = 0.2873\n" in out  # L
    assert "dz = a − y" in out and "0.7503 − 1 = −0.2497" in out
    spec = importlib.util.spec_from_file_location("_lesson_example", ROOT / "examples/lesson.py")
    assert spec is not None and spec.loader is not None
    lesson = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lesson)
    assert (lesson.x, lesson.y, lesson.w, lesson.b) == (X, Y, W, B)


def test_no_output_repeats_the_same_value_twice() -> None:
    # "db = dz = −0.2497 = −0.2497" and "log(1−a) = log(1−a) = ..." said one thing twice.
    from autograd_lite.teach.explain import explain
    from autograd_lite.teach.lesson import explain_lesson, lesson_graph

    g = lesson_graph([1.5, -0.5], 1.0, [0.4, -0.8], 0.1)
    texts = [explain_lesson(g).to_text(), explain(g.loss).to_text(), explain(g.loss).to_markdown()]
    for text in texts:
        for line in text.splitlines():
            parts = [p.strip(" |") for p in re.split(r" = ", line)]
            repeated = [a for a, b in itertools.pairwise(parts) if a and a == b.split("  ")[0]]
            assert not repeated, line
    lesson = explain_lesson(g).to_text()
    db = -0.24966  # a - y with a = sigmoid(0.4*1.5 - 0.8*-0.5 + 0.1) = sigmoid(1.1)
    assert f"db = dz                      = {db:.4f}  | graph:".replace("-", "−") in lesson
