"""The docs site's sources stay complete; the strict build itself runs in .ci/run.

Fast, static checks: every page is in the navigation, every public name has an entry in
the API reference, and the embedded stepper points at a file the build copies.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

import autograd_lite

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
API = DOCS / "api"
PUBLIC = (
    "teach.explain",
    "teach.paths",
    "teach.lesson",
    "teach.mistakes",
    "teach.exercise",
    "teach.names",
    "teach.textout",
    "teach.viz",
    "models.nn",
    "models.logistic",
    "models.plot",
    "models.optimize",
    "testing",
    "compiled",
    "compiled.scale",
    "base.mode",
    "forward",
    "steps",
    "core.ops",
    "core.primitives",
    "persist",
)
TOCTREE = re.compile(r"^```\{toctree\}\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _toctree_entries(page: Path) -> list[str]:
    entries = []
    for block in TOCTREE.findall(page.read_text(encoding="utf-8")):
        entries += [line.strip() for line in block.splitlines() if line and line[0] not in ":"]
    return entries


def test_every_page_is_in_the_navigation() -> None:
    entries = set(_toctree_entries(DOCS / "index.md"))
    pages = {p.stem for p in DOCS.glob("*.md")} - {"index"}
    pages |= {f"notebooks/{p.stem}" for p in (DOCS / "notebooks").glob("*.ipynb")}
    assert pages <= entries, f"add to the toctree of docs/index.md: {sorted(pages - entries)}"
    api = set(_toctree_entries(API / "index.md"))
    assert {p.stem for p in API.glob("*.md")} - {"index"} <= api


def _documented() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in API.glob("*.md"))


def _mentioned(text: str, module: str, name: str) -> bool:
    qualified = rf"(?<![\w.]){re.escape(module)}\.{re.escape(name)}(?![\w])"
    if re.search(qualified, text):
        return True
    # Named in a ":members:" list or as a bare directive/autosummary entry of that module.
    section = text.split(f"automodule:: {module}\n", 1)
    if len(section) == 2:
        head = section[1].split("```", 1)[0]
        return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", head) is not None
    return False


@pytest.mark.parametrize("module", ["", *PUBLIC])
def test_every_public_name_is_in_the_api_reference(module: str) -> None:
    full = "autograd_lite" + (f".{module}" if module else "")
    mod = importlib.import_module(full)
    text = _documented()
    top = {id(getattr(autograd_lite, n)): n for n in autograd_lite.__all__}
    missing = []
    for name in mod.__all__:
        if name == "__version__":
            continue
        obj = getattr(mod, name)
        shared = top.get(id(obj)) if module else None
        if shared is not None and _mentioned(text, "autograd_lite", shared):
            continue
        if module == "" and re.search(rf"^\.\. (auto\w+|data):: {re.escape(name)}$", text, re.M):
            continue
        if not _mentioned(text, full, name):
            missing.append(name)
    assert not missing, f"{full}: not in docs/api/*.md: {missing}"


def test_embedded_stepper_is_copied_by_the_build() -> None:
    page = (DOCS / "stepper.md").read_text(encoding="utf-8")
    src = re.search(r'<iframe src="_static/([^"]+)"', page)
    assert src, "docs/stepper.md no longer embeds the stepper"
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    static = re.search(r"html_static_path = \[(.*?)\]", conf, re.DOTALL)
    assert static and f'images/{src.group(1)}"' in static.group(1)
    assert (DOCS / "images" / src.group(1)).is_file()


def test_the_site_pins_what_it_serves_and_says_which_python() -> None:
    pins = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert set(pins) == {"pyodide", "@viz-js/viz", "mathjax"}
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in pins.values()), pins  # exact pins
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    for name, version in pins.items():
        assert lock[f"node_modules/{name}"]["version"] == version, name
    # Pyodide numbers its releases after the Python they run: 314.x is Python 3.14.
    major = pins["pyodide"].split(".")[0]
    python = f"3.{major[1:]}"
    page = (DOCS / "playground.md").read_text(encoding="utf-8")
    assert f"runs **Python {python}**" in page and f"{pins['pyodide']}" in page
    assert f"{pins['@viz-js/viz']}" in page
    assert "node_modules/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
