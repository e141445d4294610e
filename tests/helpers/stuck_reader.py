"""PDF readers for the helper process that misbehave as a hostile PDF makes PDFium do.

No PDF we can make hangs PDFium for good or crashes it, so the helper process
(archiver.core.index.reader_process) is given one of these instead of read_pdf_here. They
live in a module of their own because the spawned helper imports them by name.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading

from archiver.core.index.attachments_text import AttachmentText, Limits, read_pdf_here


def hang_or_read(name: str, data: bytes, limits: Limits) -> list[AttachmentText]:
    """Never return for a file named ``haengt*``, end the process for ``absturz*``; else read."""
    name_only = name.rpartition("/")[2]  # zip members are named akte.zip/haengt.pdf
    if name_only.startswith("haengt"):
        threading.Event().wait()  # one call that does not end, like a stuck PDFium call
    if name_only.startswith("absturz"):
        os._exit(3)  # as a crash in native code ends the process
    return read_pdf_here(name, data, limits)


def allocate(name: str, data: bytes, limits: Limits) -> list[AttachmentText]:
    """Try to take 2 GB of memory; say whether the helper's memory limit refused it."""
    try:
        block = bytearray(2 * 2**30)
    except MemoryError:
        return [AttachmentText(name, unreadable="memory refused")]
    return [AttachmentText(name, text=f"took {len(block)} bytes")]


def in_job(name: str, data: bytes, limits: Limits) -> list[AttachmentText]:
    """Say whether the helper process runs in a Job Object (Windows)."""
    assert sys.platform == "win32"
    from ctypes import wintypes  # noqa: PLC0415

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    kernel32.IsProcessInJob.argtypes = (
        wintypes.HANDLE,
        wintypes.HANDLE,
        ctypes.POINTER(wintypes.BOOL),
    )
    inside = wintypes.BOOL()
    if not kernel32.IsProcessInJob(kernel32.GetCurrentProcess(), None, ctypes.byref(inside)):
        return [
            AttachmentText(name, unreadable=f"IsProcessInJob failed: {ctypes.get_last_error()}")
        ]  # type: ignore[attr-defined]
    return [AttachmentText(name, text="in a job" if inside.value else "not in a job")]
