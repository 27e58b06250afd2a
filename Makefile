# Borgerguide: `make run` to start everything, `make test` to run the suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
# Development default for the Rasa HTTP API token; set RASA_TOKEN in production.
RASA_TOKEN ?= borgerguide-dev-token
export RASA_TOKEN
export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
# Nothing leaves the machine: no Rasa telemetry.
export RASA_TELEMETRY_ENABLED := false

browser: tests/js/node_modules/.installed
	@scripts/install-chromium.sh

# axe-core for the accessibility check (npm registry)
tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	@cd tests/js && npm ci --no-audit --no-fund --silent
	@touch $@

.PHONY: help setup browser train run test validate validate-content test-nlu bench-nlu bench-xsid bench-parse clean

help:
	@echo "make run    - set up, train if needed, start Rasa, actions and the web service"
	@echo "make test   - set up, train if needed, run the whole test suite"
	@echo "make train  - train the model if config, domain or data changed"
	@echo "make validate-content - check the solution catalogue and kommune content"
	@echo "make bench-nlu / bench-xsid / bench-parse - measurements (see benchmarks/README.md)"

$(VENV)/.installed: requirements.txt constraints.txt scripts/setup-venv.sh
	@scripts/setup-venv.sh $(VENV)
	@touch $@

setup: $(VENV)/.installed

train: setup
	@$(PY) scripts/train_if_needed.py

validate-content: setup
	@$(PY) -m actions.catalogue
	@$(PY) -m actions.kommuner

validate: setup
	@$(PY) scripts/validate_data.py

run: train
	@$(PY) scripts/run.py

test: train browser
	@$(PY) -m pytest tests

test-nlu: train
	@$(PY) -m pytest tests/test_nlu_heldout.py -s

bench-nlu: setup
	@$(PY) benchmarks/nlu_variants.py

bench-xsid: setup
	@$(PY) benchmarks/xsid.py

bench-parse: train
	@$(PY) benchmarks/parse_latency.py

clean:
	rm -rf models var results .pytest_cache
