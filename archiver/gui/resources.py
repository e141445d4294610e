"""One way to find the app's resources (icons, translations), installed or in a checkout."""

from __future__ import annotations

import importlib
from pathlib import Path, PurePosixPath

_CHECKOUT = Path(__file__).resolve().parents[2] / "resources"


def resource_path(name: str) -> Path:
    """Return the path of resource *name* ("icons/x.svg"); relative names only, no "..".

    The wheel maps ``resources/`` to the package ``archiver.resources``; a checkout that was
    not installed finds them beside the package.
    """
    parts = PurePosixPath(name)
    if parts.is_absolute() or ".." in parts.parts or not parts.parts:
        raise ValueError(f"invalid resource name {name!r}")
    try:
        package = importlib.import_module("archiver.resources")
    except ModuleNotFoundError:
        root = _CHECKOUT
    else:
        # resources/ has no __init__.py: archiver.resources is a namespace package, for which
        # importlib.resources.files() returns a MultiplexedPath whose str() is no path (3.11).
        root = Path(next(iter(package.__path__)))
    return root.joinpath(*parts.parts)
