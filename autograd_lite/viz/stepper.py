"""The backward stepper: one diagram per backward step, in one offline HTML page.

Frame ``k`` shows the graph as it stands after backward step ``k`` (the
``step`` field of :class:`autograd_lite.autodiff.Step`): the node being
processed and its input edges are highlighted, each node shows the gradient
known so far, and nodes the pass has not reached yet are dimmed. Beside the
diagram is that step's explanation from :mod:`autograd_lite.explain`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from autograd_lite.autodiff import Step, backward_steps
from autograd_lite.explain import printable
from autograd_lite.value import Value
from autograd_lite.viz.files import write_atomic
from autograd_lite.viz.render import DEFAULT_TIMEOUT, Renderer, render_svg

__all__ = ["Frame", "frames", "stepper_html"]

_ID = re.compile(r'\bid="([^"]*)"')
_HREF = re.compile(r'href="#([^"]*)"')


class Frame(NamedTuple):
    """One step of the stepper.

    Attributes:
        step: The backward step index (``Step.step``).
        node: The node processed at this step (None for a graph with no ops).
        svg: The diagram of this step, rendered.
        text: The explanation of this step.
    """

    step: int
    node: Value | None
    svg: str
    text: str


def _by_step(steps: Iterable[Step]) -> list[list[Step]]:
    grouped: list[list[Step]] = []
    for s in steps:
        if s.step == len(grouped):
            grouped.append([])
        grouped[s.step].append(s)
    return grouped


def frames(
    root: Value,
    *,
    precision: int = 4,
    parameters: Iterable[Value] = (),
    max_steps: int = 200,
    renderer: Renderer = "auto",
    texts: Sequence[str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    **to_dot_kwargs: Any,
) -> list[Frame]:
    """Return one rendered :class:`Frame` per backward step of ``root``.

    Args:
        root: The node to differentiate.
        precision: Significant digits in diagrams and explanations.
        parameters: Leaves to colour as parameters.
        max_steps: Refuse graphs with more backward steps than this.
        renderer: Which renderer makes the SVG (see :func:`render_svg`).
        texts: Explanations per step; by default ``explain(root).step_text(k)``.
        timeout: Seconds each frame's layout may take (see :func:`render_svg`).
        **to_dot_kwargs: Further options of :func:`autograd_lite.viz.to_dot`.

    Raises:
        ValueError: If the pass has more than ``max_steps`` steps.
        RenderError: If a frame's layout is predicted to take longer than
            ``timeout``, runs longer, or fails.
    """
    from autograd_lite.viz.dot import Diagram, check_layout, to_dot

    def svg(dot: Diagram) -> str:
        check_layout(dot, timeout)
        return render_svg(dot.source, renderer=renderer, timeout=timeout)

    if not isinstance(root, Value):
        raise TypeError(f"stepper: root must be a Value, got {type(root).__name__}")
    params = list(parameters)
    to_dot_kwargs.setdefault("legend", False)  # frames sit beside the text: keep them compact
    grouped = _by_step(backward_steps(root))
    if len(grouped) > max_steps:
        raise ValueError(
            f"stepper: the backward pass has {len(grouped)} steps, above "
            f"max_steps={max_steps}; pass max_steps={len(grouped)} to build every frame anyway"
        )
    if texts is None:
        from autograd_lite.explain import explain

        explanation = explain(root, precision=precision)
        texts = [explanation.step_text(k) for k in range(len(grouped))]
    elif len(texts) != max(len(grouped), 1):
        raise ValueError(f"stepper: got {len(texts)} texts for {len(grouped)} steps")
    grads: dict[Value, float] = {root: 1.0}
    reached: set[Value] = {root}
    out: list[Frame] = []
    for k, edges in enumerate(grouped):
        for s in edges:
            grads[s.parent] = s.total
            reached.add(s.parent)
        node = edges[0].node
        dot = to_dot(
            root,
            precision=precision,
            parameters=params,
            highlight=node,
            reached=set(reached),
            grads=dict(grads),
            **to_dot_kwargs,
        )
        out.append(Frame(k, node, svg(dot), texts[k]))
    if not grouped:  # a leaf or a constant: nothing flows, show the node itself
        dot = to_dot(root, precision=precision, parameters=params, grads=grads, **to_dot_kwargs)
        text = texts[0] if texts else "This graph has no operations: nothing to propagate."
        out.append(Frame(0, None, svg(dot), text))
    return out


def _inline(svg: str, prefix: str) -> str:
    # Several SVGs share one page: make their element ids unique per frame.
    start = svg.find("<svg")
    body = svg[start:] if start >= 0 else svg
    body = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', body)
    return _HREF.sub(lambda m: f'href="#{prefix}{m.group(1)}"', body)


def _node_name(node: Value | None, root: Value) -> str:
    if node is None:
        return printable(root.label)
    return printable(node.label) or (node.op.name if node.op is not None else "")


def _text(text: str) -> str:
    # A step's text keeps its lines; anything else no page can carry is escaped.
    return printable(text, keep="\n\t")


# JSON inside <script>: no "<" (so neither "</script" nor "<!--" can end it),
# no ">" or "&", and no U+2028/U+2029 (line ends to old JavaScript).
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _script_json(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group()], text)


def stepper_html(
    root: Value,
    path: str | Path | None = None,
    *,
    title: str | None = None,
    **kw: Any,
) -> str:
    r"""Return (and optionally write) the backward stepper as one HTML page.

    The page is self-contained: the SVG frames, the explanations, the style
    and a little JavaScript are inlined, so it opens offline. It has
    previous / next / play buttons (and the arrow keys), a button that fits
    the whole picture into the window, and ``#step=3`` in the URL opens a
    given step.

    Stable hooks for scripts and tests: ``#frames`` holds one
    ``.frame[data-step][data-node]`` per step (only the current one is
    visible); the highlighted node is ``g.value.highlight`` inside it;
    ``#explanation`` holds the current text; ``#counter`` reads ``Step k of n``;
    the body's ``data-step`` is the current step.

    Labels, the title and the texts are always text, never markup: they are
    HTML-escaped, and the texts' JSON escapes ``<``, ``>``, ``&`` and
    U+2028/U+2029. Characters no page can carry (control characters other
    than the texts' newlines, lone surrogates, U+2028/U+2029, U+FFFE/U+FFFF)
    are shown as escapes such as ``\u0000`` (see
    :func:`autograd_lite.explain.printable`).

    Args:
        root: The node to differentiate.
        path: If given, the page is also written there (UTF-8), whole or not
            at all (through a temporary file renamed into place).
        title: Page title; by default it names ``root``.
        **kw: Options of :func:`frames` and :func:`autograd_lite.viz.to_dot`.

    Returns:
        The HTML text.
    """
    fs = frames(root, **kw)
    name = printable(root.label) or "the output"
    title = printable(title) if title else f"Backward pass of {name}"
    parts = []
    for f in fs:
        who = html.escape(_node_name(f.node, root), quote=True)
        hidden = "" if f.step == 0 else " hidden"
        parts.append(
            f'<figure class="frame" id="frame-{f.step}" data-step="{f.step}" '
            f'data-node="{who}"{hidden}>\n{_inline(f.svg, f"f{f.step}-")}</figure>'
        )
    texts = [_text(f.text) for f in fs]
    page = _PAGE.format(
        title=html.escape(title),
        frames="\n".join(parts),
        first=html.escape(texts[0]),
        n=len(fs),
        texts=_script_json(texts),
        script=_SCRIPT,
        style=_STYLE,
    )
    if path is not None:
        write_atomic(Path(path), page)
    return page


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1em; color: #111; }
h1 { font-size: 1.2em; margin: 0 0 .5em; }
#controls { display: flex; gap: .5em; align-items: center; margin-bottom: .6em; }
#controls button { font-size: 1em; padding: .25em .9em; }
#counter { margin-left: .6em; font-variant-numeric: tabular-nums; }
#fit { margin-left: 1.5em; }
#main { display: flex; gap: 1.2em; align-items: flex-start; }
#frames { flex: 1 1 auto; min-width: 0; max-height: 85vh; overflow: auto;
  border: 1px solid #e5e7eb; padding: .4em; }
#frames figure { margin: 0; }
#frames.fit svg { width: 100%; height: auto; }
#explanation { flex: 0 0 28em; white-space: pre-wrap; font-family: ui-monospace, monospace;
  font-size: .9em; background: #f9fafb; border: 1px solid #e5e7eb; padding: .8em; margin: 0; }
"""

_SCRIPT = """
(function () {
  var frames = Array.prototype.slice.call(document.querySelectorAll("#frames .frame"));
  var texts = JSON.parse(document.getElementById("texts").textContent);
  var prev = document.getElementById("prev"), next = document.getElementById("next");
  var play = document.getElementById("play"), text = document.getElementById("explanation");
  var counter = document.getElementById("counter");
  var fit = document.getElementById("fit"), box = document.getElementById("frames");
  var k = 0, timer = null;
  function show(i) {
    k = Math.max(0, Math.min(frames.length - 1, i));
    frames.forEach(function (f, j) { f.hidden = j !== k; });
    text.textContent = texts[k];
    counter.textContent = "Step " + (k + 1) + " of " + frames.length;
    prev.disabled = k === 0;
    next.disabled = k === frames.length - 1;
    document.body.setAttribute("data-step", String(k));
    bringIntoView(frames[k]);
  }
  function bringIntoView(frame) {
    // Pictures keep their natural size: centre the step (the node, its op and
    // the edges to its inputs), or the node alone when the step is too wide.
    if (box.classList.contains("fit")) { return; }
    var node = frame.querySelector("g.value.highlight");
    var lit = Array.prototype.slice.call(frame.querySelectorAll(".highlight"));
    if (!node || !lit.length) { return; }
    var l = Infinity, r = -Infinity, t = Infinity, b = -Infinity;
    lit.forEach(function (el) {
      var q = el.getBoundingClientRect();
      l = Math.min(l, q.left); r = Math.max(r, q.right);
      t = Math.min(t, q.top); b = Math.max(b, q.bottom);
    });
    if (r - l > box.clientWidth || b - t > box.clientHeight) {
      var q = node.getBoundingClientRect();
      l = q.left; r = q.right; t = q.top; b = q.bottom;
    }
    var area = box.getBoundingClientRect();
    box.scrollLeft += (l + r) / 2 - (area.left + box.clientLeft + box.clientWidth / 2);
    box.scrollTop += (t + b) / 2 - (area.top + box.clientTop + box.clientHeight / 2);
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = "Play";
  }
  function start() {
    if (k === frames.length - 1) { show(0); }
    play.textContent = "Pause";
    timer = setInterval(function () {
      show(k + 1);
      if (k >= frames.length - 1) { stop(); }
    }, 1200);
  }
  prev.addEventListener("click", function () { stop(); show(k - 1); });
  next.addEventListener("click", function () { stop(); show(k + 1); });
  play.addEventListener("click", function () { if (timer === null) { start(); } else { stop(); } });
  fit.addEventListener("click", function () {
    // Whole graph at once (small print) or natural size (scrolls to the step).
    var on = box.classList.toggle("fit");
    fit.textContent = on ? "Actual size" : "Fit to width";
    fit.setAttribute("aria-pressed", on ? "true" : "false");
    show(k);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowLeft") { stop(); show(k - 1); }
    else if (e.key === "ArrowRight") { stop(); show(k + 1); }
  });
  var m = /step=(\\d+)/.exec(location.hash);
  show(m ? parseInt(m[1], 10) : 0);
})();
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>{style}</style>
</head>
<body data-step="0">
<h1>{title}</h1>
<div id="controls">
<button id="prev" type="button" aria-label="previous step">&#9664; Previous</button>
<button id="play" type="button">Play</button>
<button id="next" type="button" aria-label="next step">Next &#9654;</button>
<span id="counter">Step 1 of {n}</span>
<button id="fit" type="button" aria-pressed="false">Fit to width</button>
</div>
<div id="main">
<div id="frames">
{frames}
</div>
<pre id="explanation" aria-live="polite">{first}</pre>
</div>
<script type="application/json" id="texts">{texts}</script>
<script>{script}</script>
</body>
</html>
"""
