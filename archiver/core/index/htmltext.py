"""The readable text of an HTML mail body or attachment, for the index and snippets.

Apart from :mod:`archiver.core.index.extract` so that reading plain text mail (most of it:
a search's snippets) imports neither the HTML parser nor the HTML5 normalizer
(docs/PERFORMANCE.md).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from archiver.core.html5 import normalized


class _HtmlText(HTMLParser):
    """Well-formed HTML → plain text: entities decoded, blocks on new lines."""

    BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "td", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


# What a reader of the message does not see: gone with its content. (<noscript> stays: its
# content is for readers without scripts.)
UNSEEN = frozenset({"script", "style", "title", "head", "template", "iframe"})


def html_to_text(markup: str) -> str:
    """Return the readable text of an HTML document (no scripts, entities decoded).

    Parsed as HTML5 first (:mod:`archiver.core.html5`), so that no text is lost to a missing
    end tag.
    """
    parser = _HtmlText()
    try:
        parser.feed(normalized(markup, _HtmlText.BLOCKS, UNSEEN))
        parser.close()
    except (AssertionError, ValueError):  # malformed markup deep inside: keep what we have
        pass
    text = "".join(parser.parts)
    text = html.unescape(text) if "&" in text else text  # entities the parser left (broken)
    return re.sub(r"[ \t\r\f\v]+", " ", re.sub(r"\n\s*\n+", "\n\n", text)).strip()
