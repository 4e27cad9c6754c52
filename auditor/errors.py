"""Every user-facing error message, each with a code, in one place.

The library raises :class:`AuditorError` (or a subclass) with one of these messages; only the
CLI turns an error into an exit code. Each message says what was expected, what was found and,
where there is one, what to do about it.
"""

from __future__ import annotations

import errno
import os


class AuditorError(Exception):
    """An error caused by the user's input or settings (the CLI exits 2 on it)."""


class InputError(AuditorError):
    """A corpus file that cannot be read as documents."""


class UsageError(AuditorError):
    """Settings or arguments that do not fit together."""


class MissingExtraError(AuditorError, ImportError):
    """An optional feature whose package is not installed; the message names the extra that brings it."""


class Errors:
    """Coded message templates, formatted with ``.format()`` where they are raised."""

    E001 = "{path}: no such file or directory."
    E002 = (
        "{path}: unsupported file type '{suffix}'. Expected .txt, .jsonl, .json, .csv, .tsv, .parquet or "
        ".arrow (the text formats optionally compressed as .gz, .zst, .bz2 or .xz), or a directory."
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
    E050 = "{source}: setting '{key}' must be {expected}. Got {value!r} ({kind}) instead."
    E051 = "No family chosen (the list of families is empty). Available: {available}."
    E052 = "{source}: the settings must be a table of key = value pairs. Got {kind} instead."
    E053 = (
        "{path}: the --out folder holds files that are not a previous simulation's outputs ({found}). "
        "Simulate into a new or empty folder, or into the folder of an earlier `auditor simulate` run "
        "(its manifest.json and genN.jsonl files are replaced)."
    )
    E054 = "{path}: --out is {kind}, not a folder. Choose a folder for gen0.jsonl ... genN.jsonl and manifest.json."
    E055 = (
        "{path}: the embedding cache cannot be used ({detail}); this run embeds without it. "
        "Delete the folder to reset the cache."
    )
    E056 = (
        "The seed corpus has {available} documents, fewer than the {requested} asked for (docs): "
        "every seed document was used, {available} per generation."
    )
    E057 = (
        "{path}: the seed corpus would be overwritten or removed by simulating into {out}. "
        "Copy it elsewhere first or choose another --out folder."
    )
    E030 = (
        "{path}: could not read the file: truncated or corrupt {codec} stream ({detail}). "
        "Check it with `{tool} -t`, then re-create or re-download it."
    )
    E031 = (
        "{path}:{line}: line longer than {limit} bytes, the longest line auditor reads. A record "
        "cannot be that long: is this really a {format} file? (--txt-mode file reads a .txt file whole.)"
    )
    E032 = (
        "{path}: not a regular file ({kind}). Point auditor at files or directories; to read a "
        "stream, pipe it in and pass '-' for standard input."
    )
    E033 = (
        "{path}: looks like UTF-16 without a byte-order mark (NUL bytes between the letters), not "
        "binary data. Convert it to UTF-8, e.g. `iconv -f {encoding} -t UTF-8 FILE > FILE.utf8`."
    )
    E034 = (
        "{path}:{line}: JSON nested {depth} levels deep, deeper than the JSON parser can follow "
        "(Python's recursion limit is {limit}). Flatten the record or drop it."
    )
    E035 = (
        "{path}:{line}: malformed CSV: {detail}. A field that starts with '\"' runs to the next '\"' "
        "(a quote inside a field is written \"\"): fix the quoting, or convert the file to JSONL."
    )
    E036 = (
        "{path}: column '{field}' holds {type} values, not text. Numbers are read as text, but "
        "lists, structs, booleans and binary are not: choose a text column with --text-field."
    )
    E037 = "Standard input ('-') can be read only once, but it is given for both '{first}' and '{second}'."
    E038 = (
        "{path}: starts with a {encoding} byte-order mark but is not valid {encoding} ({detail}). "
        "Convert it to UTF-8."
    )
    E039 = "{path}: cannot use this path ({detail}): {advice}."
    E040 = "{path}: cannot write outputs here ({detail}). The previous outputs were left untouched."
    E041 = (
        "{path}: is an existing file, not a folder; metrics.json, summary.md and report.html go in a folder. "
        "Choose another output folder."
    )
    E042 = "{path}: is read-only; make it writable or choose another output path. Nothing was overwritten."
    E043 = "{path}: is a {kind}, not a file; choose a file path to write."
    E044 = "{path}: writing here would overwrite or delete the input {input}. Choose another output path."
    E045 = (
        "{path}: is inside the input corpus folder {input}, so the outputs would be read as documents by the "
        "next run. Choose an output path outside it."
    )
    E024 = (
        "{path}: the policy has no rules, so a check would pass whatever was measured. Add rules under "
        "[check.rules.\"METRIC_ID\"], no_degraded = [families] or no_degraded_aspects = [aspects], or write "
        "one with `auditor init-policy`."
    )
    E025 = (
        "{path}: none of the policy's rules applies to this run (they need {needs}; families run: {run}). "
        "Run the families the policy checks, or drop --families."
    )
    E026 = (
        "Cannot calibrate a policy on '{name}': {reason}. init-policy needs a reference of at least "
        "{docs} documents and {tokens:,} word tokens."
    )
    E027 = (
        "{flag} '{field}' was not found in any document of any generation ({where}). Field names are "
        "case-sensitive; dotted paths reach nested fields."
    )
    E080 = "{path}: is a folder without a metrics.json. Give a metrics.json file or an `auditor audit` output folder."
    E081 = "--match '{value}': expected A_NAME=B_NAME (a generation of the first file = one of the second)."
    E082 = "{path}: has no generation '{name}' (named by --match). Its generations: {names}."
    E083 = "{path}: generation '{name}' is named by more than one --match; match each generation once."
    E085 = (
        "{path}: policy key 'no_degraded_aspects': unknown aspect {value!r}; allowed: {allowed} (`auditor "
        "metrics` shows each metric's aspect)."
    )
    E070 = "{path}: cannot use this reference profile: {reason}."
    E071 = (
        "{path}: the reference profile was made with other settings than this run's: {differences}. "
        "Run with the profile's settings, or rebuild it with `auditor profile` and this run's settings."
    )
    E072 = (
        "Corpus '{name}' ({corpus}) is, or has the name of, the reference the profile {path} was made from. "
        "With --reference-profile every corpus given is a generation to audit: drop the reference from the "
        "corpora, or name the generation apart with NAME=PATH."
    )
    E073 = (
        "--reference '{name}' does not name the profile's reference ('{profile}'). With --reference-profile "
        "the profile is the reference; drop --reference."
    )
    E074 = "init-policy calibrates one reference: give a REFERENCE corpus or --reference-profile FILE, not {given}."
    E075 = "{command} needs at least one corpus to audit against the reference profile {path}."
    E076 = (
        "The reference profile would be more than a profile may hold, and refused when read: {reason}. "
        "Lower --sample-docs (texts kept) or --reservoir-tokens (word ids kept), or profile a smaller reference."
    )
    E060 = (
        "`likelihood_order` must be an int from 1 to {maximum} (the n of the reference's n-gram model; "
        "3 = trigrams). Got {value!r} instead."
    )
    E061 = (
        "The Kneser-Ney discount must be a number in (0, 1], or None for modified Kneser-Ney (three "
        "discounts per order from the counts). Got {value!r} instead."
    )
    E062 = (
        "{path}: --likelihood-model: no such folder. Give the folder of a local Hugging Face causal language "
        "model (config.json, weights and tokenizer files, as save_pretrained writes them); nothing is downloaded."
    )
    E063 = (
        "{path}: --likelihood-model is not a causal language model folder: {reason}. Give a folder that "
        "AutoModelForCausalLM and AutoTokenizer load offline (e.g. a saved GPT-2)."
    )
    E064 = "{path}: --likelihood-model could not be loaded offline ({detail})."
    E090 = (
        "--language '{language}': spaCy has no rules for this language. Give an ISO 639-1 code spaCy "
        "knows (de, es, fr, zh, ja, ...), or 'auto' to use the reference's detected language."
    )
    E091 = (
        "--language {language}: its words are not separated by spaces and its segmenter is not installed "
        "({module} missing): {hint}"
    )
    E092 = (
        "--language auto reads the reference twice (once to detect its language), and the reference "
        "'{name}' is standard input: give the language, e.g. --language de."
    )
    E093 = "--language {language}: spaCy's tokenizer for it needs a package that is not installed ({detail})."
    E094 = (
        "--language auto: the reference '{name}' reads as '{language}', a language spaCy has no rules "
        "for. Give the language with --language (an ISO 639-1 code)."
    )
    E095 = "--documents {path}: the rows are written as .jsonl or .parquet, not {suffix}; name the file so."
    E096 = (
        "{rule}: {detail}. The rules are --drop-duplicates, --drop-copies SHARE, --drop-typical SHARE and "
        "--keep-rare, at least one that drops, SHARE a number from 0 to 1 (one --select string: "
        "drop-duplicates,drop-typical=0.2,keep-rare)."
    )
    E097 = "auditor select: {detail}"
    E098 = (
        "Generation '{name}' is standard input, which cannot be read twice: per-document scores read every "
        "generation again after the pass. Save it to a file first."
    )
    E100 = "{where}: {detail}. Positions place generations in the series, e.g. gen0 at 0 and gen5 at 5."
    E101 = (
        "{what} needs {package}, which is not installed ({detail}). "
        "Install the {extra} extra: pip install 'corpus-auditor[{extra}]'"
    )
    E102 = (
        "{path}: {flag} '{field}': {detail}. A field path is keys joined by '.', each optionally followed by "
        "[*] (every element of a list) or [key=value] (the elements whose key is value), e.g. "
        "messages[role=assistant].content."
    )
    E103 = (
        "{where}: --format {format} reads {path}, so --text-field '{field}' would be ignored: give one of "
        "--format and --text-field."
    )
    E104 = (
        "{path}: no column '{column}' for the field path '{field}'. Available columns: {available}. Choose "
        "another with --text-field (or --format)."
    )
    E105 = "{path}: not an Arrow IPC file or stream ({detail}). Give a .arrow file written by pyarrow or datasets."
    E106 = (
        "{path}: a datasets folder (save_to_disk) whose {file} cannot be used: {detail}. "
        "Save the dataset again with save_to_disk, or give its .arrow files."
    )
    E099 = (
        "Generation '{name}' ({path}) changed while it was audited: the pass read {before} documents with "
        "words, the scoring pass {after}. Audit a copy that does not change."
    )


_PATH_ADVICE = {
    errno.ENAMETOOLONG: "a file or folder name may be at most 255 bytes (the whole path 4,096); shorten it",
    errno.ELOOP: "a symbolic link in it leads back to itself; fix or remove the link",
    errno.EACCES: "make it, and each folder above it, readable by this user",
    errno.EPERM: "make it, and each folder above it, readable by this user",
    errno.ENOTDIR: "a part of it before the last '/' is a file, not a folder",
    errno.EISDIR: "it is a folder; give a file",
}


def path_error(path: object, exc: OSError) -> InputError:
    """The coded error (E039) for an OSError on a path the user gave: a name too long, a link
    loop, permission denied... It names the path and says what to do: an input error (exit 2),
    not an internal one."""
    advice = _PATH_ADVICE.get(exc.errno or 0, "check that it exists and can be read")
    return InputError(Errors.E039.format(path=path, detail=exc.strerror or type(exc).__name__, advice=advice))


def stat_path(path: str | os.PathLike[str]) -> os.stat_result | None:
    """``os.stat`` of a path the user gave (links followed): None when nothing is there (as
    ``Path.exists()`` is False), :func:`path_error` for any other OSError."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise path_error(path, exc) from None
