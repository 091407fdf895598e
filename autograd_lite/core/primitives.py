"""The primitives: every function a row of the op table may call besides arithmetic.

Each primitive is declared once, here: its float function (exact, the eager
engine's numbers), its function over any array-API namespace ``xp`` (the
compiled path's batches), and how code, formulas and LaTeX print it. Every
*math namespace* a rule is run with is derived from this table:

* :data:`FLOAT_MATH` — floats (the eager forward and first-order backward);
* the Value namespace in :mod:`autograd_lite.core.value` — rules that build
  graphs (higher-order derivatives);
* the symbolic namespace in :mod:`autograd_lite.fast.symbolic` — rules printed
  as code (the fast paths and the compiled programs);
* the array namespaces in :mod:`autograd_lite.compiled.runtime` — any array
  library (NumPy being one ``xp``, with in-place overrides).

A rule calls ``m.exp(x)``, ``m.sin(x)``, ``m.add(xs)``...; adding a primitive
here makes it available in every namespace at once.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import add as _plus
from types import SimpleNamespace
from typing import Any

__all__ = ["FLOAT_MATH", "PRIMITIVES", "Primitive"]


@dataclass(frozen=True, slots=True)
class Primitive:
    r"""One function a rule may call, in every interpretation.

    Attributes:
        name: How rules call it: ``m.<name>(...)``.
        real: On floats: the exact result (raises outside its domain, or
            ``OverflowError`` where the result overflows).
        array: ``array(xp, *args)``: the same on arrays of the array-API
            namespace ``xp``, elementwise (inf or NaN where a float overflows).
        text: How formulas print it, e.g. ``"σ"`` for ``sigmoid``.
        latex: How LaTeX prints it, e.g. ``r"\sigma"``.
        smooth: False for a piecewise-constant or logical primitive (``step``,
            ``sign``, ``either``...): run on Values it gives a constant node.
        sympy: ``sympy(s, *args)``: the same over sympy expressions, ``s``
            being the sympy module (the gradient checks differentiate with
            it); None where sympy's function of the same name is it.
    """

    name: str
    real: Callable[..., Any]
    array: Callable[..., Any]
    text: str
    latex: str
    smooth: bool = True
    sympy: Callable[..., Any] | None = None


def _log(x: float) -> float:
    if not x > 0.0:
        raise ValueError(f"log is defined only for x > 0, got {x!r}")
    return math.log(x)


def _sqrt(x: float) -> float:
    if not x >= 0.0:
        raise ValueError(f"sqrt is defined only for x >= 0, got {x!r}")
    return math.sqrt(x)


def _sigmoid(a: float) -> float:
    # Two branches so that exp never overflows: exp only ever sees -|a|.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _softplus(a: float) -> float:
    # log(1 + e^a) = max(a, 0) + log1p(e^-|a|), finite for every finite a.
    if a > 0.0:
        return a + math.log1p(math.exp(-a))
    return math.log1p(math.exp(a))


def _sign(x: float) -> float:
    # sign(0) = 0, as in PyTorch and NumPy: abs has derivative 0 at 0.
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


def _sum(xs: Sequence[float]) -> float:
    return reduce(_plus, xs, -0.0)  # -0.0 is the identity of + (0.0 + -0.0 is 0.0)


if sys.version_info < (3, 12):
    # Before 3.12 the built-in sum adds floats left to right in plain double
    # arithmetic, the same bits as the reduce above at a quarter of its cost;
    # from 3.12 on it compensates rounding errors, so only reduce is exact.
    def _sum(xs: Sequence[float]) -> float:
        return sum(xs, -0.0)


def _array_sum(xp: Any, xs: Sequence[Any]) -> Any:
    if len(xs) == 1:
        return -0.0 + xs[0]
    total = xs[0] + xs[1]  # -0.0 + a + b is a + b: the same bits as the float sum
    for x in xs[2:]:
        total = total + x
    return total


def _array_sigmoid(xp: Any, x: Any) -> Any:
    e = xp.exp(-xp.abs(x))  # exp only ever sees -|x|, as on floats
    r = 1.0 / (e + 1.0)
    return xp.where(x >= 0.0, r, e * r)


def _array_either(xp: Any, p: Any, q: Any) -> Any:
    if isinstance(p, bool):
        return True if p else q
    if isinstance(q, bool):
        return True if q else p
    return xp.logical_or(p, q)


def _zero(xp: Any, x: Any) -> Any:
    return xp.zeros_like(x)


def _p(name: str, real: Callable[..., Any], array: Callable[..., Any], text: str = "",
       latex: str = "", smooth: bool = True, sympy: Callable[..., Any] | None = None,
       ) -> Primitive:  # fmt: skip
    return Primitive(
        name, real, array, text or name, latex or rf"\operatorname{{{name}}}", smooth, sympy
    )


# fmt: off
#: Every primitive, by name.
PRIMITIVES: dict[str, Primitive] = {
    p.name: p
    for p in (
        _p("exp", math.exp, lambda xp, x: xp.exp(x), latex=r"\exp"),
        _p("log", _log, lambda xp, x: xp.log(x), latex=r"\log"),
        _p("sqrt", _sqrt, lambda xp, x: xp.sqrt(x), "√", r"\surd"),
        _p("sin", math.sin, lambda xp, x: xp.sin(x), latex=r"\sin"),
        _p("cos", math.cos, lambda xp, x: xp.cos(x), latex=r"\cos"),
        _p("tanh", math.tanh, lambda xp, x: xp.tanh(x), latex=r"\tanh"),
        _p("abs", math.fabs, lambda xp, x: xp.abs(x), "abs", r"\operatorname{abs}",
           sympy=lambda s, x: s.Abs(x)),
        _p("sigmoid", _sigmoid, _array_sigmoid, "σ", r"\sigma",
           sympy=lambda s, x: 1 / (1 + s.exp(-x))),
        _p("softplus", _softplus,
           lambda xp, x: xp.log1p(xp.exp(-xp.abs(x))) + xp.where(x > 0.0, x, _zero(xp, x)),
           sympy=lambda s, x: s.log(1 + s.exp(x))),
        # Piecewise, not Max: its derivative at 0 is 0, as the engine's (Max's is 1/2).
        _p("relu", lambda x: x if x > 0.0 else 0.0,
           lambda xp, x: xp.where(x > 0.0, x, _zero(xp, x)),
           sympy=lambda s, x: s.Piecewise((x, x > 0), (0, True))),
        _p("step", lambda x: 1.0 if x > 0.0 else 0.0,
           lambda xp, x: xp.astype(x > 0.0, x.dtype), smooth=False,
           sympy=lambda s, x: s.Piecewise((1, x > 0), (0, True))),
        _p("sign", _sign, lambda xp, x: xp.sign(x), smooth=False),
        _p("add", _sum, _array_sum, "+", "+", sympy=lambda s, xs: s.Add(*xs)),
        _p("either", lambda p, q: bool(p or q), _array_either, "or", r"\lor", smooth=False),
        _p(
            "is_integer",
            lambda x: float(x).is_integer(),
            lambda xp, x: xp.trunc(x) == x,
            smooth=False,
        ),
    )
}
# fmt: on

#: The math namespace of plain floats, e.g. ``FLOAT_MATH.exp(1.0)``, ``FLOAT_MATH.add([1.0, 2.0])``.
FLOAT_MATH: Any = SimpleNamespace(**{p.name: p.real for p in PRIMITIVES.values()})
