"""The logistic-regression lesson, computed twice: by the graph and by hand.

Run: python examples/lesson.py
"""

from __future__ import annotations

from autograd_lite.models.logistic import LogisticRegression, make_data
from autograd_lite.teach.lesson import analytic, lesson_graph

# One example with two features, as in the lesson.
x = [1.5, -0.5]
w = [0.4, -0.8]
b = 0.1
y = 1.0


def main() -> None:
    g = lesson_graph(x, y, w, b)
    print("Forward pass")
    print(f"  z = w1*x1 + w2*x2 + b = {g.z.data:.6f}")
    print(f"  a = sigmoid(z)        = {g.a.data:.6f}")
    print(f"  L = -[y log a + (1-y) log(1-a)] = {g.loss.data:.6f}")

    g.loss.backward()
    ref = analytic(x, y, w, b)
    rows = [
        ("da", g.a.grad, "-y/a + (1-y)/(1-a)", ref.da),
        ("dz", g.z.grad, "a - y", ref.dz),
        ("dw1", g.w[0].grad, "x1 * dz", ref.dw[0]),
        ("dw2", g.w[1].grad, "x2 * dz", ref.dw[1]),
        ("db", g.b.grad, "dz", ref.db),
    ]
    print("\nBackward pass: the graph's .grad next to the lesson's formulas")
    header = f"  {'':<5}{'graph (.grad)':>16}   {'formula':<20}{'formula value':>16}{'diff':>11}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for name, graph_value, formula, formula_value in rows:
        diff = abs(graph_value - formula_value)
        print(
            f"  {name:<5}{graph_value:>16.10f}   {formula:<20}{formula_value:>16.10f}{diff:>11.1e}"
        )

    print("\nTraining on 100 generated examples (batch gradient descent, lr = 0.5)")
    X, Y = make_data(100, seed=0)
    model = LogisticRegression(2, seed=0)

    def report(epoch: int, cost: float) -> None:
        if epoch % 10 == 0:
            print(f"  epoch {epoch:3d}   cost J = {cost:.6f}")

    history = model.fit(X, Y, lr=0.5, epochs=60, callback=report)
    print(f"  final    cost J = {history[-1]:.6f}   {model}")
    accuracy = sum(p == t for p, t in zip(model.predict(X), Y, strict=True)) / len(Y)
    print(f"  training accuracy = {accuracy:.0%}")


if __name__ == "__main__":
    main()
