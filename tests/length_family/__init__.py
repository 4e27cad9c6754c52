"""A toy family defined outside the package: document length, in words.

It exists to prove that a family is one folder and one registration: it is registered through the
public registry API (:func:`auditor.families.registered`) and must then reach metrics.json, the
report, the gate, ``init-policy``, ``diff`` and reference profiles with no edit anywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from auditor.draws import Prepared, pool_drawset, too_few_documents, unusable_reference
from auditor.families.base import Family, FamilyInput, Metric, MetricData, spec_factory

make = spec_factory("length")

SPEC = make(
    "mean_words",
    "Mean document length",
    "Mean number of word tokens per document, over a draw of n documents from the token reservoir.",
    unit="words",
    headline=True,
    aspect="narrowing",
)


def mean_words(draws: Sequence[np.ndarray], data: MetricData) -> np.ndarray:
    """The mean of each draw's document lengths."""
    return np.array([float(d.mean()) for d in draws])


def prepare(inputs: FamilyInput) -> Prepared:
    """Each generation's document lengths as a pool; draws of n lengths, n the smallest half."""
    settings, profiles = inputs.settings, inputs.profiles
    names = [p.name for p in profiles]
    na = too_few_documents(profiles, settings.min_docs, "length")
    pools = {p.name: np.diff(p.sample.offsets).astype(np.float64) for p in profiles if p.name not in na}
    if inputs.reference not in pools:
        return unusable_reference(names, inputs.reference, na, {})
    n = min([len(pools[inputs.reference]) // 2] + [len(v) for k, v in pools.items() if k != inputs.reference])
    streams = {p.name: p.stream for p in profiles}
    drawset = pool_drawset(names, inputs.reference, streams, pools, n, settings, lambda rows: rows, na, "length")
    return Prepared(drawset, config={"length_n": n})


FAMILY = Family(
    name="length",
    label="Document length",
    question="Do documents keep the reference's length?",
    metrics=(Metric(SPEC, "single", mean_words),),
    prepare=prepare,
    subject="length",
    settings=("min_docs",),
    sampled=True,
)
