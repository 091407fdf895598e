"""Shared pytest configuration: hypothesis profiles.

The "default" profile has no deadline (the first call of a test may import
sympy or torch). The "ci" profile, loaded when the environment variable CI is
set, is also derandomized so that a CI run is reproducible.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import settings

# Test modules import the shared strategies as ``from strategies import ...``.
sys.path.insert(0, str(Path(__file__).parent))

settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")


def pytest_configure(config: object) -> None:
    config.addinivalue_line(  # type: ignore[attr-defined]
        "markers", "slow: a test that builds a very large graph (deselect with -m 'not slow')"
    )
