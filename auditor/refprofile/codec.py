"""A reference's :class:`GenerationProfile` (and what families derived from it) <-> archive members.

The profile is what every family reads from the reference (counts over the reference's own
vocabulary, the token reservoir, the text sample, the linked-document sample), so a run that
loads it reproduces a run that read the raw reference. ``derived`` holds, under a family's name,
the expensive results that depend only on the reference and the settings (the sample's
embeddings, its POS tags): the families find them there instead of computing them again. Each is
stored the same way whatever the family: its arrays as ``derived/<family>_<key>.npy``, the rest as
``derived/<family>.json``; the family's own ``check_stored`` validates it when read.

Reading checks every array's kind and every length against the others, and what the manifest
records against the members (the reference's name, source and size; the settings the null values
were drawn with), so a crafted file whose digests were recomputed still fails as one line (exit 2),
never as a crash deep in a family, and never as a profile whose manifest says other settings than
those its content was made with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from auditor.corpus.readers import ReadLog
from auditor.families import families
from auditor.refprofile.archive import ALLOWED_DTYPES, MANIFEST, Archive, ProfileError, json_bytes, npy_bytes
from auditor.refprofile.nulls import show_setting
from auditor.text.profile import DocumentSample, GenerationProfile, PairingInfo, TextSample

NULLS = "nulls"
"""``derived`` entry of the reference's null values (:mod:`auditor.refprofile.nulls`), not a family's."""
DERIVED_JSON = "derived/{name}.json"
DERIVED_ARRAYS = "derived/{name}_"
"""The name prefix of a family's stored arrays, each ``<prefix><key>.npy``."""
NULL_VALUES = "derived/nulls/{metric}.npy"


def profile_members(profile: GenerationProfile, words: list[str]) -> dict[str, bytes]:
    """The members that hold ``profile`` (its ids index ``words``) and its derived results."""
    doc: dict[str, Any] = {
        "name": profile.name,
        "source": profile.source,
        "documents": profile.documents,
        "tokens": profile.tokens,
        "stream": profile.stream,
        "log": {"skipped": dict(profile.log.skipped), "warnings": profile.log.warnings, "files": profile.log.files},
        "sample_fields": profile.sample.fields,
        "texts": _text_doc(profile.texts),
        "pairs": None if profile.pairs is None else _text_doc(profile.pairs.sample),
    }
    sample = profile.sample
    arrays = {
        "counts": profile.counts.astype(np.int64),
        "sample_tokens": sample.tokens.astype(np.int32),
        "sample_offsets": sample.offsets.astype(np.int64),
        "sample_keys": _or_empty(sample.keys, np.float64),
        "sample_positions": _or_empty(sample.positions, np.int64),
        "text_keys": profile.texts.keys.astype(np.float64),
    }
    if profile.pairs is not None:
        arrays["pair_keys"] = profile.pairs.sample.keys.astype(np.float64)
        arrays["pair_hashes"] = profile.pairs.hashes.astype(np.uint64)
    members = {f"arrays/{name}.npy": npy_bytes(a) for name, a in arrays.items()}
    members["profile.json"] = json_bytes(doc)
    members["words.json"] = json_bytes(words)
    for name, stored in profile.derived.items():
        if name == NULLS:
            continue
        members[DERIVED_JSON.format(name=name)] = json_bytes(
            {k: v for k, v in stored.items() if not isinstance(v, np.ndarray)}
        )
        for key, value in stored.items():
            if isinstance(value, np.ndarray):
                members[f"{DERIVED_ARRAYS.format(name=name)}{key}.npy"] = npy_bytes(value)
    nulls = profile.derived.get(NULLS)
    if nulls is not None:
        families = {f: {"sizes": e["sizes"], "metrics": sorted(e["values"])} for f, e in nulls["families"].items()}
        members[DERIVED_JSON.format(name=NULLS)] = json_bytes({"settings": nulls["settings"], "families": families})
        for entry in nulls["families"].values():
            for metric, values in entry["values"].items():
                members[NULL_VALUES.format(metric=metric)] = npy_bytes(np.asarray(values, dtype=np.float64))
    return members


def profile_from_archive(archive: Archive) -> tuple[GenerationProfile, list[str]]:
    """The profile and its vocabulary, every array and length checked (else :class:`ProfileError`).

    A family's stored result is checked by the family (``Family.check_stored``); a result stored
    under a name that is no registered family is refused.
    """
    check_stored = {f.name: f.check_stored for f in families()}
    try:
        return _profile(archive, check_stored)
    except ProfileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ProfileError(archive.path, f"malformed content ({type(exc).__name__}: {exc})") from None


def _profile(
    archive: Archive, check_stored: dict[str, Callable[[dict[str, Any], int], str | None]]
) -> tuple[GenerationProfile, list[str]]:
    doc = archive.json("profile.json")
    words = archive.json("words.json")
    if not isinstance(doc, dict) or not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ProfileError(archive.path, "profile.json or words.json has the wrong shape")

    def arr(name: str, kind: str) -> np.ndarray:
        a = archive.array(f"arrays/{name}.npy", kind)
        if a.ndim != 1:
            raise ProfileError(archive.path, f"member arrays/{name}.npy is not one-dimensional")
        return a

    counts = arr("counts", "i").astype(np.int64)
    tokens = arr("sample_tokens", "i").astype(np.int32)
    offsets = arr("sample_offsets", "i").astype(np.int64)
    keys = arr("sample_keys", "f").astype(np.float64)
    positions = arr("sample_positions", "i").astype(np.int64)
    n_docs = len(offsets) - 1
    problems = [
        (len(counts) != len(words), "the counts and the vocabulary differ in length"),
        (n_docs < 0 or (n_docs >= 0 and (offsets[0] != 0 or offsets[-1] != len(tokens))), "bad reservoir offsets"),
        (bool(np.any(np.diff(offsets) < 0)), "bad reservoir offsets"),
        (len(tokens) > 0 and (int(tokens.min()) < 0 or int(tokens.max()) >= len(words)), "token ids out of range"),
        (len(keys) != n_docs or len(positions) != n_docs, "reservoir keys do not match its documents"),
        (len(doc["sample_fields"]) not in (0, n_docs), "reservoir fields do not match its documents"),
        (bool(np.any(counts < 0)), "negative counts"),
    ]
    for bad, reason in problems:
        if bad:
            raise ProfileError(archive.path, reason)
    if archive.manifest.get("reference") != {k: doc[k] for k in ("name", "source", "documents")}:
        raise ProfileError(
            archive.path, f"{MANIFEST} and profile.json name different references (the file was tampered with)"
        )
    log = ReadLog(Counter({str(k): int(v) for k, v in doc["log"]["skipped"].items()}), list(doc["log"]["warnings"]))
    log.files = int(doc["log"]["files"])
    pairs = None
    if doc["pairs"] is not None:
        pairs = PairingInfo(_text_sample(archive, doc["pairs"], arr("pair_keys", "f")), arr("pair_hashes", "u"))
    profile = GenerationProfile(
        name=str(doc["name"]),
        source=str(doc["source"]),
        documents=int(doc["documents"]),
        tokens=int(doc["tokens"]),
        counts=counts,
        sample=DocumentSample(tokens, offsets, _fields(doc["sample_fields"]), keys, positions),
        log=log,
        texts=_text_sample(archive, doc["texts"], arr("text_keys", "f")),
        pairs=pairs,
        stream=str(doc["stream"]),
    )
    profile.derived.update(_derived(archive, len(profile.texts), check_stored))
    return profile, words


def _derived(
    archive: Archive, n_texts: int, check_stored: dict[str, Callable[[dict[str, Any], int], str | None]]
) -> dict[str, Any]:
    """Each family's stored result (the manifest's ``derived`` list), checked by the family itself."""
    out: dict[str, Any] = {}
    names = archive.manifest.get("derived", [])
    if not isinstance(names, list) or not all(isinstance(n, str) and "/" not in n for n in names):
        raise ProfileError(archive.path, "the manifest's derived list is not a list of family names")
    for name in names:
        if name not in check_stored:
            raise ProfileError(archive.path, f"it stores a result of '{name}', which is not a family here")
        member = DERIVED_JSON.format(name=name)
        stored = archive.json(member)
        if not isinstance(stored, dict):
            raise ProfileError(archive.path, f"{member} has the wrong shape")
        prefix, suffix = DERIVED_ARRAYS.format(name=name), ".npy"
        for array in sorted(m for m in archive.members if m.startswith(prefix) and m.endswith(suffix)):
            stored[array[len(prefix) : -len(suffix)]] = archive.array(array, ALLOWED_DTYPES)
        check = check_stored[name]
        problem = None if check is None else check(stored, n_texts)
        if problem:
            raise ProfileError(archive.path, f"{member}: {problem}")
        out[name] = stored
    if archive.has(DERIVED_JSON.format(name=NULLS)):
        out[NULLS] = _nulls(archive)
    return out


def _nulls(archive: Archive) -> dict[str, Any]:
    """The stored null values: per family its sizes and one 1-D float array per metric."""
    member = DERIVED_JSON.format(name=NULLS)
    doc = archive.json(member)
    if not isinstance(doc, dict) or not all(isinstance(doc.get(k), dict) for k in ("settings", "families")):
        raise ProfileError(archive.path, f"{member} has the wrong shape")
    recorded = archive.manifest.get("settings")
    if isinstance(recorded, dict):  # the settings both record are the same (else: which made the content?)
        for name in sorted(recorded.keys() & doc["settings"].keys()):
            if recorded[name] != doc["settings"][name]:
                values = f"{show_setting(recorded[name])} and {show_setting(doc['settings'][name])}"
                raise ProfileError(
                    archive.path,
                    f"{MANIFEST} and {member} record different settings ({name} {values}; the file was tampered with)",
                )
    splits = doc["settings"].get("splits")
    if not isinstance(splits, int) or splits < 1:
        raise ProfileError(archive.path, f"{member} records no number of splits")
    families = {}
    for name, entry in doc["families"].items():
        sizes, metrics = entry.get("sizes"), entry.get("metrics")
        if not isinstance(sizes, dict) or not all(isinstance(v, int) for v in sizes.values()):
            raise ProfileError(archive.path, f"the null sizes of {name} are not whole numbers")
        if not isinstance(metrics, list) or not all(isinstance(m, str) and "/" not in m for m in metrics):
            raise ProfileError(archive.path, f"the null metrics of {name} are not metric ids")
        values = {m: archive.array(NULL_VALUES.format(metric=m), "f").astype(np.float64) for m in metrics}
        if any(v.shape != (2 * splits,) for v in values.values()):  # a value per half (or order) per split
            raise ProfileError(archive.path, f"the null values of {name} are not two per split")
        families[str(name)] = {"sizes": sizes, "values": values}
    return {"settings": doc["settings"], "families": families}


def _text_doc(sample: TextSample) -> dict[str, Any]:
    return {"texts": sample.texts, "fields": sample.fields, "ids": sample.ids}


def _text_sample(archive: Archive, doc: dict[str, Any], keys: np.ndarray) -> TextSample:
    texts, fields, ids = doc["texts"], _fields(doc["fields"]), doc["ids"]
    if not all(isinstance(t, str) for t in texts) or not all(isinstance(i, str) for i in ids):
        raise ProfileError(archive.path, "a text sample holds something other than text")
    if len(fields) != len(texts) or len(keys) != len(texts) or len(ids) not in (0, len(texts)):
        raise ProfileError(archive.path, "a text sample's texts, fields and keys differ in length")
    return TextSample(list(texts), fields, keys.astype(np.float64), list(ids))


def _fields(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or not all(isinstance(f, dict) for f in value):
        raise TypeError("document fields must be a list of objects")
    return [{str(k): str(v) for k, v in f.items()} for f in value]


def _or_empty(array: np.ndarray | None, dtype: type) -> np.ndarray:
    return np.zeros(0, dtype=dtype) if array is None else np.asarray(array, dtype=dtype)
