//! Ferro's runtime as a Rust shared library, for the debug builds of a
//! migrations crate's binary.
//!
//! A migrations binary links ferro-core and what it stands on (sqlx, tokio,
//! sea-query, clap): about 30 MB of unoptimised code that the linker reads
//! again after every model edit, 0.2 s of the 0.6 to 0.8 s such an edit
//! costs after the models crate at 500 tables. A binary that names this
//! crate takes all of that from `libferro_dylib.so` instead, built once, and
//! its own link shrinks to about 0.04 s (`docs/performance.md`).
//!
//! It is for development only, and opt-in: the binary then needs the
//! library and the Rust standard library's shared object at run time.
//! `cargo run` and `cargo test` find both, and so does the binary started
//! by hand, through the run path ferro-build's `Builder::run` links it
//! with; copied to another folder or machine, it does not. The setting in
//! `docs/workflow.md` ("A faster edit loop") names this crate only in
//! debug builds:
//!
//! ```toml
//! [dependencies]
//! ferro-dylib = { version = "0.1", optional = true }
//!
//! [build-dependencies]
//! ferro-build-dylib = { version = "0.1", optional = true }
//!
//! [features]
//! default = ["dev-dylib"]
//! dev-dylib = ["dep:ferro-dylib", "dep:ferro-build-dylib"]
//! ```
//!
//! and in `src/main.rs` (`build.rs` names `ferro_build_dylib` the same way):
//!
//! ```ignore
//! // ferro's runtime from its shared library in debug builds; a release
//! // build links it into the binary as usual.
//! #[cfg(all(feature = "dev-dylib", debug_assertions))]
//! use ferro_dylib as _;
//! ```
//!
//! A release build (no `debug_assertions`) never names the crate, so rustc
//! links the binary as it would without it: nothing to ship beside it.

// Naming ferro-core is what puts it, and every crate below it, into the
// shared library: rustc leaves out a dependency that no code uses.
pub use ferro;
