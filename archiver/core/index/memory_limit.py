"""A process's own memory, limited where the system can enforce it.

The PDF helper (reader_process) limits itself before it reads a file, so that a PDF made to
exhaust memory fails in the helper (one unreadable attachment) instead of starving the
machine. Linux limits the address space (RLIMIT_AS). Windows limits the committed memory of
the processes in a Job Object: the helper puts itself into a job of its own (jobs nest since
Windows 8), whose limit makes an allocation beyond it fail. macOS does not enforce RLIMIT_AS,
so there only the helper's time is bounded.

Wine accepts a job's memory limit and does not enforce it (nor report it back); CI runs this
code under Wine, so the calls are tested there, their effect only on Linux and Windows.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)


def limit_own_memory(limit: int) -> bool:
    """Limit this process's memory to *limit* bytes where the system enforces it.

    Returns whether a limit is in place; a system that refuses costs the limit, never the
    work (logged).
    """
    if sys.platform == "linux":
        import resource  # noqa: PLC0415

        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        return True
    if sys.platform == "win32":
        return _join_limited_job(limit)
    return False


if sys.platform == "win32":
    from ctypes import wintypes

    _JOB_OBJECT_LIMIT_PROCESS_MEMORY = 0x0100
    _EXTENDED_LIMIT_INFORMATION = 9  # JobObjectExtendedLimitInformation

    class _BasicLimits(ctypes.Structure):
        """JOBOBJECT_BASIC_LIMIT_INFORMATION."""

        _fields_ = (
            ("PerProcessUserTimeLimit", ctypes.c_int64),
            ("PerJobUserTimeLimit", ctypes.c_int64),
            ("LimitFlags", wintypes.DWORD),
            ("MinimumWorkingSetSize", ctypes.c_size_t),
            ("MaximumWorkingSetSize", ctypes.c_size_t),
            ("ActiveProcessLimit", wintypes.DWORD),
            ("Affinity", ctypes.c_size_t),
            ("PriorityClass", wintypes.DWORD),
            ("SchedulingClass", wintypes.DWORD),
        )

    class _IoCounters(ctypes.Structure):
        """IO_COUNTERS."""

        _fields_ = tuple(
            (name, ctypes.c_uint64)
            for name in (
                "ReadOperationCount",
                "WriteOperationCount",
                "OtherOperationCount",
                "ReadTransferCount",
                "WriteTransferCount",
                "OtherTransferCount",
            )
        )

    class _ExtendedLimits(ctypes.Structure):
        """JOBOBJECT_EXTENDED_LIMIT_INFORMATION."""

        _fields_ = (
            ("BasicLimitInformation", _BasicLimits),
            ("IoInfo", _IoCounters),
            ("ProcessMemoryLimit", ctypes.c_size_t),
            ("JobMemoryLimit", ctypes.c_size_t),
            ("PeakProcessMemoryUsed", ctypes.c_size_t),
            ("PeakJobMemoryUsed", ctypes.c_size_t),
        )

    def _join_limited_job(limit: int) -> bool:
        """Put this process into a new Job Object whose processes may commit *limit* bytes."""
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.CreateJobObjectW.restype = wintypes.HANDLE
        kernel32.CreateJobObjectW.argtypes = (ctypes.c_void_p, wintypes.LPCWSTR)
        kernel32.SetInformationJobObject.argtypes = (
            wintypes.HANDLE,
            ctypes.c_int,
            ctypes.c_void_p,
            wintypes.DWORD,
        )
        kernel32.AssignProcessToJobObject.argtypes = (wintypes.HANDLE, wintypes.HANDLE)
        kernel32.GetCurrentProcess.restype = wintypes.HANDLE
        kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
        job = kernel32.CreateJobObjectW(None, None)
        if not job:
            log.info("No memory limit: CreateJobObject failed (%d)", ctypes.get_last_error())
            return False
        limits = _ExtendedLimits()
        limits.BasicLimitInformation.LimitFlags = _JOB_OBJECT_LIMIT_PROCESS_MEMORY
        limits.ProcessMemoryLimit = limit
        if not kernel32.SetInformationJobObject(
            job, _EXTENDED_LIMIT_INFORMATION, ctypes.byref(limits), ctypes.sizeof(limits)
        ) or not kernel32.AssignProcessToJobObject(job, kernel32.GetCurrentProcess()):
            log.info("No memory limit: the job was refused (%d)", ctypes.get_last_error())
            kernel32.CloseHandle(job)
            return False
        return True  # the job's handle stays open for the process's life: no need to keep it
