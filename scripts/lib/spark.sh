# Local Spark for tests: dbt-spark `method: session` runs Spark inside the dbt (or pytest)
# process through pyspark, which needs a Java runtime (17 here). Source this file, then
#   spark_prepare          # Java present (apt-get install when missing), IDSTITCH_SPARK_DIR set
#   trap spark_cleanup EXIT

_spark_log() { printf '[spark] %s\n' "$*" >&2; }

spark_prepare() {
    if ! command -v java >/dev/null 2>&1; then
        apt_install spark "no java on PATH and not root: install a Java 17 runtime" \
            "installing openjdk-17-jre-headless (apt-get)" openjdk-17-jre-headless procps ||
            return 1
    fi
    _spark_log "$(java -version 2>&1 | head -n 1), pyspark $(python -c 'import pyspark; print(pyspark.__version__)')"
    # Metastore (Derby) and warehouse of this run only; read by profiles.yml.
    SPARK_WORKDIR="$(mktemp -d /tmp/idstitch-spark.XXXXXX)"
    export IDSTITCH_SPARK_DIR="$SPARK_WORKDIR"
}

spark_cleanup() {
    if [[ -n "${SPARK_WORKDIR:-}" && -d "$SPARK_WORKDIR" && -z "${IDSTITCH_KEEP_WORKDIR:-}" ]]; then
        rm -rf "$SPARK_WORKDIR"
    fi
}
