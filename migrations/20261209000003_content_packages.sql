-- Issue 24, part 1: an e-learning package (SCORM 1.2, SCORM 2004, cmi5) is a media object of
-- kind 'package': its zip goes up like any upload; on confirm it is checked (zip bombs, paths
-- escaping the package, the manifest and its launch files) and its files are unpacked next to
-- it in the object store (`{object_key}.d/…`). What the manifest says is kept with it.
ALTER TABLE content.media DROP CONSTRAINT media_kind_check;
ALTER TABLE content.media ADD CONSTRAINT media_kind_check
    CHECK (kind IN ('image', 'video', 'document', 'captions', 'package'));
ALTER TABLE content.media ADD COLUMN package jsonb;
