//! Writes a plan as a migration source file.

use ferro::migration::escape::{comment, literal};
use ferro::migration::lint::{Level, NO_LOCK_TIMEOUT, lint, on_existing, safe_form, safe_steps};
use ferro::migration::locks::Database;
use ferro::migration::{Op, Ops, Safety, Step};
use ferro::plan::{Plan, Plans};
use ferro::schema::{Column, ForeignKey, Index, SqlType, Table};

use crate::layout::{Expr, atom, borrow, call, item_after, item_at, string};

/// What a generated migration file says.
pub(crate) struct Migration<'a> {
    pub(crate) id: &'a str,
    pub(crate) parents: &'a [String],
    pub(crate) message: &'a str,
    /// The fingerprint of the schema the migration leaves.
    pub(crate) schema: &'a str,
    pub(crate) plans: &'a Plans,
    /// Plain or safe.
    pub(crate) form: &'a Form<'a>,
}

/// How a migration is written: a plain plan, or a safe one.
pub(crate) struct Form<'a> {
    /// Safe plans: online marks on steps on existing tables.
    pub(crate) safe: bool,
    /// A safe plan's contract migration, asked for once no running version
    /// uses what it drops: its drops accept F201, F202 and F204.
    pub(crate) contract: bool,
    /// The drops a safe plan holds back for a contract migration.
    pub(crate) held: &'a [String],
}

/// The message of a migration made of `plan`: its first three operations, and
/// how many more there are.
pub(crate) fn message(plan: &Plan) -> String {
    let ops: Vec<String> = headline(plan).map(ToString::to_string).collect();
    match ops.len() {
        0..=3 => ops.join(", "),
        n => format!("{} and {} more", ops[..2].join(", "), n - 2),
    }
}

/// The steps a migration's message and file name speak of: not the fills,
/// nor the NOT NULL that ends adding a required column (the header lists
/// them).
pub(crate) fn headline(plan: &Plan) -> impl Iterator<Item = &Op> {
    let added = |t: &str, c: &str| {
        plan.steps
            .iter()
            .any(|op| matches!(op, Op::AddColumn { table, column } if table == t && column.name == c))
    };
    plan.steps.iter().filter(move |op| match op {
        Op::FillNulls { .. } => false,
        Op::AlterColumn { table, from, to } => {
            let mut lifted = to.clone();
            lifted.nullable = true;
            !(*from == lifted && !to.nullable && added(table, &to.name))
        }
        _ => true,
    })
}

/// A generated migration: the file's text, and the steps it records both
/// ways, for a draft embedded as data ([`ferro::migration::data`]). Both
/// come from one list of marked steps ([`body`]).
pub(crate) struct Generated {
    /// The file's text, without the draft line the caller appends.
    pub(crate) text: String,
    /// The upgrade's steps, as the file records them.
    pub(crate) upgrade: Vec<Step>,
    /// The downgrade's steps, as the file records them.
    pub(crate) downgrade: Vec<Step>,
}

/// The file's text and its steps.
pub(crate) fn source(m: &Migration<'_>) -> Generated {
    let mut out = String::new();
    header(m, &mut out);
    out.push_str("use ferro::migration::steps::*;\n\n");
    out.push_str("pub const REVISION: Revision = Revision {\n");
    out.push_str(&format!("    id: {},\n", literal(m.id)));
    let parents: Vec<String> = m.parents.iter().map(|p| literal(p)).collect();
    out.push_str(&format!("    parents: &[{}],\n", parents.join(", ")));
    out.push_str(&format!("    message: {},\n", literal(m.message)));
    out.push_str(&format!("    schema: Some({}),\n", literal(m.schema)));
    out.push_str("};\n\n");
    let mut tables = Vec::new();
    let upgrade_plan = steps_of(&m.plans.upgrade, m.form.safe);
    let downgrade_plan = steps_of(&m.plans.downgrade, m.form.safe);
    let upgrade = body(&upgrade_plan, true, m.form.safe, m.form.contract);
    let downgrade = body(&downgrade_plan, false, m.form.safe, false);
    let upgrade_items = items(&upgrade_plan, &upgrade, &mut tables);
    let downgrade_items = items(&downgrade_plan, &downgrade, &mut tables);
    let item = if tables.is_empty() { "const" } else { "static" };
    steps_item(item, "UPGRADE", &upgrade_items, &mut out);
    out.push('\n');
    steps_item(item, "DOWNGRADE", &downgrade_items, &mut out);
    for (name, table) in &tables {
        out.push_str("\n#[rustfmt::skip]\n");
        out.push_str(&item_after(&format!("static {name}: Table = "), table, ";"));
    }
    Generated {
        text: out,
        upgrade: recorded(&upgrade),
        downgrade: recorded(&downgrade),
    }
}

/// The static a table the file creates is written as, below the steps: its
/// name in upper case, `TABLE_` before one that would not be an identifier
/// or would be one of the file's other items, and a number after one the
/// file already has.
///
/// A table is a static of its own, not written out in its step, for the
/// compiler's sake (`docs/performance.md`, One model edit end to end):
/// - a step holds only the static's address, so the steps keep their
///   value when a table changes, and rustc evaluates again that table
///   alone; a `const` table would be copied into the steps' value, which
///   rustc would then evaluate again whole, all 500 tables of a draft
///   initial migration for one new field;
/// - the tables below a changed one move, and rustc checks them again (a
///   moved item is checked again, however little it says).
fn table_static(table: &str, taken: &[(String, Expr)]) -> String {
    let mut base: String = table
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    let reserved = ["REVISION", "UPGRADE", "DOWNGRADE", "REPLACES"];
    if !base.starts_with(|c: char| c.is_ascii_alphabetic()) || reserved.contains(&base.as_str()) {
        base.insert_str(0, "TABLE_");
    }
    let mut name = base.clone();
    let mut n = 1;
    while taken.iter().any(|(t, _)| *t == name) {
        n += 1;
        name = format!("{base}_{n}");
    }
    name
}

/// One step of a file: the lines of comment before it, and its expression.
struct Item {
    comment: String,
    expr: Expr,
}

/// `pub const NAME: Steps = &[..];` (`item` is `const`), or `pub static`
/// in a file that creates tables, a step per line. rustfmt would put a
/// lone step on the line of `&[` and break it up oddly (and a short list on
/// one line), so the item says `#[rustfmt::skip]`: a migration reads, and
/// its diffs show, one step after another, whatever `cargo fmt` does.
///
/// Which of the two, for the compiler's sake (`docs/performance.md`, One
/// model edit end to end, and A long history):
/// - steps that point at the file's tables ([`table_static`]) are a
///   static: as a constant, rustc evaluated the whole array again, with
///   its validation, whenever any of those tables changed (a tenth of a
///   500-table draft's compile after one new field);
/// - steps that hold only their own data are a constant: a constant is not
///   compiled into machine code of its module, a static is, and once more
///   than 256 of a crate's modules hold some, rustc merges them into fewer
///   units, which a new migration shuffles, so that each new migration of a
///   long history compiled many units again (half as much again at 1,000
///   migrations). A file that creates tables has its statics anyway.
///
/// Both compile in either form ([`crate::folder::is_data`] reads both).
fn steps_item(item: &str, name: &str, items: &[Item], out: &mut String) {
    if items.is_empty() {
        out.push_str(&format!("pub {item} {name}: Steps = &[];\n"));
        return;
    }
    out.push_str(&format!("#[rustfmt::skip]\npub {item} {name}: Steps = &[\n"));
    for step in items {
        out.push_str(&step.comment);
        out.push_str(&item_at(&step.expr, 4));
    }
    out.push_str("];\n");
}

/// The plan a file writes: in a safe plan, with a NOT NULL split from the
/// other changes of its column ([`safe_steps`]).
fn steps_of(plan: &Plan, safe: bool) -> Plan {
    if safe {
        Plan {
            steps: safe_steps(&plan.steps),
        }
    } else {
        plan.clone()
    }
}

/// A step of a generated file and its marks, decided once for the file's
/// text ([`items`]) and for its steps as data ([`recorded`]).
struct Marked<'p> {
    op: &'p Op,
    /// A destructive upgrade step, which the file asks to acknowledge
    /// (`.acknowledged(false)`).
    acknowledge: bool,
    /// The lint rule the step accepts.
    accept: Option<&'static str>,
    /// The method that marks it online ([`safe_form`]).
    online: Option<&'static str>,
}

/// One direction's steps and their marks: a destructive step asks for an
/// acknowledgement in the upgrade (asking for a downgrade is one), and in a
/// safe plan a step on an existing table gets its online mark. In a
/// contract migration a drop accepts the rule that says the running
/// version may use what it drops.
fn body(plan: &Plan, upgrade: bool, safe: bool, contract: bool) -> Vec<Marked<'_>> {
    let existing = on_existing(&plan.steps);
    plan.steps
        .iter()
        .zip(existing)
        .map(|(op, existing)| Marked {
            op,
            acknowledge: upgrade && op.safety() == Safety::Destructive,
            accept: match op {
                Op::DropColumn { .. } => Some("F201"),
                Op::DropTable { .. } => Some("F202"),
                Op::UnaliasTable { .. } => Some("F204"),
                _ => None,
            }
            .filter(|_| contract),
            online: online_mark(op, safe && existing),
        })
        .collect()
}

/// The file's statements for `marked` (the steps of `plan`); a fill
/// without a value says what to write.
fn items(plan: &Plan, marked: &[Marked<'_>], tables: &mut Vec<(String, Expr)>) -> Vec<Item> {
    let mut items = Vec::new();
    for (i, step) in marked.iter().enumerate() {
        let op = step.op;
        let mut note = String::new();
        if let Op::FillNulls {
            table,
            column,
            value: None,
        } = op
        {
            // The type is the one of the change the fill comes before.
            let ty = plan.steps[i..].iter().find_map(|next| match next {
                Op::AlterColumn { table: t, to, .. } if t == table && to.name == *column => Some(&to.ty),
                _ => None,
            });
            let example = ty.map_or("0".to_owned(), example_value);
            // Code to copy, not text to read: a literal is already one line.
            let example = format!("Some({})", literal(&example));
            let (table, column) = (comment(table), comment(column));
            note.push_str(&format!(
                "    // TODO: rows of `{table}` may hold NULL in `{column}`, which becomes NOT NULL, and the\n    \
                 // model gives no default: write the SQL expression they get in place of `None`\n    \
                 // (e.g. `{example}`). Until then this step refuses to run.\n",
            ));
        }
        let mut e = match op {
            Op::CreateTable(table) => {
                let name = table_static(&table.name, tables);
                tables.push((name.clone(), table_expr(table)));
                call("create_table", vec![borrow(atom(name))])
            }
            _ => op_expr(op),
        };
        if step.acknowledge {
            e = e.method("acknowledged", vec![atom("false")]);
        }
        if let Some(code) = step.accept {
            e = e.method("accept", vec![string(code)]);
        }
        if let Some(mark) = step.online {
            e = e.method(mark, Vec::new());
        }
        items.push(Item {
            comment: note,
            expr: e,
        });
    }
    items
}

/// The steps the file's statements record, marks and all, as the runtime
/// reads them.
fn recorded(marked: &[Marked<'_>]) -> Vec<Step> {
    let mut ops = Ops::default();
    for m in marked {
        let step = ops.push(m.op.clone());
        if m.acknowledge {
            step.acknowledged(false);
        }
        if let Some(code) = m.accept {
            step.accept(code);
        }
        match m.online {
            Some("concurrently") => step.concurrently(),
            Some("validate_separately") => step.validate_separately(),
            Some("in_batches") => step.in_batches(),
            Some(other) => unreachable!("`safe_form` names no step method `{other}`"),
            None => step,
        };
    }
    ops.into_steps()
}

/// The `//!` lines that say what the file does. Messages, ids and operations
/// hold names and SQL from the models, which may hold any character: each goes
/// through [`comment`] to stay on its line.
fn header(m: &Migration<'_>, out: &mut String) {
    let mut first = m.message.to_owned();
    if let Some(c) = first.get(..1) {
        first.replace_range(..1, &c.to_uppercase());
    }
    out.push_str(&format!("//! {}.\n//!\n", comment(&first)));
    let after = match m.parents {
        [] => "the first revision".to_owned(),
        [one] => format!("after `{}`", comment(one)),
        many => {
            let many: Vec<String> = many.iter().map(|p| comment(p)).collect();
            format!("merging `{}`", many.join("`, `"))
        }
    };
    out.push_str(&format!(
        "//! Revision `{}`, {after}. Generated by ferro-build from the models:\n\
         //! review it, then commit it together with `snapshot.json`.\n",
        comment(m.id)
    ));
    let destructive: Vec<&Op> = m.plans.upgrade.destructive().collect();
    out.push_str("//!\n");
    if destructive.is_empty() {
        out.push_str("//! Destructive steps: none.\n");
    } else {
        out.push_str(
            "//! Destructive steps, which lose data; each is refused until its\n\
             //! `.acknowledged(false)` says `true`:\n",
        );
        for op in destructive {
            out.push_str(&format!("//! - {}\n", comment(&op.to_string())));
        }
    }
    if !m.form.held.is_empty() {
        out.push_str(
            "//!\n//! Held back for a contract migration, because the running version may\n\
             //! still use them (build with `FERRO_CONTRACT=1` once none does):\n",
        );
        for drop in m.form.held {
            out.push_str(&format!("//! - {}\n", comment(drop)));
        }
    }
    // A foreign key dropped and added again under its name (a changed action)
    // holds for the rows it held for before.
    let upgrade = &m.plans.upgrade;
    let readded: Vec<&str> = upgrade
        .steps
        .iter()
        .filter_map(|op| match op {
            Op::DropForeignKey { name, .. } => Some(name.as_ref()),
            _ => None,
        })
        .collect();
    // A column made NOT NULL after a fill of its NULLs holds for every row,
    // and so does the new column of a split rename, copied from the old.
    let filled = |t: &str, c: &str| {
        upgrade
            .fills()
            .any(|f| matches!(f, Op::FillNulls { table, column, .. } if table == t && column == c))
            || upgrade
                .steps
                .iter()
                .any(|s| matches!(s, Op::SyncColumns { table, new, .. } if table == t && new == c))
    };
    let risky: Vec<&Op> = upgrade
        .data_dependent()
        .filter(|op| !matches!(op, Op::AddForeignKey { key, .. } if readded.contains(&name_of(&key.name))))
        .filter(|op| !matches!(op, Op::AlterColumn { table, to, .. } if filled(table, &to.name)))
        .collect();
    let fills: Vec<&Op> = upgrade.fills().collect();
    if !fills.is_empty() {
        out.push_str(
            "//!\n//! Fills, which give the rows that hold NULL a value before the column\n\
             //! becomes NOT NULL (a downgrade leaves the values in place):\n",
        );
        for op in fills {
            out.push_str(&format!("//! - {}\n", comment(&op.to_string())));
        }
    }
    let unwritten: Vec<(&str, &Op)> = [("upgrade", upgrade), ("downgrade", &m.plans.downgrade)]
        .into_iter()
        .flat_map(|(way, plan)| {
            plan.steps
                .iter()
                .filter(|op| op.is_unwritten_fill())
                .map(move |op| (way, op))
        })
        .collect();
    if !unwritten.is_empty() {
        out.push_str(
            "//!\n//! Steps that refuse to run until a value is written into this file\n\
             //! (see the TODO beside each):\n",
        );
        for (way, op) in unwritten {
            out.push_str(&format!("//! - {way}: {}\n", comment(&op.to_string())));
        }
    }
    if !risky.is_empty() {
        out.push_str("//!\n//! Steps that fail if existing rows do not fit them:\n");
        for op in risky {
            out.push_str(&format!("//! - {}{}\n", comment(&op.to_string()), why_risky(op)));
        }
    }
    live_tables(&steps_of(upgrade, m.form.safe), m.form.safe, out);
    out.push('\n');
}

/// The steps that lock, rewrite or scan a table that already holds rows, or
/// break the running application: on each database, the lock, what happens
/// to the rows, and the `lint` rules found (warnings and errors). The file
/// is the same for every database, so each is told.
fn live_tables(plan: &Plan, safe: bool, out: &mut String) {
    let existing = on_existing(&plan.steps);
    let mut ops = Ops::default();
    for (op, existing) in plan.steps.iter().zip(existing) {
        let step = ops.push(op.clone());
        if online_mark(op, safe && existing).is_some() {
            step.online = true;
        }
    }
    let steps = ops.steps();
    let mut lines: Vec<Vec<String>> = vec![Vec::new(); steps.len()];
    for (database, name) in [
        (Database::Postgres, "PostgreSQL"),
        (Database::MySql, "MySQL"),
        (Database::Sqlite, "SQLite"),
    ] {
        let findings = lint(steps, database);
        for (i, line) in lines.iter_mut().enumerate() {
            let rules: Vec<String> = findings
                .iter()
                .filter(|f| f.step == i && f.rule.level >= Level::Warning && f.rule != &NO_LOCK_TIMEOUT)
                .map(|f| format!("{} {}", f.rule.code, f.rule.name))
                .collect();
            if let Some(f) = findings.iter().find(|f| f.step == i)
                && !rules.is_empty()
            {
                line.push(format!("{name}: {} ({})", f.detail, rules.join(", ")));
            }
        }
    }
    if lines.iter().all(Vec::is_empty) {
        return;
    }
    out.push_str(
        "//!\n//! Steps that lock, rewrite or scan a table that holds rows, or break the\n\
         //! running application, per database (`lint` says the safer way):\n",
    );
    for (step, line) in steps.iter().zip(lines) {
        if !line.is_empty() {
            out.push_str(&format!("//! - {}\n", comment(&step.op.to_string())));
            for l in line {
                out.push_str(&format!("//!   {}\n", comment(&l)));
            }
        }
    }
}

/// The method that marks `op` online in a safe plan, where `applies` (the
/// plan is safe and the step is on an existing table).
fn online_mark(op: &Op, applies: bool) -> Option<&'static str> {
    safe_form(op).filter(|_| applies)
}

/// An SQL value of type `ty`, for the example beside a fill to write.
fn example_value(ty: &SqlType) -> String {
    ferro::diff::placeholder(ty).unwrap_or_else(|| "''".to_owned())
}

fn why_risky(op: &Op) -> &'static str {
    match op {
        Op::AddColumn { .. } => " (NOT NULL without a default)",
        Op::AlterColumn { from, to, .. } if from.nullable && !to.nullable => " (rows may hold NULL)",
        Op::AlterColumn { .. } => " (a unique key may find two values equal under the new collation)",
        Op::AddUnique { .. } | Op::CreateIndex { .. } => " (rows may hold duplicates)",
        Op::AddPrimaryKey { .. } => " (rows may hold duplicates or NULL)",
        Op::AddForeignKey { .. } => " (rows may refer to missing rows)",
        Op::AddCheck { .. } => " (rows may not satisfy it)",
        _ => "",
    }
}

fn names<S: AsRef<str>>(items: &[S]) -> Expr {
    Expr::Slice(items.iter().map(|s| string(s.as_ref())).collect())
}

fn option(value: Option<&str>) -> Expr {
    match value {
        Some(v) => call("Some", vec![string(v)]),
        None => atom("None"),
    }
}

fn name_of(name: &Option<ferro::schema::Str>) -> &str {
    name.as_deref().unwrap_or_default()
}

pub(crate) fn type_expr(ty: &SqlType) -> Expr {
    match ty {
        SqlType::SmallInt => atom("SqlType::SmallInt"),
        SqlType::Integer => atom("SqlType::Integer"),
        SqlType::BigInt => atom("SqlType::BigInt"),
        SqlType::Real => atom("SqlType::Real"),
        SqlType::Double => atom("SqlType::Double"),
        SqlType::Boolean => atom("SqlType::Boolean"),
        SqlType::Text => atom("SqlType::Text"),
        SqlType::Varchar(n) => atom(format!("SqlType::Varchar({n})")),
        SqlType::Blob => atom("SqlType::Blob"),
        SqlType::Numeric {
            precision: Some(p),
            scale: Some(s),
        } => atom(format!("SqlType::numeric({p}, {s})")),
        SqlType::Numeric {
            precision: None,
            scale: None,
        } => atom("SqlType::NUMERIC"),
        SqlType::Numeric { precision, scale } => {
            atom(format!("SqlType::numeric_of({precision:?}, {scale:?})"))
        }
        SqlType::Uuid => atom("SqlType::Uuid"),
        SqlType::Timestamp { with_time_zone: true } => atom("SqlType::TIMESTAMPTZ"),
        SqlType::Timestamp {
            with_time_zone: false,
        } => atom("SqlType::TIMESTAMP"),
        SqlType::Date => atom("SqlType::Date"),
        SqlType::Time => atom("SqlType::Time"),
        SqlType::Json => atom("SqlType::Json"),
        SqlType::Enum(e) => {
            let values: Vec<&str> = e.values.iter().map(|v| v.name.as_ref()).collect();
            call("SqlType::enumeration", vec![string(&e.name), names(&values)])
        }
        SqlType::Custom(sql) => call("SqlType::custom", vec![string(sql)]),
    }
}

/// The modifiers of a column after its constructor.
fn column_modifiers(mut e: Expr, column: &Column) -> Expr {
    if column.nullable {
        e = e.method("nullable", vec![]);
    }
    if let Some(default) = &column.default {
        e = e.method("default", vec![string(default)]);
    }
    if column.auto_increment {
        e = e.method("auto_increment", vec![]);
    }
    if let Some(comment) = &column.comment {
        e = e.method("comment", vec![string(comment)]);
    }
    if let Some(collation) = &column.collation {
        e = e.method("collation", vec![string(collation)]);
    }
    if let Some(generated) = &column.generated {
        e = e.method(
            "generated",
            vec![string(&generated.expr), Expr::Atom(generated.stored.to_string())],
        );
    }
    e
}

fn column_expr(column: &Column) -> Expr {
    let new = call("Column::new", vec![string(&column.name), type_expr(&column.ty)]);
    column_modifiers(new, column)
}

fn index_expr(index: &Index) -> Expr {
    let e = if index.expressions.is_empty() {
        call(
            "Index::new",
            vec![string(name_of(&index.name)), names(&index.columns)],
        )
    } else {
        call(
            "Index::on_expressions",
            vec![string(name_of(&index.name)), names(&index.expressions)],
        )
    };
    let mut e = if index.unique {
        e.method("unique", vec![])
    } else {
        e
    };
    if !index.descending.is_empty() {
        let down: Vec<ferro::schema::Str> = (0..index.columns.len())
            .filter(|&i| index.is_descending(i))
            .map(|i| index.columns[i].clone())
            .collect();
        e = e.method("descending", vec![names(&down)]);
    }
    if let Some(method) = &index.method {
        e = e.method("using", vec![string(method)]);
    }
    let classes: Vec<Expr> = index
        .columns
        .iter()
        .zip(index.operator_classes.iter())
        .filter_map(|(column, class)| {
            class
                .as_ref()
                .map(|class| call("", vec![string(column), string(class)]))
        })
        .collect();
    if !classes.is_empty() {
        e = e.method("operator_classes", vec![Expr::Slice(classes)]);
    }
    if !index.include.is_empty() {
        e = e.method("include", vec![names(&index.include)]);
    }
    match &index.predicate {
        Some(predicate) => e.method("predicate", vec![string(predicate)]),
        None => e,
    }
}

fn foreign_key_expr(key: &ForeignKey) -> Expr {
    let mut e = call(
        "ForeignKey::new",
        vec![
            string(name_of(&key.name)),
            names(&key.columns),
            string(&key.referred_table),
            names(&key.referred_columns),
        ],
    );
    for (method, action) in [("on_delete", key.on_delete), ("on_update", key.on_update)] {
        if action != ferro::schema::Action::NoAction {
            e = e.method(method, vec![atom(format!("Action::{action:?}"))]);
        }
    }
    e
}

fn table_expr(table: &Table) -> Expr {
    let columns = table.columns.iter().map(column_expr).collect();
    let mut e = call("Table::new", vec![string(&table.name), Expr::Slice(columns)]);
    if let Some(pk) = &table.primary_key {
        e = e.method(
            "primary_key",
            vec![call(
                "PrimaryKey::new",
                vec![string(name_of(&pk.name)), names(&pk.columns)],
            )],
        );
    }
    if !table.unique_constraints.is_empty() {
        let all = table
            .unique_constraints
            .iter()
            .map(|uq| {
                call(
                    "UniqueConstraint::new",
                    vec![string(name_of(&uq.name)), names(&uq.columns)],
                )
            })
            .collect();
        e = e.method("unique", vec![Expr::Slice(all)]);
    }
    if !table.foreign_keys.is_empty() {
        let all = table.foreign_keys.iter().map(foreign_key_expr).collect();
        e = e.method("foreign_keys", vec![Expr::Slice(all)]);
    }
    if !table.checks.is_empty() {
        let all = table
            .checks
            .iter()
            .map(|c| call("Check::new", vec![string(&c.name), string(&c.expr)]))
            .collect();
        e = e.method("checks", vec![Expr::Slice(all)]);
    }
    if !table.indexes.is_empty() {
        let all = table.indexes.iter().map(index_expr).collect();
        e = e.method("indexes", vec![Expr::Slice(all)]);
    }
    if let Some(comment) = &table.comment {
        e = e.method("comment", vec![string(comment)]);
    }
    e
}

/// The constant step of `op`: a call of the function of the [`Ops`]
/// method's name, with the same arguments.
pub(crate) fn op_expr(op: &Op) -> Expr {
    let s = |v: &str| string(v);
    match op {
        Op::CreateTable(table) => call("create_table", vec![borrow(table_expr(table))]),
        Op::DropTable { name } => call("drop_table", vec![s(name)]),
        Op::RenameTable { from, to } => call("rename_table", vec![s(from), s(to)]),
        Op::AddColumn { table, column } => call("add_column", vec![s(table), borrow(column_expr(column))]),
        Op::DropColumn { table, column } => call("drop_column", vec![s(table), s(column)]),
        Op::RenameColumn { table, from, to } => call("rename_column", vec![s(table), s(from), s(to)]),
        Op::AlterColumn { table, from, to } => call(
            "alter_column",
            vec![s(table), borrow(column_expr(from)), borrow(column_expr(to))],
        ),
        Op::AddPrimaryKey { table, key } => call(
            "add_primary_key",
            vec![
                s(table),
                call(
                    "PrimaryKey::new",
                    vec![s(name_of(&key.name)), names(&key.columns)],
                ),
            ],
        ),
        Op::DropPrimaryKey { table, name } => call("drop_primary_key", vec![s(table), s(name)]),
        Op::CreateIndex { table, index } => call("create_index", vec![s(table), borrow(index_expr(index))]),
        Op::DropIndex { table, name } => call("drop_index", vec![s(table), s(name)]),
        Op::AddUnique { table, constraint } => call(
            "add_unique",
            vec![
                s(table),
                call(
                    "UniqueConstraint::new",
                    vec![s(name_of(&constraint.name)), names(&constraint.columns)],
                ),
            ],
        ),
        Op::DropUnique { table, name } => call("drop_unique", vec![s(table), s(name)]),
        Op::AddForeignKey { table, key } => {
            call("add_foreign_key", vec![s(table), borrow(foreign_key_expr(key))])
        }
        Op::DropForeignKey { table, name } => call("drop_foreign_key", vec![s(table), s(name)]),
        Op::AddCheck { table, check } => call(
            "add_check",
            vec![s(table), call("Check::new", vec![s(&check.name), s(&check.expr)])],
        ),
        Op::DropCheck { table, name } => call("drop_check", vec![s(table), s(name)]),
        Op::RenameIndex { table, from, to } => call("rename_index", vec![s(table), s(from), s(to)]),
        Op::RenameConstraint { table, from, to } => call("rename_constraint", vec![s(table), s(from), s(to)]),
        Op::SetTableComment { table, comment } => {
            call("set_table_comment", vec![s(table), option(comment.as_deref())])
        }
        Op::CreateEnum(e) => {
            let values: Vec<&str> = e.values.iter().map(|v| v.name.as_ref()).collect();
            call("create_enum", vec![s(&e.name), names(&values)])
        }
        Op::DropEnum { name } => call("drop_enum", vec![s(name)]),
        Op::CreateSchema { name } => call("create_schema", vec![s(name)]),
        Op::CreateView(v) => {
            let mut e = call("View::new", vec![string(&v.name), string(&v.sql)]);
            if v.materialized {
                e = e.method("materialized", vec![]);
            }
            // What it reads, as resolved: the file says what the view was
            // made after, whatever the models say later.
            if !v.reads.is_empty() {
                e = e.method("reads", vec![names(&v.reads)]);
            }
            call("create_view", vec![e])
        }
        Op::DropView {
            name,
            materialized: false,
        } => call("drop_view", vec![s(name)]),
        Op::DropView {
            name,
            materialized: true,
        } => call("drop_materialized_view", vec![s(name)]),
        Op::DropSchema { name } => call("drop_schema", vec![s(name)]),
        Op::AddEnumValue { name, value, before } => call(
            "add_enum_value",
            vec![s(name), s(value), option(before.as_deref())],
        ),
        Op::DropEnumValue { name, value } => call("drop_enum_value", vec![s(name), s(value)]),
        Op::RenameEnumValue { name, from, to } => call("rename_enum_value", vec![s(name), s(from), s(to)]),
        Op::ReorderEnumValues { name, values } => {
            let values: Vec<&str> = values.iter().map(|v| v.as_ref()).collect();
            call("reorder_enum_values", vec![s(name), names(&values)])
        }
        Op::FillNulls { table, column, value } => {
            call("fill_nulls", vec![s(table), s(column), option(value.as_deref())])
        }
        Op::SyncColumns { table, old, new } => call("sync_columns", vec![s(table), s(old), s(new)]),
        Op::UnsyncColumns { table, old, new } => call("unsync_columns", vec![s(table), s(old), s(new)]),
        Op::AliasTable { table, alias } => call("alias_table", vec![s(table), s(alias)]),
        Op::UnaliasTable { table, alias } => call("unalias_table", vec![s(table), s(alias)]),
        Op::Sql(sql) => call("sql", vec![s(sql)]),
        Op::Irreversible { reason } => call("irreversible", vec![s(reason)]),
        other => call("sql", vec![s(&format!("-- not generated: {other}"))]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferro::schema::{Column, Index, Table};

    /// A table's static is an identifier, none of the file's other
    /// items, and unique in the file.
    #[test]
    fn table_statics_are_identifiers_of_their_own() {
        let mut taken = Vec::new();
        let mut name = |table: &str| {
            let name = table_static(table, &taken);
            taken.push((name.clone(), atom("")));
            name
        };
        assert_eq!(name("users"), "USERS");
        assert_eq!(name("Users"), "USERS_2");
        assert_eq!(name("audit.log"), "AUDIT_LOG");
        assert_eq!(name("2fa"), "TABLE_2FA");
        assert_eq!(name("_x"), "TABLE__X");
        assert_eq!(name("Ünïcode"), "TABLE__N_CODE");
        assert_eq!(name("upgrade"), "TABLE_UPGRADE");
        assert_eq!(name("revision"), "TABLE_REVISION");
        assert_eq!(name(""), "TABLE_");
        assert_eq!(name("users"), "USERS_3");
    }

    #[test]
    fn a_safe_plan_marks_only_steps_on_tables_that_exist_before_it() {
        let mut new = Table::new("tags");
        new.columns = vec![Column::new("name", SqlType::Text)].into();
        let plan = Plan {
            steps: vec![
                Op::CreateTable(new),
                Op::CreateIndex {
                    table: "tags".into(),
                    index: Index::new("ix_tags_name", ["name"]),
                },
                Op::CreateIndex {
                    table: "posts".into(),
                    index: Index::new("ix_posts_title", ["title"]),
                },
            ],
        };
        let text = |safe: bool| {
            let marked = body(&plan, true, safe, false);
            let items = items(&plan, &marked, &mut Vec::new());
            items.iter().map(|i| item_at(&i.expr, 4)).collect::<String>()
        };
        let out = text(true);
        assert_eq!(out.matches(".concurrently()").count(), 1, "{out}");
        let marked = out.find(".concurrently()").unwrap();
        assert!(out.find("ix_posts_title").unwrap() < marked, "{out}");
        assert!(out.find("ix_tags_name").unwrap() < out.find("ix_posts_title").unwrap());
        let plain = text(false);
        assert!(!plain.contains(".concurrently()"), "{plain}");
    }
}
