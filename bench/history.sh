#!/usr/bin/env bash
# What a long history costs a migrations crate: its compile time (dev and
# release), the size of a program that applies it, and the rebuild after one
# more migration, at 10, 100, 1,000 and 5,000 migrations, beside sqlx's
# `migrate!` embedding the same changes as SQL files. Prints one JSON line
# per measurement (the median of RUNS builds); docs/performance.md holds the
# figures.
#
#   bench/history.sh                      # 10 100 1000 5000, 3 runs
#   SIZES="10 1000" RUNS=1 bench/history.sh
#   TABLES_EVERY=3 bench/history.sh       # every third migration creates a
#                                         # table instead (below)
#
# It writes a scratch workspace into bench/.history (git ignores it), built
# offline against this checkout, with two crates per size:
# - ferro-N: N migration files as ferro-build writes them (20 tables made by
#   the first, then a cycle of an added column, an index on it, a renamed
#   column and a data step, each with its downgrade; with TABLES_EVERY=k,
#   every k-th migration creates a table of its own instead, which
#   ferro-build writes as a static, with the file's steps), embedded as
#   `embed_migrations!` embeds them (generated files are plain: the list
#   checks none of their ids), and a `main` that applies them to SQLite;
# - sqlx-N: the same changes as N `.sql` files under `sqlx::migrate!`, and a
#   `main` that runs them.
# "crate" times touch the crate's lib.rs and build that crate (its
# dependencies are built once, before); "one more" adds migration N+1 and
# builds again, which is what a model edit adds after the build script wrote
# the file.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
SIZES=${SIZES:-"10 100 1000 5000"}
RUNS=${RUNS:-3}
work=$root/bench/.history
mkdir -p "$work"

python3 - "$work" "$root" $SIZES <<'PY'
import os, shutil, sys
work, root, sizes = sys.argv[1], sys.argv[2], [int(n) for n in sys.argv[3:]]
TABLES = 20
EVERY = int(os.environ.get("TABLES_EVERY") or 0)

def write(path, text):
    path = os.path.join(work, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

def rev(i):
    return "%012x" % (0xa00000000000 + i)

def table_static(name):
    """The static ferro-build writes for table `name` (two columns, a key)."""
    return ('\n#[rustfmt::skip]\n'
            'static %s: Table = Table::new(\n'
            '    "%s",\n'
            '    &[\n'
            '        Column::new("id", SqlType::BigInt).auto_increment(),\n'
            '        Column::new("name", SqlType::Varchar(64)),\n'
            '    ],\n'
            ')\n'
            '.primary_key(PrimaryKey::new("pk_%s", &["id"]));\n' % (name.upper(), name, name))

def creates(i):
    """Whether migration i >= 1 creates a table of its own (TABLES_EVERY)."""
    return EVERY and i % EVERY == 0

def created(i):
    """Migration i when it creates a table of its own: (message, ferro up,
    ferro down, sql up, the table's static)."""
    x = "x%04d" % i
    return ("create table %s" % x,
            "create_table(&%s)," % x.upper(),
            'drop_table("%s").acknowledged(true),' % x,
            "CREATE TABLE %s (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL);" % x,
            table_static(x))

def change(i):
    """Migration i >= 1: (message, ferro up, ferro down, sql up)."""
    if creates(i):
        return created(i)[:4]
    t = "t%02d" % (i % TABLES)
    k, kind = divmod(i - 1, 4)
    c = "c%05d" % (i - kind)  # the column this cycle added
    if kind == 0:
        return ("add column %s to %s" % (c, t),
                'add_column("%s", &Column::new("%s", SqlType::Varchar(64)).nullable()),' % (t, c),
                'drop_column("%s", "%s").acknowledged(true),' % (t, c),
                "ALTER TABLE %s ADD COLUMN %s VARCHAR(64);" % (t, c))
    if kind == 1:
        return ("index %s on %s" % (c, t),
                'create_index("%s", &Index::new("ix_%s_%s", &["%s"])),' % (t, t, c, c),
                'drop_index("%s", "ix_%s_%s"),' % (t, t, c),
                "CREATE INDEX ix_%s_%s ON %s (%s);" % (t, c, t, c))
    if kind == 2:
        return ("rename %s.%s" % (t, c),
                'rename_column("%s", "%s", "%s_r"),' % (t, c, c),
                'rename_column("%s", "%s_r", "%s"),' % (t, c, c),
                "ALTER TABLE %s RENAME COLUMN %s TO %s_r;" % (t, c, c))
    return ("fill %s.%s_r" % (t, c),
            "sql(\"UPDATE %s SET %s_r = 'x' WHERE %s_r IS NULL\")," % (t, c, c),
            "sql(\"UPDATE %s SET %s_r = NULL WHERE %s_r = 'x'\")," % (t, c, c),
            "UPDATE %s SET %s_r = 'x' WHERE %s_r IS NULL;" % (t, c, c))

def ferro_file(i):
    parents = "&[]" if i == 0 else '&["%s"]' % rev(i - 1)
    if i == 0:
        message = "create %d tables" % TABLES
        up = "\n".join('    create_table(&T%02d),' % n for n in range(TABLES))
        down = "\n".join('    drop_table("t%02d").acknowledged(true),' % n for n in reversed(range(TABLES)))
        tables = "".join(table_static("t%02d" % n) for n in range(TABLES))
    else:
        message, up, down, _ = change(i)
        tables = created(i)[4] if creates(i) else ""
        up, down = "    " + up, "    " + down
    # As ferro-build writes them: steps that point at the file's tables are
    # statics, others constants (codegen.rs, `steps_item`).
    item = "static" if tables else "const"
    return ('//! %s.\n//!\n//! Revision `%s`. Generated by ferro-build from the models: review it, then\n'
            '//! commit it together with `snapshot.json`.\n//!\n//! Destructive steps: none.\n\n'
            'use ferro::migration::steps::*;\n\n'
            'pub const REVISION: Revision = Revision {\n    id: "%s",\n    parents: %s,\n'
            '    message: "%s",\n    schema: None,\n};\n\n'
            '#[rustfmt::skip]\npub %s UPGRADE: Steps = &[\n%s\n];\n\n#[rustfmt::skip]\npub %s DOWNGRADE: Steps = &[\n%s\n];\n%s'
            % (message[0].upper() + message[1:], rev(i), rev(i), parents, message, item, up, item, down, tables))

def sql_file(i):
    if i == 0:
        return "\n".join("CREATE TABLE t%02d (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL);" % n
                         for n in range(TABLES)) + "\n"
    return change(i)[3] + "\n"

def embed(n, crate):
    mods, items = [], []
    for i in range(n):
        name = "%04d_m.rs" % (i + 1)
        path = os.path.join(work, crate, "migrations", name)
        mods.append('#[path = "%s"]\n#[allow(unreachable_pub, missing_docs)]\nmod m%d;' % (path, i))
        items.append('    ::ferro::migration::Migration { file: "%s", source: ::core::include_str!("%s"), '
                     'revision: m%d::REVISION, upgrade: ::ferro::migration::Body::Steps(m%d::UPGRADE), '
                     'downgrade: ::ferro::migration::Body::Steps(m%d::DOWNGRADE), replaces: &[] },'
                     % (name, path, i, i, i))
    return ("// As ferro-build's embed writes it.\n\n" + "\n".join(mods) +
            "\n\n/// Every migration.\npub static MIGRATIONS: &[::ferro::migration::Migration] = &[\n" +
            "\n".join(items) + "\n];\n")

members = []
for n in sizes:
    for kind in ("ferro", "sqlx"):
        crate = "%s-%d" % (kind, n)
        members.append(crate)
        shutil.rmtree(os.path.join(work, crate), ignore_errors=True)
        for i in range(n):
            if kind == "ferro":
                write("%s/migrations/%04d_m.rs" % (crate, i + 1), ferro_file(i))
            else:
                write("%s/migrations/%04d_m.sql" % (crate, i + 1), sql_file(i))
        if kind == "ferro":
            write(crate + "/Cargo.toml", '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2024"\n\n'
                  '[dependencies]\nferro-core = { path = "%s/ferro-core", default-features = false, '
                  'features = ["sqlite"] }\ntokio = { version = "1", features = ["rt"] }\n' % (crate, root))
            write(crate + "/src/embedded.rs", embed(n, crate))
            write(crate + "/src/lib.rs", "//! The history.\n\nmod embedded;\npub use embedded::MIGRATIONS;\n")
            write(crate + "/src/main.rs",
                  "fn main() {\n    let url = std::env::args().nth(1).expect(\"a URL\");\n"
                  "    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {\n"
                  "        let mut db = ferro::runtime::Database::connect(&url).await.unwrap();\n"
                  "        let m = ferro::runtime::Migrator::new(%s::MIGRATIONS);\n"
                  "        m.upgrade(&mut db, &ferro::runtime::Target::Head).await.unwrap();\n"
                  "    });\n}\n" % crate.replace("-", "_"))
        else:
            write(crate + "/Cargo.toml", '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2024"\n\n'
                  '[dependencies]\nsqlx = { version = "0.9", default-features = false, features = '
                  '["runtime-tokio", "sqlite-bundled", "migrate", "macros"] }\ntokio = { version = "1", features = ["rt"] }\n'
                  % crate)
            write(crate + "/build.rs", 'fn main() {\n    println!("cargo:rerun-if-changed=migrations");\n}\n')
            write(crate + "/src/lib.rs", "//! The history.\n\n/// Every migration.\n"
                  "pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!(\"./migrations\");\n")
            write(crate + "/src/main.rs",
                  "use sqlx::Connection as _;\n\nfn main() {\n    let url = std::env::args().nth(1).expect(\"a URL\");\n"
                  "    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {\n"
                  "        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();\n"
                  "        %s::MIGRATOR.run(&mut conn).await.unwrap();\n"
                  "    });\n}\n" % crate.replace("-", "_"))
write("Cargo.toml", '[workspace]\nresolver = "3"\nmembers = [%s]\n\n[profile.release]\ndebug = false\n'
      % ", ".join('"%s"' % m for m in members))
PY

cd "$work"
cp "$root/Cargo.lock" Cargo.lock 2>/dev/null || true
export CARGO_TARGET_DIR=$work/target
# Every dependency fetched (each crate is then built alone before it is timed).
cargo fetch --quiet 2>/dev/null || true

median() { python3 -c 'import sys,statistics; print(round(statistics.median(float(x) for x in sys.argv[1:])))' "$@"; }
ms() { python3 -c 'import time; print(int(time.monotonic()*1000))'; }

# Builds crate $1 in profile $2 after touching its lib.rs, RUNS times: the median ms.
crate_build() {
    local crate=$1 profile=$2 times=()
    # Built alone, a crate's dependencies may take other features than in
    # the whole workspace: built once first, untimed.
    cargo build --offline --quiet -p "$crate" $profile
    for _ in $(seq "$RUNS"); do
        touch "$crate/src/lib.rs"
        local start; start=$(ms)
        cargo build --offline --quiet -p "$crate" $profile
        times+=($(( $(ms) - start )))
    done
    median "${times[@]}"
}

# Adds migration N+1 to crate $1 (size $2, kind $3), builds (dev), removes it and builds again,
# RUNS times: the median ms of the build with it. A first round is not
# timed: it follows the release builds, and a developer who adds migrations
# builds one after another.
one_more() {
    local crate=$1 n=$2 kind=$3 times=()
    for run in $(seq 0 "$RUNS"); do
        local file
        if [ "$kind" = ferro ]; then
            file=$(printf '%s/migrations/%04d_m.rs' "$crate" $((n + 1)))
            python3 - "$file" "$n" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
rev = lambda i: "%012x" % (0xa00000000000 + i)
open(path, "w").write(
    "use ferro::migration::steps::*;\n\npub const REVISION: Revision = Revision {\n"
    '    id: "%s",\n    parents: &["%s"],\n    message: "add column extra",\n    schema: None,\n};\n\n'
    '#[rustfmt::skip]\npub const UPGRADE: Steps = &[\n    add_column("t00", &Column::new("extra", SqlType::BigInt).nullable()),\n];\n\n'
    '#[rustfmt::skip]\npub const DOWNGRADE: Steps = &[\n    drop_column("t00", "extra").acknowledged(true),\n];\n' % (rev(n), rev(n - 1)))
PY
            python3 - "$crate" "$n" <<'PY'
import sys
crate, n = sys.argv[1], int(sys.argv[2])
import os
path = os.path.abspath("%s/migrations/%04d_m.rs" % (crate, n + 1))
emb = open(crate + "/src/embedded.rs").read()
emb = emb.replace("\n\n/// Every migration.", '\n#[path = "%s"]\nmod extra;\n\n/// Every migration.' % path, 1)
emb = emb.replace("\n];\n", '\n    ::ferro::migration::Migration { file: "extra.rs", source: ::core::include_str!("%s"), '
                  'revision: extra::REVISION, upgrade: ::ferro::migration::Body::Steps(extra::UPGRADE), '
                  'downgrade: ::ferro::migration::Body::Steps(extra::DOWNGRADE), replaces: &[] },\n];\n' % path, 1)
open(crate + "/src/embedded.rs.more", "w").write(emb)
PY
            cp "$crate/src/embedded.rs" "$crate/src/embedded.rs.base"
            mv "$crate/src/embedded.rs.more" "$crate/src/embedded.rs"
        else
            file=$(printf '%s/migrations/%04d_m.sql' "$crate" $((n + 1)))
            echo "ALTER TABLE t00 ADD COLUMN extra BIGINT;" > "$file"
        fi
        local start; start=$(ms)
        cargo build --offline --quiet -p "$crate"
        [ "$run" = 0 ] || times+=($(( $(ms) - start )))
        rm -f "$file"
        if [ "$kind" = ferro ]; then mv "$crate/src/embedded.rs.base" "$crate/src/embedded.rs"; fi
        cargo build --offline --quiet -p "$crate"
    done
    median "${times[@]}"
}

for n in $SIZES; do
    for kind in ferro sqlx; do
        crate=$kind-$n
        dev=$(crate_build "$crate" "")
        release=$(crate_build "$crate" --release)
        size=$(stat -c %s "target/release/$crate")
        more=$(one_more "$crate" "$n" "$kind")
        printf '{"tool": "%s", "migrations": %d, "crate_dev_ms": %s, "crate_release_ms": %s, "binary_bytes": %s, "one_more_dev_ms": %s}\n' \
            "$kind" "$n" "$dev" "$release" "$size" "$more"
    done
done
