"""Benchmark autograd_lite against the installed peers on four workloads.

    python benchmarks/run.py                # the default run (a few minutes)
    python benchmarks/run.py --quick        # smaller sizes, for a smoke test
    python benchmarks/run.py --only d       # one workload (repeatable: --only a --only c)

Workloads: (a) logistic regression cost, build + backward; (b) a chain
x → 1.0001·x + 0.0001; (c) micrograd's demo, one training step of
MLP(2, [16, 16, 1]) with a hinge loss on 100 two-moons points, each engine also
read as a multiple of a floor (the same forward on bare slotted nodes, no
gradients), beside that floor with the least backward of autograd_lite's design;
(d) micrograd's code, unchanged: one micrograd-style source text
(same_code.py) run on micrograd and on autograd_lite. Every engine's result and
gradients are checked against the analytic/NumPy reference before it is timed
(the floor's loss, as it has no gradients). The targets are
printed at the end, judged on this run's figures. A peer that is not installed
is reported on stderr and in the tables, with the command that installs it.
Times are medians, of wall time (--clock cpu: of the process's CPU time,
steadier on a busy machine); the garbage collector is left on (its default), except in
the labelled extra rows of (a), where autograd_lite pauses it inside. Ratios
are against micrograd from the same run.

Set AUTOGRAD_LITE_BENCH_ROOT to a directory holding an autograd_lite package to
benchmark that copy instead of the installed one (benchmarks/compare.py does,
to compare a git revision with the working tree).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
INSTALL = 'pip install -e ".[bench]"'

#: A directory holding an ``autograd_lite`` package to benchmark instead of the
#: installed one; workers inherit it (benchmarks/compare.py sets it per worker).
ROOT_VAR = "AUTOGRAD_LITE_BENCH_ROOT"
ROOT = os.environ.get(ROOT_VAR)


def _import_from(root: str) -> None:
    """Make ``import autograd_lite`` load the package under ``root``, whatever is installed."""
    # An editable install (setuptools) puts a finder on sys.meta_path that maps the
    # name to its own checkout ahead of every sys.path entry: drop it first.
    sys.meta_path[:] = [
        f for f in sys.meta_path if "__editable__" not in (getattr(f, "__module__", "") or "")
    ]
    sys.path.insert(0, root)


if ROOT:
    _import_from(ROOT)
    try:
        import autograd_lite
    except ImportError as exc:
        sys.exit(f"benchmarks: cannot import autograd_lite from {ROOT_VAR}={ROOT} ({exc})")
    if not Path(autograd_lite.__file__).resolve().is_relative_to(Path(ROOT).resolve()):
        sys.exit(
            f"benchmarks: {ROOT_VAR}={ROOT}, but autograd_lite was imported from "
            f"{autograd_lite.__file__}"
        )
else:
    try:
        import autograd_lite
    except ImportError:
        # Not installed in this Python: run it from the source tree (it has no dependencies).
        sys.path.insert(1, str(HERE.parent))
        try:
            import autograd_lite
        except ImportError as exc:
            sys.exit(
                f"benchmarks: cannot import autograd_lite ({exc}).\n"
                f"Install it and the benchmark peers, from the repository root, with: {INSTALL}"
            )
        if "--worker" not in sys.argv:
            print(
                f"benchmarks: autograd_lite is not installed in {sys.executable}; "
                f"running it from the source tree {HERE.parent}. To install it with the "
                f"benchmark peers: {INSTALL}",
                file=sys.stderr,
            )

import peers  # noqa: E402
import same_code  # noqa: E402

OUT: list[str] = []


def emit(line: str = "") -> None:
    print(line, flush=True)
    OUT.append(line)


#: Engines whose package is missing from this Python (set by ``main``).
MISSING: list = []
#: Rows of the closing targets table: (what, measured, target, met?).
TARGETS: list[tuple[str, str, str, str]] = []


def emit_missing(engines, before: int | list[str] = 0, after: int = 0) -> None:
    """One row per engine of ``engines`` that is not installed, saying how to install it.

    ``before`` is the cells ahead of the engine's name (or how many blank ones),
    ``after`` the number of blank cells after the note.
    """
    lead = [""] * before if isinstance(before, int) else before
    for eng in engines:
        if eng in MISSING:
            note = f"**not installed** ({eng.requires}): `{INSTALL}`"
            cells = [*lead, eng.name, note] + [""] * after
            emit("| " + " | ".join(cells) + " |")


def target(what: str, value: float | None, shown: str, goal: float, at_least: bool) -> None:
    """Record a target row: ``value`` against ``goal`` (None when it could not be measured)."""
    want = f"≥ {goal:g}×" if at_least else f"≤ {goal:g}"
    if value is None:
        why = "not measured"
        if "micrograd" in what and peers.Micrograd in MISSING:
            why += f" (micrograd is not installed: `{INSTALL}`)"
        TARGETS.append((what, shown or "—", want, why))
        return
    met = value >= goal if at_least else value <= goal
    TARGETS.append((what, shown, want, "yes" if met else "**no**"))


class _CollectorClock:
    """Time spent inside the cyclic garbage collector (via ``gc.callbacks``)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = clock()
        else:
            self.total += clock() - self._start


# The wall clock until the command line (parsed below) asks for CPU time; set first, so the
# collector callback works even while argparse prints --help and exits.
clock = time.perf_counter
COLLECTOR = _CollectorClock()
gc.callbacks.append(COLLECTOR)
#: Share of the timed calls' wall time spent in the collector, from the last ``timed``.
LAST_SHARE = [0.0]


def timed(fn, budget: float = 1.0, max_repeat: int = 101) -> float:
    """Median wall time of ``fn()``.

    The first call warms up (imports, caches) and is dropped unless it alone
    exceeds the budget; then as many calls as fit in the budget are timed (at
    least three, at most ``max_repeat``) and their median is taken. Short calls
    get many repeats: on a shared machine a median of a few millisecond-long
    calls moved by a factor of two from one run to the next.
    The collector's share of the counted calls is left in ``LAST_SHARE``.
    """
    gc.collect()
    t0 = clock()
    fn()
    first = clock() - t0
    times = [first] if first > budget else []
    in_gc = 0.0
    repeat = 2 if first > budget else min(max_repeat, max(3, int(budget / max(first, 1e-9))))
    for _ in range(repeat):
        before = COLLECTOR.total
        t0 = clock()
        fn()
        times.append(clock() - t0)
        in_gc += COLLECTOR.total - before
    LAST_SHARE[0] = in_gc / sum(times[-repeat:])
    return statistics.median(times)


def peak_bytes(build) -> tuple[int, object]:
    gc.collect()
    tracemalloc.start()
    try:
        out = build()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, out


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def check_lr(name, got, ref, tol=1e-9) -> None:
    cost, dw, db = got
    rc, rdw, rdb = ref
    ok = close(cost, rc, tol) and close(db, rdb, tol)
    ok = ok and all(close(a, b, tol) for a, b in zip(dw, rdw, strict=True))
    if not ok:
        raise AssertionError(f"{name}: LR gradient differs from the analytic reference")


def fmt_t(s: float) -> str:
    if s >= 1.0:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} µs"


def fmt_ratio(base: float | None, t: float | None) -> str:
    if base is None or t is None:
        return "—"
    return f"{base / t:.1f}×"


# --------------------------------------------------------------- workers
# Each measurement runs in a fresh subprocess: engines do not share a heap (the
# cyclic GC's cost depends on everything alive in the process), a crash or a
# hang is reported instead of suffered, and every engine starts cold the same way.


def _engine(name: str):
    engines = [*peers.ENGINES, *peers.EXTRA_LR, peers.Floor, peers.FloorBackward]
    return {e.name: e for e in engines}[name]


def _lr_problem(n: int, m: int):
    X, Y = peers.lr_data(m, n, seed=n * 1000 + m)
    w0 = [0.1 * (i + 1) * (-1) ** i for i in range(n)]
    return X, Y, w0, 0.05


def work_lr(eng, n: str, m: str) -> dict:
    X, Y, w0, b0 = _lr_problem(int(n), int(m))
    ref = peers.lr_reference(X, Y, w0, b0)
    case = eng.lr(X, Y, w0, b0)
    check_lr(eng.name, case.step(), ref)
    if case.bench is not None:
        t = timed(case.bench, budget=ARGS.budget) / case.per_call
    else:
        t = timed(case.step, budget=ARGS.budget)
    return {"time": t, "gc": LAST_SHARE[0]}


def work_lr_ops(eng, n: str, m: str) -> dict:
    X, Y, w0, b0 = _lr_problem(int(n), int(m))
    return {"ops": peers.AutogradLite.lr(X, Y, w0, b0).nodes()}


def work_lr_floor(eng, n: str, m: str) -> dict:
    """Allocate one bare object per op of (a), linked like the graph.

    No arithmetic, no backward: what the process pays just to keep one tracked
    object per op alive while a graph of that size grows, with the data held
    as leaf objects as in the engines' rows. Measured twice: parents in two
    slots (autograd_lite's layout) and in a tuple per node (its former one).
    """
    nf, mf = int(n), int(m)

    class Node:
        __slots__ = ("a", "b")

    leaves = [[Node() for _ in range(nf)] for _ in range(mf)]
    per_example = nf + 5

    def slots():
        terms = []
        for x in leaves:
            prev = None
            for i in range(per_example):
                v = Node()
                v.a = prev
                v.b = x[i % nf]
                prev = v
            terms.append(prev)
        return terms

    def tuples():
        terms = []
        for x in leaves:
            prev = None
            for i in range(per_example):
                v = Node()
                v.a = (prev, x[i % nf])
                prev = v
            terms.append(prev)
        return terms

    out = {}
    for name, step in (("slots", slots), ("tuple", tuples)):
        out[f"{name}_on"] = timed(step, budget=ARGS.budget)
        gc.disable()
        try:
            out[f"{name}_off"] = timed(step, budget=ARGS.budget)
        finally:
            gc.enable()
    return out


def _never_nonfinite(node) -> None:
    raise AssertionError(f"a gradient of the benchmark graph is not finite at {node!r}")


def work_lr_parts(eng, n: str, m: str) -> dict:
    """autograd_lite's build, backward walk + sort, and loop, timed apart, collector off."""
    from autograd_lite.core.graph import by_order
    from autograd_lite.fast import kernel

    X, Y, w0, b0 = _lr_problem(int(n), int(m))
    case = peers.AutogradLite.lr(X, Y, w0, b0)
    gc.disable()
    try:
        build = timed(case.build, budget=ARGS.budget)
        root = case.build()
        walks, loops = [], []
        spent = 0.0
        while len(walks) < 3 or (spent < ARGS.budget and len(walks) < 101):
            t0 = clock()
            found = kernel._walk(root)[0]
            order = sorted(found, key=by_order, reverse=True)
            t1 = clock()
            root.grad = 1.0
            kernel._loop(order)
            t2 = clock()
            walks.append(t1 - t0)
            loops.append(t2 - t1)
            spent += t2 - t0
    finally:
        gc.enable()
    return {"build": build, "walk": statistics.median(walks), "loop": statistics.median(loops)}


def work_lr_mem(eng, n: str, m: str) -> dict:
    X, Y, w0, b0 = _lr_problem(int(n), int(m))
    case = eng.lr(X, Y, w0, b0)
    case.build()  # warm up imports and caches outside the measurement
    peak, root = peak_bytes(case.build)
    return {"peak": peak, "nodes": count_nodes(root)}


#: Workload (d), program 1: n features, m examples.
SAME_LR = (10, 4000)


def _mlp_problem():
    X, Y = peers.two_moons(100, noise=0.1, seed=0)
    return X, Y, peers.init_params(seed=1)


def work_mlp(eng) -> dict:
    X, Y, params = _mlp_problem()
    ref_loss, ref_grads = peers.mlp_reference(params, X, Y)
    t0 = clock()
    case = eng.mlp(params, X, Y)
    setup = clock() - t0
    loss, grads = case.step()
    if not close(loss, ref_loss, 1e-9) or not all(
        close(a, b, 1e-9) for a, b in zip(grads, ref_grads, strict=True)
    ):
        raise AssertionError(f"{eng.name}: MLP gradient differs from the NumPy reference")
    nodes = count_nodes(case.build()) if case.build else None
    t = timed(case.step, budget=ARGS.budget)
    return {"time": t, "setup": setup, "loss": loss, "nodes": nodes}


def work_mlp_floor(eng) -> dict:
    """(c)'s forward on bare nodes (``peers.Floor``); its loss is checked first."""
    X, Y, params = _mlp_problem()
    ref_loss, _ = peers.mlp_reference(params, X, Y)
    case = peers.Floor.mlp(params, X, Y)
    loss, _ = case.step()
    if not close(loss, ref_loss, 1e-9):
        raise AssertionError(f"floor: MLP loss {loss!r} differs from the reference {ref_loss!r}")
    nodes = count_nodes(case.build())
    return {"time": timed(case.step, budget=ARGS.budget), "loss": loss, "nodes": nodes}


def work_mlp_mem(eng) -> dict:
    X, Y, params = _mlp_problem()
    case = eng.mlp(params, X, Y)
    case.build()
    peak, root = peak_bytes(case.build)
    return {"peak": peak, "nodes": count_nodes(root)}


def work_chain(eng, steps: str) -> dict:
    """(b): one build + backward of the chain; short ones are timed as a median.

    A single call of a few milliseconds moved by 30 % with where the
    collector's periodic passes fell, so a call shorter than the budget is
    repeated (``timed``); a long one is timed once, after a full collection.
    """
    n = int(steps)
    eng.chain(10)  # warm up (lazy imports, first-call costs)
    gc.collect()
    t0 = clock()
    value, grad = eng.chain(n)
    t = clock() - t0
    if t < ARGS.budget:
        t = timed(lambda: eng.chain(n), budget=ARGS.budget)
    return {"time": t, "value": value, "grad": grad}


def work_chain_mem(eng, steps: str) -> dict:
    if eng is peers.Micrograd:
        from micrograd.engine import Value
    else:
        from autograd_lite import Value
    k = int(steps)

    def build():
        v = Value(1.0)
        for _ in range(k):
            v = 1.0001 * v + 0.0001
        return v

    build()
    peak, _ = peak_bytes(build)
    return {"peak": peak, "nodes": 4 * k + 1}


def _same_case(eng, program: str):
    """Workload (d): the engine's ``Value`` under the one micrograd-style source text."""
    Value = eng.value_class()
    if eng is peers.Micrograd:
        assert not hasattr(Value, "exp"), "micrograd's Value must be the unpatched 0.1.0 one"
    code = same_code.programs(Value)
    if program == "lr":
        X, Y01, w0, b0 = _lr_problem(*SAME_LR)
        Y = [2.0 * y - 1.0 for y in Y01]  # the hinge loss wants labels ±1
        case = code.lr_case(X, Y, w0, b0)
        return case, peers.svm_lr_reference(X, Y, w0, b0, same_code.ALPHA)
    X, Y = peers.two_moons(100, noise=0.1, seed=0)
    case = code.mlp_case(X, Y)
    return case, peers.mlp_reference(case.init, X, Y)


def work_same(eng, program: str, mode: str) -> dict:
    case, (ref_loss, ref_grads) = _same_case(eng, program)
    if mode == "mem":
        case.build()  # warm up imports and caches outside the measurement
        peak, root = peak_bytes(case.build)
        return {"peak": peak, "nodes": count_nodes(root)}
    loss, grads = case.step()
    loss, grads = float(loss), [float(g) for g in grads]
    if not close(loss, ref_loss, 1e-9) or not all(
        close(a, b, 1e-9) for a, b in zip(grads, ref_grads, strict=True)
    ):
        raise AssertionError(f"{eng.name}: (d) {program} gradient differs from the reference")
    if mode == "check":
        return {"loss": loss, "grads": grads, "nodes": count_nodes(case.build())}
    return {"time": timed(case.step, budget=ARGS.budget), "gc": LAST_SHARE[0]}


def count_nodes(root) -> int:
    if type(root) in (peers.Bare, peers.BareGrad):
        return peers.bare_nodes(root)
    if hasattr(root, "_prev"):
        seen, stack = {id(root)}, [root]
        while stack:
            for p in stack.pop()._prev:
                if id(p) not in seen:
                    seen.add(id(p))
                    stack.append(p)
        return len(seen)
    from autograd_lite import reachable

    return len(reachable(root))


WORK = {
    "lr": work_lr,
    "lr-ops": work_lr_ops,
    "lr-mem": work_lr_mem,
    "lr-floor": work_lr_floor,
    "lr-parts": work_lr_parts,
    "mlp": work_mlp,
    "mlp-mem": work_mlp_mem,
    "mlp-floor": work_mlp_floor,
    "chain": work_chain,
    "chain-mem": work_chain_mem,
    "same": work_same,
}


def worker(kind: str, engine: str, args: list[str]) -> None:
    eng = _engine(engine)
    if eng is peers.Micrograd and not ARGS.default_limit:
        peers.Micrograd.deep()
    out = WORK[kind](eng, *args)
    out["autograd_lite_file"] = autograd_lite.__file__
    print(json.dumps(out))


def run(kind: str, eng, *args: object, timeout: float | None = None, default_limit=False):
    """Run one measurement in a subprocess; return (result dict, None) or (None, error)."""
    cmd = [sys.executable, __file__, "--budget", str(ARGS.budget), "--clock", ARGS.clock]
    cmd += ["--worker", kind, eng.name]
    cmd += [str(a) for a in args]
    if default_limit:
        cmd.append("--default-limit")
    limit = timeout or ARGS.timeout
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        return None, f"did not finish in {limit:.0f} s"
    if proc.returncode != 0:
        if proc.returncode < 0:
            return None, f"crashed (signal {-proc.returncode})"
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return None, f"failed: {last[:90]}"
    return json.loads(proc.stdout.strip().splitlines()[-1]), None


# ------------------------------------------------------------------- (a)
def _lr_ops(n: int, m: int) -> int:
    got, _ = run("lr-ops", peers.AutogradLite, n, m)
    return got["ops"] if got else (n + 5) * m + 3


def _lr_row(results: dict, n, m, eng, ops: int, base, is_base: bool = False) -> float | None:
    """Time one engine on (a), print its row and return its time (None if it failed)."""
    out, err = run("lr", eng, n, m)
    if err:
        emit(f"| {n} | {m:,} | {eng.name} | {err} | | | | |")
        return None
    t = out["time"]
    if is_base:
        base = t
    results[(n, m, eng.name)] = (t, t / ops, base)
    emit(
        f"| {n} | {m:,} | {eng.name} | {fmt_t(t)} | {t / ops * 1e6:.3f} | "
        f"{t / m * 1e6:.2f} | {fmt_ratio(base, t)} | {out['gc']:.0%} |"
    )
    return t


def bench_lr(engines, sizes, features) -> dict:
    emit("## (a) Logistic regression: cost build + backward")
    emit()
    emit(
        "ops = recorded non-leaf nodes of autograd_lite's graph per build: per example n "
        "products, one n-ary add, softplus, the lifted constant y, y·z and the subtraction "
        "(n + 5), plus 3 for the mean (add, constant m, division). The same count divides "
        "every engine's time, so µs/op is per op-equivalent."
    )
    emit()
    emit(
        "'in the collector' is the share of the timed calls spent in Python's cyclic garbage "
        "collector (measured with `gc.callbacks`)."
    )
    emit()
    emit("| n | m | engine | time | µs/op | µs/example | vs micrograd | in the collector |")
    emit("|---|---|---|---|---|---|---|---|")
    results: dict = {}
    for n in features:
        for m in sizes:
            ops = _lr_ops(n, m)
            base = None
            for eng in engines:
                t = _lr_row(results, n, m, eng, ops, base, is_base=eng is peers.Micrograd)
                if eng is peers.Micrograd:
                    base = t
    emit_missing(peers.ENGINES, before=2, after=4)
    emit()
    return results


def bench_lr_floor(sizes, features) -> None:
    """The collector's share for any engine that keeps one object per op."""
    emit("### (a) Floor: one bare object per op, nothing else")
    emit()
    emit(
        "A loop that allocates one empty two-slot object per op of (a) and links it like the "
        "graph (no arithmetic, no backward), timed with the collector on and off. It is the "
        "least any engine that records one Python object per op pays, and shows how much of "
        "that the cyclic collector adds as the live graph grows. The last two columns hold "
        "each object's two links in a tuple instead (autograd_lite's former node layout)."
    )
    emit()
    emit(
        "| n | m | collector on: µs/op | off | added by the collector "
        "| with a tuple: on | off | added |"
    )
    emit("|---|---|---|---|---|---|---|---|")
    for n in features:
        for m in sizes:
            got, err = run("lr-floor", peers.AutogradLite, n, m)
            if err:
                emit(f"| {n} | {m:,} | {err} | | | | | |")
                continue
            ops = (n + 5) * m + 3
            cells = []
            for name in ("slots", "tuple"):
                on, off = got[f"{name}_on"] / ops * 1e6, got[f"{name}_off"] / ops * 1e6
                cells.append(f"{on:.3f} | {off:.3f} | {on - off:.3f}")
            emit(f"| {n} | {m:,} | {' | '.join(cells)} |")
    emit()


def bench_lr_parts(sizes, features) -> None:
    """Where autograd_lite's time goes, collector off."""
    emit("### (a) autograd_lite's time by part, collector off")
    emit()
    emit(
        "Medians with the cyclic collector switched off, per op: building the graph, the "
        "backward walk that collects and sorts the nodes, and the backward loop, each timed "
        "on its own."
    )
    emit()
    emit("| n | m | build µs/op | walk + sort µs/op | loop µs/op |")
    emit("|---|---|---|---|---|")
    for n in features:
        for m in sizes:
            got, err = run("lr-parts", peers.AutogradLite, n, m)
            if err:
                emit(f"| {n} | {m:,} | {err} | | |")
                continue
            ops = _lr_ops(n, m)
            b, w, lp = (got[k] / ops * 1e6 for k in ("build", "walk", "loop"))
            emit(f"| {n} | {m:,} | {b:.3f} | {w:.3f} | {lp:.3f} |")
    emit()


def bench_lr_paused(results: dict, sizes, features) -> None:
    """Extra rows: autograd_lite with the cyclic collector paused during its build."""
    emit("### (a) Extra rows: autograd_lite with the collector paused inside")
    emit()
    emit(
        "Not comparable with the speed-ratio targets, which have the collector on throughout "
        "(the per-op target at the end is taken from these rows): here "
        "`autograd_lite.gc_paused()` pauses it while the graph is built and "
        "differentiated, as `LogisticRegression.fit` and `.cost` do. The fit row is one epoch "
        "of a 5-epoch fit (data validation and lifting amortised). Same op count as above; "
        "'vs micrograd' is against micrograd with the collector on, from the table above."
    )
    emit()
    emit(
        "| n | m | engine | time | µs/op | µs/example | vs micrograd (collector on) "
        "| in the collector |"
    )
    emit("|---|---|---|---|---|---|---|---|")
    for n in features:
        for m in sizes:
            ops = _lr_ops(n, m)
            base = results.get((n, m, "micrograd"), (None,))[0]
            for eng in peers.EXTRA_LR:
                if eng.available():
                    _lr_row(results, n, m, eng, ops, base)
    emit()


def memory(title: str, kind: str, args: tuple, engines) -> dict:
    emit(title)
    emit()
    emit("| engine | nodes | peak | bytes/node |")
    emit("|---|---|---|---|")
    out = {}
    for eng in engines:
        got, err = run(kind, eng, *args)
        if err:
            emit(f"| {eng.name} | | {err} | |")
            continue
        per = got["peak"] / got["nodes"]
        out[eng.name] = per
        emit(f"| {eng.name} | {got['nodes']:,} | {got['peak'] / 1e6:.2f} MB | {per:.0f} |")
    emit_missing([peers.Micrograd], after=2)
    if len(out) == 2:
        a, b = out.get("autograd_lite"), out.get("micrograd")
        if a and b:
            emit()
            emit(f"autograd_lite / micrograd bytes per node: {a / b:.2f}")
    emit()
    return out


# ------------------------------------------------------------------- (b)
def bench_chain(engines, steps_list) -> dict:
    emit("## (b) Chain x → 1.0001·x + 0.0001: build + backward (4 nodes per step)")
    emit()
    emit(
        "micrograd runs with sys.setrecursionlimit(10**7); "
        f"each run has a {ARGS.timeout:.0f} s limit."
    )
    emit()
    emit("| steps | engine | time | ns/node | vs micrograd | result |")
    emit("|---|---|---|---|---|---|")
    results = {}
    for steps in steps_list:
        a = 1.0001**steps
        want_v, want_g = 2.0 * a - 1.0, a
        base = None
        for eng in engines:
            if not hasattr(eng, "chain"):
                continue
            limit = ARGS.torch_chain_max if eng is peers.Torch else None
            if eng is peers.Micrograd:
                limit = ARGS.micrograd_chain_max
            if limit is not None and steps > limit:
                emit(f"| {steps:,} | {eng.name} | not run (over {limit:,} steps) | | | |")
                continue
            out, err = run("chain", eng, steps)
            if err:
                emit(f"| {steps:,} | {eng.name} | — | | | {err} |")
                continue
            ok = close(out["value"], want_v, 1e-8) and close(out["grad"], want_g, 1e-8)
            t = out["time"]
            if eng is peers.Micrograd:
                base = t
            results[(steps, eng.name)] = t
            emit(
                f"| {steps:,} | {eng.name} | {fmt_t(t)} | {t / (4 * steps + 1) * 1e9:.0f} | "
                f"{fmt_ratio(base, t)} | {'works' if ok else 'WRONG'} |"
            )
    emit_missing([e for e in peers.ENGINES if hasattr(e, "chain")], before=1, after=3)
    if peers.Micrograd.available():
        out, err = run("chain", peers.Micrograd, 1000, default_limit=True)
        emit(f"| 1,000 | micrograd, default recursion limit | — | | | {err or 'works'} |")
    emit()
    return results


# ------------------------------------------------------------------- (c)
FLOOR_TARGET = 2.0
#: autograd_lite, the floor and the floor with a backward are measured in this
#: many back-to-back rounds.
FLOOR_PAIRS = 3


def _eager_and_floor() -> tuple[dict, dict, dict]:
    """autograd_lite's step, the floor's forward and the floor's whole step, in rounds.

    On a shared machine the speed drifts between two measurements a minute
    apart; within a round it mostly does not, so each engine's time over the
    floor's is taken per round (the order of the three rotates) and its
    median reported. Returns, for ``peers.AutogradLite``, ``peers.Floor`` and
    ``peers.FloorBackward``: the result of the median time (or None), the
    error (or None), and the rounds' ratios to the floor.
    """
    eager, floor, least = peers.AutogradLite, peers.Floor, peers.FloorBackward
    engines = [(eager, "mlp"), (floor, "mlp-floor"), (least, "mlp")]
    runs: dict = {eng: [] for eng, _ in engines}
    errors: dict = {eng: None for eng, _ in engines}
    ratios: dict = {eng: [] for eng, _ in engines}
    for i in range(FLOOR_PAIRS):
        times = {}
        for eng, kind in engines[i % 3 :] + engines[: i % 3]:
            out, errors[eng] = run(kind, eng)
            if out:
                runs[eng].append(out)
                times[eng] = out["time"]
        if any(errors.values()):
            break
        for eng in (eager, least):
            ratios[eng].append(times[eng] / times[floor])

    def median_run(eng) -> dict | None:
        done = sorted(runs[eng], key=lambda out: out["time"])
        return None if errors[eng] or not done else done[(len(done) - 1) // 2]

    return {eng: median_run(eng) for eng in runs}, errors, ratios


def bench_mlp(engines) -> dict:
    """(c): every engine's training step, and each one's time over the floor's forward."""
    emit(
        "## (c) micrograd's demo: one training step of MLP(2, [16, 16, 1]), "
        "hinge loss + L2, 100 two-moons points"
    )
    emit()
    emit(
        "The floor runs the forward of autograd_lite's step (its `nn.MLP` and the same loss "
        "code) on bare slotted nodes: each operator computes the float and keeps the parents, "
        "numbers are lifted into a node each as autograd_lite lifts them into constants, and "
        "there is no gradient, no check and no backward. It is what CPython charges for "
        "recording that graph, one object per node; '× the floor' divides each engine's time "
        "per step by it. Its loss is checked against the reference and the other engines' "
        "before timing. The floor with the least backward adds to those nodes a gradient, an "
        "op tag and a creation number, and runs the least pass of autograd_lite's design: "
        "mark the graph, sort it by creation, one loop of the chain rule, with no check and "
        "nothing kept to undo a failed pass; its gradients are checked like every engine's. "
        f"autograd_lite, the floor and the floor with a backward are measured in {FLOOR_PAIRS} "
        "back-to-back rounds: their rows give the median round's times and the median of the "
        "rounds' ratios to the floor. nodes = every node of one forward graph, leaves included."
    )
    emit()
    medians, errors, all_ratios = _eager_and_floor()
    least = peers.FloorBackward
    eager, eerr = medians[peers.AutogradLite], errors[peers.AutogradLite]
    floor, ferr = medians[peers.Floor], errors[peers.Floor]
    ratios = all_ratios[peers.AutogradLite]
    measured = []
    for eng in engines:
        if eng is peers.AutogradLite:
            measured.append((eng, eager, eerr))
        elif hasattr(eng, "mlp"):
            measured.append((eng, *run("mlp", eng)))
    base = next((out["time"] for eng, out, _ in measured if eng is peers.Micrograd and out), None)
    ft = floor["time"] if floor else None
    bad = [
        eng.name
        for eng, out, _ in measured
        if floor and out and not close(out["loss"], floor["loss"], 1e-9)
    ]
    if bad:
        ft = None
        emit(f"**The floor's loss differs from {', '.join(bad)}'s: no ratio to it is given.**")
        emit()
    over = statistics.median(ratios) if ratios and ft else None
    least_over = statistics.median(all_ratios[least]) if all_ratios[least] and ft else None

    def per_floor(eng, t: float) -> str:
        if eng is peers.AutogradLite:
            return f"{over:.2f}×" if over else "—"
        return f"{t / ft:.2f}×" if ft else "—"

    emit("| engine | nodes | time per step | vs micrograd | × the floor | setup |")
    emit("|---|---|---|---|---|---|")
    results = {}
    for eng, out, err in measured:
        if err:
            emit(f"| {eng.name} | | {err} | | | |")
            continue
        t = out["time"]
        results[eng.name] = t
        nodes = f"{out['nodes']:,}" if out.get("nodes") else "—"
        note = f"compile {fmt_t(out['setup'])}" if eng is peers.AutogradLiteCompiled else ""
        emit(
            f"| {eng.name} | {nodes} | {fmt_t(t)} | {fmt_ratio(base, t)} | "
            f"{per_floor(eng, t)} | {note} |"
        )
    if ferr:
        emit(f"| {peers.Floor.name} | | {ferr} | | | |")
    elif floor:
        emit(
            f"| {peers.Floor.name} | {floor['nodes']:,} | {fmt_t(floor['time'])} | "
            f"{fmt_ratio(base, floor['time'])} | {'1.00×' if ft else '—'} | forward only |"
        )
    lout = medians[least]
    if errors[least]:
        emit(f"| {least.name} | | {errors[least]} | | | |")
    elif lout:
        emit(
            f"| {least.name} | {lout['nodes']:,} | {fmt_t(lout['time'])} | "
            f"{fmt_ratio(base, lout['time'])} | "
            f"{f'{least_over:.2f}×' if least_over else '—'} | the step, least backward |"
        )
    emit_missing([e for e in peers.ENGINES if hasattr(e, "mlp")], after=4)
    emit()
    if floor and eager:
        same = eager["nodes"] == floor["nodes"]
        exact = "bit for bit" if eager["loss"] == floor["loss"] else "to 1e-9"
        emit(
            f"The floor's graph has {floor['nodes']:,} nodes, "
            f"{'the same' if same else '**not** the same'} as autograd_lite's "
            f"({eager['nodes']:,}); its loss equals autograd_lite's {exact}."
        )
        if over and same:
            each = ", ".join(f"{r:.2f}×" for r in ratios)
            emit(
                f"autograd_lite's training step / the floor's forward: **{over:.2f}×**, the "
                f"median of {len(ratios)} rounds ({each}); target: at most {FLOOR_TARGET:g}×."
            )
            results["floor ratio"] = over
        if least_over:
            each = ", ".join(f"{r:.2f}×" for r in all_ratios[least])
            emit(
                f"The floor with the least backward / the floor's forward: **{least_over:.2f}×** "
                f"({each}): what a reverse pass of this design costs before it checks "
                "anything or can undo anything."
            )
            results["least floor ratio"] = least_over
        emit()
    return results


# ------------------------------------------------------------------- (d)
SAME_PROGRAMS = {
    "lr": f"1. linear z = w·x + b, n = {SAME_LR[0]}, m = {SAME_LR[1]:,}, build + backward",
    "mlp": "2. MLP(2, [16, 16, 1]), 100 two-moons points, one training step",
}
SAME_COST = "SVM hinge `(1 + -yi*scorei).relu()` averaged + `1e-4 * sum(p*p)`"
SAME_COST_SHORT = "hinge + L2"
SAME_TARGET = 12.0


def _agree(a: dict, b: dict, tol: float = 1e-9) -> float | None:
    """Largest relative difference of loss and gradients; None if within ``tol`` nowhere."""
    pairs = [(a["loss"], b["loss"]), *zip(a["grads"], b["grads"], strict=True)]
    worst = max(abs(x - y) / max(abs(x), abs(y), 1e-300) if x != y else 0.0 for x, y in pairs)
    return worst if worst <= tol else None


def bench_same(engines) -> dict:
    emit("## (d) micrograd's code, unchanged")
    emit()
    emit(
        "One source text (`benchmarks/same_code.py`), written in micrograd 0.1.0's style, run "
        "with micrograd's `Value` and with autograd_lite's: binary `+` chains built with the "
        "builtin `sum()`, `Value(...)` constructors, `relu()`, `**`, micrograd's own "
        "Neuron/Layer/MLP classes; no n-ary sums and no autograd_lite-only API. micrograd "
        f"0.1.0's `Value` has no `exp`, `log` or `tanh`, so both programs use the cost of "
        f"micrograd's demo notebook: {SAME_COST}. Each engine's loss and gradients are checked "
        "against an exact reference and against each other (1e-9 relative) before timing. "
        "Collector on; nodes = every node of one graph, leaves included; peak memory of one "
        "build (forward only) with tracemalloc."
    )
    emit()
    emit(
        "| program | cost | engine | nodes | time | µs/node | vs micrograd | in the collector "
        "| bytes/node | target | met? |"
    )
    emit("|---|---|---|---|---|---|---|---|---|---|---|")
    graph = [e for e in engines if e in (peers.Micrograd, peers.AutogradLite)]
    results: dict = {}
    for program, title in SAME_PROGRAMS.items():
        checks = {}
        for eng in graph:
            got, err = run("same", eng, program, "check")
            if err:
                emit(f"| {title} | {SAME_COST_SHORT} | {eng.name} | {err} | | | | | | | |")
            else:
                checks[eng.name] = got
        agree = True
        if len(checks) == 2:
            worst = _agree(checks["micrograd"], checks["autograd_lite"])
            agree = worst is not None
            if not agree:
                emit(
                    f"| {title} | {SAME_COST_SHORT} | both | **gradients differ between the "
                    "engines** | | | | | | | |"
                )
        base = None
        for eng in graph:
            if eng.name not in checks or not agree:
                continue
            out, err = run("same", eng, program, "time")
            mem, merr = run("same", eng, program, "mem")
            if err:
                emit(f"| {title} | {SAME_COST_SHORT} | {eng.name} | {err} | | | | | | | |")
                continue
            t, nodes = out["time"], checks[eng.name]["nodes"]
            per = mem["peak"] / mem["nodes"] if mem else None
            results[(program, eng.name)] = (t, per)
            if eng is peers.Micrograd:
                base = t
                goal, met = "", ""
            else:
                goal = f"≥ {SAME_TARGET:g}× micrograd"
                met = "—" if base is None else ("yes" if base / t >= SAME_TARGET else "**no**")
            emit(
                f"| {title} | {SAME_COST_SHORT} | {eng.name} | {nodes:,} | {fmt_t(t)} | "
                f"{t / nodes * 1e6:.3f} | "
                f"{fmt_ratio(base, t)} | {out['gc']:.0%} | "
                f"{f'{per:.0f}' if per else merr} | {goal} | {met} |"
            )
        emit_missing([peers.Micrograd], before=[title, SAME_COST_SHORT], after=7)
        mg, al = results.get((program, "micrograd")), results.get((program, "autograd_lite"))
        ratio = mg[0] / al[0] if mg and al else None
        target(
            f"(d) {title}: vs micrograd",
            ratio,
            f"{ratio:.1f}×" if ratio else "",
            SAME_TARGET,
            at_least=True,
        )
        mem_ratio = al[1] / mg[1] if mg and al and mg[1] and al[1] else None
        target(
            f"(d) {title}: bytes/node, autograd_lite / micrograd",
            mem_ratio,
            f"{mem_ratio:.2f}" if mem_ratio else "",
            0.25,
            at_least=False,
        )
    emit()
    return results


def bench_targets() -> None:
    emit("## Targets")
    emit()
    emit(
        "Judged on this run's figures. Speed ratios are with the collector on throughout; the "
        "per-op time is autograd_lite's build + backward of (a) with the collector paused "
        "(`gc_paused()`); memory is tracemalloc's peak of one build divided by its nodes."
    )
    emit()
    emit("| measure | this run | target | met? |")
    emit("|---|---|---|---|")
    for row in TARGETS:
        emit("| " + " | ".join(row) + " |")
    emit()


def versions(engines) -> None:
    emit("## Environment")
    emit()
    emit(f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`")
    emit(
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    )
    for eng in engines:
        emit(f"- {eng.name}: {eng.version()}")
    emit(f"- autograd_lite imported from `{Path(autograd_lite.__file__).parent}`")
    emit(f"- clock: {'CPU time of the process' if ARGS.clock == 'cpu' else 'wall time'}")
    for eng in MISSING:
        emit(f"- {eng.name}: **not installed** ({eng.requires}); install with `{INSTALL}`")
    emit(
        f"- garbage collector: {'on' if gc.isenabled() else 'off'} "
        f"(thresholds {gc.get_threshold()})"
    )
    emit()


def report_missing() -> None:
    """Say loudly, on stderr, which peers are not installed and how to install them."""
    for eng in MISSING:
        print(
            f"benchmarks: WARNING: {eng.requires} is not installed in {sys.executable}, so "
            f"'{eng.name}' is left out (its rows say so). Install the peers, from the "
            f"repository root, with: {INSTALL}",
            file=sys.stderr,
            flush=True,
        )


def lr_targets(results: dict, sizes, features) -> None:
    """(a)'s targets: idiomatic autograd_lite at m = 10⁴, and its per-op time paused."""
    m = max(sizes)
    full = m == 10**4
    for n in features:
        where = f"n = {n}, m = {m:,}" + ("" if full else " (m = 10,000 not run)")
        t, _, base = results.get((n, m, "autograd_lite"), (None, None, None))
        ratio = base / t if t and base else None
        target(
            f"(a) autograd_lite vs micrograd, {where}",
            ratio if full else None,
            f"{ratio:.1f}×" if ratio else "",
            25.0,
            at_least=True,
        )
    for n in features:
        where = f"n = {n}, m = {m:,}" + ("" if full else " (m = 10,000 not run)")
        got = results.get((n, m, peers.AutogradLitePaused.name))
        per = got[1] * 1e6 if got else None
        target(
            f"(a) build + backward µs/op, collector paused, {where}",
            per if full else None,
            f"{per:.3f} µs" if per else "",
            0.5,
            at_least=False,
        )


def mem_target(what: str, per: dict) -> None:
    a, b = per.get("autograd_lite"), per.get("micrograd")
    ratio = a / b if a and b else None
    target(
        f"{what}: bytes/node, autograd_lite / micrograd",
        ratio,
        f"{ratio:.2f}" if ratio else "",
        0.25,
        at_least=False,
    )


def main() -> None:
    MISSING[:] = [e for e in peers.ENGINES if not e.available()]
    report_missing()
    engines = [e for e in peers.ENGINES if e.available()]
    if ARGS.no_torch:
        engines = [e for e in engines if e is not peers.Torch]
    only = set(ARGS.only or "abcd")
    versions(engines)
    quick = ARGS.quick
    t0 = time.perf_counter()
    graph_engines = [e for e in engines if e in (peers.Micrograd, peers.AutogradLite)]
    if "a" in only:
        lr_sizes = [100, 1000] if quick else [100, 1000, 10000]
        lr_results = bench_lr(engines, lr_sizes, [2, 10])
        bench_lr_floor(lr_sizes, [2, 10])
        bench_lr_parts(lr_sizes, [2, 10])
        bench_lr_paused(lr_results, lr_sizes, [2, 10])
        lr_targets(lr_results, lr_sizes, [2, 10])
        per = memory(
            "### (a) Peak memory of one build, n = 2, m = 1,000 (tracemalloc)",
            "lr-mem",
            (2, 1000),
            graph_engines,
        )
        mem_target("(a) n = 2, m = 1,000", per)
    if "c" in only:
        mlp = bench_mlp(engines)
        t, base = mlp.get("autograd_lite"), mlp.get("micrograd")
        ratio = base / t if t and base else None
        target(
            "(c) autograd_lite vs micrograd, one training step",
            ratio,
            f"{ratio:.1f}×" if ratio else "",
            25.0,
            at_least=True,
        )
        over = mlp.get("floor ratio")
        target(
            "(c) autograd_lite's step / the floor (bare nodes, the same forward)",
            over,
            f"{over:.2f}×" if over else "",
            FLOOR_TARGET,
            at_least=False,
        )
        per = memory(
            "### (c) Peak memory of one forward build (tracemalloc)", "mlp-mem", (), graph_engines
        )
        mem_target("(c) one forward build", per)
    if "b" in only:
        bench_chain(engines, [10**3, 10**4] if quick else [10**3, 10**4, 10**5, 10**6])
        steps = 10**4 if quick else 10**5
        per = memory(
            f"### (b) Peak memory while building a {steps:,}-step chain (tracemalloc)",
            "chain-mem",
            (steps,),
            graph_engines,
        )
        mem_target(f"(b) {steps:,}-step chain", per)
    if "d" in only:
        bench_same(engines)
    bench_targets()
    emit(f"Total benchmark time: {time.perf_counter() - t0:.0f} s")
    report_missing()  # again at the end, where it is seen
    if ARGS.out:
        Path(ARGS.out).write_text("\n".join(OUT) + "\n", encoding="utf-8")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smaller sizes (smoke test)")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    p.add_argument("--budget", type=float, default=1.5, help="seconds of repeats per timing")
    p.add_argument("--timeout", type=float, default=120.0, help="limit per measurement (s)")
    p.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="time with the wall clock (default) or the process's CPU time",
    )
    p.add_argument("--micrograd-chain-max", type=int, default=10**5)
    p.add_argument("--torch-chain-max", type=int, default=10**5)
    p.add_argument("--out", help="also write the Markdown tables to this file")
    p.add_argument(
        "--only",
        action="append",
        choices=["a", "b", "c", "d"],
        help="run only this workload (repeat for several); the default runs all four",
    )
    p.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    p.add_argument("--default-limit", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args()


ARGS = parse()
#: The clock of every timing: CPU time leaves out the time other processes hold the CPU.
clock = time.process_time if ARGS.clock == "cpu" else time.perf_counter

if __name__ == "__main__":
    if ARGS.worker:
        worker(ARGS.worker[0], ARGS.worker[1], ARGS.worker[2:])
    else:
        main()
