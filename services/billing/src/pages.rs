//! The member's billing page (`/abonnement`, admins): state, plan, invoices and the checkout
//! in the member's own look. Automatic payment collects card or SEPA details with Stripe.js on
//! this page (no Stripe-hosted page); "op factuur" subscribes at once.

use crate::{
    domain::{money, state::State as BillingState},
    routes::{self, member_site, CheckoutInput},
    service, BillingManage, BillingRead,
};
use axum::{
    extract::{Query, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{json, Value};
use zk_kernel::text::dutch_date as date_nl;
use zk_kernel::{
    authz::Require,
    http::{CsrfForm, RequestContext},
    AppError, AppResult, Platform,
};

/// The page's data.
async fn page_data(
    p: &Platform,
    ctx: &RequestContext,
    form: Value,
    error: Option<&AppError>,
) -> AppResult<Value> {
    let s = routes::summary(p, ctx.tenant.id, ctx.tenant.employee_count).await?;
    let tiers = service::tiers(p).await?;
    let invoices: Vec<Value> = s
        .invoices
        .iter()
        .map(|i| {
            json!({
                "number": i.number.clone().unwrap_or_else(|| i.stripe_invoice_id.clone()),
                "status_key": format!("billing.invoice_status.{}", i.status),
                "created": date_nl(i.created_at.date()),
                "due": i.due_date.map(|d| date_nl(d.date())),
                "excl": money::euro_nl(i.subtotal_cents),
                "vat": money::euro_nl(i.tax_cents),
                "incl": money::euro_nl(i.total_cents),
                "pdf_url": i.pdf_url.as_deref().filter(|u| u.starts_with("https://")),
                "failed": i.payment_failed_at.is_some() && i.status == "open",
            })
        })
        .collect();
    let tier_rows: Vec<Value> = tiers
        .iter()
        .map(|t| {
            json!({
                "name": t.name,
                "monthly": money::euro_nl(i64::from(t.monthly_cents)),
                "yearly": money::euro_nl(t.yearly_cents()),
                "yearly_incl": money::euro_nl(t.yearly_incl_vat_cents()),
                "current": t.number == s.plan.tier_number,
            })
        })
        .collect();
    let subscribed = s.plan.tier_number > 0
        && matches!(
            s.state,
            BillingState::Active | BillingState::PastDue | BillingState::Suspended
        );
    let pending_tier = s
        .pending_tier
        .and_then(|n| tiers.iter().find(|t| t.number == n))
        .map(|t| t.name.clone());
    let can_checkout = !s.offline && matches!(s.state, BillingState::None | BillingState::Canceled);
    Ok(json!({
        "is_admin": true,
        "on_billing_page": true,
        "state": s.state,
        "state_key": format!("billing.state.{}", s.state.as_str()),
        "offline": s.offline,
        "past_due": s.state == BillingState::PastDue,
        "closed": !s.state.portal_open(),
        "plan": {
            "tier": s.plan.tier,
            "employee_count": s.plan.employee_count,
            "monthly": money::euro_nl(s.plan.monthly_excl_vat_cents),
            "yearly": money::euro_nl(s.plan.yearly_excl_vat_cents),
            "vat": money::euro_nl(s.plan.yearly_vat_cents),
            "yearly_incl": money::euro_nl(s.plan.yearly_incl_vat_cents),
        },
        "paid_until": s.paid_until.map(date_nl),
        "grace_until": s.grace_until.map(|d| date_nl(d.date())),
        "by_invoice": s.collection_method.as_deref() == Some("send_invoice"),
        "invoices": invoices,
        "tiers": tier_rows,
        "can_checkout": can_checkout,
        "subscribed": subscribed,
        "pending_tier": pending_tier,
        "can_replace_method": subscribed && !s.offline && s.collection_method.as_deref() == Some("charge_automatically"),
        "form": form,
        "error": error.map(|e| json!({"field": e.field, "message": e.message})),
        "history": s.history.iter().map(|h| json!({
            "when": date_nl(h.created_at.date()),
            "from_key": format!("billing.state.{}", h.from_state),
            "to_key": format!("billing.state.{}", h.to_state),
            "reason": h.reason,
        })).collect::<Vec<_>>(),
    }))
}

/// What the page says after a redirect.
#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    gestart: Option<String>,
    betaald: Option<String>,
    gewijzigd: Option<String>,
}

/// `GET /abonnement`
pub async fn show(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingRead>,
    Query(q): Query<ShowQuery>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let mut data = page_data(
        &p,
        &ctx,
        json!({"employee_count": ctx.tenant.employee_count, "collection": "invoice"}),
        None,
    )
    .await?;
    let notice = if q.gewijzigd.is_some() {
        Some("billing.changed_notice")
    } else if q.betaald.is_some() {
        Some("billing.paid_notice")
    } else if q.gestart.is_some() {
        Some("billing.started_notice")
    } else {
        None
    };
    data["notice_key"] = json!(notice);
    Ok(p.theme.render("billing", &ctx, data)?.into_response())
}

/// The checkout form.
#[derive(Debug, Deserialize)]
pub struct CheckoutForm {
    #[serde(default)]
    employee_count: String,
    #[serde(default)]
    billing_name: String,
    #[serde(default)]
    billing_email: String,
    #[serde(default)]
    address_line: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    kvk_number: String,
    #[serde(default)]
    vat_number: String,
    #[serde(default)]
    collection: String,
}

/// `POST /abonnement`: starts the checkout. "Op factuur" ends here; automatic payment goes on
/// to the payment step with Stripe.js.
pub async fn start(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<BillingManage>,
    CsrfForm(f): CsrfForm<CheckoutForm>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let form = json!({
        "employee_count": f.employee_count, "billing_name": f.billing_name,
        "billing_email": f.billing_email, "address_line": f.address_line,
        "postal_code": f.postal_code, "city": f.city, "kvk_number": f.kvk_number,
        "vat_number": f.vat_number, "collection": f.collection,
    });
    let result = async {
        let employees = crate::domain::validate::employee_count_text(&f.employee_count)?;
        let checkout = routes::validate_checkout(&CheckoutInput {
            employee_count: i64::from(employees),
            billing_name: f.billing_name.clone(),
            billing_email: f.billing_email.clone(),
            address_line: f.address_line.clone(),
            postal_code: f.postal_code.clone(),
            city: f.city.clone(),
            kvk_number: f.kvk_number.clone(),
            vat_number: f.vat_number.clone(),
            collection: f.collection.clone(),
        })?;
        service::start_checkout(
            &p,
            ctx.tenant.id,
            &checkout,
            &auth.principal.user_id.to_string(),
        )
        .await
    }
    .await;
    match result {
        Ok(started) => match started.client_secret {
            None => Ok(Redirect::to("/abonnement?gestart=1").into_response()),
            Some(secret) => pay_step(
                &p,
                &ctx,
                &secret,
                Some(f.billing_name.trim()),
                Some(f.billing_email.trim()),
                false,
            ),
        },
        Err(e) if e.status.is_client_error() => {
            let data = page_data(&p, &ctx, form, Some(&e)).await?;
            let mut res = p.theme.render("billing", &ctx, data)?.into_response();
            *res.status_mut() = e.status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// The payment step: Stripe.js (from the configured URL) collects the card or SEPA details
/// and confirms the setup intent; the page then posts it to `/abonnement/betaald`.
/// With `pay_open` the step pays the member's open invoices once the method is confirmed.
pub(crate) fn pay_step(
    p: &Platform,
    ctx: &RequestContext,
    client_secret: &str,
    billing_name: Option<&str>,
    billing_email: Option<&str>,
    pay_open: bool,
) -> AppResult<Response> {
    let cfg = p.config.stripe.as_ref().ok_or_else(service::offline)?;
    let origin = |url: &str| -> String { url.split('/').take(3).collect::<Vec<_>>().join("/") };
    let js_origin = origin(&cfg.js_url);
    let api_origin = origin(cfg.api_base.as_deref().unwrap_or("https://api.stripe.com/"));
    let data = json!({
        "is_admin": true,
        "client_secret": client_secret,
        "publishable_key": cfg.publishable_key,
        "js_url": cfg.js_url,
        "billing_name": billing_name,
        "billing_email": billing_email,
        "pay_open": pay_open,
    });
    let mut res = p.theme.render("billing_pay", ctx, data)?.into_response();
    let csp = format!(
        "default-src 'self'; script-src 'self' {js_origin}; frame-src {js_origin} https://hooks.stripe.com; connect-src 'self' {js_origin} {api_origin}; img-src 'self' data: {js_origin}; style-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&csp).map_err(|e| AppError::internal(anyhow::anyhow!(e)))?,
    );
    Ok(res)
}

/// The confirmed setup intent from the payment step.
#[derive(Debug, Deserialize)]
pub struct PaidForm {
    #[serde(default)]
    setup_intent: String,
    /// Set by the step of "Nu betalen": pay the open invoices with the confirmed method.
    #[serde(default)]
    openstaand: Option<String>,
}

/// `POST /abonnement/betaald`
pub async fn paid(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<BillingManage>,
    CsrfForm(f): CsrfForm<PaidForm>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let stripe = service::stripe(&p).ok_or_else(service::offline)?;
    let source = format!("admin:{}", auth.principal.user_id);
    service::complete_setup(&p, &stripe, ctx.tenant.id, f.setup_intent.trim(), &source).await?;
    if f.openstaand.is_some() {
        let state = service::pay_open_invoices(&p, &stripe, ctx.tenant.id, &source).await?;
        if state != BillingState::Active {
            return Ok(Redirect::to("/abonnement/betalen?mislukt=1").into_response());
        }
    }
    Ok(Redirect::to("/abonnement?betaald=1").into_response())
}

/// The headcount to preview.
#[derive(Debug, Default, Deserialize)]
pub struct HeadcountQuery {
    #[serde(default)]
    aantal: String,
}

fn headcount_data(preview: &service::HeadcountPreview) -> Value {
    json!({
        "employee_count": preview.employee_count,
        "current_tier": preview.current_tier.name,
        "new_tier": preview.new_tier.name,
        "up": preview.movement == crate::domain::tiers::TierMove::Up,
        "down": preview.movement == crate::domain::tiers::TierMove::Down,
        "same": preview.movement == crate::domain::tiers::TierMove::Same,
        "renews_on": preview.renews_on.map(date_nl),
        "proration_excl": money::euro_nl(preview.proration_excl_vat_cents),
        "proration_vat": money::euro_nl(preview.proration_vat_cents),
        "proration_incl": money::euro_nl(preview.proration_incl_vat_cents),
        "new_yearly": money::euro_nl(preview.new_yearly_excl_vat_cents),
    })
}

/// `GET /abonnement/medewerkers?aantal=N`: what the new headcount does, to confirm.
pub async fn show_headcount(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingManage>,
    Query(q): Query<HeadcountQuery>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let result = async {
        let employees = crate::domain::validate::employee_count_text(&q.aantal)?;
        service::preview_headcount(&p, ctx.tenant.id, employees).await
    }
    .await;
    match result {
        Ok(preview) => {
            let mut data = headcount_data(&preview);
            data["is_admin"] = json!(true);
            Ok(p.theme
                .render("billing_headcount", &ctx, data)?
                .into_response())
        }
        Err(e) if e.status.is_client_error() => {
            let mut data =
                page_data(&p, &ctx, json!({"employee_count": q.aantal}), Some(&e)).await?;
            data["headcount_value"] = json!(q.aantal);
            let mut res = p.theme.render("billing", &ctx, data)?.into_response();
            *res.status_mut() = e.status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// The confirmed headcount.
#[derive(Debug, Deserialize)]
pub struct HeadcountForm {
    #[serde(default)]
    employee_count: String,
}

/// `POST /abonnement/medewerkers`: applies the confirmed headcount.
pub async fn change_headcount(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<BillingManage>,
    CsrfForm(f): CsrfForm<HeadcountForm>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let employees = crate::domain::validate::employee_count_text(&f.employee_count)?;
    service::change_headcount(
        &p,
        ctx.tenant.id,
        employees,
        &auth.principal.user_id.to_string(),
    )
    .await?;
    Ok(Redirect::to("/abonnement?gewijzigd=1").into_response())
}

/// `POST /abonnement/betaalmethode`: the payment step for a new payment method.
pub async fn change_payment_method(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingManage>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let secret = service::start_payment_method_change(&p, ctx.tenant.id).await?;
    let s = routes::summary(&p, ctx.tenant.id, ctx.tenant.employee_count).await?;
    pay_step(
        &p,
        &ctx,
        &secret,
        s.billing_name.as_deref(),
        s.billing_email.as_deref(),
        false,
    )
}
