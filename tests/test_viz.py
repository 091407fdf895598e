"""Diagrams: DOT structure, edge labels against central differences, rendering, large graphs."""

from __future__ import annotations

import math
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value
from autograd_lite.core.ops import TABLE, pow_const
from autograd_lite.core.value import apply, vsum
from autograd_lite.teach.viz import RendererNotFound, draw, render_svg, stepper_html, to_dot
from autograd_lite.teach.viz import render as render_mod
from autograd_lite.teach.viz.stepper import frames

NODE = re.compile(r"^\t(\w+) \[label=(\"(?:[^\"\\]|\\.)*\"|\S+)(.*)\]$", re.M)
EDGE = re.compile(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$", re.M)
LABEL = re.compile(r'label=("(?:[^"\\]|\\.)*"|\S+)')


def _unquote(text: str) -> str:
    return text[1:-1].replace('\\"', '"') if text.startswith('"') else text


def _nodes(source: str) -> dict[str, tuple[str, str]]:
    return {m[1]: (_unquote(m[2]), m[3]) for m in NODE.finditer(source)}


def _edges(source: str) -> list[tuple[str, str, str]]:
    out = []
    for m in EDGE.finditer(source):
        lab = LABEL.search(m[3] or "")
        out.append((m[1], m[2], _unquote(lab[1]) if lab else ""))
    return out


def _id_of(source: str, label: str) -> str:
    hits = [k for k, (lab, _) in _nodes(source).items() if lab.startswith("{ " + label + " |")]
    assert len(hits) == 1, (label, hits)
    return hits[0]


def _lesson() -> dict[str, Value]:
    x, w, b = Value(2.0, "x"), Value(-0.5, "w"), Value(0.25, "b")
    p = (w * x).named("p")
    z = (p + b).named("z")
    a = z.sigmoid().named("a")
    q = (1 - a).named("q")
    loss = q.log().named("L")
    return {"x": x, "w": w, "b": b, "p": p, "z": z, "a": a, "q": q, "L": loss}


def _sigma(t: float) -> float:
    return 1.0 / (1.0 + math.exp(-t))


# ---------------------------------------------------------------- structure
def test_records_ops_and_argument_order() -> None:
    g = _lesson()
    g["L"].backward()
    src = to_dot(g["L"], parameters=[g["w"], g["b"]]).source
    nodes = _nodes(src)
    records = [k for k, (_, rest) in nodes.items() if "shape=record" in rest]
    assert len(records) == 8  # x, w, b, p, z, a, q, L; the constant 1 is not a record
    ops = {lab for _, (lab, rest) in nodes.items() if "shape=circle" in rest}
    assert ops == {"×", "+", "σ", "−", "log"}
    const = [k for k, (lab, rest) in nodes.items() if "shape=plaintext" in rest and lab == "1"]
    assert len(const) == 1
    # "1 − a": the constant is argument 0, a is argument 1, and edges come in that order.
    q_op = _id_of(src, "q") + "_op"
    into_q = [e[0] for e in _edges(src) if e[1] == q_op]
    assert into_q == [const[0], _id_of(src, "a")]
    into_p = [e[0] for e in _edges(src) if e[1] == _id_of(src, "p") + "_op"]
    assert into_p == [_id_of(src, "w"), _id_of(src, "x")]
    # The record reads label | data | grad with the values of the lesson formulas.
    a_val = _sigma(-0.5 * 2.0 + 0.25)
    a_label = nodes[_id_of(src, "a")][0]
    grad = f"{-1.0 / (1.0 - a_val):.4g}".replace("-", "−")  # the diagrams' minus sign
    assert a_label == f"{{ a | data {a_val:.4g} | grad {grad} }}"


def test_edge_label_names_formula_and_value() -> None:
    g = _lesson()
    src = to_dot(g["L"]).source
    labels = {(e[0], e[1]): e[2] for e in _edges(src)}
    z, a_op = _id_of(src, "z"), _id_of(src, "a") + "_op"
    a_val = _sigma(-0.75)
    assert labels[(z, a_op)] == "∂a/∂z = a(1 − a) = %.4g" % (a_val * (1 - a_val))
    w, p_op = _id_of(src, "w"), _id_of(src, "p") + "_op"
    assert labels[(w, p_op)] == "∂p/∂w = x = 2"
    # No label on the edge from a constant.
    assert all(lab == "" for s, _, lab in _edges(src) if _nodes(src)[s][0] == "1")


def _op_node(name: str, xs: list[float]) -> tuple[Value, list[Value]]:
    leaves = [Value(x, f"u{i}") for i, x in enumerate(xs)]
    if name == "add":
        return vsum(leaves).named("out"), leaves
    row = pow_const(3.0) if name == "powc" else TABLE[name]
    return apply(row, tuple(leaves)).named("out"), leaves


@pytest.mark.parametrize("name", sorted(n for n in TABLE if n != "const"))
def test_edge_values_match_central_differences(name: str) -> None:
    op = TABLE[name]
    arity = 3 if op.arity == -1 else op.arity
    point = [0.7, 1.3, 0.4][:arity]
    out, leaves = _op_node(name, point)
    src = to_dot(out, precision=8).source
    edges = _edges(src)
    for i, leaf in enumerate(leaves):
        label = next(lab for s, _, lab in edges if s == _id_of(src, leaf.label))
        assert label.startswith(f"∂out/∂u{i} = ")
        shown = float(label.rsplit(" = ", 1)[1].replace("−", "-"))
        h = 1e-6
        up, dn = list(point), list(point)
        up[i] += h
        dn[i] -= h
        expected = (_op_node(name, up)[0].data - _op_node(name, dn)[0].data) / (2 * h)
        assert shown == pytest.approx(expected, rel=1e-5, abs=1e-6), (name, i, label)


def test_unlabelled_nodes_get_short_names_used_in_formulas() -> None:
    x = Value(0.5, "x")
    y = x.sigmoid().tanh()
    src = to_dot(y).source
    labels = [lab for _, _, lab in _edges(src) if lab]
    records = sorted(lab.split(" |")[0][2:] for lab, _ in _nodes(src).values() if "|" in lab)
    # σ's output is t1 and the unlabelled root is out, as in the explanations.
    assert records == ["out", "t1", "x"]
    s = _sigma(0.5)
    assert f"∂t1/∂x = t1(1 − t1) = {s * (1 - s):.4g}" in labels
    assert f"∂out/∂t1 = 1 − out² = {1 - math.tanh(s) ** 2:.4g}" in labels


def test_diagram_and_explanation_call_every_node_the_same() -> None:
    from autograd_lite.teach.explain import explain

    a, b = Value(2.0), Value(3.0, "b")
    out = (a * b + a).exp() * 1e-3
    text = explain(out).to_text()
    shown = [lab.split(" |")[0][2:] for lab, _ in _nodes(to_dot(out).source).values() if "|" in lab]
    assert sorted(shown) == ["b", "out", "t1", "t2", "t3", "v1"]
    for name in shown:
        assert name in text, name


def test_compound_names_are_parenthesised_in_the_derivative() -> None:
    a = Value(0.25, "a")
    q = (1 - a).named("1−a")
    labels = [lab for _, _, lab in _edges(to_dot(q.log().named("L")).source) if lab]
    assert "∂L/∂(1−a) = 1/(1−a) = 1.333" in labels


def test_options() -> None:
    g = _lesson()
    plain = to_dot(g["L"], show_grad=False, show_local=False, color=False).source
    assert "grad " not in plain
    assert "fillcolor" not in plain
    assert all(lab == "" for _, _, lab in _edges(plain))
    assert "legend" not in plain
    tb = to_dot(g["L"], rankdir="TB").source
    assert "rankdir=TB" in tb
    assert _nodes(tb)["v0"][0].startswith("{ x | data")  # braces: stacked when top-down
    coloured = to_dot(g["L"], parameters=[g["w"], g["b"]]).source
    nodes = _nodes(coloured)
    assert 'class="value parameter"' in nodes[_id_of(coloured, "w")][1]
    assert 'class="value input"' in nodes[_id_of(coloured, "x")][1]
    assert 'class="value output"' in nodes[_id_of(coloured, "L")][1]
    legend = re.findall(r"legend_(\w+) \[label=(\w+)", coloured)
    assert sorted(k for k, _ in legend) == ["input", "intermediate", "output", "parameter"]
    no_params = to_dot(g["L"]).source
    assert "legend_parameter" not in no_params
    short = to_dot(Value(1 / 3, "t") * 1, precision=2).source
    assert "data 0.33 " in short


def test_bad_options_raise() -> None:
    x = Value(1.0, "x")
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(x, rankdir="sideways")
    with pytest.raises(TypeError, match="Value"):
        to_dot(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="focus"):
        to_dot(x * 2, focus=Value(3.0, "elsewhere"))


def _build_twice() -> tuple[Value, Value]:
    def build(offset: int) -> Value:
        for _ in range(offset):
            Value(0.0)  # shift the global creation counter
        x, y = Value(1.5, "x"), Value(-2.0, "y")
        return ((x * y + x.exp()) / (y * y)).tanh().named("out")

    return build(0), build(7)


def test_deterministic_dot_and_svg() -> None:
    a, b = _build_twice()
    a.backward()
    b.backward()
    da, db = to_dot(a).source, to_dot(b).source
    assert da == db
    assert render_svg(da, renderer="wasm") == render_svg(db, renderer="wasm")
    assert "Generated by graphviz" not in render_svg(da, renderer="wasm")


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=12))
def test_any_label_renders(label: str) -> None:
    x = Value(2.0, label)
    y = (x * x).named(label + "!")
    svg = render_svg(to_dot(y).source, renderer="wasm")
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg
    assert svg.count('class="node value') == 2


# -------------------------------------------------------------- large graphs
def _chain(n: int) -> list[Value]:
    nodes = [Value(0.1, "x0")]
    for i in range(1, n):
        nodes.append((nodes[-1] * 0.9).named(f"x{i}"))
    return nodes


def test_fast_preset_above_a_few_hundred_nodes() -> None:
    small = _chain(50)
    assert "splines" not in to_dot(small[-1]).source
    big = _chain(400)  # 400 values: 399 records with an op circle each → ~1,200 Graphviz nodes
    src = to_dot(big[-1]).source
    assert "splines=false" in src
    assert "_op" not in src and "∂" not in src
    assert "legend" not in src
    assert "splines" not in to_dot(big[-1], fast=False, max_nodes=5000).source


def test_cap_names_the_overriding_options() -> None:
    nodes = _chain(1000)
    with pytest.raises(ValueError) as info:
        to_dot(nodes[-1])
    message = str(info.value)
    assert "max_nodes=1500" in message and "focus=" in message
    needed = int(re.search(r"max_nodes=(\d+) to draw it all", message)[1])  # type: ignore[index]
    assert to_dot(nodes[-1], max_nodes=needed).source.count("shape=record") == 1000


def test_focus_draws_the_neighbourhood() -> None:
    nodes = _chain(1000)
    src = to_dot(nodes[-1], focus=nodes[500], radius=3).source
    shown = sorted(lab.split(" |")[0][2:] for lab, rest in _nodes(src).values() if "record" in rest)
    assert shown == sorted(f"x{i}" for i in range(497, 504))
    assert "2 more" in src  # x497's inputs (x496 and the constant) are outside the picture


# ---------------------------------------------------------------- rendering
def test_no_renderer_gives_hint_and_keeps_the_source(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(render_mod, "_system_dot", lambda: None)
    monkeypatch.setattr(render_mod, "_wasm", lambda: None)
    x = Value(3.0, "x")
    source = to_dot(x * x).source
    with pytest.raises(RendererNotFound) as info:
        render_svg(source)
    assert "pip install" in str(info.value) and "graphviz" in str(info.value)
    assert info.value.source == source
    with pytest.raises(RendererNotFound, match="written to"):
        draw(x * x, tmp_path / "g.svg")
    assert (tmp_path / "g.dot").read_text(encoding="utf-8").startswith("digraph")
    bundle = to_dot(x * x)._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert "digraph" in bundle["text/plain"] and "pip install" in bundle["text/plain"]


def test_png_needs_system_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(render_mod, "_system_dot", lambda: None)
    with pytest.raises(RendererNotFound, match="PNG output needs a system Graphviz"):
        draw(Value(1.0, "x") * 2, tmp_path / "g.png")


def test_system_dot_is_preferred(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "dot"
    fake.write_text(
        "#!/bin/sh\ncat > /dev/null\n"
        'printf "<!-- Generated by graphviz version 9 -->\\n<svg>fake $1</svg>\\n"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}")
    assert render_svg("digraph { a }") == "<svg>fake -Tsvg</svg>\n"


def test_in_process_renderer_without_system_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_mod, "_system_dot", lambda: None)
    g = _lesson()
    svg = render_svg(to_dot(g["L"]).source)
    assert "<svg" in svg and svg.count('class="node value') == 9
    assert "∂a/∂z = a(1 − a)" in svg
    assert "image/svg+xml" in to_dot(g["L"])._repr_mimebundle_()


def test_draw_formats(tmp_path: Path) -> None:
    g = _lesson()
    dot = draw(g["L"], tmp_path / "g.dot")
    assert dot.read_text(encoding="utf-8") == to_dot(g["L"]).source
    svg = draw(g["L"], tmp_path / "g.svg", rankdir="TB")
    assert "<svg" in svg.read_text(encoding="utf-8")
    assert "image/svg+xml" in svg._repr_mimebundle_()
    page = draw(g["L"], tmp_path / "g.html")
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(ValueError, match=r"\.jpeg"):
        draw(g["L"], tmp_path / "g.jpeg")


def test_a_drawing_displays_in_a_notebook_and_never_raises(tmp_path: Path) -> None:
    import base64

    from autograd_lite.teach.viz.drawing import Drawing

    png = tmp_path / "g.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    bundle = Drawing(png)._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == png.read_bytes()
    page = draw(Value(2.0, "x") * 3, tmp_path / "g.html")._repr_mimebundle_()
    assert page["text/html"].startswith('<div class="autograd-lite-embed"><iframe srcdoc=')
    # A file deleted after drawing: the notebook shows why, it does not raise.
    gone = draw(Value(2.0, "x") * 3, tmp_path / "gone.dot")
    gone.unlink()
    assert "not displayed" in gone._repr_mimebundle_()["text/plain"]


# ------------------------------------------------------------------ stepper
def test_frames_highlight_each_step_and_show_partial_grads() -> None:
    x = Value(3.0, "x")
    s = (x * x).named("s")
    y = (s + x).named("y")
    fs = frames(y, texts=["first", "second"])
    assert [f.node for f in fs] == [y, s]
    # After the root's step x holds only the direct contribution 1; after s's, 1 + 2·3.
    assert _record(fs[0].svg, "x") == ["x", "data 3", "grad 1"]
    assert _record(fs[1].svg, "x") == ["x", "data 3", "grad 7"]
    assert 'class="node value intermediate highlight"' in fs[1].svg


def _record(svg: str, label: str) -> list[str]:
    for group in re.findall(r'<g id="[^"]*" class="node value[^"]*">(.*?)</g>', svg, re.S):
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", group)
        if texts and texts[0] == label:
            return texts
    raise AssertionError(f"no record {label!r}")


def test_frames_dim_unreached_nodes() -> None:
    g = _lesson()
    fs = frames(g["L"], texts=[str(k) for k in range(5)])
    # Frame 0: only L (processed) and q (just reached) know their gradient.
    assert fs[0].svg.count(">grad ?</text>") == 6  # x, w, b, p, z, a
    assert fs[-1].svg.count(">grad ?</text>") == 0


def test_stepper_page_is_deterministic_with_unique_ids() -> None:
    a, b = _build_twice()
    page_a, page_b = stepper_html(a), stepper_html(b)
    assert page_a == page_b
    ids = re.findall(r'\bid="([^"]+)"', page_a)
    assert len(ids) == len(set(ids))


def test_stepper_step_cap() -> None:
    nodes = _chain(30)
    with pytest.raises(ValueError, match="max_steps=29"):
        stepper_html(nodes[-1], max_steps=10)


def _svg_texts(svg: str) -> list[tuple[float, float, str]]:
    return [
        (float(x), float(y), t)
        for x, y, t in re.findall(
            r'<text[^>]* x="([-\d.]+)" y="([-\d.]+)"[^>]*>([^<]*)</text>', svg
        )
    ]


def test_top_down_stacks_each_box_and_is_narrower() -> None:
    from autograd_lite.teach.lesson import lesson_graph
    from autograd_lite.teach.viz import render_svg

    g = lesson_graph([1.5, -0.5], 1.0, [0.4, -0.8], 0.1)
    g.loss.backward()
    sizes = {}
    for rankdir in ("LR", "TB"):
        svg = render_svg(g.diagram(rankdir=rankdir).source, renderer="wasm")
        sizes[rankdir] = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
        texts = _svg_texts(svg)
        w1 = next(i for i, t in enumerate(texts) if t[2] == "w1")
        name, data, grad = texts[w1 : w1 + 3]
        assert data[2] == "data 0.4" and grad[2].startswith("grad ")
        if rankdir == "TB":  # one column: same x, going down
            assert name[0] == data[0] == grad[0] and name[1] < data[1] < grad[1]
        else:  # one row: same y, going right
            assert name[1] == data[1] == grad[1] and name[0] < data[0] < grad[0]
    # Shrunk into a 736 px page column, 11 pt labels (11 * 4/3 px at full size)
    # stay >= 10 px while the width is <= 11 * 0.75 * 736 / 10 = 607 pt.
    assert sizes["TB"] <= 11 * 0.75 * 736 / 10 < sizes["LR"]


def test_every_kind_drawn_has_a_legend_entry() -> None:
    from autograd_lite.teach.lesson import lesson_graph

    g = lesson_graph([1.5, -0.5], 1.0, [0.4, -0.8], 0.1)
    for rankdir in ("LR", "TB"):
        source = g.diagram(rankdir=rankdir).source
        drawn = set(re.findall(r'class="value (\w+)', source))
        # input (no leaf left undeclared here) is absent; the constants 1 are drawn.
        assert drawn == {"data", "parameter", "constant", "intermediate", "output"}
        keys = set(re.findall(r"\tlegend_(\w+) \[", source))
        assert keys == drawn
        assert 'legend_constant [label="constant (number)"' in source


# ------------------------------------------------------------- set_renderer
_TINY = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'


@pytest.fixture
def custom_renderer() -> Iterator[list[tuple[str, str]]]:
    calls: list[tuple[str, str]] = []

    def fake(source: str, fmt: str) -> str:
        calls.append((source, fmt))
        return "<!-- Generated by graphviz version 0 -->\n" + _TINY

    previous = render_mod.set_renderer(fake)
    try:
        yield calls
    finally:
        render_mod.set_renderer(previous)


def _square() -> Value:
    x = Value(3.0, "x")
    y = (x * x).named("y")
    y.backward()
    return y


def test_set_renderer_draws_every_diagram(
    custom_renderer: list[tuple[str, str]], tmp_path: Path
) -> None:
    y = _square()
    dot = to_dot(y)
    assert dot.svg() == _TINY  # the version comment is dropped as for Graphviz
    assert render_svg(dot.source) == _TINY
    assert draw(y, tmp_path / "g.svg").read_text("utf-8") == _TINY
    page = stepper_html(y)
    assert _TINY.removesuffix("</svg>") in page
    assert [fmt for _, fmt in custom_renderer] == ["svg"] * 4
    assert custom_renderer[0][0] == dot.source
    assert render_mod.have_renderer("pdf")


def test_set_renderer_returns_the_previous_and_none_restores() -> None:
    def one(source: str, fmt: str) -> str:
        return "<svg>1</svg>"

    def two(source: str, fmt: str) -> bytes:
        return b"<svg>2</svg>"

    before = render_mod.set_renderer(one)
    try:
        assert render_svg("digraph { a }") == "<svg>1</svg>"
        assert render_mod.set_renderer(two) is one
        assert render_svg("digraph { a }") == "<svg>2</svg>"
        assert render_mod.set_renderer(None) is two
        assert render_mod.set_renderer(None) is None
    finally:
        render_mod.set_renderer(before)


def test_set_renderer_failures_are_render_errors() -> None:
    def broken(source: str, fmt: str) -> str:
        raise OSError("no canvas here")

    def wrong(source: str, fmt: str) -> int:
        return 42

    previous = render_mod.set_renderer(broken)
    try:
        with pytest.raises(render_mod.RenderError, match="set_renderer failed: OSError: no canvas"):
            render_svg("digraph { a }")
        render_mod.set_renderer(wrong)  # type: ignore[arg-type]
        with pytest.raises(render_mod.RenderError, match="returned int") as info:
            render_svg("digraph { a }")
        assert info.value.source == "digraph { a }"
    finally:
        render_mod.set_renderer(previous)
    with pytest.raises(TypeError, match="set_renderer: expected a function"):
        render_mod.set_renderer("dot")  # type: ignore[arg-type]


def test_set_renderer_keeps_the_layout_guard(custom_renderer: list[tuple[str, str]]) -> None:
    leaves = [Value(float(i), f"x{i}") for i in range(40)]
    out = vsum([a * b for a in leaves for b in leaves[:20]])
    with pytest.raises(render_mod.RenderError, match="would need about"):
        to_dot(out, max_nodes=None).svg(timeout=0.001)
    assert custom_renderer == []


def test_set_renderer_is_bypassed_by_an_explicit_renderer(
    custom_renderer: list[tuple[str, str]],
) -> None:
    which = "dot" if render_mod._system_dot() else "wasm"
    svg = render_svg("digraph { a -> b }", renderer=which)
    assert "<svg" in svg and svg != _TINY
    assert custom_renderer == []
