"""Logistic regression built from ``Value`` nodes, next to the lesson's formulas.

Two sides of the same model live here:

* the graph side: :class:`LogisticRegression` and :func:`lesson_graph` build
  ``z = w·x + b`` (one n-ary add node), ``a = σ(z)`` and the loss from ``Value``
  operations, so ``backward()`` fills in ``da``, ``dz``, ``dw1``, ``dw2``, ``db``
  as the ``grad`` of the matching nodes;
* the formula side: :func:`analytic` and :func:`analytic_batch` evaluate the
  hand-derived results (``dz = a − y``, ``dw_i = x_i·dz``, ``db = dz``, averaged
  over m examples) in plain float arithmetic, with no ``Value`` involved, so
  they can serve as an independent check of the graph.

Saturation: once ``z`` exceeds about 37, ``σ(z)`` rounds to exactly 1.0 in
double precision and the literal loss ``−[y log a + (1−y) log(1−a)]`` needs
``log(0)``. :meth:`LogisticRegression.loss` keeps the literal form (the engine
then raises a ``ValueError`` naming the ``log`` op and the offending value);
:meth:`LogisticRegression.stable_loss` computes the same number as
``softplus(z) − y·z``, which never takes a logarithm of zero, and
:meth:`LogisticRegression.fit` trains on that form.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from autograd_lite.core.mode import gc_paused, no_grad
from autograd_lite.core.value import Value, constant, vsum
from autograd_lite.progress import Reporter

__all__ = [
    "Analytic",
    "AnalyticBatch",
    "LessonGraph",
    "LogisticRegression",
    "analytic",
    "analytic_batch",
    "da",
    "dz",
    "lesson_graph",
    "make_data",
]


# --------------------------------------------------------------- validation
def _number(x: object, what: str, where: str) -> float:
    """Return ``x`` as a finite float or raise a clear error."""
    if isinstance(x, Value):
        raise TypeError(f"{where}: {what} must be a number, got a Value; pass its .data")
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{where}: {what} must be a real number, got {type(x).__name__} {x!r}")
    f = float(x)
    if not math.isfinite(f):
        raise ValueError(f"{where}: {what} must be finite, got {f!r}")
    return f


def _iterable(xs: object) -> bool:
    # Any iterable of numbers will do (lists, tuples, NumPy arrays), but not text.
    return isinstance(xs, Iterable) and not isinstance(xs, (str, bytes, Value))


def _vector(xs: object, n: int | None, what: str, where: str) -> list[float]:
    """Return ``xs`` as a list of finite floats (of length ``n`` when given)."""
    if not _iterable(xs):
        raise TypeError(f"{where}: {what} must be a sequence of numbers, got {type(xs).__name__}")
    assert isinstance(xs, Iterable)
    out = [_number(v, f"{what}[{i}]", where) for i, v in enumerate(xs)]
    if n is not None and len(out) != n:
        raise ValueError(f"{where}: {what} has {len(out)} features, expected {n}")
    if not out:
        raise ValueError(f"{where}: {what} is empty; at least one feature is needed")
    return out


def _label(y: object, what: str, where: str) -> float:
    f = _number(y, what, where)
    if not 0.0 <= f <= 1.0:
        raise ValueError(f"{where}: {what} must lie in [0, 1], got {f!r}")
    return f


def _dataset(
    X: object, Y: object, n: int | None, where: str
) -> tuple[list[list[float]], list[float]]:
    """Validate a data set: m >= 1 rows of n features and m labels in [0, 1]."""
    for name, obj in (("X", X), ("Y", Y)):
        if not _iterable(obj):
            raise TypeError(f"{where}: {name} must be a sequence, got {type(obj).__name__}")
    assert isinstance(X, Iterable) and isinstance(Y, Iterable)
    X, Y = list(X), list(Y)
    if len(X) == 0:
        raise ValueError(f"{where}: X is empty; at least one example is needed")
    if len(X) != len(Y):
        raise ValueError(f"{where}: X has {len(X)} examples but Y has {len(Y)} labels")
    rows = [_vector(x, None, f"X[{k}]", where) for k, x in enumerate(X)]
    want = len(rows[0]) if n is None else n
    for k, row in enumerate(rows):
        if len(row) != want:
            raise ValueError(f"{where}: X[{k}] has {len(row)} features, expected {want}")
    labels = [_label(y, f"Y[{k}]", where) for k, y in enumerate(Y)]
    return rows, labels


# ---------------------------------------------------------- analytic side
def _sigma(z: float) -> float:
    # The textbook 1/(1 + e^−z), arranged so that exp never overflows.
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def da(a: float, y: float) -> float:
    """Return the lesson's dL/da = −y/a + (1−y)/(1−a).

    Raises:
        ZeroDivisionError: If ``a`` is exactly 0 or 1 (a saturated sigmoid).
    """
    return -y / a + (1.0 - y) / (1.0 - a)


def dz(a: float, y: float) -> float:
    """Return the lesson's dL/dz = a − y (dL/da times σ'(z) = a(1−a), simplified)."""
    return a - y


def _literal_loss(a: float, y: float, z: float) -> float:
    if a <= 0.0 or a >= 1.0:
        raise ValueError(
            f"analytic: a = σ(z) rounds to {a!r} for z = {z!r}, so the literal loss "
            "needs log(0); use the stable form softplus(z) − y·z"
        )
    return -(y * math.log(a) + (1.0 - y) * math.log(1.0 - a))


class Analytic(NamedTuple):
    """The lesson's forward values and derivatives for one example, as floats."""

    z: float
    a: float
    L: float
    da: float
    dz: float
    dw: list[float]
    db: float


class AnalyticBatch(NamedTuple):
    """The lesson's mean cost and averaged derivatives over m examples."""

    cost: float
    dw: list[float]
    db: float


def analytic(x: Sequence[float], y: float, w: Sequence[float], b: float) -> Analytic:
    """Evaluate the lesson's formulas for one example in plain float arithmetic.

    ``z = Σ w_i·x_i + b``, ``a = σ(z)``, ``L = −[y log a + (1−y) log(1−a)]``,
    ``da = −y/a + (1−y)/(1−a)``, ``dz = a − y``, ``dw_i = x_i·dz``, ``db = dz``.

    Args:
        x: The features x1..xn.
        y: The label, in [0, 1] (soft labels allowed).
        w: The weights w1..wn.
        b: The bias.

    Returns:
        An :class:`Analytic` record.

    Raises:
        ValueError: On mismatched lengths, a label outside [0, 1], or when
            ``σ(z)`` rounds to 0 or 1 so that the literal loss is undefined.

    Example:
        >>> r = analytic([1.0, 2.0], 1.0, [0.5, -0.25], 0.0)
        >>> r.z, r.dz
        (0.0, -0.5)
    """
    xs = _vector(x, None, "x", "analytic")
    ws = _vector(w, len(xs), "w", "analytic")
    yf = _label(y, "y", "analytic")
    bf = _number(b, "b", "analytic")
    z = math.fsum([wi * xi for wi, xi in zip(ws, xs, strict=True)] + [bf])
    a = _sigma(z)
    loss = _literal_loss(a, yf, z)
    g = dz(a, yf)
    return Analytic(z, a, loss, da(a, yf), g, [xi * g for xi in xs], g)


def analytic_batch(
    X: Sequence[Sequence[float]], Y: Sequence[float], w: Sequence[float], b: float
) -> AnalyticBatch:
    """Average the lesson's cost and derivatives over m examples.

    ``J = (1/m) Σ L⁽ⁱ⁾``, ``dw_j = (1/m) Σ x_j⁽ⁱ⁾·dz⁽ⁱ⁾``, ``db = (1/m) Σ dz⁽ⁱ⁾``.

    Args:
        X: m rows of n features.
        Y: m labels in [0, 1].
        w: The n weights.
        b: The bias.

    Returns:
        An :class:`AnalyticBatch` record.
    """
    rows, labels = _dataset(X, Y, None, "analytic_batch")
    m = len(rows)
    n = len(rows[0])
    ws = _vector(w, n, "w", "analytic_batch")
    bf = _number(b, "b", "analytic_batch")
    losses: list[float] = []
    dws: list[list[float]] = [[] for _ in range(n)]
    dbs: list[float] = []
    for x, y in zip(rows, labels, strict=True):
        r = analytic(x, y, ws, bf)
        losses.append(r.L)
        for j in range(n):
            dws[j].append(r.dw[j])
        dbs.append(r.db)
    return AnalyticBatch(
        math.fsum(losses) / m, [math.fsum(col) / m for col in dws], math.fsum(dbs) / m
    )


# -------------------------------------------------------------- graph side
#: The label of the first term of L = −y·log a − (1−y)·log(1−a).
NEG_Y_LOG_A = "−y·log a"


class LessonGraph(NamedTuple):
    """The lesson's single-example graph with every node labelled.

    Attributes:
        loss: The node "L".
        a: The node "a" = σ(z).
        z: The node "z" = w1·x1 + … + wn·xn + b (one add node).
        x: The input leaves "x1".."xn".
        w: The weight leaves "w1".."wn".
        b: The bias leaf "b".
        y: The label leaf "y".
    """

    loss: Value
    a: Value
    z: Value
    x: list[Value]
    w: list[Value]
    b: Value
    y: Value

    @property
    def parameters(self) -> list[Value]:
        """The trainable leaves ``[w1, …, wn, b]``."""
        return [*self.w, self.b]

    @property
    def inputs(self) -> list[Value]:
        """The data leaves ``[x1, …, xn, y]``."""
        return [*self.x, self.y]

    def diagram(self, **to_dot_kwargs: Any) -> Any:
        """Return the lesson's diagram: parameters highlighted, x and y drawn as data.

        ``to_dot(loss, parameters=[w…, b], data=[x…, y])``: the weights and the
        bias are coloured as parameters; the features, the label and ``1−y``
        are drawn as data (their value, no gradient). Before ``backward()``
        every gradient reads ``?`` under a banner saying so. Options of
        :func:`autograd_lite.viz.to_dot` pass through (``show_data_grads=True``
        shows the data's gradients too).

        Returns:
            An :class:`autograd_lite.viz.Diagram` (shown as SVG in Jupyter).
        """
        from autograd_lite.viz.dot import to_dot

        to_dot_kwargs.setdefault("parameters", self.parameters)
        to_dot_kwargs.setdefault("data", self.inputs)
        return to_dot(self.loss, **to_dot_kwargs)


def _literal(a: Value, y: Value | float) -> Value:
    # −[y·log a + (1−y)·log(1−a)], written exactly as in the lesson. Naming
    # 1−a makes the log(0) error of a saturated sigmoid say where it happened.
    return -(y * a.log() + (1 - y) * (1 - a).named("1−a").log())


def lesson_graph(x: Sequence[float], y: float, w: Sequence[float], b: float) -> LessonGraph:
    """Build the lesson's graph for one example: z, a = σ(z) and the literal loss L.

    Every node the lesson names carries its label ("x1".., "w1".., "b", "y",
    "z", "a", "L") and every intermediate reads like the formula ("w1·x1",
    "log a", "y·log a", "−y·log a", "1−y", "1−a", "log(1−a)",
    "(1−y)·log(1−a)"; the root is L = −y·log a − (1−y)·log(1−a)), so after
    ``g.loss.backward()`` the lesson's ``da`` is ``g.a.grad``, ``dz`` is
    ``g.z.grad``, ``dw1`` is ``g.w[0].grad`` and ``db`` is ``g.b.grad``.
    ``g.diagram()`` draws it with x and y as data.

    Args:
        x: The features x1..xn.
        y: The label in [0, 1].
        w: The weights w1..wn (same length as ``x``).
        b: The bias.

    Returns:
        A :class:`LessonGraph`.

    Raises:
        ValueError: On mismatched lengths, a label outside [0, 1], or (from the
            engine's ``log`` op) when σ(z) saturates to 0 or 1.

    Example:
        >>> g = lesson_graph([1.0, 2.0], 1.0, [0.5, -0.25], 0.0)
        >>> g.loss.backward()
        >>> g.z.grad  # dz = a - y = 0.5 - 1
        -0.5
    """
    xs = _vector(x, None, "x", "lesson_graph")
    ws = _vector(w, len(xs), "w", "lesson_graph")
    yf = _label(y, "y", "lesson_graph")
    bf = _number(b, "b", "lesson_graph")
    xv = [Value(v, f"x{i}") for i, v in enumerate(xs, 1)]
    wv = [Value(v, f"w{i}") for i, v in enumerate(ws, 1)]
    bv = Value(bf, "b")
    yv = Value(yf, "y")
    products = [(wi * xi).named(f"{wi.label}·{xi.label}") for wi, xi in zip(wv, xv, strict=True)]
    z = vsum([*products, bv]).named("z")
    a = z.sigmoid().named("a")
    # The literal loss again, with every intermediate named as a reader would
    # say it, so diagrams and explanations show "log a", not "t3".
    y_log_a = (yv * a.log().named("log a")).named("y·log a")
    one_minus_y = (1 - yv).named("1−y")
    log_one_minus_a = (1 - a).named("1−a").log().named("log(1−a)")
    rest = (one_minus_y * log_one_minus_a).named("(1−y)·log(1−a)")
    # L = −[y·log a + (1−y)·log(1−a)] = −y·log a − (1−y)·log(1−a), built as
    # the right-hand side reads, so the root is "L = (−y·log a) − ((1−y)·log(1−a))"
    # (never "L = −(−L)") and every name stays short enough to read in a diagram.
    loss = ((-y_log_a).named(NEG_Y_LOG_A) - rest).named("L")
    return LessonGraph(loss, a, z, xv, wv, bv, yv)


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
        return self._z(_vector(x, self.n_features, "x", "LogisticRegression")).named("z")

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
        yf = _label(y, "y", "LogisticRegression.loss")
        return _literal(self(x), yf).named("L")

    def stable_loss(self, x: Sequence[float], y: float) -> Value:
        """Return the same loss as ``softplus(z) − y·z``, finite for every finite z.

        Since log σ(z) = −softplus(−z) and log(1 − σ(z)) = −softplus(z), the
        literal loss equals softplus(z) − y·z, and the engine's softplus never
        overflows. Its gradient with respect to z is σ(z) − y, the lesson's dz.

        Args:
            x: The n features.
            y: The label in [0, 1] (soft labels allowed).
        """
        yf = _label(y, "y", "LogisticRegression.stable_loss")
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
        rows, labels = _dataset(X, Y, self.n_features, "LogisticRegression.cost")
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
        rows, labels = _dataset(X, Y, self.n_features, where)
        step = _number(lr, "lr", where)
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
        if not _iterable(X):
            raise TypeError(
                f"LogisticRegression.predict_proba: X must be a sequence, got {type(X).__name__}"
            )
        with no_grad():
            return [self(x).data for x in X]

    def predict(self, X: Sequence[Sequence[float]], threshold: float = 0.5) -> list[int]:
        """Return 1 where the predicted probability is >= ``threshold``, else 0."""
        t = _number(threshold, "threshold", "LogisticRegression.predict")
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
