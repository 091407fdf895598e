"""autograd_lite: a small, exact scalar reverse-mode autodiff engine.

The recorded computation graph is the product: build expressions from
:class:`Value` nodes, call ``backward()``, then read, draw or explain the graph.
"""

from autograd_lite.autodiff import Step, backward_steps, gradients, local_derivatives
from autograd_lite.graph import reachable, reverse_topological, topological
from autograd_lite.ops import TABLE, Op
from autograd_lite.value import Value, constant, grad_enabled, mean, no_grad
from autograd_lite.value import vsum as sum  # noqa: A004

__version__ = "0.1.0"

__all__ = [
    "TABLE",
    "Op",
    "Step",
    "Value",
    "__version__",
    "backward_steps",
    "constant",
    "grad_enabled",
    "gradients",
    "local_derivatives",
    "mean",
    "no_grad",
    "reachable",
    "reverse_topological",
    "sum",
    "topological",
]
