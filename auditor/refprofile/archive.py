"""The reference profile's file format: a zip of JSON and ``.npy`` members with a digest manifest.

Why this format: a profile travels between machines (a CI cache, a colleague's laptop), so reading
one must never run code. Members are plain JSON or ``.npy`` arrays read with
``allow_pickle=False`` (an object array is refused, never unpickled), and ``manifest.json`` lists
every member's SHA-256 and its own (over the rest of the manifest: the settings, the reference, the
derived list, the versions), so a truncated or edited file is refused before anything is used.

Reading never holds more than a profile can be: the zip's declared sizes are checked against
:data:`MAX_MEMBER_BYTES` and :data:`MAX_TOTAL_BYTES` before anything is inflated, and each member
is then inflated in chunks, hashed as it comes and cut off at its declared size (a zip can lie about
its sizes), so a zip bomb is refused with a few MB of memory, not gigabytes. Writing refuses a
profile the reader would refuse.

Writing is deterministic: members in sorted order, a fixed zip timestamp and permissions, JSON with
sorted keys, so the same inputs give a byte-identical file (a CI cache key can be its digest).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from auditor.errors import Errors, InputError, UsageError

FORMAT = "auditor-reference-profile"
FORMAT_VERSION = 2
"""Bumped when a reader of this version could not read the file correctly. 2: the manifest holds its
own digest (:data:`MANIFEST_DIGEST`); a version 1 file, whose settings no digest covers, is refused."""
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest_sha256"
"""The manifest's key holding the SHA-256 of the rest of the manifest (:func:`manifest_digest`)."""
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MAX_MEMBER_BYTES = 256 << 20
"""A member declaring more than this (256 MiB) expanded is refused before it is inflated. A real
profile's largest member is a few MB: the reservoir's word ids at 4 bytes a token (4 MB at the
default 1M tokens), the text sample's embeddings (3 MB for 2,000 texts with MiniLM), its texts in
profile.json, the count table at 8 bytes a distinct word. The margin is some 60 times: a 60M-token
reservoir, 2,000 sampled texts of 120 KB each or 30M distinct words still fit, and a hostile file
can make the reader hold no more than a genuine profile that large would."""
MAX_TOTAL_BYTES = 512 << 20
"""All members together may expand to at most this (512 MiB). Measured: the demo's gen0 with every
family and 1,500 texts expands to 3.7 MB (2.6 MB in the file). What the default settings bound (a
1M-token reservoir, 2,000 texts of a few KB and their embeddings) comes to about 15 MB; only the count
table (8 bytes a distinct word) and the linked documents' id hashes (8 bytes a document) grow with the
reference, and reach a hundred MB only with some 10M distinct words or documents. :func:`write_archive`
refuses a profile over either limit, so every profile written can be read."""
CHUNK_BYTES = 1 << 20
"""Members are inflated and hashed this much at a time."""
ALLOWED_DTYPES = frozenset("biuf")
"""Array kinds a profile may hold: bool, signed and unsigned integers, floats."""


class ProfileError(InputError):
    """A file that cannot be used as a reference profile (one line: the file and the reason)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(Errors.E070.format(path=path, reason=reason))
        self.path, self.reason = str(path), reason


def json_bytes(value: Any) -> bytes:
    """Stable JSON: sorted keys, no spaces, ASCII (lone surrogates escaped, so any text round-trips)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode()


def npy_bytes(array: np.ndarray) -> bytes:
    """An array as ``.npy`` bytes (refusing object arrays: they would need pickle to read)."""
    array = np.ascontiguousarray(array)
    if array.dtype.kind not in ALLOWED_DTYPES:
        raise TypeError(f"a profile holds numeric arrays only, not {array.dtype}")
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def manifest_digest(manifest: dict[str, Any]) -> str:
    """The SHA-256 of a manifest's stable JSON without its own digest: it covers every other key."""
    return hashlib.sha256(json_bytes({k: v for k, v in manifest.items() if k != MANIFEST_DIGEST})).hexdigest()


def size_problem(sizes: Iterable[tuple[str, int]], max_member: int, max_total: int) -> str | None:
    """Why members of these (name, expanded size) pairs are more than a profile may hold, or None."""
    total = 0
    for name, size in sizes:
        if size > max_member:
            return f"member {name} expands to {size:,} bytes, more than the {_mib(max_member)} a member may hold"
        total += size
        if total > max_total:
            return (
                f"its members expand to more than the {_mib(max_total)} a profile may hold ({total:,} bytes "
                f"up to member {name})"
            )
    return None


def _mib(size: int) -> str:
    return f"{size / (1 << 20):g} MiB"


def write_archive(
    members: dict[str, bytes],
    header: dict[str, Any],
    *,
    max_member: int = MAX_MEMBER_BYTES,
    max_total: int = MAX_TOTAL_BYTES,
) -> bytes:
    """The profile file's bytes: ``members`` plus a manifest (``header``, each member's SHA-256 and its own).

    Raises :class:`~auditor.errors.UsageError` (E076) for members :func:`read_archive` would refuse
    as too large, so no profile is written that cannot be read.
    """
    if MANIFEST in members:
        raise ValueError(f"{MANIFEST} is written by write_archive")
    manifest = {
        **header,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "members": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(members.items())},
    }
    manifest[MANIFEST_DIGEST] = manifest_digest(manifest)
    entries = [(MANIFEST, json_bytes(manifest)), *sorted(members.items())]
    problem = size_problem(((name, len(data)) for name, data in entries), max_member, max_total)
    if problem:
        raise UsageError(Errors.E076.format(reason=problem))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever the writing platform
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return buffer.getvalue()


@dataclass(frozen=True)
class Archive:
    """A verified profile file: its manifest and its members' bytes (every digest checked)."""

    path: str
    manifest: dict[str, Any]
    members: dict[str, bytes]
    sha256: str = ""
    """The digest of the whole file (recorded in metrics.json's ``config.reference_profile``)."""

    def json(self, name: str) -> Any:
        """A JSON member."""
        try:
            return json.loads(self._member(name))
        except ValueError as exc:
            raise ProfileError(self.path, f"member {name} is not valid JSON ({exc})") from None

    def array(self, name: str, kind: str) -> np.ndarray:
        """A ``.npy`` member whose dtype kind is one of ``kind`` (``"i"``, ``"f"``, ``"u"``...).

        Read with ``allow_pickle=False``: an object array raises, it is never unpickled.
        """
        try:
            array = np.load(io.BytesIO(self._member(name)), allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ProfileError(self.path, f"member {name} is not a plain numeric array ({reason})") from None
        if not isinstance(array, np.ndarray) or array.dtype.kind not in kind:
            raise ProfileError(self.path, f"member {name} holds {getattr(array, 'dtype', type(array))}, not {kind!r}")
        return array

    def has(self, name: str) -> bool:
        """Whether the profile holds ``name``."""
        return name in self.members

    def _member(self, name: str) -> bytes:
        if name not in self.members:
            raise ProfileError(self.path, f"member {name} is missing")
        return self.members[name]


def read_archive(path: Path | str, *, max_member: int = MAX_MEMBER_BYTES, max_total: int = MAX_TOTAL_BYTES) -> Archive:
    """Open a profile file and verify it: a zip, a known format and version, every digest right.

    Nothing is inflated before the zip's declared sizes are checked against ``max_member`` and
    ``max_total``; members are then inflated in chunks and hashed as they come, never beyond their
    declared size. Raises :class:`ProfileError` (one line: the file and the reason) for anything else.
    """
    path = Path(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ProfileError(path, "no such file") from None
    except OSError as exc:
        raise ProfileError(path, exc.strerror or type(exc).__name__) from None
    with handle:
        try:
            with zipfile.ZipFile(handle) as archive:
                manifest, contents = _verified(path, archive, max_member, max_total)
            digest = _file_digest(handle)
        except ProfileError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
                NotImplementedError) as exc:  # fmt: skip
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ProfileError(path, f"not an auditor reference profile, or truncated ({reason})") from None
    return Archive(str(path), manifest, contents, digest)


def _verified(
    path: Path, archive: zipfile.ZipFile, max_member: int, max_total: int
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and every member's bytes, each size, digest and the manifest's own checked."""
    infos = archive.infolist()
    names = [i.filename for i in infos]
    if MANIFEST not in names:
        raise ProfileError(path, f"not an auditor reference profile (a zip without {MANIFEST})")
    if len(set(names)) != len(names):
        raise ProfileError(path, "a member name appears twice (the file was tampered with)")
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
            raise ProfileError(path, f"member {info.filename} is encrypted or compressed otherwise than a profile")
    problem = size_problem(((i.filename, i.file_size) for i in infos), max_member, max_total)
    if problem:
        raise ProfileError(path, f"{problem}; refused before inflating it (a zip bomb, not a profile)")
    by_name = {i.filename: i for i in infos}
    data, _ = _inflate(path, archive, by_name.pop(MANIFEST))
    manifest = _manifest(path, data)
    listed = manifest["members"]
    unlisted = sorted(set(by_name) - set(listed))
    if unlisted:
        raise ProfileError(path, f"member {unlisted[0]} is not in the manifest (the file was tampered with)")
    contents = {}
    for name, digest in sorted(listed.items()):
        if name not in by_name:
            raise ProfileError(path, f"member {name} is missing (the file is truncated or was tampered with)")
        contents[name], actual = _inflate(path, archive, by_name[name])
        if actual != digest:
            raise ProfileError(path, f"member {name} does not match its SHA-256 digest (the file was tampered with)")
    return manifest, contents


def _inflate(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[bytes, str]:
    """A member's bytes and their SHA-256, inflated a chunk at a time and never beyond its declared size
    (checked against the limits before): a member that expands further is refused."""
    out, sha = io.BytesIO(), hashlib.sha256()
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            if out.tell() + len(chunk) > info.file_size:
                raise ProfileError(
                    path, f"member {info.filename} expands beyond the {info.file_size:,} bytes the zip declares"
                )
            sha.update(chunk)
            out.write(chunk)
    if out.tell() != info.file_size:
        raise ProfileError(path, f"member {info.filename} is shorter than the zip declares (the file is truncated)")
    return out.getvalue(), sha.hexdigest()


def _manifest(path: Path, data: bytes) -> dict[str, Any]:
    """The manifest: a known format, a version this auditor reads, its own digest right, its member list."""
    try:
        manifest = json.loads(data)
    except ValueError:
        raise ProfileError(path, f"{MANIFEST} is not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ProfileError(path, f"not an auditor reference profile ({MANIFEST} does not say format {FORMAT!r})")
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProfileError(path, f"format_version {version!r} is not an integer")
    if version > FORMAT_VERSION:
        raise ProfileError(
            path,
            f"format version {version} is newer than this auditor reads ({FORMAT_VERSION}); "
            "upgrade corpus-auditor or rebuild the profile with `auditor profile`",
        )
    if version < FORMAT_VERSION:
        raise ProfileError(
            path,
            f"format version {version} is older than this auditor reads ({FORMAT_VERSION}: a manifest covered "
            "by its own digest); rebuild the profile with `auditor profile`",
        )
    try:
        sealed = manifest.get(MANIFEST_DIGEST) == manifest_digest(manifest)
    except ValueError:  # NaN or infinity: never written by write_archive
        sealed = False
    if not sealed:
        raise ProfileError(path, f"{MANIFEST} does not match its SHA-256 digest (the file was tampered with)")
    listed = manifest.get("members")
    if not isinstance(listed, dict) or not all(isinstance(d, str) for d in listed.values()):
        raise ProfileError(path, f"{MANIFEST} lists no members")
    return manifest


def _file_digest(handle: BinaryIO) -> str:
    """The SHA-256 of a whole file, read a chunk at a time."""
    handle.seek(0)
    sha = hashlib.sha256()
    while chunk := handle.read(CHUNK_BYTES):
        sha.update(chunk)
    return sha.hexdigest()
