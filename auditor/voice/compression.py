"""Compression ratios: how repetitive a corpus is, in words or in part-of-speech patterns.

gzip finds repeated byte strings within its 32 KB window; the more a text repeats itself, the smaller
it compresses, so original size / compressed size rises as a corpus collapses into fewer patterns.
On POS-tag sequences ("DET NOUN VERB ...") the same ratio measures syntactic template repetition,
independent of vocabulary (Shaib et al. 2024, "Standardizing the measurement of text diversity").

Relation to the ``diversity`` package's ``compression_ratio`` (cshaib/diversity,
``diversity/compression.py``, as read in its public source; not installed here): it also returns
original size / compressed size, with the texts joined by a single space and written through
``gzip.GzipFile`` to a temporary file (default level 9, a header holding the file name and the current
time), rounded to 3 decimals; some versions of that file pass ``gzip.compress(...)`` output into the
``GzipFile``, i.e. compress twice. Ours joins documents with newlines, compresses once in memory at
level 9 with ``mtime=0`` (so the bytes, and the ratio, are deterministic) and does not round. The two
agree in scale and direction, not to the last digit (header bytes and the join character differ).
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence


def gzip_ratio(text: str) -> float:
    """UTF-8 size / gzip size (level 9, mtime 0, single compression); higher is more repetitive.

    0.0 for the empty string. Several documents: join them with newlines first, as
    :func:`corpus_gzip_ratio` does. The 20-byte gzip header and trailer make very short texts score
    below 1; compare corpora of similar size.
    """
    data = text.encode("utf-8")
    if not data:
        return 0.0
    return len(data) / len(gzip.compress(data, compresslevel=9, mtime=0))


def corpus_gzip_ratio(texts: Sequence[str]) -> float:
    """:func:`gzip_ratio` of the documents joined by newlines."""
    return gzip_ratio("\n".join(texts))


def pos_compression_ratio(tag_sequences: Sequence[Sequence[str]]) -> float:
    """:func:`gzip_ratio` of the POS tags, space-separated within a document, documents separated by newlines."""
    return gzip_ratio("\n".join(" ".join(tags) for tags in tag_sequences))
