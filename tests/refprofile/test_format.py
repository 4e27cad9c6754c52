"""The profile file: round trip, determinism, and every kind of bad file refused in one line (exit 2).

A lexical-only profile (no model to load) of 300 real paragraphs keeps these tests fast; the
costly members (embeddings, POS tags) are covered by test_equality.py.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from auditor import audit
from auditor.cli import app
from auditor.config import Settings
from auditor.errors import UsageError
from auditor.refprofile import ProfileError, build_profile, load_reference
from auditor.refprofile.archive import (
    FORMAT_VERSION,
    MANIFEST,
    MANIFEST_DIGEST,
    json_bytes,
    manifest_digest,
    npy_bytes,
    read_archive,
    write_archive,
)
from auditor.refprofile.codec import profile_from_archive
from auditor.refprofile.nulls import RecomputedNullWarning
from tests.conftest import write_jsonl
from tests.helpers import LEXICAL, assert_one_line_error

runner = CliRunner()
SETTINGS = Settings(families=LEXICAL, draws=4, splits=4, workers=1, sample_docs=60)


def human_and_gen1(shuffled: list[dict], folder: Path) -> tuple[Path, Path]:
    """300 real paragraphs as the reference and the next 200 as generation 1."""
    return write_jsonl(folder / "human.jsonl", shuffled[:300]), write_jsonl(folder / "gen1.jsonl", shuffled[300:500])


def written_profile(corpus: Path, settings: Settings, folder: Path) -> Path:
    """``corpus``'s profile, built with ``settings``, as a file in ``folder``."""
    path = folder / "human.auditor-profile"
    path.write_bytes(build_profile(str(corpus), settings=settings).data)
    return path


@pytest.fixture(scope="module")
def corpora(shuffled: list[dict], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return human_and_gen1(shuffled, tmp_path_factory.mktemp("refprofile_format"))


@pytest.fixture(scope="module")
def profile_file(corpora: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return written_profile(corpora[0], SETTINGS, tmp_path_factory.mktemp("profile"))


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def rezip(path: Path, contents: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in contents.items():
            z.writestr(name, data)
    return path


def with_manifest(contents: dict[str, bytes], *, seal: bool = True, **changes) -> dict[str, bytes]:
    """The manifest changed; ``seal``: its own digest recomputed (a crafted file), else left as it was."""
    manifest = json.loads(contents[MANIFEST])
    manifest.update(changes)
    if seal:
        manifest[MANIFEST_DIGEST] = manifest_digest(manifest)
    return {**contents, MANIFEST: json_bytes(manifest)}


def redigest(contents: dict[str, bytes]) -> dict[str, bytes]:
    """Recompute the manifest's digests: a crafted file that passes the digest check."""
    import hashlib

    listed = {n: hashlib.sha256(d).hexdigest() for n, d in contents.items() if n != MANIFEST}
    return with_manifest(contents, members=listed)


def run_with(profile: Path, corpus: Path, out: Path, *extra: str):
    common = ["--families", "vocabulary,tail", "--draws", "4", "--splits", "4", "--workers", "1", "--sample-docs", "60"]
    return runner.invoke(
        app, ["audit", str(corpus), "--reference-profile", str(profile), "--out", str(out), *common, "-q", *extra]
    )



def test_the_archive_round_trips_the_profile(corpora, profile_file: Path) -> None:
    built = build_profile(str(corpora[0]), settings=SETTINGS)
    profile, words = profile_from_archive(read_archive(profile_file))
    original = built.profile
    assert (profile.name, profile.source, profile.documents, profile.tokens, profile.stream) == (
        original.name,
        original.source,
        original.documents,
        original.tokens,
        "reference",
    )
    assert words == sorted(words) and len(words) == len(profile.counts) == len(original.counts)
    np.testing.assert_array_equal(profile.counts, original.counts)
    np.testing.assert_array_equal(profile.sample.tokens, original.sample.tokens)
    np.testing.assert_array_equal(profile.sample.offsets, original.sample.offsets)
    np.testing.assert_array_equal(profile.sample.keys, original.sample.keys)
    assert profile.texts.texts == original.texts.texts and len(profile.texts) == 60
    assert set(profile.derived) == {"nulls"}  # the lexical families store nothing costly but their nulls
    nulls, kept = profile.derived["nulls"], original.derived["nulls"]
    assert nulls["settings"] == kept["settings"] and set(nulls["families"]) == {"vocabulary", "tail"}
    for family, entry in kept["families"].items():
        assert nulls["families"][family]["sizes"] == entry["sizes"] and set(entry["sizes"]) == {"budget"}
        assert nulls["families"][family]["values"].keys() == entry["values"].keys()
        for metric, values in entry["values"].items():
            assert len(values) == 2 * SETTINGS.splits  # a value per half of each split (or per order)
            np.testing.assert_array_equal(nulls["families"][family]["values"][metric], values)


def test_the_same_inputs_give_a_byte_identical_file(corpora, profile_file: Path) -> None:
    assert build_profile(str(corpora[0]), settings=SETTINGS).data == profile_file.read_bytes()
    with zipfile.ZipFile(profile_file) as z:
        infos = z.infolist()
    assert [i.filename for i in infos] == [MANIFEST, *sorted(i.filename for i in infos[1:])]
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_lexical_results_equal_the_raw_reference(corpora, profile_file: Path) -> None:
    raw = audit([str(corpora[0]), f"gen1={corpora[1]}"], settings=SETTINGS).to_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecomputedNullWarning)  # every null reused: no note
        profiled = audit([f"gen1={corpora[1]}"], settings=SETTINGS, reference_profile=profile_file).to_dict()
    assert profiled["metrics"] == raw["metrics"] and profiled["verdicts"] == raw["verdicts"]
    nulls = profiled["config"]["reference_profile"]["nulls"]
    assert nulls == {"reused": ["tail", "vocabulary"], "recomputed": {}}  # gen1 is no smaller than a half


@pytest.mark.parametrize(
    ("change", "generation", "reason"),
    [
        ({"splits": 3}, slice(300, 500), "settings differ: splits 4 in the profile, 3 here"),
        ({"segment_tokens": 500}, slice(300, 500), "segment_tokens 1000 in the profile, 500 here"),
        ({}, slice(300, 330), "a generation smaller than the reference"),
    ],
    ids=["splits", "a metric setting", "a smaller generation"],
)
def test_nulls_drawn_otherwise_than_the_profile_s_are_recomputed_and_still_equal_the_raw_run(
    change: dict, generation: slice, reason: str, shuffled: list[dict], corpora, profile_file: Path, tmp_path: Path
) -> None:
    """Settings that are free for the profile can still change its nulls, and so can a generation
    smaller than the reference's halves (it lowers the budget): the run computes those nulls itself
    and says why, and its values are the raw reference's."""
    gen = write_jsonl(tmp_path / "gen.jsonl", shuffled[generation])
    settings = SETTINGS.replace(**change)
    raw = audit([str(corpora[0]), f"gen1={gen}"], settings=settings).to_dict()
    note = r"computed again \(same results, more time\) for vocabulary, tail: "
    with pytest.warns(RecomputedNullWarning, match=note):
        profiled = audit([f"gen1={gen}"], settings=settings, reference_profile=profile_file).to_dict()
    assert profiled["metrics"] == raw["metrics"] and profiled["verdicts"] == raw["verdicts"]
    nulls = profiled["config"]["reference_profile"]["nulls"]
    assert nulls["reused"] == [] and set(nulls["recomputed"]) == {"vocabulary", "tail"}
    assert all(reason in why for why in nulls["recomputed"].values()), nulls


def test_a_setting_that_shapes_the_profile_must_match_and_both_values_are_named(profile_file: Path) -> None:
    with pytest.raises(UsageError) as caught:
        load_reference(profile_file, SETTINGS.replace(seed=3, tokenizer="regex", sample_docs=80))
    message = str(caught.value)
    assert str(profile_file) in message and "\n" not in message
    assert "seed is 0 in the profile but 3 in this run" in message
    assert "tokenizer is 'spacy' in the profile but 'regex' in this run" in message
    assert "sample_docs is 60 in the profile but 80 in this run" in message


def test_how_documents_are_read_shapes_the_profile(profile_file: Path) -> None:
    with pytest.raises(UsageError) as caught:
        load_reference(profile_file, SETTINGS.replace(format="chat", turns="each"))
    message = str(caught.value)
    assert "format is " in message and "in the profile but 'chat' in this run" in message
    assert "turns is 'joined' in the profile but 'each' in this run" in message


def test_settings_that_do_not_shape_the_profile_are_free(profile_file: Path) -> None:
    free = SETTINGS.replace(draws=7, splits=9, budget=5_000, tolerance=0.2, workers=2, min_docs=20)
    assert load_reference(profile_file, free).profile.name == "human"


def test_the_embedding_model_is_compared_only_when_the_profile_holds_embeddings(profile_file: Path) -> None:
    # this profile holds no vectors: another model is free (the family embeds the reference itself)
    load_reference(profile_file, SETTINGS.replace(embedding_model="some/other-model"))


def test_a_mismatch_through_the_cli_is_one_line_and_writes_nothing(profile_file: Path, corpora, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_with(profile_file, corpora[1], out, "--seed", "5")
    assert_one_line_error(result, str(profile_file), "seed is 0 in the profile but 5 in this run")
    assert not out.exists()


def bad_files(profile_file: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    """Each kind of bad file, and a fragment of the reason its error must give."""
    contents = members(profile_file)
    data = profile_file.read_bytes()
    obj = io.BytesIO()
    np.save(obj, np.array([{"x": 1}, None], dtype=object), allow_pickle=True)
    tampered = dict(contents)
    tampered["words.json"] = contents["words.json"].replace(b'"the"', b'"thy"')
    header = json.loads(contents[MANIFEST])
    seed_1 = {**header["settings"], "seed": 1}
    out = {
        "edited manifest": (
            rezip(folder / "edited", with_manifest(contents, seal=False, settings=seed_1)),
            f"{MANIFEST} does not match its SHA-256 digest",
        ),
        "manifest and nulls disagree": (
            rezip(folder / "disagree", with_manifest(contents, settings=seed_1)),
            f"{MANIFEST} and derived/nulls.json record different settings (seed 1 and 0",
        ),
        "another reference": (
            rezip(folder / "reference", with_manifest(contents, reference={**header["reference"], "name": "x"})),
            "name different references",
        ),
        "older": (
            rezip(folder / "older", with_manifest(contents, format_version=1)),
            f"format version 1 is older than this auditor reads ({FORMAT_VERSION}",
        ),
        "bzip2": (rezip(folder / "bzip2", contents, zipfile.ZIP_BZIP2), "compressed otherwise than a profile"),
        "truncated": (folder / "truncated", "truncated"),
        "tampered": (rezip(folder / "tampered", tampered), "does not match its SHA-256 digest"),
        "newer": (
            rezip(folder / "newer", with_manifest(contents, format_version=FORMAT_VERSION + 1)),
            f"format version {FORMAT_VERSION + 1} is newer",
        ),
        "random": (folder / "random", "not an auditor reference profile"),
        "plain zip": (rezip(folder / "plain.zip", {"notes.txt": b"hello"}), "not an auditor reference profile"),
        "object array": (
            rezip(folder / "object", redigest({**contents, "arrays/counts.npy": obj.getvalue()})),
            "arrays/counts.npy is not a plain numeric array",
        ),
        "extra member": (
            rezip(folder / "extra", {**contents, "evil.py": b"import os"}),
            "evil.py is not in the manifest",
        ),
        "inconsistent": (
            rezip(folder / "inconsistent", redigest({**contents, "words.json": json_bytes(["a", "b"])})),
            "the counts and the vocabulary differ in length",
        ),
        "bad nulls": (
            rezip(folder / "nulls", redigest({**contents, "derived/nulls.json": json_bytes({"families": []})})),
            "derived/nulls.json has the wrong shape",
        ),
        "short null values": (
            rezip(
                folder / "short-null",
                redigest({**contents, "derived/nulls/vocabulary.mtld.npy": npy_bytes(np.zeros(3))}),
            ),
            "the null values of vocabulary are not two per split",
        ),
        "missing null values": (
            rezip(
                folder / "null-values",
                redigest({k: v for k, v in contents.items() if k != "derived/nulls/vocabulary.mtld.npy"}),
            ),
            "member derived/nulls/vocabulary.mtld.npy is missing",
        ),
    }
    (folder / "truncated").write_bytes(data[: len(data) // 2])
    (folder / "random").write_bytes(np.random.default_rng(0).bytes(4096))
    return out


@pytest.mark.parametrize(
    "kind",
    [
        "truncated",
        "tampered",
        "edited manifest",
        "manifest and nulls disagree",
        "another reference",
        "older",
        "bzip2",
        "newer",
        "random",
        "plain zip",
        "object array",
        "extra member",
        "inconsistent",
        "bad nulls",
        "short null values",
        "missing null values",
    ],
)
def test_a_bad_profile_is_one_line_exit_2_and_nothing_is_written(
    kind: str, profile_file: Path, corpora, tmp_path: Path
) -> None:
    path, reason = bad_files(profile_file, tmp_path)[kind]
    out = tmp_path / "report"
    result = run_with(path, corpora[1], out)
    assert_one_line_error(result, str(path), reason)
    assert not out.exists()


def test_an_object_array_is_never_unpickled(profile_file: Path, tmp_path: Path, monkeypatch) -> None:
    import pickle

    def refuse(*args, **kwargs):
        raise AssertionError("a profile must never unpickle")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    path, _ = bad_files(profile_file, tmp_path)["object array"]
    with pytest.raises(ProfileError, match="not a plain numeric array"):
        profile_from_archive(read_archive(path))


def test_write_archive_refuses_object_arrays_and_its_own_manifest_name() -> None:
    from auditor.refprofile.archive import npy_bytes

    with pytest.raises(TypeError, match="numeric arrays only"):
        npy_bytes(np.array(["a"], dtype=object))
    with pytest.raises(ValueError, match="manifest"):
        write_archive({MANIFEST: b"{}"}, {})


def test_sizes_over_the_limits_are_refused_before_anything_is_inflated(profile_file: Path, monkeypatch) -> None:
    sizes = {i.filename: i.file_size for i in zipfile.ZipFile(profile_file).infolist()}
    largest = max(sizes, key=sizes.get)

    def refuse(*args, **kwargs):
        raise AssertionError("a member was inflated")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    with pytest.raises(ProfileError, match=f"member {largest} expands to {sizes[largest]:,} bytes, more than"):
        read_archive(profile_file, max_member=sizes[largest] - 1)
    with pytest.raises(ProfileError, match=r"its members expand to more than the .* a profile may hold"):
        read_archive(profile_file, max_total=sum(sizes.values()) - 1)
    monkeypatch.undo()
    assert read_archive(profile_file, max_member=sizes[largest], max_total=sum(sizes.values())).members


def test_a_member_is_never_inflated_beyond_its_declared_size(profile_file: Path, monkeypatch) -> None:
    """A zip can lie about its sizes: whatever the decompressor yields past the declared size is refused
    (zipfile itself stops at the declared size and fails the CRC; this holds even if it did not)."""
    declared = {i.filename: i.file_size for i in zipfile.ZipFile(profile_file).infolist()}

    def endless(self, info, *args, **kwargs):
        return io.BytesIO(b" " * (declared[info.filename] + 1))

    monkeypatch.setattr(zipfile.ZipFile, "open", endless)
    with pytest.raises(ProfileError, match=f"member {MANIFEST} expands beyond the {declared[MANIFEST]:,} bytes"):
        read_archive(profile_file)


def test_a_zip_whose_declared_size_lies_is_refused(profile_file: Path, tmp_path: Path) -> None:
    """The central directory and local header claim 1,000 bytes of a member that inflates to 8 MiB."""
    path = rezip(tmp_path / "liar", {**members(profile_file), "words.json": b" " * (8 << 20)}, zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    name = b"words.json"
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):  # local, central
        start = data.index(signature)
        while data[start + name_at : start + name_at + len(name)] != name:
            start = data.index(signature, start + 1)
        data[start + size_at : start + size_at + 4] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(ProfileError, match=r"Bad CRC-32 for file 'words\.json'"):
        read_archive(path)


def test_write_archive_refuses_a_profile_the_reader_would_refuse() -> None:
    with pytest.raises(UsageError, match=r"member big expands to 2,000 bytes.*Lower --sample-docs"):
        write_archive({"big": b"x" * 2000}, {}, max_member=1000)
    with pytest.raises(UsageError, match="its members expand to more than"):
        write_archive({"a": b"x" * 600, "b": b"x" * 600}, {}, max_total=1000)


def test_the_reference_corpus_beside_its_profile_is_a_usage_error(profile_file: Path, corpora, tmp_path) -> None:
    result = run_with(profile_file, corpora[0], tmp_path / "o")
    assert_one_line_error(result, "is, or has the name of, the reference the profile", "drop the reference")
    result = run_with(profile_file, corpora[1], tmp_path / "o", "--reference", "human")
    assert result.exit_code == 0, result.output  # naming the profile's own reference is allowed
    result = run_with(profile_file, corpora[1], tmp_path / "o", "--reference", "gen1")
    assert_one_line_error(result, "--reference 'gen1' does not name the profile's reference ('human')")


def test_init_policy_takes_a_corpus_or_a_profile_not_both(profile_file: Path, corpora, tmp_path: Path) -> None:
    out = tmp_path / "auditor.toml"
    result = runner.invoke(
        app, ["init-policy", str(corpora[0]), "--reference-profile", str(profile_file), "--out", str(out)]
    )
    assert_one_line_error(result, "give a REFERENCE corpus or --reference-profile FILE, not both")
    result = runner.invoke(app, ["init-policy", "--out", str(out)])
    assert_one_line_error(result, "not neither")
    assert not out.exists()


def test_the_profile_command_reports_size_and_time(corpora, tmp_path: Path) -> None:
    out = tmp_path / "p.auditor-profile"
    result = runner.invoke(
        app, ["profile", str(corpora[0]), "--out", str(out), "--families", "vocabulary,tail", "--sample-docs", "60"]
    )
    assert result.exit_code == 0, result.output
    size = out.stat().st_size
    assert f"Size: {size:,} bytes" in result.stdout
    assert "Time: reading" in result.stdout and "writing" in result.stdout
    stored = read_archive(out).manifest  # the stored null's sizes are named in the output
    nulls = json.loads(zipfile.ZipFile(out).read("derived/nulls.json"))["families"]
    assert stored["members"] and nulls["tail"]["sizes"] == nulls["vocabulary"]["sizes"]
    assert f"Nulls: tail, vocabulary at budget {nulls['tail']['sizes']['budget']:,} (reused by runs" in result.stdout
    load_reference(out, SETTINGS)  # --workers differs (default every core): not a profile setting


def test_check_and_init_policy_through_the_cli_equal_the_raw_reference(corpora, profile_file: Path, tmp_path) -> None:
    shared = ["--families", "vocabulary,tail", "--draws", "4", "--splits", "4", "--workers", "1", "--sample-docs", "60"]
    policy = tmp_path / "policy.toml"
    policy.write_text('[check]\nno_degraded = ["vocabulary", "tail"]\n', encoding="utf-8")
    outcomes = {}
    for label, corpus in (("raw", [str(corpora[0])]), ("profile", [])):
        extra = ["--reference-profile", str(profile_file)] if label == "profile" else []
        out = tmp_path / f"{label}.json"
        argv = ["check", *corpus, f"gen1={corpora[1]}", "--policy", str(policy), "--json", str(out), *shared, "-q"]
        result = runner.invoke(app, [*argv, *extra])
        assert result.exit_code in (0, 1), result.output
        outcomes[label] = json.loads(out.read_text())
    assert outcomes["profile"] == outcomes["raw"] and outcomes["raw"]["checks"]

    policies = {}
    for label, corpus in (("raw", [str(corpora[0])]), ("profile", [])):
        extra = ["--reference-profile", str(profile_file)] if label == "profile" else []
        out = tmp_path / f"{label}.toml"
        argv = ["init-policy", *corpus, "--out", str(out), "--sample-docs", "60", "--families", "vocabulary,tail"]
        result = runner.invoke(app, [*argv, *extra])
        assert result.exit_code == 0, result.output
        policies[label] = out.read_text()
    assert policies["profile"] == policies["raw"] and "max_relative_drop" in policies["raw"]
