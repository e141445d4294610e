"""Each way a connection fails gets its own kind, against the real server or loopback.

The faces word errors by kind (archiver/cli/messages.py, archiver/gui/errors.py), so each
kind must come out of the real failure, not only of a constructed error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import ipaddress
import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.core import imap, secrets
from archiver.core.accounts import Account, Security
from archiver.core.errors import ArchiverError, ErrorKind, UntrustedCertificate
from archiver.core.imap import ImapSession
from archiver.core.jobs.inspect import check_connection
from archiver.core.progress import Cancelled, CancelToken
from archiver.core.secrets import Secret
from tests.helpers.dovecot import free_port
from tests.helpers.silent import SilentServer
from tests.helpers.tcpproxy import FaultProxy

pytestmark = pytest.mark.imap

TLS_HELLO = b"\x16\x03"  # how the client's first TLS record (its ClientHello) begins


def kind_of(account: Account, password: Secret, timeout: float = 10) -> ArchiverError:
    with pytest.raises(ArchiverError) as caught:
        ImapSession.connect(account, password, timeout=timeout)
    return caught.value


def test_connection_refused(account, password):
    error = kind_of(dataclasses.replace(account, port=free_port()), password)
    assert error.kind is ErrorKind.CONNECTION_REFUSED
    assert (error.account, error.host, error.port) == ("test", account.host, error.port)


def test_dns_failure(account, password, monkeypatch):
    def no_such_host(*_: object, **__: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    error = kind_of(dataclasses.replace(account, host="imap.example.invalid"), password)
    assert error.kind is ErrorKind.DNS_FAILURE
    assert error.host == "imap.example.invalid" and error.reason == "Name or service not known"


def test_timeout(dovecot, account, password):
    with FaultProxy(dovecot.host, dovecot.ssl_port) as proxy:
        proxy.stall_after_client_sends(TLS_HELLO)  # the TLS handshake gets no answer
        stalled = dataclasses.replace(account, host=proxy.host, port=proxy.port)
        error = kind_of(stalled, password, timeout=1)
        proxy.release()
    assert error.kind is ErrorKind.TIMEOUT


def test_wrong_password(account):
    error = kind_of(account, Secret("not-the-password"))
    assert error.kind is ErrorKind.AUTH_FAILED
    assert "not-the-password" not in (error.reason or "")


def test_untrusted_certificate(account, password):
    error = kind_of(dataclasses.replace(account, cafile=None), password)
    assert isinstance(error, UntrustedCertificate) and error.fingerprint
    assert error.kind is ErrorKind.TLS_UNTRUSTED


def test_certificate_for_another_host(account, password):
    # The test certificate names IP 127.0.0.1 only; "localhost" is the same server by name.
    error = kind_of(dataclasses.replace(account, host="localhost"), password)
    assert isinstance(error, UntrustedCertificate)
    assert error.kind is ErrorKind.TLS_WRONG_HOST


def test_pinned_certificate_changed(account, password):
    error = kind_of(dataclasses.replace(account, cafile=None, tls_fingerprint="0" * 64), password)
    assert error.kind is ErrorKind.TLS_CHANGED


def test_starttls_on_the_ssl_port_is_recognised(dovecot, account, password):
    """The server waits for a TLS handshake and never greets: no long wait for a greeting."""
    starttls = dataclasses.replace(account, security=Security.STARTTLS, port=dovecot.ssl_port)
    error = kind_of(starttls, password, timeout=600)  # the answer must not wait for this
    assert error.kind is ErrorKind.STARTTLS_ON_SSL_PORT
    assert f"user=<{account.user}>" not in dovecot.log_tail(200)


def test_ssl_on_the_plain_port_is_recognised(dovecot, account, password):
    error = kind_of(dataclasses.replace(account, port=dovecot.port), password)
    assert error.kind is ErrorKind.SSL_ON_PLAIN_PORT


def test_a_slow_greeting_is_still_waited_for(dovecot, account, password, monkeypatch):
    """A plain port whose greeting comes late is no TLS port: the connection goes on."""
    monkeypatch.setattr("archiver.core.imap.GREETING_WAIT", 1e-6)  # a greeting is late now
    starttls = dataclasses.replace(account, security=Security.STARTTLS, port=dovecot.port)
    ImapSession.connect(starttls, password).close()


# An expired certificate: no real server of the fixture has one, so a loopback TLS server
# shows it (made with cryptography, a dependency of keyring's backends).


@pytest.fixture
def expired_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A TLS server on 127.0.0.1 with a certificate that expired yesterday; (port, its PEM)."""
    x509 = pytest.importorskip("cryptography.x509")
    hashes = pytest.importorskip("cryptography.hazmat.primitives.hashes")
    ec = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ec")
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "expired")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now - dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "expired.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile = tmp_path / "expired.key"
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem, keyfile)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():  # the client comes back to read the fingerprint
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                try:
                    with context.wrap_socket(conn, server_side=True) as tls_conn:
                        tls_conn.sendall(b"* OK ready\r\n")
                except OSError:
                    pass  # the client refuses the certificate: that is the test

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], pem
    finally:
        stop.set()
        thread.join(10)
        listener.close()


def test_expired_certificate(account, password, expired_server):
    port, pem = expired_server
    error = kind_of(dataclasses.replace(account, port=port, cafile=pem), password)
    assert error.kind is ErrorKind.TLS_EXPIRED


def test_the_connection_test_stops_at_once_when_cancelled(dovecot, account, password):
    """Cancel closes the connection: a test waiting on a silent server ends with Cancelled,
    long before its timeout."""
    cancel = CancelToken()
    outcome: list[BaseException] = []
    with FaultProxy(dovecot.host, dovecot.ssl_port) as proxy:
        stalled = dataclasses.replace(account, host=proxy.host, port=proxy.port)
        proxy.stall_after_client_sends(TLS_HELLO)

        def run() -> None:
            try:
                check_connection(
                    stalled, lambda: password, timeout=600, report=lambda _: None, cancel=cancel
                )
            except BaseException as exc:  # handed to the test's thread
                outcome.append(exc)

        thread = threading.Thread(target=run)
        thread.start()
        while proxy.connections == 0:
            thread.join(0.05)
        cancel.cancel()
        thread.join(60)
        proxy.release()
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)


@pytest.mark.parametrize(
    ("security", "probes"),
    [(Security.SSL, 1), (Security.STARTTLS, 2)],
    ids=["ssl-handshake", "starttls-tls-probe"],
)
def test_a_cancelled_test_stops_without_waiting_for_a_probe(
    account, password, monkeypatch, security, probes
):
    """When the first connection fails, the port is probed on a second one (does it greet in
    plain text? does it speak TLS?). A cancel stops the probe too, and none is opened after
    it: an app closed during a test quits at once. The probes' wait is made endless here,
    so the test would hang without that."""
    if security is Security.SSL:  # the handshake waits 600 s, then the plain-text probe
        monkeypatch.setattr(imap, "GREETING_WAIT", 600.0)
    else:  # the greeting is waited for a moment, then the TLS probe
        monkeypatch.setattr(imap, "GREETING_WAIT", 0.2)
        probe = imap._answers_in_tls
        monkeypatch.setattr(imap, "_answers_in_tls", lambda a, _, c: probe(a, 600.0, c))
    cancel = CancelToken()
    outcome: list[BaseException] = []
    with SilentServer() as server:
        silent = dataclasses.replace(account, host="127.0.0.1", port=server.port, security=security)

        def run() -> None:
            try:
                check_connection(
                    silent, lambda: password, timeout=600, report=lambda _: None, cancel=cancel
                )
            except BaseException as exc:  # handed to the test's thread
                outcome.append(exc)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        while server.accepted < probes:  # STARTTLS: the greeting's wait is over, a probe waits
            thread.join(0.05)
        cancel.cancel()
        thread.join(60)
        assert not thread.is_alive()
        assert server.accepted == probes  # nothing was opened after the cancel
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)


# The command line words the kinds in English and names the options that help.


def test_cli_says_which_security_the_port_expects(dovecot, imap_user, home, monkeypatch, capsys):
    args = [*dovecot.account_args(imap_user), "--security", "starttls"]  # on the SSL/TLS port
    assert main(["account", "add", "office", *args]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO(imap_user.password + "\n"))
    assert main(["account", "test", "office", "--password-stdin"]) == 1
    err = capsys.readouterr().err
    assert "expects SSL/TLS on this port" in err and "Use --security ssl" in err


def test_cli_keeps_a_sentence_whole_when_the_password_is_a_word(
    dovecot, imap_user, home, monkeypatch, capsys
):
    """The wrong password "wrong" must not turn "wrong user name" into "*** user name"."""
    monkeypatch.setattr(secrets, "_SEEN", set(secrets._SEEN))  # "wrong" stays this test's
    assert main(["account", "add", "office", *dovecot.account_args(imap_user)]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO("wrong\n"))
    assert main(["account", "test", "office", "--password-stdin"]) == 1
    err = capsys.readouterr().err
    assert "(wrong user name or password?)" in err and "***" not in err
    assert "--password-stdin" in err  # the advice of the command line
