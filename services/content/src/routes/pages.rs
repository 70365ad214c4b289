//! Pages: the catalogue (search and filters) and the member's content dashboard. (The module
//! page, with a learner's progress, is the learning service's; it shows the blocks through
//! `crate::view`.)

use super::{api::query_error, member_site, parse_id};
use crate::{
    domain::{
        adoption,
        catalog::{self, CatalogQuery},
        TOPIC,
    },
    CatalogRead, CatalogWrite,
};
use axum::{
    extract::{Path, Query, State},
    response::{Html, Response},
};
use serde_json::{json, Value};
use zk_kernel::{
    authz::{Require, Role},
    http::{see_other, CsrfForm, RequestContext},
    AppResult, Platform,
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
pub(crate) async fn is_admin<P: zk_kernel::authz::Permission>(
    p: &Platform,
    ctx: &RequestContext,
    auth: &Require<P>,
) -> bool {
    p.authz
        .roles(ctx.tenant.id, auth.principal.user_id)
        .await
        .contains(&zk_kernel::authz::Role::Admin)
}
