//! The tables and columns a database reports, for the runtime tests that
//! compare a database with what its migrations should have built. (Full
//! introspection, with types and constraints, is the runtime's own work.)

use std::collections::BTreeMap;

use sqlx::{AnyConnection, Connection as _, Row as _};

/// Each table's columns, in order; version tables (`ferro_version*`) left out.
pub type Shape = BTreeMap<String, Vec<String>>;

/// The shape of the SQLite, PostgreSQL or MySQL database at `url`.
pub async fn shape(url: &str) -> Shape {
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url)
        .await
        .expect("a connection for introspection");
    let sql = if url.starts_with("sqlite") {
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"
    } else if url.starts_with("mysql") {
        "SELECT CAST(table_name AS CHAR), CAST(column_name AS CHAR) FROM information_schema.columns \
         WHERE table_schema = DATABASE() ORDER BY table_name, ordinal_position"
    } else {
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
         WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
    };
    let mut shape = Shape::new();
    for row in sqlx::query(sql)
        .fetch_all(&mut conn)
        .await
        .expect("introspection")
    {
        let table: String = row.get(0);
        if !table.starts_with("ferro_version") {
            shape.entry(table).or_default().push(row.get(1));
        }
    }
    shape
}
