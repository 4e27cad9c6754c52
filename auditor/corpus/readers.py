"""Readers: turn a path into a stream of :class:`Document` (never the whole corpus in memory).

Formats: ``.txt`` (line, paragraph or whole-file documents), ``.jsonl``/``.json`` (JSON lines or
an array), ``.csv``/``.tsv`` (a column), ``.parquet`` and ``.arrow`` (a column, or a field path
into one), a Hugging Face ``datasets`` folder written by ``save_to_disk`` and directories of these,
the text formats optionally compressed as ``.gz``, ``.zst``, ``.bz2`` or ``.xz``. The path ``-`` is
standard input (see below).

The readers fail closed: every record either becomes a document, is a counted skip in the
:class:`ReadLog` (an error under ``--strict``), or stops the run with an :class:`InputError` that
names the file and, where there is one, the line. Nothing is dropped silently.

Lines and limits: files are read in blocks of :data:`BLOCK_BYTES` and split at ``\\n``, ``\\r\\n``
and a lone ``\\r`` (old Mac files). In the line-based formats (``.txt`` by line or paragraph,
``.jsonl``, JSON lines in ``.json``, ``.csv``, ``.tsv``) a line longer than
:data:`MAX_LINE_BYTES` is an error, raised before the line is held whole, so a file of one endless
line cannot exhaust memory; a whole-file ``.txt`` document and a ``.json`` array are parsed whole
and so have no line limit. A NUL byte (checked in every block as it is read) means binary data and
is an error; if the file starts like UTF-16 without a byte-order mark, the error says so.

Decoding: UTF-8 (a BOM is dropped). Each line is decoded on its own: a line that is not valid UTF-8
is read as latin-1 (which never fails), and one warning names the first such line and how many
there were; the other lines stay UTF-8. A file that starts with a UTF-16 or UTF-32 byte-order
mark is decoded as such.

Compression: a compressed stream that ends early or is corrupt (for every codec, including a
truncated ``.zst`` whose frame never completes and an empty compressed file) is an error; a
``.zst`` may hold several frames.

CSV and TSV: ``.csv`` follows RFC 4180 with strict quoting, so a quoted field may hold delimiters,
quotes (written ``""``) and line breaks. A stray ``"`` that opens a field swallows the rows after
it, so these are errors naming the line where the row starts: a quote never closed (the file
ends inside the field), a closing quote followed by more text, and a quoted field that spans lines
of which two or more look like rows of their own (the header's number of fields, digits where the
file's rows have digits, e.g. an id column). A legitimate multi-line field holds text, not such
lines; one that really holds CSV rows with numbers is refused too (convert such a file to JSONL).
``.tsv`` has no quoting at all (the text/tab-separated-values convention): a quote is text, and a
field holds neither a tab nor a line break. A row with more fields than the header is a counted
skip (``too_many_fields``, with one warning): its text may have been cut at an unquoted delimiter.

Field paths (:mod:`auditor.corpus.fields`): the text field, and the label, group and pair fields,
may be dotted paths with ``[*]`` and ``[key=value]`` brackets (``messages[role=assistant].content``);
a path that does not parse is an error naming the file and the path before anything is read. The
values a path reaches make one document, joined with newlines (``turns="joined"``), or one document
each (``turns="each"``: every assistant turn of a chat its own document, with the record's label,
group and pair fields; its source is the record's followed by ``turn N``, N counting the matching
values from 1). A record whose filter finds turns but none matching is a ``no_matching_turn`` skip.
The presets ``chat`` and ``sharegpt`` (:data:`auditor.config.FORMAT_PRESETS`) name such paths.

JSON: a record nested deeper than the JSON parser can follow (Python's recursion limit, about
1,000 levels) is an error naming the line. Numbers in the text field are read as their text.
A record without the text field is a ``missing_field`` skip; one whose text field holds no text
is a skip named by what it holds: ``text_is_null``, ``text_is_list``, ``text_is_object`` or
``text_is_boolean`` (under ``--strict``, the error names the file, the line and the type). A content
given as a list of typed parts (multimodal chats) is read as its text parts
(:func:`auditor.corpus.fields.content_part_texts`).

Parquet and Arrow: a string column is read as is and a number column as the numbers' text (as in
JSON); a column of another type (lists, structs, booleans, binary) is an error naming the column
and its type, unless the text field is a path into it (``messages[role=assistant].content`` on a
column of lists of structs): then each row is read as a record of its columns, exactly as a JSON
record. Nulls are counted ``text_is_null`` skips, as in JSON. A text field naming no column is an
error listing the columns. Both are streamed: Parquet by batches of rows, Arrow by its record
batches (each cut into slices of :data:`COLUMNAR_ROWS` rows before it becomes Python values), so
memory holds one record batch, never the file. An ``.arrow`` file may be in the IPC stream format
(what ``datasets`` writes) or the IPC file format (what ``pyarrow.ipc.new_file`` writes); it is
read through ordinary reads, not a memory map, so the pages read are not kept resident.

``datasets`` folders: a folder holding ``state.json`` and ``dataset_info.json`` is read as one
dataset, its Arrow files in the order ``state.json`` lists them under ``_data_files``, wherever
it sits (given as the corpus, or met inside a directory); its JSON files are not documents. A
``DatasetDict`` folder (``dataset_dict.json``) is read split by split, in the order it lists
them. A ``state.json`` or ``dataset_dict.json`` that is not JSON, lists nothing, or lists a file or
split that is not there or lies outside the folder is an error.

Only regular files are read: a FIFO, socket or device (``/dev/zero``) given as a corpus is an
error, and one met in a directory is a counted skip (``not_a_regular_file``), never a blocking open.

Directories are read depth first, names sorted. Symbolic links to folders are followed, and each
folder is read once: one met again through a link is a ``duplicate_folder`` skip, a link back to
a folder being read a ``symlink_loop`` skip (as is a chain of links that never ends), a link to
nothing a ``broken_symlink`` skip and a folder that cannot be listed an ``unreadable_folder`` skip.

A path the user gave that cannot be looked at (a name longer than 255 bytes, permission denied)
is an error naming it (E039).

Standard input: the path ``-`` (``parse_corpus_arg("-")`` names it ``stdin``; ``NAME=-`` names it
NAME) reads ``sys.stdin.buffer``, uncompressed. If its first non-blank byte is ``{`` or ``[`` it is
read as ``.json`` (JSON lines, or one array), otherwise as ``.txt`` under ``--txt-mode``. Messages
call it ``<stdin>``.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import errno
import gzip
import io
import itertools
import json
import lzma
import os
import re
import stat
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from auditor.config import FORMAT_PRESETS, Settings
from auditor.corpus.fields import FieldPathError, content_part_texts, field_values, parse_field_path
from auditor.errors import Errors, InputError, path_error, stat_path

COMPRESSIONS = (".gz", ".zst", ".bz2", ".xz")
FORMATS = (".txt", ".jsonl", ".json", ".csv", ".tsv", ".parquet", ".arrow")
COLUMNAR = (".parquet", ".arrow")
"""The formats pyarrow reads: compressed inside, never wrapped in ``.gz`` and the like."""
COLUMNAR_ROWS = 4096
"""Rows of a Parquet or Arrow file turned into Python values at a time."""
DATASET_FILES = ("state.json", "dataset_info.json")
"""What makes a folder a ``datasets`` folder (``save_to_disk`` of a ``Dataset``)."""
DATASET_DICT = "dataset_dict.json"
"""What makes a folder a ``DatasetDict`` folder: one ``datasets`` folder per split."""


STDIN = Path("-")
"""The corpus path that means standard input."""
STDIN_NAME = "<stdin>"
"""How messages and document sources name standard input."""

BLOCK_BYTES = 1 << 20
"""Bytes read (after decompression) at a time."""
MAX_LINE_BYTES = 64 << 20
"""The longest line (64 MiB) of a line-based format; a longer one is an :class:`InputError`."""

_TOOLS = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}
_UTF8_BOM = b"\xef\xbb\xbf"
# UTF-32 first: its little-endian mark starts with UTF-16's.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_BLANK = b" \t\r\n\x0b\x0c"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

try:
    from zstandard import ZstdError as _ZstdError
except ImportError:  # pragma: no cover - zstandard is a dependency

    class _ZstdError(Exception):  # type: ignore[no-redef]
        """Stand-in when zstandard is missing."""


_DECOMPRESS_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, _ZstdError)

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass(frozen=True)
class Document:
    """One document: its text, where it came from, and the extra fields the run asked for."""

    text: str
    source: str
    """``path:line`` (or just the path for whole-file documents), for messages."""
    fields: dict[str, str] = field(default_factory=dict)
    """Values of ``--label-field`` / ``--group-field`` when the record has them."""


@dataclass
class ReadLog:
    """What a reader skipped or had to work around, reported per generation."""

    skipped: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    files: int = 0
    strict: bool = False
    """``--strict``: a skip is an error naming where it happened."""

    def skip(self, reason: str, where: str = "", detail: str = "") -> None:
        """Count one skipped document (or file) for ``reason``; with ``strict``, refuse it instead,
        saying ``detail`` (or the reason in words)."""
        if self.strict:
            raise InputError(Errors.E023.format(where=where or "input", reason=detail or reason.replace("_", " ")))
        self.skipped[reason] += 1


@dataclass(frozen=True)
class ReadOptions:
    """The reader settings (a slice of :class:`auditor.config.Settings`)."""

    text_field: str = "text"
    """The field path of the text (a preset already resolved: see :func:`read_options`)."""
    txt_mode: str = "line"
    extra_fields: tuple[str, ...] = ()
    turns: str = "joined"
    """:data:`auditor.config.TURNS`: the values the text field reaches make one document
    (``joined``), or one each (``each``)."""


def read_options(settings: Settings, extra_fields: Iterable[str | None] = ()) -> ReadOptions:
    """The reader settings of a run: the text field (a ``format`` preset's path when one is set),
    the ``.txt`` mode, ``turns``, and the fields a document carries besides its text (unset ones
    left out)."""
    text_field = FORMAT_PRESETS[settings.format] if settings.format else settings.text_field
    extra = tuple(f for f in extra_fields if f)
    return ReadOptions(text_field, settings.txt_mode, extra, settings.turns)


def check_field_paths(options: ReadOptions, where: str) -> None:
    """Refuse a field path that does not parse (E102), naming ``where`` (the corpus) and the path."""
    for flag, name in [("--text-field", options.text_field), *(("field", f) for f in options.extra_fields)]:
        try:
            parse_field_path(name)
        except FieldPathError as exc:
            raise InputError(Errors.E102.format(path=where, flag=flag, field=name, detail=exc)) from None


def split_suffixes(path: Path) -> tuple[str, str | None]:
    """Return (format suffix, compression suffix or None) of a file name, lower-cased."""
    suffixes = [s.lower() for s in path.suffixes]
    compression = suffixes.pop() if suffixes and suffixes[-1] in COMPRESSIONS else None
    fmt = suffixes[-1] if suffixes else ""
    return fmt, compression


def corpus_stem(path: Path) -> str:
    """The default generation name: the file name without format and compression suffixes."""
    name = path.name
    fmt, compression = split_suffixes(path)
    for suffix in (compression, fmt):
        if suffix and name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name or path.name


def read_documents(path: Path, options: ReadOptions, log: ReadLog) -> Iterator[Document]:
    """Stream the documents of a file or directory (or ``-``, standard input), counting skips in ``log``."""
    check_field_paths(options, STDIN_NAME if path == STDIN else str(path))
    if path == STDIN:
        yield from _read_stdin(options, log)
        return
    st = stat_path(path)
    if st is None:
        raise InputError(Errors.E001.format(path=path))
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        if is_dataset_folder(path):
            yield from _read_dataset(path, options, log)
        else:
            yield from _read_directory(path, options, log)
        return
    if not stat.S_ISREG(mode):
        raise InputError(Errors.E032.format(path=path, kind=_file_kind(mode)))
    fmt, _ = split_suffixes(path)
    if fmt not in FORMATS:
        raise InputError(Errors.E002.format(path=path, suffix=fmt or path.suffix or "(none)"))
    yield from _read_file(path, fmt, options, log, whole_txt=options.txt_mode == "file")


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _read_directory(root: Path, options: ReadOptions, log: ReadLog) -> Iterator[Document]:
    for path in _files_under(root, log):
        if os.path.isdir(path):  # a datasets folder, read as one
            yield from _read_dataset(path, options, log)
            continue
        fmt, _ = split_suffixes(path)
        if fmt not in FORMATS:
            log.skip("unsupported_file", str(path))
            continue
        # In a directory, each .txt file is one document (DESIGN: "a directory of documents").
        yield from _read_file(path, fmt, options, log, whole_txt=True)


def _files_under(root: Path, log: ReadLog) -> Iterator[Path]:
    """The regular files under the folder ``root``, depth first, each folder's names sorted (the
    order of ``sorted(root.rglob("*"))``); every other entry is a counted skip. A ``datasets``
    folder under ``root`` is yielded whole, as one path, and not entered.

    Symbolic links to folders are followed. A folder is read once: met again through a link, it is
    a ``duplicate_folder`` skip, and a link back to a folder being read (a cycle) a
    ``symlink_loop`` skip. A link to nothing is a ``broken_symlink`` skip, a folder that cannot be
    listed an ``unreadable_folder`` skip. A FIFO or device is a ``not_a_regular_file`` skip: a
    FIFO would block the open, a device never ends.
    """
    top = _folder_key(os.stat(root))
    seen = {top}  # every folder read, so none is read twice
    stack = [(top, root, iter(_folder_names(root, log, top=True)))]
    open_folders = {top}  # the folders being read: the current one and those above it
    while stack:
        key, folder, names = stack[-1]
        name = next(names, None)
        if name is None:
            stack.pop()
            open_folders.discard(key)
            continue
        path = folder / name
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # links that lead to each other, never to a file
                log.skip("symlink_loop", str(path))
            elif os.path.islink(path):
                log.skip("broken_symlink", str(path))
            else:  # gone since the listing, or not reachable (a folder listed but not entered)
                log.skip("not_a_regular_file", str(path))
            continue
        if stat.S_ISREG(st.st_mode):
            yield path
        elif not stat.S_ISDIR(st.st_mode):
            log.skip("not_a_regular_file", str(path))
        elif (sub := _folder_key(st)) in open_folders:
            log.skip("symlink_loop", str(path))
        elif sub in seen:
            log.skip("duplicate_folder", str(path))
        elif is_dataset_folder(path):
            seen.add(sub)
            yield path
        else:
            seen.add(sub)
            open_folders.add(sub)
            stack.append((sub, path, iter(_folder_names(path, log))))


def _folder_key(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def _folder_names(folder: Path, log: ReadLog, *, top: bool = False) -> list[str]:
    """The sorted names in ``folder``; one that cannot be listed is an error (the folder given) or a skip."""
    try:
        return sorted(os.listdir(folder))
    except OSError as exc:
        if top:
            raise path_error(folder, exc) from None
        log.skip("unreadable_folder", str(folder))
        return []


def _read_file(path: Path, fmt: str, options: ReadOptions, log: ReadLog, *, whole_txt: bool) -> Iterator[Document]:
    log.files += 1
    if fmt == ".parquet":
        yield from _read_parquet(path, options, log)
        return
    if fmt == ".arrow":
        yield from _read_arrow(path, options, log)
        return
    where = str(path)
    yield from _read_text(_unicode_blocks(_file_blocks(path), where), where, fmt, options, log, whole_txt=whole_txt)


def _read_stdin(options: ReadOptions, log: ReadLog) -> Iterator[Document]:
    log.files += 1
    blocks = _unicode_blocks(_stream_blocks(sys.stdin.buffer, STDIN_NAME), STDIN_NAME)
    first, blocks = _first_nonblank(blocks)
    fmt = ".json" if first in (b"{", b"[") else ".txt"
    yield from _read_text(blocks, STDIN_NAME, fmt, options, log, whole_txt=options.txt_mode == "file")


def _read_text(
    blocks: Iterator[bytes], where: str, fmt: str, options: ReadOptions, log: ReadLog, *, whole_txt: bool
) -> Iterator[Document]:
    """The documents of a text format, from blocks of UTF-8 bytes (see :func:`_unicode_blocks`)."""
    whole = fmt == ".txt" and whole_txt
    if fmt == ".json":  # an array is parsed whole, so its "line" may be the whole file
        first, blocks = _first_nonblank(blocks)
        whole = first == b"["
    lines = _decoded_lines(blocks, where, log, None if whole else MAX_LINE_BYTES, fmt)
    if fmt == ".txt":
        if whole_txt:
            text = "".join(line for _, line in lines)
            yield from _keep_nonempty([Document(text, where)], log)
        elif options.txt_mode == "paragraph":
            yield from _keep_nonempty(_paragraphs(lines, where), log)
        else:
            yield from _keep_nonempty(
                (Document(line.rstrip("\r\n"), f"{where}:{n}") for n, line in lines if line.strip()), log
            )
    elif fmt in (".jsonl", ".json"):
        # a .json file may be one array of records; in .jsonl every line is a record, even "[...]"
        yield from _read_json(where, lines, options, log, allow_array=fmt == ".json")
    else:
        yield from _read_csv(where, lines, "\t" if fmt == ".tsv" else ",", options, log)


def _keep_nonempty(docs: Iterable[Document], log: ReadLog) -> Iterator[Document]:
    for doc in docs:
        if doc.text.strip():
            yield doc
        else:
            log.skip("empty_document", doc.source)


# --- bytes: files, decompression, standard input ----------------------------------------------


def text_blocks(path: Path) -> Iterator[bytes]:
    """The bytes of a text-format file as the readers split it into lines: decompressed, and
    transcoded to UTF-8 when it starts with a UTF-16/UTF-32 byte-order mark (a UTF-8 one is kept).

    For tools that must find a document's record again by its line (``auditor select``)."""
    return _unicode_blocks(_file_blocks(path), str(path))


def _file_blocks(path: Path) -> Iterator[bytes]:
    """The decompressed bytes of a regular file, in blocks of at most :data:`BLOCK_BYTES`."""
    _, compression = split_suffixes(path)
    try:
        # O_NONBLOCK: should the path have become a FIFO since it was checked, the open must not wait
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise path_error(path, exc) from None
    with open(fd, "rb") as raw:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(Errors.E032.format(path=path, kind=_file_kind(mode)))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        if compression is None:
            yield from _stream_blocks(raw, str(path))
            return
        try:
            if os.fstat(fd).st_size == 0:
                raise EOFError("the file is empty")
            frames = _ZstdFrames(raw) if compression == ".zst" else None
            with _decompressor(raw, compression, frames) as stream:
                while block := stream.read(BLOCK_BYTES):
                    yield block
            if frames is not None and not frames.complete:
                raise EOFError(frames.problem or "the stream ends inside a frame")
        except _DECOMPRESS_ERRORS as exc:
            raise InputError(
                Errors.E030.format(path=path, codec=compression, detail=exc, tool=_TOOLS[compression])
            ) from None


def _decompressor(raw: IO[bytes], compression: str, frames: _ZstdFrames | None) -> IO[bytes]:
    """A reader of the decompressed bytes of ``raw`` (which it leaves open)."""
    if compression == ".gz":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == ".bz2":
        return bz2.BZ2File(raw, "rb")
    if compression == ".xz":
        return lzma.LZMAFile(raw, "rb")
    import zstandard

    return zstandard.ZstdDecompressor().stream_reader(frames or raw, read_across_frames=True)  # type: ignore[return-value]


def _stream_blocks(stream: IO[bytes], where: str) -> Iterator[bytes]:
    try:
        while block := stream.read(BLOCK_BYTES):
            yield block
    except OSError as exc:
        raise InputError(Errors.E012.format(path=where, detail=exc)) from None


class _ZstdFrames:
    """Passes a .zst file through to the decompressor, following its frame layout (RFC 8878).

    ``zstandard``'s stream reader ends quietly when its input ends inside a frame; following the
    frame and block headers of what it reads tells a complete stream from a truncated one without
    a second pass over the file.
    """

    _MAGIC, _DESCRIPTOR, _SKIPPABLE, _BLOCK = range(4)

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.state = self._MAGIC
        self.need = 4
        self.header = b""
        self.skip = 0
        self.checksum = 0
        self.offset = 0
        self.problem = ""

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if not self.problem:
            self._follow(data)
        self.offset += len(data)
        return data

    @property
    def complete(self) -> bool:
        """Whether everything read so far ends at a frame boundary."""
        return not self.problem and self.state == self._MAGIC and not self.header and not self.skip

    def _follow(self, data: bytes) -> None:
        pos, end = 0, len(data)
        while pos < end and not self.problem:
            if self.skip:
                step = min(self.skip, end - pos)
                self.skip -= step
                pos += step
                continue
            step = min(self.need - len(self.header), end - pos)
            self.header += data[pos : pos + step]
            pos += step
            if len(self.header) == self.need:
                header, self.header = self.header, b""
                self._advance(header, self.offset + pos)

    def _advance(self, header: bytes, at: int) -> None:
        value = int.from_bytes(header, "little")
        if self.state == self._MAGIC:
            if value == 0xFD2FB528:
                self.state, self.need = self._DESCRIPTOR, 1
            elif value >> 4 == 0x184D2A5:
                self.state, self.need = self._SKIPPABLE, 4
            else:
                self.problem = f"no zstd frame at byte {at - 4}"
        elif self.state == self._DESCRIPTOR:
            single = value >> 5 & 1
            self.checksum = 4 if value & 4 else 0
            self.skip = (1 - single) + (0, 1, 2, 4)[value & 3] + (single, 2, 4, 8)[value >> 6]
            self.state, self.need = self._BLOCK, 3
        elif self.state == self._SKIPPABLE:
            self.skip = value
            self.state, self.need = self._MAGIC, 4
        else:
            kind = value >> 1 & 3
            if kind == 3:
                self.problem = f"reserved block type at byte {at - 3}"
                return
            self.skip = 1 if kind == 1 else value >> 3
            if value & 1:  # the frame's last block, then its checksum
                self.skip += self.checksum
                self.state, self.need = self._MAGIC, 4


def _unicode_blocks(blocks: Iterator[bytes], where: str) -> Iterator[bytes]:
    """UTF-8 blocks: a stream with a UTF-16/UTF-32 byte-order mark is transcoded (the mark dropped).

    The first block returned holds at least the first four bytes of the stream (when it has four).
    """
    head = b""
    for block in blocks:
        head += block
        if len(head) >= 4:
            break
    rest = itertools.chain([head] if head else [], blocks)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return _transcode(rest, encoding, where)
    return rest


def _transcode(blocks: Iterator[bytes], encoding: str, where: str) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder(encoding)()
    name = encoding.upper()
    try:
        for block in blocks:
            if text := decoder.decode(block):
                yield text.encode("utf-8")
        if text := decoder.decode(b"", final=True):
            yield text.encode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Errors.E038.format(path=where, encoding=name, detail=exc.reason)) from None


def _first_nonblank(blocks: Iterator[bytes]) -> tuple[bytes | None, Iterator[bytes]]:
    """The first byte that is not white space (after a UTF-8 BOM), and the blocks, none consumed."""
    seen: list[bytes] = []
    size = 0
    first: bytes | None = None
    for block in blocks:
        seen.append(block)
        size += len(block)
        rest = block[3:] if len(seen) == 1 and block.startswith(_UTF8_BOM) else block
        rest = rest.lstrip(_BLANK)
        if rest:
            first = rest[:1]
            break
        if size > MAX_LINE_BYTES:  # only white space so far: no need to look further
            break
    return first, itertools.chain(seen, blocks)


# --- lines: splitting, limits, decoding ------------------------------------------------------


def _decoded_lines(
    blocks: Iterator[bytes], where: str, log: ReadLog, max_line: int | None, fmt: str = ".txt"
) -> Iterator[tuple[int, str]]:
    """Yield (line number, text with its line ending) from blocks of bytes.

    Lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r`` (also when a block boundary falls between
    ``\\r`` and ``\\n``). Each line is decoded as UTF-8, or, if it is not valid UTF-8, as latin-1
    (which never fails); one warning names the first such line and counts them all. A NUL byte is
    an error; so is a line longer than ``max_line`` bytes (``None``: no limit), raised before the
    line is held whole.
    """
    n = 0
    pos = 0  # stream offset of the current block
    pending: list[bytes] = []  # an unfinished line (in pieces when it spans blocks: joined once)
    pending_size = 0
    head = b""
    latin = 0
    warning = -1
    first_bad = ""
    try:
        for item in itertools.chain(blocks, [None]):
            nul = -1
            if item is None:  # the end: an unfinished last line is a line too
                if not pending:
                    break
                lines = [b"".join(pending)]
                block = b""
            else:
                block = item
                if not pos and not head:
                    head = block[:4096]
                    if block.startswith(_UTF8_BOM):
                        block = block[3:]
                        pos = 3
                        if not block:
                            continue
                nul = block.find(b"\x00")
                if nul >= 0:
                    lines = b"".join([*pending, block[:nul]]).splitlines(True)
                    if lines and not lines[-1].endswith((b"\n", b"\r")):
                        lines.pop()  # the start of the line with the NUL
                else:
                    lines = _split_lines(block)
                    size = pending_size + len(block)
                    if pending:
                        first = lines[0]
                        if pending[-1].endswith(b"\r") and not first.startswith(b"\n"):
                            lines.insert(0, b"".join(pending))  # that "\r" ended the line
                        elif len(lines) == 1 and not first.endswith((b"\n", b"\r")):
                            pending.append(first)  # the line goes on
                            pending_size = size
                            pos += len(block)
                            if max_line is not None and pending_size > max_line:
                                raise InputError(
                                    Errors.E031.format(path=where, line=n + 1, limit=f"{max_line:,}", format=fmt)
                                )
                            continue
                        else:
                            lines[0] = b"".join([*pending, first])
                    last = lines[-1]
                    # a last line without its ending goes on in the next block; so may "\r" (of "\r\n")
                    if last.endswith(b"\n"):
                        pending = []
                        pending_size = 0
                    else:
                        lines.pop()
                        pending = [last]
                        pending_size = len(last)
                    if max_line is not None and size > max_line:
                        for i, line in enumerate([*lines, last]):
                            if len(line) > max_line:
                                raise InputError(
                                    Errors.E031.format(path=where, line=n + 1 + i, limit=f"{max_line:,}", format=fmt)
                                )
            for line in lines:
                n += 1
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    text = line.decode("latin-1")
                    latin += 1
                    if latin == 1:
                        first_bad = f"{where}:{n}: not valid UTF-8 ({exc.reason} at byte {exc.start})"
                        warning = len(log.warnings)
                        log.warnings.append(_latin1_warning(first_bad, latin))
                yield n, text
            if nul >= 0:
                # the NUL's line number counts the lines before it; its offset counts stream bytes
                if _looks_utf16(head):
                    encoding = "UTF-16LE" if head[1:2] == b"\x00" else "UTF-16BE"
                    raise InputError(Errors.E033.format(path=where, encoding=encoding))
                raise InputError(Errors.E005.format(path=where, line=n + 1, offset=pos + nul))
            pos += len(block)
    finally:
        if latin > 1 and 0 <= warning < len(log.warnings):
            log.warnings[warning] = _latin1_warning(first_bad, latin)


_LONE_CR = re.compile(rb"\r(?!\n)")


def _split_lines(block: bytes) -> list[bytes]:
    """Lines with their endings (``\n``, ``\r\n``, a lone ``\r``); the last may have none.

    ``bytes.splitlines`` does exactly this but is slow, so it is kept for blocks with a lone ``\r``.
    """
    if b"\r" in block and _LONE_CR.search(block):
        return block.splitlines(True)
    return io.BytesIO(block).readlines()


def _latin1_warning(first: str, count: int) -> str:
    if count == 1:
        return f"{first}; read this line as latin-1 (the other lines are UTF-8)"
    return f"{first}; read {count:,} lines that are not UTF-8 as latin-1, this the first (the other lines are UTF-8)"


def _looks_utf16(head: bytes) -> bool:
    """Whether the start of a stream looks like UTF-16 text without its byte-order mark.

    Text in a Latin script as UTF-16 has a NUL in every other byte (the odd ones little-endian,
    the even ones big-endian) and none in the others.
    """
    head = head[: len(head) // 2 * 2]
    if len(head) < 8:
        return False
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    return (even == 0 and odd >= half // 2) or (odd == 0 and even >= half // 2)


def _paragraphs(lines: Iterable[tuple[int, str]], where: str) -> Iterator[Document]:
    buf: list[str] = []
    start = 0
    for n, line in lines:
        if line.strip():
            if not buf:
                start = n
            buf.append(line.strip())
        elif buf:
            yield Document(" ".join(buf), f"{where}:{start}")
            buf = []
    if buf:
        yield Document(" ".join(buf), f"{where}:{start}")


# --- JSON --------------------------------------------------------------------------------------


def _read_json(
    where: str, lines: Iterator[tuple[int, str]], options: ReadOptions, log: ReadLog, *, allow_array: bool
) -> Iterator[Document]:
    first = None
    for n, line in lines:
        if line.strip():
            first = (n, line)
            break
    if first is None:
        return
    if allow_array and first[1].lstrip().startswith("["):
        # A JSON array must be parsed whole; the line number of an error comes from the parser.
        text = first[1] + "".join(line for _, line in lines)
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(Errors.E003.format(path=where, line=first[0] - 1 + exc.lineno, detail=exc.msg)) from None
        except RecursionError:
            depth, at = _json_depth(text)
            line = first[0] + text.count("\n", 0, at) + text.count("\r", 0, at) - text.count("\r\n", 0, at)
            raise InputError(_too_deep(where, line, depth)) from None
        except ValueError as exc:  # e.g. an integer too long to convert
            raise InputError(Errors.E003.format(path=where, line=first[0], detail=exc)) from None
        for i, record in enumerate(records):
            yield from _record_documents(record, f"{where}[{i}]", options, log)
        return
    for n, line in _chain_first(first, lines):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(Errors.E003.format(path=where, line=n, detail=exc.msg)) from None
        except RecursionError:
            raise InputError(_too_deep(where, n, _json_depth(line)[0])) from None
        except ValueError as exc:  # e.g. an integer too long to convert
            raise InputError(Errors.E003.format(path=where, line=n, detail=exc)) from None
        yield from _record_documents(record, f"{where}:{n}", options, log)


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def _json_depth(text: str) -> tuple[int, int]:
    """The deepest nesting of brackets in JSON text (strings aside), and where it is first reached."""
    depth = deepest = at = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(lambda m: " " * len(m.group()), text)):
        if match.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest, at = depth, match.start()
        else:
            depth -= 1
    return deepest, at


def _too_deep(where: str, line: int, depth: int) -> str:
    return Errors.E034.format(path=where, line=line, depth=f"{depth:,}", limit=f"{sys.getrecursionlimit():,}")


def _chain_first(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def _record_documents(record: Any, source: str, options: ReadOptions, log: ReadLog) -> Iterator[Document]:
    """The documents of one JSON record (or of one row of a columnar file read as a record)."""
    if isinstance(record, str):
        yield from _keep_nonempty([Document(_valid_unicode(record), source)], log)
        return
    if not isinstance(record, dict):
        log.skip("not_an_object", source)
        return
    path = parse_field_path(options.text_field)
    found, unmatched = field_values(record, path)
    if unmatched:
        detail = f"no turn matches the field path '{options.text_field}'"
        log.skip("no_matching_turn", source, detail=detail)
        return
    if not found:
        log.skip("missing_field", source)
        return
    fields = {}
    for name in options.extra_fields:
        value = extract_field(record, name)
        if value is not None:
            fields[name] = _valid_unicode(value)
    if options.turns == "joined":
        parts = [(source, found)]
    else:
        each = any(step.expand for step in path.steps)
        parts = [(f"{source} turn {i}" if each else source, [value]) for i, value in enumerate(found, 1)]
    for where, values in parts:
        text = _as_text(values)
        if text is None:  # the field is there, but holds no text
            _skip_not_text(log, _json_type(values[0]), options.text_field, where)
        elif not text.strip():
            log.skip("empty_document", where)
        else:
            yield Document(_valid_unicode(text), where, dict(fields))


def _valid_unicode(text: str) -> str:
    """JSON may escape lone surrogates (``"\\ud800"``), which no UTF-8 output can hold: replace them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _json_type(value: Any) -> str:
    """The type of a JSON value that is not text, as a skip reason names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "list" if isinstance(value, list) else "object"


def _skip_not_text(log: ReadLog, kind: str, text_field: str, source: str) -> None:
    """Count a record whose text field is there but holds ``kind`` (null, list...): ``text_is_<kind>``."""
    article = "an" if kind[0] in "aeiou" else "a"
    shown = kind if kind == "null" else f"{article} {kind}"
    log.skip(f"text_is_{kind}", source, detail=f"the text field '{text_field}' is {shown}, not text")


def extract_field(record: dict[str, Any], path: str) -> str | None:
    """The text a field path (:mod:`auditor.corpus.fields`: dotted, with ``[*]`` and
    ``[key=value]`` brackets) reaches in ``record``.

    Several matches are joined with newlines, so a chat record becomes one document. Numbers are
    kept as their text; anything else that is not a string counts as missing.
    """
    return _as_text(field_values(record, parse_field_path(path))[0])


def _as_text(values: list[Any]) -> str | None:
    """The strings and numbers among ``values``, and the text parts of a content given as a list of
    parts (:func:`~auditor.corpus.fields.content_part_texts`), as one text (None if there are none)."""
    texts: list[str] = []
    for v in values:
        if isinstance(v, str):
            texts.append(v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            texts.append(str(v))
        else:
            texts.extend(content_part_texts(v) or ())
    if not texts:
        return None
    return "\n".join(texts)


# --- CSV and TSV -------------------------------------------------------------------------------


def _read_csv(
    where: str, lines: Iterator[tuple[int, str]], delimiter: str, options: ReadOptions, log: ReadLog
) -> Iterator[Document]:
    tsv = delimiter == "\t"
    text_lines = (line for _, line in lines)
    if tsv:  # no quoting in TSV: a quote is text, and a field holds no tab or line break
        reader = csv.reader(text_lines, delimiter="\t", quoting=csv.QUOTE_NONE, strict=True)
    else:
        reader = csv.reader(text_lines, delimiter=",", strict=True)
    start = 1
    try:
        header = next(reader, None)
        if header is None:
            return
        if options.text_field not in header:
            raise InputError(
                Errors.E004.format(path=where, field=options.text_field, available=", ".join(map(repr, header)))
            )
        width = len(header)
        col = header.index(options.text_field)
        extra = {name: header.index(name) for name in options.extra_fields if name in header}
        reference: list[str] | None = None  # the last one-line row, to compare swallowed lines with
        too_many = 0
        warning = -1
        first_too_many = ""
        start = reader.line_num + 1
        for row in reader:
            row_start, start = start, reader.line_num + 1
            if not row:
                continue
            if reader.line_num > row_start:
                _check_multiline(row, row_start, reader.line_num, reference, width, delimiter, where)
            elif len(row) == width:
                reference = row
            source = f"{where}:{row_start}"
            if len(row) > width:
                # an unquoted delimiter in the text: which part is the text is a guess, so skip the row
                log.skip("too_many_fields", source)
                too_many += 1
                if too_many == 1:
                    first_too_many = f"{source}: {len(row)} fields where the header has {width}"
                    warning = len(log.warnings)
                    log.warnings.append(_too_many_warning(first_too_many, 1))
                else:
                    log.warnings[warning] = _too_many_warning(first_too_many, too_many)
                continue
            if col >= len(row):
                log.skip("missing_field", source)
                continue
            text = row[col]
            if not text.strip():
                log.skip("empty_document", source)
                continue
            fields = {name: row[i] for name, i in extra.items() if i < len(row)}
            yield Document(text, source, fields)
    except csv.Error as exc:
        end = reader.line_num
        if "unexpected end of data" in str(exc):
            detail = f"a quoted field opened in the row that starts here is never closed (the file ends at line {end})"
        elif end > start:
            detail = f"the row that starts here breaks at line {end} ({exc}): a quote opened here was probably stray"
        else:
            detail = str(exc)
        raise InputError(Errors.E035.format(path=where, line=start, detail=detail)) from None


def _too_many_warning(first: str, count: int) -> str:
    rows = "1 row" if count == 1 else f"{count:,} rows"
    return f"{first}; skipped {rows} with too many fields (this the first): an unquoted delimiter in a text?"


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _check_multiline(
    row: list[str], start: int, end: int, reference: list[str] | None, width: int, delimiter: str, where: str
) -> None:
    """Refuse a quoted field whose lines look like rows of the file: a stray quote swallowed them.

    A legitimate multi-line field holds text; swallowed rows each have the file's number of
    fields, with digits where the file's rows have digits (ids, counts). Two such lines (all its
    lines but the last, which the closing quote may have cut) mark a field as swallowed rows.
    """
    numeric = [i for i, value in enumerate(reference or row) if _digits(value)]
    if not numeric:
        return  # no column to tell a row from a line of text
    for value in row:
        if "\n" not in value and "\r" not in value:
            continue
        inner = [part for part in _LINE_BREAK.split(value)[1:] if part.strip()]
        looks = [_looks_like_row(part, delimiter, width, numeric) for part in inner]
        if sum(looks) >= 2 and all(looks[:-1]):
            detail = (
                f"the quoted field that starts in this row runs to line {end}, and {sum(looks)} of its lines "
                "look like rows of their own: a stray quote probably swallowed them"
            )
            raise InputError(Errors.E035.format(path=where, line=start, detail=detail))


def _looks_like_row(line: str, delimiter: str, width: int, numeric: list[int]) -> bool:
    parts = line.split(delimiter)
    return len(parts) == width and all(_digits(parts[i]) for i in numeric)


# --- Parquet -----------------------------------------------------------------------------------


def _read_parquet(path: Path, options: ReadOptions, log: ReadLog) -> Iterator[Document]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(Errors.E012.format(path=path, detail=exc)) from None

    def batches(columns: list[str]) -> Iterator[Any]:
        return pf.iter_batches(columns=columns, batch_size=COLUMNAR_ROWS)  # type: ignore[no-any-return]

    yield from _columnar_documents(path, pf.schema_arrow, batches, options, log)


def _read_arrow(path: Path, options: ReadOptions, log: ReadLog) -> Iterator[Document]:
    """An Arrow IPC file, stream format or file format, one record batch at a time."""
    import pyarrow as pa

    try:
        source = pa.OSFile(str(path))
    except (OSError, pa.ArrowException) as exc:
        raise InputError(Errors.E012.format(path=path, detail=exc)) from None
    with source:
        try:
            file_format = source.read(6) == b"ARROW1"
            source.seek(0)
            reader = pa.ipc.open_file(source) if file_format else pa.ipc.open_stream(source)
        except (OSError, pa.ArrowException) as exc:
            raise InputError(Errors.E105.format(path=path, detail=exc)) from None

        def batches(columns: list[str]) -> Iterator[Any]:
            if file_format:
                record_batches: Iterable[Any] = (reader.get_batch(i) for i in range(reader.num_record_batches))
            else:
                record_batches = reader
            for batch in record_batches:
                batch = batch.select(columns)
                for offset in range(0, batch.num_rows, COLUMNAR_ROWS):
                    yield batch.slice(offset, COLUMNAR_ROWS)

        yield from _columnar_documents(path, reader.schema, batches, options, log)


def _columnar_documents(
    path: Path, schema: Any, batches: Callable[[list[str]], Iterator[Any]], options: ReadOptions, log: ReadLog
) -> Iterator[Document]:
    """The documents of a Parquet or Arrow file with ``schema``, from ``batches(columns)``: the
    record batches of those columns, at most :data:`COLUMNAR_ROWS` rows each.

    A text field naming a column is read as that column (a number column as the numbers' text);
    a field path into a column (``messages[role=assistant].content``) reads each row as a record of
    the columns it needs, as a JSON record is read.
    """
    import pyarrow as pa

    names = schema.names
    field_path = parse_field_path(options.text_field)
    kind: str | None = None
    if options.text_field in names:
        column_type = schema.field(options.text_field).type
        kind = _column_kind(column_type)
        if kind is None:
            raise InputError(Errors.E036.format(path=path, field=options.text_field, type=column_type))
        columns = [options.text_field]
    elif len(field_path.steps) == 1 and not field_path.steps[0].expand:
        raise InputError(Errors.E004.format(path=path, field=options.text_field, available=", ".join(map(repr, names))))
    elif field_path.column not in names:
        detail = {"column": field_path.column, "field": field_path.text, "available": ", ".join(map(repr, names))}
        raise InputError(Errors.E104.format(path=path, **detail))
    else:
        columns = [field_path.column]
    extra = [name for name in options.extra_fields if name in names]
    nested = [name for name in options.extra_fields if name not in names and parse_field_path(name).column in names]
    columns = list(dict.fromkeys([*columns, *extra, *(parse_field_path(name).column for name in nested)]))
    row = 0
    try:
        for batch in batches(columns):
            data = batch.to_pydict()
            for i in range(batch.num_rows):
                row += 1
                source = f"{path}:row {row}"
                if kind is None:  # a field path: the row is a record of its columns
                    yield from _record_documents({c: data[c][i] for c in columns}, source, options, log)
                    continue
                doc = _column_document(data[options.text_field][i], kind, source, options, log)
                if doc is not None:
                    fields = {name: str(data[name][i]) for name in extra if data[name][i] is not None}
                    for name in nested:
                        value = extract_field({c: data[c][i] for c in columns}, name)
                        if value is not None:
                            fields[name] = value
                    yield Document(doc, source, fields)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(Errors.E012.format(path=path, detail=exc)) from None


def _column_document(text: Any, kind: str, source: str, options: ReadOptions, log: ReadLog) -> str | None:
    """The text of one value of a text or number column; None (a counted skip) when it has none."""
    if text is None:
        _skip_not_text(log, "null", options.text_field, source)
        return None
    if kind == "number":  # as extract_field does for JSON numbers
        text = str(text)
    if not text.strip():
        log.skip("empty_document", source)
        return None
    return str(text)


# --- Hugging Face datasets folders ------------------------------------------------------------


def is_dataset_folder(path: Path) -> bool:
    """Whether ``path`` is a folder written by ``datasets``' ``save_to_disk``: one dataset
    (``state.json`` and ``dataset_info.json``) or a ``DatasetDict`` (``dataset_dict.json``)."""
    return all(os.path.isfile(path / name) for name in DATASET_FILES) or os.path.isfile(path / DATASET_DICT)


def dataset_files(folder: Path) -> list[Path]:
    """The Arrow files of a ``datasets`` folder, in the order its ``state.json`` lists them; of a
    ``DatasetDict`` folder, those of each split in the order ``dataset_dict.json`` lists them."""
    if not all(os.path.isfile(folder / name) for name in DATASET_FILES):
        splits = _dataset_json(folder, DATASET_DICT).get("splits")
        if not isinstance(splits, list) or not splits or not all(isinstance(s, str) and s for s in splits):
            raise InputError(Errors.E106.format(path=folder, file=DATASET_DICT, detail="it lists no splits"))
        files = []
        for split in splits:
            if not _inside(split) or not all(os.path.isfile(folder / split / name) for name in DATASET_FILES):
                detail = f"it lists the split {split!r}, which is not a datasets folder inside it"
                raise InputError(Errors.E106.format(path=folder, file=DATASET_DICT, detail=detail))
            files += dataset_files(folder / split)
        return files
    listed = _dataset_json(folder, "state.json").get("_data_files")
    if not isinstance(listed, list) or not listed:
        raise InputError(Errors.E106.format(path=folder, file="state.json", detail="it lists no _data_files"))
    files = []
    for entry in listed:
        name = entry.get("filename") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            detail = f"a _data_files entry without a filename ({entry!r:.60})"
        elif not _inside(name):
            detail = f"it lists {name!r}, outside the folder"
        elif not os.path.isfile(folder / name):
            detail = f"it lists {name!r}, which is not there"
        else:
            files.append(folder / name)
            continue
        raise InputError(Errors.E106.format(path=folder, file="state.json", detail=detail))
    return files


def _dataset_json(folder: Path, name: str) -> dict[str, Any]:
    """A ``datasets`` folder's JSON file ``name``, which must hold an object."""
    try:
        data = json.loads((folder / name).read_bytes())
    except OSError as exc:
        raise path_error(folder / name, exc) from None
    except ValueError as exc:
        raise InputError(Errors.E106.format(path=folder, file=name, detail=f"it is not JSON ({exc})")) from None
    if not isinstance(data, dict):
        raise InputError(Errors.E106.format(path=folder, file=name, detail="it is not a JSON object"))
    return data


def _inside(name: str) -> bool:
    """Whether a name a ``datasets`` folder lists stays inside it."""
    relative = Path(name)
    return not relative.is_absolute() and ".." not in relative.parts


def _read_dataset(folder: Path, options: ReadOptions, log: ReadLog) -> Iterator[Document]:
    for path in dataset_files(folder):
        log.files += 1
        yield from _read_arrow(path, options, log)


def _column_kind(kind: Any) -> str | None:
    """``"text"`` for string columns, ``"number"`` for numeric ones, None for any other type."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        return "text"
    if getattr(pa.types, "is_string_view", lambda _: False)(kind):
        return "text"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "number"
    return None
