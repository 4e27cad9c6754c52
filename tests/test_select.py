"""auditor select and simulate --select: the criterion holds on the output, every format round-trips,
bad rules and outputs over inputs are refused (exit 2, one line), runs repeat byte for byte."""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from auditor.cli import app
from auditor.config import Settings
from auditor.corpus import ReadLog, ReadOptions, read_documents
from auditor.curation import Rules, parse_rules, select
from auditor.errors import UsageError
from auditor.pipeline import score_documents
from auditor.simulate import SimulationSettings, simulate
from tests.conftest import write_jsonl
from tests.helpers import assert_one_line_error

runner = CliRunner()
FIELDS = ("id", "text", "year")
SKIPPED = {
    5: {"id": "empty", "text": "   "},
    40: {"id": "no-text", "body": "elsewhere"},
    90: {"id": "n", "text": "123 456"},
}
"""Records the reader skips (empty text, no text field) or that have no word: copied, never scored."""


@pytest.fixture(scope="module")
def reference(shuffled: list[dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """500 real paragraphs: the human reference."""
    return write_jsonl(
        tmp_path_factory.mktemp("ref") / "gen0.jsonl", [_record(i, r) for i, r in enumerate(shuffled[:500])]
    )


@pytest.fixture(scope="module")
def records(shuffled: list[dict]) -> list[dict]:
    """A generation with planted problems: 140 fresh paragraphs, 15 verbatim reference paragraphs
    (copies, and duplicates of the reference), 10 paragraphs twice, one text over two lines, and
    the three records of SKIPPED."""
    fresh = [_record(500 + i, r) for i, r in enumerate(shuffled[500:640])]
    fresh[7]["text"] = fresh[7]["text"] + "\n" + fresh[8]["text"]
    copies = [_record(1000 + i, r) for i, r in enumerate(shuffled[:15])]
    twice = [{**r, "id": r["id"] + "-again"} for r in fresh[20:30]]
    rows = fresh + copies + twice
    random.Random(3).shuffle(rows)
    for at, record in SKIPPED.items():
        rows.insert(at, record)
    return rows


def _record(i: int, paragraph: dict) -> dict:
    return {"id": f"r{i}", "text": paragraph["text"], "year": paragraph["year"]}


# --- writing the generation in each format, and reading its records back as they were ---------


def _flat(records: list[dict]) -> list[dict]:
    """For formats whose records hold no line break (TXT, TSV)."""
    return [{**r, "text": r["text"].replace("\n", " ")} if "text" in r else r for r in records]


def write_as(path: Path, records: list[dict]) -> Path:
    """The records in the format ``path`` names (TXT: the texts; the paragraph variant ends ``.para.txt``)."""
    name = path.name
    if name.endswith(".jsonl.gz"):
        path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode(), mtime=0))
    elif name.endswith(".jsonl"):
        write_jsonl(path, records)
    elif name.endswith(".json"):
        path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    elif name.endswith((".csv", ".tsv")):
        tsv = name.endswith(".tsv")
        rows = _flat(records) if tsv else records
        with path.open("w", encoding="utf-8", newline="") as f:
            if tsv:
                for row in [list(FIELDS), *([str(r.get(k, "")) for k in FIELDS] for r in rows)]:
                    f.write("\t".join(row) + "\n")
            else:
                writer = csv.writer(f)
                writer.writerow(FIELDS)
                for r in rows:  # a record without a text has no text column at all: a missing field
                    writer.writerow([r["id"]] if "text" not in r else [r.get(k, "") for k in FIELDS])
    elif name.endswith(".parquet"):
        pq.write_table(pa.Table.from_pylist([{k: r.get(k) for k in FIELDS} for r in records]), path)
    elif name.endswith(".arrow"):  # gen1.arrow: IPC stream format (as datasets writes); gen1.file.arrow: file format
        table = pa.Table.from_pylist([{k: r.get(k) for k in FIELDS} for r in records])
        new = pa.ipc.new_file if name.endswith(".file.arrow") else pa.ipc.new_stream
        with pa.OSFile(str(path), "wb") as sink, new(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=37)
    elif name.endswith(".para.txt"):
        path.write_text("".join(r["text"] + "\n\n" for r in _flat(records) if "text" in r), encoding="utf-8")
    else:
        path.write_text("".join(r["text"] + "\n" for r in _flat(records) if "text" in r), encoding="utf-8")
    return path


def raw_records(path: Path, txt_mode: str = "line") -> list[tuple[str, object]]:
    """Every record of a file as (the source its document gets, the record as stored), read here
    without auditor's readers: lines as bytes, CSV rows as lists, Parquet rows and JSON values."""
    where, name = str(path), path.name
    if name.endswith(".parquet"):
        return [(f"{where}:row {i}", row) for i, row in enumerate(pq.read_table(path).to_pylist(), start=1)]
    if name.endswith(".arrow"):
        with pa.OSFile(str(path)) as source:
            is_file = source.read(6) == b"ARROW1"
            assert is_file == name.endswith(".file.arrow")  # the copy keeps the input's IPC format
            source.seek(0)
            table = (pa.ipc.open_file if is_file else pa.ipc.open_stream)(source).read_all()
        return [(f"{where}:row {i}", row) for i, row in enumerate(table.to_pylist(), start=1)]
    data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    lines = data.splitlines(True)
    if name.endswith(".json"):
        return [(f"{where}[{i}]", value) for i, value in enumerate(json.loads(data))]
    if name.endswith((".csv", ".tsv")):
        options = {"delimiter": "\t", "quoting": csv.QUOTE_NONE} if name.endswith(".tsv") else {}
        reader = csv.reader(io.StringIO(data.decode(), newline=""), **options)
        next(reader)
        out, start = [], reader.line_num + 1
        for row in reader:
            out.append((f"{where}:{start}", row))
            start = reader.line_num + 1
        return out
    if txt_mode == "paragraph":
        out, start, held = [], 0, []
        for n, line in enumerate([*lines, b"\n"], start=1):
            if line.strip():
                start = start if held else n
                held.append(line)
            elif held:
                out.append((f"{where}:{start}", b"".join(held)))
                held = []
        return out
    return [(f"{where}:{n}", line) for n, line in enumerate(lines, start=1) if line.strip()]


def documents(path: Path, txt_mode: str = "line") -> list[tuple[str, str]]:
    """(source, text) of every document auditor's reader finds."""
    return [(d.source, d.text) for d in read_documents(path, ReadOptions(txt_mode=txt_mode), ReadLog())]


def run_select(generation: Path, reference: Path, out: Path, rules: str, **kwargs) -> dict:
    select(generation, reference=reference, out=out, rules=rules, **kwargs)
    return json.loads((kwargs.get("selection") or out.parent / "selection.json").read_text(encoding="utf-8"))


# --- the criterion holds on the output --------------------------------------------------------


def test_reaudited_output_meets_the_rules(records: list[dict], reference: Path, tmp_path: Path) -> None:
    generation = write_as(tmp_path / "gen1.jsonl", records)
    before = score_documents([reference, generation], embed=False).rows[0].columns
    assert sum(r is not None and r >= 1 for r in before["duplicate_rank"]) >= 25  # the planted ones
    assert sum(c >= 0.5 for c in before["copy_rate"] if not math.isnan(c)) >= 15

    out = tmp_path / "clean" / "gen1.jsonl"
    selection = run_select(generation, reference, out, "drop-duplicates,drop-copies=0.5")
    after = score_documents([reference, out], embed=False).rows[0].columns
    assert all(r is None or r < 1 for r in after["duplicate_rank"])
    assert all(math.isnan(c) or c < 0.5 for c in after["copy_rate"])
    counts = selection["counts"]
    assert counts["dropped"] == len(selection["dropped"]) >= 25
    assert len(after["source"]) == counts["scored"] - counts["dropped"]
    reasons = {tuple(d["reasons"]) for d in selection["dropped"]}
    assert ("drop-duplicates", "drop-copies") in reasons  # a reference paragraph is both
    assert all(d["copy_rate"] >= 0.5 for d in selection["dropped"] if "drop-copies" in d["reasons"])


# --- every format round-trips -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "gen1.jsonl",
        "gen1.json",
        "gen1.csv",
        "gen1.tsv",
        "gen1.parquet",
        "gen1.arrow",
        "gen1.file.arrow",
        "gen1.txt",
        "gen1.para.txt",
        "gen1.jsonl.gz",
    ],
)
def test_each_format_keeps_its_records_as_they_were(name: str, records, reference: Path, tmp_path: Path) -> None:
    generation = write_as(tmp_path / name, records)
    out = tmp_path / "clean" / name
    mode = "paragraph" if name.endswith(".para.txt") else "line"
    selection = run_select(
        generation, reference, out, "drop-duplicates,drop-copies=0.5", settings=Settings(txt_mode=mode)
    )
    dropped = {d["source"] for d in selection["dropped"]}
    counts = selection["counts"]

    given = raw_records(generation, mode)
    assert counts["read"] == len(given) and counts["kept"] + counts["dropped"] == counts["read"]
    assert counts["dropped"] == len(dropped) >= 25 and dropped <= {source for source, _ in given}
    assert [record for _, record in raw_records(out, mode)] == [r for source, r in given if source not in dropped]
    assert [text for _, text in documents(out, mode)] == [t for s, t in documents(generation, mode) if s not in dropped]
    assert counts["passed_through"] == counts["read"] - counts["scored"] > 0


def test_records_without_a_score_pass_through_unchanged(records, reference: Path, tmp_path: Path) -> None:
    generation = write_as(tmp_path / "gen1.jsonl", records)
    out = tmp_path / "clean" / "gen1.jsonl"
    counts = run_select(generation, reference, out, "drop-duplicates")["counts"]
    assert counts["passed_through"] == 3
    assert counts["passed_through_reasons"] == {"empty_document": 1, "missing_field": 1, "no_word_tokens": 1}
    kept = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r for r in kept if r["id"] in {s["id"] for s in SKIPPED.values()}] == list(SKIPPED.values())


def test_a_compressed_copy_of_a_jsonl_file(records, reference: Path, tmp_path: Path) -> None:
    """Plain in, gzip out (the output's name decides): the same records as the plain copy."""
    generation = write_as(tmp_path / "gen1.jsonl", records)
    run_select(generation, reference, tmp_path / "a" / "gen1.jsonl", "drop-duplicates")
    run_select(generation, reference, tmp_path / "b" / "gen1.jsonl.gz", "drop-duplicates")
    assert (
        gzip.decompress((tmp_path / "b" / "gen1.jsonl.gz").read_bytes()) == (tmp_path / "a" / "gen1.jsonl").read_bytes()
    )


# --- the rules --------------------------------------------------------------------------------


def test_drop_typical_takes_the_lowest_log_perplexity_and_keep_rare_protects(records, reference, tmp_path) -> None:
    generation = write_as(tmp_path / "gen1.jsonl", records)
    rows = score_documents([reference, generation], embed=False).rows[0].columns
    lp = dict(zip(rows["source"], rows["log_perplexity"].tolist(), strict=True))
    rare = dict(zip(rows["source"], rows["rare_kept"].tolist(), strict=True))

    plain = run_select(generation, reference, tmp_path / "a" / "gen1.jsonl", "drop-typical=0.3")
    marked = {d["source"] for d in plain["dropped"]}
    assert len(marked) == round(0.3 * len(lp)) == plain["counts"]["dropped_by_rule"]["drop-typical"]
    kept_lp = [v for s, v in lp.items() if s not in marked and not math.isnan(v)]
    assert max(lp[s] for s in marked) <= min(kept_lp)

    guarded = run_select(generation, reference, tmp_path / "b" / "gen1.jsonl", "drop-typical=0.3,keep-rare")
    dropped = {d["source"] for d in guarded["dropped"]}
    protected = {d["source"] for d in guarded["protected"]}
    assert dropped == {s for s in marked if rare[s] == 0} and protected == {s for s in marked if rare[s] > 0}
    assert protected and guarded["counts"]["protected"] == len(protected)
    assert all(d["rare_kept"] > 0 for d in guarded["protected"])
    kept_text = (tmp_path / "b" / "gen1.jsonl").read_text(encoding="utf-8")
    line_of = {f"{generation}:{n}": line for n, line in enumerate(generation.read_text().splitlines(), start=1)}
    assert all(line_of[s] in kept_text for s in protected)


def test_rules_parse_and_validate() -> None:
    rules = parse_rules(" keep-rare, drop-typical=0.20 ,drop-duplicates")
    assert rules == Rules(drop_duplicates=True, drop_typical=0.2, keep_rare=True)
    assert rules.text() == "drop-duplicates,drop-typical=0.2,keep-rare"
    assert parse_rules(rules.text()) == rules
    for bad, says in [
        ("drop-foo", "unknown rule"),
        ("drop-typical=1.5", "from 0 to 1"),
        ("drop-copies=-0.1", "from 0 to 1"),
        ("drop-copies=x", "from 0 to 1"),
        ("drop-typical", "drop-typical=SHARE"),
        ("keep-rare=1", "takes no value"),
        ("keep-rare", "no rule that drops"),
        ("", "no rule that drops"),
        ("drop-duplicates,drop-duplicates", "twice"),
    ]:
        with pytest.raises(UsageError, match=says):
            parse_rules(bad)
    with pytest.raises(UsageError, match="from 0 to 1"):
        Rules(drop_typical=float("nan"))


# --- refusals: exit 2, one line, nothing written ----------------------------------------------


def test_bad_rules_and_targets_exit_2_with_one_line(records, reference: Path, tmp_path: Path) -> None:
    generation = write_as(tmp_path / "gen1.jsonl", records)
    out = tmp_path / "clean" / "gen1.jsonl"
    base = ["select", str(generation), "--reference", str(reference), "--out", str(out)]
    cases = [
        ([*base, "--drop-copies", "1.5"], ["--drop-copies 1.5", "from 0 to 1"]),
        ([*base, "--drop-typical", "-0.2"], ["--drop-typical -0.2", "from 0 to 1"]),
        (base, ["no rule that drops"]),
        ([*base, "--keep-rare"], ["no rule that drops"]),
        (["select", str(generation), "--out", str(out), "--drop-duplicates"], ["no reference"]),
        (["select", str(generation), "--reference", str(reference), "--out", str(generation), "--drop-duplicates"],
         ["overwrite", "gen1.jsonl"]),
        (["select", str(generation), "--reference", str(reference), "--out", str(reference), "--drop-duplicates"],
         ["overwrite", "gen0.jsonl"]),
        ([*base, "--drop-duplicates", "--selection", str(reference)], ["overwrite", "gen0.jsonl"]),
        (["select", str(tmp_path), "--reference", str(reference), "--out", str(out), "--drop-duplicates"],
         ["folder", "one file"]),
        (["select", str(generation), "--reference", str(reference), "--out", str(tmp_path / "x.csv"),
          "--drop-duplicates"], ["input's format", ".jsonl"]),
        ([*base, "--drop-duplicates", "--turns", "each"], ["--turns each", "whole records"]),
        ([*base, "--drop-duplicates", "--format", "xml"], ["`format` must be a preset"]),
    ]  # fmt: skip
    for argv, fragments in cases:
        assert_one_line_error(runner.invoke(app, argv), *fragments)
    assert not out.exists() and not (tmp_path / "clean").exists()

    unknown = runner.invoke(app, [*base, "--drop-foo"])  # typer's own usage error
    assert unknown.exit_code == 2 and "No such option: --drop-foo" in unknown.output
    simulate_with = ["simulate", str(generation), "--out", str(tmp_path / "s"), "--select"]
    assert_one_line_error(runner.invoke(app, [*simulate_with, "drop-typical=2"]), "drop-typical=2", "from 0 to 1")
    assert_one_line_error(runner.invoke(app, [*simulate_with, "keep-rare"]), "no rule that drops")
    assert not (tmp_path / "s").exists()


# --- determinism, the command line ------------------------------------------------------------


def test_the_command_repeats_byte_for_byte(records, reference: Path, tmp_path: Path) -> None:
    generation = write_as(tmp_path / "gen1.csv", records)
    out, record = tmp_path / "clean" / "gen1.csv", tmp_path / "notes" / "why.json"
    argv = ["select", str(generation), "--reference", str(reference), "--out", str(out), "--selection", str(record),
            "--drop-duplicates", "--drop-typical", "0.2", "--keep-rare", "-q"]  # fmt: skip
    first = runner.invoke(app, argv)
    assert first.exit_code == 0, first.output
    assert "Kept " in first.stdout and str(out) in first.stdout and str(record) in first.stdout
    before = out.read_bytes(), record.read_bytes()
    assert runner.invoke(app, argv).exit_code == 0
    assert (out.read_bytes(), record.read_bytes()) == before
    data = json.loads(before[1])
    assert data["rules"]["text"] == "drop-duplicates,drop-typical=0.2,keep-rare"
    assert data["generation"] == str(generation) and data["reference"] == str(reference)
    assert not (tmp_path / "clean" / "selection.json").exists()


# --- simulate --select ------------------------------------------------------------------------


def test_simulate_select_curates_between_generations_and_records_its_rules(shuffled, tmp_path: Path) -> None:
    seed = write_jsonl(tmp_path / "seed.jsonl", shuffled[:300])
    rules = "drop-duplicates,drop-typical=0.2,keep-rare"
    settings = SimulationSettings(generations=2, top_p=0.9, seed=1, docs=200, select=rules)
    paths = simulate(seed, tmp_path / "a", settings)
    simulate(seed, tmp_path / "b", settings)
    for path in [*paths, tmp_path / "a" / "manifest.json"]:
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name

    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["select"] == rules and manifest["selection"]["rules"]["text"] == rules
    gen0, gen1, gen2 = manifest["generations"]
    assert "selection" not in gen0 and "selection" not in gen2  # gen0 is the reference; gen2 trains nothing
    counts = gen1["selection"]
    assert counts["kept"] + counts["dropped"] == 200 and counts["dropped"] == sum(counts["dropped_by_rule"].values())
    assert counts["dropped_by_rule"]["drop-typical"] + counts["protected"] >= 40  # 20% marked

    plain = simulate(seed, tmp_path / "c", SimulationSettings(generations=2, top_p=0.9, seed=1, docs=200))
    assert plain[1].read_bytes() == paths[1].read_bytes()  # gen1 trains on gen0 either way
    if counts["dropped"]:
        assert plain[2].read_bytes() != paths[2].read_bytes()
    assert "select" not in json.loads((tmp_path / "c" / "manifest.json").read_text())["settings"]


def test_a_reference_profile_selects_as_the_reference_does(records, reference: Path, tmp_path: Path) -> None:
    profile = tmp_path / "human.auditor-profile"
    made = runner.invoke(app, ["profile", str(reference), "--out", str(profile), "--families", "vocabulary", "-q"])
    assert made.exit_code == 0, made.output
    generation = write_as(tmp_path / "gen1.jsonl", records)
    rules = ["--drop-duplicates", "--drop-typical", "0.2"]
    for folder, given in (("raw", ["--reference", str(reference)]), ("profile", ["--reference-profile", str(profile)])):
        argv = ["select", str(generation), *given, "--out", str(tmp_path / folder / "gen1.jsonl"), *rules, "-q"]
        assert runner.invoke(app, argv).exit_code == 0
    assert (tmp_path / "profile" / "gen1.jsonl").read_bytes() == (tmp_path / "raw" / "gen1.jsonl").read_bytes()
    assert json.loads((tmp_path / "profile" / "selection.json").read_text())["reference_profile"] == str(profile)

    over = ["select", str(generation), "--reference-profile", str(profile), "--out", str(profile), *rules]
    assert_one_line_error(runner.invoke(app, over), "overwrite", "human.auditor-profile")
    both = ["select", str(generation), "--reference", str(reference), "--reference-profile", str(profile)]
    assert_one_line_error(runner.invoke(app, [*both, "--out", str(tmp_path / "x.jsonl"), *rules]), "both")
