#!/usr/bin/env bash
# `make test-latest-duckdb`, CI's second job: the helper against the newest dbt-duckdb and
# duckdb the registry serves. In a throwaway venv (never .venv): install them unpinned,
# then the helper from python/, build the demo into a temporary DuckDB file and open it
# with `idstitch summary`. Fails when installing the helper changes the version of anything
# dbt-duckdb brought (a downgrade, say of duckdb), when the build fails, or when the helper
# cannot read what dbt wrote. dbt-core is held to the range dbt_project.yml's
# require-dbt-version states, the one the package accepts.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
say() { echo "test-latest-duckdb [$((SECONDS - started)) s]: $*"; }

dbt_range=$(sed -n 's/^require-dbt-version: *\[\(.*\)\].*/\1/p' dbt_project.yml | tr -d '" ')
if [[ -z $dbt_range ]]; then
    say "cannot read require-dbt-version from dbt_project.yml" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/idstitch-latest-duckdb.XXXXXX")
trap 'rm -rf "$work"' EXIT
"${PYTHON:-python3}" -m venv "$work/venv"
bin=$work/venv/bin
pip=("$bin/pip" --disable-pip-version-check)

say "installing the newest dbt-duckdb and duckdb (dbt-core $dbt_range)"
"${pip[@]}" install --quiet --prefer-binary --upgrade dbt-duckdb duckdb "dbt-core$dbt_range"
"${pip[@]}" freeze --all | sort > "$work/before.txt"

say "installing the helper (python/) beside them"
mkdir "$work/python"  # a copy: the build writes nothing into the work tree
cp -r python/pyproject.toml python/idstitch "$work/python/"
"${pip[@]}" install --quiet --prefer-binary "$work/python"
"${pip[@]}" freeze --all --exclude idstitch | sort > "$work/after.txt"
"${pip[@]}" check
changed=$(comm -23 "$work/before.txt" "$work/after.txt")
if [[ -n $changed ]]; then
    say "installing the helper changed what dbt-duckdb had installed (was -> now):" >&2
    while IFS= read -r line; do
        now=$(grep -i "^${line%%==*}==" "$work/after.txt" || echo "removed")
        echo "  $line -> $now" >&2
    done <<< "$changed"
    exit 1
fi
say "versions: $("$bin/python" - <<'PY'
from importlib.metadata import version
names = ["dbt-core", "dbt-duckdb", "duckdb", "numpy", "pyarrow", "cryptography", "idstitch"]
print(", ".join(f"{name} {version(name)}" for name in names))
PY
)"

say "building the demo into $work/demo.duckdb"
export DBT_PROFILES_DIR=$PWD DBT_SEND_ANONYMOUS_USAGE_STATS=False DO_NOT_TRACK=1
IDSTITCH_DUCKDB_PATH=$work/demo.duckdb "$bin/dbt" build --target duckdb \
    --vars '{idstitch_demo_seeds: true}' \
    --target-path "$work/target" --log-path "$work/logs"

say "opening it with the helper"
# --project-dir: where target/manifest.json is, so the helper finds the schema dbt used
"$bin/idstitch" summary --db "$work/demo.duckdb" --project-dir "$work"
say "passed"
