# The two commands of the README:
#   make book   build the static site into _build/html
#   make test   lint, unit tests, every notebook re-run and compared (nbval), a strict book build, a browser check
# Both create .venv on first use and reinstall only when the requirements change.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: book test clean

$(STAMP): requirements.txt requirements-book.txt requirements-dev.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

book: $(STAMP)
	$(VENV)/bin/jupyter-book build . 
	@echo "The site is built. Open: $(CURDIR)/_build/html/index.html"

test: $(STAMP)
	@bash tests/run_all.sh

clean:
	rm -rf _build
