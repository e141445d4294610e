"""prefetch(): order, errors and early stops, as the archive job relies on them."""

from __future__ import annotations

import threading

import pytest

from archiver.core.prefetch import prefetch


def test_items_arrive_in_order_from_another_thread():
    threads = set()

    def source():
        for number in range(100):
            threads.add(threading.current_thread().name)
            yield number

    assert list(prefetch(source(), depth=2)) == list(range(100))
    assert threads == {"prefetch"}


def test_producer_error_is_raised_in_the_consumer_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise OSError("connection lost")

    seen = []
    with pytest.raises(OSError, match="connection lost"):
        for item in prefetch(source()):
            seen.append(item)
    assert seen == [1, 2]


def test_early_stop_stops_the_producer_and_frees_the_source():
    produced = []
    finished = threading.Event()

    def source():
        try:
            for number in range(1000):
                produced.append(number)
                yield number
        finally:
            finished.set()

    for item in prefetch(source(), depth=1):
        if item == 3:
            break
    assert len(produced) <= 4 + 2  # up to the consumed one, the queued, the one in the making
    assert finished.is_set()  # the source was closed, on the producer's thread
    assert not any(t.name == "prefetch" for t in threading.enumerate())


def test_consumer_error_stops_the_producer():
    def source():
        yield from range(1000)

    with pytest.raises(ValueError, match="disk full"):
        for item in prefetch(source()):
            if item == 5:
                raise ValueError("disk full")
    assert not any(t.name == "prefetch" for t in threading.enumerate())
