//! The databases Ferro speaks to: their names, how each quotes an identifier
//! and a string, how each opens a migration's transaction, and how a URL
//! names one (with its password kept out of every message).

use sea_query::{DynIden, MysqlQueryBuilder, PostgresQueryBuilder, QuotedBuilder, SqliteQueryBuilder};

use super::error::MigrateError;

/// A database's flavour of SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// SQLite 3.35 or newer.
    Sqlite,
    /// PostgreSQL 12 or newer.
    Postgres,
    /// MySQL 8.0.19 or newer, or MariaDB 10.6 or newer.
    MySql,
}

impl From<Dialect> for crate::migration::locks::Database {
    fn from(dialect: Dialect) -> Self {
        use crate::migration::locks::Database;
        match dialect {
            Dialect::Sqlite => Database::Sqlite,
            Dialect::Postgres => Database::Postgres,
            Dialect::MySql => Database::MySql,
        }
    }
}

impl Dialect {
    /// The dialect of a database URL (`sqlite:`, `postgres:`/`postgresql:`,
    /// `mysql:`/`mariadb:`).
    pub fn of_url(url: &str) -> Result<Dialect, MigrateError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Dialect::Sqlite),
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            "mysql" | "mariadb" => Ok(Dialect::MySql),
            _ => Err(MigrateError::BadUrl(redact(url))),
        }
    }

    /// The dialect's name, as messages and `--sql` headers say it.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
            Dialect::MySql => "MySQL",
        }
    }

    /// The statement that opens a migration's transaction. SQLite's takes the
    /// write lock at once, so that two runners cannot both read the version
    /// table and then both write.
    pub fn begin(self) -> &'static str {
        match self {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres | Dialect::MySql => "BEGIN",
        }
    }

    /// `name` as a quoted identifier; a table's name with a PostgreSQL
    /// schema before it (`billing.invoices`) as two (`"billing"."invoices"`).
    /// A name of any other object holds no `.` (the schema refuses one).
    pub fn ident(self, name: &str) -> String {
        if let (Some(schema), table) = crate::schema::naming::split(name) {
            return format!("{}.{}", self.ident(schema), self.ident(table));
        }
        let iden = DynIden::from(name.to_owned());
        let mut out = String::new();
        match self {
            Dialect::Sqlite => SqliteQueryBuilder.prepare_iden(&iden, &mut out),
            Dialect::Postgres => PostgresQueryBuilder.prepare_iden(&iden, &mut out),
            Dialect::MySql => MysqlQueryBuilder.prepare_iden(&iden, &mut out),
        }
        out
    }

    /// `expr` converted to text, for reading through sqlx's `Any` driver,
    /// which decodes only text, integers and bytes.
    pub fn as_text(self, expr: &str) -> String {
        match self {
            Dialect::MySql => format!("CAST({expr} AS CHAR)"),
            _ => format!("CAST({expr} AS TEXT)"),
        }
    }

    /// `text` as a string literal.
    pub(crate) fn literal(self, text: &str) -> String {
        match self {
            Dialect::MySql => mysql_literal(text),
            _ => literal(text),
        }
    }
}

/// `text` as an SQL string literal.
pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// MySQL's session SQL mode, set on every connection and at the head of every
/// offline script: strict, so that a value that does not fit a changed
/// column is an error rather than silently cut or zeroed; `ANSI_QUOTES`
/// and `PIPES_AS_CONCAT`, so that a check or a default written in standard
/// SQL (as for the other databases) means the same here.
pub(crate) const MYSQL_SQL_MODE: &str = "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,\
                                   ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,ANSI_QUOTES,PIPES_AS_CONCAT'";

/// `text` as a MySQL string literal: MySQL reads a backslash in a literal
/// as an escape (under the mode above), so it is doubled as `'` is.
pub(crate) fn mysql_literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

/// The URL without its password (in the user part or as a `password=`
/// parameter, `sslpassword=` too, however its name is percent-encoded), for
/// messages and logs: every message of this crate that names a database URL
/// names it so.
///
/// ```
/// use ferro::runtime::redact;
/// assert_eq!(redact("postgres://app:s3cret@db/app"), "postgres://app:***@db/app");
/// assert_eq!(redact("mysql://db/app?user=app&password=s3cret"), "mysql://db/app?user=app&password=***");
/// assert_eq!(redact("postgres://db/app?%70assword=s3cret"), "postgres://db/app?%70assword=***");
/// ```
pub fn redact(url: &str) -> String {
    let mut out = match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => match url[scheme + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    };
    if let Some((base, query)) = out.clone().split_once('?') {
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if secret(key) => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out = format!("{base}?{}", query.join("&"));
    }
    out
}

/// Whether a URL parameter's name, decoded as the drivers' URL parser
/// decodes it, names a password.
fn secret(key: &str) -> bool {
    let key = key.replace('+', " ");
    let decoded = percent_encoding::percent_decode_str(&key).decode_utf8_lossy();
    decoded.trim().to_ascii_lowercase().ends_with("password")
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact("postgres://h/db?user=u&password=secret"),
            "postgres://h/db?user=u&password=***"
        );
        assert_eq!(redact("sqlite://app.db?mode=rwc"), "sqlite://app.db?mode=rwc");
        // The drivers decode a parameter's name before they match it.
        for key in [
            "%70assword",
            "PASS%57ORD",
            "%70%61%73%73%77%6f%72%64",
            "sslpassword",
            "password+",
        ] {
            let url = format!("postgres://h/db?user=u&{key}=secret");
            assert_eq!(redact(&url), format!("postgres://h/db?user=u&{key}=***"));
        }
        // A stray `%` is no escape.
        assert_eq!(redact("postgres://h/db?a%=1&b=%zz"), "postgres://h/db?a%=1&b=%zz");
    }
}
