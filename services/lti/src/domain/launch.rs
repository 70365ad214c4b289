//! An LTI 1.3 launch, in three steps:
//!
//! 1. [`login`]: the platform's OIDC third-party login initiation (GET or POST). We find the
//!    member's registration for the issuer (and client id), make a one-time `state` and `nonce`,
//!    keep the state's hash, and send the browser to the platform's authorisation URL. The
//!    browser gets the state in a cookie; when the platform offers its postMessage storage
//!    (`lti_storage_target`) the state also goes there.
//! 2. [`verify`]: the platform posts the `id_token` and `state` back. The state's login is taken
//!    (once: a replayed state or nonce finds nothing), the token's signature is checked against
//!    the registration's JWKS and every claim against the registration and the login. Only then
//!    is anything stored: a *pending* launch.
//! 3. [`complete`]: the browser that started the login is recognised (its state cookie, or the
//!    platform's storage) and the launch opens: the LMS user's account is found or made, a
//!    session starts on the member's host, a learner is enrolled in the linked module.
//!
//! A refused launch creates nothing: no account, no session, no progress.

use super::{
    claims::{self, Expected, Launch, Refused},
    jwt::{self, JwtError},
    platform_keys::{KeyError, PlatformKeys},
};
use crate::repo::{self, NewLaunch, NewLogin};
use axum::http::StatusCode;
use serde::Deserialize;
use uuid::Uuid;
use zk_kernel::{crypto, AppError, AppResult, Platform, Tenant};

/// The parameters of an OIDC login initiation (query or form).
#[derive(Debug, Default, Deserialize)]
pub struct LoginParams {
    #[serde(default)]
    pub iss: String,
    #[serde(default)]
    pub login_hint: String,
    #[serde(default)]
    pub target_link_uri: String,
    #[serde(default)]
    pub lti_message_hint: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub lti_deployment_id: Option<String>,
    #[serde(default)]
    pub lti_storage_target: Option<String>,
}

/// Where the browser goes next, with the state it must bring back.
pub struct LoginStart {
    pub auth_url: String,
    pub state: String,
    pub nonce: String,
    /// The platform's storage frame name, when it offers postMessage storage.
    pub storage_target: Option<String>,
    /// The origin of the platform's authorisation URL (where its storage frame lives).
    pub platform_origin: String,
}

/// The origin of a URL (`https://lms.example`), empty when it has none.
pub fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .ok()
        .filter(|o| o != "null")
        .unwrap_or_default()
}

/// Our launch URL on the member's host.
pub fn launch_url(p: &Platform, tenant: &Tenant) -> String {
    format!("{}/lti/launch", p.config.tenant_url(&tenant.slug))
}

/// A refusal: 400 with the stable code and a Dutch message for the person in the LMS.
pub fn refused(code: &'static str) -> AppError {
    let message = match code {
        "lti_unknown_platform" => "Deze LMS is niet (meer) gekoppeld aan dit portaal. Vraag de beheerder van het portaal om de koppeling te controleren.",
        "lti_client_id_required" => "De LMS stuurde geen client-id, en dit portaal heeft meer koppelingen met deze LMS.",
        "lti_deployment_unknown" => "Deze plaatsing (deployment) van de LMS is niet bekend bij dit portaal. Vraag de beheerder om haar toe te voegen.",
        "lti_state_unknown" => "Deze aanmelding vanuit de LMS is verlopen of al gebruikt. Open de activiteit opnieuw in uw LMS.",
        "lti_key_unknown" => "De LMS ondertekende met een sleutel die het portaal niet kent. Open de activiteit opnieuw; helpt dat niet, vraag de beheerder.",
        "lti_platform_unreachable" => "De sleutels van de LMS zijn nu niet op te halen. Probeer het over een minuut opnieuw.",
        "lti_message_type_unsupported" => "Dit soort LTI-bericht ondersteunt Zorgklas niet.",
        "lti_browser_mismatch" => "Deze aanmelding is in een ander venster begonnen. Open de activiteit opnieuw in uw LMS.",
        _ => "De aanmelding vanuit uw LMS is geweigerd: het bewijs van de LMS klopt niet. Open de activiteit opnieuw in uw LMS.",
    };
    AppError::new(StatusCode::BAD_REQUEST, code, message)
}

/// Step 1: the OIDC login initiation.
pub async fn login(p: &Platform, tenant: &Tenant, params: &LoginParams) -> AppResult<LoginStart> {
    super::registration::member_only(tenant)?;
    let iss = params.iss.trim();
    if iss.is_empty() || params.login_hint.is_empty() || params.login_hint.len() > 2000 {
        return Err(refused("lti_login_invalid"));
    }
    let client_id = params.client_id.as_deref().filter(|c| !c.is_empty());
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let regs = repo::enabled_for_issuer(&mut tx, tenant.id, iss, client_id).await?;
    let reg = match regs.as_slice() {
        [one] => one.clone(),
        [] => return Err(refused("lti_unknown_platform")),
        _ => return Err(refused("lti_client_id_required")),
    };
    if let Some(d) = params
        .lti_deployment_id
        .as_deref()
        .filter(|d| !d.is_empty())
    {
        if !reg.deployments.iter().any(|x| x == d) {
            return Err(refused("lti_deployment_unknown"));
        }
    }
    let state = crypto::random_token();
    let nonce = crypto::random_token();
    let storage_target = params.lti_storage_target.as_deref().filter(|t| {
        !t.is_empty()
            && t.len() <= 100
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    });
    let message_hint = params
        .lti_message_hint
        .as_deref()
        .filter(|h| h.len() <= 4000);
    repo::insert_login(
        &mut tx,
        tenant.id,
        &NewLogin {
            state_hash: &crypto::token_hash(&state),
            registration: reg.id,
            nonce: &nonce,
            login_hint: &params.login_hint,
            message_hint,
            target_link_uri: params
                .target_link_uri
                .get(..2000)
                .unwrap_or(&params.target_link_uri),
            deployment_id: params.lti_deployment_id.as_deref(),
            storage_target,
        },
    )
    .await?;
    tx.commit().await?;
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("scope", "openid")
        .append_pair("response_type", "id_token")
        .append_pair("response_mode", "form_post")
        .append_pair("prompt", "none")
        .append_pair("client_id", &reg.client_id)
        .append_pair("redirect_uri", &launch_url(p, tenant))
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("login_hint", &params.login_hint);
    if let Some(h) = message_hint {
        q.append_pair("lti_message_hint", h);
    }
    let sep = if reg.auth_url.contains('?') { '&' } else { '?' };
    tracing::info!(lti.registration = %reg.id, "LTI login started");
    Ok(LoginStart {
        auth_url: format!("{}{sep}{}", reg.auth_url, q.finish()),
        state,
        nonce,
        storage_target: storage_target.map(str::to_owned),
        platform_origin: origin_of(&reg.auth_url),
    })
}

/// The origins that may frame our launch pages for `issuer`: the issuer's and its
/// authorisation URL's, of the member's enabled registrations (none for an unknown issuer).
pub async fn frame_origins(p: &Platform, tenant: &Tenant, issuer: &str) -> AppResult<Vec<String>> {
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let regs = repo::enabled_for_issuer(&mut tx, tenant.id, issuer.trim(), None).await?;
    tx.commit().await?;
    Ok(platform_origins(&regs))
}

/// The origins of the registrations' issuers and authorisation URLs, once each: who may frame
/// our launch pages.
fn platform_origins(regs: &[repo::RegistrationRow]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in regs {
        for o in [origin_of(&r.issuer), origin_of(&r.auth_url)] {
            if !o.is_empty() && !out.contains(&o) {
                out.push(o);
            }
        }
    }
    out
}

/// A launch whose token passed: its id, and the storage frame of its login (if any).
pub struct Verified {
    pub id: Uuid,
    pub storage_target: Option<String>,
    /// The origin of the platform's authorisation URL (its storage frame's).
    pub platform_origin: String,
    /// The origins that may frame our pages for this platform.
    pub frame_origins: Vec<String>,
}

/// Step 2: checks the posted `id_token` for the login of `state`, and stores the pending
/// launch.
pub async fn verify(
    p: &Platform,
    tenant: &Tenant,
    id_token: &str,
    state: &str,
) -> AppResult<Verified> {
    super::registration::member_only(tenant)?;
    let refuse = |code: &'static str, what: &str| {
        tracing::warn!(lti.refused = code, what, "LTI launch refused");
        refused(code)
    };
    if state.is_empty() || state.len() > 200 {
        return Err(refuse("lti_state_unknown", "state"));
    }
    // The algorithm is checked before anything else: `none` and HS256 stop here.
    let token = match jwt::decode(id_token) {
        Ok(t) => t,
        Err(JwtError::Algorithm(_)) => return Err(refuse("lti_token_invalid", "alg")),
        Err(_) => return Err(refuse("lti_token_invalid", "format")),
    };
    let state_hash = crypto::token_hash(state);
    // The login is taken once, in its own transaction: a second use of the state (or of the
    // token with its nonce) finds nothing, even when the first is still being checked.
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let login = repo::use_login(&mut tx, tenant.id, &state_hash).await?;
    let reg = match &login {
        Some(l) => repo::registration(&mut tx, tenant.id, l.registration_id).await?,
        None => None,
    };
    tx.commit().await?;
    let (Some(login), Some(reg)) = (login, reg) else {
        return Err(refuse("lti_state_unknown", "state"));
    };
    if reg.disabled_at.is_some() {
        return Err(refuse("lti_unknown_platform", "disabled"));
    }
    let key = match PlatformKeys::of(p)
        .key(&reg.jwks_url, token.header.kid.as_deref())
        .await
    {
        Ok(k) => k,
        Err(KeyError::Unknown) => return Err(refuse("lti_key_unknown", "kid")),
        Err(KeyError::Unreachable(e)) => {
            tracing::warn!(error = %e, lti.registration = %reg.id, "platform JWKS unreachable");
            return Err(refused("lti_platform_unreachable"));
        }
    };
    let claims = token
        .verify(&key)
        .map_err(|_| refuse("lti_token_invalid", "signature"))?;
    let launch: Launch = claims::check(
        &claims,
        &Expected {
            issuer: &reg.issuer,
            client_id: &reg.client_id,
            nonce: &login.nonce,
            deployments: &reg.deployments,
            now: time::OffsetDateTime::now_utc().unix_timestamp(),
        },
    )
    .map_err(|Refused(code, what)| refuse(code, what))?;
    let origin = p.config.tenant_url(&tenant.slug);
    let target = claims::target_path(&launch.target_link_uri, &origin);
    let id = Uuid::new_v4();
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    repo::insert_launch(
        &mut tx,
        tenant.id,
        &NewLaunch {
            id,
            registration: reg.id,
            state_hash: &state_hash,
            launch: &launch,
            target_path: &target,
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(lti.registration = %reg.id, lti.launch = %id, "LTI launch verified");
    Ok(Verified {
        id,
        storage_target: login.storage_target,
        platform_origin: origin_of(&reg.auth_url),
        frame_origins: platform_origins(std::slice::from_ref(&reg)),
    })
}

/// What an opened launch gives the browser.
pub struct Opened {
    pub session: String,
    pub target_path: String,
    pub user_id: Uuid,
}

/// Step 3: opens a pending launch for the browser that proves its login's `state`.
pub async fn complete(p: &Platform, tenant: &Tenant, id: Uuid, state: &str) -> AppResult<Opened> {
    complete_hashed(p, tenant, id, &crypto::token_hash(state)).await
}

/// In the LMS's frame, where our cookies may not come along: the platform's postMessage storage
/// gave our page the login's `state`, which proves the browser. The launch then opens in a
/// window of its own, through a one-time hand-off URL (two minutes) whose page names the
/// person before it opens.
pub async fn handoff(p: &Platform, tenant: &Tenant, id: Uuid, state: &str) -> AppResult<String> {
    super::registration::member_only(tenant)?;
    let token = crypto::random_token();
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let ok = repo::set_handoff(
        &mut tx,
        tenant.id,
        id,
        &crypto::token_hash(state),
        &crypto::token_hash(&token),
    )
    .await?;
    tx.commit().await?;
    if !ok {
        return Err(refused("lti_browser_mismatch"));
    }
    Ok(format!("/lti/verder/{token}"))
}

/// The name a hand-off opens as, for the person to confirm (refused when used or expired).
pub async fn handoff_name(p: &Platform, tenant: &Tenant, token: &str) -> AppResult<String> {
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let name = repo::handoff_name(&mut tx, tenant.id, &crypto::token_hash(token)).await?;
    tx.commit().await?;
    name.ok_or_else(|| refused("lti_state_unknown"))
}

/// Opens the launch of a hand-off (once).
pub async fn complete_handoff(p: &Platform, tenant: &Tenant, token: &str) -> AppResult<Opened> {
    super::registration::member_only(tenant)?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let taken = repo::take_handoff(&mut tx, tenant.id, &crypto::token_hash(token)).await?;
    tx.commit().await?;
    let Some((id, state_hash)) = taken else {
        return Err(refused("lti_state_unknown"));
    };
    complete_hashed(p, tenant, id, &state_hash).await
}

async fn complete_hashed(
    p: &Platform,
    tenant: &Tenant,
    id: Uuid,
    state_hash: &[u8],
) -> AppResult<Opened> {
    super::registration::member_only(tenant)?;
    let state_hash = state_hash.to_vec();
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let Some(pending) = repo::take_pending(&mut tx, tenant.id, id, &state_hash).await? else {
        return Err(refused("lti_browser_mismatch"));
    };
    let roles = claims::our_roles(&pending.lti_roles);
    let (user, granted) =
        match repo::linked_account(&mut tx, tenant.id, &pending.issuer, &pending.subject).await? {
            Some(user) => {
                let granted =
                    zk_tenant::domain::lms::relaunch(p, &mut tx, tenant.id, user, &roles).await?;
                (user, granted)
            }
            None => {
                let account = zk_tenant::domain::lms::lms_account(
                    p,
                    &mut tx,
                    tenant.id,
                    pending.email.as_deref(),
                    &pending.name,
                    &claims::placeholder(&pending.issuer, &pending.subject),
                    &roles,
                )
                .await?;
                repo::link_account(
                    &mut tx,
                    tenant.id,
                    &pending.issuer,
                    &pending.subject,
                    account.id,
                    pending.registration_id,
                )
                .await?;
                (account.id, account.granted)
            }
        };
    let session = p.sessions.create(&mut tx, tenant.id, user).await?;
    repo::finish_launch(&mut tx, tenant.id, id, pending.registration_id, user).await?;
    let module = claims::module_of(&pending.target_path);
    let learner = roles.contains(&zk_kernel::authz::Role::Learner);
    // The result goes to the LMS's gradebook when the platform offers a line item (or lets us
    // make one) and the score scope.
    let can_score = pending
        .ags_scopes
        .iter()
        .any(|s| s == super::access::SCOPE_SCORE);
    if let (Some(module), Some(link), true, true) =
        (module, &pending.resource_link_id, learner, can_score)
    {
        let creatable = pending
            .ags_scopes
            .iter()
            .any(|s| s == super::access::SCOPE_LINEITEM);
        if pending.lineitem_url.is_some() || (creatable && pending.lineitems_url.is_some()) {
            repo::upsert_grade_link(
                &mut tx,
                tenant.id,
                pending.registration_id,
                user,
                &pending.subject,
                module,
                link,
                pending.lineitem_url.as_deref(),
                pending.lineitems_url.as_deref(),
            )
            .await?;
        }
    }
    // The course's roster service, for an admin to sync into a group.
    if let (Some(url), Some(context)) = (&pending.memberships_url, &pending.context_id) {
        repo::upsert_roster(
            &mut tx,
            tenant.id,
            pending.registration_id,
            context,
            pending.context_title.as_deref().unwrap_or_default(),
            url,
        )
        .await?;
    }
    tx.commit().await?;
    if granted {
        p.authz.reload().await?;
    }
    // A teacher choosing content goes to the picker.
    if pending.message_type == claims::DEEP_LINKING_REQUEST {
        tracing::info!(lti.launch = %id, user.id = %user, "LTI deep-linking launch opened");
        return Ok(Opened {
            session,
            target_path: format!("/lti/kiezen/{id}"),
            user_id: user,
        });
    }
    // A learner sent to a learning path is enrolled in it and its modules.
    if let (Some(path), true) = (claims::learning_path_of(&pending.target_path), learner) {
        let input = zk_learning::domain::path_enrolment::PathEnrolInput {
            path_id: path,
            user_id: Some(user),
            ..Default::default()
        };
        // On the learner's own behalf, as the member's LMS placed the path for them.
        let viewer = zk_learning::domain::group::Viewer {
            user,
            is_admin: true,
        };
        if let Err(e) =
            zk_learning::domain::path_enrolment::enrol(p, tenant.id, viewer, &input).await
        {
            tracing::info!(code = e.code, "no enrolment for the launched path");
        }
    }
    // A learner sent to a module is enrolled in it, so the progress counts like any other.
    if let Some(module) = module {
        if learner {
            let input = zk_learning::domain::learning::EnrolInput {
                user_id: user,
                module_id: module,
                deadline: None,
            };
            match zk_learning::domain::learning::enrol(p, tenant.id, user, &input).await {
                Ok(_) => {}
                Err(e) if e.code == "already_enrolled" => {}
                Err(e) => tracing::info!(code = e.code, "no enrolment for the launched module"),
            }
        }
    }
    tracing::info!(lti.launch = %id, user.id = %user, "LTI launch opened");
    Ok(Opened {
        session,
        target_path: pending.target_path,
        user_id: user,
    })
}

/// The storage frame of a pending launch's login (`None` for an unknown launch).
pub async fn storage_target(
    p: &Platform,
    tenant: &Tenant,
    id: Uuid,
) -> AppResult<Option<Option<String>>> {
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let t = repo::pending_storage(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(t)
}
