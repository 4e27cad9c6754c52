"""Settings validation: every setting read from a file is type-checked, naming the file and the key."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.config import _CHECKS, SETTING_NAMES, Settings, load_config_file, settings_from_mapping
from auditor.errors import UsageError
from auditor.families import FAMILY_NAMES as FAMILIES
from auditor.families import resolve_settings
from tests.conftest import write_jsonl

# One row per setting: a bad value as written in auditor.toml, what the message must say is
# expected, and how it must show the value given.
BAD = [
    ("seed", "-1", "an int >= 0", "-1 (an integer)"),
    ("draws", '"20"', "an int >= 2", "'20' (a string)"),
    ("splits", "2.5", "an int >= 2", "2.5 (a float)"),
    ("budget", "true", "an int >= 100 or unset", "True (a boolean)"),
    ("max_budget", "[1000]", "an int >= 100", "[1000] (an array)"),
    ("reservoir_tokens", "10", "an int >= 1000", "10 (an integer)"),
    ("min_tokens", '"many"', "an int >= 100", "'many' (a string)"),
    ("segment_tokens", "99", "an int >= 100", "99 (an integer)"),
    ("max_segments", "0", "an int >= 1", "0 (an integer)"),
    ("sample_docs", "1e3", "an int >= 4", "1000.0 (a float)"),
    ("min_docs", "false", "an int >= 4", "False (a boolean)"),
    ("embedding_model", "5", "a non-empty string", "5 (an integer)"),
    ("embedding_batch_size", "0", "an int >= 1", "0 (an integer)"),
    ("cache", '"no"', "true or false", "'no' (a string)"),
    ("cache_dir", "5", "a non-empty string or unset", "5 (an integer)"),
    ("knn_k", "0", "an int >= 1", "0 (an integer)"),
    ("topics_k", "1", "an int >= 2", "1 (an integer)"),
    ("likelihood_order", "0", "an int >= 1", "0 (an integer)"),
    ("likelihood_model", "5", "a non-empty string or unset", "5 (an integer)"),
    ("pos_tokens", "999", "an int >= 1000", "999 (an integer)"),
    ("voice_docs", "3", "an int >= 4", "3 (an integer)"),
    ("syntax_sentences", "99", "an int >= 100", "99 (an integer)"),
    ("pair_budget", "0", "an int >= 1", "0 (an integer)"),
    ("topics_max_features", "9", "an int >= 10", "9 (an integer)"),
    ("pair_field", "1", "a non-empty string or unset", "1 (an integer)"),
    ("pair_by_order", "1", "true or false", "1 (an integer)"),
    ("pair_docs", "1", "an int >= 2", "1 (an integer)"),
    ("strict", '"false"', "true or false", "'false' (a string)"),
    ("workers", "-1", "an int >= 0", "-1 (an integer)"),
    ("engine", '"spark"', "one of local, dask", "'spark' (a string)"),
    ("scheduler", "8786", "a non-empty string or unset", "8786 (an integer)"),
    ("families", "5", "a list of family names", "5 (an integer)"),
    ("reference", "0", "a non-empty string or unset", "0 (an integer)"),
    ("text_field", '""', "a non-empty string", "'' (a string)"),
    ("label_field", "[]", "a non-empty string or unset", "[] (an array)"),
    ("group_field", "{ a = 1 }", "a non-empty string or unset", "{'a': 1} (a table)"),
    ("txt_mode", '"lines"', "one of line, paragraph, file", "'lines' (a string)"),
    (
        "format",
        '"openai"',
        "a preset, chat (messages[role=assistant].content) or sharegpt (conversations[from=gpt].value), or unset",
        "'openai' (a string)",
    ),
    ("turns", '"all"', "one of joined, each", "'all' (a string)"),
    ("tokenizer", "1", "one of spacy, regex", "1 (an integer)"),
    ("clitics", "true", "one of drop, keep", "True (a boolean)"),
    ("language", '"english"', "an ISO 639-1 code in lower case (en, de, zh, ...) or auto", "'english' (a string)"),
    ("tolerance", "1.5", "a number in [0, 1)", "1.5 (a float)"),
    ("lost_words", "-5", "an int >= 0", "-5 (an integer)"),
]


def test_every_setting_has_a_check_and_a_bad_value_here() -> None:
    assert set(_CHECKS) == set(SETTING_NAMES)
    assert sorted(name for name, *_ in BAD) == sorted(SETTING_NAMES)


@pytest.mark.parametrize(("key", "toml", "expected", "given"), BAD, ids=[row[0] for row in BAD])
def test_a_bad_value_in_a_config_file_names_the_file_key_expectation_and_value(
    tmp_path: Path, key: str, toml: str, expected: str, given: str
) -> None:
    path = tmp_path / "auditor.toml"
    path.write_text(f"{key} = {toml}\n", encoding="utf-8")
    values = load_config_file(path)
    message = f"{re.escape(str(path))}: setting '{key}' must be {re.escape(expected)}.*Got {re.escape(given)} instead"
    with pytest.raises(UsageError, match=message):
        settings_from_mapping(values, source=str(path))


@pytest.mark.parametrize(("key", "toml", "expected", "given"), BAD, ids=[row[0] for row in BAD])
def test_a_bad_value_given_directly_is_refused_too(key: str, toml: str, expected: str, given: str) -> None:
    from auditor.tomlfile import tomllib

    value = tomllib.loads(f"v = {toml}")["v"]
    with pytest.raises(UsageError, match=f"`{key}` must be {re.escape(expected)}"):
        Settings(**{key: value})
    with pytest.raises(UsageError, match=f"`{key}` must be {re.escape(expected)}"):
        Settings().replace(**{key: value})


def test_the_key_is_named_as_written_and_pyproject_section_is_read(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.auditor]\ncache-dir = 5\n\n[tool.auditor.check]\nno_degraded = ["tail"]\n', encoding="utf-8")
    values = load_config_file(path)
    assert values == {"cache-dir": 5}  # the policy sub-table is not a setting
    with pytest.raises(UsageError, match=r"pyproject\.toml: setting 'cache-dir' must be a non-empty string"):
        settings_from_mapping(values, source=str(path))


def test_a_stray_table_is_an_unknown_setting_only_the_check_policy_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "auditor.toml"
    path.write_text('seed = 1\n[chekc]\nallow_na = true\n[check]\nno_degraded = ["tail"]\n', encoding="utf-8")
    values = load_config_file(path)
    assert values == {"seed": 1, "chekc": {"allow_na": True}}
    with pytest.raises(UsageError, match=r"auditor\.toml: unknown setting 'chekc'"):
        settings_from_mapping(values, source=str(path))


def test_tool_auditor_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool]\nauditor = 5\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"pyproject\.toml \[tool\.auditor\]: the settings must be a table"):
        load_config_file(path)


def test_a_config_path_that_is_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a regular file"):
        load_config_file(tmp_path)


def test_good_values_pass_and_paths_become_strings(tmp_path: Path) -> None:
    path = tmp_path / "auditor.toml"
    path.write_text(
        'cache_dir = "/tmp/c"\nstrict = true\ntolerance = 0\nfamilies = ["tail", "vocabulary"]\nbudget = 500\n',
        encoding="utf-8",
    )
    settings = settings_from_mapping(load_config_file(path), source=str(path))
    assert (settings.cache_dir, settings.strict, settings.tolerance) == ("/tmp/c", True, 0)
    assert settings.families == ("tail", "vocabulary") and settings.budget == 500
    assert Settings(cache_dir=tmp_path).cache_dir == str(tmp_path)  # a Path is kept as its string


def test_cross_setting_errors_name_the_file_too(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"my\.toml: setting 'knn_k' must be smaller than min_docs / 2 \(25\)"):
        settings_from_mapping({"knn_k": 30}, source="my.toml")
    with pytest.raises(UsageError, match=r"my\.toml: Unknown family 'vibes'"):
        resolve_settings(settings_from_mapping({"families": "vocabulary,vibes"}, source="my.toml"), source="my.toml")


@pytest.mark.parametrize("families", ["", " , ", [], ()])
def test_an_empty_families_list_is_a_usage_error(families: object) -> None:
    available = re.escape(", ".join(FAMILIES))
    with pytest.raises(UsageError, match=f"auditor.toml: No family chosen.*Available: {available}"):
        resolve_settings(settings_from_mapping({"families": families}, source="auditor.toml"), source="auditor.toml")
    with pytest.raises(UsageError, match=f"^No family chosen.*Available: {available}"):
        resolve_settings(Settings().replace(families=families))


def test_an_empty_families_flag_is_a_usage_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "none.jsonl")
    result = CliRunner().invoke(app, ["audit", missing, missing, "--families", "", "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "No family chosen" in result.stderr and "Available: vocabulary" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("families", "expected"),
    [
        ("vocabulary,vocabulary", ("vocabulary",)),
        ("tail, vocabulary,tail", ("tail", "vocabulary")),
        (["voice", "tail", "voice", "tail"], ("voice", "tail")),
        (("topics", "topics"), ("topics",)),
    ],
)
def test_repeated_families_are_dropped_keeping_order(families: object, expected: tuple[str, ...]) -> None:
    assert settings_from_mapping({"families": families}).families == expected
    assert Settings(families=families).families == expected  # type: ignore[arg-type]
    assert Settings().replace(families=families).to_dict()["families"] == list(expected)


def test_repeated_families_do_not_duplicate_metrics(small_pair) -> None:
    from auditor import audit

    result = audit(list(small_pair), families=("vocabulary", "vocabulary"), draws=3, splits=3)
    ids = [m.id for m in result.metrics]
    assert ids and len(ids) == len(set(ids))
    assert result.config["families"] == ["vocabulary"]


def test_defaults_are_valid_and_round_trip() -> None:
    settings = Settings()
    assert settings_from_mapping(settings.to_dict()) == settings
    assert {f.name for f in dataclasses.fields(Settings)} == set(SETTING_NAMES)


# --- the smallest inputs and settings run without numpy RuntimeWarnings (undefined values are null) ---

FOUR = ("vocabulary", "tail", "topics", "voice")
LOWEST = dict(min_docs=4, min_tokens=100, knn_k=1, voice_docs=4, draws=3, splits=3)
"""Thresholds at their minimum, so the metrics run on a 10-document generation instead of being n/a."""


@pytest.fixture(scope="module")
def tiny_corpora(tmp_path_factory: pytest.TempPathFactory, shuffled: list[dict]) -> list[Path]:
    folder = tmp_path_factory.mktemp("tiny")
    return [
        write_jsonl(folder / "ref.jsonl", shuffled[:240]),
        write_jsonl(folder / "ten.jsonl", shuffled[240:250]),  # a 10-document generation
        write_jsonl(folder / "same.jsonl", [shuffled[250]] * 12),  # one document, twelve times
    ]


@pytest.mark.parametrize("lowest", [False, True], ids=["default-thresholds", "lowest-thresholds"])
def test_a_tiny_audit_raises_no_runtime_warning(tiny_corpora: list[Path], lowest: bool) -> None:
    import warnings

    from auditor import audit

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = audit(tiny_corpora, families=FOUR, workers=1, **(LOWEST if lowest else {}))
    assert {m.family for m in result.metrics} == set(FOUR)
    for metric in result.metrics:
        for name, value in metric.values.items():
            # an undefined value is null with a reason, never NaN
            assert (value.value is None) == bool(value.reason), (metric.id, name)
    ten = [m.values["ten"].value for m in result.metrics if m.family in ("vocabulary", "tail")]
    assert any(v is not None for v in ten) == lowest  # with the lowest thresholds the metrics really ran
