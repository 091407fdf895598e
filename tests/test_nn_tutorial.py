"""docs/neural-network.md: its gradients are right, its training works, its figure is stable.

The page's own code is what is tested: ``docs/gen_nn.py`` runs the page's ``python``
blocks up to the figure (the same run that draws the figure) and hands back their
namespace. The gradients are checked first, against central differences and PyTorch,
before the tests look at what training reaches.
"""

from __future__ import annotations

import importlib.util
import math
import os
import random
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from autograd_lite.models.nn import MLP

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _gen_nn() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_docs_gen_nn", DOCS / "gen_nn.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _require_matplotlib() -> None:
    if os.environ.get("CI"):
        import matplotlib  # noqa: F401  (under CI a missing plot extra fails)
    else:
        pytest.importorskip("matplotlib", reason="pip install -e '.[plot]'")


@pytest.fixture(scope="module")
def page() -> tuple[dict[str, Any], str]:
    _require_matplotlib()
    return _gen_nn().tutorial_namespace()  # type: ignore[no-any-return]


def _randomise_biases(model: MLP, seed: int) -> None:
    # Off the ReLU kinks: with every bias at exactly 0 a dead first layer feeds
    # the next one an exact 0, where the one-sided derivatives differ.
    rng = random.Random(seed)
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.b.data = rng.uniform(-0.5, 0.5)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_tutorial_loss_gradients_match_central_differences(
    page: tuple[dict[str, Any], str], seed: int
) -> None:
    ns, _ = page
    loss_and_accuracy: Callable[..., Any] = ns["loss_and_accuracy"]
    X, Y = ns["make_moons"](12, seed=seed + 10)
    model = MLP(2, [5, 4, 1], seed=seed)
    _randomise_biases(model, seed)
    params = model.parameters()
    loss, _ = loss_and_accuracy(model, X, Y)
    model.zero_grad()
    loss.backward()

    # The loss by hand, in plain floats, with the ReLU written as max(0, t).
    def float_loss(values: list[float]) -> float:
        it = iter(values)
        layers = [
            [([next(it) for _ in n.w], next(it)) for n in layer.neurons] for layer in model.layers
        ]
        total = 0.0
        for x, y in zip(X, Y, strict=True):
            h = list(x)
            for depth, layer in enumerate(layers):
                pre = [
                    math.fsum([*(w * v for w, v in zip(ws, h, strict=True)), b]) for ws, b in layer
                ]
                h = pre if depth == len(layers) - 1 else [max(0.0, t) for t in pre]
            total += max(0.0, 1.0 - y * h[0])
        return total / len(X) + 1e-4 * math.fsum(v * v for v in values)

    point = [p.data for p in params]
    assert loss.data == pytest.approx(float_loss(point), rel=1e-12)
    h = 1e-6
    for i, p in enumerate(params):
        up, down = list(point), list(point)
        up[i] += h
        down[i] -= h
        numeric = (float_loss(up) - float_loss(down)) / (2 * h)
        assert p.grad == pytest.approx(numeric, rel=1e-5, abs=1e-7), i


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("CI must compare against PyTorch: install the 'oracle' extra")
        pytest.skip("PyTorch is not installed (pip install -e '.[oracle]')")
    return torch


@pytest.mark.parametrize(
    ("sizes", "seed", "randomise"),
    [([4, 4, 1], 3, False), ([16, 16, 1], 7, True)],
    ids=["on ReLU kinks", "random biases"],
)
def test_tutorial_loss_gradients_match_torch(
    page: tuple[dict[str, Any], str], sizes: list[int], seed: int, randomise: bool
) -> None:
    # The page's small network at its biases of 0 sits on ReLU kinks (see the
    # page); PyTorch and the engine both take the derivative 0 there, so they
    # must agree there too.
    torch = _torch()
    ns, _ = page
    X, Y = ns["X"][:10], ns["Y"][:10]
    model = MLP(2, sizes, seed=seed)
    if randomise:
        _randomise_biases(model, seed)
    loss, _ = ns["loss_and_accuracy"](model, X, Y)
    model.zero_grad()
    loss.backward()

    weights, biases = [], []
    for layer in model.layers:
        w = [[p.data for p in n.w] for n in layer.neurons]
        b = [n.b.data for n in layer.neurons]
        weights.append(torch.tensor(w, dtype=torch.float64, requires_grad=True))
        biases.append(torch.tensor(b, dtype=torch.float64, requires_grad=True))
    h = torch.tensor(X, dtype=torch.float64)
    on_kinks = 0
    for depth, (w, b) in enumerate(zip(weights, biases, strict=True)):
        h = h @ w.T + b
        if depth < len(weights) - 1:
            on_kinks += int((h == 0).sum())
            h = torch.relu(h)
    assert (on_kinks > 0) == (not randomise)  # the case is the one its name says
    y = torch.tensor(Y, dtype=torch.float64)
    tensors = [t for wb in zip(weights, biases, strict=True) for t in wb]
    penalty = sum((t * t).sum() for t in tensors)
    t_loss = torch.relu(1 - y * h[:, 0]).mean() + 1e-4 * penalty
    t_loss.backward()
    assert loss.data == pytest.approx(t_loss.item(), rel=1e-12)

    want: list[float] = []
    for w, b in zip(weights, biases, strict=True):
        for row, bias in zip(w.grad.tolist(), b.grad.tolist(), strict=True):
            want += [*row, bias]  # the engine's order: a neuron's weights, then its bias
    got = [p.grad for p in model.parameters()]
    assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_make_moons_is_seeded_and_lies_on_the_moons(page: tuple[dict[str, Any], str]) -> None:
    make_moons = page[0]["make_moons"]
    assert make_moons(50, seed=3) == make_moons(50, seed=3)
    assert make_moons(50, seed=3) != make_moons(50, seed=4)
    X, Y = make_moons(41, noise=0.0, seed=0)
    assert len(X) == len(Y) == 41 and Y.count(-1.0) == 21 and Y.count(1.0) == 20
    for (x1, x2), y in zip(X, Y, strict=True):
        # upper moon: the unit half circle above (0, 0); lower: below (1, 0.5)
        cx, cy = (0.0, 0.0) if y < 0 else (1.0, 0.5)
        assert math.hypot(x1 - cx, x2 - cy) == pytest.approx(1.0, rel=1e-12)
        assert (x2 >= cy) if y < 0 else (x2 <= cy)


def test_tutorial_training_reaches_the_stated_accuracy(page: tuple[dict[str, Any], str]) -> None:
    ns, log = page
    # The page states: 100% on its 100 training points after 40 steps, and at
    # least 95% on 200 fresh points (it asserts the latter itself).
    assert ns["STEPS"] == 40 and len(ns["X"]) == 100 and len(ns["X_test"]) == 200
    assert ns["accuracy"] == 1.0
    assert ns["test_accuracy"] >= 0.95
    # The accuracy of the trained model, counted here independently of the page's code.
    model = ns["model"]
    hits = sum(
        (model(x).data > 0) == (y > 0) for x, y in zip(ns["X_test"], ns["Y_test"], strict=True)
    )
    assert hits / 200 == ns["test_accuracy"]
    assert log.splitlines()[-1] == f"accuracy on 200 fresh points: {hits / 200:.1%}"
    text = (DOCS / "neural-network.md").read_text(encoding="utf-8")
    assert "after 40 steps on 100 points" in text and "STEPS = 40" in text


def test_figure_generator_is_deterministic(tmp_path: Path) -> None:
    _require_matplotlib()
    gen = _gen_nn()
    first = [p.read_bytes() for p in gen.generate(tmp_path / "one")]
    second = [p.read_bytes() for p in gen.generate(tmp_path / "two")]
    assert first == second
    svg = first[0].decode("utf-8")
    assert svg.startswith("<?xml") and "<dc:date>" not in svg and "Matplotlib v" not in svg
    assert "label +1" in svg and "x1" in svg  # text kept as text
    assert (DOCS / "images" / "nn_moons.svg").read_bytes() == first[0]
