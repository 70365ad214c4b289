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
    // One pass over the enrolments, one over their quiz attempts (not an attempts lookup per
    // enrolment: 100,000 of those took most of the overview's time).
    Ok(sqlx::query_as(&format!(
        "WITH totals AS (
             SELECT e.module_id, count(*) AS enrolled, count(e.completed_at) AS completed,
                    count(*) FILTER (WHERE e.completed_at IS NULL AND e.deadline < current_date) AS overdue
             FROM content.enrolments e
             WHERE e.tenant_id = $1 AND {LEARNERS}
             GROUP BY e.module_id),
         tried AS (
             SELECT e.module_id, count(*) AS attempts, count(*) FILTER (WHERE q.passed) AS passed
             FROM content.quiz_attempts q
             JOIN content.enrolments e ON e.tenant_id = q.tenant_id AND e.id = q.enrolment_id
             WHERE q.tenant_id = $1 AND {LEARNERS}
             GROUP BY e.module_id)
         SELECT t.module_id,
                coalesce((SELECT v.title FROM content.shared_module_versions v
                          WHERE v.module_id = t.module_id ORDER BY v.version DESC LIMIT 1),
                         (SELECT v.title FROM content.module_versions v
                          WHERE v.tenant_id = $1 AND v.module_id = t.module_id
                          ORDER BY v.version DESC LIMIT 1)) AS title,
                t.enrolled, t.completed, t.overdue,
                coalesce(a.attempts, 0)::bigint AS attempts,
                coalesce(a.passed, 0)::bigint AS passed
         FROM totals t LEFT JOIN tried a ON a.module_id = t.module_id
         ORDER BY t.enrolled DESC, t.module_id
         LIMIT 500"
    ))
    .persistent(false)
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
    // The completions of the last twelve months through their index, counted per month once.
    Ok(sqlx::query_as(&format!(
        "WITH since AS (SELECT date_trunc('month', now()) - interval '11 months' AS t),
         done AS (
             SELECT date_trunc('month', e.completed_at) AS m FROM content.enrolments e
             WHERE e.tenant_id = $1 AND e.completed_at >= (SELECT t FROM since) AND {LEARNERS}
             UNION ALL
             SELECT date_trunc('month', e.completed_at) FROM content.past_completions e
             WHERE e.tenant_id = $1 AND e.completed_at >= (SELECT t FROM since) AND {LEARNERS}),
         per AS (SELECT m, count(*) AS n FROM done GROUP BY m)
         SELECT to_char(months.m, 'YYYY-MM'), coalesce(per.n, 0)
         FROM generate_series((SELECT t FROM since), date_trunc('month', now()), interval '1 month') months(m)
         LEFT JOIN per ON per.m = months.m
         ORDER BY months.m"
    ))
    .persistent(false)
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
