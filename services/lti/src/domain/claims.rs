//! The claims of an LTI 1.3 launch (an OIDC id_token whose signature already checked), read and
//! checked in full: issuer, audience and `azp`, expiry and issue time with a small leeway, the
//! one-time nonce, LTI version and message type, deployment, subject. Pure functions.

use serde_json::Value;
use zk_kernel::authz::Role;

/// LTI's claim names.
pub mod claim {
    pub const MESSAGE_TYPE: &str = "https://purl.imsglobal.org/spec/lti/claim/message_type";
    pub const VERSION: &str = "https://purl.imsglobal.org/spec/lti/claim/version";
    pub const DEPLOYMENT_ID: &str = "https://purl.imsglobal.org/spec/lti/claim/deployment_id";
    pub const TARGET_LINK_URI: &str = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri";
    pub const RESOURCE_LINK: &str = "https://purl.imsglobal.org/spec/lti/claim/resource_link";
    pub const ROLES: &str = "https://purl.imsglobal.org/spec/lti/claim/roles";
    pub const CONTEXT: &str = "https://purl.imsglobal.org/spec/lti/claim/context";
    pub const CUSTOM: &str = "https://purl.imsglobal.org/spec/lti/claim/custom";
    pub const AGS_ENDPOINT: &str = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint";
    pub const NRPS: &str = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice";
    pub const DL_SETTINGS: &str =
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings";
    pub const DL_CONTENT_ITEMS: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items";
    pub const DL_DATA: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/data";
    pub const DL_MSG: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/msg";
    pub const DL_ERRORMSG: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/errormsg";
}

/// Seconds of clock difference we allow between the platform and us.
pub const LEEWAY_SECS: i64 = 60;
/// A token issued longer ago than this is refused, whatever its `exp` says.
pub const MAX_AGE_SECS: i64 = 10 * 60;

/// The message types this tool serves.
pub const RESOURCE_LINK_REQUEST: &str = "LtiResourceLinkRequest";
pub const DEEP_LINKING_REQUEST: &str = "LtiDeepLinkingRequest";
pub const DEEP_LINKING_RESPONSE: &str = "LtiDeepLinkingResponse";

/// What a deep-linking request asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct DeepLinking {
    pub return_url: String,
    pub accept_types: Vec<String>,
    pub accept_multiple: bool,
    /// Opaque data to echo in the response.
    pub data: Option<String>,
}

/// What the launch must match: the registration's issuer and client id, the nonce of the login
/// that the state names, the registration's deployments.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub deployments: &'a [String],
    /// Now, in seconds since 1970.
    pub now: i64,
}

/// A launch's claims after every check.
#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    pub message_type: String,
    pub deployment_id: String,
    pub subject: String,
    pub name: String,
    pub email: Option<String>,
    pub roles: Vec<String>,
    pub target_link_uri: String,
    pub resource_link_id: Option<String>,
    pub context_id: Option<String>,
    pub context_title: Option<String>,
    pub lineitem_url: Option<String>,
    pub lineitems_url: Option<String>,
    pub ags_scopes: Vec<String>,
    pub memberships_url: Option<String>,
    /// For an `LtiDeepLinkingRequest`: its settings.
    pub deep_linking: Option<DeepLinking>,
}

/// Why a launch was refused: a stable code (also the error's machine code) and what failed, for
/// the log (never shown with the token's contents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub &'static str, pub &'static str);

fn str_claim<'a>(claims: &'a Value, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// Checks a verified token's claims against what this launch must be.
pub fn check(claims: &Value, want: &Expected<'_>) -> Result<Launch, Refused> {
    if str_claim(claims, "iss") != Some(want.issuer) {
        return Err(Refused("lti_wrong_issuer", "iss"));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&want.client_id) {
        return Err(Refused("lti_wrong_audience", "aud"));
    }
    match str_claim(claims, "azp") {
        Some(azp) if azp != want.client_id => return Err(Refused("lti_wrong_audience", "azp")),
        None if audiences.len() > 1 => return Err(Refused("lti_wrong_audience", "azp")),
        _ => {}
    }
    let exp = claims.get("exp").and_then(Value::as_i64);
    let iat = claims.get("iat").and_then(Value::as_i64);
    match (exp, iat) {
        (Some(exp), Some(iat))
            if exp + LEEWAY_SECS >= want.now
                && iat <= want.now + LEEWAY_SECS
                && iat + MAX_AGE_SECS >= want.now => {}
        _ => return Err(Refused("lti_token_expired", "exp/iat")),
    }
    if str_claim(claims, "nonce") != Some(want.nonce) {
        return Err(Refused("lti_nonce_used", "nonce"));
    }
    if str_claim(claims, claim::VERSION) != Some("1.3.0") {
        return Err(Refused("lti_version_unsupported", "version"));
    }
    let message_type = str_claim(claims, claim::MESSAGE_TYPE).unwrap_or_default();
    if message_type != RESOURCE_LINK_REQUEST && message_type != DEEP_LINKING_REQUEST {
        return Err(Refused("lti_message_type_unsupported", "message_type"));
    }
    let deployment_id = str_claim(claims, claim::DEPLOYMENT_ID).unwrap_or_default();
    if !want.deployments.iter().any(|d| d == deployment_id) {
        return Err(Refused("lti_deployment_unknown", "deployment_id"));
    }
    let subject = str_claim(claims, "sub").unwrap_or_default();
    if subject.is_empty() || subject.len() > 255 {
        return Err(Refused("lti_no_user", "sub"));
    }
    let resource_link_id = claims
        .get(claim::RESOURCE_LINK)
        .and_then(|r| r.get("id"))
        .and_then(Value::as_str);
    let deep_linking = if message_type == DEEP_LINKING_REQUEST {
        let settings = claims.get(claim::DL_SETTINGS);
        let return_url = settings
            .and_then(|s| s.get("deep_link_return_url"))
            .and_then(Value::as_str)
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
        let Some(return_url) = return_url else {
            return Err(Refused("lti_no_return_url", "deep_link_return_url"));
        };
        let list = |name: &str| -> Vec<String> {
            settings
                .and_then(|s| s.get(name))
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        Some(DeepLinking {
            return_url: return_url.to_owned(),
            accept_types: list("accept_types"),
            accept_multiple: settings
                .and_then(|s| s.get("accept_multiple"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            data: settings
                .and_then(|s| s.get("data"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    } else {
        if resource_link_id.is_none() {
            return Err(Refused("lti_no_resource_link", "resource_link"));
        }
        None
    };
    let name = str_claim(claims, "name")
        .map(str::to_owned)
        .or_else(|| {
            let parts: Vec<&str> = ["given_name", "family_name"]
                .iter()
                .filter_map(|c| str_claim(claims, c))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
        .unwrap_or_default();
    let roles = claims
        .get(claim::ROLES)
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let ctx = claims.get(claim::CONTEXT);
    let ags = claims.get(claim::AGS_ENDPOINT);
    let owned = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    Ok(Launch {
        message_type: message_type.to_owned(),
        deployment_id: deployment_id.to_owned(),
        subject: subject.to_owned(),
        name: name.trim().chars().take(200).collect(),
        email: str_claim(claims, "email")
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty()),
        roles,
        target_link_uri: str_claim(claims, claim::TARGET_LINK_URI)
            .unwrap_or_default()
            .to_owned(),
        resource_link_id: resource_link_id.map(str::to_owned),
        context_id: owned(ctx.and_then(|c| c.get("id"))),
        context_title: owned(ctx.and_then(|c| c.get("title"))),
        lineitem_url: owned(ags.and_then(|a| a.get("lineitem"))),
        lineitems_url: owned(ags.and_then(|a| a.get("lineitems"))),
        ags_scopes: ags
            .and_then(|a| a.get("scope"))
            .and_then(Value::as_array)
            .map(|s| {
                s.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        memberships_url: owned(
            claims
                .get(claim::NRPS)
                .and_then(|n| n.get("context_memberships_url")),
        ),
        deep_linking,
    })
}

/// Our roles for the LTI roles of a launch: Learner (or Student) → learner; Instructor (or
/// Faculty, Mentor, TeachingAssistant) → teacher; Administrator and everything else → none (an
/// admin of the member grants more by hand); an empty list → learner.
pub fn our_roles(lti_roles: &[String]) -> Vec<Role> {
    // No roles at all (LTI allows an empty list): someone the LMS sends to learn.
    if lti_roles.is_empty() {
        return vec![Role::Learner];
    }
    let short = |r: &str| r.rsplit(['#', '/']).next().unwrap_or(r).to_owned();
    let mut out = Vec::new();
    for r in lti_roles.iter().map(|r| short(r)) {
        let role = match r.as_str() {
            "Learner" | "Student" => Role::Learner,
            "Instructor" | "Faculty" | "Mentor" | "TeachingAssistant" => Role::Teacher,
            _ => continue,
        };
        if !out.contains(&role) {
            out.push(role);
        }
    }
    out
}

/// The path on the member's portal that a launch opens: `target_link_uri` when it points at the
/// member's own portal (`origin`, like `http://zorg-a.localhost:8080`), else the home page. A
/// target of our launch URL itself names the page in its `doel` parameter
/// (`/lti/launch?doel=/leren/modules/…`), as LMSs that launch every link at one URL need.
pub fn target_path(target_link_uri: &str, origin: &str) -> String {
    let Some(rest) = target_link_uri.strip_prefix(origin) else {
        return "/".into();
    };
    let Some(path) = zk_kernel::http::local_path(rest) else {
        return "/".into();
    };
    if let Some(query) = path.strip_prefix("/lti/launch?") {
        let doel = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "doel")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        return zk_kernel::http::local_path(&doel)
            .filter(|p| !p.starts_with("/lti/"))
            .unwrap_or("/")
            .to_owned();
    }
    if path.starts_with("/lti/") {
        return "/".into();
    }
    path.to_owned()
}

/// The stable part of the placeholder address of an LMS user without an e-mail claim
/// (`lms-{this}@lms.invalid`): 16 hex characters of the SHA-256 of issuer and subject.
pub fn placeholder(issuer: &str, subject: &str) -> String {
    let hash = zk_kernel::crypto::token_hash(&format!("{issuer}\n{subject}"));
    hex::encode(&hash[..8])
}

/// The module id of a path like `/leren/modules/{id}`.
pub fn module_of(path: &str) -> Option<uuid::Uuid> {
    id_after(path, "/leren/modules/")
}

/// The learning path id of a path like `/leren/trajecten/{id}`.
pub fn learning_path_of(path: &str) -> Option<uuid::Uuid> {
    id_after(path, "/leren/trajecten/")
}

fn id_after(path: &str, prefix: &str) -> Option<uuid::Uuid> {
    path.strip_prefix(prefix)
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default())
        .and_then(|id| id.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn good(now: i64) -> Value {
        json!({
            "iss": "https://lms.example", "aud": "client-1", "sub": "u-7",
            "exp": now + 300, "iat": now - 5, "nonce": "n-1",
            "name": "Ayse Yilmaz", "email": "Ayse@Zorg.example",
            claim::VERSION: "1.3.0", claim::MESSAGE_TYPE: "LtiResourceLinkRequest",
            claim::DEPLOYMENT_ID: "dep-1",
            claim::TARGET_LINK_URI: "http://zorg-a.localhost:8080/leren/modules/x",
            claim::RESOURCE_LINK: {"id": "rl-1"},
            claim::ROLES: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            claim::CONTEXT: {"id": "c-1", "title": "Zorg 1"},
            claim::AGS_ENDPOINT: {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                                  "lineitem": "https://lms.example/li/1"},
        })
    }

    fn want(now: i64) -> (Vec<String>, i64) {
        (vec!["dep-1".into()], now)
    }

    fn run(claims: &Value, now: i64) -> Result<Launch, Refused> {
        let (deps, now) = want(now);
        check(
            claims,
            &Expected {
                issuer: "https://lms.example",
                client_id: "client-1",
                nonce: "n-1",
                deployments: &deps,
                now,
            },
        )
    }

    #[test]
    fn a_good_launch_is_read_in_full() {
        let l = run(&good(1_000_000), 1_000_000).unwrap();
        assert_eq!(l.subject, "u-7");
        assert_eq!(l.email.as_deref(), Some("ayse@zorg.example"));
        assert_eq!(l.resource_link_id.as_deref(), Some("rl-1"));
        assert_eq!(l.lineitem_url.as_deref(), Some("https://lms.example/li/1"));
        assert_eq!(l.context_title.as_deref(), Some("Zorg 1"));
        assert_eq!(our_roles(&l.roles), vec![Role::Learner]);
    }

    #[test]
    fn every_claim_that_does_not_fit_refuses_with_its_own_code() {
        let now = 1_000_000;
        let cases: Vec<(&str, Value, &str)> = vec![
            ("iss", json!("https://evil.example"), "lti_wrong_issuer"),
            ("aud", json!("client-2"), "lti_wrong_audience"),
            ("aud", json!(["client-1", "other"]), "lti_wrong_audience"),
            ("azp", json!("other"), "lti_wrong_audience"),
            ("exp", json!(now - LEEWAY_SECS - 1), "lti_token_expired"),
            ("iat", json!(now + LEEWAY_SECS + 1), "lti_token_expired"),
            ("iat", json!(now - MAX_AGE_SECS - 1), "lti_token_expired"),
            ("nonce", json!("n-2"), "lti_nonce_used"),
            (claim::VERSION, json!("1.1"), "lti_version_unsupported"),
            (
                claim::MESSAGE_TYPE,
                json!("LtiSubmissionReviewRequest"),
                "lti_message_type_unsupported",
            ),
            (
                claim::DEPLOYMENT_ID,
                json!("dep-2"),
                "lti_deployment_unknown",
            ),
            ("sub", json!(""), "lti_no_user"),
            (claim::RESOURCE_LINK, json!({}), "lti_no_resource_link"),
        ];
        for (name, value, code) in cases {
            let mut c = good(now);
            c[name] = value;
            assert_eq!(run(&c, now).unwrap_err().0, code, "{name}");
        }
        // Several audiences with the right azp are fine; a missing exp is not.
        let mut c = good(now);
        c["aud"] = json!(["other", "client-1"]);
        c["azp"] = json!("client-1");
        assert!(run(&c, now).is_ok());
        let mut c = good(now);
        c.as_object_mut().unwrap().remove("exp");
        assert_eq!(run(&c, now).unwrap_err().0, "lti_token_expired");
        // Within the leeway is fine.
        let mut c = good(now);
        c["exp"] = json!(now - LEEWAY_SECS + 1);
        assert!(run(&c, now).is_ok());
    }

    #[test]
    fn a_deep_linking_request_needs_its_return_url_and_keeps_its_settings() {
        let now = 1_000_000;
        let mut c = good(now);
        c[claim::MESSAGE_TYPE] = json!("LtiDeepLinkingRequest");
        c.as_object_mut().unwrap().remove(claim::RESOURCE_LINK);
        assert_eq!(run(&c, now).unwrap_err().0, "lti_no_return_url");
        c[claim::DL_SETTINGS] = json!({
            "deep_link_return_url": "https://lms.example/dl/return",
            "accept_types": ["ltiResourceLink", "link"],
            "accept_multiple": true,
            "data": "csrf-of-the-lms",
        });
        let l = run(&c, now).unwrap();
        let dl = l.deep_linking.unwrap();
        assert_eq!(dl.return_url, "https://lms.example/dl/return");
        assert_eq!(dl.accept_types, ["ltiResourceLink", "link"]);
        assert!(dl.accept_multiple);
        assert_eq!(dl.data.as_deref(), Some("csrf-of-the-lms"));
        assert_eq!(l.resource_link_id, None);
    }

    #[test]
    fn roles_map_to_learner_and_teacher_and_never_to_admin() {
        let r = |v: &[&str]| our_roles(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            r(&["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]),
            vec![Role::Teacher]
        );
        assert_eq!(
            r(&[
                "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student",
                "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
            ]),
            vec![Role::Learner]
        );
        assert!(r(&[
            "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
            "http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin"
        ])
        .is_empty());
        assert_eq!(r(&[]), vec![Role::Learner]);
    }

    #[test]
    fn the_target_stays_on_the_members_portal() {
        let o = "http://zorg-a.localhost:8080";
        assert_eq!(
            target_path("http://zorg-a.localhost:8080/leren/modules/abc", o),
            "/leren/modules/abc"
        );
        assert_eq!(
            target_path("http://zorg-b.localhost:8080/leren/modules/abc", o),
            "/"
        );
        assert_eq!(
            target_path("http://zorg-a.localhost:8080.evil.example/x", o),
            "/"
        );
        assert_eq!(
            target_path("http://zorg-a.localhost:8080//evil.example", o),
            "/"
        );
        assert_eq!(
            target_path("http://zorg-a.localhost:8080/lti/launch", o),
            "/"
        );
        assert_eq!(
            target_path(
                "http://zorg-a.localhost:8080/lti/launch?doel=/leren/modules/abc",
                o
            ),
            "/leren/modules/abc"
        );
        assert_eq!(
            target_path(
                "http://zorg-a.localhost:8080/lti/launch?doel=//evil.example",
                o
            ),
            "/"
        );
        assert_eq!(
            target_path("http://zorg-a.localhost:8080/lti/launch?doel=/lti/login", o),
            "/"
        );
        assert_eq!(target_path("", o), "/");
        let id = uuid::Uuid::new_v4();
        assert_eq!(module_of(&format!("/leren/modules/{id}")), Some(id));
        assert_eq!(module_of("/leren/trajecten/x"), None);
        let one = placeholder("https://lms.example", "u-1");
        assert_eq!(one.len(), 16);
        assert_eq!(one, placeholder("https://lms.example", "u-1"));
        assert_ne!(one, placeholder("https://lms.example", "u-2"));
        assert_ne!(one, placeholder("https://other.example", "u-1"));
        assert_eq!(
            learning_path_of(&format!("/leren/trajecten/{id}")),
            Some(id)
        );
        assert_eq!(learning_path_of(&format!("/leren/modules/{id}")), None);
    }
}
