# Two commands matter: `make deck` builds every deck, `make test` runs the tests.
# Each creates .venv on first use and reinstalls only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: deck test test-fast docs lint fuzz bench clean distclean

deck: $(VENV)/.installed
	$(BIN)/builder build

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

# The inner loop: no browser (Chromium), kill or fuzz tests, on every core (pytest-xdist).
# `make test` runs everything, one test at a time, as CI does.
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m "not browser and not slow" -n auto

# Rewrites docs/reference/ from the code's tables and --help; tests/test_docs.py fails when stale.
docs: $(VENV)/.installed
	$(BIN)/python docs/generate.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy

# Over 100,000 generated sources through the loader and the CLI (CI runs ~2,650);
# prints the count at the end. Then 1,000 packages of generated cloze notes whose
# cards must be the ones the real Anki engine makes (CI runs 40). About 40 minutes
# on the 2-core machine (docs/development.md).
fuzz: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_fuzz.py tests/test_cloze_oracle.py -q

# builder against its floors and markdown-anki-decks (P1-P4 of issue 7): prints the
# table and writes bench/RESULTS.md. About 10 minutes; bench/work/ holds its scratch.
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf dist/*.apkg dist/*-CHANGELOG.md dist/.*.builder-tmp-* build *.egg-info builder.egg-info \
		.pytest_cache .mypy_cache .ruff_cache .hypothesis cardsrc/.builder-cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
