-- API tokens get an expiry and a last use, so their owners and admins can see and revoke them
-- (security review 2, finding 7). Tokens issued before this migration expire 90 days from now;
-- code that does not set `expires_at` yet (a rolling deploy) gets the same 90 days by default.
ALTER TABLE tenant.api_tokens
    ADD COLUMN expires_at timestamptz NOT NULL DEFAULT (now() + interval '90 days'),
    ADD COLUMN last_used_at timestamptz;

-- A user's tokens are listed and revoked together (password reset, blocking).
CREATE INDEX api_tokens_user ON tenant.api_tokens (tenant_id, user_id);
