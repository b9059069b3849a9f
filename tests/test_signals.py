"""Signals as exceptions (crossbuild._signals) and the fault seam that sends them (crossbuild._faults)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.fakehost import FakeLayout, snapshot

from crossbuild import _faults
from crossbuild._signals import Terminated, deferred, signals_raise, work_complete

pytestmark = pytest.mark.usefixtures("stop_signals_raise")  # these tests send SIGINT and SIGHUP: not ignored


def _send(signum: int) -> None:
    os.kill(os.getpid(), signum)


def test_sigterm_raises_inside_the_scope_only() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated) as raised, signals_raise():
        _send(signal.SIGTERM)
    assert raised.value.exit_code == 143
    assert signal.getsignal(signal.SIGTERM) == previous


def test_sighup_raises_and_sigint_is_ctrl_c() -> None:
    with pytest.raises(Terminated) as raised, signals_raise():
        _send(signal.SIGHUP)
    assert raised.value.exit_code == 129
    with pytest.raises(KeyboardInterrupt), signals_raise():
        _send(signal.SIGINT)


def test_nested_scopes_share_the_outer_handlers() -> None:
    with signals_raise():
        handler = signal.getsignal(signal.SIGTERM)
        with signals_raise():
            assert signal.getsignal(signal.SIGTERM) is handler
        assert signal.getsignal(signal.SIGTERM) is handler  # the inner scope restored nothing


def test_an_ignored_signal_stays_ignored() -> None:
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with signals_raise():
            assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN  # nohup crossbuild …
            _send(signal.SIGHUP)
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_deferred_signal_is_raised_once_the_block_is_done() -> None:
    done = []
    with pytest.raises(KeyboardInterrupt), signals_raise():
        with deferred():
            _send(signal.SIGINT)
            done.append("cleanup went on")
        done.append("never")
    assert done == ["cleanup went on"]


def test_a_deferred_signal_gives_way_to_the_exception_on_its_way_out() -> None:
    with pytest.raises(OSError, match="disk full"), signals_raise(), deferred():
        _send(signal.SIGTERM)
        raise OSError("disk full")


def test_once_the_work_is_complete_signals_are_only_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="crossbuild"), signals_raise():
        work_complete("the install into /r")
        _send(signal.SIGINT)
        _send(signal.SIGTERM)
    assert caplog.messages == [
        "the install into /r is complete: ignoring SIGINT",
        "the install into /r is complete: ignoring SIGTERM",
    ]
    with pytest.raises(KeyboardInterrupt), signals_raise():  # a new scope starts afresh
        _send(signal.SIGINT)


@pytest.mark.parametrize(
    ("spec", "armed"),
    [
        ("", {}),
        ("resolve:sigkill", {"resolve": "sigkill"}),
        ("commit:after-move:12:sigterm", {"commit:after-move:12": "sigterm"}),
        ("stage:wait-for-file:/tmp/a:b", {"stage": "wait-for-file:/tmp/a:b"}),
    ],
)
def test_fault_specs(spec: str, armed: dict[str, str]) -> None:
    assert _faults.parse(spec) == armed


@pytest.mark.parametrize("spec", ["resolve", "resolve:explode", ":sigint"])
def test_bad_fault_specs(spec: str) -> None:
    with pytest.raises(ValueError, match="expected STEP:ACTION"):
        _faults.parse(spec)


def test_fault_actions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(_faults, "_ARMED", _faults.parse("commit:after-move:2:raise"))
    _faults.fault_point("commit:after-move", 1)
    _faults.fault_point("commit:after-move")
    with pytest.raises(RuntimeError, match="fault injected at commit:after-move:2"):
        _faults.fault_point("commit:after-move", 2)

    go = tmp_path / "go"
    go.touch()  # already there: the step goes on at once, having said it was reached
    monkeypatch.setattr(_faults, "_ARMED", _faults.parse(f"resolve:wait-for-file:{go}"))
    _faults.fault_point("resolve")
    assert (tmp_path / "go.waiting").is_file()

    monkeypatch.setattr(_faults, "_ARMED", _faults.parse("stage:sigterm"))
    with pytest.raises(Terminated), signals_raise():
        _faults.fault_point("stage")


@pytest.mark.parametrize("inherited", [signal.SIG_DFL, signal.SIG_IGN], ids=["default", "ignored"])
def test_crossbuild_keeps_sigint_as_it_inherits_it(
    rootfs: FakeLayout, links: Path, tmp_path: Path, inherited: signal.Handlers
) -> None:
    """Ctrl-C stops an install, leaving the root as it was; but started with SIGINT ignored
    (a background job of a non-interactive shell, nohup), crossbuild leaves it ignored,
    as every program does: the SIGINT meant for the foreground job does not stop it."""
    before = snapshot(rootfs.root)
    argv = [sys.executable, "-m", "crossbuild", "install", "alpha", "--host", str(rootfs.python)]
    argv += ["--root", str(rootfs.root), "--no-index", "-f", str(links), "--cache-dir", str(tmp_path / "cache")]
    done = subprocess.run(
        argv,
        env={**os.environ, _faults.ENV_VAR: "stage:sigint", "PIP_CONFIG_FILE": os.devnull},
        preexec_fn=lambda: signal.signal(signal.SIGINT, inherited),
        capture_output=True,
        text=True,
        check=False,
    )
    if inherited == signal.SIG_DFL:
        assert (done.returncode, done.stderr.splitlines()[-1]) == (130, "error: interrupted")
        assert snapshot(rootfs.root) == before
    else:
        assert done.returncode == 0, done.stderr
        assert done.stdout.split()[:3] == ["installed", "alpha", "1.0"]
