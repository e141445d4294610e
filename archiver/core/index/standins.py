"""Import Whoosh without modules it imports at its start and a search never uses.

Every command-line search is a fresh process, and Whoosh's imports were most of its time
(docs/PERFORMANCE.md). Some of them serve nothing we call: ``whoosh.compat`` imports
``urllib.request`` (HTTP, SSL, email: about 35 ms) for ``urlretrieve`` and ``html`` (its
entity tables: about 1.5 ms) for ``escape``; ``whoosh.reading`` imports the
``cached_property`` package, which imports asyncio (about 45 ms) for coroutine support;
``whoosh.query.terms`` imports the English morphology tables (compiling hundreds of
patterns: about 20 ms) for the ``Variations`` query; ``whoosh.analysis.analyzers`` and
``whoosh.analysis.morph`` import the Porter stemmer and the double metaphone (compiled
patterns: about 3 ms) for analyzers our schema does not use (its stemmers are the German
and English Snowball ones). While exactly those Whoosh modules are executed, a stand-in
takes the place of the module they import:

- ``urlretrieve``, ``escape``, ``variations``, ``stem`` and ``double_metaphone`` forward to
  the real function, importing its module on the first call, so they still work if
  anything calls them;
- ``cached_property`` is the standard library's, which does the same for methods (ours are
  not coroutines: the package's only difference).

Each stand-in is removed right after the Whoosh module ran, so any other import of those
names gets the real module. The stand-ins apply when :func:`install` ran before Whoosh was
imported; otherwise Whoosh imports as usual. Only the command line's ``search`` installs
them, while its process has one thread: a thread importing ``urllib.request`` while a
stand-in sits in sys.modules would get the stand-in (the app imports Whoosh in its workers).
tests/unit/test_library_internals.py checks that Whoosh still imports these names.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
from collections.abc import Callable
from importlib.machinery import ModuleSpec
from typing import Any


def _forwarder(module: str, name: str) -> Callable[..., Any]:
    """Return a function that calls *module*'s *name*, importing the module on the first call."""

    def forward(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    forward.__name__ = forward.__qualname__ = name
    return forward


STANDIN_DOC = "A stand-in while Whoosh imports (archiver standins.py)."


def _module(name: str, **attributes: object) -> types.ModuleType:
    module = types.ModuleType(name, STANDIN_DOC)
    module.__dict__.update(attributes)
    return module


# For each Whoosh module: the modules it imports that get a stand-in while it runs.
STANDINS: dict[str, dict[str, Callable[[], types.ModuleType]]] = {
    "whoosh.compat": {
        "urllib.request": lambda: _module(
            "urllib.request", urlretrieve=_forwarder("urllib.request", "urlretrieve")
        ),
        "html": lambda: _module("html", escape=_forwarder("html", "escape")),
    },
    "whoosh.analysis.analyzers": {
        "whoosh.lang.porter": lambda: _module(
            "whoosh.lang.porter", stem=_forwarder("whoosh.lang.porter", "stem")
        ),
    },
    "whoosh.analysis.morph": {
        "whoosh.lang.dmetaphone": lambda: _module(
            "whoosh.lang.dmetaphone",
            double_metaphone=_forwarder("whoosh.lang.dmetaphone", "double_metaphone"),
        ),
        "whoosh.lang.porter": lambda: _module(
            "whoosh.lang.porter", stem=_forwarder("whoosh.lang.porter", "stem")
        ),
    },
    "whoosh.reading": {
        "cached_property": lambda: _module(
            "cached_property", cached_property=functools.cached_property
        ),
    },
    "whoosh.query.terms": {
        "whoosh.lang.morph_en": lambda: _module(
            "whoosh.lang.morph_en", variations=_forwarder("whoosh.lang.morph_en", "variations")
        ),
    },
}


class _StandInLoader:
    """Run a module's own loader with the stand-ins of its imports in sys.modules."""

    def __init__(self, loader: Any, standins: dict[str, Callable[[], types.ModuleType]]) -> None:
        self._loader = loader
        self._standins = standins

    def __getattr__(self, name: str) -> Any:
        # The rest of the loader's interface (get_source for inspect, get_code, is_package,
        # a packaged app's own methods) is the real loader's.
        return getattr(self._loader, name)

    def create_module(self, spec: ModuleSpec) -> types.ModuleType | None:
        create = getattr(self._loader, "create_module", None)
        return None if create is None else create(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        placed = [name for name in self._standins if name not in sys.modules]  # real ones stay
        for name in placed:
            sys.modules[name] = self._standins[name]()
        try:
            self._loader.exec_module(module)
        finally:
            for name in placed:
                sys.modules.pop(name, None)


class _StandInFinder:
    """A meta path finder for the Whoosh modules of STANDINS: found by the other finders
    (a packaged app's included), loaded by their loader under the stand-ins."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> ModuleSpec | None:
        standins = STANDINS.get(name)
        if standins is None:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec: ModuleSpec | None = find(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _StandInLoader(spec.loader, standins)  # type: ignore[assignment]
                return spec
        return None


def install() -> None:
    """Put the stand-ins in place for Whoosh's next import (once per process)."""
    if not any(isinstance(finder, _StandInFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _StandInFinder())
