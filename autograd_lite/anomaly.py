"""Anomaly detection: find the first op that produces NaN or ±inf.

Inside ``with detect_anomaly():`` every recorded op checks its result, and
every backward pass (``backward``, ``gradients``, ``create_graph``) checks each
contribution a node sends to its inputs. The first non-finite number raises
:class:`AnomalyError`, naming the op, the labels and values of its inputs and
the line of user code that created the node.

The check is an observer installed in ``value.MODE.hook``; outside the
context no hook is installed and the engine runs its unobserved fast paths.

:class:`AnomalyError` subclasses :class:`FloatingPointError` (itself an
:class:`ArithmeticError`): a non-finite float result is exactly a
floating-point error, and code that already catches ``ArithmeticError``
catches it too.
"""

from __future__ import annotations

import linecache
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from autograd_lite.value import MODE, ModeHook, Value

__all__ = ["AnomalyError", "Site", "detect_anomaly"]

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

    Attributes:
        node: The node whose forward result, or whose backward contribution,
            is not finite.
        phase: ``"forward"`` or ``"backward"``.
        site: Where the node was created, when known.
    """

    def __init__(self, message: str, node: Value, phase: str, site: Site | None) -> None:
        super().__init__(message)
        self.node = node
        self.phase = phase
        self.site = site


def _caller_site() -> Site | None:
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE):
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
    if not node.parents:
        return "no inputs"
    return "; ".join(f"{_who(p, i)} = {p.data!r}" for i, p in enumerate(node.parents))


class _AnomalyHook:
    """The observer installed while a :func:`detect_anomaly` context is open."""

    __slots__ = ("previous", "sites")

    def __init__(self, previous: ModeHook | None) -> None:
        self.previous = previous
        self.sites: dict[Value, Site | None] = {}

    def site(self, node: Value) -> Site | None:
        hook: ModeHook | None = self
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
            raise AnomalyError(
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
        raise AnomalyError(
            f"{op} backward at {_who(node)} (data={node.data!r}) sent {contribution!r} "
            f"to its input {index} ({_who(parent, index)} = {parent.data!r}); "
            f"inputs: {_inputs(node)}; {self._created(node)}",
            node,
            "backward",
            self.site(node),
        )


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Context manager that raises at the first NaN or ±inf, forward or backward.

    Contexts nest; on exit the previous state (another hook or none) is
    restored, even when an exception escapes. Inside the context each op also
    records where it was created, which costs time: use it for debugging.

    Raises:
        AnomalyError: At the first op whose result, or whose backward
            contribution to one of its inputs, is not finite.

    Example:
        >>> from autograd_lite import Value
        >>> try:
        ...     with detect_anomaly():
        ...         y = Value(1e308, "big") * 10
        ... except AnomalyError as e:
        ...     print(e.phase, e.node.op.name)
        forward mul
    """
    previous = MODE.hook
    hook = _AnomalyHook(previous)
    MODE.hook = hook
    MODE.refresh()
    try:
        yield
    finally:
        MODE.hook = previous
        MODE.refresh()
