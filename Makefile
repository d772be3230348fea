# 发票助手 — entry points. `make run` and `make test` work from a fresh clone: they install
# what they need first (every step below is idempotent and skipped when up to date).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/fapiao.tar.gz
STAMPS := .make

export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONWARNINGS := ignore::DeprecationWarning

# Python 3.10: on PATH or under pyenv. Each candidate must really run (a pyenv shim for a
# version that is not selected exists on PATH but fails).
PYTHON310 := $(shell for p in python3.10 "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/3.10.*/bin/python; do \
	"$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)

TRAINING_INPUTS := config.yml domain.yml $(shell find data -type f 2>/dev/null) \
	$(shell find bot/rasa_plugins/nlu bot/zhtext -name '*.py' 2>/dev/null)
WIDGET_SOURCES := $(shell find bot/console/widget -path bot/console/widget/node_modules -prune -o -path bot/console/widget/dist -prune -o -type f -print 2>/dev/null)

.PHONY: help install train knowledge widget browser run test test-fast bench clean

help:
	@echo "make run    start the assistant (installs and trains first if needed)"
	@echo "make test   run every test and evaluation"
	@echo "make bench  benchmarks (not part of make test)"
	@echo "make install | train | knowledge | widget | clean"

install: $(STAMPS)/installed
$(STAMPS)/installed: pyproject.toml constraints.txt
	@if [ -z "$(PYTHON310)" ]; then \
		echo "Python 3.10 is required (Rasa 3.6 supports <3.11) and was not found on PATH or under pyenv." >&2; \
		echo "Install it, e.g. 'pyenv install 3.10', then run make again." >&2; exit 1; fi
	@if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
		rm -rf $(VENV) && $(PYTHON310) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade "pip<25" setuptools==70.3.0 wheel==0.45.1
	$(PY) -m pip install --quiet -c constraints.txt --no-build-isolation -e ".[dev]"
	@mkdir -p $(STAMPS) && touch $@

train: $(MODEL)
$(MODEL): $(STAMPS)/installed $(TRAINING_INPUTS)
	$(RASA) train --fixed-model-name fapiao --out models --config config.yml --domain domain.yml --data data
	@touch $@

knowledge: $(STAMPS)/installed
	$(PY) -m knowledge check
	$(PY) -m knowledge load

widget: $(STAMPS)/widget
$(STAMPS)/widget: $(WIDGET_SOURCES)
	cd bot/console/widget && npm ci --no-audit --no-fund && npm run build
	@mkdir -p $(STAMPS) && touch $@

# Debian's chromium for the browser tests (Playwright must not download its own).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

run: install train widget knowledge
	$(PY) -m bot.launcher run

test: install train widget browser
	$(PY) -m knowledge check
	$(RASA) data validate --config config.yml --domain domain.yml --data data
	$(PY) -m pytest tests/unit tests/integration -q
	$(RASA) test nlu --nlu tests/nlu/heldout.yml --model $(MODEL) --out results/nlu --no-plot
	$(PY) -m tests.nlu.gate results/nlu/intent_report.json --min-macro-f1 0.90
	$(RASA) test core --stories tests --model $(MODEL) --out results/core --fail-on-prediction-errors --no-plot
	$(PY) -m pytest tests/e2e tests/channels tests/browser -q

bench: install
	$(PY) -m bench

clean:
	rm -rf models results $(STAMPS) .pytest_cache
