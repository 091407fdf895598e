"""Benchmark the compiled path at scale: one process, and a 2-worker dask cluster.

    python benchmarks/scale.py              # (i) m = 1e4, 1e5, 1e6; (ii) m = 1e7
    python benchmarks/scale.py --quick      # (ii) with m = 1e6
    python benchmarks/scale.py --m 3000000  # (ii) with the given m
    python benchmarks/scale.py --only i     # one part

(i) The logistic-regression gradient (n = 10, mean over m examples, parameters
only) by the compiled program on NumPy, by the compiled program under JAX's jit
(float64), and by hand-written NumPy (dz = σ(z) − y; dw = Xᵀdz/m). Every
result is checked against hand NumPy to 1e-12 before it is timed.

(ii) Fitting LR (n = 10) on a LocalCluster of 2 worker processes (1 thread
each), on rows generated chunk-wise on the workers (``da.random``, seeded, then
persisted there): autograd_lite's ``fit_logistic`` (Newton, L-BFGS) against
dask-ml's ``LogisticRegression(solver="newton")`` and ``"lbfgs"``, on the same
cluster and data. Reported: the cost reached (the mean logistic loss, computed
the same way for every fit), the accuracy, the wall time of the fit and the
client's memory (tracemalloc peak of Python allocations during the fit, and the
growth of the client process's RSS). A last row fits the same rows by Newton on
NumPy in one process, without the cluster (the rows computed into memory first,
not timed): what the cluster costs when the data fits on one machine.

Each engine runs in its own subprocess (a fresh heap, as benchmarks/run.py
does); in (ii) those subprocesses are clients of one cluster started by the
parent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

N = 10
SEED = 7
SINGLE = ("hand NumPy", "compiled NumPy", "compiled JAX jit")
CLUSTER = ("autograd_lite newton", "autograd_lite lbfgs", "dask-ml newton", "dask-ml lbfgs")
IN_MEMORY = "autograd_lite newton, NumPy in one process"


def _timeit(fn, budget: float = 1.5) -> float:
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < budget and len(times) < 51):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


# --------------------------------------------------------------- (i)
def _lr_program():
    from autograd_lite.compiled import compile_graph
    from autograd_lite.core.value import Value, vsum

    xs = [Value(0.0, f"x{i}") for i in range(1, N + 1)]
    y = Value(0.0, "y")
    w = [Value(0.0, f"w{i}") for i in range(1, N + 1)]
    b = Value(0.0, "b")
    z = vsum([*(wi * xi for wi, xi in zip(w, xs, strict=True)), b])
    return compile_graph(z.softplus() - y * z, [*xs, y], [*w, b])


def worker_single(engine: str, m: int) -> dict:
    import numpy as np

    rng = np.random.default_rng(SEED)
    cols = rng.standard_normal((N, m))  # one contiguous row per feature
    y = (rng.random(m) < 0.5).astype(float)
    theta = rng.normal(scale=0.3, size=N + 1)
    w, b = theta[:N], theta[N]
    X = cols.T  # (m, n) view

    def hand():
        z = X @ w + b
        a = np.empty_like(z)
        pos = z >= 0
        a[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
        e = np.exp(z[~pos])
        a[~pos] = e / (1.0 + e)
        dz = a - y
        return np.concatenate([cols @ dz, [dz.sum()]]) / m

    want = hand()
    prog = _lr_program()
    P = list(theta)
    if engine == "hand NumPy":
        fn = hand
        got = want
    elif engine == "compiled NumPy":
        args = [*cols, y]

        def fn():
            return prog.value_and_grad(*args, reduce="mean", input_grads=False, params=P)[1]

        got = np.array(fn()[N + 1 :])
    else:
        import jax

        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp

        args = [jnp.asarray(c) for c in cols] + [jnp.asarray(y)]
        f = prog.jit(reduce="mean")

        def fn():
            g = f(*args, params=P)[1]
            jax.block_until_ready(g[N + 1 :])
            return g

        got = np.array([float(g) for g in fn()[N + 1 :]])
    err = float(np.max(np.abs(got - want) / np.maximum(1e-300, np.abs(want).max())))
    if err > 1e-12:
        raise SystemExit(f"{engine}: gradient differs from hand NumPy by {err:.2e}")
    return {"time": _timeit(fn), "err": err}


# -------------------------------------------------------------- (ii)
def _data(m: int, chunk: int):
    import dask.array as da

    rng = da.random.default_rng(SEED)
    X = rng.standard_normal((m, N), chunks=(chunk, N))
    true_w = da.from_array([(-1.0) ** i * (0.2 + 0.1 * i) for i in range(N)], chunks=N)
    noise = rng.standard_normal(m, chunks=chunk)
    y = ((X @ true_w + 0.25 + noise) > 0).astype(float)
    return X, y


def _cost_and_accuracy(X, y, w, b, client) -> tuple[float, float]:
    import dask.array as da
    import numpy as np

    z = X @ np.asarray(w, dtype=float) + float(b)
    loss = da.logaddexp(0.0, z) - y * z
    acc = ((z > 0).astype(float) == y).astype(float)
    c, a = client.compute([loss.mean(), acc.mean()], sync=True)
    return float(c), float(a)


def worker_in_memory(m: int, chunk: int) -> dict:
    """The same rows, materialised in this process, fitted by Newton on NumPy (no cluster)."""
    import dask
    import numpy as np

    from autograd_lite.models.optimize import fit_logistic

    X, y = dask.compute(*_data(m, chunk), scheduler="threads")
    t = time.perf_counter()
    fit = fit_logistic(X, y, solver="newton", tol=1e-9, max_iter=100)
    wall = time.perf_counter() - t
    z = X @ fit.weights + fit.bias
    cost = float(np.mean(np.logaddexp(0.0, z) - y * z))
    acc = float(np.mean((z > 0) == (y == 1.0)))
    out = {"time": wall, "cost": cost, "accuracy": acc, "peak": -1, "rss": -1}
    return {**out, "iters": fit.n_iter, "w": list(map(float, fit.weights)), "b": fit.bias}


def worker_cluster(engine: str, m: int, address: str, chunk: int) -> dict:
    import tracemalloc

    import numpy as np
    import psutil
    from distributed import Client, wait

    client = Client(address)
    X, y = _data(m, chunk)
    X, y = client.persist([X, y])
    wait([X, y])
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    tracemalloc.start()
    t = time.perf_counter()
    if engine.startswith("autograd_lite"):
        from autograd_lite.models.optimize import fit_logistic

        fit = fit_logistic(X, y, solver=engine.split()[1], tol=1e-9, max_iter=100)
        w, b, iters = fit.weights, fit.bias, fit.n_iter
    else:
        from dask_ml.linear_model import LogisticRegression

        solver = engine.split()[1]
        kw = {"C": 1e12} if solver == "lbfgs" else {}  # no penalty, as ours
        lr = LogisticRegression(solver=solver, tol=1e-9, max_iter=100, **kw)
        lr.fit(X, y)
        w, b, iters = np.asarray(lr.coef_).ravel(), float(lr.intercept_), -1
    wall = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = proc.memory_info().rss - rss0
    cost, acc = _cost_and_accuracy(X, y, w, b, client)
    client.close()
    return {
        "time": wall,
        "cost": cost,
        "accuracy": acc,
        "peak": peak,
        "rss": rss,
        "iters": iters,
        "w": list(map(float, w)),
        "b": float(b),
    }


# ------------------------------------------------------------ driver
def _spawn(args: list[str], timeout: float) -> tuple[dict | None, str | None]:
    cmd = [sys.executable, __file__, "--worker", *args]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s"
    if p.returncode != 0:
        return None, (p.stderr.strip().splitlines() or ["failed"])[-1]
    return json.loads(p.stdout.strip().splitlines()[-1]), None


def _fmt_time(t: float) -> str:
    return f"{t * 1e3:.2f} ms" if t < 1 else f"{t:.2f} s"


def part_i() -> None:
    print("\n### (i) LR gradient, n = 10, one process\n")
    print("| m | engine | time | vs hand NumPy | max rel. error |")
    print("|---|---|---|---|---|")
    for m in (10**4, 10**5, 10**6):
        base = None
        for eng in SINGLE:
            r, err = _spawn(["single", eng, str(m)], 600)
            if r is None:
                print(f"| {m:,} | {eng} | — | — | {err} |")
                continue
            base = r["time"] if eng == "hand NumPy" else base
            ratio = f"{r['time'] / base:.2f}×" if base else "—"
            print(f"| {m:,} | {eng} | {_fmt_time(r['time'])} | {ratio} | {r['err']:.1e} |")


def part_ii(m: int) -> None:
    from distributed import LocalCluster

    chunk = max(m // 16, 10_000)
    print(f"\n### (ii) fit LR, n = 10, m = {m:,}, 2 worker processes (chunks of {chunk:,} rows)\n")
    in_memory = _spawn(["memory", IN_MEMORY, str(m), str(chunk)], 3600)  # before the cluster
    cluster = LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        rows = []
        for eng in CLUSTER:
            r, err = _spawn(["cluster", eng, str(m), cluster.scheduler_address, str(chunk)], 3600)
            rows.append((eng, r, err))
    finally:
        cluster.close()
    rows.append((IN_MEMORY, *in_memory))
    best = min((r["cost"] for _, r, _ in rows if r), default=float("nan"))
    print(
        "| engine | cost | rel. to best | accuracy | wall time | client peak (tracemalloc) |"
        " client RSS growth | iterations |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for eng, r, err in rows:
        if r is None:
            print(f"| {eng} | — | — | — | — | — | — | {err} |")
            continue
        rel = (r["cost"] - best) / best
        it = r["iters"] if r["iters"] >= 0 else "—"
        mem = [
            f"{r[k] / 2**20:.1f} MiB" if r[k] >= 0 else "(data in memory)" for k in ("peak", "rss")
        ]
        print(
            f"| {eng} | {r['cost']:.10f} | {rel:.1e} | {r['accuracy']:.4f} | "
            f"{_fmt_time(r['time'])} | {mem[0]} | {mem[1]} | {it} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="(ii) with m = 1e6")
    ap.add_argument("--m", type=int, default=None, help="number of examples of (ii)")
    ap.add_argument("--only", choices=["i", "ii"], action="append")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        kind, eng, m, *rest = a.worker
        if kind == "single":
            out = worker_single(eng, int(m))
        elif kind == "memory":
            out = worker_in_memory(int(m), int(rest[0]))
        else:
            out = worker_cluster(eng, int(m), rest[0], int(rest[1]))
        print(json.dumps(out))
        return
    m = a.m or (10**6 if a.quick else 10**7)
    import numpy

    print(f"- command: `python {' '.join(['benchmarks/scale.py', *sys.argv[1:]])}`")
    print(
        f"- Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; NumPy {numpy.__version__}"
    )
    for mod in ("jax", "dask", "distributed", "dask_ml"):
        try:
            print(f"- {mod} {__import__(mod).__version__}")
        except ImportError:
            print(f"- {mod}: not installed")
    parts = a.only or ["i", "ii"]
    if "i" in parts:
        part_i()
    if "ii" in parts:
        part_ii(m)


if __name__ == "__main__":
    main()
