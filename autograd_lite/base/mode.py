"""Per-thread recording state: grad mode, the installed hook, transform depth.

Each thread has its own state, default in every new thread: recording on,
no hook, depth 0. :func:`no_grad` in one thread therefore never changes what
another thread records, and overlapping blocks in several threads each
restore their own thread's state.

The engine's hot path does not read this thread-local state for every op.
It reads one process-wide flag, :func:`is_fast`, which is true while *no*
thread has recording off or a hook installed; the engine keeps a copy of it
in a module global through :func:`on_fast_change`. When the flag is false,
the engine takes its slower path, which consults :func:`recording` and
:func:`hook` for the current thread, so every thread still gets exactly its
own behaviour.

A block belongs to the thread that entered it. Leaving it in another thread
raises :class:`RuntimeError`; the block is then ended in the thread that
entered it, which gets back the setting it had before the block (at once,
or when the blocks it entered after that one end), and the leaving thread's
setting is unchanged. Blocks of one thread may also end out of order (two
generators or asyncio tasks that each suspend inside a block): the thread's
state is then what its blocks still open say, and once all have ended it is
what it was before the first.

A thread that ends while inside a :func:`no_grad` or :func:`using_hook`
block never leaves it (unless another thread does), so it stays counted and
the fast flag stays false for the rest of the process: results stay
correct, ops are only slower.

:func:`gc_paused` lives here too: the other switch the engine flips around a
block of code, process-wide rather than per thread.
"""

from __future__ import annotations

import functools
import gc
import inspect
import threading
from collections.abc import Callable, Coroutine, Generator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar, cast

__all__ = [
    "Block",
    "Hook",
    "depth",
    "gc_paused",
    "grad_enabled",
    "grad_nodes_made",
    "hook",
    "is_fast",
    "no_grad",
    "note_grad_nodes",
    "on_fast_change",
    "recording",
    "set_grad_enabled",
    "transform",
    "using_hook",
]

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])


class Hook(Protocol):
    """Observer of the recorded ops of one thread (``detect_anomaly`` installs one)."""

    def on_forward(self, node: Any) -> None:
        """Called with each recorded node, right after it is created."""

    def on_backward(self, node: Any, index: int, contribution: float) -> None:
        """Called with each contribution a node sends to its input ``index``."""

    def on_error(self, op: Any, args: tuple[Any, ...], exc: Exception) -> None:
        """Called when the forward of ``op`` on ``args`` raised ``exc``.

        The engine re-raises ``exc`` afterwards; the hook may raise a richer
        error instead.
        """


class _Entry(Generic[_T]):
    """One open block in one thread: the setting it replaced."""

    __slots__ = ("previous",)

    def __init__(self) -> None:
        self.previous: _T


class _Thread:
    """One thread's state.

    A plain object rather than the thread-local itself, so that a block left
    in another thread can still restore the state of the thread it was
    entered in.
    """

    __slots__ = ("depth", "hook", "hooks", "name", "record", "records")

    def __init__(self) -> None:
        self.record = True
        self.hook: Hook | None = None
        self.depth = 0
        # The open blocks that set record (hook), oldest first.
        self.records: list[_Entry[bool]] = []
        self.hooks: list[_Entry[Hook | None]] = []
        self.name = threading.current_thread().name


class _Local(threading.local):
    """``threading.local`` runs ``__init__`` once per thread."""

    def __init__(self) -> None:
        self.state = _Thread()


_local = _Local()

# Guards every thread's state, the count and the callbacks. Reentrant: a
# collection can start inside any locked section, and its finalizers (a
# generator suspended in a block, closed when collected) may enter or leave
# a block in the same thread; a plain Lock would hang that thread for good.
_lock = threading.RLock()
#: Threads whose state is not the default (recording off or a hook installed).
_count = 0
_callbacks: list[Callable[[bool], None]] = []


# Whether any node of this process has ever held a grad_node (set by
# backward(create_graph=True), and by copying or loading such a node). Until
# then a plain backward has no grad_node to clear, and the fast layer skips it.
_grad_nodes = False


def note_grad_nodes() -> None:
    """Record that some node now holds a ``grad_node`` (read by :func:`grad_nodes_made`)."""
    global _grad_nodes
    _grad_nodes = True


def grad_nodes_made() -> bool:
    """Return whether any node of this process has ever held a ``grad_node``."""
    return _grad_nodes


def recording() -> bool:
    """Return whether ops record their parents in this thread."""
    return _local.state.record


def hook() -> Hook | None:
    """Return this thread's installed hook, or ``None``."""
    return _local.state.hook


def depth() -> int:
    """Return how many function transforms this thread is currently inside."""
    return _local.state.depth


def grad_enabled() -> bool:
    """Return whether ops currently record their parents (in this thread).

    True by default in every thread; false inside :func:`no_grad` or
    ``set_grad_enabled(False)`` entered by the same thread, and after a plain
    call ``set_grad_enabled(False)`` in it.

    Example:
        >>> with no_grad():
        ...     inside = grad_enabled()
        >>> inside, grad_enabled()
        (False, True)
    """
    return _local.state.record


def is_fast() -> bool:
    """Return True iff no thread has recording off or a hook installed.

    This is process-wide: it is what lets the engine skip the per-thread
    checks. Transform depth does not affect it.
    """
    return _count == 0


def on_fast_change(callback: Callable[[bool], None]) -> None:
    """Register ``callback(fast)``, called every time :func:`is_fast` flips.

    The callback is also called once, immediately, with the current value.
    Callbacks run while the state lock is held, so they see the flips in the
    order they happen; they must be quick, must not raise, and must not
    enter or leave a mode context themselves.

    Args:
        callback: Receives the new value of :func:`is_fast`.
    """
    with _lock:
        _callbacks.append(callback)
        callback(_count == 0)


def _switch(state: _Thread, record: bool, new_hook: Hook | None) -> None:
    """Set a thread's record flag and hook; the caller holds ``_lock``."""
    global _count
    was_default = state.record and state.hook is None
    now_default = record and new_hook is None
    # The fast flag goes off before the thread's state leaves the default and
    # comes back on only after it has returned there: the thread may be
    # another one, running ops meanwhile, and must never take the fast path
    # while its state is not the default.
    if was_default and not now_default:
        _count += 1
        if _count == 1:
            for callback in _callbacks:
                callback(False)
    state.record = record
    state.hook = new_hook
    if now_default and not was_default:
        _count -= 1
        if _count == 0:
            for callback in _callbacks:
                callback(True)


class Block:
    """A setting applied around a block of code, as context manager or decorator.

    :func:`no_grad`, :func:`set_grad_enabled`, :func:`using_hook` and
    :func:`gc_paused` return one. ``with block:`` applies the setting inside
    the ``with`` statement and restores the previous one when it ends, also
    when an exception escapes; one object may be entered again while already
    entered, and from several threads.

    ``@block`` on a function runs each call of it with the setting and
    restores the previous one when the call returns or raises. On a
    generator function or an ``async def`` function, the setting is applied
    around each resumption of the body (each ``next``, ``send``, ``throw``
    and each step of the coroutine), so the code that drives the generator
    or the other tasks of the event loop keep their own setting while the
    body is suspended. Async generator functions are refused.

    Example:
        >>> @no_grad()
        ... def evaluate(x):
        ...     return grad_enabled()
        >>> evaluate(1.0), grad_enabled()
        (False, True)
    """

    __slots__ = ()

    def __enter__(self) -> None:
        raise NotImplementedError

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        raise NotImplementedError

    def _name(self) -> str:
        raise NotImplementedError

    def _decorating(self) -> None:
        """Prepare to be used as a decorator (see ``set_grad_enabled``)."""

    def __call__(self, func: _F) -> _F:
        """Return ``func`` wrapped to run with this setting (see the class)."""
        self._decorating()
        if inspect.isasyncgenfunction(func):
            raise TypeError(
                f"{self._name()} cannot decorate the async generator function "
                f"{func.__qualname__}: use 'with {self._name()}:' inside its body, "
                "around code that does not await or yield"
            )
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args: Any, **kwargs: Any) -> Any:
                return (yield from self._resumed(func(*args, **kwargs)))

            return cast(_F, generator)
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def coroutine(*args: Any, **kwargs: Any) -> Any:
                return await _Awaiting(self._resumed(func(*args, **kwargs)))

            return cast(_F, coroutine)
        if not callable(func):
            raise TypeError(f"{self._name()} decorates a function, not {func!r}")

        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return cast(_F, call)

    def _resumed(
        self, inner: Generator[Any, Any, Any] | Coroutine[Any, Any, Any]
    ) -> Generator[Any, Any, Any]:
        """Drive ``inner``, entering this block around each of its resumptions."""
        sent: Any = None
        error: BaseException | None = None
        while True:
            try:
                with self:
                    item = inner.send(sent) if error is None else inner.throw(error)
            except StopIteration as stop:
                return stop.value
            finally:
                error = None
            try:
                sent = yield item
            except GeneratorExit:
                with self:
                    inner.close()
                raise
            except BaseException as exc:
                error = exc


class _Awaiting:
    """Makes the generator ``Block._resumed`` returns awaitable."""

    __slots__ = ("_steps",)

    def __init__(self, steps: Generator[Any, Any, Any]) -> None:
        self._steps = steps

    def __await__(self) -> Generator[Any, Any, Any]:
        return self._steps


class _Restoring(Block, Generic[_T]):
    """A block that sets one field of the thread's state and restores it.

    Each entry is kept twice: on the entering thread's stack for the field
    (so blocks that end out of order hand their saved value on to the block
    above) and in this object's per-thread lists (so ``__exit__`` finds the
    entry to close, also when it runs in another thread).
    """

    __slots__ = ("_label", "_open", "_pending", "_value")

    def __init__(self, value: _T, label: str) -> None:
        self._value = value
        self._label = label
        self._open: dict[_Thread, list[_Entry[_T]]] = {}
        # (thread, value before the call) after set_grad_enabled switched a
        # thread at once: the first entry in that thread, if the switch is
        # still in force, restores that value, as `with set_grad_enabled(x):`
        # must; `@set_grad_enabled(x)` undoes the switch.
        self._pending: tuple[_Thread, _T] | None = None

    def _name(self) -> str:
        return self._label

    # The field this block sets: its stack in a thread's state, its current
    # value there, and how to set it (the caller holds _lock).
    def _stack(self, state: _Thread) -> list[_Entry[_T]]:
        raise NotImplementedError

    def _get(self, state: _Thread) -> _T:
        raise NotImplementedError

    def _set(self, state: _Thread, value: _T) -> None:
        raise NotImplementedError

    def __enter__(self) -> None:
        state = _local.state
        entry: _Entry[_T] = _Entry()
        with _lock:
            pending = self._pending
            self._pending = None
            if pending is not None and pending[0] is state and self._get(state) == self._value:
                entry.previous = pending[1]
            else:
                entry.previous = self._get(state)
            self._stack(state).append(entry)
            entries = self._open.get(state)
            if entries is None:
                self._open[state] = [entry]
            else:
                entries.append(entry)
            self._set(state, self._value)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        state = _local.state
        with _lock:
            entries = self._open.get(state)
            if entries:
                self._close(state, entries)
                return
            owners = list(self._open)
            if len(owners) == 1:
                self._close(owners[0], self._open[owners[0]])
        here = repr(state.name)
        if not owners:
            raise RuntimeError(
                f"{self._label}: this block is being left in thread {here} more often "
                "than it was entered; every exit needs its own earlier entry"
            )
        advice = (
            f"a generator or coroutine that suspends inside {self._label} must be "
            "resumed in the thread that entered the block, or apply the setting around "
            f"each resumption (decorate the generator function with @{self._label})"
        )
        if len(owners) == 1:
            raise RuntimeError(
                f"{self._label}: this block was entered in thread {owners[0].name!r} and is "
                f"being left in thread {here}; {advice}. The block is ended in thread "
                f"{owners[0].name!r}, which gets back the setting it had before the block "
                "(once any block it entered later has ended too); the setting of thread "
                f"{here} is unchanged"
            )
        names = ", ".join(repr(s.name) for s in owners)
        raise RuntimeError(
            f"{self._label}: this block is being left in thread {here}, which never "
            f"entered it, while it is open in threads {names}, so which entry ends is "
            f"unknown and no thread's setting was changed; {advice}"
        )

    def _close(self, state: _Thread, entries: list[_Entry[_T]]) -> None:
        """Close this block's latest entry in ``state``; the caller holds ``_lock``."""
        entry = entries.pop()
        if not entries:
            del self._open[state]
        stack = self._stack(state)
        if stack[-1] is entry:
            stack.pop()
            self._set(state, entry.previous)
        else:
            # Ended out of order: the setting in force stays that of the
            # newer block, which now restores what this one replaced.
            i = stack.index(entry)
            stack[i + 1].previous = entry.previous
            del stack[i]

    def _decorating(self) -> None:
        state = _local.state
        with _lock:
            pending = self._pending
            if pending is not None and pending[0] is state:
                self._pending = None
                self._set(state, pending[1])


class _GradEnabled(_Restoring[bool]):
    __slots__ = ()

    def _stack(self, state: _Thread) -> list[_Entry[bool]]:
        return state.records

    def _get(self, state: _Thread) -> bool:
        return state.record

    def _set(self, state: _Thread, value: bool) -> None:
        _switch(state, value, state.hook)


class _UsingHook(_Restoring["Hook | None"]):
    __slots__ = ()

    def _stack(self, state: _Thread) -> list[_Entry[Hook | None]]:
        return state.hooks

    def _get(self, state: _Thread) -> Hook | None:
        return state.hook

    def _set(self, state: _Thread, value: Hook | None) -> None:
        _switch(state, state.record, value)


class _Transform:
    __slots__ = ()

    # Depth counts open transforms, so it is decremented rather than restored:
    # that stays right even when two generators interleave their blocks.
    def __enter__(self) -> None:
        _local.state.depth += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _local.state.depth -= 1


def set_grad_enabled(enabled: bool) -> Block:
    """Switch recording on or off in this thread, at once or around a block.

    As a plain call it switches this thread at once and keeps the setting
    until it is switched again. As a context manager (``with``) the previous
    setting, the one before the call, is restored on exit, also when an
    exception escapes; blocks nest. As a decorator (``@``) the call itself
    switches nothing: each call of the decorated function runs with the
    setting. Other threads are unaffected. A block belongs to the thread
    that entered it: see :func:`no_grad` for generators, coroutines and
    blocks left in another thread.

    Args:
        enabled: Whether ops record their parents.

    Returns:
        A :class:`Block`.

    Example:
        >>> with set_grad_enabled(False):
        ...     with set_grad_enabled(True):
        ...         inner = grad_enabled()
        ...     outer = grad_enabled()
        >>> inner, outer, grad_enabled()
        (True, False, True)
        >>> _ = set_grad_enabled(False)
        >>> grad_enabled()
        False
        >>> _ = set_grad_enabled(True)
        >>> grad_enabled()
        True
    """
    on = bool(enabled)
    block = _GradEnabled(on, f"set_grad_enabled({on})")
    state = _local.state
    # Already so (the usual case of `with set_grad_enabled(True):`): nothing
    # to switch, and nothing for the first entry to restore but what it
    # finds, so the lock is not needed.
    if state.record != on:
        with _lock:
            block._pending = (state, state.record)
            _switch(state, on, state.hook)
    return block


def no_grad() -> Block:
    """Block in which ops of this thread record no parents.

    Inside it every result is a new leaf: use it for parameter updates and
    inference. Other threads keep recording. Same as
    ``set_grad_enabled(False)`` used with ``with`` or ``@``; a plain call
    ``no_grad()`` does nothing.

    A block belongs to the thread that entered it and applies to that
    thread, not to a piece of code. A generator or an asyncio task that
    suspends inside ``with no_grad():`` leaves the code that resumes it, and
    the other tasks of the event loop, without recording until it resumes
    and leaves the block (PyTorch behaves the same). Decorate the generator
    or ``async def`` function with ``@no_grad()`` instead (the setting then
    applies around each resumption only), or enter the block around each
    resumption, or do the work outside the generator. Leaving the block in
    another thread than the one that entered it raises
    :class:`RuntimeError`; the entering thread then gets back the setting it
    had before the block, and the leaving thread's setting is unchanged.

    Returns:
        A :class:`Block`.

    Example:
        >>> with no_grad():
        ...     off = grad_enabled()
        >>> off, grad_enabled()
        (False, True)
    """
    return _GradEnabled(False, "no_grad()")


def using_hook(new_hook: Hook | None) -> Block:
    """Block in which ``new_hook`` is installed for this thread.

    On exit the thread's previous hook is restored, also when an exception
    escapes. ``None`` removes any hook inside the block. As a decorator,
    each call of the function runs with the hook; a plain call installs
    nothing.

    Args:
        new_hook: The hook to install, or ``None``.

    Returns:
        A :class:`Block`.
    """
    return _UsingHook(new_hook, "using_hook(...)")


def transform() -> AbstractContextManager[None]:
    """Context manager marking that this thread evaluates a function transform.

    :func:`depth` is one higher inside it, in this thread only.

    Returns:
        The context manager.
    """
    return _Transform()


# The collector's pause is counted process-wide: the first pause records
# whether the collector was on and switches it off, the last one to end
# switches it back on if it was.
_gc_lock = threading.RLock()  # reentrant for the same reason as _lock
_gc_pauses = 0
_gc_was_enabled = False


class _GcPause(Block):
    __slots__ = ()

    def _name(self) -> str:
        return "gc_paused()"

    def __enter__(self) -> None:
        global _gc_pauses, _gc_was_enabled
        with _gc_lock:
            if _gc_pauses == 0:
                _gc_was_enabled = gc.isenabled()
                gc.disable()
            _gc_pauses += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        global _gc_pauses
        with _gc_lock:
            if _gc_pauses == 0:
                left = True
            else:
                left = False
                _gc_pauses -= 1
                if _gc_pauses == 0 and _gc_was_enabled:
                    gc.enable()
        if left:
            raise RuntimeError(
                "gc_paused(): a pause is being ended more often than one was begun; "
                "every exit needs its own earlier entry"
            )


def gc_paused() -> Block:
    """Pause Python's cyclic garbage collector around a block of code.

    A graph recorded by the forward ops and differentiated by a first-order
    ``backward`` contains no reference cycles (a node holds neither a closure
    nor a link to the nodes computed from it), so reference counting alone
    frees it once dropped and the cyclic collector never finds anything in
    it. (``backward(create_graph=True)`` is different: a ``grad_node`` can
    lead back to its own node, and such cycles wait for the collector.)
    The collector still *scans* every live node: a full collection runs
    whenever the objects that survived earlier collections have grown by 25 %,
    so a graph of 10**5 nodes is rescanned several times while it is built,
    which can cost more than building it. Pausing the collector around a
    large build skips those scans; reference counting keeps working, so
    memory is still freed at once.

    The pause is process-wide and counted: the first pause to begin, in any
    thread, records whether the collector is on and switches it off; the
    collector stays off until the last pause still open ends, which switches
    it back on only if it was on when the first began. Nested pauses,
    overlapping pauses in several threads, exceptions and a collector the
    caller switched off therefore all leave it as it was. Cycles created by
    any code while a pause is open are collected only after the last one
    ends. Works with ``with`` and as the decorator ``@gc_paused()``.
    ``LogisticRegression.fit`` and ``LogisticRegression.cost`` use it, and so
    do pickling and ``copy.deepcopy`` of a graph.

    Returns:
        A :class:`Block`.

    Example:
        >>> import gc
        >>> with gc_paused():
        ...     paused = not gc.isenabled()
        >>> paused, gc.isenabled()
        (True, True)
    """
    return _GcPause()
