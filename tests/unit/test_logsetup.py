"""The log file, written by more than one process at a time (the app and a command line run)."""

from __future__ import annotations

import logging
import sys

import pytest

from archiver.core.logsetup import SharedRotatingFileHandler


def records_in(folder) -> list[str]:
    lines = []
    for path in sorted(folder.glob("app.log*")):
        lines += path.read_text(encoding="utf-8").splitlines()
    return lines


def make(path, max_bytes=200) -> SharedRotatingFileHandler:
    handler = SharedRotatingFileHandler(path, maxBytes=max_bytes, backupCount=50, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


def log_through(handler: logging.Handler, message: str) -> None:
    handler.handle(logging.makeLogRecord({"msg": message, "levelno": logging.INFO}))


def test_two_writers_of_one_log_lose_no_record_and_raise_nothing(tmp_path, capsys):
    # On Windows the second handler's open file makes the first one's rotation fail (a
    # sharing violation); elsewhere both rotate. Either way: every record, no logging error.
    first, second = make(tmp_path / "app.log"), make(tmp_path / "app.log")
    try:
        sent = []
        for i in range(60):
            for name, handler in (("first", first), ("second", second)):
                sent.append(f"{name} record {i:03d} " + "x" * 20)
                log_through(handler, sent[-1])
    finally:
        first.close()
        second.close()
    assert "Logging error" not in capsys.readouterr().err
    if sys.platform == "win32":  # rotation by one writer cannot lose the other's records
        assert sorted(records_in(tmp_path)) == sorted(sent)


def test_a_refused_rotation_keeps_writing_and_tries_again_later(tmp_path, monkeypatch, capsys):
    handler = make(tmp_path / "app.log")
    refused = []

    def sharing_violation(source: str, dest: str) -> None:
        refused.append(source)
        raise PermissionError(13, "The process cannot access the file (WinError 32)", source)

    try:
        monkeypatch.setattr(handler, "rotate", sharing_violation)
        for i in range(30):
            log_through(handler, f"record {i:02d} " + "x" * 20)
        assert len(refused) == 1  # not once per record
        monkeypatch.undo()
        handler._next_try = 0.0  # a minute later
        log_through(handler, "after the other writer closed the file")
    finally:
        handler.close()
    assert "Logging error" not in capsys.readouterr().err
    rotated = (tmp_path / "app.log.1").read_text(encoding="utf-8").splitlines()
    assert rotated == [f"record {i:02d} " + "x" * 20 for i in range(30)]
    current = (tmp_path / "app.log").read_text(encoding="utf-8")
    assert current == "after the other writer closed the file\n"


@pytest.fixture(autouse=True)
def _raise_logging_errors(monkeypatch):
    monkeypatch.setattr(logging, "raiseExceptions", True)
