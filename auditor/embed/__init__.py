"""Sentence embeddings for the embedding family: offline model loading and an on-disk cache.

Importing this package is cheap; torch and sentence-transformers load only when a model does.
"""
