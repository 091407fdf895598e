"""Logistic regression as a model: built from ``Value`` nodes, trained with a progress bar.

:class:`LogisticRegression` builds ``z = w·x + b`` (one n-ary add node),
``a = σ(z)`` and the loss from ``Value`` operations, exactly as the lesson
writes them (:mod:`autograd_lite.teach.lesson`), so ``backward()`` fills in
``dw`` and ``db`` as the ``grad`` of its parameters; :func:`make_data` makes a
labelled data set to train it on.

Saturation: once ``z`` exceeds about 37, ``σ(z)`` rounds to exactly 1.0 in
double precision and the literal loss ``−[y log a + (1−y) log(1−a)]`` needs
``log(0)``. :meth:`LogisticRegression.loss` keeps the literal form (the engine
then raises a ``ValueError`` naming the ``log`` op and the offending value);
:meth:`LogisticRegression.stable_loss` computes the same number as
``softplus(z) − y·z``, which never takes a logarithm of zero, and
:meth:`LogisticRegression.fit` trains on that form.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from autograd_lite.base.mode import gc_paused, no_grad
from autograd_lite.core.value import Value, constant, vsum
from autograd_lite.models.progress import Reporter
from autograd_lite.teach.lesson import (
    as_dataset,
    as_label,
    as_number,
    as_vector,
    is_sequence,
    literal_loss,
)

__all__ = ["LogisticRegression", "make_data"]


class LogisticRegression:
    """Binary logistic regression whose every prediction is a ``Value`` graph.

    ``a = σ(z)`` with ``z = w1·x1 + … + wn·xn + b`` built as one n-ary add node.

    Args:
        n_features: Number of inputs n (at least 1).
        seed: Seed of the small random initial weights (uniform in
            [−0.1, 0.1]); ``None`` draws them from fresh OS randomness.
            The bias starts at 0.

    Attributes:
        w: The weight leaves, labelled "w1".."wn".
        b: The bias leaf, labelled "b".

    Example:
        >>> X, Y = make_data(40, seed=1)
        >>> model = LogisticRegression(2)
        >>> history = model.fit(X, Y, lr=0.5, epochs=20)
        >>> history[-1] < history[0]
        True
    """

    __slots__ = ("b", "w")

    def __init__(self, n_features: int, *, seed: int | None = 0) -> None:
        if isinstance(n_features, bool) or not isinstance(n_features, int):
            raise TypeError(
                f"LogisticRegression: n_features must be an int, got {type(n_features).__name__}"
            )
        if n_features < 1:
            raise ValueError(f"LogisticRegression: n_features must be >= 1, got {n_features}")
        rng = random.Random(seed)
        self.w = [Value(rng.uniform(-0.1, 0.1), f"w{i}") for i in range(1, n_features + 1)]
        self.b = Value(0.0, "b")

    @property
    def n_features(self) -> int:
        """The number of inputs n."""
        return len(self.w)

    def parameters(self) -> list[Value]:
        """Return the trainable leaves ``[w1, …, wn, b]``."""
        return [*self.w, self.b]

    def __repr__(self) -> str:
        ws = ", ".join(f"{w.data:.4g}" for w in self.w)
        return f"LogisticRegression(w=[{ws}], b={self.b.data:.4g})"

    # ------------------------------------------------------------ graphs
    def _z(self, x: Sequence[Value | float]) -> Value:
        return vsum([*(w * xi for w, xi in zip(self.w, x, strict=True)), self.b])

    def logit(self, x: Sequence[float]) -> Value:
        """Return the node ``z = w·x + b`` (one add node) for one example."""
        return self._z(as_vector(x, self.n_features, "x", "LogisticRegression")).named("z")

    def __call__(self, x: Sequence[float]) -> Value:
        """Return the node ``a = σ(w·x + b)``: the predicted probability of y = 1."""
        return self.logit(x).sigmoid().named("a")

    def loss(self, x: Sequence[float], y: float) -> Value:
        """Return the lesson's literal loss ``L = −[y log a + (1−y) log(1−a)]``.

        This form saturates: for z above about 37 (or below about −745),
        σ(z) rounds to 1.0 (or 0.0) and the engine's ``log`` op raises a
        ``ValueError`` naming the value 0. Use :meth:`stable_loss` to train.

        Args:
            x: The n features.
            y: The label in [0, 1] (soft labels allowed).
        """
        yf = as_label(y, "y", "LogisticRegression.loss")
        return literal_loss(self(x), yf).named("L")

    def stable_loss(self, x: Sequence[float], y: float) -> Value:
        """Return the same loss as ``softplus(z) − y·z``, finite for every finite z.

        Since log σ(z) = −softplus(−z) and log(1 − σ(z)) = −softplus(z), the
        literal loss equals softplus(z) − y·z, and the engine's softplus never
        overflows. Its gradient with respect to z is σ(z) − y, the lesson's dz.

        Args:
            x: The n features.
            y: The label in [0, 1] (soft labels allowed).
        """
        yf = as_label(y, "y", "LogisticRegression.stable_loss")
        z = self.logit(x)
        return (z.softplus() - yf * z).named("L")

    def cost(
        self, X: Sequence[Sequence[float]], Y: Sequence[float], *, stable: bool = False
    ) -> Value:
        """Return the mean loss over m examples: one add node divided by m.

        Args:
            X: m rows of n features.
            Y: m labels in [0, 1].
            stable: Use :meth:`stable_loss` instead of the literal :meth:`loss`.

        Returns:
            The node "J"; ``J.backward()`` leaves the averaged dw and db in the
            parameters' ``grad``.
        """
        rows, labels = as_dataset(X, Y, self.n_features, "LogisticRegression.cost")
        build = self.stable_loss if stable else self.loss
        # The graph has no cycles: the collector's rescans of it would find nothing.
        with gc_paused():
            terms = [build(x, y) for x, y in zip(rows, labels, strict=True)]
            return (vsum(terms) / len(rows)).named("J")

    # ---------------------------------------------------------- training
    def fit(
        self,
        X: Sequence[Sequence[float]],
        Y: Sequence[float],
        *,
        lr: float = 0.1,
        epochs: int = 100,
        callback: Callable[[int, float], None] | None = None,
        progress: bool | Callable[[int, float], None] | None = None,
    ) -> list[float]:
        """Train by batch gradient descent on the stable mean cost.

        Each epoch builds the cost graph of all m examples, runs backward and
        moves every parameter by ``−lr·grad``. The stable form is used so that
        a confident model (|z| > 37) never hits log(0).

        Args:
            X: m rows of n features.
            Y: m labels in [0, 1].
            lr: The learning rate α (> 0).
            epochs: Number of gradient steps (>= 0).
            callback: Called as ``callback(epoch, cost)`` after each step, with
                the epoch index from 0 and the cost before that step. Passing
                it (and no ``progress``) keeps the bar off, as before the
                bar existed.
            progress: How to report progress. ``None`` (the default) shows a
                bar on stderr: ``tqdm.auto`` when tqdm is installed (a widget
                in Jupyter, a text bar on a terminal), else a built-in text
                bar; off when stderr is not a terminal or the environment sets
                ``TQDM_DISABLE``. ``True`` shows the bar even then, ``False``
                prints nothing, and a callable is called as ``callback`` is.

        Returns:
            The cost before each step, one entry per epoch.

        Raises:
            TypeError: On non-numeric input.
            ValueError: On empty data, wrong row lengths, labels outside [0, 1],
                ``lr <= 0`` or ``epochs < 0``.
        """
        where = "LogisticRegression.fit"
        rows, labels = as_dataset(X, Y, self.n_features, where)
        step = as_number(lr, "lr", where)
        if step <= 0.0:
            raise ValueError(f"{where}: lr must be > 0, got {step!r}")
        if isinstance(epochs, bool) or not isinstance(epochs, int):
            raise TypeError(f"{where}: epochs must be an int, got {type(epochs).__name__}")
        if epochs < 0:
            raise ValueError(f"{where}: epochs must be >= 0, got {epochs}")
        # The data never changes: lift it into constant nodes once, not every epoch.
        xs = [[constant(v) for v in row] for row in rows]
        ys = [constant(y) for y in labels]
        m = len(rows)
        params = self.parameters()
        history: list[float] = []
        report = Reporter(epochs, progress, callback, where, "epoch")
        try:
            for epoch in range(epochs):
                # The graph has no cycles, so the collector's rescans of it while it
                # grows would find nothing. Paused per epoch (the callback runs with
                # the collector on) and the graph is dropped before it resumes, so
                # the collector never sees it at all.
                with gc_paused():
                    terms = []
                    for x, y in zip(xs, ys, strict=True):
                        z = self._z(x)
                        terms.append(z.softplus() - y * z)
                    cost = vsum(terms) / m
                    for p in params:
                        p.grad = 0.0
                    cost.backward()
                    for p in params:
                        p.data -= step * p.grad
                    value = cost.data
                    del terms, cost, z
                history.append(value)
                report.step(epoch + 1, epoch, value)
        finally:
            report.close()
        return history

    # --------------------------------------------------------- inference
    def predict_proba(self, X: Sequence[Sequence[float]]) -> list[float]:
        """Return σ(w·x + b) for each row of ``X`` (no graph is kept)."""
        if not is_sequence(X):
            raise TypeError(
                f"LogisticRegression.predict_proba: X must be a sequence, got {type(X).__name__}"
            )
        with no_grad():
            return [self(x).data for x in X]

    def predict(self, X: Sequence[Sequence[float]], threshold: float = 0.5) -> list[int]:
        """Return 1 where the predicted probability is >= ``threshold``, else 0."""
        t = as_number(threshold, "threshold", "LogisticRegression.predict")
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"LogisticRegression.predict: threshold must lie in [0, 1], got {t}")
        return [1 if p >= t else 0 for p in self.predict_proba(X)]


def make_data(
    m: int, n_features: int = 2, *, seed: int = 0
) -> tuple[list[list[float]], list[float]]:
    """Return ``(X, Y)``: two noisy, roughly separable Gaussian classes.

    Class 1 is centred at (+1, …, +1), class 0 at (−1, …, −1), each feature
    with unit noise; labels alternate 0, 1, 0, … so both classes are present
    whenever m >= 2. Uses ``random.Random(seed)`` only: no NumPy, no download.

    Args:
        m: Number of examples (>= 1).
        n_features: Number of features (>= 1).
        seed: Seed of the generator.

    Returns:
        ``X`` as m lists of n floats and ``Y`` as m floats, 0.0 or 1.0.
    """
    for name, v in (("m", m), ("n_features", n_features)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"make_data: {name} must be an int, got {type(v).__name__}")
        if v < 1:
            raise ValueError(f"make_data: {name} must be >= 1, got {v}")
    rng = random.Random(seed)
    X: list[list[float]] = []
    Y: list[float] = []
    for i in range(m):
        y = float(i % 2)
        centre = 2.0 * y - 1.0
        X.append([centre + rng.gauss(0.0, 1.0) for _ in range(n_features)])
        Y.append(y)
    return X, Y
