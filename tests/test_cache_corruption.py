"""A damaged embedding cache is never a crash: corrupt rows are misses, an unusable file is skipped."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from auditor.embed.cache import DB_NAME, CacheWarning, EmbeddingCache, text_key
from auditor.embed.model import embed, load_model
from tests.conftest import write_jsonl

GOOD = np.arange(1, 5, dtype="<f4")


def _write_row(db: Path, key: bytes, dim: object, vec: object) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT OR REPLACE INTO emb (key, dim, vec) VALUES (?, ?, ?)", (key, dim, vec))


def _rows(db: Path) -> dict[bytes, tuple[int, bytes]]:
    with sqlite3.connect(db) as conn:
        return {key: (dim, vec) for key, dim, vec in conn.execute("SELECT key, dim, vec FROM emb")}


CORRUPT = {
    "seven_bytes": (4, b"\x01" * 7),  # np.frombuffer raised ValueError on this
    "nan": (4, np.array([1, np.nan, 0, 0], dtype="<f4").tobytes()),
    "inf": (4, np.array([1, 0, -np.inf, 0], dtype="<f4").tobytes()),
    "size_not_dim": (8, GOOD.tobytes()),  # 16 bytes for a row saying 8 values
    "other_dimension": (2, GOOD[:2].tobytes()),  # whole, but not the model's dimension
    "float64_bytes": (4, GOOD.astype("<f8").tobytes()),
    "text_not_blob": (4, "abcdabcdabcdabcd"),
    "null_dim": (None, GOOD.tobytes()),
    "zero_dim": (0, b""),
}


def test_corrupt_rows_are_misses_and_counted(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    good = text_key("m", "good")
    cache.put_many([(good, GOOD)])
    cache.close()
    db = tmp_path / DB_NAME
    keys = {name: text_key("m", name) for name in CORRUPT}
    for name, (dim, vec) in CORRUPT.items():
        _write_row(db, keys[name], dim, vec)

    cache = EmbeddingCache(tmp_path)
    found = cache.get_many([good, *keys.values(), text_key("m", "absent")], dim=4)
    assert list(found) == [good] and np.array_equal(found[good], GOOD)
    assert cache.stats.corrupt == len(CORRUPT)
    assert cache.stats.to_dict()["corrupt_rows"] == len(CORRUPT) and cache.stats.warning is None
    # rewritten rows are whole again
    cache.put_many([(keys["nan"], GOOD), (keys["seven_bytes"], GOOD)])
    assert set(cache.get_many([keys["nan"], keys["seven_bytes"]], dim=4)) == {keys["nan"], keys["seven_bytes"]}
    cache.close()


def test_non_finite_vectors_are_not_stored(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    cache.put_many([(b"nan", np.array([np.nan, 1], dtype=np.float32)), (b"ok", np.ones(2, dtype=np.float32))])
    cache.close()
    assert set(_rows(tmp_path / DB_NAME)) == {b"ok"}


def test_a_cache_file_that_is_not_sqlite_is_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"\x00garbage, not a database\xff" * 200)
    with pytest.warns(CacheWarning, match=r"embedding cache cannot be used \(file is not a database\)"):
        cache = EmbeddingCache(tmp_path)
    assert cache.get_many([b"k"], dim=4) == {}
    cache.put_many([(b"k", GOOD)])  # a no-op, not an error
    assert "file is not a database" in cache.stats.to_dict()["warning"]
    cache.close()


def test_a_cache_folder_that_cannot_be_made_is_skipped_with_a_warning(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(CacheWarning, match=r"file/cache: the embedding cache cannot be used"):
        cache = EmbeddingCache(blocker / "cache")
    assert cache.get_many([b"k"]) == {} and cache.stats.warning


def test_a_foreign_emb_table_is_skipped_with_a_warning(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        conn.execute("CREATE TABLE emb (name TEXT, value REAL)")
    with pytest.warns(CacheWarning, match="no such column"):
        cache = EmbeddingCache(tmp_path)
    assert cache.get_many([b"k"]) == {}


def test_a_cache_locked_by_another_process_is_skipped_with_a_warning(tmp_path: Path) -> None:
    # another program holds an exclusive lock on a rollback-journal database: opening it times out
    holder = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("CREATE TABLE other (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.warns(CacheWarning, match="database is locked"):
            cache = EmbeddingCache(tmp_path, timeout=0.1)
        assert cache.get_many([b"k"]) == {}
    finally:
        holder.close()


def test_a_cache_that_stops_taking_writes_is_still_read(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, timeout=0.1)
    cache.put_many([(b"a", GOOD)])
    writer = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another run's long write: no other writer until it ends
    try:
        with pytest.warns(CacheWarning, match="writing failed: database is locked; cached vectors are still read"):
            cache.put_many([(b"b", GOOD)])
        cache.put_many([(b"c", GOOD)])  # writing stopped: no second wait, no second warning
        assert set(cache.get_many([b"a", b"b", b"c"], dim=4)) == {b"a"}
    finally:
        writer.close()
        cache.close()


# --- the real embedding path (the packaged MiniLM, ten short texts) ---

TEXTS = [
    "The budget must be balanced by the end of the decade.",
    "Our farmers feed the nation and much of the world.",
    "We will build roads, bridges and schools in every state.",
    "Peace abroad depends on strength and patience at home.",
    "The Congress has passed a law to protect working families.",
    "Science and education are the engines of our future.",
    "Taxes should be fair, simple and low for every citizen.",
    "Our soldiers deserve the thanks of a grateful people.",
    "Health care costs are rising faster than wages.",
    "The union is strong, and its people are free.",
]


@pytest.fixture(scope="module")
def model():
    return load_model("all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def cold(model) -> np.ndarray:
    return embed(model, TEXTS, EmbeddingCache(None))


def test_embedding_through_corrupt_rows_re_embeds_and_overwrites_them(model, cold, tmp_path: Path) -> None:
    embed(model, TEXTS, EmbeddingCache(tmp_path))
    db = tmp_path / DB_NAME
    keys = [text_key(model.model_id, t) for t in TEXTS]
    _write_row(db, keys[0], model.dimension, b"\x00" * 7)
    nan = np.full(model.dimension, np.nan, dtype="<f4")
    _write_row(db, keys[1], model.dimension, nan.tobytes())
    inf = cold[2].copy()
    inf[5] = np.inf
    _write_row(db, keys[2], model.dimension, inf.astype("<f4").tobytes())

    cache = EmbeddingCache(tmp_path)
    again = embed(model, TEXTS, cache)
    cache.close()
    assert np.array_equal(again, cold)  # the same vectors as without any cache
    assert cache.stats.corrupt == 3
    assert cache.stats.misses == len(TEXTS) and cache.stats.hits == 0  # one canonical batch, recomputed whole
    rows = _rows(db)
    for key in keys:
        dim, vec = rows[key]
        assert dim == model.dimension and len(vec) == 4 * dim
        assert np.isfinite(np.frombuffer(vec, dtype="<f4")).all()  # overwritten with whole rows

    third = EmbeddingCache(tmp_path)
    assert np.array_equal(embed(model, TEXTS, third), cold)
    assert (third.stats.hits, third.stats.misses, third.stats.corrupt) == (len(TEXTS), 0, 0)


def test_embedding_with_a_garbage_cache_file_goes_on_without_it(model, cold, tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(bytes(range(256)) * 64)
    with pytest.warns(CacheWarning, match="this run embeds without it"):
        cache = EmbeddingCache(tmp_path)
    assert np.array_equal(embed(model, TEXTS, cache), cold)
    assert cache.stats.misses == len(TEXTS)
    assert (tmp_path / DB_NAME).read_bytes() == bytes(range(256)) * 64  # left as it was


def test_the_stage_reports_corrupt_rows_and_warnings_in_run_cache(model, cold, tmp_path: Path) -> None:
    from auditor import audit

    texts = TEXTS + [t.replace(".", "!") for t in TEXTS]  # 20 documents per generation
    a = write_jsonl(tmp_path / "a.jsonl", [{"text": t} for t in texts])
    b = write_jsonl(tmp_path / "b.jsonl", [{"text": t.upper()} for t in texts])
    cache_dir = tmp_path / "cache"
    options = dict(families=("embedding",), min_docs=12, draws=2, splits=2, cache_dir=str(cache_dir))
    first = audit([a, b], **options)
    assert first.run["cache"]["embedding"]["corrupt_rows"] == 0
    _write_row(cache_dir / DB_NAME, text_key(model.model_id, TEXTS[0]), model.dimension, b"\x00" * 7)
    second = audit([a, b], **options)
    stats = second.run["cache"]["embedding"]
    assert stats["corrupt_rows"] == 1 and stats["warning"] is None
    assert stats["embedded"] == 20 and stats["hits"] == 20  # a's one batch again, b's from the cache
    first_dict, second_dict = first.to_dict(), second.to_dict()
    first_dict.pop("run"), second_dict.pop("run")
    assert first_dict == second_dict

    (cache_dir / DB_NAME).write_bytes(b"not sqlite" * 100)
    for suffix in ("-wal", "-shm"):
        (cache_dir / (DB_NAME + suffix)).unlink(missing_ok=True)
    with pytest.warns(CacheWarning, match="file is not a database"):
        third = audit([a, b], **options)
    assert "file is not a database" in third.run["cache"]["embedding"]["warning"]
    third_dict = third.to_dict()
    third_dict.pop("run")
    assert third_dict == first_dict
