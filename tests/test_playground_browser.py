"""The docs site's playground in a real browser, and the whole site offline.

The built site (one per session, see ``built_site`` in conftest.py) is served on
127.0.0.1 and opened in headless Chromium (the DevTools-pipe client of the stepper
tests). autograd_lite runs in the page under Pyodide; its numbers are checked
against the lesson's hand-computed values, and every request the page, its worker
and its frames made must have gone to 127.0.0.1. Screenshots go to
``$STEPPER_SCREENSHOTS`` (or a temporary folder); their paths are printed.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import math
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from browser import Chromium

# The lesson's running example, and what it gives by hand:
# z = w1*x1 + w2*x2 + b = 0.6 + 0.4 + 0.1 = 1.1, a = 1/(1 + e^-1.1), da/dz = a(1 - a).
X1, X2, W1, W2, B = 1.5, -0.5, 0.4, -0.8, 0.1
LESSON = "sigmoid(w1*x1 + w2*x2 + b)"
LESSON_VALUES = "x1=1.5, x2=-0.5, w1=0.4, w2=-0.8, b=0.1"
LOSS = "-(y*log(sigmoid(w1*x1 + w2*x2 + b)) + (1 - y)*log(1 - sigmoid(w1*x1 + w2*x2 + b)))"
A = 1 / (1 + math.exp(-1.1))
DA_DZ = A * (1 - A)
GRADS_A = {"w1": X1 * DA_DZ, "x1": W1 * DA_DZ, "w2": X2 * DA_DZ, "x2": W2 * DA_DZ, "b": DA_DZ}
# L = -log(a) for y = 1, so dL/dz = a - y (the lesson's shortcut) and dL/dw = x (a - y).
L = -math.log(A)
GRADS_L = {"w1": X1 * (A - 1), "x1": W1 * (A - 1), "w2": X2 * (A - 1), "x2": W2 * (A - 1)}
GRADS_L |= {"b": A - 1, "y": -math.log(A) + math.log(1 - A)}

HOSTILE = "</script><img src=x onerror=alert(1)>"
PLAYGROUND_PAGE = Path(__file__).resolve().parent.parent / "docs" / "playground.md"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
        ".json": "application/json",
    }
    served: list[tuple[str, int]]

    def log_message(self, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        path = Path(self.translate_path(self.path))
        size = path.stat().st_size if path.is_file() else 0
        self.served.append((self.path, size))
        return super().send_head()


@pytest.fixture(scope="module")
def server(built_site: Path) -> Iterator[tuple[str, list[tuple[str, int]]]]:
    served: list[tuple[str, int]] = []
    handler = functools.partial(
        type("Handler", (_Quiet,), {"served": served}), directory=str(built_site)
    )
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", served
    finally:
        httpd.shutdown()
        httpd.server_close()


class Recorder(Chromium):
    """Chromium that records every request of a page, of its workers and of its frames."""

    def __init__(self, exe: str, profile: Path) -> None:
        super().__init__(exe, profile)
        self.requests: list[str] = []
        self.children: dict[str, str] = {}  # session id -> target type
        self._waiting: list[dict[str, Any]] = []

    def _messages(self, deadline: float) -> Iterator[dict[str, Any]]:
        for message in super()._messages(deadline):
            method = message.get("method")
            if method == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
            elif method == "Target.attachedToTarget":
                self._waiting.append(message["params"])
            yield message

    def send_to(self, session: str, method: str, params: dict[str, Any] | None = None) -> Any:
        """Send to one session, whatever the method (``send`` sends Target.* to the browser)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        os.write(self._to_child, json.dumps({**message, "sessionId": session}).encode() + b"\0")
        deadline = time.monotonic() + 30
        while True:
            for reply in self._messages(deadline):
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})

    def _adopt(self) -> None:
        """Record the requests of workers and frames attached since the last call, then let
        them run (they wait for the debugger, so none of their requests is missed)."""
        while self._waiting:
            info = self._waiting.pop(0)
            child, kind = info["sessionId"], info["targetInfo"]["type"]
            self.children[child] = kind
            with contextlib.suppress(RuntimeError):
                self.send_to(child, "Network.enable")
                if kind == "iframe":
                    self.send_to(
                        child,
                        "Target.setAutoAttach",
                        {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True},
                    )
            with contextlib.suppress(RuntimeError):
                self.send_to(child, "Runtime.runIfWaitingForDebugger")

    def eval(self, expression: str) -> Any:
        self._adopt()
        return super().eval(expression)

    def visit(self, url: str, size: tuple[int, int] = (1366, 900)) -> None:
        """Open ``url`` in a fresh tab, recording from the first request on."""
        if self.target is not None:
            with contextlib.suppress(Exception):
                self.send("Target.closeTarget", {"targetId": self.target})
        self.session = None
        self.requests.clear()
        self.target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send(
            "Target.attachToTarget", {"targetId": self.target, "flatten": True}
        )["sessionId"]
        for method in ("Page.enable", "Network.enable", "Runtime.enable"):
            self.send(method)
        self.send_to(
            self.session,
            "Target.setAutoAttach",
            {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True},
        )
        width, height = size
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.send("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete'")

    def eval_in(self, session: str, expression: str) -> Any:
        """Evaluate in the page of another target (a frame of its own, a worker)."""
        result = self.send_to(
            session, "Runtime.evaluate", {"expression": expression, "returnByValue": True}
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"frame error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def type_into(self, element_id: str, text: str) -> None:
        """Replace a field's text the way typing does (focus, select all, insert)."""
        self.eval(f"(e => {{e.focus(); e.select();}})(document.getElementById('{element_id}'))")
        self.send("Input.insertText", {"text": text})


BROWSER = Recorder

RUNS = "Number(document.body.dataset.runs || 0)"
SHOW_STEPPER = "document.getElementById('pg-stepper-title').scrollIntoView({behavior: 'instant'})"
READY = "!document.getElementById('pg-run').disabled"


def _differentiate(browser: Recorder, expression: str, values: str) -> None:
    runs = browser.eval(RUNS)
    browser.type_into("pg-expression", expression)
    browser.type_into("pg-values", values)
    browser.eval(
        "document.getElementById('pg-run').scrollIntoView({behavior: 'instant', block: 'center'})"
    )
    _settle(browser)
    browser.click("pg-run")
    browser.wait_for(f"{RUNS} > {runs}", timeout=30)


def _settle(browser: Recorder, timeout: float = 5) -> None:
    """Wait until the page stops scrolling: a click lands where the element is drawn
    (Chromium routes a click by the last drawn frame, which may lag a scroll)."""
    where = "JSON.stringify([scrollY, document.getElementById('pg-run').getBoundingClientRect()])"
    deadline = time.monotonic() + timeout
    last = browser.eval(where)
    while time.monotonic() < deadline:
        time.sleep(0.15)
        now = browser.eval(where)
        if now == last:
            return
        last = now
    raise TimeoutError("the page kept scrolling")


def _message(browser: Recorder) -> str:
    """The error shown, or "" when none is."""
    return str(
        browser.eval("(e => e.hidden ? '' : e.textContent)(document.getElementById('pg-error'))")
    )


def _value(browser: Recorder) -> float:
    return float(browser.eval("document.getElementById('pg-value').dataset.value"))


def _gradients(browser: Recorder) -> dict[str, float]:
    rows = browser.eval(
        "[...document.querySelectorAll('#pg-grads tr[data-name]')]"
        ".map(r => [r.dataset.name, r.dataset.grad])"
    )
    return {name: float(grad) for name, grad in rows}


def _local(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("data", "about"):
        return True
    if parts.scheme == "blob":  # blob:http://127.0.0.1:port/uuid, made by the page itself
        return _local(url.removeprefix("blob:"))
    return parts.scheme == "http" and parts.hostname == "127.0.0.1"


def _all_local(browser: Recorder) -> None:
    browser.eval("1")  # adopt any target attached last
    assert browser.requests, "no request was recorded"
    foreign = [url for url in browser.requests if not _local(url)]
    assert not foreign, f"requests to other hosts: {foreign}"


def _open_playground(browser: Recorder, url: str) -> float:
    start = time.monotonic()
    browser.visit(url)
    browser.wait_for(READY + " || !document.getElementById('pg-error').hidden", timeout=90)
    assert browser.eval("document.getElementById('pg-error').hidden"), browser.eval(
        "document.getElementById('pg-error').textContent"
    )
    return time.monotonic() - start


def test_the_playground_runs_autograd_lite_in_the_page(
    browser: Recorder, server: tuple[str, list[tuple[str, int]]], shots: Path
) -> None:
    base, served = server
    served.clear()
    ready = _open_playground(browser, f"{base}/playground.html")
    # The Python the docs say the page runs is the one it runs.
    said = re.search(r"runs \*\*Python (3\.\d+)\*\*", PLAYGROUND_PAGE.read_text("utf-8"))
    assert said, "docs/playground.md no longer says which Python the page runs"
    assert browser.eval("document.body.dataset.python").startswith(said[1] + ".")

    # The lesson: a = σ(w1 x1 + w2 x2 + b), and its gradients.
    start = time.monotonic()
    _differentiate(browser, LESSON, LESSON_VALUES)
    first_result = time.monotonic() - start
    computed = browser.eval("document.getElementById('pg-status').textContent")
    assert browser.eval("document.getElementById('pg-error').hidden")
    value = float(browser.eval("document.getElementById('pg-value').dataset.value"))
    assert value == pytest.approx(A, abs=1e-12)
    assert browser.eval("document.getElementById('pg-value').textContent").endswith("= 0.7503")
    assert _gradients(browser) == pytest.approx(GRADS_A, abs=1e-12)
    # The step table's first row: the sigmoid sends 1 × a(1 − a) to its input.
    first = browser.eval(
        "(r => [r.dataset.step, r.dataset.local])"
        "(document.querySelector('#pg-table tr[data-step]'))"
    )
    assert first[0] == "1" and float(first[1]) == pytest.approx(DA_DZ, abs=1e-12)
    # The diagram, laid out by Graphviz in the page: one box per value, local derivatives.
    texts = browser.eval(
        "[...document.querySelectorAll('#pg-diagram svg text')].map(t => t.textContent)"
    )
    assert any("0.7503" in t for t in texts), texts
    assert any("0.1874" in t for t in texts), texts  # σ' on the edge into the sigmoid
    browser.screenshot(shots / "playground_lesson.png")

    # The lesson's loss with y = 1 (the parser has no assignment: σ(z) is written twice).
    _differentiate(browser, LOSS, LESSON_VALUES + ", y=1")
    assert float(browser.eval("document.getElementById('pg-value').dataset.value")) == (
        pytest.approx(L, abs=1e-12)
    )
    assert _gradients(browser) == pytest.approx(GRADS_L, abs=1e-12)
    assert browser.eval("document.getElementById('pg-value').textContent").endswith("= 0.2873")

    # The address holds the example.
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(browser.eval("location.href")).query)
    assert query == {"expr": [LOSS], "values": [LESSON_VALUES + ", y=1"]}

    # A bad expression: a message, no result; a hostile one stays text.
    _differentiate(browser, "w1*x1 +* b", "w1=1, x1=2, b=3")
    assert not browser.eval("document.getElementById('pg-error').hidden")
    message = browser.eval("document.getElementById('pg-error').textContent")
    assert "syntax error" in message and "column" in message, message
    assert browser.eval("document.getElementById('pg-result').hidden")
    browser.screenshot(shots / "playground_error.png")
    _differentiate(browser, f"x + {HOSTILE}", "x=1")
    assert "syntax error" in browser.eval("document.getElementById('pg-error').textContent")
    assert browser.eval("document.querySelectorAll('img[src=x]').length") == 0
    _differentiate(browser, "log(x)", "x=-1")
    assert "log" in browser.eval("document.getElementById('pg-error').textContent")
    _differentiate(browser, "x + y", "x=1")
    assert "no value for y" in browser.eval("document.getElementById('pg-error').textContent")
    # A size the page refuses (a graph of more than 400 drawn nodes), with a clear reason.
    big = "sum(" + ", ".join(f"x*{i}" for i in range(1, 200)) + ")"
    _differentiate(browser, big, "x=1")
    message = browser.eval("document.getElementById('pg-error').textContent")
    assert "Too large" in message and "max_nodes" in message, message

    # The stepper, in its frame: step through the backward pass.
    _differentiate(browser, LESSON, LESSON_VALUES)
    frame = _stepper_frame(browser)
    steps = browser.eval_in(frame, "document.getElementById('counter').textContent")
    assert re.fullmatch(r"Step 1 of \d+", steps.strip()), steps
    browser.eval_in(frame, "document.getElementById('next').click()")
    browser.eval_in(frame, "document.getElementById('next').click()")
    assert browser.eval_in(frame, "document.body.dataset.step") == "3"
    explanation = browser.eval_in(frame, "document.getElementById('explanation').textContent")
    assert "Step 3 of" in explanation, explanation
    browser.eval(SHOW_STEPPER)
    browser.screenshot(shots / "playground_stepper.png")

    _all_local(browser)
    size = sum(n for _, n in served)
    print(
        f"playground: ready in {ready:.1f} s, first result {first_result * 1000:.0f} ms "
        f"after typing began ({computed!r}), "
        f"{len(served)} files, {size / 1e6:.1f} MB served"
    )


def _stepper_frame(browser: Recorder, timeout: float = 20) -> str:
    """The DevTools session of the stepper's page (a sandboxed frame: its own process)."""
    src = browser.eval("document.getElementById('pg-stepper').src")
    assert src.startswith("blob:http://127.0.0.1:"), src
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        browser.eval("1")  # adopts frames attached since
        for session, kind in reversed(browser.children.items()):
            if kind != "iframe":
                continue
            with contextlib.suppress(RuntimeError, TimeoutError):
                found = browser.eval_in(
                    session, "location.href.split('#')[0] + ' ' + !!document.getElementById('next')"
                )
                if found == f"{src} true":
                    return session
        time.sleep(0.1)
    raise TimeoutError("the stepper's frame never appeared")


def test_a_shared_link_opens_the_same_example_and_the_forward_sweep(
    browser: Recorder, server: tuple[str, list[tuple[str, int]]], shots: Path
) -> None:
    base, _ = server
    query = urllib.parse.urlencode(
        {"expr": LESSON, "values": LESSON_VALUES, "sweep": "forward", "seed": "w1"}
    )
    browser.visit(f"{base}/playground.html?{query}")
    browser.wait_for(f"{RUNS} >= 1", timeout=90)  # a link runs its example by itself
    assert _message(browser) == ""
    assert browser.eval("document.getElementById('pg-expression').value") == LESSON
    assert browser.eval("document.getElementById('pg-values').value") == LESSON_VALUES
    assert _value(browser) == pytest.approx(A, abs=1e-12)
    assert _gradients(browser) == pytest.approx(GRADS_A, abs=1e-12)
    assert browser.eval("document.getElementById('pg-seed').value") == "w1"
    # The forward sweep seeded at w1 ends with da/dw1 = x1 a(1 - a) at the output.
    frame = _stepper_frame(browser)
    n = int(browser.eval_in(frame, "document.getElementById('jump').options.length"))
    browser.eval_in(
        frame,
        f"(j => {{ j.value = '{n - 1}'; j.dispatchEvent(new Event('change')); }})"
        "(document.getElementById('jump'))",
    )
    assert browser.eval_in(frame, "document.body.dataset.step") == str(n)
    explanation = browser.eval_in(frame, "document.getElementById('explanation').textContent")
    assert f"{X1 * DA_DZ:.4g}" in explanation, explanation
    # The address after the run is the same link: sharing it gives the same page.
    after = urllib.parse.parse_qs(urllib.parse.urlsplit(browser.eval("location.href")).query)
    assert after == {
        "expr": [LESSON],
        "values": [LESSON_VALUES],
        "sweep": ["forward"],
        "seed": ["w1"],
    }
    browser.eval(SHOW_STEPPER)
    browser.screenshot(shots / "playground_forward.png")

    # Stop ends the computation under way: Python restarts, and the next result comes.
    runs = browser.eval(RUNS)
    browser.eval(
        "document.getElementById('pg-form').requestSubmit();"
        "document.getElementById('pg-stop').click()"
    )
    assert "Stopped" in _message(browser)
    browser.wait_for(READY, timeout=90)
    assert browser.eval(RUNS) == runs  # the stopped request never answered
    _differentiate(browser, "x*x*x", "x=3")
    assert _value(browser) == 27 and _gradients(browser) == {"x": 27.0}  # 3 x^2
    _all_local(browser)


def test_the_maths_is_typeset_by_the_sites_own_mathjax(
    browser: Recorder, server: tuple[str, list[tuple[str, int]]]
) -> None:
    base, _ = server
    browser.visit(f"{base}/notebooks/lesson.html")  # the lesson's formulas, in TeX
    browser.wait_for("document.querySelector('mjx-container mjx-math') !== null", timeout=30)
    scripts = browser.eval("[...document.scripts].map(s => s.src).filter(Boolean)")
    assert f"{base}/_static/mathjax/tex-chtml.js" in scripts, scripts
    # Its fonts come from the site too.
    fonts = f"{base}/_static/mathjax/output/chtml/fonts/woff-v2/"
    browser.wait_for("document.fonts.status === 'loaded'")
    assert any(url.startswith(fonts) for url in browser.requests), browser.requests
    _all_local(browser)


# --------------------------------------------------------------- offline, statically
# What makes a browser load something: attributes of elements that load, CSS url(), and
# the JavaScript ways of loading code or data. Hyperlinks (<a href>) load nothing.
_LOADING_ATTR = re.compile(
    r"<(?!a[\s>])(\w+)[^>]*?\s(?:src|href|srcset|poster|data|action)\s*=\s*[\"']?\s*"
    r"((?:https?:)?//[^\"'\s>]+)",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"url\(\s*[\"']?\s*((?:https?:)?//[^\"')\s]+)", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import\s+[\"']((?:https?:)?//[^\"']+)", re.IGNORECASE)
_JS_LOAD = re.compile(
    r"(?:\bimport\s*\(\s*|\bfrom\s+|\bimport\s+|importScripts\s*\(\s*|\bfetch\s*\(\s*|"
    r"new\s+Worker\s*\(\s*|\.src\s*=\s*)[\"'`]((?:https?:)?//[^\"'`]+)",
)


def _foreign_references(site: Path) -> list[str]:
    found = []
    for path in sorted(site.rglob("*")):
        suffix = path.suffix.lower()
        if suffix not in (".html", ".css", ".js", ".mjs") or not path.is_file():
            continue
        text = path.read_text("utf-8", errors="replace")
        hits: list[str] = []
        if suffix == ".html":
            hits += [m[2] for m in _LOADING_ATTR.finditer(text)]
            hits += [m[1] for m in _CSS_URL.finditer(text)]
        if suffix == ".css":
            hits += [m[1] for m in _CSS_URL.finditer(text)]
            hits += [m[1] for m in _CSS_IMPORT.finditer(text)]
        if suffix in (".js", ".mjs", ".html"):
            hits += [m[1] for m in _JS_LOAD.finditer(text)]
        found += [f"{path.relative_to(site)}: {url}" for url in hits]
    return found


def test_the_scan_finds_references_to_other_hosts(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text(
        '<a href="https://example.org/">a link loads nothing</a>\n'
        '<script src="https://cdn.example.org/x.js"></script>\n'
        "<link rel='stylesheet' href='//cdn.example.org/x.css'>\n"
        '<img src="_static/local.png">\n',
        "utf-8",
    )
    (tmp_path / "b.css").write_text("a { background: url( 'https://x.example/y.png') }", "utf-8")
    (tmp_path / "c.mjs").write_text(
        'import { f } from "https://esm.example/f.js";\nfetch(`https://api.example/`)\n'
        'const ns = "http://www.w3.org/2000/svg";\n',
        "utf-8",
    )
    assert _foreign_references(tmp_path) == [
        "a.html: https://cdn.example.org/x.js",
        "a.html: //cdn.example.org/x.css",
        "b.css: https://x.example/y.png",
        "c.mjs: https://esm.example/f.js",
        "c.mjs: https://api.example/",
    ]


def test_no_page_of_the_built_site_loads_from_another_host(built_site: Path) -> None:
    pages = list(built_site.rglob("*.html"))
    assert len(pages) > 20 and (built_site / "playground.html").is_file()
    assert (built_site / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (built_site / "_static" / "pyodide" / "pyodide.asm.wasm").is_file()
    assert _foreign_references(built_site) == []
