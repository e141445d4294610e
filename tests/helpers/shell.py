"""Password commands for the tests, in the syntax of the shell that runs them.

``run_password_command`` runs the user's command through the shell: ``sh`` on Linux and
macOS, ``cmd.exe`` on Windows, which has neither ``cat`` nor ``printf`` nor ``;``.
"""

from __future__ import annotations

import sys
from pathlib import Path

WINDOWS = sys.platform == "win32"


def print_file(path: Path) -> str:
    """Return a command that prints the file at *path* as it is (a password file)."""
    return f'type "{path}"' if WINDOWS else f'cat "{path}"'


def print_lines(*lines: str) -> str:
    """Return a command that prints each of *lines* (plain words: nothing is quoted)."""
    separator = "& " if WINDOWS else "; "
    return separator.join(f"echo {line}" for line in lines)


def print_and_exit(output: str, code: int) -> str:
    """Return a command that prints *output* (a plain word) and exits with *code*."""
    return print_lines(output) + ("& " if WINDOWS else "; ") + f"exit {code}"
