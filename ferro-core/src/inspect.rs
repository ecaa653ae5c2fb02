//! Models from a schema: the source of a models crate that declares a
//! database's tables, for `ferro inspect` (Django's `inspectdb`, Prisma's
//! `db pull`).
//!
//! [`models`] writes one `#[derive(ferro::Model)]` struct per table, with
//! every column, key, index, unique and check constraint, foreign key, enum,
//! comment and default the derive can say, and a
//! `// ferro: not expressible: …` line for everything it cannot: what the
//! database reader found beyond the model ([`Note`]s), and what the schema
//! holds but the derive refuses (a composite foreign key, a default that is
//! not a self-contained SQL expression, ...). Nothing is left out silently.
//!
//! The names are written so that the models give back the schema read: the
//! table's name is always given, a field's column wherever the field's name
//! differs from it, and a constraint's name wherever it differs from the
//! convention ([`crate::schema::naming`]).
//!
//! ```
//! use ferro::inspect;
//! use ferro::schema::{Column, SqlType, Table};
//!
//! let mut users = Table::new("users");
//! users.columns = vec![
//!     Column::new("id", SqlType::BigInt).auto_increment(),
//!     Column::new("email", SqlType::Varchar(200)),
//! ]
//! .into();
//! users.primary_key = Some(ferro::schema::PrimaryKey::new("users_pkey", ["id"]));
//! let schema = ferro::Schema::new([users]).unwrap();
//! let models = inspect::models(&schema, &[]);
//! assert!(models.source.contains("#[ferro(primary_key(name = \"users_pkey\"))]"));
//! assert!(models.source.contains("pub email: String,"));
//! ```

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::schema::{Action, Column, EnumType, ForeignKey, Schema, SqlType, Table, fragment, naming};

/// Something in a database that a model cannot express, written beside the
/// models as a `// ferro: not expressible: …` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The table it belongs to; `None` for an object of its own (a view, a
    /// trigger on several tables, a sequence).
    pub table: Option<String>,
    /// What it is, in a line: its kind, its name and its SQL where the
    /// database gives it.
    pub text: String,
}

impl Note {
    /// A note about `table`.
    pub fn on(table: impl Into<String>, text: impl Into<String>) -> Note {
        Note {
            table: Some(table.into()),
            text: text.into(),
        }
    }

    /// A note about an object of the database's own.
    pub fn of_database(text: impl Into<String>) -> Note {
        Note {
            table: None,
            text: text.into(),
        }
    }
}

/// The crates the written field types may name, each with its line of a
/// manifest's `[dependencies]`: the versions ferro-core's own type mappings
/// are for, without default features.
pub const DEPENDENCIES: [(&str, &str); 4] = [
    (
        "chrono",
        "chrono = { version = \"0.4\", default-features = false, features = [\"std\"] }",
    ),
    (
        "rust_decimal",
        "rust_decimal = { version = \"1\", default-features = false, features = [\"std\"] }",
    ),
    ("serde_json", "serde_json = \"1\""),
    (
        "uuid",
        "uuid = { version = \"1\", default-features = false, features = [\"std\"] }",
    ),
];

/// A models crate's library source, and what it needs beyond ferro.
#[derive(Clone, Debug)]
pub struct Models {
    /// The text of `src/lib.rs`.
    pub source: String,
    /// The crates its field types name, to add as dependencies: any of
    /// those of [`DEPENDENCIES`].
    pub crates: BTreeSet<&'static str>,
    /// Every `not expressible` line written, those of [`Note`]s given and
    /// those found while writing, in the order written; each about a table
    /// begins with the table's name and `: `.
    pub not_expressible: Vec<String>,
}

/// The source of a models crate's `src/lib.rs` that declares `schema`'s
/// tables, with `notes` written beside the tables they belong to (notes of
/// tables the schema lacks, and those of no table, at the top).
pub fn models(schema: &Schema, notes: &[Note]) -> Models {
    Writer::new(schema, notes).write()
}

/// Rust's keywords, which a field takes as a raw identifier (`r#type`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro",
    "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait",
    "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["self", "super", "crate", "_"];

/// Type names the written source uses unqualified (the prelude's), which a
/// model's name must not shadow.
const TAKEN_TYPES: &[&str] = &[
    "Self", "String", "Option", "Vec", "Result", "Box", "Some", "None", "Ok", "Err",
];

struct Writer<'a> {
    schema: &'a Schema,
    notes: &'a [Note],
    /// Each table's struct name, and each view's.
    structs: BTreeMap<&'a str, String>,
    /// Each enum type's Rust name, by the type's name and values.
    enums: BTreeMap<(String, Vec<String>), String>,
    crates: BTreeSet<&'static str>,
    not_expressible: Vec<String>,
}

impl<'a> Writer<'a> {
    fn new(schema: &'a Schema, notes: &'a [Note]) -> Writer<'a> {
        let mut taken: HashSet<String> = TAKEN_TYPES.iter().map(|s| (*s).to_owned()).collect();
        let mut structs = BTreeMap::new();
        for table in schema.tables() {
            let name = unique_name(type_name(&table.name, "Table"), &mut taken);
            structs.insert(table.name.as_ref(), name);
        }
        for view in schema.views() {
            let name = unique_name(type_name(&view.name, "View"), &mut taken);
            structs.insert(view.name.as_ref(), name);
        }
        let mut enums = BTreeMap::new();
        for table in schema.tables() {
            for column in table.columns.iter() {
                if let SqlType::Enum(e) = &column.ty {
                    enums.entry(enum_key(e)).or_insert_with(|| {
                        let base = if e.name.is_empty() {
                            format!("{}_{}", table.name, column.name)
                        } else {
                            e.name.to_string()
                        };
                        unique_name(type_name(&base, "Enum"), &mut taken)
                    });
                }
            }
        }
        Writer {
            schema,
            notes,
            structs,
            enums,
            crates: BTreeSet::new(),
            not_expressible: Vec::new(),
        }
    }

    fn write(mut self) -> Models {
        let mut out = String::from(
            "//! The models of a database, as `ferro inspect` read it. Review them before\n\
             //! relying on them: the names of structs, fields and enum variants are made\n\
             //! from those of tables, columns and values, and the Rust type of a field\n\
             //! with `sql_type` is a guess. A `// ferro: not expressible` line names what\n\
             //! the database holds that a model cannot say: keep it in SQL migrations.\n",
        );
        let loose: Vec<&Note> = self
            .notes
            .iter()
            .filter(|n| n.table.as_deref().is_none_or(|t| self.schema.table(t).is_none()))
            .collect();
        if !loose.is_empty() {
            out.push('\n');
            for note in loose {
                let line = match &note.table {
                    Some(table) => format!("{table}: {}", note.text),
                    None => note.text.clone(),
                };
                self.note(&mut out, None, &line);
            }
        }
        for ((name, values), rust) in &self.enums {
            out.push('\n');
            write_enum(&mut out, name, values, rust);
        }
        for table in self.schema.tables() {
            out.push('\n');
            self.table(&mut out, table);
        }
        for view in self.schema.views() {
            out.push('\n');
            self.view(&mut out, view);
        }
        out.push_str(
            "\n/// Every model of this crate: what the migrations crate's build script\n\
             /// generates migrations from.\n\
             pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> {\n    ferro::schema!()\n}\n",
        );
        Models {
            source: out,
            crates: self.crates,
            not_expressible: self.not_expressible,
        }
    }

    /// Writes a `not expressible` line (above the struct of `table`, when
    /// it is about one), and lists it, after the table's name.
    fn note(&mut self, out: &mut String, table: Option<&str>, text: &str) {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let _ = writeln!(out, "// ferro: not expressible: {text}");
        self.not_expressible.push(match table {
            Some(table) => format!("{table}: {text}"),
            None => text,
        });
    }

    /// A view: its name and query, as the database gives its query back.
    fn view(&self, out: &mut String, view: &crate::schema::View) {
        let mut options = Vec::new();
        let (schema, name) = naming::split(&view.name);
        if let Some(schema) = schema {
            options.push(format!("schema = {schema:?}"));
        }
        options.push(format!("name = {name:?}"));
        if view.materialized {
            options.push("materialized".to_owned());
        }
        out.push_str("#[derive(ferro::View)]\n");
        let _ = writeln!(out, "#[ferro({})]", options.join(", "));
        let _ = writeln!(out, "#[ferro(sql = {:?})]", view.sql.as_ref());
        let _ = writeln!(out, "pub struct {};", self.structs[view.name.as_ref()]);
    }

    fn table(&mut self, out: &mut String, table: &Table) {
        let fields = field_names(table);
        let field = |column: &str| fields.get(column).cloned().unwrap_or_else(|| column.to_owned());
        let mut header: Vec<String> = Vec::new();
        let mut per_column: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut notes: Vec<String> = self
            .notes
            .iter()
            .filter(|n| n.table.as_deref() == Some(table.name.as_ref()))
            .map(|n| n.text.clone())
            .collect();

        let mut head = match naming::split(&table.name) {
            (Some(schema), name) => format!("schema = {schema:?}, table = {name:?}"),
            (None, name) => format!("table = {name:?}"),
        };
        if let Some(comment) = &table.comment {
            let _ = write!(head, ", comment = {:?}", comment.as_ref());
        }
        header.push(head);

        // The primary key: on its field when it has one column.
        if let Some(pk) = &table.primary_key {
            let name = pk
                .name
                .as_deref()
                .filter(|n| *n != naming::primary_key(&table.name))
                .map(|n| format!("name = {n:?}"));
            if let [only] = pk.columns.as_ref() {
                per_column.entry(only).or_default().push("primary_key".into());
                let c = table.column(only).expect("a resolved key names its columns");
                let integer_key = c.ty.is_integer() && !is_simple_reference(self.schema, table, c);
                if integer_key && !c.auto_increment {
                    per_column
                        .entry(only)
                        .or_default()
                        .push("auto_increment = false".into());
                }
                if let Some(name) = name {
                    header.push(format!("primary_key({name})"));
                }
            } else {
                let mut key = format!(
                    "primary_key(fields({})",
                    list(pk.columns.iter().map(|c| field(c)))
                );
                if let Some(name) = name {
                    let _ = write!(key, ", {name}");
                }
                key.push(')');
                header.push(key);
            }
        }

        // Indexes: a plain one-column index of the conventional name on its
        // field, the others on the struct.
        let mut indexed = HashSet::new();
        for ix in table.indexes.iter() {
            let name = ix.name.as_deref().unwrap_or_default();
            let conventional = name == naming::index(&table.name, &ix.columns);
            let predicate = match ix.predicate.as_deref().map(|p| (p, fragment::check(p))) {
                Some((p, Err(e))) => {
                    notes.push(format!("index {name}: its `where` ({p}): {e}"));
                    continue;
                }
                Some((p, Ok(()))) => Some(p),
                None => None,
            };
            if let Some((e, why)) = ix
                .expressions
                .iter()
                .find_map(|e| fragment::check(e).err().map(|why| (e, why)))
            {
                notes.push(format!("index {name}: its expression ({e}): {why}"));
                continue;
            }
            match ix.columns.as_ref() {
                [only]
                    if conventional
                        && !ix.unique
                        && predicate.is_none()
                        && ix.descending.is_empty()
                        && ix.method.is_none()
                        && ix.operator_classes.is_empty()
                        && ix.include.is_empty()
                        && indexed.insert(only.as_ref()) =>
                {
                    per_column.entry(only).or_default().push("index".into());
                }
                _ if !ix.expressions.is_empty() => {
                    let expressions = list(ix.expressions.iter().map(|e| format!("{:?}", e.as_ref())));
                    let mut text = format!("index(expressions({expressions}), name = {name:?}");
                    if ix.unique {
                        text.push_str(", unique");
                    }
                    if let Some(predicate) = predicate {
                        let _ = write!(text, ", where = {predicate:?}");
                    }
                    if let Some(method) = &ix.method {
                        let _ = write!(text, ", using = {method:?}");
                    }
                    if !ix.include.is_empty() {
                        let _ = write!(text, ", include({})", list(ix.include.iter().map(|c| field(c))));
                    }
                    text.push(')');
                    header.push(text);
                }
                columns => {
                    let mut text = format!("index(fields({})", list(columns.iter().map(|c| field(c))));
                    if !conventional {
                        let _ = write!(text, ", name = {name:?}");
                    }
                    if ix.unique {
                        text.push_str(", unique");
                    }
                    if let Some(predicate) = predicate {
                        let _ = write!(text, ", where = {predicate:?}");
                    }
                    if !ix.descending.is_empty() {
                        let down = (0..columns.len()).filter(|&i| ix.is_descending(i));
                        let _ = write!(text, ", descending({})", list(down.map(|i| field(&columns[i]))));
                    }
                    if let Some(method) = &ix.method {
                        let _ = write!(text, ", using = {method:?}");
                    }
                    if !ix.operator_classes.is_empty() {
                        let ops = columns.iter().zip(ix.operator_classes.iter());
                        let ops = ops
                            .filter_map(|(c, class)| Some(format!("{} = {:?}", field(c), class.as_deref()?)));
                        let _ = write!(text, ", ops({})", list(ops));
                    }
                    if !ix.include.is_empty() {
                        let _ = write!(text, ", include({})", list(ix.include.iter().map(|c| field(c))));
                    }
                    text.push(')');
                    header.push(text);
                }
            }
        }
        for uq in table.unique_constraints.iter() {
            let name = uq.name.as_deref().unwrap_or_default();
            let conventional = name == naming::unique(&table.name, &uq.columns);
            match uq.columns.as_ref() {
                // `unique` beside `index` on a field means a unique index.
                [only] if conventional && !indexed.contains(only.as_ref()) => {
                    per_column.entry(only).or_default().push("unique".into());
                }
                columns => {
                    let mut text = format!("unique(fields({})", list(columns.iter().map(|c| field(c))));
                    if !conventional {
                        let _ = write!(text, ", name = {name:?}");
                    }
                    text.push(')');
                    header.push(text);
                }
            }
        }
        for ck in table.checks.iter() {
            match fragment::check(&ck.expr) {
                Ok(()) => header.push(format!(
                    "check(name = {:?}, expr = {:?})",
                    ck.name.as_ref(),
                    ck.expr.as_ref()
                )),
                Err(e) => notes.push(format!("check {} ({}): {e}", ck.name, ck.expr)),
            }
        }
        for fk in table.foreign_keys.iter() {
            match self.foreign_key(table, fk, &field) {
                Ok((Some(column), text)) => per_column.entry(column).or_default().push(text),
                Ok((None, text)) => header.push(text),
                Err(why) => notes.push(format!(
                    "foreign key {} ({}) REFERENCES {} ({}){}: {why}",
                    fk.name.as_deref().unwrap_or_default(),
                    fk.columns.join(", "),
                    fk.referred_table,
                    fk.referred_columns.join(", "),
                    actions(fk)
                )),
            }
        }

        // The columns.
        let mut body = String::new();
        for c in table.columns.iter() {
            let mut attrs = per_column.remove(c.name.as_ref()).unwrap_or_default();
            let name = field(&c.name);
            if name.trim_start_matches("r#") != c.name.as_ref() {
                attrs.push(format!("column = {:?}", c.name.as_ref()));
            }
            let referenced = attrs
                .iter()
                .any(|a| a.starts_with("foreign_key(") && !a.contains("column = "));
            let (ty, mut type_attrs) = self.rust_type(&c.ty);
            if referenced {
                // The column takes the referred key's type.
                type_attrs.clear();
            }
            attrs.extend(type_attrs);
            if let Some(default) = &c.default {
                match fragment::check(default)
                    .map_err(|e| e.to_string())
                    .and_then(|()| {
                        if default.trim().is_empty() {
                            Err("an empty default".into())
                        } else {
                            Ok(())
                        }
                    }) {
                    Ok(()) => attrs.push(format!("default = {:?}", default.as_ref())),
                    Err(why) => notes.push(format!("the default of column {} ({default}): {why}", c.name)),
                }
            }
            if let Some(comment) = &c.comment {
                attrs.push(format!("comment = {:?}", comment.as_ref()));
            }
            if let Some(g) = &c.generated {
                match fragment::check(&g.expr) {
                    Ok(()) => {
                        attrs.push(format!("generated = {:?}", g.expr.as_ref()));
                        if g.stored {
                            attrs.push("stored".into());
                        }
                    }
                    Err(why) => notes.push(format!("generated column {} ({}): {why}", c.name, g.expr)),
                }
            }
            match &c.collation {
                Some(collation) if crate::schema::is_collation_name(collation) => {
                    attrs.push(format!("collation = {:?}", collation.as_ref()));
                }
                Some(collation) => notes.push(format!("column {} has the collation {collation:?}", c.name)),
                None => {}
            }
            if !attrs.is_empty() {
                let _ = writeln!(body, "    #[ferro({})]", attrs.join(", "));
            }
            let ty = if c.nullable { format!("Option<{ty}>") } else { ty };
            let _ = writeln!(body, "    pub {name}: {ty},");
        }

        for note in notes {
            self.note(out, Some(&table.name), &note);
        }
        out.push_str("#[derive(ferro::Model)]\n");
        for attr in header {
            let _ = writeln!(out, "#[ferro({attr})]");
        }
        let _ = writeln!(out, "pub struct {} {{", self.structs[table.name.as_ref()]);
        out.push_str(&body);
        out.push_str("}\n");
    }

    /// The attribute of a foreign key: on the field of its one column, or
    /// (`None`) on the struct; or why the derive cannot say it.
    fn foreign_key<'t>(
        &self,
        table: &'t Table,
        fk: &ForeignKey,
        field: &impl Fn(&str) -> String,
    ) -> Result<(Option<&'t str>, String), String> {
        let target = self
            .schema
            .table(&fk.referred_table)
            .ok_or("a table outside the database read")?;
        let Some(target_struct) = self.structs.get(target.name.as_ref()) else {
            return Err("a table outside the database read".into());
        };
        let ([column], [referred]) = (fk.columns.as_ref(), fk.referred_columns.as_ref()) else {
            let first = fk.columns.first().map(|c| c.as_ref()).unwrap_or_default();
            let mut text = format!(
                "foreign_key(fields({}), references = {target_struct}, columns({})",
                list(fk.columns.iter().map(|c| field(c))),
                list(fk.referred_columns.iter().map(|c| format!("{:?}", c.as_ref())))
            );
            let name = fk.name.as_deref().unwrap_or_default();
            if name != naming::foreign_key(&table.name, first, &fk.referred_table) {
                let _ = write!(text, ", name = {name:?}");
            }
            text.push_str(&action_options(fk));
            text.push(')');
            return Ok((None, text));
        };
        let column = table
            .columns
            .iter()
            .find(|c| c.name == *column)
            .ok_or("a column the table lacks")?;
        let set_null = [fk.on_delete, fk.on_update].contains(&Action::SetNull);
        if set_null && !column.nullable {
            return Err("SET NULL on a column that is NOT NULL".into());
        }
        let is_key = table
            .primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns.as_ref() == [column.name.clone()]);
        if is_key && fk.on_delete == Action::SetNull {
            return Err("SET NULL on the primary key".into());
        }
        let mut text = format!("foreign_key(references = {target_struct}");
        if !is_simple_reference(self.schema, table, column) {
            let _ = write!(text, ", column = {:?}", referred.as_ref());
        }
        let name = fk.name.as_deref().unwrap_or_default();
        if name != naming::foreign_key(&table.name, &column.name, &fk.referred_table) {
            let _ = write!(text, ", name = {name:?}");
        }
        text.push_str(&action_options(fk));
        text.push(')');
        Ok((Some(column.name.as_ref()), text))
    }

    /// A column type's Rust type, and the field options that make the
    /// derive give that SQL type.
    fn rust_type(&mut self, ty: &SqlType) -> (String, Vec<String>) {
        let plain = |t: &str| (t.to_owned(), Vec::new());
        match ty {
            SqlType::SmallInt => plain("i16"),
            SqlType::Integer => plain("i32"),
            SqlType::BigInt => plain("i64"),
            SqlType::Real => plain("f32"),
            SqlType::Double => plain("f64"),
            SqlType::Boolean => plain("bool"),
            SqlType::Text => plain("String"),
            SqlType::Varchar(n) => ("String".into(), vec![format!("max_length = {n}")]),
            SqlType::Blob => plain("Vec<u8>"),
            SqlType::Numeric { precision, scale } => {
                let options = match (precision, scale) {
                    (None, None) => Vec::new(),
                    (Some(p), Some(0)) => vec![format!("precision = {p}")],
                    (Some(p), Some(s)) => vec![format!("precision = {p}, scale = {s}")],
                    // The derive has no precision without a scale.
                    _ => return self.custom(ty),
                };
                self.crates.insert("rust_decimal");
                ("rust_decimal::Decimal".into(), options)
            }
            SqlType::Uuid => {
                self.crates.insert("uuid");
                plain("uuid::Uuid")
            }
            SqlType::Timestamp { with_time_zone } => {
                self.crates.insert("chrono");
                plain(if *with_time_zone {
                    "chrono::DateTime<chrono::Utc>"
                } else {
                    "chrono::NaiveDateTime"
                })
            }
            SqlType::Date => {
                self.crates.insert("chrono");
                plain("chrono::NaiveDate")
            }
            SqlType::Time => {
                self.crates.insert("chrono");
                plain("chrono::NaiveTime")
            }
            SqlType::Json => {
                self.crates.insert("serde_json");
                plain("serde_json::Value")
            }
            SqlType::Enum(e) => plain(&self.enums[&enum_key(e)]),
            SqlType::Custom(_) => self.custom(ty),
        }
    }

    /// A type the model has no word for: given as SQL, held in a `String`.
    fn custom(&self, ty: &SqlType) -> (String, Vec<String>) {
        let sql = match ty {
            SqlType::Custom(sql) => sql.to_string(),
            SqlType::Numeric {
                precision: Some(p),
                scale: None,
            } => format!("NUMERIC({p})"),
            _ => "NUMERIC".into(),
        };
        ("String".into(), vec![format!("sql_type = {sql:?}")])
    }
}

/// Whether `column` refers, alone, to the one-column primary key of a table
/// of the same type, so that `foreign_key(references = ..)` without
/// `column` gives it its type, and the key's field and this one hold the
/// same Rust type.
fn is_simple_reference(schema: &Schema, table: &Table, column: &Column) -> bool {
    let Some(fk) = table
        .foreign_keys
        .iter()
        .find(|fk| fk.columns.as_ref() == [column.name.clone()])
    else {
        return false;
    };
    let Some(target) = schema.table(&fk.referred_table) else {
        return false;
    };
    let Some(key) = target
        .primary_key
        .as_ref()
        .and_then(|pk| match pk.columns.as_ref() {
            [only] => target.column(only),
            _ => None,
        })
    else {
        return false;
    };
    fk.referred_columns.as_ref() == [key.name.clone()]
        && key.ty == column.ty
        && !matches!(key.ty, SqlType::Custom(_) | SqlType::Enum(_))
        && !matches!(
            key.ty,
            SqlType::Numeric {
                precision: Some(_),
                scale: None
            }
        )
}

fn enum_key(e: &EnumType) -> (String, Vec<String>) {
    (
        e.name.to_string(),
        e.values.iter().map(|v| v.name.to_string()).collect(),
    )
}

fn write_enum(out: &mut String, name: &str, values: &[String], rust: &str) {
    out.push_str("#[derive(ferro::Enum)]\n");
    if !name.is_empty() {
        let _ = writeln!(out, "#[ferro(name = {name:?})]");
    }
    let _ = writeln!(out, "pub enum {rust} {{");
    let mut taken = HashSet::new();
    for value in values {
        let variant = unique_name(type_name(value, "Value"), &mut taken);
        if variant.to_snake_case() != *value {
            let _ = writeln!(out, "    #[ferro(rename = {value:?})]");
        }
        let _ = writeln!(out, "    {variant},");
    }
    out.push_str("}\n");
}

/// A type's name made from `name`: its words in upper camel case, with
/// `prefix` in front when it would not start with a letter.
fn type_name(name: &str, prefix: &str) -> String {
    let words: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let camel = words.to_upper_camel_case();
    if camel.starts_with(|c: char| c.is_ascii_alphabetic()) {
        camel
    } else {
        format!("{prefix}{camel}")
    }
}

/// `name`, or `name2`, `name3`, ...: the first not in `taken`, which takes it.
fn unique_name(name: String, taken: &mut HashSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    candidate
}

/// Each column's field name: the column's name in snake case, a raw
/// identifier where it is a keyword, unique within the table.
fn field_names(table: &Table) -> BTreeMap<String, String> {
    let mut taken = HashSet::new();
    let mut out = BTreeMap::new();
    for c in table.columns.iter() {
        let words: String = c
            .name
            .chars()
            .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
            .collect();
        let mut name = words.to_snake_case();
        if name.is_empty() || name.starts_with(|ch: char| ch.is_ascii_digit()) {
            name = format!("c_{name}");
        }
        if NOT_RAW.contains(&name.as_str()) {
            name.push('_');
        }
        let mut field = unique_name(name, &mut taken);
        if KEYWORDS.contains(&field.as_str()) {
            field = format!("r#{field}");
        }
        out.insert(c.name.to_string(), field);
    }
    out
}

fn list(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// `, on_delete = "..", on_update = ".."`, each where it is not `NO ACTION`.
fn action_options(fk: &ForeignKey) -> String {
    each_action(fk, |on, action| format!(", on_{on} = {action:?}"))
}

/// ` ON DELETE ..  ON UPDATE ..`, each where it is not `NO ACTION`.
fn actions(fk: &ForeignKey) -> String {
    each_action(fk, |on, action| format!(" ON {} {action}", on.to_uppercase()))
}

/// `write(on, action)` of each action of `fk` that is not `NO ACTION`:
/// `on` is `delete` or `update`, `action` the SQL spelling.
fn each_action(fk: &ForeignKey, write: impl Fn(&str, &str) -> String) -> String {
    [("delete", fk.on_delete), ("update", fk.on_update)]
        .into_iter()
        .filter(|(_, action)| *action != Action::NoAction)
        .map(|(on, action)| write(on, action.as_sql()))
        .collect()
}

#[cfg(test)]
mod tests;
