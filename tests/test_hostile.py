"""Hostile inputs: no data loss, no hangs, one error type per failure, errors as documented.

Each test is a regression test for a case a user reported against an earlier
version: it failed there and passes now.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import math
import operator
import os
import re
import struct
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_lite as al
import autograd_lite.teach.viz.render as render_mod
from autograd_lite.base import mode
from autograd_lite.base.mode import grad_enabled, no_grad, set_grad_enabled
from autograd_lite.cli import main
from autograd_lite.compiled import Program, compile_graph
from autograd_lite.core.value import Value
from autograd_lite.parse import ExpressionError, parse_expression
from autograd_lite.teach.viz import RendererNotFound, RenderError, RenderTimeout, draw, to_dot
from autograd_lite.teach.viz.files import write_atomic, write_new

GUARD = 120  # seconds: a regression must fail, never hang CI
T = TypeVar("T")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> None:
    assert err.startswith("autograd-lite: ") and err.count("\n") == 1, err


def guarded(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` in a thread; fail (instead of hanging) after GUARD seconds."""
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        return pool.submit(fn, *args, **kwargs).result(timeout=GUARD)
    finally:
        pool.shutdown(wait=False)


def tanh_tower(levels: int = 49) -> str:
    text = "x"
    for _ in range(levels):
        text = f"tanh(w*{text})"
    return text


# ------------------------------------------------------------ 1. data loss
@pytest.mark.parametrize("suffix", [".png", ".pdf"])
def test_fallback_never_overwrites_an_existing_dot(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    suffix: str,
) -> None:
    monkeypatch.setattr(render_mod, "_system_dot", lambda: None)
    notes = tmp_path / "notes.dot"
    notes.write_text("my notes", encoding="utf-8")
    code, _, err = run(
        capsys, "draw", "x*2", "--set", "x=1", "-o", str(tmp_path / f"notes{suffix}")
    )
    assert code == 1
    assert err.startswith("autograd-lite: ") and err.count("\n") == 2, err
    assert notes.read_text(encoding="utf-8") == "my notes"
    assert "written to " + str(tmp_path / "notes.1.dot") in err
    assert (tmp_path / "notes.1.dot").read_text(encoding="utf-8").startswith("digraph")
    # and again: the next free name, still nothing replaced
    with pytest.raises(RendererNotFound, match=r"notes\.2\.dot"):
        draw(Value(1.0, "x") * 2, tmp_path / f"notes{suffix}")
    assert notes.read_text(encoding="utf-8") == "my notes"


def test_write_new_never_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a.dot"
    assert write_new(target, "one") == target
    assert write_new(target, "two") == tmp_path / "a.1.dot"
    assert target.read_text(encoding="utf-8") == "one"


def test_interrupted_write_leaves_the_old_file_and_no_temporary(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "g.dot"
    target.write_text("old", encoding="utf-8")

    def broken(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(KeyboardInterrupt):
        draw(Value(1.0, "x") * 2, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]


def test_atomic_write_has_ordinary_permissions(tmp_path: Path) -> None:
    out = write_atomic(tmp_path / "x.svg", "<svg/>")
    old = os.umask(0o022)
    os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o666 & ~old


# ---------------------------------------------------------------- 2. hangs
def test_tanh_tower_draws_or_refuses_in_bounded_time(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    expr = tanh_tower(49)
    assert len(expr) == 393
    out = tmp_path / "t.svg"
    code = guarded(main, ["draw", expr, "--set", "w=0.5", "x=1", "-o", str(out)])
    _, err = capsys.readouterr()
    assert code in (0, 1)
    if code == 0:
        assert out.read_text(encoding="utf-8").lstrip().startswith("<")
    else:
        one_line(err)


def test_layout_cost_sees_long_edges() -> None:
    # Same node count, very different shapes: the tower's shared w makes long edges.
    tower = parse_expression(tanh_tower(49), {"w": 0.5, "x": 1.0})
    chain = Value(1.0, "x")
    for i in range(98):
        chain = (chain * 1.5).tanh() if i % 2 else chain * 1.5
    for g in (tower, chain):
        g.backward()
    a, b = to_dot(tower, fast=False).layout_cost, to_dot(chain, fast=False).layout_cost
    assert a is not None and b is not None
    assert a.long_edges > 40 and b.long_edges == 0
    assert a.seconds > 10 * b.seconds
    assert to_dot(tower).fast  # picked automatically, although below FAST_ABOVE nodes


def test_forced_full_layout_is_refused_or_stopped_by_the_budget(tmp_path: Path) -> None:
    root = parse_expression(tanh_tower(49), {"w": 0.5, "x": 1.0})
    root.backward()
    with pytest.raises(RenderError, match=r"timeout=1 s.*focus=") as info:
        guarded(draw, root, tmp_path / "t.svg", fast=False, timeout=1)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "t.svg").exists()


def test_time_budget_stops_the_in_process_renderer() -> None:
    root = parse_expression(tanh_tower(49), {"w": 0.5, "x": 1.0})
    source = to_dot(root, fast=False).source
    with pytest.raises(RenderTimeout, match=r"time budget of timeout=0\.5 s"):
        guarded(render_mod.render_svg, source, renderer="wasm", timeout=0.5)
    # the renderer is usable again at once
    assert "<svg" in render_mod.render_svg("digraph { a -> b }", renderer="wasm")


def test_time_budget_stops_a_system_dot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\nexec sleep 60\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(render_mod, "_system_dot", lambda: str(fake))
    with pytest.raises(RenderTimeout):
        guarded(render_mod.render, "digraph { a }", "png", timeout=0.5)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--examples", "10000000000"], "at most 100,000 examples"),
        (["demo", "--epochs", "100000000000000000000000"], "at most 1,000,000 epochs"),
        (["demo", "--epochs", "1e23"], "not an integer"),
        (["demo", "--epochs", "1000000", "--examples", "1000"], "--examples × --epochs"),
        (["demo", "--seed", "-1"], "--seed"),
        (["draw", "x", "--set", "x=1", "-o", "g.svg", "--timeout", "1e9"], "--timeout"),
    ],
)
def test_cli_bounds(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = guarded(run, capsys, *argv)
    assert code == 2, err
    one_line(err)
    assert message in err
    assert not (tmp_path / "autograd_lite_demo").exists()


# ------------------------------------------------------ 3. renderer failures
def test_a_graphviz_trap_is_one_render_error() -> None:
    # Graphviz recursing past the WebAssembly stack: a raw wasmtime Trap before.
    x = Value(0.5, "x")
    v = x
    for i in range(3000):
        v = (v * 1.01).named(f"x{i}")
    source = to_dot(v, fast=False, max_nodes=None).source
    with pytest.raises(RenderError) as info:
        guarded(render_mod.render_svg, source, renderer="wasm", timeout=60)
    assert "\n" not in str(info.value) and "backtrace" not in str(info.value)
    assert "<svg" in render_mod.render_svg("digraph { a }", renderer="wasm")


def test_rejected_dot_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="rejected"):
        render_mod.render_svg("digraph { a -> }", renderer="wasm")
    assert issubclass(RendererNotFound, RenderError)
    assert issubclass(RenderError, RuntimeError)


@pytest.mark.parametrize(
    "label",
    ["a\x00b", "\ud800", "</script><script>alert(1)</script>", "{a|b}", "\\N", "\u2028", "&amp;"],
)
def test_any_label_is_drawn_explained_and_stepped(tmp_path: Path, label: str) -> None:
    from autograd_lite.teach.explain import explain

    x = Value(2.0, label)
    y = (x * x).named(label)
    y.backward()
    explain(y).to_text()
    draw(y, tmp_path / "g.svg")
    draw(y, tmp_path / "g.html")
    draw(y, tmp_path / "g.dot")
    (tmp_path / "g.svg").read_text(encoding="utf-8")


# ------------------------------------------------- 4. errors match the docs
def test_dot_output_is_never_refused_for_size(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    expr = "sum(" + ",".join(["x*x*x*x*x*x*x*x*x*x"] * 95) + ")"
    out = tmp_path / "big.dot"
    code, _, err = run(capsys, "draw", expr, "--set", "x=1", "-o", str(out))
    assert code == 0, err
    assert out.read_text(encoding="utf-8").startswith("digraph")
    code, _, err = run(capsys, "draw", expr, "--set", "x=1", "-o", str(tmp_path / "big.svg"))
    assert code == 1 and "draw it as .dot" in err


def test_set_names_are_normalised_like_expression_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "explain", "\u00b5*2", "--set", "\u00b5=1")  # micro sign
    assert code == 0, err
    assert "= 2" in out
    assert parse_expression("\u00b5*2", {"\u00b5": 1.0}).data == 2.0
    assert parse_expression("\u03bc*2", {"\u00b5": 1.0}).data == 2.0


@pytest.mark.parametrize("value", [10**400, -(10**400)])
def test_huge_int_value_is_an_expression_error(value: int) -> None:
    with pytest.raises(ExpressionError, match="finite number"):
        parse_expression("x", {"x": value})


def test_backward_overflow_names_no_errno_tuple(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain", "x**-0.5", "--set", "x=1e-320")
    assert code == 1
    one_line(err)
    assert "(34," not in err and "overflows a float" in err


@pytest.mark.parametrize("expr", ["1is 1", "1if 1", "0x1for", "1and x", "1in x"])
def test_syntax_warnings_never_leak(capsys: pytest.CaptureFixture[str], expr: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, _, err = run(capsys, "explain", expr, "--set", "x=1")
    assert code == 2
    assert err.startswith("autograd-lite: error: ") and "Traceback" not in err
    assert "Warning" not in err


def test_syntax_warning_never_leaks_from_a_fresh_process() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "explain", "1is 1"],
        capture_output=True,
        text=True,
        timeout=GUARD,
        check=False,
    )
    assert proc.returncode == 2
    # The error, the expression and a caret under "is": nothing else.
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("autograd-lite: error: ") and "SyntaxWarning" not in proc.stderr
    assert lines[1:] == ["  1is 1", "   ^"]


# ------------------------------------------------------ 5. grad-mode state
def suspends_in_no_grad() -> Iterator[None]:
    with no_grad():
        yield
        yield


def test_no_grad_left_in_another_thread_is_a_clear_error_and_restores_both() -> None:
    gen = suspends_in_no_grad()
    next(gen)  # entered in this thread, which stops recording
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(next, gen).result(GUARD)
        with pytest.raises(RuntimeError, match=r"entered in thread 'MainThread' and is being left"):
            pool.submit(next, gen).result(GUARD)  # a bare KeyError before
        assert pool.submit(grad_enabled).result(GUARD) is True
    assert grad_enabled() is True
    assert mode.is_fast()


def test_no_grad_left_more_often_than_entered_is_a_clear_error() -> None:
    block = no_grad()
    with block:
        pass
    with pytest.raises(RuntimeError, match=r"no_grad\(\): .* more often than it was entered"):
        block.__exit__(None, None, None)  # a bare KeyError before
    assert grad_enabled() is True and mode.is_fast()


def test_set_grad_enabled_as_a_plain_call_switches_at_once() -> None:
    try:
        set_grad_enabled(False)  # did nothing before
        assert grad_enabled() is False
        assert (Value(2.0) * 3).parents == ()
    finally:
        set_grad_enabled(True)
    assert grad_enabled() is True and mode.is_fast()


def test_no_grad_as_a_decorator() -> None:
    @no_grad()  # TypeError: '_GradEnabled' object is not callable, before
    def predict(x: Value) -> Value:
        """Predict without recording."""
        return x * 3

    y = predict(Value(2.0))
    assert y.data == 6.0 and y.parents == ()
    assert (predict.__name__, predict.__doc__) == ("predict", "Predict without recording.")
    assert grad_enabled() is True and mode.is_fast()


def test_set_grad_enabled_as_a_decorator_restores_after_an_exception() -> None:
    @set_grad_enabled(False)
    def fails() -> None:
        assert grad_enabled() is False
        raise ValueError("inside")

    assert grad_enabled() is True  # decorating switched nothing
    with no_grad():

        @set_grad_enabled(True)
        def records() -> bool:
            return grad_enabled()

        assert records() is True and grad_enabled() is False
    with pytest.raises(ValueError, match="inside"):
        fails()
    assert grad_enabled() is True and mode.is_fast()


def test_using_hook_as_a_decorator() -> None:
    seen: list[float] = []

    class Recorder:
        def on_forward(self, node: Any) -> None:
            seen.append(node.data)

        def on_backward(self, node: Any, index: int, contribution: float) -> None:
            pass

        def on_error(self, op: Any, args: tuple[Any, ...], exc: Exception) -> None:
            pass

    @mode.using_hook(Recorder())
    def square(x: Value) -> Value:
        return x * x

    assert square(Value(3.0)).data == 9.0
    assert seen == [9.0] and mode.hook() is None and mode.is_fast()


def test_decorated_generator_applies_the_mode_around_each_resumption() -> None:
    @no_grad()
    def leaves(xs: list[float]) -> Iterator[Value]:
        for x in xs:
            yield Value(x) * 2

    steps = leaves([1.0, 2.0])
    assert next(steps).parents == ()
    assert grad_enabled() is True  # the caller records between resumptions
    assert len((Value(1.0) * 2).parents) == 2
    assert next(steps).parents == ()
    assert next(steps, None) is None and grad_enabled() is True and mode.is_fast()


def test_blocks_ending_out_of_order_in_tasks_leave_the_thread_recording() -> None:
    async def first(entered: asyncio.Event, go: asyncio.Event) -> None:
        with no_grad():
            entered.set()
            await go.wait()

    async def second(entered: asyncio.Event, go: asyncio.Event) -> None:
        await entered.wait()
        with set_grad_enabled(True):
            go.set()
            await asyncio.sleep(0)
            await asyncio.sleep(0)

    async def both() -> None:
        entered, go = asyncio.Event(), asyncio.Event()
        await asyncio.gather(first(entered, go), second(entered, go))

    asyncio.run(both())
    assert grad_enabled() is True  # stuck off for good before
    assert mode.is_fast()


# ----------------------------- 5. every door checks: empty and mismatched arrays
def two_inputs() -> Program:
    x, y, w = Value(0.0, "x"), Value(0.0, "y"), Value(0.5, "w")
    return compile_graph(((w * x - y) ** 2).named("L"), [x, y], [w])


MISMATCH = (
    "compiled program: input 1 ('y') has 2 examples but input 0 ('x') has 3 "
    "(every array input needs the same number of examples)"
)
EMPTY = "compiled program: input 0 ('x') is an empty array (a batch needs an example), got "
CALLS: dict[str, Callable[..., Any]] = {
    "run": lambda p, *a: p.run(*a),
    "sum": lambda p, *a: p.value_and_grad(*a, reduce="sum", input_grads=False),
    "mean": lambda p, *a: p.value_and_grad(*a, reduce="mean"),
    "per example": lambda p, *a: p.value_and_grad(*a, reduce=None),
}


@pytest.mark.parametrize("call", CALLS)
def test_numpy_arrays_of_different_lengths_name_both_inputs(call: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(MISMATCH)}$"):
        CALLS[call](two_inputs(), np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"^compiled program: input 1 \('y'\) has shape \(2,\) "):
        CALLS[call](two_inputs(), np.ones((4, 3)), np.array([1.0, 2.0]))
    assert two_inputs().run(np.ones((2, 3)), np.ones(3)).shape == (2, 3)  # broadcasting is fine


@pytest.mark.parametrize("call", CALLS)
def test_array_api_arrays_of_different_lengths_name_both_inputs(call: str) -> None:
    xp = pytest.importorskip("array_api_strict")
    with pytest.raises(ValueError, match=f"^{re.escape(MISMATCH)}$"):
        CALLS[call](two_inputs(), xp.asarray([1.0, 2.0, 3.0]), xp.asarray([1.0, 2.0]))


@pytest.mark.parametrize("call", CALLS)
def test_dask_arrays_of_different_lengths_name_both_inputs(call: str) -> None:
    da = pytest.importorskip("dask.array")
    x3, y2 = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0])
    for x, y in (
        (da.from_array(x3, chunks=2), da.from_array(y2, chunks=2)),
        (da.from_array(x3, chunks=2), y2),
        (x3, da.from_array(y2, chunks=1)),
    ):
        # Refused while the graph is built, in the NumPy path's words.
        with pytest.raises(ValueError, match=f"^{re.escape(MISMATCH)}$"):
            CALLS[call](two_inputs(), x, y)


@pytest.mark.parametrize("call", CALLS)
def test_empty_arrays_are_named_on_numpy_and_dask(call: str) -> None:
    da = pytest.importorskip("dask.array")
    for x in (np.array([]), da.zeros(0, chunks=1)):
        with pytest.raises(ValueError, match=f"^{re.escape(EMPTY)}"):
            CALLS[call](two_inputs(), x, 1.0)
        with pytest.raises(ValueError, match=f"^{re.escape(EMPTY)}"):
            CALLS[call](two_inputs(), x, x)


def test_empty_and_mismatched_dask_data_are_named_by_every_scale_entry() -> None:
    da = pytest.importorskip("dask.array")
    from autograd_lite.compiled import scale

    prog = two_inputs()
    empty2d = da.zeros((0, 2), chunks=(1, 2))
    both = "compiled program: the 2-D array of input 0 ('x') to input 1 ('y') is an empty array"
    with pytest.raises(ValueError, match=f"^{re.escape(both)}"):
        scale.value_and_grad(prog, [empty2d], reduce="mean", input_grads=False)
    with pytest.raises(ValueError, match=f"^{re.escape(both)}"):
        scale.run(prog, [empty2d])
    with pytest.raises(ValueError, match=f"^{re.escape(EMPTY)}"):
        scale.block_sums([prog], [[0.5]], da.zeros(0, chunks=1), 1.0)
    with pytest.raises(
        ValueError,
        match=r"^compiled program: argument 1 has 4 examples but argument 0 has 3 ",
    ):
        scale.chunk_sums(
            lambda blocks, n: [0.0], da.ones(3, chunks=2), da.ones(4, chunks=2), width=1
        )
    x, y, z = Value(0.0, "x"), Value(0.0, "y"), Value(0.0, "z")
    three = compile_graph(x * y + z, [x, y, z])
    columns = "the 2-D array of input 0 ('x') to input 1 ('y') has 3"
    with pytest.raises(
        ValueError,
        match=rf"^compiled program: input 2 \('z'\) has 4 examples but {re.escape(columns)} ",
    ):
        scale.value_and_grad(three, [da.ones((3, 2), chunks=2), da.ones(4, chunks=2)])


# ------------------------ 6. sums: what agrees to the bit, and a bound on the rest
# The bound of docs/design.md ("Sums over a batch"): any order of m additions
# (and one product per term) is within GAMMA(m)·Σ|t| of the exact sum.
U = 2.0**-53


def gamma(m: int) -> float:
    k = (m + 1) * U
    return k / (1.0 - k)


def left_to_right(terms: Any) -> float:
    return functools.reduce(operator.add, [float(t) for t in terms], -0.0)


def abs_sum(terms: Any) -> float:
    return math.fsum(abs(float(t)) for t in terms)


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


@given(st.lists(st.floats(-1e300, 1e300), min_size=1, max_size=40))
def test_al_sum_al_mean_and_a_chain_of_plus_have_the_same_bits(values: list[float]) -> None:
    want = left_to_right(values)
    leaves = [Value(v) for v in values]
    chain = leaves[0]
    for v in leaves[1:]:
        chain = chain + v
    assert bits(al.sum(leaves).data) == bits(want)
    assert bits(al.mean(leaves).data) == bits(want / len(values))
    if len(values) > 1:  # a chain of one value is that value, -0.0 included
        assert bits(chain.data) == bits(want)
    with al.no_grad():
        assert bits(al.sum(leaves).data) == bits(want)


def test_arithmetic_alone_gives_the_eager_bits_for_every_example() -> None:
    rng = np.random.default_rng(6)
    x, y, w = Value(0.0, "x"), Value(0.0, "y"), Value(0.7, "w")
    root = (x * w - y) / (1.0 + x * x) + al.sum([x * y * 3.0, -w, y])
    prog = compile_graph(root, [x, y], [w])
    xs, ys = rng.normal(size=500) * 10.0, rng.normal(size=500)
    value, (gx, gy, gw) = prog.value_and_grad(xs, ys, reduce=None)
    for e in range(500):
        xe, ye, we = Value(float(xs[e])), Value(float(ys[e])), Value(0.7)
        r = (xe * we - ye) / (1.0 + xe * xe) + al.sum([xe * ye * 3.0, -we, ye])
        r.backward()
        assert (value[e], gx[e], gy[e], gw[e]) == (r.data, xe.grad, ye.grad, we.grad)


def tanh_program(w0: float) -> Program:
    x, w = Value(0.0, "x"), Value(w0, "w")
    return compile_graph((x * w).tanh(), [x], [w])


def tanh_cases() -> Any:
    """The reported programs: (x·w).tanh() over m = 8, 16 and 1000 examples, 40 of them."""
    rng = np.random.default_rng(40)
    for t in range(40):
        m = (8, 16, 1000)[t % 3]
        w0 = float(rng.normal())
        xs = rng.normal(size=m) * 10.0 ** rng.uniform(-2, 1)
        yield tanh_program(w0), w0, xs


def sums(prog: Program, data: Any) -> Callable[[str], tuple[float, float]]:
    """reduce → (the reduced value, the parameter's reduced gradient), as floats."""

    def run(reduce: str) -> tuple[float, float]:
        value, (_, g) = prog.value_and_grad(data, reduce=reduce, input_grads=False)  # type: ignore[arg-type]
        return float(value), float(g)

    return run


def assert_sums_within_the_bound(
    run: Callable[[str], tuple[float, float]], terms: Any, gterms: Any
) -> None:
    """The value and the parameter's gradient, summed and averaged, against left to right."""
    m = len(terms)
    value, g = run("sum")
    assert abs(value - left_to_right(terms)) <= 2 * gamma(m) * abs_sum(terms)
    assert abs(g - left_to_right(gterms)) <= 2 * gamma(m) * abs_sum(gterms)
    value, g = run("mean")
    for got, ts in ((value, terms), (g, gterms)):
        assert abs(got - left_to_right(ts) / m) <= (2 * gamma(m) + 4 * U) * abs_sum(ts) / m


def test_sums_over_a_numpy_batch_are_within_the_bound_of_left_to_right() -> None:
    for prog, _, xs in tanh_cases():
        values, (_, gw) = prog.value_and_grad(xs, reduce=None)
        assert_sums_within_the_bound(sums(prog, xs), values, gw)


def test_sums_over_an_array_api_batch_are_within_the_bound_of_left_to_right() -> None:
    xp = pytest.importorskip("array_api_strict")
    for prog, _, xs in tanh_cases():
        data = xp.asarray(xs)
        values, (_, gw) = prog.value_and_grad(data, reduce=None)
        assert_sums_within_the_bound(sums(prog, data), np.asarray(values), np.asarray(gw))


def test_the_reported_programs_agree_with_eager_within_the_bound() -> None:
    for prog, w0, xs in tanh_cases():
        m = len(xs)
        values, (_, gw) = prog.value_and_grad(xs, reduce=None)
        value, (_, g) = prog.value_and_grad(xs, reduce="sum", input_grads=False)
        W = Value(w0, "w")
        losses = [(Value(float(a)) * W).tanh() for a in xs]
        total = al.sum(losses)
        total.backward()
        eager = [v.data for v in losses]
        terms = []  # each example's gradient, as the eager engine computes it
        for a in xs:
            Wi = Value(w0)
            (Value(float(a)) * Wi).tanh().backward()
            terms.append(Wi.grad)
        # The eager gradient adds the same terms, last example first.
        assert W.grad == functools.reduce(operator.add, reversed(terms), 0.0)
        for got, want, ts, es in ((value, total.data, values, eager), (g, W.grad, gw, terms)):
            apart = math.fsum(abs(float(t) - e) for t, e in zip(ts, es, strict=True))
            assert abs(got - want) <= gamma(m) * (abs_sum(ts) + abs_sum(es)) + apart


def test_sums_over_dask_chunks_are_within_the_bound_and_repeat_their_bits() -> None:
    da = pytest.importorskip("dask.array")
    from autograd_lite.compiled import scale

    for prog, _, xs in tanh_cases():
        if len(xs) < 1000:
            continue
        values, (_, gw) = prog.value_and_grad(xs, reduce=None)
        m = len(xs)
        for chunks, split_every in ((97, 2), (250, None), (1000, None)):
            data = da.from_array(xs, chunks=chunks)
            runs = [
                scale.value_and_grad(
                    prog,
                    [data],
                    reduce="sum",
                    input_grads=False,
                    split_every=split_every,
                    compute=True,
                    scheduler=scheduler,
                )
                for scheduler in ("threads", "sync", "threads")
            ]
            value, (_, g) = runs[0]
            assert abs(value - left_to_right(values)) <= 2 * gamma(m) * abs_sum(values)
            assert abs(g - left_to_right(gw)) <= 2 * gamma(m) * abs_sum(gw)
            assert {(bits(v), bits(gg)) for v, (_, gg) in runs} == {(bits(value), bits(g))}


# ------------------------------------------------------------------ every door checks
@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [
        (math.inf, ValueError, "must be finite, got inf"),
        (math.nan, ValueError, "must be finite, got nan"),
        ("abc", TypeError, "expected a real number (int or float), got str 'abc'"),
        (10**400, OverflowError, "too large for a float"),
    ],
)
def test_setting_data_is_checked_as_the_constructor_checks(
    bad: object, error: type[Exception], words: str
) -> None:
    x = al.Value(2.0, "x")
    with pytest.raises(error, match=re.escape(words)) as info:
        x.data = bad  # type: ignore[assignment]
    assert "'x'" in str(info.value)  # the node is named
    assert x.data == 2.0  # and keeps its number
    x.data = 3  # an int is a real number: stored as a float
    assert type(x.data) is float and x.data == 3.0


def test_huge_ints_are_named_with_their_size_never_cut_silently() -> None:
    with pytest.raises(OverflowError, match=r"Value: 1000+…0+ \(401 characters\) is too large"):
        al.Value(10**400)
    with pytest.raises(OverflowError, match=r"pow: operand 1000+…0+ \(401 characters\)"):
        al.Value(1.0) ** 10**400
