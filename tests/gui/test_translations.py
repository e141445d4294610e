"""The German translation is complete and compiled, and the app shows it."""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from archiver.core.accounts import Account
from archiver.gui.app import install_translators, ui_language
from archiver.gui.mainwindow import MainWindow
from archiver.gui.resources import resource_path

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "archiver_de.ts"
TOOL = ROOT / "packaging" / "translations.py"
PLACEHOLDER = re.compile(r"\{\w*\}|%n")


def test_translation_files_are_current():
    """The .ts has every string of the code, and the .qm is compiled from it."""
    spec = importlib.util.spec_from_file_location("translations", TOOL)
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.check("de") == []


def test_every_string_is_translated_with_its_placeholders():
    unfinished, mismatched = [], []
    for message in ET.parse(TS).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        assert translation is not None
        texts = [t.text or "" for t in translation.iter("numerusform")] or [translation.text or ""]
        if translation.get("type") == "unfinished" or not all(texts):
            unfinished.append(source)
            continue
        for text in texts:
            if sorted(set(PLACEHOLDER.findall(text))) != sorted(set(PLACEHOLDER.findall(source))):
                mismatched.append(source)
    assert not unfinished, f"untranslated: {unfinished[:10]}"
    assert not mismatched, f"placeholders differ: {mismatched[:10]}"


def test_the_window_speaks_german(qtbot, context, qapp: QApplication):
    context.save_config(context.config.with_account(Account(name="o", host="h", user="u")))
    translators = install_translators(qapp, "de")
    try:
        assert translators, "the German translation did not load"
        window = MainWindow(context)
        qtbot.addWidget(window)
        pages = [window.nav.item(row).text() for row in range(window.nav.count())]
        assert pages == [
            "Konten",
            "Archivieren",
            "Importieren",
            "Suche",
            "Protokoll",
            "Einstellungen",
        ]
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)


def test_language_follows_the_setting_then_the_system():
    assert ui_language("de") == "de"
    assert ui_language("", QLocale(QLocale.Language.German, QLocale.Country.Austria)) == "de"
    assert ui_language("", QLocale(QLocale.Language.French, QLocale.Country.France)) == "en"
    assert QTranslator().load(str(resource_path("translations/archiver_de.qm")))
