//! The content service: the portfolio of modules (the NZK side's shared modules and each
//! member's own), the catalogue, adoptions with their overlays, learning paths, media, and what
//! members do together (ratings, votes, error reports, contributions).

mod adoptions;
mod cartridge;
mod catalogue;
mod community;
mod contributions;
mod editor;
mod isolation;
mod media;
mod media_on_s3;
mod modules;
pub(crate) mod packages;
mod path_adoptions;
mod paths;

use crate::support::*;
use sqlx::Connection;

/// `/api/v1/catalog{query}` as `user` reads it.
pub(crate) async fn catalogue(user: &User, query: &str) -> Value {
    user.get(&format!("/api/v1/catalog{query}"))
        .expect(StatusCode::OK)
        .await
        .json()
}

/// The titles of a catalogue page's items, sorted.
pub(crate) fn titles(page: &Value) -> Vec<String> {
    let mut t: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect();
    t.sort();
    t
}

/// A module as `user`'s member shows it to learners: its version, its source and per block
/// (id, origin, orphaned).
pub(crate) async fn shown(user: &User, id: &str) -> (i64, String, Vec<(String, String, bool)>) {
    let m = user
        .get(&format!("/api/v1/catalog/{id}"))
        .expect(StatusCode::OK)
        .await
        .json();
    let blocks = m["module"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_str().unwrap().to_owned(),
                b["origin"].as_str().unwrap().to_owned(),
                b["orphaned"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    (
        m["version"].as_i64().unwrap(),
        m["source"].as_str().unwrap().to_owned(),
        blocks,
    )
}

/// A text block.
pub(crate) fn text(markdown: &str) -> Value {
    json!({"type": "text", "markdown": markdown})
}

/// Runs `sql` (with `$1` = `id`) as the app role in a rolled-back transaction of tenant `t`:
/// rows affected, or the database's error code.
pub(crate) async fn as_tenant(
    conn: &mut sqlx::PgConnection,
    t: uuid::Uuid,
    sql: &'static str,
    id: String,
) -> Result<u64, Option<String>> {
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT tenant.set_tenant($1)")
        .bind(t)
        .execute(&mut *tx)
        .await
        .unwrap();
    let r = sqlx::query(sql)
        .bind(uuid::Uuid::parse_str(&id).unwrap())
        .execute(&mut *tx)
        .await;
    tx.rollback().await.unwrap();
    r.map(|r| r.rows_affected()).map_err(|e| {
        e.as_database_error()
            .and_then(|d| d.code())
            .map(|c| c.to_string())
    })
}
