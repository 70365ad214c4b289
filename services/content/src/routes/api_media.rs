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
use serde_json::{json, Value};
use zk_kernel::{
    authz::Require,
    http::{ApiJson, RequestContext},
    objects::{ReceiveError, SignedOp, SignedQuery},
    AppError, AppResult, Platform,
};

/// `POST /api/v1/content/media`: announce an upload; answers how to send the bytes.
pub async fn create(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    ApiJson(input): ApiJson<CreateInput>,
) -> AppResult<(StatusCode, Json<media::Ticket>)> {
    let ticket = media::create(&p, ctx.tenant.id, auth.principal.user_id, &input).await?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// `POST /api/v1/content/media/{id}/confirm`: check and keep the uploaded file (body `{}` for a
/// single upload, `{"parts": [{"number", "etag"}, …]}` for a multipart one).
pub async fn confirm(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ConfirmInput>,
) -> AppResult<Json<Value>> {
    let row = media::confirm(&p, ctx.tenant.id, parse_id(&id)?, &input).await?;
    Ok(Json(json!({
        "id": row.id, "kind": row.kind, "filename": row.filename,
        "content_type": row.content_type, "size": row.size, "status": row.status,
        "url": format!("/leren/media/{}", row.id),
    })))
}

/// `DELETE /api/v1/content/media/{id}`: cancel an unconfirmed upload.
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
