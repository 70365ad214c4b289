#!/usr/bin/env bash
# An exam morning on this machine (goose, loadtests/examday): learners answer a 16-question quiz
# over 8 pages while teachers refresh their group's overview and admins the member's overview.
#
# Builds a release zorgklas and zk-examday, makes a fresh `zk_exam` database with 20 members
# (x0001…x0020), one shared exam module adopted by all, $ZK_EXAM_LEARNERS learners (default
# 100,000) enrolled in it, a teacher per group of 25 learners and an admin per member, each
# with a session made beforehand (as sessions persist in real life). Then, per level of
# simulated learners ($ZK_EXAM_LEVELS), one goose run of $ZK_EXAM_SECONDS with think times
# divided by $ZK_EXAM_SCALE (goose learners × scale = learners the level stands for), each on
# its own slice of learners; records per step p50/p95/p99 and errors, server RSS and database
# transactions per request; finally checks every acknowledged answer is in the database.
# The trivial handler is measured before with zk-load (same build) for the ratio.
#
# Environment (all optional):
#   CARGO_TARGET_DIR     build directory of zorgklas (default: $HOME/.cache/zorgklas-target)
#   ZK_EXAMDAY_TARGET    build directory of zk-examday (default: $HOME/.cache/zk-examday)
#   ZK_BENCH_NO_BUILD    1: use the binaries already built
#   ZK_BENCH_PROFILE     release (default) or debug (only to try the script; its figures mean nothing)
#   ZK_EXAM_LEARNERS     learner accounts (default 100000)
#   ZK_EXAM_LEVELS       simulated learners per level (default "10000 25000 50000 75000 100000")
#   ZK_EXAM_SCALE        think-time compression (default 50)
#   ZK_EXAM_SECONDS      seconds per level (default 60)
#   ZK_BENCH_PORT        server port (default 18090)
#   ZK_EXAM_RESULTS      where to write the markdown summary (default: loadtests/EXAMDAY.md)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zorgklas-target}"
examday_target="${ZK_EXAMDAY_TARGET:-$HOME/.cache/zk-examday}"
pg_admin_url="${ZK_BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
port="${ZK_BENCH_PORT:-18090}"
learners="${ZK_EXAM_LEARNERS:-100000}"
read -r -a levels <<< "${ZK_EXAM_LEVELS:-10000 25000 50000 75000 100000}"
scale="${ZK_EXAM_SCALE:-50}"
seconds="${ZK_EXAM_SECONDS:-60}"
members=20

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'examday.sh: %s\n' "$*" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/zk-exam.XXXXXX")"
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; [[ -n "${pgcount_pid:-}" ]] && kill "$pgcount_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

if [[ "${ZK_BENCH_NO_BUILD:-0}" != 1 ]]; then
    log "Building release binaries"
    cargo build --release -p zorgklas -p zk-loadtests
    (cd "$here/examday" && CARGO_TARGET_DIR="$examday_target" cargo build --release)
fi
profile="${ZK_BENCH_PROFILE:-release}"
zk="$CARGO_TARGET_DIR/$profile/zorgklas"
load="$CARGO_TARGET_DIR/$profile/zk-load"
goose="$examday_target/release/zk-examday"
pgcount="$examday_target/release/pgcount"
for b in "$zk" "$load" "$goose" "$pgcount"; do [[ -x "$b" ]] || die "$b was not built"; done

log "Fresh zk_exam database"
psql "$pg_admin_url" -v ON_ERROR_STOP=1 -q -c 'DROP DATABASE IF EXISTS zk_exam WITH (FORCE)' -c 'CREATE DATABASE zk_exam'
export DATABASE_URL='postgres://postgres@127.0.0.1:5432/zk_exam?sslmode=disable'
export ZK_LOG=warn RUST_LOG=warn ZK_DATA_DIR="$work/data"
"$zk" migrate >/dev/null
"$zk" tenant create-bulk --count "$members" --prefix x >/dev/null

log "Provisioning the exam: $learners learners in $members members"
(cd "$work" && psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q -v n="$learners" -v port="$port") <<'SQL'
-- One shared exam module: a text and a quiz of 16 single-choice questions (the first option
-- right), adopted by every member.
CREATE TEMP TABLE exam AS SELECT jsonb_build_object(
    'title', 'Examen medicatieveiligheid', 'summary', 'Het jaarlijkse examen.', 'minutes', 30,
    'tags', jsonb_build_array('examen'), 'language', 'nl',
    'blocks', jsonb_build_array(
        jsonb_build_object('id', md5('exam-text')::uuid, 'type', 'text', 'markdown', 'Lees elke vraag goed.'),
        jsonb_build_object('id', md5('exam-quiz')::uuid, 'type', 'quiz', 'pass_mark', 70, 'questions',
            (SELECT jsonb_agg(jsonb_build_object('id', md5('q' || q)::uuid,
                'prompt', 'Vraag ' || q || ': wat is veilig?', 'options', jsonb_build_array(
                    jsonb_build_object('id', md5('o' || q || 'a')::uuid, 'text', 'Dubbel controleren', 'correct', true),
                    jsonb_build_object('id', md5('o' || q || 'b')::uuid, 'text', 'Op het geheugen'),
                    jsonb_build_object('id', md5('o' || q || 'c')::uuid, 'text', 'Een collega laten gokken')))
                ORDER BY q) FROM generate_series(1, 16) q)))) AS doc;
INSERT INTO content.shared_modules (id, draft, latest_version, created_by)
SELECT md5('exam')::uuid, doc, 1, '00000000-0000-0000-0000-000000000000' FROM exam;
INSERT INTO content.shared_module_versions (module_id, version, title, summary, mbo_level, minutes, tags, language, doc, change_note, published_by)
SELECT md5('exam')::uuid, 1, doc->>'title', doc->>'summary', 3, 30, ARRAY['examen'], 'nl', doc, 'Eerste versie',
       '00000000-0000-0000-0000-000000000000' FROM exam;
INSERT INTO content.adoptions (tenant_id, module_id, follow, pinned_version, overlay, created_by)
SELECT id, md5('exam')::uuid, 'auto', 1, '{}'::jsonb, '00000000-0000-0000-0000-000000000000'
FROM tenant.tenants WHERE kind = 'member';
-- Learners (spread over the members), a teacher per 25 learners with their group, an admin per
-- member; their roles; the enrolments.
CREATE TEMP TABLE m AS SELECT row_number() OVER (ORDER BY slug) - 1 AS k, id, slug FROM tenant.tenants WHERE kind = 'member';
CREATE TEMP TABLE people AS
SELECT 'learner' AS role, i, md5('exam-u' || i)::uuid AS id, (SELECT id FROM m WHERE k = i % 20) AS tenant_id,
       ((i / 20) / 25) AS grp FROM generate_series(0, :n - 1) i
UNION ALL
SELECT 'teacher', g, md5('exam-t' || g)::uuid, (SELECT id FROM m WHERE k = g % 20), g / 20
FROM generate_series(0, (SELECT ceil(:n / 25.0)::int - 1)) g
UNION ALL
SELECT 'admin', k, md5('exam-a' || k)::uuid, id, NULL FROM m;
-- Teachers: group g of member (g % 20) holds learners i with i % 20 = g % 20 and (i/20)/25 = g/20.
INSERT INTO tenant.users (tenant_id, id, email, display_name, department, status)
SELECT tenant_id, id, role || i || '@exam.test', initcap(role) || ' ' || i, 'Examengroep', 'active' FROM people;
INSERT INTO tenant.casbin_rule (ptype, v0, v1, v2, v3, v4, v5)
SELECT 'g', id::text, role, tenant_id::text, '', '', '' FROM people;
INSERT INTO content.groups (tenant_id, id, name, created_by)
SELECT tenant_id, md5('exam-g' || i)::uuid, 'Examengroep ' || i, id FROM people WHERE role = 'teacher';
INSERT INTO content.group_members (tenant_id, group_id, user_id, role)
SELECT tenant_id, md5('exam-g' || i)::uuid, id, 'teacher' FROM people WHERE role = 'teacher'
UNION ALL
SELECT p.tenant_id, md5('exam-g' || (p.grp * 20 + p.i % 20))::uuid, p.id, 'learner'
FROM people p WHERE p.role = 'learner' AND p.grp * 20 + p.i % 20 <= (SELECT max(i) FROM people WHERE role = 'teacher');
INSERT INTO content.enrolments (tenant_id, id, user_id, module_id, version, enrolled_by)
SELECT tenant_id, md5('exam-e' || i)::uuid, id, md5('exam')::uuid, 1, id FROM people WHERE role = 'learner';
-- Sessions, made beforehand; tokens kept as their SHA-256 like the app does.
CREATE TEMP TABLE tokens AS
SELECT p.*, md5('exam-token-' || p.role || p.i || random()) || md5(random()::text) AS token,
       (SELECT slug FROM m WHERE m.id = p.tenant_id) || '.localhost:' || :'port' AS host FROM people p;
INSERT INTO tenant.sessions (tenant_id, token_hash, user_id, expires_at)
SELECT tenant_id, sha256(convert_to(token, 'UTF8')), id, now() + interval '12 hours' FROM tokens;
\copy (SELECT host, token, md5('exam-e' || i)::uuid FROM tokens WHERE role = 'learner' ORDER BY i) TO 'learners.tsv'
\copy (SELECT host, token, '/leren/groepen/' || md5('exam-g' || i)::uuid FROM tokens WHERE role = 'teacher' ORDER BY i) TO 'teachers.tsv'
\copy (SELECT host, token, '/leren/overzicht' FROM tokens WHERE role = 'admin' ORDER BY i) TO 'admins.tsv'
\copy (SELECT jsonb_build_object('module', md5('exam')::uuid, 'block', md5('exam-quiz')::uuid, 'questions', (SELECT jsonb_agg(jsonb_build_object('id', q->'id', 'options', (SELECT jsonb_agg(o->'id') FROM jsonb_array_elements(q->'options') o))) FROM exam, jsonb_array_elements(doc->'blocks'->1->'questions') q)) ) TO 'exam.json'
ANALYZE;
SQL
echo "$(wc -l <"$work/learners.tsv") learners, $(wc -l <"$work/teachers.tsv") teachers, $(wc -l <"$work/admins.tsv") admins" >&2

# The server, started through the counting proxy (pgcount) for the calibration run and directly
# for the measured levels.
start_server() { # start_server <database url>
    DATABASE_URL="$1" ZK_BASE_DOMAIN=localhost "$zk" serve --listen "127.0.0.1:$port" >>"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 240); do
        "$load" probe --port "$port" --path /healthz >/dev/null 2>&1 && return 0
        kill -0 "$server_pid" 2>/dev/null || { tail -n 30 "$work/server.log" >&2; die "server exited"; }
        sleep 0.5
    done
    die "the server did not answer /healthz"
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }
mem() { awk -v key="$1:" '$1 == key { printf "%.0f", $2 / 1024 }' "/proc/$server_pid/status"; }
requests() { curl -fsS "http://127.0.0.1:$port/metrics" -H "Host: localhost:$port" 2>/dev/null \
    | awk '$1 ~ /^zk_http_requests_total/ { s += $2 } END { printf "%d", s }'; }
xacts() { psql "$pg_admin_url" -Atqc "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'zk_exam'"; }

summary="$work/summary.md"
{
    echo "| Learners (simulated) | Goose users | Requests/s | Page steps/s | Step | p50 ms | p95 ms | p99 ms | Errors | RSS MB | DB transactions per request |"
    echo "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"
} >"$summary"
slice=$(( learners / (${#levels[@]} + 1) ))
run_level() { # run_level <learners> <seconds> <offset> <name>
    local level=$1 secs=$2 offset=$3 name=$4
    goose_learners=$(( (level + scale - 1) / scale ))
    users=$(( goose_learners * 261 / 250 + 2 ))
    log "$name: $level learners = $goose_learners goose learners ($users users with teachers and admins), ${secs}s"
    # Latencies count after the ramp-up (all users started) and one think time more.
    ZK_EXAM_DIR="$work" ZK_EXAM_OFFSET="$offset" ZK_EXAM_COUNT="$slice" ZK_EXAM_SCALE="$scale" \
        ZK_EXAM_OUT="$work/out-$name.json" ZK_EXAM_WARMUP=$(( users / 500 + 4 )) \
        "$goose" --host "http://127.0.0.1:$port" --users "$users" --increase-rate 500 \
        --run-time "${secs}s" -q --report-file "$work/goose-$name.html" >"$work/goose-$name.log" 2>&1 \
        || echo "goose exited with $? (see $work/goose-$name.log)" >&2
}

# Calibration: round trips per request, counted by pgcount between the server and PostgreSQL
# (kept out of the measured levels: the proxy costs CPU).
log "Calibration through pgcount (round trips per request)"
"$pgcount" --listen 127.0.0.1:15432 --upstream 127.0.0.1:5432 --out "$work/trips" &
pgcount_pid=$!
start_server 'postgres://postgres@127.0.0.1:15432/zk_exam?sslmode=disable'
r0="$(requests)"; t0="$(cat "$work/trips")"
run_level "${levels[0]}" 20 0 calibration
r1="$(requests)"; t1="$(cat "$work/trips")"
trips_per_request="$(awk -v r=$(( r1 - r0 )) -v t=$(( t1 - t0 )) 'BEGIN { if (r > 0) printf "%.2f", t / r; else print "?" }')"
echo "round trips per request: $trips_per_request ($(( t1 - t0 )) for $(( r1 - r0 )) requests)" >&2
stop_server
kill "$pgcount_pid" 2>/dev/null || true

start_server "$DATABASE_URL"
log "Trivial handler (zk-load's in-process server, same machine)"
"$load" -s trivial -d 10 --json "$work/trivial.jsonl" >/dev/null 2>&1 || true
trivial="$(jq -r 'select(.type == "round" and .scenario == "trivial") | .rps' "$work/trivial.jsonl" 2>/dev/null | tail -1)"
echo "trivial handler: ${trivial:-?} req/s" >&2

offset=$slice
for level in "${levels[@]}"; do
    r0="$(requests)"; x0="$(xacts)"
    run_level "$level" "$seconds" "$offset" "$level"
    r1="$(requests)"; x1="$(xacts)"
    rss="$(mem VmRSS)"; hwm="$(mem VmHWM)"
    per_req="$(awk -v r=$(( r1 - r0 )) -v x=$(( x1 - x0 )) 'BEGIN { if (r > 0) printf "%.2f", x / r; else print "?" }')"
    jq -r --arg level "$level" --arg users "$users" --arg rss "$rss/$hwm" --arg tpr "$per_req" '
        (.seconds) as $s | ([.steps[] | .count] | add) as $n |
        ([.steps | to_entries[] | select(.key | test("save|hand")) | .value.count] | add) as $saves |
        .steps | to_entries[] |
        "| \($level) | \($users) | \(($n / $s) | floor) | \(($saves / $s) | floor) | \(.key) | \(.value.p50_ms) | \(.value.p95_ms) | \(.value.p99_ms) | \(.value.errors) | \($rss) | \($tpr) |"' \
        "$work/out-$level.json" >>"$summary"
    offset=$(( offset + slice ))
done

log "Checking every acknowledged answer in the database"
jq -r '.acks[] | [.enrolment, .pages, .handed_in] | @tsv' "$work"/out-*.json >"$work/acks.tsv"
cat >"$work/check.sql" <<'SQL'
CREATE TEMP TABLE acks (enrolment uuid, pages int, handed_in boolean);
\copy acks FROM 'acks.tsv'
WITH handed AS (
    SELECT enrolment_id, max((SELECT count(*) FROM jsonb_object_keys(answers))) AS got
    FROM content.quiz_attempts GROUP BY enrolment_id
), saved AS (
    SELECT enrolment_id, count(*) AS got FROM content.quiz_answers GROUP BY enrolment_id
), found AS (
    SELECT CASE WHEN a.handed_in THEN 16 ELSE 2 * a.pages END AS n,
           CASE WHEN a.handed_in THEN coalesce(h.got, 0) ELSE coalesce(s.got, 0) END AS got
    FROM acks a
    LEFT JOIN handed h ON h.enrolment_id = a.enrolment
    LEFT JOIN saved s ON s.enrolment_id = a.enrolment
)
SELECT sum(n), sum(least(got, n)), sum(greatest(n - got, 0)), count(*) FILTER (WHERE got < n) FROM found;
SQL
check="$(cd "$work" && psql "$DATABASE_URL" -Atq -F ' ' -f check.sql)"
read -r expected found missing learners_missing <<<"$check"
{
    echo
    echo "Round trips per request (calibration through pgcount, ${levels[0]} learners): $trips_per_request."
    echo "Trivial handler: ${trivial:-?} req/s. Acknowledged answers: $expected; found in the database: $found; missing: $missing (learners with a missing answer: $learners_missing)."
} >>"$summary"
cat "$summary"
{
    echo "# Exam day (goose): results of the last run"
    echo
    echo "Written by \`loadtests/examday.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC ($(nproc) cores, server, PostgreSQL"
    echo "and goose on this machine): $learners learner accounts in $members members, think times ÷ $scale,"
    echo "${seconds} s per level, latencies after each level's ramp-up. See loadtests/README.md, \"Exam day\"."
    echo
    cat "$summary"
} >"${ZK_EXAM_RESULTS:-$here/EXAMDAY.md}"
echo "work dir: $work" >&2
[[ "$missing" == 0 ]] || die "answers are missing"
