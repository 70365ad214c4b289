//! The mail outbox as operators read it: filtered by member, recipient and status, paged.

use crate::repo::{self, outbox::OutboxRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zk_kernel::{
    paging::{Paging, PerPage},
    AppError, AppResult, Platform, TenantId,
};

/// Mails per page unless asked otherwise, and at most.
pub const PER_PAGE: PerPage = PerPage::new(50, 200);

/// Filters and paging of the outbox, as sent.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQueryInput {
    /// Only mails to this address.
    pub recipient: Option<String>,
    /// Only mails of this member (its slug; `platform` for NZK's own).
    pub member: Option<String>,
    /// `kept` (outbox-only mode), `queued`, `sent` or `failed`.
    pub status: Option<String>,
    /// From 1 to 100000; a page past the last one is empty.
    pub page: Option<String>,
    /// 1 to 200; 50 when left out.
    pub per_page: Option<String>,
}

/// One page of the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct Outbox {
    /// `outbox` (no mail server: mails stay here, bodies shown) or `smtp`.
    pub mode: String,
    pub items: Vec<OutboxRow>,
    /// Mails matching the filters on all pages.
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    pub pages: u32,
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The outbox page for `input` (a wrong parameter is a 422 naming it).
pub async fn list(platform: &Platform, input: &OutboxQueryInput) -> AppResult<Outbox> {
    let status = non_empty(&input.status);
    if let Some(s) = status {
        if !["kept", "queued", "sent", "failed"].contains(&s) {
            return Err(AppError::validation(
                "status",
                "invalid_status",
                "Kies kept, queued, sent of failed.",
            ));
        }
    }
    let paging = Paging::parse(input.page.as_deref(), input.per_page.as_deref(), PER_PAGE)?;
    let filter = repo::outbox::OutboxFilter {
        recipient: non_empty(&input.recipient),
        member: non_empty(&input.member),
        status,
    };
    let kept = !platform.mailer.delivers();
    let mut tx = platform.db.begin_tenant(TenantId::PLATFORM).await?;
    let rows = repo::outbox::page(&mut tx, &filter, paging.limit(), paging.offset(), kept).await?;
    tx.commit().await?;
    let total = rows.first().map_or(0, |(_, t)| *t);
    Ok(Outbox {
        mode: if kept { "outbox" } else { "smtp" }.into(),
        items: rows.into_iter().map(|(m, _)| m).collect(),
        total,
        page: paging.page(),
        per_page: paging.per_page(),
        pages: paging.pages(total),
    })
}
