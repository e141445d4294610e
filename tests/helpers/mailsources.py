"""Mail kept the way other programs keep it, for the import tests: mbox files of each dialect,
a Thunderbird profile, a Maildir, a folder of .eml files with awkward names.

Each builder returns what a correct import must find: the messages' exact bytes, and their
flags where the source keeps them.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from archiver.core.store.maildir import INFO_SEPARATOR

FROM_LINE = b"From sender@example.org Tue Jan  1 10:00:00 2019"
MOZILLA_FROM_LINE = b"From - Wed Mar 06 09:30:00 2019"


@dataclass(frozen=True)
class Expected:
    """A message an import must take: its bytes, flags and archive folder below the prefix."""

    data: bytes
    folder: str
    flags: tuple[str, ...] = ()


def to_lf(raw: bytes) -> bytes:
    """Return *raw* with LF line ends (how Unix mail programs store mail)."""
    return raw.replace(b"\r\n", b"\n")


def mboxrd(messages: Sequence[bytes], newline: bytes = b"\n") -> bytes:
    """Return an mboxrd file: every ``>*From `` line gets one more ``>``."""
    return _mbox(messages, newline, re.compile(rb"^(>*From )", re.M), b">\\1")


def mboxo(messages: Sequence[bytes], newline: bytes = b"\n") -> bytes:
    """Return an mboxo file: only ``From `` lines are quoted (``>From `` stays as it is)."""
    return _mbox(messages, newline, re.compile(rb"^(From )", re.M), b">\\1")


def mboxcl2(messages: Sequence[bytes], newline: bytes = b"\n") -> tuple[bytes, list[bytes]]:
    """Return an mboxcl2 file (nothing quoted, a Content-Length header each) and the
    messages as it holds them (the header added)."""
    out, stored = b"", []
    for raw in messages:
        end = raw.find(newline + newline)
        head, body = raw[: end + len(newline)], raw[end + 2 * len(newline) :]
        message = head + b"Content-Length: %d" % len(body) + newline + newline + body
        stored.append(message)
        out += FROM_LINE + newline + message + newline
    return out, stored


def thunderbird_mbox(messages: Sequence[bytes]) -> bytes:
    """Return an mbox file as Thunderbird before version 115 wrote one: nothing quoted."""
    return b"".join(MOZILLA_FROM_LINE + b"\n" + raw + b"\n" for raw in messages)


def _mbox(messages: Sequence[bytes], newline: bytes, pattern: re.Pattern[bytes],
          repl: bytes) -> bytes:  # fmt: skip
    out = b""
    for raw in messages:
        out += FROM_LINE + newline + pattern.sub(repl, raw) + newline
    return out


def mozilla_message(subject: str, status: int, body: str = "Hallo.") -> bytes:
    """Return a message as Thunderbird stores it, with X-Mozilla-Status flags."""
    return (
        f"X-Mozilla-Status: {status:04x}\nX-Mozilla-Status2: 00000000\n"
        f"From: Anna <anna@example.org>\nTo: bob@example.org\nSubject: {subject}\n"
        f"Message-ID: <{hashlib.sha256(subject.encode()).hexdigest()[:12]}@example.org>\n"
        f"Date: Tue, 01 Jan 2019 10:00:00 +0100\n\n{body}\n"
    ).encode()


def thunderbird_profile(root: Path) -> tuple[Path, list[Expected]]:
    """Build a profile: Local Folders (Inbox, Archives/2019/Q1 nested by .sbd), a POP account,
    an IMAP cache, .msf files and an uncompacted deleted message. Return the profile folder
    and the messages an import must take (folders below the prefix)."""
    profile = root / "Profiles" / "abcd1234.default-release"
    local = profile / "Mail" / "Local Folders"
    (local / "Archives.sbd" / "2019.sbd").mkdir(parents=True)
    pop = profile / "Mail" / "pop.example.org"
    pop.mkdir(parents=True)
    imap = profile / "ImapMail" / "imap.example.org"
    imap.mkdir(parents=True)
    (root / "profiles.ini").write_text(
        "[Profile0]\nName=default-release\nIsRelative=1\n"
        "Path=Profiles/abcd1234.default-release\nDefault=1\n",
        encoding="utf-8",
    )
    (profile / "prefs.js").write_text(
        'user_pref("mail.server.server1.type", "none");\n'
        'user_pref("mail.server.server2.type", "imap");\n',
        encoding="utf-8",
    )
    read = mozilla_message("gelesen", 0x0001)
    flagged = mozilla_message("markiert und beantwortet", 0x0001 | 0x0002 | 0x0004)
    deleted = mozilla_message("gelöscht, nicht komprimiert", 0x0009)
    unread = mozilla_message("ungelesen", 0x0000, "From the desk of Anna:\nFrom here on.")
    (local / "Inbox").write_bytes(thunderbird_mbox([read, deleted, unread]))
    (local / "Inbox.msf").write_bytes(b'// <!-- <mdb:mork:z v="1.4"/> -->\n')
    (local / "Trash").write_bytes(b"")
    (local / "Archives").write_bytes(b"")
    (local / "Archives.sbd" / "2019").write_bytes(thunderbird_mbox([flagged]))
    (local / "Archives.sbd" / "2019.sbd" / "Q1").write_bytes(mboxo([mozilla_message("Q1", 1)]))
    (pop / "Inbox").write_bytes(mboxo([mozilla_message("pop", 0)]))
    (imap / "INBOX").write_bytes(mboxo([mozilla_message("imap cache", 1)]))
    (imap / "msgFilterRules.dat").write_bytes(b'version="9"\n')
    expected = [
        Expected(read, "Local Folders/Inbox", ("\\Seen",)),
        Expected(unread, "Local Folders/Inbox"),
        Expected(flagged, "Local Folders/Archives/2019", ("\\Answered", "\\Flagged", "\\Seen")),
        Expected(mozilla_message("Q1", 1), "Local Folders/Archives/2019/Q1", ("\\Seen",)),
        Expected(mozilla_message("pop", 0), "pop.example.org/Inbox"),
    ]
    return profile, expected


def maildir(root: Path, messages: Sequence[bytes]) -> list[Expected]:
    """Build a Maildir++ tree: messages in cur/ (with flags) and new/, a ``.Sent.2019``
    subfolder. Return what an import must take."""
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
        (root / ".Sent.2019" / sub).mkdir(parents=True)
    expected = []
    letters = ["S", "FS", "RS", ""]
    for index, raw in enumerate(messages):
        if index % 3 == 2:
            path = (
                root
                / ".Sent.2019"
                / "cur"
                / f"{1500000000 + index}.M{index}.host{INFO_SEPARATOR}2,S"
            )
            expected.append(Expected(raw, "Sent/2019", ("\\Seen",)))
        elif index % 3 == 1:
            path = root / "new" / f"{1500000000 + index}.M{index}.host"
            expected.append(Expected(raw, root.name))
        else:
            info = letters[index % len(letters)]
            path = root / "cur" / f"{1500000000 + index}.M{index}.host{INFO_SEPARATOR}2,{info}"
            flags = {
                "S": ("\\Seen",),
                "FS": ("\\Flagged", "\\Seen"),
                "RS": ("\\Answered", "\\Seen"),
            }
            expected.append(Expected(raw, root.name, flags.get(info, ())))
        path.write_bytes(raw)
        os.utime(path, (1500000000 + index, 1500000000 + index))
    return expected


# Names Windows allows: umlauts, spaces, brackets, '&', ';', '#', a leading dash, long ones.
ODD_NAMES = [
    "Rechnung Müller (2019).eml",
    "ä ö ü ß \u2013 Gruß.eml",
    "  two  spaces .eml",
    "#1 & 2; x=y.eml",
    "-leading dash.EML",
    "Re_ Re_ Fwd_ Angebot Nr. 4711 für die Firma Schröder & Söhne GmbH vom 3. März.eml",
]


def eml_folder(root: Path, messages: Sequence[bytes]) -> list[Expected]:
    """Write *messages* as .eml files with awkward names, some in a subfolder (as MailStore
    Home exports folders). Return what an import must take."""
    (root / "Posteingang" / "Kunden").mkdir(parents=True)
    expected = []
    for index, raw in enumerate(messages):
        name = ODD_NAMES[index % len(ODD_NAMES)]
        if index >= len(ODD_NAMES):
            name = f"{index} {name}"
        sub = ("Posteingang", "Kunden") if index % 2 else ("Posteingang",)
        (root.joinpath(*sub) / name).write_bytes(raw)
        expected.append(Expected(raw, "/".join((root.name, *sub))))
    return expected


def snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Return every file below *root* (or *root* itself) with SHA-256, size and mtime."""
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return {
        str(p): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size,
                 p.stat().st_mtime_ns)
        for p in files
    }  # fmt: skip
