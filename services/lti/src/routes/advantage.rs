//! The pages of LTI Advantage the LMS opens: the deep-linking picker and its signed answer, and
//! the dynamic-registration link.

use crate::domain::{deep_linking, dynamic, launch};
use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;
use zk_kernel::{
    authz::Authenticated,
    http::{CsrfForm, RequestContext},
    AppError, AppResult, Platform,
};

/// The search of the picker.
#[derive(Debug, Default, Deserialize)]
pub struct PickerQuery {
    #[serde(default)]
    pub q: String,
}

async fn picker_page(
    p: &Platform,
    ctx: &RequestContext,
    user: Uuid,
    id: Uuid,
    q: &str,
    error: Option<AppError>,
) -> AppResult<Response> {
    let launch = deep_linking::launch(p, &ctx.tenant, user, id).await?;
    let choices = deep_linking::choices(p, &ctx.tenant, q).await?;
    let items: Vec<_> = choices
        .iter()
        .map(|c| {
            json!({
                "key": c.key(), "title": c.title, "summary": c.summary,
                "is_path": c.kind == "path",
            })
        })
        .collect();
    let mut data = json!({
        "launch_id": id,
        "q": q,
        "items": items,
        "multiple": launch.accept_multiple,
        "takes_links": deep_linking::takes_links(&launch),
    });
    let status = match error {
        Some(e) => {
            data["error"] = json!(e.body());
            e.status
        }
        None => StatusCode::OK,
    };
    Ok((status, p.theme.render("lti_picker", ctx, data)?).into_response())
}

/// `GET /lti/kiezen/{id}`: the teacher picks modules and paths for the LMS.
pub async fn picker(
    State(p): State<Platform>,
    ctx: RequestContext,
    Authenticated(me): Authenticated,
    Path(id): Path<Uuid>,
    Query(q): Query<PickerQuery>,
) -> AppResult<Response> {
    picker_page(&p, &ctx, me.user_id, id, &q.q, None).await
}

/// `POST /lti/kiezen/{id}`: the picks (`kies`, repeated; none with `annuleren`) signed into the
/// answer, which the browser posts to the LMS.
pub async fn pick(
    State(p): State<Platform>,
    ctx: RequestContext,
    Authenticated(me): Authenticated,
    Path(id): Path<Uuid>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let cancel = form.iter().any(|(k, _)| k == "annuleren");
    let picked: Vec<String> = if cancel {
        Vec::new()
    } else {
        form.iter()
            .filter(|(k, _)| k == "kies")
            .map(|(_, v)| v.clone())
            .collect()
    };
    if picked.is_empty() && !cancel {
        let e = AppError::validation(
            "kies",
            "lti_nothing_chosen",
            "Kies ten minste één module of leerroute, of kies Annuleren.",
        );
        return picker_page(&p, &ctx, me.user_id, id, "", Some(e)).await;
    }
    match deep_linking::respond(&p, &ctx.tenant, me.user_id, id, &picked).await {
        Ok((return_url, jwt)) => {
            let mut res = p
                .theme
                .render(
                    "lti_return",
                    &ctx,
                    json!({ "return_url": return_url, "jwt": jwt }),
                )?
                .into_response();
            // The answer goes to the LMS: this page's form may post there.
            let origin = launch::origin_of(&return_url);
            res.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                zk_kernel::http::csp_allowing(&p.config, &[], &[origin]),
            );
            Ok(res)
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            picker_page(&p, &ctx, me.user_id, id, "", Some(e)).await
        }
        Err(e) => Err(e),
    }
}

/// `GET /lti/registreren/{token}`: LTI Dynamic Registration, opened by the LMS with its
/// `openid_configuration` and `registration_token`.
pub async fn register(
    State(p): State<Platform>,
    ctx: RequestContext,
    Path(token): Path<String>,
    Query(req): Query<dynamic::RegistrationRequest>,
) -> AppResult<Response> {
    let row = dynamic::register(&p, &ctx.tenant, &token, &req).await?;
    let mut res = p
        .theme
        .render(
            "lti_registered",
            &ctx,
            json!({ "name": row.name, "client_id": row.client_id, "deployments": row.deployments.join(", ") }),
        )?
        .into_response();
    // The LMS shows this page in its own frame or window.
    let platform = launch::origin_of(&req.openid_configuration);
    if !platform.is_empty() {
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            zk_kernel::http::csp_allowing(&p.config, &[platform], &[]),
        );
    }
    Ok(res)
}
