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

A thread that ends while inside a :func:`no_grad` or :func:`using_hook`
block never leaves it, so it stays counted and the fast flag stays false for
the rest of the process: results stay correct, ops are only slower.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, ContextDecorator
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar

__all__ = [
    "Hook",
    "depth",
    "gc_paused",
    "grad_enabled",
    "hook",
    "is_fast",
    "no_grad",
    "on_fast_change",
    "recording",
    "set_grad_enabled",
    "transform",
    "using_hook",
]


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


class _State(threading.local):
    """One thread's state; ``threading.local`` runs ``__init__`` once per thread."""

    def __init__(self) -> None:
        self.record = True
        self.hook: Hook | None = None
        self.depth = 0


_state = _State()

_lock = threading.Lock()
#: Threads whose state is not the default (recording off or a hook installed).
_count = 0
_callbacks: list[Callable[[bool], None]] = []


def recording() -> bool:
    """Return whether ops record their parents in this thread."""
    return _state.record


def hook() -> Hook | None:
    """Return this thread's installed hook, or ``None``."""
    return _state.hook


def depth() -> int:
    """Return how many function transforms this thread is currently inside."""
    return _state.depth


def grad_enabled() -> bool:
    """Return whether ops currently record their parents (in this thread).

    True by default in every thread; false inside :func:`no_grad` or
    ``set_grad_enabled(False)`` entered by the same thread.

    Example:
        >>> with no_grad():
        ...     inside = grad_enabled()
        >>> inside, grad_enabled()
        (False, True)
    """
    return _state.record


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


def _switch(record: bool, new_hook: Hook | None) -> tuple[bool, Hook | None]:
    """Set this thread's record flag and hook; return the previous pair."""
    global _count
    state = _state
    previous = (state.record, state.hook)
    was_default = previous[0] and previous[1] is None
    now_default = record and new_hook is None
    # The thread's own state changes before the fast flag goes off and after
    # it comes back on, so whenever this thread is in a non-default state the
    # flag is already off; other threads are default and need no care.
    state.record = record
    state.hook = new_hook
    if was_default != now_default:
        with _lock:
            fast_before = _count == 0
            _count += -1 if now_default else 1
            fast_after = _count == 0
            if fast_before != fast_after:
                for callback in _callbacks:
                    callback(fast_after)
    return previous


_T = TypeVar("_T")


class _Restoring(Generic[_T]):
    """A context manager that sets a value on entry and restores it on exit.

    One instance may be entered again while already entered, also from
    several threads at once: each entry's previous value is kept on a stack
    of its own thread.
    """

    __slots__ = ("_saved",)

    def __init__(self) -> None:
        self._saved: dict[int, list[_T]] = {}

    def _enter(self) -> _T:
        raise NotImplementedError

    def _exit(self, previous: _T) -> None:
        raise NotImplementedError

    def __enter__(self) -> None:
        previous = self._enter()
        self._saved.setdefault(threading.get_ident(), []).append(previous)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        ident = threading.get_ident()
        stack = self._saved[ident]
        previous = stack.pop()
        if not stack:
            del self._saved[ident]
        self._exit(previous)


class _GradEnabled(_Restoring[bool]):
    __slots__ = ("_enabled",)

    def __init__(self, enabled: bool) -> None:
        super().__init__()
        self._enabled = enabled

    def _enter(self) -> bool:
        return _switch(self._enabled, _state.hook)[0]

    def _exit(self, previous: bool) -> None:
        _switch(previous, _state.hook)


class _UsingHook(_Restoring[Hook | None]):
    __slots__ = ("_hook",)

    def __init__(self, new_hook: Hook | None) -> None:
        super().__init__()
        self._hook = new_hook

    def _enter(self) -> Hook | None:
        return _switch(_state.record, self._hook)[1]

    def _exit(self, previous: Hook | None) -> None:
        _switch(_state.record, previous)


class _Transform:
    __slots__ = ()

    # Depth counts open transforms, so it is decremented rather than restored:
    # that stays right even when two generators interleave their blocks.
    def __enter__(self) -> None:
        _state.depth += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _state.depth -= 1


def set_grad_enabled(enabled: bool) -> AbstractContextManager[None]:
    """Context manager that switches recording on or off in this thread.

    Other threads are unaffected. On exit the thread's previous setting is
    restored, also when an exception escapes; blocks nest.

    Args:
        enabled: Whether ops inside the block record their parents.

    Returns:
        The context manager.

    Example:
        >>> with set_grad_enabled(False):
        ...     with set_grad_enabled(True):
        ...         inner = grad_enabled()
        ...     outer = grad_enabled()
        >>> inner, outer, grad_enabled()
        (True, False, True)
    """
    return _GradEnabled(bool(enabled))


def no_grad() -> AbstractContextManager[None]:
    """Context manager in which ops of this thread record no parents.

    Inside it every result is a new leaf: use it for parameter updates and
    inference. Other threads keep recording. Same as
    ``set_grad_enabled(False)``.

    Returns:
        The context manager.

    Example:
        >>> with no_grad():
        ...     off = grad_enabled()
        >>> off, grad_enabled()
        (False, True)
    """
    return _GradEnabled(False)


def using_hook(new_hook: Hook | None) -> AbstractContextManager[None]:
    """Context manager that installs ``new_hook`` for this thread.

    On exit the thread's previous hook is restored, also when an exception
    escapes. ``None`` removes any hook inside the block.

    Args:
        new_hook: The hook to install, or ``None``.

    Returns:
        The context manager.
    """
    return _UsingHook(new_hook)


def transform() -> AbstractContextManager[None]:
    """Context manager marking that this thread evaluates a function transform.

    :func:`depth` is one higher inside it, in this thread only.

    Returns:
        The context manager.
    """
    return _Transform()


# ------------------------------------------------------------- the collector
_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


class gc_paused(ContextDecorator):
    """Context manager (and decorator) that pauses Python's cyclic garbage collector.

    A graph recorded by the forward ops and differentiated by a first-order
    ``backward`` contains no reference cycles (a node holds neither a closure
    nor a link to the nodes computed from it), so reference counting alone
    frees it once dropped and the cyclic collector never finds anything in
    it. The collector still *scans* every live node: a full collection runs
    whenever the objects that survived earlier collections have grown by
    25 %, so a graph of 10**5 nodes is rescanned several times while it is
    built, which can cost more than building it. Pausing the collector around
    a large build skips those scans; reference counting keeps working, so
    memory is still freed at once.

    The pause is process-wide and counted: the first pause to begin switches
    the collector off (if it was on), and the last one to end, in any thread
    and in any interleaving, switches it back on; a collector the caller had
    switched off stays off. Cycles created in the meantime, by any thread,
    are collected after the last pause ends.

    Example:
        >>> import gc
        >>> with gc_paused():
        ...     paused = not gc.isenabled()
        >>> paused, gc.isenabled()
        (True, True)
    """

    def __enter__(self) -> None:
        global _gc_pauses, _gc_was_enabled
        with _gc_lock:
            if _gc_pauses == 0:
                _gc_was_enabled = gc.isenabled()
                gc.disable()
            _gc_pauses += 1

    def __exit__(self, *exc: object) -> None:
        global _gc_pauses
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()
