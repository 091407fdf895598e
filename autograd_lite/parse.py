"""A safe parser for small arithmetic expressions such as ``sigmoid(w1*x1 + w2*x2 + b)``.

The text is parsed with :mod:`ast` and checked against an allow-list: numbers,
names, ``+ - * / **``, unary ``-``/``+`` and calls to the engine's functions.
Nothing is ever passed to ``eval`` or ``exec``. Each name becomes one labelled
leaf :class:`~autograd_lite.core.value.Value` (a name used twice is one shared node),
and every operation is recorded through the ordinary ``Value`` operators, so the
result is a graph that can be differentiated, drawn and explained.
"""

from __future__ import annotations

import ast
import math
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from autograd_lite.core.value import TABLE, Op, Value, constant, vsum

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NESTING",
    "Expression",
    "ExpressionError",
    "compile_expression",
    "normalize_name",
    "normalized_names",
    "parse_expression",
]

#: Longest accepted expression text, in characters.
MAX_LENGTH = 2000
#: Deepest accepted nesting of brackets.
MAX_NESTING = 50
#: Deepest accepted syntax tree (brackets, calls and chained operators all count).
MAX_DEPTH = 100


class ExpressionError(ValueError):
    """The expression text is not one this parser accepts (a usage error).

    Attributes:
        column: Where in the expression text the offending token starts
            (1-based, counted in characters), or ``None`` when the error is
            not at one place (a missing value, an empty text).
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column


class _Functions(Mapping[str, Callable[[Value], Value]]):
    """The one-input rows of the op table, read live (a registered row is callable at once)."""

    def _rows(self) -> dict[str, Op]:
        return {
            name: row
            for name, row in TABLE.items()
            if row.arity == 1 and row.param is None and name.isidentifier()
        }

    def __getitem__(self, name: str) -> Callable[[Value], Value]:
        return self._rows()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows())

    def __len__(self) -> int:
        return len(self._rows())


#: The functions an expression may call. Every one-input row of the op table
#: (``exp``, ``log``, ``sigmoid``, ``sqrt``..., and rows a user registered).
FUNCTIONS: Mapping[str, Callable[[Value], Value]] = _Functions()
_NARY = "sum"

_BINARY: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
}

_OPERATOR_HINTS: dict[type[ast.AST], str] = {
    ast.BitXor: "'^' is not a power here; write x**2",
    ast.FloorDiv: "floor division '//' is not supported; use '/'",
    ast.Mod: "'%' is not supported",
    ast.MatMult: "'@' is not supported",
    ast.LShift: "'<<' is not supported",
    ast.RShift: "'>>' is not supported",
    ast.BitOr: "'|' is not supported",
    ast.BitAnd: "'&' is not supported",
    ast.Invert: "'~' is not supported",
    ast.Not: "'not' is not supported",
}

_FORBIDDEN: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (x.y)",
    ast.Subscript: "subscripts (x[i])",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.JoinedStr: "strings",
    ast.Starred: "starred arguments",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slices",
}


def _column(node: ast.expr, source: str) -> int:
    """The 1-based character column of ``node``'s offending token in ``source``."""
    # ast offsets count UTF-8 bytes, not characters.
    raw = source.encode("utf-8")

    def chars(offset: int) -> int:
        return len(raw[:offset].decode("utf-8", "replace"))

    at = chars(node.col_offset)
    if isinstance(node, ast.Attribute | ast.Subscript) and node.value.end_col_offset is not None:
        at = chars(node.value.end_col_offset)  # the "." or "[" after the value
        while at < len(source) and source[at] in " \t)":
            at += 1
    elif isinstance(node, ast.BinOp | ast.Compare | ast.BoolOp):
        # These start at their left operand; the culprit is the operator after it
        # (past any closing brackets of the operand and spaces).
        left = node.values[0] if isinstance(node, ast.BoolOp) else node.left
        at = chars(left.end_col_offset or node.col_offset)
        while at < len(source) and source[at] in " \t)":
            at += 1
    return at + 1


def _fail_at(
    node: ast.AST | None, message: str, source: str = "", shift: int = 0
) -> ExpressionError:
    if not isinstance(node, ast.expr) or node.end_col_offset is None:
        return ExpressionError(message)
    column = _column(node, source) + shift
    return ExpressionError(f"{message} at column {column}", column)


def _nesting(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest


@dataclass(frozen=True)
class Expression:
    """A checked expression, ready to be built into a graph.

    Attributes:
        text: The source text.
        names: The names it uses, in order of first appearance.
    """

    text: str
    names: tuple[str, ...]
    tree: ast.expr

    def build(self, values: Mapping[str, float]) -> Value:
        """Build the expression as a graph, with one labelled leaf per name.

        Args:
            values: A number for every name of :attr:`names`. Extra entries are an error,
                so that a misspelt name is caught.

        Returns:
            The root node. An expression without names is wrapped in a constant node.

        Raises:
            ExpressionError: If a name has no value, a value is not a finite real
                number, or a value is given for a name the expression does not use.
            ValueError, ZeroDivisionError, OverflowError: From the engine, when an
                operation is undefined at these values (e.g. ``log(-1)``).
        """
        values = normalized_names(values)
        missing = [n for n in self.names if n not in values]
        if missing:
            raise ExpressionError(f"no value given for {_listing(missing)}")
        extra = [n for n in values if n not in self.names]
        if extra:
            raise ExpressionError(f"{_listing(extra)} not used in the expression {self.text!r}")
        leaves: dict[str, Value] = {}
        for n in self.names:
            x = values[n]
            try:
                f = float(x) if not isinstance(x, bool) and isinstance(x, int | float) else None
            except OverflowError:  # an int beyond the float range, e.g. 10**400
                f = math.inf
            if f is None or not math.isfinite(f):
                shown = f"an integer of {len(str(abs(x)))} digits" if f == math.inf else repr(x)
                raise ExpressionError(f"the value of {n!r} must be a finite number, got {shown}")
            leaves[n] = Value(f, n)
        result = _evaluate(self.tree, leaves)
        return result if isinstance(result, Value) else constant(result)


def normalize_name(name: str) -> str:
    """Return ``name`` as Python (and so the parser) reads it: NFKC-normalised.

    ``µ`` (U+00B5, the micro sign) and ``μ`` (U+03BC) are the same name, as
    are ``ﬁ`` and ``fi``.
    """
    return unicodedata.normalize("NFKC", name)


def normalized_names(values: Mapping[str, float]) -> dict[str, float]:
    """Return ``values`` with every name NFKC-normalised, as names in an expression are.

    Raises:
        ExpressionError: If a name is not a string, or two names are the same
            once normalised (e.g. ``µ`` and ``μ``).
    """
    out: dict[str, float] = {}
    for name, x in values.items():
        if not isinstance(name, str):
            raise ExpressionError(f"names must be strings, got {name!r}")
        key = normalize_name(name)
        if key in out:
            raise ExpressionError(f"{key!r} is given twice (as {name!r} too)")
        out[key] = x
    return out


def _listing(names: list[str]) -> str:
    quoted = ", ".join(repr(n) for n in names)
    return f"name {quoted}" if len(names) == 1 else f"names {quoted}"


def compile_expression(text: str) -> Expression:
    """Parse and check ``text`` against the allow-list, without evaluating anything.

    Args:
        text: An expression such as ``"sigmoid(w1*x1 + w2*x2 + b)"``.

    Returns:
        The checked :class:`Expression`.

    Raises:
        ExpressionError: For anything outside the allow-list, with a one-line
            message naming what was found.
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected the expression as a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"expression too long: {len(text)} characters (the limit is {MAX_LENGTH})"
        )
    if not text.strip():
        raise ExpressionError("empty expression")
    if _nesting(text) > MAX_NESTING:
        raise ExpressionError(
            f"expression nested too deeply (the limit is {MAX_NESTING} levels of brackets)"
        )
    shift = len(text) - len(text.lstrip())  # columns count from the text as given
    try:
        with warnings.catch_warnings():
            # e.g. "1is 1" warns "invalid decimal literal": never print it.
            warnings.simplefilter("ignore")
            module = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        # Columns count characters of the text as given (before the strip).
        # No column, or one past the end: the text ended too early; its last character.
        stripped = text.strip()
        offset = exc.offset if exc.offset and 1 <= exc.offset <= len(stripped) else len(stripped)
        column = offset + shift
        col = f" at column {column}" if column else ""
        raise ExpressionError(f"syntax error: {exc.msg}{col}", column) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"cannot parse the expression: {type(exc).__name__}") from None
    names: list[str] = []
    _check(module.body, names, text.strip(), shift)
    return Expression(text, tuple(names), module.body)


def parse_expression(text: str, values: Mapping[str, float]) -> Value:
    """Parse ``text`` and build it as a graph in one call.

    Names are NFKC-normalised both in ``text`` (as Python does) and in
    ``values``, so ``parse_expression("µ*2", {"µ": 1.0})`` works whichever
    of the two look-alike mu characters each side uses.

    Raises:
        ExpressionError: For text outside the allow-list, a missing or extra
            name, or a value that is not a finite real number (``10**400`` too).
        ValueError, ZeroDivisionError, OverflowError: From the engine, when an
            operation is undefined at these values (``log(-1)``) or its result
            overflows a float. (:class:`ExpressionError` is a ValueError too.)

    Example:
        >>> out = parse_expression("sigmoid(w*x + b)", {"w": 2.0, "x": 1.0, "b": -2.0})
        >>> out.data
        0.5
    """
    return compile_expression(text).build(values)


def _check(root: ast.expr, names: list[str], source: str = "", shift: int = 0) -> None:
    """Walk the tree iteratively, rejecting anything off the allow-list."""

    def _fail(node: ast.AST | None, message: str) -> ExpressionError:
        return _fail_at(node, message, source, shift)

    stack: list[tuple[ast.AST, int, ast.AST | None]] = [(root, 1, None)]
    while stack:
        node, depth, parent = stack.pop()
        if depth > MAX_DEPTH:
            hint = _depth_hint(parent)
            # The whole nesting is at fault, not one token: no column.
            raise ExpressionError(
                f"expression too deep (the limit is {MAX_DEPTH} levels)"
                + (f"; {hint}" if hint else "")
            )
        children: list[ast.AST] = []
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise _fail(node, f"only numbers are allowed as constants, got {v!r}")
            try:
                f = float(v)
            except OverflowError:
                raise _fail(node, "number too large") from None
            if not math.isfinite(f):
                raise _fail(node, "number too large")
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS or node.id == _NARY:
                raise _fail(node, f"{node.id!r} is a function; call it, e.g. {node.id}(x)")
            if node.id.startswith("_"):
                raise _fail(node, f"names may not start with '_', got {node.id!r}")
            if node.id not in names:
                names.append(node.id)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise _fail(node, _OPERATOR_HINTS.get(type(node.op), "unsupported operator"))
            children = [node.left, node.right]
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise _fail(node, _OPERATOR_HINTS.get(type(node.op), "unsupported operator"))
            children = [node.operand]
        elif isinstance(node, ast.Call):
            children = _check_call(node, _fail)
        else:
            what = _FORBIDDEN.get(type(node), type(node).__name__)
            raise _fail(node, f"not allowed in an expression: {what}")
        stack.extend((c, depth + 1, node) for c in reversed(children))


def _depth_hint(parent: ast.AST | None) -> str:
    """Advice for the chain that went too deep, from the node whose child crossed the limit."""
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add | ast.Sub):
        return "write a long sum as sum(a, b, ...), which is one node"
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Mult | ast.Div):
        return (
            "a long product nests one level per factor: group the factors in brackets, "
            "(a*b*c)*(d*e*f), or write a repeated factor as a power, x**n"
        )
    if isinstance(parent, ast.BinOp):
        return "shorten the tower of powers"
    if isinstance(parent, ast.UnaryOp):
        return "drop the repeated signs (--x is x)"
    if isinstance(parent, ast.Call):
        return "fewer calls nested inside each other"
    return ""


def _check_call(
    node: ast.Call, _fail: Callable[[ast.AST | None, str], ExpressionError]
) -> list[ast.AST]:
    allowed = ", ".join([*FUNCTIONS, _NARY])
    if not isinstance(node.func, ast.Name):
        raise _fail(node, f"only calls to the functions {allowed} are allowed")
    fname = node.func.id
    if fname not in FUNCTIONS and fname != _NARY:
        raise _fail(node, f"unknown function {fname!r} (allowed: {allowed})")
    if node.keywords:
        raise _fail(node, f"{fname}() takes no keyword arguments")
    if fname == _NARY:
        if not node.args:
            raise _fail(node, "sum() needs at least one argument")
    elif len(node.args) != 1:
        raise _fail(node, f"{fname}() takes exactly one argument, got {len(node.args)}")
    return list(node.args)


def _lift(x: Value | float) -> Value:
    return x if isinstance(x, Value) else constant(x)


def _evaluate(node: ast.expr, leaves: Mapping[str, Value]) -> Value | float:
    """Evaluate a checked tree (depth at most MAX_DEPTH, so recursion is safe).

    Numbers stay floats so that ``x**2`` uses the constant-exponent power
    (whose derivative needs no log of the base); everything else goes through
    the engine's operators, so domain errors carry the engine's messages.
    """
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, int | float)
        return float(node.value)
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, leaves)
        if isinstance(node.op, ast.UAdd):
            return operand
        return -operand
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, leaves)
        right = _evaluate(node.right, leaves)
        symbol = _BINARY[type(node.op)]
        if symbol == "**" and not isinstance(right, Value):
            return _lift(left) ** right
        a, b = _lift(left), right
        if symbol == "+":
            return a + b
        if symbol == "-":
            return a - b
        if symbol == "*":
            return a * b
        if symbol == "/":
            return a / b
        return a ** _lift(b)
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    args = [_evaluate(a, leaves) for a in node.args]
    if node.func.id == _NARY:
        return vsum(args)
    return FUNCTIONS[node.func.id](_lift(args[0]))
