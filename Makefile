# The README's commands. Each installs what it needs on a fresh machine (Python 3.11,
# JDK 17, Node.js): a virtual environment with the pinned packages, and the CDK CLI from npm.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export SPARK_LOCAL_IP := 127.0.0.1

.PHONY: demo test twin lint validate preflight synth checkov lambda-deps bench-ingest bench-promote bench-synth clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml package.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi
	touch $(STAMP)

# checkov's pins conflict with boto3's: it gets a virtual environment of its own.
CHECKOV := .venv-checkov/bin/checkov
$(CHECKOV): requirements-checkov.txt
	test -x .venv-checkov/bin/python || $(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $(CHECKOV)

demo: $(STAMP)  ## the whole flow on the embedded default, in ./.lake
	$(VENV)/bin/lake demo

test: $(STAMP) $(CHECKOV) browser postgres  ## the whole test suite (checkov scan, the catalog site in Chromium and CDC against PostgreSQL included)
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/twin
	# The twin deploys into moto, whose state is per process: its drills run in a process of their own.
	$(PY) -m pytest -q -p no:cacheprovider tests/twin

twin: $(STAMP)  ## the demo scenario through the synthesized deployment, offline (moto), compared with a local run
	$(VENV)/bin/lake twin

lint: $(STAMP)
	$(VENV)/bin/ruff check lake lambdas glue_jobs infra tests
	$(VENV)/bin/mypy lake lambdas infra
	$(VENV)/bin/lint-imports

validate: $(STAMP)
	$(VENV)/bin/lake validate

preflight: $(STAMP)  ## before a deploy: every role the stage grants to exists (STAGE=dev|prod; AWS credentials)
	$(PY) -m infra.preflight --stage $(or $(STAGE),dev)

synth: $(STAMP)  ## every stack, offline, cdk-nag clean
	npx cdk synth --quiet

checkov: $(STAMP)  ## checkov on the synthesized templates, in its own venv
	infra/checkov.sh

lambda-deps: $(STAMP)  ## the Lambda layer of third-party packages (aarch64 wheels, no Docker)
	$(PY) -m infra.lambda_deps

bench-ingest: $(STAMP)
	$(PY) benchmarks/ingest/bench.py

bench-promote: $(STAMP)
	$(PY) -m benchmarks.promote.run

bench-synth: $(STAMP)
	$(PY) benchmarks/synth/bench.py

clean:
	rm -rf .lake cdk.out

# Debian's chromium, for the catalog site's click-through test (tests/query/test_docs.py skips
# without it). Needs the Debian mirror; CI calls this before `make test`.
.PHONY: browser docs
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && \
	  $(SUDO) apt-get install -y -qq --no-install-recommends chromium)

# Debian's PostgreSQL and its wal2json plugin, for `lake cdc`'s tests (tests/cdc start a throwaway
# server with wal_level=logical on a free port; they fail, not skip, without it).
.PHONY: postgres
postgres:  ## wal2json's package is per major version: 15 on bookworm, whatever `postgresql` brings elsewhere
	ls /usr/lib/postgresql/*/lib/wal2json.so >/dev/null 2>&1 || ($(SUDO) apt-get update -qq && \
	  $(SUDO) apt-get install -y -qq --no-install-recommends postgresql && \
	  $(SUDO) apt-get install -y -qq --no-install-recommends \
	    postgresql-$$(ls /usr/lib/postgresql | sort -n | tail -1)-wal2json)

docs: $(STAMP)  ## the static catalog site of ./.lake, written to ./.lake/docs
	$(VENV)/bin/lake docs
