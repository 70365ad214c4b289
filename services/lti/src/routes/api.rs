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

/// A new dynamic-registration link.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationLink {
    /// Paste this into the LMS (its dynamic-registration or "tool URL" field). Shown once.
    pub url: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: time::OffsetDateTime,
}

/// Make a dynamic-registration link
///
/// Member host. Permission lti:manage. A one-time link, valid for 7 days, that an LMS supporting
/// LTI Dynamic Registration (Moodle 4.x, Canvas, Brightspace) opens to register the tool.
#[utoipa::path(post, path = "/api/v1/lti/registration-links", tag = "lti", operation_id = "create_lti_registration_link",
    responses((status = 201, description = "Link", body = RegistrationLink),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn create_link(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LtiManage>,
) -> AppResult<(StatusCode, Json<RegistrationLink>)> {
    let (url, expires_at) =
        crate::domain::dynamic::new_link(&p, &ctx.tenant, auth.principal.user_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(RegistrationLink { url, expires_at }),
    ))
}

/// The member's scores on their way to the LMSs.
#[derive(Debug, Serialize, ToSchema)]
pub struct Grades {
    pub items: Vec<crate::repo::GradeRow>,
}

/// The grade queue
///
/// Member host. Permission lti:manage. The last 100 scores sent (or waiting to be sent) to the
/// member's LMS gradebooks, newest first, with the platform's answer when it refused.
#[utoipa::path(get, path = "/api/v1/lti/grades", tag = "lti", operation_id = "list_lti_grades",
    responses((status = 200, description = "Scores", body = Grades),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn grades(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
) -> AppResult<Json<Grades>> {
    let items = crate::domain::grades::list(&p, &ctx.tenant).await?;
    Ok(Json(Grades { items }))
}

/// The member's LMS course rosters.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rosters {
    pub items: Vec<crate::repo::RosterRow>,
}

/// LMS course rosters
///
/// Member host. Permission lti:manage. One per LMS course that launched with a roster service
/// (NRPS), with its group, daily setting and last sync.
#[utoipa::path(get, path = "/api/v1/lti/rosters", tag = "lti", operation_id = "list_lti_rosters",
    responses((status = 200, description = "Rosters", body = Rosters),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn rosters(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
) -> AppResult<Json<Rosters>> {
    let items = crate::domain::roster::list(&p, &ctx.tenant).await?;
    Ok(Json(Rosters { items }))
}

/// Sync an LMS course roster into its group
///
/// Member host. Permission lti:manage. Fetches every page of the course's memberships; learners
/// and teachers go into the group (made on the first sync), accounts are made for new people,
/// who left is marked, nothing is deleted. 502 `lti_roster_failed` with the platform's answer.
#[utoipa::path(post, path = "/api/v1/lti/rosters/{id}/sync", tag = "lti", operation_id = "sync_lti_roster",
    params(("id" = Uuid, Path, description = "Roster")),
    responses((status = 200, description = "Synced", body = crate::domain::roster::SyncReport),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 502, body = ErrorEnvelope)))]
pub async fn sync_roster(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LtiManage>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<crate::domain::roster::SyncReport>> {
    let report =
        crate::domain::roster::sync(&p, &ctx.tenant, id, Some(auth.principal.user_id)).await?;
    Ok(Json(report))
}

/// Whether a roster syncs every day.
#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct DailyInput {
    pub daily: bool,
}

/// Turn the daily sync of a roster on or off
///
/// Member host. Permission lti:manage.
#[utoipa::path(put, path = "/api/v1/lti/rosters/{id}/daily", tag = "lti", operation_id = "set_lti_roster_daily",
    params(("id" = Uuid, Path, description = "Roster")), request_body = DailyInput,
    responses((status = 200, description = "Roster", body = crate::repo::RosterRow),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn set_daily(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
    Path(id): Path<Uuid>,
    ApiJson(input): ApiJson<DailyInput>,
) -> AppResult<Json<crate::repo::RosterRow>> {
    Ok(Json(
        crate::domain::roster::set_daily(&p, &ctx.tenant, id, input.daily).await?,
    ))
}

/// A roster's members.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterMembers {
    pub items: Vec<crate::repo::RosterMemberRow>,
}

/// The members of an LMS course roster
///
/// Member host. Permission lti:manage. Everyone a sync brought in, with `left_at` for who is no
/// longer on the course.
#[utoipa::path(get, path = "/api/v1/lti/rosters/{id}/members", tag = "lti", operation_id = "list_lti_roster_members",
    params(("id" = Uuid, Path, description = "Roster")),
    responses((status = 200, description = "Members", body = RosterMembers),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn roster_members(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<LtiManage>,
    Path(id): Path<Uuid>,
) -> AppResult<Json<RosterMembers>> {
    let items = crate::domain::roster::members(&p, &ctx.tenant, id).await?;
    Ok(Json(RosterMembers { items }))
}
