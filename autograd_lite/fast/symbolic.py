"""Symbols: operands whose arithmetic prints Python code instead of computing.

Running an op table rule on :class:`Sym` operands with :data:`SYM_MATH` as the
math namespace writes the rule out as an expression: the sigmoid rule
``out * (1.0 - out)`` applied to ``Sym("y")`` gives the text
``(y * (1.0 - y))``. Both generated-code paths use this, so neither copies a
derivative by hand: the compiled path (:mod:`autograd_lite.compiled`) and the
eager engine's fast paths (:mod:`autograd_lite.fast.kernel`).

Example:
    >>> from autograd_lite.core.ops import TABLE
    >>> [str(d) for d in TABLE["mul"].local([Sym("a"), Sym("b")], Sym("o"), SYM_MATH, None)]
    ['b', 'a']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from autograd_lite.core.primitives import PRIMITIVES

__all__ = ["SYM_MATH", "Sym", "SymMath", "code", "num", "times"]


def num(x: float) -> str:
    """Return ``x`` as a Python literal that reads back exactly (``float('inf')`` too)."""
    text = repr(float(x))
    if not math.isfinite(x):
        return f"float({text!r})"
    return f"({text})" if x < 0 else text


def code(x: object) -> str:
    """Return a symbol's text, or a number written as code."""
    if isinstance(x, Sym):
        return x.text
    return num(float(x))  # type: ignore[arg-type]


class Sym:
    """A symbolic operand: arithmetic on it prints code instead of computing."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        # A rule that branches on its input cannot be printed as one
        # expression: refuse instead of silently printing one branch.
        raise TypeError(f"a rule branched on the symbolic operand {self.text!r}")

    def _bin(self, sym: str, other: object, swap: bool = False) -> Sym:
        a, b = code(self), code(other)
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

    # Comparisons print a condition (domain checks are written with them).
    def __gt__(self, o: object) -> Sym:
        return self._bin(">", o)

    def __ge__(self, o: object) -> Sym:
        return self._bin(">=", o)

    def __lt__(self, o: object) -> Sym:
        return self._bin("<", o)

    def __le__(self, o: object) -> Sym:
        return self._bin("<=", o)

    def __ne__(self, o: object) -> Sym:  # type: ignore[override]
        return self._bin("!=", o)

    def __eq__(self, o: object) -> Sym:  # type: ignore[override]
        return self._bin("==", o)

    __hash__ = None  # type: ignore[assignment]


def times(s: Sym, o: object, swap: bool = False) -> Sym:
    """Return ``s * o`` (``o * s`` with ``swap``), printing nothing for a factor of ±1."""
    if not isinstance(o, Sym):
        if o == 1.0:
            return s
        if o == -1.0:
            return -s
    return s._bin("*", o, swap)


class SymMath:
    """The math namespace over symbols: prints calls to a runtime namespace.

    Every primitive of :data:`~autograd_lite.core.primitives.PRIMITIVES` is
    available (``m.exp(x)`` prints ``<prefix>exp(x)``); ``add`` prints short
    sums inline.

    Args:
        prefix: What each call is prefixed with: ``"m."`` prints ``m.exp(x)``,
            a call into the namespace object ``m`` of the generated code;
            ``"m_"`` prints ``m_exp(x)``, a call of a plain global.
    """

    __slots__ = ("prefix",)

    #: Sums of up to this many terms print as ``a + b + c``; longer ones as
    #: one call (a deep chain of ``+`` would overflow Python's compiler).
    INLINE_SUM = 16

    def __init__(self, prefix: str = "m.") -> None:
        self.prefix = prefix

    def __getattr__(self, name: str) -> Any:
        if name not in PRIMITIVES:
            raise AttributeError(f"{name!r} is not a primitive of the math namespace")
        return lambda *args: Sym(f"{self.prefix}{name}({', '.join(code(a) for a in args)})")

    def add(self, xs: Sequence[object]) -> Sym:
        """Print the left-to-right sum of ``xs``."""
        if len(xs) == 1:
            return Sym(code(xs[0]))
        if len(xs) <= self.INLINE_SUM:
            text = code(xs[0])
            for x in xs[1:]:
                text = f"({text} + {code(x)})"
            return Sym(text)
        return Sym(f"{self.prefix}add(({', '.join(code(x) for x in xs)},))")


#: The math namespace that prints calls such as ``m.sigmoid(x)``.
SYM_MATH = SymMath()
