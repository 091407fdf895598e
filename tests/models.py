"""The two models of the lesson as test cases: each a compiled program, its data, and the
eager engine's mean cost and parameter gradients over the same examples (the oracle)."""

from __future__ import annotations

import random
from typing import NamedTuple

import numpy as np

from autograd_lite.compiled import Program, compile_graph
from autograd_lite.core.value import Value, vsum
from autograd_lite.models.nn import MLP


class Case(NamedTuple):
    name: str
    program: Program
    columns: list[np.ndarray]  # one per program input, one entry per example
    cost: float  # the eager engine's mean over the examples
    grads: list[float]  # the eager engine's gradient of that mean, per parameter


def _eager(loss_of, columns: list[np.ndarray], params: list[Value]) -> tuple[float, list[float]]:
    m = len(columns[0])
    losses = [loss_of(*(float(c[e]) for c in columns)) for e in range(m)]
    mean = vsum(losses) / m
    for p in params:
        p.grad = 0.0
    mean.backward()
    return mean.data, [p.grad for p in params]


def lr_case(m: int = 40, n: int = 3, seed: int = 0) -> Case:
    """Logistic regression: L = softplus(z) − y·z with z = w·x + b (the cross-entropy)."""
    rng = np.random.default_rng(seed)
    columns = [*rng.normal(size=(n, m)), (rng.random(m) < 0.5).astype(float)]
    w = [Value(0.3 * (-1) ** i * (i + 1), f"w{i + 1}") for i in range(n)]
    b = Value(-0.2, "b")
    params = [*w, b]

    def loss(*row: Value | float) -> Value:
        *xs, y = row
        z = vsum([*(wi * xi for wi, xi in zip(w, xs, strict=True)), b])
        return z.softplus() - y * z

    cost, grads = _eager(loss, columns, params)
    inputs = [Value(0.0, f"x{i + 1}") for i in range(n)] + [Value(0.0, "y")]
    program = compile_graph(loss(*inputs).named("L"), inputs, params)
    return Case("logistic regression", program, columns, cost, grads)


def mlp_case(m: int = 24, seed: int = 3) -> Case:
    """micrograd's MLP(2, [5, 4, 1]) with the hinge loss and an L2 penalty."""
    rng = random.Random(seed)
    columns = [
        np.array([rng.uniform(-1, 2) for _ in range(m)]),
        np.array([rng.uniform(-1, 1) for _ in range(m)]),
        np.array([rng.choice([-1.0, 1.0]) for _ in range(m)]),
    ]
    model = MLP(2, [5, 4, 1], seed=4)
    params = model.parameters()

    def loss(x1: Value | float, x2: Value | float, y: Value | float) -> Value:
        score = model([x1, x2])
        return (1.0 - y * score).relu() + 1e-3 * vsum([p * p for p in params])  # type: ignore[operator, no-any-return]

    cost, grads = _eager(loss, columns, params)
    inputs = [Value(0.0, "x1"), Value(0.0, "x2"), Value(1.0, "y")]
    program = compile_graph(loss(*inputs).named("hinge"), inputs, params)
    return Case("MLP", program, columns, cost, grads)


CASES = (lr_case, mlp_case)


def lr_program(n: int) -> Program:
    """One example's logistic loss, n features, as a program (inputs x1..xn, y; params w, b)."""
    xs = [Value(0.0, f"x{i + 1}") for i in range(n)]
    y = Value(0.0, "y")
    w = [Value(0.1 * (i + 1), f"w{i + 1}") for i in range(n)]
    b = Value(-0.2, "b")
    z = vsum([*(wi * xi for wi, xi in zip(w, xs, strict=True)), b]).named("z")
    return compile_graph((z.softplus() - y * z).named("L"), [*xs, y], [*w, b])


def lr_columns(n: int, m: int, seed: int = 0) -> list[np.ndarray]:
    """m examples for :func:`lr_program`: n feature columns, then 0/1 labels."""
    rng = np.random.default_rng(seed)
    return [*rng.normal(size=(n, m)), (rng.random(m) < 0.5).astype(float)]


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def check(case: Case, value: object, grads: list[object]) -> None:
    """The program's mean cost and parameter gradients equal the eager engine's to 1e-12."""
    k = len(case.program.inputs)
    assert close(float(value), case.cost), (case.name, float(value), case.cost)  # type: ignore[arg-type]
    got = [float(g) for g in grads[k:]]  # type: ignore[arg-type]
    assert len(got) == len(case.grads)
    for j, (g, want) in enumerate(zip(got, case.grads, strict=True)):
        assert close(g, want), (case.name, j, g, want)
