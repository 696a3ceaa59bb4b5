# idstitch — every command a newcomer needs. `make demo` and `make test` work on a
# fresh machine: they create .venv and install the pinned dependencies first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
export PATH := $(CURDIR)/$(BIN):$(PATH)
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1
# the bundled demo seeds are off unless asked for
DEMO_VARS := --vars '{idstitch_demo_seeds: true}'

.PHONY: venv venv-dev demo build lint test test-python test-postgres test-spark \
	test-latest-duckdb bench bench-incremental clean

# Two installs into one .venv, a marker for each requirements file: the demo needs only
# requirements.txt (dbt-duckdb and the helper); tests, lint and bench add
# requirements-dev.txt. The helper goes in without deps (its ranges are in
# python/pyproject.toml); `pip check` then proves the pins satisfy them.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-requirements.txt: requirements.txt python/pyproject.toml | $(BIN)/python
	$(PIP) -r requirements.txt
	$(PIP) --no-deps --no-build-isolation -e python
	$(BIN)/pip check --disable-pip-version-check
	touch $@

$(VENV)/.installed-requirements-dev.txt: requirements-dev.txt requirements.txt python/pyproject.toml | $(BIN)/python
	$(PIP) -r requirements-dev.txt
	$(PIP) --no-deps --no-build-isolation -e python
	$(BIN)/pip check --disable-pip-version-check
	touch $@ $(VENV)/.installed-requirements.txt

## venv: .venv with what the demo needs (requirements.txt and the helper)
venv: $(VENV)/.installed-requirements.txt

## venv-dev: .venv with everything the tests and linters need (requirements-dev.txt)
venv-dev: $(VENV)/.installed-requirements-dev.txt

## demo: build the bundled demo on DuckDB (idstitch.duckdb) and print a summary
demo: venv
	$(BIN)/dbt build $(DEMO_VARS)
	$(BIN)/idstitch summary

## build: dbt build on the default target
build: venv
	$(BIN)/dbt build $(DEMO_VARS)

## lint: ruff + mypy on python/, sqlfluff (dbt templater) on models and macros
lint: venv-dev
	$(BIN)/ruff check python
	$(BIN)/ruff check --config python/pyproject.toml benchmarks scripts
	$(BIN)/ruff format --check python
	$(BIN)/ruff format --check --config python/pyproject.toml benchmarks scripts
	$(BIN)/python scripts/render_var_docs.py --check
	$(BIN)/mypy --config-file python/pyproject.toml python/idstitch
	$(BIN)/dbt seed --quiet $(DEMO_VARS)
	$(BIN)/sqlfluff lint models macros

## test: the whole suite (CI runs it, then test-latest-duckdb)
test: venv-dev
	$(MAKE) lint
	IDSTITCH_DUCKDB_PATH=$(CURDIR)/target/test.duckdb $(BIN)/dbt build $(DEMO_VARS) --target-path target/test
	$(MAKE) test-python
	$(MAKE) test-postgres
	$(MAKE) test-spark

test-python: venv-dev
	bash scripts/install-chromium.sh
	cd python && ../$(BIN)/pytest -q -n 2 --dist loadfile

## test-postgres: throwaway PostgreSQL on loopback, dbt build --target postgres
test-postgres: venv-dev
	bash scripts/test-postgres.sh

## test-spark: local Spark session, dbt build --target spark
test-spark: venv-dev
	bash scripts/test-spark.sh

## test-latest-duckdb: the helper and the demo on the newest dbt-duckdb and duckdb the
## registry serves, in a throwaway venv of its own (CI's second job)
test-latest-duckdb:
	bash scripts/test-latest-duckdb.sh

## bench: components and full-build benchmark (writes benchmarks/results.md)
bench: venv-dev
	bash benchmarks/run.sh

## bench-incremental: an incremental build of a 1% batch against a full rebuild of the
## same rows, checked equal (writes benchmarks/results_incremental.md)
bench-incremental: venv-dev
	$(BIN)/python benchmarks/bench_incremental.py

clean:
	rm -rf target logs dbt_packages idstitch.duckdb
