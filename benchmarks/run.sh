#!/usr/bin/env bash
# `make bench`: installs the benchmark-only dependencies into .venv (once per change of
# benchmarks/requirements-bench.txt) and runs benchmarks/bench.py, which writes
# benchmarks/results.md. Options pass through: bash benchmarks/run.sh --sizes 100000
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
if [[ ! -x $VENV/bin/python ]]; then
    echo "bench: $VENV is missing; run 'make venv-dev' (or 'make bench') first" >&2
    exit 2
fi
stamp=$VENV/.bench-installed
if [[ ! -f $stamp || benchmarks/requirements-bench.txt -nt $stamp ]]; then
    $VENV/bin/pip install --quiet --disable-pip-version-check -r benchmarks/requirements-bench.txt
    touch "$stamp"
fi
export PATH="$PWD/$VENV/bin:$PATH"
if [[ -n ${MAKELEVEL:-} && $# -eq 0 ]]; then
    export IDSTITCH_BENCH_COMMAND="${IDSTITCH_BENCH_COMMAND:-make bench}"
else
    export IDSTITCH_BENCH_COMMAND="${IDSTITCH_BENCH_COMMAND:-bash benchmarks/run.sh${*:+ $*}}"
fi
exec $VENV/bin/python benchmarks/bench.py "$@"
