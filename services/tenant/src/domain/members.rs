//! Operator tasks on members: create (with the admin's invitation), list, search, suspend, resume.

use super::{
    invitations,
    user_list::{self, BulkAction},
    validate::{self, Slug},
};
use crate::repo::{self, tenants::MemberRow};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zk_kernel::{
    authz::{self, Role},
    db,
    mail::Mailer,
    paging::{Paging, PerPage},
    AppError, AppResult, Platform, TenantId,
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
    /// Validates every field and reports every invalid one at once (the first, in form order,
    /// as the error's `field`).
    pub fn parse(input: &NewMemberInput) -> AppResult<Self> {
        let slug = Slug::parse(&input.slug);
        let name = validate::name("name", &input.name);
        let admin_email = validate::email("admin_email", &input.admin_email);
        let employee_count = validate::employee_count(input.employee_count.unwrap_or(0));
        match (slug, name, admin_email, employee_count) {
            (Ok(slug), Ok(name), Ok(admin_email), Ok(employee_count)) => Ok(Self {
                slug,
                name,
                admin_email,
                employee_count,
            }),
            (a, b, c, d) => Err(all_errors(vec![a.err(), b.err(), c.err(), d.err()])),
        }
    }
}

/// The error reporting every one of `errors` (those that are `Some`, at least one).
fn all_errors(errors: Vec<Option<AppError>>) -> AppError {
    AppError::all(errors.into_iter().map(|e| e.map_or(Ok(()), Err)).collect())
        .err()
        .unwrap_or_else(|| AppError::validation("form", "invalid_input", "De invoer is ongeldig."))
}

/// The result of creating a member.
pub struct CreatedMember {
    pub member: MemberRow,
    pub admin_user_id: Uuid,
    pub invite_url: String,
}

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
        invitations::INVITE_VALID_FOR,
    )
    .await?;
    let invite_url = format!(
        "{}/uitnodiging/{token}",
        platform.config.tenant_url(new.slug.as_str())
    );
    let body = format!(
        "Welkom bij de Nationale Zorgklas!\n\n{} is nu lid. U bent beheerder van het portaal {}.\n\n\
         Kies via deze link een wachtwoord. De link werkt tot en met {}:\n{invite_url}\n",
        new.name,
        platform.config.tenant_url(new.slug.as_str()),
        invitations::valid_until(invitations::INVITE_VALID_FOR),
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

/// Members per page unless asked otherwise, and at most.
pub const PER_PAGE: PerPage = PerPage::new(100, 500);

/// One page of members, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Members)]
pub struct MemberPage {
    pub items: Vec<MemberRow>,
    /// Members that match, on every page.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    /// Number of pages (at least 1).
    pub pages: u32,
}

/// Members, newest first, one page; `query` matches slug or name.
pub async fn list(
    platform: &Platform,
    query: Option<&str>,
    paging: Paging,
) -> AppResult<MemberPage> {
    let query = query.map(str::trim).filter(|q| !q.is_empty());
    let mut tx = platform.db.begin_tenant(TenantId::PLATFORM).await?;
    let rows = repo::tenants::list(&mut tx, query, paging.limit(), paging.offset()).await?;
    let total = match rows.first() {
        Some((_, total)) => *total,
        None if paging.page() > 1 => repo::tenants::count(&mut tx, query).await?,
        None => 0,
    };
    tx.commit().await?;
    Ok(MemberPage {
        items: rows.into_iter().map(|(m, _)| m).collect(),
        total,
        page: paging.page(),
        per_page: paging.per_page(),
        pages: paging.pages(total),
    })
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

/// Suspends (`active = false`) or resumes a member without a reason (the API and the command
/// line); the change is kept in its history all the same. Nothing is deleted.
pub async fn set_active(platform: &Platform, slug: &str, active: bool) -> AppResult<MemberRow> {
    change_status(platform, None, slug, active, "").await
}

/// An operator's edit of a member, as the API and the console form send it.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = MemberEdit)]
pub struct MemberEditInput {
    pub name: String,
    pub employee_count: i64,
    /// Where its users ask questions (shown in the portal's footer); empty for none.
    #[serde(default)]
    pub support_email: String,
    /// Storage for the member's files in bytes; `null` or left out: its tier's default (0–49
    /// employees 10 GiB, 50–249 25 GiB, 250–499 50 GiB, 500+ 100 GiB).
    #[serde(default)]
    pub media_quota_bytes: Option<i64>,
}

/// Changes a member's name, employee count, support address and storage quota, all or nothing,
/// and notes it in the member's history. Every invalid field is reported at once.
pub async fn update(
    platform: &Platform,
    actor: Option<Uuid>,
    slug: &str,
    input: &MemberEditInput,
) -> AppResult<MemberRow> {
    let name = validate::name("name", &input.name);
    let employees = validate::employee_count(input.employee_count);
    let support = match input.support_email.trim() {
        "" => Ok(None),
        e => validate::email("support_email", e).map(Some),
    };
    let quota = validate::media_quota(input.media_quota_bytes);
    let (name, employees, support, quota) = match (name, employees, support, quota) {
        (Ok(n), Ok(e), Ok(s), Ok(q)) => (n, e, s, q),
        (a, b, c, d) => return Err(all_errors(vec![a.err(), b.err(), c.err(), d.err()])),
    };
    let mut tx = platform.db.begin_tenant(TenantId::PLATFORM).await?;
    repo::tenants::update(&mut tx, slug, &name, employees).await?;
    let row = repo::tenants::set_media_quota(&mut tx, slug, quota).await?;
    repo::tenants::add_event(&mut tx, row.id, actor, "edited", "").await?;
    db::set_tenant(&mut tx, TenantId(row.id)).await?;
    repo::branding::set_support_email(&mut tx, TenantId(row.id), support.as_deref()).await?;
    tx.commit().await?;
    platform.directory.invalidate(TenantId(row.id));
    tracing::info!(tenant.id = %row.id, "member edited");
    Ok(row)
}

/// A member as the console shows it: its details, users, admins and history. Documented as
/// `ConsoleMemberOverview`: learning's overview of a member's learners is `MemberOverview`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(as = ConsoleMemberOverview)]
pub struct MemberOverview {
    pub member: MemberRow,
    pub support_email: Option<String>,
    pub users: repo::users::UserCounts,
    /// Accounts with the admin role (at most 50).
    pub admins: Vec<repo::users::UserRow>,
    /// Newest first (at most 50).
    pub history: Vec<repo::tenants::MemberEvent>,
    /// Its subscription: tier, state, what is open and the last invoice.
    pub billing: Option<repo::tenants::MemberBillingFacts>,
}

/// Everything about one member for the console, in one transaction.
pub async fn overview(platform: &Platform, slug: &str) -> AppResult<MemberOverview> {
    let mut tx = platform.db.begin_tenant(TenantId::PLATFORM).await?;
    let member = repo::tenants::by_slug(&mut tx, slug).await?;
    let history = repo::tenants::events(&mut tx, member.id, 50).await?;
    let id = TenantId(member.id);
    db::set_tenant(&mut tx, id).await?;
    let users = repo::users::counts(&mut tx, id).await?;
    let admins = repo::users::with_role(&mut tx, id, Role::Admin.as_str(), 50).await?;
    let support_email = repo::branding::support_email(&mut tx, id).await?;
    let billing = repo::tenants::billing_facts(&mut tx, member.id).await?;
    tx.commit().await?;
    Ok(MemberOverview {
        member,
        support_email,
        users,
        admins,
        history,
        billing,
    })
}

/// Suspends or resumes a member with the operator's reason, kept in its history. Nothing is
/// deleted; a suspension needs a reason.
pub async fn set_active_because(
    platform: &Platform,
    actor: Option<Uuid>,
    slug: &str,
    active: bool,
    reason: &str,
) -> AppResult<MemberRow> {
    let reason = reason.trim();
    if !active && reason.is_empty() {
        return Err(AppError::validation(
            "reason",
            "reason_required",
            "Vul de reden van de opschorting in; die blijft bewaard bij het lid.",
        ));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::validation(
            "reason",
            "reason_too_long",
            "Een reden heeft ten hoogste 500 tekens.",
        ));
    }
    change_status(platform, actor, slug, active, reason).await
}

async fn change_status(
    platform: &Platform,
    actor: Option<Uuid>,
    slug: &str,
    active: bool,
    reason: &str,
) -> AppResult<MemberRow> {
    let mut tx = platform.db.begin_tenant(TenantId::PLATFORM).await?;
    let row = repo::tenants::set_status(&mut tx, slug, if active { "active" } else { "suspended" })
        .await?;
    let kind = if active { "resumed" } else { "suspended" };
    repo::tenants::add_event(&mut tx, row.id, actor, kind, reason).await?;
    tx.commit().await?;
    platform.directory.invalidate(TenantId(row.id));
    tracing::info!(tenant.id = %row.id, active, "member status changed");
    Ok(row)
}

/// Invites another admin for a member (mailed, as at creation). With `replace`, the pending
/// invitations of its other admins are withdrawn in the same transaction (a wrong address at
/// creation, say); admins who already use their account keep it.
pub async fn invite_admin(
    platform: &Platform,
    actor: Option<Uuid>,
    slug: &str,
    email: &str,
    replace: bool,
) -> AppResult<repo::users::UserRow> {
    let email = validate::email("email", email)?;
    let member = get(platform, slug).await?;
    let id = TenantId(member.id);
    let tenant = platform
        .directory
        .load(id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut tx = platform.db.begin_tenant(TenantId::PLATFORM).await?;
    let reason = if replace {
        "vervangt de openstaande uitnodiging"
    } else {
        ""
    };
    repo::tenants::add_event(
        &mut tx,
        member.id,
        actor,
        "admin_invited",
        format!("{email} {reason}").trim(),
    )
    .await?;
    db::set_tenant(&mut tx, id).await?;
    if replace {
        for old in repo::users::with_role(&mut tx, id, Role::Admin.as_str(), 50).await? {
            if old.email != email && repo::users::lock_is_pending(&mut tx, id, old.id).await? {
                repo::invites::delete_for_user(&mut tx, id, old.id).await?;
                authz::revoke_roles(&mut tx, old.id).await?;
                repo::users::delete_pending(&mut tx, id, old.id).await?;
            }
        }
    }
    let user = repo::users::insert_invited(&mut tx, id, &email).await?;
    authz::grant_role(&mut tx, id, user.id, Role::Admin).await?;
    invitations::send(platform, &tenant, &mut tx, user.id, &email).await?;
    tx.commit().await?;
    platform.authz.reload().await?;
    tracing::info!(tenant.id = %member.id, replace, "admin invited by an operator");
    Ok(user)
}

/// Sends a member's invited admin a fresh invitation (older links stop working).
pub async fn resend_admin_invitation(
    platform: &Platform,
    actor: Uuid,
    slug: &str,
    user: Uuid,
) -> AppResult<repo::users::UserRow> {
    let member = get(platform, slug).await?;
    let tenant = platform
        .directory
        .load(TenantId(member.id))
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut users = user_list::bulk(
        platform,
        &tenant,
        actor,
        &[user],
        BulkAction::ResendInvitation,
    )
    .await?;
    let user = users.pop().ok_or_else(AppError::not_found)?;
    let mut tx = platform.db.begin_tenant(TenantId::PLATFORM).await?;
    repo::tenants::add_event(
        &mut tx,
        member.id,
        Some(actor),
        "invitation_resent",
        &user.email,
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}
