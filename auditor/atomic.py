"""Write one file atomically: a temporary file beside it, flushed to disk, renamed over it.

:func:`atomic_write` writes one file (JUnit XML, a policy, a profile) by temporary file and
rename, so a reader finds the old file or the new one, never half of one. The pieces it is made
of (locked temporaries, stale-temporary cleaning, directory fsync, error wording) are also what
:mod:`auditor.outputs` builds the replacement of a whole output set on; they live here, apart
from the output-set logic, because they are about one file and know nothing of a run's outputs.

Temporaries are named ``.<name>.XXXXXXXX.tmp`` beside their target and hold an advisory lock
(``flock``) while in use, so the clean-up of a later run removes only what killed runs left.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from auditor.errors import Errors, UsageError

try:  # advisory locks tell a concurrent run's temporaries from a killed run's
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None  # type: ignore[assignment]

_TOKEN = "[a-z0-9_]{8}"  # what tempfile's names and _token() are made of


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` via a temporary file in the same folder and a rename.

    A symlink is written through (its target is replaced), and a character device or pipe
    (``/dev/stdout``) is written to directly. Raises :class:`~auditor.errors.UsageError` naming
    the path when it is a folder, read-only or cannot be written; a stale temporary of the same
    file left by a killed run is removed.
    """
    data = text if isinstance(text, bytes) else _encode(text)
    with atomic_file(path) as target, open(target, "wb") as f:
        f.write(data)


@contextlib.contextmanager
def atomic_file(path: Path | str) -> Iterator[Path]:
    """A path to write ``path``'s new content to, streamed: on a clean exit it replaces ``path``
    (temporary file beside it, fsync, rename); on an error ``path`` is left as it was.

    The checks and errors are :func:`atomic_write`'s; a character device or pipe is yielded
    itself (written directly). OSErrors while writing become E040 naming ``path``.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(Errors.E040.format(path=path, detail=_reason(exc))) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UsageError(Errors.E043.format(path=path, kind="folder"))
    if st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        try:
            yield path
        except OSError as exc:
            raise UsageError(Errors.E040.format(path=path, detail=_reason(exc))) from None
        return
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise UsageError(Errors.E043.format(path=path, kind="special file"))
    real = Path(os.path.realpath(path))
    if st is not None and _read_only(real, st):
        raise UsageError(Errors.E042.format(path=path))
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(Errors.E040.format(path=path, detail=_reason(exc))) from None
    _remove_stale_files(real.parent, {real.name})
    try:
        with _temp_file(real.parent, real.name, b"") as tmp:
            yield tmp
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            _replace(tmp, real)
        _fsync_dir(real.parent)
    except OSError as exc:
        raise UsageError(Errors.E040.format(path=path, detail=_reason(exc))) from None


# ---------------------------------------------------------------------------------------------
# Temporary files and the stale ones of killed runs
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _temp_file(folder: Path, name: str, data: bytes) -> Iterator[Path]:
    """``.<name>.XXXXXXXX.tmp`` in ``folder`` holding ``data``, locked while in use, removed unless renamed."""
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
        _write_all(fd, data)
        os.fsync(fd)
        yield Path(tmp)
    finally:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _remove_stale_files(folder: Path, names: Iterable[str]) -> None:
    """Delete ``.<name>.XXXXXXXX.tmp`` files of a killed run (regular files, not locked by a live one)."""
    pattern = _stale_file_pattern(names)
    try:
        entries = [p for p in folder.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return
    for path in entries:
        if path.is_file() and not path.is_symlink() and not _locked(path):
            with contextlib.suppress(OSError):
                path.unlink()


def _stale_file_pattern(names: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(names))
    return re.compile(rf"\.(?:{alternatives})\.{_TOKEN}\.tmp")


# ---------------------------------------------------------------------------------------------
# Advisory locks
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _locked_dir(path: Path) -> Iterator[None]:
    """Hold an advisory lock on a folder, so a concurrent run does not take it for a stale one."""
    fd = None
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)


def _locked(path: Path) -> bool:
    """Whether another open file (a live run) holds the advisory lock on ``path``."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


# ---------------------------------------------------------------------------------------------
# File system steps (auditor.outputs calls them through its own names, so tests can make them fail)
# ---------------------------------------------------------------------------------------------


def _replace(src: Path, dst: Path) -> None:
    os.replace(src, dst)


def _fsync_dir(path: Path) -> None:
    """Make renames in ``path`` durable (a no-op where folders cannot be fsync'ed)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _read_only(path: Path, st: os.stat_result, mode: int = os.W_OK) -> bool:
    """No write permission bit at all (a deliberate read-only mark, even for root), or no access."""
    return not st.st_mode & 0o222 or not os.access(path, mode)


def _encode(text: str) -> bytes:
    """UTF-8; a lone surrogate (from a file name that is not UTF-8) as ``\\udcff``, valid in JSON strings."""
    return text.encode("utf-8", errors="backslashreplace")


def _token() -> str:
    return secrets.token_hex(4)


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
