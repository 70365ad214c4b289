-- Zorgklas on Citus: makes every table of the migrated schema a Citus table (issue 25, item 7).
-- Run once, on the coordinator, as the owner of the tables (the role that runs the migrations),
-- after `zorgklas migrate` and before the platform takes traffic:
--
--     psql "$OWNER_URL" -v ON_ERROR_STOP=1 -f infra/citus/distribute.sql
--
-- Statement by statement, each committing on its own (no `psql -1`): inside one transaction
-- block Citus refuses some of these calls (tables with foreign keys to reference tables, after
-- other shards were written in the same transaction). A statement that already ran fails when
-- run again ("already distributed"): after a failure, go on from the statement that failed.
-- See docs/operations.md, "Scaling out PostgreSQL with Citus".
--
-- The layout (DESIGN.md, "Tenancy" and "Content and learning"):
--  1. reference tables, copied to every node: the tenant registry, the NZK portfolio and every
--     other table that every member reads, in foreign-key order (a referenced table first);
--  2. the member tables, hash-distributed by tenant_id and all colocated with tenant.users (the
--     anchor, distributed first), so one member's rows of every table sit in one shard group on
--     one node and a member's page joins them there (with reference rows, which every node has);
--  3. local tables, left on the coordinator: listed in "-- local:" lines with the reason.
--
-- tests/e2e/platform/citus.rs reads this file and compares it with the migrated catalogue: every
-- table is named exactly once (distributed, reference or local); every table with tenant_id is
-- distributed by it unless its reference line says, after "--", why it is shared; primary keys
-- and unique constraints of distributed tables include tenant_id; foreign keys between
-- distributed tables include it; no reference or local table points at a distributed one. It
-- also runs this file against stand-ins of the two Citus functions, in order. A new table in a
-- migration fails that test until it has its line here.

-- Our triggers (updated_at, versions, NOTIFY for the caches, moderation guards, progress
-- counters) run on the nodes that hold the shards; Citus distributes a table with triggers only
-- with this on. See docs/operations.md for what that means for the NOTIFY triggers.
SET citus.enable_unsafe_triggers TO on;

-- 1. Reference tables.
-- The registry: keyed by the tenant itself (id), but looked up by slug (unique across members)
-- from every request's host before any tenant is known, and referenced by most tenant tables.
SELECT create_reference_table('tenant.tenants');
SELECT create_reference_table('tenant.tenant_domains'); -- a custom domain is unique across members and resolves to its member before any tenant is known (tenant.resolve_domain)
-- Roles of every member: casbin loads the whole table in every process, and user lists join it.
SELECT create_reference_table('tenant.casbin_rule');
-- The NZK portfolio.
SELECT create_reference_table('content.shared_modules');
SELECT create_reference_table('content.shared_module_versions');
SELECT create_reference_table('content.shared_paths');
SELECT create_reference_table('content.shared_path_versions');
SELECT create_reference_table('content.candidates');
SELECT create_reference_table('content.candidate_events'); -- shared-readable: reviewers of every member read a candidate's history; tenant_id is the member that acted
SELECT create_reference_table('content.candidate_comments'); -- shared-readable: every reviewer reads the comments; tenant_id is the commenting member
-- Quality and say: every member reads all of it; tenant_id is the member that wrote the row.
SELECT create_reference_table('content.ratings'); -- shared-readable: every member reads every rating; tenant_id is the rating member
SELECT create_reference_table('content.block_reports'); -- shared-readable: every member reads the reports on the portfolio; tenant_id is the reporting member
SELECT create_reference_table('content.proposals'); -- shared-readable: every member reads and votes on every proposal; tenant_id is the proposing member
SELECT create_reference_table('content.votes'); -- shared-readable: members vote on other members' proposals; tenant_id is the voter, not the proposal's member
-- Billing: the tiers every account points at, Stripe bookkeeping, and the accounts.
SELECT create_reference_table('billing.tiers');
SELECT create_reference_table('billing.stripe_objects');
SELECT create_reference_table('billing.webhook_events');
SELECT create_reference_table('billing.accounts'); -- one row per member; Stripe's webhooks find the member by customer id (billing.tenant_of_customer), unique across members

-- 2. Member tables, distributed by tenant_id, colocated with the anchor.
SELECT create_distributed_table('tenant.users', 'tenant_id', colocate_with => 'none');
SELECT create_distributed_table('tenant.branding', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('tenant.invites', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('tenant.sessions', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('tenant.api_tokens', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('tenant.outbox', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('tenant.staff_imports', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('tenant.staff_import_rows', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('tenant.invite_reminders', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('tenant.member_events', 'tenant_id', colocate_with => 'tenant.users');

SELECT create_distributed_table('content.modules', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.module_versions', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.adoptions', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.media', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.paths', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.path_versions', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.path_adoptions', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.enrolments', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.block_progress', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.quiz_attempts', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.quiz_answers', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.proofs', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.past_completions', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.withdrawn_enrolments', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.path_enrolments', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.self_enrolment', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.groups', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.group_members', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.reminders_sent', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.package_sessions', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.package_attempts', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.cmi5_launches', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.xapi_statements', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('content.xapi_documents', 'tenant_id', colocate_with => 'tenant.users');

SELECT create_distributed_table('billing.state_changes', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('billing.invoices', 'tenant_id', colocate_with => 'tenant.users');

SELECT create_distributed_table('lti.registrations', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('lti.deployments', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('lti.tool_keys', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('lti.logins', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('lti.accounts', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('lti.launches', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('lti.registration_links', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('lti.grade_links', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('lti.grade_queue', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('lti.rosters', 'tenant_id', colocate_with => 'tenant.users');
SELECT create_distributed_table('lti.roster_members', 'tenant_id', colocate_with => 'tenant.users');

-- 3. Local tables, on the coordinator only (nothing to run; the test reads these lines).
-- local: tenant.throttle -- written on every login attempt and never joined with another table (only tenant.throttle_* functions touch it); as a reference table every attempt would write to every node
-- local: public._sqlx_migrations -- sqlx's bookkeeping of applied migrations; only `zorgklas migrate` reads it, on the coordinator
