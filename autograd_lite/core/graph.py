"""Walking a recorded graph: reachability and topological order.

The walk knows nothing of the node type: it reads each node's ``parents`` and
its creation number ``order`` (as HIPS autograd's ``toposort`` takes a parents
function). Every walk is iterative, so graphs of any depth work (a chain of
10^6 ops included). A node is always created after its parents, so creation
order is a topological order: sorting the reachable nodes by that number gives
a deterministic order shared by backward, drawing, explaining and compiling.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, Protocol, TypeVar

__all__ = ["Node", "by_order", "consumers", "reachable", "reverse_topological", "topological"]


class Node(Protocol):
    """What a walk needs of a node: its inputs and its creation number."""

    @property
    def parents(self) -> tuple[Any, ...]:
        """The nodes this one was computed from, in argument order."""

    @property
    def order(self) -> int:
        """The creation number; every node is numbered after its parents."""


N = TypeVar("N", bound=Node)

#: Sort key of creation order (a topological order of any graph).
by_order = attrgetter("order")


def reachable(root: N) -> set[N]:
    """Return every node ``root`` was computed from, ``root`` included."""
    seen = {root}
    stack = [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def topological(root: N) -> list[N]:
    """Return the nodes of ``root``'s graph, each after all of its parents."""
    return sorted(reachable(root), key=by_order)


def reverse_topological(root: N) -> list[N]:
    """Return the nodes of ``root``'s graph, ``root`` first, each before its parents."""
    return sorted(reachable(root), key=by_order, reverse=True)


def consumers(root: N) -> dict[N, list[N]]:
    """Map each node of ``root``'s graph to the nodes that use it (once per use)."""
    out: dict[N, list[N]] = {n: [] for n in topological(root)}
    for n in out:
        for p in n.parents:
            out[p].append(n)
    return out
