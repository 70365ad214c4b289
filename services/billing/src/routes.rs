//! JSON API and the Stripe webhook. Handlers are thin: they check the host and permission,
//! validate, and call `service`.

use crate::{
    domain::{
        money, signature,
        state::State as BillingState,
        tiers::{self, Tier},
        validate,
    },
    repo::{self, InvoiceRow, MemberBilling, StateChange},
    service::{self, Applied, EventRecord},
    stripe::Collection,
    BillingManage, BillingOperate, BillingRead,
};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use zk_kernel::{
    authz::Require,
    error::ErrorEnvelope,
    http::{ApiJson, RequestContext},
    text::csv_field,
    AppError, AppResult, Platform, TenantId,
};

/// Member hosts only.
pub fn member_site(ctx: &RequestContext) -> AppResult<()> {
    if ctx.tenant.is_platform {
        Err(AppError::not_found())
    } else {
        Ok(())
    }
}

/// The bare base domain only.
pub fn platform_site(ctx: &RequestContext) -> AppResult<()> {
    if ctx.tenant.is_platform {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

/// How a member pays.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BillingMode {
    /// Invoiced by NZK outside the platform (billing offline).
    Manual,
    /// Through Stripe.
    Stripe,
}

/// The member's membership tier and yearly price.
#[derive(Debug, Serialize, ToSchema)]
pub struct Plan {
    /// Tier name (the employee range).
    pub tier: String,
    pub tier_number: i16,
    pub employee_count: i32,
    pub monthly_excl_vat_cents: i64,
    pub yearly_excl_vat_cents: i64,
    /// BTW (21 %) on the yearly price.
    pub yearly_vat_cents: i64,
    /// Including 21 % BTW.
    pub yearly_incl_vat_cents: i64,
    pub billing_mode: BillingMode,
}

fn plan_for(tier: &Tier, employee_count: i32, online: bool) -> Plan {
    Plan {
        tier: tier.name.clone(),
        tier_number: tier.number,
        employee_count,
        monthly_excl_vat_cents: i64::from(tier.monthly_cents),
        yearly_excl_vat_cents: tier.yearly_cents(),
        yearly_vat_cents: tier.yearly_vat_cents(),
        yearly_incl_vat_cents: tier.yearly_incl_vat_cents(),
        billing_mode: if online {
            BillingMode::Stripe
        } else {
            BillingMode::Manual
        },
    }
}

/// The member's membership tier and yearly price
///
/// Member host. Permission billing:read (admin). The tier follows the confirmed headcount (or
/// the member's employee count before a checkout); prices are per month excl. 21 % BTW, billed
/// yearly.
#[utoipa::path(get, path = "/api/v1/billing/plan", tag = "billing",
    responses((status = 200, description = "Plan", body = Plan),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn get_plan(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingRead>,
) -> AppResult<Json<Plan>> {
    member_site(&ctx)?;
    let summary = summary(&p, ctx.tenant.id, ctx.tenant.employee_count).await?;
    Ok(Json(summary.plan))
}

/// A member's subscription: state, plan, invoices and the audit trail of its state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Subscription {
    pub state: BillingState,
    /// True when billing runs offline (NZK invoices by hand).
    pub offline: bool,
    pub plan: Plan,
    /// Manual plan: paid until this day; Stripe: end of the current period.
    #[serde(with = "zk_kernel::text::iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub paid_until: Option<Date>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub past_due_since: Option<OffsetDateTime>,
    /// The end of the grace period while past due.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub grace_until: Option<OffsetDateTime>,
    /// `charge_automatically` or `send_invoice`.
    pub collection_method: Option<String>,
    /// A lower tier that takes effect at the next renewal.
    pub pending_tier: Option<i16>,
    pub billing_name: Option<String>,
    pub billing_email: Option<String>,
    pub kvk_number: Option<String>,
    pub vat_number: Option<String>,
    pub invoices: Vec<InvoiceRow>,
    pub history: Vec<StateChange>,
}

/// The member's billing as its admins see it.
pub async fn summary(
    p: &Platform,
    tenant: TenantId,
    fallback_employees: i32,
) -> AppResult<Subscription> {
    let tiers = service::tiers(p).await?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let account = repo::account(&mut tx, tenant, false).await?;
    let invoices = repo::invoices(&mut tx, tenant).await?;
    let history = repo::state_changes(&mut tx, tenant, 50).await?;
    tx.commit().await?;
    let employees = account
        .as_ref()
        .and_then(|a| a.employee_count)
        .unwrap_or(fallback_employees.max(0));
    let tier = account
        .as_ref()
        .and_then(|a| a.tier)
        .and_then(|n| tiers.iter().find(|t| t.number == n))
        .or_else(|| tiers::tier_for(&tiers, employees))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no tiers")))?;
    let online = p.config.stripe.is_some() && account.as_ref().is_none_or(|a| a.mode == "stripe");
    let state = account
        .as_ref()
        .map_or(BillingState::None, |a| BillingState::parse(&a.state));
    let past_due_since = account.as_ref().and_then(|a| a.past_due_since);
    Ok(Subscription {
        state,
        offline: !online,
        plan: plan_for(tier, employees, online),
        paid_until: account.as_ref().and_then(|a| a.paid_until),
        past_due_since,
        grace_until: past_due_since.map(|s| s + p.config.billing_grace),
        collection_method: account.as_ref().and_then(|a| a.collection_method.clone()),
        pending_tier: account.as_ref().and_then(|a| a.pending_tier),
        billing_name: account.as_ref().and_then(|a| a.billing_name.clone()),
        billing_email: account.as_ref().and_then(|a| a.billing_email.clone()),
        kvk_number: account.as_ref().and_then(|a| a.kvk_number.clone()),
        vat_number: account.as_ref().and_then(|a| a.vat_number.clone()),
        invoices,
        history,
    })
}

/// The member's subscription, invoices and state history
///
/// Member host. Permission billing:read (admin).
#[utoipa::path(get, path = "/api/v1/billing/subscription", tag = "billing",
    responses((status = 200, description = "Subscription", body = Subscription),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn get_subscription(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingRead>,
) -> AppResult<Json<Subscription>> {
    member_site(&ctx)?;
    Ok(Json(
        summary(&p, ctx.tenant.id, ctx.tenant.employee_count).await?,
    ))
}

/// The billing details of a checkout.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CheckoutInput {
    /// The headcount the admin confirms (0 to 1,000,000); it sets the tier.
    pub employee_count: i64,
    pub billing_name: String,
    /// Where invoices go.
    pub billing_email: String,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    /// 8 digits (optional).
    #[serde(default)]
    pub kvk_number: String,
    /// BTW number, e.g. NL123456789B01 (optional; stored at Stripe as an EU VAT tax id).
    #[serde(default)]
    pub vat_number: String,
    /// `automatic` (card or SEPA direct debit, collected with Stripe.js) or `invoice` (op
    /// factuur, 30 days to pay).
    pub collection: String,
}

/// Validates a checkout; the first field at fault is named.
pub fn validate_checkout(i: &CheckoutInput) -> AppResult<service::Checkout> {
    let collection = match i.collection.as_str() {
        "automatic" => Collection::Automatic,
        "invoice" => Collection::Invoice,
        _ => {
            return Err(AppError::validation(
                "collection",
                "invalid_collection",
                "Kies hoe u betaalt: automatisch (kaart of incasso) of op factuur.",
            ))
        }
    };
    Ok(service::Checkout {
        employee_count: validate::employee_count(i.employee_count)?,
        billing_name: validate::required(
            "billing_name",
            "de naam op de factuur",
            &i.billing_name,
            200,
        )?,
        billing_email: validate::email("billing_email", &i.billing_email)?,
        address_line: validate::required("address_line", "het adres", &i.address_line, 200)?,
        postal_code: validate::postal_code(&i.postal_code)?,
        city: validate::required("city", "de plaats", &i.city, 100)?,
        kvk_number: validate::kvk_number(&i.kvk_number)?,
        vat_number: validate::vat_number(&i.vat_number)?,
        collection,
    })
}

/// What the checkout needs next.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckoutStarted {
    /// For `automatic`: confirm this setup intent with Stripe.js, then call
    /// `/api/v1/billing/checkout/complete`.
    pub client_secret: Option<String>,
    /// Stripe.js key.
    pub publishable_key: Option<String>,
    pub subscription: Subscription,
}

/// Start a checkout
///
/// Member host. Permission billing:manage (admin). Stores the billing details and the Stripe
/// customer (with its BTW number). `invoice` subscribes at once, with 30 days to pay each
/// invoice; `automatic` returns a setup intent to confirm with Stripe.js. Refused with 409
/// `billing_offline` when billing runs offline, `already_subscribed` when subscribed.
#[utoipa::path(post, path = "/api/v1/billing/checkout", tag = "billing", request_body = CheckoutInput,
    responses((status = 200, description = "Started", body = CheckoutStarted),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn start_checkout(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<BillingManage>,
    ApiJson(input): ApiJson<CheckoutInput>,
) -> AppResult<Json<CheckoutStarted>> {
    member_site(&ctx)?;
    let checkout = validate_checkout(&input)?;
    let started = service::start_checkout(
        &p,
        ctx.tenant.id,
        &checkout,
        &auth.principal.user_id.to_string(),
    )
    .await?;
    Ok(Json(CheckoutStarted {
        client_secret: started.client_secret,
        publishable_key: p.config.stripe.as_ref().map(|s| s.publishable_key.clone()),
        subscription: summary(&p, ctx.tenant.id, ctx.tenant.employee_count).await?,
    }))
}

/// The confirmed setup intent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CompleteInput {
    /// `seti_…`, as Stripe.js returned it.
    pub setup_intent: String,
}

/// Finish an automatic-payment checkout
///
/// Member host. Permission billing:manage (admin). After Stripe.js confirmed the setup intent:
/// the payment method becomes the default and the subscription is made (once).
#[utoipa::path(post, path = "/api/v1/billing/checkout/complete", tag = "billing", request_body = CompleteInput,
    responses((status = 200, description = "Subscription", body = Subscription),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn complete_checkout(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<BillingManage>,
    ApiJson(input): ApiJson<CompleteInput>,
) -> AppResult<Json<Subscription>> {
    member_site(&ctx)?;
    let stripe = service::stripe(&p).ok_or_else(service::offline)?;
    service::complete_setup(
        &p,
        &stripe,
        ctx.tenant.id,
        input.setup_intent.trim(),
        &format!("admin:{}", auth.principal.user_id),
    )
    .await?;
    Ok(Json(
        summary(&p, ctx.tenant.id, ctx.tenant.employee_count).await?,
    ))
}

/// Stripe's webhook event (only the fields we use).
#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    object: EventObject,
}

#[derive(Debug, Deserialize)]
struct EventObject {
    id: String,
    object: String,
    #[serde(default)]
    customer: Option<String>,
}

/// The answer to a webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResult {
    /// `applied`, `duplicate` or `ignored`.
    pub result: String,
}

const HANDLED: &[&str] = &[
    "setup_intent.succeeded",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "invoice.payment_succeeded",
    "invoice.payment_failed",
    "invoice.updated",
    "invoice.voided",
    "invoice.marked_uncollectible",
];

fn result(r: &str) -> Json<WebhookResult> {
    Json(WebhookResult { result: r.into() })
}

/// Stripe webhook
///
/// Any host (Stripe calls the NZK address). Signed with `Stripe-Signature` (HMAC-SHA256 of
/// `t.body` with the endpoint's secret, checked in constant time, at most 300 s old): a
/// forged, stale or unsigned call gets 400. Each event id is applied once; the member's state
/// is derived from Stripe's current subscription and invoices, so the order of events does not
/// matter.
#[utoipa::path(post, path = "/api/v1/billing/webhooks/stripe", tag = "billing",
    responses((status = 200, description = "Received", body = WebhookResult),
        (status = 400, description = "Bad signature", body = ErrorEnvelope),
        (status = 404, description = "Billing offline", body = ErrorEnvelope)))]
pub async fn webhook(
    State(p): State<Platform>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let (Some(stripe), Some(secret)) = (
        service::stripe(&p),
        p.config
            .stripe
            .as_ref()
            .and_then(|s| s.webhook_secret.as_ref()),
    ) else {
        return Err(AppError::not_found());
    };
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok());
    let now = OffsetDateTime::now_utc().unix_timestamp();
    if let Err(e) = signature::verify(header, &body, secret.expose(), now) {
        tracing::warn!(reason = e.code(), "Stripe webhook refused");
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            e.code(),
            "De handtekening van dit bericht klopt niet.",
        ));
    }
    let event: Event = serde_json::from_slice(&body).map_err(|_| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            "invalid_event",
            "Dit bericht is geen Stripe-gebeurtenis.",
        )
    })?;
    if !HANDLED.contains(&event.kind.as_str()) {
        return Ok(result("ignored").into_response());
    }
    let customer = match event.data.object.object.as_str() {
        "customer" => Some(event.data.object.id.clone()),
        _ => event.data.object.customer.clone(),
    };
    let tenant = match &customer {
        Some(c) => {
            let mut conn = p.db.app.acquire().await?;
            if repo::event_seen(&mut conn, &event.id).await? {
                return Ok(result("duplicate").into_response());
            }
            repo::tenant_of_customer(&mut conn, c).await?
        }
        None => None,
    };
    let Some(tenant) = tenant.map(TenantId) else {
        tracing::info!(event.id = %event.id, event.kind = %event.kind, "webhook for no member of ours");
        return Ok(result("ignored").into_response());
    };
    let source = format!("webhook:{}", event.id);
    if event.kind == "setup_intent.succeeded" {
        match service::complete_setup(&p, &stripe, tenant, &event.data.object.id, &source).await {
            Ok(()) => {}
            // The page finished it first, or it was for a card change: nothing more to do.
            Err(e) if e.status.is_client_error() => {}
            Err(e) => return Err(e),
        }
    }
    let record = EventRecord {
        id: &event.id,
        kind: &event.kind,
        object: &event.data.object.id,
    };
    let applied = service::refresh_from_stripe(&p, &stripe, tenant, Some(record), &source).await?;
    tracing::info!(tenant.id = %tenant, event.id = %event.id, event.kind = %event.kind, duplicate = applied == Applied::Duplicate, "webhook applied");
    Ok(result(if applied == Applied::Duplicate {
        "duplicate"
    } else {
        "applied"
    })
    .into_response())
}

/// The operators' billing overview: every member with its state, and the totals.
#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    pub members: Vec<MemberRow>,
    /// Monthly recurring revenue excl. BTW, in cents (active and past-due members).
    pub mrr_cents: i64,
    /// Yearly recurring revenue excl. BTW, in cents.
    pub arr_cents: i64,
    /// Members per state.
    pub by_state: std::collections::BTreeMap<String, i64>,
    /// Members with a failed payment on an open invoice.
    pub failed_payments: i64,
    /// Members whose paid-until day falls in the next 30 days.
    pub renewals_next_30_days: i64,
}

/// A member in the overview.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberRow {
    #[serde(flatten)]
    pub billing: MemberBilling,
    pub tier_name: Option<String>,
    pub yearly_excl_vat_cents: Option<i64>,
    /// Renews (or must be renewed) within 30 days.
    pub renews_soon: bool,
}

/// Builds the overview from the members and tiers.
pub fn overview(members: Vec<MemberBilling>, tiers: &[Tier], today: Date) -> Overview {
    let mut by_state = std::collections::BTreeMap::new();
    let mut mrr = 0;
    let mut failed = 0;
    let mut renewals = 0;
    let rows = members
        .into_iter()
        .map(|m| {
            *by_state.entry(m.state.clone()).or_insert(0) += 1;
            let tier = m.tier.and_then(|n| tiers.iter().find(|t| t.number == n));
            let paying = matches!(m.state.as_str(), "active" | "past_due");
            if paying {
                mrr += tier.map_or(0, |t| i64::from(t.monthly_cents));
            }
            if m.failed_invoices > 0 {
                failed += 1;
            }
            let renews_soon = paying
                && m.paid_until
                    .is_some_and(|d| d >= today && d <= today + time::Duration::days(30));
            if renews_soon {
                renewals += 1;
            }
            MemberRow {
                tier_name: tier.map(|t| t.name.clone()),
                yearly_excl_vat_cents: tier.map(Tier::yearly_cents),
                renews_soon,
                billing: m,
            }
        })
        .collect();
    Overview {
        members: rows,
        mrr_cents: mrr,
        arr_cents: mrr * 12,
        by_state,
        failed_payments: failed,
        renewals_next_30_days: renewals,
    }
}

/// Loads the overview (platform host).
pub async fn load_overview(p: &Platform) -> AppResult<Overview> {
    let tiers = service::tiers(p).await?;
    let mut tx = p.db.begin_tenant(TenantId::PLATFORM).await?;
    let members = repo::member_overview(&mut tx).await?;
    tx.commit().await?;
    Ok(overview(members, &tiers, OffsetDateTime::now_utc().date()))
}

/// Billing of every member
///
/// Operators only, on the bare base domain (permission billing:operate): members by state,
/// MRR and ARR, failed payments, renewals in the next 30 days.
#[utoipa::path(get, path = "/api/v1/billing/members", tag = "billing",
    responses((status = 200, description = "Overview", body = Overview),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn list_members(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingOperate>,
) -> AppResult<Json<Overview>> {
    platform_site(&ctx)?;
    Ok(Json(load_overview(&p).await?))
}

/// The overview as CSV (semicolons, for Excel in Dutch).
pub fn overview_csv(o: &Overview) -> String {
    let mut out = String::from("\u{feff}lid;webadres;staat;wijze;staffel;medewerkers;jaarbedrag excl. btw;betaald tot;achterstallig sinds;mislukte betalingen\r\n");
    for m in &o.members {
        let b = &m.billing;
        let row = [
            b.name.clone(),
            b.slug.clone(),
            b.state.clone(),
            b.mode.clone(),
            m.tier_name.clone().unwrap_or_default(),
            b.employee_count.to_string(),
            m.yearly_excl_vat_cents
                .map(|c| money::euro_nl(c).replace("€ ", ""))
                .unwrap_or_default(),
            b.paid_until.map(|d| d.to_string()).unwrap_or_default(),
            b.past_due_since
                .map(|d| d.date().to_string())
                .unwrap_or_default(),
            b.failed_invoices.to_string(),
        ];
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(";"),
        );
        out.push_str("\r\n");
    }
    out
}

/// Billing of every member as CSV
///
/// Operators only, on the bare base domain (permission billing:operate).
#[utoipa::path(get, path = "/api/v1/billing/members.csv", tag = "billing",
    responses((status = 200, description = "CSV", content_type = "text/csv"),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn members_csv(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingOperate>,
) -> AppResult<Response> {
    platform_site(&ctx)?;
    let csv = overview_csv(&load_overview(&p).await?);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"lidmaatschappen.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

/// A manual plan (billing offline).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ManualPlanInput {
    /// The member's headcount; it sets the tier.
    pub employee_count: i64,
    /// Paid until the end of this day (YYYY-MM-DD).
    #[schema(value_type = String, format = Date)]
    pub paid_until: String,
    /// Why (kept in the audit trail).
    #[serde(default)]
    pub reason: String,
}

/// Put a member on a manual plan
///
/// Operators only, on the bare base domain (permission billing:operate). For billing offline:
/// the member is invoiced by NZK; the same access rules follow the paid-until day (past due the
/// day after, suspended after the grace period).
#[utoipa::path(put, path = "/api/v1/billing/members/{slug}/manual-plan", tag = "billing", request_body = ManualPlanInput,
    params(("slug" = String, Path, description = "The member's slug")),
    responses((status = 200, description = "The member's subscription", body = Subscription),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn set_manual_plan(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<BillingOperate>,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<ManualPlanInput>,
) -> AppResult<Json<Subscription>> {
    platform_site(&ctx)?;
    let employees = validate::employee_count(input.employee_count)?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let paid_until = Date::parse(input.paid_until.trim(), &format).map_err(|_| {
        AppError::validation(
            "paid_until",
            "invalid_date",
            "Vul een datum in als JJJJ-MM-DD, bijvoorbeeld 2027-12-31.",
        )
    })?;
    let reason = input.reason.trim();
    if reason.chars().count() > 500 {
        return Err(AppError::validation(
            "reason",
            "too_long",
            "De reden mag hoogstens 500 tekens lang zijn.",
        ));
    }
    let member = {
        let mut conn = p.db.app.acquire().await?;
        repo::member_by_slug(&mut conn, &slug)
            .await?
            .ok_or_else(AppError::not_found)?
    };
    service::set_manual_plan(
        &p,
        TenantId(member),
        employees,
        paid_until,
        &auth.principal.user_id.to_string(),
        reason,
    )
    .await?;
    Ok(Json(summary(&p, TenantId(member), employees).await?))
}

/// The tiers.
#[derive(Debug, Serialize, ToSchema)]
pub struct TierRow {
    #[serde(flatten)]
    pub tier: Tier,
    pub to_employees: Option<i32>,
    pub yearly_excl_vat_cents: i64,
    pub yearly_incl_vat_cents: i64,
    /// The tier's plan id in Stripe.
    pub plan_id: String,
}

/// Membership tiers and prices
///
/// Any host, no login: the tiers by number of employees, per month excl. BTW, billed yearly.
#[utoipa::path(get, path = "/api/v1/billing/tiers", tag = "billing",
    responses((status = 200, description = "Tiers", body = [TierRow])))]
pub async fn list_tiers(State(p): State<Platform>) -> AppResult<Json<Vec<TierRow>>> {
    let tiers = service::tiers(&p).await?;
    Ok(Json(
        tiers
            .iter()
            .map(|t| TierRow {
                to_employees: t.to_employees(&tiers),
                yearly_excl_vat_cents: t.yearly_cents(),
                yearly_incl_vat_cents: t.yearly_incl_vat_cents(),
                plan_id: t.plan_id(),
                tier: t.clone(),
            })
            .collect(),
    ))
}

/// A new monthly price.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TierPriceInput {
    /// Per month excl. BTW, in cents (1 to 100,000 euros).
    pub monthly_cents: i64,
}

/// Change a tier's price
///
/// Operators only, on the bare base domain (permission billing:operate). The tier gets a new
/// Stripe plan (`zk-tier-N-yearly-vK`); members move to it at their next renewal.
#[utoipa::path(put, path = "/api/v1/billing/tiers/{number}", tag = "billing", request_body = TierPriceInput,
    params(("number" = i16, Path, description = "Tier number, 1 for the smallest")),
    responses((status = 200, description = "Tier", body = Tier),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn set_tier_price(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingOperate>,
    Path(number): Path<i16>,
    ApiJson(input): ApiJson<TierPriceInput>,
) -> AppResult<Json<Tier>> {
    platform_site(&ctx)?;
    if !(100..=10_000_000).contains(&input.monthly_cents) {
        return Err(AppError::validation(
            "monthly_cents",
            "invalid_price",
            "De prijs per maand ligt tussen € 1 en € 100.000 (in centen: 100 tot 10.000.000).",
        ));
    }
    let mut tx = p.db.begin_tenant(TenantId::PLATFORM).await?;
    let tier = repo::set_tier_price(&mut tx, number, input.monthly_cents as i32)
        .await?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::NOT_FOUND,
                "unknown_tier",
                format!("Staffel {number} bestaat niet. Er zijn staffels 1 tot en met 4."),
            )
        })?;
    tx.commit().await?;
    if let Err(e) = service::sync_catalogue(&p).await {
        if e.code != "billing_offline" {
            return Err(e);
        }
    }
    Ok(Json(tier))
}

/// What the catalogue sync did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncResult {
    /// Products and plans created now (0 when everything existed).
    pub created: usize,
}

/// Make the Stripe catalogue
///
/// Operators only, on the bare base domain (permission billing:operate). Creates each tier's
/// product and yearly plan under stable ids (`zk-tier-1-yearly`), and the 21 % BTW tax rate;
/// running it again creates nothing. 409 `billing_offline` without Stripe.
#[utoipa::path(post, path = "/api/v1/billing/catalogue/sync", tag = "billing",
    responses((status = 200, description = "Synced", body = SyncResult),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn sync_catalogue(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingOperate>,
) -> AppResult<Json<SyncResult>> {
    platform_site(&ctx)?;
    Ok(Json(SyncResult {
        created: service::sync_catalogue(&p).await?,
    }))
}

/// A headcount.
#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
pub struct HeadcountInput {
    /// The member's number of employees (0 to 1,000,000).
    pub employee_count: i64,
}

/// What a new headcount would do
///
/// Member host. Permission billing:read (admin). The tier it falls in, whether it changes now
/// (a higher tier, with the proration invoiced at once) or at the next renewal (a lower tier),
/// and an estimate of the proration. 409 `not_subscribed` before a checkout.
#[utoipa::path(get, path = "/api/v1/billing/headcount-preview", tag = "billing",
    params(HeadcountInput),
    responses((status = 200, description = "Preview", body = service::HeadcountPreview),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn preview_headcount(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingRead>,
    axum::extract::Query(q): axum::extract::Query<HeadcountInput>,
) -> AppResult<Json<service::HeadcountPreview>> {
    member_site(&ctx)?;
    let employees = validate::employee_count(q.employee_count)?;
    Ok(Json(
        service::preview_headcount(&p, ctx.tenant.id, employees).await?,
    ))
}

/// Change the headcount
///
/// Member host. Permission billing:manage (admin). A higher tier takes effect now and Stripe
/// invoices the proration at once; a lower tier takes effect at the next renewal.
#[utoipa::path(put, path = "/api/v1/billing/headcount", tag = "billing", request_body = HeadcountInput,
    responses((status = 200, description = "Applied", body = service::HeadcountPreview),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn change_headcount(
    State(p): State<Platform>,
    ctx: RequestContext,
    auth: Require<BillingManage>,
    ApiJson(input): ApiJson<HeadcountInput>,
) -> AppResult<Json<service::HeadcountPreview>> {
    member_site(&ctx)?;
    let employees = validate::employee_count(input.employee_count)?;
    Ok(Json(
        service::change_headcount(
            &p,
            ctx.tenant.id,
            employees,
            &auth.principal.user_id.to_string(),
        )
        .await?,
    ))
}

/// A setup intent for a new payment method.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentMethodChange {
    /// Confirm with Stripe.js, then call `/api/v1/billing/checkout/complete`.
    pub client_secret: String,
    pub publishable_key: Option<String>,
}

/// Replace the payment method
///
/// Member host. Permission billing:manage (admin). Returns a setup intent; once Stripe.js has
/// confirmed it, `/api/v1/billing/checkout/complete` makes it the default for the next invoices.
#[utoipa::path(post, path = "/api/v1/billing/payment-method", tag = "billing",
    responses((status = 200, description = "Setup intent", body = PaymentMethodChange),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub async fn change_payment_method(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingManage>,
) -> AppResult<Json<PaymentMethodChange>> {
    member_site(&ctx)?;
    Ok(Json(PaymentMethodChange {
        client_secret: service::start_payment_method_change(&p, ctx.tenant.id).await?,
        publishable_key: p.config.stripe.as_ref().map(|s| s.publishable_key.clone()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn member(
        name: &str,
        state: &str,
        tier: Option<i16>,
        paid_until: Option<Date>,
        failed: i64,
    ) -> MemberBilling {
        MemberBilling {
            tenant_id: uuid::Uuid::nil(),
            slug: "west".into(),
            name: name.into(),
            tenant_status: "active".into(),
            employee_count: 120,
            mode: "manual".into(),
            state: state.into(),
            tier,
            paid_until,
            past_due_since: None,
            failed_invoices: failed,
        }
    }

    #[test]
    fn overview_counts_paying_members_and_renewals() {
        let tiers = crate::domain::tiers::seed();
        let today = date!(2026 - 12 - 01);
        let o = overview(
            vec![
                member("A", "active", Some(2), Some(date!(2026 - 12 - 20)), 0),
                member("B", "past_due", Some(4), Some(date!(2026 - 11 - 20)), 1),
                member("C", "suspended", Some(1), Some(date!(2026 - 10 - 01)), 0),
                member("D", "none", None, None, 0),
            ],
            &tiers,
            today,
        );
        assert_eq!(
            o.mrr_cents,
            9_900 + 39_000,
            "active and past due pay; suspended does not"
        );
        assert_eq!(o.arr_cents, o.mrr_cents * 12);
        assert_eq!(o.failed_payments, 1);
        assert_eq!(o.renewals_next_30_days, 1);
        assert_eq!(o.by_state.get("none"), Some(&1));
    }

    #[test]
    fn the_csv_quotes_each_field_once() {
        let tiers = crate::domain::tiers::seed();
        let o = overview(
            vec![member(
                "Zorg; \"West\"",
                "active",
                Some(2),
                Some(date!(2027 - 01 - 31)),
                0,
            )],
            &tiers,
            date!(2026 - 12 - 01),
        );
        let csv = overview_csv(&o);
        let row = csv.lines().nth(1).unwrap();
        assert_eq!(
            row,
            "\"Zorg; \"\"West\"\"\";west;active;manual;50-249;120;1.188,00;2027-01-31;;0"
        );
    }
}
