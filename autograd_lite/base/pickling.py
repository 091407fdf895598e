"""Pickling and deep-copying graphs: iteratively, and as data only.

A node is pickled with every node it depends on (through its parents and its
``grad_node``) as ONE flat record: arrays of numbers, the op rows (pickled by
name), the labels and parent indices. Loading rebuilds the nodes in creation
order, so nothing recurses along the depth of the graph, and nothing in a
graph pickle is code. Several nodes pickled by one pickler (``dumps([a, b])``)
share a *session*: a node already written in an earlier record is referenced
there, not written again, so shared sub-expressions stay shared. The session
lives exactly as long as that pickler's memo: the pickler is the only holder
of the ``_Session`` object, the thread keeps a weak reference.

This module knows nodes only through their public fields; nodes are made by
the ``make(data, parents, op)`` function the node type passes in
(:func:`autograd_lite.core.value.record_node`).
"""

from __future__ import annotations

import threading
import weakref
from array import array
from bisect import bisect_right
from collections.abc import Callable, Sequence
from operator import attrgetter
from pickle import PicklingError, UnpicklingError
from typing import Any

from autograd_lite.base import mode
from autograd_lite.base.mode import gc_paused

__all__ = ["PicklingError", "UnpicklingError", "deepcopy_graph", "reduce_graph"]

Make = Callable[[float, Sequence[Any], Any], Any]

_local = threading.local()
_order_of = attrgetter("order")


class _Session:
    """The nodes one pickler has written so far."""

    __slots__ = ("__weakref__", "records", "starts", "where")

    def __init__(self) -> None:
        # where[node]: its number in the session (-1: pickled as a lone node).
        self.where: dict[Any, int] = {}
        self.records: list[_Record] = []
        self.starts: list[int] = []

    def __reduce__(self) -> tuple[Any, ...]:
        return (no_session, ())


def no_session() -> None:
    return None


def _session() -> _Session:
    ref = getattr(_local, "session", None)
    s = ref() if ref is not None else None
    if s is None:
        s = _Session()
        _local.session = weakref.ref(s)
    return s


def _closure(root: Any, known: Callable[[Any], bool] | None) -> list[Any]:
    """Every node ``root`` depends on (parents and ``grad_node``) that is not ``known``.

    In creation order; iterative; it stops at known nodes.
    """
    seen = {root}
    found = [root]
    stack = [root]
    while stack:
        n = stack.pop()
        ps = n.parents if n.grad_node is None else (*n.parents, n.grad_node)
        for p in ps:
            if p in seen:
                continue
            seen.add(p)
            if known is not None and known(p):
                continue
            found.append(p)
            if p.op is not None or p.grad_node is not None:
                stack.append(p)
    # Found depth first from the root, the list is made of long descending runs.
    found.sort(key=_order_of)
    return found


class _Record:
    """One flat record on the dumping side: a node and what it depends on."""

    __slots__ = ("payload",)

    def __init__(self, nodes: list[Any], s: _Session, make: Make) -> None:
        where = s.where
        base = len(where)
        s.starts.append(base)
        s.records.append(self)
        for i, n in enumerate(nodes):
            where[n] = base + i
        ext: list[Any] = []
        ext_index: dict[Any, int] = {}

        def ref(p: Any) -> int:
            # >= 0: a node of this record; < 0: one written earlier (ext[-1 - k]).
            k = where[p] - base
            if k >= 0:
                return k
            k = ext_index.get(p, -1)
            if k < 0:
                k = ext_index[p] = len(ext)
                ext.append(p)
            return -1 - k

        counts: list[int] = []
        refs: list[int] = []
        owners: list[int] = []
        links: list[int] = []
        for i, n in enumerate(nodes):
            ps = n.parents
            counts.append(len(ps))
            refs.extend(ref(p) for p in ps)
            if n.grad_node is not None:
                owners.append(i)
                links.append(ref(n.grad_node))
        labels = {i: n.label for i, n in enumerate(nodes) if n.label}
        self.payload = (
            make,
            array("d", [n.data for n in nodes]),
            array("d", [n.grad for n in nodes]),
            [n.op for n in nodes],
            labels,
            array("L", counts),
            array("q", refs),
            array("q", owners),
            array("q", links),
            ext,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (load_record, self.payload)


@gc_paused()  # many objects, no cycles: skip the collector's rescans
def reduce_graph(v: Any, make: Make) -> tuple[Any, ...]:
    """Return the pickle reduction of node ``v`` and everything it depends on."""
    s = _session()
    k = s.where.get(v)
    if k is not None and k >= 0:
        r = bisect_right(s.starts, k) - 1
        return (pick_node, (s.records[r], k - s.starts[r]))
    if v.op is None and v.grad_node is None:
        s.where[v] = -1
        return (load_lone, (make, v.data, v.grad, v.label, s))
    nodes = _closure(v, s.where.__contains__ if s.where else None)
    _Record(nodes, s, make)
    return (pick_node, (s.records[-1], s.where[v] - s.starts[-1], s))


def load_lone(make: Make, data: float, grad: float, label: str, session: object = None) -> Any:
    v = make(_number(data), (), None)
    v.grad = _number(grad)
    v.label = label if type(label) is str else _bad("a label is not a string")
    return v


def pick_node(nodes: list[Any], i: int, session: object = None) -> Any:
    if type(i) is not int or not 0 <= i < len(nodes):
        _bad("a node index is out of range")
    return nodes[i]


def _bad(why: str) -> Any:
    raise UnpicklingError(f"not a valid autograd_lite graph pickle: {why}")


def _number(x: object) -> float:
    if type(x) is not float or x - x != 0.0:
        _bad(f"{x!r:.40} is not a finite float")
    return x  # type: ignore[return-value]


@gc_paused()  # many objects: skip the collector's rescans while they are made
def load_record(
    make: Make,
    datas: Sequence[float],
    grads: Sequence[float],
    op_rows: Sequence[Any],
    labels: dict[int, str],
    counts: Sequence[int],
    refs: Sequence[int],
    owners: Sequence[int],
    links: Sequence[int],
    ext: Sequence[Any],
) -> list[Any]:
    """Rebuild a record's nodes in creation order, checking every index and number."""
    nodes: list[Any] = []

    def node(k: int) -> Any:
        if 0 <= k < len(nodes):
            return nodes[k]
        if 0 < -k <= len(ext):
            return ext[-1 - k]
        return _bad("a parent index is out of range")

    if not len(datas) == len(grads) == len(op_rows) == len(counts):
        _bad("the columns differ in length")
    j = 0
    for data, grad, op, c in zip(datas, grads, op_rows, counts, strict=True):
        if c and (op is None or (op.arity >= 0 and op.arity != c)):
            _bad(f"a node has {c} parents for the op {getattr(op, 'name', None)!r}")
        v = make(_number(data), [node(k) for k in refs[j : j + c]], op)
        v.grad = _number(grad)
        nodes.append(v)
        j += c
    if owners:
        mode.note_grad_nodes()
    for i, k in zip(owners, links, strict=True):
        nodes[i].grad_node = node(k)
    for i, label in labels.items():
        if type(label) is not str:
            _bad("a label is not a string")
        nodes[i].label = label
    return nodes


@gc_paused()  # many objects: skip the collector's rescans while they are made
def deepcopy_graph(root: Any, memo: dict[int, Any], make: Make) -> Any:
    """Copy ``root`` and every node it depends on, sharing what ``memo`` already copied."""
    # Every node copied with this memo, original -> copy, kept under one key of
    # the memo (the dict also keeps the originals alive, as the memo requires).
    new: dict[Any, Any] | None = memo.get(_COPIES)
    if new is None:
        new = memo[_COPIES] = {}
    done = new.get(root)
    if done is not None:
        return done
    nodes = _closure(root, new.__contains__ if new else None)
    linked = []
    # In creation order, so the copies of a node's parents exist before it.
    for n in nodes:
        v = new[n] = make(n.data, [new[p] for p in n.parents], n.op)
        v.grad = n.grad
        v.label = n.label
        if n.grad_node is not None:
            linked.append(n)
    if linked:
        mode.note_grad_nodes()
    for n in linked:
        new[n].grad_node = new[n.grad_node]
    return new[root]


# The memo key of that dict: the id of an object that lives as long as the module.
_COPIES_KEY = object()
_COPIES = id(_COPIES_KEY)
