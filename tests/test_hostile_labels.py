"""Labels are hostile input: no label ever becomes markup or breaks an output format.

A label is any Python ``str`` (feature names, CSV headers...). Every output that
is markup or code keeps it literal and well-formed: the DOT text lays out the
same graph whatever the labels, and Graphviz draws them as written; the SVG and
the stepper page hold them as text, never as elements; Markdown tables keep
their rows and LaTeX its ``$$`` blocks. Characters no output can carry (control
characters, lone surrogates, line and paragraph separators, U+FFFE/U+FFFF) are
shown as escapes: ``\\n``, ``\\r``, ``\\t``, else ``\\uXXXX`` (``shown`` below is
the documented policy, written independently of the package).
"""

from __future__ import annotations

import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from autograd_lite import Value
from autograd_lite.teach.explain import explain
from autograd_lite.teach.lesson import lesson_graph
from autograd_lite.teach.viz import draw, render_svg, stepper_html, to_dot

SVG = "{http://www.w3.org/2000/svg}"

HOSTILE = [
    "&amp;",
    "&lt;b&gt;",
    "&#65;",
    "a\nb",
    "line\r\nbreak",
    "tab\there",
    'say "hi"',
    "it's",
    "back\\slash",
    "ends with \\",
    "\\",
    '\\"',
    "\\n\\l\\r\\N\\G\\E\\T\\H",
    "<b>bold</b>",
    "<",
    ">",
    "{}",
    "{",
    "}",
    "a|b",
    "|",
    "#1",
    "\u2028",
    "para\u2029graph",
    "nul\x00byte",
    "bell\x07\x1b[31m",
    "\x7f\x85",
    "\ud800",
    "lone \udfff low",
    "\ufffe\uffff",
    "</script><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<!--",
    "]]>",
    "%s",
    "%",
    "${x}",
    "\\end{equation}",
    "\\end{aligned}$$",
    "$$",
    "$",
    "^_~&#",
    "**bold** _em_ `code` [link](http://x)",
    "  two  spaces  ",
    " ",
    "x" * 10_000,
    "",
    "node",
    "edge",
    "digraph",
    "v1",
    "é ∂ σ 😀",
    'id="x" href="#y"',
    # The stepper page's own markers (its template's, its style's, its script's).
    "{{svg}}",
    "{{title}}",
    "/*DATA*/null",
    "/*WIDTH*/",
]
IDS = [repr(label)[:40] for label in HOSTILE]

#: Arbitrary text: every category, surrogates and control characters included.
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=40)


# ------------------------------------------------------------ the policy
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(label: str) -> str:
    """The documented display of a label: unencodable characters become escapes."""
    out = []
    for ch in label:
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in "\ufffe\uffff":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


# ------------------------------------------------------------ graphs
def small(label: str) -> Value:
    """A graph whose every node carries ``label``: two leaves, ×, + 1, σ, log."""
    x, w = Value(2.0, label), Value(-0.5, label)
    p = (w * x).named(label)
    z = (p + 1).named(label)
    a = z.sigmoid().named(label)
    return a.log().named(label)


def lesson(label: str) -> tuple[Value, list[Value]]:
    g = lesson_graph([1.5, -0.5], 1.0, [0.4, -0.6], 0.1)
    for node in (g.x[0], g.w[1], g.z, g.loss):
        node.named(label)
    g.loss.backward()
    return g.loss, g.parameters


# ------------------------------------------------------------ DOT and SVG
def drawn(label: str) -> str:
    """How a label reads in the SVG (Graphviz writes repeated spaces as no-break spaces)."""
    return shown(label).replace("\xa0", " ")


def _svg_shape(svg: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(id, class) of every node, edge and cluster group, and every text node."""
    root = ET.fromstring(svg)  # raises on anything that is not well-formed XML
    groups = []
    for g in root.iter(f"{SVG}g"):
        classes = (g.get("class") or "").split()
        if classes and classes[0] in ("node", "edge", "cluster"):
            groups.append((g.get("id") or "", g.get("class") or ""))
    texts = [(t.text or "").replace("\xa0", " ") for t in root.iter(f"{SVG}text")]
    # Every element is an SVG drawing element: nothing a label could smuggle in.
    tags = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert tags <= {"svg", "g", "title", "polygon", "text", "path", "ellipse", "polyline"}, tags
    return groups, texts


def _check_diagram(root: Value, blank: Value, label: str, **kw: Any) -> None:
    source = to_dot(root, **kw).source
    assert "\x00" not in source
    source.encode("utf-8")  # no lone surrogate left
    groups, texts = _svg_shape(render_svg(source, renderer="wasm"))
    want, _ = _svg_shape(render_svg(to_dot(blank, **kw).source, renderer="wasm"))
    assert groups == want
    nodes = [g for g in groups if g[1].split()[0] == "node"]
    assert len(nodes) == len([g for g in want if g[1].split()[0] == "node"])
    if label:
        assert drawn(label) in texts, (drawn(label)[:80], texts[:8])


@pytest.mark.parametrize("label", HOSTILE, ids=IDS)
def test_dot_keeps_the_structure_and_svg_draws_the_label_literally(label: str) -> None:
    _check_diagram(small(label), small(""), label)


@pytest.mark.parametrize("label", HOSTILE, ids=IDS)
def test_lesson_diagram_with_a_hostile_label(label: str) -> None:
    root, params = lesson(label)
    blank, blank_params = lesson("")
    source = to_dot(root, parameters=params).source
    groups, texts = _svg_shape(render_svg(source, renderer="wasm"))
    want, _ = _svg_shape(render_svg(to_dot(blank, parameters=blank_params).source, renderer="wasm"))
    assert groups == want
    if label:
        assert drawn(label) in texts


@pytest.mark.parametrize(
    "label", ["&amp;", "a\nb", "\ud800", "ends with \\", "  two  spaces  "], ids=repr
)
def test_options_keep_the_structure(label: str) -> None:
    for kw in ({"rankdir": "TB"}, {"fast": True}, {"show_local": False, "color": False}):
        _check_diagram(small(label), small(""), label, **kw)
    root = small(label)
    focus = root.parents[0].parents[0]
    blank = small("")
    bfocus = blank.parents[0].parents[0]
    source = to_dot(root, focus=focus, radius=1).source
    groups, _ = _svg_shape(render_svg(source, renderer="wasm"))
    want, _ = _svg_shape(render_svg(to_dot(blank, focus=bfocus, radius=1).source, renderer="wasm"))
    assert groups == want


def test_entities_are_drawn_as_written() -> None:
    source = to_dot(small("&amp; &#65; &lt;")).source
    _, texts = _svg_shape(render_svg(source, renderer="wasm"))
    assert "&amp; &#65; &lt;" in texts


@pytest.mark.parametrize("label", ["\ud800", "nul\x00", "a\nb", "\u2028"], ids=repr)
def test_draw_writes_every_text_format(label: str, tmp_path: Path) -> None:
    root = small(label)
    for suffix in (".dot", ".svg", ".html"):
        out = draw(root, tmp_path / f"g{suffix}")
        text = out.read_text("utf-8")
        assert "\x00" not in text and "\u2028" not in text
        assert shown(label) in text or suffix == ".dot"
    ET.fromstring((tmp_path / "g.svg").read_text("utf-8"))


def test_render_svg_reads_unencodable_dot_text() -> None:
    # Hand-written DOT: what Graphviz cannot read is drawn as U+FFFD, never an encoding error.
    svg = render_svg('digraph { a [label="x\ud800\x00y\x07"] }', renderer="wasm")
    _, texts = _svg_shape(svg)
    assert texts == ["x\ufffd\ufffdy\ufffd"]


@pytest.mark.parametrize("label", ["[", "a [label=b]", "\n\tv9 [x]", "x -> y ["], ids=repr)
def test_summary_counts_statements_not_brackets(label: str) -> None:
    bundle = to_dot(small(label))._repr_mimebundle_()
    assert bundle["text/plain"].split(":")[0] == "<Diagram"
    want = to_dot(small(""))._repr_mimebundle_()["text/plain"]
    assert bundle["text/plain"] == want


# ------------------------------------------------------------ stepper page
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attrs: set[str] = set()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.data: dict[str, str] = {}
        self.nodes: list[str] = []
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        found = dict(attrs)
        self.attrs |= {f"{tag}[{name}]" for name in found}
        if tag == "figure" and found.get("data-node") is not None:
            self.nodes.append(found["data-node"] or "")
        if tag not in _VOID:
            self.stack.append((tag, found))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attrs |= {f"{tag}[{name}]" for name, _ in attrs}

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.stack:
            return
        tag, attrs = self.stack[-1]
        key = attrs.get("id") or ""
        if tag == "title" and all(t != "svg" for t, _ in self.stack):  # the page's own title
            self.title += data
        if key in ("texts", "explanation"):
            self.data[key] = self.data.get(key, "") + data


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def _check_page(root: Value, blank: Value, label: str, **kw: Any) -> None:
    page = stepper_html(root, renderer="wasm", **kw)
    page.encode("utf-8")
    assert "\x00" not in page
    got, want = _parse(page), _parse(stepper_html(blank, renderer="wasm", **kw))
    assert got.tags == want.tags  # not a single element more or less
    assert got.tags["script"] == 2 and got.attrs == want.attrs
    texts = json.loads(got.data["texts"])
    assert texts == [explain(root).step_text(k, partial=True) for k in range(len(texts))]
    assert got.data["explanation"] == texts[0]
    if label:
        assert shown(label) in texts[0]
        assert got.title == f"Backward pass of {shown(label)}"
        assert got.nodes[0] == shown(label)
    script = page.split('<script type="application/json" id="texts">', 1)[1].split("</script>")[0]
    assert not set(script) & set("<>&\u2028\u2029")


@pytest.mark.parametrize("label", HOSTILE, ids=IDS)
def test_stepper_page_keeps_its_elements(label: str) -> None:
    _check_page(small(label), small(""), label)


@pytest.mark.parametrize(
    "title", ["</title><script>alert(1)</script>", "\ud800", "a\x00b", "{{svg}} {{script}}"]
)
def test_stepper_title_and_texts_are_text(title: str) -> None:
    texts = [f"</script><script>alert({k})</script>\n&amp; \u2028 \ud800" for k in range(4)]
    page = stepper_html(small("x"), renderer="wasm", title=title, texts=texts)
    got = _parse(page)
    want = _parse(stepper_html(small("x"), renderer="wasm", title="t", texts=["t"] * 4))
    assert got.tags == want.tags
    decoded = json.loads(got.data["texts"])
    assert decoded[0].startswith("</script><script>alert(0)</script>\n&amp; ")
    assert all("\ud800" not in t and "\\ud800" in t for t in decoded)
    assert got.title == shown(title)


# ------------------------------------------------------------ Markdown
_PIPE = re.compile(r"(?<!\\)\|")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _rows(md: str) -> list[list[str]]:
    return [_PIPE.split(ln.strip())[1:-1] for ln in md.splitlines() if ln.startswith("|")]


def _check_markdown(root: Value, blank: Value, label: str) -> None:
    md = explain(root).to_markdown()
    assert "\x00" not in md
    md.encode("utf-8")
    rows, want = _rows(md), _rows(explain(blank).to_markdown())
    assert len(rows) == len(want)
    assert {len(r) for r in rows} == {7}
    assert len(md.splitlines()) == len(explain(blank).to_markdown().splitlines())
    if label.strip():
        inputs = [_MD_ESCAPE.sub(r"\1", r[3]).strip() for r in rows[2:]]
        assert shown(label).strip() in inputs
    # No raw HTML, entity or code span can start inside a cell.
    for r in rows[2:]:
        for cell in r:
            assert not re.search(r"(?<!\\)[<`&]", cell), cell


@pytest.mark.parametrize("label", HOSTILE, ids=IDS)
def test_markdown_table_keeps_its_rows(label: str) -> None:
    _check_markdown(small(label), small(""), label)


def test_plain_text_keeps_its_lines() -> None:
    for label in HOSTILE:
        text, blank = explain(small(label)).to_text(), explain(small("")).to_text()
        assert len(text.splitlines()) == len(blank.splitlines())
        step = explain(small(label)).step_text(0)
        assert len(step.splitlines()) == len(explain(small("")).step_text(0).splitlines())


# ------------------------------------------------------------ LaTeX
def _tokens(tex: str) -> list[str]:
    """TeX tokens, roughly: ``\\word``, ``\\<char>``, or one character."""
    return re.findall(r"\\[A-Za-z]+|\\.|.", tex, re.DOTALL)


def _check_latex(root: Value, blank: Value) -> None:
    tex = explain(root).to_latex()
    assert "\x00" not in tex
    tex.encode("utf-8")
    lines = tex.split("\n")
    dollars = [i for i, ln in enumerate(lines) if "$$" in ln]
    assert tex.count("$$") % 2 == 0 and len(dollars) == 2
    assert lines[dollars[0]] == "$$" and lines[dollars[1]] == "$$"
    assert all(ln.strip() for ln in lines[dollars[0] : dollars[1] + 1])  # no blank line in math
    body = "\n".join(lines[dollars[0] + 1 : dollars[1]])
    depth = 0
    for tok in _tokens(body):
        assert tok not in ("$", "#", "%", "~"), f"unescaped {tok!r} in {body[:200]!r}"
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
            assert depth >= 0
    assert depth == 0
    assert body.startswith("\\begin{aligned}") and body.endswith("\\end{aligned}")
    assert body.count("\\end{aligned}") == 1 and body.count("\\begin{") == 1
    rows = body.split(" \\\\\n")
    assert len(rows) == len(explain(blank).to_latex().split(" \\\\\n"))
    for row in rows:
        # one alignment point per row: a label's "&" is always escaped
        assert _tokens(row).count("&") == 1, row
    toks = _tokens(body)
    for i, tok in enumerate(toks):
        if tok in ("_", "^"):
            assert toks[i + 1] == "{", body


@pytest.mark.parametrize("label", HOSTILE, ids=IDS)
def test_latex_stays_balanced(label: str) -> None:
    _check_latex(small(label), small(""))


# ------------------------------------------------------------ any label at all
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(label=ANY_TEXT, other=ANY_TEXT)
@example(label='\ud800\n&amp;|{}<>"\\', other="\x00\u2028\u2029%$#^_~")
def test_any_label_in_every_format(label: str, other: str) -> None:
    def build(a: str, b: str) -> Value:
        x, w = Value(2.0, a), Value(-0.5, b)
        p = (w * x).named(a + b)
        return (p + 1).sigmoid().named(b)

    root, blank = build(label, other), build("", "")
    _check_diagram(root, blank, "")
    _, texts = _svg_shape(render_svg(to_dot(root).source, renderer="wasm"))
    for name in (label, other, label + other):
        if name:
            assert drawn(name) in texts, (drawn(name), texts)
    _check_page(root, blank, "")
    _check_markdown(root, blank, "")
    _check_latex(root, blank)
