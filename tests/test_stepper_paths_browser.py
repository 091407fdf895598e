"""The stepper in real Chromium: paths to a selected node, mistakes, and the page embedded.

Selecting a node (a click, Enter on the focused node, or the ``#paths-to`` list)
must highlight exactly the edges of the paths from the root down to it; the
expected edges are written out by hand below. Embedded in an ``<iframe srcdoc>``
or a ``blob:`` URL on a host page served from 127.0.0.1, stepping must leave the
host's address alone and the frame showing the stepper. Screenshots go to
``$STEPPER_SCREENSHOTS`` (or a temporary folder); ``pytest -s`` prints their paths
and the paths' texts.
"""

from __future__ import annotations

import http.server
import json
import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import Chromium
from test_stepper_browser import STEP, TEXT

from autograd_lite import Value
from autograd_lite.teach.lesson import lesson_graph
from autograd_lite.teach.viz import stepper_html, stepper_view

# The (consumer, input slot) of every highlighted edge, by the consumer's label.
PATH_EDGES = """(function () {
  return Array.from(document.querySelectorAll('#frame g.edge.path')).map(function (e) {
    var m = /^(v\\d+)_in(\\d+)$/.exec(e.id);
    if (!m) { return null; }
    return [document.getElementById(m[1]).querySelector('text').textContent, +m[2]];
  }).filter(Boolean);
})()"""
SELECTED = "document.getElementById('frame').getAttribute('data-paths')"


def _box(browser: Chromium, label: str) -> str:
    """The id of the first drawn box whose name is ``label``."""
    found = browser.eval(
        "Array.from(document.querySelectorAll('#frame g.value')).filter(function (g) {"
        f"  return g.querySelector('text').textContent === {json.dumps(label)};"
        "}).map(function (g) { return g.id; })"
    )
    assert found, f"no box named {label!r}"
    return str(found[0])


def _click_node(browser: Chromium, label: str) -> None:
    box = _box(browser, label)
    browser.click("whole")  # the whole graph in view, as a user would look for the node
    browser.click(box)


def _edges(browser: Chromium) -> set[tuple[str, int]]:
    return {(name, slot) for name, slot in browser.eval(PATH_EDGES)}


def _choose(browser: Chromium, label: str) -> None:
    """Pick ``label`` in the Paths to list, as a keyboard user does."""
    browser.eval(
        "(function(){var s=document.getElementById('paths-to'), want="
        + json.dumps(label)
        + ";s.value=Array.from(s.options).filter(function(o){return o.textContent===want;})"
        "[0].value;s.dispatchEvent(new Event('change'));})()"
    )


def _press(browser: Chromium, key: str, code: int) -> None:
    down = {"type": "rawKeyDown", "key": key, "code": key, "windowsVirtualKeyCode": code}
    browser.send("Input.dispatchKeyEvent", down)
    browser.send("Input.dispatchKeyEvent", {**down, "type": "keyUp"})


# ------------------------------------------------------------ paths
def test_selecting_a_node_highlights_exactly_its_paths_in_the_lesson(
    browser: Chromium,
    shots: Path,
    tmp_path: Path,
) -> None:
    g = lesson_graph([1.5, -0.5], 1.0, [0.4, -0.6], 0.1)
    page = tmp_path / "lesson.html"
    stepper_html(g.loss, page, parameters=g.parameters)
    browser.open(page.as_uri(), (1366, 768))

    _click_node(browser, "w1")
    browser.wait_for(f"{SELECTED} === 'w1'")
    # By hand: L uses w1 through log a (y·log a) and through log(1−a); both go
    # down a, z and w1·x1.
    assert _edges(browser) == {
        ("L", 0),
        ("L", 1),
        ("−y·log a", 0),
        ("y·log a", 1),
        ("log a", 0),
        ("(1−y)·log(1−a)", 1),
        ("log(1−a)", 0),
        ("1−a", 1),
        ("a", 0),
        ("z", 0),
        ("w1·x1", 0),
    }
    browser.screenshot(shots / "paths-lesson-w1.png")
    text = browser.eval(TEXT)
    print(text)
    assert "Paths from L down to w1: 2 paths" in text
    # dL/dw1 = x1 (a − y) with a = σ(0.4·1.5 − 0.6·(−0.5) + 0.1) = σ(1), by hand.
    dw1 = 1.5 * (1 / (1 + math.exp(-1.0)) - 1.0)
    # The picture's notation, and its minus sign.
    assert f"∂L/∂w1 from backward: {dw1:.4g}".replace("-", "−") in text
    assert "L → −y·log a → y·log a → log a → a → z → w1·x1 → w1:" in text
    # The step's own text stays first; the selection survives stepping.
    assert text.startswith("Step 1 of 12")
    browser.click("next")
    browser.wait_for(f"{STEP} === '2'")
    assert browser.eval(TEXT).startswith("Step 2 of 12") and "down to w1" in browser.eval(TEXT)
    assert _edges(browser) == {
        ("L", 0),
        ("L", 1),
        ("−y·log a", 0),
        ("y·log a", 1),
        ("log a", 0),
        ("(1−y)·log(1−a)", 1),
        ("log(1−a)", 0),
        ("1−a", 1),
        ("a", 0),
        ("z", 0),
        ("w1·x1", 0),
    }
    browser.screenshot(shots / "paths-lesson-w1-step2.png")

    # b feeds z directly: its one path leaves w1·x1 out.
    _click_node(browser, "b")
    browser.wait_for(f"{SELECTED} === 'b'")
    assert ("z", 2) in _edges(browser) and ("z", 0) not in _edges(browser)
    assert ("w1·x1", 0) not in _edges(browser)

    # Esc clears the selection and every highlight.
    _press(browser, "Escape", 27)
    browser.wait_for(f"{SELECTED} === ''")
    assert _edges(browser) == set()
    assert browser.eval("document.querySelectorAll('#frame .path').length") == 0


def test_paths_of_a_node_used_twice_twice(
    browser: Chromium,
    shots: Path,
    tmp_path: Path,
) -> None:
    a = Value(3.0, "a")
    b = (a + a).named("b")
    c = (b + b).named("c")
    page = tmp_path / "twice.html"
    stepper_html(c, page)
    browser.open(page.as_uri(), (1024, 700))

    # The list, as a keyboard user reaches it.
    _choose(browser, "a")
    browser.wait_for(f"{SELECTED} === 'a'")
    assert _edges(browser) == {("c", 0), ("c", 1), ("b", 0), ("b", 1)}
    text = browser.eval(TEXT)
    print(text)
    # By hand: c = 2b and b = 2a, so dc/da = 4: four paths, each 1 × 1.
    assert "Paths from c down to a: 4 paths" in text
    assert "c →(input 2) b →(input 1) a: 1 × 1 = 1" in text
    assert "Sum of the products: 1 + 1 + 1 + 1 = 4" in text
    assert "∂c/∂a from backward: 4" in text
    browser.screenshot(shots / "paths-twice-a.png")

    # Tab reaches the nodes; Enter on one selects it.
    browser.eval("document.activeElement && document.activeElement.blur()")
    _press(browser, "Escape", 27)
    browser.wait_for(f"{SELECTED} === ''")
    for _ in range(40):
        _press(browser, "Tab", 9)
        if browser.eval(
            "!!document.activeElement.closest && !!document.activeElement.closest('g.value')"
        ):
            break
    focused = browser.eval("document.activeElement.querySelector('text').textContent")
    assert focused in ("a", "b", "c")
    _press(browser, "Enter", 13)
    browser.wait_for(f"{SELECTED} === {json.dumps(focused)}")
    want = {"a": {("c", 0), ("c", 1), ("b", 0), ("b", 1)}, "b": {("c", 0), ("c", 1)}, "c": set()}
    assert _edges(browser) == want[focused]

    _click_node(browser, "b")
    browser.wait_for(f"{SELECTED} === 'b'")
    assert _edges(browser) == {("c", 0), ("c", 1)}
    assert "Sum of the products: 1 + 1 = 2" in browser.eval(TEXT)
    browser.screenshot(shots / "paths-twice-b.png")


def test_a_mistake_is_shown_beside_the_right_gradient(
    browser: Chromium,
    shots: Path,
    tmp_path: Path,
) -> None:
    a = Value(3.0, "a")
    b = (a + a).named("b")
    c = (b + b).named("c")
    page = tmp_path / "mistake.html"
    stepper_html(c, page, mistake="overwrite")
    browser.open(page.as_uri(), (1024, 700))
    # Step 1 completes dc/db: right 2 (b is used twice by c), overwritten 1.
    assert "mistake 'overwrite' gives ∂c/∂b = 1, not 2" in browser.eval(TEXT)
    assert browser.eval("document.querySelectorAll('#frame g.value.mistaken').length") == 1
    browser.click("next")
    browser.wait_for(f"{STEP} === '2'")
    assert "mistake 'overwrite' gives ∂c/∂a = 1, not 4" in browser.eval(TEXT)
    assert browser.eval("document.querySelectorAll('#frame g.value.mistaken').length") == 2
    browser.screenshot(shots / "mistake-overwrite.png")


# ------------------------------------------------------------ embedded
@pytest.fixture
def host(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A web server on 127.0.0.1 serving ``tmp_path``: (its base URL, the folder)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()


def _frame(expr: str) -> str:
    return (
        f"(function(){{var d=document.querySelector('iframe').contentDocument;return {expr};}})()"
    )


def _click_in_frame(browser: Chromium, element_id: str) -> None:
    """A real mouse click on an element inside the iframe."""
    x, y = browser.eval(
        "(function(){var f=document.querySelector('iframe'),r=f.getBoundingClientRect(),"
        f"b=f.contentDocument.getElementById({json.dumps(element_id)}).getBoundingClientRect();"
        "return [r.left+f.clientLeft+b.left+b.width/2, r.top+f.clientTop+b.top+b.height/2];})()"
    )
    for kind in ("mousePressed", "mouseReleased"):
        browser.mouse(kind, x, y, button="left", clickCount=1)


def _step_inside(browser: Chromium, url: str, where: str) -> None:
    counter = _frame("d.getElementById('counter') && d.getElementById('counter').textContent")
    browser.wait_for(f"{counter} === 'Step 1 of 12'")
    for k in (2, 3):
        _click_in_frame(browser, "next")
        browser.wait_for(f"{counter} === 'Step {k} of 12'")
    _click_in_frame(browser, "prev")
    browser.wait_for(f"{counter} === 'Step 2 of 12'")
    time.sleep(0.5)  # a navigation, were one started, has time to land
    assert browser.eval("location.href") == url, f"{where}: the host page moved"
    assert browser.eval("document.getElementById('host').textContent") == "Host page"
    assert browser.eval(_frame("!!d.getElementById('frames')")), f"{where}: the stepper is gone"
    assert browser.eval(_frame("!d.getElementById('host')")), f"{where}: the host is in the frame"
    assert browser.eval(_frame("d.body.getAttribute('data-step')")) == "2"
    assert browser.eval(_frame("d.getElementById('explanation').textContent")).startswith(
        "Step 2 of 12"
    )


def test_the_stepper_steps_inside_a_srcdoc_iframe_without_moving_the_host(
    browser: Chromium,
    shots: Path,
    host: tuple[str, Path],
) -> None:
    base, folder = host
    g = lesson_graph([1.5, -0.5], 1.0, [0.4, -0.6], 0.1)
    view = stepper_view(g.loss, parameters=g.parameters, height=600)
    (folder / "notebook.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>host</title></head><body>"
        f"<h1 id='host'>Host page</h1>{view._repr_html_()}</body></html>",
        encoding="utf-8",
    )
    url = f"{base}/notebook.html"
    _open_host(browser, url)
    assert browser.eval(_frame("d.location.href")) == "about:srcdoc"
    _step_inside(browser, url, "srcdoc")
    assert browser.eval(_frame("d.location.href")) == "about:srcdoc"
    browser.screenshot(shots / "embedded-srcdoc.png")


def test_the_stepper_steps_inside_a_blob_iframe_without_moving_the_host(
    browser: Chromium,
    host: tuple[str, Path],
) -> None:
    base, folder = host
    g = lesson_graph([1.5, -0.5], 1.0, [0.4, -0.6], 0.1)
    (folder / "stepper.html").write_text(stepper_html(g.loss), encoding="utf-8")
    (folder / "blob.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>host</title></head><body>"
        "<h1 id='host'>Host page</h1><iframe style='width:100%;height:600px'></iframe><script>"
        "fetch('stepper.html').then(function (r) { return r.text(); }).then(function (t) {"
        "  var b = new Blob([t], {type: 'text/html'});"
        "  document.querySelector('iframe').src = URL.createObjectURL(b); });"
        "</script></body></html>",
        encoding="utf-8",
    )
    url = f"{base}/blob.html"
    _open_host(browser, url)
    browser.wait_for(_frame("d.location.protocol === 'blob:'"))
    _step_inside(browser, url, "blob")
    assert browser.eval(_frame("d.location.protocol")) == "blob:"


def _open_host(browser: Chromium, url: str) -> None:
    """Open a host page (which has no stepper of its own) at 1366×900."""
    browser.open(url, (1366, 900), ready="!!document.getElementById('host')")


def test_hostile_labels_stay_text_when_selected(browser: Chromium, tmp_path: Path) -> None:
    evil = "</script><img src=x onerror=alert(1)>"
    x = Value(2.0, evil)
    y = (x * x).named("y")
    page = tmp_path / "hostile.html"
    stepper_html(y, page, mistake="overwrite")
    browser.open(page.as_uri(), (1024, 700))
    _choose(browser, evil)
    browser.wait_for(f"{SELECTED} === {json.dumps(evil)}")
    assert browser.eval("document.querySelectorAll('img').length") == 0
    text = browser.eval(TEXT)
    # y = x·x: two paths (one per input slot), each of product x = 2, by hand.
    assert f"y →(input 1) {evil}: 2 = 2" in text and "Sum of the products: 2 + 2 = 4" in text
    assert _edges(browser) == {("y", 0), ("y", 1)}
