"""Missing X11 libraries: the app names the packages instead of letting Qt abort."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from archiver.gui.preflight import missing_libraries, missing_xcb_packages, packages_for, xcb_wanted

LDD = """\
/x/libqxcb.so:
\tlinux-vdso.so.1 (0x00007ffc)
\tlibQt6XcbQpa.so.6 => /x/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
/x/libQt6XcbQpa.so.6:
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-weird.so.9 => not found
"""


def test_ldd_output_becomes_the_packages_to_install():
    libraries = missing_libraries(LDD)
    assert libraries == [
        "libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-weird.so.9"
    ]  # fmt: skip
    assert packages_for(libraries) == [
        "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-weird.so.9"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("env", "wanted"),
    [
        ({}, True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"QT_QPA_PLATFORM": "offscreen"}, False),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, True),
        ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, True),
    ],
)
def test_only_where_qt_will_load_its_xcb_plugin(env, wanted):
    assert xcb_wanted(env) is wanted


def test_the_app_names_the_missing_packages_instead_of_aborting(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env |= {"DISPLAY": ":99", "IMAP_ARCHIVER_HOME": str(tmp_path), "LANGUAGE": "en"}
    missing = missing_xcb_packages(env)
    if not missing:
        pytest.skip("Qt's xcb plugin has every library it needs here (or this is not Linux)")
    started = subprocess.run(
        [sys.executable, "-c", "import sys; from archiver.gui.app import main; sys.exit(main([]))"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode == 1, started.stderr  # not a SIGABRT (-6)
    assert "cannot open its window" in started.stderr
    assert f"sudo apt-get install {' '.join(missing)}" in started.stderr
