"""Recording state is per thread: no_grad, hooks and transforms never leak across threads.

Also blocks that travel between threads, generators and tasks, and the
process-wide pause of the collector under many threads.

Overlaps are forced with barriers and events, never with sleeps, so every
test runs the same interleaving each time; only the stress tests of the
collector's pause leave the interleaving to the scheduler, switching
threads as often as it can.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import gc
import pickle
import sys
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

import autograd_lite as al
from autograd_lite.anomaly import AnomalyError, detect_anomaly
from autograd_lite.base import mode
from autograd_lite.core.value import Value

TIMEOUT = 10.0


def run_threads(*targets: Callable[[], None]) -> None:
    """Run each target in its own thread; re-raise the first failure here."""
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 3)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]


def in_new_thread(probe: Callable[[], object]) -> object:
    """Return what ``probe`` returns when called in a fresh thread."""
    out: list[object] = []
    run_threads(lambda: out.append(probe()))
    return out[0]


def default_everywhere() -> None:
    state = (mode.grad_enabled(), mode.hook(), mode.depth())
    assert state == (True, None, 0)
    assert in_new_thread(lambda: (mode.grad_enabled(), mode.hook(), mode.depth())) == state
    assert mode.is_fast()


@pytest.fixture(autouse=True)
def _clean_state() -> None:
    default_everywhere()


# ------------------------------------------------------------- 1: no_grad
def test_no_grad_in_one_thread_does_not_stop_another_from_recording() -> None:
    entered, computed, exited = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def a() -> None:
        with mode.no_grad():
            seen["a inside"] = mode.grad_enabled()
            entered.set()
            assert computed.wait(TIMEOUT)
            seen["a leaf"] = (Value(2.0) * 3).parents
        seen["a after"] = mode.grad_enabled()
        exited.set()

    def b() -> None:
        assert entered.wait(TIMEOUT)
        seen["b inside"] = mode.grad_enabled()
        seen["fast while a inside"] = mode.is_fast()
        x = Value(3.0, "x")
        y = x * x
        y.backward()
        seen["parents"] = y.parents == (x, x)
        seen["grad"] = x.grad
        computed.set()
        assert exited.wait(TIMEOUT)
        seen["b after"] = mode.grad_enabled()

    run_threads(a, b)
    assert seen == {
        "a inside": False,
        "b inside": True,
        "fast while a inside": False,
        "parents": True,
        "grad": 6.0,
        "a leaf": (),
        "a after": True,
        "b after": True,
    }
    default_everywhere()


def test_a_new_thread_starts_in_the_default_state() -> None:
    with mode.no_grad(), mode.using_hook(Counter()), mode.transform():
        assert (mode.grad_enabled(), mode.depth()) == (False, 1)
        assert in_new_thread(lambda: (mode.grad_enabled(), mode.hook(), mode.depth())) == (
            True,
            None,
            0,
        )
    default_everywhere()


# ------------------------------------------------ 2: overlapping blocks
class Counter:
    """A do-nothing hook."""

    def __init__(self) -> None:
        self.forward = 0

    def on_forward(self, node: object) -> None:
        self.forward += 1

    def on_backward(self, node: object, index: int, contribution: float) -> None:
        pass

    def on_error(self, op: object, args: tuple[object, ...], exc: Exception) -> None:
        pass


ORDERS = {
    "A in, B in, A out, B out": "A+ B+ A- B-",
    "A in, B in, B out, A out": "A+ B+ B- A-",
    "B in, A in, B out, A out": "B+ A+ B- A-",
    "disjoint": "A+ A- B+ B-",
    "nested in A across B": "A+ B+ A+ B- A- A-",
    "grad back on inside no_grad": "A+ B+ Aon B- Bon A- B- A-",
    "hooks overlap": "Ah B+ Bh A- A+ B- B- A-",
    "hook and no_grad in both": "A+ Ah Bh B+ A- B- A- B-",
}


@pytest.mark.parametrize("script", ORDERS.values(), ids=ORDERS.keys())
def test_overlapping_blocks_restore_each_threads_own_state(script: str) -> None:
    steps = script.split()
    turn = threading.Condition()
    done = [0]
    # What each thread's state should be: a stack of (record, hook) per thread.
    expected: dict[str, list[tuple[bool, object]]] = {"A": [(True, None)], "B": [(True, None)]}
    hooks = {"A": Counter(), "B": Counter()}
    log: list[tuple[str, bool, object, bool]] = []

    def fast_expected() -> bool:
        return all(s[-1] == (True, None) for s in expected.values())

    def thread(name: str) -> Callable[[], None]:
        def run() -> None:
            open_blocks: list[AbstractContextManager[None]] = []
            for i, step in enumerate(steps):
                if step[0] != name:
                    continue
                with turn:
                    assert turn.wait_for(lambda i=i: done[0] == i, TIMEOUT)  # type: ignore[misc]
                    action = step[1:]
                    record, hook = expected[name][-1]
                    if action == "-":
                        open_blocks.pop().__exit__(None, None, None)
                        expected[name].pop()
                    else:
                        cm = {
                            "+": lambda: mode.no_grad(),
                            "on": lambda: mode.set_grad_enabled(True),
                            "h": lambda: mode.using_hook(hooks[name]),
                        }[action]()
                        cm.__enter__()
                        open_blocks.append(cm)
                        if action == "+":
                            record = False
                        elif action == "on":
                            record = True
                        else:
                            hook = hooks[name]
                        expected[name].append((record, hook))
                    want = expected[name][-1]
                    got = (mode.grad_enabled(), mode.hook())
                    log.append((step, got == want, mode.is_fast(), fast_expected()))
                    done[0] += 1
                    turn.notify_all()
            assert not open_blocks
            assert (mode.grad_enabled(), mode.hook()) == (True, None)

        return run

    run_threads(thread("A"), thread("B"))
    assert [s for s, *_ in log] == steps
    for step, own_state_ok, fast, fast_wanted in log:
        assert own_state_ok, step
        assert fast == fast_wanted, step
    default_everywhere()


# ------------------------------------------------ 3: concurrent training
@pytest.mark.parametrize("seed", [0, 1])
def test_two_threads_train_concurrently_with_correct_gradients(seed: int) -> None:
    # Each step one thread (the holder) sits inside no_grad while the other
    # runs its forward and backward; the roles swap every step.
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    data = {
        "A": ([1.0, 2.0, 3.0], [2.0, 4.5, 5.5], 0.0, 0.0),
        "B": ([-1.0, 0.5, 2.0], [1.0, -2.0, 3.0], 1.0 + seed, -1.0),
    }
    lr = 0.01
    bad: list[str] = []

    def train(name: str, holds_on_even: bool) -> Callable[[], None]:
        xs, ys, w0, b0 = data[name]

        def run() -> None:
            w, b = Value(w0, "w"), Value(b0, "b")
            for step in range(100):
                holder = (step % 2 == 0) == holds_on_even
                if not holder:
                    barrier.wait()
                residuals = [w.data * x + b.data - y for x, y in zip(xs, ys, strict=True)]
                want_w = sum(2 * r * x for r, x in zip(residuals, xs, strict=True))
                want_b = sum(2 * r for r in residuals)
                loss = al.sum([(w * x + b - y) ** 2 for x, y in zip(xs, ys, strict=True)])
                loss.backward()
                if not (w.grad != 0 and b.grad != 0):
                    bad.append(f"{name} step {step}: zero gradient {w.grad}, {b.grad}")
                if w.grad != pytest.approx(want_w) or b.grad != pytest.approx(want_b):
                    bad.append(f"{name} step {step}: {w.grad}, {b.grad} != {want_w}, {want_b}")
                with mode.no_grad():
                    if holder:
                        barrier.wait()  # the other thread now runs its forward
                        barrier.wait()  # ... and has finished it
                    new_w = (w - lr * w.grad).named("w")
                    new_b = (b - lr * b.grad).named("b")
                if new_w.parents or new_b.parents:
                    bad.append(f"{name} step {step}: the update was recorded")
                if not holder:
                    barrier.wait()
                w, b = new_w, new_b

        return run

    run_threads(train("A", True), train("B", False))
    assert bad == []
    default_everywhere()


# ----------------------------------------------- 4: overlapping anomaly
def test_overlapping_detect_anomaly_blocks_stay_per_thread() -> None:
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    seen: dict[str, object] = {}

    def a() -> None:
        with detect_anomaly():
            own = mode.hook()
            seen["a hook set"] = own is not None
            try:
                Value(1e308) * 10
            except AnomalyError:
                seen["a raised"] = True
            barrier.wait()  # 1: A inside, B outside
            barrier.wait()  # 2: B has computed
            barrier.wait()  # 3: B entered too
            seen["a hook unchanged"] = mode.hook() is own
        seen["a after"] = mode.hook()
        barrier.wait()  # 4: A out, B inside
        barrier.wait()  # 5: B out

    def b() -> None:
        barrier.wait()  # 1
        seen["b hook outside"] = mode.hook()
        try:
            seen["b result"] = (Value(1e308) * 10).data
        except Exception as exc:  # the plain-mode overflow error, once there is one
            seen["b error is anomaly"] = isinstance(exc, AnomalyError)
        barrier.wait()  # 2
        with detect_anomaly():
            own = mode.hook()
            seen["b chains to nothing"] = getattr(own, "previous", "?") is None
            barrier.wait()  # 3
            barrier.wait()  # 4
            seen["b hook unchanged"] = mode.hook() is own
            seen["fast while b inside"] = mode.is_fast()
        seen["b after"] = mode.hook()
        barrier.wait()  # 5

    run_threads(a, b)
    assert seen.pop("a raised") is True
    assert seen.pop("b error is anomaly", False) is False
    seen.pop("b result", None)
    assert seen == {
        "a hook set": True,
        "b hook outside": None,
        "b chains to nothing": True,
        "a hook unchanged": True,
        "a after": None,
        "b hook unchanged": True,
        "fast while b inside": False,
        "b after": None,
    }
    default_everywhere()


# ------------------------------------------------ 5: transform depth
def test_grad_in_one_thread_is_not_nested_in_another_threads_grad() -> None:
    inside, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def held(x: Value) -> Value:
        inside.set()
        assert release.wait(TIMEOUT)
        return x * x

    def a() -> None:
        results["a"] = al.grad(held)(3.0)

    def b() -> None:
        assert inside.wait(TIMEOUT)
        try:
            results["depth seen by b"] = mode.depth()
            results["b"] = al.grad(lambda x: x**3)(2.0)
        finally:
            release.set()

    run_threads(a, b)
    assert results["depth seen by b"] == 0
    assert type(results["b"]) is float and results["b"] == 12.0
    assert type(results["a"]) is float and results["a"] == 6.0
    default_everywhere()


def test_transform_depth_nests_and_unwinds_on_errors() -> None:
    with mode.transform():
        with mode.transform():
            assert mode.depth() == 2
            assert in_new_thread(mode.depth) == 0
        assert mode.depth() == 1
        with pytest.raises(RuntimeError), mode.transform():
            raise RuntimeError
        assert mode.depth() == 1
    assert mode.depth() == 0
    assert mode.is_fast()  # depth never slows the engine down


# ------------------------------------------ 6: set_grad_enabled nesting
def test_set_grad_enabled_nesting_restores_each_level() -> None:
    with mode.set_grad_enabled(False):
        assert not mode.grad_enabled() and not mode.recording()
        with mode.set_grad_enabled(True):
            assert mode.grad_enabled()
            assert mode.is_fast()  # back to the default state: this thread no longer counts
            with mode.no_grad():
                assert not mode.grad_enabled() and not mode.is_fast()
            assert mode.grad_enabled()
        assert not mode.grad_enabled() and not mode.is_fast()
    assert mode.grad_enabled() and mode.is_fast()


def test_set_grad_enabled_restores_when_an_exception_escapes() -> None:
    with pytest.raises(KeyError), mode.set_grad_enabled(False):
        with pytest.raises(ValueError), mode.set_grad_enabled(True):
            raise ValueError
        assert not mode.grad_enabled()
        with mode.no_grad():
            raise KeyError
    default_everywhere()


def test_one_context_manager_object_can_be_reentered() -> None:
    off, on = mode.no_grad(), mode.set_grad_enabled(True)
    with off:
        with on:
            with off:
                assert not mode.grad_enabled()
            assert mode.grad_enabled()
        assert not mode.grad_enabled()
    default_everywhere()


def test_using_hook_nests_and_restores() -> None:
    outer, inner = Counter(), Counter()
    with mode.using_hook(outer):
        assert mode.hook() is outer and not mode.is_fast()
        with mode.using_hook(None):
            assert mode.hook() is None and mode.is_fast()
        with pytest.raises(ZeroDivisionError), mode.using_hook(inner):
            assert mode.hook() is inner
            1 / 0  # noqa: B018
        assert mode.hook() is outer
    default_everywhere()


def test_set_grad_enabled_takes_any_truthy_value() -> None:
    with mode.set_grad_enabled(0):  # type: ignore[arg-type]
        assert mode.grad_enabled() is False
    assert mode.grad_enabled() is True


# ---------------------------------------------- 7: fast-flag callbacks
def test_on_fast_change_fires_on_every_flip_and_only_then() -> None:
    calls: list[bool] = []
    mode.on_fast_change(calls.append)
    assert calls == [True]
    with mode.no_grad():
        assert calls == [True, False]
        with mode.no_grad(), mode.using_hook(Counter()):
            pass
        assert calls == [True, False]
    assert calls == [True, False, True]
    with mode.using_hook(Counter()):
        assert calls == [True, False, True, False]
    assert calls == [True, False, True, False, True]


def test_on_fast_change_across_overlapping_threads() -> None:
    calls: list[bool] = []
    mode.on_fast_change(calls.append)
    barrier = threading.Barrier(2, timeout=TIMEOUT)

    def a() -> None:
        with mode.no_grad():
            barrier.wait()  # 1: A in
            barrier.wait()  # 2: B in
        barrier.wait()  # 3: A out

    def b() -> None:
        barrier.wait()  # 1
        with mode.no_grad():
            barrier.wait()  # 2
            barrier.wait()  # 3
            assert calls == [True, False]  # B still inside: no flip yet

    run_threads(a, b)
    assert calls == [True, False, True]


def test_a_callback_registered_while_slow_first_hears_false() -> None:
    calls: list[bool] = []
    with mode.no_grad():
        mode.on_fast_change(calls.append)
    assert calls == [False, True]


# ------------------------------------- 8: blocks that travel between threads
def suspended_in_no_grad() -> Iterator[bool]:
    """A generator that suspends inside ``with no_grad():``."""
    with mode.no_grad():
        yield mode.grad_enabled()
        yield mode.grad_enabled()


def test_a_block_left_in_another_thread_raises_and_restores_the_entering_thread() -> None:
    gen = suspended_in_no_grad()
    assert next(gen) is False  # entered here, in the main thread
    assert (mode.grad_enabled(), mode.is_fast()) == (False, False)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        # The worker resumes inside the block, but the block is the main thread's.
        assert pool.submit(next, gen).result(TIMEOUT) is True
        with pytest.raises(RuntimeError) as info:
            pool.submit(next, gen).result(TIMEOUT)
        worker = pool.submit(lambda: (threading.current_thread().name, mode.grad_enabled()))
        name, worker_records = worker.result(TIMEOUT)
    message = str(info.value)
    assert message.startswith("no_grad(): this block was entered in thread 'MainThread' ")
    assert f"is being left in thread {name!r}" in message
    assert "a generator or coroutine that suspends inside no_grad()" in message
    assert worker_records is True
    default_everywhere()  # the main thread records again and the fast flag is back on


def test_a_block_left_elsewhere_keeps_the_entering_threads_newer_block() -> None:
    # The main thread enters the generator's block, then a block of its own;
    # the generator's block ends in a worker: the main thread's own block
    # stays in force until it ends, and then restores the setting from
    # before both.
    gen = suspended_in_no_grad()
    next(gen)
    with mode.set_grad_enabled(True):
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(next, gen).result(TIMEOUT)
            with pytest.raises(RuntimeError, match="entered in thread 'MainThread'"):
                pool.submit(next, gen).result(TIMEOUT)
        assert mode.grad_enabled() is True
        with mode.no_grad():
            assert mode.grad_enabled() is False
        assert mode.grad_enabled() is True
    default_everywhere()


def test_a_shared_block_left_by_a_third_thread_changes_nobody() -> None:
    shared = mode.no_grad()
    entered = threading.Barrier(3, timeout=TIMEOUT)
    left = threading.Barrier(3, timeout=TIMEOUT)
    seen: dict[str, object] = {}

    def holder(name: str) -> Callable[[], None]:
        def run() -> None:
            with shared:
                entered.wait()
                left.wait()
                seen[name] = mode.grad_enabled()
            seen[name + " after"] = mode.grad_enabled()

        return run

    def stranger() -> None:
        entered.wait()
        try:
            with pytest.raises(RuntimeError, match="which never entered it") as info:
                shared.__exit__(None, None, None)
            seen["message"] = str(info.value)
            seen["stranger"] = mode.grad_enabled()
        finally:
            left.wait()

    run_threads(holder("A"), holder("B"), stranger)
    assert "no thread's setting was changed" in str(seen.pop("message"))
    assert seen == {"A": False, "B": False, "stranger": True, "A after": True, "B after": True}
    default_everywhere()


def test_plain_set_grad_enabled_switches_only_the_calling_thread() -> None:
    switched, checked = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def a() -> None:
        mode.set_grad_enabled(False)
        seen["a"] = mode.grad_enabled()
        switched.set()
        assert checked.wait(TIMEOUT)
        mode.set_grad_enabled(True)
        seen["a after"] = mode.grad_enabled()

    def b() -> None:
        assert switched.wait(TIMEOUT)
        seen["b"] = mode.grad_enabled()
        seen["fast"] = mode.is_fast()
        seen["b parents"] = len((Value(2.0) * Value(3.0)).parents)
        checked.set()

    run_threads(a, b)
    assert seen == {"a": False, "b": True, "fast": False, "b parents": 2, "a after": True}
    default_everywhere()


def test_a_decorated_function_called_in_overlapping_threads() -> None:
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    seen: dict[str, object] = {}

    @mode.no_grad()
    def update(name: str) -> None:
        barrier.wait()  # both calls are running
        seen[name] = (mode.grad_enabled(), (Value(1.0) + 2).parents)
        barrier.wait()

    run_threads(lambda: update("A"), lambda: update("B"))
    assert seen == {"A": (False, ()), "B": (False, ())}
    default_everywhere()


def test_a_block_closed_by_the_collector_during_a_switch_does_not_hang() -> None:
    # A generator suspended in a block and caught in a reference cycle is
    # closed by the collector, which may run in the middle of another switch
    # of the same thread: leaving its block there must not wait on the lock
    # that switch holds.
    def in_a_cycle(box: list[object]) -> Iterator[None]:
        with mode.set_grad_enabled(True):
            yield

    armed: list[bool] = []

    def collect_once(fast: bool) -> None:
        if armed and not fast:
            armed.clear()
            gc.collect()

    mode.on_fast_change(collect_once)

    def run() -> None:
        box: list[object] = []
        gen = in_a_cycle(box)
        box.append(gen)
        next(gen)
        del gen, box
        armed.append(True)
        with mode.no_grad():  # the fast flag goes off: the collector runs
            assert not armed
            assert mode.grad_enabled() is False
        assert mode.grad_enabled() is True

    run_threads(run)
    default_everywhere()


# ------------------------------- 9: generators and tasks suspended in a block
def test_a_generator_suspended_in_no_grad_leaves_its_caller_not_recording() -> None:
    # The documented limitation, as in PyTorch: the block is the thread's.
    gen = suspended_in_no_grad()
    next(gen)
    assert mode.grad_enabled() is False
    assert (Value(2.0) * 3).parents == ()  # the caller records nothing meanwhile
    next(gen)
    assert next(gen, "done") == "done"  # the generator leaves the block
    default_everywhere()


def test_the_documented_patterns_keep_the_caller_recording() -> None:
    @mode.no_grad()
    def decorated() -> Iterator[bool]:
        yield mode.grad_enabled()
        yield mode.grad_enabled()

    def block_per_step() -> Iterator[bool]:
        for _ in range(2):
            with mode.no_grad():
                off = mode.grad_enabled()
            yield off

    for gen in (decorated(), block_per_step()):
        assert next(gen) is False
        assert mode.grad_enabled() is True
        assert len((Value(2.0) * 3).parents) == 2
        assert next(gen) is False
        assert mode.grad_enabled() is True
    default_everywhere()


def test_a_decorated_generator_gets_send_throw_and_close_with_the_setting() -> None:
    seen: list[tuple[str, object, bool]] = []

    @mode.no_grad()
    def echo() -> Generator[object, object, None]:
        """Echo what is sent."""
        received: object = None
        try:
            while True:
                try:
                    received = yield received
                    seen.append(("sent", received, mode.grad_enabled()))
                except ValueError as exc:
                    seen.append(("thrown", str(exc), mode.grad_enabled()))
                    received = "caught"
        finally:
            seen.append(("closed", None, mode.grad_enabled()))

    gen = echo()
    assert (echo.__name__, echo.__doc__) == ("echo", "Echo what is sent.")
    assert next(gen) is None
    assert gen.send(5) == 5
    assert gen.throw(ValueError("bad")) == "caught"
    assert mode.grad_enabled() is True
    gen.close()
    assert seen == [("sent", 5, False), ("thrown", "bad", False), ("closed", None, False)]
    with pytest.raises(TypeError, match="async generator function"):

        @mode.no_grad()
        async def stream() -> AsyncIterator[int]:
            yield 1

    default_everywhere()


def test_an_asyncio_task_suspended_in_no_grad_stops_the_other_tasks_recording() -> None:
    async def suspends(inside: asyncio.Event, go: asyncio.Event) -> None:
        with mode.no_grad():
            inside.set()
            await go.wait()

    @mode.no_grad()
    async def decorated(inside: asyncio.Event, go: asyncio.Event) -> None:
        inside.set()
        await go.wait()

    async def other(task: Callable[..., Coroutine[Any, Any, None]]) -> bool:
        inside, go = asyncio.Event(), asyncio.Event()
        running = asyncio.create_task(task(inside, go))
        await inside.wait()
        records = mode.grad_enabled()
        go.set()
        await running
        return records

    assert asyncio.run(other(suspends)) is False  # the limitation
    assert asyncio.run(other(decorated)) is True  # the pattern that avoids it
    default_everywhere()


def test_blocks_of_interleaved_tasks_ending_out_of_order_restore_the_thread() -> None:
    async def first(entered: asyncio.Event, second_in: asyncio.Event) -> None:
        with mode.no_grad():
            entered.set()
            await second_in.wait()

    async def second(entered: asyncio.Event, second_in: asyncio.Event) -> list[bool]:
        await entered.wait()
        with mode.set_grad_enabled(True):
            second_in.set()
            await asyncio.sleep(0)
            await asyncio.sleep(0)  # the first task's block has ended meanwhile
            inside = mode.grad_enabled()
        return [inside, mode.grad_enabled()]

    async def both() -> list[bool]:
        entered, second_in = asyncio.Event(), asyncio.Event()
        _, states = await asyncio.gather(first(entered, second_in), second(entered, second_in))
        return states

    assert asyncio.run(both()) == [True, True]
    default_everywhere()


# ------------------------------------------------ 10: the collector's pause
@pytest.fixture
def tiny_switch_interval() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


@pytest.fixture
def collector_on() -> Iterator[None]:
    assert gc.isenabled()
    yield
    on = gc.isenabled()
    gc.enable()
    assert on, "the collector was left off"


@pytest.mark.parametrize("script", ["A+ B+ A- B-", "A+ B+ B- A-"])
def test_overlapping_pauses_keep_the_collector_off_until_the_last_ends(
    collector_on: None, script: str
) -> None:
    steps = script.split()
    turn = threading.Condition()
    done = [0]
    log: list[tuple[str, bool]] = []

    def thread(name: str) -> Callable[[], None]:
        def run() -> None:
            pause = al.gc_paused()
            for i, step in enumerate(steps):
                if step[0] != name:
                    continue
                with turn:
                    assert turn.wait_for(lambda i=i: done[0] == i, TIMEOUT)  # type: ignore[misc]
                    if step[1] == "+":
                        pause.__enter__()
                    else:
                        pause.__exit__(None, None, None)
                    log.append((step, gc.isenabled()))
                    done[0] += 1
                    turn.notify_all()

        return run

    run_threads(thread("A"), thread("B"))
    assert log == [(s, False) for s in steps[:3]] + [(steps[3], True)]


def test_concurrent_pauses_leave_the_collector_on(
    collector_on: None, tiny_switch_interval: None
) -> None:
    def pause_often() -> None:
        for _ in range(5000):
            with al.gc_paused():
                assert not gc.isenabled()

    for _ in range(3):  # one round lost the collector about 3 times in 4 before
        run_threads(*[pause_often] * 8)
        assert gc.isenabled()


def test_concurrent_pauses_leave_a_disabled_collector_disabled(
    tiny_switch_interval: None,
) -> None:
    def pause_often() -> None:
        for _ in range(2000):
            with al.gc_paused():
                assert not gc.isenabled()

    gc.disable()
    try:
        run_threads(*[pause_often] * 8)
        assert not gc.isenabled()
    finally:
        gc.enable()


def small_graph() -> Value:
    x = Value(0.5, "x")
    y = x
    for _ in range(4):
        y = (y * 1.5 + x).tanh()
    return y


@pytest.mark.parametrize(
    "copy_graph",
    [copy.deepcopy, lambda g: pickle.loads(pickle.dumps(g)), pickle.dumps],
    ids=["deepcopy", "pickle round trip", "pickle.dumps"],
)
def test_concurrent_copies_and_pickles_leave_the_collector_on(
    collector_on: None, tiny_switch_interval: None, copy_graph: Callable[[Value], object]
) -> None:
    graph = small_graph()

    def copy_often() -> None:
        for _ in range(1000):
            copied = copy_graph(graph)
            if isinstance(copied, Value):
                assert copied.data == graph.data and copied is not graph

    for _ in range(3):  # one round lost the collector about 1 time in 2 before
        run_threads(*[copy_often] * 8)
        assert gc.isenabled()


def test_gc_paused_decorates_and_refuses_an_extra_exit(collector_on: None) -> None:
    @al.gc_paused()
    def build() -> bool:
        """Build something."""
        return gc.isenabled()

    assert (build(), gc.isenabled()) == (False, True)
    assert (build.__name__, build.__doc__) == ("build", "Build something.")
    with pytest.raises(RuntimeError, match="more often than one was begun"):
        al.gc_paused().__exit__(None, None, None)
    assert gc.isenabled()
    with al.gc_paused():  # still counts from zero
        assert not gc.isenabled()
    assert gc.isenabled()
