"""Sphinx extension: the files the docs site serves itself, so that it works offline.

On every HTML build it

* runs ``npm ci`` in the repository root when ``node_modules`` is missing or does not
  match ``package-lock.json`` (Pyodide, ``@viz-js/viz`` and MathJax, pinned in
  ``package.json``; a missing ``npm`` stops the build with a message saying so);
* builds autograd_lite's wheel from this checkout (``pip wheel``) and fetches the
  ``graphviz`` wheel of the version installed here (``pip download``), both kept in
  ``docs/_build/.wheels`` for the next build of the same sources;
* copies what the pages load into the output's ``_static``: ``pyodide/`` (the runtime
  and the standard library), ``viz/viz.js``, ``mathjax/`` (TeX to HTML, with its fonts)
  and ``playground/wheels/`` with ``playground/assets.json`` naming the wheels.

MathJax is loaded from ``_static/mathjax/tex-chtml.js`` (``mathjax_path`` in conf.py).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from sphinx.errors import ExtensionError
from sphinx.util import logging

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
WHEELS = ROOT / "docs" / "_build" / ".wheels"

#: What the site serves from each npm package: (package, path in it, path under _static).
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
#: MathJax: the TeX-to-HTML component and what it loads on demand (extensions, fonts,
#: the menu and the accessibility parts), never the combined files it does not use.
MATHJAX_PARTS = (
    "tex-chtml.js",
    "input/tex/extensions",
    "output/chtml/fonts/woff-v2",
    "ui",
    "a11y",
    "sre",
    "adaptors",
)

logger = logging.getLogger(__name__)


def _installed_matches_lock() -> bool:
    """Whether node_modules holds exactly the versions package-lock.json pins."""
    hidden = MODULES / ".package-lock.json"  # npm's record of what it installed
    if not hidden.is_file():
        return False
    wanted = json.loads((ROOT / "package-lock.json").read_text("utf-8"))["packages"]
    have = json.loads(hidden.read_text("utf-8")).get("packages", {})
    return all(
        have.get(path, {}).get("version") == entry.get("version")
        for path, entry in wanted.items()
        if path  # "" is the project itself
    )


def npm_ci() -> None:
    """Install the pinned npm packages unless node_modules already matches the lockfile."""
    if _installed_matches_lock():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ExtensionError(
            "the docs site serves Pyodide, @viz-js/viz and MathJax itself, fetched by "
            "`npm ci`, but there is no `npm` on PATH: install Node.js 20 or later with npm "
            "(e.g. `apt-get install nodejs npm`), then build again"
        )
    logger.info("npm ci (the site's JavaScript and WebAssembly, pinned in package-lock.json)")
    done = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise ExtensionError(f"npm ci failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")


def _sources_hash() -> str:
    digest = hashlib.sha256()
    files = [ROOT / "pyproject.toml", ROOT / "README.md", ROOT / "LICENSE"]
    files += sorted(p for p in (ROOT / "autograd_lite").rglob("*") if p.is_file())
    for path in files:
        if "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _pip(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise ExtensionError(f"pip {args[0]} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")


def wheels() -> list[Path]:
    """autograd_lite's wheel (built from this checkout) and graphviz's (as installed here)."""
    ours = WHEELS / f"autograd_lite-{_sources_hash()}"
    for old in WHEELS.glob("autograd_lite-*"):  # wheels of earlier sources
        if old != ours:
            shutil.rmtree(old, ignore_errors=True)
    if not list(ours.glob("*.whl")):
        shutil.rmtree(ours, ignore_errors=True)
        logger.info("building autograd_lite's wheel for the playground")
        _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(ours), str(ROOT))
    try:
        version = metadata.version("graphviz")
    except metadata.PackageNotFoundError:
        raise ExtensionError(
            "the playground needs the graphviz package's wheel; install the docs extra "
            '(pip install -e ".[docs]")'
        ) from None
    theirs = WHEELS / f"graphviz-{version}"
    if not list(theirs.glob("*.whl")):
        logger.info(f"fetching the graphviz {version} wheel for the playground")
        _pip(
            "download", "--quiet", "--no-deps", "--only-binary=:all:",
            "--dest", str(theirs), f"graphviz=={version}",
        )  # fmt: skip
    found = [*ours.glob("*.whl"), *theirs.glob("*.whl")]
    if len(found) != 2:
        raise ExtensionError(f"expected two wheels for the playground, found {found}")
    return found


def _copy(src: Path, dest: Path) -> None:
    """Copy a file or a folder, skipping files that are already there unchanged."""
    if src.is_dir():
        for path in src.rglob("*"):
            if path.is_file():
                _copy(path, dest / path.relative_to(src))
        return
    if not src.is_file():
        raise ExtensionError(f"{src} is missing: run `npm ci` in {ROOT}")
    same = dest.is_file() and dest.stat().st_size == src.stat().st_size
    if same and dest.stat().st_mtime_ns >= src.stat().st_mtime_ns:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)


def _prepare(app: Any) -> None:
    if app.builder.format != "html":
        return
    npm_ci()
    app.env_site_wheels = wheels()  # made first: a failure stops the build at its start


def _install(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    for name in PYODIDE_FILES:
        _copy(MODULES / "pyodide" / name, static / "pyodide" / name)
    _copy(MODULES / "@viz-js" / "viz" / "dist" / "viz.js", static / "viz" / "viz.js")
    for part in MATHJAX_PARTS:
        _copy(MODULES / "mathjax" / "es5" / part, static / "mathjax" / part)
    _copy(MODULES / "mathjax" / "LICENSE", static / "mathjax" / "LICENSE")
    folder = static / "playground" / "wheels"
    shutil.rmtree(folder, ignore_errors=True)
    names = []
    for wheel in app.env_site_wheels:
        _copy(wheel, folder / wheel.name)
        names.append(wheel.name)
    lock = json.loads((MODULES / "pyodide" / "pyodide-lock.json").read_text("utf-8"))
    manifest = {"wheels": names, "python": lock["info"]["python"]}
    (static / "playground" / "assets.json").write_text(json.dumps(manifest), "utf-8")


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _prepare)
    app.connect("build-finished", _install)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
