"""Bytes in and out: a text file's raw lines, numbered as the readers number them, and an output
file written atomically and compressed as its name says.

A kept record is copied as the bytes it was read from, so its line is found again by number: the
readers number lines after decompression and a UTF-8 byte-order mark, splitting at ``\\n``,
``\\r\\n`` and a lone ``\\r``, which is exactly :meth:`bytes.splitlines`. Each line is decoded as
they decode it (UTF-8, else latin-1), for the formats whose records must be parsed to be counted.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from auditor.atomic import atomic_file
from auditor.corpus.readers import split_suffixes, text_blocks

UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Line:
    """One line of a text file: its number (from 1), its bytes with their ending, its text."""

    number: int
    raw: bytes
    text: str


def text_lines(path: Path) -> tuple[bytes, Iterator[Line]]:
    """The file's UTF-8 byte-order mark (``b""`` if none) and its lines, streamed."""
    blocks = text_blocks(path)
    first = next(blocks, b"")
    bom = UTF8_BOM if first.startswith(UTF8_BOM) else b""
    return bom, _numbered(_split(first[len(bom) :], blocks))


def _split(first: bytes, blocks: Iterator[bytes]) -> Iterator[bytes]:
    """Lines with their endings from blocks of bytes; a line (or a ``\\r\\n``) may span blocks."""
    pending: list[bytes] = [first] if first else []
    for block in blocks:
        if not pending:
            data = block
        elif b"\n" not in block and b"\r" not in block:
            pending.append(block)  # a long line goes on: joined once it ends
            continue
        else:
            data = b"".join([*pending, block])
        lines = data.splitlines(True)
        # the last piece may go on in the next block; so may a final "\r" (of "\r\n")
        pending = [lines.pop()] if lines and not lines[-1].endswith(b"\n") else []
        yield from lines
    if pending:
        yield from b"".join(pending).splitlines(True)


def _numbered(lines: Iterator[bytes]) -> Iterator[Line]:
    for n, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        yield Line(n, raw, text)


@contextmanager
def output_file(path: Path) -> Iterator[IO[bytes]]:
    """A binary stream to ``path``, compressed by its suffix (``.gz``, ``.bz2``, ``.xz``, ``.zst``)
    with no name or time in the header, so the same content gives the same bytes; the file
    appears whole on a clean exit (:func:`~auditor.atomic.atomic_file`)."""
    _, compression = split_suffixes(path)
    with atomic_file(path) as target, open(target, "wb") as raw:
        if compression is None:
            yield raw
        elif compression == ".gz":
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as stream:
                yield stream  # type: ignore[misc]
        elif compression == ".bz2":
            with bz2.BZ2File(raw, "wb") as stream:
                yield stream
        elif compression == ".xz":
            with lzma.LZMAFile(raw, "wb") as stream:
                yield stream
        else:
            import zstandard

            with zstandard.ZstdCompressor().stream_writer(raw, closefd=False) as stream:
                yield stream
