"""An on-disk embedding cache: SQLite rows keyed by SHA-256 of (model id, text).

Why SQLite: every write is a transaction, so a run killed mid-write leaves either the whole batch
or nothing (no partial entry is ever read back), and vectors are stored as raw float32 bytes:
nothing is unpickled or evaluated. Several runs may share one cache (WAL mode).

The cache is only ever a shortcut, so it fails open to "embed again", never to a crash:

* a **corrupt row** (its blob is not ``dim`` float32 values, ``dim`` is not the model's dimension,
  or a value is NaN or infinite) is a miss: the text is embedded again, the row overwritten, and
  the row counted in ``corrupt_rows`` of the run's cache statistics;
* a **cache file that cannot be used** (not SQLite at all, a foreign ``emb`` table, a folder that
  cannot be created, a database locked by another process past the timeout) means the run embeds
  without the cache: a :class:`CacheWarning` is issued and its text recorded as ``warning`` in the
  cache statistics. A cache that stops accepting writes mid-run (locked, read-only, disk full) is
  still read; only the writing stops, with the same warning.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from auditor.errors import Errors

DB_NAME = "embeddings-v1.sqlite3"
DTYPE = np.dtype("<f4")
"""How vectors are stored: little-endian float32, ``dim * 4`` bytes per row."""
LOCK_TIMEOUT = 30.0
"""Seconds to wait for another process's lock on the cache before going on without it."""


class CacheWarning(UserWarning):
    """The embedding cache could not be used (the run goes on, embedding without it)."""


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
    corrupt: int = 0
    """Rows found under a wanted key but unusable (wrong size or dimension, NaN or inf): embedded again."""
    warning: str | None = None
    """Why the cache was not used, or stopped being written to, in this run (None: it worked)."""
    extra: dict[str, int] = field(default_factory=dict)
    from_profile: int = 0
    """Texts whose vectors a reference profile brought (neither looked up nor embedded)."""

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {
            "path": self.path,
            "hits": self.hits,
            "misses": self.misses,
            "embedded": self.misses,
            "embedded_on_cluster": self.remote,
            "corrupt_rows": self.corrupt,
            "warning": self.warning,
            "from_reference_profile": self.from_profile,
        }


class EmbeddingCache:
    """Get and put float32 vectors by key; ``path=None`` is a cache that remembers nothing.

    Never raises for a cache problem: see the module docstring.
    """

    def __init__(self, directory: Path | None, *, timeout: float = LOCK_TIMEOUT) -> None:
        self.stats = CacheStats(path=str(directory) if directory else None)
        self._directory = directory
        self._db: sqlite3.Connection | None = None
        self._writable = True
        if directory is None:
            return
        db = None
        try:
            directory = Path(directory)
            directory.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(directory / DB_NAME, timeout=timeout)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS emb (key BLOB PRIMARY KEY, dim INTEGER, vec BLOB)")
            db.commit()
            db.execute("SELECT key, dim, vec FROM emb LIMIT 0")  # a foreign table named emb fails here
        except (OSError, sqlite3.Error) as exc:
            if db is not None:
                db.close()
            self._give_up(exc)
            return
        self._db = db

    def _give_up(self, exc: BaseException, *, reading: bool = True) -> None:
        """Stop using the cache (``reading``) or only stop writing to it, with one warning."""
        detail = str(exc).strip() or type(exc).__name__
        if not reading:
            detail = f"writing failed: {detail}; cached vectors are still read"
        message = Errors.E055.format(path=self._directory, detail=detail)
        if reading and self._db is not None:
            self._db.close()
            self._db = None
        self._writable = False
        if self.stats.warning is None:
            self.stats.warning = message
            warnings.warn(message, CacheWarning, stacklevel=3)

    def get_many(self, keys: Sequence[bytes], dim: int | None = None) -> dict[bytes, np.ndarray]:
        """The usable cached vectors among ``keys`` (missing and corrupt keys are absent from the result).

        ``dim``: the model's dimension; a row of another dimension is corrupt. Corrupt rows are
        counted in ``stats.corrupt``.
        """
        found: dict[bytes, np.ndarray] = {}
        if self._db is None:
            return found
        try:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                rows = self._db.execute(
                    f"SELECT key, dim, vec FROM emb WHERE key IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
                for key, row_dim, vec in rows:
                    arr = _vector(row_dim, vec, dim)
                    if arr is None:
                        self.stats.corrupt += 1
                    else:
                        found[key] = arr
        except sqlite3.Error as exc:  # e.g. a damaged page deep in the file
            self._give_up(exc)
            return {}
        return found

    def put_many(self, items: Sequence[tuple[bytes, np.ndarray]]) -> None:
        """Store vectors in one transaction (vectors holding NaN or inf are not stored)."""
        if self._db is None or not self._writable or not items:
            return
        rows = []
        for key, vector in items:
            arr = np.ascontiguousarray(vector, dtype=DTYPE).ravel()
            if np.isfinite(arr).all():
                rows.append((key, int(arr.size), arr.tobytes()))
        if not rows:
            return
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO emb (key, dim, vec) VALUES (?, ?, ?)", rows)
        except sqlite3.Error as exc:  # locked past the timeout, read-only, disk full...
            self._give_up(exc, reading=False)

    def close(self) -> None:
        """Close the database."""
        if self._db is not None:
            self._db.close()
            self._db = None


def _vector(row_dim: object, vec: object, dim: int | None) -> np.ndarray | None:
    """A stored row's vector, or None when the row is corrupt (a torn, foreign or damaged row)."""
    if not isinstance(vec, bytes) or isinstance(row_dim, bool) or not isinstance(row_dim, int) or row_dim <= 0:
        return None
    if (dim is not None and row_dim != dim) or len(vec) != row_dim * DTYPE.itemsize:
        return None
    arr = np.frombuffer(vec, dtype=DTYPE)
    return arr if np.isfinite(arr).all() else None
