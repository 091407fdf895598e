"""Walking a recorded graph: reachability and topological order.

Every walk is iterative, so graphs of any depth work (a chain of 10^6 ops
included). Nodes are numbered when they are created and a node is always
created after its parents, so creation order is a topological order: sorting
the reachable nodes by that number gives a deterministic order shared by
backward, drawing, explaining and compiling.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd_lite.value import Value

__all__ = ["consumers", "reachable", "reverse_topological", "topological"]

#: Sort key of creation order (a topological order of any graph).
by_order = attrgetter("order")


def reachable(root: Value) -> set[Value]:
    """Return every node ``root`` was computed from, ``root`` included."""
    seen = {root}
    stack = [root]
    pop = stack.pop
    push = stack.append
    add = seen.add
    while stack:
        for p in pop().parents:
            if p not in seen:
                add(p)
                if p._a is not None:  # a leaf has nothing to visit: skip its push and pop
                    push(p)
    return seen


def topological(root: Value) -> list[Value]:
    """Return the nodes of ``root``'s graph, each after all of its parents."""
    return sorted(reachable(root), key=by_order)


def reverse_topological(root: Value) -> list[Value]:
    """Return the nodes of ``root``'s graph, ``root`` first, each before its parents."""
    return sorted(reachable(root), key=by_order, reverse=True)


def consumers(root: Value) -> dict[Value, list[Value]]:
    """Map each node of ``root``'s graph to the nodes that use it (once per use)."""
    out: dict[Value, list[Value]] = {n: [] for n in topological(root)}
    for n in out:
        for p in n.parents:
            out[p].append(n)
    return out
