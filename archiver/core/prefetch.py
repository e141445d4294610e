"""Run a producer one step ahead of its consumer, on a thread of its own.

The archive job uses it to let the IMAP server send the next batch while the current one is
written, synced, read back and catalogued: the two halves wait on different things (network
and server; disk and hashing), and both release the GIL while they wait.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    """An exception raised by the producer, carried to the consumer."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetch(source: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Yield the items of *source*, produced on a background thread up to *depth* ahead.

    Memory holds at most *depth* + 2 items: the one consumed, the queued ones, the one being
    produced. An exception in *source* is re-raised in the consumer at the same position.
    When the consumer stops early (break, exception, close), the producer stops before its
    next item and is joined, so *source*'s resources (a connection) are free again when this
    generator is done.
    """
    items: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        iterator = iter(source)
        try:
            for item in iterator:
                if not _put(items, stop, item):
                    return
        except BaseException as exc:  # handed to the consumer, who raises it
            _put(items, stop, _Failure(exc))
            return
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:  # a generator: run its cleanup on this thread, now
                close()
        _put(items, stop, _DONE)

    worker = threading.Thread(target=produce, name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()  # the producer sees it within 0.1 s, or when its current item is made
        worker.join()


def _put(items: queue.Queue[object], stop: threading.Event, item: object) -> bool:
    """Queue *item* unless the consumer has stopped; return whether it was queued."""
    while not stop.is_set():
        try:
            items.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False
