"""Update the translation sources from the code, and compile them for the app.

    python packaging/translations.py           # lupdate: new strings into archiver_de.ts
    python packaging/translations.py --check   # exit 1 if the .ts or .qm is out of date

Translate with Qt Linguist (pyside6-linguist) or any editor of .ts files, then run the
script again to compile the .qm that the app loads. tests/gui/test_translations.py checks
that both are current.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "archiver" / "gui"
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("de",)


def _tool(name: str) -> str:
    """Find a PySide6 tool beside the running Python (a venv's bin), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found; it comes with PySide6 (PySide6-Essentials)")
    return found


def python_sources() -> list[str]:
    """The GUI's Python files, in a stable order."""
    return sorted(str(p.relative_to(ROOT)) for p in SOURCES.rglob("*.py"))


def update_ts(ts: Path) -> None:
    """Add the code's strings to *ts* (keeping translations), dropping vanished ones."""
    subprocess.run(
        [_tool("pyside6-lupdate"), *python_sources(), "-no-obsolete", "-locations", "none",
         "-silent", "-ts", str(ts)],
        cwd=ROOT,
        check=True,
    )  # fmt: skip


def compile_qm(ts: Path, qm: Path) -> None:
    """Compile *ts* into the binary *qm* the app loads."""
    subprocess.run(
        [_tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], cwd=ROOT, check=True
    )


def check(language: str) -> list[str]:
    """Return what is out of date for *language* (empty when the .ts and .qm are current)."""
    ts = TRANSLATIONS / f"archiver_{language}.ts"
    qm = TRANSLATIONS / f"archiver_{language}.qm"
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh_ts = Path(tmp) / ts.name
        shutil.copy(ts, fresh_ts)
        update_ts(fresh_ts)
        if fresh_ts.read_bytes() != ts.read_bytes():
            problems.append(f"{ts.name} lacks strings of the code (run {Path(__file__).name})")
        fresh_qm = Path(tmp) / qm.name
        compile_qm(ts, fresh_qm)
        if not qm.exists() or fresh_qm.read_bytes() != qm.read_bytes():
            problems.append(f"{qm.name} is not compiled from {ts.name}")
    return problems


def main() -> int:
    """Update and compile every translation, or with --check only report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report, change nothing")
    args = parser.parse_args()
    if args.check:
        problems = [p for language in LANGUAGES for p in check(language)]
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    for language in LANGUAGES:
        ts = TRANSLATIONS / f"archiver_{language}.ts"
        update_ts(ts)
        compile_qm(ts, TRANSLATIONS / f"archiver_{language}.qm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
