-- Security review 2, findings 4 and 8, and the sweeper's function.
--
-- 4. Uploads go to a staging key (`t/{tenant}/uploads/{id}/…`) and are moved to their final key
--    when confirmed, so a signed upload URL can never write a confirmed object. Whatever a
--    stale URL writes to the staging key afterwards is removed by the sweeper once the URL has
--    expired (`staging_key` is kept until then).
ALTER TABLE content.media ADD COLUMN staging_key text;
CREATE INDEX media_staging ON content.media (created_at) WHERE staging_key IS NOT NULL;

-- The sweeper finds, across members, confirmed uploads whose staging key may still hold bytes
-- a stale URL wrote; it then acts inside each member's own transaction (RLS), like everything
-- else. Only ids and keys cross members here.
CREATE FUNCTION content.stale_staging(older_than interval, max_rows integer)
    RETURNS TABLE (tenant_id uuid, id uuid, staging_key text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, content
    AS $$
    SELECT tenant_id, id, staging_key FROM content.media
    WHERE status = 'ready' AND staging_key IS NOT NULL AND created_at < now() - older_than
    ORDER BY created_at LIMIT max_rows
    $$;
REVOKE ALL ON FUNCTION content.stale_staging(interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION content.stale_staging(interval, integer) TO zorgklas_app;

-- `forget_media` took the member from an argument, so it could delete any member's pending
-- upload. The sweeper now removes an abandoned upload's row inside that member's transaction,
-- under the ordinary row-level security; the function goes.
DROP FUNCTION content.forget_media(uuid, uuid);

-- 8. A storage quota per member: operators set it (`media_quota_bytes`); without it the default
--    of the member's tier applies (by employee count, as the membership tiers: 0–49 10 GB,
--    50–249 25 GB, 250–499 50 GB, 500+ 100 GB). The portfolio (platform tenant) has none.
ALTER TABLE tenant.tenants ADD COLUMN media_quota_bytes bigint;
ALTER TABLE tenant.tenants ADD CONSTRAINT tenants_media_quota_check
    CHECK (media_quota_bytes IS NULL OR media_quota_bytes >= 0);

-- The quota of the transaction's member, in bytes; NULL (no limit) for the platform tenant.
CREATE FUNCTION tenant.media_quota() RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
    SELECT CASE WHEN t.kind = 'platform' THEN NULL
                ELSE coalesce(t.media_quota_bytes, CASE
                    WHEN t.employee_count >= 500 THEN 100::bigint
                    WHEN t.employee_count >= 250 THEN 50::bigint
                    WHEN t.employee_count >= 50 THEN 25::bigint
                    ELSE 10::bigint END * 1024 * 1024 * 1024) END
    FROM tenant.tenants t WHERE t.id = tenant.current_tenant()
    $$;
REVOKE ALL ON FUNCTION tenant.media_quota() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant.media_quota() TO zorgklas_app;

-- Operators set a member's quota (NULL: the tier's default).
CREATE FUNCTION tenant.set_media_quota(member_slug text, quota bigint)
    RETURNS SETOF tenant.tenants
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$
BEGIN
    PERFORM tenant.require_platform();
    RETURN QUERY UPDATE tenant.tenants SET media_quota_bytes = quota
        WHERE kind = 'member' AND slug = member_slug RETURNING *;
END
$$;
REVOKE ALL ON FUNCTION tenant.set_media_quota(text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant.set_media_quota(text, bigint) TO zorgklas_app;

-- The sweeper's list of abandoned uploads now names the staging key too (the bytes of an
-- upload announced before this migration are at `object_key`; both are removed).
DROP FUNCTION content.abandoned_media(interval, integer);
CREATE FUNCTION content.abandoned_media(older_than interval, max_rows integer)
    RETURNS TABLE (tenant_id uuid, id uuid, object_key text, staging_key text, upload_id text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, content
    AS $$
    SELECT tenant_id, id, object_key, staging_key, upload_id FROM content.media
    WHERE status = 'pending' AND created_at < now() - older_than
    ORDER BY created_at LIMIT max_rows
    $$;
REVOKE ALL ON FUNCTION content.abandoned_media(interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION content.abandoned_media(interval, integer) TO zorgklas_app;
