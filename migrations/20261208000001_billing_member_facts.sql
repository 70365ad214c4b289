-- What a member owes and its last invoice, in one place: the billing page of a member whose
-- portal is closed for non-payment (billing service) and the operators' member page (tenant
-- service's console) both read this function, so they never disagree about the amount, and the
-- tenant service reads no billing table. It runs as the caller in the member's transaction, so
-- row-level security applies as to any other query of that member.
--
-- The amount due: the open invoices (excl. BTW, BTW, incl. BTW, and their numbers as payment
-- references; Stripe's invoice id when it has no number, as localstripe's have none). A member on
-- a manual plan has no invoices here (NZK invoices by hand): when it is past due or suspended it
-- owes the year's price of its tier, BTW per invoice line rounded half away from zero as Stripe
-- does (domain/money.rs).
CREATE FUNCTION billing.member_facts()
    RETURNS TABLE (state text, mode text, tier_name text, collection_method text,
                   due_excl_vat_cents bigint, due_vat_cents bigint, due_incl_vat_cents bigint,
                   due_references text[], open_invoices bigint,
                   last_invoice_number text, last_invoice_status text,
                   last_invoice_incl_vat_cents bigint, last_invoice_at timestamptz)
    LANGUAGE sql STABLE SET search_path = pg_catalog, billing, tenant
    AS $$
    WITH member AS (
        SELECT t.id, coalesce(a.state, 'none') AS state, coalesce(a.mode, 'manual') AS mode,
               a.collection_method,
               coalesce(
                   (SELECT tr.number FROM billing.tiers tr WHERE tr.number = a.tier),
                   (SELECT tr.number FROM billing.tiers tr
                     WHERE tr.from_employees <= coalesce(a.employee_count, t.employee_count, 0)
                     ORDER BY tr.from_employees DESC LIMIT 1)) AS tier
        FROM tenant.tenants t LEFT JOIN billing.accounts a ON a.tenant_id = t.id
        WHERE t.id = tenant.current_tenant() AND t.kind = 'member'
    ), due_open AS (
        SELECT count(*) AS n,
               coalesce(sum(i.subtotal_cents), 0)::bigint AS excl,
               coalesce(sum(i.tax_cents), 0)::bigint AS vat,
               coalesce(sum(i.total_cents), 0)::bigint AS incl,
               coalesce(array_agg(coalesce(i.number, i.stripe_invoice_id)
                                  ORDER BY i.created_at, i.stripe_invoice_id), '{}') AS refs
        FROM billing.invoices i, member m
        WHERE i.tenant_id = m.id AND i.status = 'open'
    ), yearly AS (
        SELECT tr.monthly_cents::bigint * 12 AS excl,
               round(tr.monthly_cents::numeric * 12 * 21 / 100)::bigint AS vat
        FROM billing.tiers tr, member m WHERE tr.number = m.tier
    )
    SELECT m.state, m.mode, (SELECT tr.name FROM billing.tiers tr WHERE tr.number = m.tier),
           m.collection_method,
           CASE WHEN o.n > 0 THEN o.excl WHEN manual_due THEN y.excl ELSE 0 END,
           CASE WHEN o.n > 0 THEN o.vat WHEN manual_due THEN y.vat ELSE 0 END,
           CASE WHEN o.n > 0 THEN o.incl WHEN manual_due THEN y.excl + y.vat ELSE 0 END,
           o.refs, o.n,
           l.number, l.status, l.total_cents, l.created_at
    FROM member m
    CROSS JOIN due_open o
    LEFT JOIN yearly y ON true
    CROSS JOIN LATERAL (SELECT m.mode = 'manual' AND m.state IN ('past_due', 'suspended')
                               AND y.excl IS NOT NULL AS manual_due) d
    LEFT JOIN LATERAL (
        SELECT coalesce(i.number, i.stripe_invoice_id) AS number, i.status, i.total_cents,
               i.created_at
        FROM billing.invoices i WHERE i.tenant_id = m.id
        ORDER BY i.created_at DESC, i.stripe_invoice_id LIMIT 1) l ON true
$$;
REVOKE ALL ON FUNCTION billing.member_facts() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION billing.member_facts() TO zorgklas_app;
