"""Before Qt starts on Linux: are the system libraries of its X11 platform plugin there?

PySide6 brings Qt but not the X11 libraries its ``xcb`` platform plugin links to. Where some
are missing (``libxcb-cursor0``, ``libxcb-icccm4`` … on a fresh Debian or Ubuntu), Qt aborts
the process (SIGABRT) with "Reinstalling the application may fix this", which is wrong and
helps nobody. The app asks ``ldd`` first and names the packages to install instead.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# Libraries Qt's xcb plugin needs, by the Debian/Ubuntu package that has them.
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libGLX.so.0": "libglx0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
}
NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def xcb_wanted(env: Mapping[str, str]) -> bool:
    """Whether Qt will load its xcb plugin: asked for, or the default outside Wayland."""
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform:
        return "xcb" in platform.split(";")
    return not env.get("WAYLAND_DISPLAY")


def missing_libraries(ldd_output: str) -> list[str]:
    """Return the libraries ``ldd`` could not find, in order, each once."""
    return list(dict.fromkeys(NOT_FOUND.findall(ldd_output)))


def packages_for(libraries: list[str]) -> list[str]:
    """Return the Debian/Ubuntu packages that hold *libraries* (a library's name if unknown)."""
    return list(dict.fromkeys(PACKAGES.get(name, name) for name in libraries))


def _xcb_plugin_files() -> list[Path]:
    """The xcb plugin and its Qt library, where pip put PySide6; none in other layouts."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    qt = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    files = [qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"]
    return [file for file in files if file.exists()]


def missing_xcb_packages(env: Mapping[str, str] = os.environ) -> list[str]:
    """Return the packages to install before Qt's xcb plugin can load (empty: none, or it
    will not be used, or this cannot be told here)."""
    if not sys.platform.startswith("linux") or not xcb_wanted(env):
        return []
    ldd = shutil.which("ldd")
    files = _xcb_plugin_files()
    if ldd is None or not files:
        return []
    try:
        found = subprocess.run(
            [ldd, *map(str, files)], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    return packages_for(missing_libraries(found.stdout))
