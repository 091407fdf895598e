"""Loading autograd_lite's pickles without letting them name anything else.

``pickle.loads`` calls whatever functions a pickle names, so loading a
tampered pickle can run any code. :func:`safe_loads` and :func:`safe_load`
load only what autograd_lite itself writes:

* graphs (``pickle.dumps(node)``, lists and dicts of nodes, nodes with their
  ``grad_node`` after ``backward(create_graph=True)``), op-table rows, and
  compiled programs (:class:`~autograd_lite.compiled.Program`, which pickles
  as a list of instructions and writes its code again when loaded);
* inside plain containers (lists, tuples, dicts, sets) and plain values.

Any other global a pickle names is refused before it is looked up, and every
node loaded is checked: finite float data and gradient, string label, a row
of the op table with as many parents as it takes, parents made before it. A
graph that uses a row not in :data:`~autograd_lite.core.ops.TABLE` cannot be loaded
this way.

This removes code execution, not every risk: a hostile pickle can still ask
for a lot of memory or time. As Python's own documentation says of pickle,
load only data you trust; when a pickle must come from elsewhere, load it with
:func:`safe_loads`, never with ``pickle.loads``.

Example:
    >>> import pickle
    >>> from autograd_lite import Value
    >>> from autograd_lite.persist import safe_loads
    >>> x = Value(2.0, "x")
    >>> y = safe_loads(pickle.dumps((x * x).named("y")))
    >>> y.label, y.data
    ('y', 4.0)
    >>> safe_loads(pickle.dumps(print))
    Traceback (most recent call last):
    ...
    _pickle.UnpicklingError: safe_loads: refused global builtins.print (not an autograd_lite pickle)
"""

from __future__ import annotations

import array
import functools
import io
import pickle
from collections.abc import Callable
from typing import IO, Any

from autograd_lite.base import pickling
from autograd_lite.core import ops
from autograd_lite.core import value as _value
from autograd_lite.core.value import Value

__all__ = ["safe_load", "safe_loads"]


def _table_name(op: object) -> str | None:
    """The name ``op`` is known by when it is a row of the op table or a ``powc`` row, else None."""
    if type(op) is not ops.Op:
        return None
    if ops.TABLE.get(op.name) is op:
        return op.name
    k = op.param
    if op.name == "powc" and type(k) is float and k - k == 0.0 and ops.pow_const(k) == op:
        return op.name
    return None


def _refuse(why: str) -> Any:
    raise pickle.UnpicklingError(f"safe_loads: {why}")


def _checked_row(name: object, param: object = None) -> ops.Op:
    if type(name) is not str or name not in ops.TABLE:
        _refuse(f"unknown op row {name!r:.60}")
    if param is not None and (type(param) is not float or param - param != 0.0):
        _refuse(f"the parameter of the row {name!r:.40} must be a finite float, got {param!r:.60}")
    return _value.table_row(name, param)  # type: ignore[arg-type]


def _checked_program(state: object) -> Any:
    from autograd_lite.compiled.program import load_program as load

    return load(state)


@functools.cache
def _allowed() -> dict[tuple[str, str], Callable[..., Any]]:
    """(module, name) → what it loads as: the globals autograd_lite's pickles name, no others.

    Keys are read from the functions themselves, so they follow them if they move.
    """
    from autograd_lite.compiled import program

    def key(f: Callable[..., Any]) -> tuple[str, str]:
        return (f.__module__, f.__qualname__)

    return {
        ("array", "array"): array.array,
        ("array", "_array_reconstructor"): array._array_reconstructor,  # type: ignore[attr-defined]
        key(_value.table_row): _checked_row,
        key(_value.record_node): _value.record_node,
        key(pickling.load_record): pickling.load_record,
        key(pickling.load_lone): pickling.load_lone,
        key(pickling.pick_node): pickling.pick_node,
        key(pickling.no_session): pickling.no_session,
        key(program.load_program): _checked_program,
    }


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _allowed().get((module, name))
        if found is None:
            _refuse(f"refused global {module:.80}.{name:.80} (not an autograd_lite pickle)")
        return found


_PLAIN = (int, float, complex, str, bytes, bytearray, bool, type(None), array.array)
_CONTAINERS = (list, tuple, set, frozenset)


def _check_node(v: Value) -> None:
    who = f"node {v.label!r:.40}" if type(v.label) is str and v.label else "a node"
    if type(v.label) is not str:
        _refuse(f"{who}: its label is a {type(v.label).__name__}, not a str")
    for field, x in (("data", v.data), ("grad", v.grad)):
        if type(x) is not float or x - x != 0.0:
            _refuse(f"{who}: its {field} must be a finite float, got {x!r:.40}")
    op = v.op
    parents = v.parents
    if type(v.order) is not int:
        _refuse(f"{who}: bad order {v.order!r:.40}")
    for p in parents:
        if type(p) is not Value:
            _refuse(f"{who}: a parent is a {type(p).__name__}, not a node")
        if type(p.order) is not int or p.order >= v.order:
            _refuse(f"{who}: a parent was made after it")
    if op is None:
        if parents:
            _refuse(f"{who}: a leaf with parents")
    else:
        if _table_name(op) is None:
            _refuse(f"{who}: its op is not a row of the op table ({op!r:.60})")
        arity = op.arity
        if len(parents) != arity and not (arity == -1 and parents):
            _refuse(f"{who}: {op.name} takes {arity} inputs, has {len(parents)}")
    if v.grad_node is not None and type(v.grad_node) is not Value:
        _refuse(f"{who}: its grad_node is a {type(v.grad_node).__name__}, not a node")


def _check(obj: Any) -> Any:
    """Walk everything loaded: plain values, containers, valid nodes and rows, programs."""
    from autograd_lite.compiled.program import Program

    seen: set[int] = set()
    stack = [obj]
    while stack:
        o = stack.pop()
        if id(o) in seen:
            continue
        seen.add(id(o))
        t = type(o)
        if t is Value:
            _check_node(o)
            stack.extend(o.parents)
            if o.grad_node is not None:
                stack.append(o.grad_node)
        elif t in _CONTAINERS:
            stack.extend(o)
        elif t is dict:
            stack.extend(o.keys())
            stack.extend(o.values())
        elif t is ops.Op:
            if _table_name(o) is None:
                _refuse(f"an op row that is not in the op table ({o!r:.60})")
        elif t is Program or t in _PLAIN:
            continue  # a program is checked as it is rebuilt, and cannot be changed after
        else:
            _refuse(f"unexpected object of type {t.__name__}")
    return obj


def _load(file: IO[bytes]) -> Any:
    try:
        return _check(_Unpickler(file).load())
    except pickle.UnpicklingError:
        raise
    except Exception as exc:  # a malformed or tampered pickle, whatever the error
        raise pickle.UnpicklingError(
            f"safe_loads: not a valid autograd_lite pickle ({type(exc).__name__}: {exc})"
        ) from exc


def safe_loads(data: bytes) -> Any:
    """Load a pickle of autograd_lite objects, refusing anything else.

    Only the functions autograd_lite's own pickles name can be called, and
    every node, op row and program loaded is checked (see the module's
    documentation). Nothing a pickle names outside that list is looked up,
    so loading cannot run code.

    Args:
        data: The bytes of one pickle (any protocol).

    Returns:
        The loaded object: nodes, rows and programs in plain containers.

    Raises:
        pickle.UnpicklingError: If the pickle names anything else, or what it
            holds is not a valid graph or program (the cause is chained).
        TypeError: If ``data`` is not bytes-like.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"safe_loads: data must be bytes, got {type(data).__name__}")
    return _load(io.BytesIO(data))


def safe_load(file: IO[bytes]) -> Any:
    """Load one pickle of autograd_lite objects from a binary file, as :func:`safe_loads`.

    Args:
        file: A file opened for reading in binary mode, positioned at the pickle.

    Returns:
        The loaded object.

    Raises:
        pickle.UnpicklingError: As :func:`safe_loads`.
    """
    return _load(file)
