//! The operators' console on the bare base domain: members (list, search, create, suspend,
//! resume) and the mail outbox.

use super::{form_error, platform_site};
use crate::{
    domain::members::{self, NewMember, NewMemberInput},
    perm, repo,
};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;
use zk_kernel::{
    authz::Require,
    http::{see_other, url_encode, CsrfForm, RequestContext},
    AppResult, Platform, TenantId,
};

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// `GET /console`
pub async fn show_members(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersRead>,
    Query(q): Query<SearchQuery>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    let items = members::list(&p, q.q.as_deref(), 200, 0).await?;
    Ok(p.theme
        .render(
            "console",
            &ctx,
            json!({ "members": items, "q": q.q, "form": {}, "example_url": p.config.tenant_url("zorggroep-noord") }),
        )?
        .into_response())
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
        Ok(created) => Ok(see_other(&format!(
            "/console/leden/{}?nieuw=1",
            url_encode(&created.member.slug)
        ))),
        Err(e) => {
            let items = members::list(&p, None, 200, 0).await?;
            let data = json!({ "members": items, "example_url": p.config.tenant_url("zorggroep-noord"), "form": { "slug": form.slug, "name": form.name, "admin_email": form.admin_email, "employee_count": form.employee_count } });
            form_error(&p, &ctx, "console", data, e)
        }
    }
}

#[derive(Deserialize)]
pub struct DetailQuery {
    nieuw: Option<String>,
}

/// `GET /console/leden/{slug}`
pub async fn show_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersRead>,
    Path(slug): Path<String>,
    Query(q): Query<DetailQuery>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    let member = members::get(&p, &slug).await?;
    let url = p.config.tenant_url(&member.slug);
    Ok(p.theme
        .render("console_tenant", &ctx, json!({ "member": member, "portal_url": url, "created": q.nieuw.is_some(), "suspended": member.status == "suspended" }))?
        .into_response())
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// `POST /console/leden/{slug}/opschorten`
pub async fn suspend_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersWrite>,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    set_active(&p, &ctx, &slug, false).await
}

/// `POST /console/leden/{slug}/hervatten`
pub async fn resume_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersWrite>,
    Path(slug): Path<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    set_active(&p, &ctx, &slug, true).await
}

/// Suspends or resumes, then shows the member again.
async fn set_active(
    p: &Platform,
    ctx: &RequestContext,
    slug: &str,
    active: bool,
) -> AppResult<Response> {
    platform_site(ctx)?;
    let m = members::set_active(p, slug, active).await?;
    Ok(see_other(&format!(
        "/console/leden/{}",
        url_encode(&m.slug)
    )))
}

/// `GET /console/outbox`
pub async fn show_outbox(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::OutboxRead>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    let mut tx = p.db.begin_tenant(TenantId::PLATFORM).await?;
    let kept = !p.mailer.delivers();
    let mails = repo::outbox::latest(&mut tx, None, 100, kept).await?;
    tx.commit().await?;
    // Times in Dutch local time, as an operator reads them.
    let mails: Vec<_> = mails
        .iter()
        .map(|m| {
            let mut v = json!(m);
            v["created_local"] = json!(zk_kernel::text::dutch_datetime(m.created_at));
            v["sent_local"] = json!(m.sent_at.map(zk_kernel::text::dutch_datetime));
            v
        })
        .collect();
    Ok(p.theme
        .render(
            "console_outbox",
            &ctx,
            json!({ "mails": mails, "outbox_only": kept }),
        )?
        .into_response())
}
