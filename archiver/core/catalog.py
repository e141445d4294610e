"""The catalog: an SQLite database at the archive root, the truth about what is archived.

Together with the message files it is the record of the archive; search indexes are derived
from both. A row is first written ``pending`` (before its file is moved into place), then
``verified`` once the file was synced, read back and compared. Only verified rows can ever
lead to a deletion on the server, through :meth:`Catalog.verified_for`.
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver.core.errors import (
    READ_ONLY_ERRNOS,
    ArchiveReadOnly,
    CatalogDamaged,
    CatalogError,
    StoreError,
    disk_error,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    message_id TEXT,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    internaldate TEXT NOT NULL,
    flags TEXT NOT NULL,
    path TEXT NOT NULL,
    offset INTEGER,
    length INTEGER,
    state TEXT NOT NULL,
    on_server INTEGER NOT NULL DEFAULT 1,
    archived_at TEXT NOT NULL,
    deleted_at TEXT,
    UNIQUE (account, folder, uidvalidity, uid)
);
CREATE INDEX IF NOT EXISTS messages_by_content ON messages (account, folder, sha256);
CREATE INDEX IF NOT EXISTS messages_by_state ON messages (state);
"""

# Changes to a catalog written by an older version, by the user_version they lead to.
MIGRATIONS = {
    # 1: whether the search index holds the row (the index may lag behind, never lead).
    1: "ALTER TABLE messages ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0",
    # 2: where archived messages were restored to, once the server's copy was verified.
    2: "CREATE TABLE restores (id INTEGER PRIMARY KEY, "
    "message INTEGER NOT NULL REFERENCES messages (id), account TEXT NOT NULL, "
    "folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL, "
    "restored_at TEXT NOT NULL, UNIQUE (message, account, folder, uidvalidity, uid))",
    # 3: finding the rows to index without reading the whole table after every batch.
    3: "CREATE INDEX messages_unindexed ON messages (account, id) "
    "WHERE indexed = 0 AND state = 'verified'",
    # 4: where imported messages came from (a file, and the offset in an mbox file), so that
    # importing a source again adds nothing; several places may name one stored message.
    4: "CREATE TABLE import_sources (id INTEGER PRIMARY KEY, "
    "message INTEGER NOT NULL REFERENCES messages (id), account TEXT NOT NULL, "
    "source TEXT NOT NULL, position INTEGER NOT NULL, imported_at TEXT NOT NULL, "
    "UNIQUE (account, source, position))",
}

CATALOG_NAME = "catalog.sqlite3"


class State(enum.Enum):
    """Where a catalogued message stands."""

    PENDING = "pending"  # row written, file maybe not in place yet
    VERIFIED = "verified"  # file durable and equal to what the server sent


@dataclass(frozen=True, slots=True)
class Location:
    """Where a message's bytes are, relative to the archive root.

    Maildir: ``path`` is the message file. mbox: ``path`` is the mbox file, ``offset`` and
    ``length`` delimit the message's stored region (its From_ line included).
    """

    path: str
    offset: int | None = None
    length: int | None = None


@dataclass(frozen=True, slots=True)
class Record:
    """One catalogued message."""

    id: int
    account: str
    folder: str
    uidvalidity: int
    uid: int
    message_id: str | None
    sha256: str
    size: int
    internaldate: dt.datetime
    flags: tuple[str, ...]
    location: Location
    state: State
    on_server: bool


@dataclass(frozen=True, slots=True)
class NewRecord:
    """The values of a row about to be written as pending."""

    account: str
    folder: str
    uidvalidity: int
    uid: int
    message_id: str | None
    sha256: str
    size: int
    internaldate: dt.datetime
    flags: tuple[str, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class VerifiedMessage:
    """A message that is durably stored and verified, and may leave the server.

    Only :meth:`Catalog.verified_for` creates these; deletion takes nothing else.
    """

    account: str
    folder: str
    uidvalidity: int
    uid: int
    size: int
    internaldate: dt.datetime


@dataclass(frozen=True, slots=True)
class Restore:
    """A verified copy of an archived message put back on a server by a restore."""

    message: int  # the messages row id
    account: str
    folder: str
    uidvalidity: int
    uid: int
    restored_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Archived:
    """A verified message with when it was archived and when it was deleted from the server
    (None: it was kept there), as the record of archive runs lists it."""

    record: Record
    archived_at: dt.datetime
    deleted_at: dt.datetime | None


RECORD_COLUMNS = (
    "id, account, folder, uidvalidity, uid, message_id, sha256, size, internaldate, flags, "
    "path, offset, length, state, on_server"
)


def _record(row: Sequence[Any]) -> Record:
    """Return the Record of a row selected as RECORD_COLUMNS."""
    return Record(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        dt.datetime.fromisoformat(row[8]),
        tuple(row[9].split()),
        Location(row[10], row[11], row[12]),
        State(row[13]),
        bool(row[14]),
    )


_INSERT_PENDING = (
    "INSERT INTO messages (account, folder, uidvalidity, uid, message_id, sha256, size, "
    "internaldate, flags, path, offset, length, state, on_server, archived_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)"
)


def _pending_values(r: NewRecord, now: str, on_server: bool = True) -> tuple[object, ...]:
    return (r.account, r.folder, r.uidvalidity, r.uid, r.message_id, r.sha256, r.size,
            r.internaldate.isoformat(), " ".join(r.flags), r.location.path, r.location.offset,
            r.location.length, int(on_server), now)  # fmt: skip


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _stamp(when: dt.datetime | None) -> str | None:
    """Return how the catalog writes an instant (UTC, seconds): such texts sort as time does."""
    return None if when is None else when.astimezone(dt.UTC).isoformat(timespec="seconds")


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the database itself is damaged (SQLITE_CORRUPT, SQLITE_NOTADB).

    Those come as plain DatabaseError; locks, a full disk or a read-only file come as its
    subclass OperationalError and are not damage.
    """
    return type(exc) is sqlite3.DatabaseError


class _Cursor(sqlite3.Cursor):
    """A cursor that reports a damaged database as CatalogDamaged, wherever it shows."""

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.connection, exc) from exc

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        try:
            super().execute(sql, parameters)
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.connection, exc) from exc
        return self

    def executemany(self, sql: str, parameters: Any, /) -> _Cursor:
        try:
            super().executemany(sql, parameters)
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.connection, exc) from exc
        return self

    def executescript(self, script: str, /) -> _Cursor:
        try:
            super().executescript(script)
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.connection, exc) from exc
        return self


class _Connection(sqlite3.Connection):
    """A connection whose statements run on :class:`_Cursor` (the C shortcuts would not)."""

    path = ""

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        return self.cursor(_Cursor).execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> _Cursor:
        return self.cursor(_Cursor).executemany(sql, parameters)

    def executescript(self, script: str, /) -> _Cursor:
        return self.cursor(_Cursor).executescript(script)


def _damaged(connection: sqlite3.Connection, exc: sqlite3.DatabaseError) -> Exception:
    """Return CatalogDamaged for damage, else *exc* itself (raised again as it is)."""
    if _is_damage(exc):
        return CatalogDamaged(getattr(connection, "path", ""), str(exc))
    return exc


class Catalog:
    """Access to the catalog database; one instance per thread (sqlite3 connections are).

    A damaged database raises :class:`CatalogDamaged`, on opening or on any later query.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # A backup on read-only media, or a folder we may not write: read it as it is.
        self.read_only = path.exists() and not (
            os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
        )
        try:
            if self.read_only:
                self._db: _Connection = _connect_read_only(path)
                return
            if not path.exists():  # SQLite gives its -wal and -shm files the database's mode
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            self._db = sqlite3.connect(path, isolation_level=None, factory=_Connection)
        except sqlite3.Error as exc:
            raise catalog_error(exc, path) from exc
        except OSError as exc:
            if exc.errno in READ_ONLY_ERRNOS:
                raise ArchiveReadOnly(path.parent) from exc
            raise disk_error(exc, f"creating the catalog {path}") from exc
        self._db.path = str(path)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk before we go on, and a delete may follow a commit.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.executescript(SCHEMA)
            self._migrate()
        except sqlite3.Error as exc:
            self._db.close()
            raise catalog_error(exc, path) from exc
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def open(cls, archive_root: Path) -> Catalog:
        """Open (creating if needed) the catalog at *archive_root*."""
        return cls(archive_root / CATALOG_NAME)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        for target in sorted(v for v in MIGRATIONS if v > version):
            with self._transaction():
                self._db.execute(MIGRATIONS[target])
                self._db.execute(f"PRAGMA user_version = {target}")

    def _rows(self, sql: str, params: Sequence[object] = ()) -> Iterator[Record]:
        cursor = self._db.execute(f"SELECT {RECORD_COLUMNS} FROM messages {sql}", params)
        for row in cursor:
            yield _record(row)

    def archived(
        self,
        account: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> Iterator[Archived]:
        """Yield the verified rows (all, or one account's) archived from *since* until before
        *until*, in the order they were archived, with when they were archived and deleted.

        Reads lazily, so memory stays flat in the catalog's size.
        """
        where, params = ["state = 'verified'"], []
        for clause, value in [("account = ?", account), ("archived_at >= ?", _stamp(since)),
                              ("archived_at < ?", _stamp(until))]:  # fmt: skip
            if value is not None:
                where.append(clause)
                params.append(value)
        cursor = self._db.execute(
            f"SELECT {RECORD_COLUMNS}, archived_at, deleted_at FROM messages "
            f"WHERE {' AND '.join(where)} ORDER BY archived_at, id",
            params,
        )
        for row in cursor:
            deleted = row[16]
            yield Archived(
                _record(row),
                dt.datetime.fromisoformat(row[15]),
                dt.datetime.fromisoformat(deleted) if deleted else None,
            )

    def add_pending(self, records: Iterable[NewRecord]) -> None:
        """Write rows in state pending, in one transaction."""
        now = _now()
        with self._transaction():
            self._db.executemany(_INSERT_PENDING, [_pending_values(r, now) for r in records])

    def add_imported(self, items: Sequence[tuple[NewRecord, str, int]]) -> list[int]:
        """Write rows in state pending with the place each was imported from (source file,
        position in it), in one transaction; return the new rows' ids in order.

        Recovery settles them as it settles an archive run's; removing a row removes its
        place too, so an interrupted import takes the place again on its next run.
        """
        now = _now()
        ids = []
        with self._transaction():
            for record, source, position in items:
                # Never on a server: no archive run may delete anything for these rows.
                cursor = self._db.execute(_INSERT_PENDING, _pending_values(record, now, False))
                row_id = int(cursor.lastrowid or 0)
                self._db.execute(
                    "INSERT INTO import_sources (message, account, source, position, "
                    "imported_at) VALUES (?, ?, ?, ?, ?)",
                    (row_id, record.account, source, position, now),
                )
                ids.append(row_id)
        return ids

    def add_import_sources(self, account: str, places: Iterable[tuple[int, str, int]]) -> None:
        """Record more places (row id, source, position) a stored message was imported
        from: a copy the archive holds already is not stored again."""
        now = _now()
        with self._transaction():
            self._db.executemany(
                "INSERT OR IGNORE INTO import_sources (message, account, source, position, "
                "imported_at) VALUES (?, ?, ?, ?, ?)",
                [(row_id, account, source, position, now) for row_id, source, position in places],
            )

    def imported_positions(self, account: str, source: str) -> set[int]:
        """Return the positions in *source* whose message the account's archive holds,
        verified."""
        cursor = self._db.execute(
            "SELECT s.position FROM import_sources s JOIN messages m ON m.id = s.message "
            "WHERE s.account = ? AND s.source = ? AND m.state = 'verified'",
            (account, source),
        )
        return {row[0] for row in cursor}

    def import_sources(self, account: str) -> list[tuple[int, str, int]]:
        """Return every recorded import place of the account: (row id, source, position)."""
        cursor = self._db.execute(
            "SELECT message, source, position FROM import_sources WHERE account = ? ORDER BY id",
            (account,),
        )
        return [(row[0], row[1], row[2]) for row in cursor]

    def mark_verified(self, ids: Iterable[int]) -> None:
        """Set rows to verified, in one durable transaction."""
        with self._transaction():
            self._db.executemany(
                "UPDATE messages SET state = 'verified' WHERE id = ?", [(i,) for i in ids]
            )

    def remove(self, ids: Iterable[int]) -> None:
        """Delete rows (pending rows whose file never made it), and where they were imported
        from."""
        rows = [(i,) for i in ids]
        with self._transaction():
            self._db.executemany("DELETE FROM import_sources WHERE message = ?", rows)
            self._db.executemany("DELETE FROM messages WHERE id = ?", rows)

    def ids_for(
        self, account: str, folder: str, uidvalidity: int, uids: Sequence[int]
    ) -> dict[int, int]:
        """Return row ids by UID for the given messages."""
        found: dict[int, int] = {}
        for start in range(0, len(uids), 500):
            chunk = list(uids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row_id, uid in self._db.execute(
                f"SELECT id, uid FROM messages WHERE account = ? AND folder = ? "
                f"AND uidvalidity = ? AND uid IN ({marks})",
                (account, folder, uidvalidity, *chunk),
            ):
                found[uid] = row_id
        return found

    def pending(self, account: str) -> list[Record]:
        """Return the account's pending rows (left by an interrupted run)."""
        return list(self._rows("WHERE account = ? AND state = 'pending' ORDER BY id", (account,)))

    def verified_uids(self, account: str, folder: str, uidvalidity: int) -> set[int]:
        """Return UIDs of the folder (at this UIDVALIDITY) that are verified in the archive."""
        cursor = self._db.execute(
            "SELECT uid FROM messages WHERE account = ? AND folder = ? AND uidvalidity = ? "
            "AND state = 'verified'",
            (account, folder, uidvalidity),
        )
        return {row[0] for row in cursor}

    def find_contents(
        self, account: str, folder: str | None, digests: Sequence[str]
    ) -> dict[str, Record]:
        """Return verified records of the folder (or of the whole account, for None) by
        SHA-256, for those of *digests* it holds."""
        found: dict[str, Record] = {}
        where, scope = ("AND folder = ? ", (folder,)) if folder is not None else ("", ())
        for start in range(0, len(digests), 500):
            chunk = list(digests[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for record in self._rows(
                f"WHERE account = ? {where}AND state = 'verified' AND sha256 IN ({marks}) "
                "ORDER BY id",
                (account, *scope, *chunk),
            ):
                found.setdefault(record.sha256, record)
        return found

    def verified_for(
        self, account: str, folder: str, uidvalidity: int, uids: Sequence[int]
    ) -> list[VerifiedMessage]:
        """Return the messages among *uids* that are verified and still on the server."""
        found = []
        for start in range(0, len(uids), 500):
            chunk = list(uids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            found += [
                VerifiedMessage(r.account, r.folder, r.uidvalidity, r.uid, r.size, r.internaldate)
                for r in self._rows(
                    "WHERE account = ? AND folder = ? AND uidvalidity = ? AND state = 'verified' "
                    f"AND on_server = 1 AND uid IN ({marks}) ORDER BY uid",
                    (account, folder, uidvalidity, *chunk),
                )
            ]
        return found

    def mark_deleted(self, messages: Iterable[VerifiedMessage]) -> None:
        """Record that these messages were expunged from the server."""
        now = _now()
        with self._transaction():
            self._db.executemany(
                "UPDATE messages SET on_server = 0, deleted_at = ? WHERE account = ? AND "
                "folder = ? AND uidvalidity = ? AND uid = ?",
                [(now, m.account, m.folder, m.uidvalidity, m.uid) for m in messages],
            )

    def deleted_count(self) -> int:
        """Return how many verified messages were deleted from the server (the archive then
        holds their only copy, unless a backup does)."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM messages WHERE state = 'verified' AND on_server = 0"
        ).fetchone()
        return int(row[0])

    def count_dated_before(self, instant: dt.datetime) -> int:
        """Return how many verified messages are dated (INTERNALDATE) before *instant*.

        SQLite's julianday() reads the stored dates' UTC offsets, so dates from servers in
        other time zones compare as instants.
        """
        row = self._db.execute(
            "SELECT COUNT(*) FROM messages WHERE state = 'verified' "
            "AND julianday(internaldate) < julianday(?)",
            (instant.isoformat(),),
        ).fetchone()
        return int(row[0])

    def records(self, account: str | None = None) -> list[Record]:
        """Return all rows, or one account's, in archive order."""
        if account is None:
            return list(self._rows("ORDER BY id"))
        return list(self._rows("WHERE account = ? ORDER BY id", (account,)))

    def get(self, ids: Sequence[int]) -> dict[int, Record]:
        """Return the rows with these ids (absent ids are left out)."""
        found: dict[int, Record] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            found.update((r.id, r) for r in self._rows(f"WHERE id IN ({marks})", chunk))
        return found

    def unindexed(self, account: str | None = None) -> list[int]:
        """Return ids of verified rows the search index does not hold yet, oldest first."""
        sql = (
            "SELECT id FROM messages INDEXED BY messages_unindexed "
            "WHERE state = 'verified' AND indexed = 0"
        )
        params: tuple[str, ...] = ()
        if account is not None:
            sql, params = sql + " AND account = ?", (account,)
        return [row[0] for row in self._db.execute(sql + " ORDER BY id", params)]

    def mark_indexed(self, ids: Iterable[int], indexed: bool = True) -> None:
        """Record that the search index holds (or no longer holds) these rows."""
        with self._transaction():
            self._db.executemany(
                "UPDATE messages SET indexed = ? WHERE id = ?", [(int(indexed), i) for i in ids]
            )

    def forget_index(self, account: str | None = None) -> None:
        """Mark every row (or one account's) as not indexed, before a rebuild."""
        with self._transaction():
            if account is None:
                self._db.execute("UPDATE messages SET indexed = 0")
            else:
                self._db.execute("UPDATE messages SET indexed = 0 WHERE account = ?", (account,))

    def integrity_problem(self) -> str | None:
        """Return what SQLite's full integrity check finds wrong, or None when it is sound."""
        rows = [row[0] for row in self._db.execute("PRAGMA integrity_check")]
        return None if rows == ["ok"] else "; ".join(str(r) for r in rows[:5])

    def adopt(self, records: Iterable[tuple[NewRecord, bool]]) -> list[int]:
        """Add rows, verified, for messages found in archive files that no row knew.

        Each comes with whether the server may still hold it (True only where its UID is
        known). The rows are not indexed yet. Returns their ids.
        """
        now = _now()
        ids = []
        with self._transaction():
            for r, on_server in records:
                cursor = self._db.execute(
                    "INSERT INTO messages (account, folder, uidvalidity, uid, message_id, "
                    "sha256, size, internaldate, flags, path, offset, length, state, "
                    "on_server, archived_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'verified', ?, ?)",
                    (r.account, r.folder, r.uidvalidity, r.uid, r.message_id, r.sha256, r.size,
                     r.internaldate.isoformat(), " ".join(r.flags), r.location.path,
                     r.location.offset, r.location.length, int(on_server), now),
                )  # fmt: skip
                ids.append(int(cursor.lastrowid or 0))
        return ids

    def relocate(self, moves: Iterable[tuple[int, Location]]) -> None:
        """Point rows at where their exact bytes are now (found again by content)."""
        with self._transaction():
            self._db.executemany(
                "UPDATE messages SET path = ?, offset = ?, length = ?, indexed = 0 WHERE id = ?",
                [(loc.path, loc.offset, loc.length, row_id) for row_id, loc in moves],
            )

    def lowest_uid(self, account: str, folder: str, uidvalidity: int) -> int:
        """Return the lowest UID recorded at *uidvalidity* in the folder (0 if none)."""
        row = self._db.execute(
            "SELECT COALESCE(MIN(uid), 0) FROM messages WHERE account = ? AND folder = ? "
            "AND uidvalidity = ?",
            (account, folder, uidvalidity),
        ).fetchone()
        return int(row[0])

    def stats(self, account: str) -> tuple[int, int]:
        """Return (messages, bytes) of distinct verified content for *account*."""
        row = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM (SELECT DISTINCT path, offset, size "
            "FROM messages WHERE account = ? AND state = 'verified')",
            (account,),
        ).fetchone()
        return int(row[0]), int(row[1])

    def snapshot(self, target: Path, *, pages: int = 1024) -> None:
        """Copy the catalog, as one consistent state, into a new database file *target*.

        Uses SQLite's online backup API, *pages* pages per step; a writer committing between
        steps makes the copy start over, so the result is always one committed state. The
        copy is a single file (journal mode DELETE, no -wal beside it) and is synced to disk;
        SQLite errors about *target* are raised as they are, for the caller to explain.
        """
        copy = sqlite3.connect(target, isolation_level=None)
        try:
            self._db.backup(copy, pages=pages)
            copy.execute("PRAGMA journal_mode=DELETE")
            copy.execute("PRAGMA synchronous=FULL")
        finally:
            copy.close()
        fd = os.open(target, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _transaction(self) -> _Transaction:
        if self.read_only:
            raise ArchiveReadOnly(self.path.parent)
        return _Transaction(self._db, self.path)

    def add_restore(
        self, message: int, account: str, folder: str, uidvalidity: int, uid: int
    ) -> None:
        """Record that row *message* was restored, and verified, as *uid* in *folder*."""
        with self._transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO restores (message, account, folder, uidvalidity, uid, "
                "restored_at) VALUES (?, ?, ?, ?, ?, ?)",
                (message, account, folder, uidvalidity, uid, _now()),
            )

    def restores(self, messages: Sequence[int]) -> dict[int, list[Restore]]:
        """Return the recorded restores of these rows, oldest first (rows never restored are
        left out)."""
        found: dict[int, list[Restore]] = {}
        for start in range(0, len(messages), 500):
            chunk = list(messages[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(
                "SELECT message, account, folder, uidvalidity, uid, restored_at FROM restores "
                f"WHERE message IN ({marks}) ORDER BY id",
                chunk,
            ):
                found.setdefault(row[0], []).append(
                    Restore(
                        row[0], row[1], row[2], row[3], row[4], dt.datetime.fromisoformat(row[5])
                    )
                )
        return found

    def restored_uids(self, account: str, folder: str, uidvalidity: int) -> set[int]:
        """Return UIDs in the folder (at this UIDVALIDITY) that restores put there."""
        cursor = self._db.execute(
            "SELECT uid FROM restores WHERE account = ? AND folder = ? AND uidvalidity = ?",
            (account, folder, uidvalidity),
        )
        return {row[0] for row in cursor}

    def rows_by_location(self, state: State, account: str | None = None) -> Iterator[Record]:
        """Yield the rows in *state* (all, or one account's), ordered by path, offset and id.

        Rows sharing one stored copy come one after another, and an mbox file's regions in
        file order. Reads lazily, so memory stays flat in the catalog's size.
        """
        where, params = "WHERE state = ?", [state.value]
        if account is not None:
            where, params = where + " AND account = ?", [*params, account]
        yield from self._rows(where + " ORDER BY path, offset, id", params)

    def location_totals(self, state: State, account: str | None = None) -> tuple[int, int]:
        """Return (rows, bytes of their distinct stored copies) in *state* (all, or one
        account's)."""
        where, params = "WHERE state = ?", [state.value]
        if account is not None:
            where, params = where + " AND account = ?", [*params, account]
        row = self._db.execute(
            f"SELECT (SELECT COUNT(*) FROM messages {where}), (SELECT COALESCE(SUM(size), 0) "
            f"FROM (SELECT DISTINCT path, offset, size FROM messages {where}))",
            params * 2,
        ).fetchone()
        return int(row[0]), int(row[1])

    def indexed_ids(self, account: str | None = None) -> set[int]:
        """Return the ids of verified rows marked as held by the search index."""
        sql = "SELECT id FROM messages WHERE state = 'verified' AND indexed = 1"
        params: tuple[str, ...] = ()
        if account is not None:
            sql, params = sql + " AND account = ?", (account,)
        return {row[0] for row in self._db.execute(sql, params)}


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error; SQLite's errors become ours."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db, self._path = db, path

    def __enter__(self) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise catalog_error(exc, self._path) from exc

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        try:
            if exc is None:
                self._db.execute("COMMIT")
                return
            if self._db.in_transaction:  # SQLite ends some failed ones itself (disk full)
                self._db.execute("ROLLBACK")
        except sqlite3.Error as error:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise catalog_error(error, self._path) from error
        if isinstance(exc, sqlite3.Error):
            raise catalog_error(exc, self._path) from exc


# Longer catalog paths (in bytes) than this are likely the reason SQLite cannot open one:
# its Unix file layer takes at most 512.
SQLITE_LONG_PATH = 500


def catalog_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """Translate an SQLite error about the catalog at *path* into a clear error of ours."""
    text = str(exc)
    if "disk is full" in text:
        return CatalogError(
            f"The archive disk is full: the catalog {path} cannot be written. Free some space "
            "and run again; what was not recorded as archived stays on the server.",
            path,
            disk_full=True,
        )
    if "readonly" in text or "read-only" in text:
        return ArchiveReadOnly(path.parent)
    length = len(os.fsencode(path.absolute()))
    if "unable to open" in text and length > SQLITE_LONG_PATH:
        return CatalogError(
            f"Cannot open the catalog {path}: its path is {length} bytes long, more than "
            "SQLite can open. Choose an archive folder with a shorter path.",
            path,
        )
    return CatalogError(f"Cannot use the catalog {path}: {text}.", path)


def _connect_read_only(path: Path) -> _Connection:
    """Open the catalog of a read-only archive for reading, without creating any file.

    SQLite reads a database in WAL mode through its -shm file, which it cannot create in a
    read-only folder; then the file is read as immutable, which nothing can change there.
    """
    uri = path.absolute().as_uri()
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None, factory=_Connection)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        db.close()
        db = sqlite3.connect(
            f"{uri}?immutable=1", uri=True, isolation_level=None, factory=_Connection
        )
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    db.path = str(path)
    return db
