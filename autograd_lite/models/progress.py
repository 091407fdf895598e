"""Progress reports of the library's training loops: tqdm when installed, a built-in bar otherwise.

``LogisticRegression.fit`` (one step per epoch) and
:func:`autograd_lite.models.optimize.fit_logistic` (one step per iteration) take the
same ``progress=`` argument, read here: ``None`` shows a bar on stderr
(``tqdm.auto`` when tqdm is installed: a widget in Jupyter, a text bar on a
terminal; else :class:`ProgressBar`), off when stderr is not a terminal or the
environment sets ``TQDM_DISABLE``; ``True`` shows it even then; ``False``
prints nothing; a callable receives ``(step, cost)`` instead.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import IO, Any

__all__ = ["ProgressBar"]


class ProgressBar:
    """A hand-written progress bar: redrawn in place on a terminal, plain lines otherwise.

    The training loops fall back to it when tqdm is not installed, and the
    ``autograd-lite demo`` command always uses it.

    Args:
        total: Number of steps.
        stream: Where to write (stderr by default).
        width: Characters of the bar itself.
    """

    def __init__(self, total: int, stream: IO[str] | None = None, width: int = 30) -> None:
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self._last_line = -1

    def update(self, done: int, message: str = "") -> None:
        """Show that ``done`` of ``total`` steps are finished."""
        done = min(max(done, 0), self.total)
        if self.tty:
            filled = self.width * done // self.total
            bar = "#" * filled + "." * (self.width - filled)
            end = "\n" if done == self.total else ""
            self.stream.write(f"\r[{bar}] {done}/{self.total} {message}{end}")
            self.stream.flush()
            return
        # Not a terminal (a log file, CI): about ten plain lines in all.
        tenth = 10 * done // self.total
        if tenth != self._last_line:
            self._last_line = tenth
            self.stream.write(f"{done}/{self.total} {message}\n")

    def finish(self, message: str = "") -> None:
        """End the bar's line early (a loop that stopped before ``total`` steps)."""
        if self.tty:
            self.stream.write(f" {message}\n" if message else "\n")
            self.stream.flush()
        elif message:
            self.stream.write(f"{message}\n")


def _env_disabled() -> bool:
    """Whether ``TQDM_DISABLE`` asks for no bar (read on every call, as tqdm would)."""
    flag = os.environ.get("TQDM_DISABLE", "").strip().lower()
    return flag not in ("", "0", "false", "no", "off")


def _stderr_is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class Bar:
    """The bar of one loop: tqdm's when it is installed, else :class:`ProgressBar`."""

    def __init__(self, total: int, tqdm: Any, force: bool, unit: str) -> None:
        self._tqdm: Any = None
        self._text: ProgressBar | None = None
        self._done = 0
        self.total = total
        if tqdm is not None:
            # disable=None is tqdm's own "off when stderr is not a terminal"; its
            # notebook widget ignores it and always shows.
            self._tqdm = tqdm(total=total, desc="fit", unit=unit, disable=False if force else None)
        else:
            self._text = ProgressBar(total)

    def update(self, done: int, cost: float) -> None:
        """Show that ``done`` steps are finished, the last one at ``cost``."""
        self._done = done
        if self._tqdm is not None:
            self._tqdm.set_postfix_str(f"cost {cost:.4f}", refresh=False)
            self._tqdm.update(1)
        elif self._text is not None:
            self._text.update(done, f"cost {cost:.4f}")

    def close(self, message: str = "") -> None:
        """Close the bar; ``message`` says why when the loop stopped before ``total`` steps."""
        if self._tqdm is not None:
            if message:
                self._tqdm.set_postfix_str(message, refresh=False)
            self._tqdm.close()
        elif self._text is not None and self._done < self.total:
            self._text.finish(message)


def progress_bar(total: int, progress: object, unit: str) -> Bar | None:
    """Return the bar that ``progress=...`` asks for, or None for none."""
    if progress is False or callable(progress):
        return None
    force = progress is True
    if not force and _env_disabled():
        return None
    try:
        tqdm = importlib.import_module("tqdm.auto").tqdm
    except ImportError:
        if not force and not _stderr_is_terminal():
            return None
        tqdm = None
    return Bar(total, tqdm, force, unit)


class Reporter:
    """What one training loop reports after each step: the bar and the callables.

    Checks ``progress`` and ``callback`` (``TypeError`` naming ``where``) and
    picks the bar: a ``callback`` given without ``progress`` keeps it off.
    """

    def __init__(
        self, total: int, progress: object, callback: object, where: str, unit: str
    ) -> None:
        if not (progress is None or isinstance(progress, bool) or callable(progress)):
            raise TypeError(
                f"{where}: progress must be None, True, False or a callable({unit}, cost), "
                f"got {type(progress).__name__}"
            )
        if callback is not None and not callable(callback):
            raise TypeError(f"{where}: callback must be callable, got {type(callback).__name__}")
        self._calls = [f for f in (callback, progress) if callable(f)]
        quiet = callback is not None and progress is None
        self._bar = None if quiet else progress_bar(total, progress, unit)

    def step(self, done: int, index: int, cost: float) -> None:
        """After ``done`` steps: the bar advances, the callables get ``(index, cost)``."""
        if self._bar is not None:
            self._bar.update(done, cost)
        for call in self._calls:
            call(index, cost)

    def close(self, message: str = "") -> None:
        """Close the bar (``message``: how the loop ended, when it ended early)."""
        if self._bar is not None:
            self._bar.close(message)
