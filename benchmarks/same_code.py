"""Workload (d): micrograd's code, unchanged, run on either engine.

``programs(Value)`` holds one source text, written in micrograd 0.1.0's style,
that is run with micrograd's ``Value`` or with autograd_lite's: the classes and
functions below are defined inside it with whichever ``Value`` is passed in.
It uses only what micrograd 0.1.0's ``Value`` offers (``+ - * / **``,
``relu``, ``backward``, ``data`` and ``grad``): binary ``+`` chains built with
the builtin ``sum()``, no n-ary sums and nothing specific to autograd_lite.
micrograd 0.1.0 has no ``exp``, ``log`` or ``tanh``, so both programs use the
cost of micrograd's own demo notebook: the SVM max-margin (hinge) loss
``(1 + -yi * scorei).relu()`` averaged, plus ``alpha * sum(p * p)``.

1. ``lr_case``: a linear model (logistic-regression-shaped: z = w·x + b) under
   that cost; one call is build + backward.
2. ``mlp_case``: micrograd's demo, ``MLP(2, [16, 16, 1])``; one call is one
   training step (forward, zero_grad, backward, SGD update).
"""

# micrograd's text as it is: plain zip() and list concatenation.
# ruff: noqa: B905, RUF005

from __future__ import annotations

import random
from types import SimpleNamespace

ALPHA = 1e-4
LEARNING_RATE = 0.5
SEED = 1337


def programs(Value) -> SimpleNamespace:
    """Define micrograd-style code on top of ``Value`` (either engine's)."""

    class Module:
        def zero_grad(self):
            for p in self.parameters():
                p.grad = 0

        def parameters(self):
            return []

    class Neuron(Module):
        def __init__(self, nin, nonlin=True):
            self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
            self.b = Value(0)
            self.nonlin = nonlin

        def __call__(self, x):
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            return act.relu() if self.nonlin else act

        def parameters(self):
            return self.w + [self.b]

    class Layer(Module):
        def __init__(self, nin, nout, **kwargs):
            self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

        def __call__(self, x):
            out = [n(x) for n in self.neurons]
            return out[0] if len(out) == 1 else out

        def parameters(self):
            return [p for n in self.neurons for p in n.parameters()]

    class MLP(Module):
        def __init__(self, nin, nouts):
            sz = [nin] + nouts
            self.layers = [
                Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
            ]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    def svm_cost(scores, labels, params, alpha=ALPHA):
        # micrograd's demo loss: max-margin hinge, averaged, plus L2 regularisation
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(labels, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = alpha * sum(p * p for p in params)
        return data_loss + reg_loss

    def lr_case(X, Y, w0, b0):
        """z = w·x + b per example under the SVM cost; step() = build + backward."""
        inputs = [list(map(Value, xrow)) for xrow in X]
        w = [Value(wi) for wi in w0]
        b = Value(b0)
        params = w + [b]

        def build():
            scores = [sum((wi * xi for wi, xi in zip(w, x)), b) for x in inputs]
            return svm_cost(scores, Y, params)

        def step():
            for p in params:
                p.grad = 0
            cost = build()
            cost.backward()
            return cost.data, [p.grad for p in params]

        return SimpleNamespace(step=step, build=build, params=params)

    def mlp_case(X, Y):
        """micrograd's demo; step() = forward, zero_grad, backward, SGD update."""
        random.seed(SEED)
        model = MLP(2, [16, 16, 1])
        init = [p.data for p in model.parameters()]

        def build():
            inputs = [list(map(Value, xrow)) for xrow in X]
            scores = list(map(model, inputs))
            return svm_cost(scores, Y, model.parameters())

        def step():
            total_loss = build()
            model.zero_grad()
            total_loss.backward()
            grads = [p.grad for p in model.parameters()]
            for p in model.parameters():
                p.data -= LEARNING_RATE * p.grad
            return total_loss.data, grads

        return SimpleNamespace(step=step, build=build, init=init)

    return SimpleNamespace(
        Module=Module, Neuron=Neuron, Layer=Layer, MLP=MLP, lr_case=lr_case, mlp_case=mlp_case
    )
