"""HTML mail parsed as browsers parse it, reduced to well-formed markup of chosen tags.

Mail HTML is often not well-formed, and validly so: ``</head>``, ``</p>`` and ``</li>`` are
optional, ``<br>`` and ``<img>`` have no end tag. A parser that waits for end tags drops
the text after a missing one. html5ever (the HTML5 parser of Mozilla's Servo, inside
Ammonia, bound to Python by nh3) builds the tree the HTML5 standard prescribes, and Ammonia
writes it out well-formed with only the tags asked for; what comes out is then simple to read
with :mod:`html.parser`.

One leniency beyond the standard: XHTML-style mail writes ``<title/>``, ``<script src=…/>``,
``<style/>`` or ``<iframe …/>``, which an HTML5 parser takes as the start of an element whose
text runs to its end tag, so that everything after it would vanish from search and preview.
Such elements are closed where they open.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set

import nh3

# Elements whose content HTML5 reads as raw text up to their end tag.
SELF_CLOSED_RAW_TEXT = re.compile(
    r"<(title|script|style|iframe|noscript|noembed|noframes|textarea|xmp)(\s[^<>]*?)?/>",
    re.IGNORECASE,
)


def normalized(
    markup: str,
    tags: Set[str],
    dropped: Set[str],
    attributes: Mapping[str, Set[str]] | None = None,
    url_schemes: Set[str] = frozenset(),
) -> str:
    """Return *markup* parsed as HTML5 and written out well-formed with only *tags*.

    The content of *dropped* elements goes with them; other elements are left out and their
    text kept. Only *attributes* (by tag, ``"*"`` for all) stay, URLs only with *url_schemes*
    or relative. Comments go. Text and attribute values come back HTML-escaped.
    """
    markup = SELF_CLOSED_RAW_TEXT.sub(r"<\1\2></\1>", markup)
    if not markup.isascii():  # a lone surrogate (from a broken charset) cannot go to Rust
        markup = markup.encode("utf-8", "replace").decode("utf-8")
    return nh3.clean(
        markup,
        tags=set(tags),
        clean_content_tags=set(dropped),
        attributes={tag: set(names) for tag, names in (attributes or {}).items()},
        url_schemes=set(url_schemes),
        link_rel=None,
        strip_comments=True,
    )
