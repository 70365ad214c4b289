//! Operator tasks on members: create (with the admin's invitation), list, search, suspend, resume.

use super::validate::{self, Slug};
use crate::repo::{self, tenants::MemberRow};
use serde::Deserialize;
use time::Duration;
use uuid::Uuid;
use zk_kernel::{
    authz::{self, Role},
    db,
    mail::Mailer,
    AppResult, Platform, TenantId,
};

/// Input for a new member, as the API, the console form and the command line send it.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = NewMember)]
pub struct NewMemberInput {
    pub slug: String,
    pub name: String,
    pub admin_email: String,
    #[serde(default)]
    pub employee_count: Option<i64>,
}

/// A validated new member.
pub struct NewMember {
    pub slug: Slug,
    pub name: String,
    pub admin_email: String,
    pub employee_count: i32,
}

impl NewMember {
    /// Validates every field, first error wins (in form order).
    pub fn parse(input: &NewMemberInput) -> AppResult<Self> {
        Ok(Self {
            slug: Slug::parse(&input.slug)?,
            name: validate::name("name", &input.name)?,
            admin_email: validate::email("admin_email", &input.admin_email)?,
            employee_count: validate::employee_count(input.employee_count.unwrap_or(0))?,
        })
    }
}

/// The result of creating a member.
pub struct CreatedMember {
    pub member: MemberRow,
    pub admin_user_id: Uuid,
    pub invite_url: String,
}

/// How long an invitation link stays valid.
pub const INVITE_VALID_FOR: Duration = Duration::days(7);

/// Creates a member, its default branding, its admin account and the admin's invitation mail,
/// all in one transaction.
pub async fn create(platform: &Platform, new: NewMember) -> AppResult<CreatedMember> {
    let id = TenantId(Uuid::new_v4());
    let mut tx = platform.db.begin_tenant(TenantId::PLATFORM).await?;
    let member = repo::tenants::insert(
        &mut tx,
        id,
        new.slug.as_str(),
        &new.name,
        new.employee_count,
    )
    .await?;
    db::set_tenant(&mut tx, id).await?;
    repo::branding::insert_default(&mut tx, id).await?;
    let admin = repo::users::insert_invited(&mut tx, id, &new.admin_email).await?;
    authz::grant_role(&mut tx, id, admin.id, Role::Admin).await?;
    let token = repo::invites::create(
        &mut tx,
        id,
        admin.id,
        repo::invites::Purpose::Invite,
        INVITE_VALID_FOR,
    )
    .await?;
    let invite_url = format!(
        "{}/uitnodiging/{token}",
        platform.config.tenant_url(new.slug.as_str())
    );
    let body = format!(
        "Welkom bij de Nationale Zorgklas!\n\n{} is nu lid. U bent beheerder van het portaal {}.\n\n\
         Kies via deze link een wachtwoord (7 dagen geldig):\n{invite_url}\n",
        new.name,
        platform.config.tenant_url(new.slug.as_str()),
    );
    Mailer::enqueue(
        &mut tx,
        id,
        &new.admin_email,
        "Uw portaal bij de Nationale Zorgklas",
        &body,
    )
    .await?;
    tx.commit().await?;
    platform.authz.reload().await?;
    tracing::info!(tenant.id = %id, "member created");
    Ok(CreatedMember {
        member,
        admin_user_id: admin.id,
        invite_url,
    })
}

/// Members, newest first; `query` matches slug or name.
pub async fn list(
    platform: &Platform,
    query: Option<&str>,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<MemberRow>> {
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    let mut tx = platform.db.begin_tenant(TenantId::PLATFORM).await?;
    let rows = repo::tenants::list(&mut tx, query, limit.clamp(1, 500), offset.max(0)).await?;
    tx.commit().await?;
    Ok(rows)
}

/// The landing page's portal finder: active members whose name contains the query (at least two
/// characters), as name and portal address; at most ten.
pub async fn find_portals(platform: &Platform, query: &str) -> AppResult<Vec<(String, String)>> {
    let query = query.trim();
    if query.chars().count() < 2 || query.chars().count() > 100 {
        return Ok(Vec::new());
    }
    let mut tx = platform.db.begin_tenant(TenantId::PLATFORM).await?;
    let rows = repo::tenants::find_active(&mut tx, query, 10).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|(slug, name)| (name, platform.config.tenant_url(&slug)))
        .collect())
}

/// One member.
pub async fn get(platform: &Platform, slug: &str) -> AppResult<MemberRow> {
    let mut tx = platform.db.begin_tenant(TenantId::PLATFORM).await?;
    let row = repo::tenants::by_slug(&mut tx, slug).await?;
    tx.commit().await?;
    Ok(row)
}

/// Suspends (`active = false`) or resumes a member. Nothing is deleted.
pub async fn set_active(platform: &Platform, slug: &str, active: bool) -> AppResult<MemberRow> {
    let mut tx = platform.db.begin_tenant(TenantId::PLATFORM).await?;
    let row = repo::tenants::set_status(&mut tx, slug, if active { "active" } else { "suspended" })
        .await?;
    tx.commit().await?;
    platform.directory.invalidate(TenantId(row.id));
    tracing::info!(tenant.id = %row.id, active, "member status changed");
    Ok(row)
}
