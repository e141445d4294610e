"""What a path the user names holds, and reading each folder found there.

A path is taken for what it is, never for what its name says alone:

- a Thunderbird root (``profiles.ini``): each profile in it;
- a Thunderbird profile (``prefs.js``): the local mail below ``Mail/`` ("Local Folders" and
  POP3 accounts) and any account folder ``prefs.js`` places elsewhere; IMAP caches
  (``ImapMail/``) are listed, not imported: their mail is on the server;
- a Maildir (``cur/`` and ``new/``), with its Maildir++ subfolders (``.Sent``, ``.A.B``);
- any other directory: walked for mbox files (Thunderbird's ``.sbd`` subfolder directories
  give nesting; ``.msf`` index files are ignored), Maildirs and .eml files;
- a file: an mbox file (it starts with ``From ``), one .eml message, one Outlook .msg
  message, or an Outlook data file (.pst, .ost), whose folders each become a source folder.

Outlook's files are read only where their optional reader is installed (the ``outlook``
extra: olefile for .msg, libpff-python for .pst and .ost); without it they are listed with
the reason, naming what is missing.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from archiver.core.importers.files import is_maildir, read_eml_files, read_maildir
from archiver.core.importers.mbox import NotAnMbox, is_mbox, read_mbox
from archiver.core.importers.outlook_msg import (
    MSG_NEEDS_READER_REASON,
    olefile_module,
    read_msg_files,
)
from archiver.core.importers.outlook_pst import (
    PST_NEEDS_READER_REASON,
    PST_UNREADABLE_REASON,
    failure,
    pst_folders,
    pypff_module,
    read_pst_folder,
)
from archiver.core.importers.sources import (
    Discovery,
    NotImported,
    SourceEntry,
    SourceFolder,
    SourceKind,
    UnreadableMessage,
)

# Files mail programs keep beside their mail: indexes, settings, filters, state.
NOT_MAIL_SUFFIXES = (".msf", ".dat", ".json", ".lock", ".js", ".ini", ".sqlite", ".html",
                     ".txt", ".xml", ".log", ".db", ".mab", ".rdf", ".bak")  # fmt: skip
MBOX_SUFFIXES = (".mbox", ".mbx")
PST_SUFFIXES = (".pst", ".ost")
PST_EMPTY_REASON = "the Outlook data file holds no messages"
IMAP_CACHE_REASON = "IMAP account cache: its mail is on the server; archive it from there"
NOT_FOUND_REASON = "not found"
NOT_MAIL_REASON = "not a mail file"
NOT_MBOX_REASON = "not an mbox file"
PREF = re.compile(r'user_pref\("mail\.server\.(\w+)\.(directory|type)",\s*"(.*)"\);')


def discover(paths: Sequence[Path]) -> Discovery:
    """Return what *paths* hold (see the module docstring); a path that does not exist or
    holds no mail is listed in ``not_imported`` with the reason."""
    found = Discovery()
    for path in paths:
        if not path.exists():
            found.not_imported.append(NotImported(str(path), NOT_FOUND_REASON))
        elif path.is_dir():
            _directory(path, found)
        else:
            _file(path, (), found)
    return found


def read_folder(folder: SourceFolder) -> Iterator[SourceEntry]:
    """Yield the messages of one source folder; a file that cannot be read is one
    unreadable entry with the reason, not an error."""
    if folder.kind is SourceKind.MAILDIR:
        yield from read_maildir(folder.path)
    elif folder.kind is SourceKind.EML:
        yield from read_eml_files(folder.files)
    elif folder.kind is SourceKind.MSG:
        yield from read_msg_files(folder.files)
    elif folder.kind is SourceKind.PST:
        pypff = pypff_module()
        if pypff is None:
            yield UnreadableMessage(str(folder.path), 0, PST_NEEDS_READER_REASON)
        else:
            yield from read_pst_folder(pypff, folder.path, folder.place)
    else:
        try:
            yield from read_mbox(folder.path)
        except NotAnMbox:
            yield UnreadableMessage(str(folder.path), 0, NOT_MBOX_REASON)
        except OSError as exc:
            yield UnreadableMessage(str(folder.path), 0, exc.strerror or str(exc))


def count_folder(folder: SourceFolder) -> int:
    """Return how many messages a source folder holds (read through where the source does
    not say: mbox, Maildir and .eml folders)."""
    if folder.count is not None:
        return folder.count
    return sum(1 for _ in read_folder(folder))


def _directory(path: Path, found: Discovery) -> None:
    if (path / "profiles.ini").is_file():
        profiles = _profiles(path)
        for name, profile in profiles:
            _profile(profile, (name,) if len(profiles) > 1 else (), found)
        return
    if (path / "prefs.js").is_file():
        _profile(path, (), found)
        return
    _walk(path, (path.name,), found)


def _profiles(root: Path) -> list[tuple[str, Path]]:
    """Return the profiles a Thunderbird ``profiles.ini`` lists, by name."""
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(root / "profiles.ini", encoding="utf-8")
    profiles = []
    for section in ini.sections():
        if section.startswith("Profile") and "Path" in ini[section]:
            entry = ini[section]
            where = Path(entry["Path"])
            if entry.get("IsRelative", "1") == "1":
                where = root / entry["Path"]
            if where.is_dir():
                profiles.append((entry.get("Name", where.name), where))
    return profiles


def _profile(profile: Path, prefix: tuple[str, ...], found: Discovery) -> None:
    """Import a profile's local mail, list its IMAP caches (see the module docstring)."""
    local: dict[Path, None] = {}
    caches: dict[Path, None] = {}
    for sub, into in (("Mail", local), ("ImapMail", caches)):
        if (profile / sub).is_dir():
            into.update((p, None) for p in sorted((profile / sub).iterdir()) if p.is_dir())
    for directory, kind in _pref_directories(profile):
        if directory.is_dir() and directory not in local and directory not in caches:
            (caches if kind == "imap" else local)[directory] = None
    for directory in local:
        _walk(directory, (*prefix, directory.name), found)
    for directory in caches:
        found.not_imported.append(NotImported(str(directory), IMAP_CACHE_REASON))


def _pref_directories(profile: Path) -> list[tuple[Path, str]]:
    """Return the account folders ``prefs.js`` names, with each account's type."""
    try:
        text = (profile / "prefs.js").read_text("utf-8", "replace")
    except OSError:
        return []
    values: dict[str, dict[str, str]] = {}
    for server, key, value in PREF.findall(text):
        values.setdefault(server, {})[key] = value.replace("\\\\", "\\")
    return [
        (Path(v["directory"]), v.get("type", "")) for v in values.values() if v.get("directory")
    ]


def _walk(root: Path, name: tuple[str, ...], found: Discovery) -> None:
    """Find the folders below *root*; *name* is the root's own folder name."""
    if is_maildir(root):
        _maildir(root, name, found)
        return

    def unreadable(exc: OSError) -> None:  # a folder os.walk cannot list: say so
        found.not_imported.append(NotImported(str(exc.filename), exc.strerror or str(exc)))

    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        directory = Path(dirpath)
        parts = _folder_parts(root, directory, name)
        for sub in list(dirnames):
            if is_maildir(directory / sub):
                _maildir(directory / sub, (*parts, sub), found)
                dirnames.remove(sub)
        dirnames.sort()
        eml, msg = [], []
        for file_name in sorted(filenames):
            lower = file_name.lower()
            if lower.endswith(".eml"):
                eml.append(directory / file_name)
            elif lower.endswith(".msg"):
                msg.append(directory / file_name)
            else:
                _file(directory / file_name, parts, found)
        if eml:
            found.folders.append(
                SourceFolder("/".join(parts), SourceKind.EML, directory, tuple(eml))
            )
        if msg:
            _msg_files(directory, "/".join(parts), tuple(msg), found)


def _folder_parts(root: Path, directory: Path, name: tuple[str, ...]) -> tuple[str, ...]:
    """Return the folder name parts of a directory below *root* (``A.sbd`` is folder A)."""
    relative = directory.relative_to(root).parts
    return (*name, *(part.removesuffix(".sbd") for part in relative))


def _maildir(path: Path, name: tuple[str, ...], found: Discovery) -> None:
    """Add a Maildir and its Maildir++ subfolders (``.A.B`` is folder A/B beside it)."""
    found.folders.append(SourceFolder("/".join(name), SourceKind.MAILDIR, path))
    try:
        with os.scandir(path) as listing:
            entries = sorted(Path(entry.path) for entry in listing)
    except OSError as exc:
        found.not_imported.append(NotImported(str(path), exc.strerror or str(exc)))
        return
    for entry in entries:
        if entry.name.startswith(".") and entry.name not in (".", "..") and is_maildir(entry):
            segments = tuple(s for s in entry.name[1:].split(".") if s)
            parent = name[:-1] if len(name) > 1 else ()
            found.folders.append(
                SourceFolder("/".join((*parent, *segments)), SourceKind.MAILDIR, entry)
            )


def _msg_files(directory: Path, name: str, files: tuple[Path, ...], found: Discovery) -> None:
    """Add the .msg files of one directory as a folder, or list it when olefile is missing
    (once for the directory, not once a file)."""
    if olefile_module() is None:
        where = files[0] if len(files) == 1 else directory
        found.not_imported.append(NotImported(str(where), MSG_NEEDS_READER_REASON))
    else:
        found.folders.append(SourceFolder(name, SourceKind.MSG, directory, files, count=len(files)))


def _pst(path: Path, parts: tuple[str, ...], found: Discovery) -> None:
    """Add the folders of an Outlook data file that hold messages, below its own name."""
    pypff = pypff_module()
    if pypff is None:
        found.not_imported.append(NotImported(str(path), PST_NEEDS_READER_REASON))
        return
    try:
        folders = pst_folders(pypff, path)
    except OSError as exc:
        found.not_imported.append(
            NotImported(str(path), failure(PST_UNREADABLE_REASON, str(path), exc))
        )
        return
    if not folders:
        found.not_imported.append(NotImported(str(path), PST_EMPTY_REASON))
    for folder in folders:
        name = "/".join((*parts, path.stem, *folder.parts))
        found.folders.append(
            SourceFolder(name, SourceKind.PST, path, place=folder.place, count=folder.count)
        )


def _file(path: Path, parts: tuple[str, ...], found: Discovery) -> None:
    """Add one file: an mbox, a lone .eml or .msg, an Outlook data file, or a reason it is
    left out."""
    lower = path.name.lower()
    if path.name.startswith(".") or lower.endswith(NOT_MAIL_SUFFIXES):
        return
    if lower.endswith(PST_SUFFIXES):
        _pst(path, parts, found)
        return
    if lower.endswith(".msg"):
        _msg_files(path.parent, "/".join(parts) or path.parent.name or "msg", (path,), found)
        return
    stem = path.name[: -len(path.suffix)] if lower.endswith(MBOX_SUFFIXES) else path.name
    if lower.endswith(".eml"):
        folder = "/".join(parts) or path.parent.name or "eml"
        found.folders.append(SourceFolder(folder, SourceKind.EML, path.parent, (path,)))
        return
    try:
        mbox = is_mbox(path)
    except OSError as exc:
        found.not_imported.append(NotImported(str(path), exc.strerror or str(exc)))
        return
    if mbox:
        if path.stat().st_size:  # an empty file is an empty folder: nothing to import
            found.folders.append(SourceFolder("/".join((*parts, stem)), SourceKind.MBOX, path))
    else:
        found.not_imported.append(NotImported(str(path), NOT_MAIL_REASON))
