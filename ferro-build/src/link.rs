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
/// - ELF targets whose linker rustc drives through a C compiler (Linux, the
///   BSDs, Android); macOS already keeps debug information out of the link,
///   and MSVC's linker takes other arguments;
/// - a linker named in cargo's configuration (`RUSTC_LINKER`) or in the
///   rustflags (`-C linker=`) must be a C compiler driver (`cc`, `gcc`,
///   `clang` and their cross names), which takes `-Wl,`; a bare linker or
///   any `-C linker-flavor` leaves the link as it was.
pub(crate) fn strip_argument(var: impl Fn(&str) -> Option<String>) -> Option<&'static str> {
    if var("PROFILE")? != "debug" {
        return None;
    }
    let os = var("CARGO_CFG_TARGET_OS")?;
    if !matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        return None;
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
            return None;
        }
        if let Some(linker) = codegen.strip_prefix("linker=") {
            linkers.push(linker.to_owned());
        }
    }
    linkers
        .iter()
        .all(|linker| c_driver(linker))
        .then_some(STRIP_DEBUG)
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

    fn argument(vars: &[(&str, &str)]) -> Option<&'static str> {
        strip_argument(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
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
