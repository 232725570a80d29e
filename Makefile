# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed-stamp
MO     := translations/cy/LC_MESSAGES/messages.mo

.PHONY: run test lint install translations extract check-translations init clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

translations: $(MO)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -d translations -l $* 

# Regenerate the template and merge it into both catalogues (developers run this after changing strings).
extract: $(STAMP)
	$(BIN)/python -m portal.devtools.i18n_check extract
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations

check-translations: $(STAMP)
	$(BIN)/python -m portal.devtools.i18n_check

init: $(STAMP) translations
	PORTAL_ENV=development $(BIN)/portal init

run: init
	PORTAL_ENV=development $(BIN)/portal run --host 127.0.0.1 --port $(PORT)

# Lint, types and the house's rules (layers, docstrings, module size): also the first step of `make test`.
lint: $(STAMP)
	$(BIN)/python -m ruff check portal tests benchmarks
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_architecture.py

# The two passes run side by side, one a core: the whole suite on SQLite (browser tests included) and the
# non-browser suite again with every app on PostgreSQL, whose output follows the first's. Either failing fails.
test: $(STAMP) translations check-translations lint
	$(BIN)/python -m portal.devtools.browser_check
	@log=$$(mktemp); $(BIN)/python -m tests.pg $(PYTEST_ARGS) > $$log 2>&1 & pg=$$!; \
	$(BIN)/python -m pytest $(PYTEST_ARGS); sqlite=$$?; \
	wait $$pg; postgres=$$?; cat $$log; rm -f $$log; \
	echo "make test: SQLite pass exit $$sqlite, PostgreSQL pass exit $$postgres"; \
	test $$sqlite -eq 0 && test $$postgres -eq 0

clean:
	rm -rf $(VENV) instance/test-* .pytest_cache
