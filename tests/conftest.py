"""Test-wide set-up: a row defined by a user, registered like a built-in.

Every table-driven test (the consistency test in every mode, the derivative
oracles, pickling, the parser...) iterates ``autograd_lite.TABLE``, so this row
is checked exactly as the built-in ones are, with no test naming it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Chromium, browser_or_skip
from hypothesis import settings

import autograd_lite as al

ROOT = Path(__file__).resolve().parent.parent

#: softsign(x) = x / (1 + |x|), built from the primitives by a user.
SOFTSIGN = al.register(
    al.Op(
        "softsign",
        "softsign",
        1,
        lambda m, a: a / (1.0 + m.abs(a)),
        # 1/(1 + |x|)² written through the output, so no step can overflow.
        lambda m, out, a: ((1.0 - m.abs(out)) * (1.0 - m.abs(out)),),
        ("(1 − abs({out}))²",),
        "softsign({0})",
        finite=True,
        doc="x / (1 + |x|)",
    )
)

# These property tests check values, not speed: on a loaded machine a slow
# example is not a failure.
settings.register_profile("default", deadline=None)
settings.load_profile("default")


#: The strict build of the docs site, as .ci/run and the README run it.
SPHINX = ["-m", "sphinx", "-E", "-W", "-n", "--keep-going", "-q", "-b", "html"]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs site, built once per test session (strictly, as in CI) and shared.

    ``$AUTOGRAD_LITE_SITE`` names the folder: a site already built there is used as it
    is, else it is built there (``.ci/run`` empties ``docs/_build/html`` and names it, so
    CI builds the site once and keeps it). Without it, a temporary folder is used.
    """
    given = os.environ.get("AUTOGRAD_LITE_SITE")
    site = Path(given).resolve() if given else tmp_path_factory.mktemp("site") / "html"
    if (site / "index.html").is_file():
        return site
    if shutil.which("npm") is None and not (ROOT / "node_modules").is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI must build the docs site but there is no npm (.ci/run installs it)")
        pytest.skip("no npm on this machine: the docs site cannot fetch Pyodide and MathJax")
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, *SPHINX, str(ROOT / "docs"), str(site)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"the docs build failed:\n{done.stderr[-4000:]}"
    print(f"docs site built in {time.monotonic() - start:.0f} s: {site}/index.html")
    return site


@pytest.fixture(scope="module")
def browser(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Chromium]:
    """A headless Chromium for one test module (its ``BROWSER`` class, if it sets one)."""
    kind = getattr(request.module, "BROWSER", Chromium)
    chrome = kind(browser_or_skip(), tmp_path_factory.mktemp("profile"))
    try:
        yield chrome
    finally:
        chrome.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``$STEPPER_SCREENSHOTS`` if set, else a temporary folder."""
    given = os.environ.get("STEPPER_SCREENSHOTS")
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")
