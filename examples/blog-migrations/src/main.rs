//! Lists the blog's migrations and what each one does.

fn main() {
    for migration in blog_migrations::MIGRATIONS {
        let revision = &migration.revision;
        println!("{} {} ({})", revision.id, revision.message, migration.file);
        for step in migration.upgrade_steps() {
            println!("    {}", step.op);
        }
    }
}
