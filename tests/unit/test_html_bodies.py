"""HTML mail whose text must survive: search (html_to_text), `show` and the preview (safe_html).

Each shape once dropped the text after it. The tests assert what survives, and that what must
go (scripts, styles, titles, remote content) still goes.
"""

from __future__ import annotations

import pytest

from archiver.core.index.extract import extract
from archiver.core.index.htmltext import html_to_text
from archiver.core.preview import safe_html

AFTER = "Pfändungsbeschluss vom 3. März"

SHAPES = {
    "no </head>": "<html><head><title>Betreff</title><meta charset=utf-8><body><p>{}</p>",
    "no </head>, no <body>": "<html><head><style>p {{color: red}}</style><p>{}",
    "<title/>": "<html><head><title/></head><body><p>{}</p></body></html>",
    "<head/>": "<html><head/><body><p>{}</p></body></html>",
    "<script src/>": '<html><head><script src="x.js"/></head><body><p>{}</p></body></html>',
    "<style/>": "<html><head><style/></head><body><p>{}</p></body></html>",
    "<iframe/>": '<p>Vorher</p><iframe src="https://t.example/"/><p>{}</p>',
    "<embed>": '<p>Vorher</p><embed src="https://t.example/x.swf"><p>{}</p>',
    "<frame>": '<p>Vorher</p><frame src="https://t.example/"><p>{}</p>',
    "unclosed <noscript>": "<p>Vorher</p><noscript><p>{}</p>",
    "<svg/>": '<p>Vorher</p><svg width="1" height="1"/><p>{}</p>',
    "no </p>, no </li>": "<p>Vorher<ul><li>eins<li>{}</ul>",
    "upper case, attributes unquoted": "<HTML><HEAD><TITLE>x</TITLE><BODY BGCOLOR=white><P>{}",
}
UNSEEN = ("Betreff", "color: red", "x.js")


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_text_after_each_shape_survives_in_search_text(shape):
    text = html_to_text(shape.format(AFTER))
    assert AFTER in text
    assert not any(word in text for word in UNSEEN)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_text_after_each_shape_survives_in_the_preview(shape):
    shown = safe_html(shape.format(AFTER))
    assert AFTER in shown
    assert not any(word in shown for word in UNSEEN)
    assert "<script" not in shown and "<iframe" not in shown and "t.example" not in shown


def test_an_html_only_message_is_searchable_by_its_body():
    markup = SHAPES["no </head>"].format(AFTER).encode()
    raw = (
        b"From: amt@example.org\r\nSubject: Bescheid\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n" + markup
    )
    assert AFTER in extract(raw).body


def test_blocks_become_lines_and_entities_text():
    text = html_to_text("<div>Zeile&nbsp;1</div><div>Zeile 2<br>Zeile 3</div><p>K&amp;M</p>")
    assert text == "Zeile\xa01\n\nZeile 2\nZeile 3\n\nK&M"


def test_markup_with_a_lone_surrogate_is_read():
    assert "Text" in html_to_text("<p>\ud800 Text</p>")
    assert "Text" in safe_html("<p>\ud800 Text</p>")
