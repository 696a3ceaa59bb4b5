#!/usr/bin/env bash
# make test-spark: Apache Spark through dbt-spark `method: session` (pyspark in-process,
# master local[2], Derby metastore and warehouse in a temporary directory), then the
# cross-engine test: demo seeds (a full `dbt build --target spark`: seeds, models, data and
# unit tests), a hand-made edge-case data set and generated data, built on DuckDB, Spark and
# (unless IDSTITCH_SPARK_WITH_POSTGRES=0) a throwaway PostgreSQL, compared row for row.
# Everything started is stopped and deleted whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh
. scripts/lib/spark.sh
. scripts/lib/postgres.sh

started=$SECONDS
cleanup() {
    pg_stop
    spark_cleanup
}
trap cleanup EXIT
spark_prepare
export IDSTITCH_SPARK_AVAILABLE=1
if [[ "${IDSTITCH_SPARK_WITH_POSTGRES:-1}" != 0 ]]; then
    pg_start
    export IDSTITCH_PG_AVAILABLE=1
fi

echo "[test-spark] cross-engine test: DuckDB vs Spark${IDSTITCH_PG_AVAILABLE:+ vs PostgreSQL}"
run_cross_engine_tests test-spark

echo "[test-spark] passed in $((SECONDS - started)) s"
