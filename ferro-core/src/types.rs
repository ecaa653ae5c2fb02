//! How Rust types map to SQL column types.
//!
//! The derive asks the compiler for `<FieldType as ColumnType>::SQL_TYPE`, so type
//! aliases resolve to what they name and any type of yours can be a column by
//! implementing [`ColumnType`]:
//!
//! ```
//! use ferro::{ColumnType, schema::SqlType};
//!
//! /// An e-mail address, stored as text.
//! pub struct Email(pub String);
//!
//! impl ColumnType for Email {
//!     const SQL_TYPE: SqlType = <String as ColumnType>::SQL_TYPE;
//! }
//!
//! #[derive(ferro::Model)]
//! struct Subscriber {
//!     #[ferro(primary_key)]
//!     id: i64,
//!     email: Email,
//!     unsubscribed: Option<Email>,
//! }
//! # use ferro::Model as _;
//! # assert_eq!(Subscriber::TABLE.columns[1].ty, SqlType::Text);
//! # assert!(Subscriber::TABLE.columns[2].nullable);
//! ```
//!
//! For a type that has no implementation, `#[ferro(sql_type = "..")]` on the field
//! gives the SQL type verbatim.

use crate::schema::SqlType;

/// A Rust type that can be stored in a column.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no SQL column type",
    label = "no `ferro::ColumnType` for this type",
    note = "give the column its type with `#[ferro(sql_type = \"..\")]`, or implement `ferro::ColumnType` for `{Self}`"
)]
pub trait ColumnType {
    /// The column's SQL type.
    const SQL_TYPE: SqlType;
    /// Whether the column accepts NULL: true for `Option<T>` only.
    const NULLABLE: bool = false;
}

impl<T: ColumnType> ColumnType for Option<T> {
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const NULLABLE: bool = true;
}

macro_rules! column_types {
    ($($(#[$cfg:meta])* $rust:ty => $sql:expr;)*) => {$(
        $(#[$cfg])*
        impl ColumnType for $rust {
            const SQL_TYPE: SqlType = $sql;
        }
    )*};
}

column_types! {
    i16 => SqlType::SmallInt;
    i32 => SqlType::Integer;
    i64 => SqlType::BigInt;
    // Unsigned integers take the next wider signed type, which holds all their values.
    u8 => SqlType::SmallInt;
    u16 => SqlType::Integer;
    u32 => SqlType::BigInt;
    f32 => SqlType::Real;
    f64 => SqlType::Double;
    bool => SqlType::Boolean;
    String => SqlType::Text;
    Vec<u8> => SqlType::Blob;
    #[cfg(feature = "decimal")]
    rust_decimal::Decimal => SqlType::Numeric { precision: None, scale: None };
    #[cfg(feature = "uuid")]
    uuid::Uuid => SqlType::Uuid;
    #[cfg(feature = "chrono")]
    chrono::DateTime<chrono::Utc> => SqlType::Timestamp { with_time_zone: true };
    #[cfg(feature = "chrono")]
    chrono::DateTime<chrono::FixedOffset> => SqlType::Timestamp { with_time_zone: true };
    #[cfg(feature = "chrono")]
    chrono::NaiveDateTime => SqlType::Timestamp { with_time_zone: false };
    #[cfg(feature = "chrono")]
    chrono::NaiveDate => SqlType::Date;
    #[cfg(feature = "chrono")]
    chrono::NaiveTime => SqlType::Time;
    #[cfg(feature = "time")]
    time::OffsetDateTime => SqlType::Timestamp { with_time_zone: true };
    #[cfg(feature = "time")]
    time::PrimitiveDateTime => SqlType::Timestamp { with_time_zone: false };
    #[cfg(feature = "time")]
    time::Date => SqlType::Date;
    #[cfg(feature = "time")]
    time::Time => SqlType::Time;
    #[cfg(feature = "json")]
    serde_json::Value => SqlType::Json;
}

/// A value stored as JSON (`JSONB` on PostgreSQL, `TEXT` on SQLite).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Json<T>(pub T);

impl<T> ColumnType for Json<T> {
    const SQL_TYPE: SqlType = SqlType::Json;
}
