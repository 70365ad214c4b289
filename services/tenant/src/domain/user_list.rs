//! The users of a member at scale: search, filters, sorting and paging (all in the database, so
//! 10,000 users cost one page of rows), and actions on a selection of users in one transaction
//! (all or nothing).

use super::{accounts::UserView, invitations};
use crate::repo::{self, users::UserRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use zk_kernel::{
    authz::{self, Role},
    paging::{Paging, PerPage},
    AppError, AppResult, Platform, Tenant,
};

/// Rows per page unless asked otherwise, and at most.
pub const PER_PAGE: PerPage = PerPage::new(50, 200);
/// Users in one bulk action at most.
pub const BULK_MAX: usize = 1000;

/// What the users table is asked for, as sent (query parameters of the API and the page).
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQueryInput {
    /// Part of a name or e-mail address.
    pub q: Option<String>,
    /// Users with this role (`admin`, `author`, `teacher`, `reviewer`, `learner`).
    pub role: Option<String>,
    /// `invited`, `active` or `disabled`.
    pub status: Option<String>,
    /// Users of this department (as in the staff list; case does not matter).
    pub department: Option<String>,
    /// `name`, `email`, `department`, `status` or `last_login`; `-` in front for descending.
    pub sort: Option<String>,
    /// From 1 to 100000; a page past the last one is empty.
    pub page: Option<String>,
    /// 1 to 200; 50 when left out.
    pub per_page: Option<String>,
}

/// The columns the table sorts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Email,
    Department,
    Status,
    LastLogin,
}

impl SortKey {
    const ALL: [SortKey; 5] = [
        SortKey::Name,
        SortKey::Email,
        SortKey::Department,
        SortKey::Status,
        SortKey::LastLogin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Email => "email",
            SortKey::Department => "department",
            SortKey::Status => "status",
            SortKey::LastLogin => "last_login",
        }
    }
}

/// A validated users query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserQuery {
    pub q: Option<String>,
    pub role: Option<Role>,
    pub status: Option<&'static str>,
    pub department: Option<String>,
    pub sort: SortKey,
    pub descending: bool,
    pub paging: Paging,
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl UserQueryInput {
    /// Checks every part; an error names the parameter.
    pub fn parse(&self) -> AppResult<UserQuery> {
        let role = match non_empty(&self.role) {
            None => None,
            Some(r) => Some(
                Role::parse(r)
                    .filter(|r| Role::MEMBER_ROLES.contains(r))
                    .ok_or_else(|| {
                        AppError::validation(
                            "role",
                            "invalid_role",
                            format!("Onbekende rol: '{r}'."),
                        )
                    })?,
            ),
        };
        let status = match non_empty(&self.status) {
            None => None,
            Some(s) => Some(
                ["invited", "active", "disabled"]
                    .into_iter()
                    .find(|k| *k == s)
                    .ok_or_else(|| {
                        AppError::validation(
                            "status",
                            "invalid_status",
                            "Kies uitgenodigd (invited), actief (active) of geblokkeerd (disabled).",
                        )
                    })?,
            ),
        };
        let (sort, descending) = match non_empty(&self.sort) {
            None => (SortKey::Name, false),
            Some(s) => {
                let (name, desc) = s.strip_prefix('-').map_or((s, false), |n| (n, true));
                let key = SortKey::ALL
                    .into_iter()
                    .find(|k| k.as_str() == name)
                    .ok_or_else(|| {
                        AppError::validation(
                            "sort",
                            "invalid_sort",
                            "Sorteer op name, email, department, status of last_login.",
                        )
                    })?;
                (key, desc)
            }
        };
        let q = non_empty(&self.q).map(str::to_owned);
        if q.as_ref().is_some_and(|q| q.chars().count() > 100) {
            return Err(AppError::validation(
                "q",
                "too_long",
                "Zoek met ten hoogste 100 tekens.",
            ));
        }
        Ok(UserQuery {
            q,
            role,
            status,
            department: non_empty(&self.department).map(str::to_owned),
            sort,
            descending,
            paging: Paging::parse(self.page.as_deref(), self.per_page.as_deref(), PER_PAGE)?,
        })
    }
}

impl UserQuery {
    /// The fixed SQL ordering for the sort (ties broken by e-mail, so pages never overlap).
    fn order_by(&self) -> &'static str {
        use SortKey::*;
        match (self.sort, self.descending) {
            (Name, false) => "lower(NULLIF(display_name, '')) ASC NULLS LAST, email ASC",
            (Name, true) => "lower(NULLIF(display_name, '')) DESC NULLS LAST, email DESC",
            (Email, false) => "email ASC",
            (Email, true) => "email DESC",
            (Department, false) => "lower(NULLIF(department, '')) ASC NULLS LAST, email ASC",
            (Department, true) => "lower(NULLIF(department, '')) DESC NULLS LAST, email DESC",
            (Status, false) => "status ASC, email ASC",
            (Status, true) => "status DESC, email DESC",
            (LastLogin, false) => "last_login_at ASC NULLS FIRST, email ASC",
            (LastLogin, true) => "last_login_at DESC NULLS LAST, email ASC",
        }
    }
}

/// One page of users.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserView>,
    /// Users matching the query in all pages.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    /// Number of pages (at least 1).
    pub pages: u32,
}

/// The users matching `query`, one page, with their roles.
pub async fn list(platform: &Platform, tenant: &Tenant, query: &UserQuery) -> AppResult<UserPage> {
    let pattern = query.q.as_deref().map(repo::contains_pattern);
    let search = repo::users::Search {
        pattern: pattern.as_deref(),
        role: query.role.map(Role::as_str),
        status: query.status,
        department: query.department.as_deref(),
        order_by: query.order_by(),
        limit: query.paging.limit(),
        offset: query.paging.offset(),
    };
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let rows = repo::users::search(&mut tx, tenant.id, &search).await?;
    let total = match rows.first() {
        Some(r) => r.total,
        None if query.paging.page() > 1 => repo::users::count(&mut tx, tenant.id, &search).await?,
        None => 0,
    };
    tx.commit().await?;
    Ok(UserPage {
        items: rows
            .into_iter()
            .map(|r| UserView {
                user: r.user,
                roles: r.roles.iter().filter_map(|n| Role::parse(n)).collect(),
            })
            .collect(),
        total,
        page: query.paging.page(),
        per_page: query.paging.per_page(),
        pages: query.paging.pages(total),
    })
}

/// The departments of the member's users, for the filter.
pub async fn departments(platform: &Platform, tenant: &Tenant) -> AppResult<Vec<String>> {
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let list = repo::users::departments(&mut tx, tenant.id).await?;
    tx.commit().await?;
    Ok(list)
}

/// What to do with a selection of users.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkAction {
    GrantRole(Role),
    RevokeRole(Role),
    Block,
    Unblock,
    ResendInvitation,
}

impl BulkAction {
    /// `action` is `grant_role`, `revoke_role` (both with `role`), `block`, `unblock` or
    /// `resend_invitation`.
    pub fn parse(action: &str, role: Option<&str>) -> AppResult<BulkAction> {
        let role = || {
            let name = role.map(str::trim).unwrap_or_default();
            Role::parse(name)
                .filter(|r| Role::MEMBER_ROLES.contains(r))
                .ok_or_else(|| {
                    AppError::validation("role", "invalid_role", "Kies de rol die het betreft.")
                })
        };
        Ok(match action.trim() {
            "grant_role" => BulkAction::GrantRole(role()?),
            "revoke_role" => BulkAction::RevokeRole(role()?),
            "block" => BulkAction::Block,
            "unblock" => BulkAction::Unblock,
            "resend_invitation" => BulkAction::ResendInvitation,
            _ => {
                return Err(AppError::validation(
                    "action",
                    "invalid_action",
                    "Kies wat er met de gekozen gebruikers moet gebeuren.",
                ))
            }
        })
    }

    /// Whether the action takes something away (asked to confirm first on the page).
    pub fn is_destructive(self) -> bool {
        matches!(self, BulkAction::Block | BulkAction::RevokeRole(_))
    }
}

/// Up to three names, and how many more: "Ann de Vries, Bob en 3 anderen".
pub fn names(users: &[UserRow]) -> String {
    let shown: Vec<&str> = users
        .iter()
        .take(3)
        .map(|u| {
            if u.display_name.is_empty() {
                u.email.as_str()
            } else {
                u.display_name.as_str()
            }
        })
        .collect();
    let rest = users.len().saturating_sub(shown.len());
    match (shown.as_slice(), rest) {
        ([], _) => String::new(),
        ([one], 0) => (*one).to_owned(),
        (many, 0) => format!(
            "{} en {}",
            many[..many.len() - 1].join(", "),
            many[many.len() - 1]
        ),
        (many, 1) => format!("{} en 1 ander", many.join(", ")),
        (many, n) => format!("{} en {n} anderen", many.join(", ")),
    }
}

fn parse_ids(ids: &[Uuid]) -> AppResult<Vec<Uuid>> {
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if unique.is_empty() {
        return Err(AppError::validation(
            "ids",
            "nothing_selected",
            "Kies eerst een of meer gebruikers.",
        ));
    }
    if unique.len() > BULK_MAX {
        return Err(AppError::validation(
            "ids",
            "too_many",
            format!("Kies ten hoogste {BULK_MAX} gebruikers tegelijk."),
        ));
    }
    Ok(unique)
}

/// The users with these ids, locked, in the member's transaction; every id must be one of the
/// member's users, else nothing happens (404, nothing is said about whom the others belong to).
async fn lock_selection(
    tx: &mut zk_kernel::db::TenantTx,
    tenant: &Tenant,
    ids: &[Uuid],
) -> AppResult<Vec<UserRow>> {
    let users = repo::users::lock_many(tx, tenant.id, ids).await?;
    if users.len() != ids.len() {
        return Err(AppError::new(
            axum::http::StatusCode::NOT_FOUND,
            "unknown_users",
            format!(
                "{} van de gekozen gebruikers bestaan niet in dit portaal. Er is niets veranderd.",
                ids.len() - users.len()
            ),
        )
        .with_field("ids"));
    }
    Ok(users)
}

/// The selected users before the action, for a confirmation that names them (404 as in [`bulk`]).
pub async fn selection(
    platform: &Platform,
    tenant: &Tenant,
    ids: &[Uuid],
) -> AppResult<Vec<UserRow>> {
    let ids = parse_ids(ids)?;
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let users = lock_selection(&mut tx, tenant, &ids).await?;
    tx.commit().await?;
    Ok(users)
}

/// Does `action` to every user in `ids`, in one transaction: when one of them can't have it
/// done (another member's id, the admin themself, a mail to someone already active), nothing is
/// done to any. Returns the users as they are now.
pub async fn bulk(
    platform: &Platform,
    tenant: &Tenant,
    actor: Uuid,
    ids: &[Uuid],
    action: BulkAction,
) -> AppResult<Vec<UserRow>> {
    let ids = parse_ids(ids)?;
    let mut tx = platform.db.begin_tenant(tenant.id).await?;
    let users = lock_selection(&mut tx, tenant, &ids).await?;
    let includes_self = ids.contains(&actor);
    match action {
        BulkAction::Block if includes_self => {
            return Err(AppError::validation(
                "ids",
                "cannot_block_self",
                "U kunt uw eigen account niet blokkeren. Haal uzelf uit de selectie.",
            ))
        }
        BulkAction::RevokeRole(Role::Admin) if includes_self => {
            return Err(AppError::validation(
                "ids",
                "cannot_remove_own_admin",
                "U kunt uw eigen beheerdersrol niet intrekken. Haal uzelf uit de selectie.",
            ))
        }
        BulkAction::Block | BulkAction::Unblock => {
            let blocked = action == BulkAction::Block;
            repo::users::set_blocked_many(&mut tx, tenant.id, &ids, blocked).await?;
            if blocked {
                for id in &ids {
                    super::credentials::end_access(&mut tx, tenant.id, *id).await?;
                }
            }
        }
        BulkAction::GrantRole(role) => {
            for id in &ids {
                authz::grant_role(&mut tx, tenant.id, *id, role).await?;
            }
        }
        BulkAction::RevokeRole(role) => {
            for id in &ids {
                authz::revoke_role(&mut tx, *id, role).await?;
            }
        }
        BulkAction::ResendInvitation => {
            let not_invited: Vec<UserRow> = users
                .iter()
                .filter(|u| u.status != "invited")
                .cloned()
                .collect();
            if !not_invited.is_empty() {
                return Err(AppError::validation(
                    "ids",
                    "not_invited",
                    format!(
                        "Alleen wie nog niet heeft ingelogd krijgt een nieuwe uitnodiging. Niet voor: {}. Er is niets verstuurd.",
                        names(&not_invited)
                    ),
                ));
            }
            for user in &users {
                send_invitation(platform, tenant, &mut tx, user).await?;
            }
        }
    }
    let users = repo::users::lock_many(&mut tx, tenant.id, &ids).await?;
    tx.commit().await?;
    if matches!(action, BulkAction::Block) {
        platform.sessions.clear();
    }
    if matches!(action, BulkAction::GrantRole(_) | BulkAction::RevokeRole(_)) {
        platform.authz.reload().await?;
    }
    tracing::info!(users = ids.len(), action = ?action, "bulk action on users");
    Ok(users)
}

/// A fresh invitation link by mail; the older open links stop working.
async fn send_invitation(
    platform: &Platform,
    tenant: &Tenant,
    tx: &mut zk_kernel::db::TenantTx,
    user: &UserRow,
) -> AppResult<()> {
    repo::invites::revoke_open(tx, tenant.id, user.id).await?;
    invitations::send(platform, tenant, tx, user.id, &user.email).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, email: &str) -> UserRow {
        UserRow {
            id: Uuid::new_v4(),
            email: email.into(),
            display_name: name.into(),
            department: String::new(),
            status: "active".into(),
            last_login_at: None,
        }
    }

    #[test]
    fn names_lists_three_and_counts_the_rest() {
        let a = user("Ann de Vries", "ann@x.nl");
        let b = user("", "bob@x.nl");
        let c = user("Cees", "c@x.nl");
        let d = user("Dina", "d@x.nl");
        let e = user("Eef", "e@x.nl");
        assert_eq!(names(std::slice::from_ref(&a)), "Ann de Vries");
        assert_eq!(names(&[a.clone(), b.clone()]), "Ann de Vries en bob@x.nl");
        assert_eq!(
            names(&[a.clone(), b.clone(), c.clone()]),
            "Ann de Vries, bob@x.nl en Cees"
        );
        assert_eq!(
            names(&[a.clone(), b.clone(), c.clone(), d.clone()]),
            "Ann de Vries, bob@x.nl, Cees en 1 ander"
        );
        assert_eq!(
            names(&[a, b, c, d, e]),
            "Ann de Vries, bob@x.nl, Cees en 2 anderen"
        );
        assert_eq!(names(&[]), "");
    }

    #[test]
    fn a_query_is_checked_part_by_part_and_names_the_wrong_part() {
        let ok = UserQueryInput {
            q: Some("  de vries ".into()),
            role: Some("teacher".into()),
            status: Some("invited".into()),
            department: Some("Thuiszorg".into()),
            sort: Some("-last_login".into()),
            page: Some("3".into()),
            per_page: Some("20".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(ok.q.as_deref(), Some("de vries"));
        assert_eq!(ok.role, Some(Role::Teacher));
        assert_eq!(ok.status, Some("invited"));
        assert_eq!((ok.sort, ok.descending), (SortKey::LastLogin, true));
        assert_eq!((ok.paging.page(), ok.paging.per_page()), (3, 20));

        let plain = UserQueryInput::default().parse().unwrap();
        assert_eq!(
            (
                plain.sort,
                plain.descending,
                plain.paging.page(),
                plain.paging.per_page()
            ),
            (SortKey::Name, false, 1, 50)
        );
        assert_eq!(
            UserQueryInput {
                role: Some(String::new()),
                ..Default::default()
            }
            .parse()
            .unwrap()
            .role,
            None
        );

        for (input, field) in [
            (
                UserQueryInput {
                    role: Some("operator".into()),
                    ..Default::default()
                },
                "role",
            ),
            (
                UserQueryInput {
                    role: Some("baas".into()),
                    ..Default::default()
                },
                "role",
            ),
            (
                UserQueryInput {
                    status: Some("weg".into()),
                    ..Default::default()
                },
                "status",
            ),
            (
                UserQueryInput {
                    sort: Some("password_hash".into()),
                    ..Default::default()
                },
                "sort",
            ),
            (
                UserQueryInput {
                    page: Some("0".into()),
                    ..Default::default()
                },
                "page",
            ),
            (
                UserQueryInput {
                    page: Some("twee".into()),
                    ..Default::default()
                },
                "page",
            ),
            (
                UserQueryInput {
                    per_page: Some("201".into()),
                    ..Default::default()
                },
                "per_page",
            ),
            (
                UserQueryInput {
                    q: Some("x".repeat(101)),
                    ..Default::default()
                },
                "q",
            ),
        ] {
            let e = input.parse().unwrap_err();
            assert_eq!(e.body().field.as_deref(), Some(field), "{input:?}");
            assert_eq!(e.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        }
    }

    #[test]
    fn bulk_actions_parse_with_their_role() {
        assert_eq!(
            BulkAction::parse("grant_role", Some("teacher")).unwrap(),
            BulkAction::GrantRole(Role::Teacher)
        );
        assert_eq!(BulkAction::parse("block", None).unwrap(), BulkAction::Block);
        assert!(BulkAction::Block.is_destructive());
        assert!(!BulkAction::ResendInvitation.is_destructive());
        let e = BulkAction::parse("grant_role", Some("operator")).unwrap_err();
        assert_eq!(e.body().field.as_deref(), Some("role"));
        let e = BulkAction::parse("delete_everyone", None).unwrap_err();
        assert_eq!(e.body().field.as_deref(), Some("action"));
    }

    #[test]
    fn every_sort_has_a_total_order_ending_in_the_email() {
        for key in SortKey::ALL {
            for descending in [false, true] {
                let q = UserQuery {
                    sort: key,
                    descending,
                    ..UserQueryInput::default().parse().unwrap()
                };
                assert!(q.order_by().contains("email"), "{key:?}");
            }
        }
    }
}
