//! Billing use cases: each is a short function over the repository, Stripe and the rules in
//! `domain`. A member's state is always re-derived from the current facts and written with its
//! audit row and the tenant's suspension in one transaction.

use crate::{
    domain::{
        state::{self, State},
        tiers::{self, Tier},
    },
    repo::{self, Account},
    stripe::{self as st, Collection, Proration, Stripe},
};
use std::sync::Arc;
use time::{Date, OffsetDateTime};
use zk_kernel::{AppError, AppResult, Platform, TenantId};

type Tx = sqlx::Transaction<'static, sqlx::Postgres>;

/// The Stripe client of this process, when billing is online.
pub fn stripe(p: &Platform) -> Option<Arc<Stripe>> {
    let cfg = p.config.stripe.as_ref()?;
    let client = p
        .extensions
        .get_or_init(|| Stripe::new(cfg).map_err(|e| e.to_string()));
    match &*client {
        Ok(s) => Some(Arc::new(s.clone())),
        Err(e) => {
            tracing::error!(error = %e, "Stripe client could not be made");
            None
        }
    }
}

fn conflict(code: &'static str, message: &'static str) -> AppError {
    AppError::new(axum::http::StatusCode::CONFLICT, code, message)
}

/// The error of a billing action that needs Stripe while billing is offline.
pub fn offline() -> AppError {
    conflict(
        "billing_offline",
        "Facturatie loopt buiten het portaal: de Nationale Zorgklas stuurt uw factuur. Neem voor vragen contact op met NZK.",
    )
}

/// The tiers as stored.
pub async fn tiers(p: &Platform) -> AppResult<Vec<Tier>> {
    let mut conn = p.db.app.acquire().await?;
    repo::tiers(&mut conn).await
}

/// The tier with a number.
pub fn tier_by_number(tiers: &[Tier], number: i16) -> AppResult<&Tier> {
    tiers.iter().find(|t| t.number == number).ok_or_else(|| {
        AppError::validation(
            "tier",
            "unknown_tier",
            "Dit abonnement (staffel) bestaat niet.",
        )
    })
}

/// Writes `to` when it differs from the account's state: the audit row, past-due-since, and
/// the member's suspension (closed in suspended and canceled, open otherwise). True on change.
pub async fn apply_state(
    tx: &mut Tx,
    tenant: TenantId,
    account: &Account,
    to: State,
    overdue_since: Option<OffsetDateTime>,
    source: &str,
    reason: &str,
) -> AppResult<bool> {
    let from = State::parse(&account.state);
    let since = match to {
        State::PastDue | State::Suspended => overdue_since
            .or(account.past_due_since)
            .or(Some(OffsetDateTime::now_utc())),
        _ => None,
    };
    if from == to {
        if since != account.past_due_since {
            repo::set_past_due_since(tx, tenant, since).await?;
        }
        return Ok(false);
    }
    repo::set_state(
        tx,
        tenant,
        from.as_str(),
        to.as_str(),
        since,
        source,
        reason,
    )
    .await?;
    repo::set_billing_suspension(tx, !to.portal_open()).await?;
    tracing::info!(tenant.id = %tenant, from = from.as_str(), to = to.as_str(), source, "billing state changed");
    Ok(true)
}

/// Puts a member on a manual plan (billing offline): the tier from the employee count, paid
/// until the given day; the state follows at once.
pub async fn set_manual_plan(
    p: &Platform,
    member: TenantId,
    employee_count: i32,
    paid_until: Date,
    operator: &str,
    reason: &str,
) -> AppResult<Account> {
    let tiers = tiers(p).await?;
    let tier = tiers::tier_for(&tiers, employee_count).ok_or_else(|| {
        AppError::validation(
            "employee_count",
            "unknown_tier",
            "Er is geen staffel voor dit aantal medewerkers.",
        )
    })?;
    let mut tx = p.db.begin_tenant(member).await?;
    let account = repo::account_or_create(&mut tx, member, "manual").await?;
    if account.mode == "stripe" && account.stripe_subscription_id.is_some() {
        return Err(conflict(
            "billing_online",
            "Dit lid betaalt via Stripe; een handmatig abonnement kan pas als dat is opgezegd.",
        ));
    }
    repo::set_manual_plan(&mut tx, member, tier.number, employee_count, paid_until).await?;
    let now = OffsetDateTime::now_utc();
    let to = state::from_manual(Some(paid_until), now, p.config.billing_grace);
    apply_state(
        &mut tx,
        member,
        &account,
        to,
        state::manual_overdue_since(Some(paid_until), now),
        &format!("operator:{operator}"),
        reason,
    )
    .await?;
    let account = repo::account(&mut tx, member, false)
        .await?
        .expect("exists");
    tx.commit().await?;
    p.directory.invalidate(member);
    Ok(account)
}

/// Re-derives the state of members the clock may have moved (grace periods ended, manual plans
/// expired); returns how many changed. Run by the billing job in every process: the row lock
/// makes a second process see the change and do nothing.
pub async fn run_clock(p: &Platform) -> AppResult<usize> {
    let due = {
        let mut conn = p.db.app.acquire().await?;
        repo::accounts_due(&mut conn, p.config.billing_grace).await?
    };
    let mut changed = 0;
    for id in due {
        let tenant = TenantId(id);
        if let Err(e) = renew_plan(p, tenant).await {
            tracing::warn!(tenant.id = %tenant, error = %e, "plan change at renewal failed");
        }
        let mut tx = p.db.begin_tenant(tenant).await?;
        let Some(account) = repo::account(&mut tx, tenant, true).await? else {
            continue;
        };
        let now = OffsetDateTime::now_utc();
        let (to, since) = if account.mode == "manual" {
            (
                state::from_manual(account.paid_until, now, p.config.billing_grace),
                state::manual_overdue_since(account.paid_until, now),
            )
        } else {
            let current = State::parse(&account.state);
            let to = match (current, account.past_due_since) {
                (State::PastDue, Some(since)) if now - since >= p.config.billing_grace => {
                    State::Suspended
                }
                _ => current,
            };
            (to, account.past_due_since)
        };
        let reason = if to == State::Suspended {
            "Respijttermijn verstreken zonder betaling"
        } else {
            "Betaald-tot-datum verstreken"
        };
        let moved = apply_state(&mut tx, tenant, &account, to, since, "job", reason).await?;
        tx.commit().await?;
        if moved {
            p.directory.invalidate(tenant);
            changed += 1;
        }
    }
    Ok(changed)
}

/// Starts the billing job (grace periods and manual plans) in this process.
pub fn spawn_clock(p: Platform) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(p.config.billing_poll);
        loop {
            tick.tick().await;
            if let Err(e) = run_clock(&p).await {
                tracing::warn!(error = %e, "billing job failed");
            }
        }
    });
}

/// An event to record in the transaction that applies it.
pub struct EventRecord<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub object: &'a str,
}

/// What applying an event did.
#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    /// Applied now.
    Applied,
    /// Applied before (a replay): nothing changed.
    Duplicate,
}

/// Reads the member's subscription and invoices from Stripe as they are now and derives its
/// state from them; the webhook event (if any) is recorded in the same transaction, so a
/// replay changes nothing and a crash applies it again.
pub async fn refresh_from_stripe(
    p: &Platform,
    stripe: &Stripe,
    tenant: TenantId,
    event: Option<EventRecord<'_>>,
    source: &str,
) -> AppResult<Applied> {
    let (customer, subscription_id) = {
        let mut tx = p.db.begin_tenant(tenant).await?;
        let a = repo::account(&mut tx, tenant, false).await?;
        tx.commit().await?;
        match a {
            Some(a) => (a.stripe_customer_id, a.stripe_subscription_id),
            None => (None, None),
        }
    };
    let Some(customer) = customer else {
        return Ok(Applied::Applied);
    };
    let subscription = match &subscription_id {
        Some(id) => stripe.subscription(id).await?,
        None => None,
    };
    let invoices = stripe.invoices(&customer).await?;
    let tiers = tiers(p).await?;

    let mut tx = p.db.begin_tenant(tenant).await?;
    if let Some(e) = &event {
        if !repo::record_event(&mut tx, e.id, e.kind, e.object).await? {
            return Ok(Applied::Duplicate);
        }
    }
    let Some(account) = repo::account(&mut tx, tenant, true).await? else {
        tx.commit().await?;
        return Ok(Applied::Applied);
    };
    let now = OffsetDateTime::now_utc();
    let mut overdue_since: Option<OffsetDateTime> = None;
    for inv in &invoices {
        let open = inv.status.as_deref() == Some("open");
        let by_invoice = inv.collection_method.as_deref() == Some("send_invoice");
        // A failed automatic payment is known from its event (an open, attempted invoice may
        // still be processing, as SEPA debits are for days); the first failure time is kept.
        let failed = open
            && !by_invoice
            && event
                .as_ref()
                .is_some_and(|e| e.kind == "invoice.payment_failed" && e.object == inv.id);
        let row = repo::upsert_invoice(&mut tx, tenant, inv, failed).await?;
        let since = if !open {
            None
        } else if by_invoice {
            row.due_date.filter(|d| *d < now)
        } else {
            row.payment_failed_at
        };
        if let Some(s) = since {
            overdue_since = Some(overdue_since.map_or(s, |o: OffsetDateTime| o.min(s)));
        }
    }
    if let Some(sub) = &subscription {
        let tier = sub
            .plan_id()
            .and_then(|plan| {
                tiers.iter().find(|t| {
                    plan.starts_with(&format!("{}-", t.product_id())) || plan == t.plan_id()
                })
            })
            .map(|t| t.number);
        let paid_until = sub
            .period_end()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .map(|t| t.date());
        let pending = account.pending_tier.filter(|p| Some(*p) != tier);
        repo::set_plan(&mut tx, tenant, tier, pending, paid_until).await?;
    }
    // A subscription Stripe no longer knows has ended.
    let status = match (&subscription, &subscription_id) {
        (Some(s), _) => Some(s.status.as_str()),
        (None, Some(_)) => Some("canceled"),
        (None, None) => None,
    };
    let to = state::from_stripe(status, overdue_since, now, p.config.billing_grace);
    // Without a subscription yet (checkout not finished), the member keeps its state.
    if status.is_some() || State::parse(&account.state) != State::None {
        let reason = match to {
            State::Active => "Betaling ontvangen",
            State::PastDue => "Betaling mislukt of factuur over de vervaldatum",
            State::Suspended => "Respijttermijn verstreken zonder betaling",
            State::Canceled => "Abonnement beëindigd",
            State::None => "Nog geen betaling",
        };
        apply_state(&mut tx, tenant, &account, to, overdue_since, source, reason).await?;
    }
    tx.commit().await?;
    p.directory.invalidate(tenant);
    Ok(Applied::Applied)
}

/// The billing details a checkout sends, validated.
pub struct Checkout {
    pub employee_count: i32,
    pub billing_name: String,
    pub billing_email: String,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub kvk_number: Option<String>,
    pub vat_number: Option<String>,
    pub collection: Collection,
}

/// What a started checkout needs next.
pub struct Started {
    /// For automatic payment: the setup intent's client secret, for Stripe.js.
    pub client_secret: Option<String>,
}

/// Starts (or restarts) a member's checkout: stores the details, makes or updates the Stripe
/// customer with its BTW number, and then either subscribes "op factuur" at once or returns a
/// setup intent for Stripe.js to collect the payment details. The account row stays locked
/// while Stripe is called, so two clicks never make two customers or subscriptions.
pub async fn start_checkout(
    p: &Platform,
    tenant: TenantId,
    c: &Checkout,
    admin: &str,
) -> AppResult<Started> {
    let stripe = stripe(p).ok_or_else(offline)?;
    let tiers = tiers(p).await?;
    let tier = tiers::tier_for(&tiers, c.employee_count)
        .ok_or_else(|| {
            AppError::validation(
                "employee_count",
                "unknown_tier",
                "Er is geen staffel voor dit aantal medewerkers.",
            )
        })?
        .clone();
    let mut tx = p.db.begin_tenant(tenant).await?;
    let account = repo::account_or_create(&mut tx, tenant, "stripe").await?;
    if account.stripe_subscription_id.is_some() && State::parse(&account.state) != State::Canceled {
        return Err(conflict(
            "already_subscribed",
            "Uw organisatie heeft al een abonnement. Wijzig het aantal medewerkers of de betaalmethode op de pagina Abonnement.",
        ));
    }
    if account.mode == "manual" && account.paid_until.is_some() {
        return Err(conflict(
            "manual_plan",
            "Uw organisatie heeft een handmatig abonnement bij NZK. Neem contact op met NZK om over te stappen.",
        ));
    }
    repo::set_details(
        &mut tx,
        tenant,
        &repo::Details {
            employee_count: c.employee_count,
            tier: tier.number,
            billing_name: &c.billing_name,
            billing_email: &c.billing_email,
            address_line: &c.address_line,
            postal_code: &c.postal_code,
            city: &c.city,
            kvk_number: c.kvk_number.as_deref(),
            vat_number: c.vat_number.as_deref(),
            collection_method: c.collection.as_str(),
        },
    )
    .await?;
    let details = st::CustomerDetails {
        tenant_id: tenant.to_string(),
        name: c.billing_name.clone(),
        email: c.billing_email.clone(),
        address_line: c.address_line.clone(),
        postal_code: c.postal_code.clone(),
        city: c.city.clone(),
        country: "NL".into(),
        kvk_number: c.kvk_number.clone(),
    };
    let customer = match &account.stripe_customer_id {
        Some(id) => {
            stripe.update_customer(id, &details).await?;
            id.clone()
        }
        None => stripe.create_customer(&details).await?.id,
    };
    let mut tax_id = account.stripe_tax_id.clone();
    if account.vat_number != c.vat_number || (c.vat_number.is_some() && tax_id.is_none()) {
        if let Some(old) = tax_id.take() {
            stripe.delete_tax_id(&customer, &old).await?;
        }
        if let Some(vat) = &c.vat_number {
            tax_id = Some(stripe.add_vat_id(&customer, vat).await?);
        }
    }
    repo::set_stripe_ids(&mut tx, tenant, Some(&customer), None, tax_id.as_deref()).await?;
    let started = match c.collection {
        Collection::Invoice => {
            let rate = vat_rate(p, &stripe).await?;
            stripe.sync_catalogue(std::slice::from_ref(&tier)).await?;
            let sub = stripe
                .create_subscription(
                    &customer,
                    &tier.plan_id(),
                    Collection::Invoice,
                    &rate,
                    &tenant.to_string(),
                )
                .await?;
            repo::set_stripe_ids(&mut tx, tenant, None, Some(&sub.id), None).await?;
            Started {
                client_secret: None,
            }
        }
        Collection::Automatic => {
            let intent = stripe.create_setup_intent(&customer).await?;
            Started {
                client_secret: intent.client_secret,
            }
        }
    };
    tx.commit().await?;
    tracing::info!(tenant.id = %tenant, user.id = admin, collection = c.collection.as_str(), "checkout started");
    if c.collection == Collection::Invoice {
        refresh_from_stripe(p, &stripe, tenant, None, &format!("admin:{admin}")).await?;
    }
    Ok(started)
}

/// Finishes an automatic-payment checkout once Stripe.js confirmed the setup intent (called by
/// the page, and by the `setup_intent.succeeded` webhook if the page was closed): the payment
/// method becomes the default and the subscription is made, once.
pub async fn complete_setup(
    p: &Platform,
    stripe: &Stripe,
    tenant: TenantId,
    setup_intent: &str,
    source: &str,
) -> AppResult<()> {
    let intent = stripe.setup_intent(setup_intent).await?.ok_or_else(|| {
        AppError::validation(
            "setup_intent",
            "unknown_setup_intent",
            "Deze betaalgegevens zijn niet gevonden. Begin opnieuw.",
        )
    })?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let account = repo::account(&mut tx, tenant, true)
        .await?
        .ok_or_else(AppError::not_found)?;
    if account.stripe_customer_id.is_none() || intent.customer != account.stripe_customer_id {
        return Err(AppError::not_found());
    }
    if intent.status != "succeeded" {
        return Err(AppError::validation(
            "setup_intent",
            "setup_incomplete",
            "De betaalgegevens zijn nog niet bevestigd. Vul ze opnieuw in.",
        ));
    }
    let customer = account.stripe_customer_id.clone().unwrap_or_default();
    if let Some(method) = &intent.payment_method {
        stripe.set_default_payment_method(&customer, method).await?;
    }
    if account.stripe_subscription_id.is_none() || State::parse(&account.state) == State::Canceled {
        let tiers = tiers(p).await?;
        let tier = account
            .tier
            .and_then(|n| tiers.iter().find(|t| t.number == n))
            .or_else(|| tiers::tier_for(&tiers, account.employee_count.unwrap_or(0)))
            .ok_or_else(AppError::not_found)?
            .clone();
        let rate = vat_rate(p, stripe).await?;
        stripe.sync_catalogue(std::slice::from_ref(&tier)).await?;
        let sub = stripe
            .create_subscription(
                &customer,
                &tier.plan_id(),
                Collection::Automatic,
                &rate,
                &tenant.to_string(),
            )
            .await?;
        repo::set_stripe_ids(&mut tx, tenant, None, Some(&sub.id), None).await?;
        repo::set_headcount(
            &mut tx,
            tenant,
            account.employee_count.unwrap_or(tier.from_employees),
            tier.number,
            None,
            Some(tier.price_version),
        )
        .await?;
    }
    tx.commit().await?;
    refresh_from_stripe(p, stripe, tenant, None, source).await?;
    Ok(())
}

/// The id of the 21 % BTW tax rate, made once.
pub async fn vat_rate(p: &Platform, stripe: &Stripe) -> AppResult<String> {
    let mut conn = p.db.app.acquire().await?;
    if let Some(id) = repo::stripe_object(&mut conn, "vat_rate_21").await? {
        return Ok(id);
    }
    let id = stripe.create_vat_rate().await?;
    repo::put_stripe_object(&mut conn, "vat_rate_21", &id).await
}

/// Makes the catalogue in Stripe (products and plans per tier); returns how many were created.
pub async fn sync_catalogue(p: &Platform) -> AppResult<usize> {
    let stripe = stripe(p).ok_or_else(offline)?;
    let tiers = tiers(p).await?;
    let created = stripe.sync_catalogue(&tiers).await?;
    vat_rate(p, &stripe).await?;
    Ok(created)
}

/// On the day before a Stripe subscription renews: a lower tier chosen during the year, or the
/// tier's new price version, takes effect (without proration: the next period is billed on it).
pub async fn renew_plan(p: &Platform, tenant: TenantId) -> AppResult<()> {
    let Some(stripe) = stripe(p) else {
        return Ok(());
    };
    let tiers = tiers(p).await?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let Some(account) = repo::account(&mut tx, tenant, true).await? else {
        return Ok(());
    };
    let today = OffsetDateTime::now_utc().date();
    let renewing = account
        .paid_until
        .is_some_and(|d| d <= today.next_day().unwrap_or(today));
    let (Some(sub_id), Some(current), true) =
        (&account.stripe_subscription_id, account.tier, renewing)
    else {
        return Ok(());
    };
    let target = tier_by_number(&tiers, account.pending_tier.unwrap_or(current))?;
    if account.pending_tier.is_none() && account.plan_version == Some(target.price_version) {
        return Ok(());
    }
    let Some(sub) = stripe.subscription(sub_id).await? else {
        return Ok(());
    };
    if sub.plan_id() != Some(target.plan_id().as_str()) {
        stripe.sync_catalogue(std::slice::from_ref(target)).await?;
        stripe
            .change_plan(&sub, &target.plan_id(), Proration::None)
            .await?;
    }
    let employees = account.employee_count.unwrap_or(target.from_employees);
    repo::set_headcount(
        &mut tx,
        tenant,
        employees,
        target.number,
        None,
        Some(target.price_version),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(tenant.id = %tenant, tier = target.number, "plan changed at renewal");
    Ok(())
}

/// What a new headcount does to the membership, before the admin confirms it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HeadcountPreview {
    pub employee_count: i32,
    pub current_tier: Tier,
    pub new_tier: Tier,
    /// `same`, `up` (now, with proration) or `down` (at the next renewal).
    pub movement: tiers::TierMove,
    /// The day the current period ends (a lower tier starts the day after).
    #[serde(with = "zk_kernel::text::iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub renews_on: Option<Date>,
    /// For `up`: the proration invoiced now, excl. BTW (an estimate; Stripe's invoice counts).
    pub proration_excl_vat_cents: i64,
    pub proration_vat_cents: i64,
    pub proration_incl_vat_cents: i64,
    /// The yearly price from then on, excl. BTW.
    pub new_yearly_excl_vat_cents: i64,
}

/// The preview of a headcount change for a subscribed member.
pub async fn preview_headcount(
    p: &Platform,
    tenant: TenantId,
    employees: i32,
) -> AppResult<HeadcountPreview> {
    let tiers = tiers(p).await?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let account = repo::account(&mut tx, tenant, false).await?;
    tx.commit().await?;
    let account = account.filter(|a| {
        a.tier.is_some()
            && matches!(
                State::parse(&a.state),
                State::Active | State::PastDue | State::Suspended
            )
    });
    let Some(account) = account else {
        return Err(conflict(
            "not_subscribed",
            "Uw organisatie heeft nog geen abonnement. Het aantal medewerkers geeft u op bij het afsluiten.",
        ));
    };
    preview_for(&tiers, &account, employees)
}

fn preview_for(tiers: &[Tier], account: &Account, employees: i32) -> AppResult<HeadcountPreview> {
    let current = tier_by_number(tiers, account.tier.unwrap_or(1))?.clone();
    let new = tiers::tier_for(tiers, employees)
        .ok_or_else(|| {
            AppError::validation(
                "employee_count",
                "unknown_tier",
                "Er is geen staffel voor dit aantal medewerkers.",
            )
        })?
        .clone();
    let movement = tiers::tier_move(&current, &new);
    let (mut excl, mut vat) = (0, 0);
    if movement == tiers::TierMove::Up {
        if let Some(end) = account.paid_until {
            let end = end
                .next_day()
                .unwrap_or(end)
                .with_time(time::Time::MIDNIGHT)
                .assume_utc();
            let start = end - time::Duration::days(365);
            let now = OffsetDateTime::now_utc();
            let (credit, charge) = crate::domain::money::proration_lines(
                current.yearly_cents(),
                new.yearly_cents(),
                start.unix_timestamp(),
                end.unix_timestamp(),
                now.unix_timestamp(),
            );
            let (subtotal, tax, _) = crate::domain::money::invoice_totals(&[credit, charge]);
            (excl, vat) = (subtotal, tax);
        }
    }
    Ok(HeadcountPreview {
        employee_count: employees,
        new_yearly_excl_vat_cents: new.yearly_cents(),
        current_tier: current,
        new_tier: new,
        movement,
        renews_on: account.paid_until,
        proration_excl_vat_cents: excl,
        proration_vat_cents: vat,
        proration_incl_vat_cents: excl + vat,
    })
}

/// Applies a new headcount: a higher tier now (Stripe invoices the proration at once), a lower
/// tier at the next renewal, the same tier only records the number. On a manual plan NZK
/// invoices the difference; the tier changes the same way.
pub async fn change_headcount(
    p: &Platform,
    tenant: TenantId,
    employees: i32,
    admin: &str,
) -> AppResult<HeadcountPreview> {
    let tiers = tiers(p).await?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let account = repo::account(&mut tx, tenant, true).await?;
    let Some(account) = account.filter(|a| {
        a.tier.is_some()
            && State::parse(&a.state) != State::None
            && State::parse(&a.state) != State::Canceled
    }) else {
        return Err(conflict(
            "not_subscribed",
            "Uw organisatie heeft nog geen abonnement. Het aantal medewerkers geeft u op bij het afsluiten.",
        ));
    };
    let preview = preview_for(&tiers, &account, employees)?;
    let online = account.mode == "stripe" && account.stripe_subscription_id.is_some();
    match preview.movement {
        tiers::TierMove::Up => {
            let mut version = None;
            if online {
                let stripe = stripe(p).ok_or_else(offline)?;
                let sub_id = account.stripe_subscription_id.clone().unwrap_or_default();
                let sub = stripe
                    .subscription(&sub_id)
                    .await?
                    .ok_or_else(AppError::not_found)?;
                stripe
                    .sync_catalogue(std::slice::from_ref(&preview.new_tier))
                    .await?;
                stripe
                    .change_plan(&sub, &preview.new_tier.plan_id(), Proration::AlwaysInvoice)
                    .await?;
                version = Some(preview.new_tier.price_version);
            }
            repo::set_headcount(
                &mut tx,
                tenant,
                employees,
                preview.new_tier.number,
                None,
                version,
            )
            .await?;
        }
        tiers::TierMove::Down => {
            repo::set_headcount(
                &mut tx,
                tenant,
                employees,
                preview.current_tier.number,
                Some(preview.new_tier.number),
                None,
            )
            .await?;
        }
        tiers::TierMove::Same => {
            repo::set_headcount(
                &mut tx,
                tenant,
                employees,
                preview.current_tier.number,
                None,
                None,
            )
            .await?;
        }
    }
    tx.commit().await?;
    tracing::info!(tenant.id = %tenant, user.id = admin, tier = preview.new_tier.number, movement = ?preview.movement, "headcount changed");
    if online && preview.movement == tiers::TierMove::Up {
        if let Some(stripe) = stripe(p) {
            refresh_from_stripe(p, &stripe, tenant, None, &format!("admin:{admin}")).await?;
        }
    }
    Ok(preview)
}

/// A setup intent to replace the member's payment method (confirmed with Stripe.js, then
/// finished by `complete_setup`, which makes it the default).
pub async fn start_payment_method_change(p: &Platform, tenant: TenantId) -> AppResult<String> {
    let stripe = stripe(p).ok_or_else(offline)?;
    let mut tx = p.db.begin_tenant(tenant).await?;
    let account = repo::account(&mut tx, tenant, false).await?;
    tx.commit().await?;
    let customer = account.and_then(|a| a.stripe_customer_id).ok_or_else(|| {
        conflict(
            "not_subscribed",
            "Uw organisatie heeft nog geen abonnement via de betaaldienst.",
        )
    })?;
    let intent = stripe.create_setup_intent(&customer).await?;
    intent
        .client_secret
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("setup intent without client secret")))
}

/// What the member owes and its last invoice (`billing.member_facts()`).
pub async fn member_facts(p: &Platform, tenant: TenantId) -> AppResult<repo::MemberFacts> {
    let mut tx = p.db.begin_tenant(tenant).await?;
    let facts = repo::member_facts(&mut tx, tenant)
        .await?
        .ok_or_else(AppError::not_found)?;
    tx.commit().await?;
    Ok(facts)
}

/// Pays the member's open invoices now with its default payment method (just confirmed in the
/// payment step), then derives the state from Stripe: paid reopens the portal at once. Returns
/// the state after; a refused payment leaves the invoice open and the state as it was.
pub async fn pay_open_invoices(
    p: &Platform,
    stripe: &Stripe,
    tenant: TenantId,
    source: &str,
) -> AppResult<State> {
    let open = {
        let mut tx = p.db.begin_tenant(tenant).await?;
        let open = repo::open_invoice_ids(&mut tx, tenant).await?;
        tx.commit().await?;
        open
    };
    for id in &open {
        let invoice = stripe.pay_invoice(id).await?;
        tracing::info!(tenant.id = %tenant, invoice.id = %id, status = ?invoice.status, "open invoice paid now");
    }
    refresh_from_stripe(p, stripe, tenant, None, source).await?;
    Ok(State::parse(&member_facts(p, tenant).await?.state))
}
