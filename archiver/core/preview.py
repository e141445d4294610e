"""HTML mail made safe to show: no scripts, no remote content, nothing that phones home.

A message's HTML is written by its sender. Shown as is, it could run scripts, load tracking
images or style sheets from the sender's server (telling them the mail was opened, and from
where), or submit forms. :func:`safe_html` keeps text and harmless formatting only: a fixed
set of tags and attributes; no ``<script>``, ``<style>``, ``<iframe>``, ``<object>``, forms or
event handlers; images only from inside the message (``cid:``) or ``data:`` images; links
kept for the user to click, except ``javascript:`` and the like. The GUI shows the result in
a widget that loads nothing by itself, as a second line of defence.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from archiver.core.html5 import normalized

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "dd", "div", "dl", "dt",
    "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre",
    "q", "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "tt", "u", "ul",
})  # fmt: skip
# Elements whose whole content is dropped, not only their tags. (<noscript> is not: its content
# is what a reader without scripts is meant to see.)
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
    "template", "head", "title", "svg", "math", "form", "button", "select", "textarea",
    "audio", "video", "canvas",
})  # fmt: skip
ALLOWED_ATTRIBUTES = frozenset({
    "href", "src", "alt", "title", "width", "height", "colspan", "rowspan", "align", "valign",
    "border", "cellpadding", "cellspacing", "color", "face", "size", "dir", "lang", "start",
    "type",
})  # fmt: skip
VOID_TAGS = frozenset({"br", "hr", "img"})
URL_SCHEMES = frozenset({"http", "https", "mailto", "cid", "data"})  # narrowed below
SAFE_LINK = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)
SAFE_IMAGE = re.compile(r"^(cid:|data:image/(png|gif|jpeg|webp);)", re.IGNORECASE)


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping: list[str] = []  # open elements whose content is dropped
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag in DROPPED_WITH_CONTENT and tag not in VOID_TAGS:
                self.dropping.append(tag)
            return
        if tag in DROPPED_WITH_CONTENT:
            self.dropping.append(tag)
            return
        if tag not in ALLOWED_TAGS:
            return
        kept = []
        for name, raw in attrs:
            value = (raw or "").strip()
            if name not in ALLOWED_ATTRIBUTES:
                continue  # on*, style (url() loads), background, srcset, ...
            if name == "href" and not SAFE_LINK.match(value):
                continue
            if name == "src" and not (tag == "img" and SAFE_IMAGE.match(value)):
                continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        if tag == "img" and not any(k.startswith(" src=") for k in kept):
            alt = dict(attrs).get("alt") or "image"
            self.out.append(f"[{html.escape(alt)}]")  # a remote image: not loaded
            return
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in self.open and tag not in VOID_TAGS and self.open[-1] == tag:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag == self.dropping[-1]:
                self.dropping.pop()
            return
        if tag in self.open:
            while self.open:
                closing = self.open.pop()
                self.out.append(f"</{closing}>")
                if closing == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))


def safe_html(markup: str) -> str:
    """Return *markup* reduced to harmless HTML that loads nothing from anywhere.

    Parsed as HTML5 first (:mod:`archiver.core.html5`), so that no text is lost to a missing
    end tag; then each kept tag and attribute passes the rules above.
    """
    well_formed = normalized(
        markup, ALLOWED_TAGS, DROPPED_WITH_CONTENT, {"*": ALLOWED_ATTRIBUTES}, URL_SCHEMES
    )
    sanitizer = _Sanitizer()
    try:
        sanitizer.feed(well_formed)
        sanitizer.close()
    except (AssertionError, ValueError):  # malformed markup deep inside: keep what we have
        pass
    closing = "".join(f"</{tag}>" for tag in reversed(sanitizer.open))
    return "".join(sanitizer.out) + closing
