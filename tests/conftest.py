"""Test-wide set-up: a row defined by a user, registered like a built-in.

Every table-driven test (the consistency test in every mode, the derivative
oracles, pickling, the parser...) iterates ``autograd_lite.TABLE``, so this row
is checked exactly as the built-in ones are, with no test naming it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
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


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docs site, built once per test session (strict, as in CI) and shared.

    ``$AUTOGRAD_LITE_SITE`` names a site built already from this checkout (``.ci/run``
    builds it first, then passes it here); otherwise it is built into a temporary folder.
    """
    given = os.environ.get("AUTOGRAD_LITE_SITE")
    if given:
        site = Path(given)
        assert (site / "index.html").is_file(), f"$AUTOGRAD_LITE_SITE={given}: no index.html"
        return site
    site = tmp_path_factory.mktemp("site") / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "-n", "--keep-going", "-q"]
    done = subprocess.run(
        [*command, "-b", "html", str(ROOT / "docs"), str(site)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"the docs build failed:\n{done.stderr[-4000:]}"
    return site
