"""The playground's Python side: run by Pyodide in the page's Web Worker (worker.js).

``run(request)`` takes a JSON request and returns a JSON answer; everything it
computes comes from autograd_lite's public API (the parser, ``backward``,
``explain``, ``to_dot`` and ``stepper_html``). The diagrams are rendered by the
function the worker installs with ``autograd_lite.teach.viz.set_renderer``.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

import autograd_lite as al
from autograd_lite.parse import ExpressionError, compile_expression
from autograd_lite.teach.explain import explain
from autograd_lite.teach.viz import RenderError, stepper_html, to_dot

#: Seconds a layout may be predicted to take before the page refuses it.
TIMEOUT = 5.0
#: The most backward (or forward) steps a stepper is built for.
MAX_STEPS = 150
#: The most nodes a diagram is drawn with.
MAX_NODES = 400

_PAIR = re.compile(r"^\s*([^\s=]+)\s*=\s*(\S+)\s*$")


class Refused(Exception):
    """A request the page answers with a message instead of a result."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def parse_values(text: str) -> dict[str, float]:
    """Read ``"x1=1.5, x2=-0.5"`` (commas, semicolons or new lines between pairs)."""
    values: dict[str, float] = {}
    for piece in re.split(r"[,;\n]", text):
        if not piece.strip():
            continue
        m = _PAIR.match(piece)
        if m is None:
            raise Refused("values", f"values: expected name=number, got {piece.strip()!r}")
        name, number = m[1], m[2]
        try:
            x = float(number)
        except ValueError:
            raise Refused("values", f"values: {name} = {number!r} is not a number") from None
        if not math.isfinite(x):
            raise Refused("values", f"values: {name} must be a finite number, got {number!r}")
        if name in values:
            raise Refused("values", f"values: {name} is given twice")
        values[name] = x
    return values


def _table(root: al.Value) -> dict[str, Any]:
    e = explain(root)
    rows = []
    for step in e.steps:
        first = True
        for edge in step.edges:
            if edge.parent.is_constant:
                continue  # the gradient reaching a number teaches nothing
            rows.append(
                {
                    "step": step.index + 1,
                    "first": first,
                    "node": e.names[step.node],
                    "op": step.node.op.name if step.node.op else "",
                    "upstream": step.upstream,
                    "input": e.names[edge.parent],
                    "local": edge.local,
                    "contribution": edge.contribution,
                    "total": edge.total,
                }
            )
            first = False
    return {"root": e.names[root], "rows": rows, "steps": len(e.steps)}


def _compute(request: dict[str, Any]) -> dict[str, Any]:
    text = str(request.get("expression", ""))
    try:
        expression = compile_expression(text)
    except ExpressionError as exc:
        raise Refused("expression", str(exc)) from None
    values = parse_values(str(request.get("values", "")))
    missing = [n for n in expression.names if n not in values]
    if missing:
        given = ", ".join(f"{n}=…" for n in missing)
        raise Refused("values", f"no value for {', '.join(missing)}: add {given}")
    try:
        root = expression.build(values)
        root.backward()
    except ExpressionError as exc:
        raise Refused("values", str(exc)) from None
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        raise Refused("maths", str(exc)) from None
    leaves = {n.label: n for n in al.topological(root) if n.op is None and not n.is_constant}
    sweep = request.get("sweep", "backward")
    seed = str(request.get("seed") or "")
    try:
        diagram = to_dot(root, max_nodes=MAX_NODES).svg(timeout=TIMEOUT)
        if sweep == "forward":
            if seed not in leaves:
                seed = expression.names[0] if expression.names else ""
            tangents = {leaves[seed]: 1.0} if seed in leaves else {}
            if not tangents:
                raise Refused("refused", "the forward sweep needs a name to seed")
            page = stepper_html(
                root,
                sweep="forward",
                tangents=tangents,
                max_steps=MAX_STEPS,
                timeout=TIMEOUT,
                max_nodes=MAX_NODES,
            )
        else:
            page = stepper_html(root, max_steps=MAX_STEPS, timeout=TIMEOUT, max_nodes=MAX_NODES)
    except (RenderError, ValueError) as exc:
        limits = (
            f"this page draws at most {MAX_NODES} nodes and {MAX_STEPS} steps, "
            f"and lays out only graphs predicted to take under {TIMEOUT:g} s"
        )
        raise Refused("refused", f"{exc} ({limits})") from None
    return {
        "ok": True,
        "names": list(expression.names),
        "value": root.data,
        "gradients": {n: leaves[n].grad for n in expression.names if n in leaves},
        "values": {n: values[n] for n in expression.names},
        "svg": diagram,
        "table": _table(root),
        "stepper": page,
        "sweep": "forward" if sweep == "forward" else "backward",
        "seed": seed if sweep == "forward" else "",
    }


def run(request: str) -> str:
    """Answer one JSON request from the page with a JSON result or a message."""
    try:
        answer = _compute(json.loads(request))
    except Refused as exc:
        answer = {"ok": False, "kind": exc.kind, "message": str(exc)}
    except Exception as exc:  # a bug, shown rather than lost in the worker
        answer = {"ok": False, "kind": "internal", "message": f"{type(exc).__name__}: {exc}"}
    return json.dumps(answer)


def about() -> str:
    """The versions the page runs, for its footer."""
    return json.dumps(
        {"python": sys.version.split()[0], "autograd_lite": al.__version__},
    )
