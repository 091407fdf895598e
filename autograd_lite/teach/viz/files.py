"""Safe file writes: whole files or nothing, and never over a file nobody named.

Every file the package writes (diagrams, stepper pages, charts, the CLI's
outputs) goes through :func:`write_atomic`: the bytes go to a temporary file in
the same folder, which is then renamed into place with :func:`os.replace`, so
an interrupted write leaves the old file (or no file), never half of one.
:func:`write_new` writes a file the caller did not name as its output (a
fallback): it never replaces an existing file and picks ``name.1.dot``,
``name.2.dot``... instead.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path

__all__ = ["unused_name", "write_atomic", "write_new"]

_umask_lock = threading.Lock()
_umask: list[int] = []


def _mode() -> int:
    # mkstemp makes 0600 files; a written file gets the usual 0666 & ~umask.
    with _umask_lock:
        if not _umask:
            old = os.umask(0o022)
            os.umask(old)
            _umask.append(old)
    return 0o666 & ~_umask[0]


def _temporary(path: Path, data: bytes) -> str:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, _mode())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _bytes(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` through a renamed temporary file.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        OSError: If the folder does not exist or cannot be written, or ``path``
            is a folder; nothing is left behind.
    """
    out = Path(path)
    tmp = _temporary(out, _bytes(data))
    try:
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return out


def unused_name(path: str | os.PathLike[str]) -> Path:
    """Return ``path`` if nothing is there, else the first free ``stem.N.suffix``."""
    p = Path(path)
    if not os.path.lexists(p):
        return p
    n = 1
    while True:
        candidate = p.with_name(f"{p.stem}.{n}{p.suffix}")
        if not os.path.lexists(candidate):
            return candidate
        n += 1


def write_new(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` to ``path``, or to ``stem.1.suffix``... if ``path`` exists.

    Never replaces an existing file, even one created while this runs (the
    temporary file is hard-linked into place, which fails if the name is taken).

    Returns:
        The path actually written.
    """
    p = Path(path)
    tmp = _temporary(p, _bytes(data))
    try:
        for _ in range(1000):
            target = unused_name(p)
            try:
                os.link(tmp, target)
            except FileExistsError:
                continue  # taken in the meantime: try the next name
            except OSError:  # no hard links here (some file systems): best effort
                target = unused_name(p)
                os.replace(tmp, target)
                return target
            return target
        raise FileExistsError(f"no free file name like {str(p)!r}")
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
