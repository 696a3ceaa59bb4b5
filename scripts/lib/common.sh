# Shared settings for the engine test scripts. Source from the repository root.

IDSTITCH_ROOT="$(pwd)"
IDSTITCH_VENV_BIN="${IDSTITCH_VENV_BIN:-$IDSTITCH_ROOT/.venv/bin}"
if [[ ! -x "$IDSTITCH_VENV_BIN/dbt" ]]; then
    echo "no dbt in $IDSTITCH_VENV_BIN: run 'make venv-dev' first (or use the make target)" >&2
    exit 2
fi
export PATH="$IDSTITCH_VENV_BIN:$PATH"
export DBT_PROFILES_DIR="$IDSTITCH_ROOT"
export DBT_SEND_ANONYMOUS_USAGE_STATS=false DO_NOT_TRACK=1
# Every engine reads and writes timestamps as UTC wall-clock time.
export TZ=UTC

# A signal still runs the EXIT trap (which stops what the script started).
trap 'exit 130' INT
trap 'exit 143' TERM

# run_cross_engine_tests LABEL: the cross-engine pytest module, with the engines that the
# caller exported (IDSTITCH_PG_AVAILABLE / IDSTITCH_SPARK_AVAILABLE). Prints build timings.
run_cross_engine_tests() {
    local label="$1" timings status=0
    timings="$(mktemp /tmp/idstitch-timings.XXXXXX)"
    (
        cd "$IDSTITCH_ROOT/python" &&
            IDSTITCH_ENGINE_TIMINGS="$timings" pytest -m engines -p no:cacheprovider -q \
                --durations=5 tests/engines
    ) || status=$?
    if [[ -s "$timings" ]]; then
        echo "[$label] build seconds per engine and data set (load + dbt build):"
        python3 - "$timings" <<'PY'
import json, sys
for engine, runs in json.load(open(sys.argv[1])).items():
    print(f"  {engine:9s} " + "  ".join(f"{name} {seconds:6.1f}" for name, seconds in runs.items()))
PY
    fi
    rm -f "$timings"
    return "$status"
}

# apt_install LABEL NOT_ROOT INSTALLING PACKAGE...: install Debian packages with apt-get (CI
# runs as root on a fresh machine that has only what the scripts install); not root: print
# NOT_ROOT (what to install by hand) and fail. Messages go to stderr as "[LABEL] ...".
apt_install() {
    local label="$1" not_root="$2" installing="$3"
    shift 3
    if [[ "$(id -u)" != 0 ]]; then
        printf '[%s] %s\n' "$label" "$not_root" >&2
        return 1
    fi
    printf '[%s] %s\n' "$label" "$installing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
