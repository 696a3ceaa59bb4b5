# idstitch — every command a newcomer needs. `make demo` and `make test` work on a
# fresh machine: they create .venv and install the pinned dependencies first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1

.PHONY: venv demo build lint test test-python test-postgres test-spark bench clean

$(VENV)/.installed: requirements.txt python/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e python
	touch $@

venv: $(VENV)/.installed

## demo: build the bundled demo on DuckDB (idstitch.duckdb) and print a summary
demo: venv
	$(BIN)/dbt build
	$(BIN)/idstitch summary

## build: dbt build on the default target
build: venv
	$(BIN)/dbt build

## lint: ruff + mypy on python/, sqlfluff (dbt templater) on models and macros
lint: venv
	$(BIN)/ruff check python
	$(BIN)/ruff check --config python/pyproject.toml benchmarks
	$(BIN)/ruff format --check python
	$(BIN)/ruff format --check --config python/pyproject.toml benchmarks
	$(BIN)/mypy --config-file python/pyproject.toml python/idstitch
	$(BIN)/dbt seed --quiet
	$(BIN)/sqlfluff lint models macros

## test: the whole suite (what CI runs)
test: venv
	$(MAKE) lint
	IDSTITCH_DUCKDB_PATH=$(CURDIR)/target/test.duckdb $(BIN)/dbt build --target-path target/test
	$(MAKE) test-python
	$(MAKE) test-postgres
	$(MAKE) test-spark

test-python: venv
	bash scripts/install-chromium.sh
	cd python && ../$(BIN)/pytest -q

## test-postgres: throwaway PostgreSQL on loopback, dbt build --target postgres
test-postgres: venv
	bash scripts/test-postgres.sh

## test-spark: local Spark session, dbt build --target spark
test-spark: venv
	bash scripts/test-spark.sh

## bench: components and full-build benchmark (writes benchmarks/results.md)
bench: venv
	bash benchmarks/run.sh

clean:
	rm -rf target logs dbt_packages idstitch.duckdb
