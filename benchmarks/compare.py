"""Benchmark autograd_lite at a git revision against the working tree, in one run.

    python benchmarks/compare.py REV                  # workloads (a)-(d), old vs new
    python benchmarks/compare.py REV --only c         # one workload (repeatable)
    python benchmarks/compare.py REV --quick          # run.py's smaller sizes
    python benchmarks/compare.py REV --rounds 5       # 5 old/new pairs per row (default 3)
    python benchmarks/compare.py REV --clock wall     # wall time, not CPU time

REV is anything git understands (a commit, a branch, ``HEAD~2``). Its
``autograd_lite`` package is extracted with ``git archive`` into a temporary
directory; the new side is the working tree as it is, uncommitted changes
included. Every measurement is one worker of ``benchmarks/run.py`` (the working
tree's harness, the same code for both sides) in a fresh process, told by the
environment variable ``AUTOGRAD_LITE_BENCH_ROOT`` which copy to import: the
worker puts that directory first on ``sys.path`` and drops an editable
install's finder from ``sys.meta_path``, and the file it imported is checked
against that directory.

Each row runs ``--rounds`` pairs of workers, old and new back to back (which
goes first alternates), and keeps each side's best figure: other load on a
shared machine only ever slows a worker down. Each worker's time is the median
of many calls of the process's CPU time by default (``--clock cpu``), which
leaves out the time other processes hold the CPU; ``--clock wall`` times as
run.py does by default. Each workload gets a table of autograd_lite's rows
in it (times, and bytes per node): old, new and new/old. Below 1 the working
tree is faster or leaner.
(c) includes the floor (bare nodes running the same forward), whose figure
barely depends on the engine: its new/old shows how steady the machine was.
The run ends with the largest new/old of the timed rows and whether every
timed row is at most 1 + ``--tolerance``.

A row whose worker fails (the old revision lacks something the harness uses,
a crash, a time-out) says why and has no ratio.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RUN = HERE / "run.py"
#: The variable benchmarks/run.py reads to import autograd_lite from a given directory.
ROOT_VAR = "AUTOGRAD_LITE_BENCH_ROOT"

sys.path.insert(0, str(HERE))
import peers  # noqa: E402  (imports autograd_lite only inside its engines' methods)

EAGER = peers.AutogradLite.name
PAUSED = peers.AutogradLitePaused.name
FIT = peers.AutogradLiteFit.name
COMPILED = peers.AutogradLiteCompiled.name
FLOOR = peers.Floor.name


@dataclass(frozen=True)
class Measure:
    """One row: a run.py worker (``kind``, ``engine``, ``args``) and what to read from it."""

    label: str
    kind: str
    engine: str
    args: tuple[object, ...] = ()
    memory: bool = False  # bytes per node (peak / nodes) instead of the time

    def value(self, out: dict) -> float:
        return out["peak"] / out["nodes"] if self.memory else out["time"]


def plan(quick: bool) -> dict[str, list[Measure]]:
    """The rows of each workload, at run.py's sizes."""
    lr_sizes = [100, 1000] if quick else [100, 1000, 10000]
    chain_steps = [10**3, 10**4] if quick else [10**3, 10**4, 10**5, 10**6]
    chain_mem = 10**4 if quick else 10**5
    a = [
        Measure(f"n = {n}, m = {m:,}: {engine}", "lr", engine, (n, m))
        for n in (2, 10)
        for m in lr_sizes
        for engine in (EAGER, PAUSED, FIT, COMPILED)
    ]
    a.append(Measure("n = 2, m = 1,000: bytes/node", "lr-mem", EAGER, (2, 1000), memory=True))
    b = [Measure(f"{k:,} steps", "chain", EAGER, (k,)) for k in chain_steps]
    b.append(Measure(f"{chain_mem:,} steps: bytes/node", "chain-mem", EAGER, (chain_mem,), True))
    c = [
        Measure("one training step: autograd_lite", "mlp", EAGER),
        Measure("one training step: autograd_lite compiled", "mlp", COMPILED),
        Measure("floor: bare nodes, the same forward", "mlp-floor", FLOOR),
        Measure("one forward build: bytes/node", "mlp-mem", EAGER, memory=True),
    ]
    d = [
        Measure("1. linear, n = 10, m = 4,000", "same", EAGER, ("lr", "time")),
        Measure("2. MLP demo step", "same", EAGER, ("mlp", "time")),
        Measure("2. MLP demo: bytes/node", "same", EAGER, ("mlp", "mem"), memory=True),
    ]
    return {"a": a, "b": b, "c": c, "d": d}


TITLES = {
    "a": "(a) Logistic regression: cost build + backward",
    "b": "(b) Chain x → 1.0001·x + 0.0001: build + backward",
    "c": "(c) micrograd's demo: one training step of MLP(2, [16, 16, 1])",
    "d": "(d) micrograd's code, unchanged",
}


def git(*args: str) -> bytes:
    done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, check=False)
    if done.returncode != 0:
        sys.exit(f"compare: git {' '.join(args)} failed: {done.stderr.decode().strip()}")
    return done.stdout


def extract(commit: str, into: Path) -> Path:
    """Write the ``autograd_lite`` package of ``commit`` under ``into``; return ``into``."""
    tar = git("archive", "--format=tar", commit, "autograd_lite")
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    if not (into / "autograd_lite" / "__init__.py").is_file():
        sys.exit(f"compare: {commit} has no autograd_lite/__init__.py")
    return into


def worker(root: Path, m: Measure, opts: argparse.Namespace) -> tuple[float | None, str]:
    """Run one measurement against the package under ``root``: (value, "") or (None, why)."""
    cmd = [sys.executable, str(RUN), "--budget", str(opts.budget), "--clock", opts.clock]
    cmd += ["--worker", m.kind, m.engine]
    cmd += [str(a) for a in m.args]
    env = {**os.environ, ROOT_VAR: str(root)}
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=opts.timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        return None, f"did not finish in {opts.timeout:.0f} s"
    if proc.returncode != 0:
        if proc.returncode < 0:
            return None, f"crashed (signal {-proc.returncode})"
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return None, f"failed: {last[:90]}"
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    got = Path(out["autograd_lite_file"]).resolve()
    if not got.is_relative_to(root.resolve()):
        return None, f"imported autograd_lite from {got}, not from {root}"
    return m.value(out), ""


def fmt(value: float | None, why: str, memory: bool) -> str:
    if value is None:
        return why
    if memory:
        return f"{value:.0f} B"
    if value >= 1.0:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.1f} µs"


def main() -> None:
    opts = parse()
    commit = git("rev-parse", "--verify", f"{opts.rev}^{{commit}}").decode().strip()
    subject = git("log", "-1", "--format=%h %s", commit).decode().strip()
    only = opts.only or list("abcd")
    lines: list[str] = []

    def emit(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    emit(f"# autograd_lite at {opts.rev} (old) vs the working tree (new)")
    emit()
    emit(f"- old: `{subject}`")
    emit(f"- new: the working tree `{REPO}`, uncommitted changes included")
    emit(
        f"- Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; workers of `benchmarks/run.py`"
    )
    clock = "CPU time of each worker" if opts.clock == "cpu" else "wall time"
    emit(f"- clock: {clock}; best of {opts.rounds} round(s) per side")
    emit()
    worst: tuple[float, str] | None = None
    failed = 0
    with tempfile.TemporaryDirectory(prefix="autograd_lite-old-") as tmp:
        roots = {"old": extract(commit, Path(tmp)), "new": REPO}
        index = 0
        for key, rows in plan(opts.quick).items():
            if key not in only:
                continue
            emit(f"## {TITLES[key]}")
            emit()
            emit(f"| measure | old ({commit[:7]}) | new | new/old |")
            emit("|---|---|---|---|")
            for m in rows:
                got: dict[str, list[float]] = {"old": [], "new": []}
                why = {"old": "", "new": ""}
                for r in range(opts.rounds):
                    # Alternate which side goes first, row by row and round by round.
                    order = ("old", "new") if (index + r) % 2 == 0 else ("new", "old")
                    for side in order:
                        value, err = worker(roots[side], m, opts)
                        if value is None:
                            why[side] = err
                        else:
                            got[side].append(value)
                index += 1
                # Other load on the machine only ever slows a worker down: keep each side's best.
                old = min(got["old"]) if got["old"] and not why["old"] else None
                new = min(got["new"]) if got["new"] and not why["new"] else None
                ratio = new / old if old and new else None
                if ratio is None:
                    failed += 1
                elif not m.memory and (worst is None or ratio > worst[0]):
                    worst = (ratio, f"({key}) {m.label}")
                emit(
                    f"| {m.label} | {fmt(old, why['old'], m.memory)} | "
                    f"{fmt(new, why['new'], m.memory)} | "
                    f"{f'{ratio:.2f}' if ratio else '—'} |"
                )
            emit()
    if worst:
        ok = worst[0] <= 1.0 + opts.tolerance and not failed
        emit(f"Largest new/old of the timed rows: {worst[0]:.2f}, {worst[1]}.")
        emit(
            f"New at least as fast as old on every timed row (new/old ≤ {1 + opts.tolerance:g}): "
            f"{'yes' if ok else '**no**'}" + (f" ({failed} row(s) not measured)" if failed else "")
        )
    else:
        emit("No timed row was measured on both sides.")
    if opts.out:
        Path(opts.out).write_text("\n".join(lines) + "\n", encoding="utf-8")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("rev", help="the git revision of the old engine (commit, branch, tag)")
    p.add_argument(
        "--only",
        action="append",
        choices=["a", "b", "c", "d"],
        help="run only this workload (repeat for several); the default runs all four",
    )
    p.add_argument("--quick", action="store_true", help="run.py's smaller sizes (smoke test)")
    p.add_argument("--budget", type=float, default=1.5, help="seconds of repeats per timing")
    p.add_argument("--timeout", type=float, default=120.0, help="limit per measurement (s)")
    p.add_argument(
        "--clock",
        choices=["cpu", "wall"],
        default="cpu",
        help="time with the process's CPU time (default) or the wall clock",
    )
    p.add_argument(
        "--rounds", type=int, default=3, help="old/new pairs per row (default 3; best of each side)"
    )
    p.add_argument(
        "--tolerance",
        type=float,
        default=0.05,
        help="new/old above 1 + this counts as slower in the verdict (default 0.05)",
    )
    p.add_argument("--out", help="also write the Markdown tables to this file")
    opts = p.parse_args()
    if opts.rounds < 1:
        p.error(f"--rounds must be at least 1, got {opts.rounds}")
    return opts


if __name__ == "__main__":
    main()
