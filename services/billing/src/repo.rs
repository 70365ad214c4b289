//! SQL of the billing service (all of it).

use crate::domain::tiers::Tier;
use sqlx::{PgConnection, Postgres, Transaction};
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use zk_kernel::{AppResult, TenantId};

type Tx = Transaction<'static, Postgres>;

/// The tiers, smallest first.
pub async fn tiers(conn: &mut PgConnection) -> AppResult<Vec<Tier>> {
    Ok(sqlx::query_as(
        "SELECT number, name, from_employees, monthly_cents, price_version
         FROM billing.tiers ORDER BY from_employees",
    )
    .fetch_all(conn)
    .await?)
}

/// Changes a tier's monthly price (operators; the platform tenant's transaction).
pub async fn set_tier_price(tx: &mut Tx, number: i16, cents: i32) -> AppResult<Option<Tier>> {
    Ok(sqlx::query_as(
        "SELECT number, name, from_employees, monthly_cents, price_version
         FROM billing.set_tier_price($1, $2)",
    )
    .bind(number)
    .bind(cents)
    .fetch_optional(&mut **tx)
    .await?)
}

/// A member's billing account.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Account {
    pub tenant_id: Uuid,
    pub mode: String,
    pub state: String,
    pub tier: Option<i16>,
    pub employee_count: Option<i32>,
    pub pending_tier: Option<i16>,
    pub collection_method: Option<String>,
    pub paid_until: Option<Date>,
    pub past_due_since: Option<OffsetDateTime>,
    pub billing_name: Option<String>,
    pub billing_email: Option<String>,
    pub address_line: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: String,
    pub kvk_number: Option<String>,
    pub vat_number: Option<String>,
    pub stripe_customer_id: Option<String>,
    pub stripe_subscription_id: Option<String>,
    pub stripe_tax_id: Option<String>,
    pub plan_version: Option<i32>,
    pub updated_at: OffsetDateTime,
}

const ACCOUNT_COLUMNS: &str = "tenant_id, mode, state, tier, employee_count, pending_tier,
    collection_method, paid_until, past_due_since, billing_name, billing_email, address_line,
    postal_code, city, country, kvk_number, vat_number, stripe_customer_id,
    stripe_subscription_id, stripe_tax_id, plan_version, updated_at";

/// The transaction's member's account, locked for update when `lock`.
pub async fn account(tx: &mut Tx, tenant: TenantId, lock: bool) -> AppResult<Option<Account>> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM billing.accounts WHERE tenant_id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    Ok(sqlx::query_as(&sql)
        .bind(tenant.0)
        .fetch_optional(&mut **tx)
        .await?)
}

/// The member's account, created in `mode` when it has none (locked either way).
pub async fn account_or_create(tx: &mut Tx, tenant: TenantId, mode: &str) -> AppResult<Account> {
    sqlx::query(
        "INSERT INTO billing.accounts (tenant_id, mode) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(tenant.0)
    .bind(mode)
    .execute(&mut **tx)
    .await?;
    Ok(account(tx, tenant, true).await?.expect("just inserted"))
}

/// Puts the member on a manual plan (billing offline).
pub async fn set_manual_plan(
    tx: &mut Tx,
    tenant: TenantId,
    tier: i16,
    employee_count: i32,
    paid_until: Date,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE billing.accounts SET mode = 'manual', tier = $2, employee_count = $3,
                pending_tier = NULL, paid_until = $4, collection_method = 'send_invoice',
                updated_at = now()
         WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .bind(tier)
    .bind(employee_count)
    .bind(paid_until)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The billing details a checkout collects.
pub struct Details<'a> {
    pub employee_count: i32,
    pub tier: i16,
    pub billing_name: &'a str,
    pub billing_email: &'a str,
    pub address_line: &'a str,
    pub postal_code: &'a str,
    pub city: &'a str,
    pub kvk_number: Option<&'a str>,
    pub vat_number: Option<&'a str>,
    pub collection_method: &'a str,
}

/// Stores the billing details (the account exists and is locked).
pub async fn set_details(tx: &mut Tx, tenant: TenantId, d: &Details<'_>) -> AppResult<()> {
    sqlx::query(
        "UPDATE billing.accounts SET employee_count = $2, tier = coalesce(tier, $3),
                billing_name = $4, billing_email = $5, address_line = $6, postal_code = $7,
                city = $8, kvk_number = $9, vat_number = $10, collection_method = $11,
                updated_at = now()
         WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .bind(d.employee_count)
    .bind(d.tier)
    .bind(d.billing_name)
    .bind(d.billing_email)
    .bind(d.address_line)
    .bind(d.postal_code)
    .bind(d.city)
    .bind(d.kvk_number)
    .bind(d.vat_number)
    .bind(d.collection_method)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records the Stripe ids of the member.
pub async fn set_stripe_ids(
    tx: &mut Tx,
    tenant: TenantId,
    customer: Option<&str>,
    subscription: Option<&str>,
    tax_id: Option<&str>,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE billing.accounts SET mode = 'stripe',
                stripe_customer_id = coalesce($2, stripe_customer_id),
                stripe_subscription_id = coalesce($3, stripe_subscription_id),
                stripe_tax_id = coalesce($4, stripe_tax_id), updated_at = now()
         WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .bind(customer)
    .bind(subscription)
    .bind(tax_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records the subscription's tier, pending tier and period end.
pub async fn set_plan(
    tx: &mut Tx,
    tenant: TenantId,
    tier: Option<i16>,
    pending_tier: Option<i16>,
    paid_until: Option<Date>,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE billing.accounts SET tier = coalesce($2, tier), pending_tier = $3,
                paid_until = coalesce($4, paid_until), updated_at = now()
         WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .bind(tier)
    .bind(pending_tier)
    .bind(paid_until)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The member's headcount and tier now, and a lower tier for the renewal (None clears it);
/// `plan_version` when the subscription moved to a plan.
pub async fn set_headcount(
    tx: &mut Tx,
    tenant: TenantId,
    employee_count: i32,
    tier: i16,
    pending_tier: Option<i16>,
    plan_version: Option<i32>,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE billing.accounts SET employee_count = $2, tier = $3, pending_tier = $4,
                plan_version = coalesce($5, plan_version), updated_at = now()
         WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .bind(employee_count)
    .bind(tier)
    .bind(pending_tier)
    .bind(plan_version)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes a state change and its audit row; past_due_since is kept while overdue.
pub async fn set_state(
    tx: &mut Tx,
    tenant: TenantId,
    from: &str,
    to: &str,
    past_due_since: Option<OffsetDateTime>,
    source: &str,
    reason: &str,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE billing.accounts SET state = $2, past_due_since = $3, updated_at = now()
         WHERE tenant_id = $1",
    )
    .bind(tenant.0)
    .bind(to)
    .bind(past_due_since)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO billing.state_changes (tenant_id, from_state, to_state, source, reason)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant.0)
    .bind(from)
    .bind(to)
    .bind(source)
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Keeps past_due_since (without a state change).
pub async fn set_past_due_since(
    tx: &mut Tx,
    tenant: TenantId,
    since: Option<OffsetDateTime>,
) -> AppResult<()> {
    sqlx::query("UPDATE billing.accounts SET past_due_since = $2 WHERE tenant_id = $1")
        .bind(tenant.0)
        .bind(since)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Suspends (or lifts billing's suspension of) the transaction's member.
pub async fn set_billing_suspension(tx: &mut Tx, suspend: bool) -> AppResult<()> {
    sqlx::query("SELECT tenant.set_billing_suspension($1)")
        .bind(suspend)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An audit row.
#[derive(Debug, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct StateChange {
    pub from_state: String,
    pub to_state: String,
    pub source: String,
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// The member's state changes, newest first.
pub async fn state_changes(
    tx: &mut Tx,
    tenant: TenantId,
    limit: i64,
) -> AppResult<Vec<StateChange>> {
    Ok(sqlx::query_as(
        "SELECT from_state, to_state, source, reason, created_at FROM billing.state_changes
         WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(tenant.0)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?)
}

/// An invoice as stored.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct InvoiceRow {
    pub stripe_invoice_id: String,
    pub number: Option<String>,
    pub status: String,
    pub collection_method: String,
    pub subtotal_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
    pub amount_due_cents: i64,
    pub currency: String,
    pub pdf_url: Option<String>,
    pub hosted_url: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due_date: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub payment_failed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// Stores an invoice as Stripe gives it now; `failed` marks a failed payment (the first time
/// is kept). Returns the stored row.
pub async fn upsert_invoice(
    tx: &mut Tx,
    tenant: TenantId,
    inv: &crate::stripe::Invoice,
    failed: bool,
) -> AppResult<InvoiceRow> {
    let ts = |s: Option<i64>| s.and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok());
    Ok(sqlx::query_as(
        "INSERT INTO billing.invoices (tenant_id, stripe_invoice_id, number, status,
                collection_method, subtotal_cents, tax_cents, total_cents, amount_due_cents,
                currency, pdf_url, hosted_url, period_start, period_end, due_date,
                payment_failed_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
                 CASE WHEN $16 THEN now() END, $17)
         ON CONFLICT (tenant_id, stripe_invoice_id) DO UPDATE SET number = excluded.number,
                status = excluded.status, subtotal_cents = excluded.subtotal_cents,
                tax_cents = excluded.tax_cents, total_cents = excluded.total_cents,
                amount_due_cents = excluded.amount_due_cents, pdf_url = excluded.pdf_url,
                hosted_url = excluded.hosted_url, due_date = excluded.due_date,
                payment_failed_at = CASE WHEN excluded.status = 'paid' THEN NULL
                    ELSE coalesce(billing.invoices.payment_failed_at, excluded.payment_failed_at) END,
                updated_at = now()
         RETURNING stripe_invoice_id, number, status, collection_method, subtotal_cents,
                tax_cents, total_cents, amount_due_cents, currency, pdf_url, hosted_url,
                due_date, payment_failed_at, created_at",
    )
    .bind(tenant.0)
    .bind(&inv.id)
    .bind(&inv.number)
    .bind(inv.status.as_deref().unwrap_or("draft"))
    .bind(inv.collection_method.as_deref().unwrap_or("charge_automatically"))
    .bind(inv.subtotal)
    .bind(inv.tax())
    .bind(inv.total)
    .bind(inv.amount_due)
    .bind(&inv.currency)
    .bind(&inv.invoice_pdf)
    .bind(&inv.hosted_invoice_url)
    .bind(ts(inv.period_start))
    .bind(ts(inv.period_end))
    .bind(ts(inv.due_date))
    .bind(failed && inv.status.as_deref() != Some("paid"))
    .bind(ts(Some(inv.created)).unwrap_or_else(OffsetDateTime::now_utc))
    .fetch_one(&mut **tx)
    .await?)
}

/// The member's invoices, newest first.
pub async fn invoices(tx: &mut Tx, tenant: TenantId) -> AppResult<Vec<InvoiceRow>> {
    Ok(sqlx::query_as(
        "SELECT stripe_invoice_id, number, status, collection_method, subtotal_cents,
                tax_cents, total_cents, amount_due_cents, currency, pdf_url, hosted_url,
                due_date, payment_failed_at, created_at
         FROM billing.invoices WHERE tenant_id = $1 ORDER BY created_at DESC, stripe_invoice_id",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await?)
}

/// Whether a webhook event was applied before.
pub async fn event_seen(conn: &mut PgConnection, id: &str) -> AppResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM billing.webhook_events WHERE event_id = $1)",
    )
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// Records an event in the transaction that applies it; false when it was recorded before
/// (then the caller rolls back: a replay changes nothing).
pub async fn record_event(
    conn: &mut PgConnection,
    id: &str,
    kind: &str,
    object: &str,
) -> AppResult<bool> {
    Ok(sqlx::query(
        "INSERT INTO billing.webhook_events (event_id, type, object_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(kind)
    .bind(object)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The member a Stripe customer belongs to.
pub async fn tenant_of_customer(
    conn: &mut PgConnection,
    customer: &str,
) -> AppResult<Option<Uuid>> {
    Ok(sqlx::query_scalar("SELECT billing.tenant_of_customer($1)")
        .bind(customer)
        .fetch_one(conn)
        .await?)
}

/// Members whose state the clock may have changed.
pub async fn accounts_due(
    conn: &mut PgConnection,
    grace: std::time::Duration,
) -> AppResult<Vec<Uuid>> {
    let grace = sqlx::postgres::types::PgInterval {
        months: 0,
        days: 0,
        microseconds: grace.as_micros() as i64,
    };
    Ok(
        sqlx::query_scalar("SELECT tenant_id FROM billing.accounts_due($1)")
            .bind(grace)
            .fetch_all(conn)
            .await?,
    )
}

/// A stored Stripe object id by key (e.g. the BTW tax rate).
pub async fn stripe_object(conn: &mut PgConnection, key: &str) -> AppResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT stripe_id FROM billing.stripe_objects WHERE key = $1")
            .bind(key)
            .fetch_optional(conn)
            .await?,
    )
}

/// Stores a Stripe object id by key; the first one stored wins. Returns the stored id.
pub async fn put_stripe_object(conn: &mut PgConnection, key: &str, id: &str) -> AppResult<String> {
    sqlx::query("INSERT INTO billing.stripe_objects (key, stripe_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(key)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(stripe_object(conn, key)
        .await?
        .unwrap_or_else(|| id.to_owned()))
}

/// A member in the operators' overview.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct MemberBilling {
    pub tenant_id: Uuid,
    pub slug: String,
    pub name: String,
    pub tenant_status: String,
    pub employee_count: i32,
    pub mode: String,
    pub state: String,
    pub tier: Option<i16>,
    #[serde(with = "zk_kernel::text::iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub paid_until: Option<Date>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub past_due_since: Option<OffsetDateTime>,
    pub failed_invoices: i64,
}

/// Every member with its billing (the platform tenant's transaction).
pub async fn member_overview(tx: &mut Tx) -> AppResult<Vec<MemberBilling>> {
    Ok(sqlx::query_as("SELECT * FROM billing.member_overview()")
        .fetch_all(&mut **tx)
        .await?)
}

/// The member with this slug (any status), as the platform sees it.
pub async fn member_by_slug(conn: &mut PgConnection, slug: &str) -> AppResult<Option<Uuid>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM tenant.tenants WHERE slug = $1 AND kind = 'member'")
            .bind(slug)
            .fetch_optional(conn)
            .await?,
    )
}

/// What a member owes and its last invoice, as `billing.member_facts()` gives them (the same
/// function the operators' member page reads).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberFacts {
    pub state: String,
    pub mode: String,
    pub tier_name: Option<String>,
    pub collection_method: Option<String>,
    pub due_excl_vat_cents: i64,
    pub due_vat_cents: i64,
    pub due_incl_vat_cents: i64,
    /// The open invoices' numbers (Stripe's id where it gave none), oldest first.
    pub due_references: Vec<String>,
    pub open_invoices: i64,
    pub last_invoice_number: Option<String>,
    pub last_invoice_status: Option<String>,
    pub last_invoice_incl_vat_cents: Option<i64>,
    pub last_invoice_at: Option<OffsetDateTime>,
}

/// The transaction's member's billing facts.
pub async fn member_facts(tx: &mut Tx, tenant: TenantId) -> AppResult<Option<MemberFacts>> {
    // The function reads the transaction's member; the id must be that member (two locks).
    Ok(sqlx::query_as(
        "SELECT f.* FROM billing.member_facts() f WHERE tenant.current_tenant() = $1",
    )
    .bind(tenant.0)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The member's open invoices (to pay now), oldest first.
pub async fn open_invoice_ids(tx: &mut Tx, tenant: TenantId) -> AppResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT stripe_invoice_id FROM billing.invoices WHERE tenant_id = $1 AND status = 'open'
         ORDER BY created_at, stripe_invoice_id",
    )
    .bind(tenant.0)
    .fetch_all(&mut **tx)
    .await?)
}
