r"""The gradient as a sum over paths: every route from the output down to one node.

The chain rule, read on a recorded graph, says that d(root)/d(node) is a sum
over the paths from ``root`` down to ``node``: along each path, multiply the
local derivative of every edge; then add the products of all the paths::

    d(root)/d(node) = Σ over paths  Π over the edges of the path  d(child)/d(input)

A node used twice (``a * a``, or ``b = a + a``) starts two paths, so its
gradient is a sum; that is why ``backward`` adds (``+=``) what each use sends
instead of overwriting it. :func:`~autograd_lite.explain_paths` lists the paths, their
factors (the op table's local derivatives, as
:func:`autograd_lite.core.autodiff.local_derivatives` gives them) and their
products, and sets their sum beside the gradient that the engine computes.

Paths multiply quickly: ``b = a + a; c = b + b; …`` doubles them at every
step. They are counted first, in one pass over the graph, and listed only up
to a limit; beyond it they are grouped by the uses of the node, the way
``backward`` groups them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO

from autograd_lite.core.autodiff import local_derivatives
from autograd_lite.core.graph import reverse_topological, topological
from autograd_lite.core.value import Value
from autograd_lite.functional import gradients
from autograd_lite.teach.names import (
    Notation,
    node_names,
    printable,
)
from autograd_lite.teach.textout import fits, printable_for, write_rendered

__all__ = ["GradientPath", "PathExplanation", "PathGroup", "explain_paths"]

#: How many paths are listed one by one unless told otherwise.
DEFAULT_LIMIT = 32


@dataclass(frozen=True, slots=True, eq=False)
class GradientPath:
    """One path from the root down to the node, with the local derivative of each edge.

    Attributes:
        nodes: The nodes along the path, the root first and the node last (the
            root alone when the node is the root).
        inputs: For each edge, which input of the upper node it goes to (from
            0, in argument order): the two paths of ``a * a`` differ only here.
        factors: The local derivative of each edge, d(nodes[k])/d(nodes[k+1]),
            from the op table.
        product: The factors multiplied from the root's end (1.0 for no edge).
    """

    nodes: tuple[Value, ...]
    inputs: tuple[int, ...]
    factors: tuple[float, ...]
    product: float


@dataclass(frozen=True, slots=True, eq=False)
class PathGroup:
    """The paths through one use of the node: what ``backward`` adds for that use.

    Attributes:
        consumer: The node that uses the node as an input.
        index: Which input of ``consumer`` it is (from 0, in argument order).
        count: How many paths from the root end with this edge (exact).
        upstream: d(root)/d(consumer), from the engine.
        local: d(consumer)/d(node) through this input, from the op table.
        contribution: ``upstream * local``: the sum of the products of the
            paths through this use, as ``backward`` adds it.
    """

    consumer: Value
    index: int
    count: int
    upstream: float
    local: float
    contribution: float


# ----------------------------------------------------------- formatting


class _Style(Notation):
    """A notation that also writes edges and "any consumer"."""

    def d_consumer(self, top: str) -> str:
        """d(top)/d(consumer): the word stands for any node that uses the node."""
        if self.kind == "latex":
            return rf"\frac{{\partial {self.name(top)}}}{{\partial\,\text{{consumer}}}}"
        mark = "∂" if self.kind == "markdown" else "d"
        return f"{mark}{self.name(top)}/{mark}(consumer)"

    def times(self) -> str:
        return r" \cdot " if self.kind == "latex" else " × "

    def arrow(self, slot: int | None) -> str:
        """The edge sign; ``slot`` (from 0) where the upper node uses its input twice."""
        if self.kind == "latex":
            return r" \to " if slot is None else rf" \xrightarrow{{\text{{input {slot + 1}}}}} "
        return " → " if slot is None else f" →(input {slot + 1}) "

    def count(self, n: int) -> str:
        """An exact count, or its order of magnitude past 15 digits (a str of any int fails)."""
        if n < 10**15:
            return str(n)
        exponent = math.floor(math.log10(n))
        mantissa = 10 ** (math.log10(n) - exponent)
        if self.kind == "latex":
            return rf"\approx {mantissa:.3f} \times 10^{{{exponent}}}"
        return f"about {mantissa:.3f} × 10^{exponent}"


def _plural(n: int, word: str) -> str:
    return word if n == 1 else f"{word}s"


# ----------------------------------------------------------- the result
class PathExplanation:
    """The paths from a root down to one node, their products, and their sum.

    Made by :func:`~autograd_lite.explain_paths`. ``print`` it for a
    plain-text table, or use ``to_markdown``/``to_latex``
    (in Jupyter it shows itself as Markdown). Up to ``limit`` paths are listed
    one by one; past it, :attr:`paths` is empty and the renderings show
    :attr:`groups` instead, with the number of paths.

    Attributes:
        root: The differentiated node.
        node: The node the paths lead to.
        count: The number of paths from ``root`` down to ``node`` (exact, counted
            without listing them; 0 when ``root`` does not use ``node``).
        limit: The most paths listed one by one.
        listed: Whether :attr:`paths` holds every path (``count <= limit``).
        paths: Every path (a :class:`~autograd_lite.teach.paths.GradientPath`),
            depth first from the root (each node's inputs in argument order),
            when :attr:`listed`; otherwise empty.
        groups: One :class:`~autograd_lite.teach.paths.PathGroup` per use of
            ``node`` in the graph, in the order ``backward`` adds their
            contributions (the using nodes from the root down, their inputs in
            argument order).
        total: The sum over paths: the products of :attr:`paths` added left to
            right in their order when listed; otherwise the contributions of
            :attr:`groups` added left to right (each the sum of the products of
            the paths through one use).
        gradient: d(root)/d(node) computed by the engine
            (:func:`autograd_lite.functional.gradients`).
        agree: Whether :attr:`total` and :attr:`gradient` agree to rounding
            (within 1e-9 of the size of the terms added).
        names: The name used for each node of the graph (as
            :func:`~autograd_lite.teach.explain.explain` uses).
        precision: Significant digits of printed numbers.
    """

    def __init__(
        self,
        root: Value,
        node: Value,
        count: int,
        limit: int,
        paths: list[GradientPath],
        groups: list[PathGroup],
        gradient: float,
        precision: int,
    ) -> None:
        self.root = root
        self.node = node
        self.count = count
        self.limit = limit
        self.listed = count <= limit
        self.paths = paths
        self.groups = groups
        self.gradient = gradient
        self.precision = precision
        self.names = node_names(root, precision)
        terms = self._terms()
        total = 0.0
        for t in terms:  # left to right, in the stated order
            total += t
        self.total = total
        scale = max(sum(abs(t) for t in terms), abs(gradient))
        self.agree = abs(total - gradient) <= 1e-9 * scale

    # ------------------------------------------------------------ pieces
    def _name(self, n: Value) -> str:
        # A node outside root's graph has no name there: its label, or "node".
        return self.names.get(n) or printable(n.label) or "node"

    @property
    def root_name(self) -> str:
        """The name used for the root."""
        return self._name(self.root)

    @property
    def node_name(self) -> str:
        """The name used for the node the paths lead to."""
        return self._name(self.node)

    def _terms(self) -> list[float]:
        if self.listed:
            return [p.product for p in self.paths]
        return [g.contribution for g in self.groups]

    def _route(self, path: GradientPath, f: _Style) -> str:
        out = [f.bare(self._name(path.nodes[0]))]
        for upper, slot, lower in zip(path.nodes[:-1], path.inputs, path.nodes[1:], strict=True):
            twice = upper.parents.count(lower) > 1
            out.append(f.arrow(slot if twice else None) + f.bare(self._name(lower)))
        return "".join(out)

    def _factors(self, path: GradientPath, f: _Style) -> str:
        if not path.factors:
            return "(no edge)" if f.kind != "latex" else r"\text{(no edge)}"
        return f.times().join(f.factor(x) for x in path.factors)

    def _chain(self, path: GradientPath, f: _Style) -> str:
        """The path's derivatives by name: d(root)/d(n1) · d(n1)/d(n2) · …."""
        if not path.factors:
            return f.d(self.root_name, self.root_name)
        sep = r"\," if f.kind == "latex" else " · "
        return sep.join(
            f.d(self._name(a), self._name(b))
            for a, b in zip(path.nodes[:-1], path.nodes[1:], strict=True)
        )

    def _sum(self, f: _Style) -> str:
        terms = self._terms()
        if not terms:
            return f.num(0.0)
        if len(terms) == 1:
            return f.num(self.total)
        plus = " + ".join([f.num(terms[0]), *(f.factor(t) for t in terms[1:])])
        return f"{plus} = {f.num(self.total)}"

    def _title(self, f: _Style) -> str:
        r, n = self.root_name, self.node_name
        head = (
            f"Paths from {f.bare(r)} = {f.num(self.root.data)} "
            f"down to {f.bare(n)} = {f.num(self.node.data)}: "
            f"{f.count(self.count)} {_plural(self.count, 'path')}"
        )
        if not self.listed:
            head += f", more than the limit of {self.limit}"
        return head

    def _message(self, f: _Style) -> str:
        """Why the view is what it is: no path, every path, or the uses."""
        r, n = f.bare(self.root_name), f.bare(self.node_name)
        if self.count == 0:
            return (
                f"No path leads from {r} down to {n}: {r} does not depend on {n} "
                f"through the recorded graph, so {f.d(self.root_name, self.node_name)} = 0."
            )
        if self.listed:
            return (
                "Each product is the chain rule along one path; the gradient is the sum "
                "over all the paths. Backward never lists them: at each node it adds (+=) "
                "what every use sends, and those running sums add up the same products."
            )
        uses = len(self.groups)
        return (
            f"There are too many paths to list: {f.count(self.count)} "
            f"(more than {self.limit}). They are grouped by the {uses} "
            f"{_plural(uses, 'use')} of {n}: each use sends "
            f"{f.d_consumer(self.root_name)} × local derivative, which is the sum of "
            f"the products of every path through it, and backward adds the uses with +=."
        )

    def _verdict(self, f: _Style) -> str:
        d = f.d(self.root_name, self.node_name)
        same = "the same, to rounding" if self.agree else "they DIFFER"
        return f"{d} from backward: {f.num(self.gradient)} ({same})"

    def _sum_line(self, f: _Style) -> str:
        what = "products" if self.listed else "contributions"
        return f"Sum of the {what}: {self._sum(f)}"

    def _headers(self) -> list[str]:
        if self.listed:
            return ["path", "route", "local derivatives", "product"]
        return ["use", "consumer", "input", "paths through it", "upstream", "local", "contribution"]

    def _rows(self, f: _Style) -> list[list[str]]:
        if self.listed:
            return [
                [str(k + 1), self._route(p, f), self._factors(p, f), f.num(p.product)]
                for k, p in enumerate(self.paths)
            ]
        r, n = self.root_name, self.node_name
        rows = []
        for k, g in enumerate(self.groups):
            c = self._name(g.consumer)
            rows.append(
                [
                    str(k + 1),
                    f.bare(c),
                    str(g.index + 1),
                    f.count(g.count),
                    f"{f.d(r, c)} = {f.num(g.upstream)}",
                    f"{f.d(c, n)} = {f.num(g.local)}",
                    f"{f.num(g.upstream)}{f.times()}{f.factor(g.local)} = {f.num(g.contribution)}",
                ]
            )
        return rows

    # ------------------------------------------------------------ renderings
    def to_text(self, *, encoding: str | None = None, literal: str = "") -> str:
        """Return the paths (or the uses) as a plain-text table for the terminal.

        Args:
            encoding: The encoding the table will be written in. When it cannot
                encode the table, the library's symbols are spelt in ASCII
                (``→`` as ``->``, ``×`` as ``*``...) and any other character it
                lacks becomes a backslash escape, cell by cell, so the columns
                stay aligned (see :mod:`autograd_lite.teach.textout`). ``None``
                (the default) keeps every symbol.
            literal: Symbols never spelt, only escaped where ``encoding`` lacks
                them (see :func:`autograd_lite.teach.textout.spell`).
        """
        text = self._text(str)
        if fits(text, encoding):
            return text
        return self._text(lambda cell: printable_for(encoding, cell, literal=literal, context=text))

    def print_text(self, file: IO[str] | None = None) -> bool:
        """Write :meth:`to_text` to ``file`` in the characters its encoding can show.

        Args:
            file: A text stream; ``sys.stdout`` by default.

        Returns:
            True when the stream shows less than a UTF-8 stream would have.
        """
        return write_rendered(lambda encoding: self.to_text(encoding=encoding), file)

    def _text(self, shown: Callable[[str], str]) -> str:
        f = _Style("text", self.precision)
        out = [shown(self._title(f)), ""]
        if self.count == 0:
            return "\n".join([*out, shown(self._message(f))]) + "\n"
        if not self.listed:
            out += [shown(self._message(f)), ""]
        headers = [shown(h) for h in self._headers()]
        rows = [[shown(c) for c in r] for r in self._rows(f)]
        widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        out += [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]
        out += ["", shown(self._sum_line(f)), shown(self._verdict(f))]
        if self.listed:
            out += ["", shown(self._message(f))]
        return "\n".join(out) + "\n"

    def to_markdown(self) -> str:
        """Return the paths (or the uses) as a Markdown table, with the sum below it."""
        f = _Style("markdown", self.precision)
        out = [f"**{self._title(f)}**", ""]
        if self.count == 0:
            return "\n".join([*out, self._message(f)]) + "\n"
        if not self.listed:
            out += [self._message(f), ""]
        headers = self._headers()
        rule = "|---:|---|---|---:|" if self.listed else "|---:|---|---:|---:|---|---|---|"
        out += ["| " + " | ".join(headers) + " |", rule]
        out += ["| " + " | ".join(r) + " |" for r in self._rows(f)]
        out += ["", self._sum_line(f), "", self._verdict(f)]
        if self.listed:
            out += ["", self._message(f)]
        return "\n".join(out) + "\n"

    def to_latex(self) -> str:
        """Return the paths as LaTeX (an ``aligned`` block in ``$$``; needs amsmath)."""
        f = _Style("latex", self.precision)
        r, n = self.root_name, self.node_name
        d = f.d(r, n)
        lines = [
            rf"&\text{{paths from }} {f.bare(r)} \text{{ down to }} {f.bare(n)}\text{{: }} "
            + f.count(self.count)
        ]
        if self.count == 0:
            lines.append(rf"&\text{{no path: }} {d} = 0")
            return self._latex_block(lines)
        if self.listed:
            for k, p in enumerate(self.paths):
                lines.append(rf"&\text{{path {k + 1}: }} {self._route(p, f)}")
                chain = self._chain(p, f)
                if len(p.factors) > 1:  # one factor is its own product
                    chain += f" = {self._factors(p, f)}"
                lines.append(rf"&\quad {chain} = {f.num(p.product)}")
            lines.append(
                rf"&{d} = \sum_{{\text{{paths}}}} \prod_{{\text{{edges}}}} "
                rf"\text{{local derivative}} = {self._sum(f)}"
            )
        else:
            lines.append(
                rf"&\text{{more than {self.limit} paths: grouped by the uses of }} {f.bare(n)}"
            )
            for k, g in enumerate(self.groups):
                c = self._name(g.consumer)
                lines.append(
                    rf"&\text{{use {k + 1} (input {g.index + 1}, }}{f.count(g.count)}"
                    rf"\text{{ {_plural(g.count, 'path')}): }} {f.d(r, c)}\,{f.d(c, n)} = "
                    rf"{f.num(g.upstream)} \cdot {f.factor(g.local)} = {f.num(g.contribution)}"
                )
            each = rf"{f.d_consumer(r)} \cdot \text{{local derivative}}"
            lines.append(rf"&{d} = \sum_{{\text{{uses}}}} {each} = {self._sum(f)}")
        same = r"\text{ (the same, to rounding)}" if self.agree else r"\text{ (they differ)}"
        lines.append(rf"&\text{{backward: }} {d} = {f.num(self.gradient)}{same}")
        return self._latex_block(lines)

    @staticmethod
    def _latex_block(lines: list[str]) -> str:
        body = r" \\" + "\n"
        return "$$\n\\begin{aligned}\n" + body.join(lines) + "\n\\end{aligned}\n$$\n"

    def __str__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex()

    def __repr__(self) -> str:
        shown = "listed" if self.listed else f"grouped by {len(self.groups)} uses"
        return (
            f"<PathExplanation from {self.root_name!r} to {self.node_name!r}: "
            f"{self.count} {_plural(self.count, 'path')} ({shown}), total {self.total!r}>"
        )


# ----------------------------------------------------------- the walk
def _count(order: list[Value], root: Value) -> dict[Value, int]:
    """The number of paths from ``root`` down to every node, in one pass from the root."""
    ways = dict.fromkeys(order, 0)
    ways[root] = 1
    for n in order:  # the root first, each node before its inputs
        w = ways[n]
        for p in n.parents:  # a repeated input is a second edge, a second set of paths
            ways[p] += w
    return ways


def _leads_to(root: Value, node: Value) -> set[Value]:
    """The nodes of ``root``'s graph from which ``node`` can be reached (``node`` included)."""
    found = {node}
    for n in topological(root):  # inputs first: a node's inputs are decided before it
        if any(p in found for p in n.parents):
            found.add(n)
    return found


def _enumerate(root: Value, node: Value, leads: set[Value]) -> list[GradientPath]:
    """Every path from ``root`` down to ``node``, depth first; no recursion (any depth works)."""
    if root is node:
        return [GradientPath((root,), (), (), 1.0)]
    local: dict[Value, tuple[float, ...]] = {}

    def edges(n: Value) -> list[tuple[int, Value, float]]:
        if n not in local:
            local[n] = tuple(float(d) for d in local_derivatives(n))
        return [(i, p, local[n][i]) for i, p in enumerate(n.parents) if p in leads]

    found: list[GradientPath] = []
    nodes: list[Value] = [root]
    inputs: list[int] = []
    factors: list[float] = []
    stack = [iter(edges(root))]
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            nodes.pop()
            if inputs:
                inputs.pop()
                factors.pop()
            continue
        i, p, d = step
        if p is node:
            product = 1.0
            for x in (*factors, d):
                product *= x
            found.append(GradientPath((*nodes, p), (*inputs, i), (*factors, d), product))
            continue
        nodes.append(p)
        inputs.append(i)
        factors.append(d)
        stack.append(iter(edges(p)))
    return found


def _check(root: object, node: object, limit: object, precision: object) -> None:
    for what, x in (("root", root), ("node", node)):
        if not isinstance(x, Value):
            raise TypeError(f"explain_paths: {what} must be a Value, got {type(x).__name__}")
    for what, x, low in (("limit", limit, 1), ("precision", precision, 1)):
        if isinstance(x, bool) or not isinstance(x, int):
            raise TypeError(f"explain_paths: {what} must be an int, got {x!r}")
        if x < low:
            raise ValueError(f"explain_paths: {what} must be at least {low}, got {x!r}")


def explain_paths(
    root: Value, node: Value, *, limit: int = DEFAULT_LIMIT, precision: int = 4
) -> PathExplanation:
    """Explain d(root)/d(node) as a sum over the paths from ``root`` down to ``node``.

    Every path multiplies the local derivatives of its edges (the op table's,
    as ``backward`` uses them); the products add up to the gradient. An input
    used twice by one node, as in ``a * a``, is two edges and so two paths.
    The paths are counted first, in one pass over the graph, without listing
    them; only when there are at most ``limit`` are they listed. Otherwise
    the result groups them by the uses of ``node``: each use sends
    d(root)/d(consumer) × local derivative, the sum over the paths through it.

    Pure: no node's ``grad`` changes.

    Args:
        root: The node to differentiate (usually a loss).
        node: The node to differentiate with respect to: any node, a leaf, a
            constant or an inner result. One that ``root`` does not use has no
            path, and gradient 0.
        limit: The most paths listed one by one (at least 1).
        precision: Significant digits of printed numbers.

    Returns:
        A :class:`PathExplanation`; ``print`` it, or use ``to_markdown``/``to_latex``.

    Raises:
        TypeError: If ``root`` or ``node`` is not a Value, or ``limit`` or
            ``precision`` not an int.
        ValueError: If ``limit`` or ``precision`` is below 1.

    Example:
        >>> from autograd_lite import Value
        >>> a = Value(3.0, "a")
        >>> e = explain_paths((a * a).named("y"), a)
        >>> e.count, [p.product for p in e.paths], e.total, e.gradient
        (2, [3.0, 3.0], 6.0, 6.0)
    """
    _check(root, node, limit, precision)
    order = reverse_topological(root)
    ways = _count(order, root)
    count = ways.get(node, 0)
    groups: list[PathGroup] = []
    # Each use of the node is one edge into it, in the order backward adds them.
    uses = [(c, i) for c in order for i, p in enumerate(c.parents) if p is node]
    grads = gradients(root, [node, *(c for c, _ in uses)])
    gradient = grads[0]
    for (c, i), up in zip(uses, grads[1:], strict=True):
        d = float(local_derivatives(c)[i])
        # As backward does: an edge whose local derivative is exactly 0 sends exactly 0.
        groups.append(PathGroup(c, i, ways[c], up, d, 0.0 if d == 0.0 else up * d))
    paths = _enumerate(root, node, _leads_to(root, node)) if 0 < count <= limit else []
    return PathExplanation(root, node, count, limit, paths, groups, gradient, precision)
