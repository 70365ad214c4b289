-- Common Cartridge export of all of a member's own modules (GET /api/v1/content/export): the
-- member's admins, who decide about the member's content as a whole (exporting one module is
-- catalog:write, authors and admins). No tables: the export reads modules and media as they are.
INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES
    ('p', 'admin', '*', 'content', 'export', '', '');
