//! What a member owes, and how to pay it (`/abonnement/betalen`, admins): the amount excl. and
//! incl. BTW, a bank transfer to NZK's account with the invoice number as reference, "Nu betalen"
//! through the payment step when billing runs through Stripe, and whom to ask. A member's admins
//! land here while its portal is closed for non-payment, instead of on a closed door.

use crate::{
    domain::{due, money, state::State as BillingState},
    pages::pay_step,
    routes::member_site,
    service, BillingManage, BillingRead,
};
use axum::{
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;
use zk_kernel::{
    authz::Require,
    http::{CsrfForm, RequestContext},
    AppResult, Platform,
};

/// After a payment that did not go through.
#[derive(Debug, Default, Deserialize)]
pub struct DueQuery {
    mislukt: Option<String>,
}

/// `GET /abonnement/betalen`
pub async fn show_due(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingRead>,
    Query(q): Query<DueQuery>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let facts = service::member_facts(&p, ctx.tenant.id).await?;
    let state = BillingState::parse(&facts.state);
    let how = due::how_to_pay(
        state,
        facts.mode == "stripe",
        p.config.stripe.is_some(),
        facts.due_incl_vat_cents,
        &facts.due_references,
    );
    let payee = &p.config.billing_payee;
    let data = json!({
        "is_admin": true,
        "on_billing_page": true,
        "member": ctx.tenant.name,
        "closed": !state.portal_open(),
        "state_key": format!("billing.state.{}", state.as_str()),
        "excl": money::euro_nl(facts.due_excl_vat_cents),
        "vat": money::euro_nl(facts.due_vat_cents),
        "incl": money::euro_nl(facts.due_incl_vat_cents),
        "reference": how.reference,
        "pay_now": how.pay_now,
        "nothing_due": how.nothing_due,
        "failed": q.mislukt.is_some(),
        "iban": payee.iban,
        "beneficiary": payee.beneficiary,
        "contact_email": payee.contact_email,
        "contact_phone": payee.contact_phone,
        "phone_href": payee.contact_phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect::<String>(),
    });
    Ok(p.theme.render("billing_due", &ctx, data)?.into_response())
}

/// `POST /abonnement/nu-betalen`: the payment step for the open invoices (card or SEPA with
/// Stripe.js); once confirmed, `/abonnement/betaald` pays them at once.
pub async fn pay_now(
    State(p): State<Platform>,
    ctx: RequestContext,
    _: Require<BillingManage>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    member_site(&ctx)?;
    let secret = service::start_payment_method_change(&p, ctx.tenant.id).await?;
    let s = crate::routes::summary(&p, ctx.tenant.id, ctx.tenant.employee_count).await?;
    pay_step(
        &p,
        &ctx,
        &secret,
        s.billing_name.as_deref(),
        s.billing_email.as_deref(),
        true,
    )
}
