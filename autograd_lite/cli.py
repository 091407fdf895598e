"""The ``autograd-lite`` command line (also ``python -m autograd_lite``).

Commands:
    demo      the lesson's logistic regression end to end, into an output folder;
    explain   the step-by-step backward pass of an expression;
    draw      the graph of an expression as .svg, .dot or an .html stepper.

Exit status: 0 on success, 1 when the command fails while it runs (e.g.
``log(-1)``, a file the system refuses to write), 2 for a usage error (bad
option, rejected expression, missing value), found before anything is written.
Errors are one line on stderr, never a traceback; a syntax error adds the
expression with a caret under the column, and a missing Graphviz adds a line
on what works without it.

Text goes out in what the terminal's encoding can show: where it lacks a symbol
(``σ``, ``−``, ``×``...), the symbols are spelt in ASCII (see
:mod:`autograd_lite.teach.textout`) and one note on stderr says how to see them all.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import math
import os
import re
import sys
import unicodedata
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, cast

from autograd_lite.core.value import Value
from autograd_lite.models.progress import ProgressBar
from autograd_lite.parse import (
    FUNCTIONS,
    ExpressionError,
    compile_expression,
    normalize_name,
)
from autograd_lite.teach.names import MINUS
from autograd_lite.teach.textout import ASCII_SPELLINGS, printable_for, write_rendered, write_text

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["DEMO_EXAMPLE", "CommandError", "ProgressBar", "UsageError", "build_parser", "main"]

PROG = "autograd-lite"

#: The single example the demo explains: x = (x1, x2), y, w = (w1, w2), b.
DEMO_EXAMPLE: dict[str, tuple[float, ...] | float] = {
    "x": (1.5, -0.5),
    "y": 1.0,
    "w": (0.4, -0.8),
    "b": 0.1,
}
_DRAW_SUFFIXES = (".svg", ".dot", ".gv", ".html", ".png", ".pdf")
_MAX_PRECISION = 17
#: Upper bounds of the demo's options: beyond them it would run for hours.
MAX_EPOCHS = 10**6
MAX_EXAMPLES = 10**5
#: Epochs × examples: 10**7 is about two minutes of training.
MAX_WORK = 10**7
#: Longest time budget of one Graphviz layout, in seconds.
MAX_TIMEOUT = 3600.0


class UsageError(Exception):
    """A mistake in how the command was called (exit status 2).

    Args:
        message: The error, one line.
        detail: Lines printed under it.
        caret: The expression around a syntax error, split where the error is:
            ``(before, after)``, printed under the message with a ``^`` under
            the first character of ``after``.
    """

    def __init__(
        self, message: str, detail: Sequence[str] = (), caret: tuple[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.detail = tuple(detail)
        self.caret = caret


class CommandError(Exception):
    """A command that failed while it ran, with its message ready (exit status 1).

    Args:
        message: The error, one line.
        detail: Lines printed under it.
    """

    def __init__(self, message: str, detail: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.detail = tuple(detail)


class _Output:
    """A stream the command writes to, in what its encoding can show.

    ``literal`` holds the symbols the user typed: they are shown as typed (or
    escaped), never spelt in ASCII, so that an error quoting them stays true.
    Remembers whether the stream showed less than a UTF-8 terminal would have,
    so that :func:`_note` can say once how to see every symbol.
    """

    def __init__(self, stream: IO[str], literal: str = "") -> None:
        self.stream = stream
        self.literal = literal
        self.fell_back = False

    @property
    def encoding(self) -> str | None:
        encoding = getattr(self.stream, "encoding", None)
        return encoding if isinstance(encoding, str) else None

    def write(self, text: str) -> None:
        self.fell_back |= write_text(text, self.stream, literal=self.literal)

    def write_rendered(self, render: Callable[[str | None], str]) -> None:
        """Write a table laid out for this stream's encoding (``render(encoding)``)."""
        self.fell_back |= write_rendered(render, self.stream)


def _note(err: IO[str], *outputs: _Output) -> None:
    """Say once, on ``err``, how to see the symbols that were spelt in ASCII."""
    lacking = [o for o in outputs if o.fell_back]
    if not lacking:
        return
    encoding = lacking[0].encoding or "unknown"
    with contextlib.suppress(OSError, ValueError):
        write_text(
            f"{PROG}: note: the output's encoding ({encoding}) cannot show every character, "
            "so symbols are spelt in ASCII (sigmoid for the Greek sigma, * for the times sign) "
            "and other characters are escaped (\\u03b1); to see them all, use a UTF-8 "
            "terminal or set PYTHONIOENCODING=utf-8\n",
            err,
        )


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors raised as :class:`UsageError` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        # main() adds the program name: name only the subcommand, once.
        command = self.prog.removeprefix(PROG).strip()
        where = f"{command}: " if command else ""
        raise UsageError(f"{where}{message} (see '{self.prog} --help')")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        # --help and --version: the last text the command writes, so the note follows it.
        if message:
            output = _Output(cast("IO[str]", file or sys.stderr))
            output.write(message)
            _note(sys.stderr, output)


def _number(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return x


def _positive_number(text: str) -> float:
    x = _number(text)
    if not x > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
    return x


def _precision(text: str) -> int:
    n = _positive_int(text)
    if n > _MAX_PRECISION:
        raise argparse.ArgumentTypeError(
            f"at most {_MAX_PRECISION} (a float has no more significant digits), got {n}"
        )
    return n


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text[:40]!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def _bounded(limit: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        n = _positive_int(text)
        if n > limit:
            raise argparse.ArgumentTypeError(f"at most {limit:,} {what}, got {n:,}")
        return n

    return parse


def _seed(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text[:40]!r}") from None
    if not 0 <= n < 2**63:
        raise argparse.ArgumentTypeError(f"must be from 0 to 2**63 - 1, got {text[:40]}")
    return n


def _timeout(text: str) -> float:
    x = _number(text)
    if not 0 < x <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(
            f"must be more than 0 and at most {MAX_TIMEOUT:g} seconds, got {text!r}"
        )
    return x


def _assignment(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    # Python, and so the expression, reads names NFKC-normalised ("µ" is "μ").
    name = normalize_name(name.strip())
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    if not name.isidentifier() or name.startswith("_"):
        raise argparse.ArgumentTypeError(f"not a valid name: {name!r}")
    return name, _number(value.strip())


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``autograd-lite`` (with all subcommands)."""
    from autograd_lite import __version__

    parser = _Parser(
        prog=PROG,
        description="Build, explain and draw computation graphs with autograd_lite.",
        epilog="Run 'autograd-lite COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = sub.add_parser(
        "demo",
        help="the lesson's logistic regression, explained, drawn and trained",
        description=(
            "Explain one example of the lesson's logistic regression step by step, "
            "write its graph (graph.svg, graph.dot), the backward stepper (stepper.html) "
            "and the explanation (explanation.md), then train on generated data and "
            "plot the cost per epoch (cost.svg)."
        ),
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("autograd_lite_demo"),
        metavar="DIR",
        help="output folder (default: autograd_lite_demo)",
    )
    demo.add_argument(
        "--epochs",
        type=_bounded(MAX_EPOCHS, "epochs"),
        default=100,
        metavar="N",
        help=f"training epochs, at most {MAX_EPOCHS:,} (default: 100)",
    )
    demo.add_argument(
        "--lr",
        type=_positive_number,
        default=0.5,
        metavar="X",
        help="learning rate, more than 0 (default: 0.5)",
    )
    demo.add_argument(
        "--seed",
        type=_seed,
        default=0,
        metavar="S",
        help="seed of the generated data and initial weights (default: 0)",
    )
    demo.add_argument(
        "--examples",
        type=_bounded(MAX_EXAMPLES, "examples"),
        default=200,
        metavar="M",
        help=f"number of generated training examples, at most {MAX_EXAMPLES:,} (default: 200)",
    )
    demo.add_argument("--quiet", action="store_true", help="print only the list of written files")

    explain = sub.add_parser(
        "explain",
        help="the backward pass of an expression, step by step",
        description=(
            "Differentiate EXPR and print every step of the backward pass. "
            "EXPR uses numbers, names, + - * / **, and the functions "
            f"{', '.join(FUNCTIONS)} and sum(...). Give every name a value with --set."
        ),
        epilog="Example: autograd-lite explain 'sigmoid(w1*x1 + w2*x2 + b)' "
        "--set w1=0.5 x1=1 w2=-0.3 x2=2 b=0.1",
    )
    _expression_args(explain)
    explain.add_argument(
        "--format",
        choices=("text", "markdown", "latex"),
        default="text",
        help="output format (default: text)",
    )
    explain.add_argument(
        "--precision",
        type=_precision,
        default=4,
        metavar="N",
        help=f"significant digits, 1 to {_MAX_PRECISION} (default: 4)",
    )

    draw = sub.add_parser(
        "draw",
        help="draw the graph of an expression (.svg, .dot, .html)",
        description=(
            "Differentiate EXPR and draw its graph with values and gradients. The suffix "
            "of FILE picks the format: .svg (image), .dot (Graphviz text), .html (the "
            "step-by-step backward stepper); .png and .pdf need a system Graphviz."
        ),
        epilog="Example: autograd-lite draw 'x*y + x' --set x=2 y=3 -o graph.svg",
    )
    _expression_args(draw)
    draw.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help="where to write (.svg, .dot, .html, .png, .pdf)",
    )
    draw.add_argument(
        "--timeout",
        type=_timeout,
        default=10.0,
        metavar="SECONDS",
        help=f"time budget of one Graphviz layout, at most {MAX_TIMEOUT:g} (default: 10)",
    )
    return parser


def _expression_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "expr",
        metavar="EXPR",
        help="the expression, quoted; one that begins with '-' goes last, after '--' "
        "(e.g. --set x=2 -- '-x**2')",
    )
    p.add_argument(
        "--set",
        dest="values",
        type=_assignment,
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help="the value of a name (repeatable)",
    )


# ------------------------------------------------------------- commands
def _build(args: argparse.Namespace) -> Value:
    values: dict[str, float] = {}
    for name, x in args.values:
        if name in values:
            raise UsageError(f"{name!r} is set twice")
        values[name] = x
    try:
        expression = compile_expression(args.expr)
    except ExpressionError as exc:
        raise _expression_error(exc, args.expr) from None
    missing = [n for n in expression.names if n not in values]
    if missing:
        given = " ".join(f"{n}=VALUE" for n in missing)
        raise UsageError(f"no value for {', '.join(missing)}; add --set {given}")
    root = expression.build(values)
    _check_finite(root)
    return root


def _options(parser: argparse.ArgumentParser) -> set[str]:
    found: set[str] = set()
    for action in parser._actions:
        found.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found |= _options(sub)
    return found


def _dash_hint(exc: UsageError, argv: Sequence[str], parser: argparse.ArgumentParser) -> UsageError:
    """Add a hint when an expression starting with '-' was read as an option."""
    options = _options(parser)
    for arg in argv:
        if arg == "--":
            break
        # '--name' is a mistyped option; '-x**2' or '-x' may well be an expression.
        if arg[:1] != "-" or arg[:2] == "--" or arg.split("=", 1)[0] in options:
            continue
        try:
            float(arg)  # a negative number is an argument, not an option
        except ValueError:
            pass
        else:
            continue
        command = next((a for a in argv if a in _COMMANDS), "explain")
        hint = (
            f"{arg!r} starts with '-', so it reads as an option: put '--' before the "
            f"expression, after the options (autograd-lite {command} --set ... -- {arg!r}), "
            f"or write it in brackets ('({arg})')"
        )
        return UsageError(f"{exc}; {hint}", exc.detail, exc.caret)
    return exc


def _expression_error(exc: ExpressionError, text: str) -> UsageError:
    """Say what is wrong with ``text`` in the terms of the construct the user wrote."""
    message = _one_line(exc)
    if exc.column is not None:
        return UsageError(message, caret=_caret(text, exc.column))
    return UsageError(message)


def _syntax_error(source: str) -> SyntaxError | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source, mode="eval")
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal (wide characters 2, combining marks 0)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


#: Longest piece of an expression shown above a caret.
_SHOWN = 72


def _caret(text: str, column: int) -> tuple[str, str] | None:
    """Return the expression split at ``column`` (1-based, in ``text``), shortened around it."""
    source = text.strip()
    if not source or not source.isprintable():  # a line break, a tab, control characters
        return None
    exc = _syntax_error(source)
    if exc is not None and exc.lineno not in (None, 1):
        return None
    col = column - (len(text) - len(text.lstrip()))
    # Past the end means the text ended too early: point at its last character.
    if not 1 <= col <= len(source):
        col = len(source)
    start = max(0, min(col - 1 - _SHOWN // 2, len(source) - _SHOWN))
    end = min(len(source), start + _SHOWN)
    head = "..." if start > 0 else ""
    tail = "..." if end < len(source) else ""
    return head + source[start : col - 1], source[col - 1 : end] + tail


@contextlib.contextmanager
def _writing(path: Path, what: str = "write") -> Iterator[None]:
    """Turn an OSError into one line naming ``path`` (or the file inside it) and the problem."""
    try:
        yield
    except BrokenPipeError:  # stdout closed early (e.g. piped into `head`): not a file error
        raise
    except OSError as exc:
        raise CommandError(f"cannot {what} {_failed_path(exc, path)}: {_problem(exc)}") from None


def _failed_path(exc: OSError, default: Path) -> str:
    if not exc.filename:
        return str(default)
    name = Path(os.fsdecode(exc.filename))
    # A temporary file of write_atomic, ".NAME.XXXXXXXX.tmp": name the file it was for.
    match = re.fullmatch(r"\.(.+)\.[^.]+\.tmp", name.name)
    return str(name.with_name(match.group(1)) if match else name)


def _problem(exc: OSError) -> str:
    text = exc.strerror or _one_line(exc)
    return text[:1].lower() + text[1:]


def _check_finite(root: Value) -> None:
    """Refuse a result or a gradient that overflowed: never print a silent inf or NaN."""
    from autograd_lite.core.graph import topological
    from autograd_lite.steps import backward_steps

    def who(node: Value) -> str:
        return f"{node.label!r} = {node.data!r}" if node.label else f"{node.data!r}"

    for node in topological(root):
        if node.op is not None and not math.isfinite(node.data):
            inputs = ", ".join(who(p) for p in node.parents)
            raise ArithmeticError(
                f"{node.op.name}: the result is {node.data!r} (it overflowed a float); "
                f"inputs: {inputs}"
            )
    steps = backward_steps(root)
    while True:
        try:
            s = next(steps, None)
        except OverflowError as exc:
            # Some local derivatives overflow inside float arithmetic, whose message
            # is an errno tuple "(34, 'Numerical result out of range')": say what it means.
            text = _ERRNO.sub("a local derivative overflows a float", str(exc))
            raise OverflowError(text) from None
        if s is None:
            break
        if not math.isfinite(s.contribution):
            assert s.node.op is not None
            raise ArithmeticError(
                f"{s.node.op.name} backward: the gradient sent to {who(s.parent)} is "
                f"{s.contribution!r} (upstream {s.upstream!r} × local derivative {s.local!r})"
            )


_ERRNO = re.compile(r"\(\d+, '[^']*'\)")


def _cmd_explain(args: argparse.Namespace, out: _Output, err: _Output) -> int:
    from autograd_lite.teach.explain import explain

    root = _build(args)
    e = explain(root, precision=args.precision)
    if args.format == "text":
        out.write_rendered(lambda encoding: e.to_text(encoding=encoding, literal=out.literal))
    else:
        out.write(e.to_markdown() if args.format == "markdown" else e.to_latex())
    return 0


def _cmd_draw(args: argparse.Namespace, out: _Output, err: _Output) -> int:
    path: Path = args.output
    suffix = path.suffix.lower()
    if suffix not in _DRAW_SUFFIXES:
        raise UsageError(
            f"cannot draw to {str(path)!r}: use a file ending in {', '.join(_DRAW_SUFFIXES)}"
        )
    root = _build(args)
    from autograd_lite.teach.viz import draw
    from autograd_lite.teach.viz.render import RendererNotFound, RenderError

    root.backward()
    if path.parent and not path.parent.exists():
        raise UsageError(f"folder {str(path.parent)!r} does not exist")
    if path.is_dir():
        raise UsageError(f"{str(path)!r} is a folder; name a file")
    try:
        with _writing(path):
            draw(root, path, timeout=args.timeout)
    except RendererNotFound as exc:
        if suffix not in (".png", ".pdf"):
            raise
        fallback = re.search(r"The DOT text was written to (.+)\.$", _one_line(exc))
        kept = f"; the DOT text was written to {fallback.group(1)}" if fallback else ""
        raise CommandError(
            f"{suffix[1:].upper()} needs a system Graphviz: apt-get install graphviz, "
            "brew install graphviz or conda install graphviz",
            [f"SVG works without it (-o {path.with_suffix('.svg')}){kept}"],
        ) from None
    except RenderError as exc:
        # The library's advice names Python options (focus=, timeout=): give the CLI's.
        first = _one_line(exc).split(". Pass ")[0].split(". Draw ")[0].rstrip(".")
        raise RenderError(
            f"{first}. Draw it as .dot (no layout needed), raise --timeout, or use "
            "autograd_lite.teach.viz from Python to draw a part (focus=)"
        ) from None
    except ValueError as exc:
        # The library's message names Python options (max_steps=, focus=) the CLI lacks.
        if "max_steps=" in str(exc) or "max_nodes=" in str(exc):
            what = "steps for one stepper page" if suffix == ".html" else "nodes to lay out"
            raise ValueError(
                f"this expression's graph has too many {what} ({_one_line(exc).split(';')[0]}); "
                "draw it as .dot (never refused for size), or use autograd_lite.teach.viz from "
                "Python for its options"
            ) from None
        raise
    out.write(f"wrote {path}\n")
    return 0


def _cmd_demo(args: argparse.Namespace, out: _Output, err: _Output) -> int:
    folder: Path = args.out
    if args.examples * args.epochs > MAX_WORK:
        raise UsageError(
            f"--examples × --epochs is at most {MAX_WORK:,} (about two minutes of training), "
            f"got {args.examples:,} × {args.epochs:,}"
        )
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{str(folder)!r} exists and is not a folder")
    with _writing(folder, "create the folder"):
        folder.mkdir(parents=True, exist_ok=True)
    with _writing(folder):
        return _demo(args, folder, out, err)


def _demo(args: argparse.Namespace, folder: Path, out: _Output, err: _Output) -> int:
    from autograd_lite.models.logistic import LogisticRegression, make_data
    from autograd_lite.models.plot import save_line_chart
    from autograd_lite.teach.explain import explain
    from autograd_lite.teach.lesson import explain_lesson, lesson_graph
    from autograd_lite.teach.viz import draw
    from autograd_lite.teach.viz.files import write_atomic

    ex = DEMO_EXAMPLE
    g = lesson_graph(ex["x"], ex["y"], ex["w"], ex["b"])  # type: ignore[arg-type]
    steps = explain(g.loss)
    lesson = explain_lesson(g)
    if not args.quiet:
        out.write("The lesson's logistic regression on one example\n\n")
        out.write_rendered(lambda encoding: lesson.to_text(encoding=encoding))
        out.write("\nEvery step of the backward pass through the graph:\n\n")
        out.write_rendered(lambda encoding: steps.to_text(encoding=encoding))
        out.write("\n")
    written = []
    write_atomic(
        folder / "explanation.md",
        "# One example of logistic regression, step by step\n\n"
        "## As in the lesson\n\n" + lesson.to_markdown() + "\n"
        "## Every step of the backward pass\n\n" + steps.to_markdown(),
    )
    written.append(folder / "explanation.md")
    g.loss.backward()
    # x and y are data (no gradient shown); top down, the picture fits a window's width.
    kw: dict[str, Any] = {"parameters": g.parameters, "data": g.inputs}
    written.append(draw(g.loss, folder / "graph.dot", rankdir="TB", **kw))
    written.append(draw(g.loss, folder / "graph.svg", rankdir="TB", **kw))
    written.append(draw(g.loss, folder / "stepper.html", **kw))

    X, Y = make_data(args.examples, 2, seed=args.seed)
    model = LogisticRegression(2, seed=args.seed)
    # The bar writes only ASCII, and redraws itself in place: give it the stream itself.
    bar = None if args.quiet else ProgressBar(args.epochs, err.stream)

    def progress(epoch: int, cost: float) -> None:
        if bar is not None:
            bar.update(epoch + 1, f"cost {cost:.4f}")

    history = model.fit(X, Y, lr=args.lr, epochs=args.epochs, progress=progress)
    accuracy = sum(int(p == y) for p, y in zip(model.predict(X), Y, strict=True)) / len(Y)
    written.append(
        save_line_chart(
            folder / "cost.svg",
            history,
            xs=list(range(1, len(history) + 1)),
            title="Cost per epoch (batch gradient descent)",
            x_label="epoch",
            y_label="cost J",
        )
    )
    if not args.quiet:
        # The minus sign of the explanations above: one sign in one output.
        w = ", ".join(f"{p.label} = {p.data:.4f}".replace("-", MINUS) for p in model.parameters())
        out.write(
            f"Trained {args.epochs} epochs on {len(Y)} generated examples: "
            f"cost {history[0]:.4f} -> {history[-1]:.4f}, accuracy {accuracy:.1%}; {w}\n"
        )
    out.write("Wrote " + ", ".join(str(p) for p in written) + "\n")
    return 0


_COMMANDS = {"demo": _cmd_demo, "explain": _cmd_explain, "draw": _cmd_draw}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _report(err: _Output, exc: Exception) -> None:
    err.write(f"{PROG}: error: {_one_line(exc)}\n")
    for line in getattr(exc, "detail", ()):
        err.write(f"  {line}\n")
    caret: tuple[str, str] | None = getattr(exc, "caret", None)
    if caret is None:
        return
    before, after = caret

    def lines(encoding: str | None) -> str:
        # Spelt or escaped for the stream before the caret is placed, so it stays under
        # the column; both halves alike, as the whole line would be.
        b, a = (
            printable_for(encoding, t, literal=err.literal, context=before + after) for t in caret
        )
        return f"  {b}{a}\n  {' ' * _width(b)}^\n"

    err.write_rendered(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status (0 ok, 1 failure, 2 usage).

    Args:
        argv: The arguments without the program name; ``sys.argv[1:]`` by default.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    typed = "".join(sorted({c for a in args for c in a if c in ASCII_SPELLINGS}))
    out, err = _Output(sys.stdout, typed), _Output(sys.stderr, typed)
    try:
        return _run(args, out, err)
    finally:
        _note(sys.stderr, out, err)


def _run(argv: list[str], out: _Output, err: _Output) -> int:
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help and --version exit through argparse
            return exc.code if isinstance(exc.code, int) else 0
        except UsageError as exc:
            raise _dash_hint(exc, argv, parser) from None
        if args.command is None:
            err.write(parser.format_help())
            return 2
        return _COMMANDS[args.command](args, out, err)
    except (UsageError, ExpressionError) as exc:
        _report(err, exc)
        return 2
    except CommandError as exc:
        _report(err, exc)
        return 1
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, ArithmeticError, RuntimeError, OSError) as exc:
        err.write(f"{PROG}: error: {_one_line(exc)}\n")
        return 1
    except KeyboardInterrupt:
        err.write(f"{PROG}: interrupted\n")
        return 130
    except Exception as exc:
        if os.environ.get("AUTOGRAD_LITE_DEBUG"):
            raise
        err.write(
            f"{PROG}: internal error: {type(exc).__name__}: {_one_line(exc)} "
            "(set AUTOGRAD_LITE_DEBUG=1 to see the traceback)\n"
        )
        return 1
