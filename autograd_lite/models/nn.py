"""Small neural-network building blocks with micrograd's surface.

``Neuron``, ``Layer`` and ``MLP`` take the same arguments as micrograd's classes,
so code written for micrograd runs unchanged, with two differences that matter:
a neuron's weighted sum is ONE n-ary add node (not a chain of additions), and
the initial weights come from ``random.Random(seed)``, so a model is
reproducible. :class:`SGD` updates parameters, with optional momentum.

Example:
    >>> model = MLP(2, [4, 1], seed=0)
    >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> loss = (model([1.0, -2.0]) - 1.0) ** 2
    >>> opt.zero_grad()
    >>> loss.backward()
    >>> opt.step()
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from autograd_lite.base.mode import no_grad
from autograd_lite.core.value import Value, vsum

__all__ = ["MLP", "SGD", "Layer", "Module", "Neuron"]

Input = Sequence["Value | float"]


class Module:
    """Base class: anything with parameters."""

    def parameters(self) -> list[Value]:
        """Return the trainable leaves, in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to 0."""
        for p in self.parameters():
            p.grad = 0.0
            p.grad_node = None


def _count(value: object, name: str, where: str) -> int:
    """Return ``value`` if it is a positive int, else raise a clear error."""
    if type(value) is not int:
        raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{where}: {name} must be at least 1, got {value!r}")
    return value


def _rng(seed: int | None, rng: random.Random | None) -> random.Random:
    return rng if rng is not None else random.Random(seed)


class Neuron(Module):
    """One neuron: ``relu(w·x + b)``, or ``w·x + b`` when ``nonlin`` is False.

    Args:
        nin: Number of inputs.
        nonlin: Apply ReLU to the weighted sum.
        seed: Seed of the weights' random generator (ignored when ``rng`` is given).
        rng: A generator to draw the weights from (layers share theirs).

    The weights start uniform in [-1, 1] (as in micrograd), the bias at 0.
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        seed: int | None = 0,
        rng: random.Random | None = None,
    ) -> None:
        _count(nin, "nin", "Neuron")
        if type(nonlin) is not bool:
            raise TypeError(f"Neuron: nonlin must be True or False, got {nonlin!r}")
        r = _rng(seed, rng)
        self.w = [Value(r.uniform(-1.0, 1.0)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Input) -> Value:
        """Return the neuron's output for the inputs ``x`` (Values or numbers)."""
        w = self.w
        if len(x) != len(w):
            raise ValueError(f"Neuron: expected {len(w)} inputs, got {len(x)}")
        terms = [wi * xi for wi, xi in zip(w, x, strict=True)]
        terms.append(self.b)
        act = vsum(terms)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        """Return the weights, then the bias."""
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same inputs.

    Args:
        nin: Number of inputs.
        nout: Number of neurons.
        **kwargs: Passed to every :class:`Neuron` (``nonlin``, ``seed``, ``rng``).
    """

    def __init__(self, nin: int, nout: int, **kwargs: object) -> None:
        seed = kwargs.pop("seed", 0)
        rng = kwargs.pop("rng", None)
        if rng is None:
            rng = random.Random(seed)  # type: ignore[arg-type]
        nonlin = kwargs.pop("nonlin", True)
        _count(nout, "nout", "Layer")
        if kwargs:
            raise TypeError(f"Layer: unexpected arguments {sorted(kwargs)}")
        self.neurons = [Neuron(nin, nonlin, rng=rng) for _ in range(nout)]  # type: ignore[arg-type]

    def __call__(self, x: Input) -> Value | list[Value]:
        """Return the outputs; a single Value when the layer has one neuron."""
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        """Return every neuron's parameters, neuron by neuron."""
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: ReLU layers and a linear last layer.

    Args:
        nin: Number of inputs.
        nouts: Size of each layer, the last one being the output size.
        seed: Seed of the weight initialisation (one generator for the whole model).
    """

    def __init__(self, nin: int, nouts: Sequence[int], *, seed: int | None = 0) -> None:
        _count(nin, "nin", "MLP")
        if isinstance(nouts, str | bytes) or not isinstance(nouts, Sequence):
            raise TypeError(f"MLP: nouts must be a list of layer sizes, got {nouts!r}")
        if not nouts:
            raise ValueError("MLP: nouts must name at least one layer, got an empty list")
        for i, size in enumerate(nouts):
            _count(size, f"nouts[{i}]", "MLP")
        sizes = [nin, *nouts]
        rng = random.Random(seed)
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, rng=rng)
            for i in range(len(nouts))
        ]

    def __call__(self, x: Input) -> Value | list[Value]:
        """Run the inputs through every layer."""
        out: Value | list[Value] | Input = x
        for layer in self.layers:
            out = layer(out if isinstance(out, list | tuple) else [out])  # type: ignore[list-item]
        return out  # type: ignore[return-value]

    def parameters(self) -> list[Value]:
        """Return every layer's parameters, layer by layer."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


class SGD:
    """Stochastic gradient descent with optional (heavy-ball) momentum.

    Each step does ``v = momentum·v + grad`` then ``p = p − lr·v`` (PyTorch's
    convention: the first step uses ``v = grad``).

    Args:
        params: The parameters to update (leaves).
        lr: Learning rate, > 0.
        momentum: In [0, 1); 0 gives plain gradient descent.
    """

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        self.params = list(params)
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"SGD: parameters must be Values, got {type(p).__name__}")
        if not lr > 0.0:
            raise ValueError(f"SGD: lr must be > 0, got {lr!r}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.lr = float(lr)
        self.momentum = float(momentum)
        self.velocity: list[float] | None = None

    def step(self) -> None:
        """Update every parameter from its ``grad``."""
        lr, mu = self.lr, self.momentum
        with no_grad():
            if mu == 0.0:
                for p in self.params:
                    p.data -= lr * p.grad
                return
            vel = self.velocity
            if vel is None:
                vel = self.velocity = [p.grad for p in self.params]
            else:
                for i, p in enumerate(self.params):
                    vel[i] = mu * vel[i] + p.grad
            for p, v in zip(self.params, vel, strict=True):
                p.data -= lr * v

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to 0."""
        for p in self.params:
            p.grad = 0.0
            p.grad_node = None
