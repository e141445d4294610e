"""PyInstaller runtime hook: child processes get the user's library path, not the bundle's.

On Linux (and other Unix but macOS) the bootloader puts the bundle's folder in front of
LD_LIBRARY_PATH (LIBPATH on AIX), keeping the user's value in LD_LIBRARY_PATH_ORIG, and every
child process would inherit it: the user's password command (``pass``, ``secret-tool``,
``gpg``) or the mail program that Qt opens would load our copies of libssl, libz or libstdc++
and may fail. The running process is unaffected: the dynamic loader reads the variable once,
at start-up. packaging/build.py checks the result with a password command.
"""

import os
import sys

if sys.platform not in ("win32", "darwin"):
    _name = "LIBPATH" if sys.platform.startswith("aix") else "LD_LIBRARY_PATH"
    _orig = os.environ.pop(f"{_name}_ORIG", None)
    if _orig is not None:
        os.environ[_name] = _orig
    else:  # the user had none: the bootloader's value is all there is
        os.environ.pop(_name, None)
