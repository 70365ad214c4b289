#!/usr/bin/env bash
# Benchmarks a release build of the Zorgklas server on this machine.
#
# Builds zorgklas and zk-load (release), creates a fresh `zk_bench` database on the local
# PostgreSQL, migrates it, provisions 1,000 members (`bench` plus m0001..m0999) and a learner,
# provisions 500 shared modules, 50 own modules per member, one adoption with accents, one adopted learning path and 20 enrolments of the learner for
# `bench`, starts `zorgklas serve` on 127.0.0.1:18080, runs `zk-load --alternate 3` (trivial handler,
# learner home, catalogue page, module page with an overlay, adopted path page, catalogue search,
# progress writes, login), reads the server's memory from /proc and writes loadtests/RESULTS.md.
#
# Environment (all optional):
#   CARGO_TARGET_DIR   build directory (default: $HOME/.cache/zorgklas-target)
#   ZK_BENCH_PG_URL    maintenance connection (default: postgres://postgres@127.0.0.1:5432/postgres)
#   ZK_BENCH_PORT      server port (default: 18080)
#   ZK_BENCH_ROUNDS    alternating rounds (default: 3)
#   ZK_LOAD_ARGS       extra arguments for zk-load (e.g. "-d 5 -c 16")
#   ZK_BENCH_PROFILE   release (default) or debug: which build to benchmark (debug only to try
#                      the script; its numbers mean nothing)
#   ZK_BENCH_NO_BUILD  1: use the binaries already built, skip cargo build
#   ZK_BENCH_RESULTS   where to write the markdown summary (default: loadtests/RESULTS.md)
#
# The zk_bench database is left in place for inspection; the next run drops it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zorgklas-target}"
pg_admin_url="${ZK_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
port="${ZK_BENCH_PORT:-18080}"
rounds="${ZK_BENCH_ROUNDS:-3}"
profile="${ZK_BENCH_PROFILE:-release}"
results="${ZK_BENCH_RESULTS:-$here/RESULTS.md}"
read -r -a extra_load_args <<< "${ZK_LOAD_ARGS:-}"
learner_email='learner@bench.test'
learner_password='Bench-wachtwoord-1'
author_email='author@bench.test'
scorm_learners="${ZK_BENCH_SCORM_LEARNERS:-500}"
extra_members=999

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/zk-bench.XXXXXX")"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Build -----------------------------------------------------------------------------------
case "$profile" in
    release) build_flags=(--release) ;;
    debug) build_flags=() ;;
    *) die "ZK_BENCH_PROFILE must be release or debug" ;;
esac
if [[ "${ZK_BENCH_NO_BUILD:-0}" == 1 ]]; then
    log "Using the $profile binaries already in $CARGO_TARGET_DIR (ZK_BENCH_NO_BUILD=1)"
else
    log "Building $profile binaries (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    cargo build "${build_flags[@]}" -p zorgklas -p zk-loadtests
fi
zk="$CARGO_TARGET_DIR/$profile/zorgklas"
load="$CARGO_TARGET_DIR/$profile/zk-load"
[[ -x "$zk" ]] || die "$zk was not built"
[[ -x "$load" ]] || die "$load was not built"

if "$load" probe --port "$port" --path /healthz >/dev/null 2>&1; then
    die "something already answers on 127.0.0.1:$port; stop it or set ZK_BENCH_PORT"
fi

# --- Database --------------------------------------------------------------------------------
log "Creating a fresh zk_bench database"
psql "$pg_admin_url" -v ON_ERROR_STOP=1 -q \
    -c 'DROP DATABASE IF EXISTS zk_bench WITH (FORCE)' \
    -c 'CREATE DATABASE zk_bench'

export DATABASE_URL='postgres://postgres@127.0.0.1:5432/zk_bench?sslmode=disable'
export ZK_LOG=warn
export RUST_LOG=warn
export ZK_DATA_DIR="$work/data"

log "Migrating"
"$zk" migrate

# --- Members and the learner -----------------------------------------------------------------
log "Provisioning members (bench + $extra_members more)"
provision_start=$SECONDS
"$zk" tenant create --slug bench --name "Bench Zorg" --admin-email admin@bench.test --employees 120 \
    >>"$work/provision.log" 2>&1 || { tail -n 20 "$work/provision.log" >&2; die "tenant create failed"; }
if "$zk" tenant create-bulk --help >/dev/null 2>&1; then
    provision_method="zorgklas tenant create-bulk --count $extra_members --prefix m"
    "$zk" tenant create-bulk --count "$extra_members" --prefix m >>"$work/provision.log" 2>&1 \
        || { tail -n 20 "$work/provision.log" >&2; die "tenant create-bulk failed"; }
else
    provision_method="a loop of $extra_members × zorgklas tenant create (create-bulk not available)"
    echo "tenant create-bulk is not available; falling back to $extra_members × tenant create (slow)" >&2
    for i in $(seq 1 "$extra_members"); do
        slug="$(printf 'm%04d' "$i")"
        "$zk" tenant create --slug "$slug" --name "Lid $slug" --admin-email "admin@$slug.test" --employees 10 \
            >>"$work/provision.log" 2>&1 || { tail -n 20 "$work/provision.log" >&2; die "tenant create $slug failed"; }
        if (( i % 100 == 0 )); then echo "  $i/$extra_members" >&2; fi
    done
fi
"$zk" user create --tenant bench --email "$learner_email" --role learner --password "$learner_password" \
    >>"$work/provision.log" 2>&1 || { tail -n 20 "$work/provision.log" >&2; die "user create failed"; }
# The author who uploads and publishes the SCORM package (through the API, with a bearer token).
"$zk" user create --tenant bench --email "$author_email" --role author --password "$learner_password" \
    >>"$work/provision.log" 2>&1 || { tail -n 20 "$work/provision.log" >&2; die "user create (author) failed"; }
author_token="$("$zk" token create --tenant bench --email "$author_email" 2>>"$work/provision.log")" \
    || die "token create failed"
provision_secs=$(( SECONDS - provision_start ))

members="$(psql "$DATABASE_URL" -Atqc "SELECT count(*) FROM tenant.tenants WHERE kind = 'member'" 2>/dev/null || echo '?')"
users="$(psql "$DATABASE_URL" -Atqc 'SELECT count(*) FROM tenant.users' 2>/dev/null || echo '?')"
echo "members: $members, users: $users, provisioning took ${provision_secs}s via $provision_method" >&2
if [[ "$members" != "?" ]] && (( members < 1000 )); then
    echo "warning: only $members members provisioned (expected 1000)" >&2
fi

# --- Content: 500 shared modules, 50 own modules per member, one adoption ----------------------
# Written as the owner in SQL (the app's own publish path is tested end to end; here only the
# volume matters). Every tenth shared module mentions "medicijn", which the search scenario finds.
log "Provisioning content (500 shared modules, 50 own modules per member)"
content_start=$SECONDS
psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q <<'SQL' >>"$work/provision.log" 2>&1 || die "content provisioning failed (see $work/provision.log)"
CREATE TEMP TABLE shared_docs AS
SELECT md5('s' || i)::uuid AS id, jsonb_build_object(
    'title', 'Gedeelde module ' || i,
    'summary', 'Veilig en hygiënisch werken in de zorg, deel ' || i,
    'target_group', 'Verzorgenden', 'minutes', 10 + i % 50, 'mbo_level', 2 + i % 3,
    'tags', jsonb_build_array('thema' || (i % 20)), 'language', 'nl',
    'blocks', jsonb_build_array(
        jsonb_build_object('id', md5('sb1-' || i)::uuid, 'type', 'text', 'markdown',
            CASE WHEN i % 10 = 0 THEN 'Controleer elk medicijn twee keer.' ELSE 'Werk volgens het zorgplan, cliënt ' || i END),
        jsonb_build_object('id', md5('sb2-' || i)::uuid, 'type', 'text', 'optional', true, 'markdown', 'Achtergrond bij deel ' || i),
        jsonb_build_object('id', md5('sb3-' || i)::uuid, 'type', 'quiz', 'pass_mark', 50, 'questions', jsonb_build_array(
            jsonb_build_object('id', md5('sq-' || i)::uuid, 'prompt', 'Wat doet u eerst?', 'options', jsonb_build_array(
                jsonb_build_object('id', md5('so1-' || i)::uuid, 'text', 'Controleren', 'correct', true),
                jsonb_build_object('id', md5('so2-' || i)::uuid, 'text', 'Beginnen'))))))) AS doc
FROM generate_series(1, 500) i;
INSERT INTO content.shared_modules (id, draft, latest_version, created_by)
SELECT id, doc, 1, '00000000-0000-0000-0000-000000000000' FROM shared_docs;
INSERT INTO content.shared_module_versions (module_id, version, title, summary, mbo_level, minutes, tags, language, doc, change_note, published_by)
SELECT id, 1, doc->>'title', doc->>'summary', (doc->>'mbo_level')::smallint, (doc->>'minutes')::int,
       ARRAY[doc->'tags'->>0], 'nl', doc, 'Eerste versie', '00000000-0000-0000-0000-000000000000' FROM shared_docs;
INSERT INTO content.modules (tenant_id, id, draft, latest_version, created_by)
SELECT t.id, md5(t.id::text || '-' || i)::uuid, jsonb_build_object(
    'title', 'Eigen module ' || i, 'summary', 'Werkafspraken van ' || t.name, 'minutes', 5 + i,
    'tags', jsonb_build_array('eigen'), 'language', 'nl',
    'blocks', jsonb_build_array(jsonb_build_object('id', md5(t.id::text || '-b-' || i)::uuid, 'type', 'text', 'markdown', 'Zo werken wij, afspraak ' || i))),
    1, '00000000-0000-0000-0000-000000000000'
FROM tenant.tenants t, generate_series(1, 50) i WHERE t.kind = 'member';
INSERT INTO content.module_versions (tenant_id, module_id, version, title, summary, mbo_level, minutes, tags, language, doc, change_note, published_by)
SELECT tenant_id, id, 1, draft->>'title', draft->>'summary', NULL, (draft->>'minutes')::int, ARRAY['eigen'], 'nl', draft, 'Eerste versie', created_by
FROM content.modules;
INSERT INTO content.adoptions (tenant_id, module_id, follow, pinned_version, overlay, created_by)
SELECT id, md5('s1')::uuid, 'auto', 1, jsonb_build_object(
    'intro_markdown', 'Bij ons werkt u met **het eigen protocol**.',
    'hidden', jsonb_build_array(md5('sb2-1')::uuid), 'pass_marks', jsonb_build_object(md5('sb3-1')::uuid, 80),
    'accents', jsonb_build_array(jsonb_build_object('anchor', md5('sb1-1')::uuid, 'position', 'after',
        'block', jsonb_build_object('id', md5('accent-1')::uuid, 'type', 'text', 'markdown', 'Onze aanvulling')))),
    '00000000-0000-0000-0000-000000000000'
FROM tenant.tenants WHERE slug = 'bench';
-- One shared learning path of ten shared modules (the second optional), adopted by the bench
-- member with its own first module in front and the optional one left out.
INSERT INTO content.shared_paths (id, draft, latest_version, created_by)
SELECT md5('p1')::uuid, jsonb_build_object('title', 'Gedeeld leertraject', 'summary', 'Tien modules.',
    'modules', (SELECT jsonb_agg(md5('s' || i)::uuid ORDER BY i) FROM generate_series(1, 10) i),
    'optional', jsonb_build_array(md5('s2')::uuid)), 1, '00000000-0000-0000-0000-000000000000';
INSERT INTO content.shared_path_versions (path_id, version, title, doc, change_note, published_by)
SELECT id, 1, draft->>'title', draft, 'Eerste versie', created_by FROM content.shared_paths;
INSERT INTO content.path_adoptions (tenant_id, path_id, follow, pinned_version, overlay, created_by)
SELECT id, md5('p1')::uuid, 'auto', 1, jsonb_build_object(
    'intro_markdown', 'Begin met **onze** welkomstmodule.',
    'hidden', jsonb_build_array(md5('s2')::uuid),
    'accents', jsonb_build_array(jsonb_build_object('anchor', md5('s1')::uuid, 'position', 'before',
        'module', md5(id::text || '-1')::uuid))),
    '00000000-0000-0000-0000-000000000000'
FROM tenant.tenants WHERE slug = 'bench';
-- The bench learner is enrolled in 20 modules (10 shared, 10 own) with some blocks done, so the
-- learner home shows a real list.
INSERT INTO content.enrolments (tenant_id, id, user_id, module_id, version, deadline, enrolled_by)
SELECT u.tenant_id, md5('e' || i)::uuid, u.id,
       CASE WHEN i <= 10 THEN md5('s' || (i + 10))::uuid ELSE md5(u.tenant_id::text || '-' || i)::uuid END,
       1, CASE WHEN i % 3 = 0 THEN current_date + i END, u.id
FROM tenant.users u JOIN tenant.tenants t ON t.id = u.tenant_id, generate_series(1, 20) i
WHERE t.slug = 'bench' AND u.email = 'learner@bench.test';
INSERT INTO content.block_progress (tenant_id, enrolment_id, block_id, version)
SELECT e.tenant_id, e.id, (v.doc->'blocks'->0->>'id')::uuid, 1
FROM content.enrolments e
JOIN content.shared_module_versions v ON v.module_id = e.module_id AND v.version = 1;
ANALYZE;
SQL
module_path="/leren/modules/$(psql "$DATABASE_URL" -Atqc "SELECT md5('s1')::uuid")"
learning_path="/leren/trajecten/$(psql "$DATABASE_URL" -Atqc "SELECT md5('p1')::uuid")"
# The learner's "block done" writes: every block that is not a quiz, of each of the 20 enrolments.
progress_paths="$work/progress-paths.txt"
psql "$DATABASE_URL" -Atqc "
    SELECT '/api/v1/learning/enrolments/' || e.id || '/blocks/' || (b->>'id') || '/done'
    FROM content.enrolments e
    JOIN LATERAL (SELECT doc FROM content.shared_module_versions v WHERE v.module_id = e.module_id AND v.version = e.version
                  UNION ALL
                  SELECT doc FROM content.module_versions o
                  WHERE o.tenant_id = e.tenant_id AND o.module_id = e.module_id AND o.version = e.version) d ON true,
         jsonb_array_elements(d.doc->'blocks') b
    WHERE b->>'type' <> 'quiz' ORDER BY 1" >"$progress_paths"
progress_count="$(wc -l <"$progress_paths" | tr -d ' ')"
shared_modules="$(psql "$DATABASE_URL" -Atqc 'SELECT count(*) FROM content.shared_module_versions')"
own_modules="$(psql "$DATABASE_URL" -Atqc 'SELECT count(*) FROM content.module_versions')"
echo "content: $shared_modules shared, $own_modules own modules in $(( SECONDS - content_start ))s" >&2

# --- Server ----------------------------------------------------------------------------------
log "Starting zorgklas serve on 127.0.0.1:$port"
ZK_BASE_DOMAIN=localhost "$zk" serve --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!

ready=0
for _ in $(seq 1 120); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        tail -n 30 "$work/server.log" >&2
        die "the server exited during start-up (log: $work/server.log)"
    fi
    if "$load" probe --port "$port" --path /healthz >/dev/null 2>&1; then
        ready=1
        break
    fi
    sleep 0.5
done
(( ready )) || { tail -n 30 "$work/server.log" >&2; die "no 2xx from /healthz within 60 s"; }
server_exe="$(readlink "/proc/$server_pid/exe" 2>/dev/null || echo '?')"
[[ "$server_exe" == */zorgklas ]] || echo "warning: PID $server_pid is $server_exe, not zorgklas; memory figures may be wrong" >&2

# VmRSS/VmHWM of the server, in MB with one decimal.
mem_mb() {
    awk -v key="$1:" '$1 == key { printf "%.1f", $2 / 1024; found = 1 } END { if (!found) printf "?" }' \
        "/proc/$server_pid/status" 2>/dev/null || printf '?'
}
rss_idle="$(mem_mb VmRSS)"
echo "server PID $server_pid ready; idle RSS ${rss_idle} MB" >&2

# --- SCORM commits (issue 24) -----------------------------------------------------------------
# The sample SCORM 1.2 package (one SCO) is uploaded and published as a module with a package
# block through the API, as an author does it; $scorm_learners learners of `bench` are enrolled in
# it, each with a play session whose token is in a file for zk-load (SQL: the sessions the
# portal makes when a learner opens the block; the token is kept as its SHA-256, like the app
# does). The bench learner is enrolled too and opens the block through the portal before the
# load (zk-load --scorm-open), which checks the real path from the module page to the player.
log "Provisioning the SCORM benchmark ($scorm_learners learners on one package)"
api() { # api <method> <path> [json]
    curl -fsS -X "$1" "http://127.0.0.1:$port$2" -H "Host: bench.localhost:$port" \
        -H "Authorization: Bearer $author_token" -H 'Accept: application/json' \
        ${3:+-H 'Content-Type: application/json' --data "$3"}
}
samples="$root/services/content/src/domain/package/samples"
mkdir -p "$work/scorm12"
cp "$samples/scorm12/"* "$samples/style.css" "$work/scorm12/"
(cd "$work/scorm12" && zip -qX "$work/scorm12.zip" imsmanifest.xml index.html sco.js style.css)
zip_size="$(stat -c %s "$work/scorm12.zip")"
ticket="$(api POST /api/v1/content/media \
    "{\"kind\":\"package\",\"filename\":\"veilig-tillen.zip\",\"content_type\":\"application/zip\",\"size\":$zip_size}")" \
    || die "announcing the package upload failed"
media_id="$(jq -r .id <<<"$ticket")"
upload_url="$(jq -r .upload.request.url <<<"$ticket")"
[[ "$upload_url" == /* ]] || die "expected a relative upload URL (file-system store), got $upload_url"
curl -fsS -X PUT "http://127.0.0.1:$port$upload_url" -H "Host: bench.localhost:$port" \
    -H 'Content-Type: application/zip' --data-binary "@$work/scorm12.zip" >/dev/null || die "uploading the package failed"
confirmed="$(api POST "/api/v1/content/media/$media_id/confirm" '{}')" || die "confirming the package failed"
scorm_unit="$(jq -r '[.package.units[] | select(.kind == "sco")][0].id' <<<"$confirmed")"
[[ -n "$scorm_unit" && "$scorm_unit" != null ]] || die "the confirmed package has no SCO: $confirmed"
module="$(api POST /api/v1/content/modules "{\"title\":\"Veilig tillen (e-learning)\",\"minutes\":20,\"blocks\":[{\"type\":\"package\",\"media\":\"$media_id\",\"title\":\"Veilig tillen\"}]}")" \
    || die "creating the package module failed"
scorm_module="$(jq -r .id <<<"$module")"
scorm_block="$(jq -r '.draft.blocks[0].id' <<<"$module")"
api POST "/api/v1/content/modules/$scorm_module/publish" '{"change_note":"Eerste versie"}' >/dev/null \
    || die "publishing the package module failed"
# (psql runs in $work, where \copy writes the tokens.)
(cd "$work" && psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q -v n="$scorm_learners" -v module="$scorm_module" \
    -v block="$scorm_block" -v media="$media_id") <<'SQL' >>"$work/provision.log" 2>&1 || die "SCORM provisioning failed (see $work/provision.log)"
CREATE TEMP TABLE member AS SELECT id FROM tenant.tenants WHERE slug = 'bench';
INSERT INTO tenant.users (tenant_id, id, email, display_name, department, status)
SELECT (SELECT id FROM member), md5('scorm-u' || i)::uuid, 'leerling' || i || '@bench.test',
       'Leerling ' || i, 'Verpleeghuis', 'active'
FROM generate_series(1, :n) i;
INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5)
SELECT 'g', md5('scorm-u' || i)::uuid::text, 'learner', (SELECT id FROM member)::text, '', '', ''
FROM generate_series(1, :n) i;
INSERT INTO content.enrolments (tenant_id, id, user_id, module_id, version, enrolled_by)
SELECT (SELECT id FROM member), md5('scorm-e' || i)::uuid, md5('scorm-u' || i)::uuid, :'module', 1,
       md5('scorm-u' || i)::uuid
FROM generate_series(1, :n) i;
INSERT INTO content.enrolments (tenant_id, id, user_id, module_id, version, enrolled_by)
SELECT tenant_id, md5('scorm-e0')::uuid, id, :'module', 1, id
FROM tenant.users WHERE email = 'learner@bench.test';
CREATE TEMP TABLE scorm_tokens AS
SELECT i, md5('scorm-token-' || i || '-' || random()) || md5(random()::text) AS token FROM generate_series(1, :n) i;
INSERT INTO content.package_sessions (tenant_id, id, token_hash, enrolment_id, user_id, block_id,
                                      media_id, cycle, version, expires_at)
SELECT (SELECT id FROM member), md5('scorm-s' || t.i)::uuid, sha256(convert_to(t.token, 'UTF8')),
       md5('scorm-e' || t.i)::uuid, md5('scorm-u' || t.i)::uuid, :'block', :'media', 1, 1,
       now() + interval '4 hours'
FROM scorm_tokens t;
\copy (SELECT token FROM scorm_tokens ORDER BY i) TO 'scorm-tokens.txt'
ANALYZE;
SQL
scorm_open="/leren/inschrijvingen/$(psql "$DATABASE_URL" -Atqc "SELECT md5('scorm-e0')::uuid")/pakket/$scorm_block"
echo "package $media_id (SCO $scorm_unit) in module $scorm_module, block $scorm_block; $(wc -l <"$work/scorm-tokens.txt") play sessions" >&2

# --- Load ------------------------------------------------------------------------------------
log "Running zk-load --alternate $rounds"
load_status=0
"$load" --alternate "$rounds" --port "$port" --email "$learner_email" --password "$learner_password" \
    --module-path "$module_path" --learning-path "$learning_path" --progress-paths "$progress_paths" \
    --scorm-tokens "$work/scorm-tokens.txt" --scorm-open "$scorm_open" --scorm-unit "$scorm_unit" \
    --server-pid "$server_pid" --json "$work/results.jsonl" --markdown "$work/table.md" "${extra_load_args[@]}" \
    2> >(tee "$work/zk-load.err" >&2) | tee "$work/zk-load.txt" || load_status=$?

kill -0 "$server_pid" 2>/dev/null || die "the server died during the run (log: $work/server.log)"
# How the progress writes went to the database: transactions, writes and round trips.
metric() { awk -v m="$1" '$1 == m { print $2 }' "$work/metrics.txt" 2>/dev/null || true; }
curl -fsS "http://127.0.0.1:$port/metrics" -H "Host: localhost:$port" >"$work/metrics.txt" 2>/dev/null || true
progress_batches="$(metric zk_progress_batches_total)"
progress_writes="$(metric zk_progress_writes_total)"
progress_statements="$(metric zk_progress_statements_total)"
per_batch="$(awk -v w="${progress_writes:-0}" -v b="${progress_batches:-0}" 'BEGIN { if (b > 0) printf "%.1f", w / b; else print "?" }')"
package_batches="$(metric zk_package_batches_total)"
package_commits="$(metric zk_package_commits_total)"
package_statements="$(metric zk_package_statements_total)"
commits_per_batch="$(awk -v c="${package_commits:-0}" -v b="${package_batches:-0}" 'BEGIN { if (b > 0) printf "%.1f", c / b; else print "?" }')"
trips_per_commit="$(awk -v s="${package_statements:-0}" -v c="${package_commits:-0}" 'BEGIN { if (c > 0) printf "%.2f", s / c; else print "?" }')"
trips_per_write="$(awk -v s="${progress_statements:-0}" -v w="${progress_writes:-0}" 'BEGIN { if (w > 0) printf "%.2f", s / w; else print "?" }')"
# The server's own count of commits answered, by status (a cross-check of zk-load's count).
scorm_statuses="$(grep '^zk_http_requests_total{' "$work/metrics.txt" 2>/dev/null | grep -F 'route="/speler/{token}/commit"' \
    | sed -E 's/.*status="([0-9]+)"\} ([0-9]+).*/\1: \2/' | paste -sd ',' - | sed 's/,/, /g' || true)"
scorm_bytes="$(grep -o 'scorm: [0-9]* learners, [0-9]* bytes per commit' "$work/zk-load.txt" "$work/zk-load.err" 2>/dev/null | head -n 1 | awk '{ print $4 }' || true)"
rss_after="$(mem_mb VmRSS)"
rss_peak="$(mem_mb VmHWM)"
threads="$(awk '$1 == "Threads:" { print $2 }' "/proc/$server_pid/status" 2>/dev/null || echo '?')"
server_pid_report="$server_pid"
cleanup
server_pid=""

# --- Report ----------------------------------------------------------------------------------
cpus="$(nproc)"
cpu_model="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
mem_total="$(awk '/^MemTotal:/ { printf "%.1f GB", $2 / 1024 / 1024 }' /proc/meminfo 2>/dev/null || true)"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$root" status --porcelain 2>/dev/null || true)" ]]; then commit="$commit (uncommitted changes)"; fi
date_now="$(date -u '+%Y-%m-%d %H:%M UTC')"
pg_version="$(psql "$pg_admin_url" -Atqc 'SHOW server_version' 2>/dev/null || echo '?')"

table="$(cat "$work/table.md" 2>/dev/null || echo '_zk-load wrote no table; see the log above._')"
# Columns of the markdown table:
# | scenario | rounds | req/s | p50 | p95 | p99 | ratio | errors | server RSS peak |
table_cell() { # table_cell <scenario> <field number>
    awk -F'|' -v s="$1" -v f="$2" '{ name = $2; gsub(/ /, "", name) } name == s { v = $f; gsub(/[ %]/, "", v); print v }' \
        "$work/table.md" 2>/dev/null || true
}
home_ratio="$(table_cell home 8)"
catalog_ratio="$(table_cell catalog 8)"
catalog_p99="$(table_cell catalog 7)"
module_ratio="$(table_cell module 8)"
path_ratio="$(table_cell path 8)"
path_p99="$(table_cell path 7)"
search_p99="$(table_cell search 7)"
progress_rps="$(table_cell progress 4)"
progress_p99="$(table_cell progress 7)"
progress_ratio="$(table_cell progress 8)"
scorm_rps="$(table_cell scorm 4)"
scorm_p50="$(table_cell scorm 5)"
scorm_p95="$(table_cell scorm 6)"
scorm_p99="$(table_cell scorm 7)"
scorm_ratio="$(table_cell scorm 8)"
scorm_errors="$(table_cell scorm 9)"
trivial_rps="$(table_cell trivial 4)"
home_p99="$(table_cell home 7)"
# The first home run comes before any login, so its peak is the page-serving footprint alone.
home_rss_peak="$(grep '"type":"round"' "$work/results.jsonl" 2>/dev/null | grep '"scenario":"home"' \
    | grep '"round":1,' | grep -o '"server_rss_peak_mb":[0-9.]*' | cut -d: -f2 \
    | awk 'NF { printf "%.1f", $1 }' || true)"
login_rss_peak="$(table_cell login 10)"

verdict() { # verdict <awk condition on x> <value>
    if [[ -z "$2" || "$2" == "?" || "$2" == "-" ]]; then echo "n/a"
    elif awk -v x="$2" "BEGIN { exit !($1) }"; then echo "PASS"
    else echo "FAIL"; fi
}
v_ratio="$(verdict 'x >= 30' "$home_ratio")"
v_catalog_ratio="$(verdict 'x >= 20' "$catalog_ratio")"
v_catalog_p99="$(verdict 'x < 25' "$catalog_p99")"
v_module_ratio="$(verdict 'x >= 25' "$module_ratio")"
v_path_ratio="$(verdict 'x >= 25' "$path_ratio")"
v_search_p99="$(verdict 'x < 50' "$search_p99")"
v_progress_rps="$(verdict 'x >= 5000' "$progress_rps")"
v_progress_p99="$(verdict 'x < 50' "$progress_p99")"
v_scorm_rps="$(verdict 'x >= 3000' "$scorm_rps")"
v_scorm_p99="$(verdict 'x < 50' "$scorm_p99")"
v_p99="$(verdict 'x < 25' "$home_p99")"
v_rss="$(verdict 'x < 150' "$rss_after")"
v_rss_idle="$(verdict 'x < 150' "$rss_idle")"
v_rss_home="$(verdict 'x < 150' "$home_rss_peak")"

# Load parameters as zk-load recorded them (first line of results.jsonl).
meta_field() {
    head -n 1 "$work/results.jsonl" 2>/dev/null | grep -o "\"$1\":[0-9.]*" | cut -d: -f2 || true
}
scenario_list="$(head -n 1 "$work/results.jsonl" 2>/dev/null | jq -r '.scenarios | join(" / ")' 2>/dev/null || echo '?')"
warmup_s="$(meta_field warmup_s)"
duration_s="$(meta_field duration_s)"
concurrency="$(meta_field concurrency)"
login_concurrency="$(meta_field login_concurrency)"

zk_load_note=""
if (( load_status != 0 )); then
    zk_load_note="**zk-load exited with status $load_status** (a scenario had no successful requests, or the run failed); see the log below."
fi

cat >"$results" <<EOF
# Benchmark results

Written by \`loadtests/run.sh\` on $date_now (commit $commit, $profile build). See README.md
for what is measured.

- Machine: \`nproc\` = $cpus${cpu_model:+ ($cpu_model)}${mem_total:+, $mem_total RAM}; PostgreSQL $pg_version.
- **The Zorgklas server, PostgreSQL and the load generator (including the in-process trivial
  handler) all share the same $cpus cores**, so the absolute numbers are lower than on a
  dedicated server; the ratio to the trivial handler is the figure to compare.
- Data: $members members provisioned (\`bench\` plus m0001..m0999; $users users) via
  $provision_method, in ${provision_secs}s; content: $shared_modules shared module versions and
  $own_modules own module versions, one adoption with an overlay (\`$module_path\`), one
  adopted learning path of ten modules with an own module added (\`$learning_path\`); the
  learner is enrolled in 20 modules, some started, which the learner home lists.
- Load: $rounds alternating round(s) of $scenario_list; each run is a ${warmup_s} s warm-up
  plus ${duration_s} s measured with ${concurrency} closed-loop keep-alive connections
  (login: ${login_concurrency}). Figures are medians over the rounds; requests/s counts
  successful requests only.

$zk_load_note

## Throughput and latency

$table

## Progress writes and the database

The \`progress\` scenario posts "block done" for the learner's $progress_count non-quiz blocks in
turn (\`/api/v1/learning/enrolments/{id}/blocks/{block}/done\`, session cookie and CSRF
header). The first pass inserts; after that each write is a repeat, which the server handles
the same way (lock the enrolment, check the block, insert-or-nothing, commit) but which adds no
row. The server batches writes that arrive together into one transaction (domain
\`progress_writer\`); from its metrics over the whole run:

| Transactions | Writes | Writes per transaction | Database round trips per write |
|---:|---:|---:|---:|
| ${progress_batches:-?} | ${progress_writes:-?} | $per_batch | $trips_per_write |

(Round trips: BEGIN, a tenant switch per member in the batch, NOTIFY and COMMIT per
transaction, plus lock, read and insert per write; a completed module adds two, a module
version not yet cached one. The session is checked from the server's cache.)

## SCORM commits (issue 24)

\`POST /speler/{token}/commit\` on the member's package host (\`Host: bench.pakket.localhost\`),
as the player's run-time sends it: a SCORM 1.2 commit of the sample package's SCO
(\`$scorm_unit\`) with the whole data model (lesson status \`incomplete\`, location, about 1,900
characters of \`cmi.suspend_data\`, session time, exit \`suspend\`; ${scorm_bytes:-about 2,000}
bytes of JSON), each of $scorm_learners learners on its own play session with an increasing
\`seq\`, plus the bench learner, whose session zk-load opens through the portal
(\`GET /leren/inschrijvingen/{id}/pakket/{block}\` → 303 to the player). A commit is answered
after its transaction committed. The status stays \`incomplete\`, so every commit takes the same
path and none completes the block (that happens once per learner and is not measured here).
Trivial handler in the same rounds: ${trivial_rps:-?} req/s (median).

| Commits/s (median) | p50 ms | p95 ms | p99 ms | Ratio to trivial | Errors | Server's count of commits by status |
|---:|---:|---:|---:|---:|---:|---|
| ${scorm_rps:-?} | ${scorm_p50:-?} | ${scorm_p95:-?} | ${scorm_p99:-?} | ${scorm_ratio:-?}% | ${scorm_errors:-?} | ${scorm_statuses:-?} |

Commits that arrive together share one transaction (domain \`package_commits\`); from the
server's metrics over the whole run:

| Transactions | Commits | Commits per transaction | Database round trips per commit |
|---:|---:|---:|---:|
| ${package_batches:-?} | ${package_commits:-?} | $commits_per_batch | $trips_per_commit |

(Round trips per transaction: BEGIN, NOTIFY when a block was done, and COMMIT; per member in
it the tenant switch, the sessions, the enrolments' locks, the enrolments and the attempts'
upsert (one more per repeated attempt); a package's manifest once per member and process, a
session near its end one UPDATE for all. The pool's liveness check when a transaction takes a
connection is not counted.)

## Server memory (zorgklas serve, PID $server_pid_report)

| When | MB |
|---|---:|
| Idle, after start-up (VmRSS) | $rss_idle |
| After the run (VmRSS) | $rss_after |
| Peak during the first home run, before any login (sampled VmRSS) | ${home_rss_peak:-?} |
| Peak during the login runs (sampled VmRSS) | ${login_rss_peak:-?} |
| Peak over the whole run (VmHWM) | $rss_peak |

Server threads at the end of the run: $threads. Each login hashes a password with argon2id
(19 MiB per hash), so the login runs' peak grows with the number of hashes the server runs at
once; the home runs show the footprint of serving pages.

## Targets

| Target | Measured | Result |
|---|---:|---|
| Learner home (20 enrolments with progress) ≥ 30% of the trivial handler's req/s (issue 9: ≥ 25%) | ${home_ratio:-?}% | $v_ratio |
| Learner home p99 < 25 ms | ${home_p99:-?} ms | $v_p99 |
| Catalogue page ($shared_modules shared + 50 own modules) ≥ 20% of trivial | ${catalog_ratio:-?}% | $v_catalog_ratio |
| Catalogue page p99 < 25 ms | ${catalog_p99:-?} ms | $v_catalog_p99 |
| Module page with an overlay ≥ 25% of trivial | ${module_ratio:-?}% | $v_module_ratio |
| Adopted learning path page ≥ 25% of trivial (our own bar, as for module pages; p99 ${path_p99:-?} ms) | ${path_ratio:-?}% | $v_path_ratio |
| Catalogue search p99 < 50 ms | ${search_p99:-?} ms | $v_search_p99 |
| Progress writes ("block done", answered after commit) ≥ 5,000/s (issue 9; ${progress_ratio:-?}% of trivial) | ${progress_rps:-?}/s | $v_progress_rps |
| Progress writes p99 < 50 ms | ${progress_p99:-?} ms | $v_progress_p99 |
| SCORM commits (~2 KB, answered when durable) ≥ 3,000/s (issue 24; ${scorm_ratio:-?}% of trivial) | ${scorm_rps:-?}/s | $v_scorm_rps |
| SCORM commits p99 < 50 ms | ${scorm_p99:-?} ms | $v_scorm_p99 |
| Server RSS < 150 MB with 1,000 members: idle after start-up | $rss_idle MB | $v_rss_idle |
| Server RSS < 150 MB with 1,000 members: peak serving home pages | ${home_rss_peak:-?} MB | $v_rss_home |
| Server RSS < 150 MB with 1,000 members: after the whole run | $rss_after MB | $v_rss |

## zk-load output

\`\`\`text
$(cat "$work/zk-load.txt" 2>/dev/null || true)
\`\`\`
EOF

log "Done"
cat "$results"
echo
echo "Logs and raw results: $work (results.jsonl, server.log, provision.log)" >&2
exit "$load_status"
