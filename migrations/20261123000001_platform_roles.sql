-- Why: the application must run its queries as a role that is subject to row-level security.
-- `zorgklas_app` logs in, has no BYPASSRLS and owns nothing; the role that runs these migrations
-- (the owner) owns every table. Roles are cluster-wide, so create it only when it is missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'zorgklas_app') THEN
        CREATE ROLE zorgklas_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END
$$;
