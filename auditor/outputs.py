"""Write a run's outputs (metrics.json, summary.md, report.html) as one set: all new or all old.

The problem
-----------
Renaming three files one by one leaves a mixed set when the process dies between two renames
(a new metrics.json beside the old report.html), temporary files when it dies mid-write, and a
mixed set again when the third rename fails (report.html is a folder, the disk is full). A reader
(a person, CI, ``auditor report``) must never take such a mix for one run's outputs.

The design
----------
1. **Render first.** Every format is rendered in memory and encoded before anything on disk is
   touched, so a failing renderer (a plot that cannot be drawn, say) changes nothing.

2. **Check before changing.** The target is examined up front: ``--out`` naming an existing file,
   a read-only folder or output, or a folder named like one of our files all raise a one-line
   :class:`~auditor.errors.UsageError` naming the path, and nothing has been written yet.

3. **Whole-folder swap when the folder is ours.** When the output folder does not exist yet, or
   holds nothing but auditor's own files (the three outputs, the manifest and stale auditor
   temporaries), the new set is written and fsync'ed in a fresh sibling folder
   ``<parent>/.<outname>.tmp-XXXXXXXX`` and swapped in:

   * on Linux, with one atomic ``renameat2(RENAME_EXCHANGE)`` (via ctypes): at every instant the
     path names either the complete old folder or the complete new one. The old set, now at the
     temporary name, is deleted afterwards; a crash before that leaves it as a stale temporary.
   * where the exchange is unavailable (other systems, file systems without it): the old folder
     is renamed aside to ``<parent>/.<outname>.old-XXXXXXXX``, the new one renamed in, the old
     one deleted. A crash between the two renames leaves no folder at the path and the old set
     intact at the ``.old-`` name: the next run renames it back before doing anything else.
   * a missing target folder is created by a plain rename of the finished temporary folder.

   The new folder gets the old one's permission bits (or the umask's, for a new folder).
   A folder swap would move or delete what else the folder holds, and would pull the working
   directory from under a shell standing in it, so it is used only in the cases above.

4. **File by file, with a manifest, otherwise.** When the folder holds anything else (a
   ``.gitkeep``, a user's ``demo/`` folder, the corpora themselves), nothing of it is moved or
   deleted. Each output is written to a temporary file beside its target and fsync'ed, all before
   the first rename; the old outputs are hard-linked aside as backups; then the manifest
   ``.auditor-outputs.json`` is removed, each output renamed over its target, and a new manifest
   written last. The manifest names the run (a fresh run id and the result's creation time) and
   the SHA-256 and size of every file of the set, so a reader can tell a complete set (see
   :func:`outputs_complete`): after a crash mid-way there is no manifest, or its hashes do not
   match. A rename that fails mid-way is rolled back from the backups.
   The whole-folder swap writes the same manifest, so readers check sets one way.

5. **Stale temporaries are cleaned.** Every run first removes what killed runs left behind,
   matching only our exact patterns: ``.<output>.XXXXXXXX.tmp`` files in the folder and
   ``.<outname>.tmp-XXXXXXXX`` / ``.<outname>.old-XXXXXXXX`` folders beside it holding only
   auditor files. A temporary in use by a concurrent run is locked (``flock``) and left alone.

6. **Errors are user errors.** A failure to write (unwritable folder, full disk, a folder where a
   file should be) raises :class:`~auditor.errors.UsageError` with a one-line message naming the
   path, never a bare ``OSError``, after removing this run's temporaries.

:func:`check_output_target` lets the CLI refuse, before the audit runs, an output path that
would overwrite an input (``auditor report m.json --out m.json``) or write into an input corpus
folder. :func:`atomic_write` writes one file (JUnit XML, a policy) by temporary file and rename;
it lives in :mod:`auditor.atomic`, with the temporary files, locks and fsync this module builds
the set on, and is importable from here as well.
"""

from __future__ import annotations

import contextlib
import ctypes
import enum
import errno
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from auditor.atomic import (
    _TOKEN,
    _encode,
    _fsync_dir,
    _locked,
    _locked_dir,
    _read_only,
    _reason,
    _remove_stale_files,
    _replace,
    _stale_file_pattern,
    _temp_file,
    _token,
    _umask,
    atomic_write,
)
from auditor.errors import Errors, UsageError, stat_path

if TYPE_CHECKING:
    from auditor.result import AuditResult

__all__ = [
    "MANIFEST",
    "MANIFEST_KIND",
    "OUTPUT_NAMES",
    "OutputFormat",
    "assert_never",
    "atomic_write",
    "check_output_target",
    "outputs_complete",
    "write_output_set",
    "write_outputs",
]


def assert_never(value: NoReturn) -> NoReturn:
    """Fail loudly when an enum gains a member that a match does not handle."""
    raise AssertionError(f"unhandled value: {value!r}")


class OutputFormat(str, enum.Enum):
    """The formats a run is written in, with their file names."""

    JSON = "metrics.json"
    MARKDOWN = "summary.md"
    HTML = "report.html"

    def format(self, result: AuditResult) -> str:
        """Render ``result`` in this format."""
        if self is OutputFormat.JSON:
            return result.to_json()
        if self is OutputFormat.MARKDOWN:
            from auditor.report.markdown import format_markdown

            return format_markdown(result)
        if self is OutputFormat.HTML:
            from auditor.report.html import format_html

            return format_html(result)
        assert_never(self)


OUTPUT_NAMES = tuple(fmt.value for fmt in OutputFormat)
MANIFEST = ".auditor-outputs.json"
"""Written last into the output folder: run id and SHA-256 of every file of the set."""
MANIFEST_KIND = "auditor-outputs"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def write_outputs(
    result: AuditResult, out_dir: Path, formats: tuple[OutputFormat, ...] = tuple(OutputFormat)
) -> dict[OutputFormat, Path]:
    """Render every format, then replace the set in ``out_dir`` as a whole; returns the paths.

    Raises :class:`~auditor.errors.UsageError` when the outputs cannot be written; the previous
    outputs are then untouched. See the module docstring for how.
    """
    rendered = {fmt: fmt.format(result) for fmt in formats}
    write_output_set(out_dir, {fmt.value: text for fmt, text in rendered.items()}, created=result.run.get("created"))
    return {fmt: Path(out_dir) / fmt.value for fmt in formats}


def write_output_set(out_dir: Path, files: Mapping[str, str], *, created: str | None = None) -> str:
    """Replace the output set in ``out_dir`` by ``files`` (name -> text); returns the run id."""
    for name in files:
        if not name or name.startswith(".") or "/" in name or os.sep in name or name == MANIFEST:
            raise ValueError(f"not an output file name: {name!r}")
    run_id = secrets.token_hex(16)
    payload = {name: _encode(text) for name, text in files.items()}
    payload[MANIFEST] = _manifest(run_id, created, payload)
    out_dir = Path(out_dir)
    names = frozenset(OUTPUT_NAMES) | frozenset(files) | {MANIFEST}
    target = Path(os.path.realpath(out_dir))  # swap the real folder: a symlink to it keeps working
    for _attempt in range(2):  # a second time if another process created the folder meanwhile
        _recover_and_clean(target, names)
        existing = _inspect(out_dir, target, names)
        if existing is not None and not _swappable(target, names):
            _write_file_by_file(out_dir, target, payload)
            return run_id
        if _write_by_swap(out_dir, target, payload, exists=existing is not None):
            return run_id
    raise UsageError(Errors.E040.format(path=out_dir, detail="the folder changed while it was being written"))


def outputs_complete(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds one complete output set: a manifest whose every file matches."""
    out_dir = Path(out_dir)
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        entries = manifest["files"]
        if manifest.get("kind") != MANIFEST_KIND or not isinstance(entries, dict) or not entries:
            return False
        for name, entry in entries.items():
            data = (out_dir / name).read_bytes()
            if len(data) != entry["bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
                return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def check_output_target(out: Path, inputs: Iterable[object], *, directory: bool = True) -> None:
    """Refuse an output path that would overwrite, delete or write into an input.

    ``out`` is an output folder (``directory=True``: ``audit --out``, ``check --report``) or one
    output file (``directory=False``: ``report --out``, ``check --junit/--json/--markdown``).
    ``inputs`` are the corpus arguments as given (``PATH`` or ``NAME=PATH`` strings, paths or
    :class:`~auditor.corpus.spec.CorpusSpec`) and any other file read (a metrics.json, a policy).
    Raises :class:`~auditor.errors.UsageError` (E044/E045) when an output file is an input
    (compared after resolving symlinks, and by inode for hard links) or the output lands inside
    an input corpus folder (the next run would read it as documents). Call it before the audit.
    """
    out = Path(out)
    try:  # a target that cannot be looked at (a name too long, a link loop) cannot be written: say so now
        os.stat(out)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as exc:
        raise UsageError(Errors.E040.format(path=out, detail=_reason(exc))) from None
    out_real = Path(os.path.realpath(out))
    if directory:
        targets = [(out / name, out_real / name) for name in (*OUTPUT_NAMES, MANIFEST)]
        targets.append((out, out_real))
    else:
        targets = [(out, out_real)]
    for given in inputs:
        path = _input_path(given)
        if path is None:
            continue
        real = Path(os.path.realpath(path))
        st = stat_path(path)  # an input that cannot be looked at (a name too long...) is refused here
        if st is not None and stat.S_ISDIR(st.st_mode):
            if out_real == real or real in out_real.parents:
                raise UsageError(Errors.E045.format(path=out, input=path))
            continue
        for shown, target in targets:
            if target == real or _same_file(target, real):
                raise UsageError(Errors.E044.format(path=shown, input=path))


# ---------------------------------------------------------------------------------------------
# The two ways of writing a set
# ---------------------------------------------------------------------------------------------


def _write_by_swap(out_dir: Path, target: Path, payload: dict[str, bytes], *, exists: bool) -> bool:
    """Write the set into a sibling folder and swap it in; False if the folder appeared meanwhile."""
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
    except OSError as exc:
        if exists:  # the folder is writable (checked) but its parent is not: write inside it
            _write_file_by_file(out_dir, target, payload)
            return True
        raise UsageError(Errors.E040.format(path=out_dir, detail=_reason(exc))) from None
    try:
        with _locked_dir(tmp):
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode) if exists else 0o777 & ~_umask())
            for name, data in payload.items():
                _write_new(tmp / name, data)
            _fsync_dir(tmp)
            if not exists:
                try:
                    _rename(tmp, target)
                except OSError as exc:
                    if exc.errno in (errno.EEXIST, errno.ENOTEMPTY):
                        return False
                    raise
                _fsync_dir(parent)
                return True
            try:
                _exchange(tmp, target)
            except OSError as exc:
                if exc.errno not in _UNSUPPORTED:
                    if exc.errno in (errno.EXDEV, errno.EBUSY):  # a mount point: write inside it
                        _remove_tree(tmp)
                        _write_file_by_file(out_dir, target, payload)
                        return True
                    raise
                _swap_aside(tmp, target)
            _fsync_dir(parent)
    except OSError as exc:
        _remove_tree(tmp)
        raise UsageError(Errors.E040.format(path=out_dir, detail=_reason(exc))) from None
    except BaseException:
        _remove_tree(tmp)
        raise
    _remove_tree(tmp)  # after the exchange, the old set is at the temporary name
    return True


def _swap_aside(tmp: Path, target: Path) -> None:
    """Without an atomic exchange: old folder aside, new one in, old one deleted.

    A crash between the renames leaves the old set at ``.<outname>.old-XXXXXXXX`` and no folder
    at the target: the next run renames it back. A crash after them leaves the old set there
    beside the new folder: the next run deletes it.
    """
    old = target.parent / f".{target.name}.old-{_token()}"
    with _locked_dir(target):
        _rename(target, old)
        try:
            _rename(tmp, target)
        except BaseException:
            _rename(old, target)
            raise
        _fsync_dir(target.parent)
        _remove_tree(old)


def _write_file_by_file(out_dir: Path, target: Path, payload: dict[str, bytes]) -> None:
    """Temporary files, backups, manifest removed, renames, manifest last (module docstring, 4)."""
    outputs = [name for name in payload if name != MANIFEST]
    with contextlib.ExitStack() as stack:
        try:
            temps = {name: stack.enter_context(_temp_file(target, name, data)) for name, data in payload.items()}
            backups = {name: _backup(target / name) for name in payload}
        except OSError as exc:
            raise UsageError(Errors.E040.format(path=out_dir, detail=_reason(exc))) from None
        stack.callback(_drop_backups, backups)
        replaced: list[str] = []
        try:
            _unlink(target / MANIFEST)
            for name in outputs:
                _replace(temps[name], target / name)
                replaced.append(name)
            _replace(temps[MANIFEST], target / MANIFEST)
        except BaseException as exc:
            _roll_back(target, [*replaced, MANIFEST], backups)
            if isinstance(exc, OSError):
                raise UsageError(Errors.E040.format(path=out_dir, detail=_reason(exc))) from None
            raise
        _fsync_dir(target)


_MISSING = Path()
"""Backup marker: the file did not exist before this run (rolling back removes the new one)."""


def _backup(path: Path) -> Path | None:
    """A hard link to an existing output under a temporary name, to roll back from.

    :data:`_MISSING` when there is no old file, None when it could not be linked (a file system
    without hard links): that file is then not rolled back, and the missing manifest tells.
    """
    if not os.path.lexists(path):
        return _MISSING
    backup = path.parent / f".{path.name}.{_token()}.tmp"
    try:
        os.link(path, backup, follow_symlinks=False)
    except (OSError, NotImplementedError):
        return None
    return backup


def _roll_back(target: Path, names: list[str], backups: dict[str, Path | None]) -> None:
    """Put back the old files (and the old manifest) after a failed rename, as far as possible."""
    for name in names:
        backup = backups.get(name)
        with contextlib.suppress(OSError):
            if backup is _MISSING:
                (target / name).unlink(missing_ok=True)
            elif backup is not None:
                os.replace(backup, target / name)


def _drop_backups(backups: dict[str, Path | None]) -> None:
    for backup in backups.values():
        if backup is not None and backup is not _MISSING:
            backup.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Checks, recovery and cleaning
# ---------------------------------------------------------------------------------------------


def _inspect(out_dir: Path, target: Path, names: frozenset[str]) -> os.stat_result | None:
    """The target folder's stat (None if missing); UsageError when it cannot hold the outputs."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(Errors.E040.format(path=out_dir, detail=_reason(exc))) from None
    if not stat.S_ISDIR(st.st_mode):
        raise UsageError(Errors.E041.format(path=out_dir))
    if _read_only(target, st, os.W_OK | os.X_OK):
        raise UsageError(Errors.E042.format(path=out_dir))
    for name in names:
        try:
            entry = os.lstat(target / name)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise UsageError(Errors.E040.format(path=out_dir / name, detail=_reason(exc))) from None
        if stat.S_ISDIR(entry.st_mode):
            raise UsageError(Errors.E040.format(path=out_dir / name, detail="a folder is in the way of the file"))
        if stat.S_ISREG(entry.st_mode) and _read_only(target / name, entry):
            raise UsageError(Errors.E042.format(path=out_dir / name))
    return st


def _swappable(target: Path, names: frozenset[str]) -> bool:
    """Whether the whole folder may be swapped: only auditor files in it, not a cwd, not a mount."""
    cwd = Path(os.path.realpath(os.getcwd()))
    if target == cwd or target in cwd.parents or target.parent == target or os.path.ismount(target):
        return False
    stale = _stale_file_pattern(names)
    try:
        with os.scandir(target) as entries:
            for entry in entries:
                if not entry.is_file(follow_symlinks=False):
                    return False
                if entry.name not in names and not stale.match(entry.name):
                    return False
    except OSError:
        return False
    return True


def _recover_and_clean(target: Path, names: frozenset[str]) -> None:
    """Undo a swap killed half-way, then remove every stale temporary of ours (module docstring, 5)."""
    parent = target.parent
    dirs = re.compile(rf"\.{re.escape(target.name)}\.(tmp|old)-{_TOKEN}")
    try:
        candidates = sorted(
            (p for p in parent.iterdir() if dirs.fullmatch(p.name) and p.is_dir() and not p.is_symlink()),
            key=lambda p: p.stat().st_mtime,
        )
    except OSError:
        candidates = []
    stale = _stale_file_pattern(names)
    olds = [p for p in candidates if p.name.startswith(f".{target.name}.old-")]
    if olds and not os.path.lexists(target) and _only_ours(olds[-1], names, stale) and not _locked(olds[-1]):
        with contextlib.suppress(OSError):
            os.rename(olds[-1], target)  # a swap killed between its two renames: put the old set back
    for path in candidates:
        if path.exists() and _only_ours(path, names, stale) and not _locked(path):
            _remove_tree(path)
    _remove_stale_files(target, names)


def _only_ours(folder: Path, names: frozenset[str], stale: re.Pattern[str]) -> bool:
    """Whether a leftover folder holds nothing but auditor files (else it is not ours to delete)."""
    try:
        return all(
            e.is_file(follow_symlinks=False) and (e.name in names or stale.fullmatch(e.name) is not None)
            for e in os.scandir(folder)
        )
    except OSError:
        return False


def _input_path(given: object) -> Path | None:
    """The path of a corpus argument: ``PATH`` or ``NAME=PATH`` (as the corpus parser reads it)."""
    if given is None:
        return None
    if isinstance(given, (str, os.PathLike)):
        text = os.fspath(given)
        if isinstance(given, str) and "=" in text and not os.path.lexists(text):
            name, _, rest = text.partition("=")
            if name and rest:
                return Path(rest)
        return Path(text)
    path = getattr(given, "path", None)  # a CorpusSpec
    return Path(path) if path is not None else None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# File system steps (module-level so tests can make any of them fail; _replace and _fsync_dir,
# imported from auditor.atomic, are called through this module's names too)
# ---------------------------------------------------------------------------------------------


def _rename(src: Path, dst: Path) -> None:
    os.rename(src, dst)


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _exchange(a: Path, b: Path) -> None:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); OSError(ENOSYS) elsewhere."""
    renameat2 = _renameat2()
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available", str(a))
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(a), None, str(b))


@functools.cache
def _renameat2() -> Any:
    """libc's ``renameat2`` (glibc 2.28+, musl 1.1.24+), or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        func = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    except OSError:
        return None
    if func is not None:
        func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        func.restype = ctypes.c_int
    return func


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (which must not exist) with ``data``, flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _manifest(run_id: str, created: str | None, payload: Mapping[str, bytes]) -> bytes:
    files = {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)} for name, data in payload.items()}
    doc = {"kind": MANIFEST_KIND, "version": 1, "run_id": run_id, "created": created, "files": files}
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")
