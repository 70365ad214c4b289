//! Common Cartridge 1.3: a member's modules out as an `.imscc` (to take them to any LMS, or to
//! leave), and a cartridge in as the member's own draft modules. Writing and reading the files is
//! pure (`export`, `import`, `qti`, `html`, `xml`); here the async edges: which modules a member
//! may export (its own, and the shared modules it shows, as it shows them: with its accents), the
//! media bytes from the object store, and an import stored all or nothing.
//!
//! What is exported: the published version a member's learners see; with `draft` an own
//! module's draft (the authors' current work). Exporting everything takes every own module's
//! draft, published or not: the member's whole own portfolio as it stands.

mod export;
mod html;
mod import;
mod qti;
mod xml;

pub use export::slug;

use super::{
    authoring, catalog, media,
    module::{self, Block, BlockBody, ModuleDoc},
};
use crate::repo::{media as media_repo, modules as module_repo, modules::Owner};
use bytes::Bytes;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;
use zk_kernel::{tenancy::Tenant, AppError, AppResult, Platform, TenantId};

/// The cartridge namespaces of CC 1.3.
pub const CC_NS: &str = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1";
/// LOM of the manifest.
pub const LOM_NS: &str = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest";
/// Web links.
pub const WL_NS: &str = "http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3";
/// Basic LTI links.
pub const LTI_NS: &str = "http://www.imsglobal.org/xsd/imslticc_v1p3";
/// The content type of a cartridge.
pub const CONTENT_TYPE: &str = "application/vnd.ims.imsccv1p3";
/// Largest cartridge accepted, and largest media file written into or read from one.
pub const MAX_CARTRIDGE: usize = 200 << 20;
const MAX_FILE: u64 = 200 << 20;

/// Something of a cartridge that could not be imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    /// The manifest item's identifier (for a question: `item/question`).
    pub item: String,
    pub title: String,
    /// Why, in Dutch.
    pub reason: String,
}

fn refuse(code: &'static str, message: impl Into<Cow<'static, str>>) -> AppError {
    AppError::validation("cartridge", code, message)
}

/// A written cartridge.
#[derive(Debug)]
pub struct Cartridge {
    /// `{slug}.imscc`.
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Where a module opens from an LMS: our LTI tool's launch URL on the member's portal.
fn launch_url(p: &Platform, tenant: &Tenant, module: Uuid) -> String {
    format!(
        "{}/lti/launch?doel=/leren/modules/{module}",
        p.config.tenant_url(&tenant.slug)
    )
}

/// The bytes of the media files `blocks` use, as far as the member may read them (its own and
/// the portfolio's), leaving out files larger than a cartridge takes.
async fn media_files(
    p: &Platform,
    tenant: TenantId,
    blocks: &[Block],
) -> AppResult<HashMap<Uuid, export::MediaFile>> {
    let ids: Vec<Uuid> = module::media_refs("b", blocks)
        .into_iter()
        .map(|(_, id, _)| id)
        .collect();
    let mut tx = p.db.begin_tenant(tenant).await?;
    let rows = media_repo::ready_of(&mut tx, &ids).await?;
    tx.commit().await?;
    let mut out = HashMap::new();
    for r in rows {
        if u64::try_from(r.size).unwrap_or(u64::MAX) > MAX_FILE {
            continue;
        }
        if let Some(o) = p.objects.get(&r.object_key).await? {
            out.insert(
                r.id,
                export::MediaFile {
                    filename: r.filename,
                    bytes: o.bytes,
                },
            );
        }
    }
    Ok(out)
}

async fn write(
    p: &Platform,
    tenant: &Tenant,
    title: String,
    modules: Vec<export::ExportModule>,
) -> AppResult<Cartridge> {
    let count = modules.len();
    let blocks: Vec<Block> = modules.iter().flat_map(|m| m.blocks.clone()).collect();
    let files = media_files(p, tenant.id, &blocks).await?;
    let (p2, t2) = (p.clone(), tenant.clone());
    let filename = format!("{}.imscc", slug(&title));
    let written = zk_kernel::cpu::run(move || {
        export::write(&title, &modules, &files, &|m| launch_url(&p2, &t2, m))
    })
    .await??;
    tracing::info!(
        modules = count,
        as_lti = written.as_lti.len(),
        bytes = written.zip.len(),
        "cartridge written"
    );
    Ok(Cartridge {
        filename,
        bytes: written.zip,
    })
}

/// One module as a cartridge: the published version the member shows (a shared module with the
/// member's accents; quiz answers included, for the LMS to score), or with `draft` an own
/// module's draft. Another member's module, or one the member can't see, is 404.
pub async fn export_module(
    p: &Platform,
    tenant: &Tenant,
    id: Uuid,
    draft: bool,
) -> AppResult<Cartridge> {
    let (doc, blocks) = if draft {
        let (row, _) = authoring::get(p, tenant.id, Owner::Member(tenant.id), id).await?;
        let doc = row.draft.0;
        let blocks = doc.blocks.clone();
        (doc, blocks)
    } else {
        let shown = catalog::published_with_answers(p, tenant.id, id).await?;
        let mut blocks: Vec<Block> = Vec::new();
        if !shown.intro_markdown.trim().is_empty() {
            blocks.push(Block {
                id: None,
                optional: false,
                body: BlockBody::Text {
                    markdown: shown.intro_markdown.clone(),
                },
            });
        }
        blocks.extend(shown.blocks.into_iter().map(|b| b.block));
        (shown.doc, blocks)
    };
    let title = doc.title.clone();
    let m = export::ExportModule { id, doc, blocks };
    tracing::info!(module.id = %id, draft, "cartridge exported");
    write(p, tenant, title, vec![m]).await
}

/// Every own module of the member (its draft, published or not) in one cartridge, each its own
/// top-level item: the member's own portfolio, to take elsewhere.
pub async fn export_all(p: &Platform, tenant: &Tenant) -> AppResult<Cartridge> {
    let rows = authoring::list(p, tenant.id, Owner::Member(tenant.id)).await?;
    let modules = rows
        .into_iter()
        .map(|r| {
            let doc = r.draft.0;
            export::ExportModule {
                id: r.id,
                blocks: doc.blocks.clone(),
                doc,
            }
        })
        .collect();
    tracing::info!(tenant.id = %tenant.id.0, "all own modules exported");
    write(p, tenant, format!("{} modules", tenant.name), modules).await
}

/// What an import made.
#[derive(Debug)]
pub struct Imported {
    /// The new draft modules: (id, title).
    pub modules: Vec<(Uuid, String)>,
    pub skipped: Vec<Skipped>,
}

/// Reads a cartridge and stores what it holds as the member's own draft modules, with its files
/// as confirmed media: all of it, or (refused) nothing.
pub async fn import(p: &Platform, tenant: TenantId, by: Uuid, body: Bytes) -> AppResult<Imported> {
    if !body.starts_with(b"PK\x03\x04") && !body.starts_with(b"PK\x05\x06") {
        return Err(refuse(
            "cartridge_not_zip",
            "Dit bestand is geen Common Cartridge: een .imscc is een zip-bestand, en dit is er geen.",
        ));
    }
    // Reading the zip and its XML is CPU work on what a member sent: on the CPU pool, one job
    // per core but one at a time, never on the async workers.
    let prepared = zk_kernel::cpu::run(move || {
        let limits = crate::domain::package::Limits {
            max_total_size: 1 << 30,
            ..Default::default()
        };
        let mut files = crate::domain::package::open(std::io::Cursor::new(body), limits)
            .map_err(as_cartridge)?;
        import::prepare(&mut files).map_err(as_cartridge)
    })
    .await??;
    let mut rows = Vec::new();
    for f in &prepared.files {
        rows.push(media::stored_row(
            tenant,
            f.id,
            f.kind,
            &f.filename,
            &f.bytes,
        )?);
    }
    let mut put = Vec::new();
    let result = store(p, tenant, by, &prepared, &rows, &mut put).await;
    if result.is_err() {
        for key in put {
            if let Err(e) = p.objects.delete(&key).await {
                tracing::warn!(error = %e, "object of a refused import not removed");
            }
        }
    }
    let modules = result?;
    tracing::info!(
        modules = modules.len(),
        files = rows.len(),
        skipped = prepared.skipped.len(),
        "cartridge imported"
    );
    Ok(Imported {
        modules,
        skipped: prepared.skipped,
    })
}

/// An error of the zip or manifest checks, named as the cartridge's.
fn as_cartridge(mut e: AppError) -> AppError {
    if e.field.is_some() {
        e.field = Some("cartridge".into());
    }
    e
}

async fn store(
    p: &Platform,
    tenant: TenantId,
    by: Uuid,
    prepared: &import::Prepared,
    rows: &[media_repo::MediaRow],
    put: &mut Vec<String>,
) -> AppResult<Vec<(Uuid, String)>> {
    for (f, row) in prepared.files.iter().zip(rows) {
        p.objects
            .put(&row.object_key, f.bytes.clone(), &row.content_type)
            .await?;
        put.push(row.object_key.clone());
    }
    let mut tx = p.db.begin_tenant(tenant).await?;
    let size: i64 = rows.iter().map(|r| r.size).sum();
    media_repo::lock_storage(&mut tx, tenant).await?;
    let used = media_repo::bytes_used(&mut tx, tenant).await?;
    let quota = media_repo::quota(&mut tx).await?;
    if !media::fits(used, size, quota) {
        return Err(media::quota_exceeded(used, quota.unwrap_or_default(), size));
    }
    for row in rows {
        media_repo::insert_ready(&mut tx, row, by).await?;
    }
    let mut made = Vec::new();
    for m in &prepared.modules {
        let mut doc = ModuleDoc::empty();
        doc.title = m.title.clone();
        doc.blocks = m.blocks.clone();
        doc.minutes = i32::try_from(m.blocks.len() * 5)
            .unwrap_or(6000)
            .clamp(5, 6000);
        module::normalise(&mut doc);
        module::check_draft(&doc, &HashSet::new())?;
        media::check_refs(&mut tx, &module::media_refs("blocks", &doc.blocks)).await?;
        module::assign_ids(&mut doc);
        let id = Uuid::new_v4();
        module_repo::insert(&mut tx, Owner::Member(tenant), id, &doc, by).await?;
        made.push((id, doc.title));
    }
    tx.commit().await?;
    Ok(made)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::media::Kind;
    use crate::domain::module::{Question, QuizOption};

    fn block(body: BlockBody) -> Block {
        Block {
            id: Some(Uuid::new_v4()),
            optional: false,
            body,
        }
    }

    #[test]
    fn a_written_cartridge_reads_back_as_the_same_blocks() {
        let (image, package) = (Uuid::new_v4(), Uuid::new_v4());
        let (video, captions) = (Uuid::new_v4(), Uuid::new_v4());
        let png = Bytes::from_static(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-test");
        let mp4 = Bytes::from_static(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom-test");
        let vtt = Bytes::from_static(b"WEBVTT\n\n00:00.000 --> 00:02.000\nWelkom.\n");
        let blocks = vec![
            block(BlockBody::Text {
                markdown: "## Stap 1\n\nWas uw *handen* met [zeep](https://example.org/zeep)."
                    .into(),
            }),
            block(BlockBody::Image {
                media: image.to_string(),
                alt: "Zeep & water".into(),
            }),
            block(BlockBody::Quiz {
                pass_mark: 80,
                questions: vec![Question {
                    id: None,
                    prompt: "Hoe lang wassen?".into(),
                    multiple: false,
                    options: vec![
                        QuizOption {
                            id: None,
                            text: "20 seconden".into(),
                            correct: true,
                            feedback: String::new(),
                        },
                        QuizOption {
                            id: None,
                            text: "2 seconden".into(),
                            correct: false,
                            feedback: "Te kort.".into(),
                        },
                    ],
                }],
            }),
            block(BlockBody::Link {
                url: "https://www.rivm.nl".into(),
                label: "RIVM".into(),
            }),
            block(BlockBody::Package {
                media: package.to_string(),
                title: "Cursus tillen".into(),
            }),
            block(BlockBody::Video {
                media: video.to_string(),
                poster: Some(image.to_string()),
                captions: Some(captions.to_string()),
                title: "Handen wassen in beeld".into(),
            }),
        ];
        let file = |name: &str, bytes: &Bytes| export::MediaFile {
            filename: name.into(),
            bytes: bytes.clone(),
        };
        let files = HashMap::from([
            (image, file("zeep.png", &png)),
            (video, file("film.mp4", &mp4)),
            (captions, file("film.vtt", &vtt)),
        ]);
        let module = export::ExportModule {
            id: Uuid::new_v4(),
            doc: ModuleDoc {
                title: "Handen wassen".into(),
                ..ModuleDoc::empty()
            },
            blocks: blocks.clone(),
        };
        let written = export::write("Handen wassen", &[module], &files, &|id| {
            format!("https://zorg.example/lti/launch?doel=/leren/modules/{id}")
        })
        .unwrap();
        assert_eq!(written.as_lti.len(), 1, "the package goes as an LTI link");
        let mut zip = crate::domain::package::open(
            std::io::Cursor::new(written.zip),
            crate::domain::package::Limits::default(),
        )
        .unwrap();
        let lti = zip
            .entries()
            .iter()
            .find(|e| e.path.ends_with("lti.xml"))
            .unwrap()
            .path
            .clone();
        let lti = String::from_utf8(zip.read(&lti).unwrap()).unwrap();
        assert!(lti.contains("/lti/launch?doel=/leren/modules/"), "{lti}");
        let prepared = import::prepare(&mut zip).unwrap();
        assert_eq!(prepared.modules.len(), 1);
        let m = &prepared.modules[0];
        assert_eq!(m.title, "Handen wassen");
        let bodies: Vec<&BlockBody> = m.blocks.iter().map(|b| &b.body).collect();
        assert_eq!(bodies[0], &blocks[0].body);
        let BlockBody::Image { media, alt } = bodies[1] else {
            panic!("{bodies:?}")
        };
        assert_eq!(alt, "Zeep & water");
        assert_eq!(media, &prepared.files[0].id.to_string());
        assert_eq!(prepared.files[0].bytes, png);
        assert_eq!(bodies[2], &blocks[2].body);
        assert_eq!(bodies[3], &blocks[3].body);
        // The video with its poster (the image, stored once more as the page shows it again)
        // and its captions as a .vtt file.
        let BlockBody::Video {
            media,
            poster: Some(poster),
            captions: Some(vtt_id),
            title,
        } = bodies[4]
        else {
            panic!("{bodies:?}")
        };
        assert_eq!(title, "Handen wassen in beeld");
        let stored = |id: &str| {
            prepared
                .files
                .iter()
                .find(|f| f.id.to_string() == id)
                .map(|f| (f.kind, f.bytes.clone()))
                .unwrap()
        };
        assert_eq!(stored(media), (Kind::Video, mp4));
        assert_eq!(stored(vtt_id), (Kind::Captions, vtt));
        assert_eq!(stored(poster), (Kind::Image, png.clone()));
        assert_eq!(bodies.len(), 5);
        assert_eq!(prepared.skipped.len(), 1);
        assert_eq!(prepared.skipped[0].title, "Cursus tillen");
        assert!(prepared.skipped[0].reason.contains("LTI"));
    }

    #[test]
    fn file_names_come_from_titles() {
        assert_eq!(slug("Handhygiëne in de wijk!"), "handhygiene-in-de-wijk");
        assert_eq!(slug("???"), "module");
    }
}
