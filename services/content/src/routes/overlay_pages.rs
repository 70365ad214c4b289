//! Adopting a shared module from its page, and the overlay editor: the member's introduction,
//! own text before or after each shared block, optional blocks left out, stricter pass marks,
//! how new versions arrive, and what to do with own blocks whose anchor is gone.

use super::parse_id;
use crate::{
    domain::{
        adoption::{self, AdoptionInput, Follow},
        editor::Fields,
        module::{Block, BlockBody},
        overlay::{Accent, Overlay, Position},
    },
    CatalogWrite,
};
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use serde_json::{json, Value};
use std::collections::HashSet;
use uuid::Uuid;
use zk_kernel::{
    authz::{Require, Role},
    http::{see_other, CsrfForm, RequestContext},
    web::markdown_to_safe_html,
    AppError, AppResult, Platform,
};

type Form = CsrfForm<Vec<(String, String)>>;

fn follow_from(f: &Fields) -> Follow {
    if f.get("follow") == "review" {
        Follow::Review
    } else {
        Follow::Auto
    }
}

/// `POST /leren/modules/{id}/overnemen`: adopt a shared module (no accents yet).
pub async fn adopt(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    super::member_site(&ctx)?;
    let module = parse_id(&id)?;
    let input = AdoptionInput {
        follow: follow_from(&Fields(&pairs)),
        overlay: Overlay::default(),
    };
    adoption::save(&p, ctx.tenant.id, auth.principal.user_id, module, input).await?;
    Ok(see_other(&format!(
        "/leren/beheer/overnames/{module}?klaar=1"
    )))
}

/// The first own text block at `anchor`/`position`: the one the editor's text field shows.
fn text_accent(overlay: &Overlay, anchor: Uuid, position: Position) -> Option<&Accent> {
    overlay.accents.iter().find(|a| {
        a.anchor == anchor
            && a.position == position
            && matches!(a.block.body, BlockBody::Text { .. })
    })
}

/// `GET /leren/beheer/overnames/{id}`
pub async fn edit(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    super::member_site(&ctx)?;
    page(&p, &ctx, &auth, parse_id(&id)?, None).await
}

async fn page(
    p: &Platform,
    ctx: &RequestContext,
    auth: &Require<CatalogWrite>,
    module: Uuid,
    error: Option<&AppError>,
) -> AppResult<Response> {
    let (state, doc) = adoption::get(p, ctx.tenant.id, module).await?;
    let o = &state.overlay;
    let hidden: HashSet<Uuid> = o.hidden.iter().copied().collect();
    let ids: HashSet<Uuid> = doc.blocks.iter().filter_map(|b| b.id).collect();
    let text_of = |a: Option<&Accent>| match a.map(|a| &a.block.body) {
        Some(BlockBody::Text { markdown }) => markdown.clone(),
        _ => String::new(),
    };
    let blocks: Vec<Value> = doc
        .blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let id = b.id?;
            // What the block says, so an accent can be placed by its content: a text as it
            // reads, a quiz's questions with their options (not which is right), the caption
            // of the rest.
            let (preview, questions, caption) = match &b.body {
                BlockBody::Text { markdown } => (Some(markdown_to_safe_html(markdown)), None, None),
                BlockBody::Quiz { questions, .. } => (
                    None,
                    Some(
                        questions
                            .iter()
                            .map(|q| json!({"prompt": q.prompt, "options": q.options.iter().map(|o| &o.text).collect::<Vec<_>>()}))
                            .collect::<Vec<_>>(),
                    ),
                    None,
                ),
                BlockBody::Image { alt, .. } => (None, None, Some(alt.clone())),
                BlockBody::Video { title, .. }
                | BlockBody::Document { title, .. }
                | BlockBody::Package { title, .. } => {
                    (None, None, Some(title.clone()))
                }
                BlockBody::Link { url, label } => (None, None, Some(format!("{label} ({url})"))),
            };
            Some(json!({
                "id": id, "number": i + 1, "kind": b.body.kind(), "preview": preview,
                "questions": questions, "caption": caption,
                "optional": b.optional, "hidden": hidden.contains(&id),
                "before": text_of(text_accent(o, id, Position::Before)),
                "after": text_of(text_accent(o, id, Position::After)),
                "pass_mark": match &b.body { BlockBody::Quiz { pass_mark, .. } => Some(*pass_mark), _ => None },
                "own_pass_mark": o.pass_marks.get(&id),
            }))
        })
        .collect();
    let orphans: Vec<Value> = o
        .accents
        .iter()
        .filter(|a| !ids.contains(&a.anchor))
        .filter_map(|a| {
            Some(json!({"id": a.block.id?, "text": match &a.block.body {
                BlockBody::Text { markdown } => markdown.clone(),
                other => other.kind().to_owned(),
            }}))
        })
        .collect();
    let roles = match &ctx.principal {
        Some(pr) => p.authz.roles(ctx.tenant.id, pr.user_id).await,
        None => vec![],
    };
    let _ = auth;
    let data = json!({
        "module": {"id": module, "title": state.title, "shown_version": state.shown_version,
                   "latest_version": state.latest_version, "review": state.follow == Follow::Review},
        "intro": o.intro_markdown,
        "blocks": blocks,
        "orphans": orphans,
        "error": error.map(|e| e.body()),
        "is_admin": roles.contains(&Role::Admin),
    });
    let mut res = p.theme.render("overlay_edit", ctx, data)?.into_response();
    if let Some(e) = error {
        *res.status_mut() = e.status;
    }
    Ok(res)
}

/// Builds the overlay from the editor's form, keeping what the form doesn't show (non-text
/// accents, ids of accents that stay).
fn overlay_from(f: &Fields, current: &Overlay, blocks: &[Block]) -> AppResult<Overlay> {
    let mut out = Overlay {
        intro_markdown: f.get("intro"),
        ..Overlay::default()
    };
    let ids: HashSet<Uuid> = blocks.iter().filter_map(|b| b.id).collect();
    for b in blocks {
        let Some(id) = b.id else { continue };
        if b.optional && !f.get(&format!("hide_{id}")).is_empty() {
            out.hidden.push(id);
        }
        let mark = f.get(&format!("pass_{id}"));
        if !mark.is_empty() {
            let mark: u8 = mark.parse().map_err(|_| {
                AppError::validation(
                    format!("pass_marks.{id}"),
                    "pass_mark_out_of_bounds",
                    "Geef de cesuur als percentage (0 tot 100).",
                )
            })?;
            out.pass_marks.insert(id, mark);
        }
        for (position, name) in [(Position::Before, "before"), (Position::After, "after")] {
            let text = f.get(&format!("{name}_{id}"));
            let existing = text_accent(current, id, position);
            if !text.is_empty() {
                out.accents.push(Accent {
                    anchor: id,
                    position,
                    block: Block {
                        id: existing.and_then(|a| a.block.id),
                        optional: false,
                        body: BlockBody::Text { markdown: text },
                    },
                });
            }
            // Own blocks the form doesn't show (pictures, further texts) stay as they are.
            let shown = existing.and_then(|a| a.block.id);
            out.accents.extend(
                current
                    .accents
                    .iter()
                    .filter(|a| a.anchor == id && a.position == position && a.block.id != shown)
                    .cloned(),
            );
        }
    }
    // Own blocks without a place: keep at the end, put after a chosen block, or remove.
    for a in current.accents.iter().filter(|a| !ids.contains(&a.anchor)) {
        let Some(aid) = a.block.id else { continue };
        match f.get(&format!("orphan_{aid}")).as_str() {
            "" => out.accents.push(a.clone()),
            "remove" => {}
            target => {
                let anchor = target
                    .parse()
                    .ok()
                    .filter(|t| ids.contains(t))
                    .ok_or_else(|| {
                        AppError::validation(
                            format!("orphan_{aid}"),
                            "unknown_block",
                            "Kies een blok van deze versie.",
                        )
                    })?;
                out.accents.push(Accent {
                    anchor,
                    position: Position::After,
                    block: a.block.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// `POST /leren/beheer/overnames/{id}`
pub async fn save(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<CatalogWrite>,
    Path(id): Path<String>,
    CsrfForm(pairs): Form,
) -> AppResult<Response> {
    super::member_site(&ctx)?;
    let module = parse_id(&id)?;
    let (state, doc) = adoption::get(&p, ctx.tenant.id, module).await?;
    let f = Fields(&pairs);
    let result = match overlay_from(&f, &state.overlay, &doc.blocks) {
        Ok(overlay) => {
            let input = AdoptionInput {
                follow: follow_from(&f),
                overlay,
            };
            adoption::save(&p, ctx.tenant.id, auth.principal.user_id, module, input).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/leren/modules/{module}"))),
        Err(e) if super::refused(&e) => page(&p, &ctx, &auth, module, Some(&e)).await,
        Err(e) => Err(e),
    }
}
