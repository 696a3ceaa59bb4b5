#!/usr/bin/env bash
# make test-postgres: a throwaway PostgreSQL (15 on Debian 12) on 127.0.0.1, installed with
# apt-get when missing, then
#   1. dbt build --target postgres on the bundled demo seeds (models, data and unit tests);
#   2. the cross-engine test: demo seeds, a hand-made edge-case data set and generated data
#      (python/idstitch/generate/) built on DuckDB and PostgreSQL, tables compared row for row.
# The server is stopped and its files deleted whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh
. scripts/lib/postgres.sh

started=$SECONDS
trap pg_stop EXIT
pg_start
export IDSTITCH_PG_AVAILABLE=1

echo "[test-postgres] dbt build --target postgres (demo seeds, schema ${IDSTITCH_PG_SCHEMA:-public})"
dbt build --target postgres --vars '{idstitch_demo_seeds: true}' \
    --target-path target/postgres --log-path target/postgres/logs
build_done=$SECONDS

echo "[test-postgres] cross-engine test: DuckDB vs PostgreSQL"
run_cross_engine_tests test-postgres

echo "[test-postgres] passed in $((SECONDS - started)) s (server start + demo build $((build_done - started)) s)"
