"""Every user-facing error message, each with a code, in one place.

The library raises :class:`AuditorError` (or a subclass) with one of these messages; only the
CLI turns an error into an exit code. Each message says what was expected, what was found and,
where there is one, what to do about it.
"""

from __future__ import annotations


class AuditorError(Exception):
    """An error caused by the user's input or settings (the CLI exits 2 on it)."""


class InputError(AuditorError):
    """A corpus file that cannot be read as documents."""


class UsageError(AuditorError):
    """Settings or arguments that do not fit together."""


class Errors:
    """Coded message templates, formatted with ``.format()`` where they are raised."""

    E001 = "{path}: no such file or directory."
    E002 = (
        "{path}: unsupported file type '{suffix}'. Expected .txt, .jsonl, .json, .csv, .tsv or "
        ".parquet (optionally compressed as .gz, .zst, .bz2 or .xz), or a directory."
    )
    E003 = "{path}:{line}: not valid JSON ({detail}). Each line of a JSONL file must be one JSON value."
    E004 = "{path}: column '{field}' not found. Available columns: {available}. Choose one with --text-field."
    E005 = (
        "{path}:{line}: looks like binary data (NUL byte at byte offset {offset}), not text. "
        "Point auditor at text, JSONL, CSV or Parquet files."
    )
    E006 = "Generation '{name}' ({path}) has no documents with word tokens{detail}."
    E007 = (
        "Two generations are named '{name}'. Name them apart with NAME=PATH, e.g. gen1=data/a.jsonl gen2=other/a.jsonl."
    )
    E008 = "At least two corpora are needed (a reference and one generation); got {count}."
    E009 = "--reference '{name}' is not one of the generations: {names}."
    E010 = "Unknown famil{plural} {unknown}. Available: {available}."
    E011 = "`{name}` must be {expected}. Got {value!r} instead."
    E012 = "{path}: could not read the file ({detail})."
    E013 = "{path}: {detail}"
    E014 = "{path}: not a valid TOML file ({detail})."
    E015 = "{path}: unknown setting{plural} {unknown} in {section}. Known settings: {known}."
    E016 = (
        "--budget {budget} is larger than generation '{name}' can supply ({tokens} word tokens "
        "in its sample{half}). Lower --budget or leave it unset."
    )
    E017 = "{path}: not a metrics.json this version can read ({detail})."
    E018 = "{path}:{line}: {detail}"
    E019 = "Generation name '{name}' is not allowed: {detail}."
    E020 = (
        "{path}: no policy found. Put rules under [check] (auditor.toml) or [tool.auditor.check] "
        "(pyproject.toml), or write a starting policy with `auditor init-policy`."
    )
    E021 = "{path}: policy key '{key}': {detail}."
    E022 = "No policy given and none found in ./auditor.toml or ./pyproject.toml. Pass --policy FILE."
    E023 = "{where}: {reason} (--strict turns every skipped document into an error)."
