"""Hostile pickles: a pickle carries data, never code.

A compiled program pickles as its instructions (op-table names, parent
indices, numbers, labels) and writes its code again on load;
``autograd_lite.persist.safe_loads`` loads only what autograd_lite itself
writes. The tampering tests replace every string (and bytes) value of real
pickles, one at a time, with hostile text and check that loading either gives
an equivalent object or raises, and never runs anything.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import math
import pickle
import pickletools
import re
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.base import pickling
from autograd_lite.compiled import Program, compile_graph
from autograd_lite.compiled import program as program_module
from autograd_lite.compiled.codegen import Code
from autograd_lite.core import ops
from autograd_lite.core import value as value_module
from autograd_lite.core.ops import Op
from autograd_lite.core.value import Value, apply
from autograd_lite.persist import safe_load, safe_loads

HOSTILE = (
    "os.system",
    "system",
    "os",
    "builtins.exec",
    "eval",
    "__import__('os').system('touch PWNED')",
    "no_such_op",
    "MUL",
    "load_record",
    "load_program",
    "load_lone",
    "pow_const",
    "array",
    "",
    "\x00",
    "x" * 300,
)

# ------------------------------------------------------------ watching
# Set while a tampered pickle loads: any process start, shell command, or
# execution of code other than a program's own generated code is recorded.
_WATCH: list[list[str]] = []
_SPAWN = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "subprocess.Popen")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _WATCH:
        return
    if event in _SPAWN:
        _WATCH[-1].append(event)
    elif event == "exec":
        code = args[0]
        if getattr(code, "co_filename", None) != "<autograd_lite program>":
            _WATCH[-1].append(f"exec of {getattr(code, 'co_filename', code)!r}")


sys.addaudithook(_audit)


class _Watch:
    def __enter__(self) -> list[str]:
        _WATCH.append([])
        return _WATCH[-1]

    def __exit__(self, *exc: object) -> None:
        _WATCH.pop()


# ------------------------------------------------------------ tampering
_STR = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"}
_BYTES = {"SHORT_BINBYTES", "BINBYTES", "BINBYTES8", "BYTEARRAY8"}


def _spans(data: bytes) -> list[tuple[Any, Any, bytes]]:
    ops_ = list(pickletools.genops(data))
    out = []
    for n, (op, arg, pos) in enumerate(ops_):
        end = ops_[n + 1][2] if n + 1 < len(ops_) else len(data)
        out.append((op, arg, data[pos:end]))
    return out


def slots(data: bytes) -> list[tuple[int, int]]:
    """Every string or bytes value of the pickle: (opcode number, part), part 0/1 in GLOBAL."""
    found = []
    for n, (op, _arg, _raw) in enumerate(_spans(data)):
        if op.name in _STR or op.name in _BYTES:
            found.append((n, -1))
        elif op.name == "GLOBAL":
            found += [(n, 0), (n, 1)]
    return found


def tamper(data: bytes, slot: tuple[int, int], text: str) -> bytes:
    """The pickle with one string (or bytes) value replaced by ``text`` (frames dropped)."""
    out = bytearray()
    for n, (op, arg, raw) in enumerate(_spans(data)):
        if op.name == "FRAME":
            continue  # framing is optional; dropping it keeps the lengths right
        if n == slot[0]:
            if op.name in _STR:
                enc = text.encode("utf-8", "surrogatepass")
                raw = b"X" + struct.pack("<I", len(enc)) + enc
            elif op.name in _BYTES:
                enc = text.encode("utf-8", "surrogatepass")
                raw = b"B" + struct.pack("<I", len(enc)) + enc
            else:  # GLOBAL: "module name"
                parts = arg.split(" ")
                parts[slot[1]] = text
                raw = b"c" + "\n".join(parts).encode() + b"\n"
        out += raw
    return bytes(out)


def tampered(data: bytes) -> Iterator[tuple[str, bytes]]:
    for slot in slots(data):
        for text in HOSTILE:
            yield f"{slot} -> {text!r:.40}", tamper(data, slot, text)


# ------------------------------------------------------------ subjects
def sample_program() -> Program:
    """Every kind of instruction: table rows, powc, n-ary add, constants, labels, extra leaf."""
    x, y = Value(0.0, "x"), Value(0.0, "y")
    w, b, unused = Value(0.7, "w"), Value(-0.3, "b"), Value(4.0, "unused")
    z = al.sum([w * x, y * 2.0, b]).named("z")
    out = (z.tanh() + (x * x + 1.0) ** 1.5 - (y / (1.0 + x.exp())).softplus()).named("out")
    return compile_graph(out, [x, y], [w, b, unused])


XS = (np.array([-1.5, -0.25, 0.0, 0.5, 2.0]), np.array([0.3, -1.0, 2.5, 0.0, -0.75]))


def outputs(prog: Program) -> list[Any]:
    value, grads = prog.value_and_grad(*XS, reduce=None)
    return [value.tolist(), *(g.tolist() for g in grads)]


def sample_graph() -> list[Value]:
    x, w = Value(1.5, "x"), Value(-0.5, "w")
    y = ((x * w).tanh() + x**3 + (w / x).exp() - x.log() + al.sum([x, w, 2.0])).named("y")
    y.backward(create_graph=True)
    assert x.grad_node is not None
    return [y, x.grad_node, w]


def signature(roots: list[Value]) -> list[tuple[Any, ...]]:
    """Everything about a graph except its labels: rows, numbers, links (by position)."""
    seen: dict[Value, None] = {}
    stack = list(roots)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen[n] = None
        stack.extend(n.parents)
        if n.grad_node is not None:
            stack.append(n.grad_node)
    nodes = sorted(seen, key=lambda n: n.order)
    where = {n: i for i, n in enumerate(nodes)}
    rows = [
        (
            None if n.op is None else (n.op.name, n.op.param),
            n.data,
            n.grad,
            tuple(where[p] for p in n.parents),
            None if n.grad_node is None else where[n.grad_node],
        )
        for n in nodes
    ]
    return [*rows, tuple(where[r] for r in roots)]


# ------------------------------------------------- a program pickles as data
def test_a_program_pickle_holds_no_code() -> None:
    prog = sample_program()
    data = pickle.dumps(prog)
    strings = {arg for op, arg, _ in _spans(data) if op.name in _STR or op.name == "GLOBAL"} - {
        "autograd_lite.compiled.program",
        "load_program",
    }
    fields = {"format", "ops", "powc", "counts", "parents", "data", "labels", "inputs"}
    fields |= {"params", "extra"}
    labels = {"x", "y", "w", "b", "unused", "z", "out"}
    assert strings <= fields | set(ops.TABLE) | labels, strings - fields - set(ops.TABLE)

    class Recording(pickle.Unpickler):
        names: ClassVar[list[tuple[str, str]]] = []

        def find_class(self, module: str, name: str) -> Any:
            self.names.append((module, name))
            return super().find_class(module, name)

    loaded = Recording(io.BytesIO(data)).load()
    assert Recording.names == [("autograd_lite.compiled.program", "load_program")]
    assert outputs(loaded) == outputs(prog)
    assert loaded.source() == prog.source()  # the same code, written again
    assert loaded.labels == prog.labels
    assert [p.label for p in loaded.params] == ["w", "b", "unused"]
    assert [p.data for p in loaded.params] == [0.7, -0.3, 4.0]


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_programs_and_graphs_load_through_safe_loads(protocol: int) -> None:
    prog = sample_program()
    assert outputs(safe_loads(pickle.dumps(prog, protocol=protocol))) == outputs(prog)
    roots = sample_graph()
    loaded = safe_loads(pickle.dumps(roots, protocol=protocol))
    assert signature(loaded) == signature(roots)
    assert [r.label for r in loaded] == [r.label for r in roots]
    row = safe_loads(pickle.dumps([ops.TABLE["mul"], ops.pow_const(2.5)], protocol=protocol))
    assert row[0] is ops.TABLE["mul"] and row[1] == ops.pow_const(2.5)
    nested = safe_loads(pickle.dumps({"graph": roots[:1], "n": (1, 2.0, "s", None)}))
    assert signature(nested["graph"]) == signature(roots[:1])


def test_safe_load_reads_pickles_from_a_file(tmp_path: Path) -> None:
    prog, roots = sample_program(), sample_graph()
    path = tmp_path / "saved.pkl"
    with path.open("wb") as f:
        pickle.dump(prog, f)
        pickle.dump(roots, f)
    with path.open("rb") as f:
        assert outputs(safe_load(f)) == outputs(prog)
        assert signature(safe_load(f)) == signature(roots)


# ------------------------------------------------------------- tampering
@pytest.mark.parametrize("protocol", [2, 5])
def test_a_tampered_program_loads_the_same_program_or_raises(
    protocol: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    prog = sample_program()
    want = outputs(prog)
    data = pickle.dumps(prog, protocol=protocol)
    loaded = refused = 0
    for where, bad in tampered(data):
        with _Watch() as events:
            try:
                got = safe_loads(bad)
            except pickle.UnpicklingError:
                refused += 1
            else:
                loaded += 1
                assert isinstance(got, Program), where
                assert outputs(got) == want, where
        assert events == [], where
    assert list(tmp_path.iterdir()) == []
    assert loaded and refused  # labels may change; names, fields and globals may not


@pytest.mark.parametrize("protocol", [2, 5])
def test_a_tampered_graph_loads_the_same_graph_or_raises(
    protocol: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    roots = sample_graph()
    want = signature(roots)
    data = pickle.dumps(roots, protocol=protocol)
    loaded = refused = 0
    for where, bad in tampered(data):
        # A bytes value is an array of numbers: none of HOSTILE has a length that
        # is a multiple of 8 bytes, so a replaced array cannot load as numbers.
        with _Watch() as events:
            try:
                got = safe_loads(bad)
            except pickle.UnpicklingError:
                refused += 1
            else:
                loaded += 1
                assert signature(got) == want, where
        assert events == [], where
    assert list(tmp_path.iterdir()) == []
    assert loaded and refused


def test_the_hostile_texts_cannot_pass_as_arrays_of_numbers() -> None:
    assert all(len(t.encode()) % 8 for t in HOSTILE if t)


def test_the_watch_sees_a_shell_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with _Watch() as events:
        pickle.loads(b"cos\nsystem\n(S'true'\ntR.")  # what pickle.loads lets a pickle do
    assert events == ["os.system"]


def test_the_old_attack_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A program in the former layout, its code replaced, loaded with an allow-list of modules."""
    monkeypatch.chdir(tmp_path)
    evil = "__import__('os').system('touch PWNED')"
    code = Code(forward=evil, grad=evil, grad_params=evil, rows=[], labels={}, plans={})

    state = {"root": None, "inputs": (), "params": (), "nodes": [], "code": code}
    # PROTO 2, GLOBAL Program, EMPTY_TUPLE, NEWOBJ, the state, BUILD, STOP: how the former
    # layout pickled a program (its __setstate__ compiled and ran the code).
    head = b"\x80\x02cautograd_lite.compiled.program\nProgram\n)\x81"
    data = head + pickle.dumps(state, protocol=2)[2:-1] + b"b."

    class ModulesUnpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            if module == "array" or module.split(".")[0] == "autograd_lite":
                return super().find_class(module, name)
            raise pickle.UnpicklingError(f"refused {module}.{name}")

    with _Watch() as events:
        with pytest.raises(pickle.UnpicklingError, match="compile the graph again"):
            ModulesUnpickler(io.BytesIO(data)).load()
        with pytest.raises(pickle.UnpicklingError, match="compile the graph again"):
            pickle.loads(data)
        refused = r"refused global autograd_lite\.compiled\.program\.Program "
        with pytest.raises(pickle.UnpicklingError, match=refused):
            safe_loads(data)
    assert events == []
    assert not (tmp_path / "PWNED").exists()


# ------------------------------------------------ checks on a program's load
def _state() -> dict[str, Any]:
    return program_module._state(sample_program())


def _first(state: dict[str, Any], name: str) -> int:
    return int(state["ops"].index(name))


def _edit_parents(s: dict[str, Any]) -> None:
    s["parents"][-1] = len(s["ops"]) - 1  # the last node's own index: not an earlier node


def _edit_leaf_input(s: dict[str, Any]) -> None:
    s["inputs"][0] = _first(s, "mul")  # an input must be a leaf


EDITS = {
    "unknown op": lambda s: s["ops"].__setitem__(_first(s, "tanh"), "os.system"),
    "not an earlier node": _edit_parents,
    "takes 1 inputs, got 2": lambda s: s["ops"].__setitem__(_first(s, "mul"), "tanh"),
    "must be a finite float": lambda s: s["data"].__setitem__(0, math.nan),
    "exponent of node": lambda s: s["powc"].update({k: math.inf for k in s["powc"]}),
    "labels must map": lambda s: s["labels"].update({0: b"x"}),
    "neither a leaf": _edit_leaf_input,
    "listed twice": lambda s: s["params"].__setitem__(1, s["params"][0]),
    "unknown format": lambda s: s.update(format=2),
    "not a program's instructions": lambda s: s.update(source="def forward(): pass"),
    "a leaf with 1 parents": lambda s: (s["counts"].__setitem__(0, 1), s["parents"].insert(0, 0)),
    "must be a list of integers": lambda s: s["parents"].__setitem__(0, 1.0),
}


class _Reduced:
    def __init__(self, state: dict[str, Any]) -> None:
        self.state = state

    def __reduce__(self) -> tuple[Any, ...]:
        return (program_module.load_program, (self.state,))


@pytest.mark.parametrize("message", EDITS)
def test_each_field_of_a_program_pickle_is_checked(message: str) -> None:
    state = _state()
    EDITS[message](state)
    data = pickle.dumps(_Reduced(state))
    for load in (pickle.loads, safe_loads):
        with pytest.raises(pickle.UnpicklingError, match=re.escape(message)):
            load(data)


def test_a_state_added_to_a_program_pickle_is_refused() -> None:
    class WithState(_Reduced):
        def __reduce__(self) -> tuple[Any, ...]:
            return (program_module.load_program, (self.state,), {"_forward": None})

    data = pickle.dumps(WithState(_state()))
    for load in (pickle.loads, safe_loads):
        with pytest.raises(pickle.UnpicklingError, match="carries a state"):
            load(data)


# ----------------------------------------------------- rows not in the table
def _cube_fwd(m: Any, a: Any) -> Any:
    return a * a * a


def _cube_local(m: Any, out: Any, a: Any) -> Any:
    return (3.0 * a * a,)


CUBE = Op("cube", "³", 1, _cube_fwd, _cube_local, ("3{0}²",), "{0}³")


@pytest.mark.parametrize(
    "row", [CUBE, dataclasses.replace(ops.TABLE["exp"], doc="a copy of exp")], ids=["cube", "exp"]
)
def test_a_program_with_a_row_not_in_the_table_does_not_pickle(row: Op) -> None:
    x = Value(0.5, "x")
    prog = compile_graph((apply(row, (x,)) * 2.0).named("c"), [x])
    with pytest.raises(
        pickle.PicklingError,
        match=rf"node v1 uses the op row '{row.name}', which is not in autograd_lite\.TABLE",
    ):
        pickle.dumps(prog)
    # Copies do not pickle: they work with any row.
    assert copy.deepcopy(prog).run(2.0) == prog.run(2.0) == 2.0 * row.forward([2.0])


def test_safe_loads_refuses_what_autograd_lite_did_not_write() -> None:
    x = Value(0.5, "x")
    with pytest.raises(pickle.PicklingError, match="'cube'"):
        pickle.dumps(apply(CUBE, (x,)))  # an unregistered row has no name to pickle by
    for data, name in (
        (pickle.dumps(print), "builtins.print"),
        (pickle.dumps(Program), "autograd_lite.compiled.program.Program"),
        (b"cos\nsystem\n(S'true'\ntR.", "os.system"),
    ):
        with pytest.raises(pickle.UnpicklingError, match=re.escape(f"refused global {name} ")):
            safe_loads(data)
    with pytest.raises(TypeError, match="data must be bytes, got str"):
        safe_loads("not bytes")  # type: ignore[arg-type]
    with pytest.raises(pickle.UnpicklingError, match="not a valid autograd_lite pickle"):
        safe_loads(b"\x80\x05")


class _Build:
    """A pickle of a loaded node whose fields are then overwritten (pickle's BUILD)."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            pickling.load_lone,
            (value_module.record_node, 1.0, 0.0, "x", None),
            (None, self.fields),
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"_data": "os.system"}, "data must be a finite float"),
        ({"data": "os.system"}, "expected a real number"),
        ({"grad": math.nan}, "grad must be a finite float"),
        ({"label": 3}, "label is a int"),
        ({"op": "mul"}, "its op is not a row of the op table"),
        ({"op": ops.TABLE["mul"]}, "mul takes 2 inputs, has 0"),
        ({"_a": ("os.system",)}, "a parent is a str"),
        ({"grad_node": "x"}, "grad_node is a str"),
        # The state loads after the node is made: a parent made after its child.
        ({"_a": Value(2.0, "p"), "op": ops.TABLE["exp"]}, "a parent was made after it"),
    ],
)
def test_nodes_changed_after_loading_are_refused(fields: dict[str, Any], message: str) -> None:
    data = pickle.dumps(_Build(fields))
    with pytest.raises(pickle.UnpicklingError, match=re.escape(message)):
        safe_loads(data)


# --------------------------------------------------------------- copies
def test_copies_of_a_program() -> None:
    prog = sample_program()
    shallow = copy.copy(prog)
    assert shallow.params == prog.params and outputs(shallow) == outputs(prog)
    deep = copy.deepcopy(prog)
    assert outputs(deep) == outputs(prog)
    deep.params[0].data = 5.0  # its own parameters
    assert prog.params[0].data == 0.7
    assert outputs(deep) != outputs(prog)


def test_dask_names_a_program_without_pickling_it(monkeypatch: pytest.MonkeyPatch) -> None:
    tokenize = pytest.importorskip("dask.base").tokenize
    prog, other = sample_program(), sample_program()

    def refuse(self: Program) -> Any:
        raise AssertionError("pickled")

    monkeypatch.setattr(Program, "__reduce__", refuse)
    assert tokenize(prog) == tokenize(prog)
    assert tokenize(prog) != tokenize(other)
