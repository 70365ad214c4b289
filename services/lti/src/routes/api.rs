//! The JSON API of a member's LMS registrations and launches (permission lti:manage: admins).

use crate::{
    domain::registration::{self, RegistrationInput},
    repo::{LaunchRow, RegistrationRow},
    LtiManage,
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
    authz::Require,
    error::ErrorEnvelope,
    http::{ApiJson, RequestContext},
    AppResult, Platform,
};

/// The member's LMS registrations.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registrations {
    pub items: Vec<RegistrationRow>,
}

/// The member's recent launches.
#[derive(Debug, Serialize, ToSchema)]
pub struct Launches {
    pub items: Vec<LaunchRow>,
}

/// A new tool key.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedKey {
    /// The `kid` of the key that signs from now on; the old one stays in the JWKS for an hour.
    pub kid: String,
}

/// The member's LMS registrations
///
/// Member host. Permission lti:manage (admins). Newest first, with their deployments and last
/// launch.
#[utoipa::path(get, path = "/api/v1/lti/registrations", tag = "lti", operation_id = "list_lti_registrations",
    responses((status = 200, description = "Registrations", body = Registrations),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
) -> AppResult<Json<Registrations>> {
    let items = registration::list(&p, &ctx.tenant).await?;
    Ok(Json(Registrations { items }))
}

/// Register an LMS by hand
///
/// Member host. Permission lti:manage. The issuer, client id, deployment ids and the platform's
/// authorisation, JWKS and token URLs, as the LMS shows them; a tool key (RSA 2048) is made for
/// the registration. Every wrong field is named (422); an issuer and client id registered
/// already is 409 `registration_exists`.
#[utoipa::path(post, path = "/api/v1/lti/registrations", tag = "lti", operation_id = "create_lti_registration",
    request_body = RegistrationInput,
    responses((status = 201, description = "Registered", body = RegistrationRow),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LtiManage>,
    ApiJson(input): ApiJson<RegistrationInput>,
) -> AppResult<(StatusCode, Json<RegistrationRow>)> {
    let by = Some(auth.principal.user_id);
    let row = registration::create(&p, &ctx.tenant, by, &input, "manual").await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// One LMS registration
///
/// Member host. Permission lti:manage. Another member's registration is 404.
#[utoipa::path(get, path = "/api/v1/lti/registrations/{id}", tag = "lti", operation_id = "get_lti_registration",
    params(("id" = Uuid, Path, description = "Registration")),
    responses((status = 200, description = "Registration", body = RegistrationRow),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn get(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<RegistrationRow>> {
    Ok(Json(registration::get(&p, &ctx.tenant, id).await?))
}

/// Disable an LMS registration
///
/// Member host. Permission lti:manage. Launches from it are refused from now on; nothing is
/// deleted. 404 for another member's registration.
#[utoipa::path(post, path = "/api/v1/lti/registrations/{id}/disable", tag = "lti", operation_id = "disable_lti_registration",
    params(("id" = Uuid, Path, description = "Registration")),
    responses((status = 200, description = "Disabled", body = RegistrationRow),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn disable(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<RegistrationRow>> {
    Ok(Json(
        registration::set_disabled(&p, &ctx.tenant, id, true).await?,
    ))
}

/// Enable an LMS registration again
///
/// Member host. Permission lti:manage. 404 for another member's registration.
#[utoipa::path(post, path = "/api/v1/lti/registrations/{id}/enable", tag = "lti", operation_id = "enable_lti_registration",
    params(("id" = Uuid, Path, description = "Registration")),
    responses((status = 200, description = "Enabled", body = RegistrationRow),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn enable(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<RegistrationRow>> {
    Ok(Json(
        registration::set_disabled(&p, &ctx.tenant, id, false).await?,
    ))
}

/// Rotate the tool key of a registration
///
/// Member host. Permission lti:manage. A new RSA key signs from now on; the old one stays in the
/// member's JWKS (`/lti/jwks`) for an hour, longer than any token it signed lives.
#[utoipa::path(post, path = "/api/v1/lti/registrations/{id}/rotate-key", tag = "lti", operation_id = "rotate_lti_key",
    params(("id" = Uuid, Path, description = "Registration")),
    responses((status = 200, description = "Rotated", body = RotatedKey),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn rotate_key(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<RotatedKey>> {
    let kid = registration::rotate_key(&p, &ctx.tenant, id).await?;
    Ok(Json(RotatedKey { kid }))
}

/// The member's recent LTI launches
///
/// Member host. Permission lti:manage. The last 50, newest first: which registration and
/// deployment, the account it opened as, where it went.
#[utoipa::path(get, path = "/api/v1/lti/launches", tag = "lti", operation_id = "list_lti_launches",
    responses((status = 200, description = "Launches", body = Launches),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn launches(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
) -> AppResult<Json<Launches>> {
    let items = registration::launches(&p, &ctx.tenant).await?;
    Ok(Json(Launches { items }))
}
