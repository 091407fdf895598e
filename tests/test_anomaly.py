"""detect_anomaly: the first NaN or ±inf, forward or backward, names its op and source line."""

from __future__ import annotations

import inspect
import math

import pytest

from autograd_lite.anomaly import AnomalyError, detect_anomaly
from autograd_lite.autodiff import gradients
from autograd_lite.functional import grad
from autograd_lite.value import MODE, Value


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
    assert "mul forward produced inf" in msg
    assert "'big' = 1e+308" in msg and "input 1 = 10.0" in msg
    assert f"test_anomaly.py:{line}" in msg and "big * 10" in msg
    assert err.phase == "forward" and err.site is not None and err.site.lineno == line
    assert isinstance(err, FloatingPointError) and isinstance(err, ArithmeticError)


def test_without_anomaly_mode_inf_passes_silently() -> None:
    # The contrast that makes the mode useful: the plain engine lets ±inf through.
    assert (Value(1e308) * 10).data == float("inf")
    assert (Value(-1e308) - 1e308).data == float("-inf")


def test_minus_inf_from_sub_is_caught() -> None:
    with pytest.raises(AnomalyError, match=r"sub forward produced -inf"), detect_anomaly():
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
        with pytest.raises(AnomalyError, match=r"log backward .* sent nan"):
            loss.backward()


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
    assert "div forward produced inf" in str(info.value)


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
    assert MODE.hook is None and MODE.plain
    with detect_anomaly():
        assert MODE.hook is not None and not MODE.plain
    assert MODE.hook is None and MODE.plain
    with pytest.raises(AnomalyError), detect_anomaly():
        Value(1e308) * 1e10
    assert MODE.hook is None and MODE.plain


def test_nesting_restores_the_outer_context_and_shares_sites() -> None:
    x = Value(1e-320, "x")
    with detect_anomaly():
        outer = MODE.hook
        line = here()
        loss = x.log() * 1e10
        with detect_anomaly():
            assert MODE.hook is not outer
            with pytest.raises(AnomalyError, match=f"test_anomaly.py:{line}"):
                loss.backward()
        assert MODE.hook is outer
    assert MODE.hook is None


class Recorder:
    def __init__(self) -> None:
        self.forward: list[str] = []
        self.backward: list[tuple[str, int]] = []

    def on_forward(self, node: Value) -> None:
        self.forward.append(node.op.name if node.op else "leaf")

    def on_backward(self, node: Value, index: int, contribution: float) -> None:
        self.backward.append((node.op.name if node.op else "leaf", index))


def test_a_previously_installed_hook_still_sees_every_event() -> None:
    rec = Recorder()
    MODE.hook = rec
    MODE.refresh()
    try:
        with detect_anomaly():
            y = Value(2.0) * Value(3.0)
            y.backward()
        assert MODE.hook is rec
    finally:
        MODE.hook = None
        MODE.refresh()
    assert rec.forward == ["mul"]
    assert rec.backward == [("mul", 0), ("mul", 1)]
