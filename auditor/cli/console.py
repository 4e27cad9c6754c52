"""How a command ends and what it shows on the terminal, the same for every command.

The exit-code contract (:func:`_guarded`: 2 for a usage or input error, 130 for an interrupt,
3 with a crash log for a bug), the one-line error (:func:`_fail`), the crash log, the progress
display and auditor's own warnings as one plain line. Kept apart so the command modules share
one copy of each.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional, TypeVar

import click
import typer

from auditor._version import __version__
from auditor.errors import AuditorError
from auditor.text.terminal import terminal_safe

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"auditor: error: {terminal_safe(message)}", err=True)
    raise typer.Exit(code)


def write_crash_log(exc: BaseException) -> Path:
    """Write the traceback of an unexpected error to a file and return its path.

    Users see one line; the traceback, the version and the command line go to the log, which a
    bug report can attach.
    """
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = Path(tempfile.gettempdir()) / f"auditor-crash-{stamp}-{os.getpid()}.log"
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    path.write_text(
        f"auditor {__version__}, Python {sys.version.split()[0]}\ncommand: {sys.argv!r}\n\n{details}", encoding="utf-8"
    )
    return path


def _guarded(command: F) -> F:
    """Run a command with the exit-code contract: 2 for AuditorError, 130 for an interrupt, and 3
    (one line and a crash log, never a traceback) for anything unexpected."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from auditor.executors import terminate_on_sigterm

        try:
            with terminate_on_sigterm():  # a cancelled CI job ends the run like Ctrl-C
                return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            typer.echo("auditor: interrupted; previous outputs left untouched.", err=True)
            raise typer.Exit(130) from None
        except AuditorError as exc:
            _fail(str(exc))
        except Exception as exc:  # the one place that turns a bug into exit 3
            try:
                where = f"details in {write_crash_log(exc)}"
            except OSError:
                where = "no crash log could be written"
            message = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            typer.echo(f"auditor: internal error: {terminal_safe(message)} ({where}); please report it", err=True)
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]


def _interactive(quiet: bool) -> bool:
    """Progress is for people at a terminal: not in CI, pipes or with --quiet."""
    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def _progress(quiet: bool) -> Iterator[Optional[Callable[[str, Optional[int]], Callable[[int, str], None]]]]:
    """A rich progress display per generation on a terminal; nothing in CI, pipes or --quiet."""
    if not _interactive(quiet):
        yield None
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as progress:

        def factory(label: str, total: Optional[int]) -> Callable[[int, str], None]:
            task = progress.add_task(escape(terminal_safe(label)), total=total, detail="")

            def update(done: int, detail: str) -> None:
                progress.update(task, completed=done, detail=detail)

            return update

        yield factory


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """auditor's own warnings (a skipped embedding cache, a short seed corpus) as one plain line."""
    if getattr(category, "__module__", "").startswith("auditor."):
        typer.echo(f"auditor: warning: {terminal_safe(str(message))}", err=True)
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


_default_showwarning = warnings.showwarning
