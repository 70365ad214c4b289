-- NZK's overview across members: aggregates only (counts per member and per shared module), no
-- names or addresses of people, for operators (checked inside: the platform tenant only).
CREATE FUNCTION content.platform_learning_totals()
    RETURNS TABLE (member text, module_id uuid, title text, enrolled bigint, completed bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, content, tenant
    AS $$
BEGIN
    IF tenant.current_tenant() IS DISTINCT FROM tenant.platform_tenant() THEN
        RAISE EXCEPTION 'operators only' USING ERRCODE = '42501';
    END IF;
    RETURN QUERY
    SELECT t.name, e.module_id,
           coalesce((SELECT v.title FROM content.shared_module_versions v
                     WHERE v.module_id = e.module_id ORDER BY v.version DESC LIMIT 1), 'Eigen module'),
           count(*), count(e.completed_at)
    FROM content.enrolments e JOIN tenant.tenants t ON t.id = e.tenant_id
    GROUP BY t.name, e.module_id
    ORDER BY t.name, count(*) DESC;
END
$$;
REVOKE ALL ON FUNCTION content.platform_learning_totals() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION content.platform_learning_totals() TO zorgklas_app;

INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
    ('p', 'operator', 'platform', 'learning', 'report', '', '');
