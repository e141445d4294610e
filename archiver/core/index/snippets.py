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
    snippet_at,
    word_matcher,
)

log = logging.getLogger(__name__)

# Messages bigger than this are read thinned for snippets (see indexer.indexable_bytes).
SNIPPET_THIN = 256 * 1024
# The stored preview's length when the body is at least as long (indexer.PREVIEW_CHARS).
PREVIEW_CHARS = 300
WIDTH = 200  # of a snippet (make_snippet's default)
# Why the index could not read an attachment, where reading it again must end the same way
# (the same bytes, the same limits: attachments_text): a PDF that PDFium refuses or none of
# whose pages opens, a file over the size limit. None of them holds files inside (a zip's
# or a mail's members are read before such an end and are named apart).
REFUSED = ("not a readable PDF (", "no page of the PDF could be read (", "larger than ")
# Characters of a body made flat first for its snippet (then four times as many, ...). The
# first match of a frequent word mostly lies in the first 800 characters (benchmark mail):
# 2,048 take an eighth less work than 4,096 there (docs/PERFORMANCE.md).
FIRST_PIECE = 2048


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
        make_snippet makes it, cut at PREVIEW_CHARS. A shorter preview may be the whole
        body, or the body may start with much white space: unknown.
        """
        return self._from_start(preview) if len(preview) >= PREVIEW_CHARS else None

    def body_snippet(self, body: str) -> Snippet:
        """Return make_snippet's snippet of *body*, making only as much of its text flat
        (white space made single spaces) as the snippet needs: a quarter of the cost, when
        the first match is near the start, of a 25 KB body."""
        size = FIRST_PIECE
        while size < len(body):
            snippet = self._from_start(" ".join(body[:size].split()))
            if snippet is not None:
                return snippet
            size *= 4
        return make_snippet(body, self._matches, WIDTH)

    def _from_start(self, start_of_flat: str) -> Snippet | None:
        """Return the snippet of a text whose flat form starts with *start_of_flat*, or None
        if it depends on the text beyond.

        make_snippet shows the window from a little before the first matching word (or from
        the start, for a query without words). The start of the flat text shows the same if
        that word ends inside it (a word cut at its end may go on), and the window ends
        inside it too (where the window ends, and the ``…`` after it, depend on what
        follows).
        """
        first = self._first_match(start_of_flat)
        start = 0
        if first is not None:  # where make_snippet starts its window
            start = max(0, first - WIDTH // 4)
            if start:
                space = start_of_flat.find(" ", start)
                start = space + 1 if 0 <= space < first else start
        elif self._has_words:
            return None  # the first match may lie beyond
        if start + WIDTH >= len(start_of_flat):
            return None
        if " ".join(start_of_flat.split()) != start_of_flat:  # a preview cut after a space
            return make_snippet(start_of_flat, self._matches, WIDTH)
        return snippet_at(start_of_flat, first, self._matches, WIDTH)

    def _first_match(self, text: str) -> int | None:
        """Return where the first matching word of *text* starts that ends before its end
        (a word cut at the end may go on)."""
        complete = (m for m in WORD.finditer(text) if m.end() < len(text))
        return next((m.start() for m in complete if self._matches(m.group())), None)

    def _from_file(
        self, record: Record, hit: Hit, reads_attachments: bool
    ) -> tuple[Snippet, list[AttachmentMatch]]:
        """Return the snippet and matching attachments from the message file (StoreError)."""
        # Here, not at the top: most of a search's hits need none of this (see the docstring).
        from archiver.core.index.extract import body_text, extract  # noqa: PLC0415
        from archiver.core.store.reading import read_message  # noqa: PLC0415

        if reads_attachments:
            from archiver.core.index.indexer import indexable_bytes, thinning_cut  # noqa: PLC0415
            from archiver.core.index.reader_process import costly_attachments  # noqa: PLC0415

            data = indexable_bytes(self._root, record)
            skip = costly_attachments(hit.unreadable) | refused_attachments(hit.unreadable)
            content = extract(data, cut_at=thinning_cut(record), skip=skip)
            body, inside = content.body, matched_attachments(content.inside, self._matches)
        elif record.size <= SNIPPET_THIN:  # what indexable_bytes does, without importing it
            body, inside = body_text(read_message(self._root, record)), []
        else:  # thinned: the snippet needs the text, not the attachments' base64
            from archiver.core.index.indexer import indexable_bytes  # noqa: PLC0415

            body, inside = body_text(indexable_bytes(self._root, record, SNIPPET_THIN)), []
        snippet = self.body_snippet(body)
        if inside and not snippet.spans:
            snippet = inside[0].snippet
        return snippet, inside


def refused_attachments(unreadable: tuple[str, ...]) -> frozenset[str]:
    """Return the names of the attachments whose reading, as the index recorded it in the
    hit's ``"name: why"`` notes, ended in a way that reading them again ends too (REFUSED).

    A snippet skips them: they have no text to match, and reading a PDF again costs the start
    of the helper process that reads PDFs (a tenth of a second or more) and a parse of it.
    """
    names = set()
    for note in unreadable:
        for reason in REFUSED:
            name, found, _ = note.partition(f": {reason}")
            if found:
                names.add(name)
    return frozenset(names)
