-- Proofs of participation (bewijs van deelname): issued in the member's name when a learner
-- completes a module; NZK issues no diplomas. The row keeps what the proof says (learner's
-- name, module title, member's name, date) as it was at issue, and a verification code that
-- anyone may check at https://{member host}/bewijs/{code}. Admins can revoke a proof with a
-- reason; a revoked proof no longer verifies.
CREATE TABLE content.proofs (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,
    code text NOT NULL,
    enrolment_id uuid NOT NULL,
    user_id uuid NOT NULL,
    module_id uuid NOT NULL,
    version integer NOT NULL,
    learner_name text NOT NULL,
    module_title text NOT NULL,
    member_name text NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    revoked_by uuid,
    revoked_reason text,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT proofs_code_key UNIQUE (tenant_id, code),
    CONSTRAINT proofs_enrolment_key UNIQUE (tenant_id, enrolment_id),
    FOREIGN KEY (tenant_id, enrolment_id) REFERENCES content.enrolments (tenant_id, id),
    CONSTRAINT proofs_code_check CHECK (code ~ '^[0-9A-Z]{12}$'),
    CONSTRAINT proofs_revoked_check CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
ALTER TABLE content.proofs ENABLE ROW LEVEL SECURITY;
ALTER TABLE content.proofs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON content.proofs
    USING (tenant_id = tenant.current_tenant()) WITH CHECK (tenant_id = tenant.current_tenant());
GRANT SELECT, INSERT ON content.proofs TO zorgklas_app;
GRANT UPDATE (revoked_at, revoked_by, revoked_reason) ON content.proofs TO zorgklas_app;
