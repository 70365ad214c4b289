//! Staff import: pages under `/beheer/import` (upload, preview with a per-row report, start,
//! progress, result, CSV report) and the same as JSON under `/api/v1/imports`. Admins only
//! (users:write). Every step goes through `domain::staff_import`. A member sends one file at a
//! time ([`ImportTurn`]).

use super::member_site;
use crate::{
    domain::{
        import_example, import_turns,
        staff_import::{self, ImportView, Rows},
    },
    repo::imports::ImportRow,
};
use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, FromRequestParts, Multipart, Path, Query, State},
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::{csrf_matches, form_error, see_other, CsrfForm, RequestContext},
    text::dutch_datetime,
    AppError, AppResult, Platform,
};

/// The most a staff file may weigh on the wire (the domain refuses above 4 MiB with a message).
pub const BODY_LIMIT: usize = 5 * 1024 * 1024;

fn too_large() -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "Het bestand is te groot. Splits de lijst in delen.",
    )
}

/// The member's turn to send a staff file (`import_busy`, 429, while another of its files is
/// being read). An extractor before the body's, so it is taken before the upload is read: a
/// member's uploads are also held in memory one at a time.
pub struct ImportTurn {
    _turn: import_turns::Turn,
}

impl FromRequestParts<Platform> for ImportTurn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, p: &Platform) -> Result<Self, AppError> {
        let ctx = RequestContext::from_request_parts(parts, p).await?;
        Ok(Self {
            _turn: import_turns::take(p, ctx.tenant.id)?,
        })
    }
}

/// The message after a form (`?klaar=…`).
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    klaar: Option<String>,
}

async fn upload_page(
    p: &Platform,
    ctx: &RequestContext,
    flash: Option<&str>,
    error: Option<AppError>,
) -> AppResult<Response> {
    let imports = staff_import::recent(p, ctx.tenant.id).await?;
    let example_module = import_example::module(p, ctx.tenant.id).await?;
    let data = json!({
        "imports": imports.iter().map(import_json).collect::<Vec<_>>(),
        "flash": flash,
        "example_module": example_module,
    });
    match error {
        Some(e) => form_error(p, ctx, "admin_import", data, e),
        None => Ok(p.theme.render("admin_import", ctx, data)?.into_response()),
    }
}

fn import_json(i: &ImportRow) -> Value {
    let percent = if i.total > 0 {
        i.processed * 100 / i64::from(i.total)
    } else {
        100
    };
    json!({
        "id": i.id, "file_name": i.file_name, "encoding": i.encoding, "status": i.status,
        "total": i.total, "processed": i.processed, "percent": percent, "problems": i.problems,
        "warnings": i.warnings,
        "new_accounts": i.new_accounts, "existing_accounts": i.existing_accounts,
        "created": i.created, "updated": i.updated, "unchanged": i.unchanged, "failed": i.failed,
        "to_import": i.new_accounts + i.existing_accounts,
        // Dutch local time (Europe/Amsterdam), as people read the clock.
        "created_at": dutch_datetime(i.created_at),
        "finished_at": i.finished_at.map(dutch_datetime),
        "is_preview": i.status == "preview", "is_running": i.status == "queued", "is_done": i.status == "done",
        "not_utf8": i.encoding != "utf-8",
    })
}

/// `GET /beheer/import`
pub async fn show(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<zk_tenant::perm::UsersWrite>,
    Query(done): Query<Done>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let flash = match done.klaar.as_deref() {
        Some("weg") => Some("import.flash_discarded"),
        _ => None,
    };
    upload_page(&p, &ctx, flash, None).await
}

/// `POST /beheer/import` (multipart: `csrf`, `file`): reads and checks the file into a preview.
pub async fn upload(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<zk_tenant::perm::UsersWrite>,
    _turn: ImportTurn,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let bad_form = |_| {
        AppError::validation(
            "file",
            "bad_upload",
            "Het formulier kon niet worden gelezen. Probeer het opnieuw.",
        )
    };
    let mut multipart = multipart.map_err(|_| bad_form(()))?;
    let (mut csrf, mut file, mut name) = (None, None, String::new());
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            bad_form(())
        }
    })? {
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.map_err(|_| bad_form(()))?),
            Some("file") => {
                name = field.file_name().unwrap_or_default().to_owned();
                file = Some(field.bytes().await.map_err(|_| too_large())?);
            }
            _ => {}
        }
    }
    if !csrf.is_some_and(|c| csrf_matches(&ctx.csrf, &c)) {
        return Err(AppError::csrf());
    }
    let file = file.filter(|f| !f.is_empty()).ok_or_else(|| {
        AppError::validation(
            "file",
            "file_required",
            "Kies een CSV-bestand met uw medewerkers.",
        )
    });
    let result = match file {
        Ok(bytes) => {
            staff_import::preview(&p, &ctx.tenant, auth.principal.user_id, &name, bytes).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(import) => Ok(see_other(&format!("/beheer/import/{}", import.id))),
        Err(e) if e.status.is_client_error() => upload_page(&p, &ctx, None, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// `GET /beheer/import/{id}`: the preview, the progress or the result.
pub async fn show_one(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<zk_tenant::perm::UsersWrite>,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let view = staff_import::view(&p, ctx.tenant.id, id, Rows::Problems).await?;
    let lines: Vec<Value> = view
        .lines
        .iter()
        .map(|l| {
            json!({
                "line": l.line, "name": l.name, "email": l.email, "message": l.message,
                "warning": l.warning_message, "outcome": staff_import::line_state_nl(l),
            })
        })
        .collect();
    let data = json!({ "import": import_json(&view.import), "lines": lines });
    Ok(p.theme
        .render("admin_import_show", &ctx, data)?
        .into_response())
}

/// `POST /beheer/import/{id}/starten`
pub async fn start_form(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<zk_tenant::perm::UsersWrite>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    staff_import::start(&p, ctx.tenant.id, id).await?;
    Ok(see_other(&format!("/beheer/import/{id}")))
}

/// `POST /beheer/import/{id}/weggooien`
pub async fn discard_form(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<zk_tenant::perm::UsersWrite>,
    Path(id): Path<Uuid>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    staff_import::discard(&p, ctx.tenant.id, id).await?;
    Ok(see_other("/beheer/import?klaar=weg"))
}

/// `GET /beheer/import/{id}/rapport.csv`
pub async fn report(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<zk_tenant::perm::UsersWrite>,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let csv = staff_import::report_csv(&p, ctx.tenant.id, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"import-{id}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

/// The member's latest imports.
#[derive(Debug, Serialize, ToSchema)]
pub struct Imports {
    pub items: Vec<ImportRow>,
}

/// The member's latest staff imports
///
/// Member host. Permission users:write (admins).
#[utoipa::path(get, path = "/api/v1/imports", tag = "accounts", operation_id = "list_imports",
    responses((status = 200, description = "The latest 20 imports", body = Imports),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn api_list(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<zk_tenant::perm::UsersWrite>,
) -> AppResult<Json<Imports>> {
    member_site(&ctx)?;
    Ok(Json(Imports {
        items: staff_import::recent(&p, ctx.tenant.id).await?,
    }))
}

/// The file's name, for the report.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FileName {
    /// Shown in the list of imports.
    #[serde(default)]
    pub file_name: Option<String>,
}

/// Read and check a staff file into a preview
///
/// Member host. Permission users:write (admins). The body is the CSV file as HR or Excel wrote
/// it: a header line with the columns `naam`, `e-mail`, `afdeling`, `groepen` and `modules`
/// (English names work too; only `e-mail` is required; the name may come in parts as
/// `voornaam`/`roepnaam`, `tussenvoegsel` and `achternaam`), separated by `;`, `,` or tabs; UTF-8
/// (with or without BOM), UTF-16 with BOM or Windows-1252; at most 4 MB, 10,000 rows and 1,000
/// characters a field. Lists in a field (groups, modules) are separated by `|` or `,`, at most 50
/// names; a module is named by its title or id. Nothing is written but the preview: every row
/// with its plan (`new`, `existing`) or its problem, and any warning (`name_mangled`) that
/// doesn't stop it. One file per member at a time: another
/// while one is being read is `import_busy` (429).
#[utoipa::path(post, path = "/api/v1/imports", tag = "accounts", operation_id = "preview_import",
    params(FileName),
    request_body(content = Vec<u8>, content_type = "text/csv"),
    responses((status = 201, description = "The preview", body = ImportRow),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 413, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
        (status = 429, body = ErrorEnvelope)))]
pub async fn api_preview(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<zk_tenant::perm::UsersWrite>,
    _turn: ImportTurn,
    Query(q): Query<FileName>,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<(StatusCode, Json<ImportRow>)> {
    member_site(&ctx)?;
    let body = body.map_err(|_| too_large())?;
    let name = q.file_name.unwrap_or_default();
    let row = staff_import::preview(&p, &ctx.tenant, auth.principal.user_id, &name, body).await?;
    Ok((StatusCode::CREATED, Json(row)))
}

/// Which rows to return.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct RowsQuery {
    /// `problems` (default), `all` or `none`; at most 1,000 rows.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub rows: Option<Rows>,
}

/// A staff import: its state and counts, with rows
///
/// Member host. Permission users:write. Another member's import is 404.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "accounts", operation_id = "get_import",
    params(("id" = Uuid, Path, description = "Import"), RowsQuery),
    responses((status = 200, description = "The import", body = ImportView),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn api_get(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<zk_tenant::perm::UsersWrite>,
    Path(id): Path<Uuid>,
    Query(q): Query<RowsQuery>,
) -> AppResult<Json<ImportView>> {
    member_site(&ctx)?;
    Ok(Json(
        staff_import::view(&p, ctx.tenant.id, id, q.rows.unwrap_or_default()).await?,
    ))
}

/// Start a previewed import
///
/// Member host. Permission users:write. The rows are applied by a background job; follow the
/// progress with `GET /api/v1/imports/{id}?rows=none`. Starting a started import changes
/// nothing.
#[utoipa::path(post, path = "/api/v1/imports/{id}/start", tag = "accounts", operation_id = "start_import",
    params(("id" = Uuid, Path, description = "Import")),
    responses((status = 202, description = "Started", body = ImportRow),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn api_start(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<zk_tenant::perm::UsersWrite>,
    Path(id): Path<Uuid>,
) -> AppResult<(StatusCode, Json<ImportRow>)> {
    member_site(&ctx)?;
    staff_import::start(&p, ctx.tenant.id, id).await?;
    let view = staff_import::view(&p, ctx.tenant.id, id, Rows::None).await?;
    Ok((StatusCode::ACCEPTED, Json(view.import)))
}

/// Throw away a preview
///
/// Member host. Permission users:write. A started import is `import_started` (409).
#[utoipa::path(delete, path = "/api/v1/imports/{id}", tag = "accounts", operation_id = "discard_import",
    params(("id" = Uuid, Path, description = "Import")),
    responses((status = 204, description = "Thrown away"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn api_discard(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<zk_tenant::perm::UsersWrite>,
    Path(id): Path<Uuid>,
) -> AppResult<StatusCode> {
    member_site(&ctx)?;
    staff_import::discard(&p, ctx.tenant.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
