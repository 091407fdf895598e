"""fit's progress report (tqdm, the built-in bar, callables) and the matplotlib cost plot."""

from __future__ import annotations

import io
import math
import sys
import types
from typing import Any, ClassVar

import pytest

from autograd_lite.models.logistic import LogisticRegression, make_data

X, Y = make_data(30, 2, seed=3)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeTqdm:
    """Records how fit drives a tqdm bar."""

    made: ClassVar[list[FakeTqdm]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.updates: list[int] = []
        self.postfix: list[str] = []
        self.closed = False
        FakeTqdm.made.append(self)

    def update(self, n: int = 1) -> None:
        self.updates.append(n)

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self.postfix.append(s)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_tqdm(monkeypatch: pytest.MonkeyPatch) -> type[FakeTqdm]:
    FakeTqdm.made = []
    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = FakeTqdm  # type: ignore[attr-defined]
    package = types.ModuleType("tqdm")
    package.auto = auto  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm", package)
    monkeypatch.setitem(sys.modules, "tqdm.auto", auto)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    return FakeTqdm


@pytest.fixture
def no_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes `import tqdm.auto` raise ImportError.
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)


def test_tqdm_auto_is_used_when_installed(fake_tqdm: type[FakeTqdm]) -> None:
    history = LogisticRegression(2).fit(X, Y, lr=0.5, epochs=7)
    (bar,) = fake_tqdm.made
    assert bar.kwargs["total"] == 7
    # None is tqdm's "off when stderr is not a terminal"; its notebook widget shows anyway.
    assert bar.kwargs["disable"] is None
    assert bar.updates == [1] * 7 and bar.closed
    assert bar.postfix[-1] == f"cost {history[-1]:.4f}"


def test_tqdm_bar_is_closed_when_training_fails(
    fake_tqdm: type[FakeTqdm], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(epoch: int, cost: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        LogisticRegression(2).fit(X, Y, epochs=5, callback=boom, progress=True)
    (bar,) = fake_tqdm.made
    assert bar.closed and bar.kwargs["disable"] is False  # True forces the bar on


@pytest.mark.parametrize("flag", ["1", "true", "True"])
def test_tqdm_disable_turns_the_bar_off(
    fake_tqdm: type[FakeTqdm],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    flag: str,
) -> None:
    monkeypatch.setenv("TQDM_DISABLE", flag)
    monkeypatch.setattr(sys, "stderr", _Tty())
    LogisticRegression(2).fit(X, Y, epochs=4)
    assert fake_tqdm.made == []
    assert sys.stderr.getvalue() == ""


@pytest.mark.parametrize("flag", ["", "0", "false"])
def test_tqdm_disable_set_to_false_keeps_the_bar(
    fake_tqdm: type[FakeTqdm], monkeypatch: pytest.MonkeyPatch, flag: str
) -> None:
    monkeypatch.setenv("TQDM_DISABLE", flag)
    LogisticRegression(2).fit(X, Y, epochs=2)
    assert len(fake_tqdm.made) == 1


def test_builtin_bar_when_tqdm_is_missing_and_stderr_is_a_terminal(
    no_tqdm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    history = LogisticRegression(2).fit(X, Y, lr=0.5, epochs=5)
    text = tty.getvalue()
    assert text.count("\r") == 5
    assert text.endswith(f"5/5 cost {history[-1]:.4f}\n")
    assert "[" + "#" * 30 + "]" in text


def test_builtin_bar_is_off_when_stderr_is_not_a_terminal(
    no_tqdm: None, capsys: pytest.CaptureFixture[str]
) -> None:
    LogisticRegression(2).fit(X, Y, epochs=5)
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_builtin_bar_respects_tqdm_disable(no_tqdm: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TQDM_DISABLE", "1")
    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    LogisticRegression(2).fit(X, Y, epochs=5)
    assert tty.getvalue() == ""


def test_progress_true_shows_the_builtin_bar_even_in_a_log(
    no_tqdm: None, capsys: pytest.CaptureFixture[str]
) -> None:
    LogisticRegression(2).fit(X, Y, epochs=20, progress=True)
    _, err = capsys.readouterr()
    assert err.splitlines()[-1].startswith("20/20 cost ")


@pytest.mark.parametrize("installed", [True, False])
def test_progress_false_prints_nothing(
    installed: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    request.getfixturevalue("fake_tqdm" if installed else "no_tqdm")
    monkeypatch.setattr(sys, "stderr", _Tty())
    LogisticRegression(2).fit(X, Y, epochs=5, progress=False)
    assert sys.stderr.getvalue() == ""
    assert capsys.readouterr().out == ""
    assert FakeTqdm.made == [] or not installed


def test_a_callback_alone_keeps_the_bar_off_as_before(
    fake_tqdm: type[FakeTqdm], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    monkeypatch.setattr(sys, "stderr", _Tty())
    LogisticRegression(2).fit(X, Y, epochs=3, callback=lambda e, c: seen.append(e))
    assert seen == [0, 1, 2] and fake_tqdm.made == []
    assert sys.stderr.getvalue() == ""


def test_callable_receives_epoch_and_the_cost_of_the_model(fake_tqdm: type[FakeTqdm]) -> None:
    model = LogisticRegression(2, seed=5)
    reported: list[tuple[int, float]] = []
    after: list[float] = []  # model.cost at the parameters each epoch leaves behind

    def progress(epoch: int, cost: float) -> None:
        reported.append((epoch, cost))
        after.append(model.cost(X, Y, stable=True).data)

    before = model.cost(X, Y).data
    history = model.fit(X, Y, lr=0.5, epochs=6, progress=progress)
    assert fake_tqdm.made == []  # a callable replaces the bar
    assert [e for e, _ in reported] == list(range(6))
    assert [c for _, c in reported] == history
    # Each epoch reports the cost of the parameters it started from: the model's
    # cost before training, then the cost after each earlier step.
    expected = [before, *after[:-1]]
    for (_, cost), want in zip(reported, expected, strict=True):
        assert cost == pytest.approx(want, rel=1e-12, abs=1e-15)
    # and the costs are the lesson's, computed here without the engine
    w, b = [p.data for p in model.parameters()[:-1]], model.b.data
    losses = []
    for x, y in zip(X, Y, strict=True):
        z = sum(wi * xi for wi, xi in zip(w, x, strict=True)) + b
        a = 1 / (1 + math.exp(-z))
        losses.append(-(y * math.log(a) + (1 - y) * math.log(1 - a)))
    assert after[-1] == pytest.approx(sum(losses) / len(losses), rel=1e-12)


def test_callback_and_progress_callables_both_run() -> None:
    a: list[int] = []
    b: list[int] = []
    LogisticRegression(2).fit(
        X, Y, epochs=3, callback=lambda e, c: a.append(e), progress=lambda e, c: b.append(e)
    )
    assert a == b == [0, 1, 2]


@pytest.mark.parametrize("bad", [1, "yes", 0.5])
def test_progress_of_the_wrong_type_is_refused(bad: object) -> None:
    with pytest.raises(TypeError, match="progress must be"):
        LogisticRegression(2).fit(X, Y, epochs=1, progress=bad)  # type: ignore[arg-type]


# ------------------------------------------------------------------ plot_cost
def test_plot_cost_draws_the_history_on_agg() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from autograd_lite.models.plot import plot_cost

    history = LogisticRegression(2).fit(X, Y, lr=0.5, epochs=8, progress=False)
    ax = plot_cost(history)
    try:
        assert isinstance(ax, matplotlib.axes.Axes)
        (line,) = ax.lines
        assert [float(v) for v in line.get_ydata()] == history
        assert [int(v) for v in line.get_xdata()] == list(range(1, 9))
        assert ax.get_xlabel() == "epoch"
        fig, own = plt.subplots()
        assert plot_cost(history, ax=own) is own
        plt.close(fig)
    finally:
        plt.close(ax.figure)


def test_plot_cost_without_matplotlib_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from autograd_lite.models.plot import plot_cost

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "autograd_lite\[plot\]"'):
        plot_cost([1.0, 0.5])


@pytest.mark.parametrize("bad", [[], [1.0, math.nan]])
def test_plot_cost_refuses_empty_or_non_finite(bad: list[float]) -> None:
    from autograd_lite.models.plot import plot_cost

    with pytest.raises(ValueError, match="plot_cost"):
        plot_cost(bad)


# ------------------------------------------------------------- fit_logistic
def _lr_arrays():  # type: ignore[no-untyped-def]
    np = pytest.importorskip("numpy")
    pytest.importorskip("scipy")
    rng = np.random.default_rng(0)
    Xa = rng.normal(size=(200, 2))
    ya = (Xa[:, 0] - Xa[:, 1] + rng.normal(size=200) > 0).astype(float)
    return Xa, ya


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_fit_logistic_drives_tqdm(fake_tqdm: type[FakeTqdm], solver: str) -> None:
    from autograd_lite.models.optimize import fit_logistic

    fit = fit_logistic(*_lr_arrays(), solver=solver, tol=1e-7, max_iter=50)  # type: ignore[arg-type]
    (bar,) = fake_tqdm.made
    assert bar.kwargs["total"] == 50 and bar.kwargs["unit"] == "iteration"
    assert bar.updates == [1] * fit.n_iter and bar.closed
    assert f"cost {fit.history[1]:.4f}" in bar.postfix
    assert bar.postfix[-1] == (f"converged in {fit.n_iter} iterations, cost {fit.history[-1]:.6g}")


def test_fit_logistic_builtin_bar_on_a_terminal(
    no_tqdm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograd_lite.models.optimize import fit_logistic

    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    fit = fit_logistic(*_lr_arrays(), tol=1e-10, max_iter=40)
    text = tty.getvalue()
    assert text.count("\r") == fit.n_iter >= 3
    assert f"{fit.n_iter}/40 cost {fit.history[-1]:.4f}" in text
    assert text.endswith(f" converged in {fit.n_iter} iterations, cost {fit.history[-1]:.6g}\n")


def test_fit_logistic_progress_callable_and_quiet_cases(
    no_tqdm: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograd_lite.models.optimize import fit_logistic

    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    seen: list[tuple[int, float]] = []
    fit = fit_logistic(*_lr_arrays(), progress=lambda i, c: seen.append((i, c)))
    assert seen == list(enumerate(fit.history))[1:]
    fit_logistic(*_lr_arrays(), callback=lambda i, c: None)  # a callback alone: no bar
    fit_logistic(*_lr_arrays(), progress=False)
    monkeypatch.setenv("TQDM_DISABLE", "1")
    fit_logistic(*_lr_arrays())
    assert tty.getvalue() == ""
    with pytest.raises(TypeError, match=r"fit_logistic: progress must be .*callable\(iteration"):
        fit_logistic(*_lr_arrays(), progress="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="fit_logistic: callback must be callable"):
        fit_logistic(*_lr_arrays(), callback=3)  # type: ignore[arg-type]
