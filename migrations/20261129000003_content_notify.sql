-- Cache invalidation for content pages: every process keeps rendered catalogue and module pages
-- keyed by a change counter (kernel `generations`), which moves on these notifications.
-- Payload `content:*` = a change every member sees (a shared version); `content:<tenant>` = one
-- member's own modules or overlays.
CREATE FUNCTION content.notify_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_TABLE_NAME = 'shared_module_versions' THEN
        PERFORM pg_notify('zk_changed', 'content:*');
    ELSE
        PERFORM pg_notify('zk_changed', 'content:' || COALESCE(NEW.tenant_id, OLD.tenant_id)::text);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER shared_module_versions_notify AFTER INSERT ON content.shared_module_versions
    FOR EACH STATEMENT EXECUTE FUNCTION content.notify_changed();
CREATE TRIGGER module_versions_notify AFTER INSERT ON content.module_versions
    FOR EACH ROW EXECUTE FUNCTION content.notify_changed();
CREATE TRIGGER adoptions_notify AFTER INSERT OR UPDATE OR DELETE ON content.adoptions
    FOR EACH ROW EXECUTE FUNCTION content.notify_changed();
