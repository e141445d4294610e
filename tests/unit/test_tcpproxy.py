"""Tests for the fault-injecting TCP proxy, against small servers of their own on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from tests.helpers.tcpproxy import FaultProxy

GREETING = b"* OK test server ready\r\n"
SPLIT_PAUSE = 0.1  # between the two halves of a split answer; below the flush delay used


class _Server(socketserver.ThreadingTCPServer):
    """A threading TCP server that records what it saw, for asserts."""

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.lines: list[bytes] = []
        self.accepted = 0
        self.lock = threading.Lock()


class _EchoHandler(socketserver.BaseRequestHandler):
    """Send back everything received, until EOF."""

    def handle(self) -> None:
        sock: socket.socket = self.request
        try:
            while data := sock.recv(65536):
                sock.sendall(data)
        except OSError:
            pass


class _LineHandler(socketserver.BaseRequestHandler):
    """A tiny IMAP-like line server: greeting, then one answer per ``TAG COMMAND`` line.

    ``BIG`` answers with a 1000-byte untagged line first; ``SPLIT`` sends a FETCH answer in two
    writes split inside ``RFC822.SIZE``; ``HALF`` sends only a prefix of ``RFC822.SIZE`` and
    nothing more; anything else gets ``TAG OK COMMAND``.
    """

    def handle(self) -> None:
        server = self.server
        assert isinstance(server, _Server)
        sock: socket.socket = self.request
        with server.lock:
            server.accepted += 1
        try:
            sock.sendall(GREETING)
            for line in sock.makefile("rb"):
                with server.lock:
                    server.lines.append(line)
                tag, _, command = line.rstrip(b"\r\n").partition(b" ")
                if command == b"BIG":
                    sock.sendall(b"* " + b"x" * 1000 + b"\r\n" + tag + b" OK\r\n")
                elif command == b"SPLIT":
                    sock.sendall(b"* 1 FETCH (RFC822.SI")
                    time.sleep(SPLIT_PAUSE)
                    sock.sendall(b"ZE 1234) * 2 FETCH (RFC822.SIZE 1234)\r\n" + tag + b" OK\r\n")
                elif command == b"HALF":
                    sock.sendall(b"* 1 FETCH (RFC822.SI")
                else:
                    sock.sendall(tag + b" OK " + command + b"\r\n")
        except OSError:
            pass


def _serve(handler: type[socketserver.BaseRequestHandler]) -> Iterator[_Server]:
    server = _Server(handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


@pytest.fixture
def echo_server() -> Iterator[_Server]:
    yield from _serve(_EchoHandler)


@pytest.fixture
def line_server() -> Iterator[_Server]:
    yield from _serve(_LineHandler)


@pytest.fixture
def proxy(line_server: _Server) -> Iterator[FaultProxy]:
    with FaultProxy("127.0.0.1", line_server.server_address[1]) as fault_proxy:
        yield fault_proxy


class _Client:
    """A line-reading client socket with its own buffer (timeouts leave it usable)."""

    def __init__(self, proxy: FaultProxy, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection((proxy.host, proxy.port), timeout=timeout)
        self.buf = b""

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def readline(self) -> bytes:
        while b"\n" not in self.buf:
            data = self.sock.recv(4096)
            if not data:
                raise EOFError(self.buf)
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line + b"\n"

    def command(self, line: bytes) -> bytes:
        self.sock.sendall(line + b"\r\n")
        return self.readline()

    def read_until_closed(self) -> bytes:
        """Everything the proxy delivers before EOF or reset."""
        data = self.buf
        self.buf = b""
        try:
            while chunk := self.sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
        return data


def test_rejects_non_loopback_target() -> None:
    with pytest.raises(ValueError, match="loopback"):
        FaultProxy("192.0.2.1", 143)
    with pytest.raises(ValueError, match="loopback"):
        FaultProxy("example.org", 143)


def test_forwards_5mb_both_ways_byte_exact(echo_server: _Server) -> None:
    payload = os.urandom(5 * 1024 * 1024)
    with (
        FaultProxy("127.0.0.1", echo_server.server_address[1]) as proxy,
        socket.create_connection((proxy.host, proxy.port), timeout=10) as sock,
    ):

        def send() -> None:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        received = bytearray()
        while chunk := sock.recv(1 << 20):
            received += chunk
        sender.join(5)
        assert bytes(received) == payload
        assert proxy.bytes_from_server == len(payload)
        assert proxy.connections == 1


def test_plain_line_traffic(proxy: FaultProxy, line_server: _Server) -> None:
    with _Client(proxy) as client:
        assert client.readline() == GREETING
        assert client.command(b"A1 NOOP") == b"A1 OK NOOP\r\n"
    assert line_server.lines == [b"A1 NOOP\r\n"]


def test_cut_after_client_sends_then_reconnect(proxy: FaultProxy, line_server: _Server) -> None:
    with _Client(proxy) as client:
        client.readline()
        assert client.command(b"A1 NOOP") == b"A1 OK NOOP\r\n"
        proxy.cut_after_client_sends(b"UID EXPUNGE")
        # The pattern straddles two packets.
        client.sock.sendall(b"A2 UID EXP")
        time.sleep(0.05)
        client.sock.sendall(b"UNGE 1:*\r\n")
        assert client.read_until_closed() == b""
    # The command did reach the server before the cut.
    deadline = time.monotonic() + 10
    while b"A2 UID EXPUNGE 1:*\r\n" not in line_server.lines and time.monotonic() < deadline:
        time.sleep(0.01)
    assert b"A2 UID EXPUNGE 1:*\r\n" in line_server.lines

    # The rule fired once: the next connection works, the same command included.
    with _Client(proxy) as client:
        assert client.readline() == GREETING
        assert client.command(b"A3 UID EXPUNGE 1:*") == b"A3 OK UID EXPUNGE 1:*\r\n"
    assert proxy.connections == 2


def test_cut_after_client_sends_lets_some_server_bytes_through(proxy: FaultProxy) -> None:
    with _Client(proxy) as client:
        client.readline()
        proxy.cut_after_client_sends(b"BIG", delay_bytes_from_server=100)
        client.sock.sendall(b"A1 BIG\r\n")
        assert client.read_until_closed() == b"* " + b"x" * 98


def test_cut_after_server_bytes(proxy: FaultProxy) -> None:
    with _Client(proxy) as client:
        # Armed once connected: a reset during the greeting can beat connect() to its result
        # on a busy machine, and the client then never sees the connection at all.
        client.readline()
        proxy.cut_after_server_bytes(5)
        client.sock.sendall(b"A1 NOOP\r\n")
        assert client.read_until_closed() == b"A1 OK NOOP\r\n"[:5]
    with _Client(proxy) as client:
        assert client.readline() == GREETING


def test_stall_until_release(proxy: FaultProxy) -> None:
    with _Client(proxy, timeout=0.5) as client:
        client.readline()
        proxy.stall_after_client_sends(b"FETCH")
        client.sock.sendall(b"A1 FETCH 1\r\n")
        with pytest.raises(TimeoutError):
            client.readline()
        proxy.release()
        assert client.readline() == b"A1 OK FETCH 1\r\n"
        # Fired once: later commands flow normally.
        assert client.command(b"A2 FETCH 2") == b"A2 OK FETCH 2\r\n"


def test_stop_while_stalled_is_quick(line_server: _Server) -> None:
    proxy = FaultProxy("127.0.0.1", line_server.server_address[1])
    proxy.start()
    with _Client(proxy, timeout=2) as client:
        client.readline()
        proxy.stall_after_client_sends(b"NOOP")
        client.sock.sendall(b"A1 NOOP\r\n")
        time.sleep(0.05)
        started = time.monotonic()
        proxy.stop()
        assert time.monotonic() - started < 1
        assert client.read_until_closed() == b""


def test_rewrite_across_chunk_boundary(line_server: _Server) -> None:
    # A flush delay well above the server's pause makes the split deterministic.
    with (
        FaultProxy("127.0.0.1", line_server.server_address[1], carry_flush_delay=1.0) as proxy,
        _Client(proxy) as client,
    ):
        client.readline()
        proxy.rewrite_server(b"RFC822.SIZE 1234", b"RFC822.SIZE 1240")
        # Only the first occurrence (count=1) is replaced.
        assert client.command(b"A1 SPLIT") == (
            b"* 1 FETCH (RFC822.SIZE 1240) * 2 FETCH (RFC822.SIZE 1234)\r\n"
        )
        assert client.readline() == b"A1 OK\r\n"


def test_rewrite_carry_is_flushed_when_server_goes_quiet(proxy: FaultProxy) -> None:
    with _Client(proxy, timeout=1) as client:
        client.readline()
        proxy.rewrite_server(b"RFC822.SIZE 1234", b"RFC822.SIZE 1240", count=5)
        client.sock.sendall(b"A1 HALF\r\n")
        received = b""
        while len(received) < len(b"* 1 FETCH (RFC822.SI"):
            received += client.sock.recv(100)
        assert received == b"* 1 FETCH (RFC822.SI"


def test_refuse_connections(proxy: FaultProxy, line_server: _Server) -> None:
    proxy.refuse_connections()
    with _Client(proxy) as client:
        assert client.read_until_closed() == b""
    assert line_server.accepted == 0
    proxy.refuse_connections(False)
    with _Client(proxy) as client:
        assert client.readline() == GREETING
    assert proxy.connections == 2
    assert line_server.accepted == 1
