"""The style vector's columns: which there are, in what order, and what they are called in plain words.

Kept apart from :mod:`auditor.voice.style`, which computes the values, because naming is a job of
its own: the voice and paired families name the style features that moved
(:func:`feature_shift_rows`) from vectors already computed, and the column list
(:func:`style_feature_names`, over :data:`PUNCTUATION`) is the one the computation and the names
both follow.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from auditor.stats import change_words
from auditor.text.style_language import ENGLISH_STYLE, StyleLanguage

PUNCTUATION: tuple[tuple[str, str], ...] = (
    ("period", "."),
    ("comma", ","),
    ("semicolon", ";"),
    ("colon", ":"),
    ("exclamation", "!"),
    ("question", "?"),
    ("double_quote", '"'),
    ("single_quote", "'"),
    ("open_paren", "("),
    ("hyphen", "-"),
)
"""Punctuation characters counted per word (after folding curly quotes and dashes).

"'" counts apostrophes inside words too, and "-" counts hyphens and dashes alike: both are plain
character counts, documented rather than disambiguated.
"""


def style_feature_names(style: StyleLanguage = ENGLISH_STYLE) -> list[str]:
    """Names of the :func:`auditor.voice.style.style_features` columns, in order."""
    return (
        [f"fw:{w}" for w in style.function_words]
        + [f"punct:{name}" for name, _ in PUNCTUATION]
        + ["sentence_length_mean", "sentence_length_sd", "word_length_mean"]
        + (["contraction_rate"] if style.contractions else [])
        + (["first_person_rate"] if style.first_person else [])
    )


_PLAIN = {
    "sentence_length_mean": "mean sentence length",
    "sentence_length_sd": "spread of sentence length",
    "word_length_mean": "mean word length",
    "contraction_rate": "contractions",
    "first_person_rate": "first-person pronouns",
}
_PLAIN_PUNCT = {
    "period": "periods",
    "comma": "commas",
    "semicolon": "semicolons",
    "colon": "colons",
    "exclamation": "exclamation marks",
    "question": "question marks",
    "double_quote": "double quotes",
    "single_quote": "apostrophes and single quotes",
    "open_paren": "parentheses",
    "hyphen": "hyphens and dashes",
}


def plain_feature_name(name: str) -> str:
    """A :func:`style_feature_names` column in plain words ("first-person pronouns", 'the word "however"')."""
    if name in _PLAIN:
        return _PLAIN[name]
    kind, _, rest = name.partition(":")
    if kind == "fw":
        return f'the word "{rest}"'
    if kind == "punct":
        return _PLAIN_PUNCT.get(rest, rest)
    return name


def mean_in_sd(raw: np.ndarray) -> np.ndarray:
    """Each column's mean in its own standard deviations (a constant column's std counts as 1, as
    :func:`auditor.voice.style.standardize` divides it): the ``base_sd`` of :func:`feature_shift_rows`."""
    std = raw.std(axis=0)
    return raw.mean(axis=0) / np.where(std > 0, std, 1.0)


def feature_shift_rows(
    names: Sequence[str],
    smd: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    relative: np.ndarray,
    top: int,
    base_sd: np.ndarray,
) -> list[dict]:
    """The ``top`` style features that moved most (largest ``|smd|``, ties by column), in plain words.

    All arrays run over ``names`` (the :func:`style_feature_names` of the run's language). ``smd``:
    the mean change in standard deviations; ``low``/``high``: its interval; ``relative``: the change
    of the raw mean over the original mean (NaN when that mean is 0); ``base_sd``: the original mean
    in the same standard deviations. The voice family (generation vs reference pools) and the paired
    family (descendant vs its original, pair by pair) both describe their shifts with these rows.

    The words follow :func:`auditor.stats.change_words`: a feature whose original mean is no farther
    from zero than the width of its interval (a rare word such as "however", whose rate the draws'
    noise moves by as much as its size) changes as a ratio (``×44``), any other as a percentage
    (``-39%``); a mean of 0 has neither, so the change is in standard deviations.
    """
    order = np.lexsort((np.arange(len(smd)), -np.abs(smd)))[:top]
    rows = []
    for i in order.tolist():
        rel = float(relative[i]) if np.isfinite(relative[i]) else None
        if rel is None:
            change = f"{float(smd[i]):+.2f} sd"
        else:  # on the scale of the original mean (1): its noise is the interval's width over that mean
            base = float(base_sd[i])
            width = float(high[i] - low[i]) / base if base > 0 else 0.0
            change = change_words(1.0 + rel, 1.0, "", (0.0, width))
        rows.append(
            {
                "feature": names[i],
                "name": plain_feature_name(names[i]),
                "smd": round(float(smd[i]), 4),
                "interval": [round(float(low[i]), 4), round(float(high[i]), 4)],
                "relative": None if rel is None else round(rel, 4),
                "text": f"{plain_feature_name(names[i])} {change}",
            }
        )
    return rows
