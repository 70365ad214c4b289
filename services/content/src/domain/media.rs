//! Media uploads: the browser sends the bytes straight to the object store with presigned
//! requests (one PUT up to the multipart threshold, else a multipart upload with a presigned URL
//! per part); the server only hands out those requests, then checks the result when the upload
//! is confirmed: the size, and the type by the file's first bytes (not its name). A refused,
//! cancelled or abandoned upload leaves nothing behind (the sweeper removes unconfirmed ones).

use crate::repo::media::{self as repo, MediaRow};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;
use zk_kernel::{objects::Presigned, AppError, AppResult, Platform, TenantId};

/// How long a presigned upload request stays valid.
const UPLOAD_TTL: Duration = Duration::from_secs(3600);
/// How long a presigned download stays valid (pages link to `/leren/media/{id}`, which hands out
/// a fresh one each time).
pub const DOWNLOAD_TTL: Duration = Duration::from_secs(300);

/// What a media object is for.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Image,
    Video,
    Document,
    Captions,
    /// An e-learning package: a zip with a SCORM 1.2, SCORM 2004 or cmi5 course.
    Package,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Video => "video",
            Self::Document => "document",
            Self::Captions => "captions",
            Self::Package => "package",
        }
    }

    /// Largest file accepted.
    pub fn max_size(self) -> u64 {
        match self {
            Self::Image => 20 << 20,
            Self::Video => 4 << 30,
            Self::Document => 200 << 20,
            Self::Captions => 2 << 20,
            Self::Package => 1 << 30,
        }
    }

    /// The content types accepted, as sniffed from the bytes.
    pub fn types(self) -> &'static [&'static str] {
        match self {
            Self::Image => &["image/png", "image/jpeg", "image/webp"],
            Self::Video => &["video/mp4", "video/webm"],
            Self::Document => &["application/pdf"],
            Self::Captions => &["text/vtt"],
            Self::Package => &["application/zip"],
        }
    }

    fn wrong_type(self) -> &'static str {
        match self {
            Self::Image => "Dit bestand is geen PNG-, JPEG- of WebP-afbeelding.",
            Self::Video => "Dit bestand is geen MP4- of WebM-video.",
            Self::Document => "Dit bestand is geen PDF.",
            Self::Captions => {
                "Dit bestand is geen WebVTT-ondertiteling (het begint niet met WEBVTT)."
            }
            Self::Package => "Een pakket is een zip-bestand met een SCORM- of cmi5-cursus.",
        }
    }
}

/// The content type of a file by its first bytes, if it is one we accept anywhere.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.len() >= 8 && &bytes[4..8] == b"ftyp" {
        Some("video/mp4")
    } else if bytes.starts_with(b"\x1A\x45\xDF\xA3") {
        Some("video/webm")
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some("application/zip")
    } else if text.starts_with(b"WEBVTT")
        && text
            .get(6)
            .is_none_or(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        Some("text/vtt")
    } else {
        None
    }
}

/// An upload as the browser announces it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInput {
    pub kind: Kind,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
}

/// One part of a multipart upload.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PartUpload {
    pub number: i32,
    #[serde(flatten)]
    pub request: Presigned,
}

/// How the browser uploads the file.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Upload {
    /// One PUT of the whole file.
    Single { request: Presigned },
    /// A PUT per part (in order; each answers an ETag header to send back on confirm).
    Multipart {
        part_size: u64,
        parts: Vec<PartUpload>,
    },
}

/// A media object with the way to upload it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Ticket {
    pub id: Uuid,
    pub upload: Upload,
}

fn safe_filename(name: &str) -> AppResult<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(100)
        .collect();
    let cleaned = cleaned.trim_matches(['-', '.']).to_owned();
    if base.is_empty() || cleaned.is_empty() || base.chars().count() > 200 {
        return Err(AppError::validation(
            "filename",
            "invalid_filename",
            "Geef de naam van het bestand (hoogstens 200 tekens).",
        ));
    }
    Ok(cleaned)
}

/// Prefix of the owner's objects: the portfolio's or the member's.
fn owner_prefix(tenant: TenantId) -> String {
    if tenant == TenantId::PLATFORM {
        "shared/media".into()
    } else {
        format!("t/{}/media", tenant.0)
    }
}

/// Where the browser uploads a file before it is confirmed: never the key a confirmed file
/// lives at, so an upload URL cannot replace a confirmed file.
fn staging_key(tenant: TenantId, id: Uuid, filename: &str) -> String {
    let owner = if tenant == TenantId::PLATFORM {
        "shared".to_owned()
    } else {
        format!("t/{}", tenant.0)
    };
    format!("{owner}/uploads/{id}/{filename}")
}

/// The refusal of a file that does not fit in the member's storage.
pub(crate) fn quota_exceeded(used: i64, quota: i64, size: i64) -> AppError {
    use zk_kernel::text::dutch_bytes;
    AppError::validation(
        "size",
        "storage_quota_exceeded",
        format!(
            "De opslag van uw organisatie is vol: {} van {} in gebruik, en dit bestand ({}) past er niet meer bij. Verwijder bestanden die u niet meer gebruikt, of vraag de Nationale Zorgklas om meer ruimte.",
            dutch_bytes(used),
            dutch_bytes(quota),
            dutch_bytes(size)
        ),
    )
}

/// Whether `size` more bytes fit in `quota` with `used` taken (no quota: always).
pub fn fits(used: i64, size: i64, quota: Option<i64>) -> bool {
    quota.is_none_or(|q| used.saturating_add(size) <= q)
}

/// A member's storage: what its files take and how much it may use.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Usage {
    /// Bytes of confirmed files and uploads under way.
    pub used_bytes: i64,
    /// `null`: no limit (the NZK portfolio).
    pub quota_bytes: Option<i64>,
}

/// The member's storage use and quota.
pub async fn usage(p: &Platform, tenant: TenantId) -> AppResult<Usage> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let used_bytes = repo::bytes_used(&mut tx, tenant).await?;
    let quota_bytes = repo::quota(&mut tx).await?;
    tx.commit().await?;
    Ok(Usage {
        used_bytes,
        quota_bytes,
    })
}

/// Announces an upload: records it as pending and hands out the presigned request(s).
pub async fn create(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    input: &CreateInput,
) -> AppResult<Ticket> {
    let kind = input.kind;
    let filename = safe_filename(&input.filename)?;
    if !kind.types().contains(&input.content_type.as_str()) {
        return Err(AppError::validation(
            "content_type",
            "wrong_type",
            kind.wrong_type(),
        ));
    }
    if input.size == 0 || input.size > kind.max_size() {
        return Err(AppError::validation(
            "size",
            "too_large",
            format!(
                "Dit bestand is te groot: hoogstens {} MB voor dit soort bestand.",
                kind.max_size() >> 20
            ),
        ));
    }
    let size = i64::try_from(input.size)
        .map_err(|_| AppError::validation("size", "too_large", "Te groot."))?;
    let id = Uuid::new_v4();
    let key = format!("{}/{id}/{filename}", owner_prefix(tenant));
    let staging = staging_key(tenant, id, &filename);
    let mut tx = p.db.begin_tenant(tenant).await?;
    repo::lock_storage(&mut tx, tenant).await?;
    let used = repo::bytes_used(&mut tx, tenant).await?;
    let quota = repo::quota(&mut tx).await?;
    if !fits(used, size, quota) {
        return Err(quota_exceeded(used, quota.unwrap_or_default(), size));
    }
    let cfg = &p.config;
    let multipart = input.size > cfg.media_multipart_threshold;
    let upload_id = if multipart {
        Some(
            p.objects
                .create_multipart(&staging, &input.content_type)
                .await?,
        )
    } else {
        None
    };
    let row = MediaRow {
        tenant_id: tenant.0,
        id,
        kind: kind.as_str().into(),
        object_key: key,
        filename,
        content_type: input.content_type.clone(),
        size,
        status: "pending".into(),
        upload_id: upload_id.clone(),
        staging_key: Some(staging.clone()),
        package: None,
    };
    repo::insert(&mut tx, &row, by).await?;
    tx.commit().await?;
    let upload = match upload_id {
        None => Upload::Single {
            request: p
                .objects
                .presign_put(&staging, &input.content_type, input.size, UPLOAD_TTL)
                .await?,
        },
        Some(upload_id) => {
            let part_size = cfg.media_part_size.max(5 << 20);
            let count = input.size.div_ceil(part_size);
            let mut parts = Vec::new();
            for n in 1..=count {
                let number = i32::try_from(n)
                    .map_err(|_| AppError::validation("size", "too_large", "Te groot."))?;
                let max = part_size.min(input.size - (n - 1) * part_size);
                parts.push(PartUpload {
                    number,
                    request: p
                        .objects
                        .presign_part(&staging, &upload_id, number, max, UPLOAD_TTL)
                        .await?,
                });
            }
            Upload::Multipart { part_size, parts }
        }
    };
    tracing::info!(media.id = %id, kind = kind.as_str(), size = input.size, "upload announced");
    Ok(Ticket { id, upload })
}

/// The confirmed media row of a file the server has in hand (not stored yet): its type checked
/// by its bytes for `kind`, its size by the kind's limit, its key under the owner's prefix.
pub fn stored_row(
    tenant: TenantId,
    id: Uuid,
    kind: Kind,
    filename: &str,
    bytes: &[u8],
) -> AppResult<MediaRow> {
    let content_type = sniff(bytes)
        .filter(|t| kind.types().contains(t))
        .ok_or_else(|| AppError::validation("content_type", "wrong_type", kind.wrong_type()))?;
    if bytes.is_empty() || bytes.len() as u64 > kind.max_size() {
        return Err(AppError::validation(
            "size",
            "too_large",
            "Dit bestand is te groot.",
        ));
    }
    let filename = safe_filename(filename)?;
    Ok(MediaRow {
        tenant_id: tenant.0,
        id,
        kind: kind.as_str().into(),
        object_key: format!("{}/{id}/{filename}", owner_prefix(tenant)),
        filename,
        content_type: content_type.into(),
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        status: "ready".into(),
        upload_id: None,
        staging_key: None,
        package: None,
    })
}

/// Stores a file the server has in hand (the demo's pictures, video and PDF) as a confirmed
/// media object of `tenant`, with the same type and size checks as an upload.
pub async fn import(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    kind: Kind,
    filename: &str,
    bytes: bytes::Bytes,
) -> AppResult<Uuid> {
    let row = stored_row(tenant, Uuid::new_v4(), kind, filename, &bytes)?;
    p.objects
        .put(&row.object_key, bytes, &row.content_type)
        .await?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    repo::insert_ready(&mut tx, &row, by).await?;
    tx.commit().await?;
    Ok(row.id)
}

/// Stores a package the server has in hand (the demo's e-learnings) as a ready media object of
/// `tenant`, as a confirmed upload is: the zip checked whole and unpacked next to itself, the
/// manifest kept with the row. A refused package leaves nothing (no row, no zip, no files).
/// Answers the media id and what the manifest says.
pub async fn import_package(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    filename: &str,
    bytes: bytes::Bytes,
) -> AppResult<(Uuid, super::package::Manifest)> {
    let kind = Kind::Package;
    if sniff(&bytes) != Some("application/zip") {
        return Err(AppError::validation(
            "content_type",
            "wrong_type",
            kind.wrong_type(),
        ));
    }
    if bytes.len() as u64 > kind.max_size() {
        return Err(AppError::validation(
            "size",
            "too_large",
            "Dit bestand is te groot.",
        ));
    }
    let id = Uuid::new_v4();
    let filename = safe_filename(filename)?;
    let key = format!("{}/{id}/{filename}", owner_prefix(tenant));
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    p.objects.put(&key, bytes, "application/zip").await?;
    let unpacked = match super::package_store::unpack(p, &key, &package_prefix(&key)).await {
        Ok(done) => done,
        Err(err) => {
            p.objects.delete(&key).await?;
            return Err(err);
        }
    };
    let stored = async {
        let manifest: super::package::Manifest =
            serde_json::from_value(unpacked.manifest.clone()).map_err(AppError::internal)?;
        let row = MediaRow {
            tenant_id: tenant.0,
            id,
            kind: kind.as_str().into(),
            object_key: key.clone(),
            filename,
            content_type: "application/zip".into(),
            size,
            status: "ready".into(),
            upload_id: None,
            staging_key: None,
            package: None,
        };
        let mut tx = p.db.begin_tenant(tenant).await?;
        repo::insert_ready(&mut tx, &row, by).await?;
        repo::set_package(&mut tx, tenant, id, &unpacked.manifest).await?;
        tx.commit().await?;
        Ok::<_, AppError>(manifest)
    }
    .await;
    match stored {
        Ok(manifest) => Ok((id, manifest)),
        Err(err) => {
            super::package_store::remove(p, &unpacked.keys).await;
            p.objects.delete(&key).await?;
            Err(err)
        }
    }
}

/// The parts a browser uploaded (multipart only).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmInput {
    #[serde(default)]
    pub parts: Vec<ConfirmedPart>,
}

/// A part's number and the ETag the store answered.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmedPart {
    pub number: i32,
    pub etag: String,
}

/// Removes the object of a refused upload and its row, and says why.
async fn refuse(
    p: &Platform,
    tenant: TenantId,
    row: &MediaRow,
    err: AppError,
) -> AppResult<MediaRow> {
    p.objects.delete(uploaded_at(row)).await?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    repo::delete(&mut tx, tenant, row.id).await?;
    tx.commit().await?;
    tracing::info!(media.id = %row.id, code = err.code, "upload refused");
    Err(err)
}

/// A file of a member's confirmed package (its bytes and content type), for the package host.
/// 404 for anything else: another member's package, a path leaving the package, a missing file.
pub async fn package_file(
    p: &Platform,
    tenant: TenantId,
    id: Uuid,
    path: &str,
) -> AppResult<zk_kernel::objects::Object> {
    let clean = path
        .split('/')
        .all(|s| !s.is_empty() && s != "." && s != "..")
        && !path.contains('\\')
        && !path.chars().any(char::is_control);
    if !clean {
        return Err(AppError::not_found());
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    let found = repo::package(&mut tx, id).await?;
    tx.commit().await?;
    let (key, _) = found.ok_or_else(AppError::not_found)?;
    p.objects
        .get(&format!("{}/{path}", package_prefix(&key)))
        .await?
        .ok_or_else(AppError::not_found)
}

/// What the manifest of a package the tenant may read (its own or the portfolio's) says; `None`
/// for anything else. Inside the caller's transaction (tenant set).
pub async fn package_manifest(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
) -> AppResult<Option<super::package::Manifest>> {
    let Some((_, Some(json))) = repo::package(conn, id).await? else {
        return Ok(None);
    };
    serde_json::from_value(json)
        .map(Some)
        .map_err(AppError::internal)
}

/// What the manifests of the packages `ids` say, for an author's page: the format, the course
/// and its lines with launch file and pass mark, and the warnings (one query).
pub async fn package_summaries(
    p: &Platform,
    tenant: TenantId,
    ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, serde_json::Value>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = repo::packages(&mut tx, ids).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, json)| {
            let m: super::package::Manifest = serde_json::from_value(json).ok()?;
            Some((id, package_summary(&m)))
        })
        .collect())
}

/// A manifest as the author's page shows it.
pub fn package_summary(m: &super::package::Manifest) -> serde_json::Value {
    use super::package::{Kind, UnitKind};
    let standard = match m.kind {
        Kind::Scorm12 => "SCORM 1.2".to_owned(),
        Kind::Scorm2004 { edition: Some(e) } => format!("SCORM 2004, {e}e editie"),
        Kind::Scorm2004 { edition: None } => "SCORM 2004".to_owned(),
        Kind::Cmi5 => "cmi5".to_owned(),
    };
    serde_json::json!({
        "standard": standard,
        "version": m.version,
        "title": m.title,
        "warnings": m.warnings,
        "units": m.units.iter().map(|u| serde_json::json!({
            "title": u.title,
            "kind": match u.kind {
                UnitKind::Sco => "SCO",
                UnitKind::Asset => "bestand",
                UnitKind::Au => "AU",
                UnitKind::Heading => "kop",
            },
            "launch": u.launch,
            "mastery": u.mastery_score.map(|s| (s * 100.0).round() as i64),
        })).collect::<Vec<_>>(),
    })
}

/// Where a package's files are unpacked: next to its zip.
pub fn package_prefix(object_key: &str) -> String {
    format!("{object_key}.d")
}

/// Where the browser put an upload's bytes: its staging key (or, for an upload announced before
/// staging keys, its final key).
fn uploaded_at(row: &MediaRow) -> &str {
    row.staging_key.as_deref().unwrap_or(&row.object_key)
}

/// Confirms an upload: joins the parts, checks size, type and the member's quota, moves the file
/// from its staging key to its own (out of reach of the upload URLs) and marks it ready. A
/// refused file is removed at once. Confirming a ready upload again changes nothing.
///
/// It runs to its end in a task of its own, even when the browser goes away or the request times
/// out: a package's files (a minute's work for a large one) are then stored and the upload made
/// ready, or removed with it, never left half-written by a dropped request; confirming again
/// answers what became of it.
pub async fn confirm(
    p: &Platform,
    tenant: TenantId,
    id: Uuid,
    input: &ConfirmInput,
) -> AppResult<MediaRow> {
    let (p, input) = (p.clone(), input.clone());
    tokio::spawn(async move { confirm_to_the_end(&p, tenant, id, &input).await })
        .await
        .map_err(AppError::internal)?
}

async fn confirm_to_the_end(
    p: &Platform,
    tenant: TenantId,
    id: Uuid,
    input: &ConfirmInput,
) -> AppResult<MediaRow> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let row = repo::own_for_update(&mut tx, tenant, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    if row.status == "ready" {
        return Ok(row);
    }
    let at = uploaded_at(&row).to_owned();
    if let Some(upload_id) = &row.upload_id {
        let parts: Vec<(i32, String)> = input
            .parts
            .iter()
            .map(|p| (p.number, p.etag.trim_matches('"').to_owned()))
            .collect();
        if parts.is_empty() {
            return Err(AppError::validation(
                "parts",
                "upload_incomplete",
                "Stuur de nummers en ETags van alle geüploade delen mee.",
            ));
        }
        if let Err(e) = p.objects.complete_multipart(&at, upload_id, &parts).await {
            tracing::info!(media.id = %id, error = %e, "multipart upload not completed");
            return Err(AppError::new(
                StatusCode::CONFLICT,
                "upload_incomplete",
                "Nog niet alle delen van het bestand zijn (goed) geüpload. Probeer het opnieuw.",
            ));
        }
    }
    let Some(head) = p.objects.head(&at).await? else {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "upload_missing",
            "Het bestand is nog niet (helemaal) geüpload. Probeer het opnieuw.",
        ));
    };
    let kind = match row.kind.as_str() {
        "image" => Kind::Image,
        "video" => Kind::Video,
        "document" => Kind::Document,
        "package" => Kind::Package,
        _ => Kind::Captions,
    };
    if i64::try_from(head.size).ok() != Some(row.size) {
        let err = AppError::validation(
            "size",
            "size_mismatch",
            "Het geüploade bestand is niet zo groot als aangekondigd; het is niet bewaard.",
        );
        return refuse(p, tenant, &row, err).await;
    }
    let prefix = p.objects.read_prefix(&at, 64).await?;
    if sniff(&prefix) != Some(row.content_type.as_str()) {
        let err = AppError::validation("content_type", "wrong_type", kind.wrong_type());
        return refuse(p, tenant, &row, err).await;
    }
    // A package is checked whole and unpacked next to where it will live; refused, nothing of
    // it stays.
    let mut unpacked = None;
    if kind == Kind::Package {
        match super::package_store::unpack(p, &at, &package_prefix(&row.object_key)).await {
            Ok(done) => unpacked = Some(done),
            Err(err) => return refuse(p, tenant, &row, err).await,
        }
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    repo::lock_storage(&mut tx, tenant).await?;
    // Checked again: an operator may have lowered the quota since the upload was announced.
    let confirmed = repo::bytes_confirmed(&mut tx, tenant).await?;
    let quota = repo::quota(&mut tx).await?;
    if !fits(confirmed, row.size, quota) {
        drop(tx);
        if let Some(done) = &unpacked {
            super::package_store::remove(p, &done.keys).await;
        }
        let err = quota_exceeded(confirmed, quota.unwrap_or_default(), row.size);
        return refuse(p, tenant, &row, err).await;
    }
    if let Some(done) = &unpacked {
        repo::set_package(&mut tx, tenant, id, &done.manifest).await?;
    }
    if row.staging_key.is_some() {
        p.objects.rename(&at, &row.object_key).await?;
    }
    if !repo::mark_ready(&mut tx, tenant, id).await? {
        // Confirmed by a request at the same time: that one moved the file.
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "already_confirmed",
            "Dit bestand is al bevestigd.",
        ));
    }
    tx.commit().await?;
    tracing::info!(media.id = %id, "upload confirmed");
    Ok(MediaRow {
        status: "ready".into(),
        upload_id: None,
        package: unpacked.map(|d| d.manifest),
        ..row
    })
}

/// Cancels an upload that is not confirmed yet: its parts, object and row go.
pub async fn cancel(p: &Platform, tenant: TenantId, id: Uuid) -> AppResult<()> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let row = repo::own_for_update(&mut tx, tenant, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    if row.status != "pending" {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "already_confirmed",
            "Dit bestand is al bevestigd en kan niet meer worden geannuleerd.",
        ));
    }
    if let Some(upload_id) = &row.upload_id {
        p.objects
            .abort_multipart(uploaded_at(&row), upload_id)
            .await?;
    }
    p.objects.delete(uploaded_at(&row)).await?;
    repo::delete(&mut tx, tenant, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks that every referenced file exists for this tenant (its own or the portfolio's), is
/// confirmed and is of the kind its place needs.
pub async fn check_refs(
    conn: &mut sqlx::PgConnection,
    refs: &[(String, Uuid, &'static str)],
) -> AppResult<()> {
    if refs.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = refs.iter().map(|r| r.1).collect();
    let found = repo::kinds(conn, &ids).await?;
    for (field, id, kind) in refs {
        match found.get(id) {
            Some((k, status, _)) if status == "ready" && k == kind => {}
            Some((_, status, _)) if status == "ready" => return Err(AppError::validation(
                field.clone(),
                "wrong_media_kind",
                "Dit bestand past niet op deze plek (bijvoorbeeld een PDF waar een video hoort).",
            )),
            _ => {
                return Err(AppError::validation(
                    field.clone(),
                    "invalid_media",
                    "Dit bestand bestaat niet of is nog niet helemaal geüpload.",
                ))
            }
        }
    }
    Ok(())
}

/// A short-lived download URL of a ready media object the tenant may read (own or portfolio).
pub async fn download_url(p: &Platform, tenant: TenantId, id: Uuid) -> AppResult<String> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let row = repo::visible(&mut tx, id)
        .await?
        .filter(|r| r.status == "ready")
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(p.objects.presign_get(&row.object_key, DOWNLOAD_TTL).await?)
}

/// Removes uploads left unconfirmed longer than the configured time, with their objects and
/// parts, and whatever a stale upload URL wrote to the staging key of a confirmed upload once
/// its URLs have expired; returns how many uploads it cleaned. Each member's rows are changed in
/// that member's own transaction. Safe to run in several processes at once.
pub async fn sweep(p: &Platform) -> AppResult<usize> {
    let older = i64::try_from(p.config.media_upload_ttl.as_secs()).unwrap_or(i64::MAX);
    let (rows, stale) = {
        let mut conn = p.db.app.acquire().await?;
        let rows = repo::abandoned(&mut conn, older, 200).await?;
        // A staging key is safe to empty once every URL signed for it has expired.
        let url_life = i64::try_from(UPLOAD_TTL.as_secs()).unwrap_or(i64::MAX);
        let stale = repo::stale_staging(&mut conn, url_life + 60, 200).await?;
        (rows, stale)
    };
    for r in &rows {
        let at = r.staging_key.as_deref().unwrap_or(&r.object_key);
        if let Some(upload_id) = &r.upload_id {
            p.objects.abort_multipart(at, upload_id).await?;
        }
        p.objects.delete(at).await?;
        p.objects.delete(&r.object_key).await?;
        let tenant = TenantId(r.tenant_id);
        let mut tx = p.db.begin_tenant(tenant).await?;
        repo::delete_pending(&mut tx, tenant, r.id).await?;
        tx.commit().await?;
    }
    for s in &stale {
        p.objects.delete(&s.staging_key).await?;
        let tenant = TenantId(s.tenant_id);
        let mut tx = p.db.begin_tenant(tenant).await?;
        repo::clear_staging(&mut tx, tenant, s.id).await?;
        tx.commit().await?;
    }
    if !rows.is_empty() || !stale.is_empty() {
        tracing::info!(abandoned = rows.len(), staging = stale.len(), "media swept");
    }
    Ok(rows.len() + stale.len())
}

/// Runs [`sweep`] every ten minutes.
pub fn spawn_sweeper(p: Platform) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = sweep(&p).await {
                tracing::warn!(error.code = e.code, "media sweep failed; will retry");
            }
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Some("image/jpeg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42"), Some("video/mp4"));
        assert_eq!(sniff(b"\x1A\x45\xDF\xA3"), Some("video/webm"));
        assert_eq!(
            sniff(b"WEBVTT\n\n00:00.000 --> 00:01.000\nHallo"),
            Some("text/vtt")
        );
        assert_eq!(sniff(b"\xEF\xBB\xBFWEBVTT - titel\n"), Some("text/vtt"));
        assert_eq!(sniff(b"WEBVTTX"), None);
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None);
    }

    #[test]
    fn filenames_are_cleaned() {
        assert_eq!(
            safe_filename("C:\\Users\\x\\Mijn film (1).mp4").unwrap(),
            "Mijn-film--1-.mp4"
        );
        assert_eq!(safe_filename("../../etc/passwd").unwrap(), "passwd");
        assert!(safe_filename("  ").is_err());
    }
}
