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
(:meth:`Program._locate`) to say exactly where.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal, NoReturn

from autograd_lite.compiled import codegen
from autograd_lite.compiled.runtime import FLOAT, NUMPY, BackwardFailure, Recheck
from autograd_lite.graph import topological
from autograd_lite.value import Value

__all__ = ["Program", "Reduce", "compile_graph", "trace"]

Reduce = Literal["sum", "mean"] | None

_ARITH = (ArithmeticError, ValueError)


def _reducers(shape: tuple[int, ...], n: int) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Return (R, T) that sum over a batch of ``n`` examples of the given shape.

    Inside a batched program a per-example gradient is an array, or a float
    when it is the same for every example (the seed is 1.0); R(g, d) sums g·d
    over the batch, T(g) sums g.
    """
    import numpy as np

    ndarray = np.ndarray
    vdot = np.vdot

    def R(g: Any, d: Any) -> float:
        if type(g) is ndarray:
            if type(d) is ndarray and d.shape == g.shape and g.size == n:
                return float(vdot(g, d))
            g = g * d
        elif type(d) is ndarray:
            g = d * g
        else:
            return float(g * d) * n
        if g.size == n:
            return float(g.sum())
        return float(np.broadcast_to(g, shape).sum())

    def T(g: Any) -> float:
        if type(g) is ndarray:
            return float(np.broadcast_to(g, shape).sum())
        return float(g) * n

    return R, T


def _same(g: Any, d: Any) -> Any:
    return g * d


def _keep(g: Any) -> Any:
    return g


def _sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum a broadcast gradient back down to ``shape``."""
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


def _index_text(flat: int, shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return str(flat)
    import numpy as np

    return str(tuple(int(i) for i in np.unravel_index(flat, shape)))


class Program:
    """A graph compiled to straight-line code. Build with :func:`compile_graph`.

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

    def source(self) -> str:
        """Return the generated Python code: the forward, then forward + backward."""
        return self._code.forward + "\n\n" + self._code.grad

    # ------------------------------------------------------------ inputs
    def _check_args(self, args: Sequence[Any]) -> None:
        if len(args) != len(self.inputs):
            raise TypeError(
                f"program takes {len(self.inputs)} inputs "
                f"({', '.join(v.label or '?' for v in self.inputs)}), got {len(args)}"
            )

    def _prepare(self, args: Sequence[Any]) -> tuple[list[Any], bool]:
        out: list[Any] = []
        batched = False
        for j, a in enumerate(args):
            t = type(a)
            if t is float:
                if a - a != 0.0:  # inf or NaN, as the eager engine refuses them
                    self._bad_input(j, a, *_refused(a))
                out.append(a)
            elif t is int:
                out.append(float(a))
            elif isinstance(a, Value):
                out.append(a.data)
            elif t is bool or isinstance(a, (str, bytes, complex)) or a is None:
                self._bad_input(j, a, TypeError, "must be a real number or an array of them")
            else:
                out.append(self._array(j, a))
                batched = batched or not isinstance(out[-1], float)
        return out, batched

    def _bad_input(self, j: int, a: Any, kind: type[Exception], why: str) -> NoReturn:
        label = self.inputs[j].label
        who = f"input {j} ({label!r})" if label else f"input {j}"
        raise kind(f"compiled program: {who} {why}, got {type(a).__name__} {a!r:.60}")

    def _array(self, j: int, a: Any) -> Any:
        import numpy as np

        if isinstance(a, float):  # a float subclass such as numpy.float64
            x = float(a)
            if x - x != 0.0:
                self._bad_input(j, a, *_refused(x))
            return x
        arr = np.asarray(a)
        if arr.dtype.kind not in "iuf":  # refuse complex, bool, strings and objects
            self._bad_input(j, a, TypeError, "must be a real number or an array of them")
        arr = arr.astype(float, copy=False)
        if arr.ndim == 0:
            x = float(arr)
            if x - x != 0.0:
                self._bad_input(j, a, *_refused(x))
            return x
        if arr.size == 0:
            self._bad_input(j, a, ValueError, "is an empty array (a batch needs an example)")
        # One cheap reduction first: the sum is inf or NaN whenever an entry
        # is (or when finite entries overflow); only then look for the entry.
        with np.errstate(all="ignore"):
            s = float(np.add.reduce(arr, axis=None))
        if s - s != 0.0:
            bad = np.flatnonzero(~np.isfinite(arr))
            if bad.size:
                x = float(arr.flat[bad[0]])
                kind, why = _refused(x)
                self._bad_input(j, a, kind, f"{why} at index {_index_text(int(bad[0]), arr.shape)}")
        return arr

    def _params(self) -> list[float]:
        P = [p.data for p in self.params]
        s = sum(P)
        if s - s != 0.0:
            for j, x in enumerate(P):
                if x - x != 0.0:
                    label = self.params[j].label
                    who = f"parameter {j} ({label!r})" if label else f"parameter {j}"
                    kind, why = _refused(x)
                    raise kind(f"compiled program: {who} {why}")
        return P

    # -------------------------------------------------------------- runs
    def _call(
        self, fn: Callable[..., Any], xs: list[Any], P: list[float], m: Any, *extra: Any
    ) -> Any:
        try:
            return fn(*xs, P, m, *extra)
        except Recheck:
            self._locate(xs, P, m)
        except BackwardFailure as exc:
            cause = exc.__context__
            node = self._nodes[exc.index]
            op = node.op.name if node.op is not None else "leaf"
            kind = type(cause) if isinstance(cause, Exception) else ArithmeticError
            raise kind(
                f"{op} at {self._who(exc.index)} (compiled program, backward): {cause}"
            ) from None
        except _ARITH as exc:  # a float forward raised (math.exp or ** overflowing)
            self._locate(xs, P, m)
            raise ArithmeticError(f"compiled program: {exc}") from None
        raise AssertionError("compiled program: a test failed but the re-run found no error")

    def _who(self, i: int) -> str:
        node = self._nodes[i]
        return repr(node.label) if node.label else f"node v{i}"

    def run(self, *args: Any) -> Any:
        """Return the root's value for new input values (floats or arrays)."""
        self._check_args(args)
        xs, batched = self._prepare(args)
        P = self._params()
        if not batched:
            return self._call(self._forward, xs, P, FLOAT)
        import numpy as np

        with np.errstate(all="ignore"):
            return self._call(self._forward, xs, P, NUMPY)

    def value_and_grad(
        self, *args: Any, reduce: Reduce = "sum", input_grads: bool = True
    ) -> tuple[Any, list[Any]]:
        """Return the value and the gradient with respect to every input and parameter.

        On floats this is one example: the value and plain float gradients.
        With arrays, each element is one example and ``reduce`` says what is
        differentiated: ``"sum"`` or ``"mean"`` of the per-example values (the
        value is reduced likewise; gradients of parameters and of scalar
        inputs become floats, those of array inputs keep their shape), or
        ``None`` for per-example values and gradients (arrays of the batch shape).

        Args:
            *args: One float or array per input, broadcastable together.
            reduce: ``"sum"``, ``"mean"`` or ``None``.
            input_grads: Also compute the inputs' gradients; with False their
                entries are ``None`` and the work for them is skipped.

        Returns:
            ``(value, grads)`` with ``grads`` ordered as ``inputs + params``.

        Raises:
            ValueError, ZeroDivisionError, OverflowError: As the eager engine,
                naming the node (and the example); also when a gradient or the
                reduced value is not finite.
        """
        self._check_args(args)
        if reduce not in ("sum", "mean", None):
            raise ValueError(f"reduce must be 'sum', 'mean' or None, got {reduce!r}")
        xs, batched = self._prepare(args)
        P = self._params()
        fn = self._grad if input_grads else self._grad_params
        k = len(self.inputs)
        if not batched:
            value, grads = self._call(fn, xs, P, FLOAT, 1.0, _same, _keep)
            out = [
                None if (g is None and j < k and not input_grads) else (0.0 if g is None else g)
                for j, g in enumerate(grads)
            ]
            self._check_grads(out)
            return value, out
        import numpy as np

        shape = np.broadcast_shapes(*(np.shape(x) for x in xs))
        n = math.prod(shape)
        seed = np.ones(shape)  # per-example gradients must come out as full arrays
        with np.errstate(all="ignore"):
            if reduce is None:
                value, grads = self._call(fn, xs, P, NUMPY, seed, _same, _keep)
            else:
                R, T = _reducers(shape, n)
                value, grads = self._call(fn, xs, P, NUMPY, 1.0, R, T)
            result = self._finish(value, grads, xs, shape, n, reduce, input_grads)
        self._check_grads(result[1])
        total = result[0]
        if reduce is not None and total - total != 0.0:
            kind, _ = _nonfinite_kind(total)
            raise kind(f"compiled program: the {reduce} over the batch is not finite ({total!r})")
        return result

    def _finish(
        self,
        value: Any,
        grads: Sequence[Any],
        xs: Sequence[Any],
        shape: tuple[int, ...],
        n: int,
        reduce: Reduce,
        input_grads: bool,
    ) -> tuple[Any, list[Any]]:
        import numpy as np

        k = len(self.inputs)
        out: list[Any] = []
        if reduce is None:
            for j, g in enumerate(grads):
                if j < k and not input_grads:
                    out.append(None)
                    continue
                out.append(np.zeros(shape) if g is None else np.broadcast_to(g, shape).copy())
            return np.broadcast_to(value, shape).copy(), out
        wrt_shapes = [np.shape(x) for x in xs] + [() for _ in self.params]
        scale = 1.0 / n if reduce == "mean" else 1.0
        for j, (g, s) in enumerate(zip(grads, wrt_shapes, strict=True)):
            if j < k and not input_grads:
                out.append(None)
            elif g is None:
                out.append(np.zeros(s) if s else 0.0)
            elif s:
                out.append(_sum_to(np.broadcast_to(g, shape), s) * scale)
            elif type(g) is float:
                out.append(g * scale)  # already summed over the batch
            else:
                out.append(float(np.sum(np.broadcast_to(g, shape))) * scale)
        total = float(np.sum(np.broadcast_to(value, shape)))
        return total * scale, out

    def _check_grads(self, grads: Sequence[Any]) -> None:
        """Refuse an infinite or NaN gradient, naming the input or parameter."""
        wrt = [*self.inputs, *self.params]
        for j, g in enumerate(grads):
            if g is None:
                continue
            if type(g) is float:
                if g - g == 0.0:
                    continue
                x = g
            else:
                import numpy as np

                bad = np.flatnonzero(~np.isfinite(g))
                if not bad.size:
                    continue
                x = float(np.asarray(g).flat[bad[0]])
            label = wrt[j].label
            kind_of = "input" if j < len(self.inputs) else "parameter"
            jj = j if j < len(self.inputs) else j - len(self.inputs)
            who = f"{kind_of} {jj} ({label!r})" if label else f"{kind_of} {jj}"
            kind, why = _nonfinite_kind(x)
            raise kind(f"compiled program (backward): the gradient of {who} {why} ({x!r})")

    def backward(self, *args: Any, reduce: Reduce = "sum") -> Any:
        """Run the program and add the parameters' gradients into their ``grad``.

        Like ``Value.backward`` for the leaves: gradients accumulate, so call
        ``zero_grad`` (or an optimizer's) between steps.

        Returns:
            The (reduced) value.
        """
        if reduce is None:
            raise ValueError("backward needs a scalar objective: reduce='sum' or 'mean'")
        value, grads = self.value_and_grad(*args, reduce=reduce, input_grads=False)
        for p, g in zip(self.params, grads[len(self.inputs) :], strict=True):
            p.grad += float(g)
        return value

    # ---------------------------------------------------- finding errors
    def _locate(self, xs: Sequence[Any], P: Sequence[float], m: Any) -> None:
        """Re-run the graph node by node and raise the error the eager engine would.

        Each node is evaluated with the same rules and namespace as the
        generated code, so the values are the same. On arrays, the error is
        the one of the first example that fails, at the first node where it does.
        """
        import sys

        np = sys.modules.get("numpy") if m is NUMPY else None
        vals: dict[int, Any] = {}
        for j, v in enumerate(self.inputs):
            vals[id(v)] = xs[j]
        for j, v in enumerate(self.params):
            vals[id(v)] = P[j]
        shape: tuple[int, ...] = ()
        if np is not None:
            shape = np.broadcast_shapes(*(np.shape(x) for x in xs))
            first = np.full(shape, -1)  # per example: the event where it first failed
        events: list[tuple[int, type[Exception], str, Any]] = []

        def fail(i: int, kind: type[Exception], message: str, bad: Any) -> None:
            """Record (arrays) or raise (floats) a failure at node i where ``bad``."""
            if np is None:
                if bad:
                    self._raise(i, kind, message, [vals[id(p)] for p in nodes[i].parents], None)
                return
            mask = np.broadcast_to(np.asarray(bad, dtype=bool), shape) & (first < 0)
            if mask.any():
                first[mask] = len(events)
                events.append((i, kind, message, np.ndim(bad) == 0))

        nodes = self._nodes
        for i, n in enumerate(nodes):
            if id(n) in vals:
                continue
            if n.op is None or not n.parents:
                vals[id(n)] = n.data
                continue
            row, plan = n.op, self._code.plans[i]
            a = [vals[id(p)] for p in n.parents]
            for j, check in enumerate(row.checks):
                if plan.checks[j] is None:
                    continue
                try:
                    if isinstance(plan.checks[j], str):
                        held = check.holds(a, m, row.param)
                    else:
                        held = m.holds(row, j, a)
                except _ARITH:
                    held = False
                fail(i, check.error, check.message, np.logical_not(held) if np else not held)
            try:
                y = row.fwd(a, m, row.param) if plan.fwd is not None else m.call(row, a)
            except OverflowError:
                y = math.inf
            except _ARITH as exc:
                if np is None:
                    self._raise(i, type(exc), str(exc), a, None)
                y = math.nan
            if np is None:
                if y - y != 0.0:
                    if y != y:
                        fail(i, ValueError, "the result is NaN", True)
                    fail(i, OverflowError, "the result overflows a float", True)
            else:
                fail(i, ValueError, "the result is NaN", np.isnan(y))
                fail(i, OverflowError, "the result overflows a float", np.isinf(y))
            vals[id(n)] = y
        if np is None or not events:
            return
        flat = np.flatnonzero(first.ravel() >= 0)[0]
        i, kind, message, shared = events[int(first.ravel()[flat])]
        where = np.unravel_index(flat, shape)
        a = [vals[id(p)] for p in nodes[i].parents]
        a = [x if np.ndim(x) == 0 else np.broadcast_to(x, shape)[where] for x in a]
        self._raise(i, kind, message, a, None if shared else _index_text(int(flat), shape))

    def _raise(
        self, i: int, kind: type[Exception], message: str, a: Sequence[Any], index: str | None
    ) -> NoReturn:
        node = self._nodes[i]
        assert node.op is not None
        parts = []
        for s, (p, x) in enumerate(zip(node.parents, a, strict=True)):
            name = repr(p.label) if p.label else f"input {s}"
            parts.append(f"{name} = {float(x)!r}")
        where = f" at index {index}" if index is not None else ""
        raise kind(
            f"{node.op.name} at {self._who(i)} (compiled program): {message} "
            f"({'; '.join(parts)}){where}"
        ) from None


def _nonfinite_kind(x: float) -> tuple[type[Exception], str]:
    if x != x:
        return ValueError, "is NaN"
    return OverflowError, "is infinite"


def _refused(x: float) -> tuple[type[Exception], str]:
    """An input or parameter that is not finite is refused with ``ValueError``."""
    return ValueError, f"must be finite ({_nonfinite_kind(x)[1]})"


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
