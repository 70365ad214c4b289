-- Issue 22, part 7: the preview of a staff import may warn about a row without refusing it (a
-- name that looks mangled by an encoding mistake, `name_mangled`). A warning is not an error:
-- the row keeps its plan ('new' or 'existing') and is imported; the warning is shown beside it.
-- Kept apart from `code`/`message`, which hold the error or failure of the row. Nullable
-- columns without a default: older processes go on writing rows without them.
ALTER TABLE tenant.staff_import_rows
    ADD COLUMN warning_code text,
    ADD COLUMN warning_message text;
