-- Plan changes at renewal: the price version a member's subscription is on, and renewals join
-- the accounts the billing job looks at (a lower tier or a new price version takes effect on
-- the day before the period ends, without proration).
ALTER TABLE billing.accounts ADD COLUMN plan_version integer;

CREATE OR REPLACE FUNCTION billing.accounts_due(grace interval) RETURNS TABLE (tenant_id uuid, state text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, billing
    AS $$
    SELECT a.tenant_id, a.state FROM billing.accounts a
    WHERE (a.state = 'past_due' AND a.past_due_since <= now() - grace)
       OR (a.mode = 'manual' AND a.state = 'active' AND a.paid_until < current_date)
       OR (a.mode = 'stripe' AND a.stripe_subscription_id IS NOT NULL
           AND a.state IN ('active', 'past_due') AND a.paid_until <= current_date + 1
           AND (a.pending_tier IS NOT NULL
                OR a.plan_version IS DISTINCT FROM
                   (SELECT t.price_version FROM billing.tiers t WHERE t.number = a.tier)))
$$;
