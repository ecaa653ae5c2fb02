//! The link of what the migrations crate links (its binary of the migration
//! commands, its tests, examples and benches) without debug information, in
//! the dev profile: see [`crate::Builder::link_debug_info`].
//!
//! After a model edit, `cargo build` relinks the migrations binary, which
//! holds the runtime, sqlx, SQLite, tokio and clap. Most of that link was
//! copying their debug information: at 500 tables on a 2-core machine the
//! link took 0.38 s with it and 0.2 s without (`docs/performance.md`, "The
//! binary's link without debug information"). The crate's library, which
//! the application links, is compiled as before: only the linker's output
//! changes.
//!
//! rustc's own `-C strip=debuginfo` (the profile's `strip`) does this, but
//! only the workspace's root manifest sets a profile, and a build script
//! cannot pass rustc a codegen flag; it can pass the linker an argument,
//! the one rustc passes for `strip = "debuginfo"` on these targets.
//!
//! Under `docs/workflow.md`'s `dev-dylib` setting, the same build script
//! gives the debug binary a run path to the two shared objects it needs
//! (see [`dev_dylib_run_path`]), so that it starts by hand as well as
//! through `cargo run`.

use std::path::Path;
use std::sync::Once;

/// What rustc passes a C compiler driver for `-C strip=debuginfo` on ELF
/// targets.
const STRIP_DEBUG: &str = "-Wl,--strip-debug";

/// Tells cargo to link the crate's targets without debug information, once
/// per build script, where [`strip_argument`] finds it safe.
pub(crate) fn strip_debug_info() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if let Some(argument) = strip_argument(|name| std::env::var(name).ok()) {
            println!("cargo:rustc-link-arg={argument}");
        }
    });
}

/// The linker argument, from the build script's environment, or `None`
/// where it is not known to be both useful and understood:
/// - the dev profile only (cargo's `PROFILE` is `debug`): a release build
///   with debug information asked for it, and is not the edit loop;
/// - the targets and linkers of [`elf_through_c_driver`].
pub(crate) fn strip_argument(var: impl Fn(&str) -> Option<String>) -> Option<&'static str> {
    if var("PROFILE")? != "debug" {
        return None;
    }
    elf_through_c_driver(&var).then_some(STRIP_DEBUG)
}

/// Tells cargo to link the crate's binaries, tests and examples with a run
/// path to `libferro_dylib.so` and the Rust standard library's shared
/// object, once per build script, where [`run_path_argument`] finds it
/// needed and safe.
///
/// With the `dev-dylib` setting, a debug binary needs both at run time.
/// `cargo run` and `cargo test` set the loader's library path to them;
/// without a run path, `target/debug/<crate>` started by hand stopped at
/// the loader's "error while loading shared libraries". The standard
/// library's folder is the toolchain's (`rustc --print target-libdir`),
/// which costs a rustc start: it is kept in `OUT_DIR`, which cargo gives
/// each compiler version a folder of its own.
pub(crate) fn dev_dylib_run_path() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let var = |name: &str| std::env::var(name).ok();
        if let Some(argument) = run_path_argument(var, || target_libdir(var)) {
            println!("cargo:rustc-link-arg={argument}");
        }
    });
}

/// The linker argument that gives a dev-dylib debug binary its run path:
/// the folder of `libferro_dylib.so` seen from a binary cargo puts in
/// `target/debug/` (`$ORIGIN/deps`), in `deps/` itself (tests,
/// `$ORIGIN`) and in `examples/` (`$ORIGIN/../deps`), then `libdir`, the
/// standard library's. `None` unless the `dev-dylib` feature is on and
/// debug assertions are, as `src/main.rs`'s `cfg` names the crate; on ELF
/// targets linked through a C compiler driver, as for
/// [`strip_argument`]; and when `libdir` is a path the argument can carry
/// (the linker splits `-Wl,` at commas and the run path at colons).
pub(crate) fn run_path_argument(
    var: impl Fn(&str) -> Option<String>,
    libdir: impl FnOnce() -> Option<String>,
) -> Option<String> {
    var("CARGO_FEATURE_DEV_DYLIB")?;
    var("CARGO_CFG_DEBUG_ASSERTIONS")?;
    if !elf_through_c_driver(&var) {
        return None;
    }
    let libdir = libdir().filter(|dir| !dir.is_empty() && !dir.contains([',', ':']))?;
    Some(format!(
        "-Wl,-rpath,$ORIGIN/deps:$ORIGIN:$ORIGIN/../deps:{libdir}"
    ))
}

/// The folder of the standard library's shared object for the target:
/// from a file in `OUT_DIR` written by an earlier run, or from
/// `$RUSTC --print target-libdir --target $TARGET`.
fn target_libdir(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let kept = var("OUT_DIR").map(|dir| Path::new(&dir).join("ferro-target-libdir"));
    if let Some(dir) = kept.as_ref().and_then(|file| std::fs::read_to_string(file).ok()) {
        return Some(dir);
    }
    let output = std::process::Command::new(var("RUSTC")?)
        .args(["--print", "target-libdir", "--target", &var("TARGET")?])
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    let dir = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    if let Some(file) = kept {
        // Only the rustc start is lost if this fails.
        let _ = std::fs::write(file, &dir);
    }
    Some(dir)
}

/// Whether the build script's target is an ELF one whose linker rustc
/// drives through a C compiler, which takes `-Wl,` arguments:
/// - Linux, the BSDs, Android; macOS keeps debug information out of the
///   link already and names run paths otherwise, and MSVC's linker takes
///   other arguments;
/// - a linker named in cargo's configuration (`RUSTC_LINKER`) or in the
///   rustflags (`-C linker=`) must be a C compiler driver (`cc`, `gcc`,
///   `clang` and their cross names); a bare linker or any
///   `-C linker-flavor` gets no argument.
fn elf_through_c_driver(var: &impl Fn(&str) -> Option<String>) -> bool {
    let Some(os) = var("CARGO_CFG_TARGET_OS") else {
        return false;
    };
    if !matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        return false;
    }
    let mut linkers: Vec<String> = var("RUSTC_LINKER").into_iter().collect();
    let flags = var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let mut flags = flags.split('\x1f');
    while let Some(flag) = flags.next() {
        let codegen = match flag {
            "-C" | "--codegen" => flags.next().unwrap_or_default(),
            _ => flag
                .strip_prefix("-C")
                .or_else(|| flag.strip_prefix("--codegen="))
                .unwrap_or_default(),
        };
        if codegen.starts_with("linker-flavor") {
            return false;
        }
        if let Some(linker) = codegen.strip_prefix("linker=") {
            linkers.push(linker.to_owned());
        }
    }
    linkers.iter().all(|linker| c_driver(linker))
}

/// Whether a linker path names a C compiler driver: `cc`, `*-cc`, or a
/// name holding `gcc` or `clang` (`x86_64-linux-gnu-gcc-12`, `clang-18`).
fn c_driver(linker: &str) -> bool {
    let name = Path::new(linker)
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    name == "cc" || name.ends_with("-cc") || name.contains("gcc") || name.contains("clang")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A build script's environment holding `vars` alone.
    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    fn argument(vars: &[(&str, &str)]) -> Option<&'static str> {
        strip_argument(env(vars))
    }

    const LINUX_DEV: [(&str, &str); 2] = [("PROFILE", "debug"), ("CARGO_CFG_TARGET_OS", "linux")];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        LINUX_DEV.iter().chain(extra).copied().collect()
    }

    #[test]
    fn the_dev_profile_on_linux_links_without_debug_information() {
        assert_eq!(argument(&LINUX_DEV), Some("-Wl,--strip-debug"));
        assert_eq!(
            argument(&with(&[("CARGO_ENCODED_RUSTFLAGS", "")])),
            Some("-Wl,--strip-debug")
        );
    }

    #[test]
    fn release_builds_and_other_linkers_keep_what_the_profile_says() {
        assert_eq!(
            argument(&[("PROFILE", "release"), ("CARGO_CFG_TARGET_OS", "linux")]),
            None
        );
        assert_eq!(
            argument(&[("PROFILE", "debug"), ("CARGO_CFG_TARGET_OS", "macos")]),
            None
        );
        assert_eq!(
            argument(&[("PROFILE", "debug"), ("CARGO_CFG_TARGET_OS", "windows")]),
            None
        );
        assert_eq!(argument(&[("PROFILE", "debug")]), None);
    }

    #[test]
    fn a_named_linker_must_be_a_c_compiler_driver() {
        for driver in [
            "cc",
            "/usr/bin/clang-18",
            "x86_64-linux-gnu-gcc",
            "aarch64-linux-android30-clang",
            "zig-cc",
        ] {
            assert_eq!(
                argument(&with(&[("RUSTC_LINKER", driver)])),
                Some(STRIP_DEBUG),
                "{driver}"
            );
        }
        for bare in ["ld.lld", "/usr/bin/rust-lld", "mold", "ld"] {
            assert_eq!(argument(&with(&[("RUSTC_LINKER", bare)])), None, "{bare}");
        }
    }

    fn run_path(vars: &[(&str, &str)], libdir: Option<&str>) -> Option<String> {
        run_path_argument(env(vars), || libdir.map(str::to_owned))
    }

    const DEV_DYLIB: [(&str, &str); 3] = [
        ("CARGO_FEATURE_DEV_DYLIB", "1"),
        ("CARGO_CFG_DEBUG_ASSERTIONS", ""),
        ("CARGO_CFG_TARGET_OS", "linux"),
    ];
    const LIBDIR: &str = "/home/a/.rustup/toolchains/stable/lib/rustlib/x86_64-unknown-linux-gnu/lib";

    #[test]
    fn a_dev_dylib_debug_binary_gets_a_run_path_to_both_shared_objects() {
        assert_eq!(
            run_path(&DEV_DYLIB, Some(LIBDIR)).as_deref(),
            Some(format!("-Wl,-rpath,$ORIGIN/deps:$ORIGIN:$ORIGIN/../deps:{LIBDIR}").as_str())
        );
    }

    #[test]
    fn without_the_feature_debug_assertions_or_a_usable_folder_there_is_no_run_path() {
        for left_out in ["CARGO_FEATURE_DEV_DYLIB", "CARGO_CFG_DEBUG_ASSERTIONS"] {
            let vars: Vec<_> = DEV_DYLIB
                .iter()
                .filter(|(k, _)| *k != left_out)
                .copied()
                .collect();
            assert_eq!(run_path(&vars, Some(LIBDIR)), None, "{left_out}");
        }
        let macos = [DEV_DYLIB[0], DEV_DYLIB[1], ("CARGO_CFG_TARGET_OS", "macos")];
        assert_eq!(run_path(&macos, Some(LIBDIR)), None);
        let bare = [
            DEV_DYLIB[0],
            DEV_DYLIB[1],
            DEV_DYLIB[2],
            ("RUSTC_LINKER", "ld.lld"),
        ];
        assert_eq!(run_path(&bare, Some(LIBDIR)), None);
        for libdir in [None, Some(""), Some("/opt/a,b/lib"), Some("/opt/a:b/lib")] {
            assert_eq!(run_path(&DEV_DYLIB, libdir), None, "{libdir:?}");
        }
    }

    #[test]
    fn rustflags_naming_a_linker_or_a_flavor_are_read() {
        let cases = [
            ("-Clinker=clang\x1f-Clink-arg=-fuse-ld=mold", Some(STRIP_DEBUG)),
            ("-C\x1flinker=gcc", Some(STRIP_DEBUG)),
            ("-Clinker=ld.lld", None),
            ("-C\x1flinker=rust-lld", None),
            ("--codegen\x1flinker=ld", None),
            ("--codegen=linker=ld.lld", None),
            ("-Clinker-flavor=gnu-lld-cc", None),
            ("--cfg\x1ffoo", Some(STRIP_DEBUG)),
        ];
        for (flags, expected) in cases {
            assert_eq!(
                argument(&with(&[("CARGO_ENCODED_RUSTFLAGS", flags)])),
                expected,
                "{flags:?}"
            );
        }
    }
}
