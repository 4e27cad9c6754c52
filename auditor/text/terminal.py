"""Text from corpora made safe to show: control characters become visible escapes.

Generation names, file names (a directory corpus can hold any name a file system allows) and
warnings quoting them reach the terminal, summary.md and report.html. A raw ESC (``\\x1b``) starts
a terminal escape sequence that can move the cursor, recolour or retitle the terminal, or hide
what precedes it; a raw CR overwrites the line; a newline fakes a second message line; C1 codes
(``\\x9b`` is an 8-bit CSI) and bidirectional overrides (``\\u202e``) do similar things, and a
lone surrogate (from a file name that is not valid UTF-8) cannot be encoded for output at all.
Every such character is replaced by a visible Python-style escape (``\\x1b``, ``\\n``,
``\\u202e``), so what remains of an escape sequence (``[31m``) is inert printable text and the
reader still sees that the name held a control character.

This module has no dependencies, so the CLI can use it before anything heavy is imported.
"""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0 controls, DEL, C1 controls, line/paragraph separators, and the bidi embedding, override and
# isolate controls (U+061C, U+200E-F, U+202A-E, U+2066-9): everything that moves the cursor,
# changes the terminal's state or reorders what is displayed. Lone surrogates too (a file name
# that is not valid UTF-8 arrives as "\udcff"): they cannot be printed or encoded at all.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _visible(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible_controls(text: str, *, keep: str = "") -> str:
    """``text`` with every control character (but those in ``keep``) replaced by a visible escape."""
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _visible(m.group()), text)


def terminal_safe(text: object) -> str:
    """One line of text safe to print: no ESC sequence, CR, newline, C1 code or bidi override survives.

    Apply it to anything printed that came from the user's data: generation names, file names,
    error messages that quote them. Printable text, backslashes included, is left as it is.
    """
    return visible_controls(str(text))


def terminal_safe_lines(text: object) -> str:
    """Like :func:`terminal_safe`, but newlines are kept (for multi-line output such as tables)."""
    return visible_controls(str(text), keep="\n")
