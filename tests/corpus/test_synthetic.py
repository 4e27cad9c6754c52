"""Synthetic datasets as they come: chat roles, ShareGPT, Arrow files and ``datasets`` folders.

Each format's documents are compared with a plain Python reading of the same records: the count,
the first and the last text, and the skips by reason.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditor.config import Settings
from auditor.corpus import ReadLog, ReadOptions, read_documents, read_options
from auditor.corpus.fields import FieldPathError, parse_field_path
from auditor.corpus.readers import extract_field
from auditor.errors import InputError, UsageError
from tests.conftest import write_jsonl
from tests.helpers import save_to_disk


def read(path: Path, **options: object) -> tuple[list[str], list[str], ReadLog]:
    log = ReadLog()
    docs = list(read_documents(path, ReadOptions(**options), log))  # type: ignore[arg-type]
    return [d.text for d in docs], [d.source for d in docs], log


def chat_records(n: int = 30) -> list[dict]:
    """Chat records with a system prompt, 1-3 exchanges, and now and then no assistant turn."""
    records = []
    for i in range(n):
        messages = [{"role": "system", "content": f"You are assistant {i}."}]
        for k in range(1 + i % 3):
            messages.append({"role": "user", "content": f"question {i}.{k} about topic {i % 7}"})
            if i % 10 != 9:  # every tenth record: the user's turns only
                messages.append({"role": "assistant", "content": f"answer {i}.{k}: words for record {i}"})
        records.append({"id": f"r{i}", "messages": messages})
    return records


def plain_turns(records: list[dict], key: str, role_key: str, role: str, text_key: str) -> list[list[str]]:
    """What a plain Python reading gives: each record's matching turns."""
    return [[m[text_key] for m in r.get(key, []) if m.get(role_key) == role] for r in records]


# --- field paths ---------------------------------------------------------------------------------


def test_field_paths_parse_filters_with_dots_and_quotes() -> None:
    path = parse_field_path('turns[model="gpt-4.1"].reply.text')
    assert [s.key for s in path.steps] == ["turns", "reply", "text"]
    assert path.steps[0].match == ("model", "gpt-4.1") and path.filtered
    record = {"turns": [{"model": "gpt-4.1", "reply": {"text": "a"}}, {"model": "gpt-4", "reply": {"text": "b"}}]}
    assert extract_field(record, 'turns[model="gpt-4.1"].reply.text') == "a"
    assert extract_field({"t": [{"n": 2, "v": "x"}, {"n": 3, "v": "y"}]}, "t[n=3].v") == "y"
    assert extract_field({"t": [{"ok": True, "v": "x"}]}, "t[ok=true].v") == "x"


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("messages[role].content", r"'\[role\]' after 'messages' is neither \[\*\] nor \[key=value\]"),
        ("messages[role=].content", r"neither \[\*\] nor \[key=value\]"),
        ("messages[=user].content", r"neither \[\*\] nor \[key=value\]"),
        ("messages[role=user.content", r"the '\[' at character 9 is never closed"),
        ("messages[*][*].content", "a second bracket at character 12"),
        ("messages..content", "an empty key at character 10"),
        ("messages.", "ends with '.'"),
        ("", "empty"),
    ],
)
def test_a_bad_field_path_says_what_is_wrong(path: str, problem: str) -> None:
    with pytest.raises(FieldPathError, match=problem):
        parse_field_path(path)


def test_a_bad_field_path_is_refused_before_reading_naming_the_file_and_the_path(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "chat.jsonl", chat_records(3))
    with pytest.raises(InputError, match=r"chat\.jsonl: --text-field 'messages\[role\]\.content': '\[role\]'"):
        read(path, text_field="messages[role].content")
    with pytest.raises(InputError, match=r"chat\.jsonl: field 'meta\.\.id'"):
        read(path, extra_fields=("meta..id",))


# --- chat JSONL ----------------------------------------------------------------------------------


def test_chat_assistant_turns_joined_match_a_plain_reading(tmp_path: Path) -> None:
    records = chat_records()
    path = write_jsonl(tmp_path / "chat.jsonl", records)
    expected = ["\n".join(t) for t in plain_turns(records, "messages", "role", "assistant", "content") if t]
    texts, sources, log = read(path, text_field="messages[role=assistant].content")
    assert len(texts) == len(expected) == 27
    assert (texts[0], texts[-1]) == (expected[0], expected[-1])
    assert texts == expected
    assert dict(log.skipped) == {"no_matching_turn": 3}
    assert sources[0] == f"{path}:1"
    assert all("You are assistant" not in t and "question" not in t for t in texts)


def test_chat_turns_each_are_documents_with_the_records_fields(tmp_path: Path) -> None:
    records = chat_records()
    path = write_jsonl(tmp_path / "chat.jsonl", records)
    expected = list(itertools.chain.from_iterable(plain_turns(records, "messages", "role", "assistant", "content")))
    log = ReadLog()
    options = ReadOptions("messages[role=assistant].content", extra_fields=("id",), turns="each")
    docs = list(read_documents(path, options, log))
    assert [d.text for d in docs] == expected and len(docs) == 54
    assert (docs[0].text, docs[-1].text) == (expected[0], expected[-1])
    assert docs[1].fields == docs[2].fields == {"id": "r1"}  # record 1 has two answers
    assert [d.source for d in docs[1:3]] == [f"{path}:2 turn 1", f"{path}:2 turn 2"]
    assert dict(log.skipped) == {"no_matching_turn": 3}


def test_user_turns_and_every_turn(tmp_path: Path) -> None:
    records = chat_records(12)
    path = write_jsonl(tmp_path / "chat.jsonl", records)
    users = ["\n".join(t) for t in plain_turns(records, "messages", "role", "user", "content")]
    assert read(path, text_field="messages[role=user].content")[0] == users
    every = ["\n".join(m["content"] for m in r["messages"]) for r in records]
    assert read(path, text_field="messages[*].content")[0] == every  # as before: every turn joined


def test_chat_skips_are_counted_by_reason(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "odd.jsonl",
        [
            {"messages": [{"role": "assistant", "content": "fine answer"}]},
            {"messages": [{"role": "user", "content": "no answer"}]},  # no matching turn
            {"messages": []},  # no turn at all: nothing matches either
            {"text": "no messages"},  # missing field
            {"messages": [{"role": "assistant", "content": None}]},  # the turn holds no text
            {"messages": [{"role": "assistant", "content": "  "}]},  # empty
            {"messages": [{"role": "assistant"}]},  # the turn has no content
            {"messages": "not a list"},
        ],
    )
    texts, _, log = read(path, text_field="messages[role=assistant].content")
    assert texts == ["fine answer"]
    assert dict(log.skipped) == {
        "no_matching_turn": 2,
        "missing_field": 3,
        "text_is_null": 1,
        "empty_document": 1,
    }
    log = ReadLog(strict=True)
    with pytest.raises(InputError, match=r"odd\.jsonl:2: no turn matches the field path"):
        list(read_documents(path, ReadOptions("messages[role=assistant].content"), log))


def parts_records(n: int = 20) -> list[dict]:
    """Chat records whose assistant content is a list of typed parts (text, and now and then an
    image between two text parts), as OpenAI and Anthropic write them."""
    records = []
    for i in range(n):
        content = [{"type": "text", "text": f"answer {i} begins"}]
        if i % 3 == 0:
            content += [{"type": "image_url", "image_url": {"url": f"https://x/{i}.png"}}]
        content += [{"type": "text", "text": f"and ends with words for record {i}"}]
        records.append(
            {
                "messages": [
                    {"role": "user", "content": [{"type": "text", "text": f"question {i}"}]},
                    {"role": "assistant", "content": content},
                ]
            }
        )
    return records


def test_content_given_as_parts_reads_its_text_parts(tmp_path: Path) -> None:
    records = parts_records()
    expected = [f"answer {i} begins\nand ends with words for record {i}" for i in range(20)]
    path = write_jsonl(tmp_path / "parts.jsonl", records)
    texts, _, log = read(path, text_field="messages[role=assistant].content")
    assert texts == expected and not log.skipped
    table = pa.Table.from_pylist(records)  # structs: absent fields (text, image_url) become null
    pq.write_table(table, tmp_path / "parts.parquet")
    assert read(tmp_path / "parts.parquet", text_field="messages[role=assistant].content")[0] == expected


def test_every_kind_of_text_part_and_a_content_without_one(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "kinds.jsonl",
        [
            {"output": [{"role": "assistant", "content": [{"type": "output_text", "text": "responses api"}]}]},
            {"output": [{"role": "assistant", "content": [{"text": "gemini part"}, {"text": "and another"}]}]},
            {"output": [{"role": "assistant", "content": ["plain", "strings"]}]},  # a list of strings: not parts
            {"output": [{"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "u"}}]}]},
            {"output": [{"role": "assistant", "content": "a plain answer"}, {"role": "assistant", "content": []}]},
        ],
    )
    texts, _, log = read(path, text_field="output[role=assistant].content")
    assert texts == ["responses api", "gemini part\nand another", "a plain answer"]
    assert dict(log.skipped) == {"text_is_list": 2}  # the strings and the image: no text part
    log = ReadLog(strict=True)
    with pytest.raises(InputError, match=r"kinds\.jsonl:3: the text field .* is a list, not text"):
        list(read_documents(path, ReadOptions("output[role=assistant].content"), log))


# --- ShareGPT ------------------------------------------------------------------------------------


def sharegpt_records(n: int = 20) -> list[dict]:
    records = []
    for i in range(n):
        turns = [{"from": "system", "value": "Be brief."}] if i % 2 else []
        for k in range(1 + i % 2):
            turns.append({"from": "human", "value": f"ask {i}.{k}"})
            if i % 5:
                turns.append({"from": "gpt", "value": f"reply {i}.{k} with its words"})
        records.append({"id": i, "conversations": turns})
    return records


def test_sharegpt_preset_reads_the_gpt_turns(tmp_path: Path) -> None:
    records = sharegpt_records()
    path = write_jsonl(tmp_path / "sharegpt.jsonl", records)
    options = read_options(Settings(format="sharegpt"))
    assert options.text_field == "conversations[from=gpt].value"
    expected = ["\n".join(t) for t in plain_turns(records, "conversations", "from", "gpt", "value") if t]
    log = ReadLog()
    texts = [d.text for d in read_documents(path, options, log)]
    assert len(texts) == len(expected) == 16 and (texts[0], texts[-1]) == (expected[0], expected[-1])
    assert dict(log.skipped) == {"no_matching_turn": 4}
    each = read_options(Settings(format="sharegpt", turns="each"))
    expected_each = list(itertools.chain.from_iterable(plain_turns(records, "conversations", "from", "gpt", "value")))
    assert [d.text for d in read_documents(path, each, ReadLog())] == expected_each


def test_the_chat_preset_and_its_settings() -> None:
    assert read_options(Settings(format="chat")).text_field == "messages[role=assistant].content"
    assert read_options(Settings()).text_field == "text"
    assert read_options(Settings(), ("label", None, "pair")).extra_fields == ("label", "pair")
    with pytest.raises(UsageError, match=r"--format chat reads messages\[role=assistant\]\.content, so --text-field"):
        Settings(format="chat", text_field="body")
    with pytest.raises(UsageError, match=r"`format` must be a preset, chat"):
        Settings(format="xml")


# --- Arrow and datasets folders ------------------------------------------------------------------


def chat_table(records: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(records)


def test_an_arrow_file_in_either_ipc_format_reads_as_the_table(tmp_path: Path) -> None:
    texts = [f"document number {i}" if i % 13 else None for i in range(5000)]
    table = pa.table({"text": texts, "label": [f"w{i % 4}" for i in range(5000)]})
    stream, file = tmp_path / "s.arrow", tmp_path / "f.arrow"
    with pa.OSFile(str(stream), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table, max_chunksize=700)
    with pa.OSFile(str(file), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
        w.write_table(table, max_chunksize=700)
    expected = [t for t in texts if t is not None]
    for path in (stream, file):
        log = ReadLog()
        docs = list(read_documents(path, ReadOptions(extra_fields=("label",)), log))
        assert [d.text for d in docs] == expected and len(docs) == 4615
        assert docs[0].source == f"{path}:row 2" and docs[0].fields == {"label": "w1"}
        assert docs[-1].text == expected[-1]
        assert dict(log.skipped) == {"text_is_null": 385}


def test_a_datasets_folder_is_read_in_the_order_state_json_lists(tmp_path: Path) -> None:
    records = chat_records(40)
    folder = save_to_disk(tmp_path / "ds", chat_table(records), shards=3, batch_rows=7)
    state = json.loads((folder / "state.json").read_text())
    state["_data_files"].reverse()  # the listed order, not the names' order, is the dataset's
    (folder / "state.json").write_text(json.dumps(state))
    per = 14
    order = records[2 * per :] + records[per : 2 * per] + records[:per]
    expected = ["\n".join(t) for t in plain_turns(order, "messages", "role", "assistant", "content") if t]
    log = ReadLog()
    docs = list(read_documents(folder, read_options(Settings(format="chat"), ("id",)), log))
    assert [d.text for d in docs] == expected
    assert (docs[0].text, docs[-1].text) == (expected[0], expected[-1])
    assert docs[0].fields == {"id": "r28"} and docs[0].source.endswith("data-00002-of-00003.arrow:row 1")
    assert dict(log.skipped) == {"no_matching_turn": 4} and log.files == 3


def test_a_datasetdict_folder_reads_its_splits_in_the_order_it_lists(tmp_path: Path) -> None:
    root = tmp_path / "dd"
    save_to_disk(root / "test", pa.table({"text": ["t1", "t2"]}))
    save_to_disk(root / "train", pa.table({"text": ["a", "b", "c"]}), shards=2)
    (root / "dataset_dict.json").write_text(json.dumps({"splits": ["train", "test"]}))
    texts, _, log = read(root)
    assert texts == ["a", "b", "c", "t1", "t2"] and not log.skipped and log.files == 3
    outer = tmp_path / "outer"  # met inside a directory, a DatasetDict folder is read as one too
    outer.mkdir()
    (outer / "dd").symlink_to(root)
    (outer / "notes.jsonl").write_text('{"text": "z"}\n')
    assert read(outer)[0] == ["a", "b", "c", "t1", "t2", "z"]
    (root / "dataset_dict.json").write_text(json.dumps({"splits": ["train", "validation"]}))
    with pytest.raises(
        InputError, match=r"dd: a datasets folder .* dataset_dict\.json cannot be used: it lists the split 'validation'"
    ):
        read(root)


def test_parquet_and_arrow_take_field_paths_into_nested_columns(tmp_path: Path) -> None:
    records = chat_records(15)
    table = chat_table(records)
    pq.write_table(table, tmp_path / "c.parquet")
    expected = ["\n".join(t) for t in plain_turns(records, "messages", "role", "assistant", "content") if t]
    save_to_disk(tmp_path / "ds", table)
    for path in (tmp_path / "c.parquet", tmp_path / "ds"):
        texts, _, log = read(path, text_field="messages[role=assistant].content")
        assert texts == expected and dict(log.skipped) == {"no_matching_turn": 1}


def test_arrow_errors_name_the_file_and_the_path(tmp_path: Path) -> None:
    folder = save_to_disk(tmp_path / "ds", pa.table({"body": ["x"], "messages": [[{"role": "user", "content": "q"}]]}))
    arrow = folder / "data-00000-of-00001.arrow"
    with pytest.raises(InputError, match=r"data-00000-of-00001\.arrow: column 'text' not found\. Available columns: "):
        read(folder)
    with pytest.raises(InputError, match=r"\.arrow: no column 'conversations' for the field path 'conversations\["):
        list(read_documents(folder, read_options(Settings(format="sharegpt")), ReadLog()))
    with pytest.raises(InputError, match=r"\.arrow: column 'messages' holds list<"):
        read(arrow, text_field="messages")
    bad = tmp_path / "bad.arrow"
    bad.write_bytes(b"this is not arrow data at all")
    with pytest.raises(InputError, match=r"bad\.arrow: not an Arrow IPC file or stream"):
        read(bad)


@pytest.mark.parametrize(
    ("state", "problem"),
    [
        ("{", "it is not JSON"),
        ('{"_data_files": []}', "it lists no _data_files"),
        ('{"_data_files": [{"filename": "gone.arrow"}]}', r"it lists 'gone\.arrow', which is not there"),
        ('{"_data_files": [{"filename": "../x.arrow"}]}', r"it lists '\.\./x\.arrow', outside the folder"),
        ('{"_data_files": ["data.arrow"]}', "a _data_files entry without a filename"),
        ("[1, 2]", "it is not a JSON object"),
    ],
)
def test_a_broken_state_json_is_an_error_naming_the_folder(tmp_path: Path, state: str, problem: str) -> None:
    folder = save_to_disk(tmp_path / "ds", pa.table({"text": ["x"]}))
    (folder / "state.json").write_text(state)
    with pytest.raises(
        InputError, match=rf"ds: a datasets folder \(save_to_disk\) whose state\.json cannot be used: {problem}"
    ):
        read(folder)


def test_arrow_record_batches_are_read_lazily(tmp_path: Path) -> None:
    """The first documents come before the rest of the file is read: a stream cut in its last
    batch still yields them, and fails only when the reader gets there."""
    table = pa.table({"text": [f"doc {i}" for i in range(30_000)]})
    path = tmp_path / "cut.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table, max_chunksize=10_000)
    path.write_bytes(path.read_bytes()[:-5000])  # the third batch is cut short
    documents = read_documents(path, ReadOptions(), ReadLog())
    assert [d.text for d in itertools.islice(documents, 15_000)][-1] == "doc 14999"
    with pytest.raises(InputError, match=r"cut\.arrow: could not read the file"):
        list(documents)


# --- prompt and response -------------------------------------------------------------------------


def test_prompt_response_records_carry_the_prompt_as_group_and_pair_field(tmp_path: Path) -> None:
    records = [{"prompt": f"p{i % 5}", "response": f"answer {i}"} for i in range(20)]
    path = write_jsonl(tmp_path / "pr.jsonl", records)
    log = ReadLog()
    docs = list(read_documents(path, read_options(Settings(text_field="response"), ("prompt",)), log))
    assert [d.text for d in docs] == [r["response"] for r in records]
    assert [d.fields["prompt"] for d in docs] == [r["prompt"] for r in records]
    assert not log.skipped
