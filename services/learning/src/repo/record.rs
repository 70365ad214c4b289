//! A person's learning record (`/leren/mensen/{id}`): who they are, changing a deadline, and
//! un-enrolling with the history it leaves (`content.withdrawn_enrolments`). Their enrolments
//! come from the people list's statement (`repo::people`, filtered to the person).

use sqlx::{FromRow, PgConnection};
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// The person the record is about.
#[derive(Debug, FromRow)]
pub struct PersonHead {
    pub id: Uuid,
    pub display_name: String,
    pub email: String,
    pub department: String,
    /// `invited`, `active` or `disabled` (blocked).
    pub status: String,
    /// The groups they learn in, by name.
    pub groups: Vec<String>,
}

/// The member's user `user`, with the groups they learn in.
pub async fn person(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: Uuid,
) -> AppResult<Option<PersonHead>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.display_name, u.email, u.department, u.status,
                coalesce((SELECT array_agg(g.name ORDER BY g.name)
                          FROM content.group_members m
                          JOIN content.groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
                          WHERE m.tenant_id = u.tenant_id AND m.user_id = u.id AND m.role = 'learner'),
                         '{}') AS groups
         FROM tenant.users u WHERE u.tenant_id = $1 AND u.id = $2",
    )
    .bind(tenant.0)
    .bind(user)
    .fetch_optional(conn)
    .await?)
}

/// Whether `teacher` teaches a group `learner` learns in.
pub async fn teaches(
    conn: &mut PgConnection,
    tenant: TenantId,
    teacher: Uuid,
    learner: Uuid,
) -> AppResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM content.group_members m
                JOIN content.group_members t ON t.tenant_id = m.tenant_id AND t.group_id = m.group_id
                WHERE m.tenant_id = $1 AND m.user_id = $3 AND m.role = 'learner'
                  AND t.user_id = $2 AND t.role = 'teacher')",
    )
    .bind(tenant.0)
    .bind(teacher)
    .bind(learner)
    .fetch_one(conn)
    .await?)
}

/// An enrolment as the record's changes need it (locked for the transaction).
#[derive(Debug, FromRow)]
pub struct Held {
    pub id: Uuid,
    pub user_id: Uuid,
    pub module_id: Uuid,
    pub version: i32,
    pub deadline: Option<Date>,
    pub created_at: OffsetDateTime,
    pub completed_at: Option<OffsetDateTime>,
    pub cycle: i32,
    pub done_count: i32,
    pub last_activity_at: Option<OffsetDateTime>,
    pub attempts: i64,
}

/// The enrolment `id`, locked until the transaction ends.
pub async fn hold(conn: &mut PgConnection, tenant: TenantId, id: Uuid) -> AppResult<Option<Held>> {
    Ok(sqlx::query_as(
        "SELECT e.id, e.user_id, e.module_id, e.version, e.deadline, e.created_at, e.completed_at,
                e.cycle, e.done_count, e.last_activity_at,
                (SELECT count(*) FROM content.quiz_attempts a
                 WHERE a.tenant_id = e.tenant_id AND a.enrolment_id = e.id) AS attempts
         FROM content.enrolments e WHERE e.tenant_id = $1 AND e.id = $2 FOR UPDATE",
    )
    .bind(tenant.0)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// Sets (or, with `None`, removes) the deadline of the enrolment `id`.
pub async fn set_deadline(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    deadline: Option<Date>,
) -> AppResult<()> {
    sqlx::query("UPDATE content.enrolments SET deadline = $3 WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(id)
        .bind(deadline)
        .execute(conn)
        .await?;
    Ok(())
}

/// Keeps what `held` records in the history and deletes the enrolment (its blocks done and quiz
/// attempts go with it).
pub async fn withdraw(
    conn: &mut PgConnection,
    tenant: TenantId,
    held: &Held,
    title: &str,
    blocks: i32,
    by: Uuid,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.withdrawn_enrolments
             (tenant_id, enrolment_id, user_id, module_id, version, title, deadline, enrolled_at,
              done_count, blocks, attempts, last_activity_at, withdrawn_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(tenant.0)
    .bind(held.id)
    .bind(held.user_id)
    .bind(held.module_id)
    .bind(held.version)
    .bind(title)
    .bind(held.deadline)
    .bind(held.created_at)
    .bind(held.done_count)
    .bind(blocks)
    .bind(held.attempts as i32)
    .bind(held.last_activity_at)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM content.enrolments WHERE tenant_id = $1 AND id = $2")
        .bind(tenant.0)
        .bind(held.id)
        .execute(conn)
        .await?;
    Ok(())
}

/// An enrolment someone was taken out of.
#[derive(Debug, FromRow)]
pub struct Withdrawn {
    pub module_id: Uuid,
    pub title: String,
    pub deadline: Option<Date>,
    pub enrolled_at: OffsetDateTime,
    pub done_count: i32,
    pub blocks: i32,
    pub attempts: i32,
    pub last_activity_at: Option<OffsetDateTime>,
    pub withdrawn_at: OffsetDateTime,
}

/// The person's withdrawn enrolments, newest first.
pub async fn withdrawn(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: Uuid,
) -> AppResult<Vec<Withdrawn>> {
    Ok(sqlx::query_as(
        "SELECT module_id, title, deadline, enrolled_at, done_count, blocks, attempts,
                last_activity_at, withdrawn_at
         FROM content.withdrawn_enrolments WHERE tenant_id = $1 AND user_id = $2
         ORDER BY withdrawn_at DESC",
    )
    .bind(tenant.0)
    .bind(user)
    .fetch_all(conn)
    .await?)
}
