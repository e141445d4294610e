"""A loopback TCP proxy that injects network faults between a test client and a test server.

A real IMAP server (Dovecot) cannot be asked to drop the connection right after it received
``UID EXPUNGE``, to go silent in the middle of a ``FETCH`` answer, or to lie about
``RFC822.SIZE``. Putting this proxy between the archiver and Dovecot lets tests produce exactly
those situations on demand and check that the archiver recovers without losing mail.

Design notes (why it looks the way it does):

* Stdlib and threads only, so it runs wherever the tests run, with no event loop to share.
* One thread per connection drives both directions with ``select`` over non-blocking sockets
  and bounded write buffers. A single thread per connection means a fault (cut, stall) is
  decided and carried out in one place, with no cross-thread socket closing; the write
  buffers keep an echoing peer from deadlocking the proxy.
* The proxy only ever connects to the loopback target it was given; anything else is refused
  in the constructor, so a mistyped fixture cannot make a test talk to the outside world.
* Patterns are matched on raw bytes, so they only work on plaintext connections (plain IMAP,
  or before STARTTLS), not on implicit TLS.

Typical use::

    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        proxy.cut_after_client_sends(b"UID EXPUNGE")
        run_archiver(host=proxy.host, port=proxy.port)
"""

from __future__ import annotations

import contextlib
import ipaddress
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass
from types import TracebackType

try:  # Unix only; the proxy itself needs nothing from these beyond the send-queue ioctl.
    import fcntl
    import termios
except ImportError:  # pragma: no cover - platform dependent
    fcntl = termios = None  # type: ignore[assignment]

# Linux (and most Unixes): ioctl that reports the bytes still in a socket's send queue.
_OUTQ_IOCTL: int | None = getattr(termios, "TIOCOUTQ", None)

__all__ = ["FaultProxy"]

_RECV_SIZE = 65536
# Stop reading from one side while this much is still waiting to be written to the other
# side: back-pressure instead of unbounded memory.
_BUFFER_LIMIT = 256 * 1024
# Longest pattern accepted; also how much client->server history is kept for matching
# patterns that straddle two recv() chunks.
_MAX_PATTERN = 4096
_CONNECT_TIMEOUT = 5.0
# How long a cut waits for already forwarded data to leave the proxy before resetting.
_CUT_DRAIN_TIMEOUT = 1.0
# Where the kernel cannot say what it still holds (Windows), how long a cut waits instead.
_UNTOLD_SEND_GRACE = 0.5
_ABORTIVE_LINGER = struct.pack("ii", 1, 0)


def _loopback_address(host: str) -> str:
    """Return ``host`` as a loopback IP literal, or raise ``ValueError``.

    The proxy is a test tool; refusing non-loopback targets up front guarantees that it
    never contacts anything outside this machine, whatever a test passes in.
    """
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"target must be a loopback IP address, not {host!r}") from None
    if not address.is_loopback:
        raise ValueError(f"target must be a loopback IP address, not {host!r}")
    return str(address)


def _check_pattern(pattern: bytes, what: str) -> bytes:
    """Validate a byte pattern (non-empty, bounded) and return it as ``bytes``."""
    pattern = bytes(pattern)
    if not pattern:
        raise ValueError(f"{what} must not be empty")
    if len(pattern) > _MAX_PATTERN:
        raise ValueError(f"{what} must be at most {_MAX_PATTERN} bytes")
    return pattern


def _matches_new_data(window: bytes, pattern: bytes, fresh_from: int) -> bool:
    """Whether ``pattern`` occurs in ``window`` ending inside the fresh part.

    ``window`` is old tail + new chunk and ``fresh_from`` is where the new chunk starts. Only
    matches that end in the new data count, so a rule armed now never fires on bytes that
    were forwarded before it existed.
    """
    start = max(0, fresh_from - (len(pattern) - 1))
    return window.find(pattern, start) != -1


@dataclass(slots=True)
class _ClientCut:
    pattern: bytes
    delay_bytes_from_server: int


@dataclass(slots=True)
class _Rewrite:
    old: bytes
    new: bytes
    remaining: int


class FaultProxy:
    """A TCP proxy on 127.0.0.1 that forwards to a loopback target and injects faults.

    Fault rules can be set before or while the proxy runs and apply to connections and data
    from then on. The one-shot rules (cuts, stall) fire once and then clear themselves, so the
    client's reconnect goes through cleanly and a test can check the recovery.

    Attributes:
        host: Address clients connect to (always ``"127.0.0.1"``).
        target_host: Loopback address of the real server.
        target_port: Port of the real server.
    """

    def __init__(
        self, target_host: str, target_port: int, *, carry_flush_delay: float = 0.05
    ) -> None:
        """Prepare a proxy; nothing listens until :meth:`start`.

        Args:
            target_host: Loopback IP address (or ``"localhost"``) of the real server.
            target_port: Port of the real server.
            carry_flush_delay: How long server bytes held back by :meth:`rewrite_server` (a
                possible partial match at the end of a chunk) may wait for more data before
                they are forwarded unchanged. Tests that need a deterministic chunk split may
                raise it.

        Raises:
            ValueError: If the target is not a loopback address or the port is invalid.
        """
        if not 0 < target_port < 65536:
            raise ValueError(f"invalid target port {target_port}")
        self.host = "127.0.0.1"
        self.target_host = _loopback_address(target_host)
        self.target_port = target_port
        self._flush_delay = carry_flush_delay
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._port: int | None = None
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._conns: set[_Connection] = set()
        self._connections = 0
        self._bytes_from_server = 0
        self._refuse = False
        self._client_cut: _ClientCut | None = None
        self._client_stall: bytes | None = None
        self._server_cut: int | None = None
        self._rewrites: list[_Rewrite] = []

    # ----------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        """Port clients connect to; known once :meth:`start` has run."""
        if self._port is None:
            raise RuntimeError("FaultProxy is not started")
        return self._port

    @property
    def connections(self) -> int:
        """Connections accepted so far, including ones refused by :meth:`refuse_connections`."""
        with self._lock:
            return self._connections

    @property
    def bytes_from_server(self) -> int:
        """Bytes received from the target so far (before any rewriting), over all connections."""
        with self._lock:
            return self._bytes_from_server

    def start(self) -> None:
        """Listen on a free port of 127.0.0.1 and start accepting connections.

        Raises:
            RuntimeError: If the proxy was started before (a stopped proxy is not reusable).
        """
        if self._listener is not None or self._stopping.is_set():
            raise RuntimeError("FaultProxy can only be started once")
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind((self.host, 0))
            listener.listen(16)
            listener.setblocking(False)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        self._port = int(listener.getsockname()[1])
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"FaultProxy-accept-{self.port}", daemon=True
        )
        self._accept_thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop accepting, close every socket and join the threads.

        Held (stalled) data is dropped. Safe to call more than once or without :meth:`start`.

        Args:
            timeout: Overall time to wait for the threads; sockets are closed regardless.
        """
        self._stopping.set()
        deadline = time.monotonic() + timeout
        _wake(self._wake_w)
        if self._accept_thread is not None:
            self._accept_thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            conn.wake()
        for conn in conns:
            conn.thread.join(max(0.0, deadline - time.monotonic()))
            conn.close()  # in case the thread did not finish in time
        for sock in (self._listener, self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()

    def __enter__(self) -> FaultProxy:
        """Start the proxy for a ``with`` block."""
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the proxy at the end of a ``with`` block."""
        self.stop()

    # ----------------------------------------------------------------- fault rules

    def cut_after_client_sends(self, pattern: bytes, *, delay_bytes_from_server: int = 0) -> None:
        """Cut the connection once the client has sent ``pattern``; fires once.

        The data containing the pattern is forwarded to the server, then
        ``delay_bytes_from_server`` further bytes of the server's answer reach the client, and
        then both sockets are reset (RST). This simulates a connection lost after a command
        reached the server but before (all of) its answer reached the client.

        Args:
            pattern: Bytes to look for in the client->server stream, e.g. ``b"UID EXPUNGE"``.
                May straddle two packets.
            delay_bytes_from_server: Server->client bytes to let through before the cut.
        """
        pattern = _check_pattern(pattern, "pattern")
        if delay_bytes_from_server < 0:
            raise ValueError("delay_bytes_from_server must be >= 0")
        with self._lock:
            self._client_cut = _ClientCut(pattern, delay_bytes_from_server)

    def cut_after_server_bytes(self, n: int) -> None:
        """Reset the current/next connection after ``n`` more server->client bytes; fires once.

        The rule is taken by the first connection that receives data from the server after
        this call; with ``n == 0`` that data is dropped and the connection reset at once.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        with self._lock:
            self._server_cut = n

    def stall_after_client_sends(self, pattern: bytes) -> None:
        """Hold all server->client data once the client has sent ``pattern``; fires once.

        The connection stays open but the proxy stops reading from the server, so the client's
        socket timeout fires. :meth:`release` (or :meth:`stop`) ends the stall.
        """
        pattern = _check_pattern(pattern, "pattern")
        with self._lock:
            self._client_stall = pattern

    def release(self) -> None:
        """End every stall (held data flows again) and disarm a stall rule not yet fired."""
        with self._lock:
            self._client_stall = None
            conns = list(self._conns)
            for conn in conns:
                conn.stalled = False
        for conn in conns:
            conn.wake()

    def rewrite_server(self, old: bytes, new: bytes, count: int = 1) -> None:
        """Replace the next ``count`` occurrences of ``old`` in server->client data by ``new``.

        Used to imitate a server that lies, e.g. ``b"RFC822.SIZE 1234"`` ->
        ``b"RFC822.SIZE 1240"``. Matches spanning two packets are found: up to
        ``len(old) - 1`` trailing bytes of a chunk are held back until more data arrives, the
        connection ends, or ``carry_flush_delay`` passes without data. Several rules may be
        active; the count is shared by all connections.
        """
        old = _check_pattern(old, "old")
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            self._rewrites.append(_Rewrite(old, bytes(new), count))

    def refuse_connections(self, flag: bool = True) -> None:
        """Accept and immediately close new connections (``flag=True``), or stop doing so.

        Refused connections never reach the server; the client sees EOF before any greeting.
        """
        with self._lock:
            self._refuse = flag

    def clear_rules(self) -> None:
        """Disarm all rules that have not fired, drop rewrites and release any stall."""
        with self._lock:
            self._client_cut = None
            self._server_cut = None
            self._rewrites.clear()
            self._refuse = False
        self.release()

    # ----------------------------------------------------------------- internals

    def _accept_loop(self) -> None:
        """Accept clients until stopped; each accepted client gets its own thread."""
        listener, wake_r = self._listener, self._wake_r
        assert listener is not None and wake_r is not None
        while not self._stopping.is_set():
            readable, _, _ = select.select([listener, wake_r], [], [])
            if self._stopping.is_set():
                break
            if wake_r in readable:
                _drain(wake_r)
            if listener not in readable:
                continue
            try:
                client, _ = listener.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                continue  # the client gave up before we got to it
            with self._lock:
                self._connections += 1
                refuse = self._refuse
            if refuse:
                client.close()
                continue
            conn = _Connection(self, client)
            with self._lock:
                self._conns.add(conn)
            conn.thread.start()

    def _forget(self, conn: _Connection) -> None:
        with self._lock:
            self._conns.discard(conn)

    def _check_client_data(self, conn: _Connection, window: bytes, fresh_from: int) -> int | None:
        """Apply client->server rules to new data; return the server-byte budget of a cut."""
        cut: int | None = None
        with self._lock:
            rule = self._client_cut
            if rule is not None and _matches_new_data(window, rule.pattern, fresh_from):
                self._client_cut = None
                cut = rule.delay_bytes_from_server
            stall = self._client_stall
            if stall is not None and _matches_new_data(window, stall, fresh_from):
                self._client_stall = None
                conn.stalled = True
        return cut

    def _take_server_data(self, size: int) -> int | None:
        """Count ``size`` bytes from the server and claim a pending server-byte cut."""
        with self._lock:
            self._bytes_from_server += size
            cut, self._server_cut = self._server_cut, None
        return cut

    def _rewrite(self, buf: bytes) -> tuple[bytes, bytes]:
        """Apply the rewrite rules to ``buf``; return (data to forward, carry to hold back).

        The carry is at most ``len(old) - 1`` bytes that could be the start of a match; it
        never includes replaced output, so a replacement is never rescanned.
        """
        with self._lock:
            if not self._rewrites:
                return buf, b""
            out: list[bytes] = []
            pos = 0
            while True:
                best: tuple[int, _Rewrite] | None = None
                for rule in self._rewrites:
                    if rule.remaining <= 0:
                        continue
                    index = buf.find(rule.old, pos)
                    if index != -1 and (best is None or index < best[0]):
                        best = (index, rule)
                if best is None:
                    break
                index, rule = best
                out.append(buf[pos:index])
                out.append(rule.new)
                pos = index + len(rule.old)
                rule.remaining -= 1
            self._rewrites = [rule for rule in self._rewrites if rule.remaining > 0]
            keep = max((len(rule.old) for rule in self._rewrites), default=1) - 1
        split = max(pos, len(buf) - keep)
        out.append(buf[pos:split])
        return b"".join(out), buf[split:]


def _wake(sock: socket.socket | None) -> None:
    """Poke a wake-up socket so a thread blocked in ``select`` looks at its state again."""
    if sock is None:
        return
    with contextlib.suppress(OSError):  # buffer full (already woken) or already closed
        sock.send(b"\0")


def _drain(sock: socket.socket) -> None:
    """Read and discard everything waiting on a non-blocking wake-up socket."""
    with contextlib.suppress(OSError):
        while sock.recv(4096):
            pass


def _unsent_bytes(sock: socket.socket) -> int | None:
    """Bytes still queued in the kernel for ``sock``; None where the platform cannot tell."""
    if _OUTQ_IOCTL is None or fcntl is None:
        return None
    try:
        raw = fcntl.ioctl(sock.fileno(), _OUTQ_IOCTL, b"\0\0\0\0")
    except (OSError, ValueError):
        return None
    return int(struct.unpack("i", raw)[0])


def _send_some(sock: socket.socket, pending: bytearray) -> None:
    """Write what the socket takes right now and drop it from ``pending``."""
    try:
        sent = sock.send(pending)
    except (BlockingIOError, InterruptedError):
        return
    del pending[:sent]


class _Connection:
    """One proxied client connection: both directions, driven by one thread."""

    def __init__(self, proxy: FaultProxy, client: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream: socket.socket | None = None
        self.stalled = False  # guarded by proxy._lock
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.to_server = bytearray()
        self.to_client = bytearray()
        self.carry = b""
        self.carry_deadline = 0.0
        self.client_tail = b""
        self.cut_left: int | None = None
        self.cutting = False
        self.cut_deadline = 0.0
        self.thread = threading.Thread(
            target=self._run, name=f"FaultProxy-conn-{client.fileno()}", daemon=True
        )

    def wake(self) -> None:
        _wake(self._wake_w)

    def close(self) -> None:
        for sock in (self.client, self.upstream, self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()

    def _run(self) -> None:
        try:
            self._pump()
        except OSError:
            pass  # reset by a peer, or sockets closed by stop(): normal for this proxy
        except ValueError:
            # select() on a socket that stop() closed after its join timeout.
            if not self.proxy._stopping.is_set():
                raise
        finally:
            self.close()
            self.proxy._forget(self)

    def _start_cut(self) -> None:
        """Stop reading; reset both sockets once the data already accepted is written."""
        self.cutting = True
        self.carry = b""
        self.cut_deadline = time.monotonic() + _CUT_DRAIN_TIMEOUT

    def _reset(self) -> None:
        """Close both sockets abortively (RST), after the kernel has sent what it holds.

        A linger-0 close throws away the socket's send queue, so first wait (briefly) until
        the data we promised to let through has actually left.
        """
        deadline = time.monotonic() + _CUT_DRAIN_TIMEOUT
        waited = False
        for sock in (self.client, self.upstream):
            if sock is None:
                continue
            unsent = _unsent_bytes(sock)
            if unsent is None and not waited:
                # Windows cannot be asked, and a send there may still be on its way out
                # (under Wine a loaded machine lost the forwarded command): give both
                # sockets' sends time, once.
                time.sleep(_UNTOLD_SEND_GRACE)
                waited = True
            while unsent and time.monotonic() < deadline:
                time.sleep(0.002)
                unsent = _unsent_bytes(sock)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _ABORTIVE_LINGER)
            sock.close()

    def _emit(self, data: bytes) -> None:
        """Queue server data for the client, honouring a pending server-byte cut."""
        if self.cutting:
            return
        if self.cut_left is not None:
            data = data[: self.cut_left]
            self.cut_left -= len(data)
        self.to_client += data
        if self.cut_left == 0:
            self._start_cut()

    def _arm_cut(self, budget: int) -> None:
        if budget == 0:
            self._start_cut()
        elif self.cut_left is None or budget < self.cut_left:
            self.cut_left = budget

    def _pump(self) -> None:
        proxy = self.proxy
        try:
            upstream = socket.create_connection(
                (proxy.target_host, proxy.target_port), timeout=_CONNECT_TIMEOUT
            )
        except OSError:
            return  # target down: the client just sees its connection closed
        self.upstream = upstream
        client = self.client
        client.setblocking(False)
        upstream.setblocking(False)
        client_eof = server_eof = False
        server_shut = client_shut = False

        while not proxy._stopping.is_set():
            now = time.monotonic()
            if self.cutting and (
                (not self.to_server and not self.to_client) or now >= self.cut_deadline
            ):
                self._reset()
                return
            # Pass half-closes on once everything before them was written.
            if client_eof and not self.to_server and not server_shut:
                upstream.shutdown(socket.SHUT_WR)
                server_shut = True
            if server_eof and not self.carry and not self.to_client and not client_shut:
                client.shutdown(socket.SHUT_WR)
                client_shut = True
            if server_shut and client_shut:
                return

            with proxy._lock:
                stalled = self.stalled
            readers: list[socket.socket] = [self._wake_r]
            if not self.cutting:
                if not client_eof and len(self.to_server) < _BUFFER_LIMIT:
                    readers.append(client)
                if not server_eof and not stalled and len(self.to_client) < _BUFFER_LIMIT:
                    readers.append(upstream)
            writers: list[socket.socket] = []
            if self.to_server:
                writers.append(upstream)
            if self.to_client:
                writers.append(client)
            timeout: float | None = None
            if self.carry and not stalled:
                timeout = max(0.0, self.carry_deadline - now)
            if self.cutting:
                timeout = max(0.0, self.cut_deadline - now)

            readable, writable, _ = select.select(readers, writers, [], timeout)

            if self._wake_r in readable:
                _drain(self._wake_r)
            if upstream in writable:
                _send_some(upstream, self.to_server)
            if client in writable:
                _send_some(client, self.to_client)
            if client in readable:
                client_eof = self._read_client()
            if upstream in readable:
                server_eof = self._read_server()
            if self.carry and not stalled and time.monotonic() >= self.carry_deadline:
                carry, self.carry = self.carry, b""
                self._emit(carry)  # no more data came: the held-back bytes were no match

    def _read_client(self) -> bool:
        """Read from the client, apply client rules, queue for the server; True on EOF."""
        try:
            data = self.client.recv(_RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return False
        if not data:
            return True
        window = self.client_tail + data
        budget = self.proxy._check_client_data(self, window, len(self.client_tail))
        self.client_tail = window[-_MAX_PATTERN:]
        self.to_server += data  # the data with the pattern still reaches the server
        if budget is not None:
            self._arm_cut(budget)
        return False

    def _read_server(self) -> bool:
        """Read from the server, apply server rules, queue for the client; True on EOF."""
        assert self.upstream is not None
        try:
            data = self.upstream.recv(_RECV_SIZE)
        except (BlockingIOError, InterruptedError):
            return False
        if not data:
            carry, self.carry = self.carry, b""
            if carry:
                self._emit(carry)
            return True
        budget = self.proxy._take_server_data(len(data))
        if budget is not None:
            self._arm_cut(budget)
        if self.cutting:
            return False  # dropped: the connection is about to be reset
        out, self.carry = self.proxy._rewrite(self.carry + data)
        if self.carry:
            self.carry_deadline = time.monotonic() + self.proxy._flush_delay
        self._emit(out)
        return False
