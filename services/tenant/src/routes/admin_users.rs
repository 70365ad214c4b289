//! Member admin pages for users: the table (search, filters, sorting, paging, actions on a
//! selection), one user's page (roles, invitation, blocking) and inviting. Every action ends
//! in a redirect with a message; taking something away is confirmed first, naming whom.

use super::{form_error, member_site};
use crate::{
    domain::{
        accounts::{self, UserView},
        tokens,
        user_list::{self, BulkAction, UserPage, UserQuery, UserQueryInput},
    },
    perm,
    repo::users::UserRow,
};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};
use uuid::Uuid;
use zk_kernel::{
    authz::{Require, Role},
    http::{see_other_with_flash, url_encode, CsrfForm, RequestContext},
    text::{dutch_datetime, dutch_number},
    AppError, AppResult, Platform,
};

/// A form's values for `name` (repeated fields give several).
fn values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn value(pairs: &[(String, String)], name: &str) -> String {
    values(pairs, name)
        .first()
        .map_or_else(String::new, |v| (*v).to_owned())
}

/// Role names with a selected flag, for checkbox lists and selects.
fn role_options(selected: &[Role]) -> Value {
    Value::Array(
        Role::MEMBER_ROLES
            .iter()
            .map(|r| json!({ "name": r.as_str(), "checked": selected.contains(r) }))
            .collect(),
    )
}

/// How a user is called on the pages: their name, else their e-mail address.
fn who(user: &UserRow) -> &str {
    if user.display_name.is_empty() {
        &user.email
    } else {
        &user.display_name
    }
}

fn user_json(p: &Platform, ctx: &RequestContext, u: &UserView) -> Value {
    let role_names: Vec<String> = u
        .roles
        .iter()
        .map(|r| p.theme.t(ctx.lang, &format!("role.{}", r.as_str())))
        .collect();
    let me = ctx.principal.as_ref().map(|p| p.user_id);
    json!({
        "id": u.user.id,
        "email": u.user.email,
        "display_name": u.user.display_name,
        "who": who(&u.user),
        "department": u.user.department,
        "status": u.user.status,
        "last_login": u.user.last_login_at.map(dutch_datetime),
        "roles_label": role_names.join(", "),
        "roles": role_options(&u.roles),
        "is_self": me == Some(u.user.id),
    })
}

/// The query string of a users query (what the table links and forms carry on).
fn query_string(q: &UserQuery, page: u32) -> String {
    let mut parts = Vec::new();
    let mut add = |k: &str, v: &str| parts.push(format!("{k}={}", url_encode(v)));
    if let Some(v) = &q.q {
        add("q", v);
    }
    if let Some(r) = q.role {
        add("role", r.as_str());
    }
    if let Some(s) = q.status {
        add("status", s);
    }
    if let Some(d) = &q.department {
        add("department", d);
    }
    if (q.sort, q.descending) != (user_list::SortKey::Name, false) {
        let dir = if q.descending { "-" } else { "" };
        add("sort", &format!("{dir}{}", q.sort.as_str()));
    }
    if q.paging.per_page() != user_list::PER_PAGE.default {
        add("per_page", &q.paging.per_page().to_string());
    }
    if page > 1 {
        add("page", &page.to_string());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// The column headers: a link that sorts on the column (again: the other way round), and
/// `aria-sort` on the sorted one.
fn sort_links(q: &UserQuery) -> Value {
    use user_list::SortKey::*;
    let mut out = serde_json::Map::new();
    for key in [Name, Department, Status, LastLogin] {
        let current = q.sort == key;
        // Last login reads best newest first.
        let descending = if current {
            !q.descending
        } else {
            key == LastLogin
        };
        let target = UserQuery {
            sort: key,
            descending,
            ..q.clone()
        };
        out.insert(
            key.as_str().to_owned(),
            json!({
                "url": format!("/beheer{}", query_string(&target, 1)),
                "aria_sort": if !current { "none" } else if q.descending { "descending" } else { "ascending" },
            }),
        );
    }
    Value::Object(out)
}

async fn users_data(
    p: &Platform,
    ctx: &RequestContext,
    q: &UserQuery,
    extra: Value,
) -> AppResult<Value> {
    let page: UserPage = user_list::list(p, &ctx.tenant, q).await?;
    let departments = user_list::departments(p, &ctx.tenant).await?;
    let rows: Vec<Value> = page.items.iter().map(|u| user_json(p, ctx, u)).collect();
    let first = q.paging.offset() + 1;
    let last = first + i64::try_from(rows.len()).unwrap_or(0);
    let status_filter: Vec<Value> = ["invited", "active", "disabled"]
        .iter()
        .map(|s| json!({"name": s, "selected": q.status == Some(*s)}))
        .collect();
    let mut data = json!({
        "users": rows,
        "total": page.total,
        "total_text": dutch_number(page.total),
        "page": page.page,
        "pages": page.pages,
        "pages_text": dutch_number(i64::from(page.pages)),
        "multi_page": page.pages > 1,
        "first": dutch_number(first),
        "last": dutch_number(last - 1),
        "prev_url": (page.page > 1).then(|| format!("/beheer{}", query_string(q, page.page - 1))),
        "next_url": (page.page < page.pages).then(|| format!("/beheer{}", query_string(q, page.page + 1))),
        "back": query_string(q, page.page),
        "filtered": q.q.is_some() || q.role.is_some() || q.status.is_some() || q.department.is_some(),
        "filter": {
            "q": q.q,
            "role": q.role.map(Role::as_str),
            "status": q.status,
            "department": q.department,
        },
        "sort": sort_links(q),
        "role_filter": Role::MEMBER_ROLES.iter().map(|r| json!({"name": r.as_str(), "selected": q.role == Some(*r)})).collect::<Vec<_>>(),
        "status_filter": status_filter,
        "department_filter": departments.iter().map(|d| json!({"name": d, "selected": q.department.as_deref().is_some_and(|f| f.eq_ignore_ascii_case(d))})).collect::<Vec<_>>(),
        "roles": role_options(&[]),
        "invite_roles": role_options(&[Role::Learner]),
    });
    if let (Value::Object(d), Value::Object(e)) = (&mut data, extra) {
        d.extend(e);
    }
    Ok(data)
}

/// The query the table was showing, from a form's `back` field (the default when unreadable).
fn back_query(back: &str) -> UserQuery {
    let uri = format!("/beheer{back}");
    uri.parse::<axum::http::Uri>()
        .ok()
        .and_then(|u| Query::<UserQueryInput>::try_from_uri(&u).ok())
        .and_then(|Query(i)| i.parse().ok())
        .unwrap_or_else(|| {
            UserQueryInput::default()
                .parse()
                .unwrap_or_else(|_| unreachable!("the default query is valid"))
        })
}

/// `GET /beheer`
pub async fn show_users(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersRead>,
    Query(input): Query<UserQueryInput>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    match input.parse() {
        Ok(q) => {
            let data = users_data(&p, &ctx, &q, json!({})).await?;
            Ok(p.theme.render("admin_users", &ctx, data)?.into_response())
        }
        Err(e) => {
            let data = users_data(&p, &ctx, &back_query(""), json!({})).await?;
            form_error(&p, &ctx, "admin_users", data, e)
        }
    }
}

/// `POST /beheer`: invites a user.
pub async fn invite_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersWrite>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let (email, name, department) = (
        value(&pairs, "email"),
        value(&pairs, "display_name"),
        value(&pairs, "department"),
    );
    let roles: Vec<String> = values(&pairs, "roles")
        .into_iter()
        .map(str::to_owned)
        .collect();
    match accounts::invite(&p, &ctx.tenant, &email, &name, &department, &roles).await {
        Ok(invited) => {
            let text = p.theme.t_with(
                ctx.lang,
                "admin.users.invited",
                &[("email", &invited.user.email)],
            );
            Ok(see_other_with_flash(&p, &ctx, "/beheer", &text))
        }
        Err(e) => {
            let extra = json!({
                "invite_open": true,
                "invite": { "email": email, "display_name": name, "department": department },
                "invite_roles": role_options(&accounts::parse_roles(&ctx.tenant, &roles).unwrap_or_default()),
            });
            let data = users_data(&p, &ctx, &back_query(""), extra).await?;
            form_error(&p, &ctx, "admin_users", data, e)
        }
    }
}

/// Where a bulk action stands: done, or first to be confirmed (the selected users named).
enum Bulk {
    Done(BulkAction, Vec<UserRow>),
    ToConfirm(BulkAction, Vec<UserRow>),
}

/// `POST /beheer/gebruikers/bulk`: an action on the selected users; blocking and taking a role
/// away are confirmed first on a page that names everyone selected.
pub async fn bulk(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::UsersWrite>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let back = value(&pairs, "back");
    // Only a query string of plain URL characters: the redirect stays on this page.
    let back = if back.starts_with('?') && back.chars().all(|c| c.is_ascii_graphic() && c != '#') {
        back
    } else {
        String::new()
    };
    let ids: Result<Vec<Uuid>, _> = values(&pairs, "ids")
        .iter()
        .map(|v| v.parse::<Uuid>())
        .collect();
    let chosen = value(&pairs, "action");
    let (action_name, role) = chosen
        .split_once(':')
        .map_or((chosen.as_str(), None), |(a, r)| (a, Some(r)));
    let result = async {
        let ids = ids.map_err(|_| {
            AppError::validation("ids", "invalid_id", "Een gekozen gebruiker bestaat niet.")
        })?;
        let action = BulkAction::parse(action_name, role)?;
        if action.is_destructive() && value(&pairs, "confirmed") != "1" {
            let users = user_list::selection(&p, &ctx.tenant, &ids).await?;
            return Ok(Bulk::ToConfirm(action, users));
        }
        let users = user_list::bulk(&p, &ctx.tenant, auth.principal.user_id, &ids, action).await?;
        Ok(Bulk::Done(action, users))
    }
    .await;
    match result {
        Ok(Bulk::Done(action, users)) => {
            let text = bulk_message(&p, &ctx, action, &users);
            Ok(see_other_with_flash(
                &p,
                &ctx,
                &format!("/beheer{back}"),
                &text,
            ))
        }
        Ok(Bulk::ToConfirm(action, users)) => {
            let (question, submit) = bulk_confirmation(&p, &ctx, action, users.len());
            let data = json!({
                "action": chosen,
                "question": question,
                "submit": submit,
                "users": users.iter().map(|u| json!({"id": u.id, "who": who(u), "email": u.email})).collect::<Vec<_>>(),
                "back": back,
            });
            Ok(p.theme
                .render("admin_users_confirm", &ctx, data)?
                .into_response())
        }
        Err(e) => {
            let data = users_data(&p, &ctx, &back_query(&back), json!({})).await?;
            form_error(&p, &ctx, "admin_users", data, e)
        }
    }
}

fn role_label(p: &Platform, ctx: &RequestContext, role: Role) -> String {
    p.theme
        .t(ctx.lang, &format!("role.{}", role.as_str()))
        .to_lowercase()
}

/// What happened, naming whom: "Rol docent gegeven aan Ann, Bob en 3 anderen."
fn bulk_message(
    p: &Platform,
    ctx: &RequestContext,
    action: BulkAction,
    users: &[UserRow],
) -> String {
    let names = user_list::names(users);
    let (key, role) = match action {
        BulkAction::GrantRole(r) => ("admin.users.bulk.granted", Some(r)),
        BulkAction::RevokeRole(r) => ("admin.users.bulk.revoked", Some(r)),
        BulkAction::Block => ("admin.users.bulk.blocked", None),
        BulkAction::Unblock => ("admin.users.bulk.unblocked", None),
        BulkAction::ResendInvitation => ("admin.users.bulk.resent", None),
    };
    let role = role.map(|r| role_label(p, ctx, r)).unwrap_or_default();
    p.theme.t_with(
        ctx.lang,
        key,
        &[
            ("names", &names),
            ("role", &role),
            ("count", &users.len().to_string()),
        ],
    )
}

/// The confirmation's question and its button: "U blokkeert … 3 gebruiker(s)", "Ja, blokkeer 3 …".
fn bulk_confirmation(
    p: &Platform,
    ctx: &RequestContext,
    action: BulkAction,
    n: usize,
) -> (String, String) {
    let (kind, role) = match action {
        BulkAction::RevokeRole(r) => ("revoke", role_label(p, ctx, r)),
        _ => ("block", String::new()),
    };
    let args = [("count", n.to_string()), ("role", role)];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    (
        p.theme
            .t_with(ctx.lang, &format!("admin.users.bulk.confirm_{kind}"), &args),
        p.theme
            .t_with(ctx.lang, &format!("admin.users.bulk.submit_{kind}"), &args),
    )
}

/// The user's page data; their API tokens only for who may manage users (admins).
async fn user_data(
    p: &Platform,
    ctx: &RequestContext,
    id: Uuid,
    may_manage: bool,
) -> AppResult<Value> {
    let user = accounts::get_user(p, &ctx.tenant, id).await?;
    let tokens = if may_manage {
        Some(super::account::tokens_json(
            &tokens::list(p, &ctx.tenant, id).await?,
        ))
    } else {
        None
    };
    Ok(json!({ "person": user_json(p, ctx, &user), "tokens": tokens }))
}

fn user_page_url(id: Uuid) -> String {
    format!("/beheer/gebruikers/{id}")
}

/// `GET /beheer/gebruikers/{id}`: one user, with their roles and what can be done.
pub async fn show_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersRead>,
    admin: Result<Require<perm::UsersWrite>, AppError>,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let data = user_data(&p, &ctx, id, admin.is_ok()).await?;
    Ok(p.theme.render("admin_user", &ctx, data)?.into_response())
}

/// Back to the user's page with `key`'s message, or the page again with the error.
async fn after(
    p: &Platform,
    ctx: &RequestContext,
    id: Uuid,
    done: AppResult<UserRow>,
    key: &str,
) -> AppResult<Response> {
    match done {
        Ok(user) => {
            let text = p.theme.t_with(ctx.lang, key, &[("name", who(&user))]);
            Ok(see_other_with_flash(p, ctx, &user_page_url(id), &text))
        }
        Err(e) => {
            let data = user_data(p, ctx, id, true).await?;
            form_error(p, ctx, "admin_user", data, e)
        }
    }
}

/// `POST /beheer/gebruikers/{id}/rollen`
pub async fn update_roles(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let roles: Vec<String> = values(&pairs, "roles")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let done = accounts::set_roles(&p, &ctx.tenant, auth.principal.user_id, id, &roles)
        .await
        .map(|v| v.user);
    after(&p, &ctx, id, done, "admin.users.roles_saved").await
}

/// `POST /beheer/gebruikers/{id}/blokkeren`
pub async fn block_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    set_blocked(&p, &ctx, auth.principal.user_id, id, true).await
}

/// `POST /beheer/gebruikers/{id}/deblokkeren`
pub async fn unblock_user(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    set_blocked(&p, &ctx, auth.principal.user_id, id, false).await
}

async fn set_blocked(
    p: &Platform,
    ctx: &RequestContext,
    actor: Uuid,
    id: Uuid,
    blocked: bool,
) -> AppResult<Response> {
    member_site(ctx)?;
    let done = accounts::set_blocked(p, &ctx.tenant, actor, id, blocked)
        .await
        .map(|v| v.user);
    let key = if blocked {
        "admin.users.blocked"
    } else {
        "admin.users.unblocked"
    };
    after(p, ctx, id, done, key).await
}

/// `POST /beheer/gebruikers/{id}/uitnodiging-opnieuw`: a fresh invitation link by mail.
pub async fn resend_invitation(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let done = user_list::bulk(
        &p,
        &ctx.tenant,
        auth.principal.user_id,
        &[id],
        BulkAction::ResendInvitation,
    )
    .await
    .and_then(|mut users| users.pop().ok_or_else(AppError::not_found));
    after(&p, &ctx, id, done, "admin.users.resent").await
}

/// `POST /beheer/gebruikers/{id}/uitnodiging-intrekken`
pub async fn revoke_invitation(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    match accounts::revoke_invitation(&p, &ctx.tenant, id).await {
        Ok(user) => {
            let text = p
                .theme
                .t_with(ctx.lang, "admin.users.revoked", &[("email", &user.email)]);
            Ok(see_other_with_flash(&p, &ctx, "/beheer", &text))
        }
        Err(e) => {
            let data = user_data(&p, &ctx, id, true).await?;
            form_error(&p, &ctx, "admin_user", data, e)
        }
    }
}

/// `POST /beheer/gebruikers/{id}/sleutels/{token_id}/intrekken`: revokes one of the user's API
/// tokens.
pub async fn revoke_token(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersWrite>,
    Path((id, token_id)): Path<(Uuid, Uuid)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let done = match tokens::revoke(&p, &ctx.tenant, id, token_id).await {
        Ok(()) => accounts::get_user(&p, &ctx.tenant, id)
            .await
            .map(|v| v.user),
        Err(e) => Err(e),
    };
    after(&p, &ctx, id, done, "admin.user.token_revoked").await
}
