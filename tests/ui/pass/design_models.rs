// The models of DESIGN.md's user contract, as written there.
use ferro::{Model, Enum};            // one crate for users: ferro-core, whose lib is named `ferro`
use rust_decimal::Decimal;
use uuid::Uuid;

#[derive(Enum)]
#[ferro(name = "user_role")]          // PostgreSQL type name; default: snake_case of the enum
enum Role { Admin, Member }           // stored values: "admin", "member" (rename per variant)

#[derive(Model)]
#[ferro(table = "users")]             // default: snake_case of the struct name
struct User {
    #[ferro(primary_key)]             // integer primary key: auto-increment unless auto_increment = false
    id: i64,
    #[ferro(unique)]
    email: String,
    #[ferro(index, max_length = 64)]  // VARCHAR(64)
    username: String,
    bio: Option<String>,              // Option<T> is NULL-able; everything else is NOT NULL
    #[ferro(precision = 12, scale = 2)]
    balance: Decimal,
    role: Role,
    #[ferro(default = "true")]        // server default, an SQL expression
    active: bool,
    settings: serde_json::Value,      // JSON (JSONB on PostgreSQL)
    created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Model)]
struct Tag {
    #[ferro(primary_key)]
    id: i64,
    name: String,
}

#[derive(Model)]
#[ferro(index(fields(author_id, published_at)))]      // composite index (also: unique(...), primary_key(...))
#[ferro(many_to_many(Tag, table = "post_tags"))]     // hidden join table, composite PK, CASCADE FKs
struct Post {
    #[ferro(primary_key)]
    id: Uuid,
    #[ferro(foreign_key(references = User, on_delete = "CASCADE"), index)]
    author_id: i64,
    #[ferro(foreign_key(references = User, on_delete = "SET NULL"))]
    editor_id: Option<i64>,
    #[ferro(renamed_from = "title")]                  // a rename, never a drop + add
    headline: String,
    published_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn main() {
    let schema = ferro::schema!().expect("the contract's models form a valid schema");
    let names: Vec<&str> = schema.tables().iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, ["post", "post_tags", "tag", "users"]);
    let _ = (Role::Admin, Role::Member);
}
