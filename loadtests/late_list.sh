#!/usr/bin/env bash
# Benchmarks the list of who is late (issue 22) on a member of 5,000 staff with 20 enrolments
# each (100,000 enrolments): a release build of the server, a fresh `zk_bench_late` database,
# the member `groot` with its admin, 20 shared modules, the staff in five departments and ten
# groups, deadlines of which about one in twelve has passed, progress and completions. Then
# `zk-load --alternate N` runs the trivial handler, the admin's overview filtered to the late
# (`/leren/overzicht?state=late`: the people list, the member's counts and the month chart) and
# the list alone through the API (`/api/v1/learning/people?state=late`, and unfiltered), and
# prints the table. Target: the late list's p99 under 50 ms.
#
# Environment (all optional): CARGO_TARGET_DIR, ZK_BENCH_PG_URL (maintenance connection),
# ZK_BENCH_PORT (default 18081), ZK_BENCH_ROUNDS (default 3), ZK_BENCH_CONCURRENCY (default
# "2 32": requests at once, one run each), ZK_LOAD_ARGS (extra zk-load
# arguments), ZK_BENCH_NO_BUILD=1 (use the binaries already built).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zorgklas-target}"
pg_admin_url="${ZK_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
port="${ZK_BENCH_PORT:-18081}"
rounds="${ZK_BENCH_ROUNDS:-3}"
# Requests at once: 2 is an HR moment (two advisers or teachers looking at once), 32 the
# stress the hot pages are measured at.
concurrencies="${ZK_BENCH_CONCURRENCY:-2 32}"
read -r -a extra_load_args <<< "${ZK_LOAD_ARGS:-}"
admin_email='admin@groot.test'
admin_password='Groot-wachtwoord-1'

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'late_list.sh: %s\n' "$*" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/zk-late.XXXXXX")"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

if [[ "${ZK_BENCH_NO_BUILD:-0}" != 1 ]]; then
    log "Building release binaries"
    cargo build --release -p zorgklas -p zk-loadtests
fi
zk="$CARGO_TARGET_DIR/release/zorgklas"
load="$CARGO_TARGET_DIR/release/zk-load"

log "Creating a fresh zk_bench_late database"
psql "$pg_admin_url" -v ON_ERROR_STOP=1 -q \
    -c 'DROP DATABASE IF EXISTS zk_bench_late WITH (FORCE)' -c 'CREATE DATABASE zk_bench_late'
export DATABASE_URL='postgres://postgres@127.0.0.1:5432/zk_bench_late?sslmode=disable'
export ZK_LOG=warn RUST_LOG=warn ZK_DATA_DIR="$work/data"
"$zk" migrate
"$zk" tenant create --slug groot --name "Zorggroep Groot" --admin-email "$admin_email" --employees 5000 >"$work/provision.log" 2>&1
"$zk" user create --tenant groot --email "$admin_email" --role admin --password "$admin_password" >>"$work/provision.log" 2>&1

log "Provisioning 5,000 staff with 20 enrolments each"
start=$SECONDS
psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q <<'SQL' >>"$work/provision.log" 2>&1 || die "provisioning failed (see $work/provision.log)"
CREATE TEMP TABLE docs AS
SELECT md5('s' || i)::uuid AS id, jsonb_build_object(
    'title', 'Module ' || i, 'summary', 'Deel ' || i, 'minutes', 15, 'tags', jsonb_build_array('thema'),
    'language', 'nl', 'validity_months', CASE WHEN i % 4 = 0 THEN 12 END,
    'blocks', jsonb_build_array(
        jsonb_build_object('id', md5('b1-' || i)::uuid, 'type', 'text', 'markdown', 'Eerste deel ' || i),
        jsonb_build_object('id', md5('b2-' || i)::uuid, 'type', 'text', 'markdown', 'Tweede deel ' || i),
        jsonb_build_object('id', md5('b3-' || i)::uuid, 'type', 'text', 'markdown', 'Derde deel ' || i),
        jsonb_build_object('id', md5('b4-' || i)::uuid, 'type', 'text', 'markdown', 'Vierde deel ' || i))) AS doc
FROM generate_series(1, 20) i;
INSERT INTO content.shared_modules (id, draft, latest_version, created_by)
SELECT id, doc, 1, '00000000-0000-0000-0000-000000000000' FROM docs;
INSERT INTO content.shared_module_versions (module_id, version, title, summary, minutes, tags, language, doc, change_note, published_by)
SELECT id, 1, doc->>'title', doc->>'summary', 15, ARRAY['thema'], 'nl', doc, 'Eerste versie', '00000000-0000-0000-0000-000000000000' FROM docs;
CREATE TEMP TABLE member AS SELECT id FROM tenant.tenants WHERE slug = 'groot';
INSERT INTO tenant.users (tenant_id, id, email, display_name, department, status)
SELECT (SELECT id FROM member), md5('u' || i)::uuid, 'mw' || i || '@groot.test',
       (ARRAY['Jansen','de Vries','Bakker','Visser','Smit','Meijer'])[1 + i % 6] || ' ' || i,
       (ARRAY['Thuiszorg','Verpleeghuis','Wijkteam','Revalidatie','Dagbesteding'])[1 + i % 5], 'active'
FROM generate_series(1, 5000) i;
INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5)
SELECT 'g', md5('u' || i)::uuid::text, 'learner', (SELECT id FROM member)::text, '', '', '' FROM generate_series(1, 5000) i;
INSERT INTO content.groups (tenant_id, id, name, created_by)
SELECT (SELECT id FROM member), md5('g' || g)::uuid, 'Team ' || g, '00000000-0000-0000-0000-000000000000' FROM generate_series(1, 10) g;
INSERT INTO content.group_members (tenant_id, group_id, user_id, role)
SELECT (SELECT id FROM member), md5('g' || (1 + i % 10))::uuid, md5('u' || i)::uuid, 'learner' FROM generate_series(1, 5000) i;
-- Enrolments: deadlines spread over the year around today; about one in twelve has passed,
-- every fifth completed (some of them within their validity's last 60 days).
INSERT INTO content.enrolments (tenant_id, id, user_id, module_id, version, deadline, enrolled_by, created_at,
                                completed_at, completed_version)
SELECT (SELECT id FROM member), md5('e' || i || '-' || m)::uuid, md5('u' || i)::uuid, md5('s' || m)::uuid, 1,
       current_date + ((i * 7 + m * 13) % 360 - 30), md5('u' || i)::uuid, now() - interval '60 days',
       CASE WHEN (i + m) % 5 = 0 THEN now() - ((i + m) % 400) * interval '1 day' END,
       CASE WHEN (i + m) % 5 = 0 THEN 1 END
FROM generate_series(1, 5000) i, generate_series(1, 20) m;
-- Progress: open enrolments get 0 to 3 of their 4 blocks done (the triggers count them).
INSERT INTO content.block_progress (tenant_id, enrolment_id, block_id, version, done_at)
SELECT e.tenant_id, e.id, (d.doc->'blocks'->(b - 1)->>'id')::uuid, 1, now() - b * interval '1 day'
FROM content.enrolments e JOIN docs d ON d.id = e.module_id, generate_series(1, 3) b
WHERE e.completed_at IS NULL AND b <= abs(hashtext(e.id::text)) % 4;
ANALYZE;
SQL
echo "provisioned in $(( SECONDS - start ))s: $(psql "$DATABASE_URL" -Atqc 'SELECT count(*) FROM content.enrolments') enrolments, $(psql "$DATABASE_URL" -Atqc "SELECT count(*) FROM content.enrolments WHERE completed_at IS NULL AND deadline < current_date") late" >&2

log "Starting zorgklas serve on 127.0.0.1:$port"
ZK_BASE_DOMAIN=localhost "$zk" serve --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    "$load" probe --port "$port" --path /healthz >/dev/null 2>&1 && break
    sleep 0.2
done

log "Load: trivial, the overview filtered to the late, the API list of the late and of everyone"
run() {
    local name="$1" path="$2" c
    for c in $concurrencies; do
        "$load" --alternate "$rounds" --port "$port" --tenant groot -s trivial,late --late-path "$path" \
            --concurrency "$c" \
            --email "$admin_email" --password "$admin_password" --server-pid "$server_pid" \
            --json "$work/$name-c$c.jsonl" --markdown "$work/$name-c$c.md" "${extra_load_args[@]}" >&2
        echo "### $name, $c at once: \`$path\`"
        echo
        cat "$work/$name-c$c.md"
        echo
    done
}
{
    run overview '/leren/overzicht?state=late'
    run api-late '/api/v1/learning/people?state=late'
    run api-all '/api/v1/learning/people'
} | tee "$work/late-list.md"
echo "Raw results: $work" >&2
