"""The wheel's package list stays whole, resources are found through one function, and the
packaged executables hand multiprocessing's child processes to multiprocessing."""

from __future__ import annotations

import importlib
import multiprocessing
import sys
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


# How a frozen executable is started again by multiprocessing (PyInstaller's bootloader runs
# Python as -B -S -I): the search indexer of an archive run (spawn), and its resource tracker.
FROZEN_CHILDREN = [
    ["imap-archiver", "--multiprocessing-fork", "tracker_fd=5", "pipe_handle=7"],
    [
        "imap-archiver",
        "-B",
        "-S",
        "-I",
        "-c",
        "from multiprocessing.resource_tracker import main;main(5)",
    ],
]


@pytest.mark.parametrize("module", ["archiver.cli", "archiver.gui.app"])
@pytest.mark.parametrize("argv", FROZEN_CHILDREN, ids=["spawn", "resource-tracker"])
def test_a_frozen_child_goes_to_multiprocessing_before_argparse(
    module: str,
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if module.startswith("archiver.gui"):
        pytest.importorskip("PySide6")
    main = importlib.import_module(module).main
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "argv", argv)
    handed: list[list[str]] = []

    def freeze_support() -> None:
        # As PyInstaller's (and Windows' frozen) freeze_support: run the child, then exit.
        handed.append(list(sys.argv))
        raise SystemExit(0)

    monkeypatch.setattr(multiprocessing, "freeze_support", freeze_support)
    with pytest.raises(SystemExit) as exited:
        main()
    assert handed == [argv]
    assert exited.value.code == 0
    assert capsys.readouterr().err == ""  # argparse never saw the child's arguments
