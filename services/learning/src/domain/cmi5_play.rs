//! cmi5 courses played and tracked: launching an assignable unit (AU) and the small xAPI 1.0.3
//! endpoint the AU talks to, on the member's package host.
//!
//! The player (see `package_play`) asks [`launch`] for an AU of its play session: a cmi5 launch
//! with its own session id, the registration of the learner's enrolment in the package (the same
//! for every launch of that enrolment's cycle), a fetch URL that hands out the auth token once
//! ([`fetch`]), the `LMS.LaunchData` state document and the LMS's "launched" statement; the AU's
//! address carries cmi5's launch parameters (`endpoint`, `fetch`, `actor`, `registration`,
//! `activityId`). With the token (`Authorization: Basic …`) the AU sends statements
//! ([`store_statements`]: checked by `cmi5::check` against the launch and what the registration
//! did so far, refused with a 4xx when they break cmi5's rules), and reads and writes its
//! activity state and the learner's agent profile ([`Documents`], with ETags). When the AU's
//! `moveOn` is met the LMS records "satisfied", the unit is done, and the package block and the
//! module follow as for SCORM.

use super::{
    cmi5::{self, Effect, LaunchMode, Session, State},
    package_play::{self, launchable},
};
use crate::repo::{
    cmi5::{self as repo, DocKey, LaunchRow},
    learning as enrolments,
    packages::{self as packages_repo, SessionRow},
};
use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use uuid::Uuid;
use zk_content::domain::{
    media,
    package::{Manifest, MoveOn, Unit, UnitKind},
};
use zk_kernel::{crypto, AppError, AppResult, Platform, Tenant, TenantId};

/// The state document the LMS writes before a launch; the AU may read it, never change it.
pub const LAUNCH_DATA: &str = "LMS.LaunchData";

/// The registration of an enrolment's cycle in a package block: the same for every launch.
pub fn registration(enrolment: Uuid, cycle: i32, block: Uuid, media: Uuid) -> Uuid {
    let hash = crypto::token_hash(&format!(
        "zk-cmi5-registration:{enrolment}:{cycle}:{block}:{media}"
    ));
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash[..16]);
    // A version 4 (random-looking), variant 1 UUID, as xAPI expects.
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid::from_bytes(b)
}

/// The AU's activity id in this platform: unique per package and AU (cmi5 8.1.5 asks the LMS
/// for its own id, not the publisher's).
pub fn activity_id(package_url: &str, media: Uuid, index: usize) -> String {
    format!("{package_url}/pakket/{media}/au/{index}")
}

/// The learner as cmi5's actor: an account on the member's portal.
pub fn actor(home_page: &str, user: Uuid, name: &str) -> Value {
    json!({"objectType": "Agent", "name": name, "account": {"homePage": home_page, "name": user.to_string()}})
}

fn forbidden(code: &'static str, message: &'static str) -> AppError {
    AppError::new(StatusCode::FORBIDDEN, code, message)
}

fn bad_request(code: &'static str, message: impl Into<std::borrow::Cow<'static, str>>) -> AppError {
    AppError::new(StatusCode::BAD_REQUEST, code, message)
}

/// The AU of a manifest with its place among the launchable units.
fn au<'a>(manifest: &'a Manifest, id: &str) -> Option<(usize, &'a Unit)> {
    manifest
        .units
        .iter()
        .filter(|u| launchable(u))
        .enumerate()
        .find(|(_, u)| u.id == id && u.kind == UnitKind::Au)
}

/// Launches the AU `unit` of play session `token` on `tenant`'s package host: its address with
/// cmi5's launch parameters (relative to the package host).
pub async fn launch(p: &Platform, tenant: &Tenant, token: &str, unit: &str) -> AppResult<String> {
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let s = packages_repo::session(&mut tx, tenant.id, &crypto::token_hash(token), true)
        .await?
        .ok_or_else(package_play::expired)?;
    let manifest = media::package_manifest(&mut tx, s.media_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (index, u) = au(&manifest, unit).ok_or_else(|| {
        AppError::validation(
            "unit",
            "unknown_unit",
            "Dit onderdeel hoort niet bij deze e-learning.",
        )
    })?;
    let package_url = p.config.package_url(&tenant.slug);
    let home_page = p.config.tenant_url(&tenant.slug);
    let name = packages_repo::learner_name(&mut tx, tenant.id, s.user_id).await?;
    let registration = registration(s.enrolment_id, s.cycle, s.block_id, s.media_id);
    let activity = activity_id(&package_url, s.media_id, index);
    let (completed, passed) = repo::au_standing(&mut tx, tenant.id, &s, unit).await?;
    let move_on = u.move_on.unwrap_or(MoveOn::NotApplicable);
    // Once the AU's moveOn is met, it opens for review: nothing it sends changes the result.
    let mode = if cmi5::satisfied(
        move_on,
        &State {
            completed,
            passed,
            ..State::default()
        },
    ) && move_on != MoveOn::NotApplicable
    {
        "Review"
    } else {
        "Normal"
    };
    let l = LaunchRow {
        id: Uuid::new_v4(),
        session_id: s.id,
        enrolment_id: s.enrolment_id,
        user_id: s.user_id,
        cycle: s.cycle,
        block_id: s.block_id,
        media_id: s.media_id,
        unit: u.id.clone(),
        registration,
        launch_mode: mode.into(),
        initialized: false,
        judged: false,
        terminated: false,
    };
    let fetch_token = crypto::random_token();
    repo::insert_launch(&mut tx, tenant.id, &l, &crypto::token_hash(&fetch_token)).await?;
    let actor = actor(&home_page, s.user_id, &name);
    let session_ext = json!({ cmi5::EXT_SESSION_ID: l.id.to_string() });
    let course = manifest.identifier.clone().unwrap_or_default();
    let mut launch_data = json!({
        "contextTemplate": {
            "contextActivities": {"grouping": [{"id": u.id, "objectType": "Activity"}]},
            "extensions": session_ext,
        },
        "launchMode": mode,
        "moveOn": move_on,
        "entitlementKey": {"courseStructure": course},
    });
    if let Some(m) = u.mastery_score {
        launch_data["masteryScore"] = json!(m);
    }
    let body = serde_json::to_vec(&launch_data).map_err(AppError::internal)?;
    repo::put_document(
        &mut tx,
        tenant.id,
        DocKey {
            user: s.user_id,
            kind: "state",
            activity: &activity,
            registration,
        },
        LAUNCH_DATA,
        &body,
        "application/json",
        &etag(&body),
    )
    .await?;
    let launched_id = Uuid::new_v4();
    let launched = json!({
        "id": launched_id,
        "actor": actor,
        "verb": {"id": cmi5::LAUNCHED, "display": {"en-US": "Launched", "nl-NL": "Gestart"}},
        "object": {"id": activity, "objectType": "Activity"},
        "context": {
            "registration": registration,
            "contextActivities": {
                "category": [{"id": cmi5::CATEGORY_CMI5}],
                "grouping": [{"id": u.id}],
            },
            "extensions": {
                cmi5::EXT_SESSION_ID: l.id.to_string(),
                "https://w3id.org/xapi/cmi5/context/extensions/launchmode": mode,
                "https://w3id.org/xapi/cmi5/context/extensions/moveon": move_on,
            },
        },
        "timestamp": now(),
        "stored": now(),
        "version": "1.0.3",
    });
    repo::insert_statement(
        &mut tx,
        tenant.id,
        launched_id,
        l.id,
        s.user_id,
        registration,
        cmi5::LAUNCHED,
        &launched,
    )
    .await?;
    tx.commit().await?;
    let launch = u.launch.as_deref().unwrap_or_default();
    let params = serde_urlencoded::to_string([
        ("endpoint", format!("{package_url}/speler/xapi/")),
        ("fetch", format!("{package_url}/speler/fetch/{fetch_token}")),
        ("actor", actor.to_string()),
        ("registration", registration.to_string()),
        ("activityId", activity),
    ])
    .map_err(AppError::internal)?;
    let sep = if launch.contains('?') { '&' } else { '?' };
    tracing::info!(launch.id = %l.id, enrolment.id = %s.enrolment_id, "cmi5 AU launched");
    Ok(format!("/pakket/{}/{launch}{sep}{params}", s.media_id))
}

/// The time now as xAPI writes it.
fn now() -> String {
    zk_kernel::text::rfc3339(time::OffsetDateTime::now_utc())
}

/// A document's ETag: a hash of its content, quoted.
pub fn etag(content: &[u8]) -> String {
    let hash = crypto::token_hash(&String::from_utf8_lossy(content));
    let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// What the fetch URL answers: the auth token the first time, cmi5's error after that.
pub enum Fetched {
    Token(String),
    Refused,
}

/// The fetch URL of a launch: its auth token, once (cmi5 8.2.3).
pub async fn fetch(p: &Platform, tenant: TenantId, fetch_token: &str) -> AppResult<Fetched> {
    let auth = crypto::random_token();
    let mut tx = p.db.begin_tenant(tenant).await?;
    let ok = repo::fetch_once(
        &mut tx,
        tenant,
        &crypto::token_hash(fetch_token),
        &crypto::token_hash(&auth),
    )
    .await?;
    tx.commit().await?;
    Ok(if ok {
        Fetched::Token(auth)
    } else {
        Fetched::Refused
    })
}

/// The launch an `Authorization` header's token belongs to (locked when `lock`); 401 without a
/// live one.
async fn authorised(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    authorization: Option<&str>,
    lock: bool,
) -> AppResult<LaunchRow> {
    let token = authorization
        .and_then(|h| h.strip_prefix("Basic "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(unauthorised)?;
    repo::launch_by_auth(conn, tenant, &crypto::token_hash(token), lock)
        .await?
        .ok_or_else(unauthorised)
}

/// A launch whose session the AU ended ("terminated") reads, but no longer writes.
fn writable(l: LaunchRow) -> AppResult<LaunchRow> {
    if l.terminated {
        return Err(forbidden(
            "xapi_session_ended",
            "Deze sessie van de e-learning is afgesloten; open de e-learning opnieuw om verder te gaan.",
        ));
    }
    Ok(l)
}

fn unauthorised() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        "xapi_unauthorised",
        "Deze e-learning heeft geen geldige sleutel (Authorization) voor deze sessie.",
    )
}

/// The xAPI version header must name 1.0.x.
pub fn check_version(header: Option<&str>) -> AppResult<()> {
    match header {
        Some(v) if v.starts_with("1.0") => Ok(()),
        _ => Err(bad_request(
            "xapi_version",
            "Stuur de kop X-Experience-API-Version: 1.0.3 mee.",
        )),
    }
}

/// What the LMS knows of the launch and the AU for `cmi5::check`.
fn cmi5_session(
    l: &LaunchRow,
    u: &Unit,
    home_page: &str,
    activity: &str,
    standing: (bool, bool),
) -> Session {
    Session {
        registration: l.registration,
        session_id: l.id.to_string(),
        actor_home_page: home_page.to_owned(),
        actor_name: l.user_id.to_string(),
        activity_id: activity.to_owned(),
        move_on: u.move_on.unwrap_or(MoveOn::NotApplicable),
        mastery_score: u.mastery_score,
        launch_mode: match l.launch_mode.as_str() {
            "Browse" => LaunchMode::Browse,
            "Review" => LaunchMode::Review,
            _ => LaunchMode::Normal,
        },
        state: State {
            initialized: l.initialized,
            completed: standing.0,
            passed: standing.1,
            judged: l.judged,
            terminated: l.terminated,
            abandoned: false,
        },
    }
}

/// A statement without what the LRS adds, for comparing a statement sent again.
fn as_sent(statement: &Value) -> Value {
    let mut v = statement.clone();
    if let Some(o) = v.as_object_mut() {
        for k in ["stored", "authority", "version"] {
            o.remove(k);
        }
    }
    v
}

/// Stores statements the AU sends (one for `PUT ?statementId=`, one or a list for `POST`), all or
/// nothing: each is checked against cmi5's rules in order, a statement id sent again with the
/// same content is kept once (a different one is 409), and what they change is applied. Returns
/// the ids.
pub async fn store_statements(
    p: &Platform,
    tenant: &Tenant,
    authorization: Option<&str>,
    id_param: Option<Uuid>,
    body: Value,
) -> AppResult<Vec<Uuid>> {
    let statements = match (body, id_param) {
        (Value::Array(list), None) if !list.is_empty() && list.len() <= 50 => list,
        (one @ Value::Object(_), _) => vec![one],
        _ => {
            return Err(bad_request(
                "xapi_invalid_statement",
                "Stuur één melding (statement) of een lijst van hoogstens 50.",
            ))
        }
    };
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let found = authorised(&mut tx, tenant.id, authorization, false).await?;
    // The enrolment's lock first (as every progress write), then the launch's.
    let mut e = enrolments::enrolment(&mut tx, tenant.id, found.enrolment_id, None, true)
        .await?
        .ok_or_else(unauthorised)?;
    let mut l = authorised(&mut tx, tenant.id, authorization, true).await?;
    let manifest = media::package_manifest(&mut tx, l.media_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let (index, u) = au(&manifest, &l.unit).ok_or_else(AppError::not_found)?;
    let package_url = p.config.package_url(&tenant.slug);
    let home_page = p.config.tenant_url(&tenant.slug);
    let activity = activity_id(&package_url, l.media_id, index);
    let session_row = SessionRow {
        id: l.session_id,
        enrolment_id: l.enrolment_id,
        user_id: l.user_id,
        block_id: l.block_id,
        media_id: l.media_id,
        cycle: l.cycle,
        version: e.version,
        expires_at: time::OffsetDateTime::now_utc(),
    };
    let mut standing = repo::au_standing(&mut tx, tenant.id, &session_row, &l.unit).await?;
    let mut ids = Vec::new();
    let mut unit_done = false;
    for mut statement in statements {
        let sent_id = statement
            .get("id")
            .and_then(Value::as_str)
            .map(|s| s.parse::<Uuid>())
            .transpose()
            .map_err(|_| bad_request("xapi_invalid_id", "Het id van de melding is geen UUID."))?;
        let id = match (id_param, sent_id) {
            (Some(a), Some(b)) if a != b => {
                return Err(bad_request(
                    "xapi_id_mismatch",
                    "Het id in de melding is niet het statementId van het adres.",
                ))
            }
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => Uuid::new_v4(),
        };
        statement["id"] = json!(id);
        if let Some(existing) = repo::statement(&mut tx, tenant.id, id).await? {
            if existing.user_id == l.user_id && as_sent(&existing.statement.0) == statement {
                ids.push(id);
                continue;
            }
            return Err(AppError::conflict(
                "id",
                "xapi_statement_exists",
                "Er is al een andere melding met dit id.",
            ));
        }
        let session = cmi5_session(&l, u, &home_page, &activity, standing);
        let effect = cmi5::check(&session, &statement)?;
        let state = session.state.after(effect);
        let verb = statement
            .pointer("/verb/id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if statement.get("timestamp").is_none() {
            statement["timestamp"] = json!(now());
        }
        statement["stored"] = json!(now());
        statement["version"] = json!("1.0.3");
        repo::insert_statement(
            &mut tx,
            tenant.id,
            id,
            l.id,
            l.user_id,
            l.registration,
            &verb,
            &statement,
        )
        .await?;
        l.initialized = state.initialized;
        l.judged = state.judged;
        l.terminated = state.terminated;
        if matches!(
            effect,
            Effect::Completed | Effect::Passed(_) | Effect::Failed(_)
        ) {
            let (passed, score) = match effect {
                Effect::Passed(s) => (Some(true), s),
                Effect::Failed(s) => (Some(false), s),
                _ => (None, None),
            };
            let satisfied = cmi5::satisfied(session.move_on, &state);
            unit_done = repo::record_au(
                &mut tx,
                tenant.id,
                &l,
                state.completed,
                passed,
                score,
                satisfied,
            )
            .await?;
            if satisfied && !cmi5::satisfied(session.move_on, &session.state) {
                satisfied_statement(&mut tx, tenant.id, &l, &statement, &activity).await?;
            }
            standing = (state.completed, state.passed);
        }
        ids.push(id);
    }
    repo::set_flags(
        &mut tx,
        tenant.id,
        l.id,
        l.initialized,
        l.judged,
        l.terminated,
    )
    .await?;
    let was_done = e.done.contains(&l.block_id);
    let (block_done, _) = package_play::block_after(
        p,
        &mut tx,
        tenant.id,
        &session_row,
        &manifest,
        &mut e,
        unit_done,
    )
    .await?;
    // Only a block done now makes the learner's cached pages stale (see `package_commits`).
    let newly_done = block_done && !was_done;
    if newly_done {
        enrolments::notify_progress(&mut tx, l.user_id).await?;
    }
    tx.commit().await?;
    if newly_done {
        super::learning::progress_changed(p, l.user_id);
        tracing::info!(enrolment.id = %l.enrolment_id, block.id = %l.block_id, "cmi5 package done");
    }
    Ok(ids)
}

/// The LMS's "satisfied" statement when the AU's moveOn is met (cmi5 9.3.9).
async fn satisfied_statement(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    l: &LaunchRow,
    by: &Value,
    activity: &str,
) -> AppResult<()> {
    let id = Uuid::new_v4();
    let statement = json!({
        "id": id,
        "actor": by["actor"],
        "verb": {"id": cmi5::SATISFIED, "display": {"en-US": "Satisfied", "nl-NL": "Voldaan"}},
        "object": {"id": activity, "objectType": "Activity"},
        "context": {
            "registration": l.registration,
            "contextActivities": {"category": [{"id": cmi5::CATEGORY_CMI5}]},
            "extensions": {cmi5::EXT_SESSION_ID: l.id.to_string()},
        },
        "timestamp": now(),
        "stored": now(),
        "version": "1.0.3",
    });
    repo::insert_statement(
        conn,
        tenant,
        id,
        l.id,
        l.user_id,
        l.registration,
        cmi5::SATISFIED,
        &statement,
    )
    .await
}

/// A statement of the launch's learner by id; 404 for anyone else's.
pub async fn statement(
    p: &Platform,
    tenant: TenantId,
    authorization: Option<&str>,
    id: Uuid,
) -> AppResult<Value> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let l = authorised(&mut tx, tenant, authorization, false).await?;
    let found = repo::statement(&mut tx, tenant, id).await?;
    tx.commit().await?;
    match found {
        Some(s) if s.user_id == l.user_id => Ok(s.statement.0),
        _ => Err(AppError::not_found()),
    }
}

/// Which documents a request is about: activity state or agent profile.
pub enum Documents<'a> {
    /// `activities/state`: `activityId`, `agent`, `registration`.
    State {
        activity: &'a str,
        agent: &'a str,
        registration: Option<Uuid>,
    },
    /// `agents/profile`: `agent`.
    Profile { agent: &'a str },
}

/// A document as answered.
pub struct Document {
    pub content: Vec<u8>,
    pub content_type: String,
    pub etag: String,
}

/// The document key of a request for the launch's learner: the agent must be the launch's
/// actor, a state's activity the launched AU's and its registration the launch's.
async fn doc_key<'a>(
    p: &Platform,
    conn: &mut sqlx::PgConnection,
    tenant: &Tenant,
    l: &LaunchRow,
    which: &Documents<'a>,
) -> AppResult<DocKey<'a>> {
    let home_page = p.config.tenant_url(&tenant.slug);
    let agent_str = match which {
        Documents::State { agent, .. } | Documents::Profile { agent } => *agent,
    };
    let agent: Value = serde_json::from_str(agent_str)
        .map_err(|_| bad_request("xapi_invalid_agent", "De parameter agent is geen JSON."))?;
    let user = l.user_id.to_string();
    if agent.pointer("/account/homePage").and_then(Value::as_str) != Some(home_page.as_str())
        || agent.pointer("/account/name").and_then(Value::as_str) != Some(user.as_str())
    {
        return Err(forbidden(
            "xapi_wrong_agent",
            "Deze sessie mag alleen de gegevens van haar eigen cursist lezen en schrijven.",
        ));
    }
    match which {
        Documents::Profile { .. } => Ok(DocKey {
            user: l.user_id,
            kind: "profile",
            activity: "",
            registration: Uuid::nil(),
        }),
        Documents::State {
            activity,
            registration,
            ..
        } => {
            let manifest = media::package_manifest(conn, l.media_id)
                .await?
                .ok_or_else(AppError::not_found)?;
            let (index, _) = au(&manifest, &l.unit).ok_or_else(AppError::not_found)?;
            let own = activity_id(&p.config.package_url(&tenant.slug), l.media_id, index);
            if *activity != own {
                return Err(forbidden(
                    "xapi_wrong_activity",
                    "Deze sessie mag alleen de staat van haar eigen onderdeel lezen en schrijven.",
                ));
            }
            if registration.is_some_and(|r| r != l.registration) {
                return Err(forbidden(
                    "xapi_wrong_registration",
                    "Deze sessie mag alleen de staat van haar eigen inschrijving lezen en schrijven.",
                ));
            }
            Ok(DocKey {
                user: l.user_id,
                kind: "state",
                activity,
                registration: registration.unwrap_or(Uuid::nil()),
            })
        }
    }
}

/// One document (`Some(id)`), or the ids of all under the key as a JSON list.
pub async fn get_document(
    p: &Platform,
    tenant: &Tenant,
    authorization: Option<&str>,
    which: Documents<'_>,
    id: Option<&str>,
) -> AppResult<Document> {
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let l = authorised(&mut tx, tenant.id, authorization, false).await?;
    let key = doc_key(p, &mut tx, tenant, &l, &which).await?;
    let out = match id {
        Some(id) => {
            let d = repo::document(&mut tx, tenant.id, key, id, false)
                .await?
                .ok_or_else(AppError::not_found)?;
            Document {
                content: d.content,
                content_type: d.content_type,
                etag: d.etag,
            }
        }
        None => {
            let ids = repo::document_ids(&mut tx, tenant.id, key).await?;
            let content = serde_json::to_vec(&ids).map_err(AppError::internal)?;
            Document {
                etag: etag(&content),
                content,
                content_type: "application/json".into(),
            }
        }
    };
    tx.commit().await?;
    Ok(out)
}

/// The concurrency headers of a write.
#[derive(Clone, Copy, Debug, Default)]
pub struct Preconditions<'a> {
    pub if_match: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

/// Writes a document: `merge` (POST) merges a JSON object into the stored one, else (PUT) it is
/// replaced. `If-Match` must name the stored ETag, `If-None-Match: *` wants none stored (412
/// otherwise); an agent profile that exists is not overwritten without one of them (409, as
/// xAPI asks). The LMS's launch data is read-only (403).
#[allow(clippy::too_many_arguments)]
pub async fn put_document(
    p: &Platform,
    tenant: &Tenant,
    authorization: Option<&str>,
    which: Documents<'_>,
    id: &str,
    content: &[u8],
    content_type: &str,
    merge: bool,
    pre: Preconditions<'_>,
) -> AppResult<String> {
    if matches!(which, Documents::State { .. }) && id == LAUNCH_DATA {
        return Err(forbidden(
            "xapi_launch_data",
            "LMS.LaunchData is van de leeromgeving en kan niet worden gewijzigd.",
        ));
    }
    if id.is_empty() || id.len() > 1000 {
        return Err(bad_request(
            "xapi_invalid_id",
            "Geef het document een id (stateId of profileId).",
        ));
    }
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let l = writable(authorised(&mut tx, tenant.id, authorization, false).await?)?;
    let key = doc_key(p, &mut tx, tenant, &l, &which).await?;
    let existing = repo::document(&mut tx, tenant.id, key, id, true).await?;
    check_preconditions(
        existing.as_ref().map(|d| d.etag.as_str()),
        pre,
        matches!(which, Documents::Profile { .. }) && !merge,
    )?;
    let (content, content_type) = match (merge, existing) {
        (true, Some(old)) => (
            merged(&old.content, content)?,
            "application/json".to_owned(),
        ),
        (true, None) => {
            merged(b"{}", content)?;
            (content.to_vec(), "application/json".to_owned())
        }
        (false, _) => (content.to_vec(), content_type.to_owned()),
    };
    let tag = etag(&content);
    repo::put_document(&mut tx, tenant.id, key, id, &content, &content_type, &tag).await?;
    tx.commit().await?;
    Ok(tag)
}

/// The preconditions of a write against the stored document's ETag (`None`: none stored).
pub fn check_preconditions(
    stored: Option<&str>,
    pre: Preconditions<'_>,
    needs_one: bool,
) -> AppResult<()> {
    let failed = || {
        AppError::new(
            StatusCode::PRECONDITION_FAILED,
            "xapi_precondition_failed",
            "Het document is intussen veranderd (ETag); lees het opnieuw.",
        )
    };
    if let Some(want) = pre.if_match {
        let ok = stored.is_some_and(|s| want == "*" || want.split(',').any(|w| w.trim() == s));
        if !ok {
            return Err(failed());
        }
    }
    if pre.if_none_match.is_some_and(|w| w.trim() == "*") && stored.is_some() {
        return Err(failed());
    }
    if needs_one && stored.is_some() && pre.if_match.is_none() && pre.if_none_match.is_none() {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            "xapi_concurrency",
            "Dit document bestaat al: stuur If-Match met de ETag mee.",
        ));
    }
    Ok(())
}

/// JSON object `new` merged into `old` (top-level keys; xAPI's POST to a document).
pub fn merged(old: &[u8], new: &[u8]) -> AppResult<Vec<u8>> {
    let parse = |b: &[u8]| serde_json::from_slice::<Map<String, Value>>(b).ok();
    let (Some(mut old), Some(new)) = (parse(old), parse(new)) else {
        return Err(bad_request(
            "xapi_not_json",
            "Samenvoegen (POST) kan alleen met JSON-objecten.",
        ));
    };
    old.extend(new);
    serde_json::to_vec(&old).map_err(AppError::internal)
}

/// Deletes one document (`Some(id)`) or all under the key (the launch data stays).
pub async fn delete_document(
    p: &Platform,
    tenant: &Tenant,
    authorization: Option<&str>,
    which: Documents<'_>,
    id: Option<&str>,
    pre: Preconditions<'_>,
) -> AppResult<()> {
    let state = matches!(which, Documents::State { .. });
    if state && id == Some(LAUNCH_DATA) {
        return Err(forbidden(
            "xapi_launch_data",
            "LMS.LaunchData is van de leeromgeving en kan niet worden gewijzigd.",
        ));
    }
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let l = writable(authorised(&mut tx, tenant.id, authorization, false).await?)?;
    let key = doc_key(p, &mut tx, tenant, &l, &which).await?;
    match id {
        Some(id) => {
            let existing = repo::document(&mut tx, tenant.id, key, id, true).await?;
            check_preconditions(existing.as_ref().map(|d| d.etag.as_str()), pre, false)?;
            repo::delete_documents(&mut tx, tenant.id, key, Some(id)).await?;
        }
        None => {
            for id in repo::document_ids(&mut tx, tenant.id, key).await? {
                if !(state && id == LAUNCH_DATA) {
                    repo::delete_documents(&mut tx, tenant.id, key, Some(&id)).await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_is_stable_per_enrolment_cycle_block_and_package() {
        let (e, b, m) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let r = registration(e, 1, b, m);
        assert_eq!(r, registration(e, 1, b, m));
        assert_ne!(r, registration(e, 2, b, m));
        assert_ne!(r, registration(e, 1, b, Uuid::new_v4()));
        assert_eq!(r.get_version_num(), 4);
        assert_eq!(r.get_variant(), uuid::Variant::RFC4122);
    }

    fn pre<'a>(m: Option<&'a str>, n: Option<&'a str>) -> Preconditions<'a> {
        Preconditions {
            if_match: m,
            if_none_match: n,
        }
    }

    #[test]
    fn writes_follow_the_etag_preconditions() {
        let tag = etag(b"{\"a\":1}");
        assert!(tag.starts_with('"') && tag.ends_with('"') && tag.len() == 34);
        // Nothing stored: If-None-Match * passes, If-Match fails.
        assert!(check_preconditions(None, pre(None, Some("*")), true).is_ok());
        assert_eq!(
            check_preconditions(None, pre(Some("\"x\""), None), false)
                .unwrap_err()
                .status,
            StatusCode::PRECONDITION_FAILED
        );
        // Stored: the right ETag passes, a stale one and If-None-Match * fail.
        assert!(check_preconditions(Some(&tag), pre(Some(&tag), None), true).is_ok());
        assert!(check_preconditions(Some(&tag), pre(Some("\"oud\""), None), false).is_err());
        assert!(check_preconditions(Some(&tag), pre(None, Some("*")), false).is_err());
        // A profile is not overwritten blind; a state may be.
        assert_eq!(
            check_preconditions(Some(&tag), pre(None, None), true)
                .unwrap_err()
                .status,
            StatusCode::CONFLICT
        );
        assert!(check_preconditions(Some(&tag), pre(None, None), false).is_ok());
    }

    #[test]
    fn a_post_merges_json_objects_only() {
        let out = merged(br#"{"a":1,"b":2}"#, br#"{"b":3,"c":4}"#).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v, json!({"a": 1, "b": 3, "c": 4}));
        assert!(merged(b"[1]", br#"{"a":1}"#).is_err());
        assert!(merged(br#"{"a":1}"#, b"tekst").is_err());
    }
}
