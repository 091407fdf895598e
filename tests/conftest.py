"""Test-wide set-up: a row defined by a user, registered like a built-in.

Every table-driven test (the consistency test in every mode, the derivative
oracles, pickling, the parser...) iterates ``autograd_lite.TABLE``, so this row
is checked exactly as the built-in ones are, with no test naming it.
"""

from __future__ import annotations

from hypothesis import settings

import autograd_lite as al

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
