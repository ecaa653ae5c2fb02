//! What the property tests draw schemas from: families of column types whose
//! members hold the same values, and a tape of random bytes to read decisions
//! off (proptest shrinks the tape toward zeros, which means fewer and plainer
//! things).

use ferro::runtime::Dialect;
use ferro::schema::SqlType;

/// A family of types a column keeps across versions: its type may change
/// within the family, and its rows' values mean the same in every member.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Family {
    /// Integers and text holding digits.
    Number,
    /// Booleans.
    Boolean,
    /// Fixed-point numbers.
    Decimal,
    /// Floating-point numbers.
    Float,
    /// UUIDs.
    Uuid,
    /// JSON documents.
    Json,
    /// Dates.
    Date,
    /// Timestamps without a time zone.
    Timestamp,
    /// The enum type `mood`.
    Enum,
}

/// Every family.
pub const FAMILIES: [Family; 9] = [
    Family::Number,
    Family::Boolean,
    Family::Decimal,
    Family::Float,
    Family::Uuid,
    Family::Json,
    Family::Date,
    Family::Timestamp,
    Family::Enum,
];

/// Reads decisions off a tape of random bytes.
pub struct Tape<'a>(&'a [u8], usize);

impl<'a> Tape<'a> {
    /// A tape over `bytes`, read from the start; past the end it reads zeros.
    pub fn new(bytes: &'a [u8]) -> Tape<'a> {
        Tape(bytes, 0)
    }

    /// A number below `n`.
    pub fn pick(&mut self, n: usize) -> usize {
        let b = self.0.get(self.1).copied().unwrap_or(0);
        self.1 += 1;
        usize::from(b) % n.max(1)
    }

    /// True `in_four` times in four.
    pub fn chance(&mut self, in_four: usize) -> bool {
        self.pick(4) < in_four
    }
}

/// The enum type `mood` with `values`.
pub fn enum_type(values: &[&'static str]) -> SqlType {
    SqlType::enumeration("mood", values.iter().copied())
}

/// A type of `family`. MySQL cannot index text of unbounded length, so there
/// a number's text is always a `VARCHAR`.
pub fn member(family: Family, tape: &mut Tape<'_>, mood: &[&'static str], d: Dialect) -> SqlType {
    let text = if d == Dialect::MySql {
        SqlType::Varchar(24)
    } else {
        SqlType::Text
    };
    match family {
        Family::Number => [
            SqlType::SmallInt,
            SqlType::Integer,
            SqlType::BigInt,
            text,
            SqlType::Varchar(16),
        ][tape.pick(5)]
        .clone(),
        Family::Boolean => SqlType::Boolean,
        Family::Decimal => SqlType::Numeric {
            precision: Some([10, 12][tape.pick(2)]),
            scale: Some(2),
        },
        Family::Float => [SqlType::Real, SqlType::Double][tape.pick(2)].clone(),
        Family::Uuid => SqlType::Uuid,
        Family::Json => SqlType::Json,
        Family::Date => SqlType::Date,
        Family::Timestamp => SqlType::Timestamp {
            with_time_zone: false,
        },
        Family::Enum => enum_type(mood),
    }
}
