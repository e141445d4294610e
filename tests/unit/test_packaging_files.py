"""The desktop integration files agree with the app and each other; the icons are complete.

Qt-free and fast: the PNG and ICO headers are read here, the application id from the source.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import shutil
import struct
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from archiver import __version__

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
ICONS = RESOURCES / "icons"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)


def app_id() -> str:
    """APP_ID from archiver/gui/app.py, read without importing Qt."""
    tree = ast.parse((ROOT / "archiver" / "gui" / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
            "APP_ID"
        ]:
            assert isinstance(node.value, ast.Constant)
            return str(node.value.value)
    raise AssertionError("no APP_ID in archiver/gui/app.py")


APP_ID = app_id()
DESKTOP = RESOURCES / f"{APP_ID}.desktop"
METAINFO = RESOURCES / f"{APP_ID}.metainfo.xml"


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def metainfo() -> ET.Element:
    return ET.parse(METAINFO).getroot()


def scripts() -> dict[str, dict[str, str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {"console": project["scripts"], "gui": project["gui-scripts"]}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is no PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def ico_entries(data: bytes) -> list[tuple[int, bytes]]:
    """(size, image) of each entry of an .ico file, read independently of its writer."""
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1), "not an icon file"
    entries = []
    for index in range(count):
        width, height, _, _, planes, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index
        )
        assert width == height and (planes, bits) == (1, 32)
        entries.append((width or 256, data[offset : offset + length]))
    return entries


def render_icons() -> ModuleType:
    """packaging/render_icons.py (its ICO functions are Qt-free)."""
    spec = importlib.util.spec_from_file_location(
        "render_icons", ROOT / "packaging" / "render_icons.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the .desktop file ------------------------------------------------------------------------


def test_desktop_file_starts_the_app_with_its_id_as_icon():
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"] in scripts()["gui"]
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    assert {"Office", "Network", "Email"} <= set(entry["Categories"].split(";"))


def test_desktop_file_speaks_german():
    entry = desktop_entry()
    for key in ("Name", "GenericName", "Comment", "Keywords"):
        assert entry.get(f"{key}[de]"), f"{key}[de] is missing"
    assert entry["Comment[de]"] != entry["Comment"]


# --- the AppStream metainfo -------------------------------------------------------------------


def test_metainfo_names_the_app_its_desktop_file_and_commands():
    root = metainfo()
    entry = desktop_entry()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("name") == entry["Name"]
    launchable = root.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert launchable.text == DESKTOP.name
    binaries = {b.text for b in root.iterfind("provides/binary")}
    assert binaries == set(scripts()["console"]) | set(scripts()["gui"])
    categories = {c.text for c in root.iterfind("categories/category")}
    assert categories == {c for c in entry["Categories"].split(";") if c}


def test_metainfo_licences_rating_and_current_release():
    root = metainfo()
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license")
    assert root.find("content_rating") is not None
    releases = [r.get("version") for r in root.iterfind("releases/release")]
    assert releases and releases[0] == __version__, "the newest release comes first"


def test_metainfo_every_text_has_a_german_translation():
    root = metainfo()
    for path in ("summary", "description/p", "description/ul/li", "screenshots/screenshot/caption"):
        texts = list(root.iterfind(path))
        english = [t for t in texts if t.get(XML_LANG) is None]
        german = [t for t in texts if t.get(XML_LANG) == "de"]
        assert english and len(german) == len(english), path


def test_metainfo_screenshots_are_the_docs_screenshots():
    images = [i.text or "" for i in metainfo().iterfind("screenshots/screenshot/image")]
    assert images
    for url in images:
        assert url.startswith("https://")
        assert (ROOT / "docs" / "screenshots" / url.rsplit("/", 1)[1]).is_file(), url


# --- icons ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", PNG_SIZES)
def test_png_icon_at_every_size(size):
    assert png_size(ICONS / f"imap-archiver-{size}.png") == (size, size)


def test_ico_holds_the_pngs_up_to_256():
    entries = ico_entries((ICONS / "imap-archiver.ico").read_bytes())
    assert [size for size, _ in entries] == [s for s in PNG_SIZES if s <= 256]
    for size, image in entries:
        assert image == (ICONS / f"imap-archiver-{size}.png").read_bytes()


def test_ico_writer_round_trip_and_refusals():
    tool = render_icons()
    pngs = {size: (ICONS / f"imap-archiver-{size}.png").read_bytes() for size in (16, 256)}
    data = tool.ico_bytes(pngs)
    assert ico_entries(data) == [(16, pngs[16]), (256, pngs[256])]
    assert tool.ico_sizes(data) == [16, 256]
    with pytest.raises(ValueError, match="square PNG of 32"):
        tool.ico_bytes({32: pngs[16]})  # the size must match the image
    with pytest.raises(ValueError, match="at most 256"):
        tool.ico_bytes({512: (ICONS / "imap-archiver-512.png").read_bytes()})
    with pytest.raises(ValueError, match="at least one"):
        tool.ico_bytes({})


# The .icns types that hold PNG images, and the pixel size of each (Apple's icns format, as
# iconutil writes it); read independently of the writer in packaging/render_icons.py.
ICNS_PNG_TYPES = {
    b"icp4": 16,
    b"icp5": 32,
    b"ic11": 32,
    b"ic12": 64,
    b"ic07": 128,
    b"ic13": 256,
    b"ic08": 256,
    b"ic14": 512,
    b"ic09": 512,
}


def icns_entries(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of each entry of an .icns file; asserts the lengths add up."""
    magic, total = struct.unpack_from(">4sI", data)
    assert magic == b"icns" and total == len(data), "not an .icns file, or truncated"
    entries, offset = [], 8
    while offset < total:
        kind, length = struct.unpack_from(">4sI", data, offset)
        assert 8 < length <= total - offset, f"{kind!r}: bad length {length}"
        entries.append((kind, data[offset + 8 : offset + length]))
        offset += length
    return entries


def test_icns_holds_each_png_under_the_types_macos_reads():
    entries = icns_entries((ICONS / "imap-archiver.icns").read_bytes())
    assert [kind for kind, _ in entries] == list(ICNS_PNG_TYPES)
    for kind, image in entries:
        size = ICNS_PNG_TYPES[kind]
        assert image == (ICONS / f"imap-archiver-{size}.png").read_bytes(), kind


def test_icns_writer_round_trip_and_refusals():
    tool = render_icons()
    pngs = {size: (ICONS / f"imap-archiver-{size}.png").read_bytes() for size in PNG_SIZES}
    data = tool.icns_bytes(pngs)
    assert data == (ICONS / "imap-archiver.icns").read_bytes()  # committed = regenerated
    assert tool.icns_entries(data) == dict(icns_entries(data))
    with pytest.raises(ValueError, match="ic14 needs a square PNG of 512"):
        tool.icns_bytes({**pngs, 512: pngs[256]})
    with pytest.raises(ValueError, match="truncated"):
        tool.icns_entries(data[:-1])


def test_spec_gives_the_macos_app_the_icns():
    spec = (ROOT / "packaging" / "imap-archiver.spec").read_text(encoding="utf-8")
    assert '"imap-archiver.icns"' in spec
    assert "icon=icon," in spec.split("BUNDLE(", 1)[1]


# --- the freedesktop validators, where installed ----------------------------------------------


def run_validator(tool: str, package: str, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which(tool)
    if binary is None:
        pytest.skip(f"{tool} is not installed (Debian: apt-get install {package})")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60, check=False)


def test_appstreamcli_accepts_the_metainfo():
    result = run_validator("appstreamcli", "appstream", "validate", "--no-net", str(METAINFO))
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_file_validate_accepts_the_desktop_file():
    result = run_validator("desktop-file-validate", "desktop-file-utils", str(DESKTOP))
    assert result.returncode == 0, result.stdout + result.stderr
    # Hints (several main categories, as asked for) are fine; errors and warnings are not.
    assert "error:" not in result.stdout and "warning:" not in result.stdout, result.stdout
