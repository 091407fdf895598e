"""The op table: one frozen row per primitive operation.

Every feature of autograd_lite reads these rows: ``Value`` runs their forward,
``backward`` runs their local-derivative rules, the diagrams and explanations
print their formulas, and the compiled path replays them over arrays.

A row's forward, its domain checks and its local-derivative rules are written
once, with ordinary arithmetic on the arguments plus calls to a *math
namespace* ``m`` for anything beyond arithmetic (``m.log``, ``m.sigmoid``,
``m.step``, ``m.add``...). Passing :data:`FLOAT_MATH` and floats computes with
floats; passing the namespace of ``Value`` methods and nodes builds graphs
(higher-order derivatives); passing an array namespace and arrays computes a
whole batch; passing symbols prints the rule as code, which is how the fast
paths of ``Value``, the backward loop and the compiled program are generated.

Every number the engine computes is finite. An input outside a row's domain
raises the check's error (``ValueError`` or ``ZeroDivisionError``); a finite
input whose result overflows raises ``OverflowError``; a NaN result raises
``ValueError``.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import reduce
from operator import add as _plus
from typing import Any, Protocol

__all__ = [
    "FLOAT_MATH",
    "TABLE",
    "Check",
    "FloatMath",
    "MathNamespace",
    "Op",
    "fmt_number",
    "pow_const",
]


class MathNamespace(Protocol):
    """The functions a rule may call besides arithmetic and comparisons."""

    def exp(self, x: Any) -> Any:
        """Return e**x."""

    def log(self, x: Any) -> Any:
        """Return the natural logarithm of x."""

    def sigmoid(self, x: Any) -> Any:
        """Return the logistic function of x."""

    def tanh(self, x: Any) -> Any:
        """Return the hyperbolic tangent of x."""

    def step(self, x: Any) -> Any:
        """Return 1 where x > 0 and 0 elsewhere, as a constant."""

    def relu(self, x: Any) -> Any:
        """Return x where x > 0 and 0 elsewhere."""

    def softplus(self, x: Any) -> Any:
        """Return log(1 + e**x), computed without overflow."""

    def add(self, xs: Sequence[Any]) -> Any:
        """Return the sum of xs, added left to right (no compensation)."""

    def either(self, p: Any, q: Any) -> Any:
        """Return the logical or of two conditions."""

    def is_integer(self, x: Any) -> Any:
        """Return whether x is a whole number."""


def fmt_number(x: float, precision: int = 4) -> str:
    """Format a number compactly: integers without a decimal point."""
    if abs(x) < 1e15 and x == int(x):  # the bound first: int(inf) raises
        return str(int(x))
    return f"{x:.{precision}g}"


# ---------------------------------------------------------------- checks
Rule = Callable[[Sequence[Any], MathNamespace, "float | None"], Any]


@dataclass(frozen=True, slots=True)
class Check:
    """A condition a row's inputs must meet, written against a math namespace.

    Attributes:
        holds: ``holds(xs, m, k)``: true where the inputs are inside the
            domain (a bool on floats, a mask on arrays, code on symbols), or
            the constant ``True`` when nothing needs testing (``x**2``).
        error: The exception raised where it is false.
        message: What is wrong, e.g. ``"log is defined only for x > 0"``.
    """

    holds: Rule
    error: type[Exception]
    message: str


# --------------------------------------------------------------- forwards
# Signature: forward(xs, m, k) -> the result; checks have already passed.


def _f_add(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return m.add(xs)


def _f_sub(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return xs[0] - xs[1]


def _f_mul(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return xs[0] * xs[1]


def _f_div(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return xs[0] / xs[1]


def _f_neg(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return -xs[0]


def _f_pow(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return xs[0] ** xs[1]


def _f_powc(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    assert k is not None
    if k == 2.0:
        return xs[0] * xs[0]  # exact, and what a student writes
    return xs[0] ** k


def _f_exp(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return m.exp(xs[0])


def _f_log(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return m.log(xs[0])


def _f_sigmoid(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return m.sigmoid(xs[0])


def _f_tanh(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return m.tanh(xs[0])


def _f_relu(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return m.relu(xs[0])


def _f_softplus(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return m.softplus(xs[0])


def _f_identity(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return xs[0]


def _f_const(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    raise TypeError("const: a constant has no forward; it is created from a number")


# Domain checks (true where the inputs are allowed).


def _nonzero_divisor(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return xs[1] != 0.0


def _positive(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return xs[0] > 0.0


def _real_power(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return m.either(xs[0] >= 0.0, m.is_integer(xs[1]))


def _finite_power(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    return m.either(xs[0] != 0.0, xs[1] >= 0.0)


def _real_powc(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    assert k is not None
    return True if k.is_integer() else xs[0] >= 0.0


def _finite_powc(xs: Sequence[Any], m: MathNamespace, k: float | None) -> Any:
    assert k is not None
    return True if k >= 0.0 else xs[0] != 0.0


_DIV_CHECKS = (Check(_nonzero_divisor, ZeroDivisionError, "division by zero"),)
_LOG_CHECKS = (Check(_positive, ValueError, "log is defined only for x > 0"),)
_POW_CHECKS = (
    Check(_real_power, ValueError, "a negative base to a non-integer power has no real value"),
    Check(_finite_power, ZeroDivisionError, "0 to a negative power is infinite"),
)
_POWC_CHECKS = (
    Check(_real_powc, ValueError, "a negative base to a non-integer power has no real value"),
    Check(_finite_powc, ZeroDivisionError, "0 to a negative power is infinite"),
)


# ------------------------------------------------------ local derivatives
# Signature: rule(xs, out, m, k) -> one local derivative per input.
# ``xs`` and ``out`` are floats, Values, arrays or symbols; ``k`` is the row's parameter.


def _d_add(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return (1.0,) * len(xs)


def _d_sub(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return (1.0, -1.0)


def _d_mul(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return (xs[1], xs[0])


def _d_div(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return (1.0 / xs[1], -out / xs[1])


def _d_neg(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return (-1.0,)


def _d_pow(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    a, b = xs
    return (b * a ** (b - 1.0), out * m.log(a))


def _d_powc(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    assert k is not None
    if k == 0.0:
        # a**0 is constant; the general rule would evaluate 0 * 0**-1 at a = 0.
        return (0.0,)
    if k == 1.0:
        return (1.0,)
    if k == 2.0:
        return (2.0 * xs[0],)
    return (k * xs[0] ** (k - 1.0),)


def _d_exp(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return (out,)


def _d_log(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return (1.0 / xs[0],)


def _d_sigmoid(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return (out * (1.0 - out),)


def _d_tanh(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return (1.0 - out * out,)


def _d_relu(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return (m.step(xs[0]),)


def _d_softplus(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return (m.sigmoid(xs[0]),)


def _d_identity(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return (1.0,)


def _d_const(xs: Sequence[Any], out: Any, m: MathNamespace, k: float | None) -> tuple[Any, ...]:
    return ()


LocalRule = Callable[[Sequence[Any], Any, MathNamespace, "float | None"], tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Op:
    """One primitive operation: a row of the op table.

    Attributes:
        name: Stable identifier, e.g. ``"mul"``.
        symbol: What a diagram prints in the op's circle, e.g. ``"×"``.
        arity: Number of inputs, or ``-1`` for any number (``add``).
        fwd: ``fwd(xs, m, k)``: the result, in plain arithmetic plus the math
            namespace ``m``, for inputs that passed ``checks``.
        local: ``local(xs, out, m, k)``: the local derivative with respect to
            each input, in plain arithmetic plus the math namespace ``m``.
        formulas: Per input, the local derivative as text. Placeholders
            ``{0}``, ``{1}``... stand for the inputs, ``{out}`` for the output,
            ``{k}`` and ``{k-1}`` for the parameter and the parameter minus one.
            For an n-ary op the single entry applies to every input.
        template: How the expression reads, e.g. ``"{0} × {1}"``; an n-ary op
            joins its inputs with ``joiner``.
        param: A constant carried by the row itself (the exponent of ``x**3``).
        joiner: Separator for n-ary templates.
        doc: One line for humans.
        checks: The domain: conditions the inputs must meet, tested in order.
        finite: True when every finite input inside the domain gives a finite
            result (``tanh``, ``sigmoid``...), so no overflow test is needed.
    """

    name: str
    symbol: str
    arity: int
    fwd: Rule = field(repr=False)
    local: LocalRule = field(repr=False)
    formulas: tuple[str, ...] = field(repr=False)
    template: str = field(repr=False)
    param: float | None = None
    joiner: str = field(default=" + ", repr=False)
    doc: str = field(default="", repr=False)
    checks: tuple[Check, ...] = field(default=(), repr=False)
    finite: bool = field(default=False, repr=False)

    def forward(self, xs: Sequence[float], k: float | None = None) -> float:
        """Return the row's result on floats, applying its domain and overflow policy.

        Args:
            xs: The input numbers (finite).
            k: The row's parameter; defaults to :attr:`param`.

        Returns:
            The result, always a finite float.

        Raises:
            ValueError, ZeroDivisionError: Where a domain check fails, or the
                result is NaN.
            OverflowError: Where the result overflows a float.
        """
        if k is None:
            k = self.param
        for check in self.checks:
            if not check.holds(xs, FLOAT_MATH, k):
                got = ""
                if len(xs) == 1:
                    got = f", got {xs[0]!r}" + (f" ** {k!r}" if k is not None else "")
                raise check.error(check.message + got)
        try:
            y = float(self.fwd(xs, FLOAT_MATH, k))
        except OverflowError:
            raise OverflowError("the result overflows a float") from None
        if y - y != 0.0:  # inf - inf and nan - nan are nan: one test for both
            if y != y:
                raise ValueError("the result is NaN")
            raise OverflowError("the result overflows a float")
        return y

    def formula(self, index: int, names: Sequence[str], out: str = "out") -> str:
        """Return the local derivative with respect to input ``index`` as text.

        Args:
            index: Which input.
            names: How to print each input (labels, or ``a``, ``b``...).
            out: How to print the op's output.

        Returns:
            The formula, e.g. ``"a(1 − a)"`` for sigmoid with ``out="a"``.
        """
        text = self.formulas[0] if self.arity == -1 else self.formulas[index]
        return _substitute(text, names, out, self.param)

    def expression(self, names: Sequence[str]) -> str:
        """Return how the op reads applied to ``names``, e.g. ``"w1 × x1"``."""
        if self.arity == -1:
            return self.joiner.join(names)
        return _substitute(self.template, names, "out", self.param)

    # A row pickles by name and loads as the same row object, so ``node.op is
    # ops.MUL`` holds after a round trip; a ``powc`` row loads through
    # :func:`pow_const`. A row made elsewhere pickles by value.
    def __reduce__(self) -> tuple[Any, ...]:
        if TABLE.get(self.name) is self:
            return (_table_row, (self.name,))
        if (
            self.name == "powc"
            and self.param is not None
            and replace(POWC, param=self.param) == self
        ):
            return (pow_const, (self.param,))
        fields = (
            self.name,
            self.symbol,
            self.arity,
            self.fwd,
            self.local,
            self.formulas,
            self.template,
            self.param,
            self.joiner,
            self.doc,
            self.checks,
            self.finite,
        )
        try:
            pickle.dumps(fields)
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            raise pickle.PicklingError(
                f"cannot pickle the op row {self.name!r}: it is not in ops.TABLE, so it is "
                f"pickled by value, and its rules must be module-level functions ({exc})"
            ) from None
        return (Op, fields)

    def __copy__(self) -> Op:
        return self  # rows are immutable

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self


def _substitute(text: str, names: Sequence[str], out: str, k: float | None) -> str:
    if k is not None:
        text = text.replace("{k-1}", fmt_number(k - 1.0)).replace("{k}", fmt_number(k))
    text = text.replace("{out}", out)
    for i, n in enumerate(names):
        text = text.replace("{" + str(i) + "}", n)
    return text


def _row(
    name: str,
    symbol: str,
    arity: int,
    fwd: Rule,
    local: LocalRule,
    formulas: tuple[str, ...],
    template: str,
    doc: str,
    checks: tuple[Check, ...] = (),
    finite: bool = False,
) -> Op:
    return Op(
        name, symbol, arity, fwd, local, formulas, template, doc=doc, checks=checks, finite=finite
    )


ADD = _row("add", "+", -1, _f_add, _d_add, ("1",), "", "sum of any number of inputs")
SUB = _row("sub", "−", 2, _f_sub, _d_sub, ("1", "−1"), "{0} − {1}", "difference a − b")
MUL = _row("mul", "×", 2, _f_mul, _d_mul, ("{1}", "{0}"), "{0} × {1}", "product a × b")
DIV = _row(
    "div",
    "÷",
    2,
    _f_div,
    _d_div,
    ("1/{1}", "−{0}/{1}²"),
    "{0} / {1}",
    "quotient a / b",
    _DIV_CHECKS,
)
NEG = _row("neg", "−", 1, _f_neg, _d_neg, ("−1",), "−{0}", "negation −a", finite=True)
POW = _row(
    "pow",
    "^",
    2,
    _f_pow,
    _d_pow,
    ("{1}·{0}^({1}−1)", "{0}^{1}·log {0}"),
    "{0}^{1}",
    "power a^b with a Value exponent",
    _POW_CHECKS,
)
POWC = Op(
    "powc",
    "^k",
    1,
    _f_powc,
    _d_powc,
    ("{k}·{0}^{k-1}",),
    "{0}^{k}",
    param=1.0,
    doc="power a^k with a constant exponent k",
    checks=_POWC_CHECKS,
)
EXP = _row("exp", "exp", 1, _f_exp, _d_exp, ("exp({0})",), "exp({0})", "e to the a")
LOG = _row(
    "log",
    "log",
    1,
    _f_log,
    _d_log,
    ("1/{0}",),
    "log({0})",
    "natural logarithm",
    _LOG_CHECKS,
    finite=True,
)
SIGMOID = _row(
    "sigmoid",
    "σ",
    1,
    _f_sigmoid,
    _d_sigmoid,
    ("{out}(1 − {out})",),
    "σ({0})",
    "logistic function 1 / (1 + e^−a)",
    finite=True,
)
TANH = _row(
    "tanh",
    "tanh",
    1,
    _f_tanh,
    _d_tanh,
    ("1 − {out}²",),
    "tanh({0})",
    "hyperbolic tangent",
    finite=True,
)
RELU = _row(
    "relu", "ReLU", 1, _f_relu, _d_relu, ("[{0} > 0]",), "relu({0})", "max(a, 0)", finite=True
)
SOFTPLUS = _row(
    "softplus",
    "softplus",
    1,
    _f_softplus,
    _d_softplus,
    ("σ({0})",),
    "softplus({0})",
    "log(1 + e^a), computed without overflow",
    finite=True,
)
IDENTITY = _row(
    "identity",
    "id",
    1,
    _f_identity,
    _d_identity,
    ("1",),
    "{0}",
    "a fresh node equal to a",
    finite=True,
)
CONST = _row("const", "", 0, _f_const, _d_const, (), "", "a number used in an expression")

#: Every row, by name. Tests iterate this table, so a new row is checked automatically.
TABLE: dict[str, Op] = {
    op.name: op
    for op in (
        ADD,
        SUB,
        MUL,
        DIV,
        NEG,
        POW,
        POWC,
        EXP,
        LOG,
        SIGMOID,
        TANH,
        RELU,
        SOFTPLUS,
        IDENTITY,
        CONST,
    )
}


def _table_row(name: str) -> Op:
    """The row ``name`` of :data:`TABLE` (how a pickled row is loaded)."""
    return TABLE[name]


_POWC_CACHE: dict[float, Op] = {}


def pow_const(k: float) -> Op:
    """Return the ``powc`` row carrying the constant exponent ``k``.

    Rows for a handful of exponents are cached; others are made on demand.
    """
    row = _POWC_CACHE.get(k)
    if row is None:
        row = replace(POWC, param=k)
        if len(_POWC_CACHE) < 64:
            _POWC_CACHE[k] = row
    return row


def _sigmoid(a: float) -> float:
    # Two branches so that exp never overflows: exp only ever sees -|a|.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _softplus(a: float) -> float:
    # log(1 + e^a) = max(a, 0) + log1p(e^-|a|), finite for every finite a;
    # written as two branches (no max/abs calls: this runs once per example).
    if a > 0.0:
        return a + math.log1p(math.exp(-a))
    return math.log1p(math.exp(a))


def _relu(a: float) -> float:
    return a if a > 0.0 else 0.0


class FloatMath:
    """The math namespace for plain floats."""

    __slots__ = ()

    @staticmethod
    def exp(x: float) -> float:
        """Return e**x; raise ``OverflowError`` where it overflows."""
        return math.exp(x)

    @staticmethod
    def log(x: float) -> float:
        """Return the natural logarithm; raise ``ValueError`` outside x > 0."""
        if not x > 0.0:
            raise ValueError(f"log is defined only for x > 0, got {x!r}")
        return math.log(x)

    sigmoid = staticmethod(_sigmoid)
    softplus = staticmethod(_softplus)
    relu = staticmethod(_relu)

    @staticmethod
    def tanh(x: float) -> float:
        """Return the hyperbolic tangent."""
        return math.tanh(x)

    @staticmethod
    def step(x: float) -> float:
        """Return 1.0 if x > 0 else 0.0."""
        return 1.0 if x > 0.0 else 0.0

    @staticmethod
    def add(xs: Sequence[float]) -> float:
        """Return the sum, added left to right as the array path does."""
        return reduce(_plus, xs, -0.0)  # -0.0 is the identity of + (0.0 + -0.0 is 0.0)

    @staticmethod
    def either(p: bool, q: bool) -> bool:
        """Return p or q."""
        return bool(p or q)

    @staticmethod
    def is_integer(x: float) -> bool:
        """Return whether x is a whole number."""
        return float(x).is_integer()


#: The namespace instance passed to rules in float mode.
FLOAT_MATH = FloatMath()
