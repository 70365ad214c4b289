//! A member's LMS registrations: made by hand (issuer, client id, deployments, the platform's
//! URLs), listed, disabled and enabled; each with its own RSA tool key, rotated with overlap.

use crate::repo::{self, NewRegistration, RegistrationRow};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use zk_kernel::{AppError, AppResult, Platform, Tenant};

/// A registration entered by hand (the admin copies the values from the LMS).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RegistrationInput {
    /// A name the admin recognises, like "Moodle van de academie".
    #[serde(default)]
    pub name: String,
    /// `moodle`, `canvas`, `brightspace` or `other`.
    #[serde(default)]
    pub family: String,
    /// The platform's issuer (`iss`), an https URL (http only for localhost).
    #[serde(default)]
    pub issuer: String,
    /// The client id the platform gave the tool.
    #[serde(default)]
    pub client_id: String,
    /// Deployment ids that may launch: one per line or separated by commas.
    #[serde(default)]
    pub deployment_ids: String,
    /// The platform's OIDC authorisation URL.
    #[serde(default)]
    pub auth_url: String,
    /// The platform's public keys (JWKS) URL.
    #[serde(default)]
    pub jwks_url: String,
    /// The platform's OAuth2 token URL (for grades and rosters; may be empty).
    #[serde(default)]
    pub token_url: String,
}

/// LMS families the page explains.
pub const FAMILIES: &[&str] = &["moodle", "canvas", "brightspace", "other"];

/// An https URL, or http for a loopback or `localhost` host (test platforms, development).
pub fn platform_url(field: &'static str, raw: &str, required: bool) -> AppResult<String> {
    let s = raw.trim();
    if s.is_empty() && !required {
        return Ok(String::new());
    }
    let ok = url::Url::parse(s).ok().is_some_and(|u| {
        let host = u.host_str().unwrap_or_default();
        let local = host == "localhost"
            || host.ends_with(".localhost")
            || host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        s.len() <= 1000
            && !host.is_empty()
            && u.username().is_empty()
            && u.password().is_none()
            && (u.scheme() == "https" || (u.scheme() == "http" && local))
    });
    if ok {
        Ok(s.to_owned())
    } else {
        Err(AppError::validation(
            field,
            "invalid_url",
            "Vul een volledig https-adres in (zoals https://lms.voorbeeld.nl/...).",
        ))
    }
}

fn text(
    field: &'static str,
    raw: &str,
    max: usize,
    code: &'static str,
    msg: &'static str,
) -> AppResult<String> {
    let s = raw.trim();
    if s.is_empty() || s.chars().count() > max || s.chars().any(char::is_control) {
        return Err(AppError::validation(field, code, msg));
    }
    Ok(s.to_owned())
}

/// The deployment ids of the input, without duplicates.
pub fn deployment_ids(raw: &str) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for d in raw
        .split([',', '\n', '\r'])
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        if d.len() > 255 || d.chars().any(char::is_control) {
            return Err(AppError::validation(
                "deployment_ids",
                "invalid_deployment_id",
                "Een deployment-id is hooguit 255 tekens.",
            ));
        }
        if !out.iter().any(|o| o == d) {
            out.push(d.to_owned());
        }
    }
    if out.is_empty() {
        return Err(AppError::validation(
            "deployment_ids",
            "deployment_ids_required",
            "Vul ten minste één deployment-id in (de LMS toont die bij de koppeling).",
        ));
    }
    Ok(out)
}

/// A checked registration input.
pub struct Checked {
    pub name: String,
    pub family: String,
    pub issuer: String,
    pub client_id: String,
    pub deployments: Vec<String>,
    pub auth_url: String,
    pub jwks_url: String,
    pub token_url: String,
}

/// Checks every field and names all that are wrong at once.
pub fn check(input: &RegistrationInput) -> AppResult<Checked> {
    let family = if input.family.trim().is_empty() {
        "other".to_owned()
    } else {
        input.family.trim().to_lowercase()
    };
    let name = text(
        "name",
        &input.name,
        200,
        "invalid_name",
        "Geef de koppeling een naam van 1 tot 200 tekens.",
    );
    let issuer = platform_url("issuer", &input.issuer, true);
    let client_id = text(
        "client_id",
        &input.client_id,
        500,
        "client_id_required",
        "Vul de client-id in die de LMS aan Zorgklas gaf.",
    );
    let deployments = deployment_ids(&input.deployment_ids);
    let auth_url = platform_url("auth_url", &input.auth_url, true);
    let jwks_url = platform_url("jwks_url", &input.jwks_url, true);
    let token_url = platform_url("token_url", &input.token_url, false);
    let fam = if FAMILIES.contains(&family.as_str()) {
        Ok(())
    } else {
        Err(AppError::validation(
            "family",
            "invalid_family",
            "Kies Moodle, Canvas, Brightspace of een andere LMS.",
        ))
    };
    if [
        fam.is_err(),
        name.is_err(),
        issuer.is_err(),
        client_id.is_err(),
        deployments.is_err(),
        auth_url.is_err(),
        jwks_url.is_err(),
        token_url.is_err(),
    ]
    .contains(&true)
    {
        AppError::all(vec![
            fam,
            name.map(drop),
            issuer.map(drop),
            client_id.map(drop),
            deployments.map(drop),
            auth_url.map(drop),
            jwks_url.map(drop),
            token_url.map(drop),
        ])?;
        return Err(AppError::internal(anyhow::anyhow!("a field failed")));
    }
    Ok(Checked {
        name: name?,
        family,
        issuer: issuer?,
        client_id: client_id?,
        deployments: deployments?,
        auth_url: auth_url?,
        jwks_url: jwks_url?,
        token_url: token_url?,
    })
}

/// A new tool key: (kid, public JWK, private PEM), made on the CPU pool.
async fn new_key() -> AppResult<(String, serde_json::Value, String)> {
    zk_kernel::cpu::run(|| -> anyhow::Result<_> {
        let key = super::jwt::new_key()?;
        let kid = format!("zk-{}", Uuid::new_v4().simple());
        let jwk = super::jwt::public_jwk(&key.to_public_key(), &kid);
        Ok((kid, jwk, super::jwt::private_pem(&key)?))
    })
    .await?
    .map_err(AppError::internal)
}

/// Registers an LMS by hand, with its first tool key, in one transaction.
pub async fn create(
    p: &Platform,
    tenant: &Tenant,
    by: Option<Uuid>,
    input: &RegistrationInput,
    source: &str,
) -> AppResult<RegistrationRow> {
    member_only(tenant)?;
    let c = check(input)?;
    create_checked(p, tenant, by, &c, source, None).await
}

/// Stores a checked registration with its first tool key, in one transaction; with
/// `link_token_hash`, the dynamic-registration link is used up in the same transaction (an
/// unusable link stores nothing).
pub async fn create_checked(
    p: &Platform,
    tenant: &Tenant,
    by: Option<Uuid>,
    c: &Checked,
    source: &str,
    link_token_hash: Option<&[u8]>,
) -> AppResult<RegistrationRow> {
    let (kid, jwk, pem) = new_key().await?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    if let Some(hash) = link_token_hash {
        if !repo::use_registration_link(&mut tx, tenant.id, hash).await? {
            return Err(link_unusable());
        }
    }
    let id = repo::insert_registration(
        &mut tx,
        tenant.id,
        &NewRegistration {
            name: &c.name,
            family: &c.family,
            issuer: &c.issuer,
            client_id: &c.client_id,
            auth_url: &c.auth_url,
            jwks_url: &c.jwks_url,
            token_url: &c.token_url,
            source,
            deployments: &c.deployments,
            created_by: by,
        },
    )
    .await?
    .ok_or_else(|| {
        AppError::conflict(
            "client_id",
            "registration_exists",
            "Deze LMS (issuer en client-id) is al gekoppeld.",
        )
    })?;
    repo::insert_key(&mut tx, tenant.id, id, &kid, &jwk, &pem).await?;
    if let Some(hash) = link_token_hash {
        repo::link_registration(&mut tx, tenant.id, hash, id).await?;
    }
    let row = repo::registration(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    tracing::info!(lti.registration = %id, source, "LMS registered");
    Ok(row)
}

/// The member's registrations.
pub async fn list(p: &Platform, tenant: &Tenant) -> AppResult<Vec<RegistrationRow>> {
    member_only(tenant)?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let rows = repo::registrations(&mut tx, tenant.id).await?;
    tx.commit().await?;
    Ok(rows)
}

/// One registration of the member (404 for another member's).
pub async fn get(p: &Platform, tenant: &Tenant, id: Uuid) -> AppResult<RegistrationRow> {
    member_only(tenant)?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let row = repo::registration(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    row.ok_or_else(AppError::not_found)
}

/// Disables (no launches any more) or enables a registration.
pub async fn set_disabled(
    p: &Platform,
    tenant: &Tenant,
    id: Uuid,
    disabled: bool,
) -> AppResult<RegistrationRow> {
    member_only(tenant)?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    if !repo::set_disabled(&mut tx, tenant.id, id, disabled).await? {
        return Err(AppError::not_found());
    }
    let row = repo::registration(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    tracing::info!(lti.registration = %id, disabled, "LMS registration changed");
    Ok(row)
}

/// Makes a new tool key for a registration; the old one stays in the JWKS for an hour.
/// Returns the new key's `kid`.
pub async fn rotate_key(p: &Platform, tenant: &Tenant, id: Uuid) -> AppResult<String> {
    get(p, tenant, id).await?;
    let (kid, jwk, pem) = new_key().await?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    repo::insert_key(&mut tx, tenant.id, id, &kid, &jwk, &pem).await?;
    tx.commit().await?;
    tracing::info!(lti.registration = %id, "tool key rotated");
    Ok(kid)
}

/// The member's JWKS document: every current key, and retired ones for an hour.
pub async fn jwks(p: &Platform, tenant: &Tenant) -> AppResult<serde_json::Value> {
    member_only(tenant)?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let keys = repo::public_keys(&mut tx, tenant.id).await?;
    tx.commit().await?;
    Ok(serde_json::json!({ "keys": keys }))
}

/// The member's recent launches.
pub async fn launches(p: &Platform, tenant: &Tenant) -> AppResult<Vec<repo::LaunchRow>> {
    member_only(tenant)?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let rows = repo::launches(&mut tx, tenant.id).await?;
    tx.commit().await?;
    Ok(rows)
}

/// For the demo (`zorgklas demo`) only: a launch of `registration` that opened as `user` (named
/// `name` in the LMS) on `target_path`, recorded as a finished launch records it (the launch,
/// done, with its account, and the registration's last launch), with no LMS behind it.
pub async fn record_demo_launch(
    p: &Platform,
    tenant: &Tenant,
    registration: Uuid,
    user: Uuid,
    name: &str,
    target_path: &str,
) -> AppResult<Uuid> {
    let reg = get(p, tenant, registration).await?;
    let launch = super::claims::Launch {
        message_type: "LtiResourceLinkRequest".into(),
        deployment_id: reg.deployments.first().cloned().unwrap_or_default(),
        subject: format!("demo-{}", user.simple()),
        name: name.to_owned(),
        email: None,
        roles: vec!["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner".into()],
        target_link_uri: format!(
            "{}/lti/launch?doel={target_path}",
            p.config.tenant_url(&tenant.slug)
        ),
        resource_link_id: Some("demo".into()),
        context_id: None,
        context_title: None,
        lineitem_url: None,
        lineitems_url: None,
        ags_scopes: vec![],
        memberships_url: None,
        deep_linking: None,
    };
    let id = Uuid::new_v4();
    let state_hash = zk_kernel::crypto::token_hash(&zk_kernel::crypto::random_token());
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    repo::insert_launch(
        &mut tx,
        tenant.id,
        &repo::NewLaunch {
            id,
            registration,
            state_hash: &state_hash,
            launch: &launch,
            target_path,
        },
    )
    .await?;
    repo::take_pending(&mut tx, tenant.id, id, &state_hash)
        .await?
        .ok_or_else(AppError::not_found)?;
    repo::finish_launch(&mut tx, tenant.id, id, registration, user).await?;
    tx.commit().await?;
    Ok(id)
}

/// The refusal of a used, expired or unknown dynamic-registration link.
pub fn link_unusable() -> AppError {
    AppError::new(
        axum::http::StatusCode::GONE,
        "lti_registration_link_unusable",
        "Deze registratielink is al gebruikt of verlopen. Maak op de pagina 'LMS koppelen' een nieuwe.",
    )
}

/// LTI lives on members' portals only (404 on the base domain).
pub fn member_only(tenant: &Tenant) -> AppResult<()> {
    if tenant.is_platform {
        Err(AppError::not_found())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wrong_field_is_named_at_once() {
        let err = check(&RegistrationInput {
            family: "blackboard".into(),
            issuer: "http://lms.example".into(),
            auth_url: "javascript:alert(1)".into(),
            jwks_url: "https://user:pw@lms.example/jwks".into(),
            ..Default::default()
        })
        .err()
        .unwrap();
        let fields: Vec<&str> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "family",
                "name",
                "issuer",
                "client_id",
                "deployment_ids",
                "auth_url",
                "jwks_url"
            ]
        );
    }

    #[test]
    fn a_good_input_is_trimmed_and_its_deployments_split() {
        let c = check(&RegistrationInput {
            name: " Moodle academie ".into(),
            family: "Moodle".into(),
            issuer: "https://moodle.example".into(),
            client_id: "abc".into(),
            deployment_ids: "1, 2\n2\n".into(),
            auth_url: "https://moodle.example/mod/lti/auth.php".into(),
            jwks_url: "https://moodle.example/mod/lti/certs.php".into(),
            token_url: "".into(),
        })
        .unwrap();
        assert_eq!(c.name, "Moodle academie");
        assert_eq!(c.family, "moodle");
        assert_eq!(c.deployments, ["1", "2"]);
        assert_eq!(c.token_url, "");
        // http is for the machine itself only.
        assert!(platform_url("x", "http://127.0.0.1:9000/jwks", true).is_ok());
        assert!(platform_url("x", "http://lms.localhost/jwks", true).is_ok());
        assert!(platform_url("x", "http://10.0.0.1/jwks", true).is_err());
    }
}
