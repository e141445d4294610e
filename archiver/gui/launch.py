"""The app's executable (``imap-archiver-gui``): a way in that imports nothing of the app.

The app starts helper processes (an archive run's search indexer, the PDF reader, the index
writer's workers), each a fresh Python, and multiprocessing has each of them run the
executable's script again first: installed, the script pip wrote, which imports this module;
packaged, the executable itself, up to freeze_support(). When that script imported the app
(PySide6 and every page), each helper spent its first second and over 70 MB on a GUI it
never shows (a helper started so on Linux held 91 MiB before it did anything, against 14 MiB
now). So the app is imported here only when the executable runs as the app.
"""

from __future__ import annotations

import sys
from typing import NoReturn


def entry() -> NoReturn:
    """Run a helper process that the packaged app started, else the app (gui.app.entry)."""
    if getattr(sys, "frozen", False):
        import multiprocessing  # noqa: PLC0415  # only the packaged app starts helpers so

        multiprocessing.freeze_support()
    from archiver.gui.app import entry as run_the_app  # noqa: PLC0415  # see the docstring

    run_the_app()
