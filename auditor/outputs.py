"""Write a run's outputs: metrics.json, summary.md and report.html, each atomically.

All three are rendered in memory first; only then is each written to a temporary file in the
target folder and renamed over the old one. A run that fails at any point leaves the previous
outputs untouched, and no reader ever sees a half-written file.
"""

from __future__ import annotations

import enum
import os
import tempfile
from pathlib import Path
from typing import NoReturn

from auditor.result import AuditResult


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


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_outputs(
    result: AuditResult, out_dir: Path, formats: tuple[OutputFormat, ...] = tuple(OutputFormat)
) -> dict[OutputFormat, Path]:
    """Render every format, then write each atomically into ``out_dir``; returns the paths."""
    rendered = {fmt: fmt.format(result) for fmt in formats}
    paths = {}
    for fmt, text in rendered.items():
        path = out_dir / fmt.value
        atomic_write(path, text)
        paths[fmt] = path
    return paths
