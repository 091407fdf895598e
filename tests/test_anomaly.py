"""detect_anomaly: the first NaN or ±inf, forward or backward, names its op and source line."""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable

import pytest

from autograd_lite.anomaly import (
    AnomalyError,
    AnomalyNaNError,
    AnomalyOverflowError,
    _AnomalyHook,
    detect_anomaly,
)
from autograd_lite.base import mode
from autograd_lite.core.ops import exp as EXP
from autograd_lite.core.ops import log as LOG
from autograd_lite.core.ops import mul as MUL
from autograd_lite.core.value import Value
from autograd_lite.functional import grad, gradients


def here() -> int:
    """The line number of the caller's next line."""
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno + 1


def test_forward_inf_names_op_inputs_and_source_line() -> None:
    big = Value(1e308, "big")
    with pytest.raises(AnomalyError) as info, detect_anomaly():
        line = here()
        big * 10
    err = info.value
    msg = str(err)
    # "produced inf" when the engine records the inf, "overflowed" when it raises.
    assert re.search(r"mul forward (produced inf|overflowed)", msg)
    assert "'big' = 1e+308" in msg and "input 1 = 10.0" in msg
    assert f"test_anomaly.py:{line}" in msg and "big * 10" in msg
    assert err.phase == "forward" and err.site is not None and err.site.lineno == line
    assert isinstance(err, FloatingPointError) and isinstance(err, ArithmeticError)
    assert isinstance(err, AnomalyOverflowError) and isinstance(err, OverflowError)
    assert err.op is MUL


def test_without_anomaly_mode_an_overflow_is_a_plain_overflow_error() -> None:
    # The contrast that makes the mode useful: the plain error has no source line.
    big, small = Value(1e308), Value(-1e308)
    makes: list[Callable[[], Value]] = [lambda: big * 10, lambda: small - 1e308]
    for make in makes:
        with pytest.raises(OverflowError, match="overflows a float") as info:
            make()
        assert not isinstance(info.value, AnomalyError)


def test_minus_inf_from_sub_is_caught() -> None:
    with (
        pytest.raises(AnomalyOverflowError, match=r"sub forward (produced -inf|overflowed)"),
        detect_anomaly(),
    ):
        Value(-1e308, "a") - Value(1e308, "b")


def test_backward_inf_names_the_node_and_its_creation_line() -> None:
    x = Value(1e-320, "x")  # subnormal: log is finite, 1/x is not
    with detect_anomaly():
        line = here()
        loss = x.log() * 1e10
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    err = info.value
    msg = str(err)
    assert err.phase == "backward"
    assert msg.startswith("log backward")
    assert "sent inf to its input 0 ('x' = 1e-320)" in msg
    assert f"test_anomaly.py:{line}" in msg and "loss = x.log() * 1e10" in msg


def test_backward_nan_is_caught() -> None:
    x = Value(1e-320, "x")
    with detect_anomaly():
        loss = (x.log() * 0.0).named("L")
        with pytest.raises(AnomalyNaNError, match=r"log backward .* sent nan") as info:
            loss.backward()
    assert isinstance(info.value, ValueError) and info.value.phase == "backward"


def test_anomaly_in_gradients_and_functional_grad() -> None:
    x = Value(1e-320, "x")
    with detect_anomaly():
        loss = x.log() * 1e10
        with pytest.raises(AnomalyError, match="log backward"):
            gradients(loss, [x])
        with pytest.raises(AnomalyError, match=r"log backward.*'arg0' = 1e-320"):
            grad(lambda t: t.log() * 1e10)(1e-320)


def test_anomaly_in_create_graph_backward() -> None:
    x = Value(1e-320, "x")
    with detect_anomaly():
        loss = x.log() * 1e10
        with pytest.raises(AnomalyError) as info:
            line = here()
            loss.backward(create_graph=True)
    # The gradient graph's own 1/x node overflows; its site is the backward call.
    assert info.value.site is not None and info.value.site.lineno == line
    assert re.search(r"div forward (produced inf|overflowed)", str(info.value))


def test_node_created_before_the_context() -> None:
    x = Value(1e-320, "x")
    loss = x.log() * 1e10
    with detect_anomaly(), pytest.raises(AnomalyError, match="created before detect_anomaly"):
        loss.backward()


def test_finite_computations_are_unaffected() -> None:
    x = Value(0.5, "x")
    with detect_anomaly():
        y = (x * x).sigmoid() + x.log()
        y.backward()
    s = 1.0 / (1.0 + math.exp(-0.25))
    assert y.data == pytest.approx(s + math.log(0.5))
    assert x.grad == pytest.approx(2 * 0.5 * s * (1 - s) + 1 / 0.5)


def test_state_is_restored_after_exit_and_after_an_error() -> None:
    assert mode.hook() is None and mode.is_fast()
    with detect_anomaly():
        assert mode.hook() is not None and not mode.is_fast()
    assert mode.hook() is None and mode.is_fast()
    with pytest.raises(AnomalyError), detect_anomaly():
        Value(1e308) * 1e10
    assert mode.hook() is None and mode.is_fast()


def test_nesting_restores_the_outer_context_and_shares_sites() -> None:
    x = Value(1e-320, "x")
    with detect_anomaly():
        outer = mode.hook()
        line = here()
        loss = x.log() * 1e10
        with detect_anomaly():
            assert mode.hook() is not outer
            with pytest.raises(AnomalyError, match=f"test_anomaly.py:{line}"):
                loss.backward()
        assert mode.hook() is outer
    assert mode.hook() is None


class Recorder:
    def __init__(self) -> None:
        self.forward: list[str] = []
        self.backward: list[tuple[str, int]] = []
        self.errors: list[str] = []

    def on_forward(self, node: Value) -> None:
        self.forward.append(node.op.name if node.op else "leaf")

    def on_backward(self, node: Value, index: int, contribution: float) -> None:
        self.backward.append((node.op.name if node.op else "leaf", index))

    def on_error(self, op: object, args: tuple[object, ...], exc: Exception) -> None:
        self.errors.append(type(exc).__name__)


def test_a_previously_installed_hook_still_sees_every_event() -> None:
    rec = Recorder()
    with mode.using_hook(rec):
        with detect_anomaly():
            y = Value(2.0) * Value(3.0)
            y.backward()
        assert mode.hook() is rec
    assert mode.hook() is None and mode.is_fast()
    assert rec.forward == ["mul"]
    assert rec.backward == [("mul", 0), ("mul", 1)]


def test_the_subclasses_are_also_the_plain_error_types() -> None:
    assert issubclass(AnomalyOverflowError, AnomalyError)
    assert issubclass(AnomalyOverflowError, OverflowError)
    assert issubclass(AnomalyNaNError, AnomalyError)
    assert issubclass(AnomalyNaNError, ValueError)
    assert issubclass(AnomalyError, FloatingPointError)


def test_on_error_turns_an_overflow_into_an_anomaly_overflow_error() -> None:
    x = Value(1000.0, "x")
    plain = OverflowError("exp: the result overflows a float ('x' = 1000.0)")
    with pytest.raises(AnomalyOverflowError) as info:
        line = here()
        _AnomalyHook(None).on_error(EXP, (x,), plain)
    err = info.value
    msg = str(err)
    assert msg.startswith("exp forward overflowed") and "'x' = 1000.0" in msg
    assert f"test_anomaly.py:{line}" in msg and "on_error(EXP, (x,), plain)" in msg
    assert err.op is EXP and err.node is None and err.phase == "forward"
    assert err.site is not None and err.site.lineno == line
    assert err.__cause__ is plain


def test_on_error_turns_a_nan_error_into_an_anomaly_nan_error() -> None:
    a, b = Value(1.0, "a"), Value(2.0)
    plain = ValueError("mul: the result is NaN ('a' = 1.0; input 1 = 2.0)")
    with pytest.raises(
        AnomalyNaNError, match=r"mul forward produced nan .*'a' = 1.0; input 1 = 2.0"
    ):
        _AnomalyHook(None).on_error(MUL, (a, b), plain)


def test_on_error_lets_other_errors_pass() -> None:
    hook = _AnomalyHook(None)
    x = Value(-1.0, "x")
    hook.on_error(LOG, (x,), ValueError("log: math domain error ('x' = -1.0)"))
    hook.on_error(MUL, (x, x), ZeroDivisionError("float division by zero"))
    hook.on_error(MUL, (x, x), TypeError("unsupported"))


def test_on_error_chains_to_the_previous_hook() -> None:
    rec = Recorder()
    with pytest.raises(AnomalyOverflowError):
        _AnomalyHook(rec).on_error(EXP, (Value(1000.0),), OverflowError("overflow"))
    assert rec.errors == ["OverflowError"]


def test_overflow_is_caught_by_except_overflow_error_in_and_out_of_the_mode() -> None:
    def run() -> str:
        try:
            (Value(1000.0, "x")).exp()
        except OverflowError as exc:
            return type(exc).__name__
        return "no error"

    assert run() == "OverflowError"
    with detect_anomaly():
        assert run() == "AnomalyOverflowError"
