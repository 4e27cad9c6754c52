# make demo / make test work on a fresh machine: they create .venv and install what they need.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test build-check bench bench-peers lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: pip takes the CPU wheel on disk instead of a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/auditor audit corpora/demo/gen0.jsonl corpora/demo/gen1.jsonl corpora/demo/gen2.jsonl \
		corpora/demo/gen3.jsonl corpora/demo/gen4.jsonl corpora/demo/gen5.jsonl --out reports/demo \
		--sample-docs 700

# Two pytest workers (one per core); a module's tests stay on one worker, so its fixtures run once.
# --no-loadscope-reorder: modules go out in collection order, the longest first (tests/conftest.py);
# by default xdist sends the modules with the most tests first, which left the long few-test modules
# (the demo audits, the 20-split tests) to run last, one worker alone.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadscope --no-loadscope-reorder --durations=25

# Build sdist + wheel (no warnings), twine check, install the wheel alone (no torch) in a fresh venv
# and audit the demo from /tmp: under a minute (CI runs it).
build-check: $(STAMP)
	bash tests/build_check.sh

lint: $(STAMP)
	$(BIN)/ruff check auditor tests bench
	$(BIN)/lint-imports  # the layers ([tool.importlinter] in pyproject.toml)
	$(BIN)/mypy    # strict on the public API and auditor/result.py ([tool.mypy] in pyproject.toml)

bench: $(STAMP)
	$(BIN)/python bench/bench_lexical.py
	$(BIN)/python bench/bench_embedding.py
	$(BIN)/python bench/bench_topics.py
	$(BIN)/python bench/bench_voice.py
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_likelihood.py
	$(BIN)/python bench/bench_documents.py
	$(BIN)/python bench/bench_forecast.py

# Peers (lexicalrichness, diversity, vendi-score) conflict with our pins: they get a venv of their own.
PEERS := .venv-peers
PEERS_STAMP := $(PEERS)/.installed

$(PEERS_STAMP): pyproject.toml bench/requirements-peers.txt
	test -x $(PEERS)/bin/python || $(PY) -m venv $(PEERS)
	$(PEERS)/bin/python -m pip install --quiet --upgrade pip
	# torch first, alone: diversity -> sentence-transformers -> torch would otherwise fetch a CUDA build.
	$(PEERS)/bin/python -m pip install --quiet torch==2.13.0
	$(PEERS)/bin/python -m pip install --quiet -e .
	$(PEERS)/bin/python -m pip install --quiet -r bench/requirements-peers.txt
	touch $(PEERS_STAMP)

bench-peers: $(PEERS_STAMP)
	$(PEERS)/bin/python bench/peers/lexdiv_vs_lexicalrichness.py
	$(PEERS)/bin/python bench/peers/homogenization_vs_diversity.py
	$(PEERS)/bin/python bench/peers/vendi_vs_vendi_score.py

clean:
	rm -rf $(VENV) $(PEERS) reports/demo reports/build-check .pytest_cache .mypy_cache
