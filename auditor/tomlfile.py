"""The one TOML reader: settings files and policies go through :func:`read_toml`.

Every failure (missing file, a directory, unreadable bytes, bad TOML) becomes a usage error that
names the file, so no caller needs its own handling.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import Any

from auditor.errors import Errors, UsageError, path_error, stat_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


def read_toml(path: Path) -> dict[str, Any]:
    """Parse ``path`` as TOML; a :class:`UsageError` naming the file on any failure."""
    st = stat_path(path)
    if st is None:
        raise UsageError(Errors.E001.format(path=path))
    if not stat.S_ISREG(st.st_mode):
        raise UsageError(Errors.E013.format(path=path, detail="is not a regular file (a TOML file was expected)."))
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise path_error(path, exc) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(Errors.E014.format(path=path, detail=exc)) from None
