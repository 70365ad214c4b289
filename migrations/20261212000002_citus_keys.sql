-- Keys that Citus can keep (issue 25, item 7; infra/citus/distribute.sql and docs/operations.md,
-- "Scaling out PostgreSQL with Citus"). On a table distributed by tenant_id a shard checks a
-- primary key or unique constraint among its own rows only, so Citus refuses one that does not
-- include tenant_id. These keys were unique across all members, although no query looks a row
-- up by them without naming the member (the tenant comes from the host or the session), and the
-- values are random or carry the member's prefix, so unique per member is what they need:
--  * tenant.member_events: the console's history of a member, read by member (tenant_id, at);
--  * content.media.object_key: starts with the owner's prefix (`t/{tenant_id}/…`, `shared/…` for
--    the platform tenant), so two members' keys differ anyway;
--  * lti.tool_keys.kid (`zk-{uuid}`), lti.logins.nonce (random), content.package_sessions and
--    content.cmi5_launches token hashes (SHA-256 of random tokens): every lookup names the member;
--  * billing.invoices: the key (tenant_id, stripe_invoice_id) stays; Stripe's invoice ids are
--    unique at Stripe, and an invoice reaches a member through its customer, which
--    billing.accounts keeps unique (a reference table on Citus, unique across all members).
-- Replacing a key by a wider one accepts every row the narrower one did; no data changes.
--
-- Not changed here, because they are not tenant tables on Citus: content.votes' foreign key to
-- content.proposals (proposal_id) without tenant_id is right. A member votes on another member's
-- proposal (tests/e2e/content/community.rs), so the vote's tenant_id (the voter) and the
-- proposal's (the proposer) differ by design; a key (tenant_id, proposal_id) would refuse every
-- vote but one's own. Both tables are shared-readable (content.shared_readable), as are ratings,
-- block reports and the candidates' events and comments: on Citus they are reference tables,
-- copied to every node, where a foreign key between them needs no tenant_id.

ALTER TABLE tenant.member_events
    DROP CONSTRAINT member_events_pkey,
    ADD CONSTRAINT member_events_pkey PRIMARY KEY (tenant_id, id);

DROP INDEX content.media_object_key;
CREATE UNIQUE INDEX media_object_key ON content.media (tenant_id, object_key);

ALTER TABLE lti.tool_keys
    DROP CONSTRAINT tool_keys_kid_key,
    ADD CONSTRAINT tool_keys_kid_key UNIQUE (tenant_id, kid);

ALTER TABLE lti.logins
    DROP CONSTRAINT logins_nonce_key,
    ADD CONSTRAINT logins_nonce_key UNIQUE (tenant_id, nonce);

ALTER TABLE content.package_sessions
    DROP CONSTRAINT package_sessions_token_hash_key,
    ADD CONSTRAINT package_sessions_token_hash_key UNIQUE (tenant_id, token_hash);

ALTER TABLE content.cmi5_launches
    DROP CONSTRAINT cmi5_launches_fetch_hash_key,
    ADD CONSTRAINT cmi5_launches_fetch_hash_key UNIQUE (tenant_id, fetch_hash),
    DROP CONSTRAINT cmi5_launches_auth_hash_key,
    ADD CONSTRAINT cmi5_launches_auth_hash_key UNIQUE (tenant_id, auth_hash);

ALTER TABLE billing.invoices DROP CONSTRAINT invoices_stripe_id_key;

COMMENT ON TABLE content.votes IS
    'Shared-readable (Citus: reference table). tenant_id is the voting member, not the proposal''s; the foreign key to content.proposals deliberately has no tenant_id.';
