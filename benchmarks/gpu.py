"""Part (i) of benchmarks/scale.py on a GPU: the compiled LR gradient on CuPy and JAX.

    python benchmarks/gpu.py            # m = 1e4, 1e5, 1e6

Each backend's gradient is checked against NumPy to 1e-12 before it is timed.
Without a GPU it prints "no GPU found" and exits 0. Not part of the unit tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from scale import SEED, N, _fmt_time, _lr_program, _timeit  # noqa: E402


def _backends() -> dict:
    found = {}
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            found["CuPy"] = cupy
    except Exception:
        pass
    try:
        import jax

        if any(d.platform == "gpu" for d in jax.devices()):
            jax.config.update("jax_enable_x64", True)
            found["JAX jit"] = jax
    except Exception:
        pass
    return found


def main() -> int:
    import numpy as np

    backends = _backends()
    if not backends:
        print("no GPU found")
        return 0
    prog = _lr_program()
    print("| m | backend | time | max rel. error vs NumPy |")
    print("|---|---|---|---|")
    for m in (10**4, 10**5, 10**6):
        rng = np.random.default_rng(SEED)
        cols = rng.standard_normal((N, m))
        y = (rng.random(m) < 0.5).astype(float)
        P = list(rng.normal(scale=0.3, size=N + 1))
        want = np.array(
            prog.value_and_grad(*cols, y, reduce="mean", input_grads=False, params=P)[1][N + 1 :]
        )
        cpu = _timeit(
            lambda cols=cols, y=y, P=P: prog.value_and_grad(
                *cols, y, reduce="mean", input_grads=False, params=P
            )
        )
        print(f"| {m:,} | compiled NumPy (CPU, the reference) | {_fmt_time(cpu)} | 0 |")
        for name, lib in backends.items():
            if name == "CuPy":
                args = [lib.asarray(c) for c in [*cols, y]]

                def fn(args=args, lib=lib, P=P):
                    g = prog.value_and_grad(*args, reduce="mean", input_grads=False, params=P)[1]
                    lib.cuda.Stream.null.synchronize()
                    return g
            else:
                import jax.numpy as jnp

                args = [jnp.asarray(c) for c in [*cols, y]]
                f = prog.jit(reduce="mean")

                def fn(args=args, f=f, lib=lib, P=P):
                    g = f(*args, params=P)[1]
                    lib.block_until_ready(g[N + 1 :])
                    return g

            got = np.array([float(g) for g in fn()[N + 1 :]])
            err = float(np.max(np.abs(got - want)) / np.abs(want).max())
            if err > 1e-12:
                print(f"{name}: differs from NumPy by {err:.2e}")
                return 1
            print(f"| {m:,} | {name} | {_fmt_time(_timeit(fn))} | {err:.1e} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
