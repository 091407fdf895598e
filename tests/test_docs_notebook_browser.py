"""The steppers on the built docs site's notebook page, in a real browser (Chromium).

The notebook is executed by the docs build, so ``notebooks/lesson.html`` holds the
steppers exactly as Jupyter showed them: pages inside ``<iframe srcdoc>``. Each must
step inside its frame and never load the host page into it (a stepper that navigates
its own frame from a srcdoc document loads the parent's address there).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import Chromium


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def page(built_site: Path) -> Iterator[str]:
    """The notebook page's address on a server of the built site on 127.0.0.1."""
    handler = functools.partial(_Quiet, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/notebooks/lesson.html"
    finally:
        server.shutdown()
        server.server_close()


# Every frame on the page that holds a stepper, by its index among the page's iframes.
STEPPERS = """Array.from(document.querySelectorAll('iframe')).map(function (f, i) {
  var d = f.contentDocument; return d && d.getElementById('frames') ? i : -1;
}).filter(function (i) { return i >= 0; })"""


def _in(k: int, expr: str) -> str:
    return (
        f"(function(){{var f=document.querySelectorAll('iframe')[{k}];"
        f"var d=f.contentDocument;return {expr};}})()"
    )


def test_every_stepper_on_the_notebook_page_steps_inside_its_frame(
    browser: Chromium, page: str
) -> None:
    browser.open(page, (1366, 900), ready="true")
    browser.wait_for(f"({STEPPERS}).length >= 3")  # the lesson, the paths and a mistake
    steppers = browser.eval(STEPPERS)
    for k in steppers:
        counter = _in(k, "d.getElementById('counter').textContent")
        total = browser.eval(counter).split(" of ")[1]
        assert browser.eval(counter) == f"Step 1 of {total}"
        assert browser.eval(_in(k, "d.location.href")) == "about:srcdoc"
        for button, step in (("next", 2), ("prev", 1), ("next", 2)):
            browser.eval(_in(k, f"d.getElementById('{button}').click()"))
            browser.wait_for(f"{counter} === 'Step {step} of {total}'")
        time.sleep(0.5)  # a navigation, were one started, has time to land
        assert browser.eval("location.href") == page, "the docs page moved"
        assert browser.eval(_in(k, "d.location.href")) == "about:srcdoc"
        assert browser.eval(_in(k, "!!d.getElementById('frames')")), "the stepper is gone"
        assert browser.eval(_in(k, "!d.querySelector('.sidebar-drawer, article')")), (
            "the docs page was loaded into the stepper's frame"
        )
        assert browser.eval(_in(k, "d.getElementById('explanation').textContent")).startswith(
            f"Step 2 of {total}"
        )
    shots = os.environ.get("STEPPER_SCREENSHOTS")
    if shots:
        browser.eval(
            f"var f=document.querySelectorAll('iframe')[{steppers[0]}];"
            "window.scrollTo(0, f.getBoundingClientRect().top + window.scrollY - 40)"
        )
        time.sleep(0.5)
        print(browser.screenshot(Path(shots) / "docs-notebook-stepper.png"))
