"""The wheel's package list stays whole, and resources are found through one function."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_listed_in_pyproject():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "archiver").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert on_disk | {"archiver.resources"} == listed


def test_resources_are_found_by_relative_name_only():
    pytest.importorskip("PySide6")
    from archiver.gui.resources import resource_path  # noqa: PLC0415 (needs Qt installed)

    assert resource_path("icons/imap-archiver.svg").is_file()
    for bad in ("/etc/passwd", "../pyproject.toml", "icons/../../x", ""):
        with pytest.raises(ValueError, match="invalid resource name"):
            resource_path(bad)
