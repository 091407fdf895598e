"""Dask as the distributed engine of compiled programs.

A :class:`~autograd_lite.compiled.Program` is one example's graph written as
straight-line code; this module runs it over a dask array of examples, chunk by
chunk, without pulling any data to the client:

* every chunk (a block of rows) runs the NumPy program on its rows, in the
  worker that holds them (``dask.array.blockwise``), and returns only the
  partial sums it contributes: the value and the parameters' gradients (and,
  for Newton's method, the Hessian's rows: the gradients of the gradient);
* the partial sums are added in a tree (``sum(split_every=...)``), so the
  client receives one short vector per evaluation: one dask graph, one
  ``compute``.

The data can be 1-D dask arrays, one per input, with the same chunks along
the examples (they are aligned if not), or a 2-D ``(m, c)`` dask array whose
``c`` columns are ``c`` consecutive inputs (it is rechunked to one block
across the columns). Plain floats are shared by every example.

**Errors on lazy arrays.** An empty dask array, or inputs with different
numbers of examples, raise while the graph is built, with the NumPy path's
``ValueError`` naming the inputs and their lengths. Nothing is computed while
the graph is built, so the program's tests cannot raise then. They run per
chunk, inside the graph, exactly as on NumPy, and raise at *compute time*: a
non-finite input, a failed domain check, an overflow or a NaN raises the
eager engine's error naming the
node and the first failing example of that chunk, with its **global** index
(its row in the whole dask array), followed by the chunk it was found in.
When several chunks fail, dask reports the first task that raised, which
need not be the chunk with the smallest index.

Parameters are passed by value into the graph (``params=``, by default their
current ``data``), so workers, which hold their own unpickled copy of the
program, always use the values of this evaluation.

Example:
    >>> import dask
    >>> import dask.array as da
    >>> from autograd_lite import Value
    >>> from autograd_lite.compiled import compile_graph
    >>> x, w = Value(0.0, "x"), Value(2.0, "w")
    >>> prog = compile_graph((w * x).named("wx"), [x], [w])
    >>> xs = da.arange(6.0, chunks=2)
    >>> value, (gx, gw) = prog.value_and_grad(xs, reduce="sum", input_grads=False)
    >>> [float(v) for v in dask.compute(value, gw, scheduler="threads")]
    [30.0, 15.0]
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite.compiled.inputs import param_values, who_input
from autograd_lite.compiled.reduce import Reduce
from autograd_lite.compiled.runtime import any_dask, is_dask, shape_mismatch

# A compiled Program: this module only calls its methods, and program.py
# imports this module, so it is not imported here.
Program = Any

__all__ = ["block_sums", "chunk_sums", "compute", "run", "sums", "value_and_grad"]

_INDEX = re.compile(r"\bat index (\d+)\b")


def _da() -> Any:
    import dask.array as da

    return da


def _dask_compute(*lazy: Any, scheduler: Any = None) -> tuple[Any, ...]:
    """``dask.compute`` of ``lazy`` (one graph), with ``scheduler`` when given."""
    import dask

    kw = {} if scheduler is None else {"scheduler": scheduler}
    return tuple(dask.compute(*lazy, **kw))  # type: ignore[attr-defined, no-untyped-call]


compute = _dask_compute


# ------------------------------------------------------------ one chunk
def _columns(template: Sequence[Any], blocks: Sequence[Any]) -> list[Any]:
    """The program's inputs for one chunk: constants as given, 2-D blocks split into columns."""
    import numpy as np

    it = iter(blocks)
    out: list[Any] = []
    for t in template:
        if t == "1d":
            out.append(next(it))
        elif t == "2d":
            blk = np.ascontiguousarray(np.asarray(next(it)).T)
            out.extend(blk)
        else:
            out.append(t[1])
    return out


def _global(exc: BaseException, start: int, stop: int) -> BaseException:
    """The same error with the chunk's index turned into the whole array's."""
    message = _INDEX.sub(lambda mt: f"at index {int(mt.group(1)) + start}", str(exc), count=1)
    message += f" [dask chunk of examples {start}..{stop - 1}]"
    try:
        return type(exc)(message)
    except Exception:  # an exception class with another constructor: keep its type's base
        return ArithmeticError(message)


def _blocks(template: Sequence[Any], blocks: Sequence[Any]) -> list[Any]:
    """One chunk's arguments as given: NumPy blocks (1-D or 2-D) and constants."""
    import numpy as np

    it = iter(blocks)
    return [np.asarray(next(it)) if t in ("1d", "2d") else t[1] for t in template]


def _run_chunk(
    task: Any, template: Sequence[Any], split: bool, index: Any, *blocks: Any
) -> Any:  # pragma: no cover - runs inside dask
    start = int(index[0])
    stop = start + len(index)
    cols = _columns(template, blocks) if split else _blocks(template, blocks)
    try:
        return task(cols, len(index))
    except (ArithmeticError, ValueError) as exc:
        raise _global(exc, start, stop) from None


def _sums_task(
    programs: Sequence[Program], params: Sequence[Sequence[float]], cols: list[Any], n: int
) -> Any:
    """Per program: [value sum, parameter gradient sums...], concatenated, as a (1, W) array."""
    import numpy as np

    parts: list[float] = []
    for prog, P in zip(programs, params, strict=True):
        value, grads = prog.value_and_grad(*cols, reduce="sum", input_grads=False, params=P)
        parts.append(float(value))
        parts.extend(float(g) for g in grads[len(prog.inputs) :])
    return np.asarray(parts, dtype=float).reshape(1, -1)


def _examples_task(prog: Program, P: Sequence[float], cols: list[Any], n: int) -> Any:
    """Per example: [value, every gradient...] as an (n, 1 + k + p) array."""
    import numpy as np

    value, grads = prog.value_and_grad(*cols, reduce=None, params=P)
    return np.stack([np.broadcast_to(v, (n,)) for v in (value, *grads)], axis=1)


def _run_task(prog: Program, P: Sequence[float], cols: list[Any], n: int) -> Any:
    import numpy as np

    return np.broadcast_to(prog.run(*cols, params=P), (n,)).copy()


def _finite_total(total: Any) -> Any:  # pragma: no cover - runs inside dask
    import numpy as np

    if not np.all(np.isfinite(total)):
        bad = float(total[~np.isfinite(total)][0])
        kind = ValueError if bad != bad else OverflowError
        raise kind(f"compiled program (dask): a sum over the batch is not finite ({bad!r})")
    return total


# ----------------------------------------------------------- the graph
def _ndim(a: Any) -> int:
    return len(getattr(a, "shape", ())) if not isinstance(a, float | int) else 0


def _argument(j: int) -> str:
    return f"argument {j}"


def _namer(prog: Program) -> Callable[[int], str]:
    """How errors name the program's input ``j``, as on NumPy."""
    return functools.partial(who_input, prog.inputs)


def _layout(
    args: Sequence[Any], n_inputs: int | None, who: Callable[[int], str] | None = None
) -> tuple[list[Any], list[Any], int, Any]:
    """Split ``args`` into a template, the dask arrays and their shared row chunks.

    ``who(j)`` names the program's input ``j`` in errors (``"argument j"`` by
    default): an empty array, or arrays of different lengths, are refused in
    the NumPy path's words before anything is built.
    """
    if not any_dask(args):
        raise ValueError("no dask array among the inputs")
    widths: list[int] = []
    for a in args:
        nd = _ndim(a)
        if nd > 2:
            raise ValueError(
                f"dask inputs must be 1-D (one input) or 2-D (one input per column), got {nd}-D"
            )
        widths.append(int(a.shape[1]) if nd == 2 else 1)
    if n_inputs is not None and sum(widths) != n_inputs:
        raise TypeError(f"program takes {n_inputs} inputs, the data gives {sum(widths)}")
    name = who or _argument
    first: int | None = None  # the first argument with a length, and where its columns start
    pos = 0
    for j, a in enumerate(args):
        start, pos = pos, pos + widths[j]
        if not _ndim(a):
            continue
        n = a.shape[0]
        if n != n:  # NaN: unknown chunk sizes
            raise ValueError("dask inputs need known chunk sizes: call compute_chunk_sizes()")
        here = name(start)
        if widths[j] != 1:
            here = f"the 2-D array of {here} to {name(start + widths[j] - 1)}"
        if n == 0:
            raise ValueError(
                f"compiled program: {here} is an empty array (a batch needs an example), "
                f"got {type(a).__name__} {a!r:.60}"
            )
        if first is None:
            first, first_name = j, here
        elif n != args[first].shape[0]:
            raise shape_mismatch(here, (int(n),), first_name, (int(args[first].shape[0]),))
    template: list[Any] = []
    arrays: list[Any] = []
    m: int | None = None
    chunks = None
    lead = next(a for a in args if is_dask(a))
    if any(_ndim(a) for a in args if not is_dask(a)):
        # NumPy arrays among dask ones are split into the same chunks (in the graph once).
        da = _da()
        args = [
            a
            if is_dask(a) or not _ndim(a)
            else da.from_array(a, chunks=(lead.chunks[0], *(-1 for _ in a.shape[1:])))
            for a in args
        ]
    for a in args:
        if is_dask(a):
            if a.ndim == 1:
                template.append("1d")
            else:
                a = a.rechunk({1: -1})
                template.append("2d")
            if m is None:
                m, chunks = int(a.shape[0]), a.chunks[0]
            arrays.append(a)
        else:
            template.append(("const", a))
    assert m is not None
    return template, arrays, m, chunks


def _blockwise(
    task: Any,
    args: Sequence[Any],
    n_inputs: int | None,
    out_width: int | None,
    split: bool = True,
    who: Callable[[int], str] | None = None,
) -> Any:
    """One task per chunk of rows: ``task(cols, n)`` → (1, W) partials, or (n, W) / (n,) rows.

    With ``split`` false, 2-D blocks reach the task whole instead of as columns.
    """
    import numpy as np

    da = _da()
    template, arrays, m, chunks = _layout(args, n_inputs, who)
    index = da.arange(m, chunks=(chunks,))
    pairs: list[Any] = []
    letters = iter("abcdefghjklmnopqrstuvwxyz")
    for a in arrays:
        pairs += [a, "i"] if a.ndim == 1 else [a, "i" + next(letters)]
    fn = functools.partial(_run_chunk, task, template, split)
    if out_width is None:
        return da.blockwise(
            fn, "i", index, "i", *pairs, dtype=float, concatenate=True, meta=np.empty((0,))
        )
    return da.blockwise(
        fn,
        "ik",
        index,
        "i",
        *pairs,
        new_axes={"k": out_width},
        dtype=float,
        concatenate=True,
        meta=np.empty((0, 0)),
    )


def block_sums(
    programs: Sequence[Program],
    params: Sequence[Sequence[float]],
    *args: Any,
    split_every: int | None = None,
) -> Any:
    """Return the lazy sums over every example of each program's value and parameter gradients.

    One blockwise task per chunk of rows runs every program on that chunk
    (same inputs) and returns one row of partial sums; the rows are added in a
    tree. The result is a lazy 1-D dask array: for each program in turn, the
    summed value, then the summed gradient of each of its parameters.

    Args:
        programs: Programs with the same number of inputs.
        params: The parameter values of each program.
        *args: Dask arrays (1-D, or 2-D for several inputs) and floats.
        split_every: Fan-in of the tree reduction (dask's default when None).
    """
    k = len(programs[0].inputs)
    width = sum(1 + len(p.params) for p in programs)
    task = functools.partial(_sums_task, list(programs), [list(map(float, P)) for P in params])
    return _tree_sum(_blockwise(task, args, k, width, who=_namer(programs[0])), split_every)


def _tree_sum(parts: Any, split_every: int | None) -> Any:
    """The (chunks, W) partial sums added in a tree into one lazy vector, checked finite."""
    total = parts.rechunk({1: -1}).sum(axis=0, split_every=split_every)
    return total.map_blocks(_finite_total, dtype=float)


def _one_row(task: Any, width: int, blocks: list[Any], n: int) -> Any:  # pragma: no cover
    import numpy as np

    row = np.asarray(task(blocks, n), dtype=float).reshape(1, -1)
    if row.shape[1] != width:
        raise ValueError(f"chunk_sums: the task returned {row.shape[1]} sums, expected {width}")
    return row


def chunk_sums(task: Any, *args: Any, width: int, split_every: int | None = None) -> Any:
    """Return the lazy sum over chunks of rows of ``task(blocks, n)``: a vector of ``width``.

    The general form of :func:`block_sums`, for work that is not one
    program: a model whose programs take a derived quantity (such as
    ``z = X·w + b``) rather than the raw columns. Each chunk's task runs
    where the chunk lives and returns ``width`` partial sums; they are added
    in a tree, so the client receives one vector.

    Args:
        task: ``task(blocks, n)`` gets the chunk's NumPy blocks in the order of
            ``args`` (1-D and 2-D blocks whole, floats as given) and its number
            of rows ``n``; it returns ``width`` floats. It must pickle to run
            on a ``distributed`` cluster (a module-level function, or a
            ``functools.partial`` of one). An ``ArithmeticError`` or
            ``ValueError`` whose message says ``at index i`` (i within the
            chunk) is re-raised with the index in the whole array.
        *args: Dask arrays chunked along the rows (1-D or 2-D) and floats.
        width: The length of the task's result.
        split_every: Fan-in of the tree reduction.

    Returns:
        A lazy 1-D dask array of ``width`` sums (NaN or inf in it raises at compute time).
    """
    row = functools.partial(_one_row, task, width)
    return _tree_sum(_blockwise(row, args, None, width, split=False), split_every)


def sums(
    programs: Sequence[Program],
    params: Sequence[Sequence[float]],
    *args: Any,
    split_every: int | None = None,
) -> Any:
    """:func:`block_sums` for dask data (lazy), or its value computed at once on NumPy data.

    On NumPy a 2-D ``(m, c)`` array also gives ``c`` inputs, as for dask.
    """
    if any_dask(args):
        return block_sums(programs, params, *args, split_every=split_every)
    import numpy as np

    cols: list[Any] = []
    for a in args:
        arr = np.asarray(a, dtype=float) if not isinstance(a, float) else a
        if isinstance(arr, np.ndarray) and arr.ndim == 2:
            cols.extend(np.ascontiguousarray(arr.T))
        else:
            cols.append(arr)
    row = _sums_task(programs, [list(map(float, P)) for P in params], cols, 0)
    return row[0]


def run(prog: Program, args: Sequence[Any], *, params: Sequence[float] | None = None) -> Any:
    """Return the program's per-example value over dask inputs, as a lazy 1-D dask array."""
    P = param_values(prog.params, params)
    task = functools.partial(_run_task, prog, P)
    return _blockwise(task, args, len(prog.inputs), None, who=_namer(prog))


def value_and_grad(
    prog: Program,
    args: Sequence[Any],
    *,
    reduce: Reduce = "sum",
    input_grads: bool = True,
    params: Sequence[float] | None = None,
    split_every: int | None = None,
    compute: bool = False,
    scheduler: Any = None,
) -> tuple[Any, list[Any]]:
    """``Program.value_and_grad`` over dask arrays: lazy results from one graph.

    With ``reduce="sum"`` or ``"mean"`` and ``input_grads=False`` (what an
    optimizer needs), each chunk returns only its partial sums, added in a
    tree. Otherwise each chunk returns its per-example values and gradients
    (a dask array of rows, one column each), from which the parameters'
    sums are taken in a tree as well.

    Args:
        prog: The program.
        args: One entry per input (1-D dask arrays or floats); a 2-D dask
            array stands for as many inputs as it has columns.
        reduce: ``"sum"``, ``"mean"`` or ``None``.
        input_grads: Also return the inputs' per-example gradients.
        params: Parameter values (default: their current ``data``).
        split_every: Fan-in of the tree reduction.
        compute: Compute everything in one ``dask.compute`` and return floats
            and NumPy arrays instead of lazy dask arrays.
        scheduler: Passed to ``dask.compute`` (None: the default or the
            active ``distributed`` client).

    Returns:
        ``(value, grads)`` as :meth:`Program.value_and_grad`, lazy unless ``compute``.
    """
    P = param_values(prog.params, params)
    k, p = len(prog.inputs), len(prog.params)
    m = _layout(args, k, _namer(prog))[2]
    scale = 1.0 / m if reduce == "mean" else 1.0
    value: Any
    grads: list[Any]
    if reduce is not None and not input_grads:
        total = block_sums([prog], [P], *args, split_every=split_every)
        value = total[0] * scale if scale != 1.0 else total[0]
        grads = [None] * k + [
            total[1 + j] * scale if scale != 1.0 else total[1 + j] for j in range(p)
        ]
    else:
        task = functools.partial(_examples_task, prog, P)
        rows = _blockwise(task, args, k, 1 + k + p, who=_namer(prog))
        rows = rows.rechunk({1: -1})
        cols = [rows[:, j] for j in range(1 + k + p)]
        if reduce is None:
            value = cols[0]
            grads = [
                c if (j < k and input_grads) or j >= k else None for j, c in enumerate(cols[1:])
            ]
        else:
            value = cols[0].sum(split_every=split_every) * scale
            grads = []
            for j, c in enumerate(cols[1:]):
                if j < k:
                    grads.append(c * scale if input_grads else None)
                else:
                    grads.append(c.sum(split_every=split_every) * scale)
    if not compute:
        return value, grads
    lazy = [value, *(g for g in grads if g is not None)]
    done = list(_dask_compute(*lazy, scheduler=scheduler))
    value = done.pop(0)
    value = float(value) if getattr(value, "ndim", 1) == 0 else value
    out: list[Any] = []
    for g in grads:
        if g is None:
            out.append(None)
            continue
        x = done.pop(0)
        out.append(float(x) if getattr(x, "ndim", 1) == 0 else x)
    return value, out
