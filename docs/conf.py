"""Sphinx configuration of the autograd_lite docs site.

Build it (strict: every warning is an error, every cross-reference must resolve)::

    .venv/bin/python -m sphinx -W -n --keep-going -b html docs docs/_build/html

The Markdown pages are read by MyST; the notebook is executed by myst-nb with a real
Jupyter kernel on every build; the API reference is generated from the docstrings.
The site serves every file its pages load (no other host): ``site_assets`` runs
``npm ci`` for Pyodide, @viz-js/viz and MathJax, builds the playground's wheels and
copies them into ``_static``.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # the checkout's package, also without an install
sys.path.insert(0, str(DOCS))  # site_assets, the extension below

import autograd_lite  # noqa: E402

project = "autograd_lite"
author = "autograd_lite contributors"
copyright = "autograd_lite contributors"  # noqa: A001
release = autograd_lite.__version__
version = release

extensions = [
    "myst_nb",  # Markdown pages (myst-parser) and the executed notebook
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "site_assets",  # npm ci, the playground's wheels, and the files copied into _static
]

# Only these are sources: the generators, generate.py and the build output are not pages.
exclude_patterns = ["_build", "images/*.md", "**/.ipynb_checkpoints"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# --- MyST ---------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath"]
# The maths is typeset by MathJax served from this site (copied by site_assets), never a CDN.
mathjax_path = "mathjax/tex-chtml.js"
myst_heading_anchors = 3  # links such as diagrams.md#large-graphs
# cli.md puts "### Exit status" etc. directly under its title, on purpose.
suppress_warnings = ["myst.header"]

# --- the notebook: executed on every build, a failing cell fails the build -----------------
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_execution_show_tb = True
nb_merge_streams = True
nb_render_markdown_format = "gfm"  # a Markdown output (the explanation) keeps its tables

# --- API reference ------------------------------------------------------------------------
autosummary_generate = False  # the reference pages in api/ are written by hand
# No default "members": in Sphinx 9 a default of True overrides a directive's own list.
# Bases are shown for exceptions only (every other class would read "Bases: object").
autodoc_default_options: dict[str, str | bool] = {}
autodoc_member_order = "groupwise"
autodoc_typehints = "description"  # types go into the parameter lists, not long signatures
autodoc_typehints_format = "short"
autodoc_typehints_description_target = "documented"  # merged into the Args: entries
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = True
add_module_names = False

# Strict (-n) cross-references: names that have no page here because they belong to the
# standard library or to third-party packages (no intersphinx: the build is offline).
nitpick_ignore_regex = [
    (r"py:.*", r"(typing|collections\.abc|types|enum|contextlib|pathlib|os|abc)\..*"),
    (r"py:.*", r"(numpy|graphviz|matplotlib|tqdm)(\..*)?"),
    (r"py:class", r"(np\.)?(ndarray|NDArray|ArrayLike|dtype)(\[.*\])?"),
    (r"py:.*", r"(random|ast|argparse|threading|io|fractions|decimal|pickle)(\..*)?"),
    # Private names (a leading underscore) have no entry by design.
    (r"py:.*", r"(.*\.)?_[A-Za-z]\w*"),
    (
        r"py:class",
        r"(Any|Callable|Iterable|Iterator|Sequence|Mapping|Collection|Hashable|Generator|"
        r"Literal|Self|TypeVar|ParamSpec|Path|PathLike|Enum|NamedTuple|Digraph|Figure|Axes)",
    ),
]

# --- HTML ---------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"autograd_lite {release}"
# The stepper is a self-contained page: served as a static file and embedded on stepper.md.
# _static holds the playground's page script, worker, style and Python.
html_static_path = ["images/stepper_lesson.html", "_static"]
html_show_sourcelink = False


# --- one page per object, every name that leads to it resolves -----------------------------
# Each object is documented once, under the first public name that exports it
# (``autograd_lite.lesson_graph``, not ``autograd_lite.teach.lesson.lesson_graph``), while the
# docstrings refer to it by whichever name is natural where they are written
# (``:func:`lesson_graph``` inside the logistic module, ``autograd_lite.teach.viz.to_dot``...).
# A reference Sphinx cannot resolve by name is resolved by identity: import what it names
# and link to the documented name of that same object.

_SCALARS = (int, float, complex, str, bytes, bool, type(None), tuple, frozenset)
_MISSING = object()


def _import(path: str) -> Any:
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr, _MISSING)
            if obj is _MISSING:
                return _MISSING
        return obj
    return _MISSING


def _documented(env: Any) -> dict[int, str]:
    cache = getattr(env, "_autograd_lite_documented", None)
    if cache is None:
        cache = {}
        for name in env.get_domain("py").objects:
            obj = _import(name)
            if obj is not _MISSING and not isinstance(obj, _SCALARS):
                cache.setdefault(id(obj), name)
        env._autograd_lite_documented = cache
    return cache


def _candidates(node: Any) -> list[str]:
    """The dotted names a reference can mean, the most specific first (as Python looks up)."""
    target = node["reftarget"].lstrip("~.")
    scopes = []
    module, cls = node.get("py:module"), node.get("py:class")
    if module and cls:
        scopes.append(f"{module}.{cls}")
    if module:
        scopes.append(module)
    # In a docstring, names are those of the module it is written in ("docstring of a.b.f").
    source = str(node.source or "")
    if "docstring of " in source:
        owner = source.rsplit("docstring of ", 1)[1].split(":")[0].split(".")
        scopes += [".".join(owner[:i]) for i in range(len(owner) - 1, 0, -1)]
    return [f"{scope}.{target}" for scope in scopes] + [target]


def _resolve_by_identity(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    if node.get("refdomain") != "py":
        return None
    from sphinx.util.nodes import make_refnode

    objects = env.get_domain("py").objects
    documented = _documented(env)
    found = None
    for candidate in _candidates(node):
        obj = _import(candidate)
        if obj is not _MISSING and not isinstance(obj, _SCALARS) and id(obj) in documented:
            found = documented[id(obj)]
            break
    if found is None:  # a name used only for type checking: a unique documented suffix
        suffix = "." + node["reftarget"].lstrip("~.")
        matches = {name for name in objects if name.endswith(suffix)}
        if len(matches) == 1:
            found = matches.pop()
    if found is None:
        return None
    entry = objects[found]
    return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, found)


def _drop_canonical_aliases(app: Any, env: Any) -> None:
    # autodoc registers ``autograd_lite.core.value.Value`` as an alias of ``autograd_lite.Value``;
    # the alias makes a bare ``Value`` ambiguous. References through such names are
    # resolved by identity instead (above).
    objects = env.get_domain("py").objects
    for name in [name for name, entry in objects.items() if entry.aliased]:
        del objects[name]
    env._autograd_lite_documented = None


_ABS = re.compile(r"(?<![`\\|\w])\|([^|`\s][^|`\n]*?)\|(?![`|\w])")


def _absolute_values(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    # Docstrings are written for help() too, where |z| is an absolute value, not an
    # reStructuredText substitution; outside ``literals`` it is escaped.
    for i, line in enumerate(lines):
        parts = line.split("``")
        parts[::2] = [_ABS.sub(r"\\|\1\\|", part) for part in parts[::2]]
        lines[i] = "``".join(parts)


def _skip_field_aliases(app: Any, what: str, name: str, obj: Any, skip: bool, options: Any) -> Any:
    # A NamedTuple's fields are listed in its signature and described by its docstring's
    # "Attributes:" section; the generated "Alias for field number N" entries add nothing.
    if (getattr(obj, "__doc__", None) or "").startswith("Alias for field number"):
        return True
    return None


def setup(app: Any) -> None:
    app.connect("missing-reference", _resolve_by_identity)
    app.connect("autodoc-skip-member", _skip_field_aliases)
    app.connect("autodoc-process-docstring", _absolute_values)
    app.connect("env-updated", _drop_canonical_aliases)
