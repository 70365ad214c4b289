//! API tokens: a user's own (any logged-in user, on any host) and a member's users' (admins).
//! Listing never shows a token itself, only its name, dates and expiry.

use super::member_site;
use crate::{
    domain::tokens::{self, TokenView},
    perm,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use zk_kernel::{
    authz::{Authenticated, Require},
    error::ErrorEnvelope,
    http::RequestContext,
    AppResult, Platform,
};

/// A user's API tokens that were not revoked, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tokens {
    pub items: Vec<TokenView>,
}

/// The caller's own API tokens
///
/// Any logged-in user, on any host. Expired tokens are listed (`expired`) until revoked.
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "accounts", operation_id = "list_my_tokens",
    responses((status = 200, description = "Tokens", body = Tokens), (status = 401, body = ErrorEnvelope)))]
pub async fn list_my_tokens(
    State(p): State<Platform>,
    ctx: RequestContext,
    Authenticated(me): Authenticated,
) -> AppResult<Json<Tokens>> {
    let items = tokens::list(&p, &ctx.tenant, me.user_id).await?;
    Ok(Json(Tokens { items }))
}

/// Revoke one of the caller's own API tokens
///
/// Any logged-in user, on any host. It stops working at once, in every process. 404 for a token
/// that is not the caller's or was revoked already.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "accounts", operation_id = "revoke_my_token",
    params(("id" = Uuid, Path, description = "Token")),
    responses((status = 204, description = "Revoked"),
        (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn revoke_my_token(
    State(p): State<Platform>,
    ctx: RequestContext,
    Authenticated(me): Authenticated,
    Path(id): Path<Uuid>,
) -> AppResult<StatusCode> {
    tokens::revoke(&p, &ctx.tenant, me.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user's API tokens
///
/// Member host. Permission users:write (admins). Another member's user is 404.
#[utoipa::path(get, path = "/api/v1/users/{id}/tokens", tag = "accounts", operation_id = "list_user_tokens",
    params(("id" = Uuid, Path, description = "User")),
    responses((status = 200, description = "Tokens", body = Tokens),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn list_user_tokens(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersWrite>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<Tokens>> {
    member_site(&ctx)?;
    let items = tokens::list(&p, &ctx.tenant, id).await?;
    Ok(Json(Tokens { items }))
}

/// Revoke one API token of a user
///
/// Member host. Permission users:write (admins). It stops working at once, in every process.
/// 404 for another member's user or a token that is not theirs or was revoked already.
#[utoipa::path(delete, path = "/api/v1/users/{id}/tokens/{token_id}", tag = "accounts", operation_id = "revoke_user_token",
    params(("id" = Uuid, Path, description = "User"), ("token_id" = Uuid, Path, description = "Token")),
    responses((status = 204, description = "Revoked"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn revoke_user_token(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<perm::UsersWrite>,
    Path((id, token_id)): Path<(Uuid, Uuid)>,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    tokens::revoke(&p, &ctx.tenant, id, token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
