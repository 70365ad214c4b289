-- SCORM commits rewrite an attempt's row (about 2 KB of data model) many times a minute per
-- learner. Storage tuned for that (issue 24's benchmark):
-- * lz4 instead of pglz for the data model: several times faster to compress, as small (where
--   the server is built with lz4, as Debian's and the official images are; else pglz stays).
-- * fillfactor 70: room on the page for the new row version, so an update stays on its page
--   (HOT: no index entries to add, as no indexed column changes).
DO $$
BEGIN
    ALTER TABLE content.package_attempts ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'lz4 is not available (%); the data model stays compressed with pglz', SQLERRM;
END
$$;
ALTER TABLE content.package_attempts SET (fillfactor = 70);
