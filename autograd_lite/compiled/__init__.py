"""The compiled path: a recorded graph turned into straight-line Python code.

:func:`compile_graph` walks a graph once (in the same topological order as
``backward``) and writes one assignment per node for the forward pass and one
per edge for the backward pass. No line is written by hand: each op's forward,
domain checks and local-derivative rule from the op table are *run on
symbols*, which prints them as code (``m.sigmoid(x0)`` for the forward,
``out * (1.0 - out)`` for its derivative, ``v1`` and ``v0`` for a product).
The text is compiled with Python's ``compile`` and can be read with
:meth:`Program.source` — it is the chain rule written out, a useful thing to
show a student.

The program runs on floats, or on NumPy arrays: give an array per input and one
pass evaluates a whole batch of examples (the parameters stay scalars shared by
every example, and their gradients are summed or averaged over the batch).

The package is split by job: :mod:`~autograd_lite.compiled.program` (tracing
and the :class:`Program` API), :mod:`~autograd_lite.compiled.codegen`
(writing the source), :mod:`~autograd_lite.compiled.runtime` (the float
and array namespaces the code calls), :mod:`~autograd_lite.compiled.inputs`
and :mod:`~autograd_lite.compiled.arrays` (the arguments checked, the array
library found), :mod:`~autograd_lite.compiled.reduce` (the results reduced
over the batch), :mod:`~autograd_lite.compiled.locate` (a failure traced to
its node and example), :mod:`~autograd_lite.compiled.instructions` (what a
pickled program holds) and :mod:`~autograd_lite.compiled.scale` (dask).
NumPy is imported only when used.

Example:
    >>> from autograd_lite import Value
    >>> x, w = Value(2.0, "x"), Value(0.5, "w")
    >>> prog = compile_graph((w * x).sigmoid(), inputs=[x], params=[w])
    >>> value, (gx, gw) = prog.value_and_grad(2.0)
    >>> prog.labels
    {'x0': 'x', 'p0': 'w'}
"""

from __future__ import annotations

from autograd_lite.compiled.program import Program, compile_graph, trace
from autograd_lite.compiled.runtime import FloatMath, NumpyMath

__all__ = ["FloatMath", "NumpyMath", "Program", "compile_graph", "trace"]
