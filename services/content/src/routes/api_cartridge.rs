//! Common Cartridge 1.3: export a module or all own modules as an `.imscc`, import one as own
//! draft modules. Member host only; the work is in `domain::cartridge`.

use super::{member_site, parse_id};
use crate::{
    domain::cartridge::{self, Cartridge, Skipped},
    CatalogWrite, ContentExport,
};
use axum::{
    body::Bytes,
    extract::{
        rejection::{BytesRejection, QueryRejection},
        Path, Query, State,
    },
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use zk_kernel::{
    authz::Require, error::ErrorEnvelope, http::RequestContext, AppError, AppResult, Platform,
};

/// Which version of an own module to export.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `true`: the draft of an own module (the authors' current work) instead of the published
    /// version learners see.
    #[serde(default)]
    pub draft: Option<bool>,
}

fn download(c: Cartridge) -> Response {
    (
        [
            (header::CONTENT_TYPE, cartridge::CONTENT_TYPE.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", c.filename),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        c.bytes,
    )
        .into_response()
}

/// A module as a Common Cartridge 1.3 (`.imscc`)
///
/// Member host. Permission catalog:write (authors, admins). The published version the member's
/// learners see: an own module, or a shared one with the member's accents (overlay); with
/// `draft=true` an own module's draft. Text blocks are web pages, images, PDFs and videos
/// (captions as `.vtt`) files shown from a page, quizzes QTI 1.2.1 assessments (CC profile,
/// answers and feedback included), links web links; e-learning packages, and files over 200 MB,
/// are LTI links to the module on this portal (named in the manifest). Another member's module,
/// or one not published, is 404.
#[utoipa::path(get, path = "/api/v1/content/modules/{id}/cartridge", tag = "authoring", operation_id = "export_cartridge",
    params(("id" = Uuid, Path, description = "Module"), ExportQuery),
    responses((status = 200, description = "The cartridge (zip)", content_type = "application/vnd.ims.imsccv1p3"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn export_module(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let Query(q) = q.map_err(super::api::query_error)?;
    let c =
        cartridge::export_module(&p, &ctx.tenant, parse_id(&id)?, q.draft.unwrap_or(false)).await?;
    Ok(download(c))
}

/// Every own module as one Common Cartridge 1.3
///
/// Member host. Permission content:export (admins). Each own module (its draft, published or
/// not) is a top-level item of the one organization: the member's own portfolio, to take to
/// another platform. Shared modules are not the member's and stay out.
#[utoipa::path(get, path = "/api/v1/content/export", tag = "authoring", operation_id = "export_all_modules",
    responses((status = 200, description = "The cartridge (zip)", content_type = "application/vnd.ims.imsccv1p3"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn export_all(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<ContentExport>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    Ok(download(cartridge::export_all(&p, &ctx.tenant).await?))
}

/// A module made by an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedModule {
    pub id: Uuid,
    pub title: String,
}

/// What an import made, and what it left out.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// New draft modules of the member.
    pub modules: Vec<ImportedModule>,
    /// Everything of the cartridge not imported, with the reason.
    pub skipped: Vec<Skipped>,
}

/// Import a Common Cartridge (1.0–1.3) as own draft modules
///
/// Member host. Permission catalog:write. The body is the `.imscc` itself
/// (`application/zip` or `application/vnd.ims.imsccv1p3`, at most 200 MB). Every top-level item
/// of the organization with items below it becomes a draft module (loose items together one):
/// pages → text blocks (plain paragraphs, headings, lists, links), the images, PDFs and videos
/// (with WebVTT captions) they show → media blocks, QTI multiple choice / multiple response /
/// true-false → quiz blocks with their right answers and feedback, web links → link blocks.
/// Everything else (other question types, discussions, LTI links, unknown resources) is listed in
/// `skipped`. A refused cartridge keeps nothing: `cartridge_not_zip`, `cartridge_manifest_missing`,
/// `cartridge_manifest_broken`, `cartridge_not_cc`, the zip checks of packages (`package_*`), or
/// `storage_quota_exceeded`.
#[utoipa::path(post, path = "/api/v1/content/cartridges", tag = "authoring", operation_id = "import_cartridge",
    request_body(content = Vec<u8>, content_type = "application/vnd.ims.imsccv1p3"),
    responses((status = 201, description = "Imported", body = ImportResult),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope), (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn import(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<(StatusCode, Json<ImportResult>)> {
    member_site(&ctx)?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let ct = ct.split(';').next().unwrap_or_default().trim();
    if ![
        cartridge::CONTENT_TYPE,
        "application/zip",
        "application/x-zip-compressed",
    ]
    .contains(&ct)
    {
        return Err(AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Stuur de cartridge (.imscc) zelf, als application/zip of application/vnd.ims.imsccv1p3.",
        ));
    }
    let body = body.map_err(|_| {
        AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "De cartridge is te groot: hoogstens 200 MB.",
        )
    })?;
    let done = cartridge::import(&p, ctx.tenant.id, auth.principal.user_id, body).await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportResult {
            modules: done
                .modules
                .into_iter()
                .map(|(id, title)| ImportedModule { id, title })
                .collect(),
            skipped: done.skipped,
        }),
    ))
}
