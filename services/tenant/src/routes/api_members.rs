//! Operator API on the bare base domain: members and the outbox.

use super::platform_site;
use crate::{
    domain::members::{self, NewMember, NewMemberInput},
    perm, repo,
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};
use zk_kernel::{
    authz::Require,
    http::{ApiJson, RequestContext},
    AppResult, Platform, TenantId,
};

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `GET /api/v1/tenants`
pub async fn list_members(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersRead>,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Value>> {
    platform_site(&ctx)?;
    let items = members::list(
        &p,
        q.q.as_deref(),
        q.limit.unwrap_or(100),
        q.offset.unwrap_or(0),
    )
    .await?;
    Ok(Json(json!({ "items": items })))
}

/// `POST /api/v1/tenants`
pub async fn create_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersWrite>,
    ApiJson(input): ApiJson<NewMemberInput>,
) -> AppResult<(StatusCode, Json<Value>)> {
    platform_site(&ctx)?;
    let created = members::create(&p, NewMember::parse(&input)?).await?;
    // With a mail server the link reaches only the admin's mailbox, never the operator.
    let invite_url = (!p.mailer.delivers()).then_some(created.invite_url);
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "tenant": created.member, "admin_user_id": created.admin_user_id, "invite_url": invite_url }),
        ),
    ))
}

/// `GET /api/v1/tenants/{slug}`
pub async fn get_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersRead>,
    Path(slug): Path<String>,
) -> AppResult<Json<repo::tenants::MemberRow>> {
    platform_site(&ctx)?;
    Ok(Json(members::get(&p, &slug).await?))
}

/// `POST /api/v1/tenants/{slug}/suspend`
pub async fn suspend_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersWrite>,
    Path(slug): Path<String>,
) -> AppResult<Json<repo::tenants::MemberRow>> {
    platform_site(&ctx)?;
    Ok(Json(members::set_active(&p, &slug, false).await?))
}

/// `POST /api/v1/tenants/{slug}/resume`
pub async fn resume_member(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::MembersWrite>,
    Path(slug): Path<String>,
) -> AppResult<Json<repo::tenants::MemberRow>> {
    platform_site(&ctx)?;
    Ok(Json(members::set_active(&p, &slug, true).await?))
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    recipient: Option<String>,
}

/// `GET /api/v1/outbox`: bodies (with their links) only in the outbox-only mode.
pub async fn list_outbox(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::OutboxRead>,
    Query(q): Query<OutboxQuery>,
) -> AppResult<Json<Value>> {
    platform_site(&ctx)?;
    let mut tx = p.db.begin_tenant(TenantId::PLATFORM).await?;
    let kept = !p.mailer.delivers();
    let items = repo::outbox::latest(&mut tx, q.recipient.as_deref(), 100, kept).await?;
    tx.commit().await?;
    let mode = if kept { "outbox" } else { "smtp" };
    Ok(Json(json!({ "mode": mode, "items": items })))
}
