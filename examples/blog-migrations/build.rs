//! Generates a migration whenever the blog's models change.

fn main() {
    ferro_build::Builder::new(blog_models::schema()).run();
}
