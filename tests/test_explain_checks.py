"""explain(checks=...) and explain(mistake=...): three methods per node, and a mistake beside.

Every expected gradient comes from a hand computation (the lesson's formulas,
polynomials); sympy is checked against them, not against the engine.
"""

from __future__ import annotations

import io
import math
import re
import sys

import pytest

from autograd_lite import Value
from autograd_lite.core.primitives import PRIMITIVES
from autograd_lite.teach.checks import node_checks, sympy_math
from autograd_lite.teach.explain import explain
from autograd_lite.teach.lesson import lesson_graph
from autograd_lite.teach.mistakes import MISTAKES, compare_mistake

X, Y, W, B = [1.5, -0.5], 1.0, [0.4, -0.6], 0.1


def _lesson_by_hand() -> dict[str, float]:
    # z = w·x + b = 1 exactly; a = σ(z); L = −(y log a + (1 − y) log(1 − a)).
    z = W[0] * X[0] + W[1] * X[1] + B
    a = 1.0 / (1.0 + math.exp(-z))
    dz = a - Y
    return {
        "w1": X[0] * dz,
        "w2": X[1] * dz,
        "b": dz,
        "x1": W[0] * dz,
        "x2": W[1] * dz,
        "z": dz,
        "a": -Y / a + (1 - Y) / (1 - a),
        "y": -(math.log(a) - math.log(1 - a)),  # = −z
        "L": 1.0,
    }


def test_three_methods_agree_on_the_lesson_and_central_differences_lose_digits() -> None:
    g = lesson_graph(X, Y, W, B)
    e = explain(g.loss, checks=True)
    by_name = {e.names[n]: c for n, c in e.checks.items()}
    central_errors = []
    for name, want in _lesson_by_hand().items():
        c = by_name[name]
        scale = max(1.0, abs(want))
        assert abs(c.engine - want) <= 4e-16 * scale, name
        assert c.symbolic is not None and abs(c.symbolic - want) <= 4e-16 * scale, name
        assert c.central is not None and abs(c.central - want) <= 1e-8 * scale, name
        assert c.central_error == c.central - c.engine
        central_errors.append(abs(c.central - want))
    # Central differences lose about a third of the digits: errors near 1e-11 ... 1e-10.
    assert 1e-13 < max(central_errors) < 1e-8
    assert all(g.grad == 0.0 for g in g.parameters)  # pure: no grad written


def test_every_node_of_a_polynomial_against_its_derivative_by_hand() -> None:
    # b = x·x, c = b·x + b (so c = x³ + x²); dc/db = x + 1, dc/dx = 3x² + 2x.
    x = Value(0.7, "x")
    b = (x * x).named("b")
    c = (b * x + b).named("c")
    checks = {n.label: k for n, k in node_checks(c).items()}
    assert checks["x"].symbolic == pytest.approx(3 * 0.49 + 1.4, rel=1e-15)
    assert checks["b"].symbolic == pytest.approx(0.7 + 1, rel=1e-15)  # an inner node nudged
    assert checks["b"].central == pytest.approx(1.7, rel=1e-9)
    assert checks["x"].engine == pytest.approx(3 * 0.49 + 1.4, rel=1e-15)
    assert checks["x"].central == pytest.approx(3 * 0.49 + 1.4, rel=1e-9)


def test_a_kink_and_a_domain_edge_show_where_central_differences_fail() -> None:
    # relu at 0: the engine and sympy take the derivative 0; the central
    # difference straddles the kink and sees (h − 0) / 2h = 1/2.
    x = Value(0.0, "x")
    r = x.relu().named("r")
    [check] = [c for n, c in node_checks(r).items() if n is x]
    assert check.engine == 0.0 and check.symbolic == 0.0
    assert check.central == pytest.approx(0.5, rel=1e-12)
    # log near 0: x − h is below 0, outside log's domain: no central difference.
    t = Value(1e-7, "t")
    y = t.log().named("y")
    e = explain(y, checks=True)
    [c] = [c for n, c in e.checks.items() if n is t]
    assert c.central is None and c.symbolic == pytest.approx(1e7, rel=1e-14)
    assert "(outside a domain)" in e.to_text()


def test_the_checks_in_every_rendering() -> None:
    g = lesson_graph(X, Y, W, B)
    e = explain(g.loss, checks=("central", "sympy"))
    text = e.to_text()
    assert "central difference" in text and "sympy − engine" in text
    assert "The gradient of every node by the engine (backward), beside" in text
    row = next(line for line in text.splitlines() if line.startswith("w1 "))
    assert repr(_lesson_by_hand()["w1"]).replace("-", "−") in row  # every digit, the text's minus
    md = e.to_markdown()
    assert "| node | engine ∂L/∂(node) | central difference |" in md
    latex = e.to_latex()
    assert r"\text{ (sympy; }" in latex and "\t" not in latex
    only = explain(g.loss, checks=("central",))
    header = next(
        line for line in only.to_text().splitlines() if line.split()[:2] == ["node", "engine"]
    )
    assert "central difference" in header and "sympy" not in header
    assert "sympy" not in only.to_markdown().split("beside")[1]
    assert all(c.symbolic is None for c in only.checks.values())
    # ASCII terminals: the symbols are spelt, nothing raises.
    out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    e.print_text(out)
    out.flush()
    assert b"central difference" in out.buffer.getvalue()  # type: ignore[attr-defined]


def test_without_sympy_the_output_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sympy", None)  # import sympy now fails
    g = lesson_graph(X, Y, W, B)
    e = explain(g.loss, checks=True)
    assert all(c.symbolic is None and c.central is not None for c in e.checks.values())
    assert "sympy is not installed (pip install sympy)" in e.to_text()
    assert "sympy is not installed" in e.to_markdown()
    with pytest.raises(ImportError, match="pip install sympy"):
        explain(g.loss, checks=("sympy",))


def test_bad_checks_are_refused_by_name() -> None:
    x = Value(2.0, "x")
    with pytest.raises(ValueError, match="unknown check 'forward'"):
        explain(x * x, checks=("central", "forward"))
    with pytest.raises(TypeError, match="checks must be True, False or some of"):
        explain(x * x, checks=3)  # type: ignore[arg-type]


def test_hostile_labels_stay_text_in_the_checks() -> None:
    evil = "</script><img src=x onerror=alert(1)>"
    x = Value(2.0, evil)
    e = explain((x * x).named("y"), checks=True)
    checks_md = e.to_markdown().split("by the engine (backward), beside")[1]
    assert evil.replace("<", "").replace(">", "") not in checks_md  # never raw
    assert re.search(r"(?<!\\)[<>]", checks_md) is None  # every < and > escaped as Markdown text


# ------------------------------------------------------------ mistakes
def test_a_mistake_beside_the_right_answer_in_every_rendering() -> None:
    a = Value(3.0, "a")
    b = (a + a).named("b")
    c = (b + b).named("c")
    e = explain(c, mistake="overwrite")
    # By hand: c = 2b = 4a; overwriting keeps one contribution of 1 at each node.
    assert e.mistake is not None
    assert [(r.name, r.right, r.wrong) for r in e.mistake.rows] == [
        ("b", 2.0, 1.0),
        ("a", 4.0, 1.0),
    ]
    text = e.to_text()
    why = compare_mistake(c, "overwrite").rows[1].why  # the mistakes module's own sentence
    assert MISTAKES["overwrite"] in text and why in text
    assert "Backward pass of c = 12" in text  # the right pass is still there
    assert (
        e.step_text(1).splitlines()[-1] == f"    mistake 'overwrite' gives dc/da = 1, not 4: {why}"
    )
    assert "mistake 'overwrite' gives dc/db = 1, not 2" in e.step_text(0)
    assert "| b | 2 | 1 |" in e.to_markdown()
    assert r"4\text{ right},\; 1\text{ wrong}" in e.to_latex()
    # Where the mistake changes nothing, no line is added.
    assert "mistake" not in explain(c, mistake="sign").step_text(0)
    with pytest.raises(ValueError, match="overwrite"):
        explain(c, mistake="nonsense")


@pytest.mark.parametrize("name", [n for n in PRIMITIVES if n not in ("either", "is_integer")])
@pytest.mark.parametrize("x", [-1.7, 0.3, 2.5])
def test_every_primitive_has_a_sympy_form_equal_to_its_float_function(name: str, x: float) -> None:
    # The checks' sympy namespace is derived from the primitives: each smooth or
    # piecewise primitive a rule may call must be there, and agree with the float one.
    import sympy

    m = sympy_math(sympy)
    p = PRIMITIVES[name]
    if name == "add":
        args: tuple[object, ...] = ([x, 0.25, -1.0],)
        sym = getattr(m, name)([sympy.Float(a, 30) for a in args[0]])  # type: ignore[attr-defined]
    else:
        if name in ("log", "sqrt") and x < 0:
            x = -x
        args = (x,)
        sym = getattr(m, name)(sympy.Float(x, 30))
    assert float(sym) == pytest.approx(p.real(*args), rel=1e-14, abs=1e-300)
