//! Ferro's build-script helper, and ferro-core below it, as a Rust shared
//! library, for the debug builds of a migrations crate's build script.
//!
//! After a model edit the build script is linked again with the models
//! crate; naming this crate takes ferro-build, ferro-core and their
//! dependencies from `libferro_build_dylib.so`, built once, and the build
//! script's compile fell from 0.11 to 0.13 s to 0.08 s at 500 tables
//! (`docs/performance.md`). It goes with `ferro-dylib` in the `dev-dylib`
//! setting of `docs/workflow.md` ("A faster edit loop"), in `build.rs`:
//!
//! ```ignore
//! #[cfg(all(feature = "dev-dylib", debug_assertions))]
//! use ferro_build_dylib as _;
//! ```
//!
//! Cargo runs build scripts with the library path set, so nothing else
//! changes; a release build (no `debug_assertions`) links the build script
//! as before.

// Naming ferro-build is what puts it, and every crate below it, into the
// shared library: rustc leaves out a dependency that no code uses.
pub use ferro_build;
