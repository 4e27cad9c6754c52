"""Readers: every format, compression, encodings, and a counted skip or a clear error for bad input."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from auditor.corpus import ReadLog, ReadOptions, parse_corpus_args, read_documents
from auditor.corpus.readers import extract_field
from auditor.errors import InputError, UsageError
from tests.conftest import DATA


def read(path: Path, **options) -> tuple[list[str], ReadLog]:
    log = ReadLog()
    docs = list(read_documents(path, ReadOptions(**options), log))
    return [d.text for d in docs], log


def test_txt_modes(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("one line\ntwo line\n\nthird para\n", encoding="utf-8")
    assert read(path)[0] == ["one line", "two line", "third para"]
    assert read(path, txt_mode="paragraph")[0] == ["one line two line", "third para"]
    assert read(path, txt_mode="file")[0] == ["one line\ntwo line\n\nthird para\n"]


def test_latin1_file_is_read_with_a_warning() -> None:
    texts, log = read(DATA / "1954-Eisenhower.txt")
    # The address has "the ½¢ debt" in latin-1 (bytes BD A2): decoded as such, not dropped.
    assert any("cancellation of the ½¢" in t for t in texts)
    assert len(log.warnings) == 1 and "1954-Eisenhower.txt" in log.warnings[0] and "latin-1" in log.warnings[0]
    # the raw bytes are not UTF-8, so without the fallback this file could not be read at all
    with pytest.raises(UnicodeDecodeError):
        (DATA / "1954-Eisenhower.txt").read_bytes().decode("utf-8")


def test_utf8_file_has_no_warning_and_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfhello world\r\nsecond line\r\n")
    texts, log = read(path)
    assert texts == ["hello world", "second line"] and log.warnings == []


def test_invalid_utf8_line_switches_to_latin1(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"text": "ok line"}\n{"text": "caf\xe9 bad"}\n')
    texts, log = read(path)
    assert texts == ["ok line", "café bad"]
    assert "mixed.jsonl:2" in log.warnings[0]


def test_binary_junk_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.txt"
    path.write_bytes(b"text first\n\x00\x01\x02\xff")
    with pytest.raises(InputError, match=r"junk\.txt:2: looks like binary data \(NUL byte at byte offset 11\)"):
        read(path)


def test_jsonl_line_that_is_not_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine"}\n\n{"text": broken}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:3: not valid JSON"):
        read(path)


def test_missing_and_empty_fields_are_counted_skips(tmp_path: Path) -> None:
    path = tmp_path / "fields.jsonl"
    rows = [{"text": "kept"}, {"body": "no text field"}, {"text": "   "}, {"text": None}, [1, 2], "a bare string"]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    texts, log = read(path)
    assert texts == ["kept", "a bare string"]
    assert log.skipped == {"missing_field": 1, "text_is_null": 1, "empty_document": 1, "not_an_object": 1}


def test_json_array_and_nested_fields(tmp_path: Path) -> None:
    path = tmp_path / "chat.json"
    records = [
        {"messages": [{"role": "user", "content": "hi there"}, {"role": "assistant", "content": "hello"}]},
        {"meta": {"body": "nested"}, "messages": []},
    ]
    path.write_text(json.dumps(records), encoding="utf-8")
    assert read(path, text_field="messages[*].content")[0] == ["hi there\nhello"]
    assert extract_field(records[1], "meta.body") == "nested"
    assert extract_field(records[1], "meta.missing") is None


def test_json_array_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "arr.json"
    path.write_text('[\n{"text": "a"},\n{"text": }\n]', encoding="utf-8")
    with pytest.raises(InputError, match=r"arr\.json:3: not valid JSON"):
        read(path)


def test_csv_tsv_and_missing_column(tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_text('id,text\n1,"hello, world"\n2,"multi\nline"\n3,\n', encoding="utf-8")
    texts, log = read(csv_path)
    assert texts == ["hello, world", "multi\nline"] and log.skipped["empty_document"] == 1
    tsv_path = tmp_path / "a.tsv"
    tsv_path.write_text("body\tx\nfirst doc\t1\n", encoding="utf-8")
    assert read(tsv_path, text_field="body")[0] == ["first doc"]
    with pytest.raises(InputError, match=r"a\.tsv: column 'text' not found. Available columns: 'body', 'x'"):
        read(tsv_path)


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"text": ["one doc", None, "two doc"], "author": ["x", "y", "z"]}), path)
    log = ReadLog()
    docs = list(read_documents(path, ReadOptions(extra_fields=("author",)), log))
    assert [d.text for d in docs] == ["one doc", "two doc"]
    assert [d.fields["author"] for d in docs] == ["x", "z"]
    assert log.skipped["text_is_null"] == 1
    with pytest.raises(InputError, match="column 'body' not found"):
        read(path, text_field="body")


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [
        (".gz", gzip.compress),
        (".bz2", bz2.compress),
        (".xz", lzma.compress),
        (".zst", lambda b: zstandard.ZstdCompressor().compress(b)),
    ],
)
def test_compressed_files_read_transparently(tmp_path: Path, suffix: str, compress) -> None:
    path = tmp_path / f"gen1.jsonl{suffix}"
    path.write_bytes(compress(b'{"text": "first"}\n{"text": "second"}\n'))
    assert read(path)[0] == ["first", "second"]
    assert parse_corpus_args([str(path)])[0].name == "gen1"


def test_corrupt_gzip_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match=r"bad\.txt\.gz: could not read the file"):
        read(path)


def test_directory_reads_txt_files_as_documents_and_jsonl_inside(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_text("doc b\nsecond line of b", encoding="utf-8")
    (tmp_path / "sub" / "a.txt").write_text("doc a", encoding="utf-8")
    (tmp_path / "sub" / "c.jsonl").write_text('{"text": "doc c"}\n', encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    texts, log = read(tmp_path)
    assert sorted(texts) == ["doc a", "doc b\nsecond line of b", "doc c"]
    assert log.skipped == {"unsupported_file": 1, "empty_document": 1}


def test_nonexistent_and_unsupported_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.jsonl: no such file or directory"):
        read(tmp_path / "nope.jsonl")
    other = tmp_path / "a.docx"
    other.write_bytes(b"x")
    with pytest.raises(InputError, match=r"a\.docx: unsupported file type '\.docx'"):
        read(other)


def test_corpus_names_and_duplicates(tmp_path: Path) -> None:
    shutil.copy(DATA / "1945-Truman.txt", tmp_path / "x.txt")
    specs = parse_corpus_args(["human=" + str(tmp_path / "x.txt"), str(tmp_path / "x.txt")])
    assert [s.name for s in specs] == ["human", "x"]
    with pytest.raises(UsageError, match="Two generations are named 'x'"):
        parse_corpus_args([str(tmp_path / "x.txt"), "x=" + str(tmp_path / "x.txt")])
    with pytest.raises(UsageError, match="control characters"):
        parse_corpus_args(["bad\x1bname=" + str(tmp_path / "x.txt")])
