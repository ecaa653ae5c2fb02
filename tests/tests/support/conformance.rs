//! The conformance fixtures (a module of the tests that use them, for its
//! models are theirs): the comparison cases of Alembic's
//! autogenerate test suite, re-expressed as pairs of schemas (A, B) with the
//! operations Ferro's diff and plan must find from A to B. The conformance
//! tests run them on each backend; the inspect tests read back the
//! databases their schemas build.

use ferro::migration::prelude::*;
use ferro::runtime::Dialect;
use ferro::schema::Table;

/// The categories of Alembic's comparison tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Cat {
    Types,
    Nullability,
    Defaults,
    Indexes,
    ForeignKeys,
    Checks,
    Comments,
    Identity,
}

pub(crate) const CATS: [Cat; 8] = [
    Cat::Types,
    Cat::Nullability,
    Cat::Defaults,
    Cat::Indexes,
    Cat::ForeignKeys,
    Cat::Checks,
    Cat::Comments,
    Cat::Identity,
];

pub(crate) struct Case {
    /// The row of the case list.
    pub(crate) row: u16,
    pub(crate) cat: Cat,
    pub(crate) id: &'static str,
    pub(crate) a: Vec<Table>,
    pub(crate) b: Vec<Table>,
    pub(crate) expect: Vec<&'static str>,
}

// Building blocks: a table `item` with an auto-increment key and the given
// columns, and a parent table for foreign keys.

pub(crate) fn id() -> Column {
    Column::new("id", SqlType::BigInt).auto_increment()
}

pub(crate) fn table(name: &str, columns: Vec<Column>) -> Table {
    let mut t = Table::new(name.to_owned());
    t.columns = columns.into();
    t.primary_key = Some(PrimaryKey::new(format!("pk_{name}"), ["id"]));
    t
}

/// `item` with `id` and `columns`.
pub(crate) fn item(columns: Vec<Column>) -> Table {
    let mut all = vec![id()];
    all.extend(columns);
    table("item", all)
}

/// `item` with `id` and one column `x`.
pub(crate) fn x(column: Column) -> Vec<Table> {
    vec![item(vec![column])]
}

pub(crate) fn col(ty: SqlType) -> Column {
    Column::new("x", ty)
}

/// `item` with columns x, y (VARCHAR(20)) and z (INTEGER), changed by `f`.
pub(crate) fn xyz(f: impl FnOnce(&mut Table)) -> Vec<Table> {
    let mut t = item(vec![
        Column::new("x", SqlType::Varchar(20)),
        Column::new("y", SqlType::Varchar(20)),
        Column::new("z", SqlType::Integer).nullable(),
    ]);
    f(&mut t);
    vec![t]
}

pub(crate) fn ix(name: &str, columns: &[&str]) -> Index {
    Index::new(name.to_owned(), columns.iter().map(|c| (*c).to_owned()))
}

pub(crate) fn uq(name: &str, columns: &[&str]) -> UniqueConstraint {
    UniqueConstraint::new(name.to_owned(), columns.iter().map(|c| (*c).to_owned()))
}

/// `parent` (id) and `child` (id, parent_id, other_id) with the foreign
/// keys `f` gives the child.
pub(crate) fn family(f: impl FnOnce(&mut Table)) -> Vec<Table> {
    let parent = table(
        "parent",
        vec![id(), Column::new("code", SqlType::Varchar(10)).nullable()],
    );
    let mut child = table(
        "child",
        vec![
            id(),
            Column::new("parent_id", SqlType::BigInt).nullable(),
            Column::new("other_id", SqlType::BigInt).nullable(),
        ],
    );
    f(&mut child);
    vec![parent, child]
}

/// `family`'s `parent` alone.
pub(crate) fn parent_only() -> Vec<Table> {
    family(|_| {}).into_iter().take(1).collect()
}

/// `family`, with `child` in the PostgreSQL schema `billing` and its key to
/// `parent` (in the current schema) across schemas, changed by `f`.
pub(crate) fn billed(f: impl FnOnce(&mut Table)) -> Vec<Table> {
    family(|t| {
        t.name = "billing.child".into();
        t.primary_key = Some(PrimaryKey::new("pk_child", ["id"]));
        t.foreign_keys = vec![fk("parent_id")].into();
        f(t);
    })
}

pub(crate) fn fk(columns: &str) -> ForeignKey {
    ForeignKey::new(
        format!("fk_child_{columns}_parent"),
        [columns.to_owned()],
        "parent",
        ["id"],
    )
}

pub(crate) fn ck(name: &str, expr: &str) -> Check {
    Check::new(name.to_owned(), expr.to_owned())
}

pub(crate) fn mood(values: &[&str]) -> SqlType {
    SqlType::enumeration("mood", values.iter().map(|v| (*v).to_owned()))
}

pub(crate) fn numeric(p: u16, s: u16) -> SqlType {
    SqlType::numeric(p, s)
}

pub(crate) const TS: SqlType = SqlType::Timestamp {
    with_time_zone: false,
};
pub(crate) const TSTZ: SqlType = SqlType::Timestamp { with_time_zone: true };

/// `row category id: A => B, [operations];` for each case.
macro_rules! cases {
    ($($row:literal $cat:ident $id:literal: $a:expr => $b:expr, [$($e:expr),* $(,)?];)*) => {
        vec![$(Case { row: $row, cat: Cat::$cat, id: $id, a: $a, b: $b, expect: vec![$($e),*] }),*]
    };
}

pub(crate) fn cases() -> Vec<Case> {
    cases! {
        // Types.
        1 Types "type_spelling_only_no_change": x(col(SqlType::Varchar(30))) => x(col(SqlType::Varchar(30))), [];
        1 Types "numeric_same_no_change": x(col(numeric(10, 5))) => x(col(numeric(10, 5))), [];
        1 Types "bigint_same_no_change": x(col(SqlType::BigInt)) => x(col(SqlType::BigInt)), [];
        2 Types "varchar_length_grow": x(col(SqlType::Varchar(30))) => x(col(SqlType::Varchar(40))), ["alter column item.x (type VARCHAR(30) to VARCHAR(40))"];
        3 Types "varchar_length_grow_small": x(col(SqlType::Varchar(6))) => x(col(SqlType::Varchar(12))), ["alter column item.x (type VARCHAR(6) to VARCHAR(12))"];
        4 Types "varchar_to_integer": x(col(SqlType::Varchar(30))) => x(col(SqlType::Integer)), ["alter column item.x (type VARCHAR(30) to INTEGER)"];
        5 Types "varchar_vs_unsized_string": x(col(SqlType::Varchar(30))) => x(col(SqlType::Text)), ["alter column item.x (type VARCHAR(30) to TEXT)"];
        6 Types "text_to_varchar255": x(col(SqlType::Text)) => x(col(SqlType::Varchar(255))), ["alter column item.x (type TEXT to VARCHAR(255))"];
        7 Types "numeric_scale_change": x(col(numeric(10, 5))) => x(col(numeric(10, 6))), ["alter column item.x (type NUMERIC(10, 5) to NUMERIC(10, 6))"];
        8 Types "numeric_db_has_extra_scale": x(col(numeric(10, 5))) => x(col(numeric(10, 0))), ["alter column item.x (type NUMERIC(10, 5) to NUMERIC(10, 0))"];
        9 Types "numeric_model_has_extra_scale": x(col(numeric(10, 0))) => x(col(numeric(10, 5))), ["alter column item.x (type NUMERIC(10, 0) to NUMERIC(10, 5))"];
        10 Types "numeric_precision_only_model": x(col(numeric(10, 2))) => x(col(numeric(10, 0))), ["alter column item.x (type NUMERIC(10, 2) to NUMERIC(10, 0))"];
        11 Types "numeric_precision_change": x(col(numeric(10, 5))) => x(col(numeric(12, 5))), ["alter column item.x (type NUMERIC(10, 5) to NUMERIC(12, 5))"];
        12 Types "numeric_to_datetime": x(col(numeric(10, 5))) => x(col(TS)), ["alter column item.x (type NUMERIC(10, 5) to TIMESTAMP)"];
        14 Types "bigint_to_integer": x(col(SqlType::BigInt)) => x(col(SqlType::Integer)), ["alter column item.x (type BIGINT to INTEGER)"];
        15 Types "bigint_to_smallint": x(col(SqlType::BigInt)) => x(col(SqlType::SmallInt)), ["alter column item.x (type BIGINT to SMALLINT)"];
        16 Types "integer_to_smallint": x(col(SqlType::Integer)) => x(col(SqlType::SmallInt)), ["alter column item.x (type INTEGER to SMALLINT)"];
        17 Types "smallint_to_integer": x(col(SqlType::SmallInt)) => x(col(SqlType::Integer)), ["alter column item.x (type SMALLINT to INTEGER)"];
        18 Types "integer_to_string": x(col(SqlType::Integer)) => x(col(SqlType::Varchar(10))), ["alter column item.x (type INTEGER to VARCHAR(10))"];
        19 Types "string_to_integer": x(col(SqlType::Varchar(10))) => x(col(SqlType::Integer)), ["alter column item.x (type VARCHAR(10) to INTEGER)"];
        20 Types "integer_to_numeric": x(col(SqlType::Integer)) => x(col(numeric(8, 0))), ["alter column item.x (type INTEGER to NUMERIC(8, 0))"];
        21 Types "numeric_scale_0_to_2": x(col(numeric(8, 0))) => x(col(numeric(8, 2))), ["alter column item.x (type NUMERIC(8, 0) to NUMERIC(8, 2))"];
        25 Types "timestamp_add_time_zone": x(col(TS)) => x(col(TSTZ)), ["alter column item.x (type TIMESTAMP to TIMESTAMPTZ)"];
        26 Types "timestamp_drop_time_zone": x(col(TSTZ)) => x(col(TS)), ["alter column item.x (type TIMESTAMPTZ to TIMESTAMP)"];
        28 Types "every_type_roundtrip_no_change": every_type() => every_type(), [];
        36 Types "enum_value_added": x(col(mood(&["a", "b", "c"]))) => x(col(mood(&["a", "b", "c", "d"]))), ["add value d to enum mood"];
        37 Types "enum_value_removed": x(col(mood(&["a", "b", "c", "d"]))) => x(col(mood(&["a", "b", "c"]))), ["drop value d of enum mood"];
        38 Types "enum_value_reordered": x(col(mood(&["a", "b", "c"]))) => x(col(mood(&["c", "b", "a"]))), ["reorder values of enum mood"];
        38 Types "enum_reordered_with_values_added_and_dropped": x(col(mood(&["a", "b", "c"]))) => x(col(mood(&["c", "a", "d"]))), ["add value d to enum mood", "drop value b of enum mood", "reorder values of enum mood"];
        39 Types "enum_unchanged": x(col(mood(&["a", "b"]))) => x(col(mood(&["a", "b"]))), [];
        40 Types "numeric_widen_plus_nullable": x(col(numeric(8, 2)).default("0")) => x(col(numeric(10, 2)).nullable().default("0")), ["alter column item.x (type NUMERIC(8, 2) to NUMERIC(10, 2), NULL)"];
        57 Defaults "numeric_default_5_vs_5_0": x(col(SqlType::Double).default("5")) => x(col(SqlType::Double).default("5.0")), ["alter column item.x (default 5.0)"];
        // Nullability.
        41 Nullability "set_not_null": x(col(SqlType::Varchar(50)).nullable()) => x(col(SqlType::Varchar(50))), ["fill NULLs of item.x (value not written)", "alter column item.x (NOT NULL)"];
        41 Nullability "drop_not_null": x(col(SqlType::Varchar(50))) => x(col(SqlType::Varchar(50)).nullable()), ["alter column item.x (NULL)"];
        43 Nullability "nullable_flip_no_autoinc": x(col(SqlType::Integer)) => x(col(SqlType::Integer).nullable()), ["alter column item.x (NULL)"];
        44 Nullability "composite_pk_implicit_not_null": composite_pk() => composite_pk(), [];
        // Server defaults.
        46 Defaults "add_string_default": x(col(SqlType::Varchar(20))) => x(col(SqlType::Varchar(20)).default("'x'")), ["alter column item.x (default 'x')"];
        47 Defaults "string_literal_default_change": x(col(SqlType::Varchar(30)).default("'some default'")) => x(col(SqlType::Varchar(30)).default("'some new default'")), ["alter column item.x (default 'some new default')"];
        48 Defaults "slash_literal_default_change": x(col(SqlType::Varchar(30)).default("'//slash'")) => x(col(SqlType::Varchar(30)).default("'s//l//ash'")), ["alter column item.x (default 's//l//ash')"];
        49 Defaults "integer_default_change": x(col(SqlType::Integer).default("15")) => x(col(SqlType::Integer).default("20")), ["alter column item.x (default 20)"];
        50 Defaults "string_literal_default_unchanged": x(col(SqlType::Varchar(30)).default("'some default'")) => x(col(SqlType::Varchar(30)).default("'some default'")), [];
        50 Defaults "empty_string_default_unchanged": x(col(SqlType::Varchar(30)).default("''")) => x(col(SqlType::Varchar(30)).default("''")), [];
        50 Defaults "unicode_default_unchanged": x(col(SqlType::Varchar(30)).default("'\u{e9}t\u{e9}'")) => x(col(SqlType::Varchar(30)).default("'\u{e9}t\u{e9}'")), [];
        51 Defaults "slash_literal_default_unchanged": x(col(SqlType::Varchar(30)).default("'//slash'")) => x(col(SqlType::Varchar(30)).default("'//slash'")), [];
        52 Defaults "quote_in_literal_default_unchanged": x(col(SqlType::Varchar(30)).default("'it''s'")) => x(col(SqlType::Varchar(30)).default("'it''s'")), [];
        53 Defaults "integer_default_unchanged": x(col(SqlType::Integer).default("15")) => x(col(SqlType::Integer).default("15")), [];
        54 Defaults "float_default_unchanged": x(col(SqlType::Double).default("5.2")) => x(col(SqlType::Double).default("5.2")), [];
        55 Defaults "float_default_change": x(col(SqlType::Double).default("5.2")) => x(col(SqlType::Double).default("5.3")), ["alter column item.x (default 5.3)"];
        58 Defaults "timestamp_function_default_unchanged": x(col(TS).default("CURRENT_TIMESTAMP")) => x(col(TS).default("CURRENT_TIMESTAMP")), [];
        59 Defaults "uuid_function_default_unchanged_postgres": x(col(SqlType::Uuid).default("gen_random_uuid()")) => x(col(SqlType::Uuid).default("gen_random_uuid()")), [];
        59 Defaults "uuid_function_default_unchanged_mysql": x(col(SqlType::Uuid).default("(uuid())")) => x(col(SqlType::Uuid).default("(uuid())")), [];
        62 Defaults "sqlite_expression_default_parens": x(col(TS).nullable().default("(datetime('now', 'localtime'))")) => x(col(TS).nullable().default("(datetime('now', 'localtime'))")), [];
        63 Defaults "current_timestamp_default_unchanged": x(col(TS).nullable().default("CURRENT_TIMESTAMP")) => x(col(TS).nullable().default("CURRENT_TIMESTAMP")), [];
        64 Defaults "current_timestamp_default_added": x(col(TS).nullable()) => x(col(TS).nullable().default("CURRENT_TIMESTAMP")), ["alter column item.x (default CURRENT_TIMESTAMP)"];
        66 Defaults "integer_default_added": x(col(SqlType::Integer)) => x(col(SqlType::Integer).default("0")), ["alter column item.x (default 0)"];
        66 Defaults "integer_default_removed": x(col(SqlType::Integer).default("0")) => x(col(SqlType::Integer)), ["alter column item.x (no default)"];
        67 Defaults "boolean_default_unchanged": x(col(SqlType::Boolean).default("true")) => x(col(SqlType::Boolean).default("true")), [];
        67 Defaults "boolean_default_change": x(col(SqlType::Boolean).default("true")) => x(col(SqlType::Boolean).default("false")), ["alter column item.x (default false)"];
        // Indexes and unique constraints.
        68 Indexes "add_named_unique_constraint": xyz(|_| {}) => xyz(|t| t.unique_constraints = vec![uq("uq_email", &["x"])].into()), ["add unique item(x)"];
        69 Indexes "drop_column_with_its_index": xyz(|t| t.indexes = vec![ix("pw_idx", &["z"])].into()) => xyz(|t| { t.columns.to_mut().pop(); }), ["drop index item.pw_idx", "drop column item.z"];
        70 Indexes "column_index_becomes_named_uq": xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"])].into()) => xyz(|t| t.unique_constraints = vec![uq("uq_item_x", &["x"])].into()), ["drop index item.ix_item_x", "add unique item(x)"];
        71 Indexes "add_uq_beside_existing_index": xyz(|t| t.indexes = vec![ix("ix_item_z", &["z"])].into()) => xyz(|t| { t.indexes = vec![ix("ix_item_z", &["z"])].into(); t.unique_constraints = vec![uq("uq_item_x", &["x"])].into(); }), ["add unique item(x)"];
        72 Indexes "unique_index_named_like_column_unchanged": xyz(|t| t.indexes = vec![ix("x", &["x"]).unique()].into()) => xyz(|t| t.indexes = vec![ix("x", &["x"]).unique()].into()), [];
        73 Indexes "index_becomes_unique": xyz(|t| t.indexes = vec![ix("ix_xy", &["x", "y"])].into()) => xyz(|t| t.indexes = vec![ix("ix_xy", &["x", "y"]).unique()].into()), ["drop index item.ix_xy", "create unique index item(x, y)"];
        74 Indexes "uq_db_name_vs_unnamed_flag": xyz(|t| t.unique_constraints = vec![uq("some_arbitrary_name", &["x"])].into()) => xyz(|t| t.unique_constraints = vec![uq("uq_item_x", &["x"])].into()), ["rename constraint item.some_arbitrary_name to uq_item_x"];
        75 Indexes "named_uq_columns_changed": xyz(|t| t.unique_constraints = vec![uq("nochange", &["x"])].into()) => xyz(|t| t.unique_constraints = vec![uq("nochange", &["x", "y"])].into()), ["drop unique item.nochange", "add unique item(x, y)"];
        76 Indexes "unique_plus_index_column_unchanged": xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"]).unique()].into()) => xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"]).unique()].into()), [];
        77 Indexes "implicit_uq_naming_convention_unchanged": keyed_pair() => keyed_pair(), [];
        78 Indexes "uq_truncated_conventional_name_unchanged": long_named(true) => long_named(true), [];
        79 Indexes "uq_mixed_case_convention_unchanged": mixed_case(true) => mixed_case(true), [];
        80 Indexes "uq_mixed_case_name_unchanged": xyz(|t| t.unique_constraints = vec![uq("SomeConstraint", &["x"])].into()) => xyz(|t| t.unique_constraints = vec![uq("SomeConstraint", &["x"])].into()), [];
        81 Indexes "uq_with_composite_pk_and_fk_unchanged": with_unique(composite_fk(None)) => with_unique(composite_fk(None)), [];
        82 Indexes "uq_via_column_key_unchanged": keyed() => plain(), [];
        83 Indexes "two_uqs_sharing_column_unchanged": xyz(|t| t.unique_constraints = vec![uq("uq_xy", &["x", "y"]), uq("uq_xz", &["x", "z"])].into()) => xyz(|t| t.unique_constraints = vec![uq("uq_xy", &["x", "y"]), uq("uq_xz", &["x", "z"])].into()), [];
        84 Indexes "drop_one_of_two_uqs": xyz(|t| t.unique_constraints = vec![uq("uq_xy", &["x", "y"]), uq("uq_xz", &["x", "z"])].into()) => xyz(|t| t.unique_constraints = vec![uq("uq_xz", &["x", "z"])].into()), ["drop unique item.uq_xy"];
        85 Indexes "uq_renamed_by_case": xyz(|t| t.unique_constraints = vec![uq("SomeCasingConvention", &["x"])].into()) => xyz(|t| t.unique_constraints = vec![uq("somecasingconvention", &["x"])].into()), ["rename constraint item.SomeCasingConvention to somecasingconvention"];
        86 Indexes "drop_table_with_named_uq": [ xyz(|t| t.unique_constraints = vec![uq("uq_y", &["y"])].into()), x(col(SqlType::Integer)) .into_iter() .map(|mut t| { t.name = "other".into(); t.primary_key = Some(PrimaryKey::new("pk_other", ["id"])); t }) .collect(), ] .concat() => x(col(SqlType::Integer)) .into_iter() .map(|mut t| { t.name = "other".into(); t.primary_key = Some(PrimaryKey::new("pk_other", ["id"])); t }) .collect(), ["drop table item"];
        87 Indexes "unnamed_uq_columns_changed": xyz(|t| t.unique_constraints = vec![uq("uq_item_x", &["x"])].into()) => xyz(|t| t.unique_constraints = vec![uq("uq_item_x_y", &["x", "y"])].into()), ["drop unique item.uq_item_x", "add unique item(x, y)"];
        88 Indexes "drop_named_unique_index": xyz(|t| t.indexes = vec![ix("xidx", &["x"]).unique()].into()) => xyz(|_| {}), ["drop index item.xidx"];
        89 Indexes "drop_named_uq": xyz(|t| t.unique_constraints = vec![uq("xidx", &["x"])].into()) => xyz(|_| {}), ["drop unique item.xidx"];
        90 Indexes "create_table_with_unique_column": vec![] => xyz(|t| t.unique_constraints = vec![uq("uq_item_x", &["x"])].into()), ["create table item"];
        91 Indexes "drop_table_with_unique_column": xyz(|t| t.unique_constraints = vec![uq("uq_item_x", &["x"])].into()) => vec![], ["drop table item"];
        92 Indexes "create_table_with_unique_index_column": vec![] => xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"]).unique()].into()), ["create table item"];
        93 Indexes "column_index_unchanged": xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"])].into()) => xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"])].into()), [];
        94 Indexes "ix_truncated_conventional_name_unchanged": long_named(false) => long_named(false), [];
        95 Indexes "ix_mixed_case_name_unchanged": xyz(|t| t.indexes = vec![ix("SomeIndex", &["x"])].into()) => xyz(|t| t.indexes = vec![ix("SomeIndex", &["x"])].into()), [];
        96 Indexes "ix_mixed_case_table_column_unchanged": mixed_case(false) => mixed_case(false), [];
        97 Indexes "create_table_with_indexes": vec![] => xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"]), ix("newtable_idx", &["y"])].into()), ["create table item"];
        98 Indexes "ix_via_column_key_unchanged": keyed() => plain(), [];
        99 Indexes "ix_named_like_column_unchanged": xyz(|t| t.indexes = vec![ix("x", &["x"])].into()) => xyz(|t| t.indexes = vec![ix("x", &["x"])].into()), [];
        100 Indexes "fk_column_implicit_index_unchanged": family(|t| t.foreign_keys = vec![fk("parent_id")].into()) => family(|t| t.foreign_keys = vec![fk("parent_id")].into()), [];
        101 Indexes "composite_fk_implicit_index_unchanged": composite_fk(None) => composite_fk(None), [];
        102 Indexes "ix_renamed_by_case": xyz(|t| t.indexes = vec![ix("SomeCasingConvention", &["x"])].into()) => xyz(|t| t.indexes = vec![ix("somecasingconvention", &["x"])].into()), ["rename index item.SomeCasingConvention to somecasingconvention"];
        103 Indexes "add_ix_named_like_column": xyz(|_| {}) => xyz(|t| t.indexes = vec![ix("x", &["x"])].into()), ["create index item(x)"];
        104 Indexes "drop_ix_named_like_column": xyz(|t| t.indexes = vec![ix("x", &["x"])].into()) => xyz(|_| {}), ["drop index item.x"];
        105 Indexes "drop_table_with_indexes": xyz(|t| t.indexes = vec![ix("ix_xy", &["x", "y"]), ix("ix_y", &["y"])].into()) => vec![], ["drop table item"];
        106 Indexes "create_table_with_plain_index_column": vec![] => xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"])].into()), ["create table item"];
        107 Indexes "ix_case_sensitive_column_unchanged": x(Column::new("regNumber", SqlType::Varchar(20))) .into_iter() .map(|mut t| { t.indexes = vec![ix("ix_item_regNumber", &["regNumber"])].into(); t }) .collect() => x(Column::new("regNumber", SqlType::Varchar(20))) .into_iter() .map(|mut t| { t.indexes = vec![ix("ix_item_regNumber", &["regNumber"])].into(); t }) .collect(), [];
        108 Indexes "ix_case_sensitive_name_unchanged": reg_number() => reg_number(), [];
        109 Indexes "ix_column_order_changed": xyz(|t| t.indexes = vec![ix("SomeIndex", &["x", "y"])].into()) => xyz(|t| t.indexes = vec![ix("SomeIndex", &["y", "x"])].into()), ["drop index item.SomeIndex", "create index item(y, x)"];
        115 Indexes "expression_ix_added": xyz(|_| {}) => xyz(|t| t.indexes = vec![Index::on_expressions("ix_item_y_lower_x", ["y", "lower(x)"])].into()), ["create index item(y, lower(x))"];
        114 Indexes "ix_covering_include_unchanged": xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"]).include(["y"])].into()) => xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"]).include(["y"])].into()), [];
        120 Indexes "pg_drop_named_uq": xyz(|t| t.unique_constraints = vec![uq("uq_name", &["y"])].into()) => xyz(|_| {}), ["drop unique item.uq_name"];
        // Foreign keys.
        126 ForeignKeys "add_column_with_fk": family(|t| { t.columns.to_mut().retain(|c| c.name != "other_id"); }) => family(|t| t.foreign_keys = vec![fk("other_id")].into()), [ "add column child.other_id", "add foreign key child(other_id) to parent", ];
        127 ForeignKeys "drop_fk": family(|t| t.foreign_keys = vec![fk("parent_id")].into()) => family(|_| {}), ["drop foreign key child.fk_child_parent_id_parent"];
        128 ForeignKeys "add_fk": family(|_| {}) => family(|t| t.foreign_keys = vec![fk("parent_id")].into()), ["add foreign key child(parent_id) to parent"];
        129 ForeignKeys "fk_unchanged": family(|t| t.foreign_keys = vec![fk("parent_id")].into()) => family(|t| t.foreign_keys = vec![fk("parent_id")].into()), [];
        130 ForeignKeys "composite_fk_unchanged": composite_fk(None) => composite_fk(None), [];
        131 ForeignKeys "fk_renamed_and_moved": family(|t| t.foreign_keys = vec![fk("parent_id")].into()) => family(|t| t.foreign_keys = vec![fk("other_id")].into()), [ "drop foreign key child.fk_child_parent_id_parent", "add foreign key child(other_id) to parent", ];
        132 ForeignKeys "add_named_composite_fk": composite_fk(Some(false)) => composite_fk(None), ["add foreign key pair_child(a, b) to pair"];
        133 ForeignKeys "drop_named_composite_fk": composite_fk(None) => composite_fk(Some(false)), ["drop foreign key pair_child.fk_test_name"];
        134 ForeignKeys "add_fk_via_column_keys": unkeyed() => keyed(), ["add foreign key child(parent_ref) to parent"];
        135 ForeignKeys "fk_via_column_keys_unchanged": keyed() => plain(), [];
        136 ForeignKeys "add_on_delete": family(|t| t.foreign_keys = vec![fk("parent_id")].into()) => family(|t| t.foreign_keys = vec![fk("parent_id").on_delete(Action::Cascade)].into()), [ "drop foreign key child.fk_child_parent_id_parent", "add foreign key child(parent_id) to parent", ];
        137 ForeignKeys "remove_on_delete": family(|t| t.foreign_keys = vec![fk("parent_id").on_delete(Action::Cascade)].into()) => family(|t| t.foreign_keys = vec![fk("parent_id")].into()), [ "drop foreign key child.fk_child_parent_id_parent", "add foreign key child(parent_id) to parent", ];
        138 ForeignKeys "on_delete_case_only": keyed() => plain(), [];
        139 ForeignKeys "add_on_update": family(|t| t.foreign_keys = vec![fk("parent_id")].into()) => family(|t| t.foreign_keys = vec![fk("parent_id").on_update(Action::Cascade)].into()), [ "drop foreign key child.fk_child_parent_id_parent", "add foreign key child(parent_id) to parent", ];
        140 ForeignKeys "remove_on_update": family(|t| t.foreign_keys = vec![fk("parent_id").on_update(Action::Cascade)].into()) => family(|t| t.foreign_keys = vec![fk("parent_id")].into()), [ "drop foreign key child.fk_child_parent_id_parent", "add foreign key child(parent_id) to parent", ];
        141 ForeignKeys "on_update_case_only": keyed() => plain(), [];
        142 ForeignKeys "on_delete_restrict_unchanged": family(|t| t.foreign_keys = vec![fk("parent_id").on_delete(Action::Restrict)].into()) => family(|t| t.foreign_keys = vec![fk("parent_id").on_delete(Action::Restrict)].into()), [];
        143 ForeignKeys "on_update_restrict_unchanged": family(|t| t.foreign_keys = vec![fk("parent_id").on_update(Action::Restrict)].into()) => family(|t| t.foreign_keys = vec![fk("parent_id").on_update(Action::Restrict)].into()), [];
        144 ForeignKeys "on_delete_no_action_unchanged": family(|t| t.foreign_keys = vec![fk("parent_id").on_delete(Action::NoAction)].into()) => family(|t| t.foreign_keys = vec![fk("parent_id").on_delete(Action::NoAction)].into()), [];
        145 ForeignKeys "on_update_no_action_unchanged": family(|t| t.foreign_keys = vec![fk("parent_id").on_update(Action::NoAction)].into()) => family(|t| t.foreign_keys = vec![fk("parent_id").on_update(Action::NoAction)].into()), [];
        146 ForeignKeys "on_delete_restrict_to_cascade": family(|t| t.foreign_keys = vec![fk("parent_id").on_delete(Action::Restrict)].into()) => family(|t| t.foreign_keys = vec![fk("parent_id").on_delete(Action::Cascade)].into()), [ "drop foreign key child.fk_child_parent_id_parent", "add foreign key child(parent_id) to parent", ];
        147 ForeignKeys "on_update_restrict_to_cascade": family(|t| t.foreign_keys = vec![fk("parent_id").on_update(Action::Restrict)].into()) => family(|t| t.foreign_keys = vec![fk("parent_id").on_update(Action::Cascade)].into()), [ "drop foreign key child.fk_child_parent_id_parent", "add foreign key child(parent_id) to parent", ];
        148 ForeignKeys "both_actions_changed": family(|t| { t.foreign_keys = vec![ fk("parent_id") .on_update(Action::Cascade) .on_delete(Action::SetNull), ] .into() }) => family(|t| { t.foreign_keys = vec![ fk("parent_id") .on_update(Action::Restrict) .on_delete(Action::Restrict), ] .into() }), [ "drop foreign key child.fk_child_parent_id_parent", "add foreign key child(parent_id) to parent", ];
        154 ForeignKeys "create_parent_before_child": vec![] => family(|t| t.foreign_keys = vec![fk("parent_id")].into()), ["create table parent", "create table child"];
        // Checks.
        155 Checks "add_named_check": xyz(|_| {}) => xyz(|t| t.checks = vec![ck("ck_t_x_positive", "z > 0")].into()), ["add check item.ck_t_x_positive"];
        156 Checks "drop_named_check": xyz(|t| t.checks = vec![ck("ck_t_x_positive", "z > 0")].into()) => xyz(|_| {}), ["drop check item.ck_t_x_positive"];
        157 Checks "check_unchanged": xyz(|t| t.checks = vec![ck("ck_t_x_positive", "z > 0")].into()) => xyz(|t| t.checks = vec![ck("ck_t_x_positive", "z > 0")].into()), [];
        158 Checks "same_name_new_expression": xyz(|t| t.checks = vec![ck("ck_t_x_positive", "z > 0")].into()) => xyz(|t| t.checks = vec![ck("ck_t_x_positive", "z > 5")].into()), [ "drop check item.ck_t_x_positive", "add check item.ck_t_x_positive", ];
        163 Checks "type_bound_check_ignored": x(col(mood(&["a", "b"]))) => x(col(mood(&["a", "b"]))) .into_iter() .map(|mut t| { t.checks = vec![ck("ck_item_x", "x <> 'b'")].into(); t }) .collect(), ["add check item.ck_item_x"];
        164 Checks "add_second_check": xyz(|t| t.checks = vec![ck("ck_x", "z > 0")].into()) => xyz(|t| t.checks = vec![ck("ck_x", "z > 0"), ck("ck_y", "z < 100")].into()), ["add check item.ck_y"];
        165 Checks "drop_one_of_two_checks": xyz(|t| t.checks = vec![ck("ck_x", "z > 0"), ck("ck_y", "z < 100")].into()) => xyz(|t| t.checks = vec![ck("ck_x", "z > 0")].into()), ["drop check item.ck_y"];
        166 Checks "create_table_with_check": vec![] => xyz(|t| t.checks = vec![ck("ck_new_x", "z > 0")].into()), ["create table item"];
        167 Checks "drop_table_with_check": xyz(|t| t.checks = vec![ck("ck_old_x", "z > 0")].into()) => vec![], ["drop table item"];
        168 Checks "replace_and_add_checks": xyz(|t| t.checks = vec![ck("ck_value_positive", "z > 0")].into()) => xyz(|t| { t.checks = vec![ ck("ck_value_non_negative", "z >= 0"), ck("ck_status_not_null", "y IS NOT NULL"), ] .into() }), [ "drop check item.ck_value_positive", "add check item.ck_status_not_null", "add check item.ck_value_non_negative", ];
        169 Checks "check_with_string_literal": xyz(|_| {}) => xyz(|t| t.checks = vec![ck("ck_source", "y <> 'MANUAL'")].into()), ["add check item.ck_source"];
        171 Checks "check_expression_changed": xyz(|t| t.checks = vec![ck("ck_order_amount", "z >= 0")].into()) => xyz(|t| t.checks = vec![ck("ck_order_amount", "z > -1")].into()), [ "drop check item.ck_order_amount", "add check item.ck_order_amount", ];
        170 Checks "check_name_with_spaces_and_dashes": xyz(|_| {}) => xyz(|t| t.checks = vec![ck("ck with spaces", "z > 0"), ck("ck-with-dashes", "z < 100")].into()), ["add check item.ck with spaces", "add check item.ck-with-dashes"];
        // Comments.
        177 Comments "table_comment_unchanged": commented(Some("this is some table"), None) => commented(Some("this is some table"), None), [];
        178 Comments "add_table_comment": commented(None, None) => commented(Some("this is some table"), None), ["set comment of table item"];
        179 Comments "remove_table_comment": commented(Some("this is some table"), None) => commented(None, None), ["set comment of table item"];
        180 Comments "alter_table_comment": commented(Some("this is some table"), None) => commented(Some("this is also some table"), None), ["set comment of table item"];
        181 Comments "column_comment_unchanged": commented(None, Some("the amount")) => commented(None, Some("the amount")), [];
        182 Comments "add_column_comment": commented(None, None) => commented(None, Some("the amount")), ["alter column item.amount (comment)"];
        183 Comments "remove_column_comment": commented(None, Some("the amount")) => commented(None, None), ["alter column item.amount (comment)"];
        184 Comments "alter_column_comment": commented(None, Some("the amount")) => commented(None, Some("the adjusted amount")), ["alter column item.amount (comment)"];
        185 Comments "comment_added_carries_existing": identity(true) => identity(true) .into_iter() .map(|mut t| { t.columns.to_mut()[0] = id().comment("the key"); t }) .collect(), ["alter column item.id (comment)"];
        186 Comments "comment_added_not_null_kept": x(col(SqlType::Integer)) => x(col(SqlType::Integer).comment("kept NOT NULL")), ["alter column item.x (comment)"];
        187 Comments "comment_changed_records_old": x(col(SqlType::Integer).comment("old")) => x(col(SqlType::Integer).comment("new")), ["alter column item.x (comment)"];
        188 Comments "comment_added_default_kept": x(col(SqlType::Integer).default("5")) => x(col(SqlType::Integer).default("5").comment("five")), ["alter column item.x (comment)"];
        // Identity.
        189 Identity "add_identity_pk_column": identity_dropped() => identity(true), ["add column item.id", "add primary key item(id)"];
        190 Identity "drop_identity_pk_column": identity(true) => identity_dropped(), ["drop primary key item.pk_item", "drop column item.id"];
        191 Identity "identity_unchanged": identity(true) => identity(true), [];
        192 Identity "identity_added_to_column": identity(false) => identity(true), ["alter column item.id (auto-increment)"];
        193 Identity "identity_removed_from_column": identity(true) => identity(false), ["alter column item.id (no auto-increment)"];
        196 Identity "pg_serial_pk_no_default_diff": identity(true) => identity(true), [];
        197 Identity "pg_pk_no_autoinc_no_default": identity(false) => identity(false), [];
        200 Identity "pk_autoinc_widened": identity_typed(true, SqlType::Integer) => identity_typed(true, SqlType::BigInt), ["alter column item.id (type INTEGER to BIGINT)"];
        199 Identity "pk_no_autoinc_widened": identity_typed(false, SqlType::Integer) => identity_typed(false, SqlType::BigInt), ["alter column item.id (type INTEGER to BIGINT)"];
        201 Identity "non_pk_int_widened": x(col(SqlType::Integer)) => x(col(SqlType::BigInt)), ["alter column item.x (type INTEGER to BIGINT)"];
        203 Identity "composite_pk_int_widened": composite_pk() => composite_pk_typed(SqlType::BigInt), ["alter column pair.b (type INTEGER to BIGINT)"];
        // Ferro's own, beyond Alembic's suite: partial indexes (PostgreSQL
        // and SQLite; MySQL has none).
        1001 Indexes "partial_index_added": xyz(|_| {}) => xyz(|t| t.indexes = vec![ix("ix_item_live", &["x"]).predicate("z IS NOT NULL")].into()), ["create index item(x) where z IS NOT NULL"];
        1002 Indexes "partial_index_predicate_changed": xyz(|t| t.indexes = vec![ix("ix_item_live", &["x"]).unique().predicate("z IS NOT NULL")].into()) => xyz(|t| t.indexes = vec![ix("ix_item_live", &["x"]).unique().predicate("z > 0")].into()), ["drop index item.ix_item_live", "create unique index item(x) where z > 0"];
        1003 Indexes "partial_index_unchanged": xyz(|t| t.indexes = vec![ix("ix_item_live", &["x", "y"]).predicate("y <> 'gone'")].into()) => xyz(|t| t.indexes = vec![ix("ix_item_live", &["x", "y"]).predicate("y <> 'gone'")].into()), [];
        1005 Indexes "descending_index_added": xyz(|_| {}) => xyz(|t| t.indexes = vec![ix("ix_item_recent", &["x", "z"]).descending(["z"])].into()), ["create index item(x, z desc)"];
        1006 Indexes "index_order_changed": xyz(|t| t.indexes = vec![ix("ix_item_recent", &["x", "z"]).descending(["z"])].into()) => xyz(|t| t.indexes = vec![ix("ix_item_recent", &["x", "z"]).descending(["x"])].into()), ["drop index item.ix_item_recent", "create index item(x desc, z)"];
        1007 Indexes "descending_index_unchanged": xyz(|t| t.indexes = vec![ix("ix_item_recent", &["z"]).descending(["z"])].into()) => xyz(|t| t.indexes = vec![ix("ix_item_recent", &["z"]).descending(["z"])].into()), [];
        1008 Indexes "pg_index_method_added": xyz(|_| {}) => xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"]).using("hash")].into()), ["create index item using hash(x)"];
        1009 Indexes "pg_index_method_changed": xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"]).using("hash")].into()) => xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"])].into()), ["drop index item.ix_item_x", "create index item(x)"];
        1010 Indexes "pg_index_operator_class_added": xyz(|t| t.indexes = vec![ix("ix_item_y", &["x", "y"])].into()) => xyz(|t| t.indexes = vec![ix("ix_item_y", &["x", "y"]).operator_class("y", "varchar_pattern_ops")].into()), ["drop index item.ix_item_y", "create index item(x, y varchar_pattern_ops)"];
        1011 Indexes "pg_index_include_added": xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"]).unique()].into()) => xyz(|t| t.indexes = vec![ix("ix_item_x", &["x"]).unique().include(["z", "y"])].into()), ["drop index item.ix_item_x", "create unique index item(x) include (z, y)"];
        1012 Indexes "pg_index_gin_unchanged": x(col(SqlType::Json)).into_iter().map(|mut t| { t.indexes = vec![ix("ix_item_doc", &["x"]).using("gin").operator_class("x", "jsonb_path_ops")].into(); t }).collect() => x(col(SqlType::Json)).into_iter().map(|mut t| { t.indexes = vec![ix("ix_item_doc", &["x"]).using("gin").operator_class("x", "jsonb_path_ops")].into(); t }).collect(), [];
        1013 Indexes "pg_index_brin_include_renamed_column": xyz(|t| t.indexes = vec![ix("ix_item_z", &["z"]).using("brin"), ix("ix_item_x", &["x"]).include(["y"])].into()) => xyz(|t| {
            let mut w = Column::new("w", SqlType::Varchar(20));
            w.renamed_from = Some("y".into());
            t.columns.to_mut()[2] = w;
            t.indexes = vec![ix("ix_item_z", &["z"]).using("brin"), ix("ix_item_x", &["x"]).include(["w"])].into();
        }), ["rename column item.y to w"];
        1014 Types "collation_added_postgres": x(col(SqlType::Varchar(20))) => x(col(SqlType::Varchar(20)).collation("C")), ["alter column item.x (collation C)"];
        1015 Types "collation_removed_postgres": x(col(SqlType::Text).nullable().collation("C")) => x(col(SqlType::Text).nullable()), ["alter column item.x (default collation)"];
        1016 Types "collation_unchanged_postgres": x(col(SqlType::Varchar(20)).collation("C")) => x(col(SqlType::Varchar(20)).collation("C")), [];
        1014 Types "collation_added_mysql": x(col(SqlType::Varchar(20))) => x(col(SqlType::Varchar(20)).collation("utf8mb4_bin")), ["alter column item.x (collation utf8mb4_bin)"];
        1015 Types "collation_removed_mysql": x(col(SqlType::Text).nullable().collation("utf8mb4_bin")) => x(col(SqlType::Text).nullable()), ["alter column item.x (default collation)"];
        1016 Types "collation_unchanged_mysql": x(col(SqlType::Varchar(20)).collation("utf8mb4_bin")) => x(col(SqlType::Varchar(20)).collation("utf8mb4_bin")), [];
        1014 Types "collation_added_sqlite": x(col(SqlType::Varchar(20))) => x(col(SqlType::Varchar(20)).collation("NOCASE")), ["alter column item.x (collation NOCASE)"];
        1015 Types "collation_removed_sqlite": x(col(SqlType::Text).nullable().collation("NOCASE")) => x(col(SqlType::Text).nullable()), ["alter column item.x (default collation)"];
        1016 Types "collation_unchanged_sqlite": x(col(SqlType::Varchar(20)).collation("NOCASE")) => x(col(SqlType::Varchar(20)).collation("NOCASE")), [];
        1017 Indexes "expression_index_added": xyz(|_| {}) => xyz(|t| t.indexes = vec![Index::on_expressions("ix_item_lower_y", ["lower(y)"])].into()), ["create index item(lower(y))"];
        1018 Indexes "expression_index_changed": xyz(|t| t.indexes = vec![Index::on_expressions("ix_item_y", ["lower(y)"]).unique()].into()) => xyz(|t| t.indexes = vec![Index::on_expressions("ix_item_y", ["upper(y)"]).unique()].into()), ["drop index item.ix_item_y", "create unique index item(upper(y))"];
        1019 Indexes "expression_index_unchanged": xyz(|t| t.indexes = vec![Index::on_expressions("ix_item_xyz", ["x", "lower(y)", "z + 1"]).unique().predicate("z > 0")].into()) => xyz(|t| t.indexes = vec![Index::on_expressions("ix_item_xyz", ["x", "lower(y)", "z + 1"]).unique().predicate("z > 0")].into()), [];
        1020 Indexes "expression_index_column_dropped": xyz(|t| t.indexes = vec![Index::on_expressions("ix_item_y", ["x", "lower(y)"])].into()) => xyz(|t| t.columns.to_mut().retain(|c| c.name != "y")), ["drop index item.ix_item_y", "drop column item.y"];
        1021 Types "generated_column_added": xyz(|_| {}) => xyz(|t| t.columns.to_mut().push(Column::new("w", SqlType::Integer).nullable().generated("z * 2", true))), ["add column item.w"];
        1022 Types "generated_virtual_column_unchanged": xyz(|t| t.columns.to_mut().push(Column::new("w", SqlType::BigInt).nullable().generated("z + 1", false))) => xyz(|t| t.columns.to_mut().push(Column::new("w", SqlType::BigInt).nullable().generated("z + 1", false))), [];
        1023 Types "generated_column_dropped": xyz(|t| t.columns.to_mut().push(Column::new("w", SqlType::Integer).nullable().generated("z * 2", true))) => xyz(|_| {}), ["drop column item.w"];
        1024 Indexes "generated_column_indexed": xyz(|_| {}) => xyz(|t| {
            t.columns.to_mut().push(Column::new("w", SqlType::Integer).nullable().generated("z * 3", true));
            t.indexes = vec![ix("ix_item_w", &["w"]).unique()].into();
        }), ["add column item.w", "create unique index item(w)"];
        1025 ForeignKeys "pg_schema_table_created": parent_only() => billed(|_| {}), ["create schema billing", "create table billing.child"];
        1026 ForeignKeys "pg_schema_table_unchanged": billed(|_| {}) => billed(|_| {}), [];
        1027 ForeignKeys "pg_schema_table_moved": family(|t| t.foreign_keys = vec![fk("parent_id")].into()) => billed(|t| t.renamed_from = Some("child".into())), ["create schema billing", "rename table child to billing.child"];
        1028 Indexes "pg_schema_index_added": billed(|_| {}) => billed(|t| t.indexes = vec![ix("ix_child_other_id", &["other_id"])].into()), ["create index billing.child(other_id)"];
        1029 ForeignKeys "pg_schema_last_table_dropped": billed(|_| {}) => parent_only(), ["drop table billing.child", "drop schema billing"];
        1004 Indexes "partial_index_becomes_whole": xyz(|t| t.indexes = vec![ix("ix_item_live", &["x"]).predicate("z IS NOT NULL")].into()) => xyz(|t| t.indexes = vec![ix("ix_item_live", &["x"])].into()), ["drop index item.ix_item_live", "create index item(x)"];
    }
}

/// `pair` (composite key) beside `item` with a unique column, under Ferro's
/// naming convention.
pub(crate) fn keyed_pair() -> Vec<Table> {
    let mut tables = composite_pk();
    tables.extend(xyz(|t| {
        t.unique_constraints = vec![uq(&ferro::schema::naming::unique("item", &["x"]), &["x"])].into()
    }));
    tables
}

/// A column whose conventional unique (or index) name is over 63 bytes, and
/// so cut with a hash.
pub(crate) fn long_named(unique: bool) -> Vec<Table> {
    let long = "a_column_name_long_enough_that_the_conventional_name_is_cut";
    let mut t = item(vec![Column::new(long, SqlType::Varchar(20))]);
    if unique {
        t.unique_constraints = vec![uq(&ferro::schema::naming::unique("item", &[long]), &[long])].into();
    } else {
        t.indexes = vec![ix(&ferro::schema::naming::index("item", &[long]), &[long])].into();
    }
    vec![t]
}

/// `NothingChanged` with a column `XCol` under a unique or an index.
pub(crate) fn mixed_case(unique: bool) -> Vec<Table> {
    let mut t = table(
        "NothingChanged",
        vec![id(), Column::new("XCol", SqlType::Varchar(20))],
    );
    if unique {
        t.unique_constraints = vec![uq(
            &ferro::schema::naming::unique("NothingChanged", &["XCol"]),
            &["XCol"],
        )]
        .into();
    } else {
        t.indexes = vec![ix(
            &ferro::schema::naming::index("NothingChanged", &["XCol"]),
            &["XCol"],
        )]
        .into();
    }
    vec![t]
}

/// The tables with a unique column added to `pair`.
pub(crate) fn with_unique(mut tables: Vec<Table>) -> Vec<Table> {
    for t in &mut tables {
        if t.name == "pair" {
            t.columns.to_mut().push(Column::new("code", SqlType::Varchar(10)));
            t.unique_constraints = vec![uq("uq_pair_code", &["code"])].into();
        }
    }
    tables
}

/// `item` with `reg_number` under the index `regNumber_idx`.
pub(crate) fn reg_number() -> Vec<Table> {
    let mut t = item(vec![Column::new("reg_number", SqlType::Varchar(20))]);
    t.indexes = vec![ix("regNumber_idx", &["reg_number"])].into();
    vec![t]
}

// Models whose fields are named apart from their columns (`column = ".."`)
// and whose referential actions are spelled in odd cases, against the same
// models written plainly: the cases about column keys and action spellings.
#[allow(dead_code, reason = "only the models' tables are read")]
mod keyed {
    use ferro::Model;

    #[derive(Model)]
    #[ferro(table = "parent")]
    pub(crate) struct Parent {
        #[ferro(primary_key)]
        pub(crate) id: i64,
    }

    #[derive(Model)]
    #[ferro(table = "child")]
    pub(crate) struct Child {
        #[ferro(primary_key)]
        pub(crate) id: i64,
        #[ferro(column = "email", unique, max_length = 40)]
        pub(crate) email_address: String,
        #[ferro(column = "code", index, max_length = 10)]
        pub(crate) code_value: String,
        #[ferro(
            column = "parent_ref",
            foreign_key(references = Parent, on_delete = "caSCAde", on_update = "set  null")
        )]
        pub(crate) parent: Option<i64>,
    }
}

#[allow(dead_code, reason = "only the models' tables are read")]
mod plain {
    use ferro::Model;

    #[derive(Model)]
    #[ferro(table = "parent")]
    pub(crate) struct Parent {
        #[ferro(primary_key)]
        pub(crate) id: i64,
    }

    #[derive(Model)]
    #[ferro(table = "child")]
    pub(crate) struct Child {
        #[ferro(primary_key)]
        pub(crate) id: i64,
        #[ferro(unique, max_length = 40)]
        pub(crate) email: String,
        #[ferro(index, max_length = 10)]
        pub(crate) code: String,
        #[ferro(foreign_key(references = Parent, on_delete = "CasCade", on_update = "SET NULL"))]
        pub(crate) parent_ref: Option<i64>,
    }
}

#[allow(dead_code, reason = "only the models' tables are read")]
mod unkeyed {
    use ferro::Model;

    #[derive(Model)]
    #[ferro(table = "child")]
    pub(crate) struct Child {
        #[ferro(primary_key)]
        pub(crate) id: i64,
        #[ferro(unique, max_length = 40)]
        pub(crate) email: String,
        #[ferro(index, max_length = 10)]
        pub(crate) code: String,
        pub(crate) parent_ref: Option<i64>,
    }
}

/// The tables of the models with column keys.
pub(crate) fn keyed() -> Vec<Table> {
    use ferro::Model as _;
    vec![keyed::Parent::TABLE, keyed::Child::TABLE]
}

/// The same models written plainly.
pub(crate) fn plain() -> Vec<Table> {
    use ferro::Model as _;
    vec![plain::Parent::TABLE, plain::Child::TABLE]
}

/// The plain models without the foreign key.
pub(crate) fn unkeyed() -> Vec<Table> {
    use ferro::Model as _;
    vec![plain::Parent::TABLE, unkeyed::Child::TABLE]
}

/// One column of each type Ferro maps.
pub(crate) fn every_type() -> Vec<Table> {
    let types = [
        SqlType::SmallInt,
        SqlType::Integer,
        SqlType::BigInt,
        SqlType::Real,
        SqlType::Double,
        SqlType::Boolean,
        SqlType::Text,
        SqlType::Varchar(30),
        SqlType::Blob,
        numeric(10, 2),
        SqlType::Uuid,
        TS,
        TSTZ,
        SqlType::Date,
        SqlType::Time,
        SqlType::Json,
        mood(&["a", "b"]),
    ];
    let columns = types
        .into_iter()
        .enumerate()
        .map(|(i, ty)| Column::new(format!("c{i}"), ty).nullable())
        .collect();
    vec![item(columns)]
}

/// `pair` with the composite key (a, b), both of type `ty` for b.
pub(crate) fn composite_pk_typed(b: SqlType) -> Vec<Table> {
    let mut t = Table::new("pair");
    t.columns = vec![Column::new("a", SqlType::Integer), Column::new("b", b)].into();
    t.primary_key = Some(PrimaryKey::new("pk_pair", ["a", "b"]));
    vec![t]
}

pub(crate) fn composite_pk() -> Vec<Table> {
    composite_pk_typed(SqlType::Integer)
}

/// `pair` and `pair_child` with a composite foreign key to it named
/// `fk_test_name` (`Some(false)`: without the key).
pub(crate) fn composite_fk(without: Option<bool>) -> Vec<Table> {
    let mut tables = composite_pk();
    let mut child = table(
        "pair_child",
        vec![
            id(),
            Column::new("a", SqlType::Integer).nullable(),
            Column::new("b", SqlType::Integer).nullable(),
        ],
    );
    if without.is_none() {
        child.foreign_keys = vec![ForeignKey::new("fk_test_name", ["a", "b"], "pair", ["a", "b"])].into();
    }
    tables.push(child);
    tables
}

/// `item` with a comment or none, and a column `amount` with a comment or none.
pub(crate) fn commented(table_comment: Option<&str>, column_comment: Option<&str>) -> Vec<Table> {
    let mut amount = Column::new("amount", SqlType::Double).nullable();
    if let Some(c) = column_comment {
        amount = amount.comment(c.to_owned());
    }
    let mut t = item(vec![amount]);
    t.comment = table_comment.map(|c| c.to_owned().into());
    vec![t]
}

/// `item` whose key `id` of type `ty` auto-increments or not, with `other`.
pub(crate) fn identity_typed(auto: bool, ty: SqlType) -> Vec<Table> {
    let mut id = Column::new("id", ty);
    if auto {
        id = id.auto_increment();
    }
    vec![table(
        "item",
        vec![id, Column::new("other", SqlType::Integer).nullable()],
    )]
}

pub(crate) fn identity(auto: bool) -> Vec<Table> {
    identity_typed(auto, SqlType::BigInt)
}

/// `item` with only `other`.
pub(crate) fn identity_dropped() -> Vec<Table> {
    let mut t = Table::new("item");
    t.columns = vec![Column::new("other", SqlType::Integer).nullable()].into();
    vec![t]
}

/// Whether a case is for database `d`: a default that calls a function is
/// SQL of one database.
pub(crate) fn applies(d: Dialect, id: &str) -> bool {
    match id {
        "uuid_function_default_unchanged_postgres" => d == Dialect::Postgres,
        "uuid_function_default_unchanged_mysql" => d == Dialect::MySql,
        "sqlite_expression_default_parens" => d == Dialect::Sqlite,
        // MySQL has no partial indexes.
        id if id.starts_with("partial_index_") => d != Dialect::MySql,
        // Nor indexes on expressions (MariaDB).
        id if id.starts_with("expression_index_") || id == "expression_ix_added" => d != Dialect::MySql,
        // PostgreSQL before 18 has no virtual generated columns.
        id if id.starts_with("generated_virtual_") => d != Dialect::Postgres,
        // A collation's name is a database's own.
        id if id.starts_with("collation_") => {
            let of = match d {
                Dialect::Sqlite => "sqlite",
                Dialect::Postgres => "postgres",
                Dialect::MySql => "mysql",
            };
            id.ends_with(of)
        }
        // Schemas (namespaces) of tables are PostgreSQL's: a MySQL schema is
        // a database, SQLite's an attached file, and Ferro refuses both.
        id if id.starts_with("pg_schema_") => d == Dialect::Postgres,
        // Index methods, operator classes and `INCLUDE` are PostgreSQL's.
        id if id.starts_with("pg_index_") || id == "ix_covering_include_unchanged" => d == Dialect::Postgres,
        _ => true,
    }
}
