//! Pages of the tenant side that other services show: the NZK landing page with the portal
//! finder (the learning service answers `/`, and shows this on the bare domain).

use axum::response::{IntoResponse, Response};
use serde_json::json;
use zk_kernel::{http::RequestContext, AppResult, Platform};

/// The NZK landing page with the portal finder for `zoek` (active members by name).
pub async fn landing(p: &Platform, ctx: &RequestContext, zoek: &str) -> AppResult<Response> {
    let zoek = zoek.trim();
    let found = crate::domain::members::find_portals(p, zoek).await?;
    let portals: Vec<_> = found
        .iter()
        .map(|(name, url)| json!({"name": name, "url": url}))
        .collect();
    Ok(p.theme
        .render(
            "landing",
            ctx,
            json!({"zoek": zoek, "searched": !zoek.is_empty(), "too_short": !zoek.is_empty() && zoek.chars().count() < 2, "portals": portals}),
        )?
        .into_response())
}
