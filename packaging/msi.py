"""Build the Windows installer, an MSI, from the one-folder app; and test it under Wine.

    python packaging/msi.py build [--bundle dist/imap-archiver] [--output FILE.msi]
    python packaging/msi.py test FILE.msi [--bundle dist/imap-archiver] [--python PYTHON.EXE]

"build" lists every file of the Windows bundle (built by packaging/build.py on Windows or
under Wine) in build/msi/imap-archiver.wxs and runs msitools' wixl on it (Debian: apt-get
install wixl), writing dist/imap-archiver-<version>.msi. The package installs for the current
user without administrator rights into %LOCALAPPDATA%\\Programs\\IMAP Archiver, with a Start
menu entry and an "Apps & features" entry, both with the app's icon.

"test" runs on Linux and proves the MSI under Wine, in a fresh Wine prefix: install with
msiexec /qn, every bundle file installed, the shortcut and the uninstall entry there, the
installed app started (build.py's smoke test under the given Windows Python, else --version
and the GUI self-check directly); a package of the next version (built from the same bundle)
replaces it, and the first one then refuses to go back; uninstalled with msiexec /x /qn,
neither the folder, nor the shortcut, nor the entries are left. Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import itertools
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "imap-archiver"
WORK = ROOT / "build" / "msi"
ICON = ROOT / "resources" / "icons" / "imap-archiver.ico"
WIX_NAMESPACE = "http://schemas.microsoft.com/wix/2006/wi"

PRODUCT_NAME = "IMAP Archiver"
MANUFACTURER = "IMAP Archiver developers"
HOMEPAGE = "https://imaparchiver.org/"
APP_EXE = "imap-archiver-gui.exe"
CLI_EXE = "imap-archiver.exe"
# Never change: Windows Installer recognises an older version of the app by this code, and a
# new MSI replaces the installed one (MajorUpgrade) only if it carries the same code.
UPGRADE_CODE = uuid.UUID("d693a9a5-29a0-456a-a7c1-ce9479ed7958")
# The namespace of every other GUID in the package: each is derived from a name (a folder of
# the bundle, the product version), so building the same bundle twice gives the same package.
GUID_NAMESPACE = uuid.uuid5(UPGRADE_CODE, "imap-archiver.msi")
# HKCU key whose values are the key paths of the components (see wxs_document).
REGISTRY_KEY = r"Software\IMAP Archiver\Installer"


def version() -> str:
    """The app's version, archiver.__version__, read without importing the app."""
    for line in (ROOT / "archiver" / "__init__.py").read_text(encoding="utf-8").splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise SystemExit("no __version__ in archiver/__init__.py")


def guid(name: str) -> str:
    """A GUID in the registry's upper-case form, derived from *name* (stable across builds)."""
    return str(uuid.uuid5(GUID_NAMESPACE, name)).upper()


def identifier(kind: str, path: PurePosixPath) -> str:
    """An MSI identifier for the folder or file *path*: letters, digits and "_", at most 72
    characters; the bundle's names (dots, dashes, long) are none of these, so they are hashed."""
    return f"{kind}_{hashlib.sha256(path.as_posix().encode()).hexdigest()[:32]}"


def bundle_files(bundle: Path) -> list[PurePosixPath]:
    """Every file below *bundle*, relative to it, sorted; refuse what an MSI cannot hold."""
    if not (bundle / APP_EXE).is_file() or not (bundle / CLI_EXE).is_file():
        raise SystemExit(f"{bundle} holds no Windows build ({APP_EXE}, {CLI_EXE})")
    files = []
    for path in sorted(bundle.rglob("*")):
        if path.is_symlink():
            raise SystemExit(f"{path}: a symbolic link (a Windows build has none)")
        if path.is_file():
            files.append(PurePosixPath(path.relative_to(bundle).as_posix()))
    return files


def wxs_document(files: Sequence[PurePosixPath], product_version: str) -> str:
    """Return the WiX source (the subset wixl reads) that installs the bundle's *files*.

    wixl finds a source file only by a relative name, below its working folder or the
    .wxs file's folder: the files are named relative to the bundle (wixl's working folder),
    the icon by its name (copied beside the .wxs).

    One component per folder of the bundle, holding that folder's files, with an HKCU
    registry value as its key path: Windows Installer's rules for a per-user installation
    (ICE38, ICE43, ICE64), which also make every folder removed on uninstall. The component
    GUIDs come from the folders' paths, the ProductCode from the version, so the package of
    one bundle is the same on every build; a new version is a major upgrade that removes
    the old one first (MajorUpgrade), so a folder's files may change between versions.
    """
    ET.register_namespace("", WIX_NAMESPACE)

    def element(parent: ET.Element | None, tag: str, **attributes: str) -> ET.Element:
        name = f"{{{WIX_NAMESPACE}}}{tag}"
        if parent is None:
            return ET.Element(name, attributes)
        return ET.SubElement(parent, name, attributes)

    wix = element(None, "Wix")
    product = element(
        wix,
        "Product",
        Id=guid(f"product {product_version}"),
        Name=PRODUCT_NAME,
        Language="1033",
        Codepage="1252",
        Version=product_version,
        Manufacturer=MANUFACTURER,
        UpgradeCode=str(UPGRADE_CODE).upper(),
    )
    # perUser: no ALLUSERS property and the "no elevation" flag in the summary information,
    # so msiexec installs for the current user and never asks for administrator rights.
    element(
        product,
        "Package",
        InstallerVersion="500",
        Compressed="yes",
        InstallScope="perUser",
        Languages="1033",
        SummaryCodepage="1252",
        Manufacturer=MANUFACTURER,
        Description=f"{PRODUCT_NAME} {product_version}",
    )
    element(product, "Media", Id="1", Cabinet="app.cab", EmbedCab="yes")
    element(
        product,
        "MajorUpgrade",
        DowngradeErrorMessage=f"A newer version of {PRODUCT_NAME} is already installed.",
    )
    # The icon of the Start menu entry and of the "Apps & features" entry (ARPPRODUCTICON).
    element(product, "Icon", Id="app.ico", SourceFile=ICON.name)
    for name, value in [
        ("ARPPRODUCTICON", "app.ico"),
        ("ARPURLINFOABOUT", HOMEPAGE),
        ("ARPNOMODIFY", "1"),  # one feature, no options: nothing to modify
    ]:
        element(product, "Property", Id=name, Value=value)

    target = element(product, "Directory", Id="TARGETDIR", Name="SourceDir")
    local = element(target, "Directory", Id="LocalAppDataFolder")
    programs = element(local, "Directory", Id="UserProgramsFolder", Name="Programs")
    install = element(programs, "Directory", Id="INSTALLDIR", Name=PRODUCT_NAME)

    folders: dict[PurePosixPath, ET.Element] = {PurePosixPath("."): install}
    components: list[str] = []

    def folder(path: PurePosixPath) -> ET.Element:
        if path not in folders:
            parent = folder(path.parent)
            folders[path] = element(parent, "Directory", Id=identifier("dir", path), Name=path.name)
        return folders[path]

    # Every folder, also one holding only folders (_internal/PySide6/plugins), gets a
    # component: its RemoveFolder is what removes the folder on uninstall.
    by_folder: dict[PurePosixPath, list[PurePosixPath]] = {}
    for file in files:
        by_folder.setdefault(file.parent, []).append(file)
        for parent in file.parent.parents:
            by_folder.setdefault(parent, [])
    for path, folder_files in sorted(by_folder.items()):
        directory = folder(path)
        component_id = identifier("comp", path)
        component = element(
            directory,
            "Component",
            Id=component_id,
            Guid=guid(f"folder {path.as_posix()}"),
            Win64="yes",
        )
        components.append(component_id)
        element(
            component,
            "RegistryValue",
            Root="HKCU",
            Key=REGISTRY_KEY,
            Name=path.as_posix(),
            Type="integer",
            Value="1",
            KeyPath="yes",
        )
        element(component, "RemoveFolder", Id=identifier("rmdir", path), On="uninstall")
        for file in folder_files:
            element(
                component,
                "File",
                Id=identifier("file", file),
                Name=file.name,
                Source=file.as_posix(),
            )

    menu = element(target, "Directory", Id="ProgramMenuFolder")
    shortcut = element(
        menu, "Component", Id="StartMenuEntry", Guid=guid("start menu entry"), Win64="yes"
    )
    components.append("StartMenuEntry")
    element(
        shortcut,
        "Shortcut",
        Id="AppShortcut",
        Name=PRODUCT_NAME,
        Description="Move old mail from a small IMAP mailbox into a verified local archive",
        Target=f"[INSTALLDIR]{APP_EXE}",
        WorkingDirectory="INSTALLDIR",
        Icon="app.ico",
    )
    element(
        shortcut,
        "RegistryValue",
        Root="HKCU",
        Key=REGISTRY_KEY,
        Name="StartMenuEntry",
        Type="integer",
        Value="1",
        KeyPath="yes",
    )

    feature = element(product, "Feature", Id="App", Title=PRODUCT_NAME, Level="1")
    for component_id in components:
        element(feature, "ComponentRef", Id=component_id)
    ET.indent(wix)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(wix, encoding="unicode")


def build_msi(
    bundle: Path, output: Path, product_version: str | None = None, work: Path = WORK
) -> None:
    """Write the .wxs for *bundle* to *work* and let wixl turn it into *output*.

    *product_version* defaults to the app's; the test under Wine builds a newer one.
    """
    wixl = shutil.which("wixl")
    if wixl is None:
        raise SystemExit("wixl is not installed (Debian: apt-get install wixl)")
    product_version = product_version or version()
    # ProductVersion is major.minor.build, each a number (at most 255.255.65535).
    if not re.fullmatch(r"\d{1,3}\.\d{1,3}\.\d{1,5}", product_version):
        raise SystemExit(f"version {product_version!r} is no MSI ProductVersion (1.2.3)")
    files = bundle_files(bundle)
    work.mkdir(parents=True, exist_ok=True)
    source = work / "imap-archiver.wxs"
    source.write_text(wxs_document(files, product_version), encoding="utf-8")
    shutil.copyfile(ICON, work / ICON.name)
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    # x64: the Template summary property and 64-bit components; the bundle is 64-bit only.
    command = [wixl, "--arch", "x64", "--output", str(output), str(source)]
    result = subprocess.run(command, cwd=bundle, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"wixl failed with exit status {result.returncode}:\n{result.stderr}")
    print(f"Built {output} ({output.stat().st_size / 1e6:.1f} MB, {len(files)} files)")


# --- the test under Wine ------------------------------------------------------------------

TIMEOUT = 300.0  # seconds for one Wine command; a cold prefix is slow to start


@dataclasses.dataclass(frozen=True, slots=True)
class Wine:
    """A Wine prefix of its own and the environment that runs Windows programs in it."""

    prefix: Path
    env: dict[str, str]

    @classmethod
    def fresh(cls, prefix: Path, fonts: Path | None) -> Wine:
        """Create a new prefix at *prefix* (wineboot) and return its runner."""
        env = {**os.environ, "WINEPREFIX": str(prefix), "WINEDEBUG": "-all"}
        env["WINEDLLOVERRIDES"] = "mscoree,mshtml="  # no Mono or Gecko download dialogs
        # Wine mirrors the Start menu entry into the Linux desktop's menu (winemenubuilder,
        # below XDG_DATA_HOME and XDG_CONFIG_HOME): into the prefix, not the user's ~/.local.
        env["XDG_DATA_HOME"] = str(prefix / "xdg" / "data")
        env["XDG_CONFIG_HOME"] = str(prefix / "xdg" / "config")
        # Wine hides QT_* from Windows programs; WINEQT_X reaches them as QT_X. Offscreen is
        # the one Qt platform that works under Wine, and it reads fonts from a folder.
        env["WINEQT_QPA_PLATFORM"] = "offscreen"
        if fonts is not None:
            env["WINEQT_QPA_FONTDIR"] = windows_path(fonts)
        wine = cls(prefix, env)
        # Not captured: the services wineboot starts inherit its output, and a pipe given
        # to them would never reach its end. wineserver -w waits until the prefix is ready
        # (wineboot returns before its processes end; programs started meanwhile crawl and
        # may hang).
        subprocess.run(
            ["wineboot", "-i"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=TIMEOUT,
            check=True,
        )
        subprocess.run(["wineserver", "-w"], env=env, timeout=TIMEOUT, check=True)
        # Then one wineserver for all the commands of the test, instead of one started and
        # stopped per command (seconds each); stop() ends it. Wine's services start again
        # with the first command and outlive it: run() must not wait for them.
        subprocess.run(["wineserver", "-p"], env=env, timeout=TIMEOUT, check=True)
        return wine

    def stop(self) -> None:
        """End every process of the prefix and its wineserver."""
        subprocess.run(["wineserver", "-k"], env=self.env, timeout=TIMEOUT, check=False)

    def run(
        self, *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a Wine tool or `wine PROGRAM ARGS` (with *env* added to the environment).

        Windows programs under Wine need pipes, not files or a terminal, as stdin and stdout:
        they get pipes. A run that does not end within TIMEOUT is killed and returned with
        exit status -1 and what it printed until then.
        """
        process = subprocess.Popen(
            list(args),
            env={**self.env, **(env or {})},
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        with process:
            output, exited = drain(process, [process.stdout, process.stderr])
        stdout, stderr = (data.decode("utf-8", "replace") for data in output)
        if not exited:
            left = windows_processes()
            return subprocess.CompletedProcess(
                args, -1, stdout, f"{stderr}\n(no exit within {TIMEOUT:.0f} s; left:\n{left})"
            )
        return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)

    def expand(self, text: str) -> str:
        """*text* with Windows environment variables (%LOCALAPPDATA%) expanded by cmd.exe."""
        return self.run("wine", "cmd", "/c", f"echo {text}").stdout.strip()

    def unix_path(self, path: str) -> Path:
        """The Linux path of the Windows path *path*."""
        return Path(self.run("winepath", "-u", path).stdout.strip())

    def registry(self, key: str) -> dict[str, str] | None:
        """The values of a registry key by name; None if there is no such key."""
        result = self.run("wine", "reg", "query", key)
        if result.returncode != 0:
            return None
        values = {}
        for line in result.stdout.splitlines():
            # Values are indented: "    Name    REG_SZ    Value"; keys are not.
            if line.startswith("    "):
                parts = line.strip().split("    ", 2)
                values[parts[0]] = parts[2] if len(parts) == 3 else ""
        return values


def windows_processes() -> str:
    """The Windows programs running under Wine (any prefix), one line each: what a hang left."""
    listing = subprocess.run(
        ["ps", "-eo", "pid,etime,pcpu,args"], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    return "\n".join(line for line in listing[1:] if ".exe" in line.lower()) or "(none)"


def drain(
    process: subprocess.Popen[bytes], streams: Sequence[IO[bytes]]
) -> tuple[list[bytes], bool]:
    """Return what *process* writes to each of *streams* until it exits, and whether it
    exited by itself (else it was killed after TIMEOUT).

    Not until the pipes' end, as communicate() would: a Wine service that the program
    started (services.exe, explorer.exe, ...) inherits the pipes and keeps them open as long
    as the prefix's wineserver runs. All the program wrote before its exit is in the pipes
    then, and is read to the last byte.
    """
    output = {stream.fileno(): bytearray() for stream in streams}
    reading = set(output)
    for fd in reading:
        os.set_blocking(fd, False)
    deadline = time.monotonic() + TIMEOUT
    while True:
        exited = process.poll() is not None  # first: the reads below then get all it wrote
        for fd in list(reading):
            if not read_available(fd, output[fd]):
                reading.discard(fd)
        if exited or time.monotonic() > deadline:
            if not exited:
                process.kill()
                process.wait()
            return [bytes(output[stream.fileno()]) for stream in streams], exited
        if reading:  # wait for output, or for the exit once both pipes have ended
            select.select(list(reading), [], [], 0.5)
        else:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.5)


def read_available(fd: int, sink: bytearray) -> bool:
    """Append what the non-blocking pipe *fd* holds to *sink*; False at the pipe's end."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return True
        if not chunk:
            return False
        sink += chunk


def windows_path(path: Path) -> str:
    """*path* as Windows programs under Wine name it (drive Z: is the Linux root)."""
    return "Z:" + str(path.resolve()).replace("/", "\\")


def packed_guid(code: str) -> str:
    """*code* as Windows Installer spells it in registry key names: the first three parts
    reversed, the last two reversed in pairs ({12345678-9ABC-...} -> 87654321CBA9...)."""
    parts = code.strip("{}").upper().split("-")
    head = "".join(part[::-1] for part in parts[:3])
    tail = "".join(part[i : i + 2][::-1] for part in parts[3:] for i in range(0, len(part), 2))
    return head + tail


@dataclasses.dataclass(frozen=True, slots=True)
class Installation:
    """Where the package puts things for the current user of a Wine prefix."""

    folder: str  # Windows path: %LOCALAPPDATA%\Programs\IMAP Archiver
    shortcut: str  # Windows path: the Start menu entry
    version: str  # of the package

    @classmethod
    def of(cls, wine: Wine, product_version: str) -> Installation:
        """Ask the prefix for the current user's folders."""
        folder = wine.expand(rf"%LOCALAPPDATA%\Programs\{PRODUCT_NAME}")
        programs = wine.expand(r"%APPDATA%\Microsoft\Windows\Start Menu\Programs")
        return cls(folder, rf"{programs}\{PRODUCT_NAME}.lnk", product_version)

    @property
    def product_code(self) -> str:
        """The ProductCode of the package of this version (see wxs_document)."""
        return guid(f"product {self.version}")

    @property
    def product_key(self) -> str:
        """The per-user registration; its ProductIcon is the icon of "Apps & features"."""
        return rf"HKCU\Software\Microsoft\Installer\Products\{packed_guid(self.product_code)}"

    @property
    def uninstall_keys(self) -> tuple[str, str]:
        """The "Apps & features" entry: Wine writes it below HKLM; both roots are read."""
        tail = rf"Software\Microsoft\Windows\CurrentVersion\Uninstall\{{{self.product_code}}}"
        return rf"HKCU\{tail}", rf"HKLM\{tail}"


def mentions(data: bytes, text: str) -> bool:
    """Whether a Windows shortcut's bytes hold *text* (its paths are ANSI or UTF-16)."""
    return any(text.encode(codec) in data for codec in ("cp1252", "utf-16-le"))


def check_installed(wine: Wine, place: Installation, bundle: Path) -> Iterator[str]:
    """Yield what is wrong with the installation; nothing if it is complete."""
    folder = wine.unix_path(place.folder)
    expected = {file: (bundle / file).stat().st_size for file in bundle_files(bundle)}
    got = {
        PurePosixPath(p.relative_to(folder).as_posix()): p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file()
    }
    for file in sorted(expected.keys() - got.keys()):
        yield f"not installed: {file}"
    for file in sorted(got.keys() - expected.keys()):
        yield f"installed, but not in the bundle: {file}"
    for file in sorted(f for f in expected.keys() & got.keys() if expected[f] != got[f]):
        yield f"installed with another size: {file}"

    shortcut = wine.unix_path(place.shortcut)
    link = shortcut.read_bytes() if shortcut.is_file() else b""
    if not link:
        yield f"no Start menu entry {place.shortcut}"
    elif not mentions(link, rf"{place.folder}\{APP_EXE}"):
        yield f"the Start menu entry does not start {place.folder}\\{APP_EXE}"

    registration = wine.registry(place.product_key) or {}
    if registration.get("ProductName") != PRODUCT_NAME:
        yield f"not installed for the current user: {place.product_key} {registration}"
    else:
        # The icon Windows Installer keeps for the product: "Apps & features" and the
        # Start menu entry show it.
        icon = registration.get("ProductIcon", "")
        icon_file = wine.unix_path(icon) if icon else None
        if icon_file is None or not icon_file.is_file():
            yield f"no product icon: {registration}"
        elif icon_file.read_bytes() != ICON.read_bytes():
            yield f"the product icon {icon} is not {ICON.name}"
        if link and not mentions(link, icon):
            yield f"the Start menu entry does not show the product icon {icon}"

    entries = [e for e in map(wine.registry, place.uninstall_keys) if e is not None]
    entry = entries[0] if entries else {}
    shown = (entry.get("DisplayName"), entry.get("DisplayVersion"), entry.get("Publisher"))
    if shown != (PRODUCT_NAME, place.version, MANUFACTURER):
        yield f"no uninstall entry for {PRODUCT_NAME} {place.version}: {entry}"
    elif f"/X{{{place.product_code}}}" not in entry.get("UninstallString", ""):
        yield f"the uninstall entry has no uninstall command: {entry}"


def check_removed(wine: Wine, place: Installation) -> Iterator[str]:
    """Yield what the uninstallation left behind; nothing if all is gone."""
    folder = wine.unix_path(place.folder)
    if folder.exists():
        left = sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))
        yield f"left {place.folder}: {left[:10]}"
    if wine.unix_path(place.shortcut).exists():
        yield f"left the Start menu entry {place.shortcut}"
    for key in [place.product_key, *place.uninstall_keys, rf"HKCU\{REGISTRY_KEY}"]:
        if wine.registry(key) is not None:
            yield f"left the registry key {key}"


def check_started(wine: Wine, place: Installation, python: str | None) -> Iterator[str]:
    """Yield why the installed app did not start; nothing if it did.

    With a Windows Python (*python*, a Windows path) the installed folder gets
    packaging/build.py's smoke test ("smoke" below); else its two first checks run here.
    """
    if python is not None:
        script = windows_path(Path(__file__))
        # -B: no bytecode written into the Windows Python's folder or the checkout;
        # -u: each check's line printed at once (shown up to a hang, if one hangs)
        command = ["wine", python, "-B", "-u", "-X", "utf8", script, "smoke", place.folder]
        result = wine.run(*command, cwd=ROOT)
        print(result.stdout.rstrip())
        if result.returncode != 0 and hung(result):
            # Once in CI (2026-12-07) the installed copy's smoke test printed nothing in
            # 300 s, though the same bundle's had passed: not seen in any run here. A hang
            # is tried once more, loudly; a second one, or any other failure, counts.
            print(f"the smoke test hung:\n{result.stderr.strip()}\n-- once more", flush=True)
            wine.stop()  # what hung, too (the next command starts a wineserver again)
            result = wine.run(*command, cwd=ROOT)
            print(result.stdout.rstrip())
        if result.returncode != 0:
            yield f"the smoke test failed (exit status {result.returncode}):\n{result.stderr}"
        return
    cli = wine.run("wine", rf"{place.folder}\{CLI_EXE}", "--version")
    if cli.returncode != 0 or cli.stdout.strip() != f"imap-archiver {version()}":
        yield f"{CLI_EXE} --version: {cli.returncode} {cli.stdout!r} {cli.stderr!r}"
    with tempfile.TemporaryDirectory(prefix="imap-archiver-msi-home-") as home:
        env = {"IMAP_ARCHIVER_HOME": windows_path(Path(home))}  # not the user's settings
        gui = wine.run("wine", rf"{place.folder}\{APP_EXE}", "--self-check", env=env)
    if gui.returncode != 0 or "WARNING" in gui.stderr or "ERROR" in gui.stderr:
        yield f"{APP_EXE} --self-check: exit status {gui.returncode}\n{gui.stderr}"


def hung(result: subprocess.CompletedProcess[str]) -> bool:
    """Whether the smoke test *result* failed for a hang: its own run's, or one of its checks'
    (build.smoke_test's line for a check that did not end)."""
    return result.returncode == -1 or "    no exit within " in result.stdout


def check_upgrade(
    wine: Wine, old: Installation, new: Installation, msi: Path, bundle: Path
) -> Iterator[str]:
    """Yield why the newer package *msi* (of *bundle*) did not replace the installed *old*."""
    yield from msiexec(wine, "/i", msi, wine.prefix / "upgrade.log")
    yield from check_installed(wine, new, bundle)
    if wine.registry(old.product_key) is not None:
        yield f"{old.version} is still installed beside {new.version}"


def check_no_downgrade(
    wine: Wine, old: Installation, new: Installation, msi: Path, bundle: Path
) -> Iterator[str]:
    """Yield why the older package *msi* replaced or broke the installed *new* one."""
    log = wine.prefix / "downgrade.log"
    result = wine.run("wine", "msiexec", "/i", windows_path(msi), "/qn", "/l*v", windows_path(log))
    if result.returncode == 0:
        yield f"{old.version} was installed over {new.version}"
    yield from check_installed(wine, new, bundle)


def newer_version(product_version: str) -> str:
    """The version after *product_version* (1.2.3 -> 1.2.4): a package to upgrade to."""
    major, minor, build = product_version.split(".")
    return f"{major}.{minor}.{int(build) + 1}"


def test_msi(msi: Path, bundle: Path, prefix: Path, args: argparse.Namespace) -> bool:
    """Install *msi* into a fresh Wine prefix at *prefix*, start it, upgrade it, refuse a
    downgrade, uninstall it; check each state. Print each step; return True if all pass."""
    started = time.monotonic()
    wine = Wine.fresh(prefix, args.fonts)
    failures = 0
    try:
        for dll in args.system_dll:
            shutil.copy2(dll, prefix / "drive_c" / "windows" / "system32" / dll.name)
        old = Installation.of(wine, version())
        new = dataclasses.replace(old, version=newer_version(old.version))
        upgrade = prefix / "upgrade" / f"imap-archiver-{new.version}.msi"
        build_msi(bundle, upgrade, new.version, work=upgrade.parent)
        steps: list[tuple[str, Callable[[], Iterator[str]]]] = [
            ("msiexec /i /qn", lambda: msiexec(wine, "/i", msi, prefix / "install.log")),
            (
                "installed: files, Start menu entry, icon, uninstall entry",
                lambda: check_installed(wine, old, bundle),
            ),
            ("the installed app starts", lambda: check_started(wine, old, args.python)),
            (
                f"{new.version} replaces {old.version}",
                lambda: check_upgrade(wine, old, new, upgrade, bundle),
            ),
            (
                f"{old.version} does not replace {new.version}",
                lambda: check_no_downgrade(wine, old, new, msi, bundle),
            ),
            ("msiexec /x /qn", lambda: msiexec(wine, "/x", upgrade, prefix / "uninstall.log")),
            (
                "removed: folder, Start menu entry, registration",
                lambda: itertools.chain(check_removed(wine, old), check_removed(wine, new)),
            ),
        ]
        for name, step in steps:
            step_started = time.monotonic()
            problems = list(step())
            seconds = time.monotonic() - step_started
            print(f"{'FAIL' if problems else 'ok'}: {name} ({seconds:.1f} s)", flush=True)
            for problem in problems:
                print(f"    {problem}")
            failures += bool(problems)
    finally:  # no Wine process may hold the prefix when it is deleted
        wine.stop()
    print(f"MSI test {'FAILED' if failures else 'passed'} in {time.monotonic() - started:.0f} s")
    return failures == 0


def msiexec(wine: Wine, action: str, msi: Path, log: Path) -> Iterator[str]:
    """Run msiexec *action* (/i, /x) on *msi* without a user interface; yield its failure."""
    result = wine.run(
        "wine", "msiexec", action, windows_path(msi), "/qn", "/l*v", windows_path(log)
    )
    if result.returncode != 0:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        yield f"exit status {result.returncode}; the end of its log {log}:\n{text[-3000:]}"


def smoke_installed(folder: Path) -> bool:
    """Run packaging/build.py's smoke test on the installed *folder*, not on dist/.

    Runs under the Windows Python (`msi.py smoke FOLDER`, started by check_started): the
    checks start the executables as Windows processes do. build.py names the executables it
    tests in module constants; they are pointed at the installed copy here.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import build  # noqa: PLC0415 (packaging/build.py, beside this file)

    build.APP = folder
    build.GUI = folder / APP_EXE
    build.CLI = folder / CLI_EXE
    return build.smoke_test()


def main() -> int:
    """Build the MSI, test it under Wine, or smoke-test an installed copy (see the docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the MSI from the Windows bundle")
    build.add_argument("--bundle", type=Path, default=BUNDLE, help="default: %(default)s")
    build.add_argument("--output", type=Path, help="default: dist/imap-archiver-VERSION.msi")
    test = commands.add_parser("test", help="install, start and uninstall it under Wine")
    test.add_argument("msi", type=Path)
    test.add_argument("--bundle", type=Path, default=BUNDLE, help="the files it must install")
    test.add_argument(
        "--python",
        type=Path,
        help="a Windows python.exe with the project's dependencies: runs build.py's smoke "
        "test on the installed folder (without it: --version and the GUI self-check only)",
    )
    test.add_argument(
        "--system-dll",
        type=Path,
        action="append",
        default=[],
        help="a DLL Wine lacks, copied into the new prefix's system32 (e.g. an icuuc.dll "
        "stub for Qt 6.12); repeatable; never part of the package",
    )
    test.add_argument(
        "--fonts",
        type=Path,
        default=Path("/usr/share/fonts/truetype/dejavu"),
        help="fonts for Qt's offscreen platform (default: %(default)s, if there)",
    )
    test.add_argument("--prefix", type=Path, help="the new Wine prefix (default: temporary)")
    smoke = commands.add_parser("smoke", help="(under Windows Python) smoke-test a folder")
    smoke.add_argument("folder", type=Path)
    args = parser.parse_args()

    if args.command == "build":
        build_msi(args.bundle, args.output or ROOT / "dist" / f"imap-archiver-{version()}.msi")
        return 0
    if args.command == "smoke":
        return 0 if smoke_installed(args.folder) else 1
    if args.fonts is not None and not args.fonts.is_dir():
        args.fonts = None
    if args.python is not None:
        args.python = windows_path(args.python)
    if args.prefix is not None:
        if args.prefix.exists():
            raise SystemExit(f"{args.prefix} exists: the test needs a fresh Wine prefix")
        return 0 if test_msi(args.msi.resolve(), args.bundle, args.prefix, args) else 1
    with tempfile.TemporaryDirectory(prefix="imap-archiver-msi-") as tmp:
        return 0 if test_msi(args.msi.resolve(), args.bundle, Path(tmp) / "prefix", args) else 1


if __name__ == "__main__":
    sys.exit(main())
