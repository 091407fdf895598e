"""The computation graph as a Graphviz diagram (DOT built by the ``graphviz`` package).

Each Value is a record ``label | data | grad``; each op is a small circle with
its symbol; each input edge carries the local derivative read from the op table,
as formula and value. The same graph always gives the same DOT text: node ids
are positions in the topological order, never creation counters or addresses.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any, Literal, NamedTuple

import graphviz  # type: ignore[import-untyped]

from autograd_lite.core.autodiff import local_derivatives
from autograd_lite.core.graph import topological
from autograd_lite.core.ops import const as CONST
from autograd_lite.core.value import Value
from autograd_lite.teach.names import number_text
from autograd_lite.teach.viz.render import DEFAULT_TIMEOUT, HINT, Renderer, RenderError, render_svg

__all__ = [
    "FAST_ABOVE",
    "FAST_SECONDS",
    "KIND_COLORS",
    "NOT_RUN",
    "Diagram",
    "LayoutCost",
    "backward_has_run",
    "check_layout",
    "kind_of",
    "layout_cost",
    "to_dot",
]

Kind = Literal["input", "parameter", "data", "constant", "intermediate", "output"]

#: Fill colour of each kind of node (constants are drawn as plain numbers).
KIND_COLORS: dict[str, str] = {
    "input": "#dbeafe",
    "parameter": "#fde68a",
    "data": "#ffffff",
    "intermediate": "#f3f4f6",
    "output": "#bbf7d0",
}

#: The banner of a diagram drawn before ``backward()`` ran from its root.
NOT_RUN = "backward() has not run yet: gradients are shown as ?"

#: Above this many Graphviz nodes the fast-layout preset is applied.
FAST_ABOVE = 300
#: A full layout predicted to take longer than this (seconds) gets the fast preset.
FAST_SECONDS = 1.0

_HIGHLIGHT = "#dc2626"
_DIM_TEXT = "#9ca3af"
_DIM_LINE = "#d1d5db"
_DIM_FILL = "#fafafa"


class LayoutCost(NamedTuple):
    """What a Graphviz layout of a diagram is predicted to cost.

    Attributes:
        nodes: Graphviz nodes (a box per value, a circle per op unless fast).
        edges: Graphviz edges.
        virtual: Bends Graphviz adds where an edge skips ranks (a long edge,
            e.g. from a value used far down the graph, becomes a chain of
            invisible nodes, and every one of them is laid out too).
        long_edges: Edges that skip more than two ranks.
        seconds: The predicted layout time on the in-process renderer.
    """

    nodes: int
    edges: int
    virtual: int
    long_edges: int
    seconds: float


def layout_cost(nodes: Collection[Value], *, fast: bool, labels: bool = True) -> LayoutCost:
    """Predict Graphviz's layout time for a diagram of ``nodes`` from its shape.

    Graphviz's ``dot`` puts nodes on ranks (longest path, each input one rank
    before its use), turns every edge that skips ranks into a chain of virtual
    nodes, then orders and places all of them. Measured with the in-process
    renderer, a full layout takes about ``1.2e-7 * N**2`` seconds for
    ``N = nodes + virtual``, times ``1 + S/(20 N)`` where ``S`` sums the
    squared rank spans of the edges: long edges (a value reused across
    the whole graph, as ``w`` in ``tanh(w*tanh(w*...))``) cost far more than their
    count. The fast preset caps Graphviz's iterations: about ``2e-4 * N``
    seconds. Predictions are within a factor of about three of the measured
    times, erring on the slow side.
    """
    shown = set(nodes)
    k = 2 if labels and not fast else 1  # edge labels double every edge's rank span
    rank: dict[tuple[int, int], int] = {}  # (id, 0 for the value / 1 for its op circle)
    outs: dict[tuple[int, int], list[tuple[int, int]]] = {}
    edges: list[tuple[tuple[int, int], tuple[int, int]]] = []
    count = 0
    for n in nodes:  # topological: inputs first
        v = (id(n), 0)
        count += 1
        if n.op is None or n.op is CONST:
            rank[v] = 0
            continue
        target = v
        if not fast:
            target = (id(n), 1)
            count += 1
        ins = [(id(p), 0) for p in n.parents if p in shown]
        r = max((rank[t] + k for t in ins), default=0)
        for t in ins:
            edges.append((t, target))
            outs.setdefault(t, []).append(target)
        rank[target] = r
        if not fast:
            edges.append((target, v))
            rank[v] = r + k
    # Inputs sit just before their first use, as Graphviz's ranking puts them.
    for n in nodes:
        if (n.op is None or n.op is CONST) and (id(n), 0) in outs:
            rank[(id(n), 0)] = min(rank[h] for h in outs[(id(n), 0)]) - k
    virtual = long_edges = squares = 0
    for t, h in edges:
        span = rank[h] - rank[t]
        virtual += max(span - 1, 0)
        hops = span // k
        long_edges += hops > 2
        squares += hops * hops
    size = count + virtual
    if fast:
        seconds = 2e-4 * size * (1 + size / 20000)
    else:
        seconds = 1.2e-7 * size * size * (1 + squares / (20 * max(size, 1)))
    return LayoutCost(count, len(edges), virtual, long_edges, seconds)


def check_layout(diagram: Any, timeout: float | None = DEFAULT_TIMEOUT) -> None:
    """Refuse at once a diagram whose layout is predicted to exceed ``timeout``.

    Raises:
        RenderError: With a message naming ``focus=`` (draw a part),
            ``fast=True`` and ``timeout=`` (allow more time).
    """
    cost = getattr(diagram, "layout_cost", None)
    if cost is None or timeout is None or cost.seconds <= timeout:
        return
    fast_hint = "" if diagram.fast else "fast=True (a quicker, plainer layout), "
    raise RenderError(
        f"Graphviz would need about {cost.seconds:.0f} s to lay out this graph "
        f"({cost.nodes} nodes, {cost.edges} edges, {cost.long_edges} long edges that add "
        f"{cost.virtual} bends), above the time budget timeout={timeout:g} s. Pass "
        f"focus=<a node> (with radius=2) to draw one neighbourhood, {fast_hint}or "
        f"timeout=None to wait; DOT text (.dot) needs no layout",
        diagram.source,
    )


class Diagram(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` that shows itself as SVG in Jupyter.

    Displaying never raises: without a renderer the notebook shows the DOT
    text and a hint on how to get one.

    Attributes:
        layout_cost: The predicted cost of its layout (:class:`LayoutCost`).
        fast: Whether the fast-layout preset was applied.
    """

    layout_cost: LayoutCost | None = None
    fast: bool = False

    def svg(self, *, renderer: Renderer = "auto", timeout: float | None = DEFAULT_TIMEOUT) -> str:
        """Return the diagram rendered to SVG text (see :func:`render_svg`).

        Raises:
            RenderError: If the layout is predicted to take longer than
                ``timeout`` seconds, runs longer, or fails.
        """
        check_layout(self, timeout)
        return render_svg(self.source, renderer=renderer, timeout=timeout)

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **_: Any
    ) -> dict[str, str]:
        try:
            return {"image/svg+xml": self.svg(), "text/plain": _summary(self.source)}
        except Exception as exc:  # a notebook display must never raise
            return {"text/plain": f"(diagram not rendered: {exc})\n{HINT}\n\n{self.source}"}


# A node or an edge statement; labels cannot fake one (they never hold a newline).
_STATEMENT = re.compile(r"^\t+(?!(?:node|edge|graph) \[)\w+(?: -> \w+)? \[", re.M)


def _summary(source: str) -> str:
    return f"<Diagram: {len(_STATEMENT.findall(source))} elements; .source holds the DOT text>"


def kind_of(
    node: Value, root: Value, parameters: Collection[Value], data: Collection[Value] = ()
) -> Kind:
    """Classify a node for colouring: output, parameter, data, input, constant or intermediate.

    ``data`` holds the nodes to draw as data (see :func:`to_dot`).
    """
    if node is root:
        return "output"
    if node.op is CONST:
        return "constant"
    if node in data:
        return "data"
    if node.op is None:
        return "parameter" if node in parameters else "input"
    return "intermediate"


def backward_has_run(root: Value) -> bool:
    """Whether the ``grad`` fields of ``root``'s graph hold a backward pass from ``root``.

    ``backward()`` always leaves the seed (1.0 by default, never 0 unless asked)
    in ``root.grad``: a computed root is reset to 0 and the seed added, a leaf
    root adds the seed. So ``root.grad == 0.0`` means that no backward pass from
    this root has run since the graph was built (or since ``zero_grad()``), and
    every other ``grad`` in the graph is a leftover 0, not a gradient. (The one
    case this misreads is ``backward(0.0)``, whose gradients are all 0 anyway.)
    """
    return root.grad != 0.0


def data_nodes(nodes: list[Value], data: Collection[Value]) -> set[Value]:
    """The given data leaves, and every node computed from data and numbers alone."""
    # The given data leaves, and every node computed from data and numbers
    # alone (the lesson's 1−y): its value is data too, and its gradient is
    # not something training uses.
    out = set(data)
    for n in nodes:
        if n.parents and n not in out:
            ins = [p for p in n.parents if p.op is not CONST]
            if ins and all(p in out for p in ins):
                out.add(n)
    return out


def _printable(text: str) -> str:
    # The documented policy (see autograd_lite.teach.names.printable): what no
    # output can carry (NUL, controls, lone surrogates...) becomes an escape.
    from autograd_lite.teach.names import printable

    return printable(text)


def _entities(ch: str) -> str:
    # Graphviz decodes HTML entities in every label ("&amp;" is drawn "&"), so
    # each "&" is written as "&amp;" and a label's own entities stay as typed.
    return "&amp;" if ch == "&" else ch


def _record_escape(text: str) -> str:
    r"""Escape ``text`` for one field of a Graphviz record label.

    The record parser reads ``{ } | < >`` as structure and drops leading,
    trailing and repeated spaces; the label code reads ``\n``, ``\l``, ``\N``...
    as escapes and ``&...;`` as entities. Backslashes are doubled, the
    structure characters and quotes backslash-escaped, ``&`` written
    ``&amp;``, and a space the parser would drop written ``&#32;``.
    """
    text = _printable(text)
    out = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch in '{}|<>"':
            out.append("\\" + ch)
        elif ch == " " and (i in (0, last) or text[i - 1] == " " or text[i + 1] == " "):
            out.append("&#32;")
        else:
            out.append(_entities(ch))
    return "".join(out)


def _quoted(text: str) -> str:
    r"""Escape ``text`` for a quoted (non-record) DOT label: drawn as written.

    Backslashes are doubled (so ``\n``, ``\l``, ``\N``... stay literal), quotes
    escaped and ``&`` written ``&amp;``. A final backslash is written as two
    entities: ``\\"`` would read as an escaped quote and run the string on.
    """
    out = "".join(_entities(ch) for ch in _printable(text))
    out = out.replace("\\", "\\\\").replace('"', '\\"')
    if out.endswith("\\"):
        out = out[:-2] + "&#92;&#92;"
    return out


def _plain(text: str) -> Any:
    return graphviz.nohtml(_quoted(text))


def _neighbourhood(nodes: list[Value], focus: Value, radius: int) -> set[Value]:
    adjacent: dict[Value, list[Value]] = {n: [] for n in nodes}
    for n in nodes:
        for p in n.parents:
            adjacent[n].append(p)
            adjacent[p].append(n)
    keep = {focus}
    frontier = [focus]
    for _ in range(radius):
        nxt = []
        for n in frontier:
            for m in adjacent[n]:
                if m not in keep:
                    keep.add(m)
                    nxt.append(m)
        frontier = nxt
    return keep


def _graphviz_nodes(nodes: Iterable[Value]) -> int:
    # A record per Value plus a circle per op (constants are one plain node).
    return sum(1 if n.op is None or n.op is CONST else 2 for n in nodes)


def to_dot(
    root: Value,
    *,
    precision: int = 4,
    show_grad: bool = True,
    show_local: bool = True,
    rankdir: str = "LR",
    color: bool = True,
    parameters: Iterable[Value] = (),
    highlight: Value | None = None,
    reached: Collection[Value] | None = None,
    focus: Value | None = None,
    radius: int = 2,
    max_nodes: int | None = 1500,
    legend: bool = True,
    grads: Mapping[Value, float] | None = None,
    fast: bool | None = None,
    data: Iterable[Value] = (),
    show_data_grads: bool = False,
) -> Diagram:
    r"""Return the graph of ``root`` as a Graphviz diagram.

    Labels are text, whatever they hold: the DOT parses to the same graph
    and Graphviz draws each label as written. Record specials (``{ } | < >``),
    quotes and backslashes are escaped (``\n`` or ``\N`` in a label is drawn
    as those two characters), ``&`` is written ``&amp;`` (so a label ``&amp;``
    is drawn as the five characters, not as ``&``) and spaces the record
    parser would drop as ``&#32;``. Characters no output can carry (control
    characters, lone surrogates, U+2028/U+2029, U+FFFE/U+FFFF) are shown as
    visible escapes, ``\n``, ``\t``, ``\r`` or ``\uXXXX``, exactly as in the
    explanations (see :func:`autograd_lite.teach.names.printable`).

    Args:
        root: The output node; its whole graph is drawn.
        precision: Significant digits of the numbers shown.
        show_grad: Show each node's gradient.
        show_local: Label each input edge with its local derivative, e.g.
            ``∂a/∂z = a(1 − a) = 0.1966``.
        rankdir: ``"LR"`` (left to right, the default: wide and short) or
            ``"TB"`` (top down: narrow and tall, the layout that fits a page
            column or a narrow window; ``"RL"`` and ``"BT"`` reverse them).
            Top down, each box stacks its name, data and grad, so the
            diagram stays about as narrow as its widest rank.
        color: Colour nodes by kind (input, parameter, intermediate, output).
        parameters: Leaves to colour as parameters; other leaves are inputs.
        highlight: A node to emphasise with its input edges (the node a
            backward step is processing).
        reached: If given, nodes outside it are dimmed and show no gradient
            (nodes the backward pass has not reached yet).
        focus: Draw only the nodes within ``radius`` hops of this node.
        radius: Hops kept around ``focus``.
        max_nodes: Refuse graphs needing more Graphviz nodes than this (one per
            Value plus one per op): their layout would take minutes. ``None``:
            no limit (``draw`` to ``.dot`` uses that: DOT text needs no layout).
        legend: Add a legend with one entry per kind of node drawn (when
            ``color`` is on): input, data, parameter, intermediate, output,
            and constant (a number drawn as plain text).
        grads: Gradients to show instead of each node's ``grad`` (the stepper
            passes the partial sums known at a step).
        fast: Force (True) or forbid (False) the fast-layout preset; by default
            it applies above ``FAST_ABOVE`` Graphviz nodes, or when the full
            layout is predicted to take over ``FAST_SECONDS`` (see
            :func:`layout_cost`: long edges count most). It drops edge
            labels and the legend, draws straight edges, merges each op into
            its node and caps Graphviz's layout iterations.
        data: Leaves that are data, not something to train (the features x
            and the label y of a lesson): drawn as rounded white boxes of
            label and value, with no ``grad`` line and no local derivative on
            their edges. Nodes computed from data and numbers alone (``1−y``)
            are drawn as data too. ``LessonGraph.diagram()`` passes x and y.
        show_data_grads: Show the gradients (and edge derivatives) of data
            nodes after all.

    Before backward: when ``root.grad`` is 0 (see :func:`backward_has_run`),
    no backward pass from ``root`` has run, so every box shows ``grad ?``
    instead of a misleading 0 and the diagram carries the banner
    :data:`NOT_RUN`. (Not when ``grads`` is given, nor with ``show_grad=False``.)

    Returns:
        A :class:`Diagram` (a ``graphviz.Digraph``); ``.source`` is the DOT text.

    Raises:
        ValueError: For a bad option, a ``focus`` outside the graph, or a graph
            above ``max_nodes`` (the message names the options that help).
        TypeError: If ``root`` is not a Value.
    """
    if not isinstance(root, Value):
        raise TypeError(f"to_dot: root must be a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"to_dot: rankdir must be 'LR' or 'TB', got {rankdir!r}")
    if isinstance(precision, bool) or not isinstance(precision, int):
        raise TypeError(f"to_dot: precision must be an int, got {precision!r}")
    if precision < 1:
        raise ValueError(f"to_dot: precision must be at least 1, got {precision!r}")
    for option, given in (("focus", focus), ("highlight", highlight)):
        if given is not None and not isinstance(given, Value):
            raise TypeError(f"to_dot: {option} must be a Value, got {type(given).__name__}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise TypeError(f"to_dot: max_nodes must be an int or None, got {max_nodes!r}")
    if isinstance(parameters, Value) or not isinstance(parameters, Iterable):
        raise TypeError(
            f"to_dot: parameters must be a list of Values, got {type(parameters).__name__}"
        )
    if isinstance(data, Value) or not isinstance(data, Iterable):
        raise TypeError(f"to_dot: data must be a list of Values, got {type(data).__name__}")
    if isinstance(radius, bool) or not isinstance(radius, int):
        raise TypeError(f"to_dot: radius must be an int, got {radius!r}")
    if radius < 0:
        raise ValueError(f"to_dot: radius must be >= 0, got {radius!r}")
    nodes = topological(root)
    data = list(data)
    for d in data:
        if not isinstance(d, Value):
            raise TypeError(f"to_dot: data must be a list of Values, got a {type(d).__name__}")
        if d.op is not None:
            who = repr(d.label) if d.label else "a computed node"
            raise ValueError(f"to_dot: data must be leaves (inputs), got {who}")
    params = set(parameters)
    both = [d for d in data if d in params]
    if both:
        who = repr(both[0].label) if both[0].label else "a leaf"
        raise ValueError(f"to_dot: {who} is given both as a parameter and as data")
    # Ids and generic names come from the whole graph, so a focused view
    # names its nodes exactly as the full diagram does.
    ids = {n: f"v{i}" for i, n in enumerate(nodes)}
    names = _names(root, nodes)
    as_data = data_nodes(nodes, data) if data else set()
    hide = set() if show_data_grads else as_data
    pending = show_grad and grads is None and not backward_has_run(root)
    if focus is not None:
        if focus not in set(nodes):
            who = repr(focus.label) if focus.label else "the given node"
            raise ValueError(f"to_dot: focus {who} is not part of the graph of root")
        keep = _neighbourhood(nodes, focus, radius)
        nodes = [n for n in nodes if n in keep]
    size = _graphviz_nodes(nodes)
    if max_nodes is not None and size > max_nodes:
        raise ValueError(
            f"to_dot: this graph needs {size} Graphviz nodes ({len(nodes)} values), above "
            f"max_nodes={max_nodes}; Graphviz would take minutes to lay it out. Pass "
            f"focus=<a node> (with radius=2) to draw one neighbourhood, or "
            f"max_nodes={size} to draw it all anyway."
        )
    labels = show_local
    if fast is None:
        fast = size > FAST_ABOVE
        if not fast:
            full = layout_cost(nodes, fast=False, labels=labels)
            fast = full.seconds > FAST_SECONDS
    cost = layout_cost(nodes, fast=fast, labels=labels)
    shown = set(nodes)
    dot = Diagram(name="autograd_lite", format="svg")
    dot.layout_cost, dot.fast = cost, fast
    dot.attr(rankdir=rankdir, bgcolor="white", nodesep="0.25", ranksep="0.4")
    if pending:
        dot.attr(
            label=_plain(NOT_RUN),
            labelloc="t",
            labeljust="l",
            fontname="Helvetica",
            fontsize="12",
            fontcolor=_HIGHLIGHT,
        )
    if fast:
        # Measured: on tangled graphs most layout time goes to network simplex
        # and crossing minimisation; capping both cuts ~50 s to under 1 s at
        # 1,500 Graphviz nodes, at the price of a less tidy picture.
        dot.attr(splines="false", nslimit="0.2", nslimit1="0.2", mclimit="0.05")
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", fontname="Helvetica", fontsize="9", arrowsize="0.6")
    horizontal = rankdir in ("LR", "RL")
    kinds_used: list[str] = []
    for n in nodes:
        kind = kind_of(n, root, params, as_data)
        if kind not in kinds_used:
            kinds_used.append(kind)
        dim = reached is not None and n not in reached
        _add_value(
            dot,
            n,
            ids[n],
            names[n],
            kind,
            precision,
            show_grad and n not in hide,
            color,
            dim or pending,
            n is highlight,
            horizontal,
            grads,
            fast,
            style_dim=dim,
        )
    for n in nodes:
        if n.op is None or n.op is CONST:
            continue
        _add_inputs(
            dot,
            n,
            ids,
            names,
            shown,
            precision,
            show_local and not fast,
            n is highlight,
            reached,
            fast,
            hide,
        )
    if color and legend and not fast:
        _add_legend(
            dot,
            [
                k
                for k in ("input", "data", "parameter", "constant", "intermediate", "output")
                if k in kinds_used
            ],
            horizontal,
        )
    return dot


def _names(root: Value, nodes: list[Value]) -> dict[Value, str]:
    # The explanations' names, so that a stepper's picture and text agree.
    from autograd_lite.teach.names import node_names

    out = node_names(root)
    for n in nodes:
        if n.op is CONST:
            out[n] = number_text(n.data)
    return out


def _add_value(
    dot: Diagram,
    n: Value,
    nid: str,
    name: str,
    kind: str,
    precision: int,
    show_grad: bool,
    color: bool,
    dim: bool,
    lit: bool,
    horizontal: bool,
    grads: Mapping[Value, float] | None,
    fast: bool,
    *,
    style_dim: bool | None = None,
) -> None:
    # ``dim``: the gradient is not known (``grad ?``); ``style_dim``: draw the
    # box dimmed too (a node the stepper has not reached). By default both.
    unknown = dim
    dim = dim if style_dim is None else style_dim
    attrs: dict[str, str] = {"id": nid, "class": f"value {kind}"}
    if kind == "constant":
        attrs.update(shape="plaintext", fontsize="10", fontcolor=_DIM_TEXT if dim else "black")
        dot.node(nid, _plain(number_text(n.data, precision)), **attrs)
        return
    fields = [_record_escape(name), f"data {_record_escape(number_text(n.data, precision))}"]
    if show_grad:
        g = grads.get(n, 0.0) if grads is not None else n.grad
        text = "grad ?" if unknown else f"grad {number_text(g, precision)}"
        fields.append(_record_escape(text))
    if fast and n.op is not None:
        fields.insert(0, _record_escape(n.op.symbol))
    body = " | ".join(fields)
    # Braces turn a record's fields across the rank direction: side by side
    # left to right (short ranks), stacked top down (a narrow diagram).
    label = "{ " + body + " }"
    attrs["shape"] = "Mrecord" if kind == "data" else "record"
    style = ["filled"] if color or dim else []
    if color:
        attrs["fillcolor"] = KIND_COLORS[kind]
    if dim:
        attrs.update(fillcolor=_DIM_FILL, color=_DIM_LINE, fontcolor=_DIM_TEXT)
        style.append("dashed")
    if lit:
        attrs.update(color=_HIGHLIGHT, penwidth="2.5", fontcolor="black")
        attrs["class"] += " highlight"
        style = [s for s in style if s != "dashed"]
    if style:
        attrs["style"] = ",".join(style)
    dot.node(nid, graphviz.nohtml(label), **attrs)


def _atom(name: str) -> str:
    # "∂1−a/∂a" misreads; "∂(1−a)/∂a" does not.
    return name if all(ch.isalnum() or ch in "_." for ch in name) else f"({name})"


def _edge_label(n: Value, i: int, names: Mapping[Value, str], precision: int) -> str:
    op = n.op
    assert op is not None
    parent = n.parents[i]
    formula = op.formula(i, [_atom(names[p]) for p in n.parents], _atom(names[n]))
    try:
        value = number_text(local_derivatives(n)[i], precision)
    except (ValueError, ZeroDivisionError, OverflowError):
        value = "undefined"
    head = f"∂{_atom(names[n])}/∂{_atom(names[parent])} = "
    if formula == value:  # "−1", not "−1 = −1"
        return f"{head}{value}"
    return f"{head}{formula} = {value}"


def _add_inputs(
    dot: Diagram,
    n: Value,
    ids: Mapping[Value, str],
    names: Mapping[Value, str],
    shown: set[Value],
    precision: int,
    show_local: bool,
    lit: bool,
    reached: Collection[Value] | None,
    fast: bool,
    hide: Collection[Value] = (),
) -> None:
    op = n.op
    assert op is not None
    nid = ids[n]
    dim = reached is not None and n not in reached
    target = nid
    if not fast:
        target = f"{nid}_op"
        attrs = {
            "id": target,
            "class": "op",
            "shape": "circle",
            "width": "0.3",
            "fixedsize": "false",
            "margin": "0.02",
            "fontsize": "10",
        }
        if dim:
            attrs.update(color=_DIM_LINE, fontcolor=_DIM_TEXT)
        if lit:
            attrs.update(color=_HIGHLIGHT, penwidth="2", **{"class": "op highlight"})
        dot.node(target, _plain(op.symbol), **attrs)
        edge = {"id": f"{nid}_out", "class": "out"}
        if dim:
            edge["color"] = _DIM_LINE
        if lit:
            edge.update(color=_HIGHLIGHT, penwidth="2")
        dot.edge(target, nid, **edge)
    hidden = 0
    for i, p in enumerate(n.parents):
        if p not in shown:
            hidden += 1
            continue
        attrs = {"id": f"{nid}_in{i}", "class": "in"}
        if show_local and p.op is not CONST and p not in hide:
            attrs["label"] = _plain(_edge_label(n, i, names, precision))
        if dim:
            attrs.update(color=_DIM_LINE, fontcolor=_DIM_TEXT)
        if lit:
            attrs.update(color=_HIGHLIGHT, penwidth="2", fontcolor=_HIGHLIGHT)
            attrs["class"] = "in highlight"
        dot.edge(ids[p], target, **attrs)
    if hidden:
        more = f"{nid}_more"
        dot.node(
            more,
            _plain(f"{hidden} more"),
            shape="plaintext",
            fontsize="9",
            fontcolor=_DIM_TEXT,
            id=more,
        )
        dot.edge(more, target, style="dashed", color=_DIM_LINE, id=f"{more}_edge")


def _add_legend(dot: Diagram, kinds: list[str], horizontal: bool) -> None:
    # The keys stack in one column beside the graph. Left to right, one rank
    # is a column: Graphviz stacks it bottom-up, so the keys go in reversed.
    # Top down, a rank is a row (as wide as the graph), so the keys are
    # chained by invisible edges instead. (HTML-like labels would be neater,
    # but the WebAssembly Graphviz is built without them.)
    with dot.subgraph(name="cluster_legend") as legend:
        legend.attr(
            label="legend",
            fontname="Helvetica",
            fontsize="9",
            fontcolor="black",
            color=_DIM_LINE,
            style="rounded",
        )
        if horizontal:
            legend.attr(rank="same")
        for kind in reversed(kinds) if horizontal else kinds:
            lid = f"legend_{kind}"
            if kind == "constant":  # drawn as a plain number, as in the graph
                legend.node(
                    lid,
                    "constant (number)",
                    shape="plaintext",
                    fontsize="9",
                    height="0.2",
                    id=lid,
                )
                continue
            legend.node(
                lid,
                kind,
                shape="box",
                style="filled,rounded" if kind == "data" else "filled",
                fillcolor=KIND_COLORS[kind],
                fontsize="9",
                height="0.2",
                margin="0.05,0.02",
                id=lid,
            )
        if not horizontal:
            for a, b in itertools.pairwise(kinds):
                legend.edge(f"legend_{a}", f"legend_{b}", style="invis")
