//! The compact JSON of a schema's tables, written by hand, with a record of
//! its structure for the layout.
//!
//! The text is byte for byte what `serde_json::to_string` writes for the same
//! values (a test holds the two together). It exists because build scripts
//! run unoptimised: there serde's generic serialiser takes about 70 ms for a
//! 500-table schema and this writer a few, and generation serialises the
//! schema on every build that changes a model. Recording where each array and
//! object opens and closes, and where each `,` and `:` is, while writing lets
//! the layout copy runs of bytes instead of scanning the text byte by byte.

use crate::schema::{
    Action, Check, Column, EnumType, ForeignKey, Index, JoinSide, ManyToMany, PrimaryKey, SqlType, Table,
    UniqueConstraint, View,
};

/// An array or object of the text.
#[derive(Clone, Debug)]
pub(super) struct Container {
    /// Byte offsets of the opening and the closing bracket.
    pub(super) open: usize,
    pub(super) close: usize,
    /// The range of [`Compact::separators`] inside it.
    pub(super) separators: (usize, usize),
    /// Whether it is, or holds, a list of objects.
    pub(super) object_list: bool,
    /// The index of the first container after it and all it holds.
    pub(super) next: usize,
}

impl Container {
    /// The width of its one-line form, with `, ` and `: ` between elements.
    pub(super) fn width(&self) -> usize {
        self.close + 1 - self.open + self.separators.1 - self.separators.0
    }
}

/// Compact JSON text and its structure.
#[derive(Clone, Debug, Default)]
pub(super) struct Compact {
    pub(super) text: Vec<u8>,
    /// Every container, in the order they open.
    pub(super) containers: Vec<Container>,
    /// The byte offsets of the `,` and `:` between elements, in order.
    pub(super) separators: Vec<usize>,
    /// The containers open at the end of the text.
    open: Vec<usize>,
}

impl Compact {
    /// The byte ranges of the elements of the list the text is: each table
    /// of [`tables`].
    pub(super) fn elements(&self) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut at = 1;
        while at < self.containers.len() {
            let element = &self.containers[at];
            out.push(element.open..element.close + 1);
            at = element.next;
        }
        out
    }

    pub(super) fn open(&mut self, bracket: u8) {
        self.open.push(self.containers.len());
        self.containers.push(Container {
            open: self.text.len(),
            close: 0,
            separators: (self.separators.len(), 0),
            object_list: false,
            next: 0,
        });
        self.text.push(bracket);
    }

    pub(super) fn close(&mut self) {
        let index = self.open.pop().expect("close follows open");
        let next = self.containers.len();
        let this = &mut self.containers[index];
        let is_object = self.text[this.open] == b'{';
        self.text.push(if is_object { b'}' } else { b']' });
        this.close = self.text.len() - 1;
        this.separators.1 = self.separators.len();
        this.next = next;
        let object_list = this.object_list;
        if let Some(&parent) = self.open.last() {
            let parent = &mut self.containers[parent];
            let in_array = self.text[parent.open] == b'[';
            parent.object_list |= object_list || (is_object && in_array);
        }
    }

    pub(super) fn number(&mut self, n: impl Into<u64>) {
        self.text.extend_from_slice(n.into().to_string().as_bytes());
    }

    pub(super) fn separator(&mut self, separator: u8) {
        self.separators.push(self.text.len());
        self.text.push(separator);
    }
}

/// Appends `s` as a JSON string literal, escaped as serde_json escapes it.
pub(super) fn string(out: &mut Compact, s: &str) {
    let out = &mut out.text;
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut run = 0;
    // An index loop: iterator adaptors cost several times more per byte in an
    // unoptimised build, and names are most of the bytes written.
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        i += 1;
        if byte >= 0x20 && byte != b'"' && byte != b'\\' {
            continue;
        }
        out.extend_from_slice(&bytes[run..i - 1]);
        run = i;
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(format!("\\u{byte:04x}").as_bytes()),
        }
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// Writes `{"key":value,...}` with fields left out as serde's
/// `skip_serializing_if` leaves them out.
pub(super) struct Object<'a> {
    out: &'a mut Compact,
    first: bool,
}

impl<'a> Object<'a> {
    pub(super) fn new(out: &'a mut Compact) -> Object<'a> {
        out.open(b'{');
        Object { out, first: true }
    }

    /// Writes the key (plain ASCII, never escaped) and returns where its value goes.
    pub(super) fn key(&mut self, key: &str) -> &mut Compact {
        // Written with as few calls as it takes: this runs for every field of
        // every column.
        let out = &mut *self.out;
        if !self.first {
            out.separators.push(out.text.len());
            out.text.extend_from_slice(b",\"");
        } else {
            out.text.push(b'"');
        }
        self.first = false;
        out.text.extend_from_slice(key.as_bytes());
        out.separators.push(out.text.len() + 1);
        out.text.extend_from_slice(b"\":");
        out
    }

    pub(super) fn str(&mut self, key: &str, value: &str) {
        string(self.key(key), value);
    }

    fn opt_str(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.str(key, value);
        }
    }

    /// An `Option<Str>` that serde writes as `null` when absent.
    fn str_or_null(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(value) => self.str(key, value),
            None => self.key(key).text.extend_from_slice(b"null"),
        }
    }

    fn bool(&mut self, key: &str, value: bool) {
        let value: &[u8] = if value { b"true" } else { b"false" };
        self.key(key).text.extend_from_slice(value);
    }

    fn bools(&mut self, key: &str, values: &[bool]) {
        let out = self.key(key);
        list(out, values, |out, v| {
            out.text.extend_from_slice(if *v { b"true" } else { b"false" });
        });
    }

    fn strings(&mut self, key: &str, values: &[impl AsRef<str>]) {
        let out = self.key(key);
        list(out, values, |out, v| string(out, v.as_ref()));
    }

    fn action(&mut self, key: &str, action: Action) {
        if action != Action::NoAction {
            self.str(key, action.as_sql());
        }
    }

    pub(super) fn end(self) {
        self.out.close();
    }
}

fn list<T>(out: &mut Compact, items: &[T], mut each: impl FnMut(&mut Compact, &T)) {
    out.open(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.separator(b',');
        }
        each(out, item);
    }
    out.close();
}

/// The tables as `serde_json::to_string(tables)` writes them; without the
/// `renamed_from` hints unless `hints`.
pub(super) fn tables(out: &mut Compact, tables: &[Table], hints: bool) {
    list(out, tables, |out, t| table(out, t, hints));
}

pub(super) fn table(out: &mut Compact, t: &Table, hints: bool) {
    let mut o = Object::new(out);
    o.str("name", &t.name);
    list(o.key("columns"), &t.columns, |out, c| column(out, c, hints));
    if let Some(pk) = &t.primary_key {
        primary_key(o.key("primary_key"), pk);
    }
    if !t.indexes.is_empty() {
        list(o.key("indexes"), &t.indexes, index);
    }
    if !t.unique_constraints.is_empty() {
        list(o.key("unique_constraints"), &t.unique_constraints, unique);
    }
    if !t.foreign_keys.is_empty() {
        list(o.key("foreign_keys"), &t.foreign_keys, foreign_key);
    }
    if !t.checks.is_empty() {
        list(o.key("checks"), &t.checks, check);
    }
    if !t.many_to_many.is_empty() {
        list(o.key("many_to_many"), &t.many_to_many, |out, m| {
            many_to_many(out, m, hints)
        });
    }
    o.opt_str("comment", t.comment.as_deref());
    o.opt_str("renamed_from", t.renamed_from.as_deref().filter(|_| hints));
    o.opt_str("alias", t.alias.as_deref());
    o.end();
}

fn column(out: &mut Compact, c: &Column, hints: bool) {
    let mut o = Object::new(out);
    o.str("name", &c.name);
    sql_type(o.key("type"), &c.ty, hints);
    o.bool("nullable", c.nullable);
    o.opt_str("default", c.default.as_deref());
    if c.auto_increment {
        o.bool("auto_increment", true);
    }
    o.opt_str("comment", c.comment.as_deref());
    o.opt_str("collation", c.collation.as_deref());
    if let Some(g) = &c.generated {
        let mut inner = Object::new(o.key("generated"));
        inner.str("expr", &g.expr);
        if g.stored {
            inner.bool("stored", true);
        }
        inner.end();
    }
    o.opt_str("renamed_from", c.renamed_from.as_deref().filter(|_| hints));
    o.end();
}

fn sql_type(out: &mut Compact, ty: &SqlType, hints: bool) {
    let unit = match ty {
        SqlType::SmallInt => "smallint",
        SqlType::Integer => "integer",
        SqlType::BigInt => "bigint",
        SqlType::Real => "real",
        SqlType::Double => "double",
        SqlType::Boolean => "boolean",
        SqlType::Text => "text",
        SqlType::Blob => "blob",
        SqlType::Uuid => "uuid",
        SqlType::Date => "date",
        SqlType::Time => "time",
        SqlType::Json => "json",
        SqlType::Varchar(length) => {
            let mut o = Object::new(out);
            o.key("varchar").number(*length);
            o.end();
            return;
        }
        SqlType::Numeric { precision, scale } => {
            let mut variant = Object::new(out);
            let mut o = Object::new(variant.key("numeric"));
            if let Some(p) = precision {
                o.key("precision").number(*p);
            }
            if let Some(s) = scale {
                o.key("scale").number(*s);
            }
            o.end();
            variant.end();
            return;
        }
        SqlType::Timestamp { with_time_zone } => {
            let mut variant = Object::new(out);
            let mut o = Object::new(variant.key("timestamp"));
            o.bool("with_time_zone", *with_time_zone);
            o.end();
            variant.end();
            return;
        }
        SqlType::Enum(e) => {
            let mut variant = Object::new(out);
            enum_type(variant.key("enum"), e, hints);
            variant.end();
            return;
        }
        SqlType::Custom(name) => {
            let mut variant = Object::new(out);
            variant.str("custom", name);
            variant.end();
            return;
        }
    };
    string(out, unit);
}

fn enum_type(out: &mut Compact, e: &EnumType, hints: bool) {
    let mut o = Object::new(out);
    o.str("name", &e.name);
    list(o.key("values"), &e.values, |out, v| {
        let mut o = Object::new(out);
        o.str("name", &v.name);
        o.opt_str("renamed_from", v.renamed_from.as_deref().filter(|_| hints));
        o.end();
    });
    o.end();
}

fn primary_key(out: &mut Compact, pk: &PrimaryKey) {
    let mut o = Object::new(out);
    o.str_or_null("name", pk.name.as_deref());
    o.strings("columns", &pk.columns);
    o.end();
}

fn index(out: &mut Compact, ix: &Index) {
    let mut o = Object::new(out);
    o.str_or_null("name", ix.name.as_deref());
    o.strings("columns", &ix.columns);
    if ix.unique {
        o.bool("unique", true);
    }
    o.opt_str("where", ix.predicate.as_deref());
    if !ix.descending.is_empty() {
        o.bools("descending", &ix.descending);
    }
    o.opt_str("using", ix.method.as_deref());
    if !ix.operator_classes.is_empty() {
        let out = o.key("ops");
        list(out, &ix.operator_classes, |out, class| match class {
            Some(class) => string(out, class),
            None => out.text.extend_from_slice(b"null"),
        });
    }
    if !ix.include.is_empty() {
        o.strings("include", &ix.include);
    }
    if !ix.expressions.is_empty() {
        o.strings("expressions", &ix.expressions);
    }
    o.end();
}

fn unique(out: &mut Compact, uq: &UniqueConstraint) {
    let mut o = Object::new(out);
    o.str_or_null("name", uq.name.as_deref());
    o.strings("columns", &uq.columns);
    o.end();
}

fn foreign_key(out: &mut Compact, fk: &ForeignKey) {
    let mut o = Object::new(out);
    o.str_or_null("name", fk.name.as_deref());
    o.strings("columns", &fk.columns);
    o.str("referred_table", &fk.referred_table);
    o.strings("referred_columns", &fk.referred_columns);
    o.action("on_delete", fk.on_delete);
    o.action("on_update", fk.on_update);
    o.end();
}

fn check(out: &mut Compact, ck: &Check) {
    let mut o = Object::new(out);
    o.str("name", &ck.name);
    o.str("expr", &ck.expr);
    o.end();
}

fn many_to_many(out: &mut Compact, m: &ManyToMany, hints: bool) {
    let mut o = Object::new(out);
    o.str_or_null("table", m.table.as_deref());
    join_side(o.key("source"), &m.source, hints);
    join_side(o.key("target"), &m.target, hints);
    o.end();
}

fn join_side(out: &mut Compact, side: &JoinSide, hints: bool) {
    let mut o = Object::new(out);
    o.str("model", &side.model);
    o.str("table", &side.table);
    o.str("key_column", &side.key_column);
    sql_type(o.key("key_type"), &side.key_type, hints);
    o.end();
}

/// The views as `serde_json::to_string(views)` writes them.
pub(super) fn views(out: &mut Compact, views: &[View]) {
    list(out, views, |out, v| {
        let mut o = Object::new(out);
        o.str("name", &v.name);
        o.str("sql", &v.sql);
        if v.materialized {
            o.bool("materialized", true);
        }
        if !v.reads.is_empty() {
            o.strings("reads", &v.reads);
        }
        o.end();
    });
}
