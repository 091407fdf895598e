"""Logistic regression fitted by Newton's method, beside gradient descent.

Newton's method steps by the solution d of H·d = ∇J, where H is the Hessian of
the cost J(w1, w2, b), here computed by the engine itself
(``autograd_lite.functional.hessian``). Gradient descent steps by lr·∇J. Both
start from zero; the script prints how many iterations each needs to bring the
cost within 1e-6 of the optimum.

Run: python examples/newton.py
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from autograd_lite.core.value import Value, vsum
from autograd_lite.functional import hessian, value_and_grad

TOLERANCE = 1e-6


def make_data(m: int, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two overlapping Gaussian classes, so the cost has a finite minimum.

    (Perfectly separable data would have no minimum: the weights grow forever.)
    """
    rng = random.Random(seed)
    xs: list[list[float]] = []
    ys: list[float] = []
    for i in range(m):
        y = float(i % 2)
        centre = 1.0 if y else -1.0
        xs.append([rng.gauss(centre, 1.2), rng.gauss(0.5 * centre, 1.2)])
        ys.append(y)
    return xs, ys


Cost = Callable[[list[Value], Value], Value]


def make_cost(xs: list[list[float]], ys: list[float]) -> Cost:
    def cost(w: list[Value], b: Value) -> Value:
        # softplus(z) − y·z equals −[y log a + (1−y) log(1−a)] with a = σ(z).
        losses = []
        for x, y in zip(xs, ys, strict=True):
            z = vsum([w[0] * x[0], w[1] * x[1], b])
            losses.append(z.softplus() - y * z)
        return vsum(losses) / len(xs)

    return cost


def solve(a: list[list[float]], rhs: list[float]) -> list[float]:
    """Solve a·d = rhs by Gaussian elimination with partial pivoting."""
    n = len(rhs)
    m = [[*row, r] for row, r in zip(a, rhs, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    d = [0.0] * n
    for r in reversed(range(n)):
        d[r] = (m[r][n] - sum(m[r][c] * d[c] for c in range(r + 1, n))) / m[r][r]
    return d


def newton(cost: Cost, max_iter: int = 50) -> list[float]:
    """Return the cost after each Newton step, until the gradient vanishes."""
    w, b = [0.0, 0.0], 0.0
    history = []
    vg = value_and_grad(cost, argnums=(0, 1))
    h = hessian(cost)
    for _ in range(max_iter):
        value, (dw, db) = vg(w, b)
        history.append(value)
        g = [dw[0], dw[1], db]
        if math.sqrt(sum(x * x for x in g)) < 1e-12:
            break
        d = solve(h(w, b), g)
        w = [w[0] - d[0], w[1] - d[1]]
        b = b - d[2]
    return history


def gradient_descent(
    cost: Cost, target: float, lr: float = 1.0, max_iter: int = 20000
) -> list[float]:
    """Return the cost before each step, until it reaches ``target``."""
    w, b = [0.0, 0.0], 0.0
    history = []
    vg = value_and_grad(cost, argnums=(0, 1))
    for _ in range(max_iter):
        value, (dw, db) = vg(w, b)
        history.append(value)
        if value <= target:
            break
        w = [w[0] - lr * dw[0], w[1] - lr * dw[1]]
        b = b - lr * db
    return history


def iterations_to(history: list[float], target: float) -> int:
    """How many steps it took until the cost was at most ``target``."""
    return next(i for i, c in enumerate(history) if c <= target)


def main() -> None:
    xs, ys = make_data(200, seed=0)
    cost = make_cost(xs, ys)
    newton_costs = newton(cost)
    optimum = newton_costs[-1]
    target = optimum + TOLERANCE
    gd_costs = gradient_descent(cost, target)
    print(f"logistic regression on m = {len(xs)} examples, 3 parameters (w1, w2, b)")
    print(f"optimal cost {optimum:.10f}; target: within {TOLERANCE:g} of it")
    print("Newton's method (engine Hessian):")
    for i, c in enumerate(newton_costs):
        print(f"  iteration {i:2d}: cost {c:.10f}")
    n_newton = iterations_to(newton_costs, target)
    n_gd = iterations_to(gd_costs, target)
    print(f"iterations to reach the target: Newton {n_newton}, gradient descent (lr = 1) {n_gd}")


if __name__ == "__main__":
    main()
