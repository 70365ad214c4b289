-- Staff of a member come with a department (from HR's list; "everyone of a department" is a way
-- to enrol), and arrive in bulk through a CSV import: the file is read and checked into a
-- preview (one row per staff row, with its problem if any) before anything is written; the
-- admin starts it; a background job applies the rows in batches, each row in its own savepoint
-- (fully applied, or rolled back and reported with its reason), and records each row's outcome
-- in the same transaction. A batch that dies with its process is rolled back as a whole and
-- taken up again by the next run, so the import survives restarts; the lock on the import row
-- (SKIP LOCKED) keeps two processes off the same import.
ALTER TABLE tenant.users ADD COLUMN department text NOT NULL DEFAULT '';
ALTER TABLE tenant.users ADD CONSTRAINT users_department_length CHECK (length(department) <= 100);
CREATE INDEX users_department ON tenant.users (tenant_id, lower(department)) WHERE department <> '';

CREATE TABLE tenant.staff_imports (
    tenant_id uuid NOT NULL REFERENCES tenant.tenants (id),
    id uuid NOT NULL,
    created_by uuid NOT NULL,
    file_name text NOT NULL DEFAULT '',
    encoding text NOT NULL,
    status text NOT NULL DEFAULT 'preview',
    total integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT staff_imports_status_check CHECK (status IN ('preview', 'queued', 'done')),
    CONSTRAINT staff_imports_file_name_length CHECK (length(file_name) <= 200)
);
CREATE INDEX staff_imports_queued ON tenant.staff_imports (created_at) WHERE status = 'queued';

CREATE TABLE tenant.staff_import_rows (
    tenant_id uuid NOT NULL,
    import_id uuid NOT NULL,
    line integer NOT NULL,
    name text NOT NULL,
    email text NOT NULL,
    department text NOT NULL,
    groups text[] NOT NULL DEFAULT '{}',
    modules text[] NOT NULL DEFAULT '{}',
    -- What the preview found: 'new' or 'existing' account, or 'error' with a code and message.
    plan text NOT NULL,
    -- What the import did: NULL while waiting; created, updated, unchanged, failed or skipped.
    outcome text,
    code text,
    message text,
    PRIMARY KEY (tenant_id, import_id, line),
    FOREIGN KEY (tenant_id, import_id) REFERENCES tenant.staff_imports (tenant_id, id) ON DELETE CASCADE,
    CONSTRAINT staff_import_rows_plan_check CHECK (plan IN ('new', 'existing', 'error')),
    CONSTRAINT staff_import_rows_outcome_check
        CHECK (outcome IN ('created', 'updated', 'unchanged', 'failed', 'skipped'))
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['staff_imports', 'staff_import_rows'] LOOP
        EXECUTE format('ALTER TABLE tenant.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE tenant.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON tenant.%I USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON tenant.%I TO zorgklas_app', t);
    END LOOP;
END
$$;

-- The imports waiting for the job, across members (the job then works per member, under RLS).
CREATE FUNCTION tenant.queued_imports() RETURNS TABLE (tenant_id uuid, id uuid)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, tenant
    AS $$ SELECT tenant_id, id FROM tenant.staff_imports WHERE status = 'queued' ORDER BY created_at LIMIT 100 $$;
REVOKE ALL ON FUNCTION tenant.queued_imports() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant.queued_imports() TO zorgklas_app;
