"""The playground's Python side (docs/_static/playground/playground.py), run here in CPython.

The page runs the same file under Pyodide (tests/test_playground_browser.py); here its
answers are checked against hand-computed values without a browser.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSON = "sigmoid(w1*x1 + w2*x2 + b)"
VALUES = "x1=1.5, x2=-0.5, w1=0.4, w2=-0.8, b=0.1"
A = 1 / (1 + math.exp(-1.1))  # z = 0.4*1.5 + (-0.8)(-0.5) + 0.1 = 1.1
S = A * (1 - A)


@pytest.fixture(scope="module")
def page() -> ModuleType:
    path = ROOT / "docs" / "_static" / "playground" / "playground.py"
    spec = importlib.util.spec_from_file_location("playground_page", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ask(page: ModuleType, expression: str, values: str, **more: str) -> dict[str, Any]:
    answer = json.loads(page.run(json.dumps({"expression": expression, "values": values, **more})))
    assert isinstance(answer, dict)
    return answer


def test_the_lesson(page: ModuleType) -> None:
    out = _ask(page, LESSON, VALUES)
    assert out["ok"] and out["value"] == pytest.approx(A, abs=1e-15)
    expected = {"w1": 1.5 * S, "x1": 0.4 * S, "w2": -0.5 * S, "x2": -0.8 * S, "b": S}
    assert out["gradients"] == pytest.approx(expected, abs=1e-15)
    assert out["names"] == ["w1", "x1", "w2", "x2", "b"]
    rows = out["table"]["rows"]
    assert rows[0]["step"] == 1 and rows[0]["first"] and rows[0]["local"] == pytest.approx(S)
    # Every leaf's last "so far" total is its gradient.
    last = {r["input"]: r["total"] for r in rows}
    assert {n: last[n] for n in expected} == pytest.approx(expected, abs=1e-15)
    assert out["svg"].lstrip().startswith(("<?xml", "<svg")) and "0.7503" in out["svg"]
    assert "<!DOCTYPE html>" in out["stepper"] or "<html" in out["stepper"]


def test_the_forward_sweep(page: ModuleType) -> None:
    out = _ask(page, LESSON, VALUES, sweep="forward", seed="w2")
    assert out["ok"] and out["sweep"] == "forward" and out["seed"] == "w2"
    assert "w2" in out["stepper"]
    out = _ask(page, LESSON, VALUES, sweep="forward", seed="nope")
    assert out["seed"] == "w1"  # an unknown seed falls back to the first name


@pytest.mark.parametrize(
    ("expression", "values", "kind", "words"),
    [
        ("x +* 2", "x=1", "expression", "syntax error"),
        ("__import__('os')", "", "expression", "__import__"),
        ("x + y", "x=1", "values", "no value for y"),
        ("x", "x=1, y=2", "values", "'y' not used"),
        ("x", "x 1", "values", "expected name=number, got 'x 1'"),
        ("x", "x=abc", "values", "'abc' is not a number"),
        ("x", "x=inf", "values", "finite"),
        ("x", "x=1, x=2", "values", "given twice"),
        ("log(x)", "x=-1", "maths", "log"),
        ("1/x", "x=0", "maths", ""),
        ("sum(" + ", ".join(f"x*{i}" for i in range(1, 200)) + ")", "x=1", "refused", "max_nodes"),
    ],
)
def test_mistakes_get_a_message(
    page: ModuleType, expression: str, values: str, kind: str, words: str
) -> None:
    out = _ask(page, expression, values)
    assert out == {"ok": False, "kind": kind, "message": out["message"]}
    assert words in out["message"]


def test_too_many_steps_are_refused(page: ModuleType) -> None:
    # 17 groups of 10 factors: 169 products, more steps than the page's stepper takes.
    product = "*".join(["(" + "*".join(["x"] * 10) + ")"] * 17)
    out = _ask(page, product, "x=1")
    assert out["kind"] == "refused" and "has 169 steps" in out["message"], out
    assert "at most 400 nodes and 150 steps" in out["message"]


def test_hostile_text_stays_data(page: ModuleType) -> None:
    hostile = "</script><img src=x onerror=alert(1)>"
    out = _ask(page, hostile, f"x={hostile}")
    assert out["ok"] is False and out["kind"] == "expression"
    out = _ask(page, "x", f"{hostile}=1")
    assert out["ok"] is False and out["kind"] == "values"
    out = _ask(page, "x*2", f"x=1, {hostile}")
    assert out["ok"] is False and "expected name=number" in out["message"]


def test_about_names_the_python(page: ModuleType) -> None:
    about = json.loads(page.about())
    assert about["python"].split(".")[:2] == [str(v) for v in __import__("sys").version_info[:2]]
