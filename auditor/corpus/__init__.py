"""Corpus readers and corpus arguments."""

from auditor.corpus.readers import Document, ReadLog, ReadOptions, read_documents, read_options
from auditor.corpus.spec import CorpusSpec, parse_corpus_args

__all__ = ["CorpusSpec", "Document", "ReadLog", "ReadOptions", "parse_corpus_args", "read_documents", "read_options"]
