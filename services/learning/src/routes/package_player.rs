//! Playing an e-learning package: the portal opens a play session and sends the frame to the
//! member's package host, where the player page hosts the SCORM API (`scorm_runtime.js`) and
//! commits with the session's token. See `domain::package_play`.

use super::{member_site, parse_id};
use crate::{
    domain::{
        package_commits,
        package_play::{self, CommitAnswer, CommitInput},
    },
    LearningLearn,
};
use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::{see_other, ApiJson, PackageSandbox, RequestContext},
    web::Lang,
    AppResult, Platform,
};

/// The run-time: the SCORM 1.2 and 2004 API objects over the player's commits.
const RUNTIME: &str = include_str!("scorm_runtime.js");

/// `GET /leren/inschrijvingen/{id}/pakket/{block}` (the module page's frame): a play session for
/// the caller's package block, and on to the player on the member's package host.
pub async fn open(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<LearningLearn>,
    Path((id, block)): Path<(String, String)>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let url = package_play::open(
        &p,
        ctx.tenant.id,
        &ctx.tenant.slug,
        auth.principal.user_id,
        parse_id(&id)?,
        parse_id(&block)?,
    )
    .await?;
    let mut res = see_other(&url);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// `GET /speler/{token}` on the package host: the player of a play session.
pub async fn player(
    State(p): State<Platform>,
    sandbox: PackageSandbox,
    Path(token): Path<String>,
) -> Response {
    let page = match package_play::player(&p, sandbox.tenant.id, &token).await {
        Ok(player) => p.theme.render_bare(
            "package_player",
            Lang::Nl,
            json!({
                "title": player.title,
                "units": player.units,
                "multi": player.multi,
                "sequencing_note": player.sequencing_note,
                "boot": player.boot.to_string().replace("</", "<\\/"),
            }),
        ),
        Err(e) => {
            let status = e.status;
            return match p.theme.render_bare(
                "package_player",
                Lang::Nl,
                json!({ "error": e.message }),
            ) {
                Ok(page) => (status, no_store(), page).into_response(),
                Err(e) => e.into_response(),
            };
        }
    };
    match page {
        Ok(page) => (no_store(), page).into_response(),
        Err(e) => e.into_response(),
    }
}

fn no_store() -> [(header::HeaderName, &'static str); 1] {
    [(header::CACHE_CONTROL, "no-store")]
}

/// `GET /speler/runtime.js` on the package host.
pub async fn runtime() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        RUNTIME,
    )
        .into_response()
}

/// Commit a package unit's data
///
/// On the member's package host, from the player's run-time: the data model as the SCO set it
/// (every element, not only the changed ones), checked (a refusal names the element and keeps
/// nothing), kept as the unit's attempt and read for completion, success and score. The token
/// of the play session is the only credential; answered once the data is durable.
#[utoipa::path(post, path = "/speler/{token}/commit", tag = "learning", operation_id = "package_commit",
    params(("token" = String, Path, description = "The play session's token")),
    request_body = CommitInput,
    responses((status = 200, description = "Recorded", body = CommitAnswer),
        (status = 400, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 410, description = "The session expired", body = ErrorEnvelope),
        (status = 415, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn commit(
    State(p): State<Platform>,
    sandbox: PackageSandbox,
    Path(token): Path<String>,
    ApiJson(input): ApiJson<CommitInput>,
) -> AppResult<Json<CommitAnswer>> {
    Ok(Json(
        package_commits::commit(&p, sandbox.tenant.id, &token, input).await?,
    ))
}
