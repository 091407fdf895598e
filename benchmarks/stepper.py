"""Build time and page size of the backward stepper (autograd_lite.teach.viz.stepper_html).

    python benchmarks/stepper.py                      # the current stepper
    python benchmarks/stepper.py --old OLD.py         # and an older stepper.py beside it
    python benchmarks/stepper.py --old OLD.py --old-all  # the old one on every graph (slow)

Graphs:
  cli61     the CLI's ``draw EXPR -o page.html`` on a 61-step expression,
            sum(tanh(w*x0 + b), ..., tanh(w*x19 + b));
  lesson    the lesson's logistic-regression graph (12 steps);
  chain100  ``y = (y * w).tanh()`` 50 times: 100 ops, w used by every multiply;
  chain200  the same 100 times: 200 steps.

Times are medians of ``--repeat`` builds (default 3) after one warm-up render
(the WebAssembly Graphviz loads once per process, about a second; a system
``dot`` is used when there is one). Targets, checked at the end: a 200-step
graph under 2 s and 1 MB, the 61-step CLI example under 300 KB. An older
stepper (e.g. ``git show HEAD~1:autograd_lite/viz/stepper.py > /tmp/old.py``)
laid out one picture per step: by default it runs on cli61 and lesson only,
since it needs minutes for the chains.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
try:
    import autograd_lite  # noqa: F401
except ImportError:  # run from the source tree
    sys.path.insert(0, str(HERE.parent))

from autograd_lite import Value  # noqa: E402
from autograd_lite.cli import main as cli_main  # noqa: E402
from autograd_lite.parse import parse_expression  # noqa: E402
from autograd_lite.steps import backward_steps  # noqa: E402
from autograd_lite.teach.lesson import lesson_graph  # noqa: E402
from autograd_lite.teach.viz import stepper_html  # noqa: E402

CLI_NAMES = {**{f"x{i}": round(0.1 * i - 1, 2) for i in range(20)}, "w": 0.7, "b": -0.2}
CLI_EXPR = "sum(" + ",".join(f"tanh(w*x{i} + b)" for i in range(20)) + ")"


def chain(n: int) -> tuple[Value, dict[str, Any]]:
    x, w = Value(0.5, "x"), Value(0.9, "w")
    y = x
    for _ in range(n):
        y = (y * w).tanh()
    return y, {"parameters": [w]}


def lesson() -> tuple[Value, dict[str, Any]]:
    g = lesson_graph([1.5, -0.5], 1.0, [0.4, -0.6], 0.1)
    return g.loss, {"parameters": g.parameters}


def cli61() -> tuple[Value, dict[str, Any]]:
    return parse_expression(CLI_EXPR, CLI_NAMES), {}


GRAPHS: dict[str, Callable[[], tuple[Value, dict[str, Any]]]] = {
    "cli61": cli61,
    "lesson": lesson,
    "chain100": lambda: chain(50),
    "chain200": lambda: chain(100),
}


def steps(root: Value) -> int:
    return len({s.step for s in backward_steps(root)})


def build(make: Callable[..., str], root: Value, kw: dict[str, Any], page: Path) -> None:
    make(root, page, **kw)


def measure(build: Callable[[Path], Any], repeat: int) -> tuple[float, int]:
    times, size = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        for _ in range(repeat):
            t = time.perf_counter()
            build(page)
            times.append(time.perf_counter() - t)
            size = page.stat().st_size
    return statistics.median(times), size


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("old_stepper", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def human(size: int) -> str:
    return f"{size / 1e6:.2f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, help="an older stepper.py to measure beside")
    parser.add_argument("--old-all", action="store_true", help="run the old one on the chains")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    stepper_html(Value(1.0, "warm") * 2)  # load the renderer once, outside the timings
    rows = []
    results: dict[str, tuple[float, int]] = {}
    for name, make in GRAPHS.items():
        root, kw = make()
        n = steps(root)
        t, size = measure(functools.partial(build, stepper_html, root, kw), args.repeat)
        results[name] = (t, size)
        row = [name, str(n), f"{t:.2f} s", human(size)]
        if args.old is not None:
            if name in ("cli61", "lesson") or args.old_all:
                old = load(args.old).stepper_html
                t0, s0 = measure(functools.partial(build, old, root, kw), 1)
                row += [f"{t0:.2f} s", human(s0)]
            else:
                row += ["(skipped)", "(skipped)"]
        rows.append(row)

    # The CLI itself, end to end (in this process: the renderer is already loaded).
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "x.html"
        argv_cli = ["draw", CLI_EXPR, "--set", *(f"{k}={v}" for k, v in CLI_NAMES.items())]
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = cli_main([*argv_cli, "-o", str(out)])
        cli_t = time.perf_counter() - t
        assert code == 0, "the CLI failed"
        cli_size = out.stat().st_size

    head = ["graph", "steps", "build", "page"]
    if args.old is not None:
        head += ["old build", "old page"]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    print(f"\nCLI `autograd-lite draw <61-step expr> -o x.html`: {cli_t:.2f} s, {human(cli_size)}")

    t200, s200 = results["chain200"]
    _, s61 = results["cli61"]
    checks = [
        ("200-step graph builds in under 2 s", t200 < 2.0),
        ("200-step page under 1 MB", s200 < 1_000_000),
        ("61-step CLI page under 300 KB", cli_size < 300_000 and s61 < 300_000),
    ]
    print()
    for what, ok in checks:
        print(f"{'ok  ' if ok else 'MISS'} {what}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
