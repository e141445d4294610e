"""The scripts of packaging/ (build.py, msi.py), loaded as modules for their tests."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"


@contextmanager
def packaging_script(stem: str) -> Iterator[ModuleType]:
    """packaging/<stem>.py, loaded from its file; registered in sys.modules while in use
    (msi.py's dataclasses look their module up there)."""
    name = f"packaging_{stem}"
    spec = importlib.util.spec_from_file_location(name, PACKAGING / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]
