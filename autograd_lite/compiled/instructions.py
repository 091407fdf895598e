"""A compiled program's graph as plain data, and back: what a pickled program holds.

A :class:`~autograd_lite.compiled.Program` pickles as data, never as code:
:func:`encode` writes its graph as a flat list of instructions (op-table names,
parent indices, numbers, labels) and :func:`decode` reads them back, checking
every field, so that loading can write the code again from a graph it trusts.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, NoReturn

from autograd_lite.core import ops
from autograd_lite.core.value import Value, record_node

__all__ = ["decode", "encode"]

# Version of the pickled instructions; a change of layout gets a new number.
_FORMAT = 1
_FIELDS = frozenset(
    {"format", "ops", "powc", "counts", "parents", "data", "labels", "inputs", "params", "extra"}
)


def _row_name(op: ops.Op, i: int) -> str:
    """The name a node's row pickles under: rows of the op table (and ``powc`` rows) only."""
    if ops.TABLE.get(op.name) is op:
        return op.name
    k = op.param
    if (
        op.name == "powc"
        and type(k) is float
        and k - k == 0.0
        and replace(ops.TABLE["powc"], param=k) == op
    ):
        return op.name
    raise pickle.PicklingError(
        f"cannot pickle the compiled program: node v{i} uses the op row {op.name!r}, which "
        f"is not in autograd_lite.TABLE; a program pickles its rows by name only "
        f"(compile the graph again where it is needed)"
    )


def encode(
    nodes: Sequence[Value], inputs: Sequence[Value], params: Sequence[Value]
) -> dict[str, Any]:
    """Return a program's graph as plain data: one instruction per node, in topological order.

    ``ops[i]`` is the row's name (None for a leaf), ``powc`` the exponent of
    each ``powc`` node, ``counts[i]`` its number of parents, whose indices
    follow one another in ``parents``; ``data`` holds every node's number.
    ``inputs`` and ``params`` are node indices, or ``-1 - k`` for entry ``k``
    of ``extra`` (a leaf not in the graph: its number and label).

    Raises:
        pickle.PicklingError: If a node's row is not in the op table (it has
            no name to be written by).
    """
    index = {id(n): i for i, n in enumerate(nodes)}
    names: list[str | None] = []
    powc: dict[int, float] = {}
    counts: list[int] = []
    parents: list[int] = []
    for i, n in enumerate(nodes):
        op = n.op
        if op is None:
            names.append(None)
        else:
            names.append(_row_name(op, i))
            if op.name == "powc":
                powc[i] = float(op.param)  # type: ignore[arg-type]
        ps = n.parents
        counts.append(len(ps))
        parents.extend(index[id(q)] for q in ps)
    extra: list[tuple[float, str]] = []

    def place(v: Value) -> int:
        i = index.get(id(v))
        if i is not None:
            return i
        extra.append((v.data, v.label))
        return -len(extra)

    return {
        "format": _FORMAT,
        "ops": names,
        "powc": powc,
        "counts": counts,
        "parents": parents,
        "data": [n.data for n in nodes],
        "labels": {i: n.label for i, n in enumerate(nodes) if n.label},
        "inputs": [place(v) for v in inputs],
        "params": [place(v) for v in params],
        "extra": extra,
    }


def _bad_pickle(why: str) -> NoReturn:
    raise pickle.UnpicklingError(f"compiled program pickle: {why}")


def _ints(x: object, what: str) -> list[int]:
    if not isinstance(x, list | tuple) or any(type(k) is not int for k in x):
        _bad_pickle(f"{what} must be a list of integers")
    return list(x)


def _finite(x: object, what: str) -> float:
    if type(x) is not float or x - x != 0.0:
        _bad_pickle(f"{what} must be a finite float, got {type(x).__name__} {x!r:.40}")
    return x


def decode(state: object) -> tuple[list[Value], list[Value], list[Value]]:
    """Return the nodes, inputs and parameters written by :func:`encode`, checking each field.

    Every name must be a row of the op table, every parent an earlier node,
    every count the row's arity, every number a finite float and every label
    a string. The root is the last node.

    Returns:
        ``(nodes, inputs, params)``: the graph's nodes in topological order
        and the leaves chosen as the program's inputs and parameters.

    Raises:
        pickle.UnpicklingError: Naming the first field that is not as written.
    """
    if type(state) is not dict or set(state) != _FIELDS:
        _bad_pickle("not a program's instructions")
    if state["format"] != _FORMAT or type(state["format"]) is not int:
        _bad_pickle(f"unknown format {state['format']!r:.40}")
    names = state["ops"]
    if not isinstance(names, list | tuple) or not names:
        _bad_pickle("ops must be a non-empty list")
    n = len(names)
    counts = _ints(state["counts"], "counts")
    parents = _ints(state["parents"], "parents")
    data = state["data"]
    if not isinstance(data, list | tuple) or len(data) != n or len(counts) != n:
        _bad_pickle("ops, counts and data must have one entry per node")
    if sum(c for c in counts if c > 0) != len(parents):
        _bad_pickle("counts do not match the parent list")
    powc, labels = state["powc"], state["labels"]
    if type(powc) is not dict or type(labels) is not dict:
        _bad_pickle("powc and labels must be dicts")
    for i, label in labels.items():
        if type(i) is not int or not 0 <= i < n or type(label) is not str:
            _bad_pickle(f"labels must map node indices to strings, got {i!r:.40}: {label!r:.40}")
    for i in powc:
        if type(i) is not int or not 0 <= i < n or names[i] != "powc":
            _bad_pickle(f"powc names node {i!r:.40}, which is not a powc node")

    nodes: list[Value] = []
    j = 0
    for i, name in enumerate(names):
        x = _finite(data[i], f"the number of node v{i}")
        c = counts[i]
        if name is None:
            if c != 0:
                _bad_pickle(f"node v{i} is a leaf with {c} parents")
            v = Value(x)
        else:
            if type(name) is not str or name not in ops.TABLE:
                _bad_pickle(f"node v{i}: unknown op {name!r:.60}")
            if name == "powc":
                if i not in powc:
                    _bad_pickle(f"node v{i}: a powc node without its exponent")
                row = ops.pow_const(_finite(powc[i], f"the exponent of node v{i}"))
            else:
                row = ops.TABLE[name]
            if c != row.arity and not (row.arity == -1 and c >= 1):
                _bad_pickle(f"node v{i}: {name} takes {row.arity} inputs, got {c}")
            ps = parents[j : j + c]
            if any(not 0 <= k < i for k in ps):
                _bad_pickle(f"node v{i}: a parent index is not an earlier node ({ps!r:.60})")
            v = record_node(x, tuple(nodes[k] for k in ps), row)
        j += c
        v.label = labels.get(i, "")
        nodes.append(v)

    extra = state["extra"]
    if not isinstance(extra, list | tuple):
        _bad_pickle("extra must be a list")
    leaves: list[Value] = []
    for e in extra:
        if not isinstance(e, tuple) or len(e) != 2 or type(e[1]) is not str:
            _bad_pickle("extra must hold (number, label) pairs")
        leaves.append(Value(_finite(e[0], "an extra leaf's number"), e[1]))
    wrt: list[list[Value]] = []
    seen: set[int] = set()
    for what in ("inputs", "params"):
        chosen = []
        for k in _ints(state[what], what):
            if not (0 <= k < n and names[k] is None) and not (-len(leaves) <= k < 0):
                _bad_pickle(f"{what}: {k} is neither a leaf of the graph nor an extra leaf")
            if k in seen:
                _bad_pickle(f"{what}: {k} is listed twice")
            seen.add(k)
            chosen.append(nodes[k] if k >= 0 else leaves[-1 - k])
        wrt.append(chosen)
    inputs, params = wrt
    return nodes, inputs, params
