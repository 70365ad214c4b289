//! Proofs of participation (`content.proofs`, RLS).

use sqlx::{FromRow, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// A proof as kept.
#[derive(Debug, FromRow)]
pub struct ProofRow {
    pub id: Uuid,
    pub code: String,
    pub user_id: Uuid,
    pub module_id: Uuid,
    pub version: i32,
    pub learner_name: String,
    pub module_title: String,
    pub member_name: String,
    pub issued_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_reason: Option<String>,
}

const COLUMNS: &str = "id, code, user_id, module_id, version, learner_name, module_title, member_name, issued_at, revoked_at, revoked_reason";

/// Issues the proof of a completed enrolment (once per cycle), with the learner's and the member's names
/// as they are now. A learner without a display name gets an empty name, never anything of their
/// e-mail address: the proof is shown publicly.
pub async fn issue(
    conn: &mut PgConnection,
    tenant: TenantId,
    enrolment: Uuid,
    code: &str,
    module_title: &str,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.proofs
             (tenant_id, id, code, enrolment_id, cycle, user_id, module_id, version, learner_name, module_title, member_name)
         SELECT e.tenant_id, gen_random_uuid(), $3, e.id, e.cycle, e.user_id, e.module_id, e.completed_version,
                u.display_name,
                $4, t.name
         FROM content.enrolments e
         JOIN tenant.users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
         JOIN tenant.tenants t ON t.id = e.tenant_id
         WHERE e.tenant_id = $1 AND e.id = $2 AND e.completed_version IS NOT NULL
         ON CONFLICT (tenant_id, enrolment_id, cycle) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(enrolment)
    .bind(code)
    .bind(module_title)
    .execute(conn)
    .await?;
    Ok(())
}

/// A proof that still verifies, by its code.
pub async fn valid_by_code(
    conn: &mut PgConnection,
    tenant: TenantId,
    code: &str,
) -> AppResult<Option<ProofRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM content.proofs WHERE tenant_id = $1 AND code = $2 AND revoked_at IS NULL"
    ))
    .bind(tenant.0)
    .bind(code)
    .fetch_optional(conn)
    .await?)
}

/// The proofs of `user`, or one of them.
pub async fn of_user(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: Uuid,
    id: Option<Uuid>,
) -> AppResult<Vec<ProofRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM content.proofs
         WHERE tenant_id = $1 AND user_id = $2 AND ($3::uuid IS NULL OR id = $3)
         ORDER BY issued_at DESC LIMIT 500"
    ))
    .bind(tenant.0)
    .bind(user)
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// Revokes a proof; false when there is none (or it was revoked already).
pub async fn revoke(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    by: Uuid,
    reason: &str,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "UPDATE content.proofs SET revoked_at = now(), revoked_by = $3, revoked_reason = $4
         WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(by)
    .bind(reason)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The member's proofs, newest first, optionally those whose learner (name or e-mail address) or
/// module holds `q` (any case) or whose code is `q`; with the total that match.
pub async fn search(
    conn: &mut PgConnection,
    tenant: TenantId,
    q: Option<&str>,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<Found>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS}, count(*) OVER () AS total,
                (SELECT u.email FROM tenant.users u
                 WHERE u.tenant_id = proofs.tenant_id AND u.id = proofs.user_id) AS learner_email
         FROM content.proofs
         WHERE tenant_id = $1
           AND ($2::text IS NULL OR strpos(lower(learner_name), lower($2)) > 0
                OR strpos(lower(module_title), lower($2)) > 0 OR code = upper($2)
                OR EXISTS (SELECT 1 FROM tenant.users u WHERE u.tenant_id = proofs.tenant_id
                           AND u.id = proofs.user_id AND strpos(lower(u.email), lower($2)) > 0))
         ORDER BY issued_at DESC, id LIMIT $3 OFFSET $4"
    ))
    .bind(tenant.0)
    .bind(q)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?)
}

/// A proof found by [`search`], with its learner's address (for the member's admins only) and
/// the number of proofs that match.
#[derive(FromRow)]
pub struct Found {
    #[sqlx(flatten)]
    pub row: ProofRow,
    pub learner_email: Option<String>,
    pub total: i64,
}
