"""The snippet under each search hit, and the attachments whose text matched.

Made for the hits shown only (the command line prints 50), each as cheaply as it can be
exact: from the preview the index stores where that shows the same snippet as the body
would (the preview is the body's first 300 characters: enough for queries without words,
such as ``from:`` or ``size:``, and for words near the start), else from the message file,
parsed again. A fresh command-line process pays for every import and every parse
(docs/PERFORMANCE.md), so reading files and parsing MIME are imported when a hit needs them.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from whoosh import query as wq

from archiver.core.catalog import Record
from archiver.core.errors import StoreError
from archiver.core.index.search import (
    WORD,
    AttachmentMatch,
    Hit,
    Snippet,
    make_snippet,
    matched_attachments,
    names_words,
    word_matcher,
)

log = logging.getLogger(__name__)

# Messages bigger than this are read thinned for snippets (see indexer.indexable_bytes).
SNIPPET_THIN = 256 * 1024
# The stored preview's length when the body is at least as long (indexer.PREVIEW_CHARS).
PREVIEW_CHARS = 300
WIDTH = 200  # of a snippet (make_snippet's default)


class HitSnippets:
    """Snippets for the hits of one search, below *archive_root*."""

    def __init__(self, archive_root: Path, parsed: wq.Query) -> None:
        self._root = archive_root
        matches = word_matcher(parsed)
        self._has_words = names_words(matches)
        # A word is tested once for all the hits (stemming it is most of a test's cost).
        self._matches = functools.cache(matches)

    def snippet(self, record: Record | None, hit: Hit) -> tuple[Snippet, list[AttachmentMatch]]:
        """Return the hit's snippet, and the attachments whose text matched.

        The snippet comes from the body where the body matched, else from the first matching
        attachment; the stored preview if the file is unreadable. Attachments are read again
        (as the indexer read them) only for a query with words and a hit with attachments.
        """
        if record is None:
            return Snippet(hit.preview, ()), []
        reads_attachments = bool(hit.attachments) and self._has_words
        if not reads_attachments and (snippet := self.from_preview(hit.preview)) is not None:
            return snippet, []
        try:
            return self._from_file(record, hit, reads_attachments)
        except StoreError as exc:
            log.warning("%s", exc)
            return Snippet(hit.preview, ()), []

    def from_preview(self, preview: str) -> Snippet | None:
        """Return the snippet of the body that *preview* starts, or None if it cannot tell.

        The preview is the start of the body with its white space made single spaces, as
        make_snippet makes it, cut at PREVIEW_CHARS. A full preview shows what make_snippet
        shows of the whole body if the first matching word ends inside it and the window
        from a little before that word ends inside it too (where the window ends, and the
        ``…`` after it, depend on the text beyond). A shorter preview may be the whole body,
        or the body may start with much white space: unknown.
        """
        if len(preview) < PREVIEW_CHARS:
            return None
        # Words cut at the preview's end may be longer in the body: they do not count.
        complete = (m for m in WORD.finditer(preview) if m.end() < len(preview))
        first = next((m.start() for m in complete if self._matches(m.group())), None)
        start = 0
        if first is not None:  # where make_snippet starts its window
            start = max(0, first - WIDTH // 4)
            if start:
                space = preview.find(" ", start)
                start = space + 1 if 0 <= space < first else start
        elif self._has_words:
            return None  # the first match may lie beyond the preview
        if start + WIDTH >= len(preview):
            return None
        return make_snippet(preview, self._matches, WIDTH)

    def _from_file(
        self, record: Record, hit: Hit, reads_attachments: bool
    ) -> tuple[Snippet, list[AttachmentMatch]]:
        """Return the snippet and matching attachments from the message file (StoreError)."""
        # Here, not at the top: most of a search's hits need none of this (see the docstring).
        from archiver.core.index.extract import extract  # noqa: PLC0415
        from archiver.core.store.reading import read_message  # noqa: PLC0415

        if reads_attachments:
            from archiver.core.index.indexer import indexable_bytes, thinning_cut  # noqa: PLC0415
            from archiver.core.index.reader_process import costly_attachments  # noqa: PLC0415

            data = indexable_bytes(self._root, record)
            skip = costly_attachments(hit.unreadable)
            content = extract(data, cut_at=thinning_cut(record), skip=skip)
        elif record.size <= SNIPPET_THIN:  # what indexable_bytes does, without importing it
            data = read_message(self._root, record)
            content = extract(data, attachments=False)
        else:  # thinned: the snippet needs the text, not the attachments' base64
            from archiver.core.index.indexer import indexable_bytes  # noqa: PLC0415

            content = extract(indexable_bytes(self._root, record, SNIPPET_THIN), attachments=False)
        snippet = make_snippet(content.body, self._matches, WIDTH)
        inside = matched_attachments(content.inside, self._matches)
        if inside and not snippet.spans:
            snippet = inside[0].snippet
        return snippet, inside
