"""Anomaly detection: find the first op that produces NaN or ±inf.

Inside ``with detect_anomaly():`` every recorded op checks its result, and
every backward pass (``backward``, ``gradients``, ``create_graph``) checks each
contribution a node sends to its inputs. The first non-finite number raises
:class:`AnomalyError`, naming the op, the labels and values of its inputs and
the line of user code that created the node.

The check is an observer installed for the current thread with
:func:`autograd_lite.base.mode.using_hook`; other threads are not observed, and
outside the context the engine runs its unobserved fast paths.

:class:`AnomalyError` subclasses :class:`FloatingPointError` (itself an
:class:`ArithmeticError`): a non-finite float result is exactly a
floating-point error, and code that already catches ``ArithmeticError``
catches it too. Each error raised is one of two subclasses that are also the
error the engine raises outside the context, so the same ``except`` clause
works in and out of it: :class:`AnomalyOverflowError` (an ``OverflowError``)
for ±inf and :class:`AnomalyNaNError` (a ``ValueError``) for NaN.
"""

from __future__ import annotations

import linecache
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from autograd_lite.base import mode
from autograd_lite.base.mode import Hook
from autograd_lite.core.value import Value

__all__ = ["AnomalyError", "AnomalyNaNError", "AnomalyOverflowError", "Site", "detect_anomaly"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


class Site(NamedTuple):
    """Where a node was created: the first frame outside autograd_lite."""

    filename: str
    lineno: int
    function: str

    def __str__(self) -> str:
        source = linecache.getline(self.filename, self.lineno).strip()
        where = f"{self.filename}:{self.lineno} in {self.function}"
        return f"{where}: {source}" if source else where


class AnomalyError(FloatingPointError):
    """A recorded op produced NaN or ±inf inside :func:`detect_anomaly`.

    Raised as :class:`AnomalyOverflowError` or :class:`AnomalyNaNError`.

    Attributes:
        node: The node whose forward result, or whose backward contribution,
            is not finite; ``None`` when the forward raised before a node
            existed.
        op: The op-table row that computed it (``None`` for a leaf).
        phase: ``"forward"`` or ``"backward"``.
        site: Where the node was created, when known.
    """

    # Every field after the message has a default so that ``type(exc)(message)``
    # (how errors are re-raised with context) and unpickling still work.
    def __init__(
        self,
        message: str,
        node: Value | None = None,
        phase: str = "forward",
        site: Site | None = None,
        op: Any = None,
    ) -> None:
        super().__init__(message)
        self.node = node
        self.op = node.op if op is None and node is not None else op
        self.phase = phase
        self.site = site


class AnomalyOverflowError(AnomalyError, OverflowError):
    """An :class:`AnomalyError` for ±inf; also an ``OverflowError``.

    ``except OverflowError`` catches it inside :func:`detect_anomaly` as it
    catches the engine's plain overflow error outside.
    """


class AnomalyNaNError(AnomalyError, ValueError):
    """An :class:`AnomalyError` for NaN; also a ``ValueError``.

    ``except ValueError`` catches it inside :func:`detect_anomaly` as it
    catches the engine's plain "the result is NaN" error outside.
    """


def _kind(x: float) -> type[AnomalyError]:
    return AnomalyNaNError if x != x else AnomalyOverflowError


def _caller_site() -> Site | None:
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        # Code the package generates is named "<autograd_lite ...>".
        ours = filename.startswith("<autograd_lite") or os.path.abspath(filename).startswith(
            _PACKAGE
        )
        if not ours:
            return Site(filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _who(node: Value, i: int | None = None) -> str:
    if node.label:
        return repr(node.label)
    if i is not None:
        return f"input {i}"
    return f"an unlabelled {node.op.name if node.op else 'leaf'} node"


def _inputs(node: Value) -> str:
    return _describe(node.parents)


def _describe(args: tuple[Value, ...]) -> str:
    if not args:
        return "no inputs"
    return "; ".join(f"{_who(p, i)} = {p.data!r}" for i, p in enumerate(args))


class _AnomalyHook:
    """The observer installed while a :func:`detect_anomaly` context is open."""

    __slots__ = ("previous", "sites")

    def __init__(self, previous: Hook | None) -> None:
        self.previous = previous
        self.sites: dict[Value, Site | None] = {}

    def site(self, node: Value) -> Site | None:
        hook: Hook | None = self
        while isinstance(hook, _AnomalyHook):
            if node in hook.sites:
                return hook.sites[node]
            hook = hook.previous
        return None

    def _created(self, node: Value) -> str:
        site = self.site(node)
        return f"created at {site}" if site else "created before detect_anomaly was entered"

    def on_forward(self, node: Value) -> None:
        if self.previous is not None:
            self.previous.on_forward(node)
        site = _caller_site()
        self.sites[node] = site
        if not math.isfinite(node.data):
            op = node.op.name if node.op else "leaf"
            raise _kind(node.data)(
                f"{op} forward produced {node.data!r} (inputs: {_inputs(node)}); "
                f"{self._created(node)}",
                node,
                "forward",
                site,
            )

    def on_backward(self, node: Value, index: int, contribution: float) -> None:
        if self.previous is not None:
            self.previous.on_backward(node, index, contribution)
        if math.isfinite(contribution):
            return
        op = node.op.name if node.op else "leaf"
        parent = node.parents[index]
        raise _kind(contribution)(
            f"{op} backward at {_who(node)} (data={node.data!r}) sent {contribution!r} "
            f"to its input {index} ({_who(parent, index)} = {parent.data!r}); "
            f"inputs: {_inputs(node)}; {self._created(node)}",
            node,
            "backward",
            self.site(node),
        )

    def on_error(self, op: Any, args: tuple[Any, ...], exc: Exception) -> None:
        if self.previous is not None:
            self.previous.on_error(op, args, exc)
        if isinstance(exc, AnomalyError):  # already rich: do not wrap it twice
            return
        # The engine's plain errors are recognised by type (and, for a
        # ValueError, by naming NaN) rather than by their exact wording.
        kind: type[AnomalyError]
        if isinstance(exc, OverflowError):
            kind, what = AnomalyOverflowError, "overflowed a float (±inf)"
        elif isinstance(exc, ValueError) and "NaN" in str(exc):
            kind, what = AnomalyNaNError, "produced nan"
        else:
            return
        site = _caller_site()
        where = f"called at {site}" if site else "called from an unknown line"
        name = getattr(op, "name", repr(op))
        raise kind(
            f"{name} forward {what} (inputs: {_describe(args)}); {where}",
            None,
            "forward",
            site,
            op,
        ) from exc


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Context manager that raises at the first NaN or ±inf, forward or backward.

    Only the current thread is observed. Contexts nest; on exit the thread's
    previous state (another hook or none) is restored, even when an exception
    escapes. Inside the context each op also
    records where it was created, which costs time: use it for debugging.

    Raises:
        AnomalyOverflowError: At the first op whose result, or whose
            backward contribution to one of its inputs, is ±inf.
        AnomalyNaNError: At the first op whose result or contribution is NaN.

    Example:
        >>> from autograd_lite import Value
        >>> try:
        ...     with detect_anomaly():
        ...         y = Value(1e308, "big") * 10
        ... except AnomalyError as e:
        ...     print(e.phase, e.op.name, isinstance(e, OverflowError))
        forward mul True
    """
    with mode.using_hook(_AnomalyHook(mode.hook())):
        yield
