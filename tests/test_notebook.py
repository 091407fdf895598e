"""The tutorial notebook runs in a real Jupyter kernel and shows rich output.

docs/notebooks/lesson.ipynb is committed without outputs; this test executes it with
``nbclient`` in an IPython kernel started from this interpreter and checks what a reader
sees: the diagram as SVG, the explanation as Markdown, the stepper as HTML. Where the
``notebook`` extra is missing a local run skips; under ``CI`` it fails instead.
"""

from __future__ import annotations

import html
import importlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "notebooks" / "lesson.ipynb"


def _require(module: str) -> Any:
    if os.environ.get("CI"):
        return importlib.import_module(module)  # under CI a missing package fails the test
    return pytest.importorskip(module, reason=f"pip install -e '.[notebook]' ({module})")


def _cell(nb: Any, needle: str) -> Any:
    found = [c for c in nb.cells if c.cell_type == "code" and needle in c.source]
    assert len(found) == 1, f"expected one code cell containing {needle!r}"
    return found[0]


def _bundles(cell: Any) -> list[dict[str, Any]]:
    return [
        o["data"] for o in cell.outputs if o["output_type"] in ("display_data", "execute_result")
    ]


def test_committed_notebook_has_no_outputs() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"cell {i + 1} has outputs: strip them before committing"
            assert cell["execution_count"] is None, f"cell {i + 1} has an execution count"
        assert "attachments" not in cell or not cell["attachments"], f"cell {i + 1}"


@pytest.fixture
def kernel_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ``python3`` kernel spec that starts this very interpreter, found first."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"}),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "python3"


def test_notebook_runs_in_a_real_kernel(kernel_here: str, tmp_path: Path) -> None:
    nbformat = _require("nbformat")
    nbclient = _require("nbclient")
    _require("ipykernel")

    nb = nbformat.read(NOTEBOOK, as_version=4)
    probe = nbformat.v4.new_code_cell("import sys\nprint(sys.executable)")
    nb.cells.append(probe)
    client = nbclient.NotebookClient(
        nb,
        kernel_name=kernel_here,
        timeout=300,
        allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's working directory
    )
    client.execute()  # raises CellExecutionError on a failing cell, or if no kernel starts

    ran = "".join(o.get("text", "") for o in probe.outputs if o["output_type"] == "stream")
    assert Path(ran.strip()) == Path(sys.executable), "the kernel is not this interpreter"

    # The numbers of the tutorial, printed by the backward-pass cell.
    grads = "".join(o.get("text", "") for o in _cell(nb, "g.loss.backward()").outputs)
    assert "da = -1.3329  dz = -0.2497  dw1 = -0.3746  dw2 = 0.1249  db = -0.2497" in grads

    diagram = _bundles(_cell(nb, "to_dot(g.loss"))
    assert diagram, "the diagram cell displayed nothing"
    svg = diagram[0].get("image/svg+xml") or diagram[0].get("text/html", "")
    assert "<svg" in svg, f"the diagram is not SVG: {sorted(diagram[0])}"
    for label in ("w1", "w2", "σ", "grad"):
        assert label in svg, f"the diagram lacks {label!r}"

    explanation = _bundles(_cell(nb, "explain_lesson(g)"))
    assert explanation, "the explanation cell displayed nothing"
    text = explanation[0].get("text/markdown") or explanation[0].get("text/html")
    assert text, f"the explanation has no Markdown or HTML: {sorted(explanation[0])}"
    assert "dz" in text and "a − y" in text.replace("a - y", "a − y")

    paths = _bundles(_cell(nb, "ag.explain_paths(g.loss"))
    assert paths, "the paths cell displayed nothing"
    table = paths[0].get("text/markdown", "")
    # L reaches w1 through log a and through log(1−a): two paths, summing to dw1.
    assert "down to w1 = 0.4: 2 paths" in table and "| 2 | L → (1−y)·log(1−a)" in table
    assert "∂L/∂w1 from backward: −0.3746" in table

    stepper = _bundles(_cell(nb, "stepper_view(g.loss"))
    assert stepper, "the stepper cell displayed nothing"
    page = html.unescape(stepper[0].get("text/html", ""))
    assert "<iframe" in page
    for hook in ('id="frames"', 'id="frame"', 'id="explanation"', 'id="counter"', "<svg"):
        assert hook in page, f"the stepper output lacks {hook}"
    assert "Step 1 of 12" in page and 'id="paths-to"' in page
    # No cell warns (IPython warns on HTML that starts with <iframe).
    streams = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = "".join(o.get("text", "") for o in streams if o.get("name") == "stderr")
    assert "Warning" not in errors, errors

    # The sections at the end: paths, mistakes, three checks (numbers by hand:
    # c = 2b = 4a, four paths of product 1; overwrite keeps 1 at b and at a).
    paths = "".join(o.get("text", "") for o in _cell(nb, "print(ag.explain_paths(c2").outputs)
    assert "Paths from c = 12 down to a = 3: 4 paths" in paths
    assert "Sum of the products: 1 + 1 + 1 + 1 = 4" in paths
    assert "more than the limit of 2" in paths
    assert _bundles(_cell(nb, "stepper_view(c2, height"))
    wrong = "".join(
        o.get("text", "") for o in _cell(nb, 'explain(c2, mistake="overwrite")').outputs
    )
    assert "Mistake 'overwrite' on c = 12: 2 of 3 gradients differ" in wrong
    assert "mistake 'overwrite'" in html.unescape(
        _bundles(_cell(nb, 'stepper_view(c2, mistake="overwrite"'))[0]["text/html"]
    )
    checks = "".join(o.get("text", "") for o in _cell(nb, "checked = explain(").outputs)
    central = [abs(float(v)) for v in re.findall(r"central (\S+)", checks)]
    symbolic = [abs(float(v)) for v in re.findall(r"sympy (\S+)", checks)]
    assert len(central) == len(symbolic) == 3
    # sympy agrees to rounding; central differences lose digits (about 1e-11).
    assert max(symbolic) <= 1e-15 and 1e-14 < max(central) <= 1e-8
    shown_checks = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == "checked"]
    assert len(shown_checks) == 1
    table = _bundles(shown_checks[0])[0]["text/markdown"]
    assert "| central difference |" in table

    graded = "".join(o.get("text", "") for o in _cell(nb, "ex.check(answers)").outputs)
    assert "55 of 56 correct" in graded
    assert "this is the upstream gradient ∂L/∂a, not the local derivative" in graded
    quiz = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == "ex"]
    assert len(quiz) == 1
    shown = html.unescape(_bundles(quiz[0])[0].get("text/html", ""))
    assert "<iframe" in shown and 'id="quiz-data"' in shown and "0 of 56 correct" in shown

    cost = "".join(o.get("text", "") for o in _cell(nb, "J = ag.mean(losses)").outputs)
    assert "J = 0.3904  dw1 = -0.2557  dw2 = 0.0409  db = -0.2149" in cost

    # The two-moons network: training reaches the accuracy its cell asserts, and the
    # decision boundary is shown as a picture.
    log = "".join(o.get("text", "") for o in _cell(nb, "sgd.step()").outputs)
    assert log.startswith("step  0") and "step 39" in log, log
    assert float(log.splitlines()[-1].split("accuracy")[1].strip(" %")) >= 95.0
    boundary = _bundles(_cell(nb, "ax.contourf("))
    assert boundary and "image/png" in boundary[0], "the decision boundary was not shown"
