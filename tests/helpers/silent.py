"""A loopback server that accepts connections and never says a word (a stalled server)."""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class SilentServer:
    """Listen on 127.0.0.1, accept every connection and hold it open without answering.

    Use it as a context manager; ``port`` is where it listens, ``accepted`` counts the
    connections made so far (a second one shows a retry or a probe).
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)

    @property
    def port(self) -> int:
        """The port it listens on."""
        port = self._listener.getsockname()[1]
        assert isinstance(port, int)
        return port

    @property
    def accepted(self) -> int:
        """How many connections it has accepted."""
        return len(self._held)

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._listener.close()
        for conn in self._held:
            conn.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                self._held.append(self._listener.accept()[0])
            except TimeoutError:
                continue
