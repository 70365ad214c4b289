//! Assignment and Grade Services: a learner's result in a module they launched from an LMS goes
//! to that LMS's gradebook. A job queues a score whenever a linked learner's completion or
//! score changes, and sends the queue in order per line item: the launch's line item, or one we
//! create in the LMS's line items. A failed post waits and is tried again (backoff up to an
//! hour), nothing is sent twice by two processes (a lease per score), and the queue lives in
//! the database, so a restart loses nothing. Failures stay visible to the member's admin with
//! the platform's answer. The queue's depth and the age of its oldest score are on `/metrics`
//! ([`add_queue_gauges`]).

use super::access::{self, CallError, SCOPE_LINEITEM, SCOPE_SCORE};
use crate::repo::{self, DueGrade};
use serde_json::{json, Value};
use zk_kernel::{AppResult, Platform, TenantId};

/// Seconds to wait before try `attempts + 1` (2, 4, 8 … capped at an hour).
pub fn backoff_secs(attempts: i32) -> i64 {
    2_i64
        .saturating_pow(attempts.clamp(0, 30) as u32 + 1)
        .min(3600)
}

/// The score body AGS expects, for a completion at `completed_at` with `score` out of 100.
pub fn score_body(subject: &str, score: i16, completed_at: time::OffsetDateTime) -> Value {
    let timestamp = completed_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    json!({
        "userId": subject,
        "scoreGiven": score,
        "scoreMaximum": 100,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": timestamp,
    })
}

/// One round: queue what changed, send what is due. Returns the scores sent.
pub async fn run_once(p: &Platform) -> AppResult<usize> {
    let queued = repo::queue_grades(&p.db.app).await?;
    if queued > 0 {
        tracing::info!(queued, "LTI scores queued");
    }
    let mut sent = 0;
    for due in repo::due_grades(&p.db.app, 50).await? {
        let tenant = TenantId(due.tenant_id);
        let mut tx = p.db.begin_tenant(tenant).await?;
        let mine = repo::lease_grade(&mut tx, tenant, due.id).await?;
        tx.commit().await?;
        if !mine {
            continue;
        }
        let outcome = send(p, tenant, &due).await;
        let mut tx = p.db.begin_tenant(tenant).await?;
        match outcome {
            Ok(status) => {
                repo::grade_sent(&mut tx, tenant, due.id, status).await?;
                sent += 1;
                tracing::info!(lti.grade = due.id, "score sent");
            }
            Err(e) => {
                let wait = backoff_secs(due.attempts);
                repo::grade_failed(&mut tx, tenant, due.id, e.status, &e.to_string(), wait).await?;
                tracing::warn!(lti.grade = due.id, status = ?e.status, retry_in = wait, "score not accepted");
            }
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// Posts one score (creating the line item first when the link has none).
async fn send(p: &Platform, tenant: TenantId, due: &DueGrade) -> Result<u16, CallError> {
    let lineitem = match &due.lineitem_url {
        Some(url) => url.clone(),
        None => create_lineitem(p, tenant, due).await?,
    };
    let scopes = [SCOPE_SCORE];
    let token = access::token(
        p,
        tenant,
        due.registration_id,
        &due.client_id,
        &due.token_url,
        &scopes,
    )
    .await?;
    let url = scores_url(&lineitem);
    let body = score_body(&due.subject, due.score_given, due.completed_at);
    let res = super::platform_keys::PlatformKeys::of(p)
        .client()
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/vnd.ims.lis.v1.score+json")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| CallError::new(None, e.to_string()))?;
    let status = res.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(status);
    }
    if status == 401 {
        access::forget(p, due.registration_id, &scopes);
    }
    Err(CallError::new(
        Some(status),
        super::platform_keys::read_text(res, super::platform_keys::MAX_ANSWER_BYTES).await,
    ))
}

/// `{lineitem}/scores`, keeping a query string where it belongs.
pub fn scores_url(lineitem: &str) -> String {
    match lineitem.split_once('?') {
        Some((path, query)) => format!("{}/scores?{query}", path.trim_end_matches('/')),
        None => format!("{}/scores", lineitem.trim_end_matches('/')),
    }
}

async fn create_lineitem(
    p: &Platform,
    tenant: TenantId,
    due: &DueGrade,
) -> Result<String, CallError> {
    let Some(lineitems) = &due.lineitems_url else {
        return Err(CallError::new(
            None,
            "De LMS gaf geen cijferkolom en geen adres om er een te maken.",
        ));
    };
    let scopes = [SCOPE_LINEITEM];
    let token = access::token(
        p,
        tenant,
        due.registration_id,
        &due.client_id,
        &due.token_url,
        &scopes,
    )
    .await?;
    let title = zk_content::domain::catalog::published(p, tenant, due.module_id)
        .await
        .map(|m| m.doc.title)
        .unwrap_or_else(|_| "Zorgklas".to_owned());
    let res = super::platform_keys::PlatformKeys::of(p)
        .client()
        .post(lineitems)
        .bearer_auth(&token)
        .header("content-type", "application/vnd.ims.lis.v2.lineitem+json")
        .body(
            json!({
                "scoreMaximum": 100,
                "label": title,
                "resourceLinkId": due.resource_link_id,
                "resourceId": due.module_id,
                "tag": "zorgklas",
            })
            .to_string(),
        )
        .send()
        .await
        .map_err(|e| CallError::new(None, e.to_string()))?;
    let status = res.status().as_u16();
    let text = super::platform_keys::read_text(res, super::platform_keys::MAX_ANSWER_BYTES).await;
    if !(200..300).contains(&status) {
        return Err(CallError::new(Some(status), text));
    }
    let id = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
        .ok_or_else(|| CallError::new(Some(status), "the line item has no id"))?;
    let mut tx =
        p.db.begin_tenant(tenant)
            .await
            .map_err(|e| CallError::new(None, e.message.to_string()))?;
    repo::set_lineitem(&mut tx, tenant, due.link_id, &id)
        .await
        .map_err(|e| CallError::new(None, e.message.to_string()))?;
    tx.commit()
        .await
        .map_err(|e| CallError::new(None, e.to_string()))?;
    Ok(id)
}

/// The member's recent scores with their state.
pub async fn list(p: &Platform, tenant: &zk_kernel::Tenant) -> AppResult<Vec<repo::GradeRow>> {
    super::registration::member_only(tenant)?;
    let mut tx = p.db.begin_tenant(tenant.id).await?;
    let rows = repo::grades(&mut tx, tenant.id).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Registers the grade queue's gauges, read at every scrape: `zk_queue_depth{queue="grades"}`,
/// scores not yet accepted by the LMS (of enabled registrations), and
/// `zk_queue_oldest_seconds{queue="grades"}`, how long the oldest has waited.
pub fn add_queue_gauges(p: &Platform) {
    let pool = p.db.app.clone();
    p.metrics.add_gauges("lti_grades", move || {
        let pool = pool.clone();
        async move {
            let (depth, oldest) = repo::grade_queue_depth(&pool).await?;
            Ok::<_, anyhow::Error>(zk_kernel::metrics::queue_gauges("grades", depth, oldest))
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_secs(0), 2);
        assert_eq!(backoff_secs(1), 4);
        assert_eq!(backoff_secs(5), 64);
        assert_eq!(backoff_secs(40), 3600);
    }

    #[test]
    fn the_score_is_what_ags_expects() {
        let at = time::macros::datetime!(2026-12-07 10:00:00 UTC);
        let b = score_body("u-1", 80, at);
        assert_eq!(b["userId"], "u-1");
        assert_eq!(b["scoreGiven"], 80);
        assert_eq!(b["scoreMaximum"], 100);
        assert_eq!(b["activityProgress"], "Completed");
        assert_eq!(b["gradingProgress"], "FullyGraded");
        assert_eq!(b["timestamp"], "2026-12-07T10:00:00Z");
        assert_eq!(
            scores_url("https://lms.example/li/1"),
            "https://lms.example/li/1/scores"
        );
        assert_eq!(
            scores_url("https://lms.example/li/1?type=x"),
            "https://lms.example/li/1/scores?type=x"
        );
    }
}
