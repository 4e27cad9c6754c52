"""likelihood: How probable is each generation under a model of the reference, and how much does it copy?"""

from __future__ import annotations

from auditor.config import Settings
from auditor.families.base import Family, LanguageUse, Lazy
from auditor.families.likelihood.metrics import METRICS


def _language(language: str, settings: Settings) -> LanguageUse:
    from auditor.text.languages import tokenizer_name

    return LanguageUse({"tokenizer": tokenizer_name(language, settings.tokenizer)})


def _check(settings: Settings) -> None:
    """A neural reference model must be a local causal LM folder: refused before the long pass."""
    if settings.likelihood_model is not None:
        from auditor.families.likelihood.neural import check_folder

        check_folder(settings.likelihood_model)

FAMILY = Family(
    name="likelihood",
    label="Likelihood",
    question="How probable is each generation under a model of the reference, and how much of it is copied?",
    metrics=tuple(METRICS),
    prepare=Lazy("auditor.families.likelihood.prepare:prepare"),
    views=Lazy("auditor.families.likelihood.views:views"),
    subject="likelihood",
    settings=("likelihood_order", "likelihood_model", "min_docs"),
    sampled=True,
    language=_language,
    check=_check,
)
