-- Content service slot: catalog, modules, versions, overlays, enrolments and progress land here
-- with the content/learning issue. The schema exists now so grants and search paths are stable.
CREATE SCHEMA content;
GRANT USAGE ON SCHEMA content TO zorgklas_app;
