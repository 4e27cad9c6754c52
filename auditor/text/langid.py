"""Which language each generation is written in: shares of documents per language on a sample.

The detector is py3langid (a maintained fork of langid.py, Lui & Baldwin 2012: a naive Bayes model
over byte n-grams, 97 languages, bundled with the package, no download). It runs on the first
``LANGID_DOCS`` documents of each generation's text sample (a uniform random sample: documents in
random-key order), each cut to ``LANGID_CHARS`` characters: 0.8 to 2 ms per document on the bundled
German, Spanish, French and Chinese paragraphs, depending on the load (``bench/bench_languages.py``).

The shares feed warnings (:func:`language_warnings`): a main language other than the run's, or
generations that differ in language, are said out loud, with what the mismatch affects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

LANGID_DOCS = 100
"""Documents per generation the detector reads (the first of the random text sample)."""
LANGID_CHARS = 1_000
"""Characters of each document the detector reads (its decision settles long before)."""
DETECTOR = "py3langid"
MIXED_SHARE = 0.8
"""Below this share of its main language a generation is called mixed in a warning."""

AFFECTS = "tokenizer rules, rare-in-language frequencies, stop words, function words, POS model and embedding model"


@dataclass(frozen=True)
class LanguageShares:
    """The detected languages of one generation's sampled documents."""

    documents: int
    shares: dict[str, float]
    """Language code -> share of the sampled documents, largest first."""

    @property
    def main(self) -> str | None:
        """The most common language, or None when nothing was sampled."""
        return next(iter(self.shares), None)

    def to_dict(self) -> dict[str, Any]:
        """The metrics.json form: ``{"main", "documents", "shares"}``."""
        return {"main": self.main, "documents": self.documents, "shares": self.shares}


def detect(text: str) -> str:
    """The language code of one text, as py3langid names it (ISO 639-1 where one exists)."""
    import py3langid

    return str(py3langid.classify(text[:LANGID_CHARS])[0])


def language_shares(texts: Sequence[str], limit: int = LANGID_DOCS) -> LanguageShares:
    """Shares of each detected language among the first ``limit`` non-blank ``texts``."""
    sample = [t for t in texts if t.strip()][:limit]
    counts = Counter(detect(t) for t in sample)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return LanguageShares(len(sample), {lang: round(n / len(sample), 4) for lang, n in ordered})


def language_warnings(
    shares: dict[str, LanguageShares], reference: str, language: str, requested: str
) -> dict[str, list[str]]:
    """Warnings per generation: its main language differs from the run's, or from the reference's.

    ``requested`` is the ``--language`` setting as given (``auto`` says the reference decided).
    """
    out: dict[str, list[str]] = {name: [] for name in shares}
    ref_main = shares[reference].main if reference in shares else None
    flag = "--language auto (the reference's language)" if requested == "auto" else f"--language {language}"
    for name, found in shares.items():
        main = found.main
        if main is None:
            continue
        share = found.shares[main]
        if main != language:
            out[name].append(
                f"detected language '{main}' ({share:.0%} of {found.documents} sampled documents) differs from "
                f"{flag}: the {AFFECTS} are those of '{language}'; rerun with --language {main}"
            )
        elif share < MIXED_SHARE:
            others = ", ".join(f"{k} {v:.0%}" for k, v in list(found.shares.items())[1:4])
            out[name].append(
                f"mixed languages: '{main}' is {share:.0%} of {found.documents} sampled documents ({others})"
            )
        if name != reference and ref_main is not None and main != ref_main:
            out[name].append(
                f"this generation is mostly '{main}', the reference '{reference}' mostly '{ref_main}': "
                "a change of language, not a collapse, moves every metric"
            )
    return out
