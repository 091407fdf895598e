"""Symbols: operands whose arithmetic prints Python code instead of computing.

Running an op table rule on :class:`Sym` operands with :data:`SYM_MATH` as the
math namespace writes the rule out as an expression: the sigmoid rule
``out * (1.0 - out)`` applied to ``Sym("y")`` gives the text
``(y * (1.0 - y))``. Both generated-code paths use this, so neither copies a
derivative by hand: the compiled path (:mod:`autograd_lite.compiled`) and the
eager engine's first-order backward loop (:mod:`autograd_lite.kernel`).

Example:
    >>> from autograd_lite.ops import TABLE
    >>> [str(d) for d in TABLE["mul"].local([Sym("a"), Sym("b")], Sym("o"), SYM_MATH, None)]
    ['b', 'a']
"""

from __future__ import annotations

import math

__all__ = ["SYM_MATH", "Sym", "SymMath", "num", "times"]


def num(x: float) -> str:
    """Return ``x`` as a Python literal that reads back exactly (``float('inf')`` too)."""
    text = repr(float(x))
    if not math.isfinite(x):
        return f"float({text!r})"
    return f"({text})" if x < 0 else text


class Sym:
    """A symbolic operand: arithmetic on it prints code instead of computing."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    @staticmethod
    def _t(x: object) -> str:
        if isinstance(x, Sym):
            return x.text
        return num(float(x))  # type: ignore[arg-type]

    def _bin(self, sym: str, other: object, swap: bool = False) -> Sym:
        a, b = self._t(self), self._t(other)
        if swap:
            a, b = b, a
        return Sym(f"({a} {sym} {b})")

    def __add__(self, o: object) -> Sym:
        return self if (not isinstance(o, Sym) and o == 0.0) else self._bin("+", o)

    def __radd__(self, o: object) -> Sym:
        return self if o == 0.0 else self._bin("+", o, True)

    def __sub__(self, o: object) -> Sym:
        return self._bin("-", o)

    def __rsub__(self, o: object) -> Sym:
        return self._bin("-", o, True)

    def __mul__(self, o: object) -> Sym:
        return times(self, o)

    def __rmul__(self, o: object) -> Sym:
        return times(self, o, True)

    def __truediv__(self, o: object) -> Sym:
        return self._bin("/", o)

    def __rtruediv__(self, o: object) -> Sym:
        return self._bin("/", o, True)

    def __pow__(self, o: object) -> Sym:
        return self._bin("**", o)

    def __rpow__(self, o: object) -> Sym:
        return self._bin("**", o, True)

    def __neg__(self) -> Sym:
        return Sym(f"(-{self.text})")


def times(s: Sym, o: object, swap: bool = False) -> Sym:
    """Return ``s * o`` (``o * s`` with ``swap``), printing nothing for a factor of ±1."""
    if not isinstance(o, Sym):
        if o == 1.0:
            return s
        if o == -1.0:
            return -s
    return s._bin("*", o, swap)


class SymMath:
    """The math namespace over symbols: prints calls to the runtime namespace ``m``."""

    __slots__ = ()

    @staticmethod
    def exp(x: Sym) -> Sym:
        """Print a call computing e**x."""
        return Sym(f"m.exp({x})")

    @staticmethod
    def log(x: Sym) -> Sym:
        """Print a call computing the natural logarithm of x."""
        return Sym(f"m.log({x})")

    @staticmethod
    def sigmoid(x: Sym) -> Sym:
        """Print a call computing the logistic function of x."""
        return Sym(f"m.sigmoid({x})")

    @staticmethod
    def tanh(x: Sym) -> Sym:
        """Print a call computing the hyperbolic tangent of x."""
        return Sym(f"m.tanh({x})")

    @staticmethod
    def step(x: Sym) -> Sym:
        """Print a call computing 1 where x > 0, else 0."""
        return Sym(f"m.step({x})")


#: The math namespace that prints calls such as ``m.sigmoid(x)``.
SYM_MATH = SymMath()
