"""Self-checking backpropagation exercises: blanks to fill in, graded with feedback.

An :class:`Exercise` is a graph's backward pass with its numbers left blank: at
each step, the gradient arriving at the node (``"upstream"``), the local
derivative on each edge (``"local"``) and what the edge sends on
(``"contribution"``); at the end, each leaf's gradient (``"grad"``). Every
:class:`Blank` says in plain data what it asks, so a teacher can print, grade
or export it anywhere.

:meth:`Exercise.check` grades a student's answers with a tolerance and
explains each wrong one by the mistake it most likely comes from: an upstream
gradient where a local derivative was asked (or the reverse), a contribution
for a local derivative, a gradient missing one use of a node, a flipped sign.
:meth:`Exercise.to_html` writes the same exercise as a quiz page that works
offline and grades as the student types, with the same rules.

The right answers come from the engine's backward pass
(:func:`~autograd_lite.steps.backward_steps`); building an exercise
changes no node's ``grad``.
"""

from __future__ import annotations

import html
import importlib.resources
import itertools
import math
import numbers
import os
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from autograd_lite.core.autodiff import local_derivatives
from autograd_lite.core.graph import topological
from autograd_lite.core.ops import mul
from autograd_lite.core.value import TABLE, Op, Value, vsum
from autograd_lite.parse import parse_expression
from autograd_lite.steps import Step, backward_steps
from autograd_lite.teach.names import is_atomic, node_names, number_text
from autograd_lite.teach.viz.embed import script_json
from autograd_lite.teach.viz.files import write_atomic

__all__ = ["KINDS", "Blank", "Exercise", "Grade"]

#: The kinds of blank, in the order a step asks them.
KINDS: Final[tuple[str, ...]] = ("upstream", "local", "contribution", "grad")

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_SAFE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,30}")
# Subsets of a node's uses tried as "forgot a use" candidates: all of them up to
# this many uses, else only those missing exactly one use.
_ALL_SUBSETS = 4
# Random exercises: leaf values, and how large a value may grow before a draw is redone.
_LEAF_VALUES = tuple(x / 10 for x in range(-20, 21) if x != 0)
_LARGEST = 50.0
_TRIES = 200


# ---------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class Blank:
    """One number a student is asked for.

    Attributes:
        id: Its key in the answers, e.g. ``"step3.local0"`` or ``"grad.w1"``.
        kind: ``"local"``, ``"upstream"``, ``"contribution"`` or ``"grad"``.
        step: The backward step it belongs to (1 for the root's op), or
            ``None`` for a ``"grad"`` blank.
        node: The name of the step's node (for ``"grad"``: the leaf's name).
        op: The step's op name, e.g. ``"sigmoid"`` (``None`` for ``"grad"``).
        inputs: The values of the step's inputs, in argument order.
        index: Which input a ``"local"`` or ``"contribution"`` blank is about
            (from 0), else ``None``.
        input: That input's name, else ``None``.
        question: The question in words, e.g.
            ``"∂a/∂z, the local derivative of sigmoid on the edge z → a"``.
        answer: The right value.
    """

    id: str
    kind: str
    step: int | None
    node: str
    op: str | None
    inputs: tuple[float, ...]
    index: int | None
    input: str | None
    question: str
    answer: float = field(repr=False)


@dataclass(frozen=True, slots=True)
class _Rule:
    """How one blank is graded: its right value and the wrong values it recognises."""

    answer: float
    context: str
    candidates: tuple[tuple[float, str], ...]
    generic: str


@dataclass(frozen=True)
class Grade:
    """The result of :meth:`Exercise.check`.

    Attributes:
        correct: The ids of the blanks answered right, in the exercise's order.
        messages: For every other blank, by id, feedback naming the step and
            the likely mistake.
        total: The number of blanks.
    """

    correct: tuple[str, ...]
    messages: Mapping[str, str]
    total: int

    @property
    def passed(self) -> bool:
        """Whether every blank was answered right."""
        return len(self.correct) == self.total

    @property
    def score(self) -> float:
        """The fraction of blanks answered right, from 0 to 1."""
        return len(self.correct) / self.total if self.total else 1.0

    def __str__(self) -> str:
        head = f"{len(self.correct)} of {self.total} blanks correct"
        return "\n".join([head, *(f"{k}: {m}" for k, m in self.messages.items())])


# ---------------------------------------------------------------- the exercise
class Exercise:
    """A backward pass with blanks, graded with feedback on the likely mistake.

    Make one with :meth:`from_expression`, :meth:`from_graph` or
    :meth:`random`. The blanks are in :attr:`blanks`, in the order the
    backward pass meets them; :meth:`check` grades answers, and
    :meth:`to_html` writes an offline quiz page.

    Attributes:
        title: A heading for the exercise (the expression, for
            :meth:`from_expression`).
        blanks: Every blank, step by step, then the leaves' gradients.
        forward: The forward pass as lines such as ``"z = w1 × x1 = 0.6"``.
        graph: The root node of the exercise's graph (to draw it, for
            instance; the exercise never changes a node's ``grad``).
        root: The name of the node being differentiated (``"out"`` if unnamed).
        rel_tol: Relative tolerance of the grading.
        abs_tol: Absolute tolerance of the grading.

    Example:
        >>> ex = Exercise.from_expression("b*x + b", {"b": 1.0, "x": 3.0})
        >>> ex.blank("grad.b").answer  # d(b*x + b)/db = x + 1
        4.0
        >>> print(ex.check({"grad.b": 1.0}).messages["grad.b"])
        the gradient ∂out/∂b of the leaf b: did you forget the second use of b? ...
    """

    def __init__(
        self,
        root: Value,
        *,
        title: str | None = None,
        kinds: Iterable[str] = KINDS,
        rel_tol: float = 1e-3,
        abs_tol: float = 1e-4,
    ) -> None:
        """Make an exercise of ``root``'s backward pass (see :meth:`from_graph`)."""
        if not isinstance(root, Value):
            raise TypeError(f"Exercise: expected a Value as the root, got {type(root).__name__}")
        asked = tuple(kinds) if not isinstance(kinds, str) else (kinds,)
        for k in asked:
            if k not in KINDS:
                raise ValueError(f"Exercise: unknown blank kind {k!r} (the kinds are {KINDS})")
        if not asked:
            raise ValueError("Exercise: ask for at least one kind of blank")
        for name, tol in (("rel_tol", rel_tol), ("abs_tol", abs_tol)):
            if (
                isinstance(tol, bool)
                or not isinstance(tol, numbers.Real)
                or not 0.0 <= float(tol) < 1.0
            ):
                raise ValueError(f"Exercise: {name} must be a number in [0, 1), got {tol!r}")
        if rel_tol == 0 and abs_tol == 0:
            raise ValueError("Exercise: rel_tol and abs_tol cannot both be 0")
        self.rel_tol = float(rel_tol)
        self.abs_tol = float(abs_tol)
        self.graph = root
        self._names = node_names(root)
        self.root = self._names[root]
        self.title = title if title is not None else f"Backward pass of {self.root}"
        self.forward = tuple(_forward_lines(root, self._names))
        blanks, rules = _make_blanks(root, self._names, set(asked))
        if not blanks:
            raise ValueError(
                f"Exercise: {self.root} has nothing to differentiate (no op, or only constants)"
            )
        self.blanks: tuple[Blank, ...] = tuple(blanks)
        self._by_id = {b.id: b for b in blanks}
        self._rules: Mapping[str, _Rule] = MappingProxyType(rules)

    # -- making exercises
    @classmethod
    def from_graph(cls, root: Value, **options: object) -> Exercise:
        """Make an exercise of the backward pass from ``root``.

        Nodes are called by their labels (unlabelled ones ``t1``, ``t2``...,
        the root ``out``), as in diagrams and explanations. Constants get no
        blanks.

        Args:
            root: The node to differentiate.
            **options: ``title``, ``kinds`` (which kinds of blank to ask,
                default all of :data:`KINDS`), ``rel_tol`` (default 1e-3) and
                ``abs_tol`` (default 1e-4).

        Raises:
            ValueError: For an unknown kind, a bad tolerance, or a root with
                nothing to differentiate.
        """
        return cls(root, **options)  # type: ignore[arg-type]

    @classmethod
    def from_expression(cls, text: str, values: Mapping[str, float], **options: object) -> Exercise:
        """Make an exercise from an expression such as ``"sigmoid(w*x + b)"``.

        The expression is read by :func:`~autograd_lite.parse.parse_expression`
        (its functions are the one-input rows of the op table); each name is
        one leaf, so a name written twice is a node used twice.

        Args:
            text: The expression.
            values: A number for each name.
            **options: As :meth:`from_graph`; ``title`` defaults to ``text``.

        Raises:
            ExpressionError: For text the parser refuses, or a missing value.
            ValueError, ZeroDivisionError, OverflowError: Where an op is
                undefined at these values.
        """
        root = parse_expression(text, values)
        options.setdefault("title", text)
        return cls(root, **options)  # type: ignore[arg-type]

    @classmethod
    def random(
        cls,
        seed: int = 0,
        ops: Sequence[str] = ("add", "sub", "mul", "sigmoid", "tanh", "exp", "log"),
        size: int = 4,
        reuse: bool = True,
        **options: object,
    ) -> Exercise:
        """Make a random exercise: the same ``seed`` and arguments give the same one.

        The graph has ``size`` op nodes drawn from ``ops`` (each one at least
        once when ``size`` allows), over leaves ``x1``, ``x2``... whose values
        keep every op inside its domain and every number small. Inputs that
        fall out of a domain (``log`` of a negative) are redrawn; where the
        value computed so far cannot enter an op, the op starts a second
        chain from a fresh leaf, and the chains are added at the end (one
        more ``add`` node).

        Args:
            seed: Seed of the draw.
            ops: Names of rows of the op table (``"powc"`` is drawn as a
                square or a cube).
            size: The number of op nodes, 1 to 30.
            reuse: Make one node feed two later ops (so its gradient is a
                sum of two contributions); needs a two-input op in ``ops``.
            **options: As :meth:`from_graph`.

        Raises:
            ValueError: For an unknown op name, a row that cannot be drawn
                (``const``, or more than two fixed inputs), a bad ``size``, or
                ``reuse`` without a two-input op.
        """
        rows = _random_rows(ops)
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 30:
            raise ValueError(f"Exercise.random: size must be an integer from 1 to 30, got {size!r}")
        if reuse and size < 2:
            raise ValueError("Exercise.random: reuse needs size >= 2 (a node and two consumers)")
        if reuse and all(r.arity == 1 for r in rows):
            raise ValueError(
                "Exercise.random: reuse needs a two-input op among ops "
                f"(got {', '.join(r.name for r in rows)})"
            )
        rng = random.Random(f"autograd_lite.exercise:{seed}")
        for _ in range(_TRIES):
            root = _draw(rng, rows, size, reuse)
            if root is not None:
                options.setdefault("title", f"Random exercise (seed {seed})")
                return cls(root, **options)  # type: ignore[arg-type]
        raise ValueError(
            f"Exercise.random: no graph of {size} ops from {', '.join(r.name for r in rows)} "
            f"stays inside the ops' domains in {_TRIES} draws; choose other ops or a smaller size"
        )

    # -- reading
    def blank(self, blank_id: str) -> Blank:
        """Return the blank with this id.

        Raises:
            KeyError: If no blank has this id (the message lists some that do).
        """
        try:
            return self._by_id[blank_id]
        except (KeyError, TypeError):
            raise KeyError(self._unknown(blank_id)) from None

    def answers(self) -> dict[str, float]:
        """Return the right answer of every blank, by id (the answer key)."""
        return {b.id: b.answer for b in self.blanks}

    def _unknown(self, blank_id: object) -> str:
        some = ", ".join(b.id for b in self.blanks[:6])
        return f"unknown blank id {blank_id!r} (this exercise's ids are {some}, ...)"

    # -- grading
    def _close(self, x: float, v: float) -> bool:
        return math.isclose(x, v, rel_tol=self.rel_tol, abs_tol=self.abs_tol)

    def _judge(self, blank_id: str, x: float) -> str | None:
        rule = self._rules[blank_id]
        if self._close(x, rule.answer):
            return None
        for value, message in rule.candidates:
            if self._close(x, value):
                return f"{rule.context}: {message}"
        return f"{rule.context}: {number_text(x)} {rule.generic}"

    def check(self, answers: Mapping[str, object]) -> Grade:
        """Grade ``answers`` (blank id to number) with the exercise's tolerance.

        A blank without an answer counts as wrong. A number is right when
        ``math.isclose(answer, right, rel_tol=..., abs_tol=...)``.

        Returns:
            A :class:`Grade`: the ids judged correct and, for every other
            blank, feedback that names the step and the likely mistake.

        Raises:
            KeyError: For an id that is not a blank of this exercise.
            TypeError: For an answer that is not a real number (the message
                names the blank).
        """
        if not isinstance(answers, Mapping):
            raise TypeError(
                f"check: answers must be a mapping from blank id to number, "
                f"got {type(answers).__name__}"
            )
        for key in answers:
            if key not in self._by_id:
                raise KeyError(self._unknown(key))
        correct: list[str] = []
        messages: dict[str, str] = {}
        for b in self.blanks:
            if b.id not in answers:
                messages[b.id] = f"{self._rules[b.id].context}: no answer given"
                continue
            x = answers[b.id]
            if isinstance(x, bool) or not isinstance(x, numbers.Real):
                raise TypeError(
                    f"check: the answer to {b.id} ({b.question}) must be a number, "
                    f"got {type(x).__name__} {x!r}"[:300]
                )
            got = float(x)
            if not math.isfinite(got):
                messages[b.id] = f"{self._rules[b.id].context}: {got!r} is not a finite number"
                continue
            verdict = self._judge(b.id, got)
            if verdict is None:
                correct.append(b.id)
            else:
                messages[b.id] = verdict
        return Grade(tuple(correct), MappingProxyType(messages), len(self.blanks))

    def assert_correct(self, answers: Mapping[str, object]) -> None:
        """Grade ``answers`` and raise ``AssertionError`` with the feedback unless all are right.

        For pytest and nbgrader: the assertion message lists each wrong blank
        with its feedback.

        Raises:
            AssertionError: If any blank is wrong or unanswered.
            KeyError, TypeError: As :meth:`check`.
        """
        grade = self.check(answers)
        if not grade.passed:
            raise AssertionError(str(grade))

    # -- the quiz page
    def to_html(self, path: str | os.PathLike[str] | None = None) -> str:
        """Return the exercise as one self-contained HTML quiz page, written to ``path`` if given.

        The page needs no server and loads nothing from anywhere: its style,
        script and data are inline. Each blank is an input box; as the
        student types, the box is marked right or wrong with the same
        feedback as :meth:`check`, and a score counts the right ones.

        Raises:
            OSError: If ``path`` cannot be written.
        """
        page = _page(self)
        if path is not None:
            write_atomic(path, page)
        return page

    def _repr_html_(self) -> str:
        # In a notebook: the quiz in a sandboxed frame, so its script runs apart.
        page = html.escape(_page(self), quote=True)
        return (
            f'<iframe srcdoc="{page}" sandbox="allow-scripts" '
            'style="width:100%;height:620px;border:1px solid #e5e7eb"></iframe>'
        )

    def __repr__(self) -> str:
        return f"Exercise({self.title!r}, {len(self.blanks)} blanks)"


# ---------------------------------------------------------------- building
def _d(top: str, bottom: str) -> str:
    return f"∂{_bracketed(top)}/∂{_bracketed(bottom)}"


def _bracketed(name: str) -> str:
    return name if is_atomic(name) else f"({name})"


def _forward_lines(root: Value, names: Mapping[Value, str]) -> list[str]:
    lines = []
    for n in topological(root):
        if n.is_constant:
            continue
        if n.op is None:
            lines.append(f"{names[n]} = {number_text(n.data)}")
            continue
        slots = [f"\x00{i}\x00" for i in range(len(n.parents))]
        expr = n.op.expression(slots)
        for slot, p in zip(slots, n.parents, strict=True):
            # A name already inside the template's own brackets needs no more: log(1−a).
            expr = expr.replace(f"({slot})", f"({names[p]})").replace(slot, _bracketed(names[p]))
        lines.append(f"{names[n]} = {expr} = {number_text(n.data)}")
    return lines


def _ids(nodes: Sequence[Value], names: Mapping[Value, str]) -> dict[Value, str]:
    ids: dict[Value, str] = {}
    taken: set[str] = set()
    for j, n in enumerate(nodes):
        name = names[n]
        key = name if _SAFE_ID.fullmatch(name) and name not in taken else f"node{j}"
        taken.add(key)
        ids[n] = key
    return ids


def _sign_hint(op: Op, index: int) -> str:
    if op.name == "sub" and index == 1:
        return "the sign is flipped: subtraction's rule is d(a − b)/db = −1"
    if op.name == "neg":
        return "the sign is flipped: negation's rule is d(−a)/da = −1"
    return "the sign is flipped"


def _forgot(p: str, uses: Sequence[str], kept: Sequence[int]) -> str:
    missing = [i for i in range(len(uses)) if i not in kept]
    which = " and ".join(_ORDINALS[i] if i < len(_ORDINALS) else f"#{i + 1}" for i in missing)
    sources = ", ".join(uses[:-1]) + " and " + uses[-1]
    text = (
        f"did you forget the {which} use of {p}? "
        f"Its gradient adds the contributions of all its {len(uses)} uses ({sources})"
    )
    if list(kept) == [len(uses) - 1]:
        text = (
            f"this is only the last contribution to {p}, as if it were assigned with = "
            f"instead of added with +=; {text}"
        )
    return text


def _subsets(n: int) -> Iterable[tuple[int, ...]]:
    if n <= _ALL_SUBSETS:
        for r in range(1, n):
            yield from itertools.combinations(range(n), r)
    else:
        for i in range(n):
            yield tuple(j for j in range(n) if j != i)
        yield from ((i,) for i in range(n))


def _make_blanks(
    root: Value, names: Mapping[Value, str], asked: set[str]
) -> tuple[list[Blank], dict[str, _Rule]]:
    steps: list[list[Step]] = []
    for s in backward_steps(root):
        if s.step == len(steps):
            steps.append([])
        steps[-1].append(s)
    nodes = topological(root)
    ids = _ids(nodes, names)
    L = names[root]
    # Each node's uses: (step number, consumer name, contribution, local derivative).
    uses: dict[Value, list[tuple[int, str, float, float]]] = {}
    upstream: dict[Value, float] = {root: 1.0}
    for k, group in enumerate(steps, 1):
        upstream[group[0].node] = group[0].upstream
        for s in group:
            uses.setdefault(s.parent, []).append((k, names[s.node], s.contribution, s.local))
    consumer_grad = {names[n]: g for n, g in upstream.items()}

    def total(p: Value) -> float:
        return vsum_floats(c for _, _, c, _ in uses.get(p, []))

    def gathered(p: Value, pname: str) -> list[tuple[float, str]]:
        """Wrong totals of p: some uses left out, the sign flipped, one local derivative alone."""
        got: list[tuple[float, str]] = []
        mine = uses.get(p, [])
        labels = [f"by {c} at step {k}" for k, c, _, _ in mine]
        if len(mine) > 1:
            for kept in _subsets(len(mine)):
                got.append((vsum_floats(mine[i][2] for i in kept), _forgot(pname, labels, kept)))
        got.append((-total(p), f"the sign is flipped; check each minus on the way from {L}"))
        for _, c, _, d in mine:
            got.append(
                (
                    d,
                    f"this is the local derivative {_d(c, pname)} alone; the chain rule "
                    f"multiplies it by the upstream gradient {_d(L, c)}",
                )
            )
            got.append(
                (
                    consumer_grad[c],
                    f"this is the gradient {_d(L, c)} of {c}, which {pname} feeds; "
                    f"multiply it by the local derivative {_d(c, pname)}",
                )
            )
        return got

    blanks: list[Blank] = []
    rules: dict[str, _Rule] = {}

    def add(blank: Blank, context: str, candidates: list[tuple[float, str]], generic: str) -> None:
        blanks.append(blank)
        rules[blank.id] = _Rule(blank.answer, context, tuple(candidates), generic)

    for k, group in enumerate(steps, 1):
        node = group[0].node
        op = node.op
        assert op is not None
        n = names[node]
        g = group[0].upstream
        ins = tuple(p.data for p in node.parents)
        pnames = [names[p] for p in node.parents]
        where = f"step {k} ({op.name} at {n})"
        locs = [s.local for s in group]
        if "upstream" in asked:
            cands: list[tuple[float, str]] = []
            if node is not root:
                cands += gathered(node, n)
            cands += [
                (
                    d,
                    f"this is the local derivative {_d(n, pnames[i])}, "
                    f"not the upstream gradient {_d(L, n)}",
                )
                for i, d in enumerate(locs)
            ]
            if node is root:
                cands.append((-g, f"the sign is flipped; check each minus on the way from {L}"))
            if node is root:
                hint = "the upstream gradient of the root is 1"
            elif len(uses.get(node, [])) > 1:
                hint = f"add the contributions of all {len(uses[node])} uses of {n}"
            else:
                hint = "the gradient that its one use sends back"
            add(
                Blank(
                    id=f"step{k}.upstream",
                    kind="upstream",
                    step=k,
                    node=n,
                    op=op.name,
                    inputs=ins,
                    index=None,
                    input=None,
                    answer=g,
                    question=f"{_d(L, n)}, the upstream gradient arriving at {n}",
                ),
                f"{where}, the upstream gradient {_d(L, n)}",
                cands,
                f"is not the upstream gradient {_d(L, n)} ({hint})",
            )
        for s in group:
            p = s.parent
            if p.is_constant:
                continue
            i, pn, d, c = s.index, names[p], s.local, s.contribution
            rule_text = op.formula(i, [_bracketed(x) for x in pnames], n)
            edge = f"the edge {pn} → {n}"
            # A rule's missing minus (subtraction, negation) is the likelier diagnosis of a
            # value that is also something else, so it is tried first.
            signed = _sign_hint(op, i) != _sign_hint(mul, 0)
            if "local" in asked:
                cands = [(-d, _sign_hint(op, i))] if signed else []
                cands += [
                    (g, f"this is the upstream gradient {_d(L, n)}, not the local derivative"),
                    (
                        c,
                        "this is the contribution (upstream × local), "
                        f"not the local derivative {_d(n, pn)} alone",
                    ),
                    (-d, _sign_hint(op, i)),
                ]
                cands += [
                    (
                        dj,
                        f"this is the local derivative for input {j + 1} ({pnames[j]}), "
                        f"not for input {i + 1} ({pn})",
                    )
                    for j, dj in enumerate(locs)
                    if j != i
                ]
                cands.append((p.data, f"this is the value of {pn}, not {_d(n, pn)}"))
                cands.append((node.data, f"this is the value of {n}, not {_d(n, pn)}"))
                add(
                    Blank(
                        id=f"step{k}.local{i}",
                        kind="local",
                        step=k,
                        node=n,
                        op=op.name,
                        inputs=ins,
                        index=i,
                        input=pn,
                        answer=d,
                        question=f"{_d(n, pn)}, the local derivative of {op.name} on {edge}",
                    ),
                    f"{where}, the local derivative {_d(n, pn)} on {edge}",
                    cands,
                    f"is not the local derivative {_d(n, pn)} ({op.name}'s rule: {rule_text})",
                )
            if "contribution" in asked:
                cands = [
                    (
                        d,
                        f"this is the local derivative {_d(n, pn)} alone; the contribution "
                        f"multiplies it by the upstream gradient {_d(L, n)}",
                    ),
                    (
                        g,
                        f"this is the upstream gradient {_d(L, n)} alone; the contribution "
                        f"multiplies it by the local derivative {_d(n, pn)}",
                    ),
                ]
                if len(uses.get(p, [])) > 1:
                    cands.append(
                        (
                            total(p),
                            f"this is the total gradient of {pn} over all its uses; "
                            "the contribution is this edge's share only",
                        )
                    )
                cands.append((-c, _sign_hint(op, i)))
                add(
                    Blank(
                        id=f"step{k}.contribution{i}",
                        kind="contribution",
                        step=k,
                        node=n,
                        op=op.name,
                        inputs=ins,
                        index=i,
                        input=pn,
                        answer=c,
                        question=f"{_d(L, n)} × {_d(n, pn)}, what {edge} sends to {pn}",
                    ),
                    f"{where}, the contribution sent along {edge}",
                    cands,
                    f"is not the contribution {_d(L, n)} × {_d(n, pn)}",
                )
    if "grad" in asked:
        for p in nodes:
            if p.op is not None or p.is_constant or p is root:
                continue
            pn = names[p]
            cands = gathered(p, pn)
            right = total(p)
            count = len(uses.get(p, []))
            add(
                Blank(
                    id=f"grad.{ids[p]}",
                    kind="grad",
                    step=None,
                    node=pn,
                    op=None,
                    inputs=(),
                    index=None,
                    input=None,
                    answer=right,
                    question=f"{_d(L, pn)}, the gradient of the leaf {pn}",
                ),
                f"the gradient {_d(L, pn)} of the leaf {pn}",
                cands,
                f"is not the gradient (add the contributions of all {count} uses of {pn})"
                if count > 1
                else "is not the gradient (upstream × local derivative on its one edge)",
            )
    # A wrong value equal to the right one (within rounding) is no mistake, and of two
    # equal wrong values the first, likelier explanation is kept.
    for key, rule in rules.items():
        kept: list[tuple[float, str]] = []
        for v, m in rule.candidates:
            if not math.isfinite(v) or _near(v, rule.answer):
                continue
            if any(_near(v, w) for w, _ in kept):
                continue
            kept.append((v, m))
        rules[key] = _Rule(rule.answer, rule.context, tuple(kept), rule.generic)
    return blanks, rules


def vsum_floats(xs: Iterable[float]) -> float:
    """Sum floats in order, as the engine adds contributions."""
    t = 0.0
    for x in xs:
        t += x
    return t


def _near(a: float, b: float) -> bool:
    # Candidates this close are indistinguishable at any tolerance a teacher would set.
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


# ---------------------------------------------------------------- random graphs
def _random_rows(ops: Sequence[str]) -> list[Op]:
    if isinstance(ops, str):
        ops = (ops,)
    if not ops:
        raise ValueError("Exercise.random: ops must name at least one row of the op table")
    rows = []
    for name in ops:
        row = TABLE.get(name) if isinstance(name, str) else None
        if row is None:
            known = ", ".join(sorted(n for n in TABLE if n != "const"))
            raise ValueError(f"Exercise.random: unknown op {name!r} (the op table has {known})")
        if row.arity == 0 or row.arity > 2:
            raise ValueError(
                f"Exercise.random: the op {name!r} takes {row.arity} inputs; "
                "random exercises use ops of one or two inputs (or add)"
            )
        rows.append(row)
    return rows


def _apply(row: Op, args: Sequence[Value], rng: random.Random) -> Value | None:
    try:
        fn = row.with_param(rng.choice((2.0, 3.0))) if row.name == "powc" else row
        out = fn(*args)
        if not isinstance(out, Value) or abs(out.data) > _LARGEST or out.data == 0.0:
            return None
        ds = local_derivatives(out)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    if any(not math.isfinite(d) or abs(d) > _LARGEST for d in ds):
        return None
    return out


def _draw(rng: random.Random, rows: Sequence[Op], size: int, reuse: bool) -> Value | None:
    """One try at a random graph: a chain of ops, fresh leaves (or an earlier node) beside it."""
    leaves: list[Value] = []

    def leaf() -> Value:
        v = Value(rng.choice(_LEAF_VALUES), f"x{len(leaves) + 1}")
        leaves.append(v)
        return v

    plan = list(rows)
    rng.shuffle(plan)
    plan = (plan * size)[:size] if len(plan) < size else plan[:size]
    rng.shuffle(plan)
    binary = [i for i, r in enumerate(plan) if r.arity != 1]
    if reuse and not binary:
        return None
    # The op that feeds an earlier node a second time (never the first op: it has none).
    reuse_at = next((i for i in binary if i > 0), None) if reuse else None
    if reuse and reuse_at is None:
        return None
    head = leaf()
    earlier: list[Value] = [head]
    chains: list[Value] = []
    for i, row in enumerate(plan):
        out = None
        for _ in range(20):
            if row.arity == 1:
                args = [head]
            else:
                if i == reuse_at:
                    other = rng.choice([n for n in earlier if n is not head])
                else:
                    other = Value(rng.choice(_LEAF_VALUES), f"x{len(leaves) + 1}")
                args = [head, other] if rng.random() < 0.5 else [other, head]
            out = _apply(row, args, rng)
            if out is not None:
                if i != reuse_at and row.arity != 1:
                    leaves.append(other)
                    earlier.append(other)
                break
        if out is None and row.arity == 1:
            # The chain's value is outside this op's domain (log of a negative): the op
            # starts a second chain from a fresh leaf, and the chains are added at the end.
            for _ in range(20):
                fresh = Value(rng.choice(_LEAF_VALUES), f"x{len(leaves) + 1}")
                out = _apply(row, [fresh], rng)
                if out is not None:
                    leaves.append(fresh)
                    earlier.append(fresh)
                    chains.append(head)
                    break
        if out is None:
            return None
        earlier.append(out)
        head = out
    return vsum([*chains, head]) if chains else head


# ---------------------------------------------------------------- the page


def _asset(name: str) -> str:
    here = importlib.resources.files("autograd_lite.teach.viz")
    return here.joinpath(name).read_text(encoding="utf-8")


_KIND_WORDS = {
    "upstream": "upstream gradient",
    "local": "local derivative",
    "contribution": "contribution",
    "grad": "gradient",
}


def _box(ex: Exercise, b: Blank) -> str:
    e = html.escape
    return (
        f'<div class="blank {b.kind}" data-blank="{e(b.id)}">'
        f'<label for="in-{e(b.id)}"><span class="kind">{_KIND_WORDS[b.kind]}</span> '
        f'<span class="q">{e(b.question)}</span></label>'
        f'<input id="in-{e(b.id)}" data-blank="{e(b.id)}" type="text" inputmode="decimal" '
        f'autocomplete="off" spellcheck="false" aria-describedby="fb-{e(b.id)}">'
        f'<span class="fb" id="fb-{e(b.id)}" aria-live="polite"></span></div>'
    )


def _page(ex: Exercise) -> str:
    e = html.escape
    by_step: dict[int | None, list[Blank]] = {}
    for b in ex.blanks:
        by_step.setdefault(b.step, []).append(b)
    parts = ['<section class="card" id="forward"><h2>Forward pass</h2><pre>']
    parts.append(e("\n".join(ex.forward)))
    parts.append("</pre></section>")
    for k, group in by_step.items():
        if k is None:
            continue
        first = group[0]
        ins = ", ".join(number_text(x) for x in first.inputs)
        parts.append(
            f'<section class="card step" id="step{k}"><h2>Step {k}: '
            f"<code>{e(first.op or '')}</code> at <code>{e(first.node)}</code>"
            f' <span class="inputs">inputs ({e(ins)})</span></h2>'
        )
        parts += [_box(ex, b) for b in group]
        parts.append("</section>")
    if None in by_step:
        parts.append('<section class="card" id="grads"><h2>Gradients of the leaves</h2>')
        parts += [_box(ex, b) for b in by_step[None]]
        parts.append("</section>")
    data = {
        "rel": ex.rel_tol,
        "abs": ex.abs_tol,
        "blanks": [
            {
                "id": b.id,
                "answer": b.answer,
                "context": ex._rules[b.id].context,
                "candidates": [list(c) for c in ex._rules[b.id].candidates],
                "generic": ex._rules[b.id].generic,
            }
            for b in ex.blanks
        ],
    }
    template = _asset("quiz.html")
    fills = {
        "title": e(ex.title),
        "style": _asset("quiz.css"),
        "script": _asset("quiz.js"),
        "cards": "".join(parts),
        "n": str(len(ex.blanks)),
        "data": script_json(data),
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fills[m.group(1)], template)
