#!/usr/bin/env bash
# Ferro beside the tools a team would pick instead, in one run on one machine.
# Installs the peers (pip into bench/.venv, sqlx-cli with cargo into
# bench/.tools; git ignores both), starts a throwaway PostgreSQL server from
# the system's binaries as the tests do, then prints one JSON line per
# measurement, each the median of RUNS runs. docs/performance.md holds the
# figures and how to read them.
#
#   bench/compare.sh                          # everything
#   PARTS="generate apply" RUNS=3 bench/compare.sh
#   SIZES=500 PARTS=generate bench/compare.sh # generation at one size
#   BENCH_PG_URL=postgres://user@host/db bench/compare.sh
#                                             # an empty PostgreSQL database
#                                             # it may wipe, instead of a
#                                             # throwaway server
#   BENCH_PG=0 bench/compare.sh               # SQLite only
#
# The parts:
# - generate: the initial migration and an incremental one (one new column
#   on 50 tables) at SIZES tables: ferro-build (its build script optimised,
#   as `ferro init` sets it up, and not), Alembic autogenerate (SQLite and
#   PostgreSQL), Django makemigrations;
# - apply: 1,000 small migrations, each a process: Ferro's command line,
#   `sqlx migrate run`, `alembic upgrade head` (SQLite and PostgreSQL);
# - initial: the initial migration of 500 tables against the same SQL run
#   in one transaction (SQLite);
# - rebuild: a SQLite rebuild of a 1,000,000-row table: Ferro, the raw copy,
#   Alembic's batch mode;
# - compile: `#[derive(Model)]` against serde's derives on 500 structs, a
#   build in which no model changed, and one new field end to end
#   (bench/compile.sh, which takes OPT, FILES and DYLIB), beside Alembic and
#   Django on the same edit.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
SIZES=${SIZES:-"100 500 2000"}
PARTS=${PARTS:-"generate apply initial rebuild compile"}
part() { [[ " $PARTS " == *" $1 "* ]]; }

if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
fi
bench/.venv/bin/pip install -q -r bench/requirements.txt
python=bench/.venv/bin/python
sqlx=bench/.tools/bin/sqlx
if part apply && [ ! -x $sqlx ]; then
    cargo install -q --locked sqlx-cli --version 0.9.0 --no-default-features \
        --features sqlite,postgres --root bench/.tools
fi

pg=${BENCH_PG_URL:-}
if [ -z "$pg" ] && [ "${BENCH_PG:-1}" = 1 ]; then
    cargo build -q -p ferro-tests --example bench_pg
    # The server lives as long as this script holds the coprocess's input.
    coproc PG { target/debug/examples/bench_pg; }
    read -r pg <&"${PG[0]}"
fi
alchemy_pg=${pg:+postgresql+psycopg://${pg#*://}}

echo "# versions: $(cargo --version); $($python --version);" \
    "$($python -m pip list 2>/dev/null | grep -i -E '^(alembic|sqlalchemy|django) ' | tr -s ' ' | paste -sd ';')"
[ -x $sqlx ] && echo "# $($sqlx --version)"
[ -n "$pg" ] && echo "# PostgreSQL: $(psql -X -tA -c 'SHOW server_version' "$pg" 2>/dev/null || echo "at BENCH_PG_URL")"

# 1. Generation. Ferro: what the migrations crate's build script does,
# compiled as cargo compiles build scripts in a workspace `ferro init` set
# up (the workspace's profile `build-script`: optimised, with debug
# assertions), and as it does without that setting (dev, unoptimised). The
# peers: their command.
if part generate; then
    cargo build -q --profile build-script -p ferro-tests --example bench_generate
    cargo build -q -p ferro-tests --example bench_generate
    for n in $SIZES; do
        BENCH_JSON=1 BENCH_RUNS=$RUNS BENCH_TABLES=$n target/build-script/examples/bench_generate
        BENCH_JSON=1 BENCH_RUNS=$RUNS BENCH_TABLES=$n BENCH_TOOL="ferro, build scripts unoptimised" \
            target/debug/examples/bench_generate
        for variant in first incremental; do
            # A peer that fails (Alembic on PostgreSQL runs out of locks at
            # 2,000 tables) is reported, and the run goes on.
            $python bench/peers.py alembic "$n" "$variant" --runs "$RUNS" ||
                echo "# alembic failed at $n tables ($variant), above"
            if [ -n "$pg" ]; then
                $python bench/peers.py alembic "$n" "$variant" --runs "$RUNS" --url "$alchemy_pg" ||
                    echo "# alembic on PostgreSQL failed at $n tables ($variant), above"
            fi
            $python bench/peers.py django "$n" "$variant" --runs "$RUNS" ||
                echo "# django failed at $n tables ($variant), above"
        done
    done
fi

# The runtime in the profile an application ships with.
if part apply || part initial || part rebuild; then
    cargo build -q --release -p ferro-tests --example bench_apply --example bench_runtime --example bench_rebuild
fi

# 2. 1,000 small migrations, each tool as the process a user runs.
if part apply; then
    for url in "" ${pg:+"$pg"}; do
        for tool in ferro sqlx alembic; do
            bin=$([ $tool = ferro ] && echo target/release/examples/bench_apply || echo $sqlx)
            $python bench/runtime_peers.py apply $tool --bin "$bin" --runs "$RUNS" ${url:+--url "$url"}
        done
    done
fi

# 3. The initial migration of 500 tables against its SQL in one transaction.
if part initial; then
    BENCH_JSON=1 BENCH_RUNS=$RUNS target/release/examples/bench_runtime
fi

# 4. The rebuild of a 1,000,000-row SQLite table; the seed is made once.
if part rebuild; then
    seed=$(mktemp -d)/seed.db
    BENCH_JSON=1 BENCH_RUNS=$RUNS target/release/examples/bench_rebuild "$seed"
    $python bench/runtime_peers.py rebuild "$seed" --runs "$RUNS"
    rm -rf "$(dirname "$seed")"
fi

# 5. Compile cost.
if part compile; then
    RUNS=$RUNS bench/compile.sh
    # The same edit as compile.sh's end to end: one column on one of 500 tables.
    $python bench/peers.py alembic 500 one --runs "$RUNS"
    $python bench/peers.py django 500 one --runs "$RUNS"
fi
