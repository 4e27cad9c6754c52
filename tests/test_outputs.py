"""Outputs are replaced as a set: never a mix of two runs, no temporaries left, foreign files kept.

Crashes are simulated for real: a forked child runs the writer and dies (``os._exit``, no
clean-up code runs) just before its k-th file system step, for every k; the parent then checks
what a reader would find, and that the next run recovers.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor import outputs
from auditor.errors import UsageError
from auditor.outputs import (
    MANIFEST,
    OutputFormat,
    atomic_write,
    check_output_target,
    outputs_complete,
    write_output_set,
    write_outputs,
)

OLD = {"metrics.json": '{"run": "old"}\n', "summary.md": "# old\n", "report.html": "<p>old</p>\n"}
NEW = {"metrics.json": '{"run": "new"}\n', "summary.md": "# new\n", "report.html": "<p>new</p>\n"}
THIRD = {"metrics.json": '{"run": "third"}\n', "summary.md": "# third\n", "report.html": "<p>third</p>\n"}
STEPS = ("_write_new", "_exchange", "_rename", "_replace", "_unlink", "_remove_tree", "_backup", "_fsync_dir")
"""Every file system step the writer takes (module-level functions in auditor.outputs)."""
FAILING = ("_write_new", "_exchange", "_rename", "_replace", "_unlink")
"""The steps that can fail with an OSError (the others ignore errors by design)."""


def files_of(folder: Path) -> dict[str, str]:
    """The three outputs' texts (absent ones left out)."""
    return {n: (folder / n).read_text(encoding="utf-8") for n in OLD if (folder / n).is_file()}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every entry under ``folder`` with its bytes (folders as None)."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def leftovers(out: Path) -> list[str]:
    """Auditor temporaries in the output folder and beside it."""
    inside = [p.name for p in out.iterdir() if p.name.endswith(".tmp")] if out.is_dir() else []
    beside = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    return inside + beside


@pytest.fixture()
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "parent" / "out"
    write_output_set(folder, OLD)
    return folder


@pytest.fixture(params=["swap", "aside", "file-by-file"])
def mode(request: pytest.FixtureRequest, out: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The three ways a set is replaced: atomic exchange, rename aside (no renameat2), file by file."""
    if request.param == "aside":
        monkeypatch.setattr(outputs, "_renameat2", lambda: None)
    if request.param == "file-by-file":
        (out / ".gitkeep").write_text("")
        (out / "demo").mkdir()
        (out / "demo" / "notes.txt").write_text("the user's own file\n")
    return request.param


def run_child(action: Callable[[], None]) -> int:
    """Run ``action`` in a forked child; its exit code (99 when it "crashed")."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover (child)
        code = 0
        try:
            action()
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def crash_at(k: int, out: Path) -> Callable[[], None]:
    """An action that writes NEW into ``out`` and dies just before the writer's k-th file system step."""

    def action() -> None:
        count = [0]
        for name in STEPS:
            real = getattr(outputs, name)

            def step(*args, _real=real, **kwargs):
                if count[0] == k:
                    os._exit(99)
                count[0] += 1
                return _real(*args, **kwargs)

            setattr(outputs, name, step)
        write_output_set(out, NEW)

    return action


# ---------------------------------------------------------------------------------------------
# the set is replaced as a whole


def test_a_new_folder_gets_the_complete_set_and_a_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b" / "out"
    write_output_set(folder, NEW, created="2024-01-01T00:00:00+00:00")
    assert files_of(folder) == NEW
    assert outputs_complete(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["created"] == "2024-01-01T00:00:00+00:00" and len(manifest["run_id"]) == 32
    assert set(manifest["files"]) == set(NEW)
    assert leftovers(folder) == []
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o777 & ~outputs._umask()


def test_a_folder_of_outputs_is_swapped_whole_and_keeps_its_permissions(out: Path) -> None:
    os.chmod(out, 0o750)
    inode = os.stat(out).st_ino
    write_output_set(out, NEW)
    assert files_of(out) == NEW and outputs_complete(out)
    assert os.stat(out).st_ino != inode, "expected the whole folder to be exchanged"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o750
    assert leftovers(out) == []
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


def test_without_renameat2_the_old_folder_goes_aside_then_away(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outputs, "_renameat2", lambda: None)
    write_output_set(out, NEW)
    assert files_of(out) == NEW and outputs_complete(out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


def test_an_unsupported_exchange_falls_back_to_renaming_aside(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(a: Path, b: Path) -> None:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(outputs, "_exchange", unsupported)
    write_output_set(out, NEW)
    assert files_of(out) == NEW and outputs_complete(out) and leftovers(out) == []


def test_foreign_files_are_never_moved_or_deleted(out: Path) -> None:
    (out / ".gitkeep").write_text("")
    (out / "demo").mkdir()
    (out / "demo" / "gen0.jsonl").write_text('{"text": "mine"}\n')
    inode = os.stat(out).st_ino
    write_output_set(out, NEW)
    assert os.stat(out).st_ino == inode, "a folder with foreign files must not be swapped"
    assert (out / ".gitkeep").exists() and (out / "demo" / "gen0.jsonl").read_text() == '{"text": "mine"}\n'
    assert files_of(out) == NEW and outputs_complete(out) and leftovers(out) == []
    # the manifest tells a reader when the set is not one run's
    (out / "summary.md").write_text("# edited\n")
    assert not outputs_complete(out)


def test_the_working_directory_is_written_file_by_file(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(out)
    inode = os.stat(out).st_ino
    write_output_set(Path("."), NEW)
    assert os.stat(out).st_ino == inode
    assert files_of(out) == NEW and outputs_complete(out)


def test_a_symlinked_output_folder_stays_a_symlink(tmp_path: Path, out: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(out, target_is_directory=True)
    write_output_set(link, NEW)
    assert link.is_symlink() and files_of(link) == NEW and files_of(out) == NEW


def test_a_subset_of_formats_is_a_complete_set_of_its_own(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    write_output_set(folder, {"metrics.json": NEW["metrics.json"]})
    assert files_of(folder) == {"metrics.json": NEW["metrics.json"]} and outputs_complete(folder)


def test_write_outputs_renders_then_writes_every_format(small_result, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / ".gitkeep").write_text("")
    paths = write_outputs(small_result, folder)
    assert paths == {fmt: folder / fmt.value for fmt in OutputFormat}
    assert outputs_complete(folder) and (folder / ".gitkeep").exists()
    assert json.loads((folder / MANIFEST).read_text())["created"] == small_result.run["created"]


def test_a_lone_surrogate_cannot_break_the_write(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    text = json.dumps({"source": "data/\udcff.txt"}, ensure_ascii=False)
    write_output_set(folder, {"metrics.json": text})
    assert json.loads((folder / "metrics.json").read_text(encoding="utf-8")) == {"source": "data/\udcff.txt"}


# ---------------------------------------------------------------------------------------------
# crashes and failures at every step


def test_a_crash_at_any_step_leaves_the_old_set_or_the_new_one_never_a_mix(out: Path, mode: str) -> None:
    foreign = {k: v for k, v in snapshot(out).items() if k.startswith(("demo", ".gitkeep"))}
    old_manifest = (out / MANIFEST).read_bytes()
    k = 0
    while True:
        code = run_child(crash_at(k, out))
        assert code in (0, 99), f"writer failed (exit {code}) instead of crashing at step {k}"
        found = files_of(out)
        if mode == "file-by-file":
            # files are replaced one by one: the manifest tells a complete set from a mix
            if outputs_complete(out):
                assert found in (OLD, NEW), f"step {k}"
            else:
                assert not (out / MANIFEST).exists() or (out / MANIFEST).read_bytes() == old_manifest, f"step {k}"
            assert {k2: v for k2, v in snapshot(out).items() if k2 in foreign} == foreign
        else:
            # the folder is swapped whole: the old complete set, the new complete set, or (killed between
            # the two renames of the fallback) no folder, with the old set aside for the next run
            if out.exists():
                assert found in (OLD, NEW) and outputs_complete(out), f"step {k}: {found}"
            else:
                assert mode == "aside", f"step {k}"
        # the next run recovers, cleans every temporary and writes a complete set
        write_output_set(out, THIRD)
        assert files_of(out) == THIRD and outputs_complete(out), f"step {k}"
        assert leftovers(out) == [], f"step {k}"
        if mode == "file-by-file":
            assert (out / "demo" / "notes.txt").read_text() == "the user's own file\n"
        if code == 0:
            break
        write_output_set(out, OLD)
        old_manifest = (out / MANIFEST).read_bytes()
        k += 1
    assert k >= 3, "the crash loop never reached the renames"


def test_a_crash_between_the_fallback_renames_is_undone_by_the_next_run(
    out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outputs, "_renameat2", lambda: None)
    calls = []
    original = outputs._rename

    def rename(src: Path, dst: Path) -> None:
        calls.append(dst)
        if len(calls) == 2:  # the old folder is aside, the new one not yet in
            os._exit(99)
        original(src, dst)

    def action() -> None:
        outputs._rename = rename
        write_output_set(out, NEW)

    assert run_child(action) == 99
    assert not out.exists()
    aside = [p for p in out.parent.iterdir() if p.name.startswith(".out.old-")]
    assert len(aside) == 1 and files_of(aside[0]) == OLD
    # a reader re-running the writer first gets the old set back, then the new one in its place
    outputs._recover_and_clean(out, frozenset([*OLD, MANIFEST]))
    assert files_of(out) == OLD and outputs_complete(out) and leftovers(out) == []


@pytest.mark.parametrize("step", FAILING)
def test_a_failing_step_raises_a_usage_error_and_leaves_the_old_set(
    out: Path, mode: str, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(out)
    real = getattr(outputs, step)
    k = 0
    while True:
        count = [0]

        def failing(*args, _real=real, _k=k, _count=count, **kwargs):
            if _count[0] == _k:
                _count[0] += 1
                raise OSError(errno.EIO, "Input/output error")
            _count[0] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(outputs, step, failing)
        try:
            write_output_set(out, NEW)
        except UsageError as exc:
            assert str(out) in str(exc) and "\n" not in str(exc)
            assert snapshot(out) == before, f"{step} call {k}"
            assert leftovers(out) == []
        else:
            assert files_of(out) == NEW and outputs_complete(out)
            break
        finally:
            monkeypatch.setattr(outputs, step, real)
        k += 1


def test_a_failing_renderer_changes_nothing(small_result, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_outputs(small_result, tmp_path / "out")
    before = snapshot(tmp_path)

    def boom(result):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("auditor.report.html.format_html", boom)
    with pytest.raises(RuntimeError):
        write_outputs(small_result, tmp_path / "out")
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------------------------------------
# stale temporaries


def test_stale_temporaries_of_killed_runs_are_removed(out: Path) -> None:
    for name in (".metrics.json.abcd1234.tmp", ".summary.md.x_y_z_12.tmp", f"{MANIFEST[0]}{MANIFEST}.qwertyui.tmp"):
        (out / name).write_text("half")
    for name in (".out.tmp-abcd1234", ".out.old-0123abcd"):
        (out.parent / name).mkdir()
        (out.parent / name / "metrics.json").write_text("half")
    write_output_set(out, NEW)
    assert leftovers(out) == [] and files_of(out) == NEW


def test_only_our_exact_patterns_are_removed(out: Path) -> None:
    (out / ".gitkeep").write_text("")  # file by file from here on
    keep = [".metrics.json.bak", "metrics.json.abcd1234.tmp", ".notes.md.abcd1234.tmp", ".metrics.json.toolongname.tmp"]
    for name in keep:
        (out / name).write_text("mine")
    theirs = out.parent / ".out.tmp-abcd1234"  # our pattern, but holding a file that is not ours
    theirs.mkdir()
    (theirs / "thesis.tex").write_text("mine")
    other = out.parent / ".other.tmp-abcd1234"
    other.mkdir()
    write_output_set(out, NEW)
    assert all((out / name).read_text() == "mine" for name in keep)
    assert (theirs / "thesis.tex").exists() and other.exists()


def test_a_temporary_in_use_by_a_live_run_is_left_alone(out: Path) -> None:
    with outputs._temp_file(out, "metrics.json", b"live") as tmp:
        outputs._remove_stale_files(out, ["metrics.json"])
        assert tmp.read_bytes() == b"live"
    assert not tmp.exists()


# ---------------------------------------------------------------------------------------------
# paths that cannot take the outputs


def test_out_naming_an_existing_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    with pytest.raises(UsageError, match=r"notes\.txt: is an existing file, not a folder"):
        write_output_set(target, NEW)
    assert target.read_text() == "keep me"


def test_a_read_only_output_is_a_usage_error_and_nothing_changes(out: Path, mode: str) -> None:
    os.chmod(out / "report.html", 0o444)
    before = snapshot(out)
    with pytest.raises(UsageError, match=r"report\.html: is read-only"):
        write_output_set(out, NEW)
    assert snapshot(out) == before


def test_a_read_only_folder_is_a_usage_error(out: Path) -> None:
    before = snapshot(out)
    os.chmod(out, 0o555)
    try:
        with pytest.raises(UsageError, match=r"out: is read-only"):
            write_output_set(out, NEW)
    finally:
        os.chmod(out, 0o755)
    assert snapshot(out) == before


def test_a_folder_in_the_way_of_an_output_is_a_usage_error(out: Path) -> None:
    (out / "report.html").unlink()
    (out / "report.html").mkdir()
    before = snapshot(out)
    with pytest.raises(UsageError, match=r"report\.html: cannot write outputs here \(a folder is in the way"):
        write_output_set(out, NEW)
    assert snapshot(out) == before


def test_an_unwritable_folder_is_a_usage_error_and_nothing_changes(
    out: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(outputs.tempfile, "mkdtemp", denied)
    monkeypatch.setattr(outputs.tempfile, "mkstemp", denied)
    before = snapshot(out)
    with pytest.raises(UsageError, match=r"out: cannot write outputs here \(Permission denied\)"):
        write_output_set(out, NEW)
    assert snapshot(out) == before


def test_a_parent_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="cannot write outputs here"):
        write_output_set(tmp_path / "file" / "out", NEW)


# ---------------------------------------------------------------------------------------------
# atomic_write: one file


def test_atomic_write_replaces_one_file_and_cleans_its_stale_temporaries(tmp_path: Path) -> None:
    path = tmp_path / "ci" / "junit.xml"
    atomic_write(path, "one")
    (path.parent / ".junit.xml.abcd1234.tmp").write_text("half")
    atomic_write(path, "two")
    assert path.read_text() == "two" and sorted(p.name for p in path.parent.iterdir()) == ["junit.xml"]


def test_atomic_write_refuses_a_folder_and_a_read_only_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is a folder, not a file"):
        atomic_write(tmp_path, "x")
    ro = tmp_path / "policy.toml"
    ro.write_text("keep")
    os.chmod(ro, 0o444)
    with pytest.raises(UsageError, match=r"policy\.toml: is read-only"):
        atomic_write(ro, "x")
    assert ro.read_text() == "keep"


def test_atomic_write_unwritable_parent_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match=r"junit\.xml: cannot write outputs here"):
        atomic_write(tmp_path / "file" / "junit.xml", "x")


def test_atomic_write_goes_through_symlinks_and_into_devices(tmp_path: Path) -> None:
    real = tmp_path / "summary.md"
    real.write_text("old")
    link = tmp_path / "step_summary"
    link.symlink_to(real)
    atomic_write(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    atomic_write(Path(os.devnull), "into the void")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


# ---------------------------------------------------------------------------------------------
# outputs that would overwrite inputs


def test_an_output_that_is_an_input_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("m.json").write_text("{}")
    with pytest.raises(UsageError, match=r"m\.json: writing here would overwrite or delete the input m\.json"):
        check_output_target(Path("m.json"), [Path("m.json")], directory=False)
    with pytest.raises(UsageError, match="would overwrite or delete the input"):
        check_output_target(Path("./sub/../m.json"), ["m.json"], directory=False)
    os.link("m.json", "hard.json")
    with pytest.raises(UsageError, match="would overwrite or delete the input"):
        check_output_target(Path("hard.json"), ["m.json"], directory=False)
    Path("reports").mkdir()
    Path("reports/metrics.json").write_text("{}")
    with pytest.raises(UsageError, match=r"reports/metrics\.json: writing here would overwrite"):
        check_output_target(Path("reports"), ["gen0=reports/metrics.json", "gen1.jsonl"])
    with pytest.raises(UsageError, match="would overwrite or delete the input"):
        check_output_target(Path("m.json"), ["m.json"])  # an input file given as the output folder


def test_an_output_inside_an_input_corpus_folder_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "gen1"
    corpus.mkdir()
    (corpus / "a.txt").write_text("words")
    with pytest.raises(UsageError, match="is inside the input corpus folder"):
        check_output_target(corpus / "reports", [f"gen1={corpus}"])
    with pytest.raises(UsageError, match="is inside the input corpus folder"):
        check_output_target(corpus, [corpus])
    with pytest.raises(UsageError, match="is inside the input corpus folder"):
        check_output_target(corpus / "junit.xml", [corpus], directory=False)


def test_outputs_beside_inputs_are_fine(tmp_path: Path) -> None:
    (tmp_path / "gen0.jsonl").write_text("{}")
    (tmp_path / "sub").mkdir()
    check_output_target(tmp_path, [tmp_path / "gen0.jsonl", "a=b=c", tmp_path / "sub" / "x.jsonl"])
    check_output_target(tmp_path / "report.html", [tmp_path / "gen0.jsonl"], directory=False)
    check_output_target(tmp_path / "out", [tmp_path / "sub"])
