#!/usr/bin/env bash
# Ferro beside the tools a team would pick instead, in one run on one machine.
# Installs the peers (pip, into bench/.venv), then prints one JSON line per
# measurement, each the median of RUNS runs; docs/performance.md holds the
# figures and how to read them.
#
#   bench/compare.sh                      # every size, SQLite
#   SIZES=500 RUNS=3 bench/compare.sh     # one size, fewer runs
#   BENCH_PG_URL=postgresql+psycopg://user@host/db bench/compare.sh
#                                         # Alembic against PostgreSQL too
#                                         # (an empty database it may wipe)
#
# Measured so far: generating the initial migration and an incremental one
# (one new column on 50 tables).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
SIZES=${SIZES:-"100 500 2000"}

if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
fi
bench/.venv/bin/pip install -q -r bench/requirements.txt
python=bench/.venv/bin/python

echo "# versions: $(cargo --version); $($python --version);" \
    "$($python -m pip list 2>/dev/null | grep -i -E '^(alembic|sqlalchemy|django) ' | tr -s ' ' | paste -sd ';')"

# 1. Generation. Ferro: what the migrations crate's build script does, in
# the profile cargo builds build scripts with (dev). The peers: their command.
cargo build -q -p ferro-tests --example bench_generate
for n in $SIZES; do
    BENCH_JSON=1 BENCH_RUNS=$RUNS BENCH_TABLES=$n cargo run -q -p ferro-tests --example bench_generate
    for variant in first incremental; do
        $python bench/peers.py alembic "$n" "$variant" --runs "$RUNS"
        if [ -n "${BENCH_PG_URL:-}" ]; then
            $python bench/peers.py alembic "$n" "$variant" --runs "$RUNS" --url "$BENCH_PG_URL"
        fi
        $python bench/peers.py django "$n" "$variant" --runs "$RUNS"
    done
done
