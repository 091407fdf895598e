"""The op table: one frozen row per primitive operation.

Every feature of autograd_lite reads these rows: ``Value`` runs their forward,
``backward`` runs their local-derivative rules, the diagrams and explanations
print their formulas, and the compiled path replays them over arrays.

A local-derivative rule is written with ordinary arithmetic on its arguments and
calls a *math namespace* ``m`` for anything beyond arithmetic (``m.log``,
``m.sigmoid``, ``m.step``...). Passing :data:`FLOAT_MATH` and floats gives a
fast first-order backward; passing the namespace of ``Value`` methods and the
nodes themselves gives gradients that are graphs (higher-order derivatives);
passing a NumPy namespace and arrays gives a vectorized replay.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

__all__ = [
    "FLOAT_MATH",
    "TABLE",
    "FloatMath",
    "MathNamespace",
    "Op",
    "fmt_number",
    "pow_const",
]


class MathNamespace(Protocol):
    """The functions a local-derivative rule may call besides arithmetic."""

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


def fmt_number(x: float, precision: int = 4) -> str:
    """Format a number compactly: integers without a decimal point."""
    if abs(x) < 1e15 and x == int(x):  # the bound first: int(inf) raises
        return str(int(x))
    return f"{x:.{precision}g}"


# ---------------------------------------------------------------- forwards
# Forward functions take floats and raise a clear error for input outside the
# op's domain. The caller (``Value``) adds the node labels to the message.


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


def _check_pow(a: float, b: float) -> None:
    if a < 0.0 and b != int(b):
        raise ValueError(
            f"negative base {a!r} raised to the non-integer power {b!r} has no real value"
        )
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError(f"0 raised to the negative power {b!r} is infinite")


def _pow_forward(a: float, b: float) -> float:
    _check_pow(a, b)
    try:
        return float(a**b)
    except OverflowError:
        raise OverflowError(f"{a!r} ** {b!r} overflows a float") from None


def _fwd_add(xs: Sequence[float], k: float | None) -> float:
    return math.fsum(xs)


def _fwd_sub(xs: Sequence[float], k: float | None) -> float:
    return xs[0] - xs[1]


def _fwd_mul(xs: Sequence[float], k: float | None) -> float:
    return xs[0] * xs[1]


def _fwd_div(xs: Sequence[float], k: float | None) -> float:
    if xs[1] == 0.0:
        raise ZeroDivisionError(f"division of {xs[0]!r} by zero")
    return xs[0] / xs[1]


def _fwd_neg(xs: Sequence[float], k: float | None) -> float:
    return -xs[0]


def _fwd_pow(xs: Sequence[float], k: float | None) -> float:
    return _pow_forward(xs[0], xs[1])


def _fwd_powc(xs: Sequence[float], k: float | None) -> float:
    assert k is not None
    return _pow_forward(xs[0], k)


def _fwd_exp(xs: Sequence[float], k: float | None) -> float:
    a = xs[0]
    if a > 709.782712893384:
        raise OverflowError(f"exp({a!r}) overflows a float (the limit is about 709.78)")
    return math.exp(a)


def _fwd_log(xs: Sequence[float], k: float | None) -> float:
    a = xs[0]
    if not a > 0.0:
        raise ValueError(f"log is defined only for x > 0, got {a!r}")
    return math.log(a)


def _fwd_sigmoid(xs: Sequence[float], k: float | None) -> float:
    return _sigmoid(xs[0])


def _fwd_tanh(xs: Sequence[float], k: float | None) -> float:
    return math.tanh(xs[0])


def _fwd_relu(xs: Sequence[float], k: float | None) -> float:
    a = xs[0]
    return a if a > 0.0 else 0.0


def _fwd_softplus(xs: Sequence[float], k: float | None) -> float:
    return _softplus(xs[0])


def _fwd_identity(xs: Sequence[float], k: float | None) -> float:
    return xs[0]


def _fwd_const(xs: Sequence[float], k: float | None) -> float:
    raise TypeError("const: a constant has no forward; it is created from a number")


# ------------------------------------------------------ local derivatives
# Signature: rule(xs, out, m, k) -> one local derivative per input.
# ``xs`` and ``out`` are floats, Values or arrays; ``k`` is the row's parameter.


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


Forward = Callable[[Sequence[float], "float | None"], float]
LocalRule = Callable[[Sequence[Any], Any, MathNamespace, "float | None"], tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Op:
    """One primitive operation: a row of the op table.

    Attributes:
        name: Stable identifier, e.g. ``"mul"``.
        symbol: What a diagram prints in the op's circle, e.g. ``"×"``.
        arity: Number of inputs, or ``-1`` for any number (``add``).
        forward: ``forward(xs, k)``: the value from input floats; raises
            ``ValueError``/``ZeroDivisionError``/``OverflowError`` outside the domain.
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
    """

    name: str
    symbol: str
    arity: int
    forward: Forward = field(repr=False)
    local: LocalRule = field(repr=False)
    formulas: tuple[str, ...] = field(repr=False)
    template: str = field(repr=False)
    param: float | None = None
    joiner: str = field(default=" + ", repr=False)
    doc: str = field(default="", repr=False)

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
    forward: Forward,
    local: LocalRule,
    formulas: tuple[str, ...],
    template: str,
    doc: str,
) -> Op:
    return Op(name, symbol, arity, forward, local, formulas, template, doc=doc)


ADD = _row("add", "+", -1, _fwd_add, _d_add, ("1",), "", "sum of any number of inputs")
SUB = _row("sub", "−", 2, _fwd_sub, _d_sub, ("1", "−1"), "{0} − {1}", "difference a − b")
MUL = _row("mul", "×", 2, _fwd_mul, _d_mul, ("{1}", "{0}"), "{0} × {1}", "product a × b")
DIV = _row("div", "÷", 2, _fwd_div, _d_div, ("1/{1}", "−{0}/{1}²"), "{0} / {1}", "quotient a / b")
NEG = _row("neg", "−", 1, _fwd_neg, _d_neg, ("−1",), "−{0}", "negation −a")
POW = _row(
    "pow",
    "^",
    2,
    _fwd_pow,
    _d_pow,
    ("{1}·{0}^({1}−1)", "{0}^{1}·log {0}"),
    "{0}^{1}",
    "power a^b with a Value exponent",
)
POWC = Op(
    "powc",
    "^k",
    1,
    _fwd_powc,
    _d_powc,
    ("{k}·{0}^{k-1}",),
    "{0}^{k}",
    param=1.0,
    doc="power a^k with a constant exponent k",
)
EXP = _row("exp", "exp", 1, _fwd_exp, _d_exp, ("exp({0})",), "exp({0})", "e to the a")
LOG = _row("log", "log", 1, _fwd_log, _d_log, ("1/{0}",), "log({0})", "natural logarithm")
SIGMOID = _row(
    "sigmoid",
    "σ",
    1,
    _fwd_sigmoid,
    _d_sigmoid,
    ("{out}(1 − {out})",),
    "σ({0})",
    "logistic function 1 / (1 + e^−a)",
)
TANH = _row(
    "tanh", "tanh", 1, _fwd_tanh, _d_tanh, ("1 − {out}²",), "tanh({0})", "hyperbolic tangent"
)
RELU = _row("relu", "ReLU", 1, _fwd_relu, _d_relu, ("[{0} > 0]",), "relu({0})", "max(a, 0)")
SOFTPLUS = _row(
    "softplus",
    "softplus",
    1,
    _fwd_softplus,
    _d_softplus,
    ("σ({0})",),
    "softplus({0})",
    "log(1 + e^a), computed without overflow",
)
IDENTITY = _row(
    "identity", "id", 1, _fwd_identity, _d_identity, ("1",), "{0}", "a fresh node equal to a"
)
CONST = _row("const", "", 0, _fwd_const, _d_const, (), "", "a number used in an expression")

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


class FloatMath:
    """The math namespace for plain floats (first-order backward)."""

    __slots__ = ()

    @staticmethod
    def exp(x: float) -> float:
        """Return e**x."""
        return math.exp(x)

    @staticmethod
    def log(x: float) -> float:
        """Return the natural logarithm; raise ``ValueError`` outside x > 0."""
        if not x > 0.0:
            raise ValueError(f"log is defined only for x > 0, got {x!r}")
        return math.log(x)

    @staticmethod
    def sigmoid(x: float) -> float:
        """Return the stable logistic function of x."""
        return _sigmoid(x)

    @staticmethod
    def tanh(x: float) -> float:
        """Return the hyperbolic tangent."""
        return math.tanh(x)

    @staticmethod
    def step(x: float) -> float:
        """Return 1.0 if x > 0 else 0.0."""
        return 1.0 if x > 0.0 else 0.0


#: The namespace instance passed to rules in float mode.
FLOAT_MATH = FloatMath()
