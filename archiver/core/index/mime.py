"""Raw mail into email's Message objects: what email's parser makes, for less work.

email's parser (email.feedparser) reads a message a line at a time in Python, about 1.5 µs
a line: 20 ms for a message with a 1 MB attachment, whose 13,000 lines of base64 it only
collects into one string again. Indexing parses every message, so :func:`parse_message`
gives the parser less to read and returns the same objects:

- A message of one part: the parser gets its header lines alone, and the body is set as the
  payload as the parser would set it (:func:`one_part`).
- Otherwise each long run of base64 lines is replaced by one placeholder line before
  parsing, and put back into the payload that holds the placeholder afterwards
  (:func:`_base64_runs`). The parser treats every line alike that is not empty, does not
  start with "--", a space or a tab, and holds no ":" (no header, no boundary, no
  separator): it only collects such lines into the payload (or preamble, or epilogue) they
  are in. Base64 lines and the placeholder are such lines, so the parser makes the same
  parts from both texts, with payloads that differ by the run alone. The last line of a run
  stays, so that a placeholder is never the line before a boundary, whose line end the
  parser removes.

tests/unit/test_mime.py compares the objects both ways on the corpus, the generated shapes
and odd ones.
"""

from __future__ import annotations

import email
import re
from email.message import Message

# email.feedparser's patterns for a header line and for a line end, where its buffer ends
# lines too (its headerRE and NLCRE; tests/unit/test_mime.py checks they still are).
HEADER_LINE = re.compile(r"^(From |[\041-\071\073-\176]*:|[\t ])")
NEWLINE = re.compile(r"\r\n|\r|\n")

# Bodies shorter than this are left to the parser: checking them costs about what it saves.
RUN_MIN = 8192
# A part's headers longer than this leave its body to the parser (see _after_blank_line).
HEADERS_MAX = 65536
_BASE64_LINES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"
# "\0" is in no message given a placeholder (see parse_message), so this finds ours only.
_PLACEHOLDER = re.compile("\0([0-9]+)\0\n")


def parse_message(data: bytes) -> Message:
    """Return what ``email.message_from_bytes(data)`` returns (see the module docstring)."""
    text = data.decode("ascii", "surrogateescape")  # as email.message_from_bytes does
    message = one_part(text)
    if message is not None:
        return message
    runs = _base64_runs(data) if b"\0" not in data else []
    if not runs:
        return email.message_from_string(text)
    pieces: list[str] = []
    taken: list[str] = []
    done = 0
    for number, (start, end) in enumerate(runs):
        pieces += [text[done:start], f"\0{number}\0\n"]
        taken.append(text[start:end])
        done = end
    pieces.append(text[done:])
    message = email.message_from_string("".join(pieces))
    if _put_back(message, taken):
        return message
    return email.message_from_string(text)  # not expected: the parser's own way, to be sure


def _base64_runs(data: bytes) -> list[tuple[int, int]]:
    """Return where runs of base64 lines start and end that the parser need not read.

    Each is a part's body after its first blank line, up to the line that starts with "--"
    (a boundary, or the end of the message), without its last line; at least RUN_MIN bytes
    of lines holding base64 characters only, each ending in LF or CR LF.
    """
    runs: list[tuple[int, int]] = []
    start, size = 0, len(data)
    while start < size:
        cut = data.find(b"\n--", start)
        end = size if cut < 0 else cut + 1
        body = _after_blank_line(data, start, end)
        if body is not None and end - body >= RUN_MIN and _is_base64_lines(data[body:end]):
            last = data.rfind(b"\n", body, end - 1) + 1  # the start of the body's last line
            if last > body:
                runs.append((body, last))
        if cut < 0:
            break
        start = cut + 1
    return runs


def _after_blank_line(data: bytes, start: int, end: int) -> int | None:
    """Return where the first empty line (LF LF or LF CR LF) in data[start:end] ends, if it
    is within HEADERS_MAX bytes (a part's headers; beyond, the body is left to the parser)."""
    end = min(end, start + HEADERS_MAX)
    found = [
        at + len(mark) for mark in (b"\n\n", b"\n\r\n") if (at := data.find(mark, start, end)) >= 0
    ]
    return min(found, default=None)


def _is_base64_lines(chunk: bytes) -> bool:
    """Whether *chunk* is lines of base64 characters only, none empty, each ending in LF or
    CR LF (the last may have no end); never a line the parser reads as more than text.

    Encoders write lines of one width: where every line but the last is as long as the
    first, a look at each line's end (a strided slice) and a count of the line ends tell;
    otherwise the pairs that would start an empty line or a bare CR are looked for.
    """
    if chunk[:1] in (b"", b"\r", b"\n") or chunk.translate(None, _BASE64_LINES):
        return False
    width = chunk.find(b"\n") + 1  # the first line, its end included
    if not width:
        return _is_base64_lines_slowly(chunk)
    lines = len(chunk) // width
    ends = chunk[width - 1 : lines * width : width]
    crlf = chunk[width - 2 : width - 1] == b"\r"
    tail = chunk[lines * width :]
    if (
        lines
        and ends == b"\n" * lines
        and (not crlf or chunk[width - 2 : lines * width : width] == b"\r" * lines)
        and chunk.count(b"\n") == lines + tail.count(b"\n")
        and chunk.count(b"\r") == (lines if crlf else 0) + tail.count(b"\r")
        and _is_base64_lines_slowly(tail)
    ):
        return True  # lines of one width, every CR and LF at their ends, and a good tail
    return _is_base64_lines_slowly(chunk)


def _is_base64_lines_slowly(chunk: bytes) -> bool:
    """_is_base64_lines, for a chunk of base64 characters, CRs and LFs, pair by pair."""
    return (
        chunk[:1] not in (b"\r", b"\n")
        and b"\n\n" not in chunk
        and b"\n\r" not in chunk
        and chunk.count(b"\r") == chunk.count(b"\r\n")
    )


def _put_back(message: Message, taken: list[str]) -> bool:
    """Put each run back in place of its placeholder; False unless each was found once."""
    found: list[int] = []

    def run(match: re.Match[str]) -> str:
        found.append(int(match[1]))
        return taken[int(match[1])]

    for part in message.walk():
        payload = part._payload  # type: ignore[attr-defined]  # as the parser set it
        if isinstance(payload, str) and "\0" in payload:
            part.set_payload(_PLACEHOLDER.sub(run, payload))
        for name in ("preamble", "epilogue"):
            value = getattr(part, name)
            if value and "\0" in value:
                setattr(part, name, _PLACEHOLDER.sub(run, value))
    return sorted(found) == list(range(len(taken)))


def one_part(text: str) -> Message | None:
    """Return *text* parsed as email's parser parses it, if it is a message of one part;
    else None.

    The parser reads a message line by line in Python; of the body of a message of one part
    it makes one string again, the payload: a third of a millisecond for 30 KB. Here the
    parser gets the header lines alone, and the body is set as the payload as the parser
    would set it. Where the header lines end is email.feedparser's rule (its own patterns
    are copied): at the first line its headerRE does not match; a line NLCRE matches at its
    start is the separator and is dropped, any other line starts the body. Lines end where
    its buffer ends them (CR LF, CR or LF). A last header line starting with "From " (not
    the first line) the parser gives back to the body: such a message goes to the parser.
    """
    end = body = 0
    last = -1  # where the last header line starts
    while end < len(text):
        newline = NEWLINE.search(text, end)
        after = len(text) if newline is None else newline.end()
        line = text[end:after]
        if not HEADER_LINE.match(line):
            body = after if NEWLINE.match(line) else end
            break
        last = end
        end = body = after
    if last > 0 and text.startswith("From ", last):
        return None
    message = email.message_from_string(text[:end])
    if message.get_content_maintype() in ("multipart", "message"):
        return None  # parts (or a message inside): the parser's own work
    message.set_payload(text[body:])
    return message
