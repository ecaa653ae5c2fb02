//! Lays out generated Rust the way rustfmt does with its default settings.
//!
//! Generated migrations must be formatted, and the build script cannot count on
//! a `rustfmt` binary (or its version) being present, so this small layout
//! engine covers the few shapes a migration uses: calls, method chains,
//! arrays and one trailing closure. It follows rustfmt's default heuristics
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
    /// `[items]`.
    Array(Vec<Expr>),
    /// `|param| { statements }`, only as a call's last argument.
    Closure(String, Vec<Expr>),
}

pub(crate) fn atom(text: impl Into<String>) -> Expr {
    Expr::Atom(text.into())
}

/// A Rust string literal.
pub(crate) fn string(text: &str) -> Expr {
    Expr::Atom(format!("{text:?}"))
}

pub(crate) fn call(callee: impl Into<String>, args: Vec<Expr>) -> Expr {
    Expr::Call(callee.into(), args)
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
        match self {
            Expr::Atom(text) => text.clone(),
            Expr::Call(callee, args) => format!("{callee}({})", flat_list(args)),
            Expr::Chain(root, calls) => {
                let mut out = root.flat();
                for (name, args) in calls {
                    out.push_str(&format!(".{name}({})", flat_list(args)));
                }
                out
            }
            Expr::Array(items) => format!("[{}]", flat_list(items)),
            Expr::Closure(param, body) => {
                let body: Vec<String> = body.iter().map(|s| s.flat() + ";").collect();
                format!("{param} {{ {} }}", body.join(" "))
            }
        }
    }

    /// Lays out the expression starting at column `start` of a line indented by
    /// `indent`, with `suffix` more columns after it on its last line.
    fn render(&self, indent: usize, start: usize, suffix: usize) -> String {
        let flat = self.flat();
        let fits = start + flat.len() + suffix <= MAX_WIDTH;
        match self {
            Expr::Atom(_) => flat,
            Expr::Array(items) => {
                if fits && flat.len() <= SHORT_WIDTH {
                    flat
                } else {
                    format!("[{}]", vertical(items, indent))
                }
            }
            Expr::Call(callee, args) => {
                if let Some(Expr::Closure(param, body)) = args.last() {
                    let head = flat_list(&args[..args.len() - 1]);
                    let mut out = format!("{callee}({head}, {param} {{\n");
                    for statement in body {
                        out.push_str(&statement_at(statement, indent + INDENT));
                    }
                    out.push_str(&format!("{}}})", " ".repeat(indent)));
                    return out;
                }
                let args_flat = flat_list(args);
                if fits && args_flat.len() <= SHORT_WIDTH {
                    return flat;
                }
                // A lone argument that is itself a call opens on this line and
                // closes with it: `f(g(` .. `))`.
                if let [Expr::Call(inner, inner_args)] = &args[..]
                    && !matches!(inner_args.last(), Some(Expr::Closure(..)))
                {
                    return format!("{callee}({inner}({}))", vertical(inner_args, indent));
                }
                format!("{callee}({})", vertical(args, indent))
            }
            Expr::Chain(root, calls) => {
                let links = calls.len() + usize::from(matches!(&**root, Expr::Call(c, _) if c.contains('.')));
                if fits && (links == 1 || flat.len() <= SHORT_WIDTH) {
                    return flat;
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
                    let link = Expr::Call(format!(".{name}"), args.clone());
                    out.push('\n');
                    out.push_str(&" ".repeat(inner));
                    out.push_str(&link.render(inner, inner, suffix));
                }
                out
            }
            Expr::Closure(..) => flat,
        }
    }
}

fn flat_list(items: &[Expr]) -> String {
    items.iter().map(Expr::flat).collect::<Vec<_>>().join(", ")
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

/// `expr;` on lines of its own at `indent`.
pub(crate) fn statement_at(expr: &Expr, indent: usize) -> String {
    format!("{}{};\n", " ".repeat(indent), expr.render(indent, indent, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str) -> Expr {
        call("Column::new", vec![string(name), atom("SqlType::TIMESTAMPTZ")])
    }

    #[test]
    fn short_calls_stay_on_one_line() {
        let e = call("op.drop_column", vec![string("users"), string("age")]);
        assert_eq!(statement_at(&e, 4), "    op.drop_column(\"users\", \"age\");\n");
    }

    #[test]
    fn long_arguments_go_one_per_line() {
        let e = call(
            "op.add_column",
            vec![string("users"), column("a_rather_long_column_name")],
        );
        let expected = "    op.add_column(\n        \"users\",\n        Column::new(\"a_rather_long_column_name\", SqlType::TIMESTAMPTZ),\n    );\n";
        assert_eq!(statement_at(&e, 4), expected);
    }

    #[test]
    fn a_lone_call_argument_overflows() {
        let index = call(
            "Index::new",
            vec![string("ix_post_author_id_published_at"), names()],
        );
        let e = call("t.index", vec![index]);
        let expected = "t.index(Index::new(\n    \"ix_post_author_id_published_at\",\n    [\"author_id\", \"published_at\"],\n))";
        assert_eq!(e.render(0, 0, 1), expected);
    }

    fn names() -> Expr {
        Expr::Array(vec![string("author_id"), string("published_at")])
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
