//! The LTI service: a member's LMS registrations and tool keys, launches from a real LTI 1.3
//! platform (`lti-provider-mock`) and from the tests' own platform, and every launch that must be
//! refused.

mod advantage;
mod launch_mock;
mod refused;
mod registrations;
mod storage;

use crate::support::*;

/// The registration input for a platform at `issuer` with client `client_id` and deployment
/// `deployment`, whose JWKS and authorisation URLs are given.
pub fn registration(
    issuer: &str,
    client_id: &str,
    deployment: &str,
    auth: &str,
    jwks: &str,
) -> Value {
    json!({
        "name": "Moodle van de academie",
        "family": "moodle",
        "issuer": issuer,
        "client_id": client_id,
        "deployment_ids": deployment,
        "auth_url": auth,
        "jwks_url": jwks,
        "token_url": "",
    })
}

/// Registers a platform for `admin`'s member through the API; the registration's JSON.
pub async fn register(admin: &User, input: Value) -> Value {
    admin
        .post("/api/v1/lti/registrations")
        .json(&input)
        .expect(StatusCode::CREATED)
        .await
        .json()
}

/// The query value `name` of a URL.
pub fn query_value(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// What a refused launch step shows the person in the LMS (an error page: the machine code is
/// for staff only): 400, and the Dutch words of the refusal `code`.
#[track_caller]
pub fn assert_refused(res: &zk_test_support::TestResponse, code: &str) {
    let words = match code {
        "lti_unknown_platform" => "niet (meer) gekoppeld",
        "lti_state_unknown" => "verlopen of al gebruikt",
        "lti_browser_mismatch" => "in een ander venster begonnen",
        "lti_deployment_unknown" => "deployment) van de LMS is niet bekend",
        "lti_key_unknown" => "sleutel die het portaal niet kent",
        "lti_message_type_unsupported" => "Dit soort LTI-bericht",
        _ => "het bewijs van de LMS klopt niet",
    };
    assert_eq!(
        res.status,
        StatusCode::BAD_REQUEST,
        "{code}: {}",
        res.text()
    );
    let html = res.text();
    assert!(
        html.contains(words),
        "{code}: expected \"{words}\" in {html}"
    );
}

/// A complete, valid `LtiResourceLinkRequest` claim set from the platform at `platform_issuer`
/// for the login with `nonce`: user `sub` (Ada Lovelace, a learner), course `ctx-1`, resource
/// link `rl-1`, with the AGS and NRPS claims pointing at the platform's line items and
/// memberships of that course. Issued now, valid for five minutes.
pub fn launch_claims(
    platform_issuer: &str,
    client_id: &str,
    deployment: &str,
    nonce: &str,
    target_link_uri: &str,
    sub: &str,
) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs();
    let lti = "https://purl.imsglobal.org/spec/lti/claim";
    let ags = "https://purl.imsglobal.org/spec/lti-ags/scope";
    json!({
        "iss": platform_issuer,
        "aud": client_id,
        "sub": sub,
        "exp": now + 300,
        "iat": now,
        "nonce": nonce,
        "name": "Ada Lovelace",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email": format!("{sub}@lms.example"),
        format!("{lti}/version"): "1.3.0",
        format!("{lti}/message_type"): "LtiResourceLinkRequest",
        format!("{lti}/deployment_id"): deployment,
        format!("{lti}/target_link_uri"): target_link_uri,
        format!("{lti}/resource_link"): {"id": "rl-1", "title": "Tillen zonder blessures"},
        format!("{lti}/roles"): ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        format!("{lti}/context"): {
            "id": "ctx-1",
            "title": "Zorg basis",
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
        },
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
            "scope": [
                format!("{ags}/lineitem"),
                format!("{ags}/result.readonly"),
                format!("{ags}/score"),
            ],
            "lineitems": format!("{platform_issuer}/lineitems/ctx-1"),
            "lineitem": format!("{platform_issuer}/lineitems/ctx-1/1"),
        },
        "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
            "context_memberships_url": format!("{platform_issuer}/memberships/ctx-1"),
            "service_versions": ["2.0"],
        },
    })
}
