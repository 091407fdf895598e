"""The docs stay true: generated files are current, code blocks run, examples run."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
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


SHELL_BLOCK = re.compile(r"^```bash\n(.*?)^```", re.DOTALL | re.MULTILINE)
VENV_TOOLS = ("pip", "python", "autograd-lite", "pytest")


def _shell_commands() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for block in SHELL_BLOCK.findall(page.read_text(encoding="utf-8")):
            for line in block.strip().splitlines():
                found += [(page.name, part.strip()) for part in line.split("&&")]
    return found


def test_shell_commands_use_the_venv_the_readme_makes() -> None:
    commands = _shell_commands()
    assert len(commands) >= 8, commands
    for page, command in commands:
        tool, *args = command.split()
        if tool == "python3" and args[:2] == ["-m", "venv"]:
            continue  # the README's set-up step itself
        assert tool.startswith(".venv/bin/"), f"{page}: {command!r} does not run from .venv"
        assert tool.removeprefix(".venv/bin/") in VENV_TOOLS, f"{page}: {command!r}"
        for arg in args:  # every file a command runs must exist in the checkout
            if arg.endswith(".py") or arg.startswith(("benchmarks/", "examples/", "docs/")):
                assert (ROOT / arg).exists() or arg == "docs/_build/html", f"{page}: {arg}"


def test_the_readme_commands_run_as_written(tmp_path: Path) -> None:
    # The set-up (a venv and pip) is what CI does itself; here every command after
    # it runs verbatim, except the ones that install or take minutes.
    venv = ROOT / ".venv" / "bin"
    if not venv.exists():
        assert not os.environ.get("CI"), "CI runs the README's set-up, which makes .venv"
        pytest.skip("no .venv in this checkout (the README's set-up makes it)")
    ran = 0
    for page, command in _shell_commands():
        tool, *args = command.split()
        benchmark = any(a.startswith("benchmarks/") for a in args)  # minutes each
        if tool in ("python3",) or "pip" in tool or "pytest" in args or benchmark:
            continue
        if "sphinx" in args:
            continue  # CI builds the site in its own step
        done = subprocess.run(
            [str(ROOT / tool), *args], cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"{page}: {command!r} failed:\n{done.stderr[-2000:]}"
        ran += 1
    assert ran >= 1


_PAGES_WITH_COMMANDS = [
    ROOT / "README.md",
    ROOT / "benchmarks" / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
]


@pytest.mark.parametrize("page", _PAGES_WITH_COMMANDS, ids=lambda p: p.name)
def test_commands_name_the_venvs_python(page: Path) -> None:
    # A bare `python script.py` runs whatever python is on PATH, which lacks the
    # package: every command the docs give runs the checkout's .venv/bin/python.
    text = page.read_text(encoding="utf-8")
    bare = re.findall(r"(?<![\w/.-])python3? (?:-m \w+|[\w/.-]+\.py)", text)
    bare = [b for b in bare if not b.startswith("python3 -m venv")]
    assert not bare, f"{page.name}: {bare}"
