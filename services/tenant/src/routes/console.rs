//! The operators' console on the bare base domain: members (list, search, create, suspend,
//! resume) and the mail outbox.

use super::{form_error, platform_site};
use crate::{
    domain::{
        members::{self, NewMember, NewMemberInput},
        outbox, validate,
    },
    perm, repo,
};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;
use zk_kernel::{
    authz::Require,
    http::{see_other_with_flash, url_encode, CsrfForm, RequestContext},
    paging::Paging,
    text::{amsterdam, dutch_date, dutch_datetime, dutch_euro, dutch_number},
    AppError, AppResult, Platform,
};

/// Search and paging of the members list, as sent.
#[derive(Deserialize)]
pub struct MembersQuery {
    q: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// `GET /console`: the members, searched and paged. A `page` or `per_page` that is no page shows
/// the first page with the error above the list (422).
pub async fn show_members(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersRead>,
    Query(q): Query<MembersQuery>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    let (paging, error) =
        match Paging::parse(q.page.as_deref(), q.per_page.as_deref(), members::PER_PAGE) {
            Ok(paging) => (paging, None),
            Err(e) => (Paging::first(members::PER_PAGE.default), Some(e)),
        };
    let mut data = members_data(&p, q.q.as_deref(), paging).await?;
    data["form"] = json!({});
    data["list_error"] = json!(error.as_ref().map(AppError::body));
    let html = p.theme.render("console", &ctx, data)?;
    Ok(match error {
        Some(e) => (e.status, html).into_response(),
        None => html.into_response(),
    })
}

/// The members list's data: one page of rows, the search and the pager's links.
async fn members_data(p: &Platform, q: Option<&str>, paging: Paging) -> AppResult<Value> {
    let page = members::list(p, q, paging).await?;
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    let link = |n: u32| {
        let mut parts = Vec::new();
        if let Some(q) = q {
            parts.push(format!("q={}", url_encode(q)));
        }
        if page.per_page != members::PER_PAGE.default {
            parts.push(format!("per_page={}", page.per_page));
        }
        parts.push(format!("page={n}"));
        format!("/console?{}", parts.join("&"))
    };
    Ok(json!({
        "members": member_rows(&page.items),
        "q": q,
        "example_url": p.config.tenant_url("zorggroep-noord"),
        "page": page.page,
        "pages": page.pages,
        "multi_page": page.pages > 1,
        "prev_url": (page.page > 1).then(|| link(page.page - 1)),
        "next_url": (page.page < page.pages).then(|| link(page.page + 1)),
    }))
}

/// The members list's rows, with the employee count in Dutch notation.
fn member_rows(items: &[repo::tenants::MemberRow]) -> Vec<Value> {
    items
        .iter()
        .map(|m| {
            let mut v = json!(m);
            v["employees_text"] = json!(dutch_number(i64::from(m.employee_count)));
            v
        })
        .collect()
}

#[derive(Deserialize)]
pub struct CreateForm {
    slug: String,
    name: String,
    admin_email: String,
    #[serde(default)]
    employee_count: String,
}

/// `POST /console`: creates a member and shows it.
pub async fn create_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersWrite>,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    let employees = form.employee_count.trim();
    let input = NewMemberInput {
        slug: form.slug.clone(),
        name: form.name.clone(),
        admin_email: form.admin_email.clone(),
        employee_count: if employees.is_empty() {
            Some(0)
        } else {
            Some(employees.parse().unwrap_or(-1))
        },
    };
    let result = match NewMember::parse(&input) {
        Ok(new) => members::create(&p, new).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(created) => Ok(see_other_with_flash(
            &p,
            &ctx,
            &member_url(&created.member.slug),
            &p.theme.t(ctx.lang, "console.created"),
        )),
        Err(e) => {
            let mut data = members_data(&p, None, Paging::first(members::PER_PAGE.default)).await?;
            data["form"] = json!({ "slug": form.slug, "name": form.name, "admin_email": form.admin_email, "employee_count": form.employee_count });
            form_error(&p, &ctx, "console", data, e)
        }
    }
}

fn member_url(slug: &str) -> String {
    format!("/console/leden/{}", url_encode(slug))
}

/// The member page's data: details, users, admins, history, and the edit form's values.
async fn member_data(p: &Platform, ctx: &RequestContext, slug: &str) -> AppResult<Value> {
    let o = members::overview(p, slug).await?;
    let t = |key: &str| p.theme.t(ctx.lang, key);
    let suspension_reason = (o.member.status == "suspended")
        .then(|| {
            o.history
                .iter()
                .find(|e| e.kind == "suspended")
                .map(|e| e.reason.clone())
        })
        .flatten();
    let history: Vec<Value> = o
        .history
        .iter()
        .map(|e| {
            json!({
                "at": dutch_datetime(e.at),
                "what": t(&format!("console.event.{}", e.kind)),
                "reason": e.reason,
                "actor": e.actor_email,
            })
        })
        .collect();
    let admins: Vec<Value> = o
        .admins
        .iter()
        .map(|u| {
            json!({
                "id": u.id,
                "email": u.email,
                "name": u.display_name,
                "status": u.status,
                "invited": u.status == "invited",
                "last_login": u.last_login_at.map(dutch_datetime),
            })
        })
        .collect();
    let quota_gb = o.member.media_quota_bytes.map(|b| {
        let gb = b as f64 / (1u64 << 30) as f64;
        format!("{}", (gb * 100.0).round() / 100.0).replace('.', ",")
    });
    let form = json!({
        "name": o.member.name,
        "employee_count": o.member.employee_count,
        "support_email": o.support_email,
        "media_quota_gb": quota_gb,
    });
    Ok(json!({
        "member": o.member,
        "portal_url": p.config.tenant_url(&o.member.slug),
        "suspended": o.member.status == "suspended",
        "suspended_by_billing": o.member.suspended_by.as_deref() == Some("billing"),
        "suspension_reason": suspension_reason,
        "support_email": o.support_email,
        "employees_text": dutch_number(i64::from(o.member.employee_count)),
        "media_quota_text": o.member.media_quota_bytes.map(zk_kernel::text::dutch_bytes),
        "users": {
            "total": dutch_number(o.users.total),
            "active": dutch_number(o.users.active),
            "invited": dutch_number(o.users.invited),
            "blocked": dutch_number(o.users.blocked),
        },
        "last_activity": o.users.last_login_at.map(dutch_datetime),
        "admins": admins,
        "history": history,
        "form": form,
        "billing": o.billing.as_ref().map(|b| json!({
            "tier": b.tier_name,
            "state_key": format!("billing.state.{}", b.state),
            "open": dutch_euro(b.due_incl_vat_cents),
            "open_count": b.open_invoices,
            "last_invoice": b.last_invoice_number,
            "last_invoice_date": b.last_invoice_at.map(|t| dutch_date(amsterdam(t).date())),
            "last_invoice_amount": b.last_invoice_incl_vat_cents.map(dutch_euro),
            "last_invoice_status_key": b.last_invoice_status.as_ref().map(|s| format!("billing.invoice_status.{s}")),
        })),
    }))
}

/// `GET /console/leden/{slug}`: a member's details, users, admins and history, with what an
/// operator can change.
pub async fn show_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersRead>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    let data = member_data(&p, &ctx, &slug).await?;
    Ok(p.theme
        .render("console_tenant", &ctx, data)?
        .into_response())
}

/// Back to the member page with the message `done` carries, or the page again with the error
/// and `extra` (what was typed, which form to open).
async fn member_after(
    p: &Platform,
    ctx: &RequestContext,
    slug: &str,
    done: AppResult<String>,
    extra: Value,
) -> AppResult<Response> {
    match done {
        Ok(message) => Ok(see_other_with_flash(p, ctx, &member_url(slug), &message)),
        Err(e) => {
            let mut data = member_data(p, ctx, slug).await?;
            if let (Value::Object(d), Value::Object(x)) = (&mut data, extra) {
                d.extend(x);
            }
            form_error(p, ctx, "console_tenant", data, e)
        }
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    name: String,
    #[serde(default)]
    employee_count: String,
    #[serde(default)]
    support_email: String,
    #[serde(default)]
    media_quota_gb: String,
}

/// `POST /console/leden/{slug}`: edits name, employee count, support address and storage.
pub async fn update_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::MembersWrite>,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    let done = match validate::media_quota_gb(&form.media_quota_gb) {
        Ok(quota) => {
            let input = members::MemberEditInput {
                name: form.name.clone(),
                employee_count: form.employee_count.trim().parse().unwrap_or(-1),
                support_email: form.support_email.clone(),
                media_quota_bytes: quota,
            };
            members::update(&p, Some(auth.principal.user_id), &slug, &input)
                .await
                .map(|_| p.theme.t(ctx.lang, "console.saved"))
        }
        Err(e) => Err(e),
    };
    // On an error the form stays open with what was typed and every field at fault marked.
    let typed = json!({
        "form": { "name": form.name, "employee_count": form.employee_count, "support_email": form.support_email, "media_quota_gb": form.media_quota_gb },
        "edit_open": true,
    });
    member_after(&p, &ctx, &slug, done, typed).await
}

#[derive(Deserialize)]
pub struct AdminForm {
    email: String,
    #[serde(default)]
    replace: Option<String>,
}

/// `POST /console/leden/{slug}/beheerder`: invites another admin (optionally instead of the
/// pending one).
pub async fn invite_admin(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::MembersWrite>,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<AdminForm>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    let replace = form.replace.is_some();
    let done = members::invite_admin(
        &p,
        Some(auth.principal.user_id),
        &slug,
        &form.email,
        replace,
    )
    .await
    .map(|u| {
        p.theme
            .t_with(ctx.lang, "console.admin_invited", &[("email", &u.email)])
    });
    member_after(
        &p,
        &ctx,
        &slug,
        done,
        json!({ "admin_form": { "admin_email": form.email } }),
    )
    .await
}

/// `POST /console/leden/{slug}/beheerder/{id}/uitnodiging`: a fresh invitation for an admin
/// who has not started yet.
pub async fn resend_admin_invitation(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::MembersWrite>,
    Path((slug, id)): Path<(String, Uuid)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    let done = members::resend_admin_invitation(&p, auth.principal.user_id, &slug, id)
        .await
        .map(|u| {
            p.theme.t_with(
                ctx.lang,
                "console.invitation_resent",
                &[("email", &u.email)],
            )
        });
    member_after(&p, &ctx, &slug, done, json!({})).await
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

/// `POST /console/leden/{slug}/opschorten` (with a reason, kept)
pub async fn suspend_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::MembersWrite>,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    set_active(&p, &ctx, auth.principal.user_id, &slug, false, &form.reason).await
}

/// `POST /console/leden/{slug}/hervatten`
pub async fn resume_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<perm::MembersWrite>,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    set_active(&p, &ctx, auth.principal.user_id, &slug, true, &form.reason).await
}

/// Suspends or resumes, then shows the member again with a message.
async fn set_active(
    p: &Platform,
    ctx: &RequestContext,
    actor: Uuid,
    slug: &str,
    active: bool,
    reason: &str,
) -> AppResult<Response> {
    platform_site(ctx)?;
    let key = if active {
        "console.resumed"
    } else {
        "console.suspended"
    };
    let done = members::set_active_because(p, Some(actor), slug, active, reason)
        .await
        .map(|m| p.theme.t_with(ctx.lang, key, &[("name", &m.name)]));
    member_after(p, ctx, slug, done, json!({})).await
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// A mail body as text and link parts, so that the links in the demo's mails can be followed.
fn body_parts(body: &str) -> Vec<Value> {
    let mut parts = Vec::new();
    let mut text = String::new();
    for word in body.split_inclusive(char::is_whitespace) {
        let trimmed = word.trim_end();
        if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
            if !text.is_empty() {
                parts.push(json!({ "text": std::mem::take(&mut text) }));
            }
            parts.push(json!({ "url": trimmed }));
            text.push_str(&word[trimmed.len()..]);
        } else {
            text.push_str(word);
        }
    }
    if !text.is_empty() {
        parts.push(json!({ "text": text }));
    }
    parts
}

/// `GET /console/outbox`: the newest mails, filtered by member and status, paged.
pub async fn show_outbox(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::OutboxRead>,
    Query(q): Query<outbox::OutboxQueryInput>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    // The member filter offers the newest members that fit one page.
    let members = members::list(&p, None, Paging::first(members::PER_PAGE.max))
        .await?
        .items;
    let (result, error) = match outbox::list(&p, &q).await {
        Ok(r) => (r, None),
        Err(e) if e.status.is_client_error() => (
            outbox::list(&p, &outbox::OutboxQueryInput::default()).await?,
            Some(e),
        ),
        Err(e) => return Err(e),
    };
    // Times in Dutch local time, as an operator reads them.
    let mails: Vec<Value> = result
        .items
        .iter()
        .map(|m| {
            let mut v = json!(m);
            v["created_local"] = json!(dutch_datetime(m.created_at));
            v["sent_local"] = json!(m.sent_at.map(dutch_datetime));
            v["body_parts"] = json!(m.body.as_deref().map(body_parts));
            v
        })
        .collect();
    let member = q.member.clone().unwrap_or_default();
    let status = q.status.clone().unwrap_or_default();
    let link = |page: u32| {
        let mut parts = Vec::new();
        if !member.is_empty() {
            parts.push(format!("member={}", url_encode(&member)));
        }
        if !status.is_empty() {
            parts.push(format!("status={}", url_encode(&status)));
        }
        parts.push(format!("page={page}"));
        format!("/console/outbox?{}", parts.join("&"))
    };
    let member_options: Vec<Value> =
        std::iter::once(("platform".to_owned(), p.theme.t(ctx.lang, "outbox.nzk")))
            .chain(members.iter().map(|m| (m.slug.clone(), m.name.clone())))
            .map(|(slug, name)| json!({ "slug": slug, "name": name, "selected": slug == member }))
            .collect();
    let status_options: Vec<Value> = ["queued", "sent", "failed", "kept"]
        .iter()
        .map(|s| json!({ "name": s, "selected": *s == status }))
        .collect();
    let data = json!({
        "mails": mails,
        "outbox_only": result.mode == "outbox",
        "total": dutch_number(result.total),
        "page": result.page,
        "pages": result.pages,
        "multi_page": result.pages > 1,
        "prev_url": (result.page > 1).then(|| link(result.page - 1)),
        "next_url": (result.page < result.pages).then(|| link(result.page + 1)),
        "member_options": member_options,
        "status_options": status_options,
        "filtered": !member.is_empty() || !status.is_empty(),
    });
    match error {
        Some(e) => form_error(&p, &ctx, "console_outbox", data, e),
        None => Ok(p
            .theme
            .render("console_outbox", &ctx, data)?
            .into_response()),
    }
}

#[cfg(test)]
mod tests {
    use super::body_parts;
    use serde_json::json;

    #[test]
    fn links_in_a_mail_body_become_parts_of_their_own() {
        assert_eq!(
            body_parts("Kies hier:\nhttp://a.localhost:8080/uitnodiging/x1 (7 dagen)\n"),
            vec![
                json!({"text": "Kies hier:\n"}),
                json!({"url": "http://a.localhost:8080/uitnodiging/x1"}),
                json!({"text": " (7 dagen)\n"}),
            ]
        );
        assert_eq!(body_parts("geen link"), vec![json!({"text": "geen link"})]);
    }
}
