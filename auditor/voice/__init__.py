"""Building blocks of the "voice" family: stylometry, ROUGE-L homogenization, near duplicates, POS compression.

Submodules (imported on demand, so importing this package never loads spaCy):

* :mod:`auditor.voice.style` — function-word / punctuation / sentence-length style vectors on equal-size
  chunks, POS-trigram shares, z-scoring and mean pairwise distance.
* :mod:`auditor.voice.features` — the style vector's column names, in order, and in plain words.
* :mod:`auditor.voice.rouge` — bit-parallel LCS, ROUGE-L F1 and the homogenization score.
* :mod:`auditor.voice.minhash` — word 5-gram shingles, exact MinHash signatures, LSH near-duplicate rate.
* :mod:`auditor.voice.compression` — gzip compression ratios of text and POS-tag sequences.
"""
