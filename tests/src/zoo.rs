//! The model zoo: every Rust type of the mapping table and every option of
//! DESIGN.md, each at least once.
#![allow(missing_docs, reason = "fixtures: each field's name says what it covers")]
// Clippy reads `index(fields(name, ..), name = "..")` as a repeated attribute.
#![allow(clippy::duplicated_attributes)]

use ferro::schema::SqlType;
use ferro::{ColumnType, Enum, Json, Model};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A stored enum with a renamed and a formerly-renamed value.
#[derive(Enum)]
#[ferro(name = "zoo_status")]
pub enum Status {
    /// Stored as `active`.
    Active,
    /// Stored as `on_hold`, not `paused`.
    #[ferro(rename = "on_hold")]
    Paused,
    /// Was called `deleted` before.
    #[ferro(renamed_from = "deleted")]
    Archived,
}

/// An enum named by default (`animal_kind`).
#[derive(Enum)]
pub enum AnimalKind {
    /// A mammal.
    Mammal,
    /// A bird.
    Bird,
}

/// A newtype that is a column because it implements `ColumnType`.
pub struct Email(pub String);

impl ColumnType for Email {
    const SQL_TYPE: SqlType = <String as ColumnType>::SQL_TYPE;
}

/// A type alias resolves to what it names.
pub type Cents = i64;

/// Every mapped Rust type, one column each.
#[derive(Model)]
#[ferro(table = "zoo_types", comment = "one column per mapped type")]
pub struct Types {
    #[ferro(primary_key)]
    pub id: i64,
    pub small: i16,
    pub medium: i32,
    pub unsigned_small: u8,
    pub unsigned_medium: u16,
    pub unsigned_large: u32,
    pub single: f32,
    pub double: f64,
    pub flag: bool,
    pub text: String,
    #[ferro(max_length = 64)]
    pub short_text: String,
    pub bytes: Vec<u8>,
    pub decimal: Decimal,
    #[ferro(precision = 12, scale = 2)]
    pub money: Decimal,
    #[ferro(precision = 5)]
    pub whole: Decimal,
    pub uuid: Uuid,
    pub instant: chrono::DateTime<chrono::Utc>,
    pub offset_instant: chrono::DateTime<chrono::FixedOffset>,
    pub wall_clock: chrono::NaiveDateTime,
    pub day: chrono::NaiveDate,
    pub time_of_day: chrono::NaiveTime,
    pub time_instant: time::OffsetDateTime,
    pub time_wall_clock: time::PrimitiveDateTime,
    pub time_day: time::Date,
    pub time_time_of_day: time::Time,
    pub document: serde_json::Value,
    pub typed_document: Json<Vec<String>>,
    pub status: Status,
    pub kind: AnimalKind,
    pub maybe: Option<i32>,
    pub maybe_status: Option<Status>,
    pub email: Email,
    pub total: Cents,
    #[ferro(sql_type = "CITEXT")]
    pub custom: String,
    #[ferro(sql_type = "TSVECTOR")]
    pub custom_optional: Option<String>,
}

/// A UUID key (never auto-incremented) with a table-level rename.
#[derive(Model)]
#[ferro(table = "zoo_keepers", renamed_from = "zoo_staff")]
pub struct Keeper {
    #[ferro(primary_key)]
    pub id: Uuid,
    #[ferro(unique, max_length = 254)]
    pub email: String,
    #[ferro(foreign_key(references = Keeper, on_delete = "SET NULL"))]
    pub mentor_id: Option<Uuid>,
}

/// A string key that is not called `id`.
#[derive(Model)]
#[ferro(table = "zoo_enclosures")]
pub struct Enclosure {
    #[ferro(primary_key, max_length = 8)]
    pub code: String,
    #[ferro(default = "'open'", comment = "open or closed")]
    pub state: String,
}

/// Every field option and every referential action.
#[derive(Model)]
#[ferro(table = "zoo_animals")]
#[ferro(index(fields(enclosure_code, name)))]
#[ferro(index(fields(name, born_on), name = "ix_animals_birthdays", unique))]
#[ferro(unique(fields(keeper_id, name)))]
#[ferro(unique(fields(tag_number, kind), name = "uq_animal_tags"))]
#[ferro(check(name = "ck_animals_weight", expr = "weight_grams > 0"))]
#[ferro(many_to_many(Keeper))]
#[ferro(many_to_many(Animal, table = "zoo_animal_friends"))]
pub struct Animal {
    #[ferro(primary_key, column = "animal_id")]
    pub id: i32,
    #[ferro(index)]
    pub name: String,
    #[ferro(unique, index)]
    pub tag_number: i64,
    #[ferro(nullable)]
    pub nickname: String,
    #[ferro(renamed_from = "weight")]
    pub weight_grams: i64,
    #[ferro(default = "CURRENT_DATE")]
    pub born_on: chrono::NaiveDate,
    pub kind: AnimalKind,
    #[ferro(foreign_key(references = Enclosure, on_delete = "RESTRICT", on_update = "CASCADE"))]
    pub enclosure_code: String,
    #[ferro(foreign_key(references = Keeper, on_delete = "CASCADE"))]
    pub keeper_id: Uuid,
    #[ferro(foreign_key(references = Keeper, on_delete = "SET DEFAULT"), default = "'00000000-0000-0000-0000-000000000000'")]
    pub backup_keeper_id: Uuid,
    #[ferro(foreign_key(references = Animal, on_delete = "NO ACTION"))]
    pub mother_id: Option<i32>,
    #[ferro(foreign_key(references = Keeper, column = "email", on_delete = "SET NULL"), max_length = 254)]
    pub vet_email: Option<String>,
    #[ferro(skip)]
    pub cached_label: std::cell::Cell<u32>,
}

/// A composite primary key; integer keys of one column auto-increment, but not
/// these, and not one turned off explicitly.
#[derive(Model)]
#[ferro(table = "zoo_feedings", primary_key(fields(animal_id, fed_at)))]
pub struct Feeding {
    #[ferro(foreign_key(references = Animal, on_delete = "CASCADE"))]
    pub animal_id: i32,
    pub fed_at: chrono::DateTime<chrono::Utc>,
    pub grams: i32,
}

/// An integer key that does not auto-increment.
#[derive(Model)]
#[ferro(table = "zoo_ticket_series")]
pub struct TicketSeries {
    #[ferro(primary_key, auto_increment = false)]
    pub number: i64,
}

/// A one-to-one extension: its key is also a foreign key, so it copies the
/// referred key instead of auto-incrementing.
#[derive(Model)]
#[ferro(table = "zoo_animal_profiles")]
pub struct AnimalProfile {
    #[ferro(primary_key, foreign_key(references = Animal, on_delete = "CASCADE"))]
    pub animal_id: i32,
    pub story: Option<String>,
}
