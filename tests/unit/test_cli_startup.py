"""The command line starts light: a command imports what it needs, not every command's needs.

Structure, not time (the figures are in docs/PERFORMANCE.md): ``--help`` loads no command
module, no Whoosh, keyring, IMAP client or Qt; ``search`` loads no keyring, IMAP or Qt, none
of what Whoosh imports that a search never uses (core/index/standins.py), no indexing
machinery, and no MIME parsing before a hit needs its message file read; a search whose
hits are read for their snippets still loads nothing for HTML, zip files, libc, other
processes, password prompts, the platform's folders (with IMAP_ARCHIVER_HOME) or schedules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import archiver
from archiver.cli import COMMANDS
from archiver.core.catalog import Catalog
from archiver.core.index.indexer import catch_up_index
from archiver.core.progress import CancelToken, ignore_progress
from tests.helpers.smallarchive import archive_maildir

# The child imports this checkout's archiver, installed or not: it puts ROOT first on its
# path itself (the embeddable Windows Python of the Wine runs ignores PYTHONPATH).
ROOT = str(Path(archiver.__file__).parent.parent)

HEAVY = ("whoosh", "keyring", "imapclient", "PySide6")

# Run the command line in a fresh interpreter; print the modules it loaded (as JSON).
PROBE = """
import json, sys
sys.path.insert(0, sys.argv.pop(1))
from archiver.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
sys.__stdout__.write("\\n" + json.dumps(sorted(sys.modules)))
"""


def run_probe(*argv: str, home: Path | None = None) -> tuple[str, set[str]]:
    """Return the output of a fresh ``imap-archiver ARGV`` process (below *home*, if given)
    and the modules it has loaded at its end."""
    env = None if home is None else os.environ | {"IMAP_ARCHIVER_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, ROOT, *argv],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    output, _, modules = done.stdout.rpartition("\n")
    return output, set(json.loads(modules))


def loaded_by(*argv: str) -> set[str]:
    """Return the modules a fresh ``imap-archiver ARGV`` process has loaded at its end."""
    return run_probe(*argv)[1]


def roots(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize("argv", [["--help"], ["--version"]], ids=["help", "version"])
def test_help_loads_no_command_and_nothing_heavy(argv):
    modules = loaded_by(*argv)
    assert not roots(modules) & set(HEAVY)
    commands = {module for _, module, _ in COMMANDS}
    assert not modules & commands  # the list of commands comes from the table alone


def test_a_command_loads_its_own_module_only():
    modules = loaded_by("search", "--help")
    assert "archiver.cli.search" in modules
    assert not modules & {"archiver.cli.archive", "archiver.cli.accounts", "archiver.cli.app"}
    assert not roots(modules) & {"keyring", "imapclient", "PySide6"}


def test_searching_needs_no_keyring_imap_or_qt():
    code = (
        "import json, sys; sys.path.insert(0, sys.argv.pop(1)); "
        "import archiver.cli, archiver.cli.run; archiver.cli.parse_args(['search', 'x']); "
        "print(json.dumps(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, ROOT], capture_output=True, text=True, check=True
    )
    modules = set(json.loads(done.stdout))
    assert "whoosh" in roots(modules)  # what search is for
    assert not roots(modules) & {"keyring", "imapclient", "PySide6"}
    assert not modules & SEARCH_LEAVES_OUT


# What a search of an up-to-date index does without, until a hit needs its message file.
SEARCH_LEAVES_OUT = {
    # Whoosh's imports for what we never call (core/index/standins.py)
    "asyncio",
    "cached_property",
    "urllib.request",
    "whoosh.lang.morph_en",
    # indexing, only when the index lacks something (core/index/location.py)
    "archiver.core.index.indexer",
    "archiver.core.index.pool",
    "multiprocessing",
    "whoosh.writing",
    # reading and parsing message files, for snippets (core/index/snippets.py)
    "archiver.core.index.extract",
    "archiver.core.index.attachments_text",
    "archiver.core.store.reading",
    "email.message",
    # the show command's
    "archiver.core.attachments",
}


# What a search loads for none of its hits, even where their snippets come from the files.
SNIPPETS_LEAVE_OUT = {
    # HTML bodies only (core/index/htmltext.py)
    "archiver.core.index.htmltext",
    "html",
    "html.parser",
    "nh3",
    # attachments' text: Office and OpenDocument files, zip archives
    "zipfile",
    # syncfs for writing (core/store/base.py), password commands and prompts
    "ctypes",
    "subprocess",
    "getpass",
    # the platform's folders, with IMAP_ARCHIVER_HOME set; schedules, with none configured
    "platformdirs",
    "archiver.core.schedule",
    # Whoosh's analyzers that our schema does not use (core/index/standins.py)
    "whoosh.lang.porter",
    "whoosh.lang.dmetaphone",
}


def test_a_search_reading_message_files_loads_only_what_plain_text_mail_needs(tmp_path):
    home = tmp_path / "home"
    root = home / "archive"
    archive_maildir(root, range(1, 4), subject="Akte {uid}")
    with Catalog.open(root) as catalog:
        catch_up_index(root, catalog, report=ignore_progress, cancel=CancelToken())
    output, modules = run_probe("search", "text", home=home)
    assert "text 3" in output  # each snippet came from its file: the preview is too short
    assert "archiver.core.index.extract" in modules
    assert not modules & ((SEARCH_LEAVES_OUT - SNIPPETS_FROM_FILES) | SNIPPETS_LEAVE_OUT)


# What SEARCH_LEAVES_OUT names that a hit's snippet from its file needs.
SNIPPETS_FROM_FILES = {
    "archiver.core.index.extract",
    "archiver.core.index.attachments_text",
    "archiver.core.store.reading",
    "email.message",
}
