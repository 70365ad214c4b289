#!/usr/bin/env bash
# The whole test suite, from a fresh machine: starts PostgreSQL if it is down, installs the test
# peers if missing (Debian chromium + chromium-driver, axe-core, s3s-fs, aiosmtpd, localstripe,
# lti-provider-mock, the compose validator),
# checks formatting and lints, validates docker-compose.yml (and checks it against the binary's
# configuration, scripts/check_compose.py), the Kubernetes manifests (scripts/check-k8s.sh) and
# the Prometheus rules and dashboard (promtool, Debian `prometheus`),
# then runs every test with nextest.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zorgklas-target}"
export ZK_TEST_DATABASE_URL="${ZK_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
export RUST_BACKTRACE=0
start=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$*" "$(( $(date +%s) - start ))"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

step "PostgreSQL on 127.0.0.1:5432"
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null; then apt_install postgresql; fi
  version=$(ls /etc/postgresql | sort -n | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

step "browser test peers"
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then apt_install chromium chromium-driver; fi
/usr/bin/chromium --version
# axe-core runs WCAG 2.1 AA checks inside the browser test (pinned, kept out of git).
if [ ! -f .test-peers/node_modules/axe-core/axe.min.js ]; then
  npm install --prefix .test-peers --no-audit --no-fund --silent axe-core@4.14.1
fi

step "S3 test peer (s3s-fs)"
# A filesystem-backed S3 server that checks SigV4 signatures; ~4 minutes to build once, then
# cached in ~/.cargo/bin.
if ! command -v s3s-fs >/dev/null && [ ! -x "${CARGO_HOME:-$HOME/.cargo}/bin/s3s-fs" ]; then
  cargo install s3s-fs@0.14.1 --features binary --locked
fi

step "SMTP, Stripe and LTI test peers (aiosmtpd, localstripe, lti-provider-mock in .venv-peers)"
[ -x .venv-peers/bin/python ] || python3 -m venv .venv-peers
if ! .venv-peers/bin/python -c "import aiosmtpd" 2>/dev/null; then
  .venv-peers/bin/pip install -q aiosmtpd==1.4.6
fi
if ! .venv-peers/bin/python -c "import localstripe" 2>/dev/null; then
  .venv-peers/bin/pip install -q localstripe==1.15.10
fi
# An LTI 1.3 platform (lti-provider-mock, served by uvicorn) and jwcrypto for the tests' own platform.
if ! .venv-peers/bin/python -c "import lti_provider_mock, uvicorn, jwcrypto" 2>/dev/null; then
  .venv-peers/bin/pip install -q lti-provider-mock==0.2.3 uvicorn==0.55.0 jwcrypto==1.6.1
fi

step "cargo-nextest"
if ! cargo nextest --version >/dev/null 2>&1; then cargo install cargo-nextest --locked; fi

step "docker-compose.yml"
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  command -v docker-compose >/dev/null || apt_install docker-compose
  compose=(docker-compose)
fi
"${compose[@]}" -f docker-compose.yml config -q
echo "docker-compose.yml is valid"
# ...and agrees with the binary's own configuration and infra/Caddyfile (env names and values,
# commands, upstreams, bucket, SMTP, Caddy's proxy target): the rendered file, anchors merged.
if ! .venv-peers/bin/python -c "import yaml" 2>/dev/null; then
  .venv-peers/bin/pip install -q PyYAML==6.0.2
fi
compose_rendered=$(mktemp)
"${compose[@]}" -f docker-compose.yml config > "$compose_rendered"
.venv-peers/bin/python scripts/check_compose.py "$compose_rendered" || { rm -f "$compose_rendered"; exit 1; }
rm -f "$compose_rendered"

step "Kubernetes manifests"
./scripts/check-k8s.sh

step "Prometheus rules"
# The alert and recording rules (check), their unit tests (test), and the dashboard's PromQL
# (each panel's expression checked as a recording rule). That the metrics they name exist is a
# Rust test (tests/e2e/platform/observability.rs).
command -v promtool >/dev/null || apt_install prometheus
promtool check rules infra/observability/alerts.yml
(cd infra/observability && promtool test rules alerts_test.yml)
dashboard_rules=$(mktemp --suffix=.yml)
python3 - infra/observability/dashboard.json >"$dashboard_rules" <<'PY'
import json, sys
def exprs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "expr" and isinstance(v, str):
                yield v
            else:
                yield from exprs(v)
    elif isinstance(node, list):
        for v in node:
            yield from exprs(v)
found = list(exprs(json.load(open(sys.argv[1]))))
assert found, "no expressions in the dashboard"
rules = [{"record": f"dashboard:panel_{i}", "expr": e.replace("$instance", ".*")} for i, e in enumerate(found)]
print(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}))
PY
promtool check rules "$dashboard_rules"
rm -f "$dashboard_rules"

step "formatting"
cargo fmt --all -- --check

step "clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "build and test"
# Per-test databases: dropped before and after the run (the migrated template is kept and reused).
drop_test_databases() {
  psql "$ZK_TEST_DATABASE_URL" -qAt \
    -c "SELECT 'DROP DATABASE IF EXISTS ' || quote_ident(datname) || ';' FROM pg_database WHERE datname LIKE 'zk\_t\_%'" \
    | psql "$ZK_TEST_DATABASE_URL" -q >/dev/null 2>&1 || true
}
drop_test_databases
trap drop_test_databases EXIT
# The runner's summary is the last line this script prints.
cargo nextest run --workspace --profile ci
