#!/usr/bin/env bash
# The compile cost of `#[derive(Model)]` beside serde's derives on the same
# structs, and what a migrations crate adds to a build in which no model
# changed. Prints one JSON line per measurement, each the median of RUNS
# builds; docs/performance.md holds the figures.
#
#   bench/compile.sh                 # 500 structs, 3 runs
#   N=100 RUNS=5 bench/compile.sh
#   UNIFY=1 bench/compile.sh         # the models crate compiled once (below)
#   OPT=0 bench/compile.sh           # cargo's default dev profile
#   OPT=1 bench/compile.sh           # proc macros and build scripts optimised,
#                                    # the models crate too
#   OPT=init3 bench/compile.sh       # as `ferro init` sets it up, but
#                                    # build-override at opt-level 3
#   FILES=50 bench/compile.sh        # each models crate's structs in 50
#                                    # module files rather than lib.rs alone
#   BIN=0 bench/compile.sh           # the migrations crate a library alone
#                                    # (what the figures before 2026-12-06,
#                                    # night, measured), without the binary
#   DEPS_DEBUG=0 bench/compile.sh    # the dependencies without debug
#                                    # information ([profile.dev.package."*"]
#                                    # debug = false)
#   DYLIB=1 bench/compile.sh         # the binary with docs/workflow.md's
#                                    # dev-dylib setting: ferro's runtime
#                                    # and build-script helper from
#                                    # ferro-dylib's and ferro-build-dylib's
#                                    # shared libraries
#
# By default the workspace has the profile `ferro init` writes: proc macros
# and build scripts optimised, the models crate not.
#
# It writes a scratch workspace into bench/.compile (git ignores it) with
# three crates, built offline against this checkout:
# - models-ferro: N structs of 10 fields (a key, a unique, an index, a
#   nullable CASCADE foreign key to the previous struct, ...) deriving Model;
# - models-serde: the same structs deriving Serialize and Deserialize;
# - migrations: as `ferro init` writes it, the build script that generates
#   from models-ferro, the library that embeds the migrations, and the
#   binary of the migration commands (ferro-core's features cli and sqlite).
# After a first build, each measurement touches a models crate's source and
# times `cargo build` of one crate: what an edit that changes no model costs.
# Then the edit a user makes, end to end: one new `Option<i64>` field on one
# model, and `cargo build -p migrations` until the new migration is written
# and compiled, beside `cargo build -p models-ferro` after the same edit
# (what the models crate costs by itself); with the initial migration still a
# draft (the build writes it again, with the field) and sealed (the field
# becomes a migration of its own).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
N=${N:-500}
RUNS=${RUNS:-3}
work=$root/bench/.compile
# The sources are written afresh; the target folder is kept, so that a
# second run does not compile the dependencies again.
rm -rf "$work"/models-* "$work"/migrations
mkdir -p "$work"

python3 - "$work" "$root" "$N" "${FILES:-1}" <<'PY'
import os, sys
work, root, n, files = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def write(path, text):
    path = os.path.join(work, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

def structs(ferro):
    out = []
    for i in range(n):
        # The attributes only the Model derive reads.
        attr = (lambda line: line + "\n") if ferro else (lambda line: "")
        lines = ["#[derive(Model)]\n" if ferro else "#[derive(Serialize, Deserialize)]\n"]
        lines.append(attr('#[ferro(table = "table_%04d")]' % i))
        lines.append("pub struct Table%04d {\n" % i)
        lines.append(attr("    #[ferro(primary_key)]") + "    pub id: i64,\n")
        lines.append(attr("    #[ferro(unique, max_length = 32)]") + "    pub code: String,\n")
        lines.append(attr("    #[ferro(index)]") + "    pub name: String,\n")
        lines.append("    pub amount: i32,\n")
        lines.append(attr('    #[ferro(default = "true")]') + "    pub active: bool,\n")
        lines.append("    pub created_at: i64,\n")
        lines.append("    pub note: Option<String>,\n")
        lines.append("    pub score: Option<f64>,\n")
        lines.append("    pub payload: Option<String>,\n")
        if i > 0:
            lines.append(attr('    #[ferro(foreign_key(references = Table%04d, on_delete = "CASCADE"))]' % (i - 1)))
        lines.append("    pub parent_id: Option<i64>,\n}\n")
        out.append("".join(lines))
    return out

def crate(name, header, ferro):
    """lib.rs with the structs, or with FILES modules that hold them."""
    items = structs(ferro)
    if files == 1:
        write(f"{name}/src/lib.rs", header + "\n".join(items))
        return
    per = -(-n // files)
    lib = header
    for m in range(files):
        lib += f"mod m{m:02};\npub use m{m:02}::*;\n"
        write(f"{name}/src/m{m:02}.rs", header.split("\n\n")[0] + "\n#[allow(unused_imports)]\nuse crate::*;\n\n"
              + "\n".join(items[m * per:(m + 1) * per]))
    write(f"{name}/src/lib.rs", "#[allow(unused_imports)]\n" + lib)

core = os.path.join(root, "ferro-core")
build = os.path.join(root, "ferro-build")
unify = os.environ.get("UNIFY") == "1"
# UNIFY=1: the build script's dependencies built as the application's are
# (ferro-core with the same features, and the dev profile's debug info), so
# that cargo compiles the models crate once rather than twice.
# By default, what `ferro init` writes: proc macros and build scripts, and
# what they depend on, compiled optimised (`[profile.dev.build-override]
# opt-level = 1`), and the models crate kept unoptimised
# (`[profile.dev.package.models-ferro] opt-level = 0`, which comes before
# build-override). OPT=init3: the same at level 3, what `ferro init` wrote
# until 2026-12-06. OPT=1: build-override alone (level 3), so that the models crate, a
# build dependency of the migrations crate, is optimised too for the build
# script (docs/performance.md has what that costs). OPT=0: neither.
opt = os.environ.get("OPT", "init")
level = {"1": 3, "init": 1, "init3": 3}.get(opt)
override = ('debug = true\n' if unify else '') + (f'opt-level = {level}\n' if level else '')
binary = os.environ.get("BIN", "1") != "0"
write("Cargo.toml", '[workspace]\nmembers = ["models-ferro", "models-serde", "migrations"]\nresolver = "3"\n'
      + ('\n[profile.dev.build-override]\n' + override if override else '')
      + ('\n[profile.dev.package.models-ferro]\nopt-level = 0\n' if opt.startswith("init") else '')
      + ('\n[profile.dev.package."*"]\ndebug = false\n' if os.environ.get("DEPS_DEBUG") == "0" else ''))
package = lambda name: f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2024"\n\n'
write("models-ferro/Cargo.toml", package("models-ferro") + f'[dependencies]\nferro-core = {{ path = "{core}" }}\n')
crate(
    "models-ferro",
    "use ferro::Model;\n\npub fn schema() -> Result<ferro::Schema, ferro::SchemaError> {\n    ferro::schema!()\n}\n\n",
    True,
)
write("models-serde/Cargo.toml", package("models-serde") + '[dependencies]\nserde = { version = "1", features = ["derive"] }\n')
crate("models-serde", "use serde::{Deserialize, Serialize};\n\n", False)
features = '"cli", "sqlite"' if binary else '"sqlite"'
dylib = binary and os.environ.get("DYLIB") == "1"
shared = os.path.join(root, "ferro-dylib")
build_shared = os.path.join(root, "ferro-build-dylib")
use = lambda crate: f'#[cfg(all(feature = "dev-dylib", debug_assertions))]\nuse {crate} as _;\n\n' if dylib else ""
write(
    "migrations/Cargo.toml",
    package("migrations")
    + f'[dependencies]\nferro-core = {{ path = "{core}", features = [{features}] }}\nmodels-ferro = {{ path = "../models-ferro" }}\n'
    + (f'ferro-dylib = {{ path = "{shared}", optional = true }}\n\n[features]\ndefault = ["dev-dylib"]\ndev-dylib = ["dep:ferro-dylib", "dep:ferro-build-dylib"]\n' if dylib else '')
    + '\n'
    + f'[build-dependencies]\nferro-build = {{ path = "{build}" }}\nmodels-ferro = {{ path = "../models-ferro" }}\n'
    + (f'ferro-build-dylib = {{ path = "{build_shared}", optional = true }}\n' if dylib else '')
    + (f'ferro-core = {{ path = "{core}", features = ["sqlite"] }}\n' if unify else ''),
)
write("migrations/build.rs", use("ferro_build_dylib") + "fn main() {\n    ferro_build::Builder::new(models_ferro::schema()).run();\n}\n")
write("migrations/src/lib.rs", "ferro::embed_migrations!();\n")
if binary:
    write(
        "migrations/src/main.rs",
        use("ferro_dylib")
        + "fn main() -> std::process::ExitCode {\n    ferro::runtime::cli::Cli::new()\n"
        '        .database("main", migrations::MIGRATIONS, "sqlite://app.db")\n'
        '        .migrations_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))\n'
        '        .package(env!("CARGO_PKG_NAME"))\n        .run()\n}\n',
    )
PY

cd "$work"
# A target folder of its own for each OPT, whose build scripts and proc
# macros are compiled otherwise.
export CARGO_TARGET_DIR=$work/target-opt${OPT:-init}${DEPS_DEBUG:+-debug$DEPS_DEBUG}
# The first build compiles the dependencies and writes the initial migration.
FERRO_MIGRATIONS=generate cargo build -q --offline

# Milliseconds of `cargo build -p $2` after touching crate $1's source.
build_after_touch() {
    touch "$1/src/lib.rs"
    local start end
    start=$(date +%s%N)
    cargo build -q --offline -p "$2"
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}

median() {
    sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

measure() {
    local label=$1 touched=$2 built=$3 times=()
    for _ in $(seq "$RUNS"); do
        times+=("$(build_after_touch "$touched" "$built")")
    done
    local ms
    ms=$(printf '%s\n' "${times[@]}" | median)
    echo "{\"case\": \"compile\", \"what\": \"$label\", \"structs\": $N, \"runs\": $RUNS, \"median_ms\": $ms}"
}

echo "# versions: $(cargo --version); $(rustc --version)"
measure "derive(Serialize, Deserialize)" models-serde models-serde
measure "derive(Model)" models-ferro models-ferro
measure "migrations crate after an edit that changes no model" models-ferro migrations

# The edit: one new nullable field on the middle model, or none.
middle=$(printf 'Table%04d' $((N / 2)))
middle_file=$(grep -l "^pub struct $middle {" models-ferro/src/*.rs)
field() {
    sed -i '/    pub extra: Option<i64>,/d' "$middle_file"
    if [ "$1" = on ]; then
        sed -i "/^pub struct $middle {/a\\    pub extra: Option<i64>," "$middle_file"
    fi
}
folder=migrations/migrations
saved=$(mktemp -d)

# The milliseconds of `cargo build -p $1` after adding the field, of that
# build after the last compile of the models crate ended (cargo's
# --timings): what the edit costs beyond the models crate, and of the
# migrations crate's library and binary (compile and link). The first of the
# last three depends on how the two cores shared the work (the migrations
# crate starts once the models crate's metadata is written, before its code
# is), the other two do not.
# The field is then taken out and the migrations folder put back as it was.
build_after_edit() {
    cp "$folder"/* "$folder"/.draft-base.json "$saved"/ 2>/dev/null || true
    field on
    local start end beyond crate binary
    start=$(date +%s%N)
    cargo build -q --offline -p "$1" --timings
    end=$(date +%s%N)
    read -r beyond crate binary < <(python3 "$root/bench/after_models.py" "$CARGO_TARGET_DIR/cargo-timings" $(((end - start) / 1000000)))
    field off
    rm -f "$folder"/*.rs "$folder"/.draft-base.json
    cp "$saved"/* "$saved"/.draft-base.json "$folder"/ 2>/dev/null || true
    rm -f "$saved"/* "$saved"/.draft-base.json
    # Each crate measured goes back to the models without the field, so that
    # the next edit is a change for it too (the models crate alone is a unit
    # of its own, with other features than the migrations crate's).
    cargo build -q --offline -p "$1"
    cargo build -q --offline -p migrations
    echo "$(((end - start) / 1000000)) $beyond $crate $binary"
}

# The machine's CPU counters from /proc/stat: the total and the time stolen by
# the host (a virtual machine's other tenants). A share stolen during the
# edits says the run was a noisy one, whatever its figures.
cpu_counters() {
    awk '/^cpu / { total = 0; for (i = 2; i <= 9; i++) total += $i; print total, $9 }' /proc/stat
}

measure_edit() {
    local label=$1 built=$2 times=() beyond=() crates=() binaries=() t b c x total0 steal0 total1 steal1
    read -r total0 steal0 < <(cpu_counters)
    for _ in $(seq "$RUNS"); do
        read -r t b c x < <(build_after_edit "$built")
        times+=("$t")
        beyond+=("$b")
        crates+=("$c")
        binaries+=("$x")
    done
    local ms after crate binary
    ms=$(printf '%s\n' "${times[@]}" | median)
    after=$(printf '%s\n' "${beyond[@]}" | median)
    crate=$(printf '%s\n' "${crates[@]}" | median)
    binary=$(printf '%s\n' "${binaries[@]}" | median)
    read -r total1 steal1 < <(cpu_counters)
    local stolen
    stolen=$(awk -v s=$((steal1 - steal0)) -v t=$((total1 - total0)) 'BEGIN { printf "%.1f", t ? 100 * s / t : 0 }')
    echo "{\"case\": \"edit\", \"what\": \"$label\", \"structs\": $N, \"runs\": $RUNS, \"median_ms\": $ms, \"after_models_ms\": $after, \"migrations_crate_ms\": $crate, \"binary_ms\": $binary, \"stolen_pct\": $stolen}"
}

cargo build -q --offline -p migrations
measure_edit "models crate alone (its own features)" models-ferro
measure_edit "migrations crate, the initial migration a draft" migrations
# Sealing the initial migration: its draft line goes.
sed -i '/^\/\/ ferro:draft /d' "$folder"/0001_*.rs
cargo build -q --offline -p migrations
measure_edit "migrations crate, the initial migration sealed" migrations
rmdir "$saved"
