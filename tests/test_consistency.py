"""Every row of the op table gives the same answer in every mode.

For each row and each edge input (signed zeros, subnormals, the float range's
ends, values next to each domain boundary), the row's own float forward is
the reference: a value, or an exception type. Every other way of running the
op must give the same value to the last bit (arrays: within one ulp, since
NumPy's tanh may round differently from the C library's), or raise the same
exception type with the op named:

* the ``Value`` method's generated fast path, and ``apply``;
* the general path taken while a hook is installed, ``no_grad``,
  ``detect_anomaly`` (whose errors are also the plain type);
* the compiled program on floats and on arrays (the edge input at index 1).

Where the forward succeeds, the gradients of the first-order kernel, of the
step records (``gradients``), of ``create_graph``, of the hooked pass, and of
the compiled program agree the same way, or all raise the same type.

The rows and the operator methods are read from the table and from
``kernel.METHODS``: a new row is covered without editing this file.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.base import mode
from autograd_lite.core import ops
from autograd_lite.core.value import Value, apply
from autograd_lite.fast import kernel
from autograd_lite.functional import gradients

EDGES = (
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1e-320,
    0.5,
    1.0,
    -1.0,
    2.0,
    -2.5,
    709.78,
    709.79,
    -745.2,
    -746.0,
    1e154,
    1e308,
    -1e308,
    1.7976931348623157e308,
)
PAIRS = (0.0, -0.0, 5e-324, 1.0, -1.0, 2.5, -0.5, 1e-308, 3.0, 1e308, -1e308)
EXPONENTS = (2.0, 3.0, 0.5, -1.0, -0.5, 0.0, 1.0, 1 / 3, -2.0)
SUMS = ((1e16, 1.0, -1e16), (1e308, 1e308, -1e308), (0.1, 0.2, 0.3), (-0.0, -0.0, -0.0))

Outcome = tuple[str, Any]  # ("value", float | list) or ("error", exception type)


def _rows() -> list[tuple[ops.Op, tuple[float, ...]]]:
    cases: list[tuple[ops.Op, tuple[float, ...]]] = []
    for row in ops.TABLE.values():
        if row.arity == 0:
            continue
        variants = [ops.pow_const(k) for k in EXPONENTS] if row.param is not None else [row]
        for r in variants:
            if r.arity == 1:
                cases += [(r, (x,)) for x in EDGES]
            else:
                cases += [(r, xs) for xs in itertools.product(PAIRS, repeat=2)]
                if r.arity == -1:
                    cases += [(r, xs) for xs in SUMS] + [(r, (x,)) for x in (1e308, -0.0)]
    return cases


CASES = _rows()


def _id(case: tuple[ops.Op, tuple[float, ...]]) -> str:
    row, xs = case
    k = f"[k={row.param!r}]" if row.param is not None else ""
    return f"{row.name}{k}{xs!r}"


def _method(row: ops.Op, shape: str) -> str | None:
    for fname, name, kind in kernel.METHODS:
        if name == row.name and kind == shape:
            return fname
    return None


def _call(row: ops.Op, xs: Sequence[float]) -> Callable[[], Value]:
    """How a user writes the op: its operator method, or ``apply`` where it has none."""
    if row.name == "powc":
        return lambda: Value(xs[0], "x0") ** row.param  # type: ignore[operator]
    if row.name == "pow":
        return lambda: Value(xs[0], "x0") ** Value(xs[1], "x1")
    if row.arity == -1 and len(xs) != 2:
        return lambda: al.sum([Value(x, f"x{i}") for i, x in enumerate(xs)])
    shape = "unary" if len(xs) == 1 else "binary"
    fname = _method(row, shape)
    if fname is None:
        return lambda: apply(row, tuple(Value(x, f"x{i}") for i, x in enumerate(xs)))
    return lambda: getattr(Value(xs[0], "x0"), fname)(*(Value(x, "x1") for x in xs[1:]))


def _number_operand(row: ops.Op, xs: Sequence[float]) -> Callable[[], Value] | None:
    """The binary op with its second operand a plain number, and reflected with the first."""
    if len(xs) != 2 or row.name in ("pow", "powc"):
        return None
    fname = _method(row, "binary")
    return None if fname is None else lambda: getattr(Value(xs[0], "x0"), fname)(xs[1])


def _reflected(row: ops.Op, xs: Sequence[float]) -> Callable[[], Value] | None:
    if len(xs) != 2:
        return None
    fname = _method(row, "reflected")
    return None if fname is None else lambda: getattr(Value(xs[1], "x1"), fname)(xs[0])


def _outcome(f: Callable[[], Any]) -> Outcome:
    try:
        out = f()
    except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError) as exc:
        return ("error", exc)
    return ("value", out.data if isinstance(out, Value) else out)


def _bits(x: float) -> str:
    return x.hex() if x == x else "nan"


class _Silent:
    def on_forward(self, node: object) -> None:
        pass

    def on_backward(self, node: object, index: int, contribution: float) -> None:
        pass

    def on_error(self, op: object, args: object, exc: Exception) -> None:
        pass


def _same(reference: Outcome, got: Outcome, row: ops.Op, mode_name: str, ulps: int = 0) -> None:
    kind, value = reference
    assert got[0] == kind, f"{mode_name}: expected {reference}, got {got}"
    if kind == "error":
        assert isinstance(got[1], type(value)), (
            f"{mode_name}: expected {type(value).__name__}, got {type(got[1]).__name__}: {got[1]}"
        )
        assert row.name in str(got[1]), f"{mode_name}: {got[1]} does not name {row.name}"
        return
    if ulps:
        assert abs(got[1] - value) <= ulps * math.ulp(value), (mode_name, got[1], value)
    else:
        assert _bits(got[1]) == _bits(value), f"{mode_name}: {got[1]!r} != {value!r}"


def _anchor(row: ops.Op, n: int) -> tuple[float, ...] | None:
    """Inputs at which the op works, to record a graph that is then run at the edges."""
    for cand in ((2.0,) * n, (0.5,) * n, (3.0, 2.0)[:n] + (2.0,) * max(0, n - 2)):
        try:
            row.forward(cand, row.param)
        except (ArithmeticError, ValueError):
            continue
        return cand
    return None


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_forward_is_the_same_in_every_mode(case: tuple[ops.Op, tuple[float, ...]]) -> None:
    row, xs = case
    reference = _outcome(lambda: row.forward(xs, row.param))
    call = _call(row, xs)
    modes: dict[str, Callable[[], Any]] = {
        "fast path": call,
        "apply": lambda: apply(row, tuple(Value(x) for x in xs)),
    }
    for name, extra in (("number operand", _number_operand), ("reflected", _reflected)):
        f = extra(row, xs)
        if f is not None:
            modes[name] = f
    for name, f in modes.items():
        _same(reference, _outcome(f), row, name)

    def hooked() -> Value:
        with mode.using_hook(_Silent()):
            return call()

    def without_grad() -> Value:
        with al.no_grad():
            out = call()
        assert out.parents == ()
        return out

    def anomaly() -> Value:
        with al.detect_anomaly():
            return call()

    for name, f in (("hook", hooked), ("no_grad", without_grad), ("detect_anomaly", anomaly)):
        _same(reference, _outcome(f), row, name)

    anchor = _anchor(row, len(xs))
    assert anchor is not None, f"no input works for {row.name}"
    leaves = [Value(a, f"x{i}") for i, a in enumerate(anchor)]
    out = apply(row, tuple(leaves))
    prog = al.compile_graph(out, inputs=leaves, params=[])
    _same(reference, _outcome(lambda: prog.run(*xs)), row, "compiled floats")

    arrays = [np.array([a, x, a]) for a, x in zip(anchor, xs, strict=True)]

    def batched() -> float:
        return float(prog.run(*arrays)[1])

    got = _outcome(batched)
    _same(reference, got, row, "compiled arrays", ulps=1)
    if got[0] == "error":
        assert "index 1" in str(got[1]), got[1]


def _grads(f: Callable[[], list[float]]) -> Outcome:
    try:
        return ("value", f())
    except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError) as exc:
        return ("error", exc)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_gradients_are_the_same_in_every_mode(case: tuple[ops.Op, tuple[float, ...]]) -> None:
    row, xs = case
    try:
        row.forward(xs, row.param)
    except (ArithmeticError, ValueError):
        return  # no node, no gradient: the forward test covers it

    def build() -> tuple[Value, list[Value]]:
        leaves = [Value(x, f"x{i}") for i, x in enumerate(xs)]
        return apply(row, tuple(leaves)), leaves

    def by_kernel() -> list[float]:
        out, leaves = build()
        out.backward()
        return [v.grad for v in leaves]

    def by_steps() -> list[float]:
        out, leaves = build()
        return gradients(out, leaves)

    def by_graph() -> list[float]:
        out, leaves = build()
        out.backward(create_graph=True)
        return [v.grad for v in leaves]

    def by_hook() -> list[float]:
        out, leaves = build()
        with mode.using_hook(_Silent()):
            out.backward()
        return [v.grad for v in leaves]

    def by_anomaly() -> list[float]:
        out, leaves = build()
        with al.detect_anomaly():
            out.backward()
        return [v.grad for v in leaves]

    def compiled() -> list[float]:
        out, leaves = build()
        _, gs = al.compile_graph(out, inputs=leaves, params=[]).value_and_grad(*xs)
        return [float(g) for g in gs]

    reference = _grads(by_kernel)
    for name, f in (
        ("steps", by_steps),
        ("create_graph", by_graph),
        ("hook", by_hook),
        ("detect_anomaly", by_anomaly),
        ("compiled floats", compiled),
    ):
        got = _grads(f)
        assert got[0] == reference[0], f"{name}: {reference} vs {got}"
        if got[0] == "error":
            assert isinstance(got[1], type(reference[1])) or isinstance(
                reference[1], type(got[1])
            ), f"{name}: {type(reference[1]).__name__} vs {type(got[1]).__name__}: {got[1]}"
        else:
            # A zero gradient may carry either sign: eager leaves start at +0.0
            # and add, the compiled program assigns its first contribution.
            assert [_bits(g + 0.0) for g in got[1]] == [_bits(g + 0.0) for g in reference[1]], (
                name,
                got,
            )
        if reference[0] == "value":
            assert all(math.isfinite(g) for g in got[1])


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_non_finite_numbers_are_refused_in_every_mode(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        Value(bad)
    x = Value(1.0, "x")
    for f in (lambda: x + bad, lambda: bad * x, lambda: x**bad, lambda: al.sum([x, bad])):
        with pytest.raises(ValueError, match="finite"):
            f()
    with pytest.raises(ValueError, match="finite"):
        (x * x).backward(bad)
    prog = al.compile_graph(x * x, inputs=[x], params=[])
    with pytest.raises(ValueError, match="finite"):
        prog.run(bad)
    with pytest.raises(ValueError, match="index 2"):
        prog.run(np.array([1.0, 2.0, bad]))


def test_an_exact_zero_local_derivative_contributes_zero() -> None:
    # relu'(x) = 0 for x < 0: x receives exactly 0, however large the upstream.
    x = Value(-3.0, "x")
    r = x.relu().named("r")
    (r * 1e300).backward(1e8 / 1e8)
    assert (r.grad, x.grad) == (1e300, 0.0)


def test_a_gradient_that_overflows_names_the_edge() -> None:
    x = Value(-3.0, "x")
    r = x.relu().named("r")
    y = (r * 1e300).named("y")
    with pytest.raises(
        OverflowError, match=r"sent by the mul node 'y'.*to its input 0 \('r' = 0\.0\)"
    ):
        y.backward(1e10)
