//! Groups and their members (`content.groups`, `content.group_members`; RLS).

use sqlx::{FromRow, PgConnection};
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

/// A group with its head counts.
#[derive(Debug, FromRow)]
pub struct GroupRow {
    pub id: Uuid,
    pub name: String,
    pub learners: i64,
    pub teachers: i64,
}

/// Makes a group; false when the name is taken.
pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    name: &str,
    by: Uuid,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO content.groups (tenant_id, id, name, created_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, name) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(name)
    .bind(by)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The member's groups, or (with `teacher`) only those that user teaches.
pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    teacher: Option<Uuid>,
) -> AppResult<Vec<GroupRow>> {
    Ok(sqlx::query_as(
        "SELECT g.id, g.name,
                count(*) FILTER (WHERE m.role = 'learner') AS learners,
                count(*) FILTER (WHERE m.role = 'teacher') AS teachers
         FROM content.groups g
         LEFT JOIN content.group_members m ON m.tenant_id = g.tenant_id AND m.group_id = g.id
         WHERE g.tenant_id = $1
           AND ($2::uuid IS NULL OR EXISTS (
                SELECT 1 FROM content.group_members t
                WHERE t.tenant_id = g.tenant_id AND t.group_id = g.id AND t.user_id = $2 AND t.role = 'teacher'))
         GROUP BY g.id, g.name
         ORDER BY lower(g.name)",
    )
    .bind(tenant.0)
    .bind(teacher)
    .fetch_all(conn)
    .await?)
}

/// Whether the group exists.
pub async fn exists(conn: &mut PgConnection, tenant: TenantId, group: Uuid) -> AppResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM content.groups WHERE tenant_id = $1 AND id = $2)",
    )
    .bind(tenant.0)
    .bind(group)
    .fetch_one(conn)
    .await?)
}

/// Whether `user` teaches the group.
pub async fn teaches(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: Uuid,
    user: Uuid,
) -> AppResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM content.group_members
                        WHERE tenant_id = $1 AND group_id = $2 AND user_id = $3 AND role = 'teacher')",
    )
    .bind(tenant.0)
    .bind(group)
    .bind(user)
    .fetch_one(conn)
    .await?)
}

/// Puts a user in the group with a role (or changes it).
pub async fn set_member(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: Uuid,
    user: Uuid,
    role: &str,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO content.group_members (tenant_id, group_id, user_id, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, group_id, user_id) DO UPDATE SET role = EXCLUDED.role",
    )
    .bind(tenant.0)
    .bind(group)
    .bind(user)
    .bind(role)
    .execute(conn)
    .await?;
    Ok(())
}

/// Adds a user to the group with a role unless they are in it already (in whatever role);
/// true when added.
pub async fn add_member(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: Uuid,
    user: Uuid,
    role: &str,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO content.group_members (tenant_id, group_id, user_id, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, group_id, user_id) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(group)
    .bind(user)
    .bind(role)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Takes a user out of the group; false when they weren't in it.
pub async fn remove_member(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: Uuid,
    user: Uuid,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "DELETE FROM content.group_members WHERE tenant_id = $1 AND group_id = $2 AND user_id = $3",
    )
    .bind(tenant.0)
    .bind(group)
    .bind(user)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The group's learners.
pub async fn learners(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: Uuid,
) -> AppResult<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT user_id FROM content.group_members
         WHERE tenant_id = $1 AND group_id = $2 AND role = 'learner' ORDER BY user_id",
    )
    .bind(tenant.0)
    .bind(group)
    .fetch_all(conn)
    .await?)
}

/// The group's learners with the name a teacher sees (their name, or their address).
pub async fn learner_names(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: Uuid,
) -> AppResult<Vec<(Uuid, String)>> {
    Ok(sqlx::query_as(
        "SELECT u.id, CASE WHEN u.display_name <> '' THEN u.display_name ELSE u.email END
         FROM content.group_members m JOIN tenant.users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
         WHERE m.tenant_id = $1 AND m.group_id = $2 AND m.role = 'learner'
         ORDER BY lower(u.display_name), u.email",
    )
    .bind(tenant.0)
    .bind(group)
    .fetch_all(conn)
    .await?)
}

/// The learners of every group `teacher` teaches.
pub async fn learners_taught_by(
    conn: &mut PgConnection,
    tenant: TenantId,
    teacher: Uuid,
) -> AppResult<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT m.user_id FROM content.group_members m
         JOIN content.group_members t ON t.tenant_id = m.tenant_id AND t.group_id = m.group_id
         WHERE m.tenant_id = $1 AND m.role = 'learner' AND t.user_id = $2 AND t.role = 'teacher'",
    )
    .bind(tenant.0)
    .bind(teacher)
    .fetch_all(conn)
    .await?)
}

/// The id of the member's user with this address.
pub async fn user_by_email(
    conn: &mut PgConnection,
    tenant: TenantId,
    email: &str,
) -> AppResult<Option<Uuid>> {
    Ok(
        sqlx::query_scalar(
            "SELECT id FROM tenant.users WHERE tenant_id = $1 AND email = lower($2)",
        )
        .bind(tenant.0)
        .bind(email.trim())
        .fetch_optional(conn)
        .await?,
    )
}

/// A group's name, when it exists.
pub async fn name(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: Uuid,
) -> AppResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT name FROM content.groups WHERE tenant_id = $1 AND id = $2")
            .bind(tenant.0)
            .bind(group)
            .fetch_optional(conn)
            .await?,
    )
}
