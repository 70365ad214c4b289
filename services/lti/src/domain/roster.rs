//! Names and Role Provisioning Services: an LMS course's roster fills a group of the member —
//! learners as learners, teachers as the group's teachers — paging through `Link: rel="next"`.
//! Accounts are found by the LMS user (issuer + subject) or made like at a first launch; who is
//! no longer on the roster is marked as left, and nothing is deleted. On request (the admin),
//! and daily for a roster that asks.

use super::{
    access::{self, CallError, SCOPE_MEMBERSHIPS},
    claims,
    platform_keys::PlatformKeys,
};
use crate::repo::{self, RosterRow};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;
use zk_kernel::{authz::Role, AppError, AppResult, Platform, Tenant, TenantId};

/// Pages followed at most in one sync.
const MAX_PAGES: usize = 200;

/// What one sync did.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SyncReport {
    pub group_id: Option<Uuid>,
    pub learners: usize,
    pub teachers: usize,
    /// Accounts made for people new to the member.
    pub created: usize,
    /// Members marked as left in this sync.
    pub left: u64,
    pub pages: usize,
}

/// The `rel="next"` URL of a `Link` header, if any.
pub fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|p| {
            matches!(
                p.trim().replace(' ', "").as_str(),
                "rel=\"next\"" | "rel=next"
            )
        });
        is_next.then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })
}

/// The member's rosters.
pub async fn list(p: &Platform, tenant: &Tenant) -> AppResult<Vec<RosterRow>> {
    super::registration::member_only(tenant)?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let rows = repo::rosters(&mut tx, tenant.id).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Asks (or stops asking) for a daily sync.
pub async fn set_daily(
    p: &Platform,
    tenant: &Tenant,
    id: Uuid,
    daily: bool,
) -> AppResult<RosterRow> {
    super::registration::member_only(tenant)?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    if !repo::set_roster_daily(&mut tx, tenant.id, id, daily).await? {
        return Err(AppError::not_found());
    }
    let row = repo::roster(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(row)
}

async fn fetch_all(
    p: &Platform,
    tenant: TenantId,
    reg: &repo::RegistrationRow,
    first: &str,
) -> Result<(Vec<Value>, usize), CallError> {
    let scopes = [SCOPE_MEMBERSHIPS];
    let token = access::token(p, tenant, reg.id, &reg.client_id, &reg.token_url, &scopes).await?;
    let keys = PlatformKeys::of(p);
    let client = keys.client();
    let mut url = first.to_owned();
    let mut members = Vec::new();
    let mut pages = 0;
    loop {
        let res = client
            .get(&url)
            .bearer_auth(&token)
            .header(
                "accept",
                "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
            )
            .send()
            .await
            .map_err(|e| CallError::new(None, e.to_string()))?;
        let status = res.status().as_u16();
        let next = res
            .headers()
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(next_link);
        let body =
            super::platform_keys::read_text(res, super::platform_keys::MAX_ROSTER_PAGE_BYTES).await;
        if !(200..300).contains(&status) {
            if status == 401 {
                access::forget(p, reg.id, &scopes);
            }
            return Err(CallError::new(Some(status), body));
        }
        let doc: Value = serde_json::from_str(&body)
            .map_err(|_| CallError::new(Some(status), "the roster is no JSON"))?;
        members.extend(
            doc.get("members")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        pages += 1;
        match next {
            Some(n) if pages < MAX_PAGES && n != url => url = n,
            _ => break,
        }
    }
    Ok((members, pages))
}

/// Syncs one roster into its group (made on the first sync, by `by`).
pub async fn sync(
    p: &Platform,
    tenant: &Tenant,
    id: Uuid,
    by: Option<Uuid>,
) -> AppResult<SyncReport> {
    super::registration::member_only(tenant)?;
    let t = tenant.id;
    let mut tx = p.db.begin_tenant(t).await?;
    let roster = repo::roster(&mut tx, t, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let reg = repo::registration(&mut tx, t, roster.registration_id)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    let (members, pages) = match fetch_all(p, t, &reg, &roster.memberships_url).await {
        Ok(m) => m,
        Err(e) => {
            let mut tx = p.db.begin_tenant(t).await?;
            repo::roster_synced(&mut tx, t, id, None, Some(&e.to_string())).await?;
            tx.commit().await?;
            return Err(AppError::new(
                axum::http::StatusCode::BAD_GATEWAY,
                "lti_roster_failed",
                format!("De deelnemerslijst van de LMS is niet op te halen: {e}"),
            ));
        }
    };
    let group = match roster.group_id {
        Some(g) => g,
        None => {
            let Some(by) = by else {
                return Err(AppError::validation(
                    "roster",
                    "lti_roster_first_by_hand",
                    "Synchroniseer deze cursus eerst één keer met de hand.",
                ));
            };
            make_group(p, t, by, &roster).await?
        }
    };
    let mut report = SyncReport {
        group_id: Some(group),
        pages,
        ..Default::default()
    };
    let mut seen = Vec::new();
    let mut granted = false;
    for m in &members {
        let subject = m.get("user_id").and_then(Value::as_str).unwrap_or_default();
        let active = m
            .get("status")
            .and_then(Value::as_str)
            .is_none_or(|s| s.ends_with("Active"));
        if subject.is_empty() || subject.len() > 255 || !active {
            continue;
        }
        let roles: Vec<String> = m
            .get("roles")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let ours = claims::our_roles(&roles);
        let role = if ours.contains(&Role::Teacher) {
            "teacher"
        } else if ours.contains(&Role::Learner) {
            "learner"
        } else {
            continue;
        };
        let name = m
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| {
                ["given_name", "family_name"]
                    .iter()
                    .filter_map(|k| m.get(*k).and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join(" ")
            });
        let email = m
            .get("email")
            .and_then(Value::as_str)
            .map(|e| e.trim().to_lowercase());
        let mut tx = p.db.begin_tenant(t).await?;
        let linked = repo::linked_account(&mut tx, t, &reg.issuer, subject).await?;
        let made = match linked {
            Some(u) => zk_tenant::domain::lms::relaunch(p, &mut tx, t, u, &ours)
                .await
                .map(|granted| zk_tenant::domain::lms::LmsAccount { id: u, granted }),
            None => {
                zk_tenant::domain::lms::lms_account(
                    p,
                    &mut tx,
                    t,
                    email.as_deref(),
                    &name,
                    &claims::placeholder(&reg.issuer, subject),
                    &ours,
                )
                .await
            }
        };
        let account = match made {
            Ok(a) => a,
            // An admin's address or a blocked account: skipped, the rest goes on.
            Err(e) if e.status.is_client_error() => {
                tracing::info!(code = e.code, "roster member skipped");
                continue;
            }
            Err(e) => return Err(e),
        };
        let user = account.id;
        granted |= account.granted;
        if linked.is_none() {
            repo::link_account(&mut tx, t, &reg.issuer, subject, user, reg.id).await?;
            report.created += 1;
        }
        repo::roster_member_seen(&mut tx, t, id, subject, user, role).await?;
        tx.commit().await?;
        let member_role = if role == "teacher" {
            zk_learning::domain::group::MemberRole::Teacher
        } else {
            zk_learning::domain::group::MemberRole::Learner
        };
        zk_learning::domain::group::set_member(
            p,
            t,
            group,
            user,
            &zk_learning::domain::group::MemberInput { role: member_role },
        )
        .await?;
        if role == "teacher" {
            report.teachers += 1;
        } else {
            report.learners += 1;
        }
        seen.push(subject.to_owned());
    }
    let mut tx = p.db.begin_tenant(t).await?;
    report.left = repo::roster_leavers(&mut tx, t, id, &seen).await?;
    repo::roster_synced(&mut tx, t, id, Some(group), None).await?;
    tx.commit().await?;
    if granted {
        p.authz.reload().await?;
    }
    tracing::info!(lti.roster = %id, learners = report.learners, teachers = report.teachers, left = report.left, "roster synced");
    Ok(report)
}

async fn make_group(p: &Platform, t: TenantId, by: Uuid, roster: &RosterRow) -> AppResult<Uuid> {
    let title = if roster.context_title.trim().is_empty() {
        roster.context_id.clone()
    } else {
        roster.context_title.clone()
    };
    let base: String = format!("{} (LMS)", title.trim())
        .chars()
        .take(180)
        .collect();
    for attempt in 0..5 {
        let name = if attempt == 0 {
            base.clone()
        } else {
            format!("{base} {}", attempt + 1)
        };
        let input = zk_learning::domain::group::GroupInput { name };
        match zk_learning::domain::group::create(p, t, by, &input).await {
            Ok(g) => return Ok(g.id),
            Err(e) if e.code == "duplicate_name" => continue,
            Err(e) => return Err(e),
        }
    }
    Err(AppError::conflict(
        "name",
        "duplicate_name",
        "Er is al een groep met de naam van deze cursus.",
    ))
}

/// The roster members of one roster.
pub async fn members(
    p: &Platform,
    tenant: &Tenant,
    id: Uuid,
) -> AppResult<Vec<repo::RosterMemberRow>> {
    super::registration::member_only(tenant)?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    repo::roster(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let rows = repo::roster_members(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(rows)
}

/// The daily syncs that are due (across members).
pub async fn run_daily(p: &Platform) -> AppResult<usize> {
    let mut done = 0;
    for (tenant, id) in repo::due_rosters(&p.db.app, 20).await? {
        let Ok(Some(t)) = p.directory.load(TenantId(tenant)).await else {
            continue;
        };
        match sync(p, &t, id, None).await {
            Ok(_) => done += 1,
            Err(e) => tracing::warn!(lti.roster = %id, code = e.code, "daily roster sync failed"),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn the_next_page_comes_from_the_link_header() {
        assert_eq!(
            next_link(
                r#"<https://lms.example/m?page=2>; rel="next", <https://lms.example/m?page=9>; rel="last""#
            ),
            Some("https://lms.example/m?page=2".into())
        );
        assert_eq!(
            next_link(r#"<https://lms.example/m?page=1>; rel="prev""#),
            None
        );
        assert_eq!(
            next_link("<https://x/y>;rel=next"),
            Some("https://x/y".into())
        );
    }
}
