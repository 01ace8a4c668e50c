# Two entry points: `make serve` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Torch must come first and pinned: here it resolves to a local CPU build, while an
# open range pulled in by sentence-transformers would fetch gigabytes of CUDA packages.
TORCH := torch==2.13.0

.PHONY: serve test lint install install-dev browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet $(TORCH)
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Headless Chromium for the admin/browser tests, from Debian (no browser downloads).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@command -v chromium >/dev/null || { echo "chromium is required for the browser tests" >&2; exit 1; }

serve: install
	$(BIN)/feedgate serve

# Static checks (pyproject.toml configures them): lint rules, formatting, and types (mypy,
# strict, over gateway/, clustering/ and admin_ui/). `make test` runs them before the tests.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite runs in TEST_PROCESSES processes (pytest-xdist; `auto`: one per core), a test file per
# process at a time so module fixtures are built once; each process has its own PostgreSQL database.
# TEST_PROCESSES=0 runs it in this one process.
TEST_PROCESSES ?= auto

test: install-dev browser lint
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) feedgate.db* feedgate.spool.jsonl* feedgate.spool.*.jsonl*
