"""The demo's clean-up is not cut short by Ctrl-C or SIGTERM: it finishes, then the signal
acts as it would have (a second Ctrl-C, or one arriving while a failed start is cleaned up,
left the demo's server running and its files behind)."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from archiver.demo.session import _signals_held


@pytest.fixture
def ctrl_c_interrupts() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt, as in a terminal (a test runner started as a
    background job has it ignored, which Python then leaves so)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_ctrl_c_inside_waits_for_the_end_then_interrupts(ctrl_c_interrupts):
    done = []
    with pytest.raises(KeyboardInterrupt), _signals_held():
        signal.raise_signal(signal.SIGINT)
        done.append("the rest of the clean-up")
    assert done == ["the rest of the clean-up"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_without_a_signal_nothing_changes():
    before = signal.getsignal(signal.SIGTERM)
    with _signals_held():
        pass
    assert signal.getsignal(signal.SIGTERM) is before
