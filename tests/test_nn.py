"""Tests of autograd_lite.models.nn: micrograd's surface, gradients, SGD with momentum."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from autograd_lite.core.value import Value, vsum
from autograd_lite.models.nn import MLP, SGD, Layer, Neuron


def _float_mlp(params: list[float], sizes: list[int], x: list[float]) -> float:
    """The MLP forward in plain floats (independent of the engine)."""
    k = 0
    h = x
    for li in range(len(sizes) - 1):
        nin, nout = sizes[li], sizes[li + 1]
        out = []
        for _ in range(nout):
            w = params[k : k + nin]
            b = params[k + nin]
            k += nin + 1
            act = math.fsum([*(wi * xi for wi, xi in zip(w, h, strict=True)), b])
            out.append(max(act, 0.0) if li < len(sizes) - 2 else act)
        h = out
    assert k == len(params)
    return h[0]


def test_parameter_counts_and_order() -> None:
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 3 * 16 + 17 * 16 + 17  # 337, as micrograd
    n = Neuron(3)
    assert n.parameters() == [*n.w, n.b]
    assert repr(n) == "ReLUNeuron(3)"
    assert repr(Neuron(3, nonlin=False)) == "LinearNeuron(3)"
    layer = Layer(3, 4, nonlin=False)
    assert len(layer.parameters()) == 16
    assert all(not nn.nonlin for nn in layer.neurons)


def test_init_is_deterministic_per_seed() -> None:
    a = [p.data for p in MLP(2, [4, 1], seed=3).parameters()]
    b = [p.data for p in MLP(2, [4, 1], seed=3).parameters()]
    c = [p.data for p in MLP(2, [4, 1], seed=4).parameters()]
    assert a == b
    assert a != c
    assert all(-1.0 <= v <= 1.0 for v in a)


def test_forward_matches_float_arithmetic() -> None:
    sizes = [3, 5, 4, 1]
    model = MLP(3, sizes[1:], seed=7)
    params = [p.data for p in model.parameters()]
    rng = random.Random(0)
    for _ in range(5):
        x = [rng.uniform(-2, 2) for _ in range(3)]
        out = model(x)
        assert isinstance(out, Value)
        assert out.data == pytest.approx(_float_mlp(params, sizes, x), rel=1e-12, abs=1e-12)


def test_neuron_sum_is_one_add_node() -> None:
    n = Neuron(4, nonlin=False)
    out = n([1.0, 2.0, 3.0, 4.0])
    assert out.op is not None and out.op.name == "add"
    assert len(out.parents) == 5


def test_gradients_match_central_differences() -> None:
    sizes = [2, 3, 1]
    model = MLP(2, sizes[1:], seed=5)
    X = [[0.3, -1.2], [1.5, 0.7], [-0.4, 0.9]]
    Y = [1.0, -1.0, 1.0]

    def loss_of(params: list[float]) -> float:
        return math.fsum(
            max(0.0, 1.0 - y * _float_mlp(params, sizes, x)) for x, y in zip(X, Y, strict=True)
        )

    loss = vsum([(1.0 - y * model(x)).relu() for x, y in zip(X, Y, strict=True)])  # type: ignore[operator]
    model.zero_grad()
    loss.backward()
    params = [p.data for p in model.parameters()]
    assert loss.data == pytest.approx(loss_of(params), rel=1e-12)
    h = 1e-6
    for i, p in enumerate(model.parameters()):
        up, down = list(params), list(params)
        up[i] += h
        down[i] -= h
        numeric = (loss_of(up) - loss_of(down)) / (2 * h)
        assert p.grad == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_training_step_decreases_loss() -> None:
    rng = random.Random(1)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(30)]
    Y = [1.0 if x[0] * x[1] > 0 else -1.0 for x in X]
    model = MLP(2, [8, 8, 1], seed=2)
    opt = SGD(model.parameters(), lr=0.05, momentum=0.9)

    def loss() -> Value:
        terms = [(1.0 - y * model(x)).relu() for x, y in zip(X, Y, strict=True)]  # type: ignore[operator]
        return vsum(terms) / len(X)

    first = loss()
    opt.zero_grad()
    first.backward()
    opt.step()
    assert loss().data < first.data


def test_sgd_momentum_against_hand_computed_updates() -> None:
    p = Value(1.0)
    q = Value(-2.0)
    opt = SGD([p, q], lr=0.1, momentum=0.5)
    # Step 1: v = g; p -= lr·v.
    p.grad, q.grad = 2.0, -4.0
    opt.step()
    assert p.data == pytest.approx(1.0 - 0.1 * 2.0)
    assert q.data == pytest.approx(-2.0 + 0.1 * 4.0)
    # Step 2: v = 0.5·v + g.
    p.grad, q.grad = 1.0, 1.0
    opt.step()
    assert p.data == pytest.approx(0.8 - 0.1 * (0.5 * 2.0 + 1.0))
    assert q.data == pytest.approx(-1.6 - 0.1 * (0.5 * -4.0 + 1.0))
    opt.zero_grad()
    assert p.grad == 0.0 and q.grad == 0.0


def test_sgd_without_momentum_is_plain_descent() -> None:
    p = Value(3.0)
    opt = SGD([p], lr=0.5)
    p.grad = 2.0
    opt.step()
    opt.step()
    assert p.data == 3.0 - 0.5 * 2.0 - 0.5 * 2.0
    assert p.is_leaf


def test_module_zero_grad() -> None:
    model = MLP(2, [3, 1])
    out = model([1.0, 2.0])
    assert isinstance(out, Value)
    out.backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="expected 2 inputs"):
        Neuron(2)([1.0])
    with pytest.raises(ValueError, match="nin"):
        Neuron(0)
    with pytest.raises(ValueError, match="lr"):
        SGD([Value(1.0)], lr=0.0)
    with pytest.raises(ValueError, match="momentum"):
        SGD([Value(1.0)], lr=0.1, momentum=1.0)
    with pytest.raises(TypeError, match="Values"):
        SGD([1.0], lr=0.1)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="unexpected"):
        Layer(2, 2, activation="tanh")


@pytest.mark.parametrize(
    ("build", "kind", "words"),
    [
        (lambda: MLP(2, [-1]), ValueError, ["MLP", "nouts[0]", "-1"]),
        (lambda: MLP(2, []), ValueError, ["MLP", "nouts"]),
        (lambda: MLP("a", [1]), TypeError, ["MLP", "nin", "'a'"]),  # type: ignore[arg-type]
        (lambda: MLP(2, "ab"), TypeError, ["MLP", "nouts", "'ab'"]),  # type: ignore[arg-type]
        (lambda: Neuron(2, nonlin="foo"), TypeError, ["Neuron", "nonlin", "'foo'"]),  # type: ignore[arg-type]
        (lambda: Neuron(0), ValueError, ["Neuron", "nin", "0"]),
        (lambda: Layer(2, 0), ValueError, ["Layer", "nout", "0"]),
    ],
)
def test_bad_sizes_are_named(build: Any, kind: type[Exception], words: list[str]) -> None:
    with pytest.raises(kind) as info:
        build()
    for word in words:
        assert word in str(info.value)
