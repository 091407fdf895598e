"""Regenerate the docs' images and generated text, or check that they are up to date.

Usage:
    python docs/generate.py           # rewrite docs/images/ and the included parts of docs/*.md
    python docs/generate.py --check   # regenerate into a temporary folder, compare, exit 1 if stale

Every ``docs/gen_*.py`` defines ``generate(out: pathlib.Path) -> list[pathlib.Path]``, writing
its files into ``out``. A page includes a generated text file between two markers::

    <!-- include: images/explain_steps.md -->
    ...replaced by the file's content (``.md`` as is, other text in a fenced block)...
    <!-- end include -->
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType

DOCS = Path(__file__).resolve().parent
IMAGES = DOCS / "images"
INCLUDE = re.compile(
    r"(<!-- include: (?P<path>[^ ]+) -->\n)(?P<body>.*?)(<!-- end include -->)", re.DOTALL
)
FENCES = {".py": "python", ".tex": "latex", ".dot": "dot", ".txt": "text"}
IGNORED = {".gitkeep", ".DS_Store"}


def generator_paths(docs: Path = DOCS) -> list[Path]:
    """Return every ``gen_*.py`` of the docs folder, sorted by name."""
    return sorted(docs.glob("gen_*.py"))


def load(path: Path) -> ModuleType:
    """Import a generator module from its file."""
    spec = importlib.util.spec_from_file_location(f"_docs_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "generate", None)):
        raise AttributeError(f"{path.name} has no generate(out) function")
    return module


def generate_all(out: Path, docs: Path = DOCS) -> list[Path]:
    """Run every generator into ``out`` and return the files they wrote."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for path in generator_paths(docs):
        files = load(path).generate(out)
        for f in files:
            f = Path(f).resolve()
            if out.resolve() not in f.parents or not f.is_file():
                raise RuntimeError(f"{path.name} reported {f}, which is not a file inside {out}")
            written.append(f)
    return written


def _included(path: str, images: Path) -> str:
    rel = Path(path)
    if rel.parts[:1] != ("images",):
        raise ValueError(f"include {path!r}: only files under images/ can be included")
    source = images.joinpath(*rel.parts[1:])
    text = source.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    if source.suffix == ".md":
        return text
    return f"```{FENCES.get(source.suffix, 'text')}\n{text}```\n"


def render_page(text: str, images: Path) -> str:
    """Return a page's text with every include region refilled from ``images``."""

    def fill(m: re.Match[str]) -> str:
        return m.group(1) + _included(m.group("path"), images) + m.group(4)

    return INCLUDE.sub(fill, text)


def pages(docs: Path = DOCS) -> list[Path]:
    """Return the Markdown pages of the docs."""
    return sorted(docs.glob("*.md"))


def check(docs: Path = DOCS) -> list[str]:
    """Regenerate into a temporary folder; return one problem per stale or missing file."""
    images = docs / "images"
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        produced = {f.relative_to(fresh.resolve()) for f in generate_all(fresh, docs)}
        for rel in sorted(produced):
            committed = images / rel
            if not committed.exists():
                problems.append(f"missing: docs/images/{rel} (run python docs/generate.py)")
            elif not filecmp.cmp(committed, fresh / rel, shallow=False):
                problems.append(f"stale: docs/images/{rel} (run python docs/generate.py)")
        if images.exists():
            for f in sorted(images.rglob("*")):
                rel = f.relative_to(images)
                if f.is_file() and f.name not in IGNORED and rel not in produced:
                    problems.append(f"orphan: docs/images/{rel} is made by no generator")
        for page in pages(docs):
            text = page.read_text(encoding="utf-8")
            try:
                if render_page(text, fresh) != text:
                    problems.append(f"stale: docs/{page.name} (an included region is out of date)")
            except (OSError, ValueError) as exc:
                problems.append(f"broken include in docs/{page.name}: {exc}")
    return problems


def write(docs: Path = DOCS) -> list[Path]:
    """Regenerate docs/images and refill the include regions of every page."""
    images = docs / "images"
    written = generate_all(images, docs)
    for page in pages(docs):
        text = page.read_text(encoding="utf-8")
        new = render_page(text, images)
        if new != text:
            page.write_text(new, encoding="utf-8")
            written.append(page)
    return written


def main(argv: list[str] | None = None) -> int:
    """Run the generator command line; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed files instead of writing"
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print(f"{len(problems)} docs file(s) out of date", file=sys.stderr)
            return 1
        print("docs are up to date")
        return 0
    for f in write():
        print(f"wrote {f.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
