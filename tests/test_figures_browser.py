"""Figures are readable where they are shown: measured in headless Chromium.

The docs site is built once (into a temporary folder) and served on localhost; each
page's diagrams are measured at a 1280 px wide window: every node label must be drawn
at 10 px or more, and every picture must link to its full-size file. The demo's
``graph.svg``, opened on its own in a 1024 px window, must fit the width with labels
of 10 px or more. Where no browser exists a local run skips; under CI it fails.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import Chromium, browser_or_skip

ROOT = Path(__file__).resolve().parent.parent
MIN_PX = 10.0
# Pages whose pictures are Graphviz diagrams, and how many each shows at least.
PAGES = {
    "tutorial.html": 1,
    "diagrams.html": 4,
    "stepper.html": 1,
    "higher-order.html": 1,
    "notebooks/lesson.html": 1,
}

# For every <img> of a diagram: the link around it, its drawn size, and the size at
# which each node label is drawn. The SVG is fetched and drawn inline at exactly the
# img's box (same viewBox, same width and height), where its <text> can be measured.
MEASURE = """
(async function () {
  const out = [];
  for (const img of document.querySelectorAll('article img')) {
    if (!img.src.endsWith('.svg')) continue;
    const text = await (await fetch(img.src)).text();
    if (!text.includes('class="node')) continue;  // not a diagram (a chart)
    const box = img.getBoundingClientRect();
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const svg = document.importNode(doc.documentElement, true);
    svg.setAttribute('width', box.width);
    svg.setAttribute('height', box.height);
    const holder = document.createElement('div');
    holder.style.cssText = 'position:absolute;left:0;top:0';
    holder.appendChild(svg);
    document.body.appendChild(holder);
    const sizes = [];
    for (const t of svg.querySelectorAll('g.node text')) {
      const m = t.getScreenCTM();
      const r = t.getBoundingClientRect();
      sizes.push({label: t.textContent, px: parseFloat(t.getAttribute('font-size')) * m.d,
                  height: r.height});
    }
    holder.remove();
    const link = img.closest('a');
    out.push({src: img.src, width: box.width, height: box.height,
              natural: [img.naturalWidth, img.naturalHeight],
              column: img.closest('article').getBoundingClientRect().width,
              link: link ? link.href : null, sizes: sizes});
  }
  return JSON.stringify(out);
})()
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt: str, *args: Any) -> None:
        pass


def _goto(chrome: Chromium, url: str, size: tuple[int, int]) -> None:
    chrome.open(url, size, ready="Array.from(document.images).every(i => i.complete)")


def _await(chrome: Chromium, expression: str) -> Any:
    result = chrome.send(
        "Runtime.evaluate",
        {"expression": expression, "returnByValue": True, "awaitPromise": True},
    )
    if "exceptionDetails" in result:
        raise RuntimeError(f"page error: {result['exceptionDetails']}")
    return result["result"].get("value")


@pytest.fixture(scope="module")
def site(built_site: Path) -> Iterator[str]:
    """The docs site (built once per session, see conftest.py), served on localhost."""
    browser_or_skip()
    out = built_site
    handler = functools.partial(_Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("page", sorted(PAGES))
def test_docs_diagrams_are_readable_and_open_full_size(
    browser: Chromium, site: str, page: str
) -> None:
    _goto(browser, f"{site}/{page}", (1280, 900))
    figures = json.loads(_await(browser, MEASURE))
    assert len(figures) >= PAGES[page], f"{page}: diagrams found: {figures}"
    for fig in figures:
        name = fig["src"].rsplit("/", 1)[1]
        # Drawn inside the column, undistorted, and linked to the file itself.
        assert fig["width"] <= fig["column"] + 0.5, (page, name, fig["width"], fig["column"])
        nw, nh = fig["natural"]
        assert abs(fig["width"] / fig["height"] - nw / nh) < 0.01 * nw / nh, (page, name)
        assert fig["link"] and fig["link"].rsplit("/", 1)[1] == name, (page, name, fig["link"])
        labels = [s for s in fig["sizes"] if s["label"].strip()]
        assert len(labels) >= 5, (page, name)
        small = [s for s in labels if s["px"] < MIN_PX]
        assert not small, f"{page} {name}: labels under {MIN_PX} px: {small[:5]}"
        # The glyph boxes agree: a 10 px font draws boxes at least about that tall.
        assert min(s["height"] for s in labels) >= 0.9 * MIN_PX, (page, name)


def test_a_figure_link_opens_the_full_size_picture(browser: Chromium, site: str) -> None:
    _goto(browser, f"{site}/tutorial.html", (1280, 900))
    figures = json.loads(_await(browser, MEASURE))
    _goto(browser, figures[0]["link"], (1280, 900))
    # The SVG document itself, at its natural size: box labels at 11 pt = 14.7 px.
    sizes = browser.eval(
        "Array.from(document.querySelectorAll('g.node.value:not(.constant) text'))"
        ".map(t => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().d)"
    )
    assert sizes and min(sizes) == pytest.approx(11 * 4 / 3, rel=0.01)


def test_demo_graph_fits_a_1024_px_window(browser: Chromium, tmp_path: Path) -> None:
    from autograd_lite.cli import main

    assert main(["demo", "--out", str(tmp_path), "--epochs", "1", "--quiet"]) == 0
    _goto(browser, (tmp_path / "graph.svg").as_uri(), (1024, 768))
    time.sleep(0.1)
    nodes = json.loads(
        browser.eval(
            "JSON.stringify(Array.from(document.querySelectorAll('g.node.value')).map(g => {"
            "  const t = g.querySelector('text'); const r = g.getBoundingClientRect();"
            "  return {label: t.textContent, right: r.right, left: r.left,"
            "          px: parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().d};"
            "}))"
        )
    )
    labels = {n["label"] for n in nodes}
    for name in ("x1", "x2", "w1", "w2", "b", "z", "a", "y", "L"):
        assert name in labels
    assert all(n["left"] >= 0 and n["right"] <= 1024 for n in nodes), nodes
    assert min(n["px"] for n in nodes) >= MIN_PX
    # Nothing to scroll sideways: the whole picture is as wide as the window at most.
    assert browser.eval("document.documentElement.scrollWidth") <= 1024
