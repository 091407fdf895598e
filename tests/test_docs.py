"""The docs stay true: generated files are current, code blocks run, examples run."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
PAGES = [*sorted(DOCS.glob("*.md")), ROOT / "README.md"]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_docs_generate", DOCS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_check_reports_stale_missing_orphan_and_page(tmp_path: Path) -> None:
    gen = _runner()
    docs = tmp_path / "docs"
    (docs / "images").mkdir(parents=True)
    shutil.copy(DOCS / "gen_explain.py", docs)
    page = docs / "page.md"
    page.write_text(
        "<!-- include: images/explain_small.txt -->\nold\n<!-- end include -->\n", encoding="utf-8"
    )
    gen.write(docs)  # now everything is current
    assert gen.check(docs) == []
    assert "df/dx" in page.read_text(encoding="utf-8")

    (docs / "images" / "explain_small.tex").write_text("stale", encoding="utf-8")
    (docs / "images" / "explain_lesson.md").unlink()
    (docs / "images" / "leftover.svg").write_text("<svg/>", encoding="utf-8")
    page.write_text(page.read_text(encoding="utf-8").replace("df/dx", "dg/dx"), encoding="utf-8")
    problems = "\n".join(gen.check(docs))
    assert "stale: docs/images/explain_small.tex" in problems
    assert "missing: docs/images/explain_lesson.md" in problems
    assert "orphan: docs/images/leftover.svg" in problems
    assert "stale: docs/page.md" in problems


def test_generated_docs_are_up_to_date() -> None:
    # The same command CI runs: regenerate into a temporary folder and compare.
    done = subprocess.run(
        [sys.executable, str(DOCS / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr + "\nRun: python docs/generate.py"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_blocks_in_docs_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)  # blocks that write files write them here
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for i, code in enumerate(blocks):
        try:
            exec(compile(code, f"{page.name} block {i + 1}", "exec"), namespace)
        except Exception as exc:
            pytest.fail(f"{page.name}, python block {i + 1} failed: {exc!r}\n{code}")


def test_every_page_with_examples_has_python_blocks() -> None:
    for name in ("explain.md", "cli.md"):
        assert PYTHON_BLOCK.search((DOCS / name).read_text(encoding="utf-8")), name


def test_cli_page_mentions_only_real_options() -> None:
    from autograd_lite.cli import build_parser

    parser = build_parser()
    helps = parser.format_help()
    for command in ("demo", "explain", "draw"):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):
            parser.parse_args([command, "--help"])
        helps += buf.getvalue()
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    for option in sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", page))):
        assert option in helps, f"docs/cli.md mentions {option}, which no command accepts"


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_examples_run(script: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{script.name} failed:\n{done.stderr[-3000:]}"
