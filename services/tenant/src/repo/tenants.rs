//! The member registry (`tenant.tenants`, a platform table without RLS). Reads are direct; every
//! write goes through a SECURITY DEFINER function that checks the transaction's tenant (the app
//! role holds no INSERT or UPDATE on the table).

use serde::Serialize;
use sqlx::{FromRow, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;
use zk_kernel::{error::ResultExt, AppError, AppResult, TenantId};

/// A member as operators see it.
#[derive(Clone, Debug, Serialize, FromRow, utoipa::ToSchema)]
#[schema(as = Member)]
pub struct MemberRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub status: String,
    pub employee_count: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Who suspended it: `operator` or `billing` (non-payment); `null` while active.
    pub suspended_by: Option<String>,
    /// Storage for its files set by an operator, in bytes; `null`: its tier's default.
    pub media_quota_bytes: Option<i64>,
}

const COLUMNS: &str =
    "id, slug, name, status, employee_count, created_at, suspended_by, media_quota_bytes";

/// Inserts a member; a taken slug is a 409 naming the field.
pub async fn insert(
    conn: &mut PgConnection,
    id: TenantId,
    slug: &str,
    name: &str,
    employees: i32,
) -> AppResult<MemberRow> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenant.create_member($1, $2, $3, $4)"
    ))
    .bind(id)
    .bind(slug)
    .bind(name)
    .bind(employees)
    .fetch_one(conn)
    .await
    .on_constraint("tenants_slug_key", || {
        AppError::conflict(
            "slug",
            "slug_taken",
            format!("Het webadres '{slug}' is al in gebruik door een ander lid."),
        )
    })
}

/// The members [`list`] and [`count`] find: all, or those whose slug or name holds `$1`.
const MEMBERS_MATCHING: &str =
    "kind = 'member' AND ($1::text IS NULL OR slug ILIKE $1 OR name ILIKE $1)";

/// Members, newest first, optionally those whose slug or name holds `query`: one page, each row
/// with the total that match.
pub async fn list(
    conn: &mut PgConnection,
    query: Option<&str>,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<(MemberRow, i64)>> {
    #[derive(FromRow)]
    struct Found {
        #[sqlx(flatten)]
        row: MemberRow,
        total: i64,
    }
    let rows: Vec<Found> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, count(*) OVER () AS total FROM tenant.tenants
         WHERE {MEMBERS_MATCHING}
         ORDER BY created_at DESC, slug LIMIT $2 OFFSET $3"
    ))
    .bind(query.map(super::contains_pattern))
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|f| (f.row, f.total)).collect())
}

/// How many members [`list`] finds on all pages (for a page past the last one).
pub async fn count(conn: &mut PgConnection, query: Option<&str>) -> AppResult<i64> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT count(*) FROM tenant.tenants WHERE {MEMBERS_MATCHING}"
    ))
    .bind(query.map(super::contains_pattern))
    .fetch_one(conn)
    .await?)
}

/// Active members whose name contains `query` (the landing page's portal finder): slug and name
/// only, nothing about suspended members.
pub async fn find_active(
    conn: &mut PgConnection,
    query: &str,
    limit: i64,
) -> AppResult<Vec<(String, String)>> {
    let pattern = super::contains_pattern(query);
    Ok(sqlx::query_as(
        "SELECT slug, name FROM tenant.tenants
         WHERE kind = 'member' AND status = 'active' AND name ILIKE $1
         ORDER BY lower(name), slug LIMIT $2",
    )
    .bind(pattern)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// One member by slug.
pub async fn by_slug(conn: &mut PgConnection, slug: &str) -> AppResult<MemberRow> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenant.tenants WHERE kind = 'member' AND slug = $1"
    ))
    .bind(slug)
    .fetch_one(conn)
    .await?)
}

/// Sets a member's status (platform tenant only); never deletes anything.
pub async fn set_status(conn: &mut PgConnection, slug: &str, status: &str) -> AppResult<MemberRow> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenant.set_member_status($1, $2)"
    ))
    .bind(slug)
    .bind(status)
    .fetch_one(conn)
    .await?)
}

/// Renames the tenant of the transaction (its admins do this on the branding page).
pub async fn rename_current(conn: &mut PgConnection, name: &str) -> AppResult<()> {
    sqlx::query("SELECT tenant.rename_current_tenant($1)")
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a member's name and employee count (platform tenant only).
pub async fn update(
    conn: &mut PgConnection,
    slug: &str,
    name: &str,
    employees: i32,
) -> AppResult<MemberRow> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenant.update_member($1, $2, $3)"
    ))
    .bind(slug)
    .bind(name)
    .bind(employees)
    .fetch_one(conn)
    .await?)
}

/// Sets a member's storage quota (operators; `None`: its tier's default).
pub async fn set_media_quota(
    conn: &mut PgConnection,
    slug: &str,
    quota: Option<i64>,
) -> AppResult<MemberRow> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM tenant.set_media_quota($1, $2)"
    ))
    .bind(slug)
    .bind(quota)
    .fetch_one(conn)
    .await?)
}

/// A line of a member's history in the console.
#[derive(Clone, Debug, Serialize, FromRow, utoipa::ToSchema)]
pub struct MemberEvent {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// `edited`, `suspended`, `resumed`, `admin_invited` or `invitation_resent`.
    pub kind: String,
    pub reason: String,
    /// The operator's e-mail address (`null` for the command line or a removed account).
    pub actor_email: Option<String>,
}

/// Notes an operator's action on a member (platform tenant only).
pub async fn add_event(
    conn: &mut PgConnection,
    member: Uuid,
    actor: Option<Uuid>,
    kind: &str,
    reason: &str,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO tenant.member_events (tenant_id, actor, kind, reason) VALUES ($1, $2, $3, $4)",
    )
    .bind(member)
    .bind(actor)
    .bind(kind)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

/// A member's history, newest first (platform tenant only: operators are its users).
pub async fn events(
    conn: &mut PgConnection,
    member: Uuid,
    limit: i64,
) -> AppResult<Vec<MemberEvent>> {
    Ok(sqlx::query_as(
        "SELECT e.at, e.kind, e.reason, u.email AS actor_email
         FROM tenant.member_events e
         LEFT JOIN tenant.users u ON u.tenant_id = tenant.platform_tenant() AND u.id = e.actor
         WHERE e.tenant_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT $2",
    )
    .bind(member)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// A member's billing as the console shows it, read from the billing service's published
/// `billing.member_facts()` (the same amount its admins see; no billing table is read here).
#[derive(Clone, Debug, Serialize, FromRow, utoipa::ToSchema)]
pub struct MemberBillingFacts {
    /// `none`, `active`, `past_due`, `suspended` or `canceled`.
    pub state: String,
    /// `manual` (NZK invoices by hand) or `stripe`.
    pub mode: String,
    /// The tier's name (employee range).
    pub tier_name: Option<String>,
    /// What is due now, incl. 21 % BTW, in cents.
    pub due_incl_vat_cents: i64,
    pub open_invoices: i64,
    /// The newest invoice's number (Stripe's id when it has none).
    pub last_invoice_number: Option<String>,
    pub last_invoice_status: Option<String>,
    pub last_invoice_incl_vat_cents: Option<i64>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_invoice_at: Option<OffsetDateTime>,
}

/// The billing of the transaction's member (`member` must be it: two locks).
pub async fn billing_facts(
    conn: &mut PgConnection,
    member: Uuid,
) -> AppResult<Option<MemberBillingFacts>> {
    Ok(sqlx::query_as(
        "SELECT f.state, f.mode, f.tier_name, f.due_incl_vat_cents, f.open_invoices,
                f.last_invoice_number, f.last_invoice_status, f.last_invoice_incl_vat_cents,
                f.last_invoice_at
         FROM billing.member_facts() f WHERE tenant.current_tenant() = $1",
    )
    .bind(member)
    .fetch_optional(conn)
    .await?)
}
