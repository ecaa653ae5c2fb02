//! Conventional names of keys, indexes and constraints.
//!
//! The convention is the one Alembic's documentation recommends for SQLAlchemy's
//! `MetaData(naming_convention=...)`, with every column of a composite key in the
//! name, so a database built by Ferro and one built by SQLAlchemy agree:
//!
//! | object | name |
//! |---|---|
//! | primary key | `pk_<table>` |
//! | index | `ix_<table>_<col>[_<col>…]` |
//! | unique constraint | `uq_<table>_<col>[_<col>…]` |
//! | foreign key | `fk_<table>_<first col>_<referred table>` |
//! | check constraint | the name it is given |
//!
//! PostgreSQL cuts identifiers at 63 bytes (and MySQL refuses longer ones), so a
//! longer name is shortened by [`fit`] the same way on every backend.
//!
//! ```
//! use ferro::schema::naming;
//! assert_eq!(naming::index("users", &["email"]), "ix_users_email");
//! assert_eq!(naming::fit(&"x".repeat(70)).len(), 63);
//! ```

use sha2::{Digest, Sha256};

/// The longest identifier, in bytes, that every supported database keeps intact
/// (PostgreSQL's `NAMEDATALEN - 1`).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Hex digits of the SHA-256 of the full name that end a shortened name.
const HASH_DIGITS: usize = 8;

/// `pk_<table>`.
pub fn primary_key(table: &str) -> String {
    fit(&format!("pk_{}", bare(table)))
}

/// `ix_<table>_<col>[_<col>…]`.
pub fn index<S: AsRef<str>>(table: &str, columns: &[S]) -> String {
    fit(&format!("ix_{}_{}", bare(table), join(columns)))
}

/// `uq_<table>_<col>[_<col>…]`.
pub fn unique<S: AsRef<str>>(table: &str, columns: &[S]) -> String {
    fit(&format!("uq_{}_{}", bare(table), join(columns)))
}

/// `fk_<table>_<first col>_<referred table>`.
pub fn foreign_key(table: &str, first_column: &str, referred_table: &str) -> String {
    fit(&format!(
        "fk_{}_{first_column}_{}",
        bare(table),
        bare(referred_table)
    ))
}

/// A table's name without its PostgreSQL schema: `invoices` for
/// `billing.invoices`. Names made from a table's are made from this one, as
/// SQLAlchemy's `%(table_name)s` is, so the names of a table's keys and
/// indexes do not change when it moves to another schema.
///
/// ```
/// use ferro::schema::naming;
/// assert_eq!(naming::bare("billing.invoices"), "invoices");
/// assert_eq!(naming::index("billing.invoices", &["due"]), "ix_invoices_due");
/// assert_eq!(naming::bare("users"), "users");
/// ```
pub fn bare(table: &str) -> &str {
    split(table).1
}

/// A table's PostgreSQL schema, when its name says one
/// (`billing.invoices`), and its name in that schema.
pub fn split(table: &str) -> (Option<&str>, &str) {
    match table.split_once('.') {
        Some((schema, name)) => (Some(schema), name),
        None => (None, table),
    }
}

/// A name of at most [`MAX_IDENTIFIER_BYTES`] bytes.
///
/// A name that fits is returned as it is. A longer one keeps as many of its first
/// bytes as leave room (never splitting a character), then `_` and the first eight
/// hex digits of the SHA-256 of the whole name, so two long names that share a
/// prefix stay distinct and the result is the same on every machine and backend.
///
/// ```
/// let long = format!("ix_{}_email", "a_really_long_table_name".repeat(3));
/// let short = ferro::schema::naming::fit(&long);
/// assert_eq!(short.len(), 63);
/// assert!(short.starts_with("ix_a_really_long_table_name"));
/// assert_eq!(short, ferro::schema::naming::fit(&long));
/// ```
pub fn fit(name: &str) -> String {
    if name.len() <= MAX_IDENTIFIER_BYTES {
        return name.to_owned();
    }
    let mut keep = MAX_IDENTIFIER_BYTES - HASH_DIGITS - 1;
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    let digest = Sha256::digest(name.as_bytes());
    format!("{}_{}", &name[..keep], lower_hex(&digest[..HASH_DIGITS / 2]))
}

/// `bytes` in lower-case hex, two digits a byte. Written by hand: sha2's
/// digest has no `LowerHex`, and a `format!` per byte is an allocation per
/// byte, which a run pays for every applied file's checksum.
pub(crate) fn lower_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    hex
}

fn join<S: AsRef<str>>(columns: &[S]) -> String {
    columns.iter().map(AsRef::as_ref).collect::<Vec<_>>().join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventional_names() {
        assert_eq!(primary_key("users"), "pk_users");
        assert_eq!(
            index("posts", &["author_id", "published_at"]),
            "ix_posts_author_id_published_at"
        );
        assert_eq!(unique("users", &["email"]), "uq_users_email");
        assert_eq!(
            foreign_key("posts", "author_id", "users"),
            "fk_posts_author_id_users"
        );
    }

    #[test]
    fn names_that_fit_are_kept() {
        let exact = "n".repeat(MAX_IDENTIFIER_BYTES);
        assert_eq!(fit(&exact), exact);
    }

    #[test]
    fn long_names_are_cut_and_end_in_a_hash_of_the_full_name() {
        let a = format!("ix_{}_a", "t".repeat(70));
        let b = format!("ix_{}_b", "t".repeat(70));
        let (fa, fb) = (fit(&a), fit(&b));
        assert_eq!(fa.len(), MAX_IDENTIFIER_BYTES);
        assert_eq!(&fa[..54], &a[..54]);
        assert_eq!(&fa[54..55], "_");
        assert_ne!(fa, fb, "names sharing a long prefix stay distinct");
        // The hash is SHA-256 of the whole name: pinned so that no backend or
        // release ever names the same object differently.
        let digest = Sha256::digest(a.as_bytes());
        assert_eq!(
            &fa[55..],
            format!(
                "{:02x}{:02x}{:02x}{:02x}",
                digest[0], digest[1], digest[2], digest[3]
            )
        );
    }

    #[test]
    fn cutting_never_splits_a_character() {
        let name = format!("ix_{}", "é".repeat(40));
        let short = fit(&name);
        assert!(short.len() <= MAX_IDENTIFIER_BYTES);
        assert!(short.is_char_boundary(short.len() - HASH_DIGITS - 1));
    }
}
