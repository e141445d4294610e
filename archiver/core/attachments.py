"""Attachments of an archived message: listing them and saving them safely to a folder.

A file name in a message is written by its sender, who may be an attacker: it may hold
``../`` or ``..\\``, an absolute path, a drive letter, control characters, a Windows device
name (``CON``, ``NUL``), or be empty. Saving therefore keeps only a cleaned last component,
never replaces a file (``name (2).pdf`` instead), refuses to follow a planted symlink, and
checks that the final path lies inside the chosen folder.
"""

from __future__ import annotations

import email
import os
import re
import unicodedata
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from archiver.core.errors import ArchiverError
from archiver.core.index.extract import part_filename

MAX_NAME = 150  # characters of a saved file's name, extension included
# Bytes of a saved file's name in UTF-8: file systems allow 255 per name (NTFS 255 UTF-16
# units, never more than the UTF-8 bytes), less room for a " (999)" that keeps it unique.
MAX_NAME_BYTES = 240
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)]
)


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attachment: its number in the message, its name as sent, type and decoded size."""

    number: int
    filename: str
    content_type: str
    size: int


def _parts(data: bytes) -> list[tuple[Message, str]]:
    found = []
    for part in email.message_from_bytes(data).walk():
        if part.is_multipart():
            continue
        name = part_filename(part)
        disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
        if name or disposition == "attachment":
            found.append((part, name or ""))
    return found


def _payload(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def list_attachments(data: bytes) -> list[Attachment]:
    """Return the attachments of a raw message, numbered from 1."""
    return [
        Attachment(number, name, part.get_content_type(), len(_payload(part)))
        for number, (part, name) in enumerate(_parts(data), 1)
    ]


def safe_filename(name: str, fallback: str) -> str:
    """Return a file name that is harmless on every platform, or *fallback* if none is left.

    Invisible format characters (zero-width spaces, bidi overrides that show
    ``rechnung<U+202E>fdp.exe`` as ``rechnungexe.pdf``, byte order marks: Unicode's category Cf)
    are removed; a long name is cut to MAX_NAME characters and MAX_NAME_BYTES bytes, at a
    character's boundary, keeping its extension.
    """
    last = re.split(r"[/\\]", name)[-1]
    visible = "".join(c for c in last if unicodedata.category(c) != "Cf")
    cleaned = _UNSAFE.sub("_", visible).strip().strip(".")
    if cleaned.split(".")[0].upper() in _WINDOWS_DEVICES:
        cleaned = f"_{cleaned}"
    if len(cleaned) > MAX_NAME or len(cleaned.encode()) > MAX_NAME_BYTES:
        stem, dot, ext = cleaned.rpartition(".")
        suffix = f".{ext}" if dot and stem and len(ext) <= 10 else ""
        stem = cleaned[: len(cleaned) - len(suffix)][: MAX_NAME - len(suffix)]
        room = MAX_NAME_BYTES - len(suffix.encode())
        # Cut the UTF-8 form; a character cut in two is dropped whole.
        stem = stem.encode()[:room].decode(errors="ignore").rstrip()
        cleaned = stem + suffix
    return cleaned or fallback


def save_attachments(data: bytes, folder: Path, numbers: list[int] | None = None) -> list[Path]:
    """Save attachments (all, or those *numbers*) of a raw message into *folder*.

    Returns the paths written, files readable by the user alone. An existing file is never
    replaced; the new one gets a numbered name. Raises ArchiverError for a bad number or an
    unusable folder.
    """
    folder = folder.resolve()
    if not folder.is_dir():
        raise ArchiverError(f"{folder} is not a folder.")
    parts = _parts(data)
    wanted = numbers or list(range(1, len(parts) + 1))
    for number in wanted:
        if not 1 <= number <= len(parts):
            raise ArchiverError(f"The message has no attachment {number} (it has {len(parts)}).")
    written = []
    for number in wanted:
        part, name = parts[number - 1]
        written.append(_write_new(folder, safe_filename(name, f"attachment-{number}"), part))
    return written


def _write_new(folder: Path, name: str, part: Message) -> Path:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    for attempt in range(1, 1000):
        candidate = name if attempt == 1 else f"{stem} ({attempt})" + (f".{ext}" if ext else "")
        path = folder / candidate
        if path.resolve().parent != folder:  # cannot happen after safe_filename; be sure
            raise ArchiverError(f"Refusing to write {candidate!r} outside {folder}.")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(path, flags | getattr(os, "O_BINARY", 0), 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise ArchiverError(f"Cannot write {path}: {exc.strerror or exc}") from exc
        with os.fdopen(fd, "wb") as out:
            out.write(_payload(part))
        return path
    raise ArchiverError(f"Too many files named like {name!r} in {folder}.")
