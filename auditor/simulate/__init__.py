"""The collapse simulator: train a model on generation k, sample generation k+1, repeat."""

from auditor.simulate.ngram import Decoding, LanguageModel, NGramModel
from auditor.simulate.run import SimulationSettings, simulate

__all__ = ["Decoding", "LanguageModel", "NGramModel", "SimulationSettings", "simulate"]
