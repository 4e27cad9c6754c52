# make demo / make test work on a fresh machine: they create .venv and install what they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: pip takes the CPU wheel on disk instead of a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[embedding,nlp,dask,test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/auditor audit corpora/demo/gen0.jsonl corpora/demo/gen1.jsonl corpora/demo/gen2.jsonl \
		corpora/demo/gen3.jsonl corpora/demo/gen4.jsonl corpora/demo/gen5.jsonl --out reports/demo \
		--sample-docs 700

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check auditor tests bench

bench: $(STAMP)
	$(BIN)/python bench/bench_lexical.py
	$(BIN)/python bench/bench_embedding.py
	$(BIN)/python bench/bench_topics.py
	$(BIN)/python bench/bench_voice.py

clean:
	rm -rf $(VENV) reports/demo .pytest_cache
