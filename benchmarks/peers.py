"""The engines compared by benchmarks/run.py, each behind the same small functions.

Every engine implements, where it can:

* ``lr(X, Y, w, b) -> LRCase``: wrap the data once, then ``case.step()`` builds the
  logistic-regression cost (mean of softplus(z) − y·z) and runs backward, returning
  ``(cost, dw, db)``;
* ``chain(steps) -> (value, grad)``: x → 1.0001·x + 0.0001, ``steps`` times, and d/dx;
* ``mlp(params, X, Y) -> MLPCase``: micrograd's demo model with the given initial
  parameters; ``case.step()`` runs one training step (forward, zero_grad, backward,
  SGD update) and returns ``(loss, grads)``;
* ``value_class()``: the engine's scalar ``Value``, for workload (d), which runs the
  same micrograd-style source text (``same_code.py``) on each engine that has it.

An engine that needs a package names it in ``requires``; ``available()`` says
whether it is installed.

Gradients are checked against the NumPy/analytic reference before any timing.
"""

from __future__ import annotations

import itertools
import math
import operator
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


def _nn_names(*names: str):
    """MLP, SGD... from autograd_lite's nn module, wherever this version keeps it."""
    import importlib

    try:
        nn = importlib.import_module("autograd_lite.models.nn")
    except ModuleNotFoundError:  # versions before the layered layout
        nn = importlib.import_module("autograd_lite.nn")
    found = tuple(getattr(nn, n) for n in names)
    return found if len(found) > 1 else found[0]


ALPHA = 1e-4  # L2 weight of micrograd's demo loss
LR_MLP = 0.5
SIZES = (2, 16, 16, 1)


# ---------------------------------------------------------------- data
def lr_data(m: int, n: int, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    try:
        from autograd_lite import make_data

        X, Y = make_data(m, n, seed=seed)
        return [list(map(float, x)) for x in X], [float(y) for y in Y]
    except ImportError:  # pragma: no cover - the module is written concurrently
        rng = random.Random(seed)
        X, Y = [], []
        for _ in range(m):
            y = float(rng.random() < 0.5)
            X.append([rng.gauss(1.0 if y else -1.0, 1.0) for _ in range(n)])
            Y.append(y)
        return X, Y


def two_moons(
    n: int = 100, noise: float = 0.1, seed: int = 0
) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles, labels −1 / +1 (as in micrograd's demo)."""
    rng = random.Random(seed)
    n_out = n // 2
    n_in = n - n_out
    X: list[list[float]] = []
    Y: list[float] = []
    for i in range(n_out):
        t = math.pi * i / (n_out - 1)
        X.append([math.cos(t) + rng.gauss(0, noise), math.sin(t) + rng.gauss(0, noise)])
        Y.append(-1.0)
    for i in range(n_in):
        t = math.pi * i / (n_in - 1)
        X.append([1.0 - math.cos(t) + rng.gauss(0, noise), 0.5 - math.sin(t) + rng.gauss(0, noise)])
        Y.append(1.0)
    return X, Y


def init_params(seed: int = 1) -> list[float]:
    """Initial parameters of MLP(2, [16, 16, 1]) in micrograd's order."""
    MLP = _nn_names("MLP")

    return [p.data for p in MLP(2, [16, 16, 1], seed=seed).parameters()]


# ------------------------------------------------------------ references
def lr_reference(X: Sequence[Sequence[float]], Y: Sequence[float], w: Sequence[float], b: float):
    """Analytic cost and gradient in exact float arithmetic (math.fsum)."""
    m = len(X)
    costs, dzs = [], []
    for x, y in zip(X, Y, strict=True):
        z = math.fsum([*(wi * xi for wi, xi in zip(w, x, strict=True)), b])
        a = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
        costs.append(max(z, 0.0) + math.log1p(math.exp(-abs(z))) - y * z)
        dzs.append(a - y)
    dw = [math.fsum(x[i] * d for x, d in zip(X, dzs, strict=True)) / m for i in range(len(w))]
    return math.fsum(costs) / m, dw, math.fsum(dzs) / m


def svm_lr_reference(X, Y, w, b, alpha: float = ALPHA):
    """Workload (d)'s linear-model cost, exactly: mean hinge of z = w·x + b, plus L2.

    cost = mean(max(0, 1 − y·z)) + alpha·(Σ w_i² + b²), labels y = ±1. Returns
    ``(cost, grads)`` with the gradients in the order ``[*w, b]``.
    """
    m = len(X)
    losses, active = [], []
    for x, y in zip(X, Y, strict=True):
        z = math.fsum([*(wi * xi for wi, xi in zip(w, x, strict=True)), b])
        margin = 1.0 - y * z
        losses.append(max(margin, 0.0))
        active.append((x, y) if margin > 0.0 else None)
    params = [*w, b]
    cost = math.fsum(losses) / m + alpha * math.fsum(p * p for p in params)
    on = [a for a in active if a is not None]
    grads = [math.fsum(-y * x[i] for x, y in on) / m + 2.0 * alpha * w[i] for i in range(len(w))]
    grads.append(math.fsum(-y for _, y in on) / m + 2.0 * alpha * b)
    return cost, grads


def mlp_reference(params: Sequence[float], X, Y) -> tuple[float, list[float]]:
    """micrograd's demo loss and gradient: NumPy backprop, or plain Python without NumPy."""
    try:
        import numpy as np
    except ImportError:
        return mlp_python_loss_grad(params, X, Y)
    return mlp_numpy_loss_grad(params, np.asarray(X, dtype=float), np.asarray(Y, dtype=float))


def mlp_python_loss_grad(params: Sequence[float], X, Y) -> tuple[float, list[float]]:
    """The same hand-written backprop as ``mlp_numpy_loss_grad``, in plain Python."""
    layers, k = [], 0
    for nin, nout in itertools.pairwise(SIZES):
        neurons = []
        for _ in range(nout):
            neurons.append((list(params[k : k + nin]), params[k + nin]))
            k += nin + 1
        layers.append(neurons)
    n = len(Y)
    last = len(layers) - 1
    gw = [[[0.0] * len(wv) for wv, _ in layer] for layer in layers]
    gb = [[0.0] * len(layer) for layer in layers]
    losses = []
    for x, y in zip(X, Y, strict=True):
        acts, pres = [list(x)], []
        h = list(x)
        for li, layer in enumerate(layers):
            z = [
                math.fsum([*(wi * hi for wi, hi in zip(wv, h, strict=True)), bv])
                for wv, bv in layer
            ]
            pres.append(z)
            h = [max(v, 0.0) for v in z] if li < last else z
            acts.append(h)
        margin = 1.0 - y * h[0]
        losses.append(max(margin, 0.0))
        g = [-y / n if margin > 0.0 else 0.0]
        for li in range(last, -1, -1):
            if li < last:
                g = [gi if zi > 0.0 else 0.0 for gi, zi in zip(g, pres[li], strict=True)]
            below = [0.0] * len(acts[li])
            for j, (wv, _) in enumerate(layers[li]):
                for i, a in enumerate(acts[li]):
                    gw[li][j][i] += g[j] * a
                    below[i] += g[j] * wv[i]
                gb[li][j] += g[j]
            g = below
    loss = math.fsum(losses) / n + ALPHA * math.fsum(p * p for p in params)
    out: list[float] = []
    for li, layer in enumerate(layers):
        for j, (wv, bv) in enumerate(layer):
            out.extend(gw[li][j][i] + 2 * ALPHA * wv[i] for i in range(len(wv)))
            out.append(gb[li][j] + 2 * ALPHA * bv)
    return loss, out


def _unflatten(params: Sequence[float]):
    import numpy as np

    layers, k = [], 0
    for nin, nout in itertools.pairwise(SIZES):
        W = np.empty((nout, nin))
        bvec = np.empty(nout)
        for j in range(nout):
            W[j] = params[k : k + nin]
            bvec[j] = params[k + nin]
            k += nin + 1
        layers.append((W, bvec))
    return layers


def _flatten(grads) -> list[float]:
    out: list[float] = []
    for dW, db in grads:
        for j in range(dW.shape[0]):
            out.extend(dW[j].tolist())
            out.append(float(db[j]))
    return out


def mlp_numpy_loss_grad(params: Sequence[float], Xa, Ya) -> tuple[float, list[float]]:
    """Hand-written vectorized backprop of micrograd's demo loss (the reference)."""
    import numpy as np

    layers = _unflatten(params)
    acts, pre = [Xa], []
    h = Xa
    for i, (W, bvec) in enumerate(layers):
        z = h @ W.T + bvec
        pre.append(z)
        h = np.maximum(z, 0.0) if i < len(layers) - 1 else z
        acts.append(h)
    s = h[:, 0]
    margin = 1.0 - Ya * s
    n = len(Ya)
    flat = np.asarray(params)
    loss = float(np.mean(np.maximum(margin, 0.0)) + ALPHA * np.dot(flat, flat))
    ds = (-(Ya) * (margin > 0.0) / n)[:, None]
    grads = []
    g = ds
    for i in range(len(layers) - 1, -1, -1):
        W, bvec = layers[i]
        if i < len(layers) - 1:
            g = g * (pre[i] > 0.0)
        grads.append((g.T @ acts[i] + 2 * ALPHA * W, g.sum(axis=0) + 2 * ALPHA * bvec))
        g = g @ W
    grads.reverse()
    return loss, _flatten(grads)


# ------------------------------------------------------- (c)'s forward
def nn_mlp_forward(params, X, Y, vsum):
    """micrograd's demo model as ``autograd_lite.models.nn`` builds it, and its loss.

    Returns ``(parameters, build)``: ``build()`` is the forward of one training
    step of (c), the hinge loss + L2 of ``MLP(2, [16, 16, 1])`` over the data.
    The eager engine and the floor both run this code, so their graphs have
    the same ops.
    """
    MLP = _nn_names("MLP")

    model = MLP(2, [16, 16, 1])
    ps = model.parameters()
    for p, v in zip(ps, params, strict=True):
        p.data = v
    n = len(X)

    def build():
        scores = [model(x) for x in X]
        hinge = [(1.0 - y * s).relu() for y, s in zip(Y, scores, strict=True)]
        return vsum(hinge) / n + ALPHA * vsum([p * p for p in ps])

    return ps, build


# ---------------------------------------------------------------- cases
@dataclass
class LRCase:
    step: Callable[[], tuple[float, list[float], float]]
    nodes: Callable[[], int] | None = None  # recorded non-leaf nodes of one build
    build: Callable[[], Any] | None = None  # graph build only (for memory)
    # Timed instead of ``step`` when set; its time is divided by ``per_call``.
    bench: Callable[[], Any] | None = None
    per_call: int = 1


@dataclass
class MLPCase:
    step: Callable[[], tuple[float, list[float]]]
    build: Callable[[], Any] | None = None


# ======================================================= autograd_lite
class AutogradLite:
    name = "autograd_lite"
    requires = "autograd_lite"

    @staticmethod
    def available() -> bool:
        return True

    @staticmethod
    def value_class():
        from autograd_lite import Value

        return Value

    @staticmethod
    def version() -> str:
        import autograd_lite

        return autograd_lite.__version__

    @staticmethod
    def lr(X, Y, w0, b0) -> LRCase:
        from autograd_lite import Value, topological
        from autograd_lite import sum as vsum

        xs = [[Value(v) for v in x] for x in X]
        w = [Value(v, f"w{i + 1}") for i, v in enumerate(w0)]
        b = Value(b0, "b")
        m = len(X)

        def build():
            terms = []
            for x, y in zip(xs, Y, strict=True):
                z = vsum([*(wi * xi for wi, xi in zip(w, x, strict=True)), b])
                terms.append(z.softplus() - y * z)
            return vsum(terms) / m

        def step():
            for p in w:
                p.grad = 0.0
            b.grad = 0.0
            cost = build()
            cost.backward()
            return cost.data, [p.grad for p in w], b.grad

        def nodes():
            return sum(1 for n in topological(build()) if n.op is not None)

        return LRCase(step, nodes, build)

    @staticmethod
    def chain(steps: int):
        from autograd_lite import Value

        x = Value(1.0)
        v = x
        for _ in range(steps):
            v = 1.0001 * v + 0.0001
        v.backward()
        return v.data, x.grad

    @staticmethod
    def mlp(params, X, Y) -> MLPCase:
        from autograd_lite import sum as vsum

        SGD = _nn_names("SGD")

        ps, build = nn_mlp_forward(params, X, Y, vsum)
        opt = SGD(ps, lr=LR_MLP)

        def step():
            loss = build()
            opt.zero_grad()
            loss.backward()
            grads = [p.grad for p in ps]
            opt.step()
            return loss.data, grads

        return MLPCase(step, build)


class AutogradLitePaused:
    """The headline graph, with ``gc_paused()`` around build + backward (extra rows only)."""

    name = "autograd_lite, gc_paused() around build + backward"

    @staticmethod
    def available() -> bool:
        return True

    @staticmethod
    def version() -> str:
        return AutogradLite.version()

    @staticmethod
    def lr(X, Y, w0, b0) -> LRCase:
        from autograd_lite import gc_paused

        case = AutogradLite.lr(X, Y, w0, b0)
        inner = case.step

        def step():
            with gc_paused():
                return inner()

        return LRCase(step, case.nodes, case.build)


class AutogradLiteFit:
    """``LogisticRegression.fit``: the library's own training path, per epoch.

    Checked with one epoch from ``w0, b0`` (the gradient left in ``grad`` is
    the one at ``w0, b0``); timed as a 5-epoch fit divided by 5, so the
    per-call validation and lifting of the data into constants is amortised
    as in training. The collector is paused inside fit, around each epoch.
    """

    name = "LogisticRegression.fit, per epoch of 5 (collector paused inside)"

    @staticmethod
    def available() -> bool:
        try:
            from autograd_lite import LogisticRegression  # noqa: F401
        except ImportError:
            return False
        return True

    @staticmethod
    def version() -> str:
        return AutogradLite.version()

    @staticmethod
    def lr(X, Y, w0, b0) -> LRCase:
        from autograd_lite import LogisticRegression

        model = LogisticRegression(len(w0))

        def step():
            for p, v in zip(model.w, w0, strict=True):
                p.data = v
                p.grad = 0.0
            model.b.data = b0
            model.b.grad = 0.0
            (cost,) = model.fit(X, Y, lr=1e-3, epochs=1)
            return cost, [p.grad for p in model.w], model.b.grad

        def bench():
            model.fit(X, Y, lr=1e-3, epochs=5)

        return LRCase(step, bench=bench, per_call=5)


EXTRA_LR = [AutogradLitePaused, AutogradLiteFit]


class AutogradLiteCompiled:
    """The compiled path: one scalar-sized program run over NumPy arrays."""

    name = "autograd_lite compiled"
    requires = "numpy"

    @staticmethod
    def available() -> bool:
        try:
            import numpy  # noqa: F401
        except ImportError:
            return False
        return True

    version = AutogradLite.version

    @staticmethod
    def lr(X, Y, w0, b0) -> LRCase:
        import numpy as np

        from autograd_lite import Value
        from autograd_lite import sum as vsum
        from autograd_lite.compiled import compile_graph

        n = len(w0)
        xs = [Value(0.0, f"x{i + 1}") for i in range(n)]
        y = Value(0.0, "y")
        w = [Value(v, f"w{i + 1}") for i, v in enumerate(w0)]
        b = Value(b0, "b")
        z = vsum([*(wi * xi for wi, xi in zip(w, xs, strict=True)), b])
        prog = compile_graph(z.softplus() - y * z, [*xs, y], [*w, b])
        cols = [np.ascontiguousarray(c) for c in np.asarray(X, dtype=float).T]
        ya = np.asarray(Y, dtype=float)

        def step():
            cost, grads = prog.value_and_grad(*cols, ya, reduce="mean", input_grads=False)
            return cost, list(grads[n + 1 : 2 * n + 1]), grads[-1]

        return LRCase(step, lambda: prog.n_nodes)

    @staticmethod
    def mlp(params, X, Y) -> MLPCase:
        import numpy as np

        from autograd_lite import Value
        from autograd_lite import sum as vsum
        from autograd_lite.compiled import compile_graph

        MLP, SGD = _nn_names("MLP", "SGD")

        model = MLP(2, [16, 16, 1])
        ps = model.parameters()
        for p, v in zip(ps, params, strict=True):
            p.data = v
        x1, x2, y = Value(0.0, "x1"), Value(0.0, "x2"), Value(1.0, "y")
        example = (1.0 - y * model([x1, x2])).relu() + ALPHA * vsum([p * p for p in ps])
        prog = compile_graph(example, [x1, x2, y], ps)
        opt = SGD(ps, lr=LR_MLP)
        Xa = np.asarray(X, dtype=float)
        c1, c2 = np.ascontiguousarray(Xa[:, 0]), np.ascontiguousarray(Xa[:, 1])
        ya = np.asarray(Y, dtype=float)

        def step():
            opt.zero_grad()
            loss = prog.backward(c1, c2, ya, reduce="mean")
            grads = [p.grad for p in ps]
            opt.step()
            return loss, grads

        return MLPCase(step)


# ============================================================= micrograd
def _patch_micrograd():
    """Give micrograd's Value exp, log and sigmoid, written in its own closure style."""
    from micrograd.engine import Value

    if hasattr(Value, "sigmoid"):
        return Value

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self):
        out = Value(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += (1.0 / self.data) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self):
        s = 1.0 / (1.0 + math.exp(-self.data))
        out = Value(s, (self,), "sigmoid")

        def _backward():
            self.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    Value.exp, Value.log, Value.sigmoid = exp, log, sigmoid
    return Value


class Micrograd:
    name = "micrograd"
    requires = "micrograd"

    @staticmethod
    def available() -> bool:
        try:
            import micrograd  # noqa: F401
        except ImportError:
            return False
        return True

    @staticmethod
    def version() -> str:
        from importlib.metadata import version

        return version("micrograd")

    @staticmethod
    def value_class():
        """micrograd's own ``Value``, unpatched (workload (d) uses only what it has)."""
        from micrograd.engine import Value

        return Value

    @staticmethod
    def deep(limit: int = 10**7) -> None:
        """micrograd's backward recurses once per node of depth: lift Python's limit."""
        sys.setrecursionlimit(max(sys.getrecursionlimit(), limit))

    @staticmethod
    def lr(X, Y, w0, b0) -> LRCase:
        Value = _patch_micrograd()
        xs = [[Value(v) for v in x] for x in X]
        w = [Value(v) for v in w0]
        b = Value(b0)
        m = len(X)

        def build():
            terms = []
            for x, y in zip(xs, Y, strict=True):
                z = sum((wi * xi for wi, xi in zip(w, x, strict=True)), b)
                terms.append((1.0 + z.exp()).log() - y * z)  # softplus(z) − y·z
            return sum(terms) * (1.0 / m)

        def step():
            for p in w:
                p.grad = 0.0
            b.grad = 0.0
            cost = build()
            cost.backward()
            return cost.data, [p.grad for p in w], b.grad

        return LRCase(step, None, build)

    @staticmethod
    def chain(steps: int):
        from micrograd.engine import Value

        x = Value(1.0)
        v = x
        for _ in range(steps):
            v = 1.0001 * v + 0.0001
        v.backward()
        return v.data, x.grad

    @staticmethod
    def mlp(params, X, Y) -> MLPCase:
        from micrograd.engine import Value
        from micrograd.nn import MLP

        model = MLP(2, [16, 16, 1])
        ps = model.parameters()
        for p, v in zip(ps, params, strict=True):
            p.data = v
        n = len(X)

        def build():
            # micrograd's demo, written as in its notebook.
            inputs = [list(map(Value, x)) for x in X]
            scores = list(map(model, inputs))
            losses = [(1 + -yi * si).relu() for yi, si in zip(Y, scores, strict=True)]
            data_loss = sum(losses) * (1.0 / n)
            reg_loss = ALPHA * sum(p * p for p in ps)
            return data_loss + reg_loss

        def step():
            loss = build()
            model.zero_grad()
            loss.backward()
            grads = [p.grad for p in ps]
            for p in ps:
                p.data -= LR_MLP * p.grad
            return loss.data, grads

        return MLPCase(step, build)


# ================================================================= torch
class Torch:
    name = "torch (0-dim tensors)"
    requires = "torch"

    @staticmethod
    def available() -> bool:
        try:
            import torch  # noqa: F401
        except ImportError:
            return False
        return True

    @staticmethod
    def version() -> str:
        import torch

        return torch.__version__

    @staticmethod
    def lr(X, Y, w0, b0) -> LRCase:
        import torch
        import torch.nn.functional as F

        torch.set_num_threads(1)
        dt = torch.float64
        xs = [[torch.tensor(v, dtype=dt) for v in x] for x in X]
        w = [torch.tensor(v, dtype=dt, requires_grad=True) for v in w0]
        b = torch.tensor(b0, dtype=dt, requires_grad=True)
        m = len(X)

        def step():
            for p in (*w, b):
                p.grad = None
            terms = []
            for x, y in zip(xs, Y, strict=True):
                z = sum((wi * xi for wi, xi in zip(w, x, strict=True)), b)
                terms.append(F.softplus(z) - y * z)
            cost = torch.stack(terms).sum() / m
            cost.backward()
            return cost.item(), [p.grad.item() for p in w], b.grad.item()

        return LRCase(step)

    @staticmethod
    def chain(steps: int):
        import torch

        x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
        v = x
        for _ in range(steps):
            v = 1.0001 * v + 0.0001
        v.backward()
        return v.item(), x.grad.item()

    @staticmethod
    def mlp(params, X, Y) -> MLPCase:
        import torch

        torch.set_num_threads(1)
        dt = torch.float64
        ps = [torch.tensor(v, dtype=dt, requires_grad=True) for v in params]
        layers, k = [], 0
        for nin, nout in itertools.pairwise(SIZES):
            neurons = []
            for _ in range(nout):
                neurons.append((ps[k : k + nin], ps[k + nin]))
                k += nin + 1
            layers.append(neurons)
        xs = [[torch.tensor(v, dtype=dt) for v in x] for x in X]
        n = len(X)

        def forward(x):
            for li, layer in enumerate(layers):
                out = []
                for wv, bv in layer:
                    act = sum((wi * xi for wi, xi in zip(wv, x, strict=True)), bv)
                    out.append(torch.relu(act) if li < len(layers) - 1 else act)
                x = out
            return x[0]

        def step():
            scores = [forward(x) for x in xs]
            hinge = [torch.relu(1.0 - y * s) for y, s in zip(Y, scores, strict=True)]
            loss = torch.stack(hinge).sum() / n + ALPHA * sum(p * p for p in ps)
            for p in ps:
                p.grad = None
            loss.backward()
            grads = [p.grad.item() for p in ps]
            with torch.no_grad():
                for p in ps:
                    p -= LR_MLP * p.grad
            return loss.item(), grads

        return MLPCase(step)


# ====================================================== hand-written floors
class AnalyticLoop:
    name = "hand-written loop"

    @staticmethod
    def available() -> bool:
        return True

    @staticmethod
    def version() -> str:
        return sys.version.split()[0]

    @staticmethod
    def lr(X, Y, w0, b0) -> LRCase:
        w = list(w0)
        m = len(X)
        n = len(w)
        exp = math.exp
        log1p = math.log1p

        def step():
            dw = [0.0] * n
            db = 0.0
            cost = 0.0
            for x, y in zip(X, Y, strict=True):
                z = b0
                for i in range(n):
                    z += w[i] * x[i]
                if z >= 0.0:
                    e = exp(-z)
                    a = 1.0 / (1.0 + e)
                    cost += z + log1p(e) - y * z
                else:
                    e = exp(z)
                    a = e / (1.0 + e)
                    cost += log1p(e) - y * z
                dz = a - y
                for i in range(n):
                    dw[i] += x[i] * dz
                db += dz
            return cost / m, [d / m for d in dw], db / m

        return LRCase(step)

    @staticmethod
    def chain(steps: int):
        v, g = 1.0, 1.0
        for _ in range(steps):
            v = 1.0001 * v + 0.0001
            g = 1.0001 * g
        return v, g


class NumpyVectorized:
    name = "NumPy vectorized"
    requires = "numpy"

    available = AutogradLiteCompiled.available

    @staticmethod
    def version() -> str:
        import numpy

        return numpy.__version__

    @staticmethod
    def lr(X, Y, w0, b0) -> LRCase:
        import numpy as np

        Xa = np.asarray(X, dtype=float)
        ya = np.asarray(Y, dtype=float)
        w = np.asarray(w0, dtype=float)
        m = len(ya)

        def step():
            z = Xa @ w + b0
            cost = float(np.mean(np.logaddexp(0.0, z) - ya * z))
            dz = 0.5 * (1.0 + np.tanh(0.5 * z)) - ya  # σ(z) − y, overflow-free
            return cost, (Xa.T @ dz / m).tolist(), float(dz.sum() / m)

        return LRCase(step)

    @staticmethod
    def mlp(params, X, Y) -> MLPCase:
        import numpy as np

        Xa = np.asarray(X, dtype=float)
        ya = np.asarray(Y, dtype=float)
        state = np.asarray(params, dtype=float).copy()

        def step():
            loss, grads = mlp_numpy_loss_grad(state, Xa, ya)
            state[:] -= LR_MLP * np.asarray(grads)
            return loss, grads

        return MLPCase(step)


# ================================================================= floor
class Bare:
    """The least a recorded op can cost: a slotted object holding its float and parents.

    One-line operators compute the float and keep the parents, numbers are
    lifted into a node each (as autograd_lite lifts them into constants), and
    an n-ary sum keeps its parents as a tuple in ``_a`` (autograd_lite's
    layout). No op tag, no gradient slot, no checks, no backward.
    """

    __slots__ = ("_a", "_b", "data")

    def __init__(self, data, a=None, b=None):
        self.data = data
        self._a = a
        self._b = b

    def __add__(self, o):
        return (
            Bare(self.data + o.data, self, o)
            if type(o) is Bare
            else Bare(self.data + o, self, Bare(o))
        )

    def __radd__(self, o):
        return Bare(o + self.data, Bare(o), self)

    def __sub__(self, o):
        return (
            Bare(self.data - o.data, self, o)
            if type(o) is Bare
            else Bare(self.data - o, self, Bare(o))
        )

    def __rsub__(self, o):
        return Bare(o - self.data, Bare(o), self)

    def __mul__(self, o):
        return (
            Bare(self.data * o.data, self, o)
            if type(o) is Bare
            else Bare(self.data * o, self, Bare(o))
        )

    def __rmul__(self, o):
        return Bare(o * self.data, Bare(o), self)

    def __truediv__(self, o):
        return (
            Bare(self.data / o.data, self, o)
            if type(o) is Bare
            else Bare(self.data / o, self, Bare(o))
        )

    def relu(self):
        return Bare(self.data if self.data > 0.0 else 0.0, self)


def bare_sum(values):
    """One node for the sum of ``values`` (all ``Bare``), added left to right."""
    items = tuple(values)
    return Bare(sum([v.data for v in items]), items)


def bare_nodes(root: Bare) -> int:
    """Number of nodes reachable from ``root``, itself and the leaves included."""
    seen, stack = {id(root)}, [root]
    while stack:
        v = stack.pop()
        for p in v._a if type(v._a) is tuple else (v._a, v._b):
            if p is not None and id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


def bare_model(node, vsum, params, X, Y):
    """``nn_mlp_forward`` on ``node`` objects: ``Value`` and ``vsum`` swapped in ``MLP``'s module.

    The swap lasts for the rest of the process, so an engine that makes it
    runs only in a worker process of its own. Returns ``(parameters, build)``.
    """
    MLP = _nn_names("MLP")

    module = sys.modules[MLP.__module__]
    module.Value, module.vsum = node, vsum  # type: ignore[attr-defined]
    ps, build = nn_mlp_forward(params, X, Y, vsum)
    root = build()
    if type(root) is not node or not all(type(p) is node for p in ps):
        raise AssertionError(
            f"floor: {module.__name__} no longer builds its neurons from its own "
            "Value and vsum names, so the floor cannot run its code"
        )
    return ps, build


class Floor:
    """(c)'s forward on ``Bare`` nodes: what CPython charges for the graph alone.

    The model is ``autograd_lite.models.nn``'s own ``MLP`` and the loss the eager
    engine's (``nn_mlp_forward``), with ``Bare`` put in place of ``Value`` and
    ``vsum`` in the module that defines ``MLP``. That swap lasts for the rest
    of the process, so this engine runs only in a worker process of its own.
    ``step()`` is the forward only and returns ``(loss, [])``.
    """

    name = "floor: bare nodes, forward only"
    requires = "autograd_lite"

    @staticmethod
    def available() -> bool:
        return True

    @staticmethod
    def version() -> str:
        return sys.version.split()[0]

    @staticmethod
    def mlp(params, X, Y) -> MLPCase:
        _, build = bare_model(Bare, bare_sum, params, X, Y)

        def step():
            return build().data, []

        return MLPCase(step, build)


# ------------------------------------------------- floor with a backward
#: The creation counter of ``BareGrad`` nodes.
_bare_next = itertools.count().__next__
_bare_order = operator.attrgetter("order")


class BareGrad:
    """The least node a reverse pass of autograd_lite's design needs.

    ``Bare`` plus what backward reads: a gradient, an op tag and the creation
    number that orders the pass (autograd_lite's topological order). No
    checks, no labels, nothing kept for a failed pass to be undone.
    """

    __slots__ = ("_a", "_b", "data", "grad", "op", "order")

    def __init__(self, data, a=None, b=None, op=None):
        self.data = data
        self.grad = 0.0
        self._a = a
        self._b = b
        self.op = op
        self.order = _bare_next()

    def __add__(self, o):
        if type(o) is BareGrad:
            return BareGrad(self.data + o.data, self, o, "add")
        return BareGrad(self.data + o, self, BareGrad(o), "add")

    def __radd__(self, o):
        return BareGrad(o + self.data, BareGrad(o), self, "add")

    def __sub__(self, o):
        if type(o) is BareGrad:
            return BareGrad(self.data - o.data, self, o, "sub")
        return BareGrad(self.data - o, self, BareGrad(o), "sub")

    def __rsub__(self, o):
        return BareGrad(o - self.data, BareGrad(o), self, "sub")

    def __mul__(self, o):
        if type(o) is BareGrad:
            return BareGrad(self.data * o.data, self, o, "mul")
        return BareGrad(self.data * o, self, BareGrad(o), "mul")

    def __rmul__(self, o):
        return BareGrad(o * self.data, BareGrad(o), self, "mul")

    def __truediv__(self, o):
        if type(o) is BareGrad:
            return BareGrad(self.data / o.data, self, o, "div")
        return BareGrad(self.data / o, self, BareGrad(o), "div")

    def relu(self):
        return BareGrad(self.data if self.data > 0.0 else 0.0, self, None, "relu")

    def backward(self):
        """The least pass: mark the graph, sort it by creation, one loop of the chain rule.

        Every gradient it reaches is overwritten (leaves included): the caller
        zeroes nothing and accumulates nothing, and a failure undoes nothing.
        """
        mark = self.grad * 0.0 + 0.0  # a fresh float object: identity means "visited"
        self.grad = mark
        found, stack = [self], [self]
        pop, push, keep = stack.pop, stack.append, found.append
        while stack:
            n = pop()
            a, b = n._a, n._b
            if b is None:  # unary, or a sum with a tuple of inputs
                for p in a if type(a) is tuple else (a,):
                    if p.grad is not mark:
                        p.grad = mark
                        if p._a is not None:
                            push(p)
                            keep(p)
                continue
            if a.grad is not mark:  # binary: written out, no tuple per node
                a.grad = mark
                if a._a is not None:
                    push(a)
                    keep(a)
            if b.grad is not mark:
                b.grad = mark
                if b._a is not None:
                    push(b)
                    keep(b)
        found.sort(key=_bare_order, reverse=True)
        self.grad = 1.0
        for n in found:
            op, g = n.op, n.grad
            if op == "mul":
                a, b = n._a, n._b
                a.grad += g * b.data
                b.grad += g * a.data
            elif op == "add":
                a, b = n._a, n._b
                if b is None:
                    for p in a:
                        p.grad += g
                else:
                    a.grad += g
                    b.grad += g
            elif op == "relu":
                if n.data > 0.0:
                    n._a.grad += g
            elif op == "sub":
                n._a.grad += g
                n._b.grad -= g
            else:  # div
                a, b = n._a, n._b
                a.grad += g / b.data
                b.grad -= g * a.data / (b.data * b.data)


def bare_grad_sum(values):
    """One add node for the sum of ``values`` (all ``BareGrad``), added left to right."""
    items = tuple(values)
    return BareGrad(sum([v.data for v in items]), items, None, "add")


class FloorBackward(Floor):
    """(c)'s whole step on ``BareGrad`` nodes: the floor plus the least backward.

    The same swap as :class:`Floor` (so it also runs only in a worker process
    of its own), with ``BareGrad`` and ``bare_grad_sum``. ``step()`` builds,
    runs the backward and returns ``(loss, gradients)``, checked against the
    reference like every engine's.
    """

    name = "floor + the least backward: bare nodes with a gradient"

    @staticmethod
    def mlp(params, X, Y) -> MLPCase:
        ps, build = bare_model(BareGrad, bare_grad_sum, params, X, Y)

        def step():
            loss = build()
            loss.backward()
            return loss.data, [p.grad for p in ps]

        return MLPCase(step, build)


ENGINES = [Micrograd, AutogradLite, AutogradLiteCompiled, Torch, AnalyticLoop, NumpyVectorized]
