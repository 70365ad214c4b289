//! LTI service: the NZK portfolio inside a member's own LMS (LTI 1.3). A member's admin
//! registers its LMS (issuer, client id, deployments, the platform's URLs); each registration
//! gets its own RSA tool key, served in the member's JWKS and rotated with overlap. The LMS
//! launches through OIDC third-party login initiation; the id_token is checked in full (RS256
//! against the platform's JWKS, issuer, audience, expiry, one-time nonce, state bound to the
//! browser, deployment, version, message type) before anything is made; the LMS user maps to an
//! account of the member, and the linked module opens in the member's branding.
//!
//! It sits above learning, content and tenant and uses their domain functions; nothing but the
//! binary depends on it.

pub mod domain;
pub mod repo;
mod routes;

pub use routes::router;

/// This service's part of the API description, generated from its handlers and their types
/// (merged by the gateway into `/api/v1/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    routes::api::list,
    routes::api::create,
    routes::api::get,
    routes::api::disable,
    routes::api::enable,
    routes::api::rotate_key,
    routes::api::launches,
    routes::api::create_link,
    routes::api::grades,
    routes::api::rosters,
    routes::api::sync_roster,
    routes::api::set_daily,
    routes::api::roster_members,
))]
pub struct LtiApi;

/// The generated OpenAPI fragment as JSON.
pub fn openapi() -> String {
    <LtiApi as utoipa::OpenApi>::openapi()
        .to_json()
        .unwrap_or_default()
}

zk_kernel::permission! {
    /// Admins: connect the member's LMS (registrations, keys, launches).
    LtiManage = "lti", "manage";
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_generated_part_describes_its_routes_with_their_types() {
        let doc: serde_json::Value = serde_json::from_str(&super::openapi()).unwrap();
        let ops: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum();
        assert_eq!(ops, 13);
        let create = &doc["paths"]["/api/v1/lti/registrations"]["post"];
        assert_eq!(create["operationId"], "create_lti_registration");
        let schemas = &doc["components"]["schemas"];
        assert!(schemas["RegistrationInput"]["properties"]["deployment_ids"].is_object());
        assert!(schemas["RegistrationRow"]["properties"]["last_launch_at"].is_object());
    }
}
