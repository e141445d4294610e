"""Benchmark indexing with PDF-bearing mail: messages/s at 0, 5 and 30 % PDF mail, two codes.

Run from the repository root (GNU time installed)::

    python -m benchmarks.attachment_benchmark --messages 3000 --before /work/main

For each share of PDF-bearing mail (``--pdf-percent``, default 0 5 30) one archive is
generated like ``search_benchmark.generate_archive`` does (``tests/helpers/mailgen.py``
messages, 30 KB mean, no other attachments), where that share of the messages, spread
evenly, becomes multipart/mixed with a text PDF attached (``tests/helpers/docgen.pdf``:
``--pdf-pages`` pages of about 45 lines of German court-letter text, some 3 KB of text a
page; a few KB of PDF, since the text is what costs). Then ``python -m archiver reindex``
(the CLI: Whoosh's multi-process writer from 1,000 messages on) runs on it ``--repeat``
times with this checkout's code and, with ``--before DIR``, with the code of another
checkout (the code before the change), alternating, each from a snapshot of that code
(``archive_benchmark.snapshot_sources``). Wall time includes start-up; the table shows the
median messages/s of the repeats, and messages per CPU second (user + system time of the
whole process tree, from GNU time), which other load on the machine disturbs less than wall
time. Then, per code, what the change touches alone: ``indexer.document()`` (parsing and
text extraction, no index writing) over every message in one process, as messages per CPU
second (``time.process_time``), the median of the repeats. A measurement, not a test:
nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from tests.helpers import docgen, mailgen

LINES = [
    "In der Zwangsvollstreckungssache der Gläubigerin gegen den Schuldner wird auf Antrag",
    "der Pfändungs- und Überweisungsbeschluss erlassen. Die angebliche Forderung des",
    "Schuldners gegen den Drittschuldner auf Zahlung des gesamten Arbeitseinkommens wird",
    "gepfändet. Dem Drittschuldner wird verboten, an den Schuldner zu zahlen. Der Schuldner",
    "hat sich jeder Verfügung über die Forderung zu enthalten. Vollstreckungsauftrag Nr. {n}",
]


def court_letter(number: int, pages: int) -> bytes:
    """Return a PDF of *pages* pages of court-letter text (about 45 lines each)."""
    text = "\n".join(LINES[i % len(LINES)].format(n=number + i) for i in range(45))
    heads = [f"Amtsgericht Köln, Az. {number} M {page}/22" for page in range(pages)]
    return docgen.pdf([f"{head}\n{text}" for head in heads])


def with_pdf(raw: bytes, number: int, pages: int) -> bytes:
    """Return a single-part text message of mailgen's as multipart/mixed with a PDF attached."""
    head, body = raw.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    # mailgen puts the text part's two content headers last.
    if not lines[-2].startswith(b"Content-Type: text/plain"):
        return raw
    text_headers = b"\r\n".join(lines[-2:])
    boundary = b"=_bench_%d" % number
    attachment = docgen.mail_with(
        [(f"Beschluss_{number}.pdf", "application/pdf", court_letter(number, pages))]
    )
    pdf_part = attachment.split(b"--=_docgen_boundary\r\n")[2].split(b"--=_docgen_boundary--")[0]
    return b"".join(
        [
            b"\r\n".join(lines[:-2]),
            b'\r\nContent-Type: multipart/mixed; boundary="%s"\r\n\r\n' % boundary,
            b"--%s\r\n%s\r\n\r\n%s\r\n" % (boundary, text_headers, body),
            b"--%s\r\n%s" % (boundary, pdf_part),
            b"--%s--\r\n" % boundary,
        ]
    )


def generate(root: Path, count: int, percent: float, pages: int, seed: int) -> int:
    """Write the archive below *root*; return how many messages carry a PDF."""
    from benchmarks import search_benchmark  # noqa: PLC0415

    original = mailgen.generate_mailbox
    carried = 0

    def mailbox(count: int, **options: object) -> Iterator[bytes]:
        nonlocal carried
        for index, raw in enumerate(original(count, **options)):  # type: ignore[arg-type]
            # Spread evenly: message i carries one when the running share crosses a step.
            if int((index + 1) * percent / 100) > int(index * percent / 100):
                carried += 1
                yield with_pdf(raw, index, pages)
            else:
                yield raw

    mailgen.generate_mailbox = mailbox  # type: ignore[assignment]
    try:
        search_benchmark.generate_archive(root, count, seed, 30_000, 0, (0, 0))
    finally:
        mailgen.generate_mailbox = original  # type: ignore[assignment]
    return carried


# Run in a code snapshot: document() over every message of the archive, CPU time only.
DOCUMENT_SNIPPET = """
import sys, time
from pathlib import Path
from archiver.core.catalog import Catalog
from archiver.core.index.indexer import document, indexable_bytes
root = Path(sys.argv[1])
with Catalog.open(root) as catalog:
    records = list(catalog.records())
messages = [(r, indexable_bytes(root, r)) for r in records]
start = time.process_time()
for record, data in messages:
    document(record, data)
print(len(messages) / (time.process_time() - start))
"""


def document_speed(code: Path, root: Path) -> float:
    """Return messages per CPU second of indexer.document() with *code* on *root*."""
    done = subprocess.run(
        [sys.executable, "-c", DOCUMENT_SNIPPET, str(root)],
        cwd=code,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip())


def snapshot(source: Path, work: Path, name: str) -> Path:
    """Copy *source*/archiver and benchmarks below *work*/*name*; return that directory."""
    target = work / name
    ignore = shutil.ignore_patterns("__pycache__", "out")
    shutil.copytree(source / "archiver", target / "archiver", ignore=ignore)
    shutil.copytree(Path(__file__).parent, target / "benchmarks", ignore=ignore)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, reindex with each code, print messages/s; 0 if every run indexed all."""
    from benchmarks.search_benchmark import run_reindex  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m benchmarks.attachment_benchmark")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--pdf-percent", type=float, nargs="+", default=[0, 5, 30])
    parser.add_argument("--pdf-pages", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--before", type=Path, help="a checkout with the code to compare with")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="imap-archiver-attach-bench-"))
    codes = {"after": snapshot(Path.cwd(), work, "after")}
    if args.before is not None:
        codes = {"before": snapshot(args.before, work, "before")} | codes
    ok = True
    print(
        f"{'PDF mail':>9} {'code':>7} {'msg/s wall':>11} {'msg/CPU-s':>10} "
        f"{'document()/CPU-s':>17}  wall runs"
    )
    try:
        for percent in args.pdf_percent:
            home = work / f"home-{percent:g}"
            root = home / "archive"
            root.mkdir(parents=True)
            carried = generate(root, args.messages, percent, args.pdf_pages, args.seed)
            speeds: dict[str, list[float]] = {name: [] for name in codes}
            cpu: dict[str, list[float]] = {name: [] for name in codes}
            documents: dict[str, list[float]] = {name: [] for name in codes}
            for round_ in range(args.repeat):
                for name, code in codes.items():
                    tag = f"attach-{percent:g}-{name}-{round_}"
                    run = run_reindex("ours", home, code, args.out, tag, args.messages)
                    ok &= run.ok
                    speeds[name].append(args.messages / run.run.wall_s)
                    cpu[name].append(args.messages / (run.run.cpu_user_s + run.run.cpu_sys_s))
                    documents[name].append(document_speed(code, root))
            for name, values in speeds.items():
                shown = " ".join(f"{v:.0f}" for v in values)
                print(
                    f"{percent:>8g}% {name:>7} {statistics.median(values):>11.0f} "
                    f"{statistics.median(cpu[name]):>10.0f} "
                    f"{statistics.median(documents[name]):>17.0f}  {shown}  ({carried} with a PDF)",
                    flush=True,
                )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
