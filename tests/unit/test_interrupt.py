"""The deferred Ctrl-C gate: first press waits for a safe point, second press is immediate."""

import signal

import pytest

from harness.run.interrupt import SigintGate, deferred_sigint


def test_first_press_is_deferred_to_check_and_raised_once():
    gate = SigintGate()
    gate.check()  # nothing pressed: no-op
    gate._handler(signal.SIGINT, None)  # must not raise inside a record write
    with pytest.raises(KeyboardInterrupt):
        gate.check()
    gate.check()  # already raised once: the final drain may finish writing


def test_second_press_interrupts_immediately():
    gate = SigintGate()
    gate._handler(signal.SIGINT, None)
    with pytest.raises(KeyboardInterrupt):
        gate._handler(signal.SIGINT, None)


def test_handler_installed_and_restored():
    before = signal.getsignal(signal.SIGINT)
    with deferred_sigint() as gate:
        assert signal.getsignal(signal.SIGINT) == gate._handler
    assert signal.getsignal(signal.SIGINT) == before
