-- Media of modules: images, videos, PDFs and WebVTT captions. The bytes live in the object store
-- under the owner's prefix (`t/{tenant}/media/…`, `shared/media/…` for the NZK portfolio, whose
-- owner is the platform tenant); this table knows which objects exist and whether their upload
-- was confirmed. A member reads its own media and the portfolio's; it writes only its own.
CREATE TABLE content.media (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    kind text NOT NULL,
    object_key text NOT NULL,
    filename text NOT NULL,
    content_type text NOT NULL,
    size bigint NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    upload_id text,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT media_kind_check CHECK (kind IN ('image', 'video', 'document', 'captions')),
    CONSTRAINT media_status_check CHECK (status IN ('pending', 'ready')),
    CONSTRAINT media_size_check CHECK (size > 0),
    CONSTRAINT media_filename_check CHECK (length(filename) BETWEEN 1 AND 200)
);
CREATE UNIQUE INDEX media_object_key ON content.media (object_key);
CREATE INDEX media_pending ON content.media (created_at) WHERE status = 'pending';
ALTER TABLE content.media ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.media FORCE ROW LEVEL SECURITY;
CREATE POLICY own_and_portfolio ON content.media FOR SELECT
    USING (tenant_id = tenant.current_tenant() OR tenant_id = tenant.platform_tenant());
CREATE POLICY written_by_owner ON content.media
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON content.media TO zorgklas_app;

-- The sweeper sees every member's abandoned uploads (older than `older_than`, still pending)
-- and removes their rows once it has removed their objects. Nothing else crosses members here.
CREATE FUNCTION content.abandoned_media(older_than interval, max_rows integer)
    RETURNS TABLE (tenant_id uuid, id uuid, object_key text, upload_id text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, content
    AS $$
    SELECT tenant_id, id, object_key, upload_id FROM content.media
    WHERE status = 'pending' AND created_at < now() - older_than
    ORDER BY created_at LIMIT max_rows
    $$;
CREATE FUNCTION content.forget_media(p_tenant uuid, p_id uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, content
    AS $$ DELETE FROM content.media WHERE tenant_id = p_tenant AND id = p_id AND status = 'pending' $$;
REVOKE ALL ON FUNCTION content.abandoned_media(interval, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION content.forget_media(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION content.abandoned_media(interval, integer) TO zorgklas_app;
GRANT EXECUTE ON FUNCTION content.forget_media(uuid, uuid) TO zorgklas_app;

-- When an operator publishes a member's contribution, the files it uses are copied to the
-- portfolio: this returns the candidate member's confirmed files among `p_ids`, to operators only.
CREATE FUNCTION content.candidate_media(p_candidate uuid, p_ids uuid[])
    RETURNS TABLE (id uuid, kind text, object_key text, filename text, content_type text, size bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, content, tenant
    AS $$
BEGIN
    IF tenant.current_tenant() IS DISTINCT FROM tenant.platform_tenant() THEN
        RAISE EXCEPTION 'operators only' USING ERRCODE = '42501';
    END IF;
    RETURN QUERY
    SELECT m.id, m.kind, m.object_key, m.filename, m.content_type, m.size
    FROM content.media m JOIN content.candidates c ON c.source_tenant = m.tenant_id
    WHERE c.id = p_candidate AND m.id = ANY (p_ids) AND m.status = 'ready';
END
$$;
REVOKE ALL ON FUNCTION content.candidate_media(uuid, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION content.candidate_media(uuid, uuid[]) TO zorgklas_app;
