"""The compiled path: a recorded graph turned into straight-line Python code.

:func:`compile_graph` walks a graph once (in the same topological order as
``backward``) and writes one assignment per node for the forward pass and one
per edge for the backward pass. The backward lines are not written by hand:
each op's local-derivative rule from the op table is *run on symbols*, which
prints the rule as code (``out * (1.0 - out)`` for sigmoid, ``v1`` and ``v0``
for a product). The text is compiled with Python's ``compile`` and can be read
with :meth:`Program.source` — it is the chain rule written out, a useful thing
to show a student.

The program runs on floats, or on NumPy arrays: give an array per input and one
pass evaluates a whole batch of examples (the parameters stay scalars shared by
every example, and their gradients are summed or averaged over the batch).

Example:
    >>> from autograd_lite import Value
    >>> x, w = Value(2.0, "x"), Value(0.5, "w")
    >>> prog = compile_graph((w * x).sigmoid(), inputs=[x], params=[w])
    >>> value, (gx, gw) = prog.value_and_grad(2.0)
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

from autograd_lite import ops
from autograd_lite.graph import topological
from autograd_lite.symbolic import SYM_MATH as _SYM_MATH
from autograd_lite.symbolic import Sym as _Sym
from autograd_lite.symbolic import num as _num
from autograd_lite.symbolic import times as _times
from autograd_lite.value import Value

__all__ = ["FloatMath", "NumpyMath", "Program", "compile_graph", "trace"]

Reduce = Literal["sum", "mean"] | None

# Ops whose forward (or backward rule) can leave its domain: the generated code
# records which node it is at before running them, so an error can name it.
_CHECKED = frozenset({"div", "pow", "powc", "exp", "log"})


# ------------------------------------------------------ runtime namespaces
class FloatMath:
    """Runtime namespace of a program run on plain floats.

    Every forward goes through the op table's own forward, so a program on
    floats gives exactly the numbers of the eager engine.
    """

    __slots__ = ()
    exp = staticmethod(lambda x: ops.TABLE["exp"].forward((x,), None))
    log = staticmethod(ops.FLOAT_MATH.log)
    sigmoid = staticmethod(ops.FLOAT_MATH.sigmoid)
    tanh = staticmethod(math.tanh)
    step = staticmethod(ops.FLOAT_MATH.step)
    softplus = staticmethod(ops._softplus)

    @staticmethod
    def relu(x: float) -> float:
        """Return max(x, 0)."""
        return x if x > 0.0 else 0.0

    @staticmethod
    def add(*xs: float) -> float:
        """Return the exactly rounded sum (as the eager n-ary add)."""
        return math.fsum(xs)

    @staticmethod
    def div(a: float, b: float) -> float:
        """Return a / b; raise ZeroDivisionError for b = 0."""
        return ops.TABLE["div"].forward((a, b), None)

    @staticmethod
    def pow(a: float, b: float) -> float:
        """Return a ** b inside the real domain."""
        return ops.TABLE["pow"].forward((a, b), None)

    @staticmethod
    def powc(a: float, k: float) -> float:
        """Return a ** k for a constant k inside the real domain."""
        return ops.TABLE["powc"].forward((a,), k)

    @staticmethod
    def apply(row: ops.Op, *xs: float) -> float:
        """Run any other row's forward."""
        return row.forward(xs, row.param)


def _first_bad(x: Any, bad: Any) -> str:
    import numpy as np

    arr = np.asarray(x)
    if arr.ndim == 0:
        return repr(float(arr))
    idx = tuple(int(i[0]) for i in np.nonzero(bad))
    return f"{float(arr[idx])!r} at index {idx[0] if len(idx) == 1 else idx}"


class NumpyMath:
    """Runtime namespace of a program run on NumPy arrays (one element per example).

    Domain errors raise like the eager engine does, naming the offending entry,
    instead of leaving NaN or infinity in the batch.
    """

    __slots__ = ()

    @staticmethod
    def exp(x: Any) -> Any:
        """Return e**x; raise OverflowError above about 709.78."""
        import numpy as np

        bad = np.greater(x, 709.782712893384)
        if bad.any():
            raise OverflowError(f"exp overflows a float: {_first_bad(x, bad)}")
        return np.exp(x)

    @staticmethod
    def log(x: Any) -> Any:
        """Return log x; raise ValueError where x <= 0."""
        import numpy as np

        bad = np.logical_not(np.greater(x, 0.0))
        if bad.any():
            raise ValueError(f"log is defined only for x > 0, got {_first_bad(x, bad)}")
        return np.log(x)

    @staticmethod
    def sigmoid(x: Any) -> Any:
        """Return the stable logistic function (exp only ever sees −|x|)."""
        import numpy as np

        if type(x) is not np.ndarray:
            return ops._sigmoid(float(x))
        # In place where possible: the batch arrays are the expensive part.
        e = np.abs(x)
        np.negative(e, out=e)
        np.exp(e, out=e)
        r = e + 1.0
        np.reciprocal(r, out=r)
        e *= r
        np.copyto(e, r, where=np.greater_equal(x, 0.0))
        return e

    @staticmethod
    def tanh(x: Any) -> Any:
        """Return tanh x."""
        import numpy as np

        return np.tanh(x)

    @staticmethod
    def step(x: Any) -> Any:
        """Return 1.0 where x > 0, else 0.0."""
        import numpy as np

        return np.greater(x, 0.0).astype(float) if isinstance(x, np.ndarray) else float(x > 0.0)

    @staticmethod
    def relu(x: Any) -> Any:
        """Return max(x, 0)."""
        import numpy as np

        return np.maximum(x, 0.0)

    @staticmethod
    def softplus(x: Any) -> Any:
        """Return log(1 + e**x) without overflow."""
        import numpy as np

        if type(x) is not np.ndarray:
            return ops._softplus(float(x))
        t = np.abs(x)
        np.negative(t, out=t)
        np.exp(t, out=t)
        np.log1p(t, out=t)
        t += np.maximum(x, 0.0)
        return t

    @staticmethod
    def add(*xs: Any) -> Any:
        """Return the sum of the inputs (elementwise)."""
        total = xs[0] + xs[1]
        for x in xs[2:]:
            total = total + x
        return total

    @staticmethod
    def div(a: Any, b: Any) -> Any:
        """Return a / b; raise ZeroDivisionError where b = 0."""
        import numpy as np

        bad = np.equal(b, 0.0)
        if bad.any():
            raise ZeroDivisionError(f"division by zero: divisor {_first_bad(b, bad)}")
        return a / b

    @staticmethod
    def pow(a: Any, b: Any) -> Any:
        """Return a ** b inside the real domain."""
        import numpy as np

        a_, b_ = np.broadcast_arrays(a, b)
        neg = np.less(a_, 0.0) & np.not_equal(b_, np.round(b_))
        if neg.any():
            raise ValueError(
                f"negative base raised to a non-integer power has no real value: "
                f"base {_first_bad(a_, neg)}"
            )
        zero = np.equal(a_, 0.0) & np.less(b_, 0.0)
        if zero.any():
            raise ZeroDivisionError(
                f"0 raised to a negative power: exponent {_first_bad(b_, zero)}"
            )
        return np.power(a, b)

    @staticmethod
    def powc(a: Any, k: float) -> Any:
        """Return a ** k for a constant k inside the real domain."""
        import numpy as np

        if k != int(k):
            bad = np.less(a, 0.0)
            if bad.any():
                raise ValueError(
                    f"negative base raised to the non-integer power {k!r}: {_first_bad(a, bad)}"
                )
        if k < 0:
            bad = np.equal(a, 0.0)
            if bad.any():
                raise ZeroDivisionError(f"0 raised to the negative power {k!r}")
        if k == 2.0:
            return a * a
        return np.power(a, k)

    @staticmethod
    def apply(row: ops.Op, *xs: Any) -> Any:
        """Run any other row's forward element by element."""
        import numpy as np

        f = np.vectorize(lambda *e: row.forward(e, row.param), otypes=[float])
        return f(*xs)


_FLOAT = FloatMath()
_NUMPY = NumpyMath()


def _same(g: Any, d: Any) -> Any:
    return g * d


def _keep(g: Any) -> Any:
    return g


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


# ---------------------------------------------------------------- program
class Program:
    """A graph compiled to straight-line code. Build with :func:`compile_graph`.

    Attributes:
        inputs: The leaves that are arguments of the program, in order.
        params: The leaves read live from their ``data`` at each run (so an
            optimizer's updates are seen) whose gradients are also returned.
        n_nodes: Number of graph nodes the program evaluates.
    """

    def __init__(
        self,
        root: Value,
        inputs: Sequence[Value],
        params: Sequence[Value],
        forward_src: str,
        grad_src: str,
        nodes: list[Value],
        rows: Sequence[ops.Op] = (),
        params_src: str = "",
    ) -> None:
        self.root = root
        self.inputs = tuple(inputs)
        self.params = tuple(params)
        self.n_nodes = len(nodes)
        self._nodes = nodes
        self._forward_src = forward_src
        self._grad_src = grad_src
        scope: dict[str, Any] = {"_fail": self._fail, "float": float}
        scope.update({f"R{j}": row for j, row in enumerate(rows)})
        self._params_src = params_src
        code = builtins.compile(
            "\n\n".join([forward_src, grad_src, params_src]), "<autograd_lite program>", "exec"
        )
        exec(code, scope)
        self._grad_params: Callable[..., Any] = scope["value_and_grad_params"]
        self._forward: Callable[..., Any] = scope["forward"]
        self._grad: Callable[..., Any] = scope["value_and_grad"]

    def source(self) -> str:
        """Return the generated Python code: the forward, then forward + backward."""
        return self._forward_src + "\n\n" + self._grad_src

    def _fail(self, exc: Exception, index: int) -> None:
        node = self._nodes[index]
        who = repr(node.label) if node.label else f"node v{index}"
        op = node.op.name if node.op is not None else "leaf"
        kind = ZeroDivisionError if isinstance(exc, FloatingPointError) else type(exc)
        if isinstance(exc, FloatingPointError) and "invalid" in str(exc):
            kind = ValueError
        raise kind(f"{op} at {who} (compiled program): {exc}") from None

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
                if a != a:  # NaN, as the eager engine refuses it
                    self._bad_input(j, a, ValueError, "is NaN")
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

    def _bad_input(self, j: int, a: Any, kind: type[Exception], why: str) -> None:
        label = self.inputs[j].label
        who = f"input {j} ({label!r})" if label else f"input {j}"
        raise kind(f"compiled program: {who} {why}, got {type(a).__name__} {a!r:.60}")

    def _array(self, j: int, a: Any) -> Any:
        import numpy as np

        if isinstance(a, float):  # a float subclass such as numpy.float64
            if a != a:
                self._bad_input(j, a, ValueError, "is NaN")
            return float(a)
        arr = np.asarray(a)
        if arr.dtype.kind not in "iuf":  # refuse complex, bool, strings and objects
            self._bad_input(j, a, TypeError, "must be a real number or an array of them")
        arr = arr.astype(float, copy=False)
        if arr.ndim == 0:
            if arr != arr:
                self._bad_input(j, a, ValueError, "is NaN")
            return float(arr)
        if arr.size == 0:
            self._bad_input(j, a, ValueError, "is an empty array (a batch needs an example)")
        # One cheap reduction first: the sum is NaN whenever an entry is NaN
        # (and also when +inf and -inf meet); only then look for the entry.
        if np.isnan(np.add.reduce(arr, axis=None)) and (bad := np.isnan(arr)).any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            index = where[0] if len(where) == 1 else where
            self._bad_input(j, a, ValueError, f"is NaN at index {index}")
        return arr

    def run(self, *args: Any) -> Any:
        """Return the root's value for new input values (floats or arrays)."""
        self._check_args(args)
        xs, batched = self._prepare(args)
        P = [p.data for p in self.params]
        if not batched:
            return self._forward(*xs, P, _FLOAT)
        import numpy as np

        with np.errstate(divide="raise", invalid="raise"):
            return self._forward(*xs, P, _NUMPY)

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
        """
        self._check_args(args)
        if reduce not in ("sum", "mean", None):
            raise ValueError(f"reduce must be 'sum', 'mean' or None, got {reduce!r}")
        xs, batched = self._prepare(args)
        P = [p.data for p in self.params]
        fn = self._grad if input_grads else self._grad_params
        k = len(self.inputs)
        if not batched:
            value, grads = fn(*xs, P, _FLOAT, 1.0, _same, _keep)
            return value, [
                None if (g is None and j < k and not input_grads) else (0.0 if g is None else g)
                for j, g in enumerate(grads)
            ]
        import numpy as np

        shape = np.broadcast_shapes(*(np.shape(x) for x in xs))
        n = math.prod(shape)
        seed = np.ones(shape)  # per-example gradients must come out as full arrays
        with np.errstate(divide="raise", invalid="raise"):
            if reduce is None:
                value, grads = fn(*xs, P, _NUMPY, seed, _same, _keep)
            else:
                R, T = _reducers(shape, n)
                value, grads = fn(*xs, P, _NUMPY, 1.0, R, T)
        wrt_shapes = [np.shape(x) for x in xs] + [() for _ in P]
        out: list[Any] = []
        if reduce is None:
            for j, g in enumerate(grads):
                if j < k and not input_grads:
                    out.append(None)
                    continue
                out.append(np.zeros(shape) if g is None else np.broadcast_to(g, shape).copy())
            return np.broadcast_to(value, shape).copy(), out
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


def _sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum a broadcast gradient back down to ``shape``."""
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


# ---------------------------------------------------------------- codegen
def _forward_expr(node: Value, names: list[str], row_index: dict[int, int]) -> str:
    op = node.op
    assert op is not None
    a = names
    name = op.name
    if name == "add":
        return f"{a[0]} + {a[1]}" if len(a) == 2 else f"m.add({', '.join(a)})"
    if name == "sub":
        return f"{a[0]} - {a[1]}"
    if name == "mul":
        return f"{a[0]} * {a[1]}"
    if name == "neg":
        return f"-{a[0]}"
    if name == "identity":
        return a[0]
    if name == "div":
        return f"m.div({a[0]}, {a[1]})"
    if name == "pow":
        return f"m.pow({a[0]}, {a[1]})"
    if name == "powc":
        assert op.param is not None
        return f"m.powc({a[0]}, {_num(op.param)})"
    if name in ("exp", "log", "sigmoid", "tanh", "relu", "softplus"):
        return f"m.{name}({a[0]})"
    return f"m.apply(R{row_index[id(op)]}, {', '.join(a)})"


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

    name: dict[int, str] = {}
    for j, v in enumerate(inputs):
        name[id(v)] = f"x{j}"
    for j, v in enumerate(params):
        name[id(v)] = f"p{j}"
    # A node is "batched" when it depends on an input: its value is an array
    # when the inputs are; everything else is one float shared by the batch.
    batched: set[int] = {id(v) for v in inputs}
    rows: dict[int, int] = {}
    rows_list: list[ops.Op] = []
    fwd: list[str] = []
    for i, n in enumerate(nodes):
        key = id(n)
        if key in name:
            continue
        if not n.parents:
            name[key] = _num(n.data)  # constants and leaves not listed: baked in
            continue
        op = n.op
        assert op is not None
        if op.name not in _KNOWN and id(op) not in rows:
            rows[id(op)] = len(rows_list)
            rows_list.append(op)
        name[key] = f"v{i}"
        if any(id(p) in batched for p in n.parents):
            batched.add(key)
        expr = _forward_expr(n, [name[id(p)] for p in n.parents], rows)
        note = f"  # {n.label}" if n.label else ""
        if op.name in _CHECKED or op.name not in _KNOWN:
            fwd.append(f"_n = {i}")
        fwd.append(f"v{i} = {expr}{note}")

    args = ", ".join([*(f"x{j}" for j in range(len(inputs))), "P", "m"])
    head = [f"p{j} = P[{j}]" for j in range(len(params))]
    root_name = name[id(root)]
    body = _wrap([*head, *fwd, f"return {root_name}"])
    forward_src = f"def forward({args}):\n" + body

    grad_src = _grad_source("value_and_grad", args, head, fwd, nodes, name, batched, root, wrt, wrt)
    params_src = _grad_source(
        "value_and_grad_params", args, head, fwd, nodes, name, batched, root, wrt, params
    )
    return Program(root, inputs, params, forward_src, grad_src, nodes, rows_list, params_src)


def _grad_source(
    fname: str,
    args: str,
    head: list[str],
    fwd: list[str],
    nodes: list[Value],
    name: dict[int, str],
    batched: set[int],
    root: Value,
    wrt: Sequence[Value],
    targets_list: Sequence[Value],
) -> str:
    """Write forward + backward; only gradients that reach ``targets_list`` are computed."""
    # Backward: reverse creation order; each edge's local derivative comes from
    # the op table rule evaluated on symbols (printed as code).
    root_name = name[id(root)]
    targets = {id(v) for v in targets_list}
    needed: set[int] = set()
    for n in nodes:
        if id(n) in targets or any(id(p) in needed for p in n.parents):
            needed.add(id(n))
    back: list[str] = []
    has_grad: set[int] = set()
    if root_name.isidentifier():
        root_batched = id(root) in batched
        back.append(f"g{root_name} = seed" if root_batched else f"g{root_name} = T(seed)")
        has_grad.add(id(root))
    for i in range(len(nodes) - 1, -1, -1):
        n = nodes[i]
        op = n.op
        if op is None or not n.parents or id(n) not in needed or id(n) not in has_grad:
            continue
        pnames = [name[id(p)] for p in n.parents]
        syms = [_Sym(s) for s in pnames]
        locs = op.local(syms, _Sym(name[id(n)]), _SYM_MATH, op.param)
        g = f"g{name[id(n)]}"
        lines: list[str] = []
        for p, d in zip(n.parents, locs, strict=True):
            if id(p) not in needed:
                continue
            pn = f"g{name[id(p)]}"
            reduce_edge = id(n) in batched and id(p) not in batched
            # An edge from a per-example node into a shared one is summed over
            # the batch right away (R), so shared nodes hold scalar gradients.
            c = f"R({g}, {_Sym._t(d)})" if reduce_edge else _strip(_times(_Sym(g), d).text)
            if id(p) in has_grad:
                lines.append(f"{pn} = {pn} + {c}")
            else:
                lines.append(f"{pn} = {c}")
                has_grad.add(id(p))
        if lines:
            back.append(f"# {name[id(n)]} = {op.expression(pnames)}")
            if op.name in _CHECKED or op.name not in _KNOWN:
                back.append(f"_n = {i}")
            back.extend(lines)
    grads = ", ".join(
        f"g{name[id(v)]}" if id(v) in has_grad and id(v) in targets else "None" for v in wrt
    )
    back.append(f"return {root_name}, ({grads}{',' if len(wrt) == 1 else ''})")
    return f"def {fname}({args}, seed, R, T):\n" + _wrap([*head, *fwd, *back])


_KNOWN = frozenset(
    {
        "add",
        "sub",
        "mul",
        "neg",
        "identity",
        "div",
        "pow",
        "powc",
        "exp",
        "log",
        "sigmoid",
        "tanh",
        "relu",
        "softplus",
    }
)


def _strip(text: str) -> str:
    """Drop one pair of parentheses enclosing the whole expression."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(text) - 1:
            return text
    return text[1:-1]


def _wrap(lines: list[str]) -> str:
    inner = "\n".join("        " + ln for ln in lines)
    return (
        "    _n = 0\n"
        "    try:\n"
        f"{inner}\n"
        "    except (ValueError, ZeroDivisionError, OverflowError, FloatingPointError) as e:\n"
        "        _fail(e, _n)\n"
        "        raise\n"
    )


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
