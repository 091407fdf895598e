"""The stepper page in a real browser: headless Chromium driven over the DevTools protocol.

Chromium is driven through ``--remote-debugging-pipe`` (JSON messages on file
descriptors 3 and 4), so no driver binary and no Python package is needed.
Where no browser exists a local run skips with a reason; under CI (env ``CI``
set) a missing browser fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, exe: str, profile: Path) -> None:
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire() -> None:  # runs in the child: the pipe protocol expects fds 3 and 4
            os.dup2(to_child_r, 3)
            os.dup2(from_child_w, 4)

        self.proc = subprocess.Popen(
            [
                exe,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,
            pass_fds=(3, 4),
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> Any:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session is not None and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for reply in self._messages(deadline):
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})

    def _messages(self, deadline: float) -> Iterator[dict[str, Any]]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the debugging pipe")
                self._buffer += chunk
        while b"\0" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\0", 1)
            yield json.loads(raw)

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self.send("Page.enable")
        self.send("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete' && !!document.getElementById('next')")

    def eval(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"page error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, condition: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not self.eval(f"Boolean({condition})"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"page never satisfied: {condition}")
            time.sleep(0.05)

    def click(self, element_id: str) -> None:
        """Click like a user: a mouse press and release at the element's centre."""
        box = self.eval(
            f"(function(){{var r=document.getElementById({json.dumps(element_id)})"
            ".getBoundingClientRect();return [r.left+r.width/2, r.top+r.height/2];})()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1},
            )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chromium]:
    exe = _find_browser()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the browser test but no Chromium was found "
                f"(looked for {', '.join(BROWSERS)}); .ci/run installs Debian's chromium"
            )
        pytest.skip("no Chromium on this machine (install Debian's chromium to run this test)")
    chrome = Chromium(exe, tmp_path / "profile")
    try:
        yield chrome
    finally:
        chrome.close()


CURRENT = "document.querySelector('#frames .frame:not([hidden])')"
HIGHLIGHTED = f"{CURRENT}.querySelector('g.value.highlight text').textContent"


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


def test_stepping_in_chromium_changes_highlight_and_explanation(
    browser: Chromium, tmp_path: Path
) -> None:
    from autograd_lite.viz import stepper_html

    loss, order = _chain()
    page = tmp_path / "stepper.html"
    stepper_html(loss, page)
    browser.open(page.as_uri())

    assert browser.eval("document.querySelectorAll('#frames .frame').length") == len(order)
    seen_nodes = [browser.eval(HIGHLIGHTED)]
    seen_texts = [browser.eval("document.getElementById('explanation').textContent")]
    assert browser.eval("document.getElementById('prev').disabled") is True
    for k in range(1, len(order)):
        browser.click("next")
        browser.wait_for(f"document.body.getAttribute('data-step') === '{k}'")
        seen_nodes.append(browser.eval(HIGHLIGHTED))
        seen_texts.append(browser.eval("document.getElementById('explanation').textContent"))
        assert browser.eval(f"{CURRENT}.getAttribute('data-node')") == order[k]
        assert browser.eval("document.getElementById('counter').textContent") == (
            f"Step {k + 1} of {len(order)}"
        )
    # The highlighted record's first field is the node's label: the backward order.
    assert seen_nodes == order
    assert all(t.strip() for t in seen_texts)
    assert len(set(seen_texts)) == len(order), "each step must explain something different"
    assert browser.eval("document.getElementById('next').disabled") is True

    browser.click("prev")
    browser.wait_for("document.body.getAttribute('data-step') === '3'")
    assert browser.eval(HIGHLIGHTED) == order[3]
    assert browser.eval("document.getElementById('explanation').textContent") == seen_texts[3]


def test_play_walks_through_the_steps(browser: Chromium, tmp_path: Path) -> None:
    from autograd_lite.viz import stepper_html

    loss, order = _chain()
    page = tmp_path / "stepper.html"
    stepper_html(loss, page)
    browser.open(page.as_uri() + "#step=2")
    assert browser.eval(HIGHLIGHTED) == order[2]
    browser.click("play")
    browser.wait_for(f"document.body.getAttribute('data-step') === '{len(order) - 1}'", 30)
    assert browser.eval(HIGHLIGHTED) == order[-1]
    assert browser.eval("document.getElementById('play').textContent") == "Play"


def test_page_is_self_contained(tmp_path: Path) -> None:
    from autograd_lite.viz import stepper_html

    loss, _ = _chain()
    page = stepper_html(loss)
    for marker in ("http://", "https://", "<link", "src="):
        hits = [line for line in page.splitlines() if marker in line and "xmlns" not in line]
        assert not hits, f"external reference {marker!r}: {hits[:2]}"


VISIBLE = (
    "(function(){var box=document.getElementById('frames').getBoundingClientRect();"
    f"var r={CURRENT}.querySelector('g.value.highlight').getBoundingClientRect();"
    "return r.left>=box.left-1&&r.right<=box.right+1&&r.top>=box.top-1&&r.bottom<=box.bottom+1;})()"
)
SVG_WIDTH = f"{CURRENT}.querySelector('svg').getBoundingClientRect().width"
BOX_WIDTH = "document.getElementById('frames').clientWidth"


def test_highlight_stays_in_view_and_fit_shows_the_whole_graph(
    browser: Chromium, tmp_path: Path
) -> None:
    from autograd_lite.logistic import lesson_graph
    from autograd_lite.viz import stepper_html

    g = lesson_graph([1.5, -0.5], 1.0, [0.4, -0.6], 0.1)  # a graph far wider than the window
    page = tmp_path / "stepper.html"
    stepper_html(g.loss, page, parameters=g.parameters)
    browser.open(page.as_uri())
    assert browser.eval(SVG_WIDTH) > browser.eval(BOX_WIDTH)  # natural size: it scrolls
    n = browser.eval("document.querySelectorAll('#frames .frame').length")
    for k in range(n):
        # Without scrolling by hand, the node being processed is on screen.
        assert browser.eval(VISIBLE), f"step {k}: highlighted node scrolled out of view"
        if k < n - 1:
            browser.click("next")
            browser.wait_for(f"document.body.getAttribute('data-step') === '{k + 1}'")
    browser.click("fit")
    browser.wait_for("document.getElementById('fit').textContent === 'Actual size'")
    assert browser.eval(SVG_WIDTH) <= browser.eval(BOX_WIDTH) + 1
    assert browser.eval(VISIBLE)
    browser.click("fit")
    browser.wait_for("document.getElementById('fit').textContent === 'Fit to width'")
    assert browser.eval(SVG_WIDTH) > browser.eval(BOX_WIDTH)


def test_hostile_labels_cannot_break_out_of_the_page(browser: Chromium, tmp_path: Path) -> None:
    from autograd_lite.viz import stepper_html

    x = Value(2.0, "<!--<script>")
    y = Value(1.0, "</script><script>document.title='pwned'</script>")
    hostile = (x * y).named("<img src=x onerror=\"document.title='pwned'\">")
    out = (hostile + 1.0).named("L")
    page = tmp_path / "stepper.html"
    stepper_html(out, page)
    browser.open(page.as_uri())
    browser.click("next")  # the page's own script must still run
    browser.wait_for("document.body.getAttribute('data-step') === '1'", timeout=5)
    assert browser.eval("document.title") != "pwned"
    assert browser.eval("document.querySelectorAll('img').length") == 0
    text = browser.eval("document.getElementById('explanation').textContent")
    assert "<img src=x" in text and "</script><script>" in text  # shown as text, not run
