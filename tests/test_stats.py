"""Budget draws, null splits, the change of a value, worse in a direction, and the verdict rule."""

from __future__ import annotations

import json

import numpy as np
import pytest

from auditor.draws import draw, split_halves
from auditor.result import Delta
from auditor.stats import Status, change, is_worse, make_rng, verdict, worst_status
from auditor.text.profile import DocumentSample


def sample_of(lengths: list[int]) -> DocumentSample:
    start = 0
    arrays = []
    for n in lengths:
        arrays.append(np.arange(start, start + n, dtype=np.int32))  # every token unique: traceable
        start += n
    return DocumentSample.from_arrays(arrays)


def test_draw_has_exact_budget_whole_documents_and_no_repeats() -> None:
    sample = sample_of([5, 17, 3, 40, 8, 12, 9, 30])
    d = draw(sample, 50, make_rng(0, "t"))
    assert d.n_tokens == 50
    assert len(np.unique(d.tokens)) == 50  # without replacement
    # every drawn document but the last is whole and starts at its own first token
    starts = set(sample.offsets[:-1].tolist())
    assert all(int(d.tokens[s]) in starts for s in d.doc_starts)


def test_draw_is_deterministic_per_seed_and_label() -> None:
    sample = sample_of([10] * 30)
    a = draw(sample, 100, make_rng(1, "x"))
    b = draw(sample, 100, make_rng(1, "x"))
    c = draw(sample, 100, make_rng(1, "y"))
    assert np.array_equal(a.tokens, b.tokens) and not np.array_equal(a.tokens, c.tokens)


def test_split_halves_are_disjoint_and_balanced() -> None:
    sample = sample_of(list(range(1, 41)))
    a, b = split_halves(sample, make_rng(0, "s"))
    assert a.n_docs + b.n_docs == sample.n_docs
    assert not set(a.tokens.tolist()) & set(b.tokens.tolist())
    assert abs(a.n_tokens - b.n_tokens) <= 40


@pytest.mark.parametrize(
    ("value", "better", "expected"),
    [
        (0.80, "higher", "degraded"),  # worse by tolerance and below every null value
        (0.95, "higher", "watch"),  # below the null but within tolerance
        (1.00, "higher", "ok"),
        (1.20, "lower", "degraded"),
        (0.80, "none", "ok"),
    ],
)
def test_verdict_rule(value: float, better: str, expected: str) -> None:
    null = np.array([0.97, 0.99, 1.0, 1.01, 1.03])
    assert verdict(value, 1.0, null, better=better, tolerance=0.05, kind="relative") == expected


def test_verdict_tolerance_alone_is_watch() -> None:
    wide_null = np.array([0.5, 1.0, 1.5])
    assert verdict(0.8, 1.0, wide_null, better="higher", tolerance=0.05, kind="relative") == "watch"
    assert verdict(None, 1.0, wide_null, better="higher", tolerance=0.05, kind="relative") == "n/a"


def test_worst_status_ignores_na_unless_all_na() -> None:
    assert worst_status(["ok", "n/a", "watch"]) == "watch"
    assert worst_status(["n/a", "n/a"]) == "n/a"
    assert worst_status(["ok", "degraded"]) == "degraded"
    assert worst_status([]) is Status.NA
    assert worst_status([Status.WATCH, "ok", Status.NA]) is Status.WATCH  # members and strings mix
    assert worst_status(iter(["degraded", "watch"])) is Status.DEGRADED
    with pytest.raises(ValueError):
        worst_status(["fine"])


def test_status_has_one_ordering() -> None:
    assert sorted(Status, key=lambda s: s.rank) == [Status.NA, Status.OK, Status.WATCH, Status.DEGRADED]
    statuses = ["n/a", "ok", "watch", "degraded"]
    for i, a in enumerate(statuses):  # the worst of any two is the later one, n/a only when both are
        for b in statuses[i:]:
            assert worst_status([a, b]) == worst_status([b, a]) == b


def test_status_reads_and_writes_as_its_plain_string() -> None:
    assert [s.value for s in Status] == ["ok", "watch", "degraded", "n/a"]
    assert Status("n/a") is Status.NA and Status.NA == "n/a" and {"watch": 1}[Status.WATCH] == 1
    assert (str(Status.DEGRADED), f"{Status.DEGRADED}", f"{Status.OK:>4}") == ("degraded", "degraded", "  ok")
    assert json.dumps({"status": Status.NA, "list": [Status.OK]}) == '{"status": "n/a", "list": ["ok"]}'


def test_verdict_returns_a_status() -> None:
    null = np.array([0.9, 1.0, 1.1])
    assert verdict(None, 1.0, null, better="higher", tolerance=0.05, kind="relative") is Status.NA
    assert verdict(1.0, 1.0, null, better="higher", tolerance=0.05, kind="relative") is Status.OK
    assert verdict(0.8, 1.0, null, better="higher", tolerance=0.05, kind="relative") is Status.DEGRADED
    assert verdict(0.8, 1.0, null, better="higher", tolerance=0.5, kind="relative") is Status.WATCH


@pytest.mark.parametrize(
    ("value", "base", "expected"),
    [
        (0.3, 0.4, Delta(-0.1, -0.25)),  # rounded like metrics.json: 0.3 - 0.4 is -0.10000000000000003
        (0.5, 0.4, Delta(0.1, 0.25)),
        (0.4, 0.4, Delta(0.0, 0.0)),
        (-1.0, -2.0, Delta(1.0, 0.5)),  # over |base|: the relative change keeps the absolute one's sign
        (-3.0, -2.0, Delta(-1.0, -0.5)),
        (1.0, -2.0, Delta(3.0, 1.5)),
        (0.5, 0.0, Delta(0.5, None)),  # a zero base has no relative change
        (-0.5, -0.0, Delta(-0.5, None)),
        (0.0, 0.0, Delta(0.0, None)),
        (3e-12, 1e-12, Delta(2e-12, 2.0)),  # near zero but not zero: a relative change
        (-1e-12, 1e-12, Delta(-2e-12, -2.0)),
        (1.0, 1e-12, Delta(0.999999999999, 999999999999.0)),
        (1.0, 5e-324, Delta(1.0, None)),  # so near zero that the ratio overflows: none either
        (None, 0.4, Delta(None, None)),
        (0.4, None, Delta(None, None)),
        (None, None, Delta(None, None)),
        (float("nan"), 0.4, Delta(None, None)),  # never NaN in metrics.json
    ],
)
def test_change_at_its_limits(value: float | None, base: float | None, expected: Delta) -> None:
    assert change(value, base) == expected


def test_is_worse_follows_the_direction_and_the_margin() -> None:
    assert is_worse(0.3, 0.4, "higher") and not is_worse(0.5, 0.4, "higher")
    assert is_worse(0.5, 0.4, "lower") and not is_worse(0.3, 0.4, "lower")
    assert not is_worse(0.4, 0.4, "higher") and not is_worse(0.4, 0.4, "lower")  # equal is not worse
    assert not is_worse(0.0, 1.0, "none") and not is_worse(1.0, 0.0, "none")  # descriptive: never worse
    assert not is_worse(0.36, 0.4, "higher", margin=0.05) and is_worse(0.34, 0.4, "higher", margin=0.05)
    assert not is_worse(0.44, 0.4, "lower", margin=0.05) and is_worse(0.46, 0.4, "lower", margin=0.05)
