"""Tracing a graph to a flat program, and the :class:`Program` that runs it.

:func:`compile_graph` takes a recorded graph, decides which leaves are the
program's inputs and parameters, has :mod:`autograd_lite.compiled.codegen`
write the code, and wraps it in a :class:`Program` whose ``run``,
``value_and_grad`` and ``backward`` take floats (one example) or NumPy arrays
(one element per example).

Errors follow the eager engine's policy: inputs and parameters must be finite;
a failing domain check raises the check's error, an overflow
``OverflowError``, a NaN ``ValueError``, each naming the op, the node and the
input values (and, on arrays, the first failing example). The generated code
only *detects* trouble; the program then re-runs the graph step by step
(:func:`~autograd_lite.compiled.locate.locate`) to say exactly where.
"""

from __future__ import annotations

import builtins
import copy
import functools
import pickle
import uuid
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from autograd_lite.compiled import codegen, instructions
from autograd_lite.compiled.arrays import array_math
from autograd_lite.compiled.inputs import check_count, param_values, prepare
from autograd_lite.compiled.locate import ARITH, backward_error, locate
from autograd_lite.compiled.reduce import (
    DeferredBatch,
    Reduce,
    batch_for,
    batched,
    check_grads,
    check_reduce,
    check_total,
    keep,
    same,
)
from autograd_lite.compiled.runtime import (
    FLOAT,
    NUMPY,
    ArrayMath,
    BackwardFailure,
    Recheck,
    any_dask,
    require_jax_x64,
)
from autograd_lite.core.graph import topological
from autograd_lite.core.value import Value

__all__ = ["Program", "Reduce", "compile_graph", "trace"]


class Program:
    """A graph compiled to straight-line code. Build with :func:`compile_graph`.

    The same code runs on floats (one example) and on arrays of examples of
    any array library that follows the array API standard: NumPy (its own
    fast path), array-api-strict, JAX (float64 only), CuPy...; the namespace
    is picked from the inputs. Dask arrays run lazily, chunk by chunk (see
    :mod:`autograd_lite.compiled.scale`). A program pickles as data, never as code: its
    graph as a flat list of instructions (op-table names, parent indices,
    numbers, labels); loading checks every field and writes the code again.
    A program using an op row that is not in :data:`autograd_lite.core.ops.TABLE`
    cannot be pickled (``pickle.PicklingError``).

    Attributes:
        inputs: The leaves that are arguments of the program, in order.
        params: The leaves read live from their ``data`` at each run (so an
            optimizer's updates are seen) whose gradients are also returned.
        n_nodes: Number of graph nodes the program evaluates.
        labels: Generated identifier (``x0``, ``p1``, ``v7``) → the node's
            label, for nodes that have one. Labels never appear in the code
            except, escaped, in comments.
    """

    def __init__(
        self,
        root: Value,
        inputs: Sequence[Value],
        params: Sequence[Value],
        nodes: list[Value],
        code: codegen.Code,
    ) -> None:
        self.root = root
        self.inputs = tuple(inputs)
        self.params = tuple(params)
        self.n_nodes = len(nodes)
        self.labels = dict(code.labels)
        self._nodes = nodes
        self._code = code
        self._build()

    def _build(self) -> None:
        code = self._code
        scope: dict[str, Any] = {
            "Recheck": Recheck,
            "BackwardFailure": BackwardFailure,
            "float": float,
        }
        scope.update({f"R{j}": row for j, row in enumerate(code.rows)})
        text = "\n\n".join([code.forward, code.grad, code.grad_params])
        exec(builtins.compile(text, "<autograd_lite program>", "exec"), scope)
        self._forward: Callable[..., Any] = scope["forward"]
        self._grad: Callable[..., Any] = scope["value_and_grad"]
        self._grad_params: Callable[..., Any] = scope["value_and_grad_params"]
        self._jitted: dict[Any, Any] = {}
        self._token = uuid.uuid4().hex

    # A program pickles as data only (see instructions.py): loading checks every
    # field and writes the code again, so no code text ever travels in a pickle.
    def __reduce__(self) -> tuple[Any, ...]:
        return (load_program, (_state(self),))

    def __setstate__(self, state: object) -> NoReturn:
        # __reduce__ never writes a state: one in a pickle was put there by hand.
        raise pickle.UnpicklingError(
            "compiled program pickle: it carries a state (written by an earlier version, or "
            "by hand); a program loads from its instructions only: compile the graph again"
        )

    def __copy__(self) -> Program:
        """Return a program over the same graph (nodes, inputs and parameters shared)."""
        return Program(self.root, self.inputs, self.params, self._nodes, self._code)

    def __deepcopy__(self, memo: dict[int, Any]) -> Program:
        """Return a program over a copy of the graph (new inputs and parameters)."""
        root, inputs, params = copy.deepcopy((self.root, self.inputs, self.params), memo)
        nodes = topological(root)
        return Program(root, inputs, params, nodes, codegen.write(nodes, root, inputs, params))

    def __dask_tokenize__(self) -> tuple[str, str]:
        # dask names tasks by a token of their arguments; without this method it
        # would pickle and load the program two or three times per graph built.
        # A program never changes after it is made (parameters travel by value).
        return ("autograd_lite.compiled.Program", self._token)

    def source(self) -> str:
        """Return the generated Python code: the forward, then forward + backward."""
        return self._code.forward + "\n\n" + self._code.grad

    # -------------------------------------------------------------- runs
    def _call(
        self, fn: Callable[..., Any], xs: list[Any], P: list[float], m: Any, *extra: Any
    ) -> Any:
        try:
            return fn(*xs, P, m, *extra)
        except Recheck:
            locate(self._nodes, self._code.plans, self.inputs, self.params, xs, P, m)
        except BackwardFailure as exc:
            raise backward_error(self._nodes, exc) from None
        except ARITH as exc:  # a float forward raised (math.exp or ** overflowing)
            locate(self._nodes, self._code.plans, self.inputs, self.params, xs, P, m)
            raise ArithmeticError(f"compiled program: {exc}") from None
        raise AssertionError("compiled program: a test failed but the re-run found no error")

    def run(self, *args: Any, params: Sequence[float] | None = None) -> Any:
        """Return the root's value for new input values (floats or arrays).

        Args:
            *args: One float or array per input, broadcastable together.
            params: Values for the parameters, instead of their current ``data``.

        With dask arrays the result is a lazy dask array (see :mod:`autograd_lite.compiled.scale`).
        """
        check_count(self.inputs, args)
        if any_dask(args):
            from autograd_lite.compiled import scale

            return scale.run(self, args, params=params)
        xs, m = prepare(self.inputs, args)
        P = param_values(self.params, params)
        if m is NUMPY:
            import numpy as np

            with np.errstate(all="ignore"):
                return self._call(self._forward, xs, P, NUMPY)
        return self._call(self._forward, xs, P, m)

    def value_and_grad(
        self,
        *args: Any,
        reduce: Reduce = "sum",
        input_grads: bool = True,
        params: Sequence[float] | None = None,
    ) -> tuple[Any, list[Any]]:
        """Return the value and the gradient with respect to every input and parameter.

        On floats this is one example: the value and plain float gradients.
        With arrays, each element is one example and ``reduce`` says what is
        differentiated: ``"sum"`` or ``"mean"`` of the per-example values (the
        value is reduced likewise; gradients of parameters and of scalar
        inputs become floats, those of array inputs keep their shape), or
        ``None`` for per-example values and gradients (arrays of the batch shape).
        Arrays of any array-API library give arrays of that library; with
        dask arrays every result is lazy (one graph: compute them together).

        Args:
            *args: One float or array per input, broadcastable together.
            reduce: ``"sum"``, ``"mean"`` or ``None``.
            input_grads: Also compute the inputs' gradients; with False their
                entries are ``None`` and the work for them is skipped.
            params: Values for the parameters, instead of their current ``data``.

        Returns:
            ``(value, grads)`` with ``grads`` ordered as ``inputs + params``.

        Raises:
            ValueError, ZeroDivisionError, OverflowError: As the eager engine,
                naming the node (and the example); also when a gradient or the
                reduced value is not finite.
        """
        check_count(self.inputs, args)
        check_reduce(reduce)
        if any_dask(args):
            from autograd_lite.compiled import scale

            lazy: tuple[Any, list[Any]] = scale.value_and_grad(
                self, args, reduce=reduce, input_grads=input_grads, params=params
            )
            return lazy
        xs, m = prepare(self.inputs, args)
        P = param_values(self.params, params)
        fn = self._grad if input_grads else self._grad_params
        k = len(self.inputs)
        if m is FLOAT:
            value, grads = self._call(fn, xs, P, FLOAT, 1.0, same, keep)
            out = [
                None if (g is None and j < k and not input_grads) else (0.0 if g is None else g)
                for j, g in enumerate(grads)
            ]
            check_grads(out, self.inputs, self.params)
            return value, out
        run = functools.partial(self._call, fn, xs, P, m)
        result = batched(run, batch_for(m, xs), xs, reduce, input_grads)
        check_grads(result[1], self.inputs, self.params, None if m is NUMPY else m.xp)
        check_total(result[0], reduce)
        return result

    def backward(self, *args: Any, reduce: Reduce = "sum") -> Any:
        """Run the program and add the parameters' gradients into their ``grad``.

        Like ``Value.backward`` for the leaves: gradients accumulate, so call
        ``zero_grad`` (or an optimizer's) between steps.

        Returns:
            The (reduced) value.
        """
        if reduce is None:
            raise ValueError("backward needs a scalar objective: reduce='sum' or 'mean'")
        if any_dask(args):
            raise TypeError(
                "backward: use value_and_grad on dask arrays (it is lazy), then add the "
                "computed gradients yourself"
            )
        value, grads = self.value_and_grad(*args, reduce=reduce, input_grads=False)
        for p, g in zip(self.params, grads[len(self.inputs) :], strict=True):
            p.grad += float(g)
        return value

    # --------------------------------------------------------------- jit
    def jit(self, reduce: Reduce = "sum", input_grads: bool = False) -> Callable[..., Any]:
        """Return ``value_and_grad`` compiled with ``jax.jit`` (JAX with float64 required).

        The returned function takes the inputs as JAX arrays (and optionally
        ``params=``) and returns ``(value, grads)`` as :meth:`value_and_grad`
        does, with JAX arrays in place of floats. The domain and finiteness
        tests run inside the compiled function as flags; when one fails, the
        program runs again without jit to raise the error naming the node and
        the example.

        Raises:
            RuntimeError: If ``jax_enable_x64`` is off.
            ImportError: If JAX is not installed.
        """
        import jax
        import jax.numpy as jnp

        require_jax_x64()
        check_reduce(reduce)
        key = (reduce, input_grads)
        if key in self._jitted:
            return self._jitted[key]  # type: ignore[no-any-return]
        fn = self._grad if input_grads else self._grad_params
        xp = array_math(jnp).xp

        def pure(xs: tuple[Any, ...], P: Any) -> Any:
            m = ArrayMath(xp, deferred=True)
            Ps = [P[j] for j in range(len(self.params))]
            run = functools.partial(fn, *xs, Ps, m)
            value, grads = batched(run, DeferredBatch(xp), xs, reduce, input_grads)
            # The inputs' finiteness is tested here, fused with the rest, not before the call.
            checks = [xp.all(xp.isfinite(x)) for x in xs if not isinstance(x, float)]
            checks += [*m.flags, xp.isfinite(value) if reduce is not None else True]
            checks += [xp.all(xp.isfinite(g)) for g in grads if g is not None]
            ok = xp.all(xp.stack([xp.asarray(c) for c in checks]))
            return value, grads, ok

        compiled = jax.jit(pure)

        def call(*args: Any, params: Sequence[float] | None = None) -> tuple[Any, list[Any]]:
            check_count(self.inputs, args)
            xs, _m = prepare(self.inputs, args, scan=False)
            P = param_values(self.params, params)
            value, grads, ok = compiled(tuple(xs), jnp.asarray(P, dtype=jnp.float64))
            if not bool(ok):
                # Locate with the eager program (raises naming the node and example).
                self.value_and_grad(*args, reduce=reduce, input_grads=input_grads, params=P)
                raise ArithmeticError("compiled program (jit): a test failed")
            return value, list(grads)

        self._jitted[key] = call
        return call


# A program pickles as its graph's instructions (see instructions.encode);
# loading checks every field and writes the code again.
def _state(prog: Program) -> dict[str, Any]:
    return instructions.encode(prog._nodes, prog.inputs, prog.params)


def load_program(state: object) -> Program:
    """Rebuild a pickled program from its instructions, checking each field.

    Raises:
        pickle.UnpicklingError: Naming the first field that is not as written.
    """
    nodes, inputs, params = instructions.decode(state)
    root = nodes[-1]
    return Program(root, inputs, params, nodes, codegen.write(nodes, root, inputs, params))


def compile_graph(
    root: Value, inputs: Sequence[Value], params: Sequence[Value] | None = None
) -> Program:
    """Compile ``root``'s graph into a :class:`Program`.

    Args:
        root: The output node.
        inputs: Leaves that become the program's arguments (one value, or
            one array of examples, each per call).
        params: Leaves whose current ``data`` is read at every call and whose
            gradients are returned after the inputs'. By default every other
            leaf the user created; pass ``[]`` to bake them in as constants.
            Constants lifted from numbers are always baked in.

    Returns:
        The program.

    Raises:
        TypeError: If an input or parameter is not a leaf Value.
        ValueError: If a leaf appears twice among inputs and parameters.
    """
    if not isinstance(root, Value):
        raise TypeError(f"compile_graph: root must be a Value, got {type(root).__name__}")
    if isinstance(inputs, (str, Value)):
        raise TypeError(f"compile_graph: inputs must be a list of leaf Values, got {inputs!r:.60}")
    nodes = topological(root)
    leaves = [n for n in nodes if n.op is None]
    if params is None:
        chosen = {id(v) for v in inputs}
        params = [n for n in leaves if id(n) not in chosen]
    wrt = [*inputs, *params]
    for v in wrt:
        if not isinstance(v, Value) or v.op is not None:
            raise TypeError(f"compile_graph: inputs and params must be leaf Values, got {v!r}")
    if len({id(v) for v in wrt}) != len(wrt):
        raise ValueError("compile_graph: a leaf is listed twice among inputs and params")
    code = codegen.write(nodes, root, inputs, params)
    return Program(root, inputs, params, nodes, code)


def trace(fn: Callable[..., Value], *example: float) -> Program:
    """Trace ``fn`` once on example values and compile the graph it builds.

    ``fn`` receives one leaf Value per example value and must return a Value.
    Leaves it creates itself (weights, say) become parameters. Python control
    flow inside ``fn`` is frozen at the branch taken for the example values.

    Example:
        >>> prog = trace(lambda x, y: (x * y).sigmoid(), 1.0, 2.0)
        >>> round(prog.run(0.0, 5.0), 3)
        0.5
    """
    if not callable(fn):
        raise TypeError(f"trace: fn must be callable, got {type(fn).__name__}")
    leaves = [Value(x, f"x{j}") for j, x in enumerate(example)]
    out = fn(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"trace: fn must return a Value, got {type(out).__name__}")
    return compile_graph(out, leaves)
