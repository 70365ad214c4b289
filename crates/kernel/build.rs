// `sqlx::migrate!` embeds `migrations/` at compile time; rebuild when a migration is added or
// changed, or a test database template would miss it.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
