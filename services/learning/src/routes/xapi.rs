//! cmi5 on the member's package host: the player's AU launch, the fetch URL, and the small xAPI
//! 1.0.3 endpoint (`/speler/xapi/…`: about, statements, activity state, agent profile) the AU
//! talks to with its auth token. See `domain::cmi5_play`.

use crate::domain::cmi5_play::{self, Documents, Fetched, Preconditions};
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;
use zk_kernel::{http::PackageSandbox, AppError, AppResult, Platform};

/// The AU the player opens.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuInput {
    pub unit: String,
}

/// `POST /speler/{token}/au`: launches an AU of the play session; its address with cmi5's
/// launch parameters.
pub async fn launch(
    State(p): State<Platform>,
    sandbox: PackageSandbox,
    Path(token): Path<String>,
    body: Bytes,
) -> AppResult<Json<Value>> {
    let input: AuInput = serde_json::from_slice(&body).map_err(|_| {
        AppError::validation("unit", "invalid_json", "Stuur {\"unit\": \"…\"} als JSON.")
    })?;
    let url = cmi5_play::launch(&p, &sandbox.tenant, &token, &input.unit).await?;
    Ok(Json(json!({ "url": url })))
}

/// `POST /speler/fetch/{token}`: the launch's auth token, the first time only (cmi5 8.2.3).
pub async fn fetch(
    State(p): State<Platform>,
    sandbox: PackageSandbox,
    Path(token): Path<String>,
) -> AppResult<Response> {
    Ok(
        match cmi5_play::fetch(&p, sandbox.tenant.id, &token).await? {
            Fetched::Token(t) => (no_store(), Json(json!({ "auth-token": t }))).into_response(),
            Fetched::Refused => (
                StatusCode::UNAUTHORIZED,
                no_store(),
                Json(json!({
                    "error-code": "1",
                    "error-text": "Deze fetch-URL is al gebruikt of verlopen; open de e-learning opnieuw.",
                })),
            )
                .into_response(),
        },
    )
}

fn no_store() -> [(header::HeaderName, &'static str); 1] {
    [(header::CACHE_CONTROL, "no-store")]
}

fn xapi_headers() -> [(header::HeaderName, &'static str); 2] {
    [
        (header::CACHE_CONTROL, "no-store"),
        (
            header::HeaderName::from_static("x-experience-api-version"),
            "1.0.3",
        ),
    ]
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn version(headers: &HeaderMap) -> AppResult<()> {
    cmi5_play::check_version(header_str(headers, "x-experience-api-version"))
}

fn auth(headers: &HeaderMap) -> Option<&str> {
    header_str(headers, "authorization")
}

fn query_error(_: axum::extract::rejection::QueryRejection) -> AppError {
    AppError::new(
        StatusCode::BAD_REQUEST,
        "xapi_invalid_query",
        "De parameters van dit adres kloppen niet.",
    )
}

/// `GET /speler/xapi/about`.
pub async fn about() -> Response {
    (xapi_headers(), Json(json!({ "version": ["1.0.3"] }))).into_response()
}

/// The statement resource's parameters.
#[derive(Debug, Deserialize)]
pub struct StatementQuery {
    #[serde(rename = "statementId")]
    pub statement_id: Option<Uuid>,
}

/// `PUT /speler/xapi/statements?statementId=…`: one statement with its id (204).
pub async fn put_statement(
    State(p): State<Platform>,
    sandbox: PackageSandbox,
    headers: HeaderMap,
    query: Result<Query<StatementQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> AppResult<Response> {
    version(&headers)?;
    let Query(q) = query.map_err(query_error)?;
    let id = q.statement_id.ok_or_else(|| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            "xapi_invalid_id",
            "Geef het statementId in het adres.",
        )
    })?;
    cmi5_play::store_statements(
        &p,
        &sandbox.tenant,
        auth(&headers),
        Some(id),
        json_of(&body)?,
    )
    .await?;
    Ok((StatusCode::NO_CONTENT, xapi_headers()).into_response())
}

/// `POST /speler/xapi/statements`: one statement or a list; their ids.
pub async fn post_statements(
    State(p): State<Platform>,
    sandbox: PackageSandbox,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    version(&headers)?;
    let ids =
        cmi5_play::store_statements(&p, &sandbox.tenant, auth(&headers), None, json_of(&body)?)
            .await?;
    Ok((xapi_headers(), Json(ids)).into_response())
}

/// `GET /speler/xapi/statements?statementId=…`: one of the learner's statements.
pub async fn get_statement(
    State(p): State<Platform>,
    sandbox: PackageSandbox,
    headers: HeaderMap,
    query: Result<Query<StatementQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    version(&headers)?;
    let Query(q) = query.map_err(query_error)?;
    let id = q.statement_id.ok_or_else(AppError::not_found)?;
    let s = cmi5_play::statement(&p, sandbox.tenant.id, auth(&headers), id).await?;
    Ok((xapi_headers(), Json(s)).into_response())
}

fn json_of(body: &[u8]) -> AppResult<Value> {
    serde_json::from_slice(body).map_err(|_| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            "xapi_invalid_statement",
            "De melding is geen geldige JSON.",
        )
    })
}

/// The document resources' parameters.
#[derive(Debug, Deserialize)]
pub struct DocQuery {
    #[serde(rename = "activityId")]
    pub activity_id: Option<String>,
    pub agent: Option<String>,
    pub registration: Option<Uuid>,
    #[serde(rename = "stateId")]
    pub state_id: Option<String>,
    #[serde(rename = "profileId")]
    pub profile_id: Option<String>,
}

impl DocQuery {
    fn which(&self, state: bool) -> AppResult<Documents<'_>> {
        let missing = |name: &'static str| {
            AppError::new(
                StatusCode::BAD_REQUEST,
                "xapi_invalid_query",
                format!("De parameter {name} ontbreekt."),
            )
        };
        let agent = self.agent.as_deref().ok_or_else(|| missing("agent"))?;
        Ok(if state {
            Documents::State {
                activity: self
                    .activity_id
                    .as_deref()
                    .ok_or_else(|| missing("activityId"))?,
                agent,
                registration: self.registration,
            }
        } else {
            Documents::Profile { agent }
        })
    }

    fn id(&self, state: bool) -> Option<&str> {
        if state {
            self.state_id.as_deref()
        } else {
            self.profile_id.as_deref()
        }
    }
}

fn preconditions(headers: &HeaderMap) -> Preconditions<'_> {
    Preconditions {
        if_match: header_str(headers, "if-match"),
        if_none_match: header_str(headers, "if-none-match"),
    }
}

async fn get_doc(
    p: Platform,
    sandbox: PackageSandbox,
    headers: HeaderMap,
    q: DocQuery,
    state: bool,
) -> AppResult<Response> {
    version(&headers)?;
    let d = cmi5_play::get_document(
        &p,
        &sandbox.tenant,
        auth(&headers),
        q.which(state)?,
        q.id(state),
    )
    .await?;
    let mut res = (xapi_headers(), d.content).into_response();
    if let (Ok(ct), Ok(tag)) = (
        header::HeaderValue::from_str(&d.content_type),
        header::HeaderValue::from_str(&d.etag),
    ) {
        res.headers_mut().insert(header::CONTENT_TYPE, ct);
        res.headers_mut().insert(header::ETAG, tag);
    }
    Ok(res)
}

async fn write_doc(
    p: Platform,
    sandbox: PackageSandbox,
    headers: HeaderMap,
    q: DocQuery,
    body: Bytes,
    state: bool,
    merge: bool,
) -> AppResult<Response> {
    version(&headers)?;
    let id = q.id(state).ok_or_else(|| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            "xapi_invalid_query",
            if state {
                "De parameter stateId ontbreekt."
            } else {
                "De parameter profileId ontbreekt."
            },
        )
    })?;
    let content_type = header_str(&headers, "content-type").unwrap_or("application/octet-stream");
    let tag = cmi5_play::put_document(
        &p,
        &sandbox.tenant,
        auth(&headers),
        q.which(state)?,
        id,
        &body,
        content_type,
        merge,
        preconditions(&headers),
    )
    .await?;
    let mut res = (StatusCode::NO_CONTENT, xapi_headers()).into_response();
    if let Ok(tag) = header::HeaderValue::from_str(&tag) {
        res.headers_mut().insert(header::ETAG, tag);
    }
    Ok(res)
}

async fn delete_doc(
    p: Platform,
    sandbox: PackageSandbox,
    headers: HeaderMap,
    q: DocQuery,
    state: bool,
) -> AppResult<Response> {
    version(&headers)?;
    cmi5_play::delete_document(
        &p,
        &sandbox.tenant,
        auth(&headers),
        q.which(state)?,
        q.id(state),
        preconditions(&headers),
    )
    .await?;
    Ok((StatusCode::NO_CONTENT, xapi_headers()).into_response())
}

type DocQueryResult = Result<Query<DocQuery>, axum::extract::rejection::QueryRejection>;

/// `GET /speler/xapi/activities/state`.
pub async fn get_state(
    State(p): State<Platform>,
    s: PackageSandbox,
    h: HeaderMap,
    q: DocQueryResult,
) -> AppResult<Response> {
    get_doc(p, s, h, q.map_err(query_error)?.0, true).await
}

/// `PUT /speler/xapi/activities/state`.
pub async fn put_state(
    State(p): State<Platform>,
    s: PackageSandbox,
    h: HeaderMap,
    q: DocQueryResult,
    body: Bytes,
) -> AppResult<Response> {
    write_doc(p, s, h, q.map_err(query_error)?.0, body, true, false).await
}

/// `POST /speler/xapi/activities/state` (merges JSON).
pub async fn post_state(
    State(p): State<Platform>,
    s: PackageSandbox,
    h: HeaderMap,
    q: DocQueryResult,
    body: Bytes,
) -> AppResult<Response> {
    write_doc(p, s, h, q.map_err(query_error)?.0, body, true, true).await
}

/// `DELETE /speler/xapi/activities/state`.
pub async fn delete_state(
    State(p): State<Platform>,
    s: PackageSandbox,
    h: HeaderMap,
    q: DocQueryResult,
) -> AppResult<Response> {
    delete_doc(p, s, h, q.map_err(query_error)?.0, true).await
}

/// `GET /speler/xapi/agents/profile`.
pub async fn get_profile(
    State(p): State<Platform>,
    s: PackageSandbox,
    h: HeaderMap,
    q: DocQueryResult,
) -> AppResult<Response> {
    get_doc(p, s, h, q.map_err(query_error)?.0, false).await
}

/// `PUT /speler/xapi/agents/profile`.
pub async fn put_profile(
    State(p): State<Platform>,
    s: PackageSandbox,
    h: HeaderMap,
    q: DocQueryResult,
    body: Bytes,
) -> AppResult<Response> {
    write_doc(p, s, h, q.map_err(query_error)?.0, body, false, false).await
}

/// `POST /speler/xapi/agents/profile` (merges JSON).
pub async fn post_profile(
    State(p): State<Platform>,
    s: PackageSandbox,
    h: HeaderMap,
    q: DocQueryResult,
    body: Bytes,
) -> AppResult<Response> {
    write_doc(p, s, h, q.map_err(query_error)?.0, body, false, true).await
}

/// `DELETE /speler/xapi/agents/profile`.
pub async fn delete_profile(
    State(p): State<Platform>,
    s: PackageSandbox,
    h: HeaderMap,
    q: DocQueryResult,
) -> AppResult<Response> {
    delete_doc(p, s, h, q.map_err(query_error)?.0, false).await
}
