#!/usr/bin/env bash
# Usage: bash loadtests/users_table.sh (after a test run has built the migrated template).
# Times the users table's query (the statement repo::users::search runs) on a member with 10,000
# users, as the app role with the member's tenant set, in a scratch copy of the migrated template.
set -euo pipefail
U="postgres://postgres@127.0.0.1:5432"
TPL=$(for d in $(psql "$U/postgres" -Atc "select datname from pg_database where datname like 'zk_tpl_%'"); do
  if psql "$U/$d" -Atc "select 1 from information_schema.columns where table_name='branding' and column_name='illustration_alt'" | grep -q 1; then echo $d; fi; done | head -1)
psql "$U/postgres" -qc "DROP DATABASE IF EXISTS zk_bench_users" -c "CREATE DATABASE zk_bench_users TEMPLATE $TPL"
psql "$U/zk_bench_users" -q <<'SQL'
SELECT tenant.set_tenant(tenant.platform_tenant());
INSERT INTO tenant.tenants (id, kind, slug, name, employee_count) VALUES ('11111111-1111-1111-1111-111111111111', 'member', 'groot', 'Groot', 10000);
INSERT INTO tenant.users (tenant_id, id, email, display_name, department, status, last_login_at)
SELECT '11111111-1111-1111-1111-111111111111', gen_random_uuid(), 'mw' || i || '@groot.test',
       (ARRAY['Jansen','de Vries','Bakker','Visser','Smit'])[1 + i % 5] || ' ' || i,
       (ARRAY['Thuiszorg','Verpleeghuis','Wijkteam','Revalidatie'])[1 + i % 4],
       CASE WHEN i % 10 = 0 THEN 'invited' ELSE 'active' END,
       CASE WHEN i % 10 = 0 THEN NULL ELSE now() - i * interval '1 minute' END
FROM generate_series(1, 10000) i;
INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5)
SELECT 'g', id::text, 'learner', tenant_id::text, '', '', '' FROM tenant.users WHERE tenant_id = '11111111-1111-1111-1111-111111111111';
ANALYZE;
SQL
run() {
  psql "$U/zk_bench_users" -At <<SQL | grep -E "Execution Time"
SET ROLE zorgklas_app;
BEGIN;
SELECT tenant.set_tenant('11111111-1111-1111-1111-111111111111');
EXPLAIN ANALYZE WITH page AS (
  SELECT id, email, display_name, department, status, last_login_at, count(*) OVER () AS total FROM tenant.users u
  WHERE tenant_id = '11111111-1111-1111-1111-111111111111'
    AND ($1 IS NULL OR email ILIKE $1 OR display_name ILIKE $1)
    AND ($2 IS NULL OR EXISTS (SELECT 1 FROM tenant.casbin_rule c WHERE c.ptype = 'g' AND c.v0 = u.id::text AND c.v1 = $2 AND c.v2 = tenant.authz_domain()))
    AND ($3 IS NULL OR status = $3)
  ORDER BY $4 LIMIT 50 OFFSET $5)
SELECT page.*, ARRAY(SELECT c.v1::text FROM tenant.casbin_rule c WHERE c.ptype = 'g' AND c.v0 = page.id::text AND c.v2 = tenant.authz_domain() ORDER BY c.v1) AS roles FROM page ORDER BY $4;
COMMIT;
SQL
}
for round in 1 2; do
  echo "round $round"
  printf '  all users, by name, first page:  '; run "NULL" "NULL" "NULL" "lower(NULLIF(display_name, '')) ASC NULLS LAST, email ASC" "0"
  printf '  all users, by name, last page:   '; run "NULL" "NULL" "NULL" "lower(NULLIF(display_name, '')) ASC NULLS LAST, email ASC" "9950"
  printf '  search "jansen":                 '; run "'%jansen%'" "NULL" "NULL" "lower(NULLIF(display_name, '')) ASC NULLS LAST, email ASC" "0"
  printf '  learners, invited, by last login: '; run "NULL" "'learner'" "'invited'" "last_login_at DESC NULLS LAST, email ASC" "0"
done
psql "$U/postgres" -qc "DROP DATABASE zk_bench_users"
