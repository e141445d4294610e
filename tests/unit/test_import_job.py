"""The import job without a server: exact copies, places recorded, idempotence, duplicates,
untouched sources, cancel and resume, dry run."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from archiver.core.catalog import Catalog, State
from archiver.core.errors import StoreError
from archiver.core.jobs import importing
from archiver.core.jobs.importing import ImportOptions, ImportResult, import_into, run_import
from archiver.core.jobs.restore import server_folder
from archiver.core.progress import CancelToken, Progress, ignore_progress
from archiver.core.store import MaildirStore, open_store
from archiver.core.store.reading import read_message
from tests.helpers.mailgen import HARD_SHAPES, generate_message
from tests.helpers.mailsources import (
    Expected,
    eml_folder,
    maildir,
    mboxrd,
    snapshot,
    thunderbird_profile,
    to_lf,
)

ACCOUNT = "acc"


def sources(root: Path) -> tuple[list[Path], list[Expected]]:
    """Build one source of each kind below *root*; return them and what they must give."""
    profile, expected = thunderbird_profile(root / "Thunderbird")
    expected += maildir(root / "Maildir", [generate_message(100 + i) for i in range(5)])
    expected += eml_folder(root / "Export", [generate_message(200 + i) for i in range(7)])
    shapes = [to_lf(make(9)) for n, make in HARD_SHAPES.items() if n != "trailing_no_newline"]
    (root / "alt.mbox").write_bytes(mboxrd(shapes))
    expected += [Expected(raw, "alt") for raw in shapes]
    return [profile, root / "Maildir", root / "Export", root / "alt.mbox"], expected


def run(
    archive: Path,
    paths: list[Path],
    fmt: str = "maildir",
    options: ImportOptions | None = None,
    cancel: CancelToken | None = None,
    report: object = ignore_progress,
) -> ImportResult:
    with Catalog.open(archive) as catalog:
        store = open_store(fmt, archive, ACCOUNT)
        return import_into(
            store, catalog, ACCOUNT, paths, options or ImportOptions(),
            report=report, cancel=cancel or CancelToken(),  # type: ignore[arg-type]
        )  # fmt: skip


def archived(archive: Path) -> list[tuple[bytes, str, tuple[str, ...]]]:
    with Catalog.open(archive) as catalog:
        records = catalog.records(ACCOUNT)
    assert all(r.state is State.VERIFIED and not r.on_server for r in records)
    return sorted((read_message(archive, r), r.folder, r.flags) for r in records)


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_import_is_exact_recorded_and_idempotent(tmp_path: Path, fmt: str) -> None:
    paths, expected = sources(tmp_path / "src")
    before = snapshot(tmp_path / "src")
    archive = tmp_path / "archive"
    archive.mkdir()
    result = run(archive, paths, fmt)
    assert result.ok, result.to_dict()
    assert (result.imported, result.skipped, result.duplicates) == (len(expected), 1, 0)
    assert result.found == len(expected) + 1
    assert archived(archive) == sorted((e.data, f"Imported/{e.folder}", e.flags) for e in expected)
    with Catalog.open(archive) as catalog:
        places = catalog.import_sources(ACCOUNT)
        records = catalog.records(ACCOUNT)
    assert len(places) == len(expected) and {p[0] for p in places} == {r.id for r in records}
    assert all(Path(p[1]).is_relative_to(tmp_path / "src") for p in places)

    again = run(archive, paths, fmt)
    assert (again.imported, again.already, again.duplicates) == (0, len(expected), 0)
    assert len(archived(archive)) == len(expected)
    assert snapshot(tmp_path / "src") == before  # read only: same bytes, same times


def test_same_bytes_elsewhere_are_duplicates_not_copies(tmp_path: Path) -> None:
    raws = [generate_message(i) for i in range(4)]
    (tmp_path / "a.mbox").write_bytes(mboxrd(raws))
    (tmp_path / "b").mkdir()
    for i, raw in enumerate(raws[:3]):
        (tmp_path / "b" / f"{i}.eml").write_bytes(raw)
    archive = tmp_path / "archive"
    archive.mkdir()
    first = run(archive, [tmp_path / "a.mbox"], options=ImportOptions("Alt"))
    assert first.imported == 4
    second = run(archive, [tmp_path / "b", tmp_path / "b"])  # named twice, too
    assert (second.imported, second.duplicates, second.already) == (0, 3, 3)
    assert [folder for _, folder, _ in archived(archive)] == ["Alt/a"] * 4
    with Catalog.open(archive) as catalog:
        assert len(catalog.import_sources(ACCOUNT)) == 7


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    paths, expected = sources(tmp_path / "src")
    archive = tmp_path / "archive"
    archive.mkdir()
    result = run(archive, paths, options=ImportOptions(dry_run=True))
    assert (result.imported, result.found) == (len(expected), len(expected) + 1)
    assert Counter(f.name for f in result.folders)["Local Folders/Inbox"] == 1
    assert not (archive / ACCOUNT).exists()
    with Catalog.open(archive) as catalog:
        assert catalog.records() == []


def test_cancelled_import_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    raws = [generate_message(i) for i in range(450)]
    (tmp_path / "big.mbox").write_bytes(mboxrd(raws))
    archive = tmp_path / "archive"
    archive.mkdir()
    token = CancelToken()

    def stop_midway(progress: Progress) -> None:
        if progress.message == "big" and progress.done >= 250:
            token.cancel()

    first = run(archive, [tmp_path / "big.mbox"], cancel=token, report=stop_midway)
    assert first.cancelled and 0 < first.imported < 450
    second = run(archive, [tmp_path / "big.mbox"])
    assert (second.already, second.imported) == (first.imported, 450 - first.imported)
    assert [data for data, _, _ in archived(archive)] == sorted(raws)


@pytest.mark.expect_log("WARNING", "archiver.core.jobs.importing", "ends inside this message")
@pytest.mark.expect_log("WARNING", "archiver.core.jobs.importing", "empty message")
def test_run_import_indexes_and_reports_problems(tmp_path: Path) -> None:
    raws = [to_lf(generate_message(i)) for i in range(3)]
    content = mboxrd(raws) + b"From a@b Sat Mar  2 10:11:12 2019\n\n"
    (tmp_path / "box").write_bytes(content + mboxrd([raws[0][:-300] + b"X"])[:-1])
    archive = tmp_path / "archive"
    result = run_import(archive, ACCOUNT, [tmp_path / "box"], ImportOptions(), "maildir",
                        report=ignore_progress, cancel=CancelToken())  # fmt: skip
    assert (result.imported, result.unreadable, result.indexed) == (4, 1, 4)
    folder = result.folders[0]
    assert folder.truncated == [f"{tmp_path / 'box'} at byte {len(content)}"]
    assert folder.unreadable[0].reason == "empty message"
    assert not result.ok


@pytest.mark.parametrize("step", ["stage", "commit"])
@pytest.mark.expect_log("ERROR", "archiver.core.jobs.importing", "import stopped: disk full")
def test_a_full_disk_stops_the_import_and_a_rerun_finishes(tmp_path, monkeypatch, step):
    raws = [generate_message(i) for i in range(30)]
    (tmp_path / "a.mbox").write_bytes(mboxrd(raws))
    archive = tmp_path / "archive"
    archive.mkdir()
    real = getattr(MaildirStore, step)
    calls = []

    def full(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise StoreError("disk full")
        return real(self, *args)

    with monkeypatch.context() as patch:
        patch.setattr(MaildirStore, step, full)
        patch.setattr(importing, "BATCH_MESSAGES", 10)
        stopped = run(archive, [tmp_path / "a.mbox"])
    # The third message of the first batch, or the third batch (commits go by batch).
    assert stopped.error == "disk full" and stopped.imported == (0 if step == "stage" else 20)
    again = run(archive, [tmp_path / "a.mbox"])
    assert (again.already, again.imported) == (stopped.imported, 30 - stopped.imported)
    assert [data for data, _, _ in archived(archive)] == sorted(raws)


@pytest.mark.expect_log("ERROR", "archiver.core.jobs.importing", "stored copy differs")
def test_a_copy_that_reads_back_wrong_is_not_recorded(tmp_path, monkeypatch):
    (tmp_path / "a.mbox").write_bytes(mboxrd([generate_message(i) for i in range(3)]))
    archive = tmp_path / "archive"
    archive.mkdir()
    real = MaildirStore.read_digest

    def damaged(self, location, size):
        digest, length = real(self, location, size)
        return ("0" * 64, length) if "U0_-2." in location.path else (digest, length)

    monkeypatch.setattr(MaildirStore, "read_digest", damaged)
    result = run(archive, [tmp_path / "a.mbox"])
    assert (result.imported, result.unreadable) == (2, 1)
    assert result.folders[0].unreadable[0].reason == "the stored copy differs from the source"
    with Catalog.open(archive) as catalog:
        assert len(catalog.records(ACCOUNT)) == len(catalog.import_sources(ACCOUNT)) == 2


def test_imported_folders_take_the_servers_delimiter_and_prefix():
    assert server_folder("Imported/Local Folders/Inbox", ".", "") == "Imported.Local Folders.Inbox"
    assert server_folder("Imported/pop.example.org/Inbox", ".", "INBOX.") == (
        "INBOX.Imported.pop_example_org.Inbox"
    )
    assert server_folder("Imported/a", "/", "") == "Imported/a"
    assert server_folder("Imported/a", None, "") == "Imported/a"
    assert server_folder("INBOX", ".", "INBOX.") == "INBOX"
