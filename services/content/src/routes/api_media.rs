//! Media: announce and confirm uploads (JSON API), downloads by redirect to a presigned URL, and
//! in the embedded file-system mode the signed object URLs themselves.

use super::parse_id;
use crate::{
    domain::media::{self, ConfirmInput, CreateInput},
    CatalogRead, CatalogWrite,
};
use axum::{
    body::Body,
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::{ApiJson, RequestContext},
    objects::{ReceiveError, SignedOp, SignedQuery},
    AppError, AppResult, Platform,
};

/// A confirmed media file.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaFile {
    pub id: Uuid,
    /// `image`, `video`, `document`, `captions` or `package`.
    pub kind: String,
    pub filename: String,
    /// As checked from the file's first bytes.
    pub content_type: String,
    pub size: i64,
    /// `ready`.
    pub status: String,
    /// Where pages load it (a redirect to a short-lived URL).
    pub url: String,
    /// A package's manifest as read: its kind (SCORM 1.2, SCORM 2004 and edition, cmi5), title,
    /// version, units (SCOs, assignable units) in order with their launch file and mastery
    /// score, and whether it uses SCORM 2004 sequencing we do not follow.
    #[schema(value_type = Option<crate::domain::package::Manifest>)]
    pub package: Option<serde_json::Value>,
}

/// Announce an upload; answers the presigned request(s) to send the file with
///
/// Permission catalog:write. Files up to the multipart threshold (`ZK_MEDIA_MULTIPART_BYTES`,
/// 64 MiB) go up in one PUT; larger ones in parts (a presigned PUT per part; keep each answer's
/// ETag). The bytes never pass through the application in S3 mode; they go to a staging key
/// (S3 signs the exact length) and are moved to the file's own key when confirmed, so an upload
/// URL never writes a confirmed file. 422 `storage_quota_exceeded` when the file does not fit
/// in the member's storage (`GET /api/v1/content/media/usage`). Limits: image (PNG, JPEG,
/// WebP) 20 MiB, video (MP4, WebM) 4 GiB, document (PDF) 200 MiB, captions (WebVTT) 2 MiB.
#[utoipa::path(post, path = "/api/v1/content/media", tag = "media", operation_id = "announce_media",
    request_body = CreateInput,
    responses((status = 201, description = "Announced", body = media::Ticket),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    ApiJson(input): ApiJson<CreateInput>,
) -> AppResult<(StatusCode, Json<media::Ticket>)> {
    let ticket = media::create(&p, ctx.tenant.id, auth.principal.user_id, &input).await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// The member's file storage: bytes in use and the quota
///
/// Permission catalog:write (authors, admins). Uploads under way count as used. `quota_bytes` is
/// what the NZK operators set for the member, or its tier's default (0–49 employees 10 GiB,
/// 50–249 25 GiB, 250–499 50 GiB, 500+ 100 GiB); `null` on the NZK side (no limit). An upload
/// that doesn't fit is refused when announced and when confirmed (422 `storage_quota_exceeded`
/// on `size`).
#[utoipa::path(get, path = "/api/v1/content/media/usage", tag = "media", operation_id = "media_usage",
    responses((status = 200, description = "Usage", body = media::Usage),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn usage(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
) -> AppResult<Json<media::Usage>> {
    Ok(Json(media::usage(&p, ctx.tenant.id).await?))
}

/// Check and keep an uploaded file
///
/// Permission catalog:write. Body `{}` for a single upload, `{"parts": [{"number", "etag"}, …]}`
/// for a multipart one. Joins the parts, then checks the size and the type by the file's first
/// bytes; a refused file is removed at once (422 `size_mismatch` or `wrong_type`). 409
/// `upload_missing` or `upload_incomplete` while bytes are missing. Confirming again changes
/// nothing.
#[utoipa::path(post, path = "/api/v1/content/media/{id}/confirm", tag = "media", operation_id = "confirm_media",
    params(("id" = Uuid, Path, description = "Media")),
    request_body = ConfirmInput,
    responses((status = 200, description = "Ready", body = MediaFile),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn confirm(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ConfirmInput>,
) -> AppResult<Json<MediaFile>> {
    let row = media::confirm(&p, ctx.tenant.id, parse_id(&id)?, &input).await?;
    Ok(Json(MediaFile {
        id: row.id,
        url: format!("/leren/media/{}", row.id),
        kind: row.kind,
        filename: row.filename,
        content_type: row.content_type,
        size: row.size,
        status: row.status,
        package: row.package,
    }))
}

/// Cancel an unconfirmed upload (its object and parts are removed)
///
/// Permission catalog:write. 409 `already_confirmed` for a confirmed file.
#[utoipa::path(delete, path = "/api/v1/content/media/{id}", tag = "media", operation_id = "cancel_media",
    params(("id" = Uuid, Path, description = "Media")),
    responses((status = 204, description = "Cancelled"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn cancel(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    media::cancel(&p, ctx.tenant.id, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /leren/media/{id}`: a redirect to a short-lived URL of the file (own or portfolio).
pub async fn download(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogRead>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let url = media::download_url(&p, ctx.tenant.id, parse_id(&id)?).await?;
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, url),
            (header::CACHE_CONTROL, "private, max-age=60".to_owned()),
        ],
    )
        .into_response())
}

fn forbidden() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        "invalid_signature",
        "Deze link is verlopen of ongeldig. Laad de pagina opnieuw.",
    )
}

/// `GET /media/o/{key}` (file-system mode): a signed download, ranges included.
pub async fn fs_get(
    State(p): State<Platform>,
    Path(key): Path<String>,
    Query(q): Query<SignedQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let store = p.objects.local().ok_or_else(AppError::not_found)?;
    if store.verify(&key, &q) != Some(SignedOp::Get) {
        return Err(forbidden());
    }
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    store
        .serve_get(&key, range)
        .await?
        .ok_or_else(AppError::not_found)
}

/// `PUT /media/o/{key}` (file-system mode): a signed upload of a file or one part.
pub async fn fs_put(
    State(p): State<Platform>,
    Path(key): Path<String>,
    Query(q): Query<SignedQuery>,
    body: Body,
) -> AppResult<Response> {
    let store = p.objects.local().ok_or_else(AppError::not_found)?;
    let op = match store.verify(&key, &q) {
        Some(op @ (SignedOp::Put { .. } | SignedOp::Part { .. })) => op,
        _ => return Err(forbidden()),
    };
    match store.receive(&key, &op, body.into_data_stream()).await {
        Ok(etag) => Ok((StatusCode::OK, [(header::ETAG, format!("\"{etag}\""))]).into_response()),
        Err(ReceiveError::TooLarge) => Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "Het bestand is groter dan aangekondigd.",
        )),
        Err(ReceiveError::Io(e)) => Err(AppError::internal(e)),
    }
}

/// `GET /pakket/{id}/{*path}` on the member's package host (`{slug}.{package_domain}`): a file
/// of one of its packages, with the content type a browser needs.
pub async fn package_file(
    State(p): State<Platform>,
    sandbox: zk_kernel::http::PackageSandbox,
    Path((id, path)): Path<(String, String)>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let file = media::package_file(&p, sandbox.tenant.id, parse_id(&id)?, &path).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, file.content_type),
            (
                axum::http::header::CACHE_CONTROL,
                "private, max-age=300".to_owned(),
            ),
        ],
        file.bytes,
    )
        .into_response())
}
