//! LTI Dynamic Registration (1EdTech): the member's admin makes a one-time registration link
//! and pastes it into the LMS (Moodle 4.x, Canvas and Brightspace support it). The LMS opens it
//! with its `openid_configuration` URL and a `registration_token`; we read the platform's
//! configuration, post our tool configuration to its registration endpoint (launch, deep
//! linking and JWKS URLs, the claims, the AGS and NRPS scopes, the member's name and logo), and
//! store the client id and deployment it returns, with a tool key of its own.

use super::{
    access::{SCOPE_LINEITEM, SCOPE_MEMBERSHIPS, SCOPE_RESULT, SCOPE_SCORE},
    platform_keys::PlatformKeys,
    registration::{self, Checked},
};
use crate::repo::{self, RegistrationRow};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;
use zk_kernel::{crypto, AppError, AppResult, Platform, Tenant};

/// How long a registration link can be used.
pub const LINK_VALID_DAYS: i32 = 7;

/// The tool-configuration claim of dynamic registration.
pub const TOOL_CONFIGURATION: &str = "https://purl.imsglobal.org/spec/lti-tool-configuration";
/// The platform-configuration claim of the OpenID configuration.
pub const PLATFORM_CONFIGURATION: &str =
    "https://purl.imsglobal.org/spec/lti-platform-configuration";

/// A new registration link for the member (shown once): its URL and when it expires.
pub async fn new_link(
    p: &Platform,
    tenant: &Tenant,
    by: Uuid,
) -> AppResult<(String, time::OffsetDateTime)> {
    registration::member_only(tenant)?;
    let token = crypto::random_token();
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let expires = repo::insert_registration_link(
        &mut tx,
        tenant.id,
        &crypto::token_hash(&token),
        Some(by),
        LINK_VALID_DAYS,
    )
    .await?;
    tx.commit().await?;
    let url = format!(
        "{}/lti/registreren/{token}",
        p.config.tenant_url(&tenant.slug)
    );
    Ok((url, expires))
}

/// What the LMS adds to the registration link.
#[derive(Debug, Default, Deserialize)]
pub struct RegistrationRequest {
    #[serde(default)]
    pub openid_configuration: String,
    #[serde(default)]
    pub registration_token: Option<String>,
}

/// Our tool configuration for the member, as the registration endpoint takes it.
pub fn tool_configuration(
    origin: &str,
    domain: &str,
    member_name: &str,
    logo: Option<&str>,
) -> Value {
    let scope = [SCOPE_LINEITEM, SCOPE_RESULT, SCOPE_SCORE, SCOPE_MEMBERSHIPS].join(" ");
    let mut c = json!({
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": format!("{origin}/lti/login"),
        "redirect_uris": [format!("{origin}/lti/launch")],
        "client_name": format!("Zorgklas – {member_name}"),
        "jwks_uri": format!("{origin}/lti/jwks"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": scope,
        TOOL_CONFIGURATION: {
            "domain": domain,
            "description": "Modules en leerroutes van de Nationale Zorgklas, in de huisstijl van uw organisatie.",
            "target_link_uri": format!("{origin}/lti/launch"),
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [
                {"type": "LtiResourceLinkRequest", "target_link_uri": format!("{origin}/lti/launch")},
                {"type": "LtiDeepLinkingRequest", "target_link_uri": format!("{origin}/lti/launch"),
                 "label": "Zorgklas: module kiezen", "label#en": "Zorgklas: choose a module"},
            ],
        },
    });
    if let Some(logo) = logo {
        c["logo_uri"] = json!(logo);
    }
    c
}

/// The family of an LMS from its `product_family_code`.
pub fn family(product: &str) -> &'static str {
    match product.to_lowercase().as_str() {
        "moodle" => "moodle",
        "canvas" => "canvas",
        "desire2learn" | "d2l" | "brightspace" => "brightspace",
        _ => "other",
    }
}

fn refused(message: impl Into<String>) -> AppError {
    AppError::new(
        StatusCode::BAD_GATEWAY,
        "lti_registration_failed",
        format!("Het koppelen met de LMS lukte niet: {}", message.into()),
    )
}

fn text<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// Registers the member's tool with the platform behind `request`, using the link `token`.
pub async fn register(
    p: &Platform,
    tenant: &Tenant,
    token: &str,
    request: &RegistrationRequest,
) -> AppResult<RegistrationRow> {
    registration::member_only(tenant)?;
    let hash = crypto::token_hash(token);
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let open = repo::registration_link_open(&mut tx, tenant.id, &hash).await?;
    tx.commit().await?;
    if !open {
        return Err(registration::link_unusable());
    }
    let config_url =
        registration::platform_url("openid_configuration", &request.openid_configuration, true)?;
    let client = PlatformKeys::of(p).client().clone();
    let res = client
        .get(&config_url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| {
            refused(format!(
                "de configuratie van de LMS is niet op te halen ({e})"
            ))
        })?;
    if !res.status().is_success() {
        return Err(refused(format!(
            "de LMS antwoordde {} op de configuratie",
            res.status()
        )));
    }
    let body = super::platform_keys::read_body(res, super::platform_keys::MAX_ANSWER_BYTES)
        .await
        .map_err(|e| refused(format!("de configuratie van de LMS is niet te lezen ({e})")))?;
    let config: Value = serde_json::from_slice(&body)
        .map_err(|_| refused("de configuratie van de LMS is geen JSON"))?;
    let issuer = text(&config, "issuer");
    let endpoint = text(&config, "registration_endpoint");
    let platform = config
        .get(PLATFORM_CONFIGURATION)
        .cloned()
        .unwrap_or(Value::Null);
    let product = text(&platform, "product_family_code");
    let origin = p.config.tenant_url(&tenant.slug);
    let domain = origin.split("://").nth(1).unwrap_or_default().to_owned();
    let logo = tenant
        .branding
        .logo_key
        .as_ref()
        .map(|_| format!("{origin}/logo?v={}", tenant.branding.version));
    let ours = tool_configuration(&origin, &domain, &tenant.name, logo.as_deref());
    let endpoint = registration::platform_url("registration_endpoint", endpoint, true)
        .map_err(|_| refused("de LMS noemt geen geldig registratie-adres"))?;
    let mut post = client
        .post(&endpoint)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(ours.to_string());
    if let Some(t) = request
        .registration_token
        .as_deref()
        .filter(|t| !t.is_empty())
    {
        post = post.bearer_auth(t);
    }
    let res = post.send().await.map_err(|e| {
        refused(format!(
            "het registratie-adres van de LMS is niet bereikbaar ({e})"
        ))
    })?;
    let status = res.status();
    let body = super::platform_keys::read_text(res, super::platform_keys::MAX_ANSWER_BYTES).await;
    if !status.is_success() {
        let excerpt: String = body.chars().take(300).collect();
        return Err(refused(format!("de LMS antwoordde {status}: {excerpt}")));
    }
    let answer: Value =
        serde_json::from_str(&body).map_err(|_| refused("het antwoord van de LMS is geen JSON"))?;
    let client_id = text(&answer, "client_id");
    let deployment = answer
        .get(TOOL_CONFIGURATION)
        .map(|t| text(t, "deployment_id"))
        .unwrap_or_default();
    if client_id.is_empty() {
        return Err(refused("de LMS gaf geen client-id terug"));
    }
    let host = url::Url::parse(issuer)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let family = family(product);
    let name = match family {
        "other" if !product.is_empty() => format!("{product} ({host})"),
        "other" => host.clone(),
        f => format!("{}{} ({host})", f[..1].to_uppercase(), &f[1..]),
    };
    let input = registration::RegistrationInput {
        name,
        family: family.to_owned(),
        issuer: issuer.to_owned(),
        client_id: client_id.to_owned(),
        deployment_ids: deployment.to_owned(),
        auth_url: text(&config, "authorization_endpoint").to_owned(),
        jwks_url: text(&config, "jwks_uri").to_owned(),
        token_url: text(&config, "token_endpoint").to_owned(),
    };
    // Launches need a registered deployment: a platform that returns none is refused here
    // (the registration endpoints of Moodle, Canvas and Brightspace return one).
    let checked: Checked =
        registration::check(&input).map_err(|e| refused(e.message.to_string()))?;
    let by = None;
    registration::create_checked(p, tenant, by, &checked, "dynamic", Some(&hash)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tool_configuration_names_our_urls_scopes_and_messages() {
        let c = tool_configuration(
            "https://a.zorgklas.nl",
            "a.zorgklas.nl",
            "Zorggroep A",
            Some("https://a.zorgklas.nl/logo"),
        );
        assert_eq!(c["initiate_login_uri"], "https://a.zorgklas.nl/lti/login");
        assert_eq!(
            c["redirect_uris"],
            json!(["https://a.zorgklas.nl/lti/launch"])
        );
        assert_eq!(c["jwks_uri"], "https://a.zorgklas.nl/lti/jwks");
        assert_eq!(c["client_name"], "Zorgklas – Zorggroep A");
        assert_eq!(c["logo_uri"], "https://a.zorgklas.nl/logo");
        let scope = c["scope"].as_str().unwrap();
        assert!(scope.contains(SCOPE_SCORE) && scope.contains(SCOPE_MEMBERSHIPS));
        let messages = c[TOOL_CONFIGURATION]["messages"].as_array().unwrap();
        assert!(messages
            .iter()
            .any(|m| m["type"] == "LtiDeepLinkingRequest"));
        assert_eq!(c[TOOL_CONFIGURATION]["domain"], "a.zorgklas.nl");
        assert_eq!(family("desire2learn"), "brightspace");
        assert_eq!(family("moodle"), "moodle");
        assert_eq!(family("sakai"), "other");
    }
}
