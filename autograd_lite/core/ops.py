"""The op table: one row per operation, each written once, as maths.

A row names its forward ``fn(m, *inputs)``, its domain ``checks``, its local
derivatives ``d(m, out, *inputs)``, the formulas and template that diagrams
and explanations print, and the symbol in its diagram circle. ``m`` is a math
namespace (:mod:`autograd_lite.core.primitives`): floats, Values, symbols or
arrays, so the same row computes numbers, builds gradient graphs, prints the
fast paths' code and runs batches. Every other part of the library reads these
rows; adding an op is adding a row here (and a primitive, if it needs a new
transcendental function).

Every row is callable and is exported as a function: ``sin(x)`` records a node
on a Value and returns a float on a number.

Domain decisions, where PyTorch gives inf or picks a value:

* ``abs`` at 0 has derivative 0 (the subgradient PyTorch uses);
* ``relu`` at 0 has derivative 0;
* ``sqrt(0)`` is 0, but its derivative there is infinite: a backward pass
  through ``sqrt`` at 0 raises ``ZeroDivisionError`` naming the node, as every
  non-finite gradient raises (PyTorch gives inf).
"""

from __future__ import annotations

from autograd_lite.core.value import BUILTIN, TABLE, Check, Op

__all__ = [
    "TABLE",
    "Check",
    "Op",
    "abs",
    "add",
    "const",
    "cos",
    "div",
    "exp",
    "identity",
    "log",
    "mul",
    "neg",
    "pow",
    "pow_const",
    "powc",
    "relu",
    "sigmoid",
    "sin",
    "softplus",
    "sqrt",
    "sub",
    "tanh",
]

# fmt: off
add = Op("add", "+", -1, lambda m, *xs: m.add(xs), lambda m, out, *xs: (1.0,) * len(xs),
         ("1",), doc="sum of any number of inputs")
sub = Op("sub", "−", 2, lambda m, a, b: a - b, lambda m, out, a, b: (1.0, -1.0),
         ("1", "−1"), "{0} − {1}", doc="difference a − b")
mul = Op("mul", "×", 2, lambda m, a, b: a * b, lambda m, out, a, b: (b, a),
         ("{1}", "{0}"), "{0} × {1}", doc="product a × b")
div = Op("div", "÷", 2, lambda m, a, b: a / b, lambda m, out, a, b: (1.0 / b, -out / b),
         ("1/{1}", "−{0}/{1}²"), "{0} / {1}", doc="quotient a / b",
         checks=(Check(lambda m, a, b: b != 0.0, ZeroDivisionError, "division by zero"),))
neg = Op("neg", "−", 1, lambda m, a: -a, lambda m, out, a: (-1.0,),
         ("−1",), "−{0}", finite=True, doc="negation −a")
pow = Op("pow", "^", 2, lambda m, a, b: a ** b,  # noqa: A001
         lambda m, out, a, b: (b * a ** (b - 1.0), out * m.log(a)),
         ("{1}·{0}^({1}−1)", "{0}^{1}·log {0}"), "{0}^{1}", doc="power a^b with a Value exponent",
         checks=(Check(lambda m, a, b: m.either(a >= 0.0, m.is_integer(b)), ValueError,
                       "a negative base to a non-integer power has no real value"),
                 Check(lambda m, a, b: m.either(a != 0.0, b >= 0.0), ZeroDivisionError,
                       "0 to a negative power is infinite")))
powc = Op("powc", "^k", 1,
          lambda m, a, k: a * a if k == 2.0 else a ** k,  # a*a: exact, and what a student writes
          # k = 0, 1, 2 are special so that no rule evaluates 0 ** -1 at a = 0.
          lambda m, out, a, k: ((0.0,) if k == 0.0 else (1.0,) if k == 1.0
                                else (2.0 * a,) if k == 2.0 else (k * a ** (k - 1.0),)),
          ("{k}·{0}^{k-1}",), "{0}^{k}", param=1.0, doc="power a^k with a constant exponent k",
          checks=(Check(lambda m, a, k: True if k.is_integer() else a >= 0.0, ValueError,
                        "a negative base to a non-integer power has no real value"),
                  Check(lambda m, a, k: True if k >= 0.0 else a != 0.0, ZeroDivisionError,
                        "0 to a negative power is infinite")))
exp = Op("exp", "exp", 1, lambda m, a: m.exp(a), lambda m, out, a: (out,),
         ("exp({0})",), "exp({0})", doc="e to the a")
log = Op("log", "log", 1, lambda m, a: m.log(a), lambda m, out, a: (1.0 / a,),
         ("1/{0}",), "log({0})", finite=True, doc="natural logarithm",
         checks=(Check(lambda m, a: a > 0.0, ValueError, "log is defined only for x > 0"),))
sqrt = Op("sqrt", "√", 1, lambda m, a: m.sqrt(a), lambda m, out, a: (0.5 / out,),
          ("1/(2√{0})",), "√{0}", finite=True, doc="square root (its derivative at 0 is infinite)",
          checks=(Check(lambda m, a: a >= 0.0, ValueError, "sqrt is defined only for x >= 0"),))
sin = Op("sin", "sin", 1, lambda m, a: m.sin(a), lambda m, out, a: (m.cos(a),),
         ("cos({0})",), "sin({0})", finite=True, doc="sine")
cos = Op("cos", "cos", 1, lambda m, a: m.cos(a), lambda m, out, a: (-m.sin(a),),
         ("−sin({0})",), "cos({0})", finite=True, doc="cosine")
tanh = Op("tanh", "tanh", 1, lambda m, a: m.tanh(a), lambda m, out, a: (1.0 - out * out,),
          ("1 − {out}²",), "tanh({0})", finite=True, doc="hyperbolic tangent")
sigmoid = Op("sigmoid", "σ", 1, lambda m, a: m.sigmoid(a), lambda m, out, a: (out * (1.0 - out),),
             ("{out}(1 − {out})",), "σ({0})", finite=True, doc="logistic function 1 / (1 + e^−a)")
softplus = Op("softplus", "softplus", 1, lambda m, a: m.softplus(a),
              lambda m, out, a: (m.sigmoid(a),), ("σ({0})",), "softplus({0})", finite=True,
              doc="log(1 + e^a), computed without overflow")
relu = Op("relu", "ReLU", 1, lambda m, a: m.relu(a), lambda m, out, a: (m.step(a),),
          ("[{0} > 0]",), "relu({0})", finite=True, doc="max(a, 0)")
abs = Op("abs", "|·|", 1, lambda m, a: m.abs(a), lambda m, out, a: (m.sign(a),),  # noqa: A001
         ("sign({0})",), "|{0}|", finite=True, doc="absolute value (its derivative at 0 is 0)")
identity = Op("identity", "id", 1, lambda m, a: a, lambda m, out, a: (1.0,),
              ("1",), "{0}", finite=True, doc="a fresh node equal to a")
const = Op("const", "", 0, lambda m: _no_forward(), lambda m, out: (),
           (), doc="a number used in an expression")
# fmt: on


def _no_forward() -> float:
    raise TypeError("const: a constant has no forward; it is created from a number")


for _row in (add, sub, mul, div, neg, pow, powc, exp, log, sqrt, sin, cos, tanh, sigmoid,
             softplus, relu, abs, identity, const):  # fmt: skip
    TABLE[_row.name] = _row
    BUILTIN.add(_row.name)


def pow_const(k: float) -> Op:
    """Return the ``powc`` row carrying the constant exponent ``k``."""
    return powc.with_param(k)
