"""The Windows installer's WiX source lists every file of the bundle, per user, stably.

The MSI itself is built by wixl and installed under Wine by `packaging/msi.py test`, which
the Windows stage of .ci/run runs; these tests need neither and use a fake bundle.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from types import ModuleType

import pytest

from tests.helpers.packaging_scripts import packaging_script

WIX = "{http://schemas.microsoft.com/wix/2006/wi}"
# Windows Installer identifiers: a letter or "_" first, then letters, digits, "_" and ".".
MSI_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,71}")
FAKE_BUNDLE = [
    "imap-archiver-gui.exe",
    "imap-archiver.exe",
    "_internal/python312.dll",
    "_internal/base_library.zip",
    "_internal/PySide6/Qt6Core.dll",
    "_internal/PySide6/plugins/platforms/qoffscreen.dll",
    "_internal/PySide6/plugins/platforms/qwindows.dll",
    "_internal/archiver/resources/icons/imap-archiver-16.png",
    "_internal/keyring-25.7.0.dist-info/licenses/LICENSE",
]


@pytest.fixture(scope="module")
def msi() -> Iterator[ModuleType]:
    """packaging/msi.py."""
    with packaging_script("msi") as module:
        yield module


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    for name in FAKE_BUNDLE:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(name.encode())
    return tmp_path


def wxs(msi: ModuleType, bundle: Path, version: str = "1.2.3") -> ET.Element:
    return ET.fromstring(msi.wxs_document(msi.bundle_files(bundle), version))


def installed_files(element: ET.Element, folder: PurePosixPath) -> dict[PurePosixPath, str]:
    """The file paths below INSTALLDIR as the Directory nesting names them, with Source."""
    files = {}
    for child in element:
        if child.tag == f"{WIX}Directory":
            files |= installed_files(child, folder / child.attrib["Name"])
        elif child.tag == f"{WIX}Component":
            for file in child.iter(f"{WIX}File"):
                files[folder / file.attrib["Name"]] = file.attrib["Source"]
    return files


def test_wxs_installs_every_bundle_file_from_its_place(msi, bundle):
    root = wxs(msi, bundle)
    (install,) = [d for d in root.iter(f"{WIX}Directory") if d.get("Id") == "INSTALLDIR"]
    files = installed_files(install, PurePosixPath("."))
    assert files == {PurePosixPath(name): name for name in FAKE_BUNDLE}


def test_wxs_installs_per_user_into_local_app_data(msi, bundle):
    root = wxs(msi, bundle)
    (package,) = root.iter(f"{WIX}Package")
    assert package.attrib["InstallScope"] == "perUser"
    assert not [p for p in root.iter(f"{WIX}Property") if p.get("Id") == "ALLUSERS"]
    path = []
    for directory in root.iter(f"{WIX}Directory"):
        path.append(directory.get("Name") or directory.attrib["Id"])
        if directory.get("Id") == "INSTALLDIR":
            break
    assert path == ["SourceDir", "LocalAppDataFolder", "Programs", "IMAP Archiver"]
    # Per-user components keep their key path in HKCU (ICE38), not in a file.
    for component in root.iter(f"{WIX}Component"):
        (key,) = [v for v in component.iter(f"{WIX}RegistryValue") if v.get("KeyPath")]
        assert key.attrib["Root"] == "HKCU"


def test_wxs_has_a_start_menu_entry_and_product_icon(msi, bundle):
    root = wxs(msi, bundle)
    (shortcut,) = root.iter(f"{WIX}Shortcut")
    assert shortcut.attrib["Target"] == "[INSTALLDIR]imap-archiver-gui.exe"
    (menu,) = [d for d in root.iter(f"{WIX}Directory") if d.get("Id") == "ProgramMenuFolder"]
    assert shortcut in menu.iter(f"{WIX}Shortcut")
    (icon,) = root.iter(f"{WIX}Icon")
    assert shortcut.attrib["Icon"] == icon.attrib["Id"]
    properties = {p.attrib["Id"]: p.attrib["Value"] for p in root.iter(f"{WIX}Property")}
    assert properties["ARPPRODUCTICON"] == icon.attrib["Id"]
    assert icon.attrib["SourceFile"] == "imap-archiver.ico"  # copied beside the .wxs


def test_wxs_every_folder_is_removed_and_every_component_installed(msi, bundle):
    root = wxs(msi, bundle)
    (install,) = [d for d in root.iter(f"{WIX}Directory") if d.get("Id") == "INSTALLDIR"]
    for directory in install.iter(f"{WIX}Directory"):
        components = directory.findall(f"{WIX}Component")
        assert len(components) == 1, directory.get("Name")
        assert components[0].findall(f"{WIX}RemoveFolder"), directory.get("Name")
    referenced = [r.attrib["Id"] for r in root.iter(f"{WIX}ComponentRef")]
    assert sorted(referenced) == sorted(c.attrib["Id"] for c in root.iter(f"{WIX}Component"))


def test_wxs_identifiers_are_valid_unique_and_stable(msi, bundle):
    first, again = wxs(msi, bundle), wxs(msi, bundle)
    assert ET.tostring(first) == ET.tostring(again)  # the same bundle, the same package
    # Every Id but the product code (a GUID), the Media's number and the references.
    skipped = {f"{WIX}Product", f"{WIX}Media", f"{WIX}ComponentRef"}
    keys = [e.attrib["Id"] for e in first.iter() if "Id" in e.attrib and e.tag not in skipped]
    assert len(keys) == len(set(keys))
    for key in keys:
        assert MSI_IDENTIFIER.fullmatch(key), key
    guids = [c.attrib["Guid"] for c in first.iter(f"{WIX}Component")]
    assert len(guids) == len(set(guids))
    assert all(uuid.UUID(g).version == 5 for g in guids)  # derived from the folder's path


def test_wxs_version_changes_the_product_code_not_the_upgrade_code(msi, bundle):
    (old,) = wxs(msi, bundle, "1.2.3").iter(f"{WIX}Product")
    (new,) = wxs(msi, bundle, "1.3.0").iter(f"{WIX}Product")
    assert new.attrib["Version"] == "1.3.0"
    assert new.attrib["UpgradeCode"] == old.attrib["UpgradeCode"]
    assert new.attrib["Id"] != old.attrib["Id"]


def test_packed_guid_is_windows_installers_spelling(msi):
    # The key msiexec (Wine's) made below HKCU\Software\Microsoft\Installer\Products
    assert msi.packed_guid("{201B2649-1D16-54B1-9A9D-EC7614451A7C}") == (
        "9462B10261D11B45A9D9CE674154A1C7"
    )


def test_bundle_without_the_windows_executables_is_refused(msi, tmp_path):
    (tmp_path / "imap-archiver").write_bytes(b"a Linux build")
    with pytest.raises(SystemExit, match="no Windows build"):
        msi.bundle_files(tmp_path)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell; msi.py test runs on Linux")
def test_drain_returns_at_the_exit_while_a_grandchild_holds_the_pipes(msi):
    # As a Wine service started by a Windows program does: the shell exits, its background
    # child keeps stdout and stderr open. Waiting for the pipes' end would wait for it.
    script = "sleep 120 & echo $!; echo done >&2"
    with subprocess.Popen(
        ["sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as shell:
        (stdout, stderr), exited = msi.drain(shell, [shell.stdout, shell.stderr])
    grandchild = int(stdout)
    try:
        assert exited and shell.returncode == 0
        assert stderr == b"done\n"
        os.kill(grandchild, 0)  # still running, the pipes still open: drain did not wait
    finally:
        os.kill(grandchild, signal.SIGKILL)


class FakeWine:
    """Answers check_started's smoke runs with *results* in turn; counts the stops."""

    def __init__(self, *results: subprocess.CompletedProcess[str]) -> None:
        self.results = list(results)
        self.stops = 0

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return self.results.pop(0)

    def stop(self) -> None:
        self.stops += 1


def smoke_result(code: int, stdout: str = "", stderr: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(["wine"], code, stdout, stderr)


HUNG_RUN = smoke_result(-1, "", "(no exit within 300 s; left:\n(none))")
HUNG_CHECK = smoke_result(
    1, "FAIL: imap-archiver-gui --version (180.0 s)\n    no exit within 180 s (…)"
)
FAILED_CHECK = smoke_result(1, "FAIL: imap-archiver --version (2.0 s)\n    exit status 1")
PASSED = smoke_result(0, "ok: imap-archiver --version (2.0 s)")


@pytest.mark.parametrize("hang", [HUNG_RUN, HUNG_CHECK], ids=["whole run", "one check"])
def test_a_hung_installed_smoke_test_runs_once_more_loudly(msi, hang, capsys):
    place = msi.Installation("C:\\IMAP Archiver", "C:\\menu.lnk", "0.1.0")
    wine = FakeWine(hang, PASSED)
    assert list(msi.check_started(wine, place, "C:\\python.exe")) == []
    assert wine.stops == 1 and not wine.results
    assert "the smoke test hung" in capsys.readouterr().out

    wine = FakeWine(hang, hang)
    assert len(list(msi.check_started(wine, place, "C:\\python.exe"))) == 1


def test_a_failed_installed_smoke_test_is_not_run_again(msi):
    place = msi.Installation("C:\\IMAP Archiver", "C:\\menu.lnk", "0.1.0")
    wine = FakeWine(FAILED_CHECK, PASSED)
    assert len(list(msi.check_started(wine, place, "C:\\python.exe"))) == 1
    assert wine.stops == 0 and wine.results == [PASSED]
