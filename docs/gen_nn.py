"""Train the network of docs/neural-network.md and draw its decision boundary.

The figure and the training log come from the page's own code: the page's ``python``
blocks run in order, in one namespace, up to the one that draws the figure, so what the
page shows is what its code makes. The page trains in pure Python floats, whose arithmetic
is the same on every machine, so the files are the same on every run.
"""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import re
import tempfile

PAGE = pathlib.Path(__file__).resolve().parent / "neural-network.md"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
FIGURE = "nn_moons.svg"
TRAINING = "nn_moons_training.txt"
TRAINING_BLOCK = "for k in range(STEPS)"  # the block whose output the page shows
FIGURE_BLOCK = "fig = plot_decision_boundary("  # the last block to run


def tutorial_namespace(page: pathlib.Path = PAGE) -> tuple[dict[str, object], str]:
    """Run the page's blocks up to the figure; return their namespace and the training log.

    The blocks run in a temporary working directory (the page saves a file there).
    """
    import matplotlib

    matplotlib.use("Agg")  # no window, whatever the environment
    blocks = PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))
    last = next(i for i, code in enumerate(blocks) if FIGURE_BLOCK in code)
    namespace: dict[str, object] = {"__name__": "docs_neural_network"}
    log = ""
    here = pathlib.Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            for i, code in enumerate(blocks[: last + 1]):
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    exec(compile(code, f"{page.name} block {i + 1}", "exec"), namespace)
                if TRAINING_BLOCK in code:
                    log = out.getvalue()
        finally:
            os.chdir(here)
    if not log:
        raise RuntimeError(f"{page.name}: no block containing {TRAINING_BLOCK!r} printed anything")
    return namespace, log


def generate(out: pathlib.Path) -> list[pathlib.Path]:
    """Write the decision-boundary figure and the training log into ``out``."""
    import matplotlib

    out.mkdir(parents=True, exist_ok=True)
    # The same bytes on every run: a fixed salt for the SVG's ids, text kept as text
    # (not glyph outlines from the installed fonts), and no date or version in the file.
    style = {"svg.hashsalt": "autograd_lite", "svg.fonttype": "none", "font.size": 11}
    with matplotlib.rc_context(style):
        namespace, log = tutorial_namespace()
        fig = namespace["fig"]
        figure = out / FIGURE
        fig.savefig(figure, format="svg", metadata={"Date": None, "Creator": None})  # type: ignore[attr-defined]
    import matplotlib.pyplot as plt

    plt.close("all")
    training = out / TRAINING
    training.write_text(log, encoding="utf-8")
    return [figure, training]


if __name__ == "__main__":
    for p in generate(pathlib.Path(__file__).parent / "images"):
        print(p)
