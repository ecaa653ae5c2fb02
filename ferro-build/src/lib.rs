//! The build-script helper of Ferro.
//!
//! It will diff a crate's models (see `ferro::schema!`) against the committed
//! snapshot during `cargo build` and write the migration source file for the
//! change. That work is not done yet, so this crate deliberately has no public
//! items: nothing here can be called and appear to work before it does.
