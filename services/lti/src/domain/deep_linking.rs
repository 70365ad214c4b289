//! Deep Linking 2.0: a teacher in the LMS picks modules and paths from the member's catalogue
//! (shared, adopted with the member's accents, own); the tool answers the platform with a
//! signed `LtiDeepLinkingResponse` holding a resource link per item, a line item (score maximum
//! 100) for each module, and the request's `data` echoed.

use super::{claims, jwt};
use crate::repo::{self, DeepLinkLaunch};
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;
use zk_kernel::{crypto, AppError, AppResult, Platform, Tenant};

/// Something the teacher can pick.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// `module` or `path`.
    pub kind: &'static str,
    pub id: Uuid,
    pub title: String,
    pub summary: String,
    /// `nzk`, `adopted` or `own`.
    pub source: String,
}

impl Choice {
    /// The value of its checkbox: `module:{id}` or `path:{id}`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind, self.id)
    }
}

/// The member's modules and paths matching `q` (all when empty), modules first.
pub async fn choices(p: &Platform, tenant: &Tenant, q: &str) -> AppResult<Vec<Choice>> {
    let q = q.trim();
    let query = zk_content::domain::catalog::CatalogQuery {
        q: (!q.is_empty()).then(|| q.to_owned()),
        per_page: Some("100".into()),
        ..Default::default()
    };
    let page = zk_content::domain::catalog::search(p, tenant.id, &query).await?;
    let mut out: Vec<Choice> = page
        .items
        .into_iter()
        .map(|m| Choice {
            kind: "module",
            id: m.module_id,
            title: m.title,
            summary: m.summary,
            source: m.source,
        })
        .collect();
    let needle = q.to_lowercase();
    for path in zk_content::domain::path::catalogue(p, tenant.id).await? {
        if needle.is_empty()
            || path.title.to_lowercase().contains(&needle)
            || path.summary.to_lowercase().contains(&needle)
        {
            out.push(Choice {
                kind: "path",
                id: path.id,
                title: path.title,
                summary: path.summary,
                source: path.source,
            });
        }
    }
    Ok(out)
}

/// The module or path a picked key (`module:{id}`, `path:{id}`) names, if the member's catalogue
/// shows it (whatever page of the picker it was on).
async fn choice(p: &Platform, tenant: &Tenant, key: &str) -> Option<Choice> {
    let (kind, id) = key.split_once(':')?;
    let id: Uuid = id.parse().ok()?;
    match kind {
        "module" => {
            let m = zk_content::domain::catalog::published(p, tenant.id, id)
                .await
                .ok()?;
            Some(Choice {
                kind: "module",
                id,
                title: m.doc.title,
                summary: m.doc.summary,
                source: m.source,
            })
        }
        "path" => {
            let path = zk_content::domain::path::shown(p, tenant.id, id)
                .await
                .ok()?;
            Some(Choice {
                kind: "path",
                id,
                title: path.title,
                summary: path.summary,
                source: path.source,
            })
        }
        _ => None,
    }
}

/// The deep-linking launch `id` the caller may answer (404 otherwise: another person's, another
/// member's, answered already, or older than an hour).
pub async fn launch(
    p: &Platform,
    tenant: &Tenant,
    user: Uuid,
    id: Uuid,
) -> AppResult<DeepLinkLaunch> {
    super::registration::member_only(tenant)?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let l = repo::deep_link_launch(&mut tx, tenant.id, id, user).await?;
    tx.commit().await?;
    l.ok_or_else(AppError::not_found)
}

/// Whether the platform takes resource links here.
pub fn takes_links(l: &DeepLinkLaunch) -> bool {
    l.accept_types.is_empty() || l.accept_types.iter().any(|t| t == "ltiResourceLink")
}

/// The content items for the chosen items: a resource link each, launching the module's or
/// path's page on the member's portal; modules carry a line item.
pub fn content_items(origin: &str, chosen: &[Choice]) -> Vec<Value> {
    chosen
        .iter()
        .map(|c| {
            let page = match c.kind {
                "module" => format!("/leren/modules/{}", c.id),
                _ => format!("/leren/trajecten/{}", c.id),
            };
            let mut item = json!({
                "type": "ltiResourceLink",
                "title": c.title,
                "text": c.summary,
                "url": format!("{origin}/lti/launch?doel={page}"),
                "custom": { "zorgklas_doel": page },
            });
            if c.kind == "module" {
                item["lineItem"] = json!({
                    "scoreMaximum": 100,
                    "label": c.title,
                    "resourceId": c.id.to_string(),
                    "tag": "zorgklas",
                });
            }
            item
        })
        .collect()
}

/// The claims of the response (unsigned).
pub fn response_claims(l: &DeepLinkLaunch, items: Vec<Value>, now: i64, msg: &str) -> Value {
    let mut c = json!({
        "iss": l.client_id,
        "aud": l.issuer,
        "iat": now,
        "exp": now + 600,
        "nonce": crypto::random_token(),
        claims::claim::DEPLOYMENT_ID: l.deployment_id,
        claims::claim::MESSAGE_TYPE: claims::DEEP_LINKING_RESPONSE,
        claims::claim::VERSION: "1.3.0",
        claims::claim::DL_CONTENT_ITEMS: items,
    });
    if !msg.is_empty() {
        c[claims::claim::DL_MSG] = json!(msg);
    }
    if let Some(data) = &l.deep_link_data {
        c[claims::claim::DL_DATA] = json!(data);
    }
    c
}

/// The signed answer for the teacher's picks (`module:{id}` / `path:{id}`; none = cancel), and
/// where to post it. The launch is answered once.
pub async fn respond(
    p: &Platform,
    tenant: &Tenant,
    user: Uuid,
    id: Uuid,
    picked: &[String],
) -> AppResult<(String, String)> {
    let l = launch(p, tenant, user, id).await?;
    if !picked.is_empty() && !takes_links(&l) {
        return Err(AppError::validation(
            "kies",
            "lti_links_not_accepted",
            "De LMS neemt hier geen koppelingen naar activiteiten aan.",
        ));
    }
    if picked.len() > 1 && !l.accept_multiple {
        return Err(AppError::validation(
            "kies",
            "lti_choose_one",
            "Kies één module of leerroute: de LMS neemt er hier maar één aan.",
        ));
    }
    let mut chosen = Vec::new();
    for key in picked {
        let Some(c) = choice(p, tenant, key).await else {
            return Err(AppError::validation(
                "kies",
                "unknown_module",
                "Kies een module of leerroute uit het aanbod van uw organisatie.",
            ));
        };
        chosen.push(c);
    }
    let origin = p.config.tenant_url(&tenant.slug);
    let items = content_items(&origin, &chosen);
    let msg = match chosen.len() {
        0 => String::new(),
        1 => format!("'{}' is toegevoegd.", chosen[0].title),
        n => format!("{n} onderdelen van Zorgklas zijn toegevoegd."),
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = response_claims(&l, items, now, &msg);
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let key = repo::signing_key(&mut tx, l.registration_id).await?;
    if !repo::deep_link_answered(&mut tx, tenant.id, id).await? {
        return Err(AppError::not_found());
    }
    let Some((kid, pem)) = key else {
        return Err(AppError::internal(anyhow::anyhow!(
            "registration without a key"
        )));
    };
    let jwt = zk_kernel::cpu::run(move || {
        jwt::private_from_pem(&pem).and_then(|k| jwt::sign(&claims, &kid, &k))
    })
    .await?
    .map_err(AppError::internal)?;
    tx.commit().await?;
    tracing::info!(lti.launch = %id, items = chosen.len(), "deep-linking answer signed");
    Ok((l.deep_link_return_url, jwt))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(data: Option<&str>) -> DeepLinkLaunch {
        DeepLinkLaunch {
            registration_id: Uuid::nil(),
            deployment_id: "dep-1".into(),
            client_id: "client-1".into(),
            issuer: "https://lms.example".into(),
            deep_link_return_url: "https://lms.example/dl".into(),
            accept_types: vec!["ltiResourceLink".into()],
            accept_multiple: true,
            deep_link_data: data.map(str::to_owned),
        }
    }

    #[test]
    fn modules_get_a_line_item_and_paths_a_link_only() {
        let m = Choice {
            kind: "module",
            id: Uuid::nil(),
            title: "Tillen".into(),
            summary: "Veilig tillen".into(),
            source: "nzk".into(),
        };
        let path = Choice {
            kind: "path",
            ..m.clone()
        };
        let items = content_items("http://a.localhost:8080", &[m, path]);
        assert_eq!(items[0]["type"], "ltiResourceLink");
        assert_eq!(
            items[0]["url"],
            format!(
                "http://a.localhost:8080/lti/launch?doel=/leren/modules/{}",
                Uuid::nil()
            )
        );
        assert_eq!(items[0]["lineItem"]["scoreMaximum"], 100);
        assert_eq!(items[0]["lineItem"]["label"], "Tillen");
        assert!(items[1].get("lineItem").is_none());
        assert!(items[1]["url"]
            .as_str()
            .unwrap()
            .contains("/leren/trajecten/"));
    }

    #[test]
    fn the_response_is_addressed_to_the_platform_and_echoes_its_data() {
        let c = response_claims(&launch(Some("x-1")), vec![], 100, "");
        assert_eq!(c["iss"], "client-1");
        assert_eq!(c["aud"], "https://lms.example");
        assert_eq!(c[claims::claim::MESSAGE_TYPE], "LtiDeepLinkingResponse");
        assert_eq!(c[claims::claim::DEPLOYMENT_ID], "dep-1");
        assert_eq!(c[claims::claim::DL_DATA], "x-1");
        assert_eq!(c[claims::claim::DL_CONTENT_ITEMS], json!([]));
        let c = response_claims(&launch(None), vec![], 100, "ok");
        assert!(c.get(claims::claim::DL_DATA).is_none());
        assert_eq!(c[claims::claim::DL_MSG], "ok");
    }
}
