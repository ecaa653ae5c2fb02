//! The blog of Ferro's user contract: users with roles, posts, tags.
//!
//! A models crate is an ordinary library: its structs derive `Model`, and
//! [`schema`] gathers every one of them (wherever in the crate they are declared)
//! for the migrations crate's build script.

use ferro::{Enum, Model};
use rust_decimal::Decimal;
use uuid::Uuid;

/// What a user may do.
#[derive(Enum)]
#[ferro(name = "user_role")]
pub enum Role {
    /// Manages everything.
    Admin,
    /// Writes posts.
    Member,
}

/// An account.
#[derive(Model)]
#[ferro(table = "users")]
pub struct User {
    /// Auto-incrementing integer key.
    #[ferro(primary_key)]
    pub id: i64,
    /// Unique login.
    #[ferro(unique)]
    pub email: String,
    /// Shown name, indexed for search.
    #[ferro(index, max_length = 64)]
    pub username: String,
    /// Optional profile text.
    pub bio: Option<String>,
    /// Account balance.
    #[ferro(precision = 12, scale = 2)]
    pub balance: Decimal,
    /// What the user may do.
    pub role: Role,
    /// Whether the account is active.
    #[ferro(default = "true")]
    pub active: bool,
    /// Free-form settings.
    pub settings: serde_json::Value,
    /// When the account was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A label for posts.
#[derive(Model)]
pub struct Tag {
    /// Auto-incrementing integer key.
    #[ferro(primary_key)]
    pub id: i32,
    /// The label.
    #[ferro(unique, max_length = 32)]
    pub label: String,
}

/// Posts live in a module of their own; discovery finds them all the same.
pub mod posts {
    use super::*;

    /// An article written by a user.
    #[derive(Model)]
    #[ferro(index(fields(author_id, published_at)))]
    #[ferro(many_to_many(Tag, table = "post_tags"))]
    pub struct Post {
        /// A UUID key (not auto-incremented).
        #[ferro(primary_key)]
        pub id: Uuid,
        /// The author; deleting the user deletes the post.
        #[ferro(foreign_key(references = User, on_delete = "CASCADE"), index)]
        pub author_id: i64,
        /// The last editor, if any; deleting the user clears it.
        #[ferro(foreign_key(references = User, on_delete = "SET NULL"))]
        pub editor_id: Option<i64>,
        /// The title (renamed from `title`).
        #[ferro(renamed_from = "title")]
        pub headline: String,
        /// When the post went public.
        pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    }
}

/// Every model of this crate, resolved; see `ferro::schema!`.
pub fn schema() -> Result<ferro::Schema, ferro::SchemaError> {
    ferro::schema!()
}
