-- Billing: tiers as data, one billing account per member (its subscription state drives access),
-- an audit trail of state changes, the member's invoices, and the webhook events already applied.

-- Tiers by number of employees. Prices are per month excl. BTW, billed yearly. Operators change a
-- price through billing.set_tier_price(); the change bumps price_version, which gives the tier a
-- new Stripe plan id (`zk-tier-N-yearly-vK`), and members move to it at their next renewal.
CREATE TABLE billing.tiers (
    number smallint PRIMARY KEY,
    name text NOT NULL,
    from_employees integer NOT NULL,
    monthly_cents integer NOT NULL,
    price_version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tiers_from_employees_key UNIQUE (from_employees),
    CONSTRAINT tiers_number_check CHECK (number BETWEEN 1 AND 20),
    CONSTRAINT tiers_from_employees_check CHECK (from_employees >= 0),
    CONSTRAINT tiers_monthly_cents_check CHECK (monthly_cents BETWEEN 100 AND 10000000),
    CONSTRAINT tiers_price_version_check CHECK (price_version >= 1)
);
INSERT INTO billing.tiers (number, name, from_employees, monthly_cents) VALUES
    (1, '0-49', 0, 4900),
    (2, '50-249', 50, 9900),
    (3, '250-499', 250, 26000),
    (4, '500+', 500, 39000);
GRANT SELECT ON billing.tiers TO zorgklas_app;

CREATE FUNCTION billing.set_tier_price(tier smallint, cents integer) RETURNS SETOF billing.tiers
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, billing
    AS $$
BEGIN
    PERFORM tenant.require_platform();
    RETURN QUERY UPDATE billing.tiers
        SET monthly_cents = cents,
            price_version = price_version + CASE WHEN monthly_cents = cents THEN 0 ELSE 1 END,
            updated_at = now()
        WHERE number = tier RETURNING *;
END
$$;
REVOKE ALL ON FUNCTION billing.set_tier_price(smallint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing.set_tier_price(smallint, integer) TO zorgklas_app;

-- Ids of catalogue objects in Stripe that Stripe names itself (the BTW tax rate).
CREATE TABLE billing.stripe_objects (
    key text PRIMARY KEY,
    stripe_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON billing.stripe_objects TO zorgklas_app;

-- A member's billing account. No row means state 'none' (not subscribed yet; full access).
CREATE TABLE billing.accounts (
    tenant_id uuid PRIMARY KEY REFERENCES tenant.tenants (id),
    mode text NOT NULL,
    state text NOT NULL DEFAULT 'none',
    tier smallint REFERENCES billing.tiers (number),
    employee_count integer,
    -- A lower tier that takes effect at the next renewal.
    pending_tier smallint REFERENCES billing.tiers (number),
    collection_method text,
    -- Manual plan: paid until this day; Stripe: the end of the current period.
    paid_until date,
    past_due_since timestamptz,
    billing_name text,
    billing_email text,
    address_line text,
    postal_code text,
    city text,
    country text NOT NULL DEFAULT 'NL',
    kvk_number text,
    vat_number text,
    stripe_customer_id text,
    stripe_subscription_id text,
    stripe_tax_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_mode_check CHECK (mode IN ('manual', 'stripe')),
    CONSTRAINT accounts_state_check CHECK (state IN ('none', 'active', 'past_due', 'suspended', 'canceled')),
    CONSTRAINT accounts_collection_check CHECK (collection_method IN ('charge_automatically', 'send_invoice')),
    CONSTRAINT accounts_employee_count_check CHECK (employee_count BETWEEN 0 AND 1000000),
    CONSTRAINT accounts_kvk_format CHECK (kvk_number ~ '^[0-9]{8}$'),
    CONSTRAINT accounts_vat_format CHECK (vat_number ~ '^[A-Z]{2}[0-9A-Z]{2,13}$'),
    CONSTRAINT accounts_email_check CHECK (position('@' in billing_email) > 1),
    CONSTRAINT accounts_customer_key UNIQUE (stripe_customer_id),
    CONSTRAINT accounts_subscription_key UNIQUE (stripe_subscription_id)
);
ALTER TABLE billing.accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing.accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing.accounts
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE ON billing.accounts TO zorgklas_app;

-- Every change of a member's billing state, with what caused it.
CREATE TABLE billing.state_changes (
    tenant_id uuid NOT NULL REFERENCES tenant.tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    from_state text NOT NULL,
    to_state text NOT NULL,
    -- 'webhook:evt_…', 'operator:<user id>', 'admin:<user id>', 'job'.
    source text NOT NULL,
    reason text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE billing.state_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing.state_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing.state_changes
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT ON billing.state_changes TO zorgklas_app;

-- The member's invoices as Stripe last told us (amounts in cents).
CREATE TABLE billing.invoices (
    tenant_id uuid NOT NULL REFERENCES tenant.tenants (id),
    stripe_invoice_id text NOT NULL,
    number text,
    status text NOT NULL,
    collection_method text NOT NULL,
    subtotal_cents bigint NOT NULL,
    tax_cents bigint NOT NULL,
    total_cents bigint NOT NULL,
    amount_due_cents bigint NOT NULL,
    currency text NOT NULL,
    pdf_url text,
    hosted_url text,
    period_start timestamptz,
    period_end timestamptz,
    due_date timestamptz,
    payment_failed_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, stripe_invoice_id),
    CONSTRAINT invoices_stripe_id_key UNIQUE (stripe_invoice_id)
);
ALTER TABLE billing.invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing.invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing.invoices
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE ON billing.invoices TO zorgklas_app;

-- Webhook events already applied (idempotency by Stripe's event id).
CREATE TABLE billing.webhook_events (
    event_id text PRIMARY KEY,
    type text NOT NULL,
    object_id text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON billing.webhook_events TO zorgklas_app;

-- Which member a Stripe customer belongs to (webhooks arrive without a tenant).
CREATE FUNCTION billing.tenant_of_customer(customer text) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, billing
    AS $$ SELECT tenant_id FROM billing.accounts WHERE stripe_customer_id = customer $$;
REVOKE ALL ON FUNCTION billing.tenant_of_customer(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing.tenant_of_customer(text) TO zorgklas_app;

-- Members whose billing state the clock changes: past due beyond the grace period (to be
-- suspended), and manual plans whose paid-until day has passed (to become past due).
CREATE FUNCTION billing.accounts_due(grace interval) RETURNS TABLE (tenant_id uuid, state text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, billing
    AS $$
    SELECT tenant_id, state FROM billing.accounts
    WHERE (state = 'past_due' AND past_due_since <= now() - grace)
       OR (mode = 'manual' AND state = 'active' AND paid_until < current_date)
$$;
REVOKE ALL ON FUNCTION billing.accounts_due(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing.accounts_due(interval) TO zorgklas_app;

-- Operators' overview: every member with its billing account (only on the platform tenant).
CREATE FUNCTION billing.member_overview()
    RETURNS TABLE (tenant_id uuid, slug text, name text, tenant_status text, employee_count integer,
                   mode text, state text, tier smallint, paid_until date,
                   past_due_since timestamptz, failed_invoices bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, billing, tenant
    AS $$
BEGIN
    PERFORM tenant.require_platform();
    RETURN QUERY
    SELECT t.id, t.slug, t.name, t.status, t.employee_count,
           coalesce(a.mode, 'manual'), coalesce(a.state, 'none'), a.tier, a.paid_until,
           a.past_due_since,
           (SELECT count(*) FROM billing.invoices i
             WHERE i.tenant_id = t.id AND i.payment_failed_at IS NOT NULL AND i.status = 'open')
    FROM tenant.tenants t LEFT JOIN billing.accounts a ON a.tenant_id = t.id
    WHERE t.kind = 'member'
    ORDER BY t.name;
END
$$;
REVOKE ALL ON FUNCTION billing.member_overview() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing.member_overview() TO zorgklas_app;

-- Billing suspends and resumes the transaction's member. A suspension by an operator is never
-- lifted by billing, and billing never overwrites it.
ALTER TABLE tenant.tenants ADD COLUMN suspended_by text;
ALTER TABLE tenant.tenants ADD CONSTRAINT tenants_suspended_by_check
    CHECK (suspended_by IN ('operator', 'billing'));
UPDATE tenant.tenants SET suspended_by = 'operator' WHERE status = 'suspended';

CREATE OR REPLACE FUNCTION tenant.set_member_status(member_slug text, new_status text)
    RETURNS SETOF tenant.tenants
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
BEGIN
    PERFORM tenant.require_platform();
    RETURN QUERY UPDATE tenant.tenants
        SET status = new_status,
            suspended_by = CASE WHEN new_status = 'suspended' THEN 'operator' END
        WHERE kind = 'member' AND slug = member_slug RETURNING *;
END
$$;

CREATE FUNCTION tenant.set_billing_suspension(suspend boolean) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
BEGIN
    -- Always touches the row: its new version and notification refresh every process's
    -- snapshot of the member (which carries the billing state for the admins' banner).
    IF suspend THEN
        UPDATE tenant.tenants
            SET status = 'suspended',
                suspended_by = CASE WHEN status = 'active' THEN 'billing' ELSE suspended_by END
            WHERE id = tenant.current_tenant() AND kind = 'member';
    ELSE
        UPDATE tenant.tenants
            SET status = CASE WHEN suspended_by = 'billing' THEN 'active' ELSE status END,
                suspended_by = CASE WHEN suspended_by = 'billing' THEN NULL ELSE suspended_by END
            WHERE id = tenant.current_tenant() AND kind = 'member';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION tenant.set_billing_suspension(boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant.set_billing_suspension(boolean) TO zorgklas_app;

-- Admins manage their member's subscription; operators run billing for every member.
INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
    ('p', 'admin', '*', 'billing', 'manage', '', ''),
    ('p', 'operator', 'platform', 'billing', 'operate', '', '');
