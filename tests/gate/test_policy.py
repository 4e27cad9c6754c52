"""Reading a policy: every malformed key is named, files are found where documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.cli import app
from auditor.errors import UsageError
from auditor.gate import Policy, Rule, find_policy, load_policy, parse_policy
from tests.gate.conftest import DEMO, runner


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"rules": {"tail.no_such_metric": {"min": 1}}}, "rules.tail.no_such_metric"),
        ({"rules": {"tail.rare_survival_hapax": {"minimum": 1}}}, "rules.tail.rare_survival_hapax.minimum"),
        ({"rules": {"tail.rare_survival_hapax": {"min": "high"}}}, "rules.tail.rare_survival_hapax.min"),
        (
            {"rules": {"tail.novel_type_rate": {"max_relative_drop": 0.1}}},
            "rules.tail.novel_type_rate.max_relative_drop",
        ),
        ({"no_degraded": ["vibes"]}, "no_degraded"),
        ({"fail_on_na": "yes"}, "fail_on_na"),
        ({"rules": {"tail.rare_survival_hapax": {"min": 0.1}}, "fail_on_na": False}, "fail_on_na"),
        ({"allow_na": 1}, "allow_na"),
        ({"rules": {"tail.rare_survival_hapax": {"min": 0.1, "allow_na": "yes"}}}, "rules.tail.rare_survival_hapax"),
        ({"rules": {"tail.rare_survival_hapax": {"allow_na": True}}}, "rules.tail.rare_survival_hapax"),
        ({"rulez": {}}, "rulez"),
        ({"rules": {"tail.rare_survival_hapax": {"min": 0.9, "max": 0.1}}}, "rules.tail.rare_survival_hapax.min"),
        ({"rules": {"tail.tail_mass": {"max_relative_drop": -0.1}}}, "rules.tail.tail_mass.max_relative_drop"),
    ],
)
def test_malformed_policy_names_the_key(table: dict, key: str) -> None:
    with pytest.raises(UsageError, match=f"policy key '{key}"):
        parse_policy(table)


def test_malformed_policy_file_exits_2_naming_the_key(tmp_path: Path) -> None:
    policy = tmp_path / "auditor.toml"
    policy.write_text('[check.rules."vocabulary.typos"]\nmin = 3\n')
    result = runner.invoke(app, ["check", str(DEMO / "gen0.jsonl"), str(DEMO / "gen1.jsonl"), "--policy", str(policy)])
    assert result.exit_code == 2
    assert "rules.vocabulary.typos" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_policy_found_in_pyproject(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.auditor]\ndraws = 4\nsplits = 4\nfamilies = ["vocabulary", "tail"]\n\n'
        '[tool.auditor.check]\nno_degraded = ["tail"]\n'
    )
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", str(DEMO / "gen0.jsonl"), str(DEMO / "gen5.jsonl"), "-q"])
    assert result.exit_code == 1 and "verdict.tail" in result.stdout
    result = runner.invoke(app, ["check", str(DEMO / "gen0.jsonl"), str(DEMO / "gen1.jsonl"), "-q"])
    assert result.exit_code == 0, result.output


def test_find_policy_reads_the_file_given_else_looks_in_auditor_toml_then_pyproject(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="No policy given and none found"):
        find_policy()
    (tmp_path / "auditor.toml").write_text("seed = 3\n")  # settings only: not a policy, so keep looking
    (tmp_path / "pyproject.toml").write_text('[tool.auditor.check]\nno_degraded = ["tail"]\n')
    assert find_policy() == Policy(no_degraded=("tail",), source="pyproject.toml")
    with pytest.raises(UsageError, match=r"auditor\.toml: no policy found"):
        find_policy(Path("auditor.toml"))  # a file given explicitly must hold one
    (tmp_path / "auditor.toml").write_text('[check.rules."tail.tail_mass"]\nmin = 0.1\n')
    assert find_policy().rules == (Rule("tail.tail_mass", min=0.1),)
    (tmp_path / "auditor.toml").write_text('[check]\nno_degraded = ["vibes"]\n')
    with pytest.raises(UsageError, match="policy key 'no_degraded'"):
        find_policy()  # a policy found by looking must still be valid


def test_load_policy_reads_check_tables_and_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[check]\nallow_na = true\n[check.rules."tail.tail_mass"]\nmax_relative_drop = 0.2\n')
    assert load_policy(path) == Policy((Rule("tail.tail_mass", max_relative_drop=0.2),), (), True, str(path))


def test_a_policy_file_is_a_settings_file_read_and_refused_as_auditor_toml_is(tmp_path: Path) -> None:
    from auditor.config import load_config_file, settings_from_mapping

    rule = '[check.rules."tail.tail_mass"]\nmin = 0.1\n'
    path = tmp_path / "p.toml"
    path.write_text("seed = 5\ncache-dir = '/tmp/c'\n" + rule)
    assert load_policy(path).settings == {"seed": 5, "cache-dir": "/tmp/c"}
    assert load_policy(path).rules == (Rule("tail.tail_mass", min=0.1),)
    for settings, message in (
        ("bogus_setting = 1\n", "unknown setting 'bogus_setting'"),
        ("draws = 1\n", "setting 'draws' must be an int >= 2"),
        ("[chekc]\nallow_na = true\n", "unknown setting 'chekc'"),  # a stray table is an unknown key too
    ):
        path.write_text(settings + rule)
        with pytest.raises(UsageError, match=message) as as_policy_file:
            load_policy(path)
        with pytest.raises(UsageError, match=message) as as_config_file:
            settings_from_mapping(load_config_file(path), source=str(path))
        assert str(as_policy_file.value) == str(as_config_file.value)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "p.toml",
            "allow_na = true\n[check]\nno_degraded = ['tail']\n",
            "'allow_na': outside [check], at the top level",
        ),
        ("p.toml", "no_degraded = ['tail']\n[check]\nno_degraded = ['vocabulary']\n", "it belongs under [check]."),
        (
            "pyproject.toml",
            "[tool.auditor]\nallow_na = true\n[tool.auditor.check]\nno_degraded = ['tail']\n",
            "'allow_na': outside [tool.auditor.check], in [tool.auditor], where settings go",
        ),
        ("p.toml", "seed = 5\nno_degraded = ['tail']\n", "'seed': a setting, not a policy key"),
    ],
)
def test_a_policy_key_outside_the_policy_is_refused_as_misplaced(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(UsageError, match=re.escape(message)):
        load_policy(path)


def test_min_equal_to_max_is_a_valid_rule() -> None:
    policy = parse_policy({"rules": {"tail.tail_mass": {"min": 0.5, "max": 0.5}}})
    assert policy.rules == (Rule("tail.tail_mass", min=0.5, max=0.5),)
