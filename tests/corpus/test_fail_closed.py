"""Fail closed: every reader either reads a record, counts a skip, or stops naming file and line.

Each test builds its input in ``tmp_path``. The defects these guard against lost data silently:
a stray CSV quote swallowing rows, a truncated .zst read in part, one latin-1 line turning the rest
of a file into mojibake, CR-only files read as one line, a FIFO blocking the run for ever.
"""

from __future__ import annotations

import bz2
import contextlib
import csv
import gzip
import io
import json
import lzma
import os
import random
import sys
import threading
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from auditor.corpus import ReadLog, ReadOptions, parse_corpus_args, read_documents, readers
from auditor.corpus.spec import parse_corpus_arg
from auditor.errors import InputError, UsageError

WORDS = ["alpha", "beta", "gamma", "délta", "épsilon", "zêta", "ÿeta", "日本語", "naïve", "straße", "œuvre"]


def read(path: Path, log: ReadLog | None = None, **options) -> tuple[list[str], ReadLog]:
    log = log if log is not None else ReadLog()
    return [d.text for d in read_documents(path, ReadOptions(**options), log)], log


def sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


# --- 1. CSV and TSV ------------------------------------------------------------------------------


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ",") -> None:
    """Rows written as naive exporters do: fields joined by the delimiter, no quoting at all."""
    path.write_text("".join(delimiter.join(row) + "\n" for row in rows), encoding="utf-8")


def test_csv_stray_quote_that_swallows_to_the_end_is_an_error_naming_its_line(tmp_path: Path) -> None:
    rng = random.Random(1)
    rows = [["id", "text"]] + [[str(i), sentence(rng)] for i in range(1, 1501)]
    rows[11][1] = '"' + rows[11][1]  # row 11 (line 12) starts its text with one stray quote
    path = tmp_path / "stray.csv"
    write_rows(path, rows)
    with pytest.raises(InputError, match=r"stray\.csv:12: malformed CSV: a quoted field .* never closed"):
        read(path)


def test_csv_stray_quote_closed_by_a_later_quote_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    rng = random.Random(2)
    rows = [["id", "text"]] + [[str(i), sentence(rng)] for i in range(1, 1501)]
    rows[11][1] = '"' + rows[11][1]
    rows[40][1] = '"a properly quoted text, with a comma"'  # its opening quote closes the stray one
    path = tmp_path / "stray.csv"
    write_rows(path, rows)
    with pytest.raises(InputError, match=r"stray\.csv:12: malformed CSV: the row that starts here breaks at line 41"):
        read(path)


def test_csv_stray_quote_closed_cleanly_is_caught_by_the_swallowed_rows(tmp_path: Path) -> None:
    """A later text ending in '"' closes the stray quote where a field may end: strict quoting
    alone accepts it, as one row whose text holds rows 11-30. Those lines look like rows."""
    rng = random.Random(3)
    rows = [["id", "text"]] + [[str(i), sentence(rng)] for i in range(1, 1501)]
    rows[11][1] = '"' + rows[11][1]
    rows[30][1] += ' he said"'
    path = tmp_path / "stray.csv"
    write_rows(path, rows)
    with pytest.raises(InputError, match=r"stray\.csv:12: malformed CSV: the quoted field .* runs to line 31, and "):
        read(path)


def test_csv_rfc4180_multiline_fields_round_trip_exactly(tmp_path: Path) -> None:
    rng = random.Random(4)
    texts = []
    for i in range(1500):
        kind = i % 5
        if kind == 0:
            texts.append(sentence(rng))
        elif kind == 1:  # paragraphs, with commas at the start of lines
            texts.append(f"{sentence(rng, 5)}\n\nYes, {sentence(rng, 4)}\nNo, {sentence(rng, 3)}")
        elif kind == 2:  # quotes inside, at the start and at the end
            texts.append(f'"{sentence(rng, 3)}," she said, "{sentence(rng, 2)}"')
        elif kind == 3:  # Windows and old-Mac line breaks inside the field
            texts.append(f"{sentence(rng, 3)}\r\n{sentence(rng, 3)}\r{sentence(rng, 2)}")
        else:
            texts.append(f"1999, a year\n{sentence(rng, 6)}")
    path = tmp_path / "multi.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "label"])
        writer.writerows([i, text, f"L{i % 3}"] for i, text in enumerate(texts))
    log = ReadLog()
    docs = list(read_documents(path, ReadOptions(extra_fields=("label",)), log))
    assert len(docs) == 1500
    assert [d.text for d in docs] == texts
    assert [d.fields["label"] for d in docs] == [f"L{i % 3}" for i in range(1500)]
    assert docs[1].source == f"{path}:3"  # a multi-line row is named by its first line
    assert log.skipped == {} and log.warnings == []


def test_tsv_has_no_quoting_so_leading_quotes_are_text(tmp_path: Path) -> None:
    rng = random.Random(5)
    rows = [["id", "text"]]
    for i in range(1, 1501):
        text = sentence(rng)
        if i % 9 == 0:
            text = f'"{text}" and more'
        elif i % 13 == 0:
            text = f'"{text}'  # an unclosed quote: text too
        rows.append([str(i), text])
    path = tmp_path / "quotes.tsv"
    write_rows(path, rows, "\t")
    texts, log = read(path)
    assert len(texts) == 1500
    assert texts == [row[1] for row in rows[1:]]
    assert log.skipped == {}


def test_csv_row_with_too_many_fields_is_a_counted_skip_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("id,text\n1,fine text\n2,cut, at a comma\n3,more text\n4,a, b, c\n", encoding="utf-8")
    texts, log = read(path)
    assert texts == ["fine text", "more text"]
    assert log.skipped == {"too_many_fields": 2}
    assert len(log.warnings) == 1 and "wide.csv:3: 3 fields where the header has 2; skipped 2 rows" in log.warnings[0]
    with pytest.raises(InputError, match=r"wide\.csv:3: too many fields"):
        read(path, ReadLog(strict=True))


# --- 2. Truncated compressed streams ---------------------------------------------------------------

CODECS = {
    ".gz": gzip.compress,
    ".bz2": bz2.compress,
    ".xz": lzma.compress,
    ".zst": lambda b: zstandard.ZstdCompressor().compress(b),
}


def random_jsonl(n: int = 1500, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    return b"".join(
        json.dumps({"text": f"{sentence(rng, 4)} {rng.getrandbits(256):x}"}).encode() + b"\n" for _ in range(n)
    )


@pytest.mark.parametrize("codec", list(CODECS))
def test_truncated_compressed_stream_is_an_error_at_every_length(tmp_path: Path, codec: str) -> None:
    data = random_jsonl()
    packed = CODECS[codec](data)
    path = tmp_path / f"gen.jsonl{codec}"
    path.write_bytes(packed)
    assert len(read(path)[0]) == 1500
    size = len(packed)
    for cut in sorted({0, 1, 2, 3, 4, 5, 9, 17, 100, size // 3, size // 2, size * 120 // 145, size - 4, size - 1}):
        path.write_bytes(packed[:cut])
        with pytest.raises(InputError, match=rf"gen\.jsonl\{codec}: could not read the file: truncated or corrupt"):
            read(path)


def test_zst_reads_every_frame_and_a_cut_in_the_second_frame_is_an_error(tmp_path: Path) -> None:
    first, second = random_jsonl(700, 1), random_jsonl(800, 2)
    skippable = (0x184D2A53).to_bytes(4, "little") + (6).to_bytes(4, "little") + b"skip!!"
    packed = (
        zstandard.ZstdCompressor(write_checksum=True).compress(first)
        + skippable
        + zstandard.ZstdCompressor(write_content_size=False).compress(second)
    )
    path = tmp_path / "frames.jsonl.zst"
    path.write_bytes(packed)
    assert len(read(path)[0]) == 1500
    path.write_bytes(packed[:-3])
    with pytest.raises(InputError, match=r"frames\.jsonl\.zst: could not read the file: truncated or corrupt \.zst"):
        read(path)
    path.write_bytes(packed + b"garbage after the frames")
    with pytest.raises(InputError, match=r"truncated or corrupt \.zst stream"):
        read(path)


def test_zst_stream_written_in_chunks_reads_whole(tmp_path: Path) -> None:
    data = random_jsonl(1500, 3)
    buffer = io.BytesIO()
    with zstandard.ZstdCompressor(level=1).stream_writer(buffer, closefd=False) as writer:
        for i in range(0, len(data), 10_000):
            writer.write(data[i : i + 10_000])
            writer.flush()  # a block boundary per chunk
    path = tmp_path / "chunks.jsonl.zst"
    path.write_bytes(buffer.getvalue())
    assert len(read(path)[0]) == 1500


# --- 3. Encodings ------------------------------------------------------------------------------------


def test_one_latin1_line_leaves_the_utf8_lines_after_it_intact(tmp_path: Path) -> None:
    rng = random.Random(6)
    lines = [f"{i} {sentence(rng)}" for i in range(1, 1501)]
    raw = [line.encode("utf-8") for line in lines]
    raw[700] = "701 caf\xe9 cr\xe8me br\xfbl\xe9e".encode("latin-1")  # line 701
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"\n".join(raw) + b"\n")
    texts, log = read(path)
    assert texts[700] == "701 café crème brûlée"
    assert texts[:700] == lines[:700] and texts[701:] == lines[701:]  # the 799 lines after it stay UTF-8
    assert len(log.warnings) == 1
    assert log.warnings[0].startswith(f"{path}:701: not valid UTF-8")
    assert log.warnings[0].endswith("; read this line as latin-1 (the other lines are UTF-8)")


def test_latin1_warning_counts_every_latin1_line(tmp_path: Path) -> None:
    path = tmp_path / "some.jsonl"
    rows = [b'{"text": "ok \xc3\xa9t\xc3\xa9"}', b'{"text": "caf\xe9"}', b'{"text": "na\xefve"}', b'{"text": "fine"}']
    path.write_bytes(b"\n".join(rows) + b"\n")
    texts, log = read(path)
    assert texts == ["ok été", "café", "naïve", "fine"]
    assert log.warnings == [
        f"{path}:2: not valid UTF-8 (invalid continuation byte at byte 13); read 2 lines that are not UTF-8 "
        "as latin-1, this the first (the other lines are UTF-8)"
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_with_a_bom_are_decoded(tmp_path: Path, encoding: str) -> None:
    text = "first line é\r\nsecond 日本語 line\nthird line\n"
    bom = {"utf-16-le": "\ufeff", "utf-16-be": "\ufeff", "utf-32-be": "\ufeff"}.get(encoding, "")
    path = tmp_path / "wide.txt"
    path.write_bytes((bom + text).encode(encoding))
    texts, log = read(path)
    assert texts == ["first line é", "second 日本語 line", "third line"] and log.warnings == []
    jsonl = tmp_path / "wide.jsonl"
    jsonl.write_bytes((bom + '{"text": "a é"}\n{"text": "b 日本"}\n').encode(encoding))
    assert read(jsonl)[0] == ["a é", "b 日本"]


def test_utf16_without_bom_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "nobom.txt"
    path.write_bytes("some text that was saved as UTF-16\nand more\n".encode("utf-16-le"))
    with pytest.raises(InputError, match=r"nobom\.txt: looks like UTF-16 without a byte-order mark.*UTF-16LE"):
        read(path)
    path.write_bytes("some text that was saved as UTF-16\n".encode("utf-16-be"))
    with pytest.raises(InputError, match=r"UTF-16 without a byte-order mark.*-f UTF-16BE"):
        read(path)


def test_bad_utf16_after_a_bom_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad16.txt"
    path.write_bytes(b"\xff\xfea\x00b\x00\x00\xd8c\x00")  # a lone high surrogate
    with pytest.raises(InputError, match=r"bad16\.txt: starts with a UTF-16 byte-order mark but is not valid UTF-16"):
        read(path)


@pytest.mark.parametrize("block", [1, 2, 3, 7, 64, 1 << 20])
def test_valid_utf8_decodes_byte_for_byte_at_any_block_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """Whatever the block boundaries cut (multi-byte letters, "\\r\\n"), a UTF-8 file's text is its bytes."""
    monkeypatch.setattr(readers, "BLOCK_BYTES", block)
    rng = random.Random(block)
    parts = []
    for i in range(300):
        parts.append(sentence(rng, rng.randint(0, 8)))
        parts.append(rng.choice(["\n", "\r\n", "\n\n", "\r\n\r\n", " \u2028 ", "\x85\n", "\t\n"]))
        if i % 50 == 0:
            parts.append("🙂 emoji ẞ \ufeff mid-file BOM\n")
    text = "".join(parts)
    path = tmp_path / "round.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    whole, log = read(path, txt_mode="file")
    assert whole == [text] and log.warnings == []
    # by line: exactly the lines the old reader gave for a file without a lone CR
    lines, _ = read(path)
    expected = [line.rstrip("\r\n") for line in text.split("\n") if line.strip()]
    assert lines == expected


# --- 4. Line endings -------------------------------------------------------------------------------


def test_cr_only_line_endings_split_lines(tmp_path: Path) -> None:
    path = tmp_path / "mac.txt"
    path.write_bytes(b"first line\rsecond line\r\rthird para\r")
    assert read(path)[0] == ["first line", "second line", "third para"]
    assert read(path, txt_mode="paragraph")[0] == ["first line second line", "third para"]
    jsonl = tmp_path / "mac.jsonl"
    jsonl.write_bytes(b'{"text": "a"}\r{"text": "b"}\r\n{"text": "c"}\n{"text": "d"}')
    assert read(jsonl)[0] == ["a", "b", "c", "d"]
    csv_path = tmp_path / "mac.csv"
    csv_path.write_bytes(b'id,text\r1,one\r2,"two\rlines"\r3,three\r')
    assert read(csv_path)[0] == ["one", "two\rlines", "three"]


def test_crlf_split_across_a_block_boundary_is_one_line_ending(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"abcdefg\r\nhijklm\r\nno\rpq\r\n")
    for block in range(1, 12):
        monkeypatch.setattr(readers, "BLOCK_BYTES", block)
        log = ReadLog()
        docs = list(read_documents(path, ReadOptions(), log))
        assert [(d.text, d.source) for d in docs] == [
            ("abcdefg", f"{path}:1"),
            ("hijklm", f"{path}:2"),
            ("no", f"{path}:3"),
            ("pq", f"{path}:4"),
        ], block


# --- 5. Long lines and bounded memory -----------------------------------------------------------------


def test_line_longer_than_the_limit_is_an_error_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "long.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b"}\n{"text": "' + "x" * 5000 + '"}\n', encoding="utf-8")
    for block in (64, 999, 4096, 1 << 20):
        monkeypatch.setattr(readers, "BLOCK_BYTES", block)
        with pytest.raises(InputError, match=r"long\.jsonl:3: line longer than 1,000 bytes"):
            read(path)
    # a whole-file document and a .json array have no line limit: they are parsed whole anyway
    txt = tmp_path / "long.txt"
    txt.write_text("y" * 5000, encoding="utf-8")
    assert read(txt, txt_mode="file")[0] == ["y" * 5000]
    with pytest.raises(InputError, match=r"long\.txt:1: line longer than 1,000 bytes"):
        read(txt)
    array = tmp_path / "long.json"
    array.write_text(json.dumps([{"text": "z" * 3000}, {"text": "w"}]), encoding="utf-8")
    assert read(array)[0] == ["z" * 3000, "w"]


def test_huge_single_line_is_refused_before_it_is_held_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_LINE_BYTES", 1 << 20)
    monkeypatch.setattr(readers, "BLOCK_BYTES", 64 << 10)
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        for _ in range(40):
            f.write(b"word " * 100_000)  # 20 MB, one line
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"huge\.txt:1: line longer than 1,048,576 bytes"):
            read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, peak


def test_nul_bytes_are_refused_block_by_block(tmp_path: Path) -> None:
    sparse = tmp_path / "sparse.txt"
    with sparse.open("wb") as f:
        f.truncate(1 << 30)  # 1 GiB of NUL bytes, stored as a hole
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"sparse\.txt:1: looks like binary data \(NUL byte at byte offset 0\)"):
            read(sparse)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, peak


# --- 6. FIFOs, devices and standard input ---------------------------------------------------------------


def run_with_timeout(fn, seconds: float = 20.0):
    """Run ``fn`` in a thread; fail (instead of hanging the suite) if it does not return in time."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed back to the test
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    return thread.is_alive(), outcome


def release_fifo(path: Path) -> None:
    """Unblock a reader stuck opening a FIFO (a regression), so the thread can end."""
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_corpus_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    alive, outcome = run_with_timeout(lambda: read(fifo))
    if alive:
        release_fifo(fifo)
        pytest.fail("reading a FIFO blocked")
    error = outcome.get("error")
    assert isinstance(error, InputError), outcome
    assert f"{fifo}: not a regular file (a named pipe (FIFO))" in str(error)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_in_a_directory_is_a_counted_skip(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("document a", encoding="utf-8")
    os.mkfifo(tmp_path / "b.txt")
    (tmp_path / "c.jsonl").write_text('{"text": "document c"}\n', encoding="utf-8")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    alive, outcome = run_with_timeout(lambda: read(tmp_path))
    if alive:
        release_fifo(tmp_path / "b.txt")
        pytest.fail("reading a directory with a FIFO blocked")
    assert "error" not in outcome, outcome
    texts, log = outcome["value"]  # type: ignore[misc]
    assert texts == ["document a", "document c"]
    assert log.skipped == {"not_a_regular_file": 1, "broken_symlink": 1}
    alive, outcome = run_with_timeout(lambda: read(tmp_path, ReadLog(strict=True)))
    assert not alive and isinstance(outcome.get("error"), InputError)
    assert "b.txt: not a regular file" in str(outcome["error"])


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_device_is_refused_not_read_for_ever() -> None:
    alive, outcome = run_with_timeout(lambda: read(Path("/dev/zero")))
    assert not alive
    assert "/dev/zero: not a regular file (a character device)" in str(outcome.get("error"))


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_stdin_is_text_lines_unless_it_starts_with_json(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = Path("-")
    feed_stdin(monkeypatch, b"first doc\r\nsecond doc\n\nthird para\n")
    log = ReadLog()
    docs = list(read_documents(stdin, ReadOptions(), log))
    assert [(d.text, d.source) for d in docs] == [
        ("first doc", "<stdin>:1"),
        ("second doc", "<stdin>:2"),
        ("third para", "<stdin>:4"),
    ]
    assert log.files == 1
    feed_stdin(monkeypatch, b"first doc\nsecond doc\n\nthird para\n")
    assert read(stdin, txt_mode="paragraph")[0] == ["first doc second doc", "third para"]
    feed_stdin(monkeypatch, b'\xef\xbb\xbf\n  {"text": "one"}\n{"text": "two", "x": 1}\n')
    assert read(stdin)[0] == ["one", "two"]
    feed_stdin(monkeypatch, b' [{"text": "a"}, {"text": "b"}]')
    assert read(stdin)[0] == ["a", "b"]
    feed_stdin(monkeypatch, b'{"text": "ok"}\n{"text": broken}\n')
    with pytest.raises(InputError, match=r"<stdin>:2: not valid JSON"):
        read(stdin)
    feed_stdin(monkeypatch, b"text\n\x00\x00")
    with pytest.raises(InputError, match=r"<stdin>:2: looks like binary data"):
        read(stdin)
    feed_stdin(monkeypatch, b"")
    assert read(stdin)[0] == []


def test_stdin_corpus_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_corpus_arg("-").name == "stdin" and parse_corpus_arg("-").path == Path("-")
    assert parse_corpus_arg("human=-").name == "human" and parse_corpus_arg("human=-").path == Path("-")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-").write_text("a file called dash\n", encoding="utf-8")
    spec = parse_corpus_arg("./-")
    assert spec.path == tmp_path / "-"  # the file, not standard input
    with pytest.raises(UsageError, match=r"Standard input \('-'\) can be read only once.*'stdin' and 'again'"):
        parse_corpus_args(["-", "again=-"])


def test_stdin_through_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from auditor.cli import app

    rng = random.Random(8)
    gen0 = tmp_path / "gen0.txt"
    gen0.write_text("".join(sentence(rng, 30) + "\n" for _ in range(400)), encoding="utf-8")
    piped = "".join(json.dumps({"text": sentence(rng, 30)}) + "\n" for _ in range(300))
    result = CliRunner().invoke(
        app,
        ["audit", str(gen0), "-", "-o", str(tmp_path / "out"), "-q", "--families", "vocabulary"],
        input=piped.encode(),
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "metrics.json").read_text())
    gens = {g["name"]: g for g in data["generations"]}
    assert gens["stdin"]["documents"] == 300 and gens["stdin"]["source"] == "-"


# --- 7. Deep JSON -------------------------------------------------------------------------------------


def test_json_nested_100000_deep_is_an_error_not_a_crash(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "deep.jsonl"
    path.write_text('{"text": "fine"}\n{"text": "x", "n": ' + deep + "}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"deep\.jsonl:2: JSON nested 100,001 levels deep, deeper than the JSON"):
        read(path)
    array = tmp_path / "deep.json"
    array.write_text('[\n{"text": "fine"},\n{"s": "[[[[", "n": ' + deep + "}\n]", encoding="utf-8")
    with pytest.raises(InputError, match=r"deep\.json:3: JSON nested 100,002 levels deep"):
        read(array)
    shallow = tmp_path / "shallow.jsonl"
    shallow.write_text('{"text": "kept", "n": ' + "[" * 200 + "]" * 200 + "}\n", encoding="utf-8")
    assert read(shallow)[0] == ["kept"]


def test_json_integer_too_long_to_convert_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "digits.jsonl"
    path.write_text('{"text": "a"}\n{"text": ' + "9" * 5000 + "}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"digits\.jsonl:2: not valid JSON"):
        read(path)


# --- 8. Parquet column types ---------------------------------------------------------------------------


def test_parquet_number_column_is_read_as_text_like_json(tmp_path: Path) -> None:
    path = tmp_path / "ints.parquet"
    pq.write_table(pa.table({"text": pa.array([1, None, 30], pa.int64()), "f": [1.5, 2.0, 0.25]}), path)
    texts, log = read(path)
    assert texts == ["1", "30"] and log.skipped == {"text_is_null": 1}
    assert read(path, text_field="f")[0] == ["1.5", "2.0", "0.25"]
    assert [str(v) for v in json.loads('{"text": [1.5, 2.0, 0.25]}')["text"]] == ["1.5", "2.0", "0.25"]


@pytest.mark.parametrize(
    ("column", "type_name"),
    [
        (pa.array([["a", "b"], ["c"]]), r"list<\w+: string>"),
        (pa.array([True, False]), "bool"),
        (pa.array([b"x", b"y"]), "binary"),
        (pa.array([{"a": "x"}, {"a": "y"}]), r"struct<a: string>"),
    ],
)
def test_parquet_column_of_another_type_is_an_error_naming_it(tmp_path: Path, column, type_name: str) -> None:
    path = tmp_path / "typed.parquet"
    pq.write_table(pa.table({"text": column}), path)
    with pytest.raises(InputError, match=rf"typed\.parquet: column 'text' holds {type_name} values, not text"):
        read(path)


def test_parquet_dictionary_and_large_string_columns_are_text(tmp_path: Path) -> None:
    path = tmp_path / "dict.parquet"
    table = pa.table(
        {
            "text": pa.array(["a b", "c d", "a b"]).dictionary_encode(),
            "big": pa.array(["x", "y", "z"], pa.large_string()),
        }
    )
    pq.write_table(table, path)
    assert read(path)[0] == ["a b", "c d", "a b"]
    assert read(path, text_field="big")[0] == ["x", "y", "z"]
