"""The README's "Auditing a synthetic dataset" section: every command in it runs, on small files
built here under the names it uses, and counts the documents a plain Python reading of those
files gives (the commands are taken from the README, so the two cannot drift apart).

The lexical families only, with few draws: the reading is what is checked here, not the metrics.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from auditor.cli import app
from tests.conftest import ROOT, write_jsonl
from tests.helpers import assert_one_line_error, save_to_disk

SECTION = "### Auditing a synthetic dataset"
FAST = ["--families", "vocabulary,tail", "--draws", "3", "--splits", "3", "--quiet", "--workers", "1"]


def section_commands() -> list[str]:
    """The ``auditor`` command lines of the section's code blocks, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(SECTION)
    end = re.compile(r"^#{2,3} ", re.M).search(readme, start + len(SECTION))
    text = readme[start : end.start() if end else len(readme)]
    blocks = re.findall(r"^```\n(.*?)^```", text, re.M | re.S)
    return [line for block in blocks for line in block.splitlines() if line.startswith("auditor ")]


def chats(texts: list[str], start: int) -> list[dict]:
    """Chat records: a system prompt, a question, one or two answers; every seventh has no answer."""
    records = []
    for i, text in enumerate(texts):
        k = start + i
        messages = [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": f"Tell me about subject {k % 11}, please."},
        ]
        if k % 7 != 6:
            messages.append({"role": "assistant", "content": text})
            if k % 3 == 0:
                messages += [
                    {"role": "user", "content": "And more?"},
                    {"role": "assistant", "content": text[::-1].split(".")[0] + " more words here."},
                ]
        records.append({"id": f"c{k}", "messages": messages})
    return records


def sharegpt(records: list[dict]) -> list[dict]:
    role = {"system": "system", "user": "human", "assistant": "gpt"}
    return [
        {"id": r["id"], "conversations": [{"from": role[m["role"]], "value": m["content"]} for m in r["messages"]]}
        for r in records
    ]


def answers(texts: list[str]) -> list[dict]:
    return [{"prompt": f"Write about theme {i % 40}.", "response": text} for i, text in enumerate(texts)]


def turns_of(records: list[dict], key: str, role_key: str, role: str, value: str) -> list[list[str]]:
    return [[m[value] for m in r[key] if m[role_key] == role] for r in records]


def joined(turns: list[list[str]]) -> tuple[list[str], int]:
    """A plain reading's documents (each record's turns joined) and its records without a turn."""
    return ["\n".join(t) for t in turns if t], sum(1 for t in turns if not t)


def each(turns: list[list[str]]) -> tuple[list[str], int]:
    return [x for t in turns for x in t], sum(1 for t in turns if not t)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, shuffled: list[dict]) -> tuple[Path, dict]:
    """The files the section names, and per command the documents and skips a plain reading expects."""
    root = tmp_path_factory.mktemp("synthetic")
    texts = [row["text"] for row in shuffled]
    v0, v1 = chats(texts[:160], 0), chats(texts[160:300], 160)
    write_jsonl(root / "chat_v0.jsonl", v0)
    write_jsonl(root / "chat_v1.jsonl", v1)
    write_jsonl(root / "sharegpt_v0.jsonl", sharegpt(v0))
    write_jsonl(root / "sharegpt_v1.jsonl", sharegpt(v1))
    save_to_disk(root / "data" / "gen0_ds", pa.Table.from_pylist(v0), shards=2, batch_rows=50)
    save_to_disk(root / "data" / "gen1_ds", pa.Table.from_pylist(v1), shards=3, batch_rows=50)
    write_jsonl(root / "answers_v0.jsonl", answers(texts[300:420]))
    write_jsonl(root / "answers_v1.jsonl", answers(texts[420:540]))
    assistant = [turns_of(v, "messages", "role", "assistant", "content") for v in (v0, v1)]
    user = [turns_of(v, "messages", "role", "user", "content") for v in (v0, v1)]
    gpt = [turns_of(sharegpt(v), "conversations", "from", "gpt", "value") for v in (v0, v1)]
    responses = [[[r["response"]] for r in answers(t)] for t in (texts[300:420], texts[420:540])]
    expected = {
        "reports/chat": [joined(t) for t in assistant],
        "reports/chat-turns": [each(t) for t in assistant],
        "reports/chat-user": [joined(t) for t in user],
        "reports/sharegpt": [joined(t) for t in gpt],
        "reports/datasets": [joined(t) for t in assistant],
        "reports/answers": [joined(t) for t in responses],
    }
    return root, expected


def test_the_section_has_one_example_per_format() -> None:
    commands = section_commands()
    assert len(commands) == 6
    text = " ".join(commands)
    for needle in ("--format chat", "--turns each", "--format sharegpt", "data/gen1_ds", "--group-field prompt"):
        assert needle in text
    assert "--pair-field prompt" in text


@pytest.mark.parametrize("command", section_commands())
def test_each_command_of_the_section_reads_what_a_plain_reading_gives(
    command: str, folder: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, expected = folder
    monkeypatch.chdir(root)
    argv = shlex.split(command)
    assert argv[0] == "auditor"
    result = CliRunner().invoke(app, argv[1:] + FAST)
    assert result.exit_code == 0, result.output
    out = argv[argv.index("--out") + 1]
    data = json.loads((root / out / "metrics.json").read_text(encoding="utf-8"))
    for generation, (documents, unmatched) in zip(data["generations"], expected[out], strict=True):
        assert generation["documents"] == len(documents), (out, generation["name"])
        assert generation["skipped"] == ({"no_matching_turn": unmatched} if unmatched else {})
    if out == "reports/answers":
        assert data["config"]["group_field"] == data["config"]["pair_field"] == "prompt"


def test_the_first_and_last_documents_are_a_plain_readings(folder: tuple[Path, dict]) -> None:
    from auditor.config import Settings
    from auditor.corpus import ReadLog, read_documents, read_options

    root, expected = folder
    for path, settings, out in [
        (root / "chat_v1.jsonl", Settings(format="chat"), "reports/chat"),
        (root / "chat_v1.jsonl", Settings(format="chat", turns="each"), "reports/chat-turns"),
        (root / "sharegpt_v1.jsonl", Settings(format="sharegpt"), "reports/sharegpt"),
        (root / "data" / "gen1_ds", Settings(format="chat"), "reports/datasets"),
        (root / "answers_v1.jsonl", Settings(text_field="response"), "reports/answers"),
    ]:
        texts = [d.text for d in read_documents(path, read_options(settings), ReadLog())]
        want = expected[out][1][0]
        assert (len(texts), texts[0], texts[-1]) == (len(want), want[0], want[-1]), out


def test_the_python_api_takes_format_and_turns(folder: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor import audit

    root, expected = folder
    monkeypatch.chdir(root)
    result = audit(
        ["gen0=chat_v0.jsonl", "gen1=chat_v1.jsonl"], format="chat", turns="each", families="vocabulary", draws=3
    )
    assert [g.documents for g in result.generations] == [len(e[0]) for e in expected["reports/chat-turns"]]
    assert (result.config["format"], result.config["turns"]) == ("chat", "each")


def test_format_and_turns_in_auditor_toml(folder: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch) -> None:
    root, expected = folder
    monkeypatch.chdir(root)
    (root / "auditor.toml").write_text('format = "sharegpt"\nturns = "each"\n', encoding="utf-8")
    try:
        args = ["audit", "sharegpt_v0.jsonl", "sharegpt_v1.jsonl", "--out", "reports/toml", *FAST]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        data = json.loads((root / "reports/toml/metrics.json").read_text(encoding="utf-8"))
        gpt = [g["documents"] for g in data["generations"]]
        assert gpt == [len(e[0]) for e in expected["reports/chat-turns"]]  # one per gpt turn, as per answer
    finally:
        (root / "auditor.toml").unlink()


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--text-field", "messages[role].content"], ["chat_v0.jsonl", "--text-field 'messages[role].content'"]),
        (["--text-field", "messages[role=user.content"], ["chat_v0.jsonl", "is never closed"]),
        (["--format", "openai"], ["`format` must be a preset, chat", "'openai'"]),
        (["--format", "chat", "--text-field", "body"], ["--format chat", "--text-field 'body'"]),
        (["--turns", "some"], ["`turns` must be one of joined, each", "'some'"]),
    ],
)
def test_bad_reader_settings_exit_2_in_one_line(
    folder: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch, args: list[str], fragments: list[str]
) -> None:
    root, _ = folder
    monkeypatch.chdir(root)
    result = CliRunner().invoke(app, ["audit", "chat_v0.jsonl", "chat_v1.jsonl", "--out", "reports/bad", *args, *FAST])
    assert_one_line_error(result, *fragments)


def test_an_arrow_folder_without_the_column_exits_2_naming_the_file_and_the_path(
    folder: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = folder
    monkeypatch.chdir(root)
    result = CliRunner().invoke(
        app, ["audit", "data/gen0_ds", "data/gen1_ds", "--format", "sharegpt", "--out", "reports/bad", *FAST]
    )
    assert_one_line_error(
        result, "data-00000-of-00002.arrow", "no column 'conversations'", "'conversations[from=gpt].value'"
    )


def test_the_prompt_response_example_groups_and_links_by_prompt(
    folder: tuple[Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The section's prompt-response command with the families that read the group and pair fields:
    homogenization within prompts is measured, and every answer is linked through its prompt."""
    root, _ = folder
    monkeypatch.chdir(root)
    (command,) = [c for c in section_commands() if "--pair-field prompt" in c]
    argv = shlex.split(command)[1:]
    argv[argv.index("--out") + 1] = "reports/answers-linked"
    fast = [*FAST[FAST.index("--draws") :], "--families", "voice,paired"]
    result = CliRunner().invoke(app, argv + fast)
    assert result.exit_code == 0, result.output
    data = json.loads((root / "reports/answers-linked/metrics.json").read_text(encoding="utf-8"))
    values = {m["id"]: m["values"] for m in data["metrics"]}
    assert all(v["value"] is not None for v in values["voice.homogenization"].values())
    assert values["paired.rare_retention"]["gen1"]["value"] is not None
    linking = data["artifacts"]["paired"]["linking"]["gen1"]
    assert linking == {"documents_with_id": 120, "duplicate_ids": 80, "without_partner": 0, "reference_ids_missing": 0}
