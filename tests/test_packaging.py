"""Package metadata: license, URLs, one version, a changelog entry for it, the extras."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import autograd_lite

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]


def test_license_file_matches_the_declared_license() -> None:
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 the autograd_lite authors" in text
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def test_project_urls_are_present_and_consistent() -> None:
    urls = PROJECT["urls"]
    assert set(urls) >= {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    assert all(u.startswith("https://") for u in urls.values())
    repo = urls["Source"].rstrip("/")
    assert urls["Homepage"].rstrip("/") == repo
    assert urls["Issues"] == repo + "/issues"
    assert urls["Changelog"].startswith(repo + "/") and urls["Changelog"].endswith("CHANGELOG.md")


def test_the_version_is_defined_in_one_place() -> None:
    assert "version" not in PROJECT, "pyproject.toml must not repeat the version"
    assert "version" in PROJECT["dynamic"]
    dynamic = PYPROJECT["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "autograd_lite.__version__"}
    source = (ROOT / "autograd_lite" / "__init__.py").read_text(encoding="utf-8")
    # A literal assignment, so setuptools reads it without importing the package.
    assert re.search(r'^__version__ = "[^"]+"$', source, re.MULTILINE)
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", autograd_lite.__version__)


def test_installed_metadata_agrees_with_the_package() -> None:
    try:
        installed = importlib.metadata.version("autograd_lite")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("autograd_lite is not installed (run from a bare checkout)")
    assert installed == autograd_lite.__version__


def test_the_changelog_has_a_section_for_the_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", text, re.MULTILINE)
    assert headings[0] == "Unreleased"
    version = autograd_lite.__version__
    assert version in headings
    assert re.search(rf"^## \[{re.escape(version)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M)
    assert re.search(rf"^\[{re.escape(version)}\]: https://", text, re.MULTILINE)
    assert "Keep a Changelog" in text


def test_extras_for_progress_and_plots_are_in_dev() -> None:
    extras = PROJECT["optional-dependencies"]
    assert extras["progress"] == ["tqdm>=4.66"]
    assert extras["plot"] == ["matplotlib>=3.8"]
    dev = extras["dev"]
    (self_ref,) = [d for d in dev if d.startswith("autograd_lite[")]
    assert {"progress", "plot", "viz"} <= set(self_ref[len("autograd_lite[") : -1].split(","))
    assert any(d.startswith("build") for d in dev)


def test_importing_the_package_loads_no_optional_dependency() -> None:
    code = (
        "import sys, autograd_lite, autograd_lite.models.logistic, autograd_lite.models.plot, "
        "autograd_lite.cli; "
        "print(sorted(m for m in ('tqdm', 'matplotlib', 'numpy', 'graphviz') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
