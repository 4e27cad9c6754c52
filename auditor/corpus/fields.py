"""Field paths: where in a record its text (or its label, group or pair id) is.

A path is keys joined by ``.``; each key may be followed by one bracket:

* ``[*]``: every element of the list under the key (``messages[*].content``: every turn);
* ``[key=value]``: the elements of that list that are objects whose ``key`` is ``value``
  (``messages[role=assistant].content``, ``conversations[from=gpt].value``). The value is
  compared with the element's as text: a string equal to it, or a number or boolean written as
  JSON writes it (``[turn=2]``, ``[final=true]``). Quotes around the value are dropped
  (``[role="assistant"]``); a value may hold dots (``[model=gpt-4.1]``).

A path is parsed once, before any record is read, so a bad one (an empty key, a bracket never
closed, ``[role]`` without a value, two brackets after one key) is refused up front with what is
wrong and where, never discovered record by record.

Reaching values: a key missing from an object, or a bracket under a key that holds no list,
reaches nothing. A filter that finds lists but no element matching it is told apart from a missing
field: for a chat record that has turns but none of the role asked for, the reader counts a skip of
its own (``no_matching_turn``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

_STEP = re.compile(r"([^.\[\]]+)(?:\[([^\[\]]*)\])?")


class FieldPathError(ValueError):
    """A field path that cannot be parsed; the message says what is wrong (without the path)."""


@dataclass(frozen=True)
class Step:
    """One key of a path, and what its bracket (if any) does with the list under it."""

    key: str
    expand: bool = False
    """``[*]`` or ``[key=value]``: the value is a list whose elements the path goes on into."""
    match: tuple[str, str] | None = None
    """``[key=value]``: only the elements whose ``key`` is ``value``."""


@dataclass(frozen=True)
class FieldPath:
    """A parsed field path (see the module docstring)."""

    text: str
    steps: tuple[Step, ...]

    @property
    def column(self) -> str:
        """The first key: the column a columnar file (Parquet, Arrow) must have."""
        return self.steps[0].key

    @property
    def filtered(self) -> bool:
        """Whether a ``[key=value]`` bracket selects elements."""
        return any(step.match is not None for step in self.steps)


@functools.lru_cache(maxsize=256)
def parse_field_path(path: str) -> FieldPath:
    """Parse ``path``; a :class:`FieldPathError` says what is wrong with it."""
    if not path:
        raise FieldPathError("the path is empty")
    steps: list[Step] = []
    pos = 0
    while True:
        found = _STEP.match(path, pos)
        if found is None:
            raise FieldPathError(_unexpected(path, pos))
        key, inside = found.group(1), found.group(2)
        pos = found.end()
        steps.append(_step(key, inside))
        if pos == len(path):
            return FieldPath(path, tuple(steps))
        if path[pos] != ".":
            raise FieldPathError(_unexpected(path, pos))
        pos += 1
        if pos == len(path):
            raise FieldPathError("it ends with '.', where a key should follow")


def _step(key: str, inside: str | None) -> Step:
    if inside is None:
        return Step(key)
    if inside.strip() == "*":
        return Step(key, expand=True)
    name, eq, value = inside.partition("=")
    name, value = name.strip(), _unquote(value.strip())
    if not eq or not name or not value:
        raise FieldPathError(f"'[{inside}]' after '{key}' is neither [*] nor [key=value]")
    return Step(key, expand=True, match=(name, value))


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _unexpected(path: str, pos: int) -> str:
    char = path[pos]
    where = f"at character {pos + 1}"
    if char == "[" and "]" not in path[pos:]:
        return f"the '[' {where} is never closed"
    if char == "[":
        return f"a second bracket {where}: one bracket per key"
    if char == ".":
        return f"an empty key {where} ('..' or a leading '.')"
    return f"unexpected '{char}' {where}"


def field_values(record: Any, path: FieldPath) -> tuple[list[Any], bool]:
    """The values ``path`` reaches in ``record`` (of any type), and whether it reached none because
    a ``[key=value]`` filter matched no element of the lists it found."""
    values: list[Any] = [record]
    unmatched = False
    for step in path.steps:
        reached: list[Any] = []
        lists = 0
        for value in values:
            if not isinstance(value, dict) or step.key not in value:
                continue
            child = value[step.key]
            if not step.expand:
                reached.append(child)
            elif isinstance(child, list):
                lists += 1
                reached.extend(child if step.match is None else (e for e in child if _matches(e, step.match)))
        if step.match is not None and lists and not reached:
            unmatched = True
        values = reached
    return values, unmatched and not values


def _matches(element: Any, match: tuple[str, str]) -> bool:
    key, wanted = match
    if not isinstance(element, dict) or key not in element:
        return False
    value = element[key]
    if isinstance(value, bool):
        return ("true" if value else "false") == wanted
    if isinstance(value, (str, int, float)):
        return str(value) == wanted
    return False


TEXT_PART_TYPES = frozenset({"text", "input_text", "output_text"})
"""The ``type`` of a content part that holds text (chat completions and Anthropic messages:
``text``; the OpenAI Responses API: ``input_text``, ``output_text``)."""


def content_part_texts(value: Any) -> list[str] | None:
    """The texts of a message content given as a list of parts, in order, or None when ``value`` is
    not such a list.

    Chat formats let a turn's content be a list of typed parts instead of a string: OpenAI and
    Anthropic ``[{"type": "text", "text": ...}, {"type": "image_url", ...}]``, Gemini ``parts``
    ``[{"text": ...}]`` (no type). A list is parts when every element is an object with a ``type``
    or a ``text``; the text parts are the document's text, and images, audio, tool calls and the
    like carry none, so they are left out. Arrow structs fill absent fields with null, so a null
    ``type`` counts as no type.
    """
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(p, dict) and (isinstance(p.get("type"), str) or "text" in p) for p in value):
        return None
    return [p["text"] for p in value if isinstance(p.get("text"), str) and (p.get("type") or "text") in TEXT_PART_TYPES]
