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

.PHONY: help setup browser train run test lint validate validate-content test-nlu bench-nlu bench-xsid bench-parse bench-analytics bench-load clean deploy-tools check-deploy

help:
	@echo "make run    - set up, train if needed, start Rasa, actions and the web service"
	@echo "make test   - set up, train if needed, run the whole test suite"
	@echo "make train  - train the model if config, domain or data changed"
	@echo "make lint   - ruff and mypy (also run by make test)"
	@echo "make validate-content - check the solution catalogue and kommune content"
	@echo "make bench-nlu / bench-xsid / bench-parse / bench-analytics / bench-load - measurements (see benchmarks/README.md)"

$(VENV)/.installed: requirements.txt constraints.txt scripts/setup-venv.sh
	@scripts/setup-venv.sh $(VENV)
	@touch $@

setup: $(VENV)/.installed

train: setup
	@$(PY) scripts/train_if_needed.py

validate-content: setup
	@$(PY) -m borgerguide.catalogue
	@$(PY) -m borgerguide.topics
	@$(PY) -m borgerguide.kommuner

validate: setup
	@$(PY) scripts/validate_data.py

run: train
	@$(PY) scripts/run.py

test: lint train browser deploy-tools
	@$(PY) -m pytest tests

# ruff (pycodestyle, pyflakes, bugbear, no stray print) and mypy on the domain
# package, the web service, the action server and the launcher (pyproject.toml)
lint: setup
	@$(VENV)/bin/ruff check borgerguide bot actions launch nlu_components
	@$(VENV)/bin/mypy

test-nlu: train
	@$(PY) -m pytest tests/test_nlu_heldout.py -s

bench-nlu: setup
	@$(PY) benchmarks/nlu_variants.py

bench-xsid: setup
	@$(PY) benchmarks/xsid.py

bench-parse: train
	@$(PY) benchmarks/parse_latency.py

bench-analytics: setup
	@$(PY) benchmarks/analytics_overview.py

# 20 concurrent conversations through /api/chat, 60 s each: ours, the stock
# Rasa configuration through launch/, and stock with Rasa's own `rasa run`
# (trains the stock model once: 100 epochs, 15-45 min on 2 cores;
# BENCH_LOAD_ARGS="--stock-epochs 20" takes 4-20 min, same cost per message);
# more options: --profile production --rasa-instances 2, --config ours|both,
# --soak 30 (benchmarks/README.md)
bench-load: train
	@$(PY) benchmarks/load.py $(BENCH_LOAD_ARGS)

# The tools that check the deployment files (hadolint, Compose v2, dclint,
# haproxy, ShellCheck) into $(VENV)/deploy-tools; idempotent, ~1 s when present.
deploy-tools: setup
	@scripts/install-deploy-tools.sh $(VENV)

# Static checks of Dockerfile, compose.yaml, deploy/ (deploy/README.md)
check-deploy: deploy-tools
	@VENV=$(VENV) scripts/check_deploy.sh

clean:
	rm -rf models var results .pytest_cache
