"""The lesson: logistic regression on one example, as formulas and as a graph.

* the formula side: :func:`analytic` and :func:`analytic_batch` evaluate the
  hand-derived results (``da = −y/a + (1−y)/(1−a)``, ``dz = a − y``,
  ``dw_i = x_i·dz``, ``db = dz``, averaged over m examples) in plain float
  arithmetic, with no ``Value`` involved, so they serve as an independent
  check of the graph;
* the graph side: :func:`lesson_graph` builds ``z = w·x + b`` (one n-ary add
  node), ``a = σ(z)`` and ``L(a, y) = −[y log a + (1−y) log(1−a)]`` from
  ``Value`` operations, so ``backward()`` fills in ``da``, ``dz``, ``dw1``,
  ``dw2``, ``db`` as the ``grad`` of the matching nodes;
* :func:`explain_lesson` sets the two side by side, row by row.

The validation helpers (:func:`as_number`, :func:`as_vector`, :func:`as_label`,
:func:`as_dataset`) give every entry point the same messages; the model in
:mod:`autograd_lite.models.logistic` uses them too.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import IO, Any, NamedTuple

from autograd_lite.core.value import Value, vsum
from autograd_lite.functional import gradients
from autograd_lite.teach.names import latex_number_text, markdown_text, number_text
from autograd_lite.teach.textout import printable_for, write_rendered

__all__ = [
    "NEG_Y_LOG_A",
    "Analytic",
    "AnalyticBatch",
    "LessonExplanation",
    "LessonGraph",
    "LessonRow",
    "analytic",
    "analytic_batch",
    "as_dataset",
    "as_label",
    "as_number",
    "as_vector",
    "da",
    "dz",
    "explain_lesson",
    "is_sequence",
    "lesson_graph",
    "literal_loss",
]


# --------------------------------------------------------------- validation
def as_number(x: object, what: str, where: str) -> float:
    """Return ``x`` as a finite float or raise a clear error."""
    if isinstance(x, Value):
        raise TypeError(f"{where}: {what} must be a number, got a Value; pass its .data")
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{where}: {what} must be a real number, got {type(x).__name__} {x!r}")
    f = float(x)
    if not math.isfinite(f):
        raise ValueError(f"{where}: {what} must be finite, got {f!r}")
    return f


def is_sequence(xs: object) -> bool:
    """Return whether ``xs`` is an iterable of numbers (lists, tuples, NumPy arrays; not text)."""
    return isinstance(xs, Iterable) and not isinstance(xs, (str, bytes, Value))


def as_vector(xs: object, n: int | None, what: str, where: str) -> list[float]:
    """Return ``xs`` as a list of finite floats (of length ``n`` when given)."""
    if not is_sequence(xs):
        raise TypeError(f"{where}: {what} must be a sequence of numbers, got {type(xs).__name__}")
    assert isinstance(xs, Iterable)
    out = [as_number(v, f"{what}[{i}]", where) for i, v in enumerate(xs)]
    if n is not None and len(out) != n:
        raise ValueError(f"{where}: {what} has {len(out)} features, expected {n}")
    if not out:
        raise ValueError(f"{where}: {what} is empty; at least one feature is needed")
    return out


def as_label(y: object, what: str, where: str) -> float:
    """Return the label ``y`` as a float in [0, 1], or raise naming ``what`` and ``where``."""
    f = as_number(y, what, where)
    if not 0.0 <= f <= 1.0:
        raise ValueError(f"{where}: {what} must lie in [0, 1], got {f!r}")
    return f


def as_dataset(
    X: object, Y: object, n: int | None, where: str
) -> tuple[list[list[float]], list[float]]:
    """Validate a data set: m >= 1 rows of n features and m labels in [0, 1]."""
    for name, obj in (("X", X), ("Y", Y)):
        if not is_sequence(obj):
            raise TypeError(f"{where}: {name} must be a sequence, got {type(obj).__name__}")
    assert isinstance(X, Iterable) and isinstance(Y, Iterable)
    X, Y = list(X), list(Y)
    if len(X) == 0:
        raise ValueError(f"{where}: X is empty; at least one example is needed")
    if len(X) != len(Y):
        raise ValueError(f"{where}: X has {len(X)} examples but Y has {len(Y)} labels")
    rows = [as_vector(x, None, f"X[{k}]", where) for k, x in enumerate(X)]
    want = len(rows[0]) if n is None else n
    for k, row in enumerate(rows):
        if len(row) != want:
            raise ValueError(f"{where}: X[{k}] has {len(row)} features, expected {want}")
    labels = [as_label(y, f"Y[{k}]", where) for k, y in enumerate(Y)]
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
    xs = as_vector(x, None, "x", "analytic")
    ws = as_vector(w, len(xs), "w", "analytic")
    yf = as_label(y, "y", "analytic")
    bf = as_number(b, "b", "analytic")
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
    rows, labels = as_dataset(X, Y, None, "analytic_batch")
    m = len(rows)
    n = len(rows[0])
    ws = as_vector(w, n, "w", "analytic_batch")
    bf = as_number(b, "b", "analytic_batch")
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
        :func:`autograd_lite.teach.viz.to_dot` pass through (``show_data_grads=True``
        shows the data's gradients too).

        Returns:
            An :class:`autograd_lite.teach.viz.Diagram` (shown as SVG in Jupyter).
        """
        from autograd_lite.teach.viz.dot import to_dot

        to_dot_kwargs.setdefault("parameters", self.parameters)
        to_dot_kwargs.setdefault("data", self.inputs)
        return to_dot(self.loss, **to_dot_kwargs)


def literal_loss(a: Value, y: Value | float) -> Value:
    """Return −[y·log a + (1−y)·log(1−a)] as nodes, written exactly as in the lesson."""
    # Naming 1−a makes the log(0) error of a saturated sigmoid say where it happened.
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
    xs = as_vector(x, None, "x", "lesson_graph")
    ws = as_vector(w, len(xs), "w", "lesson_graph")
    yf = as_label(y, "y", "lesson_graph")
    bf = as_number(b, "b", "lesson_graph")
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


# ------------------------------------------------------------ the summary
class LessonRow(NamedTuple):
    """One line of the lesson summary: a derivative by formula and by the graph.

    Attributes:
        name: The lesson's notation, e.g. ``"dz"``.
        formula: The lesson's formula, e.g. ``"a − y"``.
        numbers: The formula with this example's numbers put in.
        analytic: The formula's value in plain float arithmetic.
        graph: The same derivative read from the graph's backward pass.
        agree: Whether the two agree to about 1e-9 (relative).
    """

    name: str
    formula: str
    numbers: str
    analytic: float
    graph: float
    agree: bool


class LessonExplanation:
    """The lesson's view of one logistic-regression example: da, dz, dw1, dw2, db.

    Attributes:
        rows: One :class:`LessonRow` per lesson derivative.
        agree: True when every row agrees.
    """

    def __init__(self, rows: list[LessonRow], forward: list[tuple[str, str, float]]) -> None:
        self.rows = rows
        self.forward = forward
        self.agree = all(r.agree for r in rows)

    def _verdict(self) -> str:
        if self.agree:
            return "The graph's gradients agree with the lesson's formulas (dz = a − y)."
        bad = ", ".join(r.name for r in self.rows if not r.agree)
        return f"MISMATCH between the graph and the lesson's formulas for: {bad}"

    def to_text(self, precision: int = 4, *, encoding: str | None = None) -> str:
        """Return the summary as plain text.

        Args:
            precision: Significant digits of the numbers.
            encoding: The encoding the text will be written in; when it cannot
                encode the text, the symbols are spelt in ASCII (``σ`` as
                ``sigmoid``, ``−`` as ``-``, ``·`` as ``*``), as
                ``Explanation.to_text`` does. ``None`` keeps every symbol.
        """
        out = ["Forward pass:"]
        out += [f"  {n} = {expr} = {number_text(v, precision)}" for n, expr, v in self.forward]
        out.append("Backward pass, as in the lesson (formula | by formula | from the graph):")
        width = max(len(f"{r.name} = {r.formula}") for r in self.rows)
        for r in self.rows:
            head = f"{r.name} = {r.formula}".ljust(width)
            mark = "agree" if r.agree else "DIFFER"
            value = number_text(r.analytic, precision)
            # "db = dz = −0.2497", not "... = −0.2497 = −0.2497": nothing to fill in.
            worked = value if r.numbers == value else f"{r.numbers} = {value}"
            out.append(f"  {head}  = {worked}  | graph: {number_text(r.graph, precision)}  {mark}")
        out.append(self._verdict())
        text = "\n".join(out) + "\n"
        # Every spelling in the aligned column is one character for one: no layout to redo.
        return text if encoding is None else printable_for(encoding, text)

    def print_text(self, file: IO[str] | None = None, precision: int = 4) -> bool:
        """Write :meth:`to_text` to ``file`` in the characters its encoding can show.

        Args:
            file: A text stream; ``sys.stdout`` by default.
            precision: Significant digits of the numbers.

        Returns:
            True when the stream shows less than a UTF-8 stream would have.
        """
        return write_rendered(lambda encoding: self.to_text(precision, encoding=encoding), file)

    def to_markdown(self, precision: int = 4) -> str:
        """Return the summary as a Markdown table."""
        out = ["| forward | expression | value |", "|---|---|---:|"]
        out += [
            f"| {markdown_text(n)} | {markdown_text(e)} | {number_text(v, precision)} |"
            for n, e, v in self.forward
        ]
        out += [
            "",
            "| derivative | lesson formula | with the numbers | by formula | from the graph "
            "| agree |",
            "|---|---|---|---:|---:|---|",
        ]
        for r in self.rows:
            out.append(
                f"| {markdown_text(r.name)} | {markdown_text(r.formula)} | "
                f"{markdown_text(r.numbers)} | "
                f"{number_text(r.analytic, precision)} | {number_text(r.graph, precision)} | "
                f"{'yes' if r.agree else '**no**'} |"
            )
        out += ["", self._verdict()]
        return "\n".join(out) + "\n"

    def to_latex(self, precision: int = 4) -> str:
        """Return the summary as LaTeX (an ``aligned`` block in ``$$``)."""
        tex = {
            "da": r"\frac{\partial L}{\partial a} &= -\frac{y}{a} + \frac{1-y}{1-a}",
            "dz (chain)": r"\frac{\partial L}{\partial z} &= \frac{\partial L}{\partial a}\,a(1-a)",
            "dz": r"\frac{\partial L}{\partial z} &= a - y",
            "db": r"\frac{\partial L}{\partial b} &= dz",
        }
        lines = []
        for r in self.rows:
            head = tex.get(r.name)
            if head is None:
                i = r.name[2:]
                head = rf"\frac{{\partial L}}{{\partial w_{{{i}}}}} &= x_{{{i}}} \cdot dz"
            lines.append(
                rf"{head} = {latex_number_text(number_text(r.analytic, precision))}"
                rf" \quad (\text{{graph: }} {latex_number_text(number_text(r.graph, precision))})"
            )
        return "$$\n\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}\n$$\n"

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        # A REPL shows this; a notebook shows the Markdown table instead.
        verdict = "all agree" if self.agree else "MISMATCH"
        names = ", ".join(r.name for r in self.rows)
        return f"<LessonExplanation: {names}: {verdict}; print() it for the table>"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_latex()


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def explain_lesson(graph: LessonGraph, *, precision: int = 4) -> LessonExplanation:
    """Summarise a lesson graph the way the lesson does, beside the analytic formulas.

    The graph's gradients come from its backward pass (without touching any
    ``grad``); the formulas ``da = −y/a + (1−y)/(1−a)``, ``dz = a − y``,
    ``dw_i = x_i·dz`` and ``db = dz`` come from :func:`analytic`.

    Args:
        graph: A graph from :func:`lesson_graph`.
        precision: Significant digits of the numbers in ``numbers``.

    Returns:
        A :class:`LessonExplanation`; its ``agree`` says whether all rows agree.
    """
    x = [v.data for v in graph.x]
    w = [v.data for v in graph.w]
    y, b = graph.y.data, graph.b.data
    an = analytic(x, y, w, b)
    wrt = [graph.a, graph.z, *graph.w, graph.b]
    g = gradients(graph.loss, wrt)
    g_da, g_dz, g_db = g[0], g[1], g[-1]
    g_dw = g[2:-1]

    def n(v: float) -> str:
        s = number_text(v, precision)
        return f"({s})" if v < 0 else s

    a = an.a
    rows = [
        LessonRow(
            "da",
            "−y/a + (1 − y)/(1 − a)",
            f"−{n(y)}/{n(a)} + (1 − {n(y)})/(1 − {n(a)})",
            an.da,
            g_da,
            _close(an.da, g_da),
        ),
        LessonRow(
            "dz (chain)",
            "da · a(1 − a)",
            f"{n(an.da)} · {n(a)}(1 − {n(a)})",
            an.da * a * (1.0 - a),
            g_dz,
            _close(an.da * a * (1.0 - a), g_dz),
        ),
        LessonRow("dz", "a − y", f"{n(a)} − {n(y)}", an.dz, g_dz, _close(an.dz, g_dz)),
    ]
    for i, (xi, dwi, gi) in enumerate(zip(x, an.dw, g_dw, strict=True), start=1):
        rows.append(
            LessonRow(f"dw{i}", f"x{i} · dz", f"{n(xi)} · {n(an.dz)}", dwi, gi, _close(dwi, gi))
        )
    rows.append(
        LessonRow("db", "dz", number_text(an.dz, precision), an.db, g_db, _close(an.db, g_db))
    )
    terms = " + ".join(f"w{i}·x{i}" for i in range(1, len(x) + 1))
    forward = [
        ("z", f"{terms} + b", an.z),
        ("a", "σ(z)", an.a),
        ("L", "−[y log a + (1 − y) log(1 − a)]", an.L),
    ]
    return LessonExplanation(rows, forward)
