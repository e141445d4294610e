"""Hostile content: attachment names that try to escape, HTML that phones home, leaked secrets."""

from __future__ import annotations

import logging

import pytest

from archiver.cli.messages import error_message
from archiver.core import secrets
from archiver.core.attachments import list_attachments, safe_filename, save_attachments
from archiver.core.errors import ArchiverError, AuthenticationError
from archiver.core.preview import safe_html
from archiver.core.secrets import RedactingFilter, Secret, redact
from tests.helpers.privacy import assert_private

EVIL_NAMES = [
    "../../../../etc/passwd",
    "..\\..\\Windows\\System32\\evil.dll",
    "/etc/cron.d/job",
    "C:\\Users\\Public\\x.exe",
    "..",
    ".",
    "",
    "CON",
    "nul.txt",
    "a\x00b\x1b[31m.pdf",
    "report\u202egpj.exe",
    "x" * 400 + ".pdf",
    "  .hidden  ",
]


def attachment_message(names: list[str]) -> bytes:
    parts = [
        f"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
        f'filename="{name}"\r\n\r\npayload {index}\r\n'
        for index, name in enumerate(names)
    ]
    return (
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + "".join(parts) + "--b--\r\n"
    ).encode("utf-8", "surrogateescape")


@pytest.mark.parametrize("name", EVIL_NAMES)
def test_safe_filename_keeps_one_harmless_component(name):
    safe = safe_filename(name, "attachment-1")
    assert safe and "/" not in safe and "\\" not in safe and safe not in (".", "..")
    assert not any(ord(c) < 32 or c in '<>:"|?*' for c in safe)
    assert safe.split(".")[0].upper() not in ("CON", "NUL") and len(safe) <= 150
    assert "\u202e" not in safe and not safe.startswith(".")


def test_saving_never_writes_outside_the_folder(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    data = attachment_message(EVIL_NAMES)
    written = save_attachments(data, target)
    assert len(written) == len(EVIL_NAMES) == len(list_attachments(data))
    for path in written:
        assert path.parent == target.resolve() and path.is_file()
        assert_private(path)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        p.name for p in written
    )


def test_existing_files_and_planted_symlinks_are_not_followed(tmp_path):
    (tmp_path / "secret").write_text("keep")
    planted = tmp_path / "doc.pdf"
    try:
        planted.symlink_to(tmp_path / "secret")
    except OSError as exc:  # Windows: only with developer mode or as administrator
        pytest.skip(f"symlinks cannot be made here: {exc}")
    if not planted.is_symlink():  # Wine reports success but makes nothing
        pytest.skip("symlinks are faked here: the link was not made")
    (written,) = save_attachments(attachment_message(["doc.pdf"]), tmp_path)
    assert written.name == "doc (2).pdf"
    assert (tmp_path / "secret").read_text() == "keep"
    assert written.read_bytes() == b"payload 0"


def test_bad_attachment_number_and_folder(tmp_path):
    with pytest.raises(ArchiverError, match="no attachment 3"):
        save_attachments(attachment_message(["a.pdf"]), tmp_path, [3])
    with pytest.raises(ArchiverError, match="is not a folder"):
        save_attachments(attachment_message(["a.pdf"]), tmp_path / "missing")


# Harmless content around each dangerous piece: it must come through (a sanitiser that
# returns "" must fail), as must the harmless rest of the piece itself.
BEFORE = "<p>Vorher <b>fett</b> &amp; mehr</p>"
AFTER = '<p>Nachher <a href="https://example.org/x">Link</a></p>'


@pytest.mark.parametrize(
    ("markup", "kept"),
    [
        ("<script>alert(1)</script>", ""),
        ('<img src="http://tracker.example/p.gif">', "[image]"),
        ('<img src="//tracker.example/p.gif">', "[image]"),
        ("<img srcset='http://t.example/a 1x'>", "[image]"),
        ('<p style="background:url(http://t.example/x)">Absatz</p>', "<p>Absatz</p>"),
        ("<style>@import url(http://t.example/s.css)</style>", ""),
        ('<link rel="stylesheet" href="http://t.example/s.css">', ""),
        ('<body background="http://t.example/b.png" onload="x()">', ""),
        ('<a href="javascript:alert(1)">Klick</a>', "<a>Klick</a>"),
        ('<a href="JaVaScRiPt:alert(1)">Klick</a>', "<a>Klick</a>"),
        ('<iframe src="http://t.example/"></iframe>', ""),
        ('<object data="http://t.example/f.swf"></object>', ""),
        ('<svg><image href="http://t.example/i.png"/></svg>', ""),
        ('<form action="http://t.example/"><input name="a"></form>', ""),
        ('<meta http-equiv="refresh" content="0;url=http://t.example/">', ""),
        ('<video poster="http://t.example/p.png"></video>', ""),
        (
            '<table background="http://t.example/t.png"><tr><td>Zelle</td></tr></table>',
            "<table><tbody><tr><td>Zelle</td></tr></tbody></table>",  # HTML5 implies tbody
        ),
    ],
)
def test_preview_html_loads_nothing_and_runs_nothing(markup, kept):
    clean = safe_html(BEFORE + markup + AFTER)
    assert clean.startswith(BEFORE) and clean.endswith(AFTER)
    assert clean.removeprefix(BEFORE).removesuffix(AFTER) == kept
    for bad in ("script", "http:", "//t", "javascript", "onload", "style", "iframe", "url("):
        assert bad not in clean.lower()


def test_preview_html_keeps_text_formatting_links_and_inline_images():
    clean = safe_html(
        '<p>Sehr <b>geehrte</b> &amp; <a href="https://example.org/x">Link</a></p>'
        '<img src="cid:logo@x" alt="Logo"><img src="http://t.example/p.gif" alt="Zähler">'
    )
    assert "<b>geehrte</b> &amp; " in clean and 'href="https://example.org/x"' in clean
    assert 'src="cid:logo@x"' in clean and "[Zähler]" in clean and "t.example" not in clean


@pytest.mark.expect_log("ERROR", "test.redaction", r"^server said: bad password \*\*\*$")
@pytest.mark.expect_log("ERROR", "test.redaction", r"^failed$")
def test_passwords_are_redacted_from_log_records_and_tracebacks(tmp_path):
    secret = Secret("Hunter2-very-secret")
    handler = logging.FileHandler(tmp_path / "log.txt")
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    try:
        logger.error("server said: bad password %s", secret.reveal())
        try:
            raise RuntimeError(f"LOGIN {secret.reveal()} refused")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = (tmp_path / "log.txt").read_text()
    assert "Hunter2-very-secret" not in text
    # (Not a count of ***: other tests of this process may have used "secret" as a password.)
    assert "bad password ***" in text and "RuntimeError: LOGIN *** refused" in text
    assert redact("a Hunter2-very-secret b") == "a *** b"


@pytest.mark.expect_log(
    "ERROR", "test.redaction", r"^login failed \(wrong user name or password\?\)"
)
def test_a_password_that_is_a_word_leaves_our_own_sentences_whole(tmp_path, monkeypatch):
    """Our texts hold no password; redacting its word there damaged the sentence and showed
    the reader the password. Values from elsewhere (a server's answer) are still redacted."""
    monkeypatch.setattr(secrets, "_SEEN", set(secrets._SEEN))  # "wrong" stays this test's
    Secret("wrong")
    handler = logging.FileHandler(tmp_path / "log.txt")
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    try:
        error = AuthenticationError("login failed (wrong user name or password?)")
        logger.error("%s; server: %s", error, "the password wrong is wrong")
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = (tmp_path / "log.txt").read_text()
    assert text.startswith(
        "login failed (wrong user name or password?); server: the password *** is ***"
    )
    assert error_message(error).startswith("login failed (wrong user name or password?)")
