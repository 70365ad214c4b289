-- An illustration or photo per member (issue 12), shown on its login page and learners' home,
-- uploaded like the logo, with the text that describes it for who can't see it.
ALTER TABLE tenant.branding ADD COLUMN illustration_key text;
ALTER TABLE tenant.branding ADD COLUMN illustration_content_type text;
ALTER TABLE tenant.branding ADD COLUMN illustration_alt text NOT NULL DEFAULT '';
ALTER TABLE tenant.branding ADD CONSTRAINT branding_illustration_alt_length
    CHECK (length(illustration_alt) <= 300);
