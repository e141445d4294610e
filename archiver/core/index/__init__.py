"""The search index: schema, text analysis, MIME extraction, indexing and search."""

from archiver.core.index import standins

standins.install()  # before any of the package's modules imports Whoosh: see standins.py
