"""Text output on terminals that lack the library's symbols (ASCII, Latin-1, cp1252).

The expected texts here are written by hand: the ASCII spelling of each symbol as the
user documentation promises it, numbers from plain float arithmetic.
"""

from __future__ import annotations

import codecs
import io
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import TABLE, Value
from autograd_lite.parse import compile_expression
from autograd_lite.teach.explain import explain, explain_forward
from autograd_lite.teach.lesson import explain_lesson, lesson_graph
from autograd_lite.teach.textout import (
    ASCII_SPELLINGS,
    fits,
    printable_for,
    spell,
    write_rendered,
    write_text,
)

NARROW = ["ascii", "latin-1", "cp1252"]
NOTE = "PYTHONIOENCODING=utf-8"


def stream(encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding, newline="")


def written(s: io.TextIOWrapper) -> bytes:
    s.flush()
    buffer = s.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue()


def cli(encoding: str, *argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    env.pop("PYTHONUTF8", None)
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", *argv],
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def table_is_aligned(text: str) -> None:
    """Every row of a text table breaks into cells where the dashed rule does."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("----"))
    rule = lines[at]
    starts = [j for j in range(1, len(rule)) if rule[j - 1 : j + 1] == " -"]
    ends = [j - 2 for j in starts[1:]] + [len(rule)]
    body = lines[at + 1 :]
    rows = [lines[at - 1], *body[: body.index("")]]
    for row in rows:
        for j, end in zip(starts, ends, strict=True):
            assert row[j - 2 : j] == "  " or len(row) < j, (row, j)
            # a cell starts at its column (or is empty): none pushed right, none overflowing
            assert row[j : j + 1] != " " or not row[j:end].strip(), (row, j)


# ------------------------------------------------------------------ the helper
def test_each_symbol_has_its_documented_ascii_spelling() -> None:
    text = "a = σ(z); ∂L/∂a = −1 × 2 · 3 ÷ 4; x² + y³; ±inf; a → b ← c; … – — Σ"
    assert spell(text) == (
        "a = sigmoid(z); dL/da = -1 * 2 * 3 / 4; x^2 + y^3; +/-inf; a -> b <- c; ... - -- sum"
    )


@pytest.mark.parametrize("encoding", NARROW)
def test_write_text_spells_the_symbols_on_a_narrow_stream(encoding: str) -> None:
    s = stream(encoding)
    assert write_text("da/dz = a(1 − a) = σ(z)·(1 − σ(z))\n", s) is True
    assert written(s) == b"da/dz = a(1 - a) = sigmoid(z)*(1 - sigmoid(z))\n"


def test_all_symbols_are_spelt_even_those_the_encoding_has() -> None:
    # cp1252 has × and ·, not σ: one notation throughout, not "sigmoid(z) × 2".
    assert printable_for("cp1252", "σ(z) × 2 · 3") == "sigmoid(z) * 2 * 3"
    assert printable_for("cp1252", "x × 2 · 3") == "x × 2 · 3"  # it fits: unchanged


def test_what_fits_is_written_unchanged() -> None:
    text = "out = σ(x) × 2 − ∂ …\n"
    s = stream("utf-8")
    assert write_text(text, s) is False
    assert written(s) == text.encode("utf-8")
    s = stream("latin-1")
    assert write_text("naïve × ·\n", s) is False
    assert written(s) == "naïve × ·\n".encode("latin-1")
    plain = io.StringIO()  # no encoding: any text
    assert write_text(text, plain) is False and plain.getvalue() == text


def test_other_characters_are_escaped_as_the_encoding_needs() -> None:
    text = "label αé😀 = σ"
    assert printable_for("ascii", text) == "label \\u03b1\\xe9\\U0001f600 = sigmoid"
    assert printable_for("latin-1", text) == "label \\u03b1é\\U0001f600 = sigmoid"
    assert printable_for("cp1252", text) == "label \\u03b1é\\U0001f600 = sigmoid"
    # Only escapes when the encoding has every symbol of the text.
    assert printable_for("latin-1", "α × 2 · 3") == "\\u03b1 × 2 · 3"


def test_literal_symbols_are_escaped_not_spelt() -> None:
    assert spell("σ(x) × y · z", "ascii", literal="σ×") == "\\u03c3(x) \\xd7 y * z"
    assert spell("σ(x) × y", "cp1252", literal="×") == "sigmoid(x) × y"


def test_the_stream_is_named_or_defaults_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert write_text("σ\n") is False  # pytest's capture is UTF-8
    assert capsys.readouterr().out == "σ\n"
    assert printable_for(stream("ascii"), "σ") == "sigmoid"
    assert fits("σ", None) and fits("σ", "no-such-codec")  # nothing known: nothing changed


def test_a_lone_surrogate_is_escaped_even_on_utf8() -> None:
    # Undecodable command-line bytes reach Python as lone surrogates.
    s = stream("utf-8")
    assert write_text("x\udcff σ\n", s) is False  # nothing a UTF-8 terminal would show better
    assert written(s) == "x\\udcff σ\n".encode()  # UTF-8 has σ: only the surrogate is escaped
    s = stream("ascii")
    assert write_text("x\udcff σ\n", s) is True


def _escape(c: str) -> str:
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def _encodable(c: str, encoding: str) -> bool:
    try:
        c.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@given(st.text(st.characters(codec=None, exclude_categories=())), st.sampled_from(NARROW))
def test_any_text_can_be_written_to_any_stream(text: str, encoding: str) -> None:
    s = stream(encoding)
    write_text(text, s)
    shown = written(s).decode(encoding)
    lacking = {c for c in text if not _encodable(c, encoding)}
    spelt = bool(lacking & set(ASCII_SPELLINGS))  # a symbol is missing: spell them all
    expected = "".join(
        ASCII_SPELLINGS[c] if spelt and c in ASCII_SPELLINGS else _escape(c) if c in lacking else c
        for c in text
    )
    assert shown == expected


def test_every_symbol_of_the_op_table_has_a_spelling() -> None:
    for op in TABLE.values():
        text = op.symbol + op.template + op.joiner + op.doc + "".join(op.formulas)
        missing = {c for c in text if ord(c) > 127} - set(ASCII_SPELLINGS)
        assert not missing, (op.name, missing)


def test_every_symbol_of_the_explanations_has_a_spelling() -> None:
    every = "sigmoid(x)*tanh(y)/exp(x) - log(x)**2 + relu(y) + softplus(-x) + x**y + sum(x, y, 3)"
    root = compile_expression(every).build({"x": 1.5, "y": 0.5})
    x = next(v for v in _leaves(root) if v.label == "x")
    g = lesson_graph((1.5, -0.5), 1.0, (0.4, -0.8), 0.1)
    e, f, lesson = explain(root), explain_forward(root, {x: 1.0}), explain_lesson(g)
    texts = [e.to_text(), e.to_markdown(), e.to_latex(), f.to_text(), f.to_markdown()]
    texts += [e.step_text(i) for i in range(len(e.steps))]
    texts += [explain(g.loss).to_text(), lesson.to_text(), lesson.to_markdown()]
    missing = {c for t in texts for c in t if ord(c) > 127} - set(ASCII_SPELLINGS)
    assert not missing
    for t in texts:
        printable_for("ascii", t).encode("ascii")


def _leaves(root: Value) -> list[Value]:
    seen, stack, leaves = set(), [root], []
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        stack.extend(v.parents)
        if v.op is None:
            leaves.append(v)
    return leaves


# ------------------------------------------------------------------ explanations
def _sigmoid_explanation() -> str:
    """The explanation of sigmoid(x) at x = 1 in ASCII, laid out by hand."""
    a = 1 / (1 + math.exp(-1.0))
    A, D = f"{a:.4g}", f"{a * (1 - a):.4g}"
    assert len(A) == len(D) == 6  # the widths below are counted for six-character numbers
    return (
        f"Backward pass of out = {A}, 1 step\n"
        "\n"
        "step  node                       dout/d(node) (upstream)  input  "
        "local derivative                 contribution         dout/d(input) so far\n"
        "----  -------------------------  -----------------------  -----  "
        "-------------------------------  -------------------  --------------------\n"
        f"1     out = sigmoid(x) = {A}  1                        x      "
        f"dout/dx = out(1 - out) = {D}  1 * {D} = {D}  {D}\n"
        "\n"
        f"Gradients: dout/dx = {D}\n"
    )


@pytest.mark.parametrize("encoding", NARROW)
def test_print_text_lays_the_table_out_in_ascii(encoding: str) -> None:
    e = explain(compile_expression("sigmoid(x)").build({"x": 1.0}))
    s = stream(encoding)
    assert e.print_text(s) is True
    assert written(s).decode(encoding) == _sigmoid_explanation()
    assert e.to_text(encoding=encoding) == _sigmoid_explanation()


def test_str_of_an_explanation_is_unchanged_on_utf8() -> None:
    e = explain(compile_expression("sigmoid(x)").build({"x": 1.0}))
    assert str(e) == e.to_text() == e.to_text(encoding="utf-8")
    assert "out = σ(x)" in str(e) and "out(1 − out)" in str(e) and "1 × " in str(e)
    s = stream("utf-8")
    assert e.print_text(s) is False and written(s).decode("utf-8") == str(e)


def test_a_hostile_label_is_escaped_and_the_table_stays_aligned() -> None:
    # Greek, an ANSI escape sequence, a newline and a lone surrogate in one label.
    w = Value(2.0, "ω\x1b[2J\n\ud800")
    e = explain((w * Value(3.0, "x")).sigmoid().named("p"))
    for encoding in NARROW:
        s = stream(encoding)
        assert e.print_text(s) is True
        text = written(s).decode(encoding)
        assert "\x1b" not in text and "\ud800" not in text
        assert text.count("\n") == str(e).count("\n")  # the label added no line
        assert "dp/d(\\u03c9\\u001b[2J\\n\\ud800) = " in text
        assert "p = sigmoid(t1) = " in text
        table_is_aligned(text)
    s = stream("latin-1")
    e = explain((Value(2.0, "é") * 3).sigmoid().named("p"))
    e.print_text(s)
    text = written(s).decode("latin-1")
    assert "dp/dé = " in text and "p = sigmoid(t1) = " in text


def test_the_lesson_summary_in_ascii() -> None:
    g = lesson_graph((1.5, -0.5), 1.0, (0.4, -0.8), 0.1)
    lesson = explain_lesson(g)
    s = stream("ascii")
    assert lesson.print_text(s) is True
    text = written(s).decode("ascii")
    assert text == lesson.to_text(encoding="ascii")
    assert "  a = sigmoid(z) = " in text and "  L = -[y log a + (1 - y) log(1 - a)] = " in text
    assert "  dz (chain) = da * a(1 - a)   = " in text
    assert "(dz = a - y)." in text
    assert lesson.to_text(encoding="utf-8") == lesson.to_text() == str(lesson)


def test_write_rendered_guards_a_render_that_ignores_the_encoding() -> None:
    s = stream("ascii")
    assert write_rendered(lambda encoding: "σ\n", s) is True
    assert written(s) == b"sigmoid\n"


# ------------------------------------------------------------------ the command line
@pytest.mark.parametrize("encoding", NARROW)
def test_explain_on_a_narrow_terminal(encoding: str) -> None:
    done = cli(encoding, "explain", "sigmoid(x)", "--set", "x=1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode(encoding) == _sigmoid_explanation()
    err = done.stderr.decode("ascii")
    assert err.count("\n") == 1 and err.count(NOTE) == 1
    name = codecs.lookup(encoding).name  # Python names latin-1 iso8859-1
    assert err.startswith(f"autograd-lite: note: the output's encoding ({name})")
    assert "spelt in ASCII" in err


def test_explain_on_utf8_keeps_every_symbol_and_says_nothing() -> None:
    done = cli("utf-8", "explain", "sigmoid(x)", "--set", "x=1")
    assert done.returncode == 0 and done.stderr == b""
    assert "out = σ(x)" in done.stdout.decode("utf-8")


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
@pytest.mark.parametrize("encoding", NARROW)
def test_the_other_formats_on_a_narrow_terminal(encoding: str, fmt: str) -> None:
    done = cli(encoding, "explain", "sigmoid(x)*y", "--set", "x=1", "y=2", "--format", fmt)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("ascii")  # nothing of it is beyond ASCII
    assert ("dout/dy" in out) if fmt == "markdown" else (r"\sigma(x)" in out)
    assert done.stderr.count(NOTE.encode()) == (1 if fmt == "markdown" else 0)


@pytest.mark.parametrize("encoding", NARROW)
def test_greek_names_are_escaped_and_the_note_is_said_once(encoding: str) -> None:
    done = cli(encoding, "explain", "sigmoid(α)*β", "--set", "α=1", "β=2")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("ascii")
    assert "t1 = sigmoid(\\u03b1) = " in out and "dout/d\\u03b2 = t1 = " in out
    assert "Gradients: dout/d\\u03b1 = " in out
    table_is_aligned(out)
    assert done.stderr.count(NOTE.encode()) == 1


def test_a_name_that_is_a_symbol_reads_as_typed() -> None:
    # A name σ must not read as the sigmoid; then the sigmoid is not spelt either.
    done = cli("ascii", "explain", "σ*sigmoid(x)", "--set", "σ=2", "x=1")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("ascii")
    assert "out = \\u03c3 * t1 = " in out and "t1 = \\u03c3(x) = " in out
    assert "sigmoid" not in out


def test_latin1_shows_what_it_has() -> None:
    done = cli("latin-1", "explain", "sigmoid(é)", "--set", "é=1")
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("latin-1")
    assert "out = sigmoid(é) = " in out and "dout/dé = out(1 - out) = " in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["explain", "σ(x)", "--set", "x=1"], "unknown function '\\u03c3' (allowed: "),
        (["explain", "x", "--set", "x=σ"], "not a number: '\\u03c3'"),
        (
            ["demo", "--epochs", "1000000", "--examples", "1000"],
            "--examples * --epochs is at most",
        ),
    ],
)
def test_errors_on_a_narrow_terminal(argv: list[str], expected: str) -> None:
    done = cli("ascii", *argv)
    assert done.returncode == 2
    err = done.stderr.decode("ascii").splitlines()
    assert expected in err[0] and NOTE in err[-1]
    if " at column " in err[0]:  # the expression, escaped, with a caret under the token
        assert len(err) == 4 and err[1] == "  \\u03c3(x)" and err[2] == "  ^"
    else:
        assert len(err) == 2


def test_a_syntax_error_keeps_its_caret_under_the_escaped_character() -> None:
    done = cli("ascii", "explain", "x × y", "--set", "x=1", "y=2")
    assert done.returncode == 2
    lines = done.stderr.decode("ascii").splitlines()
    assert lines[0] == "autograd-lite: error: syntax error: invalid character '\\xd7' (U+00D7) " + (
        "at column 3"
    )
    assert lines[1:3] == ["  x \\xd7 y", "    ^"]
    assert lines[3].count(NOTE) == 1 and len(lines) == 4
    done = cli("ascii", "explain", "αβ +", "--set", "x=1")
    lines = done.stderr.decode("ascii").splitlines()
    assert lines[1:3] == ["  \\u03b1\\u03b2 +", " " * 15 + "^"]


def test_control_characters_in_an_expression() -> None:
    done = cli("ascii", "explain", "x\x1b[2J + α", "--set", "x=1")
    assert done.returncode == 2
    assert b"\x1b" not in done.stderr and b"Traceback" not in done.stderr
    done.stderr.decode("ascii")


@pytest.mark.parametrize("encoding", NARROW)
def test_help_on_a_narrow_terminal(encoding: str) -> None:
    done = cli(encoding, "explain", "--help")
    assert done.returncode == 0 and b"--precision N" in done.stdout
    assert done.stderr == b""


def test_the_demo_on_an_ascii_terminal(tmp_path: Path) -> None:
    done = cli("ascii", "demo", "--out", "d", "--epochs", "2", "--examples", "10", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("ascii")
    assert "  z = w1*x1 + w2*x2 + b = 1.1\n  a = sigmoid(z) = 0.7503\n" in out
    assert "  dz = a - y                   = 0.7503 - 1 = -0.2497" in out
    assert "9     a = sigmoid(z) = 0.7503" in out
    table_is_aligned(out.split("through the graph:\n\n", 1)[1].split("\n\nTrained", 1)[0])
    assert done.stderr.count(NOTE.encode()) == 1
    # The files are UTF-8 whatever the terminal.
    assert "a = σ(z)" in (tmp_path / "d" / "explanation.md").read_text(encoding="utf-8")


def test_the_forward_explanation_in_ascii() -> None:
    root = compile_expression("sigmoid(x)*y").build({"x": 0.0, "y": 2.0})
    x = next(v for v in _leaves(root) if v.label == "x")
    f = explain_forward(root, {x: 1.0})
    text = f.to_text(encoding="cp1252")
    text.encode("ascii")
    assert "t1 = sigmoid(x) = 0.5" in text and "dt1/dx = t1(1 - t1) = 0.25" in text
    assert "0.25 * 1 = 0.25" in text  # the sigmoid's slope at 0 times the tangent of x
    table_is_aligned(text)
    assert f.to_text(encoding="utf-8") == str(f)
