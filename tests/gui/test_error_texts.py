"""Every kind of error has its words in both faces: German in the app, with no command-line
option in it, and English with the options on the command line."""

from __future__ import annotations

import pytest

from archiver.cli.messages import HINTS, error_message
from archiver.core.errors import ArchiverError, CatalogDamaged, ErrorKind
from archiver.gui.errors import ErrorAction, action_label, error_help

pytestmark = pytest.mark.gui


def sample(kind: ErrorKind) -> ArchiverError:
    return ArchiverError(
        f"English text of {kind}",
        kind=kind,
        account="office",
        host="imap.example.org",
        port=993,
        reason="the server's words",
    )


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_each_kind_is_said_in_german_without_options(german, kind):
    error = CatalogDamaged("/a/catalog", "x") if kind is ErrorKind.CATALOG_DAMAGED else sample(kind)
    help_ = error_help(error)
    assert "{" not in help_.text and "--" not in help_.text
    if kind not in (ErrorKind.OTHER, ErrorKind.SERVER_REFUSED, ErrorKind.MALFORMED_RESPONSE):
        assert not help_.text.startswith("English text"), kind  # the app's own words
    if help_.action is not None:
        assert action_label(help_.action)


def test_german_text_and_action_of_a_refused_connection(german):
    help_ = error_help(sample(ErrorKind.CONNECTION_REFUSED))
    assert help_.text == (
        "Der Server imap.example.org nimmt auf Port 993 keine Verbindungen an. Prüfen Sie den "
        "Servernamen und den Port."
    )
    assert help_.action is ErrorAction.EDIT_ACCOUNT
    assert action_label(help_.action) == "Konto bearbeiten"


@pytest.mark.parametrize("kind", list(HINTS))
def test_the_command_line_adds_its_advice(kind):
    text = error_message(sample(kind))
    assert text.startswith(f"English text of {kind} ") and "{" not in text
