//! Aggregates for the learning overviews (counts only).

use sqlx::{FromRow, PgConnection};
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// Per module of the member: enrolments, completions, overdue ones, attempts and passes.
#[derive(Debug, FromRow)]
pub struct ModuleTotals {
    pub module_id: Uuid,
    pub title: Option<String>,
    pub enrolled: i64,
    pub completed: i64,
    pub overdue: i64,
    pub attempts: i64,
    pub passed: i64,
}

/// Which learners an overview counts: all, or those in a group (as learners) or a department.
#[derive(Clone, Debug, Default)]
pub struct Learners {
    pub group: Option<Uuid>,
    pub department: Option<String>,
}

/// The condition on an enrolment `e` for [`Learners`] (binds `$2` group, `$3` department).
const LEARNERS: &str = "($2::uuid IS NULL OR EXISTS (
        SELECT 1 FROM content.group_members m
        WHERE m.tenant_id = e.tenant_id AND m.group_id = $2 AND m.user_id = e.user_id AND m.role = 'learner'))
    AND ($3::text IS NULL OR EXISTS (
        SELECT 1 FROM tenant.users u
        WHERE u.tenant_id = e.tenant_id AND u.id = e.user_id AND lower(u.department) = lower($3)))";

/// The member's totals per module, most enrolments first. One statement.
pub async fn per_module(
    conn: &mut PgConnection,
    tenant: TenantId,
    who: &Learners,
) -> AppResult<Vec<ModuleTotals>> {
    Ok(sqlx::query_as(&format!(
        "SELECT e.module_id,
                coalesce((SELECT v.title FROM content.shared_module_versions v
                          WHERE v.module_id = e.module_id ORDER BY v.version DESC LIMIT 1),
                         (SELECT v.title FROM content.module_versions v
                          WHERE v.tenant_id = e.tenant_id AND v.module_id = e.module_id
                          ORDER BY v.version DESC LIMIT 1)) AS title,
                count(*) AS enrolled,
                count(e.completed_at) AS completed,
                count(*) FILTER (WHERE e.completed_at IS NULL AND e.deadline < current_date) AS overdue,
                coalesce(sum(a.attempts), 0)::bigint AS attempts,
                coalesce(sum(a.passed), 0)::bigint AS passed
         FROM content.enrolments e
         LEFT JOIN LATERAL (SELECT count(*) AS attempts, count(*) FILTER (WHERE q.passed) AS passed
                            FROM content.quiz_attempts q
                            WHERE q.tenant_id = e.tenant_id AND q.enrolment_id = e.id) a ON true
         WHERE e.tenant_id = $1 AND {LEARNERS}
         GROUP BY e.tenant_id, e.module_id
         ORDER BY count(*) DESC, e.module_id
         LIMIT 500"
    ))
    .bind(tenant.0)
    .bind(who.group)
    .bind(who.department.as_deref())
    .fetch_all(conn)
    .await?)
}

/// Completions per month over the last twelve months (`YYYY-MM`, count), oldest first. A
/// completion counts in its month also after the learner was enrolled again for a refresher
/// (the completion then lives in `past_completions`).
pub async fn completions_per_month(
    conn: &mut PgConnection,
    tenant: TenantId,
    who: &Learners,
) -> AppResult<Vec<(String, i64)>> {
    Ok(sqlx::query_as(&format!(
        "SELECT to_char(m, 'YYYY-MM'),
                (SELECT count(*) FROM content.enrolments e
                 WHERE e.tenant_id = $1 AND date_trunc('month', e.completed_at) = m AND {LEARNERS})
              + (SELECT count(*) FROM content.past_completions e
                 WHERE e.tenant_id = $1 AND date_trunc('month', e.completed_at) = m AND {LEARNERS})
         FROM generate_series(date_trunc('month', now()) - interval '11 months',
                              date_trunc('month', now()), interval '1 month') m
         ORDER BY m"
    ))
    .bind(tenant.0)
    .bind(who.group)
    .bind(who.department.as_deref())
    .fetch_all(conn)
    .await?)
}

/// NZK's totals across members (operators only; the function checks).
#[derive(Debug, FromRow)]
pub struct PlatformTotals {
    pub member: String,
    pub module_id: Uuid,
    pub title: String,
    pub enrolled: i64,
    pub completed: i64,
}

/// Totals per member and module.
pub async fn platform(conn: &mut PgConnection) -> AppResult<Vec<PlatformTotals>> {
    Ok(
        sqlx::query_as("SELECT * FROM content.platform_learning_totals()")
            .fetch_all(conn)
            .await?,
    )
}
