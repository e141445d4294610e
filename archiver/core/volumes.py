"""What a folder's file system allows: its type, and the largest file it takes.

A backup goes to external disks, which often come formatted FAT32 (at most 4 GiB - 1 byte
per file) or exFAT. Knowing the type before copying lets a backup refuse a file that cannot
fit with a clear message instead of failing half-way. Where the type cannot be found (macOS,
an unusual mount), nothing is refused up front; the write error (EFBIG) still explains it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# FAT12/16/32 store a file's size in 32 bits. exFAT, NTFS and the rest take far more.
FAT_MAX_FILE = 4 * 1024**3 - 1
# Linux names (vfat, msdos, umsdos) and Windows' GetVolumeInformationW names (FAT, FAT32).
FAT_TYPES = frozenset({"vfat", "msdos", "umsdos", "fat", "fat12", "fat16", "fat32"})
MOUNTINFO = Path("/proc/self/mountinfo")
_OCTAL = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True, slots=True)
class Mount:
    """One line of /proc/self/mountinfo: where a file system is mounted, and its type."""

    mount_point: str
    fs_type: str


def parse_mountinfo(text: str) -> list[Mount]:
    """Return the mounts of a /proc/self/mountinfo text (proc(5)); bad lines are skipped.

    Fields: ID, parent ID, major:minor, root, mount point, options, optional fields ended
    by ``-``, then the type. Spaces and the like in paths are written as octal escapes.
    """
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        try:
            separator = fields.index("-", 6)
            point, fs_type = fields[4], fields[separator + 1]
        except (ValueError, IndexError):
            continue
        mounts.append(Mount(_OCTAL.sub(lambda m: chr(int(m.group(1), 8)), point), fs_type))
    return mounts


def mount_of(path: Path, mounts: list[Mount]) -> Mount | None:
    """Return the mount that holds *path* (absolute, links resolved): the deepest one, the
    last mounted where several share a mount point."""
    best: Mount | None = None
    for mount in mounts:
        point = Path(mount.mount_point)
        if (path == point or point in path.parents) and (
            best is None or len(point.parts) >= len(Path(best.mount_point).parts)
        ):
            best = mount
    return best


def filesystem_type(path: Path) -> str | None:
    """Return the type of the file system holding *path* (an existing folder), or None.

    Linux: from /proc/self/mountinfo (``vfat``, ``exfat``, ``ext4``, ``fuseblk``, ...);
    Windows: the volume's file system name (``FAT32``, ``exFAT``, ``NTFS``); elsewhere None.
    """
    if sys.platform == "win32":
        return _windows_type(path)
    if sys.platform.startswith("linux"):
        try:
            mounts = parse_mountinfo(MOUNTINFO.read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            log.debug("Cannot read %s: %s", MOUNTINFO, exc)
            return None
        mount = mount_of(Path(os.path.realpath(path)), mounts)
        return mount.fs_type if mount is not None else None
    return None


def max_file_size(fs_type: str | None) -> int | None:
    """Return the largest file a file system of *fs_type* takes, or None when not limited
    below anything an archive holds (or the type is unknown)."""
    if fs_type is not None and fs_type.lower() in FAT_TYPES:
        return FAT_MAX_FILE
    return None


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    def _windows_type(path: Path) -> str | None:
        """Ask Windows for the file system name of the volume holding *path*."""
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        root = ctypes.create_unicode_buffer(1024)
        if not kernel32.GetVolumePathNameW(wintypes.LPCWSTR(str(path)), root, len(root)):
            log.debug("GetVolumePathNameW(%s) failed: %d", path, ctypes.get_last_error())
            return None
        name = ctypes.create_unicode_buffer(64)
        if not kernel32.GetVolumeInformationW(root, None, 0, None, None, None, name, len(name)):
            log.debug("GetVolumeInformationW(%s) failed: %d", root.value, ctypes.get_last_error())
            return None
        return str(name.value)

else:

    def _windows_type(path: Path) -> str | None:
        return None
