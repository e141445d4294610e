"""The wheel's package list stays whole, resources are found through one function, and the
packaged executables hand multiprocessing's child processes to multiprocessing."""

from __future__ import annotations

import importlib
import multiprocessing
import os
import subprocess
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


@pytest.mark.parametrize(
    ("module", "function"),
    [("archiver.cli", "main"), ("archiver.gui.launch", "entry"), ("archiver.gui.app", "main")],
)
@pytest.mark.parametrize("argv", FROZEN_CHILDREN, ids=["spawn", "resource-tracker"])
def test_a_frozen_child_goes_to_multiprocessing_before_argparse(
    module: str,
    function: str,
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if module == "archiver.gui.app":
        pytest.importorskip("PySide6")
    main = getattr(importlib.import_module(module), function)
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


# The app's executable as pip writes it (and as the packaged one's entry script does), then a
# helper process started the way the app starts them.
APP_SCRIPT = """
import multiprocessing, sys
from archiver.gui.launch import entry


def loaded(names):
    return [name for name in names if name in sys.modules]


if __name__ == "__main__":
    helper = multiprocessing.get_context("spawn").Pool(1)
    print(helper.apply(loaded, (["PySide6", "archiver.gui.app", "archiver.gui.launch"],)))
    helper.close()
    helper.join()
"""


def test_a_helper_started_by_the_app_imports_nothing_of_the_gui(tmp_path: Path) -> None:
    """multiprocessing runs the executable's script again in every helper the app starts
    (the search indexer, the PDF reader, the index writer's workers); the app's way in
    (archiver/gui/launch.py) leaves the GUI to the app's own process."""
    script = tmp_path / "imap-archiver-gui.py"
    script.write_text(APP_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['archiver.gui.launch']"


def test_the_app_script_pip_writes_starts_the_light_way_in() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["gui-scripts"]
    assert scripts == {"imap-archiver-gui": "archiver.gui.launch:entry"}
