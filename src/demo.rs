//! `zorgklas demo`: embedded defaults, two demo members with their own branding, a user in every
//! role, an operator; prints the URLs and logins, then serves. Safe to run again.

use crate::{app, config};
use serde::Deserialize;
use std::{io::Write, net::SocketAddr};
use zk_content::domain::{
    adoption, authoring, catalog,
    module::{self, ModuleDoc},
    overlay,
};
use zk_kernel::{authz::Role, db::Db, http, Platform, TenantId};
use zk_tenant::domain::{accounts, branding, members};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Zorgklas-demo-2026";

#[derive(Deserialize)]
struct DemoMember {
    slug: String,
    name: String,
    employees: i64,
    primary_color: String,
    accent_color: String,
    support_email: String,
    welcome_markdown: String,
    /// A picture from `tenants/demo/media` for the login page and home, with its description.
    #[serde(default)]
    illustration: Option<(String, String)>,
}

const MEMBERS: &str = include_str!("../tenants/demo/members.json");

/// Demo content: shared NZK modules and paths, each member's own modules and adoptions, and the
/// NZK versions published after the members adopted (so an accent loses its anchor and a new
/// version waits for review).
#[derive(Deserialize)]
struct DemoModules {
    shared: Vec<ModuleDoc>,
    paths: Vec<DemoPath>,
    own: std::collections::HashMap<String, Vec<ModuleDoc>>,
    adopt: std::collections::HashMap<String, Vec<DemoAdoption>>,
    adopt_paths: std::collections::HashMap<String, Vec<DemoPathAdoption>>,
    updates: Vec<DemoUpdate>,
}

#[derive(Deserialize)]
struct DemoPath {
    title: String,
    summary: String,
    /// Module titles, in order.
    modules: Vec<String>,
    /// Titles of the modules a member may leave out.
    #[serde(default)]
    optional: Vec<String>,
}

/// A member's adoption of a shared path (by title), with modules added by title next to
/// modules of the path by position.
#[derive(Deserialize)]
struct DemoPathAdoption {
    title: String,
    follow: adoption::Follow,
    intro_markdown: String,
    hide_optional: bool,
    accents: Vec<DemoPathAccent>,
}

#[derive(Deserialize)]
struct DemoPathAccent {
    anchor: usize,
    position: overlay::Position,
    module: String,
}

#[derive(Deserialize)]
struct DemoUpdate {
    title: String,
    #[serde(default)]
    remove_block: Option<usize>,
    #[serde(default)]
    append_text: Option<String>,
    change_note: String,
}

/// The demo's media files; blocks name them as `@file`.
const MEDIA: &[(&str, &[u8])] = &[
    (
        "handen-wassen.png",
        include_bytes!("../tenants/demo/media/handen-wassen.png"),
    ),
    (
        "trap-met-leuning.png",
        include_bytes!("../tenants/demo/media/trap-met-leuning.png"),
    ),
    (
        "veilige-kamer.png",
        include_bytes!("../tenants/demo/media/veilige-kamer.png"),
    ),
    (
        "richtlijn-handhygiene.pdf",
        include_bytes!("../tenants/demo/media/richtlijn-handhygiene.pdf"),
    ),
    (
        "tillen.mp4",
        include_bytes!("../tenants/demo/media/tillen.mp4"),
    ),
    (
        "tillen.vtt",
        include_bytes!("../tenants/demo/media/tillen.vtt"),
    ),
];

/// Replaces `@file` media references of `doc` by `name(file)`.
fn map_media(doc: &mut ModuleDoc, mut name: impl FnMut(&str) -> String) {
    use module::BlockBody;
    let mut swap = |v: &mut String| {
        if let Some(file) = v.strip_prefix('@') {
            *v = name(file);
        }
    };
    for b in &mut doc.blocks {
        match &mut b.body {
            BlockBody::Video {
                media,
                poster,
                captions,
                ..
            } => {
                swap(media);
                if let Some(p) = poster {
                    swap(p);
                }
                if let Some(c) = captions {
                    swap(c);
                }
            }
            BlockBody::Image { media, .. } | BlockBody::Document { media, .. } => swap(media),
            _ => {}
        }
    }
}

/// Stores the demo's media files for `tenant` (once per run and file) and points `doc` at them.
async fn import_media(
    p: &Platform,
    tenant: TenantId,
    by: uuid::Uuid,
    doc: &mut ModuleDoc,
    done: &mut std::collections::HashMap<String, String>,
) -> Result<(), zk_kernel::AppError> {
    use zk_content::domain::media::{self, Kind};
    let mut wanted = Vec::new();
    map_media(doc, |f| {
        wanted.push(f.to_owned());
        format!("@{f}")
    });
    for file in &wanted {
        if done.contains_key(file) {
            continue;
        }
        let bytes = MEDIA
            .iter()
            .find(|(n, _)| n == file)
            .map(|(_, b)| *b)
            .ok_or_else(zk_kernel::AppError::not_found)?;
        let kind = match file.rsplit('.').next() {
            Some("png") => Kind::Image,
            Some("mp4") => Kind::Video,
            Some("vtt") => Kind::Captions,
            _ => Kind::Document,
        };
        let id = media::import(p, tenant, by, kind, file, bytes::Bytes::from_static(bytes)).await?;
        done.insert(file.clone(), id.to_string());
    }
    map_media(doc, |f| done.get(f).cloned().unwrap_or_default());
    Ok(())
}

/// A member's adoption of a shared module (by title), with accents after blocks by position.
#[derive(Deserialize)]
struct DemoAdoption {
    title: String,
    follow: adoption::Follow,
    intro_markdown: String,
    hide_optional: bool,
    accents: Vec<DemoAccent>,
}

#[derive(Deserialize)]
struct DemoAccent {
    after_block: usize,
    block: module::Block,
}

/// The shared learning paths (modules by title), once.
async fn seed_paths(
    p: &Platform,
    operator: uuid::Uuid,
    paths: &[DemoPath],
) -> Result<(), zk_kernel::AppError> {
    use zk_content::{domain::path, repo::modules::Owner};
    if !path::list(p, TenantId::PLATFORM, Owner::Shared)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let modules = authoring::list(p, TenantId::PLATFORM, Owner::Shared).await?;
    for demo in paths {
        let ids = |titles: &[String]| {
            titles
                .iter()
                .filter_map(|t| modules.iter().find(|m| &m.draft.0.title == t).map(|m| m.id))
                .collect()
        };
        let doc = path::PathDoc {
            title: demo.title.clone(),
            summary: demo.summary.clone(),
            modules: ids(&demo.modules),
            optional: ids(&demo.optional),
        };
        let row = path::create(p, TenantId::PLATFORM, Owner::Shared, operator, doc).await?;
        let note = authoring::PublishInput {
            change_note: "Eerste versie".into(),
        };
        path::publish(
            p,
            TenantId::PLATFORM,
            Owner::Shared,
            row.id,
            operator,
            &note,
        )
        .await?;
    }
    Ok(())
}

/// New NZK versions after the members adopted, once (while a module is at version 1).
async fn seed_updates(
    p: &Platform,
    operator: uuid::Uuid,
    updates: &[DemoUpdate],
) -> Result<(), zk_kernel::AppError> {
    use zk_content::repo::modules::Owner;
    let modules = authoring::list(p, TenantId::PLATFORM, Owner::Shared).await?;
    for u in updates {
        let Some(m) = modules
            .iter()
            .find(|m| m.draft.0.title == u.title && m.latest_version == 1)
        else {
            continue;
        };
        let mut doc = m.draft.0.clone();
        if let Some(i) = u.remove_block.filter(|i| *i < doc.blocks.len()) {
            doc.blocks.remove(i);
        }
        if let Some(text) = &u.append_text {
            doc.blocks.push(module::Block {
                id: None,
                optional: false,
                body: module::BlockBody::Text {
                    markdown: text.clone(),
                },
            });
        }
        authoring::save(p, TenantId::PLATFORM, Owner::Shared, m.id, doc).await?;
        let note = authoring::PublishInput {
            change_note: u.change_note.clone(),
        };
        authoring::publish(p, TenantId::PLATFORM, Owner::Shared, m.id, operator, &note).await?;
    }
    Ok(())
}

/// Ratings, proposals with votes and a contribution waiting for review, so the demo shows the
/// members' say. Only when no proposal exists yet (a second run changes nothing).
async fn seed_say(
    p: &Platform,
    operator: uuid::Uuid,
    users: &[(TenantId, Role, uuid::Uuid)],
) -> Result<(), zk_kernel::AppError> {
    use zk_content::domain::{contribution, quality};
    // The first two members (Zorggroep Noord and Thuiszorg Zuid) rate, propose, vote and
    // contribute; whatever members come after them take no part.
    let members = users.iter().map(|u| u.0).fold(Vec::new(), |mut v, t| {
        if !v.contains(&t) {
            v.push(t);
        }
        v
    });
    let [noord, zuid, ..] = members[..] else {
        return Ok(());
    };
    if !quality::proposals(p, noord).await?.is_empty() {
        return Ok(());
    }
    let user = |t: TenantId, r: Role| {
        users
            .iter()
            .find(|u| u.0 == t && u.1 == r)
            .map(|u| u.2)
            .unwrap_or_default()
    };
    let shared = catalog::search(p, noord, &catalog::CatalogQuery::default()).await?;
    for (tenant, stars, comment) in [
        (noord, 5, "Duidelijk en meteen toepasbaar op de afdeling."),
        (
            zuid,
            4,
            "Goed; een video over de dubbele controle zou helpen.",
        ),
    ] {
        if let Some(m) = shared
            .items
            .iter()
            .find(|i| i.title == "Medicatie veilig toedienen")
        {
            let input = quality::RatingInput {
                stars,
                comment: comment.into(),
            };
            quality::rate(p, tenant, user(tenant, Role::Admin), m.module_id, &input).await?;
        }
    }
    let palliatief = quality::propose(
        p,
        zuid,
        user(zuid, Role::Author),
        &quality::ProposalInput {
            title: "Palliatieve zorg thuis".into(),
            description: "Onze wijkteams vragen om een module over de laatste levensfase thuis."
                .into(),
        },
    )
    .await?;
    for tenant in [zuid, noord] {
        quality::vote(p, tenant, user(tenant, Role::Admin), palliatief).await?;
    }
    let tillift = quality::propose(
        p,
        noord,
        user(noord, Role::Author),
        &quality::ProposalInput {
            title: "Korte video's over de tillift".into(),
            description: String::new(),
        },
    )
    .await?;
    quality::vote(p, noord, user(noord, Role::Admin), tillift).await?;
    quality::set_status(
        p,
        operator,
        tillift,
        &quality::StatusInput {
            status: "planned".into(),
            reason: "Opgenomen in de planning voor het voorjaar.".into(),
        },
    )
    .await?;
    // Thuiszorg Zuid shares its own module; Zorggroep Noord's reviewer can review it.
    let own = authoring::list(p, zuid, authoring::owner_of(zuid, false)).await?;
    if let Some(m) = own.first() {
        let input = contribution::SubmitInput {
            licence: "CC-BY-4.0".into(),
            note: "Misschien nuttig voor alle thuiszorgorganisaties.".into(),
        };
        contribution::submit(p, zuid, user(zuid, Role::Author), m.id, &input).await?;
    }
    Ok(())
}

/// Adopts the shared modules a demo member adopts (once: adopted titles are skipped).
async fn seed_adoptions(
    p: &Platform,
    tenant: &zk_kernel::Tenant,
    by: uuid::Uuid,
    adoptions: &[DemoAdoption],
) -> Result<(), zk_kernel::AppError> {
    let adopted: Vec<String> = adoption::list(p, tenant.id)
        .await?
        .into_iter()
        .map(|a| a.title)
        .collect();
    for a in adoptions.iter().filter(|a| !adopted.contains(&a.title)) {
        let query = catalog::CatalogQuery {
            q: Some(a.title.clone()),
            source: Some("nzk".into()),
            ..Default::default()
        };
        let found = catalog::search(p, tenant.id, &query).await?;
        let Some(item) = found.items.iter().find(|i| i.title == a.title) else {
            continue;
        };
        let shared = catalog::published(p, tenant.id, item.module_id).await?;
        let ids: Vec<uuid::Uuid> = shared.blocks.iter().filter_map(|b| b.block.id).collect();
        let optional: Vec<uuid::Uuid> = shared
            .blocks
            .iter()
            .filter(|b| b.block.optional)
            .filter_map(|b| b.block.id)
            .collect();
        let overlay = overlay::Overlay {
            intro_markdown: a.intro_markdown.clone(),
            hidden: if a.hide_optional { optional } else { vec![] },
            pass_marks: Default::default(),
            accents: a
                .accents
                .iter()
                .filter_map(|acc| {
                    Some(overlay::Accent {
                        anchor: *ids.get(acc.after_block)?,
                        position: overlay::Position::After,
                        block: acc.block.clone(),
                    })
                })
                .collect(),
        };
        let input = adoption::AdoptionInput {
            follow: a.follow,
            overlay,
        };
        adoption::save(p, tenant.id, by, item.module_id, input).await?;
    }
    Ok(())
}

/// Adopts the shared paths a demo member adopts (once: adopted paths are skipped).
async fn seed_path_adoptions(
    p: &Platform,
    tenant: &zk_kernel::Tenant,
    by: uuid::Uuid,
    adoptions: &[DemoPathAdoption],
) -> Result<(), zk_kernel::AppError> {
    use zk_content::{
        domain::{path, path_adoption},
        repo::paths,
    };
    let listed = path::catalogue(p, tenant.id).await?;
    let query = catalog::CatalogQuery {
        per_page: Some("100".into()),
        ..Default::default()
    };
    let modules = catalog::search(p, tenant.id, &query).await?.items;
    let module = |title: &str| {
        modules
            .iter()
            .find(|m| m.title == title)
            .map(|m| m.module_id)
    };
    for a in adoptions {
        let Some(shared) = listed
            .iter()
            .find(|l| l.title == a.title && l.source == "nzk")
        else {
            continue;
        };
        let mut tx = p.db.begin_tenant(tenant.id).await?;
        let doc = paths::latest_shared(&mut tx, shared.id).await?;
        tx.commit().await?;
        let Some((_, doc)) = doc else { continue };
        let overlay = path_adoption::PathOverlay {
            intro_markdown: a.intro_markdown.clone(),
            hidden: if a.hide_optional {
                doc.0.optional.clone()
            } else {
                vec![]
            },
            accents: a
                .accents
                .iter()
                .filter_map(|acc| {
                    Some(path_adoption::PathAccent {
                        anchor: *doc.0.modules.get(acc.anchor)?,
                        position: acc.position,
                        module: module(&acc.module)?,
                    })
                })
                .collect(),
        };
        let input = path_adoption::PathAdoptionInput {
            follow: a.follow,
            overlay,
        };
        path_adoption::save(p, tenant.id, by, shared.id, input).await?;
    }
    Ok(())
}

/// The first member's learner at three stages: a module completed (quiz passed), one started,
/// one with a failed quiz attempt, each with a deadline. Once (skipped when enrolled already).
async fn seed_learning(
    p: &Platform,
    users: &[(TenantId, Role, uuid::Uuid)],
) -> Result<(), zk_kernel::AppError> {
    use zk_content::domain::module::BlockBody;
    use zk_learning::domain::{learning, progress_writer};
    let Some(&(tenant, _, learner)) = users.iter().find(|u| u.1 == Role::Learner) else {
        return Ok(());
    };
    let Some(&(_, _, admin)) = users.iter().find(|u| u.0 == tenant && u.1 == Role::Admin) else {
        return Ok(());
    };
    if !learning::mine(p, tenant, learner).await?.is_empty() {
        return Ok(());
    }
    let query = catalog::CatalogQuery {
        per_page: Some("100".into()),
        ..Default::default()
    };
    let found = catalog::search(p, tenant, &query).await?.items;
    // The teacher's group holds the learner; one module is open for self-enrolment.
    if let Some(&(_, _, teacher)) = users.iter().find(|u| u.0 == tenant && u.1 == Role::Teacher) {
        use zk_learning::domain::group;
        let g = group::create(
            p,
            tenant,
            admin,
            &group::GroupInput {
                name: "Afdeling De Linde".into(),
            },
        )
        .await?;
        for (user, role) in [
            (teacher, group::MemberRole::Teacher),
            (learner, group::MemberRole::Learner),
        ] {
            group::set_member(p, tenant, g.id, user, &group::MemberInput { role }).await?;
        }
    }
    if let Some(m) = found
        .iter()
        .find(|m| m.title == "Communiceren met mensen met dementie")
    {
        learning::set_self_enrolment(p, tenant, admin, m.module_id, true).await?;
    }
    // Deadlines from today, so the demo's dates stay in the future whenever it is started.
    let today = time::OffsetDateTime::now_utc().date();
    for (title, stage, days) in [
        ("Handhygiëne in vijf momenten", "completed", 8),
        ("Medicatie veilig toedienen", "started", 55),
        ("Valpreventie thuis", "failed", 83),
        // A long quiz, answered page by page (started: the text read).
        ("Examen medicatieveiligheid", "started", 21),
    ] {
        let deadline = (today + time::Duration::days(days)).to_string();
        let Some(m) = found.iter().find(|m| m.title == title) else {
            continue;
        };
        let input = learning::EnrolInput {
            user_id: learner,
            module_id: m.module_id,
            deadline: Some(deadline),
        };
        let e = learning::enrol(p, tenant, admin, &input).await?;
        let shown = catalog::published_at(p, tenant, m.module_id, e.version, true).await?;
        for b in &shown.blocks {
            let Some(block) = b.block.id else { continue };
            match &b.block.body {
                BlockBody::Quiz { questions, .. } if stage != "started" => {
                    // Right answers to complete it; the first wrong option to fail it.
                    let answers = questions
                        .iter()
                        .filter_map(|q| {
                            let pick = q
                                .options
                                .iter()
                                .find(|o| o.correct == (stage == "completed"));
                            Some((q.id?, vec![pick?.id?]))
                        })
                        .collect();
                    let attempt = learning::AttemptInput {
                        block_id: block,
                        answers,
                    };
                    learning::attempt(p, tenant, learner, e.id, &attempt).await?;
                }
                BlockBody::Quiz { .. } => {}
                _ if stage == "completed" => {
                    progress_writer::mark_done(p, tenant, learner, e.id, block).await?;
                }
                _ if stage == "started" && b == &shown.blocks[0] => {
                    progress_writer::mark_done(p, tenant, learner, e.id, block).await?;
                }
                _ => {}
            }
        }
        if stage == "completed" {
            // Completed eleven months ago: the passport entry (valid for a year) expires within
            // 60 days, so the reminder job mails the learner and re-enrols them.
            sqlx::query(
                "UPDATE content.enrolments SET completed_at = now() - interval '11 months' WHERE id = $1",
            )
            .bind(e.id)
            .execute(&p.db.owner)
            .await
            .map_err(zk_kernel::AppError::internal)?;
        }
    }
    Ok(())
}

/// The title of Zorggroep Noord's module of e-learning packages.
pub const PACKAGES_MODULE: &str = "E-learnings in de praktijk";

/// The demo's e-learning packages, made by the platform itself (`package::samples`): file name,
/// block title.
fn demo_packages() -> [(&'static str, Vec<u8>, &'static str); 3] {
    use zk_content::domain::package::samples;
    [
        (
            "veilig-tillen-scorm12.zip",
            samples::scorm12_single(),
            "Veilig tillen (SCORM 1.2)",
        ),
        (
            "medicatie-scorm2004.zip",
            samples::scorm2004_multi(),
            "Medicatie veilig toedienen (SCORM 2004)",
        ),
        (
            "valpreventie-cmi5.zip",
            samples::cmi5_course(),
            "Valpreventie (cmi5)",
        ),
    ]
}

/// What the SCORM 1.2 sample's SCO (`samples/scorm12/sco.js`) keeps in `cmi.suspend_data` on
/// page `page` before the question is answered: `{"pagina", "antwoord", "notities"}`, the note
/// repeated to well over SCORM 1.2's 4,096 characters.
fn scorm12_suspend_data(page: u8) -> String {
    const NOTE: &str = "Notitie: bij mevrouw Bakker eerst het bed op werkhoogte en de remmen vast, de tillift met de middelste band, met twee collega's en volgens het tilprotocol in het dossier. ";
    let notes = serde_json::Value::from(NOTE.repeat(30));
    format!(r#"{{"pagina":{page},"antwoord":"","notities":{notes}}}"#)
}

/// Zorggroep Noord's module "E-learnings in de praktijk": an introduction and three package
/// blocks (SCORM 1.2, SCORM 2004, cmi5), published; its demo learner enrolled and started: the
/// introduction done, the SCORM 1.2 unit stopped at page 2, committed through the player's own path (a play session and
/// a commit), so the SCO resumes there. Once (skipped when the module exists).
async fn seed_packages(
    p: &Platform,
    users: &[(TenantId, Role, uuid::Uuid)],
) -> Result<(), zk_kernel::AppError> {
    use std::collections::BTreeMap;
    use zk_content::domain::{media, module::BlockBody, package::UnitKind};
    use zk_learning::domain::{learning, package_commits, package_play, progress_writer};
    let tenant_id = TenantId(members::get(p, "zorggroep-noord").await?.id);
    let user = |role: Role| {
        users
            .iter()
            .find(|u| u.0 == tenant_id && u.1 == role)
            .map(|u| u.2)
    };
    let (Some(author), Some(admin), Some(learner)) =
        (user(Role::Author), user(Role::Admin), user(Role::Learner))
    else {
        return Ok(());
    };
    let Some(tenant) = p.directory.load(tenant_id).await? else {
        return Ok(());
    };
    let owner = authoring::owner_of(tenant.id, false);
    if authoring::list(p, tenant.id, owner)
        .await?
        .iter()
        .any(|m| m.draft.0.title == PACKAGES_MODULE)
    {
        return Ok(());
    }
    let mut blocks = vec![module::Block {
        id: None,
        optional: false,
        body: BlockBody::Text {
            markdown: "Zo werken e-learnings in de Zorgklas: hieronder staan drie korte voorbeelden, gemaakt door de Zorgklas zelf, in drie gangbare formaten (SCORM 1.2, SCORM 2004 en cmi5). Stopt u halverwege, dan gaat u later verder waar u was, ook op een ander apparaat.".into(),
        },
    }];
    let mut unit = None;
    for (file, bytes, title) in demo_packages() {
        let (id, manifest) =
            media::import_package(p, tenant.id, author, file, bytes.into()).await?;
        if unit.is_none() {
            unit = manifest
                .units
                .iter()
                .find(|u| u.kind == UnitKind::Sco)
                .map(|u| u.id.clone());
        }
        blocks.push(module::Block {
            id: None,
            optional: false,
            body: BlockBody::Package {
                media: id.to_string(),
                title: title.into(),
            },
        });
    }
    let doc = ModuleDoc {
        title: PACKAGES_MODULE.into(),
        summary: "Drie korte e-learnings (SCORM 1.2, SCORM 2004 en cmi5) in één module.".into(),
        target_group: "Zorgmedewerkers van Zorggroep Noord".into(),
        mbo_level: None,
        minutes: 30,
        tags: vec![
            "e-learning".into(),
            "tillen".into(),
            "medicatie".into(),
            "valpreventie".into(),
        ],
        language: "nl".into(),
        blocks,
        attribution: None,
        retry: None,
        validity_months: None,
        shuffle: false,
    };
    let draft = authoring::create(p, tenant.id, owner, author, doc).await?;
    let note = authoring::PublishInput {
        change_note: "Eerste versie".into(),
    };
    authoring::publish(p, tenant.id, owner, draft.id, author, &note).await?;
    let today = time::OffsetDateTime::now_utc().date();
    let input = learning::EnrolInput {
        user_id: learner,
        module_id: draft.id,
        deadline: Some((today + time::Duration::days(30)).to_string()),
    };
    let e = learning::enrol(p, tenant.id, admin, &input).await?;
    let shown = catalog::published_at(p, tenant.id, draft.id, e.version, false).await?;
    let first = shown.blocks.iter().find_map(|b| match &b.block.body {
        BlockBody::Package { .. } => b.block.id,
        _ => None,
    });
    let (Some(block), Some(unit)) = (first, unit) else {
        return Ok(());
    };
    // The learner read the introduction, opened "Veilig tillen" and went on to page 2; the SCO committed what it keeps
    // there and closed with "suspend" (as when the tab is closed).
    if let Some(intro) = shown.blocks.first().and_then(|b| b.block.id) {
        progress_writer::mark_done(p, tenant.id, learner, e.id, intro).await?;
    }
    let player = package_play::open(p, tenant.id, &tenant.slug, learner, e.id, block).await?;
    let token = player.rsplit('/').next().unwrap_or_default();
    let values = BTreeMap::from([
        ("cmi.core.lesson_status".to_owned(), "incomplete".to_owned()),
        ("cmi.core.lesson_location".to_owned(), "2".to_owned()),
        ("cmi.suspend_data".to_owned(), scorm12_suspend_data(2)),
        ("cmi.core.exit".to_owned(), "suspend".to_owned()),
        (
            "cmi.core.session_time".to_owned(),
            "0000:03:20.00".to_owned(),
        ),
    ]);
    let commit = package_play::CommitInput {
        unit,
        session: "demo".into(),
        seq: 1,
        values,
    };
    package_commits::commit(p, tenant.id, token, commit).await?;
    Ok(())
}

/// Staff of the first member, as HR would hand them over: one account per employee (320), in
/// five departments plus the demo's role accounts, imported through the staff import (preview,
/// then the job), so the users page, departments and enrolment by department have a member's
/// real size. The role accounts are in the file too (existing accounts: name, department and
/// group brought in line). Runs once.
async fn seed_staff(
    p: &Platform,
    users: &[(TenantId, Role, uuid::Uuid)],
) -> Result<(), zk_kernel::AppError> {
    use zk_learning::domain::staff_import;
    let Some(&(tenant_id, _, admin)) = users.iter().find(|u| u.1 == Role::Admin) else {
        return Ok(());
    };
    if !staff_import::recent(p, tenant_id).await?.is_empty() {
        return Ok(());
    }
    let Some(tenant) = p.directory.load(tenant_id).await? else {
        return Ok(());
    };
    const FIRST: [&str; 20] = [
        "Anna", "Bram", "Chantal", "Daan", "Esra", "Fleur", "Gijs", "Hanna", "Ilse", "Jeroen",
        "Kim", "Lotte", "Mohammed", "Noor", "Olga", "Priya", "Ruben", "Sanne", "Tim", "Yara",
    ];
    const LAST: [&str; 15] = [
        "de Vries",
        "Jansen",
        "Bakker",
        "Visser",
        "Smit",
        "Meijer",
        "de Boer",
        "Mulder",
        "de Groot",
        "Bos",
        "Yilmaz",
        "Peters",
        "Hendriks",
        "van Dijk",
        "El Amrani",
    ];
    const DEPARTMENTS: [&str; 5] = [
        "De Linde",
        "Het Anker",
        "Thuiszorg Oost",
        "Nachtdienst",
        "Keuken",
    ];
    let mut csv = String::from("\u{feff}Naam;E-mail;Afdeling;Groepen\r\n");
    let slug = &tenant.slug;
    // The demo's role accounts are staff too: named, in a department (the learner in a group).
    let mut listed = 0;
    for (local, role) in ROLE_USERS {
        if !users.iter().any(|u| u.0 == tenant_id && u.1 == role) {
            continue;
        }
        let (name, department, group) = match role {
            Role::Admin => ("Bea Beheerder", "Staf", ""),
            Role::Author => ("Arjen Auteur", "Leerafdeling", ""),
            Role::Teacher => ("Dirk Docent", "Leerafdeling", ""),
            Role::Reviewer => ("Bo Beoordelaar", "Leerafdeling", ""),
            _ => ("Lieke Jansen", "De Linde", "Afdeling De Linde"),
        };
        csv.push_str(&format!(
            "{name};{local}@{slug}.demo;{department};{group}\r\n"
        ));
        listed += 1;
    }
    // As many accounts as the member has employees (320 for Zorggroep Noord).
    let employees = members::get(p, slug).await?.employee_count;
    let staff = usize::try_from(employees)
        .unwrap_or(0)
        .saturating_sub(listed);
    for i in 0..staff {
        let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
        let department = DEPARTMENTS[i % DEPARTMENTS.len()];
        let group = if department == "De Linde" {
            "Afdeling De Linde"
        } else {
            ""
        };
        csv.push_str(&format!(
            "{first} {last};medewerker{i:03}@{slug}.demo;{department};{group}\r\n"
        ));
    }
    let preview = staff_import::preview(
        p,
        &tenant,
        admin,
        "personeel-hr.csv",
        csv.into_bytes().into(),
    )
    .await?;
    staff_import::start(p, tenant_id, preview.id).await?;
    staff_import::run_once(p).await?;
    Ok(())
}

/// Zorggroep Noord's Moodle, connected (`/beheer/lms`): a registration made as the admin makes
/// one (with its tool key), and one launch of the demo learner into a module, so the page shows
/// a last launch. Once (skipped when the member has a registration).
async fn seed_lms(
    p: &Platform,
    users: &[(TenantId, Role, uuid::Uuid)],
) -> Result<(), zk_kernel::AppError> {
    use zk_lti::domain::registration;
    let tenant_id = TenantId(members::get(p, "zorggroep-noord").await?.id);
    let user = |role: Role| {
        users
            .iter()
            .find(|u| u.0 == tenant_id && u.1 == role)
            .map(|u| u.2)
    };
    let (Some(admin), Some(learner)) = (user(Role::Admin), user(Role::Learner)) else {
        return Ok(());
    };
    let Some(tenant) = p.directory.load(tenant_id).await? else {
        return Ok(());
    };
    if !registration::list(p, &tenant).await?.is_empty() {
        return Ok(());
    }
    let moodle = "https://leren.zorggroep-noord.example";
    let input = registration::RegistrationInput {
        name: "Moodle Zorggroep Noord Academie".into(),
        family: "moodle".into(),
        issuer: moodle.into(),
        client_id: "Zk7pQ2mLx9Rb4Ta".into(),
        deployment_ids: "1".into(),
        auth_url: format!("{moodle}/mod/lti/auth.php"),
        jwks_url: format!("{moodle}/mod/lti/certs.php"),
        token_url: format!("{moodle}/mod/lti/token.php"),
    };
    let reg = registration::create(p, &tenant, Some(admin), &input, "manual").await?;
    let query = catalog::CatalogQuery {
        q: Some("Medicatie veilig toedienen".into()),
        ..Default::default()
    };
    let target = catalog::search(p, tenant_id, &query)
        .await?
        .items
        .iter()
        .find(|m| m.title == "Medicatie veilig toedienen")
        .map_or_else(
            || "/".to_owned(),
            |m| format!("/leren/modules/{}", m.module_id),
        );
    registration::record_demo_launch(p, &tenant, reg.id, learner, "Lieke Jansen", &target).await?;
    Ok(())
}

const MODULES: &str = include_str!("../tenants/demo/modules.json");

/// Creates and publishes `docs` for `tenant` (the portfolio when it is the platform), skipping
/// titles that are there already so a second run changes nothing.
async fn seed_modules(
    p: &Platform,
    tenant: &zk_kernel::Tenant,
    author: uuid::Uuid,
    docs: &[ModuleDoc],
) -> Result<(), zk_kernel::AppError> {
    let owner = authoring::owner_of(tenant.id, tenant.is_platform);
    let existing: Vec<String> = authoring::list(p, tenant.id, owner)
        .await?
        .into_iter()
        .map(|d| d.draft.0.title)
        .collect();
    let mut media = std::collections::HashMap::new();
    for doc in docs.iter().filter(|d| !existing.contains(&d.title)) {
        let mut doc = doc.clone();
        import_media(p, tenant.id, author, &mut doc, &mut media).await?;
        let draft = authoring::create(p, tenant.id, owner, author, doc).await?;
        let note = authoring::PublishInput {
            change_note: "Eerste versie".into(),
        };
        authoring::publish(p, tenant.id, owner, draft.id, author, &note).await?;
    }
    Ok(())
}

const ROLE_USERS: [(&str, Role); 5] = [
    ("beheerder", Role::Admin),
    ("auteur", Role::Author),
    ("docent", Role::Teacher),
    ("beoordelaar", Role::Reviewer),
    ("leerling", Role::Learner),
];

/// Billing runs offline in the demo (unless Stripe is configured: then every member can check
/// out at `/abonnement`): each member is on a manual plan, in another state — the
/// first active and renewing within a month, the second past due (its admins see the banner),
/// the third suspended for non-payment (only its admins get in, to the billing page).
async fn seed_billing(
    p: &Platform,
    demo: &[DemoMember],
    operator: uuid::Uuid,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    let today = time::OffsetDateTime::now_utc().date();
    for (m, days) in demo.iter().zip([20_i64, -5, -30]) {
        let row = members::get(p, &m.slug)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
        let paid_until = today + time::Duration::days(days);
        zk_billing::service::set_manual_plan(
            p,
            TenantId(row.id),
            m.employees.clamp(0, 1_000_000) as i32,
            paid_until,
            &operator.to_string(),
            "Demo: handmatig abonnement",
        )
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
        let state = if days >= 0 {
            "actief, verlengt binnenkort"
        } else if days > -14 {
            "betaling achterstallig"
        } else {
            "opgeschort wegens niet-betaling"
        };
        writeln!(
            out,
            "  abonnement {}: betaald tot {paid_until} ({state})",
            m.name
        )?;
    }
    Ok(())
}

/// Seeds and serves.
pub async fn run(listen: Option<SocketAddr>) -> anyhow::Result<()> {
    let mut config = config()?;
    if let Some(addr) = listen {
        config.listen = addr;
    }
    Db::connect(&config)?.migrate().await?;
    let p = Platform::start(config).await?;
    let listener = tokio::net::TcpListener::bind(p.config.listen).await?;
    seed(&p, &mut std::io::stdout()).await?;
    writeln!(
        std::io::stdout(),
        "\nStop met Ctrl-C. Gegevens staan in {}.\n",
        p.config.data_dir.display()
    )?;
    let router = app(&p, None)?;
    let served = http::serve(
        listener,
        router,
        http::shutdown_signal(),
        p.config.request_timeout + std::time::Duration::from_secs(1),
    )
    .await;
    zk_kernel::embedded::stop_if_started(&p.config.data_dir);
    served?;
    Ok(())
}

/// Seeds the demo into a migrated database: NZK's modules and paths, the three members with
/// their branding, a user in every role, own and adopted content, the members' say (ratings,
/// proposals, votes, a contribution under review), learning, Zorggroep Noord's module of
/// e-learning packages, its staff and its connected LMS, and billing. Writes the URLs and logins
/// to `out`. A second run keeps what is there.
pub async fn seed(p: &Platform, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let err = |e: zk_kernel::AppError| anyhow::anyhow!("{}: {}", e.code, e.message);

    let nzk = p
        .directory
        .load(TenantId::PLATFORM)
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("platform tenant missing"))?;
    let (operator, _) = accounts::ensure_user(
        p,
        &nzk,
        "operator@zorgklas.demo",
        Role::Operator,
        Some(DEMO_PASSWORD),
    )
    .await
    .map_err(err)?;
    let content: DemoModules = serde_json::from_str(MODULES)?;
    seed_modules(p, &nzk, operator.id, &content.shared)
        .await
        .map_err(err)?;
    seed_paths(p, operator.id, &content.paths)
        .await
        .map_err(err)?;

    let demo: Vec<DemoMember> = serde_json::from_str(MEMBERS)?;
    writeln!(
        out,
        "\nZorgklas demo draait. Wachtwoord van elk demo-account: {DEMO_PASSWORD}\n"
    )?;
    writeln!(
        out,
        "NZK-console:   {}/console   login operator@zorgklas.demo",
        p.config.platform_url()
    )?;
    let mut seeded = Vec::new();
    for m in &demo {
        let id = match members::get(p, &m.slug).await {
            Ok(row) => TenantId(row.id),
            Err(_) => {
                let input = members::NewMemberInput {
                    slug: m.slug.clone(),
                    name: m.name.clone(),
                    admin_email: format!("beheerder@{}.demo", m.slug),
                    employee_count: Some(m.employees),
                };
                TenantId(
                    members::create(p, members::NewMember::parse(&input).map_err(err)?)
                        .await
                        .map_err(err)?
                        .member
                        .id,
                )
            }
        };
        let tenant = p
            .directory
            .load(id)
            .await
            .map_err(err)?
            .ok_or_else(|| anyhow::anyhow!("demo member missing"))?;
        let input = branding::BrandingInput {
            name: m.name.clone(),
            primary_color: m.primary_color.clone(),
            accent_color: m.accent_color.clone(),
            welcome_markdown: m.welcome_markdown.clone(),
            support_email: Some(m.support_email.clone()),
        };
        branding::update(p, &tenant, &input).await.map_err(err)?;
        if let Some((file, alt)) = &m.illustration {
            if tenant.branding.illustration_key.is_none() {
                let bytes = MEDIA
                    .iter()
                    .find(|(n, _)| n == file)
                    .map(|(_, b)| *b)
                    .ok_or_else(|| anyhow::anyhow!("demo picture {file} missing"))?;
                branding::upload_illustration(p, &tenant, bytes.to_vec().into(), alt)
                    .await
                    .map_err(err)?;
            }
        }
        writeln!(out, "\n{} — {}", m.name, p.config.tenant_url(&m.slug))?;
        for (local, role) in ROLE_USERS {
            let email = format!("{local}@{}.demo", m.slug);
            let (user, _) = accounts::ensure_user(p, &tenant, &email, role, Some(DEMO_PASSWORD))
                .await
                .map_err(err)?;
            writeln!(out, "  {:<12} {email}", role.as_str())?;
            seeded.push((tenant.id, role, user.id));
            if role == Role::Author {
                let own = content.own.get(&m.slug).map_or(&[][..], Vec::as_slice);
                seed_modules(p, &tenant, user.id, own).await.map_err(err)?;
                let adopt = content.adopt.get(&m.slug).map_or(&[][..], Vec::as_slice);
                seed_adoptions(p, &tenant, user.id, adopt)
                    .await
                    .map_err(err)?;
                let adopt = content
                    .adopt_paths
                    .get(&m.slug)
                    .map_or(&[][..], Vec::as_slice);
                seed_path_adoptions(p, &tenant, user.id, adopt)
                    .await
                    .map_err(err)?;
            }
        }
    }
    seed_updates(p, operator.id, &content.updates)
        .await
        .map_err(err)?;
    seed_say(p, operator.id, &seeded).await.map_err(err)?;
    seed_learning(p, &seeded).await.map_err(err)?;
    seed_packages(p, &seeded).await.map_err(err)?;
    seed_staff(p, &seeded).await.map_err(err)?;
    seed_lms(p, &seeded).await.map_err(err)?;
    if p.config.stripe.is_none() {
        seed_billing(p, &demo, operator.id, out).await?;
    } else {
        // Against localstripe or a Stripe test account: the tiers' products and plans exist.
        let created = zk_billing::service::sync_catalogue(p).await.map_err(err)?;
        writeln!(
            out,
            "\nStripe-catalogus klaar ({created} nieuw); leden sluiten af op /abonnement."
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_modules_are_publishable() {
        let content: DemoModules = serde_json::from_str(MODULES).expect("modules.json");
        let members: Vec<DemoMember> = serde_json::from_str(MEMBERS).expect("members.json");
        assert!(content.shared.len() >= 3);
        assert!(content.shared.len() >= 12, "a dozen care modules");
        for doc in content.shared.iter().chain(content.own.values().flatten()) {
            let mut doc = doc.clone();
            map_media(&mut doc, |file| {
                assert!(
                    MEDIA.iter().any(|(n, _)| *n == file),
                    "{file} is a demo file"
                );
                uuid::Uuid::new_v4().to_string()
            });
            module::check_draft(&doc, &Default::default()).expect(&doc.title);
            module::check_publishable(&doc).expect(&doc.title);
        }
        for p in &content.paths {
            for t in &p.modules {
                assert!(
                    content.shared.iter().any(|m| &m.title == t),
                    "{t} is a shared module"
                );
            }
            for t in &p.optional {
                assert!(p.modules.contains(t), "{t} is in the path {}", p.title);
            }
        }
        for (slug, adoptions) in &content.adopt_paths {
            for a in adoptions {
                let path = content.paths.iter().find(|p| p.title == a.title);
                let path = path.unwrap_or_else(|| panic!("{} is a shared path", a.title));
                for acc in &a.accents {
                    assert!(acc.anchor < path.modules.len(), "anchor in {}", a.title);
                    let own = content.own.get(slug).into_iter().flatten();
                    assert!(
                        own.chain(&content.shared).any(|m| m.title == acc.module),
                        "{} is a module {slug} may add",
                        acc.module
                    );
                }
            }
        }
        for (file, bytes) in MEDIA {
            assert!(
                zk_content::domain::media::sniff(bytes).is_some(),
                "{file} has a type we accept"
            );
        }
        for slug in content.own.keys() {
            assert!(
                members.iter().any(|m| &m.slug == slug),
                "{slug} is a demo member"
            );
        }
    }
}
