"""The stepper page in a real browser (headless Chromium, see tests/browser.py).

At 1024×700, 1366×768 and 1920×1080, every step of the lesson graph and of a
100-op chain must show the current node, its op and its inputs inside the view
with text of at least 11 px. Screenshots go to ``$STEPPER_SCREENSHOTS`` (or a
temporary folder); their paths are printed (``pytest -s`` shows them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser import Chromium

from autograd_lite import Value

SIZES = [(1024, 700), (1366, 768), (1920, 1080)]
STEP = "document.body.getAttribute('data-step')"
CURRENT = "document.querySelector('#frame g.value.current')"
HIGHLIGHTED = f"{CURRENT}.querySelector('text').textContent"
TEXT = "document.getElementById('explanation').textContent"
SCALE = "parseFloat(document.getElementById('frame').getAttribute('data-scale'))"


def _chain() -> tuple[Value, list[str]]:
    # L = log(1 - σ(w·x + b)): a chain, so backward must visit L, then the
    # unlabelled "1 − a" node, then a, z and finally the product w·x.
    x, w, b = Value(2.0, "x"), Value(-0.5, "w"), Value(0.25, "b")
    p = (w * x).named("p")
    z = (p + b).named("z")
    a = z.sigmoid().named("a")
    q = (1 - a).named("q")
    loss = q.log().named("L")
    return loss, ["L", "q", "a", "z", "p"]


def _lesson_page(folder: Path) -> tuple[Path, int]:
    from autograd_lite.teach.lesson import lesson_graph
    from autograd_lite.teach.viz import stepper_html

    g = lesson_graph([1.5, -0.5], 1.0, [0.4, -0.6], 0.1)
    page = folder / "lesson.html"
    stepper_html(g.loss, page, parameters=g.parameters)
    return page, 12


def _long_chain_page(folder: Path) -> tuple[Path, int]:
    # 100 ops; w feeds every multiply, from one end of the graph to the other.
    from autograd_lite.teach.viz import stepper_html

    x, w = Value(0.5, "x"), Value(0.9, "w")
    y = x
    for _ in range(50):
        y = (y * w).tanh()
    page = folder / "chain.html"
    stepper_html(y, page, parameters=[w])
    return page, 100


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int]]:
    folder = tmp_path_factory.mktemp("pages")
    return {"lesson": _lesson_page(folder), "chain": _long_chain_page(folder)}


def test_stepping_in_chromium_changes_highlight_and_explanation(
    browser: Chromium, tmp_path: Path
) -> None:
    from autograd_lite.teach.viz import stepper_html

    loss, order = _chain()
    page = tmp_path / "stepper.html"
    stepper_html(loss, page)
    browser.open(page.as_uri())

    assert browser.eval("document.querySelectorAll('#frame svg').length") == 1  # one layout
    assert browser.eval("document.querySelectorAll('#jump option.frame').length") == len(order)
    assert browser.eval(STEP) == "1"
    seen_nodes = [browser.eval(HIGHLIGHTED)]
    seen_texts = [browser.eval(TEXT)]
    assert browser.eval("document.getElementById('prev').disabled") is True
    for k in range(2, len(order) + 1):
        browser.click("next")
        browser.wait_for(f"{STEP} === '{k}'")
        seen_nodes.append(browser.eval(HIGHLIGHTED))
        seen_texts.append(browser.eval(TEXT))
        assert (
            browser.eval("document.getElementById('frame').getAttribute('data-node')")
            == (order[k - 1])
        )
        assert browser.eval("document.getElementById('counter').textContent") == (
            f"Step {k} of {len(order)}"
        )
        assert browser.eval(TEXT).startswith(f"Step {k} of {len(order)}")
    # The highlighted record's first field is the node's label: the backward order.
    assert seen_nodes == order
    assert all(t.strip() for t in seen_texts)
    assert len(set(seen_texts)) == len(order), "each step must explain something different"
    assert browser.eval("document.getElementById('next').disabled") is True
    # At the last step every node has been reached and shows a gradient.
    assert browser.eval("document.querySelectorAll('#frame .unreached').length") == 0

    browser.click("prev")
    browser.wait_for(f"{STEP} === '4'")
    assert browser.eval(HIGHLIGHTED) == order[3]
    assert browser.eval(TEXT) == seen_texts[3]
    # Step 4 (z) sends to p and b; only p's own inputs, w and x, are not reached yet.
    dimmed = browser.eval(
        "[].map.call(document.querySelectorAll('#frame g.value.unreached'),"
        "function(g){return g.querySelector('text').textContent;}).sort()"
    )
    assert dimmed == ["w", "x"]
    grads = browser.eval(
        "[].map.call(document.querySelectorAll('#frame g.value.unreached'),"
        "function(g){var t=g.querySelectorAll('text');return t[t.length-1].textContent;})"
    )
    assert set(grads) == {"grad ?"}


def test_play_walks_through_the_steps(browser: Chromium, tmp_path: Path) -> None:
    from autograd_lite.teach.viz import stepper_html

    loss, order = _chain()
    page = tmp_path / "stepper.html"
    stepper_html(loss, page)
    browser.open(page.as_uri() + "#step=3")
    assert browser.eval(STEP) == "3"
    assert browser.eval(HIGHLIGHTED) == order[2]
    browser.click("play")
    browser.wait_for(f"{STEP} === '{len(order)}'", 30)
    assert browser.eval(HIGHLIGHTED) == order[-1]
    assert browser.eval("document.getElementById('play').textContent") == "Play"


def test_page_is_self_contained(tmp_path: Path) -> None:
    from autograd_lite.teach.viz import stepper_html

    loss, _ = _chain()
    page = stepper_html(loss)
    for marker in ("http://", "https://", "<link", "src=", "@import", "url("):
        hits = [line for line in page.splitlines() if marker in line and "xmlns" not in line]
        assert not hits, f"external reference {marker!r}: {hits[:2]}"


def test_the_page_holds_one_layout(tmp_path: Path) -> None:
    from autograd_lite.teach.viz import stepper_html

    def page(n: int) -> str:
        y = Value(0.5, "x")
        w = Value(0.9, "w")
        for _ in range(n):
            y = (y * w).tanh()
        return stepper_html(y)

    small, big = page(10), page(40)
    assert small.count("<svg") == big.count("<svg") == 1
    # Linear in the graph: four times the ops, about four times the page (not 16).
    assert len(big) < 5 * len(small)


def _visit(browser: Chromium, k: int) -> None:
    if browser.eval(STEP) == str(k - 1):
        browser.key("ArrowRight")
    elif browser.eval(STEP) != str(k):
        browser.eval(f"location.hash = '#step={k}'")
    browser.wait_for(f"{STEP} === '{k}'")


# The current node, its op and its inputs: where they are on screen, and how large
# their text is drawn (font size in SVG units times the on-screen scale).
STATE = """(function () {
  var v = document.getElementById('frames').getBoundingClientRect();
  var els = [document.querySelector('#frame g.value.current'),
             document.querySelector('#frame g.op.highlight')]
    .concat([].slice.call(document.querySelectorAll('#frame g.value.input-node')));
  return {
    view: [v.left, v.top, v.right, v.bottom], win: [innerWidth, innerHeight],
    els: els.map(function (el) {
      if (!el) { return null; }
      var r = el.getBoundingClientRect();
      return {id: el.id, box: [r.left, r.top, r.right, r.bottom],
              px: [].map.call(el.querySelectorAll('text'), function (t) {
                return parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a; })};
    })
  };
})()"""


def _check_in_view(browser: Chromium, where: str) -> None:
    state = browser.eval(STATE)
    left, top, right, bottom = state["view"]
    width, height = state["win"]
    assert right <= width + 1 and bottom <= height + 1, f"{where}: the view leaves the window"
    assert state["els"][0] is not None, f"{where}: no current node"
    assert state["els"][1] is not None, f"{where}: no op node"
    for el in state["els"]:
        x0, y0, x1, y1 = el["box"]
        assert x0 >= left - 1 and x1 <= right + 1 and y0 >= top - 1 and y1 <= bottom + 1, (
            f"{where}: {el['id']} at {el['box']} is outside the view {state['view']}"
        )
        assert min(el["px"]) >= 11, f"{where}: {el['id']} text drawn at {min(el['px']):.1f} px"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("graph", ["lesson", "chain"])
def test_every_step_is_in_view_and_readable(
    browser: Chromium,
    pages: dict[str, tuple[Path, int]],
    shots: Path,
    graph: str,
    size: tuple[int, int],
) -> None:
    page, n = pages[graph]
    browser.open(page.as_uri(), size)
    assert browser.eval("document.querySelectorAll('#jump option').length") == n
    positions = (
        "[].map.call(document.querySelectorAll('#frame g.node'), function (g) {"
        "var b = g.getBBox(); return [g.id, b.x, b.y, b.width, b.height]; })"
    )
    first = browser.eval(positions)
    pictures = {1, n // 2, n}
    # Every step of the lesson; the chain's ends and middle (its steps all look alike).
    visits = range(1, n + 1) if n <= 20 else [1, 2, 3, 4, 25, 49, 50, 51, 75, 97, 98, 99, 100]
    for k in visits:
        _visit(browser, k)
        _check_in_view(browser, f"{graph} at {size[0]}x{size[1]}, step {k}")
        if k in pictures:
            browser.screenshot(shots / f"stepper_{graph}_{size[0]}x{size[1]}_step{k}.png")
    # One layout: after every step, every node is where it was at step 1.
    assert browser.eval(positions) == first


def test_the_address_follows_the_step(
    browser: Chromium, pages: dict[str, tuple[Path, int]]
) -> None:
    from autograd_lite.teach.explain import explain
    from autograd_lite.teach.lesson import lesson_graph

    texts = [
        explain(lesson_graph([1.5, -0.5], 1.0, [0.4, -0.6], 0.1).loss).step_text(k, partial=True)
        for k in range(12)
    ]
    page, n = pages["lesson"]
    browser.open(page.as_uri() + "#step=5", (1366, 768))
    assert browser.eval(STEP) == "5"
    assert browser.eval("document.getElementById('counter').textContent") == f"Step 5 of {n}"
    assert browser.eval(TEXT) == texts[4]
    assert browser.eval("location.hash") == "#step=5"
    browser.key("ArrowRight")
    browser.key("ArrowRight")
    browser.wait_for(f"{STEP} === '7'")
    assert browser.eval("location.hash") == "#step=7"
    browser.key("k")
    browser.wait_for("location.hash === '#step=6'")
    browser.key("j")
    browser.wait_for("location.hash === '#step=7'")
    browser.eval("location.hash = '#step=2'")  # an edited address moves the page too
    browser.wait_for(f"{STEP} === '2'")
    assert browser.eval(TEXT) == texts[1]
    browser.key("End")
    browser.wait_for(f"location.hash === '#step={n}'")
    url = browser.eval("location.href")
    browser.open(url)  # a bookmarked step opens where it was left
    assert browser.eval(STEP) == str(n)
    browser.open(page.as_uri() + "#step=999")  # out of range: the nearest step
    assert browser.eval(STEP) == str(n)
    browser.open(page.as_uri())
    assert browser.eval(STEP) == "1" and browser.eval("location.hash") == "#step=1"


# Line boxes of the explanation: one per line of text when nothing wraps.
LINES = """(function () {
  var pre = document.getElementById('explanation'), r = document.createRange();
  r.selectNodeContents(pre);
  var tops = {};
  [].forEach.call(r.getClientRects(), function (q) {
    if (q.width > 0) { tops[Math.round(q.top)] = 1; }
  });
  return [Object.keys(tops).length, pre.textContent.split('\\n').length];
})()"""


@pytest.mark.parametrize("size", [SIZES[0], SIZES[2]], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_explanation_never_wraps_a_formula(
    browser: Chromium, pages: dict[str, tuple[Path, int]], size: tuple[int, int]
) -> None:
    page, n = pages["lesson"]
    browser.open(page.as_uri(), size)
    for k in range(1, n + 1):
        _visit(browser, k)
        shown, lines = browser.eval(LINES)
        assert shown == lines, f"step {k}: {lines} lines of text drawn on {shown} lines"


def test_zoom_pan_and_fit(browser: Chromium, pages: dict[str, tuple[Path, int]]) -> None:
    page, _ = pages["lesson"]
    browser.open(page.as_uri() + "#step=9", (1366, 768))
    fitted = browser.eval(SCALE)
    browser.click("zoom-in")
    assert browser.eval(SCALE) == pytest.approx(fitted * 1.25, rel=1e-3)
    browser.key("-")
    assert browser.eval(SCALE) == pytest.approx(fitted, rel=1e-3)
    browser.key("-")
    browser.click("zoom-out")
    assert browser.eval(SCALE) < fitted
    browser.key("0")
    assert browser.eval(SCALE) == pytest.approx(fitted, rel=1e-3)
    browser.key("+")
    assert browser.eval(SCALE) == pytest.approx(fitted * 1.25, rel=1e-3)
    browser.click("fit")
    assert browser.eval(SCALE) == pytest.approx(fitted, rel=1e-3)

    view = browser.eval(
        "(function(){var r=document.getElementById('frames').getBoundingClientRect();"
        "return [r.left + r.width / 2, r.top + r.height / 2];})()"
    )
    browser.mouse("mouseWheel", view[0], view[1], deltaX=0, deltaY=-200)
    browser.wait_for(f"{SCALE} > {fitted * 1.1}")
    browser.key("0")
    viewbox = "document.querySelector('#frame svg').viewBox.baseVal.x"
    before = browser.eval(viewbox)
    browser.mouse("mousePressed", view[0], view[1], button="left", buttons=1, clickCount=1)
    browser.mouse("mouseMoved", view[0] + 60, view[1] + 10, button="left", buttons=1)
    browser.mouse("mouseMoved", view[0] + 120, view[1] + 20, button="left", buttons=1)
    browser.mouse("mouseReleased", view[0] + 120, view[1] + 20, button="left", buttons=0)
    # Dragging 120 px to the right shows what was 120 px to the left.
    assert browser.eval(viewbox) == pytest.approx(before - 120 / fitted, abs=0.5)
    assert browser.eval(STEP) == "9"  # dragging is not clicking

    browser.click("whole")
    inside = browser.eval(
        "(function(){var v=document.getElementById('frames').getBoundingClientRect();"
        "return [].every.call(document.querySelectorAll('#frame g.node'), function (g) {"
        "var r=g.getBoundingClientRect(); return r.left>=v.left-1&&r.right<=v.right+1&&"
        "r.top>=v.top-1&&r.bottom<=v.bottom+1;});})()"
    )
    assert inside
    browser.key("ArrowRight")  # the next step brings the view back to the step
    browser.wait_for(f"{STEP} === '10'")
    assert browser.eval(SCALE) >= 11 / 10


def test_hostile_labels_cannot_break_out_of_the_page(browser: Chromium, tmp_path: Path) -> None:
    from autograd_lite.teach.viz import stepper_html

    x = Value(2.0, "<!--<script>")
    y = Value(1.0, "</script><script>document.title='pwned'</script>")
    hostile = (x * y).named("<img src=x onerror=\"document.title='pwned'\">")
    out = (hostile + 1.0).named("L")
    page = tmp_path / "stepper.html"
    stepper_html(out, page)
    browser.open(page.as_uri())
    browser.click("next")  # the page's own script must still run
    browser.wait_for(f"{STEP} === '2'", timeout=5)
    assert browser.eval("document.title") != "pwned"
    assert browser.eval("document.querySelectorAll('img').length") == 0
    text = browser.eval(TEXT)
    assert "<img src=x" in text and "</script><script>" in text  # shown as text, not run


# The last line of every drawn box of the node labelled ``l`` (its grad or tangent).
BOX_LINES = (
    "[].filter.call(document.querySelectorAll('#frame g.value'), function (g) {"
    "return g.querySelector('text').textContent === %s; }).map(function (g) {"
    "var t = g.querySelectorAll('text'); return t[t.length - 1].textContent; })"
)
LIT_INPUT_EDGES = (
    "[].map.call(document.querySelectorAll('#frame g.edge.highlight'), function (g) {"
    "return g.id; }).filter(function (id) { return /_in[0-9]+$/.test(id); }).sort()"
)


def test_the_forward_page_steps_through_the_tangents(
    browser: Chromium, tmp_path: Path, shots: Path
) -> None:
    from autograd_lite.core.value import fmt_number
    from autograd_lite.teach.explain import explain_forward
    from autograd_lite.teach.lesson import lesson_graph
    from autograd_lite.teach.viz import stepper_html

    g = lesson_graph([1.5, -0.5], 1.0, [0.4, -0.8], 0.1)  # the running example
    w1 = g.w[0]
    e = explain_forward(g.loss, {w1: 1.0})
    n = len(e.steps)
    page = tmp_path / "forward.html"
    stepper_html(g.loss, page, parameters=g.parameters, sweep="forward", tangents={w1: 1.0})
    browser.open(page.as_uri(), (1366, 768))

    assert browser.eval("document.title") == "Forward sweep of L along dw1 = 1"
    assert browser.eval("document.querySelectorAll('#frame svg').length") == 1
    assert browser.eval("document.querySelectorAll('#jump option.frame').length") == n
    # At step 1 the leaves are known: the seed w1 has tangent 1, every other leaf 0;
    # the loss is not computed yet.
    assert browser.eval(BOX_LINES % "'w1'") == ["ṫ = 1"]
    assert set(browser.eval(BOX_LINES % "'x1'")) == {"ṫ = 0"}
    assert browser.eval(BOX_LINES % "'L'") == ["ṫ = ?"]
    assert browser.eval(f"{CURRENT}.classList.contains('unreached')") is False
    ids = browser.eval(
        "[].map.call(document.querySelectorAll('#frame g.value'), function (g) {"
        "return [g.querySelector('text').textContent, g.id]; })"
    )
    box = dict(ids)
    for k, step in enumerate(e.steps, start=1):
        _visit(browser, k)
        label = step.node.label
        assert browser.eval(HIGHLIGHTED) == label
        assert browser.eval(TEXT) == e.step_text(k - 1, partial=True)
        assert browser.eval("document.getElementById('counter').textContent") == f"Step {k} of {n}"
        tangent = fmt_number(step.tangent, 4).replace("-", "−")  # the page's minus sign
        assert browser.eval(BOX_LINES % json.dumps(label)) == [f"ṫ = {tangent}"]
        # The edges lit are those whose contributions are added, and only those.
        assert browser.eval(LIT_INPUT_EDGES) == sorted(
            f"{box[label]}_in{edge.index}" for edge in step.edges
        )
        _check_in_view(browser, f"forward page, step {k}")
        if k in (1, n):
            browser.screenshot(shots / f"stepper_forward_step{k}.png")
    # The last step computes the loss's tangent: dL/dw1, the backward pass's gradient.
    g.loss.backward()
    assert e.steps[-1].node is g.loss and e.tangent == pytest.approx(w1.grad, rel=1e-12)
    assert browser.eval(BOX_LINES % "'L'") == [f"ṫ = {fmt_number(e.tangent, 4)}".replace("-", "−")]
    assert browser.eval("document.querySelectorAll('#frame .unreached').length") == 0
    browser.key("Home")
    browser.wait_for(f"{STEP} === '1'")
    assert browser.eval(BOX_LINES % "'L'") == ["ṫ = ?"]  # stepping back forgets again


def test_the_forward_page_options_are_checked(tmp_path: Path) -> None:
    # No browser needed: the arguments, the title, and the backward default untouched.
    from autograd_lite.teach.viz import stepper_html, stepper_view

    loss, _ = _chain()
    w = next(n for n in _leaves(loss) if n.label == "w")
    assert stepper_html(loss, sweep="backward") == stepper_html(loss)
    with pytest.raises(TypeError, match="sweep='forward' needs a direction"):
        stepper_html(loss, sweep="forward")
    with pytest.raises(TypeError, match="tangents= is the direction of sweep='forward'"):
        stepper_html(loss, tangents={w: 1.0})
    with pytest.raises(ValueError, match="sweep must be 'backward' or 'forward'"):
        stepper_html(loss, sweep="sideways", tangents={w: 1.0})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="the forward sweep has 5 steps, above max_steps=2"):
        stepper_html(loss, sweep="forward", tangents={w: 1.0}, max_steps=2)
    page = stepper_html(loss, sweep="forward", tangents={w: 1.0})
    assert "<title>Forward sweep of L along dw = 1</title>" in page
    assert page.count("<svg") == 1 and "Step 1 of 5" in page
    view = stepper_view(loss, sweep="forward", tangents={w: 1.0})
    assert view.html == page and view.title == "Forward sweep of L"
    # Nothing depends on the direction: one page, one text saying so.
    quiet = stepper_html(loss, sweep="forward", tangents={Value(1.0, "u"): 1.0})
    assert "no tangent flows forward" in quiet and "Step 1 of 1" in quiet


def _leaves(root: Value) -> list[Value]:
    from autograd_lite.core.graph import topological

    return [n for n in topological(root) if not n.parents]
