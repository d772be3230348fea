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
# The operator dashboard's charts: Apache ECharts bundled by esbuild (bot/console/dashboard).
DASHBOARD_SOURCES := $(shell find bot/console/dashboard -path bot/console/dashboard/node_modules -prune -o -path bot/console/dashboard/dist -prune -o -type f -print 2>/dev/null)

.PHONY: help install train knowledge widget browser run check test-fast test bench clean haproxy cluster test-cluster bench-cluster

help:
	@echo "make run        start the assistant (installs and trains first if needed)"
	@echo "make test       run every test and evaluation (includes check and test-fast)"
	@echo "make check      lint (ruff), types (mypy), layering, knowledge content, Rasa data: no model, no servers"
	@echo "make test-fast  unit tests only: no trained model, npm, browser, PostgreSQL or Redis"
	@echo "make bench      benchmarks, then the cluster phase (not part of make test)"
	@echo "make cluster    replicas behind HAProxy on PostgreSQL, Redis and RabbitMQ (CLUSTER_REPLICAS, default 2)"
	@echo "make test-cluster  fault tests: processes killed under make run and make cluster (real services)"
	@echo "make install | train | knowledge | widget | clean"

# The linters of deploy/ in their own environment: kubernetes-validate needs a newer jsonschema
# than Rasa allows in .venv.
DEPLOY_VENV := .venv-deploy
$(STAMPS)/deploy-tools:
	@if [ -z "$(PYTHON310)" ]; then echo "Python 3.10 is required (see make install)." >&2; exit 1; fi
	rm -rf $(DEPLOY_VENV) && $(PYTHON310) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/pip install --quiet "kubernetes-validate==1.37.0" "yamllint==1.38.0"
	@mkdir -p $(STAMPS) && touch $@

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

# The newest version published in the operator console while knowledge/content is unchanged
# since, else the files (bot/app/kb_versions.py, docs/operator.md).
knowledge: $(STAMPS)/installed
	$(PY) -m knowledge check
	$(PY) -m bot.app.kb_versions load

# The chat widget and the operator dashboard's charts (both served by the console).
widget: $(STAMPS)/widget $(STAMPS)/dashboard
$(STAMPS)/widget: $(WIDGET_SOURCES)
	cd bot/console/widget && npm ci --no-audit --no-fund && npm run build
	@mkdir -p $(STAMPS) && touch $@
$(STAMPS)/dashboard: $(DASHBOARD_SOURCES)
	cd bot/console/dashboard && npm ci --no-audit --no-fund && npm run build
	@mkdir -p $(STAMPS) && touch $@

# Debian's chromium for the browser tests (Playwright must not download its own).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

run: install train widget knowledge
	$(PY) -m bot.launcher run

# Debian's HAProxy for make cluster and its tests (the launcher starts its own instance).
haproxy:
	@command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || { \
		echo "Installing Debian's haproxy for make cluster…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null; }

# The production topology on this machine (bot/launcher/cluster.py, docs/deployment.md):
# PostgreSQL, Redis and RabbitMQ named by POSTGRES_URL, REDIS_URL, RABBITMQ_URL.
cluster: install train widget haproxy
	$(PY) -m bot.launcher cluster

# Processes killed with SIGKILL under make run and make cluster (tests/cluster): restarts, the
# polite reply, no lost or duplicated turn, the lock store, analytics across a RabbitMQ restart.
test-cluster: install train widget haproxy
	$(PY) -m pytest tests/cluster -q

# The static checks: no trained model, no servers. mypy checks the packages listed in
# pyproject.toml ([tool.mypy] packages); the layering test mirrors docs/architecture.md.
check: install $(STAMPS)/deploy-tools
	$(VENV)/bin/ruff check --output-format concise .
	$(VENV)/bin/mypy
	$(PY) -m pytest tests/unit/test_layering.py -q
	$(PY) -m knowledge check
	$(RASA) data validate --config config.yml --domain domain.yml --data data
	# deploy/ (docs/deployment.md): YAML lint, Kubernetes schemas (1.30), the environment contract.
	$(DEPLOY_VENV)/bin/yamllint --strict -c deploy/.yamllint deploy/
	$(DEPLOY_VENV)/bin/kubernetes-validate --quiet --strict -k 1.30.0 deploy/k8s/*.yaml
	$(PY) -m pytest tests/unit/test_deploy.py -q

# Unit tests (tests/unit, tests/channels/unit): no trained model, no npm, no browser, no
# PostgreSQL or Redis (tests that need those live under tests/integration, tests/channels/integration,
# tests/e2e and tests/browser).
UNIT_TESTS := tests/unit tests/channels/unit
test-fast: install
	$(PY) -m pytest $(UNIT_TESTS) -q

# Everything: the checks, the unit tests, then what needs a model, servers or a browser.
# As prerequisites, check and test-fast run once even in `make check test-fast test`.
test: check test-fast train widget browser
	$(PY) -m pytest tests/integration -q
	$(RASA) test nlu --nlu tests/nlu/heldout.yml --model $(MODEL) --out results/nlu --no-plot
	$(PY) -m tests.nlu.gate results/nlu/intent_report.json --min-macro-f1 0.90
	# Real user wording (issue 10): gated on the LENIENT macro-F1 (docs/understanding.md,
	# "Scoring rule"); the strict score is printed and written beside it (results/nlu/real.md).
	# The issue's target, 0.85 (measured 0.857 lenient / 0.741 strict on 2026-11-30 with the
	# synthetic examples of docs/understanding.md, "Round 10"; training is deterministic).
	$(PY) -m tests.nlu.real_gate --model $(MODEL) --data tests/nlu/real.yml --out results/nlu/real \
		--gate lenient --min-macro-f1 0.85
	$(RASA) test core --stories tests --model $(MODEL) --out results/core --fail-on-prediction-errors --no-plot
	$(PY) -m pytest tests/e2e tests/channels/integration tests/security tests/browser -q

bench: install haproxy
	$(PY) -m bench
	# The cluster phase (bench/cluster.py): make cluster with 1 and 2 replicas at 8 / 32 / 128
	# concurrent conversations, turns/s, p99 and CPU ms per turn (results/bench/cluster.md).
	$(PY) -m bench.cluster --replicas 1,2 --levels 8,32,128

# The cluster measurement (bench/cluster.py): make run's stack, then make cluster with 1 and 2
# replicas, at 8 / 32 / 128 concurrent conversations; results/bench/cluster.json.
bench-cluster: install train haproxy
	$(PY) -m bench.cluster --single

clean:
	rm -rf models results $(STAMPS) .pytest_cache .mypy_cache .ruff_cache
