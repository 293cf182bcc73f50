# Returnee assistant: every task a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYBABEL := $(VENV)/bin/pybabel
STAMP := $(VENV)/.installed
BABEL_STAMP := $(VENV)/.babel-installed
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/messages.po))

.DEFAULT_GOAL := help
# No usage data leaves the machine: Rasa's telemetry is off for every command run from here.
export RASA_TELEMETRY_ENABLED := false

help: ## list every target
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(PY):
	@PYTHON=$$(scripts/find_python.sh) && $$PYTHON -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml requirements.lock scripts/find_python.sh | $(PY)
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

# Compiling the catalogues needs Babel alone: on a fresh clone it is installed in seconds, at
# the version the lock pins (the whole environment's install keeps it), not Rasa and the rest.
$(BABEL_STAMP): requirements.lock | $(PY)
	$(PY) -m pip install --quiet -c requirements.lock babel
	@touch $(BABEL_STAMP)

setup: $(STAMP) i18n-compile ## create the Python 3.10 venv, install pinned packages, compile catalogues

train: setup ## train the Rasa model if nlu/, flows/rasa/, domain.yml or config.yml changed
	@$(PY) -m bot.cli train

run: train ## set up, train if needed, and start every process (terminal chat without a token)
	@$(PY) -m bot.cli run

run-scaled: train ## replicas on PostgreSQL and Redis in webhook mode (see README, Scale-out)
	$(PY) -m bot.cli run --scaled

validate: setup ## rasa data validate (fails on any warning)
	$(VENV)/bin/rasa data validate --fail-on-warnings --data nlu flows/rasa --domain domain.yml --config config.yml

# axe-core checks the console's pages in the browser tests; from the npm registry, pinned.
AXE := node_modules/axe-core/axe.min.js
AXE_VERSION := 4.14.1

axe: $(AXE) ## install axe-core (npm) for the console's accessibility tests

$(AXE):
	npm install --no-save --no-audit --no-fund --silent axe-core@$(AXE_VERSION)

test: validate train $(AXE) ## set up, validate data, train if needed, run the whole test suite
	$(PY) -m pytest

lint: setup ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup ## apply ruff formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

i18n-extract: $(STAMP) ## collect message ids from the code and domain.yml into locales/messages.pot
	$(PYBABEL) extract -F babel.cfg -k N_ -c TRANSLATORS: --no-location --sort-output \
		--project returnee-assistant -o locales/messages.pot .

i18n-update: i18n-extract ## merge new message ids into every language's messages.po
	$(PYBABEL) update -i locales/messages.pot -d locales -D messages --width 100 --ignore-obsolete
	$(PY) -m bot.i18n.catalogue fill-french

i18n-init: $(STAMP) ## create a new language's catalogue: make i18n-init LANG=xx (see README)
	@$(PY) -m bot.i18n.catalogue init "$(LANG)"

i18n-compile: $(MO_FILES) ## compile messages.po into messages.mo where the .po changed

# One catalogue at a time, and only when its .po changed: `make run` then prints nothing here.
# pyproject.toml holds no compile options; skipping it spares a warning without tomli.
locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po | $(BABEL_STAMP)
	@BABEL_PYPROJECT_TOML=skip $(PYBABEL) compile -i $< -o $@

bench: train ## run the benchmarks and print their figures (not part of `make test`)
	$(PY) bench/nlu_eval.py
	$(PY) bench/turn_cost.py
	$(PY) bench/baseline_rasa.py
	$(PY) bench/load.py --json var/bench/load.json

clean: ## remove the venv, trained models, axe-core and local state (var/)
	rm -rf $(VENV) models var node_modules

.PHONY: help setup train run validate test axe lint format i18n-extract i18n-update i18n-init i18n-compile bench clean
