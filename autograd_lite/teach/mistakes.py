"""The classic mistakes of a backward pass, computed on your graph beside the right answer.

Whoever writes a backward pass meets the same few bugs: assigning a gradient
with ``=`` where it must be added with ``+=``; walking the graph by plain
recursion instead of in a topological order; calling ``backward()`` twice
without ``zero_grad()``; dropping the minus of subtraction's rule. Each of
them is written here as a small pure function over the recorded graph (the
nodes' ``parents``, ``op`` and ``data``, the op table's local derivatives and
the backward order of :mod:`autograd_lite.core.graph`) that returns the
gradients the broken engine would compute. No node's ``grad`` changes.

:func:`mistaken_backward` gives those wrong numbers; :func:`compare_mistake`
sets them beside the right ones, node by node, with one sentence on why each
one differs, as text, Markdown or LaTeX. :data:`MISTAKES` defines each
mistake in one sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import IO, Final

from autograd_lite.core.autodiff import gather, local_derivatives
from autograd_lite.core.checks import node_name, shorten
from autograd_lite.core.graph import reverse_topological
from autograd_lite.core.value import Value, fmt_number
from autograd_lite.teach.names import (
    is_atomic,
    latex_name,
    latex_number_text,
    markdown_text,
    node_names,
    number_text,
)
from autograd_lite.teach.textout import fits, printable_for, write_rendered

__all__ = ["MISTAKES", "MistakeComparison", "MistakeRow", "compare_mistake", "mistaken_backward"]

#: Every mistake by name, defined in one sentence.
MISTAKES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "overwrite": (
            "Each contribution is assigned with = instead of added with +=, so a node used "
            "several times keeps only the contribution sent last in the backward order."
        ),
        "recursive": (
            "Backward runs by plain recursion, each input propagating right after every "
            "contribution it receives, so a node used several times passes on its partial "
            "gradients again and again instead of its total once."
        ),
        "stale": (
            "backward() runs a second time without zero_grad(): each leaf adds the second "
            "call's gradient to the first's and doubles, while every other node holds the "
            "latest call's gradient, as in this library and in PyTorch."
        ),
        "stale_everywhere": (
            "backward() runs a second time without zero_grad() in an engine where every node "
            "keeps its old gradient, as in micrograd, so the inner nodes pass their stale "
            "gradients on again and the leaves get more than double."
        ),
        "sign": "Subtraction's rule is written without its minus: d(a − b)/db = +1 instead of −1.",
    }
)

# The naive recursion makes one visit per path from the root to each node, a number
# that doubles with every shared node in a chain: past this many, it is refused.
_VISIT_LIMIT = 1_000_000
# Two gradients differ when they are further apart than rounding can make them: this
# fraction of the sum of the sizes of every path's contribution.
_ROUNDING = 1e-9

Grads = dict[Value, float]


# ------------------------------------------------------------ the mistakes
def _edges(node: Value) -> Iterator[tuple[int, Value, float]]:
    """Each input of ``node`` with its index and local derivative, in argument order."""
    for i, (p, d) in enumerate(zip(node.parents, local_derivatives(node), strict=True)):
        yield i, p, d


def _finite(mistake: str, node: Value, x: float) -> float:
    if x - x != 0.0:
        raise OverflowError(
            f"mistaken_backward({mistake!r}): the gradient of {node_name(node)} "
            f"overflows a float under this mistake ({x!r})"
        )
    return x


def _sent(upstream: float, local: float) -> float:
    # As the engine does: an edge whose local derivative is exactly 0 sends exactly 0.
    return upstream * local if local != 0.0 else 0.0


def _overwrite(root: Value) -> Grads:
    # The engine's walk, root first and each node before its inputs, with `=` for `+=`.
    grads = {root: 1.0}
    for node in reverse_topological(root):
        for _, p, d in _edges(node):
            grads[p] = _finite("overwrite", p, _sent(grads[node], d))
    return grads


def _visits(root: Value) -> dict[Value, int]:
    """How often the naive recursion visits each node: its number of paths from the root."""
    paths = {root: 1}
    for node in reverse_topological(root):
        for p in node.parents:
            paths[p] = paths.get(p, 0) + paths[node]
    return paths


def _recursive(root: Value) -> Grads:
    total = sum(_visits(root).values())
    if total > _VISIT_LIMIT:
        raise ValueError(
            f"mistaken_backward('recursive'): the naive recursion would make {total:,} visits "
            f"on this graph (one per path from the root to each node), more than the "
            f"{_VISIT_LIMIT:,} this function runs; the blow-up is part of the mistake: "
            f"use a smaller graph"
        )
    # visit(n): for each input p: grad[p] += grad[n] * d; visit(p), run with an explicit
    # stack so a deep graph does not reach Python's recursion limit. grad[n] stays the
    # same during visit(n): n cannot be reached from its own inputs.
    grads = {root: 1.0}
    edges: dict[Value, list[tuple[int, Value, float]]] = {}
    stack = [(root, 0)]
    while stack:
        node, k = stack.pop()
        todo = edges.get(node)
        if todo is None:
            todo = edges[node] = list(_edges(node))
        if k == len(todo):
            continue
        stack.append((node, k + 1))
        _, p, d = todo[k]
        grads[p] = _finite("recursive", p, grads.get(p, 0.0) + _sent(grads[node], d))
        stack.append((p, 0))
    return grads


def _stale(root: Value) -> Grads:
    # A leaf adds each call's gradient to what it holds; any other node takes the new one.
    once = gather(root)
    return {n: _finite("stale", n, g + g) if n.op is None else g for n, g in once.items()}


def _stale_everywhere(root: Value) -> Grads:
    grads = dict(gather(root))  # the first call; every node keeps what it got
    grads[root] = 1.0  # the second call sets the root's gradient to the seed again
    for node in reverse_topological(root):
        for _, p, d in _edges(node):
            grads[p] = _finite("stale_everywhere", p, grads[p] + _sent(grads[node], d))
    return grads


def _is_sub(node: Value) -> bool:
    return node.op is not None and node.op.name == "sub"


def _sign(root: Value) -> Grads:
    grads = {root: 1.0}
    for node in reverse_topological(root):
        ds = (1.0, 1.0) if _is_sub(node) else local_derivatives(node)  # no minus on b
        for p, d in zip(node.parents, ds, strict=True):
            grads[p] = _finite("sign", p, grads.get(p, 0.0) + _sent(grads[node], d))
    return grads


_PASSES: Final[Mapping[str, Callable[[Value], Grads]]] = MappingProxyType(
    {
        "overwrite": _overwrite,
        "recursive": _recursive,
        "stale": _stale,
        "stale_everywhere": _stale_everywhere,
        "sign": _sign,
    }
)


def _check(where: str, root: object, mistake: object) -> None:
    known = ", ".join(repr(m) for m in MISTAKES)
    if not isinstance(mistake, str):
        raise TypeError(
            f"{where}: mistake must be the name of a mistake ({known}), "
            f"got {type(mistake).__name__} {shorten(mistake)}"
        )
    if mistake not in MISTAKES:
        raise ValueError(
            f"{where}: unknown mistake {shorten(mistake)}; the known mistakes are {known}"
        )
    if not isinstance(root, Value):
        raise TypeError(
            f"{where}: root must be a Value, got {type(root).__name__} {shorten(root)} "
            f"(call {where}(root, mistake) with a mistake among {known})"
        )


def mistaken_backward(root: Value, mistake: str) -> dict[Value, float]:
    """Return the gradients a backward pass with ``mistake`` computes, without touching any node.

    The mistakes (see :data:`MISTAKES`), each on the graph of ``root`` with
    the seed d(root)/d(root) = 1:

    * ``"overwrite"``: the engine's walk (root first, each node before its
      inputs, inputs in argument order), but every contribution *replaces*
      the input's gradient instead of being added to it: the last one wins.
    * ``"recursive"``: depth first from the root, each node, for each of its
      inputs in order, adds its gradient so far times the local derivative
      to that input and at once runs the input's backward, so a node runs its
      backward once per contribution it receives (once per path from the
      root), passing on partial gradients. The visits grow exponentially
      with shared nodes: past 1,000,000 of them this raises ``ValueError``.
    * ``"stale"``: the gradients after a second ``backward()`` without
      ``zero_grad()`` in this library (as in PyTorch): each leaf holds twice
      its gradient, every other node the right one.
    * ``"stale_everywhere"``: the same in an engine where every node keeps its
      gradient across calls (as in micrograd): the second call sets the
      root's gradient to 1 and adds, at every node, the first call's gradient
      plus what arrives, so an inner node sends its stale gradient on again.
    * ``"sign"``: the right backward, but with d(a − b)/db = +1.

    Args:
        root: The node to differentiate.
        mistake: The name of a mistake, a key of :data:`MISTAKES`.

    Returns:
        The wrong d(root)/d(node) for every node of ``root``'s graph.

    Raises:
        TypeError: If ``root`` is not a Value or ``mistake`` not a string (the
            message lists the known mistakes).
        ValueError: If ``mistake`` is not a known one (the message lists
            them), or the naive recursion would make too many visits.
        OverflowError: If a wrong gradient overflows a float.

    Example:
        >>> from autograd_lite import Value
        >>> a = Value(3.0, "a")
        >>> b = a + a
        >>> c = b + b
        >>> mistaken_backward(c, "overwrite")[a], mistaken_backward(c, "recursive")[a]
        (1.0, 6.0)
        >>> a.grad  # untouched
        0.0
    """
    _check("mistaken_backward", root, mistake)
    return _PASSES[mistake](root)


# --------------------------------------------------------- why they differ
@dataclass(frozen=True, slots=True)
class _D:
    """The derivative d(top)/d(bottom), written in each format."""

    top: Value
    bottom: Value


# A sentence: its text with ``{}`` where each of its pieces goes (a node's name,
# a number, a count or a derivative), rendered per format.
_Piece = Value | float | int | _D
_Why = tuple[str, tuple[_Piece, ...]]


@dataclass(frozen=True, slots=True)
class _Graph:
    """What the reasons read: both sets of gradients and every edge into each node."""

    right: Grads
    wrong: Grads
    uses: dict[Value, list[tuple[Value, int]]]  # (consumer, slot), in the engine's order
    differ: set[Value]


def _wrong_consumer(n: Value, g: _Graph) -> _Why:
    c = next((c for c, _ in g.uses[n] if c in g.differ), g.uses[n][0][0])
    return "{} gets its gradient from {}, whose gradient is already wrong.", (n, c)


def _why_overwrite(n: Value, g: _Graph) -> _Why:
    uses = g.uses[n]
    if len(uses) == 1:
        return _wrong_consumer(n, g)
    c, i = uses[-1]
    last = _sent(g.wrong[c], local_derivatives(c)[i])
    return (
        "{} receives {} contributions and each replaces the one before, "
        "so only the last ({}) is kept instead of their sum.",
        (n, len(uses), last),
    )


def _why_recursive(n: Value, g: _Graph, visits: dict[Value, int]) -> _Why:
    for c, _ in g.uses[n]:
        if visits[c] > 1:
            return (
                "{} passes its gradient on each time a part of it arrives ({} times) "
                "instead of once when complete, so {} receives the earlier, partial "
                "amounts again.",
                (c, visits[c], n),
            )
    return _wrong_consumer(n, g)


def _why_sign(n: Value, g: _Graph) -> _Why:
    for c, i in g.uses[n]:
        if i == 1 and _is_sub(c):
            return "{} is subtracted in {}: {} is −1, but without the minus it is +1.", (
                n,
                c,
                _D(c, n),
            )
    return _wrong_consumer(n, g)


def _why_stale(n: Value, g: _Graph) -> _Why:
    r = g.right[n]
    return (
        "{} is a leaf, so the second call adds its gradient ({}) to the {} left by the "
        "first: zero_grad() was not called in between.",
        (n, r, r),
    )


def _why_stale_everywhere(n: Value, g: _Graph) -> _Why:
    r, more = g.right[n], g.wrong[n] - g.right[n]
    if not _differs(more, r, abs(r)):
        return "{} keeps {} from the first call, and the second call adds another {}.", (n, r, r)
    return (
        "{} keeps {} from the first call, and the second call adds {}: the nodes that send "
        "it gradients also kept their first-call gradients and pass them on again.",
        (n, r, more),
    )


def _sizes(root: Value) -> Grads:
    """Per node, the sum of the sizes of every path's contribution: the scale of rounding."""
    sizes = {root: 1.0}
    for node in reverse_topological(root):
        for _, p, d in _edges(node):
            sizes[p] = sizes.get(p, 0.0) + sizes[node] * abs(d)
    return sizes


def _differs(a: float, b: float, size: float) -> bool:
    scale = size if size - size == 0.0 else max(abs(a), abs(b))
    return abs(a - b) > _ROUNDING * max(scale, abs(a), abs(b))


# ------------------------------------------------------------- rendering
class _Format:
    """How one output format writes names, numbers, derivatives and plain words."""

    def __init__(
        self, kind: str, precision: int, names: dict[Value, str], *, partial: bool = False
    ) -> None:
        self.kind = kind
        self.precision = precision
        self.names = names
        self.partial = partial  # text with ∂, as beside a diagram (the stepper)

    def name(self, n: Value) -> str:
        s = self.names[n]
        if self.kind == "latex":
            return latex_name(s)
        if self.kind == "markdown":
            return markdown_text(s)
        return s

    def num(self, x: float, digits: int | None = None) -> str:
        if self.kind == "latex":
            return latex_number_text(fmt_number(x, digits or self.precision))
        return number_text(x, digits or self.precision)

    def d(self, top: str, bottom: str) -> str:
        """The derivative of ``top`` by ``bottom``, names already written in this format."""
        if self.kind == "latex":
            return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"
        top, bottom = (n if is_atomic(n) else f"({n})" for n in (top, bottom))
        mark = "∂" if self.kind == "markdown" or self.partial else "d"
        return f"{mark}{top}/{mark}{bottom}"

    def words(self, text: str) -> str:
        if self.kind == "latex":
            return r"\text{" + "".join(_LATEX_TEXT.get(c, c) for c in text) + "}"
        if self.kind == "markdown":
            return markdown_text(text)
        return text

    def piece(self, x: _Piece) -> str:
        if isinstance(x, Value):
            return self.name(x)
        if isinstance(x, _D):
            return self.d(self.name(x.top), self.name(x.bottom))
        if isinstance(x, int):
            return str(x)
        return self.num(x)

    def sentence(self, why: _Why) -> str:
        text, pieces = why
        words = text.split("{}")
        out = [self.words(words[0]) if words[0] else ""]
        for piece, after in zip(pieces, words[1:], strict=True):
            out.append(self.piece(piece))
            if after:
                out.append(self.words(after))
        return "".join(out)


_LATEX_TEXT = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    "−": "-",
}


def distinct_digits(right: float, wrong: float, precision: int) -> int:
    """Digits that show ``right`` and ``wrong`` apart (``precision`` where it already does)."""
    digits = precision
    while digits < 17 and fmt_number(right, digits) == fmt_number(wrong, digits):
        digits += 1
    return digits


@dataclass(frozen=True, slots=True)
class MistakeRow:
    """One node whose gradient the mistake gets wrong.

    Attributes:
        node: The node.
        name: How the node is shown (see :func:`autograd_lite.teach.names.node_names`).
        right: The right d(root)/d(node), as ``backward()`` computes it.
        wrong: d(root)/d(node) as the mistaken backward computes it.
        why: One sentence on why the two differ, as plain text.
    """

    node: Value
    name: str
    right: float
    wrong: float
    why: str


class MistakeComparison:
    """A mistake's gradients beside the right ones, for every node where they differ.

    ``print`` it for a plain-text table, or use :meth:`to_markdown` or
    :meth:`to_latex`; in Jupyter it shows as Markdown.

    Attributes:
        root: The differentiated node.
        mistake: The mistake's name, a key of :data:`MISTAKES`.
        definition: The mistake in one sentence.
        names: The name used for each node (label, number or a fresh name).
        right: The right d(root)/d(node) for every node.
        wrong: The mistaken d(root)/d(node) for every node.
        rows: One :class:`MistakeRow` per node whose gradient differs (beyond
            rounding), in backward order (the root first); constants are left out.
        precision: Significant digits of printed numbers.
    """

    def __init__(self, root: Value, mistake: str, precision: int) -> None:
        self.root = root
        self.mistake = mistake
        self.definition = MISTAKES[mistake]
        self.precision = precision
        self.names = node_names(root, precision)
        self.right: Grads = gather(root)
        self.wrong: Grads = _PASSES[mistake](root)
        order = reverse_topological(root)
        uses: dict[Value, list[tuple[Value, int]]] = {n: [] for n in order}
        for node in order:
            for i, p in enumerate(node.parents):
                uses[p].append((node, i))
        sizes = _sizes(root)
        differ = {n for n in order if _differs(self.right[n], self.wrong[n], sizes[n])}
        graph = _Graph(self.right, self.wrong, uses, differ)
        self._compared = sum(1 for n in order if not n.is_constant)
        self._reasons: dict[Value, _Why] = {}
        why = _reasoner(mistake, root)
        text = _Format("text", precision, self.names)
        self.rows: list[MistakeRow] = []
        for n in order:
            if n in differ and not n.is_constant:
                self._reasons[n] = reason = why(n, graph)
                said = text.sentence(reason)
                self.rows.append(MistakeRow(n, self.names[n], self.right[n], self.wrong[n], said))

    def why_partial(self, node: Value) -> str:
        """Return why ``node``'s gradient differs, in the stepper's notation.

        Args:
            node: A node of one of :attr:`rows`.

        Returns:
            The row's explanation, written with ∂L/∂a as the stepper's picture is.
        """
        return _Format("text", self.precision, self.names, partial=True).sentence(
            self._reasons[node]
        )

    # ------------------------------------------------------------ pieces
    def _title(self, f: _Format) -> str:
        k, n = len(self.rows), self._compared
        differ = "differs" if k == 1 else "differ"
        return (
            f"Mistake {self.mistake!r} on {f.name(self.root)} = {f.num(self.root.data)}: "
            f"{k} of {n} gradient{'' if n == 1 else 's'} {differ}"
        )

    def _nothing(self) -> str:
        return "No gradient differs: on this graph the mistake happens to give the right answer."

    def _headers(self, f: _Format) -> list[str]:
        mark = "∂" if f.kind == "markdown" else "d"
        r = f.name(self.root)
        r = r if is_atomic(self.names[self.root]) else f"({r})"
        return ["node", f"right {mark}{r}/{mark}(node)", "wrong", "why"]

    def _cells(self, row: MistakeRow, f: _Format) -> list[str]:
        digits = distinct_digits(row.right, row.wrong, self.precision)
        return [
            f.name(row.node),
            f.num(row.right, digits),
            f.num(row.wrong, digits),
            f.sentence(self._reasons[row.node]),
        ]

    # ------------------------------------------------------------ renderings
    def to_text(self, *, encoding: str | None = None) -> str:
        """Return the comparison as a plain-text table for the terminal.

        Args:
            encoding: The encoding the table will be written in (e.g.
                ``sys.stdout.encoding``). When it cannot encode the table, the
                library's symbols are spelt in ASCII and any other character it
                lacks becomes a backslash escape, cell by cell, as in the
                explanations of :mod:`autograd_lite.teach.explain`.
                ``None`` (the default) keeps every symbol.
        """
        text = self._text(str)
        if fits(text, encoding):
            return text
        literal = "".join(set("".join(self.names.values())))  # names read as typed

        def shown(cell: str) -> str:
            return printable_for(encoding, cell, literal=literal, context=text)

        return self._text(shown)

    def print_text(self, file: IO[str] | None = None) -> bool:
        """Write :meth:`to_text` to ``file`` in the characters its encoding can show.

        Args:
            file: A text stream; ``sys.stdout`` by default.

        Returns:
            True when the stream shows less than a UTF-8 stream would have.
        """
        return write_rendered(lambda encoding: self.to_text(encoding=encoding), file)

    def _text(self, shown: Callable[[str], str]) -> str:
        f = _Format("text", self.precision, self.names)
        head = [shown(self._title(f)), shown(self.definition), ""]
        if not self.rows:
            return "\n".join([*head, shown(self._nothing())]) + "\n"
        headers = [shown(h) for h in self._headers(f)]
        rows = [[shown(c) for c in self._cells(r, f)] for r in self.rows]
        widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        out = [*head, line(headers), line(["-" * w for w in widths])]
        out += [line(r) for r in rows]
        return "\n".join(out) + "\n"

    def to_markdown(self) -> str:
        """Return the comparison as a Markdown table."""
        f = _Format("markdown", self.precision, self.names)
        out = [f"**{self._title(f)}**", "", markdown_text(self.definition), ""]
        if not self.rows:
            return "\n".join([*out, self._nothing()]) + "\n"
        out.append("| " + " | ".join(self._headers(f)) + " |")
        out.append("|---|---:|---:|---|")
        out += ["| " + " | ".join(self._cells(r, f)) + " |" for r in self.rows]
        return "\n".join(out) + "\n"

    def to_latex(self) -> str:
        """Return the comparison as LaTeX (an ``aligned`` block in ``$$``; needs amsmath)."""
        f = _Format("latex", self.precision, self.names)
        title = (
            rf"{f.words(f'Mistake {self.mistake!r} on ')}{f.name(self.root)} = "
            rf"{f.num(self.root.data)}"
        )
        lines = [f"&{title}", f"&{f.words(self.definition)}"]
        r = f.name(self.root)
        for row in self.rows:
            _, right, wrong, why = self._cells(row, f)
            lines.append(
                rf"&{f.d(r, f.name(row.node))}:\; {right}\text{{ right}},\; {wrong}"
                rf"\text{{ wrong}}.\quad {why}"
            )
        if not self.rows:
            lines.append(f"&{f.words(self._nothing())}")
        body = " \\\\\n".join(lines)
        return "$$\n\\begin{aligned}\n" + body + "\n\\end{aligned}\n$$\n"

    def __str__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex()

    def __repr__(self) -> str:
        return (
            f"<MistakeComparison {self.mistake!r} on {self.names[self.root]!r}: "
            f"{len(self.rows)} of {self._compared} gradients differ>"
        )


def _reasoner(mistake: str, root: Value) -> Callable[[Value, _Graph], _Why]:
    if mistake == "recursive":
        visits = _visits(root)
        return lambda n, g: _why_recursive(n, g, visits)
    return {
        "overwrite": _why_overwrite,
        "stale": _why_stale,
        "stale_everywhere": _why_stale_everywhere,
        "sign": _why_sign,
    }[mistake]


def compare_mistake(root: Value, mistake: str, *, precision: int = 4) -> MistakeComparison:
    """Set the gradients of ``mistake`` beside the right ones, node by node, with why.

    The right gradients are those ``root.backward()`` computes (after
    ``zero_grad()``); the wrong ones those of :func:`mistaken_backward`. A
    node is listed where the two differ by more than rounding; each row
    says in one sentence why. Pure: no node's ``grad`` changes.

    Args:
        root: The node to differentiate.
        mistake: The name of a mistake, a key of :data:`MISTAKES`.
        precision: Significant digits of printed numbers (more where two
            different numbers would otherwise print alike).

    Returns:
        A :class:`MistakeComparison`; ``print`` it, or use
        ``to_markdown``/``to_latex``.

    Raises:
        TypeError: If ``root`` is not a Value, ``mistake`` not a string or
            ``precision`` not an int.
        ValueError: If ``mistake`` is not a known one (the message lists
            them), ``precision`` is below 1, or as :func:`mistaken_backward`.
        OverflowError: If a gradient, right or wrong, overflows a float.

    Example:
        >>> from autograd_lite import Value
        >>> a = Value(3.0, "a")
        >>> b = (a + a).named("b")
        >>> c = (b + b).named("c")
        >>> [(row.name, row.right, row.wrong) for row in compare_mistake(c, "overwrite").rows]
        [('b', 2.0, 1.0), ('a', 4.0, 1.0)]
    """
    _check("compare_mistake", root, mistake)
    if isinstance(precision, bool) or not isinstance(precision, int):
        raise TypeError(f"compare_mistake: precision must be an int, got {shorten(precision)}")
    if precision < 1:
        raise ValueError(f"compare_mistake: precision must be at least 1, got {precision!r}")
    return MistakeComparison(root, mistake, precision)
