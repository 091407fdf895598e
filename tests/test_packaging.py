"""Package metadata: license, URLs, one version, a changelog entry, the extras, the wheel."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
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


def _package_files(root: Path) -> dict[str, bytes]:
    # Every file of the package in the source tree (no caches, no hidden files).
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in (root / "autograd_lite").rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def test_the_wheel_and_the_sdist_hold_every_file_of_the_package(tmp_path: Path) -> None:
    # Built as CI builds them (the sdist, then the wheel from it), from a copy of
    # the sources so that the checkout gets no build/ or egg-info.
    src = tmp_path / "src"
    for name in ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "MANIFEST.in"):
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "autograd_lite",
        src / "autograd_lite",
        ignore=shutil.ignore_patterns("__pycache__", ".*"),
    )
    dist = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    want = _package_files(ROOT)
    # The page the stepper writes is made of package data: it must ship.
    assert {
        "autograd_lite/py.typed",
        "autograd_lite/teach/viz/stepper.css",
        "autograd_lite/teach/viz/stepper.js",
        "autograd_lite/teach/viz/stepper.html",
    } <= set(want)
    with zipfile.ZipFile(wheel) as z:
        in_wheel = {n: z.read(n) for n in z.namelist() if n.startswith("autograd_lite/")}
    top = sdist.name[: -len(".tar.gz")] + "/"
    in_sdist: dict[str, bytes] = {}
    with tarfile.open(sdist) as t:
        for m in t.getmembers():
            if m.isfile() and m.name.startswith(top + "autograd_lite/"):
                f = t.extractfile(m)
                assert f is not None
                in_sdist[m.name[len(top) :]] = f.read()
    assert sorted(set(want) - set(in_wheel)) == [], "missing from the wheel"
    assert sorted(set(want) - set(in_sdist)) == [], "missing from the sdist"
    assert sorted(set(in_wheel) - set(want)) == [], "in the wheel, not in the sources"
    for name, data in want.items():
        assert in_wheel[name] == data, name
        assert in_sdist[name] == data, name
