"""Step-by-step explanations of the backward pass and of the forward sweep.

:func:`explain` reads the step records of :func:`autograd_lite.steps.backward_steps`
(one per edge, grouped by the node being processed) and the op table's formulas,
and renders them as a plain-text table, as Markdown and as LaTeX. Nothing is
derived here: every number comes from the step records, every formula from the
op table. :func:`explain_forward` does the same for the forward sweep along a
direction (the records of :func:`autograd_lite.forward.forward_steps`), with the
same renderings. The lesson-level summary of logistic regression (da, dz, dw1, dw2, db)
is :func:`autograd_lite.teach.lesson.explain_lesson`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from autograd_lite.core.graph import topological
from autograd_lite.core.primitives import PRIMITIVES
from autograd_lite.core.value import Value
from autograd_lite.forward import ForwardStep, forward_steps
from autograd_lite.steps import Step, backward_steps
from autograd_lite.teach.checktable import CheckTable
from autograd_lite.teach.names import (
    Notation,
    node_names,
    number_text,
    printable,
)
from autograd_lite.teach.textout import fits, printable_for, write_rendered

if TYPE_CHECKING:
    from autograd_lite.teach.checks import NodeCheck
    from autograd_lite.teach.mistakes import MistakeComparison, MistakeRow

__all__ = [
    "Explanation",
    "ForwardExplanation",
    "ForwardNodeStep",
    "NodeStep",
    "explain",
    "explain_forward",
]


@dataclass(slots=True)
class NodeStep:
    """One node processed by the backward pass, with every edge it sends upstream.

    Attributes:
        index: Position in the backward pass (equal to ``Step.step``; 0 is the root's op).
            Every rendering counts steps from 1: this is step ``index + 1``.
        node: The node sending its gradient to its inputs.
        upstream: d(root)/d(node), complete when the node is processed.
        edges: The :class:`~autograd_lite.steps.Step` records, one per input.
    """

    index: int
    node: Value
    upstream: float
    edges: list[Step] = field(default_factory=list)


# --------------------------------------------------------------- names
# ----------------------------------------------------------- formatting
_TOKEN = "\x00"
_LATEX_ATOM = re.compile(r"[A-Za-z0-9_{}]+|\\mathrm\{[^{}]*\}(_\{[^{}]*\})?")
_NOTHING = "No operations: nothing flows backward (the gradient of a leaf to itself is 1)."


def _token(i: int | str) -> str:
    return f"{_TOKEN}{i}{_TOKEN}"


def _fill(text: str, node: Value, names: dict[Value, str], f: _Format) -> str:
    """Replace the placeholder tokens left by the op table with rendered names.

    A name that is already the whole argument of a call, as in ``log(1−a)``,
    needs no brackets of its own.
    """
    pairs = [(_token("o"), names[node])]
    pairs += [(_token(i), names[p]) for i, p in enumerate(node.parents)]
    for token, name in pairs:
        if text.strip() == token:  # the whole formula is one name: no brackets needed
            return f.bare(name)
        text = text.replace(f"({token})", f"({f.bare(name)})").replace(token, f.name(name))
    return text


def _templates(node: Value) -> tuple[str, list[str]]:
    """The node's expression and per-input formulas, with placeholder tokens for names."""
    op = node.op
    assert op is not None
    slots = [_token(i) for i in range(len(node.parents))]
    expr = op.expression(slots)
    formulas = [op.formula(i, slots, _token("o")) for i in range(len(node.parents))]
    return expr, formulas


#: Typography first, then every primitive's name as LaTeX (from the primitives table).
_LATEX_SYMBOLS = (
    ("−", "-"),
    ("×", r" \times "),
    ("·", r" \cdot "),
    ("²", "^{2}"),
    *(
        (p.text, p.latex + " ")
        for p in PRIMITIVES.values()
        if not p.text.isalpha() and p.smooth and p.name != "add"
    ),
    *(
        (f"{p.text}{end}", f"{p.latex}{end}")
        for p in PRIMITIVES.values()
        if p.text.isalpha() and p.name not in ("either", "is_integer")
        for end in ("(", " ")
    ),
)
_NUM = r"-?[0-9.]+(?:e[-+]?[0-9]+)?"
_POW_PAREN = re.compile(r"\^\(([^()]*)\)")
_POW_ATOM = re.compile(rf"\^({_NUM}|{_TOKEN}\w+{_TOKEN})")


def _latex_template(text: str) -> str:
    for a, b in _LATEX_SYMBOLS:
        text = text.replace(a, b)
    text = _POW_PAREN.sub(r"^{(\1)}", text)
    return _POW_ATOM.sub(r"^{\1}", text)


class _Format(Notation):
    """A notation that also writes the op table's formula templates."""

    def template(self, text: str) -> str:
        return _latex_template(text) if self.kind == "latex" else text


# ----------------------------------------------------------- explanation
class _Sweep:
    """What both explanations share: names, the formula of each edge, and the renderings.

    A subclass gives its title, headers, rows, final line and LaTeX lines; the
    plain-text table, the Markdown table and the ``$$`` block are built here,
    so the backward and the forward explanations look and escape alike.
    """

    _RULE = ""  # the Markdown alignment row
    _WHAT = ""  # "the backward pass", for error messages

    root: Value
    steps: Sequence[NodeStep | ForwardNodeStep]
    precision: int
    names: dict[Value, str]

    # ------------------------------------------------------------ pieces
    def _node_line(self, node: Value, f: _Format) -> str:
        expr, _ = _templates(node)
        text = _fill(f.template(expr), node, self.names, f)
        name = f.bare(self.names[node])
        if text == name:  # a node named by its own formula: "log(1−a) = −1.387", once
            return f"{name} = {f.num(node.data)}"
        return f"{name} = {text} = {f.num(node.data)}"

    def _formula(self, node: Value, index: int, f: _Format) -> str:
        _, formulas = _templates(node)
        return _fill(f.template(formulas[index]), node, self.names, f)

    def _local(self, node: Value, index: int, parent: Value, local: float, f: _Format) -> str:
        formula = self._formula(node, index, f)
        head = f.d(self.names[node], self.names[parent])
        value = f.num(local)
        if formula == value:  # "−1", not "−1 = −1"
            return f"{head} = {value}"
        return f"{head} = {formula} = {value}"

    @staticmethod
    def _product(a: float, b: float, c: float, f: _Format) -> str:
        return f"{f.num(a)}{f.times()}{f.factor(b)} = {f.num(c)}"

    @staticmethod
    def _running(
        total: float, contribution: float, previous: float, k: int, n: int, word: str, f: _Format
    ) -> str:
        """A running sum: the ``k``-th of ``n`` contributions to one total."""
        if n == 1:
            return f.num(total)
        if k == 1:
            return f"{f.num(total)} ({word} 1 of {n})"
        return f"{f.num(previous)} + {f.factor(contribution)} = {f.num(total)} ({word} {k} of {n})"

    def _check_index(self, k: int) -> None:
        if not 0 <= k < len(self.steps):
            n = len(self.steps)
            shown = f"indices 0 to {n - 1} show Step 1 to Step {n}" if n else "it has none"
            raise IndexError(f"step_text: no step at index {k}; {self._WHAT} has {n} ({shown})")

    @property
    def root_name(self) -> str:
        """The name used for the root (in d(root)/d(node), and in the titles)."""
        return self.names[self.root]

    # ------------------------------------------------------------ per kind
    def step_text(self, k: int, *, partial: bool = False) -> str:  # pragma: no cover - per subclass
        raise NotImplementedError

    def _rows(self, f: _Format) -> list[list[str]]:  # pragma: no cover
        raise NotImplementedError

    def _headers(self, f: _Format) -> list[str]:  # pragma: no cover
        raise NotImplementedError

    def _title(self, f: _Format) -> str:  # pragma: no cover
        raise NotImplementedError

    def _final_line(self, f: _Format) -> str | None:  # pragma: no cover
        raise NotImplementedError

    def _nothing(self, f: _Format) -> str:  # pragma: no cover
        raise NotImplementedError

    def _latex_lines(self, f: _Format) -> list[str]:  # pragma: no cover
        raise NotImplementedError

    # ------------------------------------------------------------ renderings
    def to_text(self, *, encoding: str | None = None, literal: str = "") -> str:
        """Return the explanation as a plain-text table for the terminal.

        Args:
            encoding: The encoding the table will be written in (e.g.
                ``sys.stdout.encoding``). When it cannot encode the table, the
                library's symbols are spelt in ASCII (``σ`` as ``sigmoid``,
                ``×`` as ``*``, ``−`` as ``-``...) and any other character it
                lacks becomes a backslash escape, cell by cell, so the columns
                stay aligned (see :mod:`autograd_lite.teach.textout`). ``None`` (the
                default) keeps every symbol.
            literal: Symbols never spelt, only escaped where ``encoding`` lacks
                them, e.g. those of names the user typed (a name ``σ`` must not
                read as ``sigmoid``); see :func:`autograd_lite.teach.textout.spell`.
        """
        text = self._text(str)
        if fits(text, encoding):
            return text
        return self._text(lambda cell: printable_for(encoding, cell, literal=literal, context=text))

    def print_text(self, file: IO[str] | None = None) -> bool:
        """Write :meth:`to_text` to ``file`` in the characters its encoding can show.

        Never raises ``UnicodeEncodeError``: on a UTF-8 stream this writes
        ``str(self)``; where the encoding lacks a symbol (an ASCII or cp1252
        terminal), the table spells the library's symbols in ASCII, as
        ``to_text(encoding=...)`` does, and keeps its columns aligned.

        Args:
            file: A text stream; ``sys.stdout`` by default.

        Returns:
            True when the stream shows less than a UTF-8 stream would have.
        """
        return write_rendered(lambda encoding: self.to_text(encoding=encoding), file)

    def _text(self, shown: Callable[[str], str]) -> str:
        """The text table, with every piece of text passed through ``shown`` before layout."""
        f = _Format("text", self.precision)
        headers = [shown(h) for h in self._headers(f)]
        rows = [[shown(c) for c in r] for r in self._rows(f)]
        widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        title = shown(self._title(f))
        if not self.steps:
            return f"{title}\n\n{shown(self._nothing(f))}\n"
        out = [title, "", line(headers), line(["-" * w for w in widths])]
        out += [line(r) for r in rows]
        final = self._final_line(f)
        if final:
            out += ["", shown(final)]
        return "\n".join(out) + "\n"

    def to_markdown(self) -> str:
        """Return the explanation as a Markdown table."""
        f = _Format("markdown", self.precision)
        out = [f"**{self._title(f)}**", ""]
        if not self.steps:
            return "\n".join([*out, self._nothing(f)]) + "\n"
        out.append("| " + " | ".join(self._headers(f)) + " |")
        out.append(self._RULE)
        out += ["| " + " | ".join(r) + " |" for r in self._rows(f)]
        final = self._final_line(f)
        if final:
            out += ["", final]
        return "\n".join(out) + "\n"

    def to_latex(self) -> str:
        """Return the explanation as LaTeX (an ``aligned`` block in ``$$``; needs amsmath)."""
        lines = self._latex_lines(_Format("latex", self.precision))
        body = r" \\" + "\n"
        return "$$\n\\begin{aligned}\n" + body.join(lines) + "\n\\end{aligned}\n$$\n"

    def __str__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex()


class Explanation(_Sweep):
    """The backward pass of one graph, step by step, ready to print.

    Attributes:
        root: The differentiated node.
        steps: One :class:`NodeStep` per node processed by the backward pass.
        names: The name used for each node (label, number or a fresh name).
        precision: Significant digits of printed numbers.
        gradients: d(root)/d(node) for every node, as the steps computed it.
        checks: With ``explain(..., checks=...)``, a
            :class:`~autograd_lite.teach.checks.NodeCheck` per node (constants
            aside): the engine's gradient beside central differences and
            sympy's; otherwise empty.
        check_methods: The checks asked for (``()``, or some of ``"central"``
            and ``"sympy"``).
        mistake: With ``explain(..., mistake=...)``, the
            :class:`~autograd_lite.teach.mistakes.MistakeComparison` of that
            mistake; otherwise None.
    """

    _RULE = "|---:|---|---:|---|---|---|---|"
    _WHAT = "the backward pass"
    steps: list[NodeStep]

    def __init__(
        self,
        root: Value,
        steps: list[NodeStep],
        precision: int,
        *,
        checks: Mapping[Value, NodeCheck] | None = None,
        check_methods: Sequence[str] = (),
        mistake: MistakeComparison | None = None,
    ) -> None:
        self.root = root
        self.steps = steps
        self.precision = precision
        self.checks: dict[Value, NodeCheck] = dict(checks or {})
        self.check_methods = tuple(check_methods)
        self.mistake = mistake
        self._wrong: dict[Value, MistakeRow] = {r.node: r for r in mistake.rows} if mistake else {}
        self.names = node_names(root, precision)
        self.gradients: dict[Value, float] = {root: 1.0}
        self._uses: dict[Value, int] = {}
        for s in steps:
            for e in s.edges:
                self.gradients[e.parent] = e.total
                self._uses[e.parent] = self._uses.get(e.parent, 0) + 1

    # ------------------------------------------------------------ pieces
    def _shown(self, step: NodeStep) -> Iterator[Step]:
        # The gradient that reaches a constant teaches nothing: leave it out.
        return (e for e in step.edges if not e.parent.is_constant)

    def _edge_local(self, step: NodeStep, e: Step, f: _Format) -> str:
        return self._local(step.node, e.index, e.parent, e.local, f)

    def _contribution(self, e: Step, f: _Format) -> str:
        return self._product(e.upstream, e.local, e.contribution, f)

    def _so_far(self, e: Step, f: _Format) -> str:
        previous = e.total - e.contribution
        return self._running(
            e.total, e.contribution, previous, e.uses, self._uses[e.parent], "use", f
        )

    def _leaves(self) -> list[Value]:
        return [n for n in topological(self.root) if n.op is None and n is not self.root]

    # ------------------------------------------------------------ renderings
    def step_text(self, k: int, *, partial: bool = False) -> str:
        """Return ``steps[k]`` as a few lines of plain text (used by the HTML stepper).

        ``k`` indexes :attr:`steps` (from 0, like ``Step.step``); the text numbers
        the step as every rendering does, from 1: ``step_text(0)`` reads
        ``Step 1 of n``.

        Args:
            k: The step's index in :attr:`steps`.
            partial: Write derivatives as ``∂L/∂a``, as diagrams and the
                stepper page do, instead of the plain text's ``dL/da``.

        Raises:
            IndexError: If there is no step ``k``.
        """
        self._check_index(k)
        f = _Format("text", self.precision, partial=partial)
        step = self.steps[k]
        r = self.root_name
        lines = [
            f"Step {k + 1} of {len(self.steps)}: {self._node_line(step.node, f)}",
            f"  upstream {f.d(r, self.names[step.node])} = {f.num(step.upstream)}",
        ]
        for e in self._shown(step):
            p = self.names[e.parent]
            lines.append(f"  to {p}: local {self._edge_local(step, e, f)}")
            lines.append(f"    contribution {self._contribution(e, f)}")
            lines.append(f"    {f.d(r, p)} so far: {self._so_far(e, f)}")
            wrong = self._wrong.get(e.parent)
            if wrong is not None and e.uses == self._uses[e.parent]:
                lines.append(f"    {self._mistake_line(wrong, f)}")
        return "\n".join(lines)

    def _mistake_line(self, row: MistakeRow, f: _Format) -> str:
        from autograd_lite.teach.mistakes import distinct_digits

        assert self.mistake is not None
        d = f.d(self.root_name, row.name)
        digits = distinct_digits(row.right, row.wrong, self.precision)
        wrong, right = number_text(row.wrong, digits), number_text(row.right, digits)
        why = self.mistake.why_partial(row.node) if f.partial else row.why
        return f"mistake {self.mistake.mistake!r} gives {d} = {wrong}, not {right}: {why}"

    # ------------------------------------------------------------ checks and mistakes
    def _check_table(self) -> CheckTable:
        return CheckTable(self.checks, self.check_methods, self.names, self.root_name)

    def _extra_text(self, encoding: str | None) -> str:
        out = []
        if self.check_methods:
            out.append(self._check_table().to_text(self.precision, encoding))
        if self.mistake is not None:
            out.append(self.mistake.to_text(encoding=encoding).rstrip("\n"))
        return "".join(f"\n{block}\n" for block in out)

    def _rows(self, f: _Format) -> list[list[str]]:
        rows = []
        for step in self.steps:
            line = self._node_line(step.node, f)
            if not any(True for _ in self._shown(step)):
                # Every input is a number: the node still belongs to the pass.
                head = [str(step.index + 1), line, f.num(step.upstream)]
                rows.append([*head, "(numbers only)", "", "", ""])
                continue
            first = True
            for e in self._shown(step):
                rows.append(
                    [
                        str(step.index + 1) if first else "",
                        line if first else "",
                        f.num(step.upstream) if first else "",
                        f.bare(self.names[e.parent]),
                        self._edge_local(step, e, f),
                        self._contribution(e, f),
                        self._so_far(e, f),
                    ]
                )
                first = False
        return rows

    def _headers(self, f: _Format) -> list[str]:
        d = "∂" if f.kind == "markdown" else "d"
        r = f.name(self.root_name)
        return [
            "step",
            "node",
            f"{d}{r}/{d}(node) (upstream)",
            "input",
            "local derivative",
            "contribution",
            f"{d}{r}/{d}(input) so far",
        ]

    def _title(self, f: _Format) -> str:
        name = f.bare(self.root_name)
        n = len(self.steps)
        return f"Backward pass of {name} = {f.num(self.root.data)}, {n} step{'' if n == 1 else 's'}"

    def _final(self, f: _Format) -> list[str]:
        r = self.root_name
        return [
            f"{f.d(r, self.names[n])} = {f.num(self.gradients.get(n, 0.0))}" for n in self._leaves()
        ]

    def _final_line(self, f: _Format) -> str | None:
        final = self._final(f)
        return "Gradients: " + ", ".join(final) if final else None

    def _nothing(self, f: _Format) -> str:
        return _NOTHING

    def _backward_latex_lines(self, f: _Format) -> list[str]:
        r = self.root_name
        lines = []
        for step in self.steps:
            lines.append(rf"&\text{{step {step.index + 1}: }} {self._node_line(step.node, f)}")
            for e in self._shown(step):
                p = self.names[e.parent]
                formula = self._formula(step.node, e.index, f)
                relation = "=" if self._uses[e.parent] == 1 else r"\mathrel{+}="
                chain = f"{f.d(r, self.names[step.node])}\\,{f.d(self.names[step.node], p)}"
                if formula != f.num(e.local):
                    shown = formula if _LATEX_ATOM.fullmatch(formula) else f"({formula})"
                    chain += rf" = {f.factor(e.upstream)} \cdot {shown}"
                lines.append(rf"&\quad {f.d(r, p)} {relation} {chain} = {self._contribution(e, f)}")
                if self._uses[e.parent] > 1 and e.uses > 1:
                    lines.append(
                        rf"&\qquad \text{{running sum: }} {f.d(r, p)} = "
                        rf"{f.num(e.total - e.contribution)} + {f.factor(e.contribution)}"
                        rf" = {f.num(e.total)}"
                    )
        final = self._final(f)
        if final:
            lines.append(r"&\text{gradients: } " + r",\; ".join(final))
        if not lines:
            lines.append(rf"&{f.bare(r)} = {f.num(self.root.data)}\quad\text{{{_NOTHING}}}")
        return lines

    def to_text(self, *, encoding: str | None = None, literal: str = "") -> str:
        """Return the explanation as a plain-text table for the terminal.

        With ``checks``, a second table follows: every node's gradient by the
        engine, by central differences and by sympy, with the differences; with
        ``mistake``, the mistake's comparison (see
        :meth:`autograd_lite.teach.mistakes.MistakeComparison.to_text`).

        Args:
            encoding: The encoding the table will be written in (e.g.
                ``sys.stdout.encoding``). When it cannot encode the table, the
                library's symbols are spelt in ASCII (``σ`` as ``sigmoid``,
                ``×`` as ``*``, ``−`` as ``-``...) and any other character it
                lacks becomes a backslash escape, cell by cell, so the columns
                stay aligned (see :mod:`autograd_lite.teach.textout`). ``None`` (the
                default) keeps every symbol.
            literal: Symbols never spelt, only escaped where ``encoding`` lacks
                them, e.g. those of names the user typed (a name ``σ`` must not
                read as ``sigmoid``); see :func:`autograd_lite.teach.textout.spell`.
        """
        return super().to_text(encoding=encoding, literal=literal) + self._extra_text(encoding)

    def to_markdown(self) -> str:
        """Return the explanation as a Markdown table (and the checks and mistake asked for)."""
        out = [super().to_markdown()]
        if self.check_methods:
            out.append(self._check_table().to_markdown(self.precision))
        if self.mistake is not None:
            out.append(self.mistake.to_markdown())
        return "\n".join(out)

    def _latex_lines(self, f: _Format) -> list[str]:
        lines = self._backward_latex_lines(f)
        if self.check_methods:
            lines += self._check_table().latex_lines(f)
        if self.mistake is not None:
            body = self.mistake.to_latex().split("\\begin{aligned}\n", 1)[1]
            body = body.rsplit("\n\\end{aligned}", 1)[0]
            lines += body.split(" \\\\\n")
        return lines

    def __repr__(self) -> str:
        return f"<Explanation of {self.root_name!r}: {len(self.steps)} steps>"


def _check_methods(checks: object) -> tuple[tuple[str, ...], bool]:
    """The methods asked for, and whether sympy was asked for by name."""
    from autograd_lite.teach.checks import METHODS

    if checks is False or checks is None:
        return (), False
    if checks is True:
        return METHODS, False
    if isinstance(checks, str):
        checks = (checks,)
    if not isinstance(checks, Iterable):
        raise TypeError(
            f"explain: checks must be True, False or some of {list(METHODS)}, got {checks!r}"
        )
    methods = tuple(dict.fromkeys(checks))
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"explain: unknown check {m!r}; expected some of {list(METHODS)}")
    return methods, "sympy" in methods


def explain(
    root: Value,
    *,
    precision: int = 4,
    checks: bool | Iterable[str] = False,
    mistake: str | None = None,
) -> Explanation:
    """Explain the backward pass from ``root``, one step per node.

    Pure: no node's ``grad`` changes.

    Args:
        root: The node to differentiate (usually a loss).
        precision: Significant digits of printed numbers.
        checks: ``True`` adds, for every node, its gradient computed two more
            ways beside the engine's: by central differences and, when sympy
            is installed, by symbolic differentiation (without sympy the
            output says so). ``("central",)``, ``("sympy",)`` or both choose;
            naming ``"sympy"`` without sympy installed raises ImportError. The
            numbers are in :attr:`Explanation.checks` and in every rendering.
        mistake: The name of a classic mistake (a key of
            :data:`autograd_lite.teach.mistakes.MISTAKES`): every rendering
            then shows the wrong gradient beside the right one at each node
            where they differ, with one sentence on why, and
            :meth:`Explanation.step_text` adds it at the step where the node's gradient is complete.

    Returns:
        An :class:`Explanation`; ``print`` it, or use ``to_markdown``/``to_latex``.

    Raises:
        TypeError: If ``root`` is not a Value, ``precision`` not an int or
            ``checks`` neither a bool nor names of checks.
        ValueError: If ``precision`` is below 1, a check's name or the
            mistake is not known.
        ImportError: If ``checks`` names ``"sympy"`` and sympy is not installed.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(3.0, "x")
        >>> e = explain((x * x).named("y"))
        >>> print(e.step_text(0).splitlines()[0])
        Step 1 of 1: y = x × x = 9
    """
    _check_args("explain", root, precision)
    methods, named = _check_methods(checks)
    if named:
        from autograd_lite.teach.checks import sympy_available

        if not sympy_available():
            raise ImportError(
                "explain: checks=('sympy', ...) needs sympy (pip install sympy); "
                "checks=True leaves the symbolic check out when sympy is missing"
            )
    compared = None
    if mistake is not None:
        from autograd_lite.teach.mistakes import compare_mistake

        compared = compare_mistake(root, mistake, precision=precision)
    steps: list[NodeStep] = []
    for s in backward_steps(root):
        if not steps or steps[-1].index != s.step:
            steps.append(NodeStep(s.step, s.node, s.upstream))
        steps[-1].edges.append(s)
    found = None
    if methods:
        from autograd_lite.teach.checks import node_checks

        found = node_checks(root, methods)
    return Explanation(
        root, steps, precision, checks=found, check_methods=methods, mistake=compared
    )


def _check_args(where: str, root: object, precision: object) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"{where}: expected a Value, got {type(root).__name__}")
    if isinstance(precision, bool) or not isinstance(precision, int):
        raise TypeError(f"{where}: precision must be an int, got {precision!r}")
    if precision < 1:
        raise ValueError(f"{where}: precision must be at least 1, got {precision!r}")


# ------------------------------------------------------------ the forward sweep
_NOTHING_FORWARD = "No operation depends on the direction: no tangent flows forward."


@dataclass(slots=True)
class ForwardNodeStep:
    """One node processed by the forward sweep, with every edge that brings it a tangent.

    Attributes:
        index: Position in the forward sweep (equal to ``ForwardStep.step``; 0 is
            the first node whose tangent is computed). Every rendering counts
            steps from 1: this is step ``index + 1``.
        node: The node whose tangent is computed.
        tangent: The node's tangent, complete after this step.
        edges: The :class:`~autograd_lite.forward.ForwardStep` records, one per
            input that carries a tangent (inputs that depend on no seeded node
            are skipped by the sweep).
    """

    index: int
    node: Value
    tangent: float = 0.0
    edges: list[ForwardStep] = field(default_factory=list)


class ForwardExplanation(_Sweep):
    """The forward sweep of one graph along one direction, step by step, ready to print.

    The counterpart of :class:`Explanation`, with the same renderings
    (``to_text``, ``to_markdown``, ``to_latex``, ``step_text``). Each row is
    one edge: the node, the input, the local derivative (the same op-table
    rule that backward uses), the input's tangent, the contribution
    local × tangent, and the node's running tangent.

    Attributes:
        root: The node whose graph is swept.
        direction: The seeded tangents, as given to :func:`explain_forward`.
        steps: One :class:`ForwardNodeStep` per node the sweep computes.
        names: The name used for each node (the same names as :class:`Explanation`).
        precision: Significant digits of printed numbers.
        tangents: The tangent of every seeded or computed node (every other
            node has tangent 0).
    """

    _RULE = "|---:|---|---|---|---:|---|---|"
    _WHAT = "the forward sweep"
    steps: list[ForwardNodeStep]

    def __init__(
        self,
        root: Value,
        direction: Mapping[Value, float],
        steps: list[ForwardNodeStep],
        precision: int,
    ) -> None:
        self.root = root
        self.direction = dict(direction)
        self.steps = steps
        self.precision = precision
        self.names = node_names(root, precision)
        self.tangents: dict[Value, float] = dict(self.direction)
        for s in steps:
            self.tangents[s.node] = s.tangent

    @property
    def tangent(self) -> float:
        """The tangent of the root, that is its derivative along the direction."""
        return self.tangents.get(self.root, 0.0)

    # ------------------------------------------------------------ pieces
    def _who(self, node: Value) -> str:
        # A seed outside the graph has no name of its own there.
        return self.names.get(node) or printable(node.label) or "an outside node"

    def _unit(self) -> Value | None:
        """The seeded node, when the direction is one node with tangent 1."""
        if len(self.direction) == 1:
            [(node, t)] = self.direction.items()
            if t == 1.0 and node in self.names:
                return node
        return None

    @property
    def direction_text(self) -> str:
        """The direction as the titles write it, e.g. ``dw1 = 1`` (tangent 1 on ``w1``)."""
        return self._direction(_Format("text", self.precision))

    def _direction(self, f: _Format) -> str:
        if not self.direction:
            return "no direction (every tangent 0)"
        return ", ".join(f"d{f.name(self._who(n))} = {f.num(t)}" for n, t in self.direction.items())

    def _so_far(self, step: ForwardNodeStep, j: int, f: _Format) -> str:
        e = step.edges[j]
        previous = step.edges[j - 1].total if j else 0.0
        return self._running(e.total, e.contribution, previous, j + 1, len(step.edges), "term", f)

    def _dot(self, name: str, f: _Format) -> str:
        return rf"\dot{{{f.bare(name)}}}"  # the braces group a compound name already

    # ------------------------------------------------------------ renderings
    def step_text(self, k: int, *, partial: bool = False) -> str:
        """Return ``steps[k]`` as a few lines of plain text (used by the HTML stepper).

        ``k`` indexes :attr:`steps` (from 0, like ``ForwardStep.step``); the text
        numbers the step from 1: ``step_text(0)`` reads ``Step 1 of n``.

        Args:
            k: The step's index in :attr:`steps`.
            partial: Write derivatives as ``∂L/∂a``, as diagrams and the
                stepper page do, instead of the plain text's ``dL/da``.

        Raises:
            IndexError: If there is no step ``k``.
        """
        self._check_index(k)
        f = _Format("text", self.precision, partial=partial)
        step = self.steps[k]
        name = self.names[step.node]
        lines = [f"Step {k + 1} of {len(self.steps)}: {self._node_line(step.node, f)}"]
        for j, e in enumerate(step.edges):
            p = self.names[e.parent]
            lines.append(f"  from {p} (tangent {f.num(e.tangent)}): local {self._edge_local(e, f)}")
            lines.append(f"    contribution {self._product(e.local, e.tangent, e.contribution, f)}")
            lines.append(f"    tangent of {name} so far: {self._so_far(step, j, f)}")
        return "\n".join(lines)

    def _edge_local(self, e: ForwardStep, f: _Format) -> str:
        return self._local(e.node, e.index, e.parent, e.local, f)

    def _rows(self, f: _Format) -> list[list[str]]:
        rows = []
        for step in self.steps:
            line = self._node_line(step.node, f)
            for j, e in enumerate(step.edges):
                rows.append(
                    [
                        str(step.index + 1) if j == 0 else "",
                        line if j == 0 else "",
                        f.bare(self.names[e.parent]),
                        self._edge_local(e, f),
                        f.num(e.tangent),
                        self._product(e.local, e.tangent, e.contribution, f),
                        self._so_far(step, j, f),
                    ]
                )
        return rows

    def _headers(self, f: _Format) -> list[str]:
        return [
            "step",
            "node",
            "input",
            "local derivative",
            "input tangent",
            "contribution",
            "tangent so far",
        ]

    def _title(self, f: _Format) -> str:
        name = f.bare(self.root_name)
        n = len(self.steps)
        return (
            f"Forward sweep of {name} = {f.num(self.root.data)} along {self._direction(f)}, "
            f"{n} step{'' if n == 1 else 's'}"
        )

    def _final_line(self, f: _Format) -> str | None:
        line = f"Tangent of {f.bare(self.root_name)}: {f.num(self.tangent)}"
        unit = self._unit()
        if unit is not None and unit is not self.root:
            line += f" (that is, {f.d(self.root_name, self.names[unit])})"
        return line

    def _nothing(self, f: _Format) -> str:
        return f"{_NOTHING_FORWARD} {self._final_line(f)}"

    def _latex_lines(self, f: _Format) -> list[str]:
        if self.direction:
            along = r",\; ".join(
                f"{self._dot(self._who(n), f)} = {f.num(t)}" for n, t in self.direction.items()
            )
        else:
            along = r"\text{no direction}"
        lines = [rf"&\text{{forward sweep along }} {along}"]
        for step in self.steps:
            node = self.names[step.node]
            lines.append(rf"&\text{{step {step.index + 1}: }} {self._node_line(step.node, f)}")
            relation = "=" if len(step.edges) == 1 else r"\mathrel{+}="
            for j, e in enumerate(step.edges):
                p = self.names[e.parent]
                formula = self._formula(step.node, e.index, f)
                chain = f"{f.d(node, p)}\\,{self._dot(p, f)}"
                if formula != f.num(e.local):
                    shown = formula if _LATEX_ATOM.fullmatch(formula) else f"({formula})"
                    chain += rf" = {shown} \cdot {f.factor(e.tangent)}"
                lines.append(
                    rf"&\quad {self._dot(node, f)} {relation} {chain} = {f.num(e.contribution)}"
                )
                if j > 0:
                    lines.append(
                        rf"&\qquad \text{{running sum: }} {self._dot(node, f)} = "
                        rf"{f.num(step.edges[j - 1].total)} + {f.factor(e.contribution)}"
                        rf" = {f.num(e.total)}"
                    )
        if not self.steps:
            lines.append(rf"&\text{{{_NOTHING_FORWARD}}}")
        lines.append(rf"&\text{{tangent: }} {self._dot(self.root_name, f)} = {f.num(self.tangent)}")
        return lines

    def __repr__(self) -> str:
        return (
            f"<ForwardExplanation of {self.root_name!r} along {self.direction_text}: "
            f"{len(self.steps)} steps>"
        )


def explain_forward(
    root: Value, tangents: Mapping[Value, float], *, precision: int = 4
) -> ForwardExplanation:
    """Explain the forward sweep toward ``root`` along ``tangents``, one step per node.

    The forward counterpart of :func:`explain`: the rows are the records of
    :func:`autograd_lite.forward.forward_steps`, grouped by the node whose
    tangent they compute, with the op table's formulas. Pure: no node's
    ``grad`` changes.

    Args:
        root: The node whose graph is swept (usually a loss).
        tangents: The direction: a tangent for each seeded node (usually
            leaves), as :func:`~autograd_lite.forward.forward_steps` takes it;
            every other leaf has tangent 0.
        precision: Significant digits of printed numbers.

    Returns:
        A :class:`ForwardExplanation`; ``print`` it, or use ``to_markdown``/``to_latex``.
        Its ``tangent`` is the derivative of ``root`` along the direction.

    Raises:
        TypeError: If ``root`` is not a Value, ``precision`` not an int, or
            ``tangents`` not a mapping from Values to real numbers.
        ValueError: If ``precision`` is below 1 or a tangent is not finite.
        OverflowError, ValueError: If a tangent of the sweep is not finite.

    Example:
        >>> from autograd_lite import Value
        >>> x, y = Value(3.0, "x"), Value(4.0, "y")
        >>> e = explain_forward((x * y).named("f"), {x: 1.0})
        >>> print(e.step_text(0))
        Step 1 of 1: f = x × y = 12
          from x (tangent 1): local df/dx = y = 4
            contribution 4 × 1 = 4
            tangent of f so far: 4
        >>> e.tangent
        4.0
    """
    _check_args("explain_forward", root, precision)
    records = forward_steps(root, tangents)  # checks the tangents before any step
    direction = {n: float(t) for n, t in tangents.items()}
    steps: list[ForwardNodeStep] = []
    for s in records:
        if not steps or steps[-1].index != s.step:
            steps.append(ForwardNodeStep(s.step, s.node))
        steps[-1].edges.append(s)
        steps[-1].tangent = s.total
    return ForwardExplanation(root, direction, steps, precision)


# ------------------------------------------------------------ the lesson
