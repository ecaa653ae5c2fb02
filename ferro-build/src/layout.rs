//! Lays out generated Rust the way rustfmt does with its default settings.
//!
//! Generated migrations must be formatted, and the build script cannot count on
//! a `rustfmt` binary (or its version) being present, so this small layout
//! engine covers the few shapes a migration uses: calls, method chains,
//! and `&[..]` lists. It follows rustfmt's default heuristics
//! (100 columns; call arguments, arrays and chains of two or more calls on one
//! line only up to 60 columns); the fixture tests check every generated file
//! with `rustfmt --check`.

const MAX_WIDTH: usize = 100;
const SHORT_WIDTH: usize = 60;
const INDENT: usize = 4;

/// An expression in a generated file.
#[derive(Clone, Debug)]
pub(crate) enum Expr {
    /// Text laid out as it is: a literal or a path.
    Atom(String),
    /// `callee(args)`; the callee may be a method on a short receiver (`op.add_column`).
    Call(String, Vec<Expr>),
    /// `root.method(args).method(args)`.
    Chain(Box<Expr>, Vec<(String, Vec<Expr>)>),
    /// `&[items]`.
    Slice(Vec<Expr>),
    /// `&expr`.
    Ref(Box<Expr>),
}

pub(crate) fn atom(text: impl Into<String>) -> Expr {
    Expr::Atom(text.into())
}

/// A Rust string literal.
pub(crate) fn string(text: &str) -> Expr {
    Expr::Atom(ferro::migration::escape::literal(text))
}

pub(crate) fn call(callee: impl Into<String>, args: Vec<Expr>) -> Expr {
    Expr::Call(callee.into(), args)
}

/// `&expr`.
pub(crate) fn borrow(expr: Expr) -> Expr {
    Expr::Ref(Box::new(expr))
}

impl Expr {
    /// `self.method(args)`.
    pub(crate) fn method(self, name: &str, args: Vec<Expr>) -> Expr {
        match self {
            Expr::Chain(root, mut calls) => {
                calls.push((name.to_owned(), args));
                Expr::Chain(root, calls)
            }
            other => Expr::Chain(Box::new(other), vec![(name.to_owned(), args)]),
        }
    }

    fn flat(&self) -> String {
        let mut out = String::new();
        self.flat_into(&mut out);
        out
    }

    /// Appends the one-line form.
    fn flat_into(&self, out: &mut String) {
        match self {
            Expr::Atom(text) => out.push_str(text),
            Expr::Call(callee, args) => {
                out.push_str(callee);
                out.push('(');
                flat_list_into(args, out);
                out.push(')');
            }
            Expr::Chain(root, calls) => {
                root.flat_into(out);
                for (name, args) in calls {
                    out.push('.');
                    out.push_str(name);
                    out.push('(');
                    flat_list_into(args, out);
                    out.push(')');
                }
            }
            Expr::Slice(items) => {
                out.push_str("&[");
                flat_list_into(items, out);
                out.push(']');
            }
            Expr::Ref(inner) => {
                out.push('&');
                inner.flat_into(out);
            }
        }
    }

    /// The width of [`Expr::flat`] if it is at most `budget`, without writing
    /// it: a large migration's tables are measured level by level, and
    /// writing each level out would make the layout quadratic.
    fn width(&self, budget: usize) -> Option<usize> {
        let used = match self {
            Expr::Atom(text) => text.len(),
            Expr::Call(callee, args) => callee.len() + 2 + list_width(args, budget)?,
            Expr::Chain(root, calls) => {
                let mut used = root.width(budget)?;
                for (name, args) in calls {
                    used += name.len() + 3 + list_width(args, budget.checked_sub(used)?)?;
                }
                used
            }
            Expr::Slice(items) => 3 + list_width(items, budget)?,
            Expr::Ref(inner) => 1 + inner.width(budget.checked_sub(1)?)?,
        };
        (used <= budget).then_some(used)
    }

    /// Lays out the expression starting at column `start` of a line indented by
    /// `indent`, with `suffix` more columns after it on its last line.
    fn render(&self, indent: usize, start: usize, suffix: usize) -> String {
        let budget = MAX_WIDTH.saturating_sub(start + suffix);
        match self {
            Expr::Atom(text) => text.clone(),
            Expr::Slice(items) => {
                if self.width(budget.min(SHORT_WIDTH)).is_some() {
                    self.flat()
                } else {
                    format!("&[{}]", vertical(items, indent))
                }
            }
            Expr::Call(callee, args) => render_call(callee, args, indent, start, suffix),
            Expr::Ref(inner) => format!("&{}", inner.render(indent, start + 1, suffix)),
            Expr::Chain(root, calls) => {
                let links = calls.len() + usize::from(matches!(&**root, Expr::Call(c, _) if c.contains('.')));
                let limit = if links == 1 {
                    budget
                } else {
                    budget.min(SHORT_WIDTH)
                };
                // rustfmt keeps a chain on one line only if each call's
                // arguments fit the short width too.
                let short_args = |args: &[Expr]| list_width(args, SHORT_WIDTH).is_some();
                let root_short = match &**root {
                    Expr::Call(_, args) => short_args(args),
                    _ => true,
                };
                if root_short && calls.iter().all(|(_, args)| short_args(args)) && self.width(limit).is_some()
                {
                    return self.flat();
                }
                let mut out = root.render(indent, start, 0);
                // After a root that ends on a line of its own (`)`), the calls
                // line up with it; after a one-line root they are indented.
                let inner = if out.contains('\n') {
                    indent
                } else {
                    indent + INDENT
                };
                for (name, args) in calls {
                    out.push('\n');
                    out.push_str(&" ".repeat(inner));
                    out.push_str(&render_call(&format!(".{name}"), args, inner, inner, suffix));
                }
                out
            }
        }
    }
}

/// Lays out `callee(args)` as [`Expr::render`] does.
fn render_call(callee: &str, args: &[Expr], indent: usize, start: usize, suffix: usize) -> String {
    let budget = MAX_WIDTH.saturating_sub(start + suffix);
    // The whole call fits the line, and its arguments the short width.
    if let Some(args_width) = list_width(args, SHORT_WIDTH)
        && callee.len() + 2 + args_width <= budget
    {
        return format!("{callee}({})", flat_list(args));
    }
    // A lone argument that is itself a call opens on this line and
    // closes with it: `f(g(` .. `))`.
    if let [Expr::Call(inner, inner_args)] = args {
        return format!("{callee}({inner}({}))", vertical(inner_args, indent));
    }
    // So does a lone list: `f(&[` .. `])`.
    if let [Expr::Slice(items)] = args {
        return format!("{callee}(&[{}])", vertical(items, indent));
    }
    format!("{callee}({})", vertical(args, indent))
}

/// The width of [`flat_list`] if it is at most `budget`.
fn list_width(items: &[Expr], budget: usize) -> Option<usize> {
    let mut used = 2 * items.len().saturating_sub(1);
    for item in items {
        used += item.width(budget.checked_sub(used)?)?;
    }
    (used <= budget).then_some(used)
}

fn flat_list(items: &[Expr]) -> String {
    let mut out = String::new();
    flat_list_into(items, &mut out);
    out
}

fn flat_list_into(items: &[Expr], out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        item.flat_into(out);
    }
}

/// Items one per line, each followed by a comma, between the brackets.
fn vertical(items: &[Expr], indent: usize) -> String {
    let inner = indent + INDENT;
    let mut out = String::from("\n");
    for item in items {
        out.push_str(&" ".repeat(inner));
        out.push_str(&item.render(inner, inner, 1));
        out.push_str(",\n");
    }
    out.push_str(&" ".repeat(indent));
    out
}

/// `{prefix}{expr}{suffix}` from the start of a line: an item of the file,
/// as `static NAME: Table = expr;`.
pub(crate) fn item_after(prefix: &str, expr: &Expr, suffix: &str) -> String {
    format!("{prefix}{}{suffix}\n", expr.render(0, prefix.len(), suffix.len()))
}

/// `expr,` on lines of its own at `indent`: an item of a vertical list.
pub(crate) fn item_at(expr: &Expr, indent: usize) -> String {
    format!("{}{},\n", " ".repeat(indent), expr.render(indent, indent, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str) -> Expr {
        call("Column::new", vec![string(name), atom("SqlType::TIMESTAMPTZ")])
    }

    #[test]
    fn short_calls_stay_on_one_line() {
        let e = call("drop_column", vec![string("users"), string("age")]);
        assert_eq!(item_at(&e, 4), "    drop_column(\"users\", \"age\"),\n");
    }

    #[test]
    fn long_arguments_go_one_per_line() {
        let e = call(
            "add_column",
            vec![string("users"), column("a_rather_long_column_name")],
        );
        let expected = "    add_column(\n        \"users\",\n        Column::new(\"a_rather_long_column_name\", SqlType::TIMESTAMPTZ),\n    ),\n";
        assert_eq!(item_at(&e, 4), expected);
    }

    #[test]
    fn a_lone_call_argument_overflows() {
        let index = call(
            "Index::new",
            vec![string("ix_post_author_id_published_at"), names()],
        );
        let e = call("t.index", vec![index]);
        let expected = "t.index(Index::new(\n    \"ix_post_author_id_published_at\",\n    &[\"author_id\", \"published_at\"],\n))";
        assert_eq!(e.render(0, 0, 1), expected);
    }

    fn names() -> Expr {
        Expr::Slice(vec![string("author_id"), string("published_at")])
    }

    #[test]
    fn a_chain_whose_root_has_long_arguments_breaks_the_root() {
        let root = call(
            "Column::new",
            vec![
                string("role"),
                call(
                    "SqlType::enumeration",
                    vec![
                        string("user_role"),
                        Expr::Slice(vec![string("admin"), string("member")]),
                    ],
                ),
            ],
        );
        let e = root.method("nullable", vec![]);
        let expected = "Column::new(\n    \"role\",\n    SqlType::enumeration(\"user_role\", &[\"admin\", \"member\"]),\n)\n.nullable()";
        assert_eq!(e.render(0, 0, 1), expected);
    }

    #[test]
    fn long_chains_put_each_call_on_a_line() {
        let e = column("created_at")
            .method("nullable", vec![])
            .method("default", vec![string("1")]);
        let expected =
            "Column::new(\"created_at\", SqlType::TIMESTAMPTZ)\n    .nullable()\n    .default(\"1\")";
        assert_eq!(e.render(0, 0, 0), expected);
    }
}
