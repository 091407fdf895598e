"""How nodes are named and how names are written in every output format.

Labels are user text: they may hold anything. :func:`printable` shows what
no output can carry as visible escapes; :func:`node_names` gives every node
of a graph the one name that explanations, diagrams and the stepper all use;
:func:`latex_name` and :func:`markdown_text` write a name so it can neither
end the math nor add markup.
"""

from __future__ import annotations

import re

from autograd_lite.core.graph import topological
from autograd_lite.core.value import Value, fmt_number

__all__ = [
    "MINUS",
    "Notation",
    "is_atomic",
    "latex_name",
    "latex_number_text",
    "markdown_text",
    "node_names",
    "number_text",
    "printable",
]

#: The minus sign U+2212, as text, Markdown, diagrams and the stepper page write it.
MINUS = "\u2212"


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(ch: str) -> str:
    return _NAMED_ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def printable(text: str, *, keep: str = "") -> str:
    r"""Return ``text`` with every character no output can carry shown as an escape.

    Labels are arbitrary strings, but no output format can hold all of them:
    control characters (U+0000–U+001F, U+007F–U+009F) break tables, DOT and
    XML; lone surrogates (U+D800–U+DFFF) cannot be encoded as UTF-8; the line
    and paragraph separators U+2028/U+2029 end lines; U+FFFE/U+FFFF are not
    allowed in XML. Each such character is replaced, visibly, by an escape:
    ``\n``, ``\r`` and ``\t`` for newline, carriage return and tab, ``\uXXXX``
    (four lowercase hex digits) for the others. Every other character is kept.
    Diagrams, explanations and the stepper all show labels this way; applying
    it twice changes nothing.

    Args:
        text: Any string.
        keep: Characters to leave alone (the stepper keeps the newlines of
            its multi-line texts).

    Example:
        >>> print(printable("a\nb\x00\ud800"))
        a\nb\u0000\ud800
    """

    def sub(m: re.Match[str]) -> str:
        ch = m.group()
        return ch if ch in keep else _escape_char(ch)

    return _UNPRINTABLE.sub(sub, text)


def node_names(root: Value, precision: int = 4) -> dict[Value, str]:
    r"""Return the name every node of ``root``'s graph is shown by.

    Labels where present; numbers for constants; otherwise fresh short names
    (``out`` for the root, ``t1, t2, ...`` for results, ``v1, ...`` for leaves)
    that avoid every label. Explanations and diagrams both use these names, so
    the stepper's text and its picture call each node the same. Labels are
    shown through :func:`printable` (control characters, lone surrogates and
    line separators become visible escapes such as ``\n`` or ``\ud800``).
    """
    return _assign_names(root, precision)


def _assign_names(root: Value, precision: int) -> dict[Value, str]:
    nodes = topological(root)
    taken = {printable(n.label) for n in nodes if n.label}
    names: dict[Value, str] = {}
    counters = {"t": 0, "v": 0}

    def fresh(prefix: str) -> str:
        while True:
            counters[prefix] += 1
            name = f"{prefix}{counters[prefix]}"
            if name not in taken:
                taken.add(name)
                return name

    for n in nodes:
        if n.label:
            names[n] = printable(n.label)
        elif n.is_constant:
            names[n] = number_text(n.data, precision)
        elif n is root and "out" not in taken:
            names[n] = "out"
        else:
            names[n] = fresh("v" if n.op is None else "t")
    return names


_NUM = r"[-−]?[0-9.]+(?:e[-−+]?[0-9]+)?"
_LATEX_SPECIAL = {
    "\\": r"\backslash ",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "^": r"\hat{}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "~": r"\sim ",
    " ": r"\ ",
    "−": "-",
}
_SIMPLE_NAME = re.compile(r"([A-Za-z])([0-9]*)")
# All that Markdown could read as markup: emphasis, code, links, raw HTML,
# entities (``&amp;``), cell borders (``|``), headings, strikethrough, math.
_MD_SPECIAL = re.compile(r"([\\`*_|<>\[\]#&$~])")


def latex_name(name: str) -> str:
    r"""Render a node name in LaTeX math mode: ``w1`` → ``w_{1}``, others upright and escaped.

    Every LaTeX special (``\ { } $ & # ^ _ % ~``) is escaped, after
    :func:`printable`, so no name can end the math, add a line or run a command.
    """
    name = printable(name)
    if len(name) > 2 and name[0] == "(" and name[-1] == ")":
        return f"({latex_name(name[1:-1])})"
    m = _SIMPLE_NAME.fullmatch(name)
    if m:
        letter, digits = m.groups()
        return f"{letter}_{{{digits}}}" if digits else letter
    if re.fullmatch(_NUM, name):
        return latex_number_text(name)
    return r"\mathrm{" + "".join(_LATEX_SPECIAL.get(c, c) for c in name) + "}"


def number_text(x: float, precision: int = 4) -> str:
    """Write a number as the text, Markdown, diagram and stepper outputs do.

    Like :func:`~autograd_lite.core.value.fmt_number` (integers without a
    decimal point, otherwise ``precision`` significant digits), with the minus
    sign U+2212 that these outputs also use in their formulas, so one output
    never mixes two signs. LaTeX writes ``-`` instead (:func:`latex_number_text`);
    :func:`autograd_lite.teach.textout.spell` turns ``−`` into ``-``.

    Example:
        >>> number_text(-0.24966), number_text(3.0), number_text(-1.5e-07)
        ('−0.2497', '3', '−1.5e−07')
    """
    return fmt_number(x, precision).replace("-", MINUS)


def latex_number_text(text: str) -> str:
    """Render a formatted number in LaTeX (``1e-05`` becomes 1 × 10 to the −5)."""
    text = text.replace(MINUS, "-")
    if text in ("inf", "-inf"):
        return text.replace("inf", r"\infty")
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def markdown_text(text: str) -> str:
    """Return ``text`` as one line of Markdown with no markup (a table cell keeps its shape)."""
    return _MD_SPECIAL.sub(r"\\\1", printable(text))


# A name that needs no brackets inside a formula: a word, or a plain number.
_ATOMIC = re.compile(r"[^\W\d]\w*|[0-9.]+(?:e[-+]?[0-9]+)?")


def is_atomic(name: str) -> bool:
    """Return whether ``name`` reads as one symbol in a formula (a word or a number)."""
    return _ATOMIC.fullmatch(name) is not None


class Notation:
    r"""How one output format (``"text"``, ``"markdown"`` or ``"latex"``) writes maths.

    Names, numbers, products and derivatives, escaped for the format, so that
    every explanation writes them the same way.

    Derivatives are ``dL/da`` in text, ``∂L/∂a`` in Markdown (and in text
    with ``partial=True``, as diagrams and the stepper page write them) and
    ``\frac{\partial L}{\partial a}`` in LaTeX. The minus sign is ``−``
    (U+2212) in text and Markdown, numbers included, and ``-`` in LaTeX.

    Args:
        kind: ``"text"``, ``"markdown"`` or ``"latex"``.
        precision: Significant digits of the numbers.
        partial: Write text derivatives with ``∂`` instead of ``d``.
    """

    def __init__(self, kind: str, precision: int, *, partial: bool = False) -> None:
        self.kind = kind
        self.precision = precision
        self.partial = partial

    def num(self, x: float) -> str:
        """A number, e.g. ``−0.2497`` (``-0.2497`` in LaTeX)."""
        if self.kind == "latex":
            return latex_number_text(fmt_number(x, self.precision))
        return number_text(x, self.precision)

    def factor(self, x: float) -> str:
        """A number as a factor of a product: negative ones in brackets."""
        s = self.num(x)
        return f"({s})" if x < 0 else s

    def bare(self, name: str) -> str:
        """A name standing on its own (a table cell, the left side of ``=``)."""
        if self.kind == "latex":
            return latex_name(name)
        if self.kind == "markdown":
            return markdown_text(name)
        return name

    def name(self, name: str) -> str:
        """A name inside a formula: a compound one gets brackets."""
        return self.bare(name if is_atomic(name) else f"({name})")

    def d(self, top: str, bottom: str) -> str:
        """The derivative of ``top`` with respect to ``bottom``: dL/dz, ∂L/∂z or a fraction."""
        if self.kind == "latex":
            return rf"\frac{{\partial {self.name(top)}}}{{\partial {self.name(bottom)}}}"
        mark = "∂" if self.kind == "markdown" or self.partial else "d"
        return f"{mark}{self.name(top)}/{mark}{self.name(bottom)}"

    def times(self) -> str:
        """The product sign."""
        return r" \cdot " if self.kind == "latex" else " × "
