"""The reference profile's file format: a zip of JSON and ``.npy`` members with a digest manifest.

Why this format: a profile travels between machines (a CI cache, a colleague's laptop), so reading
one must never run code. Members are plain JSON or ``.npy`` arrays read with
``allow_pickle=False`` (an object array is refused, never unpickled), and ``manifest.json`` lists
every member's SHA-256, so a truncated or edited file is refused before anything is used.

Writing is deterministic: members in sorted order, a fixed zip timestamp and permissions, JSON with
sorted keys, so the same inputs give a byte-identical file (a CI cache key can be its digest).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from auditor.errors import Errors, InputError

FORMAT = "auditor-reference-profile"
FORMAT_VERSION = 1
"""Bumped when a reader of this version could not read the file correctly."""
MANIFEST = "manifest.json"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MAX_MEMBER_BYTES = 4 << 30
"""A member claiming more than this uncompressed is refused (a zip bomb, not a profile)."""
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


def write_archive(members: dict[str, bytes], header: dict[str, Any]) -> bytes:
    """The profile file's bytes: ``members`` plus a manifest (``header`` and each member's SHA-256)."""
    if MANIFEST in members:
        raise ValueError(f"{MANIFEST} is written by write_archive")
    manifest = {
        **header,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "members": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(members.items())},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in [(MANIFEST, json_bytes(manifest)), *sorted(members.items())]:
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


def read_archive(path: Path | str) -> Archive:
    """Open a profile file and verify it: a zip, a known format and version, every digest right.

    Raises :class:`ProfileError` (one line: the file and the reason) for anything else.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ProfileError(path, "no such file") from None
    except OSError as exc:
        raise ProfileError(path, exc.strerror or type(exc).__name__) from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = [i.filename for i in infos]
            if MANIFEST not in names:
                raise ProfileError(path, f"not an auditor reference profile (a zip without {MANIFEST})")
            if len(set(names)) != len(names):
                raise ProfileError(path, "a member name appears twice (the file was tampered with)")
            for info in infos:
                if info.file_size > MAX_MEMBER_BYTES:
                    raise ProfileError(path, f"member {info.filename} claims {info.file_size:,} bytes")
            contents = {i.filename: archive.read(i) for i in infos}
    except ProfileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ProfileError(path, f"not an auditor reference profile, or truncated ({reason})") from None
    try:
        manifest = json.loads(contents.pop(MANIFEST))
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
    listed = manifest.get("members")
    if not isinstance(listed, dict):
        raise ProfileError(path, f"{MANIFEST} lists no members")
    unlisted = sorted(set(contents) - set(listed))
    if unlisted:
        raise ProfileError(path, f"member {unlisted[0]} is not in the manifest (the file was tampered with)")
    for name, digest in sorted(listed.items()):
        if name not in contents:
            raise ProfileError(path, f"member {name} is missing (the file is truncated or was tampered with)")
        if hashlib.sha256(contents[name]).hexdigest() != digest:
            raise ProfileError(path, f"member {name} does not match its SHA-256 digest (the file was tampered with)")
    return Archive(str(path), manifest, contents, hashlib.sha256(data).hexdigest())
