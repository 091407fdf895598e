"""autograd_lite: a small, exact scalar reverse-mode autodiff engine.

The recorded computation graph is the product: build expressions from
:class:`Value` nodes, call ``backward()``, then read, draw, explain, step
through, differentiate again or compile the graph.

The engine itself imports nothing outside the standard library. The diagram
functions (``to_dot``, ``draw``, ``render_svg``, ``stepper_html``) and the
compiled path (``compile_graph``, ``trace``) are loaded on first use, so
``import autograd_lite`` never imports graphviz or NumPy.

Submodules with their own namespace: :mod:`autograd_lite.teach.explain`,
:mod:`autograd_lite.teach.paths`, :mod:`autograd_lite.teach.exercise`,
:mod:`autograd_lite.teach.viz`,
:mod:`autograd_lite.models.nn`, :mod:`autograd_lite.testing`,
:mod:`autograd_lite.models.logistic`, :mod:`autograd_lite.compiled`,
:mod:`autograd_lite.persist` (``safe_loads``: loading pickles from elsewhere).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from autograd_lite.anomaly import (
    AnomalyError,
    AnomalyNaNError,
    AnomalyOverflowError,
    detect_anomaly,
)
from autograd_lite.base.mode import gc_paused, grad_enabled, no_grad, set_grad_enabled
from autograd_lite.core import ops
from autograd_lite.core.autodiff import local_derivatives
from autograd_lite.core.graph import reachable, reverse_topological, topological
from autograd_lite.core.ops import *  # noqa: F403 - every row, callable as a function: al.exp(x)
from autograd_lite.core.value import (
    TABLE,
    Check,
    Op,
    Value,
    constant,
    mean,
    register,
    unregister,
)
from autograd_lite.core.value import vsum as sum  # noqa: A004
from autograd_lite.fast import kernel as _fast
from autograd_lite.forward import (
    ForwardStep,
    SweepCount,
    count_sweeps,
    forward_steps,
    jvp_graph,
)
from autograd_lite.functional import (
    grad,
    gradients,
    hessian,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    value_and_grad,
)
from autograd_lite.models.logistic import LogisticRegression, make_data
from autograd_lite.persist import safe_load, safe_loads
from autograd_lite.steps import Step, backward_steps
from autograd_lite.teach.exercise import Blank, Exercise, Grade
from autograd_lite.teach.lesson import (
    Analytic,
    AnalyticBatch,
    LessonGraph,
    analytic,
    analytic_batch,
    lesson_graph,
)
from autograd_lite.teach.mistakes import (
    MISTAKES,
    MistakeComparison,
    MistakeRow,
    compare_mistake,
    mistaken_backward,
)
from autograd_lite.teach.paths import PathExplanation, explain_paths

_fast.install()

if TYPE_CHECKING:
    from autograd_lite.compiled import Program, compile_graph, trace
    from autograd_lite.models.optimize import FitResult, fit_logistic
    from autograd_lite.teach.viz import (
        Diagram,
        RendererNotFound,
        RenderError,
        RenderTimeout,
        draw,
        render_svg,
        stepper_html,
        to_dot,
    )

__version__ = "0.1.0"

__all__ = [
    "MISTAKES",
    "TABLE",
    "Analytic",
    "AnalyticBatch",
    "AnomalyError",
    "AnomalyNaNError",
    "AnomalyOverflowError",
    "Blank",
    "Check",
    "Diagram",
    "Exercise",
    "FitResult",
    "ForwardStep",
    "Grade",
    "LessonGraph",
    "LogisticRegression",
    "MistakeComparison",
    "MistakeRow",
    "Op",
    "PathExplanation",
    "Program",
    "RenderError",
    "RenderTimeout",
    "RendererNotFound",
    "Step",
    "SweepCount",
    "Value",
    "__version__",
    "analytic",
    "analytic_batch",
    "backward_steps",
    "compare_mistake",
    "compile_graph",
    "constant",
    "count_sweeps",
    "detect_anomaly",
    "draw",
    "explain_paths",
    "fit_logistic",
    "forward_steps",
    "gc_paused",
    "grad",
    "grad_enabled",
    "gradients",
    "hessian",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "jvp_graph",
    "lesson_graph",
    "local_derivatives",
    "make_data",
    "mean",
    "mistaken_backward",
    "no_grad",
    "reachable",
    "register",
    "render_svg",
    "reverse_topological",
    "safe_load",
    "safe_loads",
    "set_grad_enabled",
    "stepper_html",
    "sum",
    "to_dot",
    "topological",
    "trace",
    "unregister",
    "value_and_grad",
]
__all__ += [name for name in ops.__all__ if name not in __all__ and name != "pow_const"]

# Names whose modules import third-party packages: loaded on first access.
_LAZY = {
    "Diagram": "autograd_lite.teach.viz",
    "RendererNotFound": "autograd_lite.teach.viz",
    "RenderError": "autograd_lite.teach.viz",
    "RenderTimeout": "autograd_lite.teach.viz",
    "draw": "autograd_lite.teach.viz",
    "render_svg": "autograd_lite.teach.viz",
    "stepper_html": "autograd_lite.teach.viz",
    "to_dot": "autograd_lite.teach.viz",
    "Program": "autograd_lite.compiled",
    "compile_graph": "autograd_lite.compiled",
    "trace": "autograd_lite.compiled",
    "FitResult": "autograd_lite.models.optimize",
    "fit_logistic": "autograd_lite.models.optimize",
}


def __getattr__(name: str) -> Any:
    home = _LAZY.get(name)
    if home is None:
        raise AttributeError(f"module 'autograd_lite' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
