"""Readers: turn a path into a stream of :class:`Document` (never the whole corpus in memory).

Formats: ``.txt`` (line, paragraph or whole-file documents), ``.jsonl``/``.json`` (JSON lines or
an array), ``.csv``/``.tsv`` (a column), ``.parquet`` (a column) and directories of these, each
optionally compressed as ``.gz``, ``.zst``, ``.bz2`` or ``.xz``.

Decoding: UTF-8 (a BOM is dropped); a file that is not valid UTF-8 is read as latin-1 from the
first bad line on, with a warning. A NUL byte means binary data and is an error. Records that
carry no text (missing field, empty text) are skipped and counted, never silently dropped.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from auditor.errors import Errors, InputError

COMPRESSIONS = (".gz", ".zst", ".bz2", ".xz")
FORMATS = (".txt", ".jsonl", ".json", ".csv", ".tsv", ".parquet")

try:
    from zstandard import ZstdError as _ZstdError
except ImportError:  # pragma: no cover - zstandard is a dependency

    class _ZstdError(Exception):  # type: ignore[no-redef]
        """Stand-in when zstandard is missing."""


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

    def skip(self, reason: str, where: str = "") -> None:
        """Count one skipped document (or file) for ``reason``; with ``strict``, refuse it instead."""
        if self.strict:
            raise InputError(Errors.E023.format(where=where or "input", reason=reason.replace("_", " ")))
        self.skipped[reason] += 1


@dataclass(frozen=True)
class ReadOptions:
    """The reader settings (a slice of :class:`auditor.config.Settings`)."""

    text_field: str = "text"
    txt_mode: str = "line"
    extra_fields: tuple[str, ...] = ()


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
    """Stream the documents of a file or directory, counting what is skipped in ``log``."""
    if not path.exists():
        raise InputError(Errors.E001.format(path=path))
    if path.is_dir():
        yield from _read_directory(path, options, log)
        return
    fmt, _ = split_suffixes(path)
    if fmt not in FORMATS:
        raise InputError(Errors.E002.format(path=path, suffix=fmt or path.suffix or "(none)"))
    yield from _read_file(path, fmt, options, log, whole_txt=options.txt_mode == "file")


def _read_directory(root: Path, options: ReadOptions, log: ReadLog) -> Iterator[Document]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    for path in files:
        fmt, _ = split_suffixes(path)
        if fmt not in FORMATS:
            log.skip("unsupported_file", str(path))
            continue
        # In a directory, each .txt file is one document (DESIGN: "a directory of documents").
        yield from _read_file(path, fmt, options, log, whole_txt=True)


def _read_file(path: Path, fmt: str, options: ReadOptions, log: ReadLog, *, whole_txt: bool) -> Iterator[Document]:
    log.files += 1
    if fmt == ".parquet":
        yield from _read_parquet(path, options, log)
        return
    lines = _decoded_lines(path, log)
    if fmt == ".txt":
        if whole_txt:
            text = "".join(line for _, line in lines)
            yield from _keep_nonempty([Document(text, str(path))], log)
        elif options.txt_mode == "paragraph":
            yield from _keep_nonempty(_paragraphs(lines, path), log)
        else:
            yield from _keep_nonempty(
                (Document(line.rstrip("\r\n"), f"{path}:{n}") for n, line in lines if line.strip()), log
            )
    elif fmt in (".jsonl", ".json"):
        # a .json file may be one array of records; in .jsonl every line is a record, even "[...]"
        yield from _read_json(path, lines, options, log, allow_array=fmt == ".json")
    else:
        yield from _read_csv(path, lines, "\t" if fmt == ".tsv" else ",", options, log)


def _keep_nonempty(docs: Iterable[Document], log: ReadLog) -> Iterator[Document]:
    for doc in docs:
        if doc.text.strip():
            yield doc
        else:
            log.skip("empty_document", doc.source)


def _open_binary(path: Path) -> IO[bytes]:
    _, compression = split_suffixes(path)
    try:
        if compression == ".gz":
            return gzip.open(path, "rb")
        if compression == ".bz2":
            return bz2.open(path, "rb")
        if compression == ".xz":
            return lzma.open(path, "rb")
        if compression == ".zst":
            import zstandard

            return zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True)
        return open(path, "rb")
    except OSError as exc:
        raise InputError(Errors.E012.format(path=path, detail=exc)) from None


def _decoded_lines(path: Path, log: ReadLog) -> Iterator[tuple[int, str]]:
    """Yield (line number, text with its line ending) from a possibly compressed file.

    Each line is decoded as UTF-8 until one fails; from then on the file is read as latin-1
    (which never fails), with one warning naming the first bad line.
    """
    encoding = "utf-8"
    offset = 0
    try:
        with _open_binary(path) as raw:
            stream = io.BufferedReader(raw) if not isinstance(raw, io.BufferedIOBase) else raw
            for n, line in enumerate(stream, start=1):
                nul = line.find(b"\x00")
                if nul >= 0:
                    raise InputError(Errors.E005.format(path=path, line=n, offset=offset + nul))
                offset += len(line)
                if n == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                try:
                    text = line.decode(encoding)
                except UnicodeDecodeError as exc:
                    encoding = "latin-1"
                    log.warnings.append(
                        f"{path}:{n}: not valid UTF-8 ({exc.reason} at byte {exc.start}); "
                        "read the rest of the file as latin-1"
                    )
                    text = line.decode(encoding)
                yield n, text
    except (OSError, EOFError, lzma.LZMAError, _ZstdError) as exc:
        raise InputError(Errors.E012.format(path=path, detail=exc)) from None


def _paragraphs(lines: Iterable[tuple[int, str]], path: Path) -> Iterator[Document]:
    buf: list[str] = []
    start = 0
    for n, line in lines:
        if line.strip():
            if not buf:
                start = n
            buf.append(line.strip())
        elif buf:
            yield Document(" ".join(buf), f"{path}:{start}")
            buf = []
    if buf:
        yield Document(" ".join(buf), f"{path}:{start}")


def _read_json(
    path: Path, lines: Iterator[tuple[int, str]], options: ReadOptions, log: ReadLog, *, allow_array: bool
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
            raise InputError(Errors.E003.format(path=path, line=first[0] - 1 + exc.lineno, detail=exc.msg)) from None
        for i, record in enumerate(records):
            doc = _record_to_document(record, f"{path}[{i}]", options, log)
            if doc is not None:
                yield doc
        return
    for n, line in _chain_first(first, lines):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(Errors.E003.format(path=path, line=n, detail=exc.msg)) from None
        doc = _record_to_document(record, f"{path}:{n}", options, log)
        if doc is not None:
            yield doc


def _chain_first(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def _record_to_document(record: Any, source: str, options: ReadOptions, log: ReadLog) -> Document | None:
    if isinstance(record, str):
        text: str | None = record
        fields: dict[str, str] = {}
    elif isinstance(record, dict):
        text = extract_field(record, options.text_field)
        fields = {}
        for name in options.extra_fields:
            value = extract_field(record, name)
            if value is not None:
                fields[name] = value
    else:
        log.skip("not_an_object", source)
        return None
    if text is None:
        log.skip("missing_field", source)
        return None
    if not text.strip():
        log.skip("empty_document", source)
        return None
    return Document(_valid_unicode(text), source, {k: _valid_unicode(v) for k, v in fields.items()})


def _valid_unicode(text: str) -> str:
    """JSON may escape lone surrogates (``"\\ud800"``), which no UTF-8 output can hold: replace them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def extract_field(record: dict[str, Any], path: str) -> str | None:
    """Follow a dotted path (``a.b``) with ``[*]`` list expansion (``messages[*].content``).

    Several matches are joined with newlines, so a chat record becomes one document. Numbers are
    kept as their text; anything else that is not a string counts as missing.
    """
    values: list[Any] = [record]
    for part in path.split("."):
        expand = part.endswith("[*]")
        key = part[:-3] if expand else part
        nxt: list[Any] = []
        for value in values:
            if isinstance(value, dict) and key in value:
                child = value[key]
                if expand:
                    if isinstance(child, list):
                        nxt.extend(child)
                else:
                    nxt.append(child)
        values = nxt
    texts = [
        v if isinstance(v, str) else str(v)
        for v in values
        if isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool))
    ]
    if not texts:
        return None
    return "\n".join(texts)


def _read_csv(
    path: Path, lines: Iterator[tuple[int, str]], delimiter: str, options: ReadOptions, log: ReadLog
) -> Iterator[Document]:
    reader = csv.reader((line for _, line in lines), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            return
        if options.text_field not in header:
            raise InputError(
                Errors.E004.format(path=path, field=options.text_field, available=", ".join(map(repr, header)))
            )
        col = header.index(options.text_field)
        extra = {name: header.index(name) for name in options.extra_fields if name in header}
        for row in reader:
            if not row:
                continue
            where = f"{path}:{reader.line_num}"
            if col >= len(row):
                log.skip("missing_field", where)
                continue
            text = row[col]
            if not text.strip():
                log.skip("empty_document", where)
                continue
            fields = {name: row[i] for name, i in extra.items() if i < len(row)}
            yield Document(text, f"{path}:{reader.line_num}", fields)
    except csv.Error as exc:
        raise InputError(Errors.E018.format(path=path, line=reader.line_num, detail=f"malformed CSV ({exc})")) from None


def _read_parquet(path: Path, options: ReadOptions, log: ReadLog) -> Iterator[Document]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(Errors.E012.format(path=path, detail=exc)) from None
    names = pf.schema_arrow.names
    if options.text_field not in names:
        raise InputError(Errors.E004.format(path=path, field=options.text_field, available=", ".join(map(repr, names))))
    extra = [name for name in options.extra_fields if name in names]
    row = 0
    for batch in pf.iter_batches(columns=[options.text_field, *extra], batch_size=4096):
        data = batch.to_pydict()
        for i, text in enumerate(data[options.text_field]):
            row += 1
            if not isinstance(text, str):
                log.skip("missing_field", f"{path}:row {row}")
                continue
            if not text.strip():
                log.skip("empty_document", f"{path}:row {row}")
                continue
            fields = {name: str(data[name][i]) for name in extra if data[name][i] is not None}
            yield Document(text, f"{path}:row {row}", fields)
