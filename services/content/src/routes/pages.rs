//! Pages: the catalogue (search and filters) and a module as a learner sees it.

use super::{api::query_error, member_site, parse_id};
use crate::{
    domain::{
        adoption,
        catalog::{self, CatalogQuery},
        learning,
        module::{self, BlockBody},
        overlay::Origin,
        quality, TOPIC,
    },
    CatalogRead, CatalogWrite,
};
use axum::{
    extract::{Path, Query, State},
    response::{Html, IntoResponse, Response},
};
use serde_json::{json, Value};
use uuid::Uuid;
use zk_kernel::{
    authz::{Require, Role},
    http::{see_other, CsrfForm, RequestContext},
    web::markdown_to_safe_html,
    AppError, AppResult, Platform,
};

/// `GET /leren`: the member's catalogue.
pub async fn show_catalog(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogRead>,
    query: Result<Query<CatalogQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Html<String>> {
    member_site(&ctx)?;
    let Query(query) = query.map_err(query_error)?;
    // Hot page: rendered once per member, user, query and content generation (taken before the
    // query, so a page built from data older than a change can't be stored under its new key).
    let key = format!(
        "{}|{}",
        p.generations.of(TOPIC, ctx.tenant.id),
        query.cache_key()
    );
    if let Some(page) = p.theme.cached("catalog", &ctx, &key) {
        return Ok(page);
    }
    let page = catalog::search(&p, ctx.tenant.id, &query).await?;
    let roles = p.authz.roles(ctx.tenant.id, auth.principal.user_id).await;
    // Paths on the catalogue's first page when nothing is searched or filtered.
    let unfiltered = query.cache_key() == CatalogQuery::default().cache_key();
    let paths: Vec<Value> = if unfiltered {
        crate::domain::path::catalogue(&p, ctx.tenant.id)
            .await?
            .iter()
            .map(|r| json!({"id": r.id, "title": r.title, "summary": r.summary, "is_nzk": r.source != "own", "adopted": r.source == "adopted"}))
            .collect()
    } else {
        vec![]
    };
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|r| {
            json!({
                "id": r.module_id, "title": r.title, "summary": r.summary, "minutes": r.minutes,
                "mbo_level": r.mbo_level, "tags": r.tags, "is_nzk": r.source != "own",
                "adopted": r.source == "adopted",
                "rating": r.rating.map(|x| format!("{x:.1}").replace('.', ",")), "ratings": r.ratings,
            })
        })
        .collect();
    let (current, pages) = (page.paging.page(), page.paging.pages(page.total));
    let link = |n: u32| {
        let mut params = vec![("page", n.to_string())];
        for (k, v) in [
            ("q", &query.q),
            ("level", &query.level),
            ("source", &query.source),
            ("max_minutes", &query.max_minutes),
            ("tag", &query.tag),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                params.push((k, v.to_owned()));
            }
        }
        format!(
            "/leren?{}",
            serde_urlencoded::to_string(params).unwrap_or_default()
        )
    };
    let data = json!({
        "items": items,
        "paths": paths,
        "total": page.total,
        "q": query.q, "level": query.level, "source": query.source, "max_minutes": query.max_minutes, "min_rating": query.min_rating,
        "searched": query.q.as_deref().is_some_and(|q| !q.trim().is_empty()),
        "prev": (current > 1).then(|| link(current - 1)),
        "next": (current < pages).then(|| link(current + 1)),
        "page": current, "pages": pages,
        "is_admin": roles.contains(&Role::Admin),
        "can_author": roles.iter().any(|r| matches!(r, Role::Author | Role::Admin)),
    });
    p.theme.render_cached("catalog", &ctx, &key, || data)
}

/// `GET /leren/modules/{id}`: a published module, blocks in order.
pub async fn show_module(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogRead>,
    Path(id): Path<String>,
    flash: Result<Query<ModuleFlash>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let Query(flash) = flash.map_err(query_error)?;
    let id = parse_id(&id)?;
    let user = auth.principal.user_id;
    // After answering a quiz: the attempt, scored again from its kept answers.
    let outcome = match (flash.toets.as_deref(), flash.poging) {
        (Some(block), Some(number)) => {
            let block = parse_id(block)?;
            let state = learning::page_state(&p, ctx.tenant.id, user, id)
                .await?
                .ok_or_else(AppError::not_found)?;
            let scored = learning::attempt_result(
                &p,
                ctx.tenant.id,
                user,
                state.enrolment_id,
                block,
                number,
            )
            .await?;
            Some(QuizOutcome {
                block,
                number: Some(number),
                scored: Some(scored),
                error: None,
            })
        }
        _ => None,
    };
    let flash = match flash.klaar.as_deref() {
        Some("waardering") => Some("module.flash_rated"),
        Some("melding") => Some("module.flash_reported"),
        _ => None,
    };
    module_page(&p, &ctx, user, id, flash, outcome).await
}

/// What the module page shows after a quiz was answered: the scored attempt, or why it was
/// refused (shown at the quiz, nothing kept).
pub(super) struct QuizOutcome {
    pub block: Uuid,
    pub number: Option<i32>,
    pub scored: Option<learning::Scored>,
    pub error: Option<AppError>,
}

/// The module page: the version the member shows (or, for a learner enrolled on an older one,
/// that version), with the caller's progress when enrolled. Cached per member, user, content
/// and progress generation; a page with a quiz outcome is not cached.
pub(super) async fn module_page(
    p: &Platform,
    ctx: &RequestContext,
    user: Uuid,
    id: Uuid,
    flash: Option<&'static str>,
    outcome: Option<QuizOutcome>,
) -> AppResult<Response> {
    let key = format!(
        "{}|{}|{id}|{}",
        p.generations.of(TOPIC, ctx.tenant.id),
        learning::progress_generation(p, user),
        flash.unwrap_or_default()
    );
    if outcome.is_none() {
        if let Some(page) = p.theme.cached("module", ctx, &key) {
            return Ok(page.into_response());
        }
    }
    let mut m = catalog::published(p, ctx.tenant.id, id).await?;
    let state = learning::page_state(p, ctx.tenant.id, user, id).await?;
    if let Some(s) = state.as_ref().filter(|s| s.version != m.version) {
        m = catalog::published_at(p, ctx.tenant.id, id, s.version, false).await?;
    }
    let shared = m.source != "own";
    let ratings = if shared {
        quality::ratings(p, ctx.tenant.id, id).await?
    } else {
        vec![]
    };
    let roles = p.authz.roles(ctx.tenant.id, user).await;
    let has = |r: Role| roles.contains(&r);
    let average = (!ratings.is_empty()).then(|| {
        let avg = ratings.iter().map(|r| f64::from(r.stars)).sum::<f64>() / ratings.len() as f64;
        format!("{avg:.1}").replace('.', ",")
    });
    let mine = ratings.iter().find(|r| r.tenant_id == ctx.tenant.id.0);
    // Not enrolled: may the learner enrol themselves?
    let self_enrol = state.is_none() && learning::self_enrolment_open(p, ctx.tenant.id, id).await?;
    let proof_id = match &state {
        Some(s) if s.completed => crate::domain::proof::mine(p, ctx.tenant.id, user)
            .await?
            .into_iter()
            .find(|pr| pr.module_id == id && !pr.revoked)
            .map(|pr| pr.id),
        _ => None,
    };
    // A shuffled module: the enrolled learner sees each quiz in the order of this attempt.
    if let Some(s) = state.as_ref().filter(|_| m.doc.shuffle) {
        for b in &mut m.blocks {
            let Some(block_id) = b.block.id else { continue };
            if let BlockBody::Quiz { questions, .. } = &mut b.block.body {
                let seed = module::shuffle_seed(s.enrolment_id, block_id, s.attempts);
                module::shuffled(questions, |q| q.id, &seed);
                for q in questions.iter_mut() {
                    module::shuffled(&mut q.options, |o| o.id, &seed);
                }
            }
        }
    }
    let mut blocks = blocks_json(&m.blocks, m.source == "adopted");
    let learning_json = state.as_ref().map(|s| {
        let ids: Vec<Uuid> = m.blocks.iter().filter_map(|b| b.block.id).collect();
        let done = ids.iter().filter(|b| s.done.contains(b)).count();
        let next = ids.iter().find(|b| !s.done.contains(b));
        for (b, id) in blocks.iter_mut().zip(m.blocks.iter().map(|b| b.block.id)) {
            b["done"] = json!(id.is_some_and(|id| s.done.contains(&id)));
        }
        json!({
            "enrolment": s.enrolment_id, "done": done, "total": ids.len(),
            "completed": s.completed, "next": next, "proof": proof_id,
        })
    });
    if let Some(o) = &outcome {
        if let Some(b) = blocks.iter_mut().find(|b| b["id"] == json!(o.block)) {
            b["result"] = o.scored.as_ref().map_or(Value::Null, |r| {
                json!({
                    "number": o.number, "percent": r.percent, "passed": r.passed,
                    "pass_mark": r.pass_mark, "correct": r.correct, "questions": r.questions,
                    "feedback": r.results.iter().enumerate().map(|(i, q)| json!({
                        "number": i + 1, "correct": q.correct, "feedback": q.feedback,
                    })).collect::<Vec<_>>(),
                })
            });
            b["quiz_error"] = o.error.as_ref().map_or(Value::Null, |e| json!(e.body()));
        }
    }
    let data = json!({
        "module": {
            "title": m.doc.title, "summary": m.doc.summary, "target_group": m.doc.target_group,
            "mbo_level": m.doc.mbo_level, "minutes": m.doc.minutes, "tags": m.doc.tags,
            "version": m.version, "is_nzk": m.source != "own", "adopted": m.source == "adopted",
            "lang": m.doc.language,
            "attribution": m.doc.attribution,
        },
        "intro_html": (!m.intro_markdown.trim().is_empty()).then(|| markdown_to_safe_html(&m.intro_markdown)),
        "blocks": blocks,
        "learning": learning_json,
        "is_admin": has(Role::Admin),
        "can_enrol": has(Role::Admin) || has(Role::Teacher),
        "shared": shared,
        "ratings": ratings.iter().map(|r| json!({"member": r.member, "stars": r.stars, "comment": r.comment})).collect::<Vec<_>>(),
        "average": average,
        "rating_count": ratings.len(),
        "my_stars": mine.map(|r| r.stars.to_string()),
        "my_comment": mine.map(|r| r.comment.clone()),
        "can_rate": shared && (has(Role::Admin) || has(Role::Reviewer)),
        "can_adopt": m.source == "nzk" && (has(Role::Admin) || has(Role::Author)),
        "can_edit_overlay": m.source == "adopted" && (has(Role::Admin) || has(Role::Author)),
        "flash": flash,
        "module_id": id,
        "self_enrol": self_enrol,
    });
    match outcome {
        None => Ok(p
            .theme
            .render_cached("module", ctx, &key, || data)?
            .into_response()),
        Some(o) => {
            let mut res = p.theme.render("module", ctx, data)?.into_response();
            if let Some(e) = o.error {
                *res.status_mut() = e.status;
            }
            Ok(res)
        }
    }
}

/// The message after a form on the module page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ModuleFlash {
    #[serde(default)]
    klaar: Option<String>,
    /// After answering a quiz: its block and the attempt's number.
    #[serde(default)]
    toets: Option<String>,
    #[serde(default)]
    poging: Option<i32>,
}

/// `GET /leren/beheer`: the member's catalogue in figures (own versus shared, with a chart), its
/// adoptions with new NZK versions waiting and own blocks that lost their place.
pub async fn show_dashboard(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    flash: Result<Query<Flash>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Html<String>> {
    member_site(&ctx)?;
    let Query(flash) = flash.map_err(query_error)?;

    let d = adoption::dashboard(&p, ctx.tenant.id).await?;
    let own = d.own_percent();
    let adoptions: Vec<Value> = d
        .adoptions
        .iter()
        .map(|a| {
            json!({
                "id": a.module_id, "title": a.title, "review": a.follow == adoption::Follow::Review,
                "shown_version": a.shown_version, "latest_version": a.latest_version,
                "waiting": a.update_waiting(), "orphaned": a.orphaned,
                "accents": a.overlay.accents.len(), "hidden": a.overlay.hidden.len(),
            })
        })
        .collect();
    let paths = crate::domain::path_adoption::list(&p, ctx.tenant.id).await?;
    let path_adoptions: Vec<Value> = paths
        .iter()
        .map(|(a, _)| {
            json!({
                "id": a.path_id, "title": a.title, "review": a.follow == adoption::Follow::Review,
                "shown_version": a.shown_version, "latest_version": a.latest_version,
                "waiting": a.update_waiting(), "orphaned": a.orphaned,
                "accents": a.overlay.accents.len(),
            })
        })
        .collect();
    let orphaned: usize = d.adoptions.iter().map(|a| a.orphaned).sum();
    let waiting = d.adoptions.iter().filter(|a| a.update_waiting()).count();
    let path_orphaned: usize = paths.iter().map(|(a, _)| a.orphaned).sum();
    let path_waiting = paths.iter().filter(|(a, _)| a.update_waiting()).count();
    let usage = crate::domain::media::usage(&p, ctx.tenant.id).await?;
    let percent = usage
        .quota_bytes
        .filter(|q| *q > 0)
        .map(|q| (usage.used_bytes.saturating_mul(100) / q).min(100));
    let data = json!({
        "storage": {
            "used": zk_kernel::text::dutch_bytes(usage.used_bytes),
            "quota": usage.quota_bytes.map(zk_kernel::text::dutch_bytes),
            "percent": percent,
            "nearly_full": percent.is_some_and(|p| p >= 90),
        },
        "share": {
            "shared": d.share.shared, "adopted": d.share.adopted, "own": d.share.own,
            "drafts": d.share.drafts, "accents": d.share.accents,
            "own_percent": own, "shared_percent": 100 - own,
            // The chart: a 100-wide bar, own part first.
            "own_width": own, "shared_x": own, "shared_width": 100 - own,
        },
        "adoptions": adoptions,
        "orphaned": orphaned,
        "waiting": waiting,
        "path_adoptions": path_adoptions,
        "path_orphaned": path_orphaned,
        "path_waiting": path_waiting,
        "accepted": flash.geaccepteerd,
        "is_admin": is_admin(&p, &ctx, &auth).await,
    });
    p.theme.render("content_dashboard", &ctx, data)
}

/// The message a redirect after a form carries.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    #[serde(default)]
    geaccepteerd: Option<String>,
}

/// `POST /leren/beheer/overnames/{id}/accepteren`: show the latest NZK version (review mode).
pub async fn accept_version(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<CatalogWrite>,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let version = adoption::accept_latest(&p, ctx.tenant.id, parse_id(&id)?).await?;
    Ok(see_other(&format!("/leren/beheer?geaccepteerd={version}")))
}

/// Whether the caller is the member's admin (the header then links to the admin pages). From the
/// in-memory policy: no query.
pub(super) async fn is_admin<P: zk_kernel::authz::Permission>(
    p: &Platform,
    ctx: &RequestContext,
    auth: &Require<P>,
) -> bool {
    p.authz
        .roles(ctx.tenant.id, auth.principal.user_id)
        .await
        .contains(&zk_kernel::authz::Role::Admin)
}

/// The blocks of a module page as the template shows them (media through `/leren/media/{id}`,
/// quiz questions without answers, the member's own blocks marked when adopted).
pub(super) fn blocks_json(
    shown: &[crate::domain::overlay::ShownBlock],
    adopted: bool,
) -> Vec<Value> {
    shown
        .iter()
        .enumerate()
        .map(|(i, shown)| {
            let b = &shown.block;
            let mut v = match &b.body {
                BlockBody::Text { markdown } => json!({"html": markdown_to_safe_html(markdown)}),
                BlockBody::Video {
                    title,
                    media,
                    poster,
                    captions,
                } => {
                    json!({"title": title, "media": media, "poster": poster, "captions": captions})
                }
                BlockBody::Document { title, media } => json!({"title": title, "media": media}),
                BlockBody::Image { alt, media } => json!({"alt": alt, "media": media}),
                BlockBody::Quiz {
                    questions,
                    pass_mark,
                } => json!({
                    "questions": questions.iter().map(|q| json!({
                        "id": q.id, "prompt": q.prompt, "multiple": q.multiple,
                        "options": q.options.iter().map(|o| json!({"id": o.id, "text": o.text})).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    "pass_mark": pass_mark,
                }),
                BlockBody::Link { url, label } => json!({"url": url, "label": label}),
            };
            v["id"] = json!(b.id);
            v["kind"] = json!(b.body.kind());
            v["own"] = json!(shown.origin == Origin::Own && adopted);
            v["orphaned"] = json!(shown.orphaned);
            v["number"] = json!(i + 1);
            v
        })
        .collect()
}
