r"""Text for any terminal: the library's symbols in ASCII where the output's encoding lacks them.

Explanations and messages use a few symbols that not every output can
encode: ``σ`` (sigmoid), ``∂``, the minus sign ``−``, ``×`` and ``·``. A
terminal in an ASCII, Latin-1 or Windows-1252 locale (or a program run with
``PYTHONIOENCODING=ascii``) cannot show all of them, and Python's ``print``
then fails with ``UnicodeEncodeError``. :func:`write_text` writes what the
stream can show instead:

* text the stream's encoding can encode is written unchanged;
* when the encoding lacks one of the symbols of :data:`ASCII_SPELLINGS` in the
  text, every one of them is spelt in ASCII (``σ(z)`` as ``sigmoid(z)``,
  ``∂L/∂a`` as ``dL/da``, ``a − y`` as ``a - y``), even those the encoding has
  (``×`` in cp1252), so the text keeps one notation;
* any other character the encoding cannot encode (a label in Greek, say)
  becomes a backslash escape such as ``\u03b1``.

The result never fails to encode, and on a UTF-8 stream nothing changes
(but for lone surrogates, which no stream can encode: they are escaped).
"""

from __future__ import annotations

import codecs
import sys
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import IO, Final

from autograd_lite.core.primitives import PRIMITIVES

__all__ = ["ASCII_SPELLINGS", "fits", "printable_for", "spell", "write_rendered", "write_text"]

#: The ASCII spelling of every non-ASCII symbol the library writes in its text.
ASCII_SPELLINGS: Final[Mapping[str, str]] = MappingProxyType(
    {
        # Each primitive printed with a symbol is spelt with its name (σ: sigmoid, √: sqrt).
        **{p.text: p.name for p in PRIMITIVES.values() if not p.text.isascii()},
        "∂": "d",  # U+2202 partial derivative
        "−": "-",  # U+2212 minus sign
        "×": "*",  # U+00D7 multiplication sign
        "·": "*",  # U+00B7 middle dot (a product)
        "÷": "/",  # U+00F7 division sign
        "²": "^2",  # U+00B2
        "³": "^3",  # U+00B3
        "±": "+/-",  # U+00B1
        "→": "->",  # U+2192
        "←": "<-",  # U+2190
        "…": "...",  # U+2026
        "–": "-",  # U+2013 en dash
        "—": "--",  # U+2014 em dash
        "Σ": "sum",  # U+03A3
        "\ufffd": "?",  # U+FFFD replacement character (undecodable bytes from a tool)
    }
)
_TABLE: Final = str.maketrans(dict(ASCII_SPELLINGS))
_ALL_SYMBOLS: Final = "".join(ASCII_SPELLINGS)


def _codec(encoding: str | None) -> str | None:
    """The codec's canonical name, or None for no encoding (or one Python does not know)."""
    if not encoding:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return None


def fits(text: str, encoding: str | None) -> bool:
    """Return whether ``encoding`` can encode every character of ``text``.

    Args:
        text: Any string.
        encoding: A codec name such as ``"ascii"`` or ``"cp1252"``; ``None`` (an
            in-memory stream such as ``io.StringIO``) or a name Python does not
            know fits everything.

    Example:
        >>> fits("a × b", "latin-1"), fits("σ(z)", "latin-1"), fits("σ(z)", "utf-8")
        (True, False, True)
    """
    codec = _codec(encoding)
    if codec is None:
        return True
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def spell(text: str, encoding: str | None = "ascii", *, literal: str = "") -> str:
    r"""Return ``text`` with the library's symbols in ASCII, the rest escaped as ``encoding`` needs.

    Every symbol in :data:`ASCII_SPELLINGS` is replaced by its spelling, then any
    character ``encoding`` still cannot encode becomes a backslash escape
    (``\xe9``, ``\u03b1``, ``\U0001f600``). Unlike :func:`printable_for`, this
    always spells the symbols, even where the encoding has them.

    Args:
        text: Any string.
        encoding: The encoding the result must fit; ``None`` escapes nothing.
        literal: Symbols never to spell, only to escape where the encoding lacks
            them: those a user typed, so that what they typed reads as typed
            (a name ``σ`` must not read as ``sigmoid``, nor ``×`` in a
            rejected expression as ``*``).

    Example:
        >>> print(spell("a = σ(z) = 0.5, ∂L/∂a = −2, label α"))
        a = sigmoid(z) = 0.5, dL/da = -2, label \u03b1
    """
    table = _TABLE if not literal else {k: v for k, v in _TABLE.items() if chr(k) not in literal}
    spelt = text.translate(table)
    codec = _codec(encoding)
    if codec is None:
        return spelt
    return spelt.encode(codec, "backslashreplace").decode(codec)


def printable_for(
    target: IO[str] | str | None, text: str, *, literal: str = "", context: str | None = None
) -> str:
    r"""Return ``text`` as ``target`` can show it: unchanged if its encoding can encode it.

    Otherwise, when the encoding lacks one of the symbols of
    :data:`ASCII_SPELLINGS` in the text, the text is :func:`spell`-ed: all
    its symbols in ASCII, anything else the encoding lacks as a backslash
    escape; when it has them all, only what it lacks is escaped. A stream's
    encoding is its ``encoding`` attribute, whatever its ``errors`` setting:
    ``sys.stderr`` would not fail, but would show ``\u03c3`` where
    ``sigmoid`` reads better.

    Args:
        target: A text stream such as ``sys.stdout`` (``None`` means
            ``sys.stdout``), or an encoding name such as ``"cp1252"``.
        text: The text to show.
        literal: Symbols to escape rather than spell (see :func:`spell`).
        context: The whole text ``text`` is a piece of (a table, of which
            ``text`` is one cell): the choice to spell is made on it, so that
            every piece is spelt alike.

    Example:
        >>> import io
        >>> ascii_out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
        >>> printable_for(ascii_out, "da/dz = a(1 − a)")
        'da/dz = a(1 - a)'
        >>> printable_for("latin-1", "σ(é)"), printable_for("utf-8", "σ(é)")
        ('sigmoid(é)', 'σ(é)')
        >>> printable_for("latin-1", "α × 2")  # latin-1 has ×: only α is escaped
        '\\u03b1 × 2'
    """
    if target is None:
        target = sys.stdout
    encoding = target if isinstance(target, str) else getattr(target, "encoding", None)
    whole = text if context is None else context
    if fits(whole, encoding):
        return text
    symbols = "".join({c for c in whole if c in ASCII_SPELLINGS and c not in literal})
    if fits(symbols, encoding):  # nothing to spell: escape what the encoding lacks
        literal = _ALL_SYMBOLS
    return spell(text, encoding, literal=literal)


def write_text(text: str, stream: IO[str] | None = None, *, literal: str = "") -> bool:
    r"""Write ``text`` to ``stream`` in the characters its encoding can show.

    What is written is :func:`printable_for` the stream.

    Never raises ``UnicodeEncodeError``: print an explanation with it on any
    terminal, e.g. ``write_text(explanation.to_text())``. (For a table that
    keeps its columns aligned, use ``Explanation.print_text``.)

    Args:
        text: The text to write, with its own line breaks.
        stream: A text stream; ``sys.stdout`` by default.
        literal: Symbols to escape rather than spell (see :func:`spell`).

    Returns:
        True when the stream shows less than a UTF-8 stream would have: some
        character had to be spelt in ASCII or escaped. Nothing is said about it
        on the stream; a program can tell its user how to get every symbol
        (a UTF-8 terminal, or ``PYTHONIOENCODING=utf-8``).

    Example:
        >>> import io
        >>> out = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
        >>> write_text("out = σ(x) = 0.7311\n", out)
        True
        >>> out.flush(); out.buffer.getvalue()
        b'out = sigmoid(x) = 0.7311\n'
    """
    target = sys.stdout if stream is None else stream
    shown = printable_for(target, text, literal=literal)
    target.write(shown)
    # Lone surrogates (undecodable command-line bytes) are escaped on UTF-8 too.
    return shown != printable_for("utf-8", text)


def write_rendered(render: Callable[[str | None], str], stream: IO[str] | None = None) -> bool:
    r"""Write ``render(encoding)`` to ``stream``: text laid out for the stream's encoding.

    A table cannot be spelt in ASCII after it is laid out (``sigmoid`` is longer
    than ``σ``, and its column would no longer line up), so it is rendered for
    the encoding instead: ``render`` takes the encoding (``None`` for every
    symbol) and returns text that fits it, as ``Explanation.to_text(encoding=...)``
    does.

    Args:
        render: Returns the text for an encoding name, or with every symbol for ``None``.
        stream: A text stream; ``sys.stdout`` by default.

    Returns:
        True when the stream shows less than a UTF-8 stream would have, as for
        :func:`write_text`.

    Example:
        >>> import io
        >>> from autograd_lite import Value
        >>> from autograd_lite.teach.explain import explain
        >>> e = explain(Value(0.0, "z").sigmoid().named("a"))
        >>> out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
        >>> write_rendered(lambda encoding: e.to_text(encoding=encoding), out)
        True
        >>> out.flush(); text = out.buffer.getvalue().decode("ascii")
        >>> "a = sigmoid(z) = 0.5" in text, "da/dz = a(1 - a) = 0.25" in text
        (True, True)
    """
    target = sys.stdout if stream is None else stream
    shown = render(getattr(target, "encoding", None))
    shown = printable_for(target, shown)  # a render that ignored the encoding must not fail
    target.write(shown)
    return shown != printable_for("utf-8", render("utf-8"))
