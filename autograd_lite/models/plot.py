"""Plots of training: the cost per epoch.

* :func:`plot_cost` draws ``LogisticRegression.fit``'s history with matplotlib
  (the ``plot`` extra, ``pip install "autograd_lite[plot]"``) and returns the
  Axes, to style, combine with other plots or save as any matplotlib can.
* :func:`line_chart_svg` and :func:`save_line_chart` are a tiny dependency-free
  SVG line chart, used by the ``autograd-lite demo`` command. Its output is
  deterministic text: the same numbers give the same bytes, so charts in the
  docs can be checked for staleness byte for byte.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["line_chart_svg", "nice_ticks", "plot_cost", "save_line_chart"]


def plot_cost(history: Sequence[float], ax: Axes | None = None) -> Axes:
    """Plot the cost per epoch, as returned by ``LogisticRegression.fit``, with matplotlib.

    Epochs are numbered from 1 on the x axis. matplotlib is imported only when
    this function is called.

    Args:
        history: The cost of each epoch, at least one, all finite.
        ax: The Axes to draw into; a new figure's when ``None``.

    Returns:
        The Axes with one line, of ``history`` against 1, 2, 3...

    Raises:
        ImportError: If matplotlib is not installed; the message says how to get it.
        ValueError: For an empty history or a value that is not finite.

    Example:
        >>> from matplotlib.figure import Figure
        >>> ax = plot_cost([0.69, 0.41, 0.30], ax=Figure().add_subplot())
        >>> [float(y) for y in ax.lines[0].get_ydata()]
        [0.69, 0.41, 0.3]
    """
    costs = [float(c) for c in history]
    if not costs:
        raise ValueError("plot_cost: nothing to plot (history is empty)")
    if not all(math.isfinite(c) for c in costs):
        raise ValueError("plot_cost: every cost must be a finite number")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(
            'plot_cost needs matplotlib: pip install "autograd_lite[plot]"', name="matplotlib"
        ) from None
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    epochs = list(range(1, len(costs) + 1))
    ax.plot(epochs, costs, marker="o" if len(costs) == 1 else "", label="cost J")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost J")
    ax.set_title("Cost per epoch")
    return ax


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Return about ``count`` round tick values covering ``[lo, hi]``.

    Raises:
        ValueError: If the bounds are not finite or ``lo > hi``.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise ValueError(f"nice_ticks: need finite lo <= hi, got {lo!r}, {hi!r}")
    if lo == hi:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(count, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    k = 0
    while True:
        t = first + k * step
        ticks.append(round(t, 12))
        if t >= hi - step * 1e-9:
            break
        k += 1
    return ticks


def _label(x: float) -> str:
    text = f"{x:.6g}"
    return "0" if text == "-0" else text


def line_chart_svg(
    ys: Sequence[float],
    *,
    xs: Sequence[float] | None = None,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    width: int = 480,
    height: int = 300,
) -> str:
    """Return an SVG line chart of ``ys`` against ``xs`` (0, 1, 2... by default).

    Args:
        ys: The values to plot, at least one, all finite.
        xs: Their positions, increasing; defaults to 0, 1, 2...
        title: Title above the plot.
        x_label: Label under the x axis.
        y_label: Label beside the y axis.
        width: Width in pixels.
        height: Height in pixels.

    Returns:
        The SVG document as text.

    Raises:
        ValueError: For empty input, non-finite values or mismatched lengths.
    """
    values = [float(y) for y in ys]
    if not values:
        raise ValueError("line_chart_svg: nothing to plot (ys is empty)")
    positions = [float(x) for x in xs] if xs is not None else [float(i) for i in range(len(values))]
    if len(positions) != len(values):
        raise ValueError(f"line_chart_svg: {len(positions)} xs for {len(values)} ys")
    if not all(math.isfinite(v) for v in [*values, *positions]):
        raise ValueError("line_chart_svg: values must be finite numbers")
    if width < 120 or height < 100:
        raise ValueError(f"line_chart_svg: size {width}x{height} is too small (min 120x100)")

    left, right, top, bottom = 64, 16, 36 if title else 16, 48
    pw, ph = width - left - right, height - top - bottom
    xt = nice_ticks(min(positions), max(positions))
    yt = nice_ticks(min(values), max(values))
    x0, x1, y0, y1 = xt[0], xt[-1], yt[0], yt[-1]

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + ph - (y - y0) / (y1 - y0) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    if title:
        out.append(
            f'<text x="{width / 2:.1f}" y="20" text-anchor="middle" font-size="13">'
            f"{escape(title)}</text>"
        )
    for t in yt:
        y = py(t)
        out.append(
            f'<line x1="{left}" y1="{y:.2f}" x2="{left + pw}" y2="{y:.2f}" stroke="#e5e5e5"/>'
        )
        out.append(f'<text x="{left - 6}" y="{y + 4:.2f}" text-anchor="end">{_label(t)}</text>')
    for t in xt:
        x = px(t)
        out.append(
            f'<line x1="{x:.2f}" y1="{top + ph}" x2="{x:.2f}" y2="{top + ph + 4}" stroke="#333"/>'
        )
        out.append(f'<text x="{x:.2f}" y="{top + ph + 16}" text-anchor="middle">{_label(t)}</text>')
    out.append(
        f'<polyline fill="none" stroke="#333" points="{left},{top} {left},{top + ph} '
        f'{left + pw},{top + ph}"/>'
    )
    points = " ".join(f"{px(x):.2f},{py(y):.2f}" for x, y in zip(positions, values, strict=True))
    if len(values) == 1:
        cx, cy = points.split(",")
        out.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="#1f77b4"/>')
    else:
        out.append(f'<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="{points}"/>')
    if x_label:
        out.append(
            f'<text x="{left + pw / 2:.1f}" y="{height - 10}" text-anchor="middle">'
            f"{escape(x_label)}</text>"
        )
    if y_label:
        mid = top + ph / 2
        out.append(
            f'<text x="14" y="{mid:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 14 {mid:.1f})">{escape(y_label)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def save_line_chart(path: str | Path, ys: Sequence[float], **kwargs: object) -> Path:
    """Write :func:`line_chart_svg` of ``ys`` to ``path`` and return the path.

    Keyword arguments are those of :func:`line_chart_svg`. The file is written
    whole or not at all (a temporary file in the same folder, renamed into place).
    """
    from autograd_lite.teach.viz.files import write_atomic

    return write_atomic(Path(path), line_chart_svg(ys, **kwargs))  # type: ignore[arg-type]
