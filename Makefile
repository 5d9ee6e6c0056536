# Two entry points for a fresh machine (see README):
#   make demo   set up .venv and run the main job on the embedded default
#   make test   set up .venv and run the test suite
VENV   ?= .venv
PYTHON ?= python3
STAMP  := $(VENV)/.installed

.PHONY: setup demo test

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: setup
	$(VENV)/bin/rgbt-track demo

test: setup
	$(VENV)/bin/python -m pytest -q
