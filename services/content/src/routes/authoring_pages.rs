//! The authoring pages: an author's modules, and the editor of one draft (metadata, blocks added
//! from forms, moved and removed, uploads with progress through `upload.js`, publishing). On the
//! NZK side the same pages edit the shared portfolio.

use super::{pages::is_admin, parse_id};
use crate::{
    domain::{
        authoring::{self, PublishInput},
        editor::{self, Fields, OPTION_SLOTS},
        module::{BlockBody, ModuleDoc},
    },
    repo::modules::Owner,
    CatalogWrite,
};
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};
use uuid::Uuid;
use zk_kernel::{
    authz::Require,
    http::{see_other, CsrfForm, RequestContext},
    web::markdown_to_safe_html,
    AppError, AppResult, Platform,
};

type Form = CsrfForm<Vec<(String, String)>>;

fn owner(ctx: &RequestContext) -> Owner {
    authoring::owner_of(ctx.tenant.id, ctx.tenant.is_platform)
}

/// `GET /leren/auteur`: the drafts and a form for a new module.
pub async fn list(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
) -> AppResult<Response> {
    list_page(&p, &ctx, &auth, json!({})).await
}

async fn list_page(
    p: &Platform,
    ctx: &RequestContext,
    auth: &Require<CatalogWrite>,
    extra: Value,
) -> AppResult<Response> {
    let rows = authoring::list(p, ctx.tenant.id, owner(ctx)).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|d| json!({"id": d.id, "title": d.draft.0.title, "version": d.latest_version, "blocks": d.draft.0.blocks.len()}))
        .collect();
    let mut data = json!({
        "items": items,
        "shared": ctx.tenant.is_platform,
        "is_admin": is_admin(p, ctx, auth).await,
    });
    if let (Value::Object(d), Value::Object(e)) = (&mut data, extra) {
        d.extend(e);
    }
    Ok(p.theme.render("author_list", ctx, data)?.into_response())
}

/// `POST /leren/auteur`: a new module (title and study time), then its editor.
pub async fn create(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    let f = Fields(&pairs);
    let mut doc = ModuleDoc::empty();
    let result = match editor::set_meta(&mut doc, &f) {
        Ok(()) => {
            authoring::create(&p, ctx.tenant.id, owner(&ctx), auth.principal.user_id, doc).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(row) => Ok(see_other(&format!("/leren/auteur/{}", row.id))),
        Err(e) if e.status.is_client_error() => {
            let data =
                json!({"error": e.body(), "title": f.get("title"), "minutes": f.get("minutes")});
            let mut res = list_page(&p, &ctx, &auth, data).await?;
            *res.status_mut() = e.status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// Messages a redirect back to the editor carries.
#[derive(Debug, Default, serde::Deserialize)]
pub struct EditorFlash {
    #[serde(default)]
    opgeslagen: Option<String>,
    #[serde(default)]
    gepubliceerd: Option<String>,
}

/// `GET /leren/auteur/{id}`: the editor.
pub async fn edit(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    flash: Result<Query<EditorFlash>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let Query(flash) = flash.map_err(super::api::query_error)?;
    let extra = json!({"saved": flash.opgeslagen.is_some(), "published": flash.gepubliceerd});
    editor_page(&p, &ctx, &auth, parse_id(&id)?, extra, None).await
}

async fn editor_page(
    p: &Platform,
    ctx: &RequestContext,
    auth: &Require<CatalogWrite>,
    id: Uuid,
    extra: Value,
    error: Option<&AppError>,
) -> AppResult<Response> {
    let (draft, versions) = authoring::get(p, ctx.tenant.id, owner(ctx), id).await?;
    let doc = &draft.draft.0;
    let count = doc.blocks.len();
    let package_ids: Vec<Uuid> = doc
        .blocks
        .iter()
        .filter_map(|b| match &b.body {
            BlockBody::Package { media, .. } => media.parse().ok(),
            _ => None,
        })
        .collect();
    let packages = crate::domain::media::package_summaries(p, ctx.tenant.id, &package_ids).await?;
    let blocks: Vec<Value> = doc
        .blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let mut v = match &b.body {
                BlockBody::Text { markdown } => json!({"markdown": markdown, "html": markdown_to_safe_html(markdown)}),
                BlockBody::Image { media, alt } => json!({"media": media, "alt": alt}),
                BlockBody::Video { media, captions, title, .. } => json!({"media": media, "captions": captions, "title": title}),
                BlockBody::Document { media, title } | BlockBody::Package { media, title } => json!({"media": media, "title": title}),
                BlockBody::Link { url, label } => json!({"url": url, "label": label}),
                BlockBody::Quiz { questions, pass_mark } => json!({
                    "pass_mark": pass_mark,
                    "questions": questions.iter().map(|q| json!({
                        "prompt": q.prompt,
                        "options": q.options.iter().map(|o| json!({"text": o.text, "correct": o.correct})).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    // The edit form: every question with its answer slots, and one empty
                    // question to add.
                    "edit": questions.iter().map(Some).chain([None]).enumerate().map(|(i, q)| {
                        let slots = q.map_or(0, |q| q.options.len()).max(OPTION_SLOTS);
                        json!({
                            "q": i + 1,
                            "new": q.is_none(),
                            "prompt": q.map(|q| q.prompt.clone()),
                            "multiple": q.is_some_and(|q| q.multiple),
                            "slots": (0..slots).map(|j| {
                                let o = q.and_then(|q| q.options.get(j));
                                json!({"n": j + 1, "text": o.map(|o| o.text.clone()), "correct": o.is_some_and(|o| o.correct), "feedback": o.map(|o| o.feedback.clone())})
                            }).collect::<Vec<_>>(),
                        })
                    }).collect::<Vec<_>>(),
                }),
            };
            if let BlockBody::Package { media, .. } = &b.body {
                v["package"] = media
                    .parse::<Uuid>()
                    .ok()
                    .and_then(|id| packages.get(&id).cloned())
                    .unwrap_or(Value::Null);
            }
            v["id"] = json!(b.id);
            v["kind"] = json!(b.body.kind());
            v["number"] = json!(i + 1);
            v["first"] = json!(i == 0);
            v["last"] = json!(i + 1 == count);
            v
        })
        .collect();
    let mut data = json!({
        "module": {
            "id": draft.id, "title": doc.title, "summary": doc.summary, "target_group": doc.target_group,
            "mbo_level": doc.mbo_level.map(|l| l.to_string()), "minutes": doc.minutes,
            "tags": doc.tags.join(", "), "language": doc.language,
            "shuffle": doc.shuffle, "retry_attempts": doc.retry.map(|r| r.attempts), "retry_wait": doc.retry.map(|r| r.wait_minutes),
            "validity_months": doc.validity_months,
            "latest_version": draft.latest_version,
        },
        "blocks": blocks,
        "versions": versions.iter().map(|v| json!({"version": v.version, "change_note": v.change_note})).collect::<Vec<_>>(),
        "shared": ctx.tenant.is_platform,
        "is_admin": is_admin(p, ctx, auth).await,
        "error": error.map(|e| e.body()),
    });
    if let (Value::Object(d), Value::Object(e)) = (&mut data, extra) {
        d.extend(e);
    }
    let mut res = p.theme.render("author_edit", ctx, data)?.into_response();
    if let Some(e) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// Applies `change` to the draft and saves it; a refused change shows the editor again with the
/// message (nothing saved).
async fn change(
    p: &Platform,
    ctx: &RequestContext,
    auth: &Require<CatalogWrite>,
    id: &str,
    change: impl FnOnce(&mut ModuleDoc) -> AppResult<()>,
) -> AppResult<Response> {
    let id = parse_id(id)?;
    let (draft, _) = authoring::get(p, ctx.tenant.id, owner(ctx), id).await?;
    let mut doc = draft.draft.0;
    let result = match change(&mut doc) {
        Ok(()) => authoring::save(p, ctx.tenant.id, owner(ctx), id, doc)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/leren/auteur/{id}?opgeslagen=1"))),
        Err(e) if super::refused(&e) => editor_page(p, ctx, auth, id, json!({}), Some(&e)).await,
        Err(e) => Err(e),
    }
}

/// `POST /leren/auteur/{id}/gegevens`: title, summary, level, time, tags, language.
pub async fn save_meta(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    change(&p, &ctx, &auth, &id, |doc| {
        editor::set_meta(doc, &Fields(&pairs))
    })
    .await
}

/// `POST /leren/auteur/{id}/blokken`: adds a block at the end.
pub async fn add_block(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    change(&p, &ctx, &auth, &id, |doc| {
        doc.blocks.push(editor::block_from(&Fields(&pairs))?);
        Ok(())
    })
    .await
}

/// `POST /leren/auteur/{id}/blokken/{block}/{action}`: `omhoog`, `omlaag`, `verwijderen` or
/// `bewerken` (the block's own form: a text block's Markdown, a link's address, …).
pub async fn block_action(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path((id, block, action)): Path<(String, String, String)>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    let block = parse_id(&block)?;
    change(&p, &ctx, &auth, &id, |doc| match action.as_str() {
        "omhoog" => editor::move_block(doc, block, true),
        "omlaag" => editor::move_block(doc, block, false),
        "verwijderen" => editor::remove_block(doc, block),
        "bewerken" => editor::edit_block(doc, block, &Fields(&pairs)),
        _ => Err(AppError::not_found()),
    })
    .await
}

/// `POST /leren/auteur/{id}/publiceren`: freezes the draft as the next version.
pub async fn publish(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    let module = parse_id(&id)?;
    let input = PublishInput {
        change_note: Fields(&pairs).get("change_note"),
    };
    match authoring::publish(
        &p,
        ctx.tenant.id,
        owner(&ctx),
        module,
        auth.principal.user_id,
        &input,
    )
    .await
    {
        Ok(v) => Ok(see_other(&format!(
            "/leren/auteur/{module}?gepubliceerd={v}"
        ))),
        Err(e) if super::refused(&e) => {
            editor_page(&p, &ctx, &auth, module, json!({}), Some(&e)).await
        }
        Err(e) => Err(e),
    }
}

/// `GET /leren/auteur/{id}/voorbeeld`: the draft as a learner will see it (no answers).
pub async fn preview(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    use crate::domain::{
        module::learner_view,
        overlay::{Origin, ShownBlock},
    };
    let id = parse_id(&id)?;
    let (draft, _) = authoring::get(&p, ctx.tenant.id, owner(&ctx), id).await?;
    let doc = learner_view(&draft.draft.0);
    let shown: Vec<ShownBlock> = doc
        .blocks
        .iter()
        .map(|b| ShownBlock {
            origin: Origin::Own,
            orphaned: false,
            block: b.clone(),
        })
        .collect();
    let data = json!({
        "module": {
            "title": doc.title, "summary": doc.summary, "target_group": doc.target_group,
            "mbo_level": doc.mbo_level, "minutes": doc.minutes, "tags": doc.tags,
            "version": draft.latest_version, "is_nzk": ctx.tenant.is_platform, "lang": doc.language,
        },
        "blocks": crate::view::blocks_json(&shown, false),
        "preview_of": draft.id,
        "is_admin": is_admin(&p, &ctx, &auth).await,
    });
    Ok(p.theme.render("module", &ctx, data)?.into_response())
}

/// `POST /leren/auteur/{id}/volgorde`: the blocks in a new order (`order` = every block id once;
/// sent by dragging in the editor).
pub async fn reorder(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    let order: Vec<Uuid> = Fields(&pairs)
        .all("order")
        .iter()
        .map(|v| parse_id(v))
        .collect::<AppResult<_>>()?;
    change(&p, &ctx, &auth, &id, |doc| editor::reorder(doc, &order)).await
}
