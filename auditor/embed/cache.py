"""An on-disk embedding cache: SQLite rows keyed by SHA-256 of (model id, text).

Why SQLite: every write is a transaction, so a run killed mid-write leaves either the whole batch
or nothing (no partial entry is ever read back), and vectors are stored as raw float32 bytes:
nothing is unpickled or evaluated. Several runs may share one cache (WAL mode).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from auditor.errors import Errors, UsageError

DB_NAME = "embeddings-v1.sqlite3"


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/auditor`` or ``~/.cache/auditor``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "auditor"


def text_key(model_id: str, text: str) -> bytes:
    """The cache key of one text under one model."""
    return hashlib.sha256(model_id.encode("utf-8") + b"\0" + text.encode("utf-8", "surrogatepass")).digest()


@dataclass
class CacheStats:
    """What a run found in the cache (reported in metrics.json's ``run``)."""

    hits: int = 0
    misses: int = 0
    remote: int = 0
    """Of the misses, texts embedded on Dask workers (the rest were embedded in this process)."""
    path: str | None = None
    extra: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "path": self.path,
            "hits": self.hits,
            "misses": self.misses,
            "embedded": self.misses,
            "embedded_on_cluster": self.remote,
        }


class EmbeddingCache:
    """Get and put float32 vectors by key; ``path=None`` is a cache that remembers nothing."""

    def __init__(self, directory: Path | None) -> None:
        self.stats = CacheStats(path=str(directory) if directory else None)
        self._db: sqlite3.Connection | None = None
        if directory is None:
            return
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(directory / DB_NAME, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS emb (key BLOB PRIMARY KEY, dim INTEGER, vec BLOB)")
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise UsageError(
                Errors.E013.format(path=directory, detail=f"cannot use it as the embedding cache ({exc}).")
            ) from None

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        """The cached vectors among ``keys`` (missing keys are absent from the result)."""
        if self._db is None:
            return {}
        found: dict[bytes, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            rows = self._db.execute(
                f"SELECT key, dim, vec FROM emb WHERE key IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            for key, dim, vec in rows:
                arr = np.frombuffer(vec, dtype="<f4")
                if arr.size == dim:  # a row is whole or absent; the check guards against foreign files
                    found[key] = arr
        return found

    def put_many(self, items: Sequence[tuple[bytes, np.ndarray]]) -> None:
        """Store vectors in one transaction."""
        if self._db is None or not items:
            return
        rows = [(k, int(v.size), np.asarray(v, dtype="<f4").tobytes()) for k, v in items]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO emb (key, dim, vec) VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        """Close the database."""
        if self._db is not None:
            self._db.close()
            self._db = None
