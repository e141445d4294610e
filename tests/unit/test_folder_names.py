"""Folder names on disk: valid on Windows, macOS and Linux, reversible, one directory per folder.

The rules (store.names) are checked as properties on every platform, against an independent
statement of what Windows refuses and of what NTFS and APFS fold together; the stores are
checked on real directories.
"""

from __future__ import annotations

import ntpath
import os
import sys
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.core.paths import extended_length
from archiver.core.store.maildir import MaildirStore, maildir_folder
from archiver.core.store.mbox import MboxStore
from archiver.core.store.names import (
    case_proof_segment,
    escape_segment,
    fold,
    split_folder,
    unescape_segment,
)
from archiver.core.store.scan import folder_name

WINDOWS_REFUSES = set('<>:"/\\|?*') | {chr(c) for c in range(32)}
DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{port}{n}" for port in ("COM", "LPT") for n in "123456789¹²³"
}


def windows_accepts(name: str) -> bool:
    """What Windows accepts as one file or directory name (Microsoft's naming rules)."""
    if not name or set(name) & WINDOWS_REFUSES or name[-1] in ". ":
        return False
    if any(0xD800 <= ord(c) <= 0xDFFF for c in name):
        return False  # not refused by NTFS, but by every other file system: never ours
    return name.split(".", maxsplit=1)[0].rstrip(" ").upper() not in DEVICES


def same_on_some_file_system(a: str, b: str) -> bool:
    """Whether NTFS (upper-casing) or APFS (case fold of the NFD form) takes a and b as one."""
    nfd = [unicodedata.normalize("NFD", x) for x in (a, b)]
    return a.upper() == b.upper() or nfd[0].casefold() == nfd[1].casefold()


# Folder names as servers hold them: any text but NUL (an IMAP string cannot hold it; "%00" is
# the empty segment), lone surrogates included, with more of what is hard here: case variants,
# device names, trailing dots and spaces, decomposed umlauts.
HARD = st.sampled_from(
    ["Akten", "akten", "AKTEN", "CON", "con", "Nul", "COM1", "lpt²", "aux", "CONIN$",
     "ends.", "ends ", " .", "Müller", unicodedata.normalize("NFD", "Müller"), "\u0131", "I", "i",
     "ß", "SS", "%41", "%2E", "a%b", "", ".", "..", "Was?", 'Zitat "x"', "a<b>|*", "\x01",
     "\ud800", "K", "\u212a"]
)  # fmt: skip
TEXT = st.text(st.characters(blacklist_characters="\x00"), max_size=12)
SEGMENTS = st.one_of(HARD, TEXT, st.text(alphabet="aAbB.:% ", max_size=6))


@given(SEGMENTS)
def test_both_spellings_are_valid_windows_names_and_decode_back(segment):
    for spelled in (escape_segment(segment), case_proof_segment(segment)):
        assert unescape_segment(spelled) == segment
        assert windows_accepts(spelled), spelled
        assert windows_accepts(spelled + ".sbd")  # an mbox parent directory
        assert "." not in spelled  # the Maildir++ separator


@given(SEGMENTS, SEGMENTS)
def test_a_case_proof_spelling_never_meets_another_name(a, b):
    if a != b:
        proof = case_proof_segment(a)
        for other in (escape_segment(b), case_proof_segment(b)):
            assert fold(proof) != fold(other)
            assert not same_on_some_file_system(proof, other)


@given(SEGMENTS, SEGMENTS)
def test_fold_merges_what_file_systems_merge(a, b):
    if same_on_some_file_system(a, b):
        assert fold(a) == fold(b)


def test_the_spellings_people_see():
    assert escape_segment("Gesendete Objekte") == "Gesendete Objekte"
    assert escape_segment("Büro & Co") == "Büro & Co"
    assert escape_segment("Frage?") == "Frage%3F"
    assert escape_segment('a<b>c:d"e|f*g\\h/i') == "a%3Cb%3Ec%3Ad%22e%7Cf%2Ag%5Ch%2Fi"
    assert escape_segment("CON") == "%43ON" and escape_segment("nul") == "%6Eul"
    assert escape_segment("COM1") == "%43OM1" and escape_segment("CONSOLE") == "CONSOLE"
    assert escape_segment("ends.") == "ends%2E" and escape_segment("two  ") == "two%20%20"
    assert case_proof_segment("akten") == "%61%6B%74%65%6E"
    assert escape_segment("") == case_proof_segment("") == "%00"


FOLDERS = st.lists(
    st.lists(SEGMENTS, min_size=1, max_size=3).map("/".join), min_size=1, max_size=8, unique=True
).map(lambda folders: [f for f in folders if f.split("/")[0].upper() != "INBOX"])


def all_distinct_on_disk(paths: list[Path]) -> bool:
    """Whether no two paths fall together on a file system that folds case or normalisation."""
    for i, a in enumerate(paths):
        for b in paths[i + 1 :]:
            if len(a.parts) == len(b.parts) and all(
                fold(x) == fold(y) for x, y in zip(a.parts, b.parts, strict=True)
            ):
                return False
    return True


@settings(max_examples=60, deadline=None)
@given(FOLDERS)
def test_maildir_gives_each_folder_a_directory_of_its_own_for_good(folders):
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        store = MaildirStore(root, "acct")
        chosen = {f: store.folder_dir(f, "/") for f in folders}
        for directory in chosen.values():
            directory.mkdir(parents=True, exist_ok=True)
        assert all_distinct_on_disk(list(chosen.values()))
        for folder, directory in chosen.items():
            assert maildir_folder(directory.name) == split_folder(folder, "/")
            assert folder_name(tuple(directory.name[1:].split(".")), "/") == folder
        # A later run, in any order, finds each folder where the first one put it.
        again = MaildirStore(root, "acct")
        for folder in reversed(folders):
            assert again.folder_dir(folder, "/") == chosen[folder]


@settings(max_examples=60, deadline=None)
@given(FOLDERS)
def test_mbox_gives_each_folder_a_file_of_its_own_for_good(folders):
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        store = MboxStore(root, "acct")
        chosen = {f: store.folder_file(f, "/") for f in folders}
        for path in chosen.values():  # files "A", directories "A.sbd": never the same name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        assert all_distinct_on_disk(list(chosen.values()))
        for folder, path in chosen.items():
            parts = path.relative_to(store.account_dir).parts
            assert folder_name(tuple(p.removesuffix(".sbd") for p in parts), "/") == folder
        again = MboxStore(root, "acct")
        for folder in reversed(folders):
            assert again.folder_file(folder, "/") == chosen[folder]


def test_folders_differing_in_case_get_directories_of_their_own(tmp_path):
    store = MaildirStore(tmp_path, "acct")
    first = store.folder_dir("Akten", "/")
    first.mkdir(parents=True)
    second = MaildirStore(tmp_path, "acct").folder_dir("akten", "/")
    assert (first.name, second.name) == (".Akten", ".%61%6B%74%65%6E")
    # In one run too, before either directory exists.
    store = MaildirStore(tmp_path / "new", "acct")
    assert store.folder_dir("Post/Müller", "/").name == ".Post.Müller"
    nfd = unicodedata.normalize("NFD", "Post/Müller")
    assert store.folder_dir(nfd, "/").name.startswith(".%50%6F%73%74.")


def test_a_folder_named_like_the_format_marker_keeps_clear_of_it(tmp_path):
    store = MaildirStore(tmp_path, "acct")
    assert store.folder_dir("format", "/").name == ".%66%6F%72%6D%61%74"


@pytest.mark.skipif(sys.platform == "win32", reason="Windows cannot hold such a name")
def test_folders_of_archives_before_these_rules_stay_where_they_are(tmp_path):
    old = tmp_path / "acct" / ".Was?"  # escaped neither "?" then nor Windows' other characters
    old.mkdir(parents=True)
    assert MaildirStore(tmp_path, "acct").folder_dir("Was?", "/") == old
    assert MaildirStore(tmp_path, "acct").folder_dir("Wer?", "/").name == ".Wer%3F"
    (tmp_path / "acct2" / "Frage?.sbd").mkdir(parents=True)
    assert MboxStore(tmp_path, "acct2").folder_file("Frage?/x", "/").parent.name == "Frage?.sbd"


def test_split_folder():
    assert split_folder("a/b", "/") == ("a", "b") and split_folder("a/b", None) == ("a/b",)


@pytest.mark.parametrize(
    ("path", "extended"),
    [
        (r"C:\Users\Anna\AppData\Local", r"\\?\C:\Users\Anna\AppData\Local"),
        ("C:/Users/Anna/archive", r"\\?\C:\Users\Anna\archive"),
        (r"\\nas\share\archive", r"\\?\UNC\nas\share\archive"),
        (r"\\?\C:\already", r"\\?\C:\already"),
    ],
)  # fmt: skip
def test_windows_paths_take_the_extended_length_form(path, extended):
    assert extended_length(path) == extended
    assert ntpath.isabs(extended_length(path))


@pytest.mark.skipif(sys.platform != "win32", reason="the 260-character limit is Windows'")
def test_archive_paths_beyond_260_characters_work_on_windows(tmp_path):
    store = MaildirStore(tmp_path, "acct")
    deep = "/".join(f"Ebene {level:02d} mit einem langen Namen" for level in range(4))
    directory = store.folder_dir(deep, "/")
    (directory / "cur").mkdir(parents=True)
    message = directory / "cur" / ("x" * 120)
    message.write_bytes(b"Subject: deep\r\n\r\n")
    assert len(os.fspath(message)) > 300
    assert message.read_bytes() == b"Subject: deep\r\n\r\n"
