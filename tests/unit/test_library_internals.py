"""The libraries' internals we rely on are still there: loud failures on an upgrade.

archiver/core/index/codec.py overrides Whoosh's W3 codec classes and reads their private
attributes, archiver/core/index/standins.py replaces three of Whoosh's imports while it
loads, archiver/core/index/indexer.py ends the multi-process writer's workers itself;
archiver/core/imap.py reaches through imapclient to imaplib (literals for APPEND and LOGIN,
the guard on its reads, its debug level) and copies IMAPClient.fetch. pyproject.toml pins
Whoosh-Reloaded to the version this was written against and bounds imapclient; these tests
say what to re-check when either moves. No mail server: imaplib gets a greeting from a
loopback stub.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import inspect
import multiprocessing
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import whoosh.externalsort
import whoosh.filedb.structfile
import whoosh.system
import whoosh.util.numeric
import whoosh.writing
from imapclient import IMAPClient
from whoosh import columns
from whoosh.codec import whoosh3
from whoosh.filedb import filetables
from whoosh.filedb.structfile import StructFile
from whoosh.multiproc import MpWriter, SubWriterTask

import archiver
from archiver.core.index.codec import HashBucket
from archiver.core.index.standins import STANDINS

WHOOSH_VERSION = "2.7.5"  # pyproject.toml pins Whoosh-Reloaded to it

# Per class: methods we override or call, then attributes we read (set in its own code).
W3_INTERNALS = {
    whoosh3.W3Codec: (
        ["postings_writer", "postings_reader", "field_writer"],
        ["_blocklimit", "_compression", "_inlinelimit"],
    ),
    whoosh3.W3FieldWriter: (["add_postings"], []),
    whoosh3.W3PostingsWriter: (
        ["_new_block", "_mini_weights", "_mini_values", "_write_block"],
        ["_postfile", "_terminfo", "_ids", "_compression", "_maxweight", "_minlength",
         "_maxlength", "_blockcount", "_format", "_values"],
    ),
    whoosh3.W3LeafMatcher: (
        ["_next_block", "_read_values", "_read_ids", "_read_data"],
        ["_dataoffset", "_postfile", "_nextoffset", "_compression", "_data", "_i", "_ids"],
    ),
}  # fmt: skip


def test_whoosh_is_the_release_the_codec_was_written_for():
    found = importlib.metadata.version("Whoosh-Reloaded")
    assert found == WHOOSH_VERSION, (
        f"Whoosh-Reloaded {found}: archiver/core/index/codec.py overrides W3 internals "
        f"checked against {WHOOSH_VERSION}; re-check them, then update the pin and this test"
    )


@pytest.mark.parametrize("cls", W3_INTERNALS, ids=lambda c: c.__name__)
def test_whoosh_w3_internals_are_there(cls):
    methods, attributes = W3_INTERNALS[cls]
    source = "".join(inspect.getsource(klass) for klass in cls.__mro__ if klass is not object)
    assert [m for m in methods if not callable(getattr(cls, m, None))] == []
    assert [a for a in attributes if f"self.{a} =" not in source] == []
    assert inspect.signature(whoosh3.W3PostingsWriter.__init__).parameters.keys() >= {
        "postfile", "blocklimit", "byteids", "compression", "inlinelimit"
    }  # fmt: skip
    assert whoosh.system._INT_SIZE == 4 and whoosh3.WHOOSH3_HEADER_MAGIC == b"W3Bl"
    # MailPostingsWriter writes a block's head in one call with what these two write.
    assert "self.write(pack_int(n))" in inspect.getsource(StructFile.write_int)
    assert "self.write(pack_uint(n))" in inspect.getsource(StructFile.write_uint)
    assert (whoosh.filedb.structfile.pack_int, whoosh.filedb.structfile.pack_uint) == (
        whoosh.system.pack_int,
        whoosh.system.pack_uint,
    )
    assert callable(whoosh.util.numeric.length_to_byte)


def test_whoosh_writer_internals_the_pool_relies_on_are_there():
    """archiver/core/index/pool.py: a writer looks ``pool.add`` up once per document, then
    adds every posting of it; merging segments adds through add_postings_to_pool, which
    install() replaces with a version checking memory per posting; runs are merged and read
    through the two methods the pool replaces. Read from Whoosh's file: once installed, the
    class holds our version."""
    source = inspect.getsource(whoosh.writing)
    writer = next(
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef) and node.name == "SegmentWriter"
    )
    methods = {
        node.name: ast.get_source_segment(source, node)
        for node in writer.body
        if isinstance(node, ast.FunctionDef)
    }
    add_document = methods["add_document"]
    assert add_document.count("self.pool.add") == 1
    assert "add_post = self.pool.add" in add_document.split("for fieldname in fieldnames")[0]
    assert methods["add_postings_to_pool"].split(":", 1)[1].split() == [
        "items", "=", "self._process_posts(reader.iter_postings(),", "startdoc,", "docmap)",
        "add_post", "=", "self.pool.add",
        "for", "item", "in", "items:", "add_post(item)",
    ]  # fmt: skip
    others = [name for name, text in methods.items() if "self.pool.add" in text]
    assert others == ["add_postings_to_pool", "add_document"]
    assert "self.current = []" in inspect.getsource(whoosh.externalsort.SortingPool.save)
    # The pool merges its runs in _merge_runs (a list at a time): Whoosh's sorting pool
    # must still merge through it, and its multi-process writer read a run by _read_run.
    sorting = whoosh.externalsort.SortingPool
    assert "return self._merge_runs(runs)" in inspect.getsource(sorting.items)
    assert "self._merge_runs(tomerge)" in inspect.getsource(sorting.reduce_to)
    assert "self.pool._read_run(path)" in inspect.getsource(MpWriter._read_and_renumber_run)


def test_whoosh_multiprocess_writer_internals_writer_processes_relies_on_are_there():
    """archiver/core/index/writer_processes.py: the multi-process writer keeps its worker
    processes in ``tasks`` and talks to them through ``jobqueue`` and ``resultqueue``, which
    its commit leaves open (finish_workers); its own cancel() only flags the parent's
    copies of the workers (so drop_writer kills them); and MailMpWriter._new_task repeats
    MpWriter's with our task class, so the task's arguments must be these."""
    init = inspect.getsource(MpWriter.__init__)
    assert "self.tasks = []" in init
    assert "self.jobqueue = Queue(" in init and "self.resultqueue = Queue()" in init
    new_task = inspect.getsource(MpWriter._new_task)
    assert "self.tasks.append(task)" in new_task and "task.start()" in new_task
    assert [line.strip() for line in new_task.splitlines()[2:8]] == [
        "self.storage,", "self.indexname,", "self.jobqueue,", "self.resultqueue,",
        "self.subargs,", "self.multisegment,",
    ]  # fmt: skip
    assert list(inspect.signature(SubWriterTask.__init__).parameters) == [
        "self", "storage", "indexname", "jobqueue", "resultqueue", "kwargs", "multisegment"
    ]  # fmt: skip
    assert issubclass(SubWriterTask, multiprocessing.Process)
    cancel = inspect.getsource(MpWriter.cancel)
    assert "task.cancel()" in cancel and "kill" not in cancel and "terminate" not in cancel
    assert inspect.getsource(SubWriterTask.cancel).split(":", 1)[1].split() == [
        "self.running", "=", "False"
    ]  # fmt: skip


def test_the_term_tables_compact_buckets_write_whooshs_bytes(tmp_path):
    """archiver/core/index/codec.py: MailFieldWriter swaps the lists of HashWriter.buckets
    for HashBucket, which keeps the (hash, position) pairs HashWriter appends in arrays.
    The file must be the one Whoosh writes with its lists (collisions in a bucket included)."""
    keys = sorted({f"{field}:{word}".encode() for field in "abc" for word in range(20_000)})
    written = []
    for compact in (False, True):
        path = tmp_path / f"table{compact}"
        with path.open("wb") as file:
            table = filetables.OrderedHashWriter(StructFile(file))
            table.extras["fieldmap"] = {"a": 0}
            if compact:
                table.buckets = [HashBucket() for _ in table.buckets]
            for key in keys:
                table.add(key, key[::-1])
            table.close()
        written.append(path.read_bytes())
        with path.open("rb") as file:
            reader = filetables.OrderedHashReader(StructFile(file), len(written[-1]))
            assert reader[keys[1234]] == keys[1234][::-1] and list(reader.keys()) == keys
    assert written[0] == written[1]
    assert "self.buckets[h & 255].append((h, pos))" in inspect.getsource(filetables.HashWriter.add)
    assert "self.buckets = [[] for _ in range(256)]" in inspect.getsource(
        filetables.HashWriter.__init__
    )
    assert "filetables.OrderedHashWriter(_tifile)" in inspect.getsource(
        whoosh3.W3FieldWriter.__init__
    )


def test_whoosh_structfile_reaches_its_file_where_writtenfile_expects():
    """indexer.WrittenFile counts a segment file's position in write(). Whoosh's StructFile
    reaches the wrapped file directly in these methods only: the reading ones, those
    WrittenFile replaces (write, tell, seek, write_pickle) and write_array, which with
    ``is_real`` off writes through write(). A new one could write around the count."""
    direct = sorted(
        name
        for name, member in vars(StructFile).items()
        if callable(member) and "self.file" in inspect.getsource(member)
    )
    assert direct == [
        "__init__", "__iter__", "close", "flush", "raw_file", "read", "read_array",
        "read_pickle", "readline", "seek", "subset", "tell", "truncate", "write",
        "write_array", "write_pickle",
    ]  # fmt: skip
    array_source = inspect.getsource(StructFile.write_array)
    assert "if self.is_real:" in array_source
    assert "self.write(array_tobytes(arry))" in array_source


def test_whoosh_column_internals_are_there():
    """codec.column_values() reads numeric columns in one piece, for searches and for the
    segment writer's field lengths (codec._Lengths, through the per-document reader's
    cache of column readers)."""
    source = inspect.getsource(columns.NumericColumn.Reader)
    read = ["_dbfile", "_basepos", "_doccount", "_default", "_typecode", "_fixedlen", "_count"]
    assert [a for a in read if f"self.{a} =" not in source] == []
    assert "self._readers = readers" in inspect.getsource(columns.MultiColumnReader)
    assert 'struct.Struct("!" + typecode)' in source  # big-endian, as column_values swaps
    cached = inspect.getsource(whoosh3.W3PerDocReader._cached_reader)
    assert "if not self.has_column(fieldname):" in cached and "return None" in cached
    assert whoosh3.LENGTHS_COLUMN._typecode == "B"  # one byte a document, 0 when unset


@pytest.mark.parametrize("importer", STANDINS)
def test_whoosh_imports_what_the_standins_stand_in_for(importer):
    """Each Whoosh module still imports those modules' names (``from m import name``, or
    ``import m`` and ``m.name``), and the stand-ins hold them."""
    tree = ast.parse(inspect.getsource(importlib.import_module(importer)))
    imported: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in STANDINS[importer]:
            imported.setdefault(node.module, set()).update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in STANDINS[importer]:
                    imported.setdefault(alias.name, set()).update(
                        attribute.attr
                        for attribute in ast.walk(tree)
                        if isinstance(attribute, ast.Attribute)
                        and isinstance(attribute.value, ast.Name)
                        and attribute.value.id == alias.name
                    )
    assert imported.keys() == STANDINS[importer].keys()
    for name, make in STANDINS[importer].items():
        assert imported[name] <= vars(make()).keys()


def test_whoosh_works_with_the_standins_and_they_leave_no_trace():
    """In a fresh process (here Whoosh may be loaded already): the modules Whoosh would have
    loaded are not, what it took from them still works, and importing them gives the real
    ones."""
    code = """if True:
        import functools, sys
        sys.path.insert(0, sys.argv.pop(1))  # this checkout (see test_cli_startup.py)
        from archiver.core.index import standins
        standins.install()  # as the command line's search does
        import archiver.core.index.search
        left_out = ["asyncio", "cached_property", "urllib.request", "whoosh.lang.morph_en",
                    "html", "whoosh.lang.porter", "whoosh.lang.dmetaphone"]
        assert not [name for name in left_out if name in sys.modules], sys.modules.keys()
        # No module holds a stand-in (Whoosh's took the functions, not the modules).
        holders = {
            (module_name, name)
            for module_name, module in list(sys.modules.items())
            for name, value in list(vars(module).items())
            if getattr(value, "__doc__", None) == standins.STANDIN_DOC
        }
        assert holders == set(), holders
        import whoosh.compat, whoosh.reading
        from whoosh.analysis import morph
        from whoosh.query import terms
        assert morph.stem("rendering") == "render"  # imports the real module
        assert morph.double_metaphone("Meier") == ("MR", None)
        assert whoosh.compat.htmlescape("<a>") == "&lt;a&gt;"
        assert whoosh.reading.cached_property is functools.cached_property
        assert "rendering" in terms.variations("render")  # imports the real tables
        import urllib.request, cached_property
        assert callable(urllib.request.urlopen) and callable(cached_property.cached_property)
        assert sys.modules["whoosh.lang.morph_en"].__file__
        assert whoosh.compat.urlretrieve.__module__ == "archiver.core.index.standins"
        import inspect  # the wrapped loader still answers for its module
        assert whoosh.reading.__loader__.get_source("whoosh.reading") == inspect.getsource(
            whoosh.reading
        )
    """
    root = str(Path(archiver.__file__).parent.parent)
    subprocess.run([sys.executable, "-c", code, root], check=True)


def test_whoosh_scoring_internals_are_there():
    """search.py's bulk relevance scoring repeats BM25F and reads the field length column."""
    from whoosh import reading, scoring  # noqa: PLC0415

    assert "bm25(self.idf, weight, length, self.avgfl, self.B, self.K1)" in inspect.getsource(
        scoring.BM25FScorer
    )
    assert "idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))" in (
        inspect.getsource(scoring.bm25)
    )
    assert "return matcher.weight()" in inspect.getsource(scoring.WeightScorer.score)
    length = inspect.getsource(whoosh3.W3PerDocReader.doc_field_length)
    assert "self._cached_reader(lenfield, LENGTHS_COLUMN)" in length
    assert "byte_to_length(lbyte)" in length
    assert whoosh3._lenfield("text") == "_text_len"
    assert "self._perdoc = " in inspect.getsource(reading.SegmentReader)


@pytest.fixture
def greeting_server() -> Iterator[int]:
    """A loopback stub that greets as an IMAP server does, and answers CAPABILITY and LOGOUT."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.sendall(b"* OK stub ready\r\n")
            for line in connection.makefile("rb"):
                tag, command = line.split()[:2]
                if command.upper() == b"CAPABILITY":
                    connection.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
                else:
                    connection.sendall(b"* BYE stub\r\n" + tag + b" OK LOGOUT done\r\n")
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()
    thread.join(5)


def test_imaplib_under_imapclient_has_what_we_use(greeting_server):
    client = IMAPClient("127.0.0.1", port=greeting_server, ssl=False, timeout=5)
    try:
        imap = client._imap
        for name in ("sock", "file", "debug", "literal", "state", "utf8_enabled"):
            assert hasattr(imap, name), f"imaplib.IMAP4.{name} is gone (see core/imap.py)"
        for name in ("_simple_command", "read", "readline"):
            assert callable(getattr(imap, name, None)), f"imaplib.IMAP4.{name} is gone"
        for name in ("_checkok", "_normalise_folder", "_command_and_check"):
            assert callable(getattr(client, name, None)), f"IMAPClient.{name} is gone"
        assert imap.state == "NONAUTH"
    finally:
        client.logout()


# imapclient 4.1's IMAPClient.fetch without its docstring; core/imap.py's _Client.fetch copies
# it, with the answer read by core/fetch_response.py first.
IMAPCLIENT_FETCH = """\
def fetch(self, messages, data, modifiers=None):
    if not messages:
        return {}
    args = ['FETCH', join_message_ids(messages), seq_to_parenstr_upper(data), \
seq_to_parenstr_upper(modifiers) if modifiers else None]
    if self.use_uid:
        args.insert(0, 'UID')
    tag = self._imap._command(*args)
    typ, data = self._imap._command_complete('FETCH', tag)
    self._checkok('fetch', typ, data)
    typ, data = self._imap._untagged_response(typ, data, 'FETCH')
    response = parse_fetch_response(data, self.normalise_times, self.use_uid)
    return {message_id: response[message_id] for message_id in to_ints(messages) \
if message_id in response}"""


def test_imapclient_fetch_is_still_what_our_client_copies():
    tree = ast.parse(textwrap.dedent(inspect.getsource(IMAPClient.fetch)))
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    function.body = function.body[1:]  # the docstring
    assert ast.unparse(function) == IMAPCLIENT_FETCH, (
        "imapclient's IMAPClient.fetch changed: re-check _Client.fetch in core/imap.py, "
        "and what core/fetch_response.py must return"
    )
