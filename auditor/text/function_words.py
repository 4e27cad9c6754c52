"""English function words: the closed-class word lists the voice family counts.

They live here, in the text layer, because they are language data: :func:`auditor.text.languages.function_words`
hands them out beside other languages' lists, and the style vector (:mod:`auditor.voice.style`) reads
them from here. Nothing in this module imports from the package.
"""

from __future__ import annotations

_ARTICLES = ("a", "an", "the")
_PERSONAL_PRONOUNS = (
    "i", "me", "my", "mine", "myself",
    "you", "your", "yours", "yourself", "yourselves",
    "he", "him", "his", "himself",
    "she", "her", "hers", "herself",
    "it", "its", "itself",
    "we", "us", "our", "ours", "ourselves",
    "they", "them", "their", "theirs", "themselves",
)  # fmt: skip
_OTHER_PRONOUNS = ("this", "that", "these", "those", "who", "whom", "whose", "which", "what", "whatever", "whoever")
_PREPOSITIONS = (
    "about", "across", "after", "against", "along", "among", "as", "at", "before", "between", "by",
    "down", "during", "for", "from", "in", "into", "like", "of", "off", "on", "out", "over", "since",
    "through", "to", "toward", "under", "until", "up", "with", "without",
)  # fmt: skip
_CONJUNCTIONS = (
    "and", "but", "or", "nor", "so", "yet", "because", "although", "though", "while", "whereas", "if",
    "unless", "whether", "than",
)  # fmt: skip
_AUXILIARIES = (
    "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do",
    "does", "did", "can", "could", "may", "might", "must", "shall", "should", "will", "would", "ought",
)  # fmt: skip
_DETERMINERS = (
    "all", "any", "both", "each", "either", "every", "few", "many", "more", "most", "much", "neither",
    "no", "none", "other", "another", "several", "some", "such",
)  # fmt: skip
_ADVERBS = (
    "not", "also", "very", "then", "there", "here", "now", "just", "only", "even", "still", "too",
    "again", "ever", "never", "however", "thus", "therefore", "where", "when", "why", "how",
)  # fmt: skip

FUNCTION_WORDS: tuple[str, ...] = (
    _ARTICLES + _PERSONAL_PRONOUNS + _OTHER_PRONOUNS + _PREPOSITIONS + _CONJUNCTIONS + _AUXILIARIES + _DETERMINERS
    + _ADVERBS
)  # fmt: skip
"""English function words, lower-case, each listed once (158 words).

Source and criteria: the closed-class words of Mosteller & Wallace style stylometry (the Federalist
Papers study and the "most frequent words" tradition after it), hand-listed by category: articles,
personal/demonstrative/relative/interrogative pronouns, the common single-word prepositions,
coordinating and subordinating conjunctions, auxiliaries and modals, determiners and quantifiers,
and frequent closed-class adverbs (negation, degree, time/place, connectives, wh-adverbs). Words are
content-free, so their rates measure how a text is written rather than what it is about. Words that
belong to two categories ("that", "as", "since", "so") appear once. Contractions ("don't") are their
own word tokens and are counted by the contraction rate instead.
"""

FIRST_PERSON: tuple[str, ...] = ("i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves")
"""First-person pronouns, singular and plural (their summed rate is one feature)."""
