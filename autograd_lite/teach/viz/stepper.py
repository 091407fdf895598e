"""The backward stepper: the graph laid out once, every backward step a state of it.

The page holds one diagram, laid out by Graphviz once, so nodes never move
and the page grows linearly with the graph. Step ``k`` (counted from 1, as in
``Step k of n``) is a state of that one SVG, switched by a small inline
script from per-step data: the node being processed, its op and its input
edges are highlighted, each box shows the gradient known so far, and nodes
the pass has not reached yet are dimmed. Beside the diagram is that step's
explanation from :mod:`autograd_lite.teach.explain`. The view pans and zooms to
each step at a readable size.

A leaf used by ops far apart in the graph (``w`` in ``tanh(w·tanh(w·...))``,
``y`` in the logistic loss) is drawn beside each group of its uses, so that
every step's inputs sit next to it; every copy shows the same gradient.

With ``sweep="forward"`` and a direction ``tangents={w1: 1.0}``, the same
page steps through the forward sweep instead (the records of
:func:`autograd_lite.forward.forward_steps`): each box shows the node's tangent
(``ṫ = …``) where the backward page shows its gradient, step ``k`` highlights
the node whose tangent is computed and the edges whose contributions are added,
and the text is :func:`autograd_lite.teach.explain.explain_forward`'s.

In a notebook, :func:`stepper_view` returns a :class:`Stepper`, which displays
the page inline (an ``<iframe srcdoc="…">``); :func:`stepper_html` returns
the page's text.

The page's style, script and HTML are files beside this module, shipped with
the package: ``stepper.css``, ``stepper.js`` and ``stepper.html`` (the page,
with ``{{name}}`` where the title, the SVG, the step list, the texts, the style
and the script go). Each page inlines them, so it needs nothing else to open.
"""

from __future__ import annotations

import functools
import html
import importlib.resources
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from autograd_lite.core.graph import topological
from autograd_lite.core.ops import const as CONST
from autograd_lite.core.value import Value, constant, record_node
from autograd_lite.forward import ForwardStep
from autograd_lite.steps import Step, backward_steps
from autograd_lite.teach.names import Notation, node_names, number_text, printable
from autograd_lite.teach.viz.embed import iframe, script_json
from autograd_lite.teach.viz.files import write_atomic
from autograd_lite.teach.viz.render import DEFAULT_TIMEOUT, Renderer, render_svg

if TYPE_CHECKING:
    from autograd_lite.teach.viz.dot import Diagram

__all__ = ["Frame", "Stepper", "frames", "stepper_html", "stepper_view"]

#: A leaf's uses more than this many op levels apart get a copy of the leaf each.
SPREAD = 1


class Frame(NamedTuple):
    """One step of the stepper, as a picture of its own.

    Attributes:
        step: The backward step index (``Step.step``, counted from 0; the
            page and the explanations call it step ``step + 1``).
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


# ------------------------------------------------------------ the picture
class _Picture(NamedTuple):
    """The graph as drawn: a far-used leaf becomes one drawn node per group of uses.

    Attributes:
        root: The root of the drawn graph (``root`` itself when nothing is copied).
        boxes: Each original node's drawn nodes (the first one is its own).
        tail: The drawn input of each edge, by (original consumer, input slot).
    """

    root: Value
    boxes: dict[Value, list[Value]]
    tail: dict[tuple[Value, int], Value]


def _picture(root: Value) -> _Picture:
    nodes = topological(root)
    level: dict[Value, int] = {}
    group: dict[tuple[Value, int], int] = {}
    starts: dict[Value, int] = {}  # leaf -> op level of its current group's first use
    count: dict[Value, int] = {}  # leaf -> groups so far
    uses: dict[Value, list[tuple[int, Value, int]]] = {}
    for n in nodes:
        ps = n.parents
        level[n] = 1 + max(level[p] for p in ps) if ps else 0
        for i, p in enumerate(ps):
            if not p.parents:
                uses.setdefault(p, []).append((level[n], n, i))
    copied = False
    for leaf, found in uses.items():
        found.sort(key=lambda u: u[0])  # stable: same level keeps topological order
        for lv, n, i in found:
            if leaf not in starts or lv - starts[leaf] > SPREAD:
                starts[leaf] = lv
                count[leaf] = count.get(leaf, 0) + 1
            group[(n, i)] = count[leaf] - 1
        copied = copied or count[leaf] > 1
    if not copied:
        boxes = {n: [n] for n in nodes}
        tail = {(n, i): p for n in nodes for i, p in enumerate(n.parents)}
        return _Picture(root, boxes, tail)
    # A new graph of the same numbers and ops, every node named as in the
    # explanations (so the picture and the text agree), copies included.
    names = node_names(root)
    boxes = {}
    tail = {}
    for n in nodes:
        if not n.parents:
            made = []
            for _ in range(max(count.get(n, 1), 1)):
                v = constant(n.data) if n.op is CONST else Value(n.data)
                v.label = n.label if n.op is CONST else names[n]
                made.append(v)
            boxes[n] = made
            continue
        ins = []
        for i, p in enumerate(n.parents):
            drawn = boxes[p][group.get((n, i), 0)] if not p.parents else boxes[p][0]
            tail[(n, i)] = drawn
            ins.append(drawn)
        assert n.op is not None
        v = record_node(n.data, tuple(ins), n.op)  # recorded as it was: no forward run again
        v.label = names[n]
        boxes[n] = [v]
    return _Picture(boxes[root][0], boxes, tail)


def _diagram(
    pic: _Picture,
    precision: int,
    parameters: Iterable[Value],
    to_dot_kwargs: dict[str, Any],
    **state: Any,
) -> Diagram:
    from autograd_lite.teach.viz.dot import to_dot

    drawn = pic.boxes
    params = [c for p in parameters if p in drawn for c in drawn[p]]
    params += [p for p in parameters if p not in drawn]
    kw = dict(to_dot_kwargs)
    data = list(kw.pop("data", ()))
    if data:  # data leaves, like parameters, are drawn as their copies
        kw["data"] = [c for d in data if d in drawn for c in drawn[d]]
        kw["data"] += [d for d in data if d not in drawn]
    focus = kw.get("focus")
    if isinstance(focus, Value) and focus in drawn:
        kw["focus"] = drawn[focus][0]
    return to_dot(pic.root, precision=precision, parameters=params, **state, **kw)


def _render(dot: Diagram, renderer: Renderer, timeout: float | None) -> str:
    from autograd_lite.teach.viz.dot import check_layout

    check_layout(dot, timeout)
    return render_svg(dot.source, renderer=renderer, timeout=timeout)


def _prepare(
    root: Value,
    max_steps: int,
    texts: Sequence[str] | None,
    precision: int,
    mistake: str | None = None,
) -> tuple[list[list[Step]], list[str]]:
    if not isinstance(root, Value):
        raise TypeError(f"stepper: root must be a Value, got {type(root).__name__}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int):
        raise TypeError(f"stepper: max_steps must be an int, got {max_steps!r}")
    grouped = _by_step(backward_steps(root))
    if len(grouped) > max_steps:
        raise ValueError(
            f"stepper: the backward pass has {len(grouped)} steps, above "
            f"max_steps={max_steps}; pass max_steps={len(grouped)} to build the page anyway "
            f"(its size grows with the graph; the layout may still be refused: see focus=)"
        )
    if texts is None:
        from autograd_lite.teach.explain import explain

        explanation = explain(root, precision=precision, mistake=mistake)
        out = [explanation.step_text(k, partial=True) for k in range(len(grouped))]
    else:
        out = list(texts)
        if len(out) != max(len(grouped), 1):
            raise ValueError(f"stepper: got {len(out)} texts for {len(grouped)} steps")
    if not grouped and not out:
        out = ["This graph has no operations: nothing to propagate."]
    return grouped, out


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
    """Return one separately rendered :class:`Frame` per backward step of ``root``.

    Each frame is a complete picture of its own (for documents and slides);
    :func:`stepper_html` does not use them: it lays the graph out once. The
    graph is drawn as on the page, far-used leaves copied beside their uses.

    Args:
        root: The node to differentiate.
        precision: Significant digits in diagrams and explanations.
        parameters: Leaves to colour as parameters.
        max_steps: Refuse graphs with more backward steps than this.
        renderer: Which renderer makes the SVG (see :func:`render_svg`).
        texts: Explanations per step; by default ``explain(root).step_text(k)``.
        timeout: Seconds each frame's layout may take (see :func:`render_svg`).
        **to_dot_kwargs: Further options of :func:`autograd_lite.teach.viz.to_dot`.

    Raises:
        ValueError: If the pass has more than ``max_steps`` steps.
        RenderError: If a frame's layout is predicted to take longer than
            ``timeout``, runs longer, or fails.
    """
    grouped, all_texts = _prepare(root, max_steps, texts, precision)
    params = list(parameters)
    to_dot_kwargs.setdefault("legend", False)  # frames sit beside the text: keep them compact
    pic = _picture(root)
    grads: dict[Value, float] = {root: 1.0}
    reached: set[Value] = {root}
    out: list[Frame] = []

    def drawn(nodes: Iterable[Value]) -> set[Value]:
        return {c for n in nodes for c in pic.boxes[n]}

    for k, edges in enumerate(grouped):
        for s in edges:
            grads[s.parent] = s.total
            reached.add(s.parent)
        node = edges[0].node
        dot = _diagram(
            pic,
            precision,
            params,
            to_dot_kwargs,
            highlight=pic.boxes[node][0],
            reached=drawn(reached),
            grads={c: g for n, g in grads.items() for c in pic.boxes[n]},
        )
        out.append(Frame(k, node, _render(dot, renderer, timeout), all_texts[k]))
    if not grouped:  # a leaf or a constant: nothing flows, show the node itself
        dot = _diagram(pic, precision, params, to_dot_kwargs, grads={pic.root: 1.0})
        out.append(Frame(0, None, _render(dot, renderer, timeout), all_texts[0]))
    return out


# ------------------------------------------------------------ the page
_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
# Graphviz's comments and <title>s name DOT ids (v3, v3&#45;&gt;v4), never labels:
# they only cost bytes and show "v3" as a tooltip.
_NOISE = re.compile(r"<!--.*?-->\n?|<title>[^<]*</title>\n?", re.S)


def _inline(svg: str) -> str:
    return _NOISE.sub("", _PROLOGUE.sub("", svg, count=1))


def _text(text: str) -> str:
    # A step's text keeps its lines; anything else no page can carry is escaped.
    return printable(text, keep="\n\t")


def _widest(values: Iterable[float], precision: int) -> float:
    # The layout is made once: size each box for the longest gradient it will show.
    best, width = 0.0, 1  # "?" before the node is reached
    for g in values:
        w = len(number_text(g, precision))
        if w > width:
            best, width = g, w
    return best


def _node_table(
    nodes: Sequence[Value],
    pic: _Picture,
    ids: Mapping[Value, str],
    show_grad: bool,
    no_grad_line: Collection[Value],
) -> list[list[Any]]:
    # Per node: its drawn boxes' ids, its number of inputs, whether it has a grad line.
    return [
        [
            [ids[c] for c in pic.boxes[n] if c in ids],
            len(n.parents),
            int(show_grad and n.op is not CONST and n not in no_grad_line),
        ]
        for n in nodes
    ]


def _step_data(
    root: Value,
    grouped: list[list[Step]],
    pic: _Picture,
    ids: Mapping[Value, str],
    precision: int,
    show_grad: bool,
    no_grad_line: Collection[Value] = (),
) -> tuple[dict[str, Any], dict[Value, float]]:
    nodes = topological(root)
    index = {n: j for j, n in enumerate(nodes)}
    table = _node_table(nodes, pic, ids, show_grad, no_grad_line)
    seen: dict[Value, list[float]] = {root: [1.0]}
    steps = []
    for edges in grouped:
        node = edges[0].node
        out = []
        for s in edges:
            drawn = pic.tail.get((node, s.index))
            out.append(
                [
                    s.index,
                    ids.get(drawn) if drawn is not None else None,
                    index[s.parent],
                    number_text(s.total, precision),
                ]
            )
            seen.setdefault(s.parent, []).append(s.total)
        steps.append({"n": index[node], "e": out})
    data = {
        "nodes": table,
        "root": index[root],
        "rootGrad": number_text(1.0, precision),
        "steps": steps,
    }
    widest = {c: _widest(g, precision) for n, g in seen.items() for c in pic.boxes[n]}
    return data, widest


def _data_boxes(root: Value, to_dot_kwargs: Mapping[str, Any]) -> set[Value]:
    # The nodes to_dot draws as data, with no grad line for the script to update.
    data = to_dot_kwargs.get("data", ())
    if to_dot_kwargs.get("show_data_grads") or not data:
        return set()
    from autograd_lite.teach.viz.dot import data_nodes

    return data_nodes(topological(root), list(data))


class _Files(NamedTuple):
    """The page's own files, as read from the package.

    Attributes:
        style: ``stepper.css``; ``/*WIDTH*/`` marks the explanation panel's width.
        script: ``stepper.js``; ``/*DATA*/null`` marks the per-step data.
        template: ``stepper.html``; ``{{name}}`` marks each of :data:`_SLOTS`.
    """

    style: str
    script: str
    template: str


#: The template's markers: ``{{name}}``, a fixed name, nothing else.
_MARKER = re.compile(r"\{\{(\w+)\}\}")
#: What the template has a marker for (each filled in by stepper_html, escaped there).
_SLOTS = frozenset(
    {"title", "style", "n", "options", "first_node", "svg", "first", "texts", "script"}
)
#: The marker each asset holds once: a comment, so the files stay valid CSS and JS.
_WIDTH = "/*WIDTH*/"
_DATA = "/*DATA*/null"


@functools.cache
def _files() -> _Files:
    # Package data beside this module, read once per process. Each is checked for
    # its markers, so a damaged install fails here with the file's name, not with
    # a page that shows a marker or lacks its data.
    here = importlib.resources.files(__name__.rpartition(".")[0])
    texts = {
        name: here.joinpath(name).read_text(encoding="utf-8")
        for name in ("stepper.css", "stepper.js", "stepper.html")
    }
    for name, marker in (("stepper.css", _WIDTH), ("stepper.js", _DATA)):
        if texts[name].count(marker) != 1:
            raise RuntimeError(f"stepper: {name} must hold {marker} once (a damaged install?)")
    found = _MARKER.findall(texts["stepper.html"])
    if set(found) != _SLOTS:
        raise RuntimeError(
            f"stepper: stepper.html has the markers {sorted(set(found))}, "
            f"expected {sorted(_SLOTS)} (a damaged install?)"
        )
    return _Files(texts["stepper.css"], texts["stepper.js"], texts["stepper.html"])


def _fill(template: str, values: Mapping[str, str]) -> str:
    # One pass over the template only: what is filled in is never searched for
    # markers again, so a label that reads "{{svg}}" stays that text.
    return _MARKER.sub(lambda m: values[m.group(1)], template)


def _panel_width(texts: Sequence[str]) -> str:
    # One width for every step (the view must not change size while stepping): the
    # longest line, so that no formula wraps; past the page's share, it scrolls.
    longest = max((len(line) for t in texts for line in t.splitlines()), default=20)
    return f"calc({min(longest, 120) + 1}ch + 2em)"


# ------------------------------------------------------------ the forward sweep
def _check_sweep(sweep: object, tangents: object) -> None:
    if sweep not in ("backward", "forward"):
        raise ValueError(f"stepper: sweep must be 'backward' or 'forward', got {sweep!r}")
    if sweep == "forward" and tangents is None:
        raise TypeError(
            "stepper: sweep='forward' needs a direction: tangents={leaf: 1.0, ...} "
            "(as forward_steps takes it)"
        )
    if sweep == "backward" and tangents is not None:
        raise TypeError("stepper: tangents= is the direction of sweep='forward'; pass that too")


def _prepare_forward(
    root: Value,
    tangents: Mapping[Value, float],
    max_steps: int,
    texts: Sequence[str] | None,
    precision: int,
) -> tuple[list[list[ForwardStep]], list[str], str]:
    from autograd_lite.teach.explain import explain_forward

    if not isinstance(root, Value):
        raise TypeError(f"stepper: root must be a Value, got {type(root).__name__}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int):
        raise TypeError(f"stepper: max_steps must be an int, got {max_steps!r}")
    explanation = explain_forward(root, tangents, precision=precision)  # one sweep
    grouped = [list(step.edges) for step in explanation.steps]
    if len(grouped) > max_steps:
        raise ValueError(
            f"stepper: the forward sweep has {len(grouped)} steps, above "
            f"max_steps={max_steps}; pass max_steps={len(grouped)} to build the page anyway "
            f"(its size grows with the graph; the layout may still be refused: see focus=)"
        )
    if texts is None:
        out = [explanation.step_text(k, partial=True) for k in range(len(grouped))]
    else:
        out = list(texts)
        if len(out) != max(len(grouped), 1):
            raise ValueError(f"stepper: got {len(out)} texts for {len(grouped)} steps")
    if not grouped and not out:
        out = [explanation.to_text().rstrip("\n")]
    return grouped, out, explanation.direction_text


def _forward_data(
    root: Value,
    grouped: list[list[ForwardStep]],
    tangents: Mapping[Value, float],
    pic: _Picture,
    ids: Mapping[Value, str],
    precision: int,
    show_grad: bool,
    no_grad_line: Collection[Value] = (),
) -> tuple[dict[str, Any], dict[Value, float]]:
    # The backward page's data, read the other way: each step's edges set the
    # tangent of the step's own node (e[2]), and every node no step computes
    # (the leaves, the seeds, what depends on no seed) is known from the start.
    nodes = topological(root)
    index = {n: j for j, n in enumerate(nodes)}
    table = _node_table(nodes, pic, ids, show_grad, no_grad_line)
    computed = {edges[0].node for edges in grouped}
    seen: dict[Value, list[float]] = {}
    init: dict[str, str] = {}
    for n in nodes:
        if n not in computed:
            t = float(tangents.get(n, 0.0))
            init[str(index[n])] = number_text(t, precision)
            seen[n] = [t]
    steps = []
    for edges in grouped:
        node = edges[0].node
        out = []
        for s in edges:
            drawn = pic.tail.get((node, s.index))
            out.append(
                [
                    s.index,
                    ids.get(drawn) if drawn is not None else None,
                    index[node],
                    number_text(s.total, precision),
                ]
            )
            seen.setdefault(node, []).append(s.total)
        steps.append({"n": index[node], "e": out})
    data = {"nodes": table, "init": init, "steps": steps}
    widest = {c: _widest(g, precision) for n, g in seen.items() for c in pic.boxes[n]}
    return data, widest


@functools.cache
def _forward_script() -> str:
    # The backward script with two changes: the known tangents at the start, and
    # the word on each box's last line.
    script = _files().script
    for old, new in (
        (
            "grad[DATA.root] = DATA.rootGrad;",
            "for (j in DATA.init) { grad[j] = DATA.init[j]; }",
        ),
        ('off ? "grad ?" : "grad " + grad[j]', f'off ? "{_TANGENT}?" : "{_TANGENT}" + grad[j]'),
    ):
        if script.count(old) != 1:
            raise RuntimeError(f"stepper: stepper.js must hold {old!r} once (a damaged install?)")
        script = script.replace(old, new)
    return script


# ------------------------------------------------------------ paths and mistakes
def _json_number(x: float) -> float | str:
    # JSON has no inf or nan: those travel as text the script shows as is.
    return x if math.isfinite(x) else number_text(x)


def _path_data(
    root: Value, pic: _Picture, ids: Mapping[Value, str], precision: int
) -> dict[str, Any]:
    """What the script needs to highlight and add up the paths down to any node.

    Linear in the graph: each node's inputs with the local derivative of each
    edge (the script walks them to list the paths, as
    :func:`autograd_lite.teach.paths.explain_paths` does), and per node the
    count, the sum and the uses that ``explain_paths`` found.
    """
    from autograd_lite.core.autodiff import local_derivatives
    from autograd_lite.teach.paths import DEFAULT_LIMIT, explain_paths

    nodes = topological(root)
    index = {n: j for j, n in enumerate(nodes)}
    names = node_names(root, precision)
    notation = Notation("text", precision)
    graph: list[list[list[Any]]] = []
    for c in nodes:
        local = [float(d) for d in local_derivatives(c)] if c.parents else []
        graph.append(
            [
                [
                    index[p],
                    ids.get(pic.tail[(c, i)]) if (c, i) in pic.tail else None,
                    _json_number(local[i]),
                ]
                for i, p in enumerate(c.parents)
            ]
        )
    paths: dict[str, dict[str, Any]] = {}
    targets: list[list[Any]] = []
    for node in nodes:
        if node.is_constant or not any(b in ids for b in pic.boxes[node]):
            continue
        e = explain_paths(root, node, limit=DEFAULT_LIMIT, precision=precision)
        paths[str(index[node])] = {
            "c": e.count if e.count < 2**53 else f"{e.count:.3e}",
            "l": e.listed,
            "t": _json_number(e.total),
            "g": _json_number(e.gradient),
            "u": [
                [
                    index[g.consumer],
                    g.index,
                    g.count if g.count < 2**53 else f"{g.count:.3e}",
                    _json_number(g.upstream),
                    _json_number(g.local),
                    _json_number(g.contribution),
                ]
                for g in e.groups
            ],
        }
        targets.append([index[node], names[node]])
    return {
        "root": index[root],
        "graph": graph,
        "names": [names[n] for n in nodes],
        "dnames": [notation.name(names[n]) for n in nodes],
        "paths": paths,
        "targets": targets,
        "limit": DEFAULT_LIMIT,
        "precision": precision,
    }


def _wrong_data(root: Value, mistake: str, precision: int) -> dict[str, str]:
    """The mistaken gradient of each node where it differs from the right one."""
    from autograd_lite.teach.mistakes import compare_mistake

    index = {n: j for j, n in enumerate(topological(root))}
    rows = compare_mistake(root, mistake, precision=precision).rows
    return {str(index[r.node]): number_text(r.wrong, precision) for r in rows}


#: How the forward page writes a tangent on each box (no longer than "grad ", for
#: which the one layout sized the boxes).
_TANGENT = "ṫ = "


def stepper_html(
    root: Value,
    path: str | Path | None = None,
    *,
    title: str | None = None,
    precision: int = 4,
    parameters: Iterable[Value] = (),
    max_steps: int = 200,
    renderer: Renderer = "auto",
    texts: Sequence[str] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    sweep: Literal["backward", "forward"] = "backward",
    tangents: Mapping[Value, float] | None = None,
    mistake: str | None = None,
    **to_dot_kwargs: Any,
) -> str:
    r"""Return (and optionally write) the backward (or forward) stepper as one HTML page.

    The graph is laid out once (one Graphviz layout, one SVG); each backward
    step is a state of that SVG, switched by a small inline script from
    per-step data, so the page grows linearly with the graph and nodes never
    move. The page is self-contained (SVG, explanations, style and script
    inlined) and opens offline. Steps are counted from 1: ``Step 3 of 12``,
    ``#step=3`` in the URL opens step 3 and the URL follows the step. The view
    pans and zooms to the node being processed, its op and its inputs at a
    readable size; zoom buttons, the mouse wheel, dragging and the keys
    ← → (or j k), + −, 0 move it by hand.

    Stable hooks for scripts and tests: ``#frames`` is the view and
    ``#frame`` (a ``figure`` with ``data-step`` and ``data-node``, the
    processed node's label) holds the SVG; in it the processed node is
    ``g.value.current`` (also ``.highlight``), its op ``g.op.highlight``, its
    input edges ``g.edge.highlight`` and its inputs ``g.value.input-node``;
    unreached elements have ``.unreached``. ``#jump`` lists the steps as
    ``option.frame[data-step][data-node]``; ``#explanation`` holds the current
    text; ``#counter`` reads ``Step k of n``; the body's ``data-step`` is the
    current step ``k`` (from 1).

    Selecting a node (a click on it; Enter or Space on it, as every value box
    is focusable with Tab; or the ``#paths-to`` list) highlights every path
    from the root down to it, edges and nodes (``.path``; the node itself is
    also ``.path-end``), and adds to the explanation the paths' products and
    their sum, as :func:`autograd_lite.teach.paths.explain_paths` writes them
    (grouped by the node's uses when there are too many to list); ``#frame``'s
    ``data-paths`` names the selected node. Selecting it again, or Esc, clears.

    The step follows the address (``#step=k``) only on a page of its own
    (``http:``, ``https:``, ``file:``); embedded in an ``<iframe srcdoc>``, a
    ``blob:`` URL or a sandboxed frame, the page keeps the step in memory and
    never touches the host's address.

    With ``mistake`` (a key of :data:`autograd_lite.teach.mistakes.MISTAKES`),
    each step's text adds the wrong gradient beside the right one, with one
    sentence on why, at the step where a node's gradient is complete, and a
    node the mistake gets wrong has ``.mistaken`` once reached.

    Labels, the title and the texts are always text, never markup: they are
    HTML-escaped, and the script's JSON escapes ``<``, ``>``, ``&`` and
    U+2028/U+2029. Characters no page can carry (control characters other
    than the texts' newlines, lone surrogates, U+2028/U+2029, U+FFFE/U+FFFF)
    are shown as escapes such as ``\u0000`` (see
    :func:`autograd_lite.teach.names.printable`).

    With ``sweep="forward"`` and ``tangents`` (a direction, e.g.
    ``{w1: 1.0}``, as :func:`autograd_lite.forward.forward_steps` takes it),
    the page steps through the forward sweep on the same one layout: step
    ``k`` is the ``k``-th node whose tangent is computed, in topological
    order; the edges highlighted are those whose contributions are added
    (inputs that depend on no seeded node carry nothing and stay plain);
    each box shows the node's tangent as ``ṫ = …`` (``ṫ = ?`` until it is
    computed; leaves, seeds and nodes that depend on no seed are known from
    the start); the text is
    :meth:`autograd_lite.teach.explain.ForwardExplanation.step_text`. The hooks are
    the same as on the backward page.

    Args:
        root: The node to differentiate.
        path: If given, the page is also written there (UTF-8), whole or not
            at all (through a temporary file renamed into place).
        title: Page title; by default it names ``root``.
        precision: Significant digits in the diagram and the explanations.
        parameters: Leaves to colour as parameters.
        max_steps: Refuse graphs with more backward steps than this.
        renderer: Which renderer makes the SVG (see :func:`render_svg`).
        texts: Explanations per step; by default ``explain(root).step_text(k)``
            (``explain_forward(root, tangents).step_text(k)`` for the forward sweep).
        timeout: Seconds the one layout may take (see :func:`render_svg`).
        sweep: ``"backward"`` (the default) or ``"forward"``.
        tangents: The direction of the forward sweep (required with
            ``sweep="forward"``, refused otherwise).
        mistake: A classic mistake to show beside the right gradients (see
            :func:`autograd_lite.teach.mistakes.compare_mistake`); backward only.
        **to_dot_kwargs: Further options of :func:`autograd_lite.teach.viz.to_dot`
            (``rankdir``, ``fast``, ``max_nodes``, ``focus``...).

    Returns:
        The HTML text.

    Raises:
        TypeError: If ``sweep="forward"`` comes without ``tangents``, or
            ``tangents`` without it, or ``tangents`` is not a mapping from
            Values to numbers, or ``mistake`` comes with ``sweep="forward"``.
        ValueError: If ``sweep`` is neither, ``mistake`` is not a known one, the pass has more than
            ``max_steps`` steps, or the graph is above ``to_dot``'s ``max_nodes``.
        RenderError: If the layout is predicted to take longer than
            ``timeout``, runs longer, or fails.
    """
    _check_sweep(sweep, tangents)
    if mistake is not None and sweep == "forward":
        raise TypeError(
            "stepper: mistake= shows a mistaken backward pass; not with sweep='forward'"
        )
    grouped: Sequence[Sequence[Step | ForwardStep]]
    name = printable(root.label) if isinstance(root, Value) else ""
    name = name or "the output"
    if sweep == "forward":
        assert tangents is not None
        forward, all_texts, along = _prepare_forward(root, tangents, max_steps, texts, precision)
        grouped = forward
        default_title = f"Forward sweep of {name} along {along}"
    else:
        backward, all_texts = _prepare(root, max_steps, texts, precision, mistake)
        grouped = backward
        default_title = f"Backward pass of {name}"
        if mistake is not None:
            default_title += f" beside the mistake {printable(str(mistake))}"
    params = list(parameters)
    to_dot_kwargs.setdefault("legend", False)
    pic = _picture(root)
    ids = {n: f"v{i}" for i, n in enumerate(topological(pic.root))}  # to_dot's element ids
    show_grad = to_dot_kwargs.get("show_grad", True)
    no_grad_line = _data_boxes(root, to_dot_kwargs)
    if sweep == "forward":
        assert tangents is not None
        data, widest = _forward_data(
            root, forward, tangents, pic, ids, precision, show_grad, no_grad_line
        )
        script = _forward_script()
    else:
        data, widest = _step_data(root, backward, pic, ids, precision, show_grad, no_grad_line)
        script = _files().script
    data.update(_path_data(root, pic, ids, precision))
    if mistake is not None:
        data["wrong"] = _wrong_data(root, mistake, precision)
    dot = _diagram(pic, precision, params, to_dot_kwargs, grads=widest)
    svg = _inline(_render(dot, renderer, timeout))

    title = printable(title) if title else default_title
    shown = [_text(t) for t in all_texts]
    names = node_names(root, precision)  # the explanations' names: labels, else t1, v1...
    who = [names[edges[0].node] for edges in grouped] or [names[root]]
    options = "\n".join(
        f'<option class="frame" value="{k}" data-step="{k + 1}" '
        f'data-node="{html.escape(w, quote=True)}">{k + 1} · {html.escape(w)}</option>'
        for k, w in enumerate(who)
    )
    files = _files()
    page = _fill(
        files.template,
        {
            "title": html.escape(title),
            "first_node": html.escape(who[0], quote=True),
            "svg": svg,
            "options": options,
            "first": html.escape(shown[0]),
            "n": str(len(shown)),
            "texts": script_json(shown),
            "script": script.replace(_DATA, script_json(data)),
            "style": files.style.replace(_WIDTH, _panel_width(shown)),
        },
    )
    if path is not None:
        write_atomic(Path(path), page)
    return page


# ------------------------------------------------------------ in a notebook
class Stepper:
    """The backward stepper as a notebook display object.

    Ending a Jupyter cell with it shows the stepper inline, working (an
    ``<iframe srcdoc="…">`` holding the whole page, attribute-escaped), where
    the page's text itself would print as 400 KB of HTML source. Build it
    with :func:`stepper_view`.

    Attributes:
        html: The page, exactly as :func:`stepper_html` returns it.
        height: The height of the inline view, in CSS pixels.
        title: The page's title (also the iframe's accessible name).
    """

    __slots__ = ("height", "html", "title")

    def __init__(self, page: str, *, height: int = 720, title: str = "") -> None:
        if not isinstance(page, str):
            raise TypeError(f"Stepper: page must be a str, got {type(page).__name__}")
        if isinstance(height, bool) or not isinstance(height, int) or height < 100:
            raise ValueError(f"Stepper: height must be an int of at least 100 (px), got {height!r}")
        self.html = page
        self.height = height
        self.title = title

    def _repr_html_(self) -> str:
        return iframe(self.html, self.height, self.title or "Backward stepper")

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        kb = len(self.html.encode("utf-8")) / 1000
        what = f"{self.title!r}, " if self.title else ""
        return f"<Stepper: {what}{kb:.0f} KB page; .html holds it, .save(path) writes it>"

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (UTF-8, whole or not at all) and return the path."""
        out = Path(path)
        write_atomic(out, self.html)
        return out


def stepper_view(
    root: Value, path: str | Path | None = None, *, height: int = 720, **kwargs: Any
) -> Stepper:
    """Return the stepper of ``root`` as a :class:`Stepper` that Jupyter shows inline.

    The same page as :func:`stepper_html` (which keeps returning the text),
    wrapped so that a notebook cell ending with ``stepper_view(g.loss)`` displays
    it, working, instead of printing its source.

    Args:
        root: The node to differentiate.
        path: If given, the page is also written there.
        height: Height of the inline view in pixels (720 by default).
        **kwargs: Options of :func:`stepper_html` (``parameters``, ``title``,
            ``precision``, ``renderer``...; ``sweep="forward"`` with
            ``tangents={...}`` for the forward sweep).

    Returns:
        A :class:`Stepper`; ``.html`` is the page.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(3.0, "x")
        >>> s = stepper_view((x * x).named("y"))
        >>> s._repr_html_().startswith('<div class="autograd-lite-embed"><iframe srcdoc=')
        True
    """
    page = stepper_html(root, path, **kwargs)
    name = printable(root.label) or "the output"
    sweep = "Forward sweep" if kwargs.get("sweep") == "forward" else "Backward pass"
    title = kwargs.get("title") or f"{sweep} of {name}"
    return Stepper(page, height=height, title=printable(title))
