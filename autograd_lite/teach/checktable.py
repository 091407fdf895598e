"""The gradient checks of an explanation, written as text, Markdown and LaTeX.

:func:`autograd_lite.teach.checks.node_checks` computes every node's gradient
three ways; :class:`CheckTable` writes those numbers under an explanation
(``explain(..., checks=True)``): one line on each method, then one row per
node with the engine's gradient beside each check and its difference from it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from autograd_lite.core.value import Value
from autograd_lite.teach.names import MINUS, Notation, latex_number_text, markdown_text
from autograd_lite.teach.textout import fits, printable_for

if TYPE_CHECKING:
    from autograd_lite.teach.checks import NodeCheck

__all__ = ["CheckTable"]


class CheckTable:
    """The checks of one explanation, ready to write in each format.

    Args:
        checks: A :class:`~autograd_lite.teach.checks.NodeCheck` per node.
        methods: The checks asked for (some of ``"central"`` and ``"sympy"``).
        names: The name each node goes by in the explanation.
        root_name: The name of the differentiated node.
    """

    def __init__(
        self,
        checks: Mapping[Value, NodeCheck],
        methods: Sequence[str],
        names: Mapping[Value, str],
        root_name: str,
    ) -> None:
        self.checks = checks
        self.methods = methods
        self.names = names
        self.root_name = root_name

    def _symbolic(self) -> bool:
        return "sympy" in self.methods and any(c.symbolic is not None for c in self.checks.values())

    def table(self, f: Notation) -> tuple[list[str], list[list[str]]]:
        """Return the headers and the rows (one per node), in ``f``'s notation."""
        mark = "∂" if f.kind == "markdown" else "d"
        central = "central" in self.methods
        symbolic = self._symbolic()
        headers = ["node", f"engine {mark}{f.name(self.root_name)}/{mark}(node)"]
        if central:
            headers += ["central difference", "central − engine"]
        if symbolic:
            headers += ["sympy", "sympy − engine"]
        rows = []
        for n, c in self.checks.items():
            row = [repr(c.engine)]
            if central:
                row += _pair_cells(c.central, c.central_error, "outside a domain")
            if symbolic:
                row += _pair_cells(c.symbolic, c.symbolic_error, "not a number")
            # Every digit (repr), with the minus sign of the text around it.
            rows.append([f.bare(self.names[n]), *(x.replace("-", MINUS) for x in row)])
        return headers, rows

    def notes(self) -> tuple[str, list[str]]:
        """Return the line above the table, and one item per method."""
        items = []
        if "central" in self.methods:
            items.append(
                "central differences (f(x + h) − f(x − h)) / 2h, h ≈ 6e−06 × max(1, |x|), with "
                "everything downstream of the node evaluated again: they lose about a third "
                "of the digits;"
            )
        if "sympy" in self.methods:
            if all(c.symbolic is None for c in self.checks.values()):
                items.append("sympy is not installed (pip install sympy): no symbolic check.")
            else:
                items.append(
                    "sympy's symbolic derivative at the node's value: it agrees to rounding."
                )
        return "The gradient of every node by the engine (backward), beside", items

    def to_text(self, precision: int, encoding: str | None) -> str:
        """Return the notes and the table as plain text, spelled for ``encoding``."""
        headers, rows = self.table(Notation("text", precision))
        head, items = self.notes()
        lines = [head]
        for item in items:
            lines += textwrap.wrap(item, 88, initial_indent="- ", subsequent_indent="  ")
        text = "\n".join([*lines, *(" ".join(r) for r in rows)])
        if fits(text, encoding):
            shown: Callable[[str], str] = str
        else:

            def shown(cell: str) -> str:
                return printable_for(encoding, cell, context=text)

        table = _layout([shown(h) for h in headers], [[shown(c) for c in r] for r in rows])
        return "\n".join(shown(n) for n in lines) + "\n\n" + table

    def to_markdown(self, precision: int) -> str:
        """Return the notes as a list and the table as a Markdown table."""
        headers, rows = self.table(Notation("markdown", precision))
        head, items = self.notes()
        notes = [markdown_text(head), "\n".join(f"- {markdown_text(n)}" for n in items)]
        table = ["| " + " | ".join(headers) + " |", "|---|" + "---:|" * (len(headers) - 1)]
        table += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n\n".join(notes) + "\n\n" + "\n".join(table) + "\n"

    def latex_lines(self, f: Notation) -> list[str]:
        """Return the lines of an ``aligned`` block: the methods, then one per node."""
        checks = []
        if "central" in self.methods:
            checks.append(
                r"\text{central differences } \frac{f(x + h) - f(x - h)}{2h},\ "
                r"h \approx 6 \times 10^{-6} \max(1, |x|)"
            )
        if "sympy" in self.methods:
            symbolic = any(c.symbolic is not None for c in self.checks.values())
            checks.append(
                r"\text{sympy's symbolic derivative}"
                if symbolic
                else r"\text{sympy is not installed: no symbolic check}"
            )
        lines = [r"&\text{the engine's gradient (backward), beside: }" + r";\ ".join(checks)]
        for n, c in self.checks.items():
            parts = [rf"{_latex_float(c.engine)}\text{{ (engine)}}"]
            for value, error, word in (
                (c.central, c.central_error, "central"),
                (c.symbolic, c.symbolic_error, "sympy"),
            ):
                if value is not None and error is not None:
                    parts.append(
                        rf"{_latex_float(value)}\text{{ ({word}; }}"
                        rf"{_latex_error(error)}\text{{)}}"
                    )
            lines.append(rf"&{f.d(self.root_name, self.names[n])}:\; " + r",\; ".join(parts))
        return lines


def _pair_cells(value: float | None, error: float | None, missing: str) -> list[str]:
    if value is None or error is None:
        return [f"({missing})", ""]
    return [repr(value), f"{error:.1e}" if error else "0"]


def _layout(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def _latex_float(x: float) -> str:
    return latex_number_text(repr(x))


def _latex_error(x: float) -> str:
    if x == 0.0:
        return "0"
    mantissa, exponent = f"{x:.1e}".split("e")
    return rf"{latex_number_text(mantissa)} \times 10^{{{int(exponent)}}}"
