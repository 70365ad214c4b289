-- Billing service slot: plans, Stripe customers, subscriptions and webhook events land here with
-- the billing issue. Until then a member's tier is derived from its employee count.
CREATE SCHEMA billing;
GRANT USAGE ON SCHEMA billing TO zorgklas_app;
