"""The stepper page is its three package files filled in, and nothing else.

``stepper.html`` (the page, ``{{name}}`` where each part goes), ``stepper.css``
(``/*WIDTH*/`` where the panel's width goes) and ``stepper.js`` (``/*DATA*/null``
where the per-step data goes) sit beside ``autograd_lite/teach/viz/stepper.py``.
Here the template is turned into a pattern that the whole page must match: every
byte of the template appears, in order, each marker replaced by its part, and the
style and the script are the files' text with only their own marker replaced.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import autograd_lite.teach.viz as viz
from autograd_lite import Value
from autograd_lite.teach.explain import explain, explain_forward
from autograd_lite.teach.lesson import lesson_graph
from autograd_lite.teach.viz import stepper as stepper_mod
from autograd_lite.teach.viz import stepper_html

HERE = Path(viz.__file__).parent
CSS = (HERE / "stepper.css").read_text(encoding="utf-8")
JS = (HERE / "stepper.js").read_text(encoding="utf-8")
TEMPLATE = (HERE / "stepper.html").read_text(encoding="utf-8")
SLOTS = {"title", "style", "n", "options", "first_node", "svg", "first", "texts", "script"}
X, Y, W, B = [1.5, -0.5], 1.0, [0.4, -0.8], 0.1  # the lesson's running example
#: The data the script reads to highlight and add up the paths down to a selected node.
PATH_KEYS = {"graph", "names", "dnames", "paths", "targets", "limit", "precision"}


def _pattern(template: str) -> re.Pattern[str]:
    # The template's literal text, escaped; each marker a group (a repeated one
    # must repeat its first match).
    parts = re.split(r"\{\{(\w+)\}\}", template)
    out: list[str] = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(re.escape(part))
        elif f"(?P<{part}>" in "".join(out):
            out.append(f"(?P={part})")
        else:
            out.append(f"(?P<{part}>.*?)")
    return re.compile("".join(out), re.S)


PAGE = _pattern(TEMPLATE)


def _parts(page: str) -> dict[str, str]:
    m = PAGE.fullmatch(page)
    assert m, "the page is not the template filled in"
    return m.groupdict()


def _nodes(root: Value) -> list[Value]:
    seen: dict[int, Value] = {}
    todo = [root]
    while todo:
        n = todo.pop()
        if id(n) not in seen:
            seen[id(n)] = n
            todo.extend(n.parents)
    return list(seen.values())


def _op_nodes(root: Value) -> list[Value]:
    return [n for n in _nodes(root) if n.parents]


def _depends_on(node: Value, seed: Value) -> bool:
    return any(n is seed for n in _nodes(node))


def _check_common(page: str, texts: list[str], *, plain: bool = True) -> dict[str, str]:
    got = _parts(page)
    assert set(got) == SLOTS
    # The style appears exactly once, with only its marker replaced.
    css_head, css_tail = CSS.split("/*WIDTH*/")
    assert page.count(css_head) == 1 and page.count(css_tail) == 1
    longest = max(len(line) for t in texts for line in t.splitlines())
    assert got["style"] == f"{css_head}calc({min(longest, 120) + 1}ch + 2em){css_tail}"
    if plain:  # no label or text spells a marker: none is left anywhere
        for name in SLOTS:
            assert "{{" + name + "}}" not in page
        assert "/*WIDTH*/" not in page and "/*DATA*/null" not in page
    # The parts: one SVG, the texts as JSON (nothing in it that could end the script).
    assert page.count("<svg") == 1 and got["svg"].startswith("<svg")
    assert got["svg"].rstrip().endswith("</svg>")
    assert json.loads(got["texts"]) == texts
    assert not set(got["texts"]) & set("<>&\u2028\u2029")
    assert got["n"] == str(len(texts))
    assert got["first"] == html.escape(texts[0])
    assert got["options"].count("<option ") == len(texts)
    return got


def test_the_backward_page_is_the_template_filled_in() -> None:
    g = lesson_graph(X, Y, W, B)
    page = stepper_html(g.loss, parameters=g.parameters)
    n = len(_op_nodes(g.loss))  # one backward step per op node
    texts = [explain(g.loss).step_text(k, partial=True) for k in range(n)]
    got = _check_common(page, texts)
    assert got["title"] == "Backward pass of L"
    assert got["first_node"] == "L"
    js_head, js_tail = JS.split("/*DATA*/null")
    assert page.count(js_head) == 1 and page.count(js_tail) == 1
    assert got["script"].startswith(js_head) and got["script"].endswith(js_tail)
    data = json.loads(got["script"][len(js_head) : -len(js_tail)])
    assert set(data) == {"nodes", "root", "rootGrad", "steps", *PATH_KEYS}
    assert len(data["steps"]) == n


def test_the_forward_page_changes_two_lines_of_the_script() -> None:
    g = lesson_graph(X, Y, W, B)
    page = stepper_html(g.loss, sweep="forward", tangents={g.w[0]: 1.0})
    # One forward step per op node whose tangent along w1 is computed: those that depend on w1.
    n = sum(_depends_on(op, g.w[0]) for op in _op_nodes(g.loss))
    texts = [explain_forward(g.loss, {g.w[0]: 1.0}).step_text(k, partial=True) for k in range(n)]
    got = _check_common(page, texts)
    assert got["title"].startswith("Forward sweep of L along ")
    mine, theirs = got["script"].splitlines(), JS.splitlines()
    assert len(mine) == len(theirs)
    changed = [(a, b) for a, b in zip(theirs, mine, strict=True) if a != b]
    assert len(changed) == 3
    (data_js, data_page), (init_js, init_page), (word_js, word_page) = changed
    head, tail = data_js.split("/*DATA*/null")
    data = json.loads(data_page[len(head) : -len(tail)])
    assert set(data) == {"nodes", "init", "steps", "root", *PATH_KEYS} and len(data["steps"]) == n
    assert "DATA.rootGrad" in init_js and "DATA.init" in init_page
    assert '"grad ?"' in word_js and '"ṫ = ?"' in word_page


@pytest.mark.parametrize(
    "label",
    ["{{svg}}", "{{title}}", "{{script}}", "/*DATA*/null", "/*WIDTH*/", "{title}", "{0}", "}{"],
)
def test_labels_that_spell_a_marker_stay_text(label: str) -> None:
    x = Value(2.0, label)
    y = (x * x).named(label)
    texts = [f"{label} </script> {{{{texts}}}}"]
    page = stepper_html(y, title=f"{label} </title>", texts=texts)
    got = _check_common(page, texts, plain=False)
    assert got["title"] == html.escape(f"{label} </title>")
    assert got["first_node"] == html.escape(label, quote=True)
    js_head, js_tail = JS.split("/*DATA*/null")
    assert page.count(js_head) == 1 and page.count(js_tail) == 1
    assert got["script"].startswith(js_head) and got["script"].endswith(js_tail)


@pytest.fixture
def fresh_files() -> Iterator[None]:
    # The files are read once per process: read them again here, and after.
    stepper_mod._files.cache_clear()
    yield
    stepper_mod._files.cache_clear()


@pytest.mark.parametrize(
    ("name", "old"),
    [("stepper.html", "{{svg}}"), ("stepper.js", "/*DATA*/null"), ("stepper.css", "/*WIDTH*/")],
)
def test_a_damaged_file_is_named(
    name: str, old: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_files: None
) -> None:
    for f in ("stepper.css", "stepper.js", "stepper.html"):
        shutil.copy(HERE / f, tmp_path / f)
    (tmp_path / name).write_text(
        (HERE / name).read_text(encoding="utf-8").replace(old, ""), encoding="utf-8"
    )
    monkeypatch.setattr(stepper_mod.importlib.resources, "files", lambda _pkg: tmp_path)
    with pytest.raises(RuntimeError, match=re.escape(name)):
        stepper_html(Value(1.0, "x") * 2)
