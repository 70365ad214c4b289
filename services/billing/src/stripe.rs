//! Talking to Stripe: requests are built and sent with async-stripe; responses are read into
//! the small structs below, with only the fields we use. That keeps us independent of the
//! object shapes of one API version (and lets the same code run against localstripe, whose
//! shapes are older than async-stripe's typed responses).

use crate::domain::tiers::Tier;
use serde::{de::DeserializeOwned, Deserialize};
use stripe::{Client, ClientBuilder, RequestStrategy, StripeError, StripeRequest};
use zk_kernel::{config::StripeConfig, AppError, AppResult};

/// A Stripe customer (only what we read back).
#[derive(Debug, Deserialize)]
pub struct Customer {
    pub id: String,
}

/// A catalogue object we only need the id of.
#[derive(Debug, Deserialize)]
pub struct Object {
    pub id: String,
}

/// A setup intent: the checkout page confirms it with Stripe.js.
#[derive(Debug, Deserialize)]
pub struct SetupIntent {
    pub id: String,
    pub client_secret: Option<String>,
    pub status: String,
    pub customer: Option<String>,
    pub payment_method: Option<String>,
}

/// A subscription as it is now.
#[derive(Debug, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub customer: String,
    pub status: String,
    #[serde(default)]
    pub collection_method: Option<String>,
    #[serde(default)]
    pub current_period_end: Option<i64>,
    pub items: List<SubscriptionItem>,
}

impl Subscription {
    /// The plan of its (only) item.
    pub fn plan_id(&self) -> Option<&str> {
        self.items
            .data
            .first()
            .and_then(|i| i.plan.as_ref())
            .map(|p| p.id.as_str())
    }
    /// The end of the current period (newer API versions keep it on the item).
    pub fn period_end(&self) -> Option<i64> {
        self.current_period_end
            .or_else(|| self.items.data.first().and_then(|i| i.current_period_end))
    }
}

/// An item of a subscription.
#[derive(Debug, Deserialize)]
pub struct SubscriptionItem {
    pub id: String,
    pub plan: Option<Object>,
    #[serde(default)]
    pub current_period_end: Option<i64>,
}

/// A page of a list.
#[derive(Debug, Deserialize)]
pub struct List<T> {
    pub data: Vec<T>,
}

/// An invoice as it is now (amounts in cents).
#[derive(Debug, Deserialize)]
pub struct Invoice {
    pub id: String,
    pub customer: String,
    #[serde(default)]
    pub subscription: Option<String>,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub collection_method: Option<String>,
    pub subtotal: i64,
    pub total: i64,
    pub amount_due: i64,
    pub currency: String,
    #[serde(default)]
    pub invoice_pdf: Option<String>,
    #[serde(default)]
    pub hosted_invoice_url: Option<String>,
    #[serde(default)]
    pub period_start: Option<i64>,
    #[serde(default)]
    pub period_end: Option<i64>,
    #[serde(default)]
    pub due_date: Option<i64>,
    #[serde(default)]
    pub attempted: bool,
    #[serde(default)]
    pub created: i64,
    #[serde(default)]
    pub lines: Option<List<InvoiceLine>>,
}

/// A line of an invoice.
#[derive(Debug, Deserialize)]
pub struct InvoiceLine {
    pub amount: i64,
    #[serde(default)]
    pub tax_amounts: Vec<TaxAmount>,
}

/// The tax on an invoice line.
#[derive(Debug, Deserialize)]
pub struct TaxAmount {
    pub amount: i64,
}

impl Invoice {
    /// BTW on the invoice: total minus subtotal (we give no discounts).
    pub fn tax(&self) -> i64 {
        self.total - self.subtotal
    }
}

/// How the member pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    /// Charged to the saved card or SEPA mandate.
    Automatic,
    /// "Op factuur": an invoice with 30 days to pay.
    Invoice,
}

impl Collection {
    /// Stripe's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Collection::Automatic => "charge_automatically",
            Collection::Invoice => "send_invoice",
        }
    }
}

/// How a plan change is prorated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proration {
    /// Prorate and invoice the difference now.
    AlwaysInvoice,
    /// No proration (the change counts from the next period).
    None,
}

/// Days to pay an invoice ("op factuur").
pub const DAYS_UNTIL_DUE: u32 = 30;

/// The billing details of a member, as sent to Stripe.
#[derive(Clone, Debug)]
pub struct CustomerDetails {
    pub tenant_id: String,
    pub name: String,
    pub email: String,
    pub address_line: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    /// KvK number (kept as metadata `kvk`).
    pub kvk_number: Option<String>,
}

fn customer_metadata(d: &CustomerDetails) -> std::collections::HashMap<String, String> {
    let mut m = std::collections::HashMap::from([("zk_tenant".to_owned(), d.tenant_id.clone())]);
    m.insert("kvk".to_owned(), d.kvk_number.clone().unwrap_or_default());
    m
}

/// A Stripe client for one deployment.
#[derive(Clone)]
pub struct Stripe {
    client: Client,
}

fn provider_error(e: StripeError) -> AppError {
    match e {
        StripeError::Stripe(errors, status) if (400..500).contains(&status) => {
            tracing::warn!(status, message = ?errors.message, "Stripe refused a request");
            AppError::new(
                axum::http::StatusCode::BAD_GATEWAY,
                "billing_provider_refused",
                "De betaaldienst weigerde dit verzoek. Controleer de gegevens of probeer het later opnieuw.",
            )
        }
        other => {
            tracing::error!(error = %other, "Stripe request failed");
            AppError::new(
                axum::http::StatusCode::BAD_GATEWAY,
                "billing_provider_unavailable",
                "De betaaldienst is nu niet bereikbaar. Probeer het over een paar minuten opnieuw.",
            )
        }
    }
}

impl Stripe {
    /// A client for the configured account (and API base, for a test server).
    pub fn new(cfg: &StripeConfig) -> AppResult<Self> {
        let mut builder = ClientBuilder::new(cfg.secret_key.expose())
            .request_strategy(RequestStrategy::ExponentialBackoff(3));
        if let Some(base) = &cfg.api_base {
            // async-stripe appends `v1/…` to the base as given.
            let base = if base.ends_with('/') {
                base.clone()
            } else {
                format!("{base}/")
            };
            builder = builder.url(base);
        }
        let client = builder
            .build()
            .map_err(|e| AppError::internal(anyhow::anyhow!("stripe client: {e}")))?;
        Ok(Self { client })
    }

    /// Sends a request built by async-stripe and reads the answer into our own struct.
    async fn send<T: DeserializeOwned>(&self, request: &impl StripeRequest) -> AppResult<T> {
        let value: miniserde::json::Value = request
            .build()
            .customize::<miniserde::json::Value>()
            .send(&self.client)
            .await
            .map_err(provider_error)?;
        let text = miniserde::json::to_string(&value);
        serde_json::from_str(&text)
            .map_err(|e| AppError::internal(anyhow::anyhow!("unexpected answer from Stripe: {e}")))
    }

    /// Sends a request whose answer may be "not found" (404 → None).
    async fn send_optional<T: DeserializeOwned>(
        &self,
        request: &impl StripeRequest,
    ) -> AppResult<Option<T>> {
        match request
            .build()
            .customize::<miniserde::json::Value>()
            .send(&self.client)
            .await
        {
            Ok(value) => serde_json::from_str(&miniserde::json::to_string(&value))
                .map(Some)
                .map_err(|e| {
                    AppError::internal(anyhow::anyhow!("unexpected answer from Stripe: {e}"))
                }),
            Err(StripeError::Stripe(_, 404)) => Ok(None),
            Err(e) => Err(provider_error(e)),
        }
    }

    /// Makes sure every tier has its product and yearly plan under its stable id; creating only
    /// what is missing, so running it again never duplicates anything. Returns how many objects
    /// were created.
    pub async fn sync_catalogue(&self, tiers: &[Tier]) -> AppResult<usize> {
        use stripe_billing::plan::{CreatePlan, CreatePlanProduct, RetrievePlan};
        use stripe_product::product::{CreateProduct, RetrieveProduct};
        let mut created = 0;
        for tier in tiers {
            let product_id = tier.product_id();
            if self
                .send_optional::<Object>(&RetrieveProduct::new(product_id.as_str()))
                .await?
                .is_none()
            {
                let _: Object = self
                    .send(
                        &CreateProduct::new(format!(
                            "Lidmaatschap Nationale Zorgklas, {} medewerkers",
                            tier.name
                        ))
                        .id(product_id.clone()),
                    )
                    .await?;
                created += 1;
            }
            let plan_id = tier.plan_id();
            if self
                .send_optional::<Object>(&RetrievePlan::new(plan_id.as_str()))
                .await?
                .is_none()
            {
                let _: Object = self
                    .send(
                        &CreatePlan::new(
                            stripe_types::Currency::EUR,
                            stripe_shared::PlanInterval::Year,
                        )
                        .id(plan_id.clone())
                        .amount(tier.yearly_cents())
                        .product(CreatePlanProduct::Id(product_id.clone()))
                        .nickname(format!("{} medewerkers, per jaar", tier.name)),
                    )
                    .await?;
                created += 1;
            }
        }
        Ok(created)
    }

    /// Creates the 21 % BTW tax rate (exclusive, NL).
    pub async fn create_vat_rate(&self) -> AppResult<String> {
        use stripe_product::tax_rate::CreateTaxRate;
        let rate: Object = self
            .send(
                &CreateTaxRate::new("BTW", false, 21.0)
                    .jurisdiction("NL")
                    .description("Nederlandse btw 21 %"),
            )
            .await?;
        Ok(rate.id)
    }

    /// Creates the member's customer.
    pub async fn create_customer(&self, d: &CustomerDetails) -> AppResult<Customer> {
        use stripe_core::customer::CreateCustomer;
        let request = CreateCustomer::new()
            .name(d.name.clone())
            .email(d.email.clone())
            .address(address(d))
            .preferred_locales(vec!["nl".to_owned()])
            .metadata(customer_metadata(d));
        self.send(&request).await
    }

    /// Updates the member's customer's name, e-mail and address.
    pub async fn update_customer(&self, id: &str, d: &CustomerDetails) -> AppResult<()> {
        use stripe_core::customer::UpdateCustomer;
        let request = UpdateCustomer::new(id)
            .name(d.name.clone())
            .email(d.email.clone())
            .address(address(d))
            .metadata(customer_metadata(d));
        let _: Customer = self.send(&request).await?;
        Ok(())
    }

    /// Stores the member's BTW number on its customer as an EU VAT tax id.
    pub async fn add_vat_id(&self, customer: &str, vat: &str) -> AppResult<String> {
        use stripe_billing::tax_id::{CreateCustomerTaxId, CreateCustomerTaxIdType};
        let id: Object = self
            .send(&CreateCustomerTaxId::new(
                customer,
                CreateCustomerTaxIdType::EuVat,
                vat,
            ))
            .await?;
        Ok(id.id)
    }

    /// Removes a tax id from the customer.
    pub async fn delete_tax_id(&self, customer: &str, id: &str) -> AppResult<()> {
        use stripe_billing::tax_id::DeleteCustomerTaxId;
        let _: Object = self.send(&DeleteCustomerTaxId::new(customer, id)).await?;
        Ok(())
    }

    /// A setup intent for the checkout page; the payment methods offered (card, SEPA direct
    /// debit, iDEAL as first SEPA payment) are the ones enabled in the Stripe account.
    pub async fn create_setup_intent(&self, customer: &str) -> AppResult<SetupIntent> {
        use stripe_core::setup_intent::CreateSetupIntent;
        self.send(&CreateSetupIntent::new().customer(customer))
            .await
    }

    /// A setup intent as it is now.
    pub async fn setup_intent(&self, id: &str) -> AppResult<Option<SetupIntent>> {
        use stripe_core::setup_intent::RetrieveSetupIntent;
        self.send_optional(&RetrieveSetupIntent::new(id)).await
    }

    /// Makes a payment method the customer's default for invoices.
    pub async fn set_default_payment_method(&self, customer: &str, method: &str) -> AppResult<()> {
        use stripe_core::customer::{UpdateCustomer, UpdateCustomerInvoiceSettings};
        let mut settings = UpdateCustomerInvoiceSettings::new();
        settings.default_payment_method = Some(method.to_owned());
        let _: Customer = self
            .send(&UpdateCustomer::new(customer).invoice_settings(settings))
            .await?;
        Ok(())
    }

    /// A yearly subscription on a tier's plan, with 21 % BTW; `Invoice` collection gives the
    /// member 30 days to pay each invoice.
    pub async fn create_subscription(
        &self,
        customer: &str,
        plan: &str,
        collection: Collection,
        vat_rate: &str,
        tenant_id: &str,
    ) -> AppResult<Subscription> {
        use stripe_billing::subscription::{CreateSubscription, CreateSubscriptionItems};
        let mut item = CreateSubscriptionItems::new();
        item.plan = Some(plan.to_owned());
        let mut request = CreateSubscription::new()
            .customer(customer)
            .items(vec![item])
            .default_tax_rates(vec![vat_rate.to_owned()])
            .metadata(std::collections::HashMap::from([(
                "zk_tenant".to_owned(),
                tenant_id.to_owned(),
            )]));
        if collection == Collection::Invoice {
            request = request
                .collection_method(stripe_shared::SubscriptionCollectionMethod::SendInvoice)
                .days_until_due(DAYS_UNTIL_DUE);
        }
        self.send(&request).await
    }

    /// A subscription as it is now.
    pub async fn subscription(&self, id: &str) -> AppResult<Option<Subscription>> {
        use stripe_billing::subscription::RetrieveSubscription;
        self.send_optional(&RetrieveSubscription::new(id)).await
    }

    /// Moves a subscription's item to another plan: a higher tier now, with the proration
    /// invoiced at once (`AlwaysInvoice`: charged, or sent with the days to pay); a lower tier or
    /// a new price version at the renewal, without proration (`None`).
    pub async fn change_plan(
        &self,
        subscription: &Subscription,
        plan: &str,
        proration: Proration,
    ) -> AppResult<Subscription> {
        use stripe_billing::subscription::{
            UpdateSubscription, UpdateSubscriptionItems, UpdateSubscriptionProrationBehavior,
        };
        let mut item = UpdateSubscriptionItems::new();
        item.id = subscription.items.data.first().map(|i| i.id.clone());
        item.plan = Some(plan.to_owned());
        let request = UpdateSubscription::new(subscription.id.as_str())
            .items(vec![item])
            .proration_behavior(match proration {
                Proration::AlwaysInvoice => UpdateSubscriptionProrationBehavior::AlwaysInvoice,
                Proration::None => UpdateSubscriptionProrationBehavior::None,
            });
        self.send(&request).await
    }

    /// The customer's invoices, newest first.
    pub async fn invoices(&self, customer: &str) -> AppResult<Vec<Invoice>> {
        use stripe_billing::invoice::ListInvoice;
        let list: List<Invoice> = self
            .send(&ListInvoice::new().customer(customer).limit(100))
            .await?;
        Ok(list.data)
    }

    /// Pays an open invoice now with the customer's default payment method (Stripe charges it;
    /// a SEPA debit stays processing for some days). Returns the invoice as it is after.
    pub async fn pay_invoice(&self, id: &str) -> AppResult<Invoice> {
        use stripe_billing::invoice::PayInvoice;
        self.send(&PayInvoice::new(id)).await
    }

    /// An invoice as it is now.
    pub async fn invoice(&self, id: &str) -> AppResult<Option<Invoice>> {
        use stripe_billing::invoice::RetrieveInvoice;
        self.send_optional(&RetrieveInvoice::new(id)).await
    }
}

fn address(d: &CustomerDetails) -> stripe_core::customer::OptionalFieldsCustomerAddress {
    let mut a = stripe_core::customer::OptionalFieldsCustomerAddress::new();
    a.line1 = Some(d.address_line.clone());
    a.postal_code = Some(d.postal_code.clone());
    a.city = Some(d.city.clone());
    a.country = Some(d.country.clone());
    a
}
