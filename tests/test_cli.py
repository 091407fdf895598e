"""The command line: commands, exit codes, one-line errors, and the demo end to end."""

from __future__ import annotations

import io
import itertools
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_lite.cli import ProgressBar, main

SIG = "sigmoid(w1*x1 + w2*x2 + b)"
SETS = ["--set", "w1=0.4", "x1=1.5", "w2=-0.6", "x2=-0.5", "b=0.1"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str) -> None:
    assert err.startswith("autograd-lite")
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err


def assert_one_error(err: str) -> None:
    """One error line; if it names a column, the expression and a caret under it follow."""
    assert err.startswith("autograd-lite: error: ") and err.endswith("\n"), err
    assert "Traceback" not in err
    lines = err.splitlines()
    if len(lines) == 1:
        return
    assert len(lines) == 3, err
    assert " at column " in lines[0] or lines[0].startswith("autograd-lite: error: syntax")
    assert lines[1].startswith("  ") and lines[2].strip() == "^", err


# ------------------------------------------------------------------ explain
def test_explain_prints_the_gradients(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", SIG, *SETS)
    assert code == 0 and err == ""
    z = 0.4 * 1.5 - 0.6 * -0.5 + 0.1
    a = 1 / (1 + math.exp(-z))
    da_dz = a * (1 - a)  # the sigmoid's derivative, computed here independently
    assert f"dout/dw1 = {1.5 * da_dz:.4g}" in out
    assert f"dout/dx2 = {-0.6 * da_dz:.4g}".replace("-", "−") in out
    assert f"dout/db = {da_dz:.4g}" in out


@pytest.mark.parametrize(("fmt", "marker"), [("markdown", "|---:|"), ("latex", r"\frac")])
def test_explain_formats(capsys: pytest.CaptureFixture[str], fmt: str, marker: str) -> None:
    code, out, _ = run(capsys, "explain", "x*x", "--set", "x=3", "--format", fmt)
    assert code == 0 and marker in out


def test_set_accepts_several_flags_and_an_expression_after_double_dash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "explain", "--set", "x=2", "--set", "y=5", "--", "-x*y")
    assert code == 0
    assert "dout/dx = −5" in out and "dout/dy = −2" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "x*y", "--set", "x=1"],  # y has no value
        ["explain", "x", "--set", "x=1", "z=2"],  # z unused
        ["explain", "x", "--set", "x"],  # not NAME=VALUE
        ["explain", "x", "--set", "x=abc"],
        ["explain", "x", "--set", "x=nan"],
        ["explain", "x", "--set", "x=inf"],
        ["explain", "x", "--set", "x=1", "x=2"],
        ["explain", "x", "--set", "1x=1"],
        ["explain", "x", "--set", "x=1", "--format", "pdf"],
        ["explain", "x", "--set", "x=1", "--precision", "0"],
        ["explain"],
        ["frobnicate"],
        ["--nope"],
        ["draw", "x", "--set", "x=1"],  # -o missing
        ["draw", "x", "--set", "x=1", "-o", "graph.txt"],
        ["draw", "x", "--set", "x=1", "-o", "no/such/folder/graph.dot"],
        ["demo", "--epochs", "0"],
        ["demo", "--lr", "fast"],
        ["demo", "--lr", "-1"],
        ["demo", "--lr", "0"],
        [],
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _out, err = run(capsys, *argv)
    assert code == 2
    if argv:  # with no command the help goes to stderr instead
        assert_one_line_error(err)


def test_missing_value_names_the_name(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, "explain", "a*b + c", "--set", "a=1")
    assert "b, c" in err and "--set b=VALUE c=VALUE" in err


HOSTILE = [
    "__import__('os')",
    "__import__('os').system('echo hacked')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "x[0]",
    "lambda: 1",
    "[x for x in y]",
    "open('f')",
    "x.y",
    "exec('1')",
    "x if x else 1",
    "x" * 10**6,
    "(" * 10**4 + "x" + ")" * 10**4,
    "-" * 1500 + "x",
    "1e999",
    "'a' * 10",
]


@pytest.mark.parametrize("expr", HOSTILE, ids=lambda t: repr(t[:30]))
def test_hostile_expressions_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], expr: str
) -> None:
    code, out, err = run(capsys, "explain", expr, "--set", "x=1", "y=2")
    assert code == 2
    assert_one_error(err)
    assert out == ""


@pytest.mark.parametrize(
    ("expr", "value", "word"),
    [
        ("2**10**10", None, "overflow"),
        ("x**(10**10)", "2", "overflow"),
        ("log(x)", "-1", "log"),
        ("1/(x-1)", "1", "division"),
        ("exp(x)", "1000", "exp"),
    ],
)
def test_numeric_failures_exit_1_with_the_engines_message(
    capsys: pytest.CaptureFixture[str], expr: str, value: str | None, word: str
) -> None:
    argv = ["explain", expr] + ([] if value is None else ["--set", f"x={value}"])
    code, _, err = run(capsys, *argv)
    assert code == 1
    assert_one_line_error(err)
    assert word in err


def test_help_on_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["demo", "--help"], ["explain", "--help"], ["draw", "--help"]):
        code, out, _err = run(capsys, *argv)
        assert code == 0 and out.startswith("usage: autograd-lite"), argv
    code, out, _ = run(capsys, "--version")
    assert code == 0 and "autograd-lite" in out


# ------------------------------------------------------------------ draw
def test_draw_dot_svg_html(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dot, svg, html = tmp_path / "g.dot", tmp_path / "g.svg", tmp_path / "g.html"
    for path in (dot, svg, html):
        code, out, err = run(capsys, "draw", SIG, *SETS, "-o", str(path))
        assert code == 0, err
        assert str(path) in out
    assert dot.read_text().lstrip().startswith("digraph")
    assert "w1" in dot.read_text()
    ET.fromstring(svg.read_bytes())  # well-formed XML
    page = html.read_text()
    assert page.count('class="frame') >= 4  # sigmoid, add, two multiplies


# ------------------------------------------------------------------ demo
def test_demo_end_to_end(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_dir = tmp_path / "demo"
    code, out, err = run(capsys, "demo", "--out", str(out_dir), "--epochs", "30")
    assert code == 0, err
    names = {"graph.svg", "graph.dot", "stepper.html", "cost.svg", "explanation.md"}
    assert names <= {p.name for p in out_dir.iterdir()}
    for svg in ("graph.svg", "cost.svg"):
        root = ET.fromstring((out_dir / svg).read_bytes())
        assert root.tag.endswith("svg")
    page = (out_dir / "stepper.html").read_text()
    assert 'id="frames"' in page and page.count('class="frame') >= 10
    # The features and the label are data: a value and no gradient, as diagrams.md advises.
    dot = (out_dir / "graph.dot").read_text()
    assert "rankdir=TB" in dot
    for name, value in (("x1", "1.5"), ("x2", "−0.5"), ("y", "1")):
        box = re.search(rf'\t(v\d+) \[label="\{{ {name} \| data {value} \}}"[^\n]*', dot)
        assert box and 'class="value data"' in box.group(0), name
    for name in ("w1", "w2", "b"):
        assert re.search(rf'label="\{{ {name} \| data [^|]+ \| grad [^"]+"[^\n]*parameter', dot)
    md = (out_dir / "explanation.md").read_text()
    assert "| dz | a − y |" in md
    assert "agree with the lesson" in out
    assert "da/dz = a(1 − a)" in out  # the step-by-step table
    assert "30/30" in err  # the progress bar finished
    cost = ET.fromstring((out_dir / "cost.svg").read_bytes())
    line = [e for e in cost.iter() if e.get("stroke") == "#1f77b4"]
    assert len(line) == 1 and len(line[0].get("points", "").split()) == 30


def test_demo_quiet_prints_only_the_file_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "demo", "--out", str(tmp_path), "--epochs", "3", "--quiet")
    assert code == 0 and err == ""
    assert out.startswith("Wrote ") and out.count("\n") == 1


def test_demo_out_must_be_a_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    code, _, err = run(capsys, "demo", "--out", str(f), "--quiet")
    assert code == 2
    assert_one_line_error(err)


# ------------------------------------------------------------------ progress bar
class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_plain_lines_when_not_a_terminal() -> None:
    s = io.StringIO()
    bar = ProgressBar(1000, s)
    for i in range(1, 1001):
        bar.update(i, "cost 1")
    lines = s.getvalue().splitlines()
    assert 10 <= len(lines) <= 11 and lines[-1] == "1000/1000 cost 1"
    assert "\r" not in s.getvalue()


def test_progress_bar_redraws_in_place_on_a_terminal() -> None:
    s = _Tty()
    bar = ProgressBar(4, s, width=8)
    for i in range(1, 5):
        bar.update(i)
    text = s.getvalue()
    assert text.count("\r") == 4 and text.endswith("[########] 4/4 \n")
    assert "[##......] 1/4" in text


# ------------------------------------------------------------------ subprocess
def _python_m(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_python_m_runs_and_sets_exit_codes() -> None:
    ok = _python_m("explain", "x*y + x", "--set", "x=2", "y=3")
    assert ok.returncode == 0 and "dout/dx = 4" in ok.stdout
    usage = _python_m("explain", "__import__('os').system('echo hacked')")
    assert usage.returncode == 2
    assert_one_error(usage.stderr)
    assert "hacked" not in usage.stdout + usage.stderr.replace("'echo hacked'", "")
    nested = _python_m("explain", "(" * 10**4 + "x" + ")" * 10**4, "--set", "x=1")
    assert nested.returncode == 2 and "Traceback" not in nested.stderr
    huge = _python_m("explain", "2**10**10")  # must fail at once, not hang
    assert huge.returncode == 1 and "overflow" in huge.stderr
    assert huge.stderr.count("\n") == 1
    helped = _python_m("draw", "--help")
    assert helped.returncode == 0 and "-o FILE" in helped.stdout


# ------------------------------------------------------------------ the cost plot
def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    from autograd_lite.models.plot import nice_ticks

    for lo, hi in [(0.1815, 0.638), (0.0, 100.0), (-3.2, 7.9), (5.0, 5.0), (1e-9, 3e-9)]:
        ticks = nice_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi
        steps = [b - a for a, b in itertools.pairwise(ticks)]
        assert all(s == pytest.approx(steps[0], rel=1e-9) for s in steps)
        assert 2 <= len(ticks) <= 12
        mantissa = steps[0] / 10 ** math.floor(math.log10(steps[0]))
        assert round(mantissa, 9) in (1.0, 2.0, 2.5, 5.0)
    with pytest.raises(ValueError, match="finite"):
        nice_ticks(0.0, math.inf)


def test_line_chart_maps_points_and_escapes_text() -> None:
    from autograd_lite.models.plot import line_chart_svg

    svg = line_chart_svg([4.0, 1.0, 2.0], xs=[1, 2, 3], title="a < b & c", y_label="J")
    root = ET.fromstring(svg)
    assert "a < b & c" in "".join(root.itertext())
    (line,) = [e for e in root.iter() if e.get("stroke") == "#1f77b4"]
    pts = [tuple(map(float, p.split(","))) for p in line.get("points", "").split()]
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert ys[0] < ys[2] < ys[1]  # SVG y grows downward: the largest value is highest
    assert line_chart_svg([1.0, 2.0]) == line_chart_svg([1.0, 2.0])  # deterministic
    ET.fromstring(line_chart_svg([3.0]))  # a single point is drawn as a dot
    for bad in ([], [1.0, math.nan]):
        with pytest.raises(ValueError):
            line_chart_svg(bad)
    with pytest.raises(ValueError, match="xs"):
        line_chart_svg([1.0, 2.0], xs=[1.0])


# ------------------------------------------------ non-finite results (QA)
@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        # 1e308 + 1e308 overflows to inf in the forward pass.
        (["explain", "x + 1e308 + 1e308", "--set", "x=1"], "add: the result overflows a float"),
        (
            ["draw", "x * 1e308 * 10", "--set", "x=1", "-o", "g.dot"],
            "mul: the result overflows a float",
        ),
        # log(1e-320) is finite, but its local derivative 1/x = 1e320 is not.
        (["explain", "log(x)", "--set", "x=1e-320"], "log backward: the gradient sent to 'x'"),
    ],
)
def test_an_overflow_is_an_error_never_a_printed_inf(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    assert_one_line_error(err)
    assert expected in err
    assert not (tmp_path / "g.dot").exists()


def test_precision_beyond_a_float_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain", "x", "--set", "x=1.1", "--precision", "18")
    assert code == 2
    assert_one_line_error(err)
    assert "at most 17" in err
    code, out, _ = run(capsys, "explain", "x*2", "--set", "x=1.1", "--precision", "17")
    assert code == 0 and "2.2000000000000002" in out


@pytest.mark.parametrize("argv", [["frobnicate"], ["explain", "x", "--precision", "0"]])
def test_usage_errors_name_the_program_once_and_point_to_help(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.count("autograd-lite") == 2, err  # "autograd-lite: error:" and the --help hint
    assert "--help" in err


def test_expression_help_shows_a_dash_expression_form_that_works(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "explain", "--help")
    assert code == 0
    assert "--set x=2 -- '-x**2'" in " ".join(out.split())
    code, out, _ = run(capsys, "explain", "--set", "x=2", "--", "-x**2")
    assert code == 0 and "dout/dx = −4" in out


def test_a_stepper_with_too_many_steps_is_a_clear_cli_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    expr = "sum(" + ",".join(["x*y"] * 320) + ")"  # 321 backward steps, above the page's 200
    code, out, err = run(
        capsys, "draw", expr, "--set", "x=1", "y=2", "-o", str(tmp_path / "s.html")
    )
    assert code == 1 and out == ""
    assert_one_line_error(err)
    assert "321 steps" in err and "draw it as .dot" in err
    assert not (tmp_path / "s.html").exists()


def test_a_long_chain_of_plus_suggests_sum(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain", "+".join(["x"] * 150), "--set", "x=1")
    assert code == 2
    assert_one_line_error(err)
    assert "too deep" in err and "sum(a, b, ...)" in err
    code, out, _ = run(capsys, "explain", "sum(" + ",".join(["x"] * 150) + ")", "--set", "x=1")
    assert code == 0 and "Gradients: dout/dx = 150" in out


# ------------------------------------------------ exit statuses and actionable errors
@pytest.mark.parametrize("lr", ["-1", "0", "-0.5"])
def test_a_bad_learning_rate_is_a_usage_error_before_anything_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, lr: str
) -> None:
    out_dir = tmp_path / "demo"
    code, out, err = run(capsys, "demo", "--out", str(out_dir), "--lr", lr, "--quiet")
    assert code == 2 and out == ""
    assert_one_line_error(err)
    assert "--lr" in err and "more than 0" in err
    assert not out_dir.exists()


def test_an_unwritable_file_is_one_line_naming_the_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    target = blocker / "g.svg"  # inside a regular file: the system refuses
    code, out, err = run(capsys, "draw", "x", "--set", "x=1", "-o", str(target))
    assert code == 1 and out == ""
    assert_one_line_error(err)
    assert err == f"autograd-lite: error: cannot write {target}: not a directory\n"


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux's /proc")
def test_writing_into_proc_names_the_file_not_a_temporary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "draw", "x", "--set", "x=1", "-o", "/proc/g.svg")
    assert code == 1
    assert err == "autograd-lite: error: cannot write /proc/g.svg: no such file or directory\n"


def test_a_demo_folder_that_cannot_be_made_names_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(capsys, "demo", "--out", str(blocker / "sub"), "--quiet")
    assert code == 1
    assert_one_line_error(err)
    assert f"cannot create the folder {blocker / 'sub'}: not a directory" in err


def test_a_demo_file_that_cannot_be_written_names_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import autograd_lite.teach.viz.files as files

    def refuse(path: object, data: object) -> None:
        raise PermissionError(13, "Permission denied", str(tmp_path / ".explanation.md.ab12.tmp"))

    monkeypatch.setattr(files, "write_atomic", refuse)
    code, _, err = run(capsys, "demo", "--out", str(tmp_path), "--quiet", "--epochs", "1")
    assert code == 1
    assert_one_line_error(err)
    assert f"cannot write {tmp_path / 'explanation.md'}: permission denied" in err


def _caret_column(err: str) -> tuple[str, int]:
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert lines[0].startswith("autograd-lite: error: syntax error")
    shown, caret = lines[1], lines[2]
    assert caret.strip() == "^" and shown.startswith("  ") and caret.startswith("  ")
    return shown, caret.index("^")


@pytest.mark.parametrize(
    ("expr", "under"),
    [
        ("x*y +", 4),  # the text ends too early: the caret is under its last character
        ("(x", 0),  # '(' was never closed
        ("x y", 2),
        ("1 +* 2", 3),
        ("sigmoid(x", 7),
    ],
)
def test_a_syntax_error_shows_the_expression_and_a_caret(
    capsys: pytest.CaptureFixture[str], expr: str, under: int
) -> None:
    code, out, err = run(capsys, "explain", expr, "--set", "x=1", "y=2")
    assert code == 2 and out == ""
    shown, col = _caret_column(err)
    assert shown == "  " + expr
    assert col == 2 + under and shown[col] == expr[under]


def test_the_caret_in_the_example_of_the_docs(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, "explain", "x*y +", "--set", "x=1", "y=2")
    assert err.splitlines()[1:] == ["  x*y +", "      ^"]


def test_the_caret_counts_wide_characters_twice(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, "explain", "日本*y +")
    shown, col = _caret_column(err)
    assert shown == "  日本*y +" and col == 2 + 2 * 2 + 3


def test_a_long_expression_shows_the_part_around_the_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    expr = "+".join(f"a{i}" for i in range(40)) + " + * " + "+".join(f"b{i}" for i in range(40))
    code, _, err = run(capsys, "explain", expr)
    assert code == 2
    shown, col = _caret_column(err)
    assert len(shown) <= 2 + 80 and shown.startswith("  ...") and shown.endswith("...")
    assert shown[col] == "*"


def test_a_multi_line_expression_gets_no_caret(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain", "x +\n* 2", "--set", "x=1")
    assert code == 2
    assert_one_line_error(err)
    assert "syntax error" in err


def test_a_long_product_is_not_told_to_use_sum(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain", "*".join(["x"] * 120), "--set", "x=1")
    assert code == 2
    assert_one_line_error(err)
    assert "too deep" in err and "sum(" not in err
    assert "product" in err and "(a*b*c)*(d*e*f)" in err and "x**n" in err
    # and the advice works: two bracketed groups of 60 factors are accepted
    grouped = "(" + "*".join(["x"] * 60) + ")*(" + "*".join(["x"] * 60) + ")"
    code, out, _ = run(capsys, "explain", grouped, "--set", "x=1")
    assert code == 0 and "Gradients: dout/dx = 120" in out


def test_a_long_quotient_and_repeated_signs_get_their_own_hints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, _, err = run(capsys, "explain", "/".join(["x"] * 120), "--set", "x=1")
    assert "product" in err and "sum(" not in err
    _, _, err = run(capsys, "explain", "--set", "x=1", "--", "-" * 120 + "x")
    assert "repeated signs" in err and "sum(" not in err


@pytest.mark.parametrize("suffix", [".png", ".pdf"])
def test_png_and_pdf_without_graphviz_say_what_to_install_in_two_lines(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    suffix: str,
) -> None:
    from autograd_lite.teach.viz import render

    monkeypatch.setattr(render, "_system_dot", lambda: None)
    target = tmp_path / f"g{suffix}"
    code, out, err = run(capsys, "draw", "x*2", "--set", "x=1", "-o", str(target))
    assert code == 1 and out == ""
    first, second = err.splitlines()
    assert first.startswith(f"autograd-lite: error: {suffix[1:].upper()} needs a system Graphviz")
    for command in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
        assert command in first
    assert "SVG works without it" in second and str(tmp_path / "g.svg") in second
    assert f"written to {tmp_path / 'g.dot'}" in second
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert len(first) <= 130 and len(second) <= 80 + len(str(tmp_path)) * 2
    # and SVG does work without it
    code, _, err = run(capsys, "draw", "x*2", "--set", "x=1", "-o", str(tmp_path / "g.svg"))
    assert code == 0, err


def test_docs_state_the_exit_statuses() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text()
    assert "`2`" in page and "`1`" in page and "caret" in page


@pytest.mark.parametrize(
    ("expr", "token"),
    [("x + w^2", "^"), ("w % x", "%"), ("é + w ^ x", "^"), ("x.__class__", "."), ("1 < x", "<")],
)
def test_a_rejected_token_gets_a_caret_under_it(
    capsys: pytest.CaptureFixture[str], expr: str, token: str
) -> None:
    code, out, err = run(capsys, "explain", expr, "--set", "x=1", "w=2")
    assert code == 2 and out == ""
    lines = err.splitlines()
    column = expr.index(token) + 1
    assert lines[0].endswith(f" at column {column}")
    assert lines[1] == "  " + expr
    assert lines[2] == " " * (2 + column - 1) + "^"  # one-column characters here


def test_an_expression_read_as_an_option_gets_the_double_dash_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "explain", "-x**2", "--set", "x=2")
    assert code == 2
    assert_one_line_error(err)
    assert "'-x**2' starts with '-'" in err and "-- '-x**2'" in err and "'(-x**2)'" in err
    # Both suggested spellings work: d(-x**2)/dx = -2x = -4 at x = 2.
    for argv in (["--set", "x=2", "--", "-x**2"], ["(-x**2)", "--set", "x=2"]):
        code, out, _ = run(capsys, "explain", *argv)
        assert code == 0 and "dout/dx = −4" in out
    # A mistyped long option or a negative value gets no such hint.
    _, _, err = run(capsys, "explain", "x", "--bogus")
    assert "starts with '-'" not in err
    code, _, _ = run(capsys, "explain", "x", "--set", "x=-2")
    assert code == 0
