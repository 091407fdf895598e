"""The exercise's quiz page in a real browser: typing answers grades them at once, offline.

Driven like the stepper's browser test (headless Chromium over the DevTools
pipe); a local run without a browser skips, under CI it fails. The screenshot
goes to ``$STEPPER_SCREENSHOTS`` (or a temporary folder) and its path is printed.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import Chromium

import autograd_lite as al

X1, X2, W1, W2, B, Y = 1.5, -0.5, 0.4, -0.8, 0.1, 1.0
# The lesson by hand: a = σ(z), dL/da = −y/a + (1−y)/(1−a).
A = 1.0 / (1.0 + math.exp(-(W1 * X1 + W2 * X2 + B)))
DA = -Y / A + (1 - Y) / (1 - A)


class RecordingChromium(Chromium):
    """The stepper test's client, keeping every request the page makes."""

    def __init__(self, exe: str, profile: Path) -> None:
        super().__init__(exe, profile)
        self.requests: list[str] = []

    def _messages(self, deadline: float) -> Iterator[dict[str, Any]]:
        for message in super()._messages(deadline):
            if message.get("method") == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
            yield message

    def open_quiz(self, url: str, size: tuple[int, int]) -> None:
        self.open(url, size, ready="!!document.getElementById('score')", network=True)

    def type_into(self, element_id: str, text: str) -> None:
        """Focus the box and type like a user: select what is there, insert the text."""
        self.eval(
            f"(function(){{var e=document.getElementById({json.dumps(element_id)});"
            "e.focus();e.select();})()"
        )
        self.send("Input.insertText", {"text": text})


BROWSER = RecordingChromium


def _text(element_id: str) -> str:
    return f"document.getElementById({json.dumps(element_id)}).textContent"


def _state(blank_id: str) -> str:
    return f"document.querySelector('div.blank[data-blank=\"{blank_id}\"]').className"


def test_quiz_grades_as_the_student_types(
    browser: RecordingChromium, shots: Path, tmp_path: Path
) -> None:
    g = al.lesson_graph([X1, X2], Y, [W1, W2], B)
    ex = al.Exercise.from_graph(g.loss, title="The lesson </script><b>x</b>")
    page = tmp_path / "quiz.html"
    ex.to_html(page)
    browser.requests.clear()
    browser.open_quiz(page.as_uri(), (1366, 768))
    n = len(ex.blanks)
    assert browser.eval(_text("score")) == f"0 of {n} correct"
    assert browser.eval("document.querySelector('h1').textContent") == (
        "The lesson </script><b>x</b>"
    )
    assert browser.eval("document.querySelectorAll('input[data-blank]').length") == n

    # A typical mistake: the upstream gradient ∂L/∂a typed into σ's local derivative.
    sigma = next(b for b in ex.blanks if b.kind == "local" and b.op == "sigmoid")
    browser.type_into(f"in-{sigma.id}", f"{DA:.4f}")
    browser.wait_for(f"{_state(sigma.id)}.indexOf('wrong') >= 0")
    feedback = browser.eval(_text(f"fb-{sigma.id}"))
    assert "this is the upstream gradient ∂L/∂a, not the local derivative" in feedback
    assert feedback == ex.check({**ex.answers(), sigma.id: round(DA, 4)}).messages[sigma.id]
    assert browser.eval(_text("explanation")) == feedback
    # A number the page cannot explain gets the step's generic message, as check() gives it.
    browser.type_into(f"in-{sigma.id}", "123.456")
    browser.wait_for(f"{_text(f'fb-{sigma.id}')}.indexOf('123.5 is not') >= 0")
    assert (
        browser.eval(_text(f"fb-{sigma.id}"))
        == (ex.check({**ex.answers(), sigma.id: 123.456}).messages[sigma.id])
    )

    # The right answers, typed as a student would round them (σ's local by hand: a(1 − a)).
    right = dict(ex.answers())
    assert right[sigma.id] == pytest.approx(A * (1 - A))
    for blank_id, value in right.items():
        browser.type_into(f"in-{blank_id}", f"{value:.4g}")
    browser.wait_for(f"{_text('score')} === '{n} of {n} correct'")
    assert browser.eval("document.querySelectorAll('div.blank.right').length") == n
    assert browser.eval("document.querySelectorAll('div.blank.wrong').length") == 0
    time.sleep(0.2)
    shot = browser.screenshot(shots / "exercise_quiz.png")
    assert shot.stat().st_size > 10_000

    # Offline: every request the page made was the file itself (or inline data).
    assert browser.requests, "no request was recorded at all"
    assert all(u.startswith(("file://", "data:")) for u in browser.requests), browser.requests


def test_forgotten_use_feedback_and_clear(browser: RecordingChromium, tmp_path: Path) -> None:
    ex = al.Exercise.from_expression("b*x + b", {"b": 0.5, "x": 3.0})
    page = tmp_path / "quiz.html"
    ex.to_html(page)
    browser.open_quiz(page.as_uri(), (1024, 700))
    browser.type_into("in-grad.b", "1")  # only the add's contribution: d(b·x + b)/db = x + 1
    browser.wait_for(f"{_state('grad.b')}.indexOf('wrong') >= 0")
    assert "did you forget the second use of b?" in browser.eval(_text("fb-grad.b"))
    browser.type_into("in-grad.b", "4")
    browser.wait_for(f"{_state('grad.b')}.indexOf('right') >= 0")
    assert browser.eval(_text("score")) == f"1 of {len(ex.blanks)} correct"
    browser.type_into("in-grad.x", "abc")
    browser.wait_for(f"{_text('fb-grad.x')}.indexOf('type a number') >= 0")
    browser.click("reset")
    browser.wait_for(f"{_text('score')} === '0 of {len(ex.blanks)} correct'")
    assert browser.eval("document.querySelectorAll('div.blank.right, div.blank.wrong').length") == 0
