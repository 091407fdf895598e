"""Check the engine's derivatives against central differences.

:func:`gradcheck` compares, at one point, every first derivative the engine
computes with a central difference of the function, and every derivative of
order k > 1 with a central difference of the engine's derivatives of order
k − 1 (as ``torch.autograd.gradgradcheck`` does). A wrong rule at any order
therefore shows up at that order, with the input it concerns.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_lite.base import mode
from autograd_lite.core.value import Value
from autograd_lite.functional import gradients

__all__ = ["GradcheckError", "GradcheckReport", "Mismatch", "gradcheck"]


@dataclass(frozen=True)
class Mismatch:
    """One derivative on which the engine and the central difference disagree.

    Attributes:
        order: The order of the derivative (1 for a gradient entry).
        index: Which inputs it is taken with respect to, in order of
            differentiation (one index per order).
        names: The same inputs by label (``"x"``) or position (``"input 0"``).
        engine: The engine's value.
        numeric: The central-difference value.
        difference: ``|engine − numeric|``.
        tolerance: The largest difference allowed, ``atol + rtol·|numeric|``.
    """

    order: int
    index: tuple[int, ...]
    names: tuple[str, ...]
    engine: float
    numeric: float
    difference: float
    tolerance: float

    def describe(self) -> str:
        """Return one line naming the derivative and both values."""
        wrt = ", ".join(self.names)
        return (
            f"order {self.order} with respect to ({wrt}): "
            f"engine {self.engine!r}, numeric {self.numeric!r}, "
            f"difference {self.difference:.3g} > tolerance {self.tolerance:.3g}"
        )


@dataclass
class GradcheckReport:
    """The outcome of :func:`gradcheck`; true when every derivative agreed.

    Attributes:
        point: The inputs the derivatives were taken at.
        names: How each input is named in messages.
        order: The highest order checked.
        checked: How many derivatives were compared.
        mismatches: Every derivative that disagreed, lowest order first.
    """

    point: list[float]
    names: list[str]
    order: int
    checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no derivative disagreed."""
        return not self.mismatches

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        at = ", ".join(f"{n} = {x!r}" for n, x in zip(self.names, self.point, strict=True))
        if self.ok:
            return f"gradcheck passed: {self.checked} derivatives up to order {self.order} at {at}"
        lines = [
            f"gradcheck failed: {len(self.mismatches)} of {self.checked} derivatives "
            f"up to order {self.order} disagree at {at}"
        ]
        lines += ["  " + m.describe() for m in self.mismatches]
        return "\n".join(lines)


class GradcheckError(AssertionError):
    """Raised by :func:`gradcheck` when a derivative disagrees; ``.report`` holds the details."""

    def __init__(self, report: GradcheckReport) -> None:
        super().__init__(str(report))
        self.report = report


def _engine_tensor(f: Callable[..., Any], point: Sequence[float], order: int) -> list[float]:
    """All derivatives of ``order`` at ``point``, flattened (last index fastest)."""
    with mode.set_grad_enabled(True):
        xs = [Value(x) for x in point]
        out = f(*xs)
        if isinstance(out, numbers.Real) and not isinstance(out, bool):
            out = Value(float(out))
        if not isinstance(out, Value):
            raise TypeError(
                f"gradcheck: the function must return a scalar (a Value or a real number), "
                f"got {type(out).__name__} {out!r}"
            )
        level: list[Value] = [out]
        for k in range(order):
            graph = k < order - 1
            nxt: list[Value] = []
            for node in level:
                if graph:
                    nxt.extend(gradients(node, xs, create_graph=True))
                else:
                    nxt.extend(Value(g) for g in gradients(node, xs))
            level = nxt
        return [node.data for node in level]


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[float | Value],
    order: int = 2,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> GradcheckReport:
    """Check the engine's derivatives of ``f`` up to ``order`` at ``inputs``.

    Order 1 compares each gradient entry with the central difference
    (f(x + eps·e_i) − f(x − eps·e_i)) / 2eps; order k compares each derivative
    with the central difference of the engine's derivatives of order k − 1.
    A derivative passes when ``|engine − numeric| <= atol + rtol·|numeric|``
    (the float64 defaults of ``torch.autograd.gradcheck``).

    Args:
        f: A function of ``len(inputs)`` scalars returning a scalar Value.
        inputs: The point, as numbers or Values (their ``data`` and labels
            are used; they are not modified).
        order: The highest order to check (1 for gradients only).
        eps: The step of the central differences.
        atol: Absolute tolerance.
        rtol: Relative tolerance.
        raise_exception: Raise :class:`GradcheckError` on a mismatch instead
            of returning the failed report.

    Returns:
        The report; it is true when every derivative agreed.

    Raises:
        GradcheckError: On a mismatch, if ``raise_exception``.
        TypeError: If ``f`` is not callable, or an option or input is not a number.
        ValueError: For an order below 1, a non-positive ``eps``, a negative or
            non-finite tolerance, a non-finite input, no inputs, or ``f``
            failing at a point the central differences need.

    Example:
        >>> bool(gradcheck(lambda x, y: (x * y).tanh(), [0.3, -0.7]))
        True
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    if isinstance(order, bool) or not isinstance(order, int):
        raise TypeError(f"gradcheck: order must be an int, got {order!r}")
    if order < 1:
        raise ValueError(f"gradcheck: order must be an int >= 1, got {order!r}")
    for option, setting in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if isinstance(setting, bool) or not isinstance(setting, numbers.Real):
            raise TypeError(f"gradcheck: {option} must be a real number, got {setting!r}")
        if not (math.isfinite(setting) and setting >= 0.0) or (option == "eps" and setting == 0):
            kind = "positive" if option == "eps" else "finite and >= 0"
            raise ValueError(f"gradcheck: {option} must be {kind}, got {setting!r}")
    if isinstance(inputs, (str, bytes, Value, numbers.Number)) or not hasattr(inputs, "__iter__"):
        raise TypeError(
            f"gradcheck: inputs must be a list of numbers or Values (one per argument of f), "
            f"got {type(inputs).__name__} {inputs!r:.60}"
        )
    given = list(inputs)
    if not given:
        raise ValueError("gradcheck: no inputs to differentiate with respect to")
    point: list[float] = []
    names: list[str] = []
    for i, x in enumerate(given):
        if isinstance(x, Value):
            point.append(x.data)
            names.append(repr(x.label) if x.label else f"input {i}")
        elif isinstance(x, numbers.Real) and not isinstance(x, bool):
            point.append(float(x))
            names.append(f"input {i}")
        else:
            raise TypeError(
                f"gradcheck: input {i} must be a real number or a Value, "
                f"got {type(x).__name__} {x!r}"
            )
        if not math.isfinite(point[-1]):
            raise ValueError(f"gradcheck: {names[-1]} must be finite, got {point[-1]!r}")
    n = len(point)
    report = GradcheckReport(point, names, order)
    for k in range(1, order + 1):
        engine = _engine_tensor(f, point, k)
        numeric = [0.0] * len(engine)
        for i in range(n):
            up = list(point)
            up[i] += eps
            down = list(point)
            down[i] -= eps
            hi = _probe(f, up, k - 1, names[i], eps, "+")
            lo = _probe(f, down, k - 1, names[i], eps, "-")
            for j, (a, b) in enumerate(zip(hi, lo, strict=True)):
                numeric[j * n + i] = (a - b) / (2.0 * eps)
        for flat, (e, num) in enumerate(zip(engine, numeric, strict=True)):
            report.checked += 1
            diff = abs(e - num)
            tol = atol + rtol * abs(num)
            if diff <= tol and math.isfinite(e):
                continue
            index = _unravel(flat, n, k)
            report.mismatches.append(
                Mismatch(k, index, tuple(names[i] for i in index), e, num, diff, tol)
            )
    if raise_exception and not report.ok:
        raise GradcheckError(report)
    return report


_PLAIN_ERRORS = (ValueError, ArithmeticError, ZeroDivisionError, OverflowError)


def _probe(
    f: Callable[..., Any], point: list[float], order: int, name: str, eps: float, sign: str
) -> list[float]:
    """The engine's derivatives at a shifted point, with a clear error if f fails there."""
    try:
        return _engine_tensor(f, point, order)
    except (ArithmeticError, ValueError) as exc:
        if type(exc) not in _PLAIN_ERRORS:  # e.g. AnomalyError: keep its own fields
            raise
        raise type(exc)(
            f"gradcheck: f fails at {name} {sign} eps (eps={eps!r}), where the central "
            f"difference must evaluate it; use a smaller eps or a point further from the "
            f"edge of f's domain: {exc}"
        ) from exc


def _unravel(flat: int, n: int, k: int) -> tuple[int, ...]:
    index = []
    for _ in range(k):
        flat, r = divmod(flat, n)
        index.append(r)
    return tuple(reversed(index))
