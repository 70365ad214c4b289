#!/usr/bin/env python3
"""Checks rendered Kubernetes manifests (infra/k8s) against the Kubernetes schemas and against
the binary's own configuration, read from the source each run:

- env var names: the string literals the binary reads (crates/kernel/src, src), which of them it
  refuses, which it parses as numbers, booleans or addresses;
- commands: the subcommands and flags of src/cli.rs, the services of `ServiceName` (src/lib.rs),
  the upstream URLs the gateway needs in split mode (src/lib.rs), the image's ENTRYPOINT and USER
  (infra/Dockerfile);
- probes: the routes of crates/kernel/src/http/layers.rs;
- sizing: the measured RSS in loadtests/RESULTS.md, the connection pools of crates/kernel/src/db.rs.

Called by scripts/check-k8s.sh (which installs the validator and renders the manifests):
    check_k8s.py --kubernetes-version 1.30.0 base=RENDERED.yaml example=RENDERED.yaml
Prints a line per check (PASS, FAIL or SKIP) and exits 1 on any FAIL.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import pathlib
import re
import sys
from urllib.parse import urlsplit

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Names that must come from the Secret, never from the ConfigMap or a literal in a manifest.
# The ones config.rs wraps in `Secret` are added from the source below.
SECRET_NAMES = {
    "DATABASE_URL", "ZK_APP_DATABASE_URL", "ZK_SECRET_KEY", "ZK_S3_ACCESS_KEY", "ZK_S3_SECRET_KEY",
    "ZK_STRIPE_SECRET_KEY", "ZK_STRIPE_PUBLISHABLE_KEY", "ZK_STRIPE_WEBHOOK_SECRET", "ZK_SMTP_URL",
    "ZK_METRICS_TOKEN",
}
# What every serving process of a Kubernetes deployment must have, and why.
REQUIRED = {
    "DATABASE_URL": "unset, the binary starts an embedded PostgreSQL cluster (src/lib.rs config())",
    "ZK_APP_DATABASE_URL": "unset, the app role connects without a password",
    "ZK_SECRET_KEY": "unset, each process makes its own CSRF key and forms break across pods",
    "ZK_S3_ENDPOINT": "unset, objects go to a file-system store inside one pod",
    "ZK_S3_BUCKET": "unset, objects go to a file-system store inside one pod",
    "ZK_METRICS_TOKEN": "unset, /metrics is open",
    "ZK_LISTEN": "the default 127.0.0.1:8080 is unreachable from outside the pod",
    "ZK_BASE_DOMAIN": "the default is localhost",
    "ZK_PUBLIC_SCHEME": "links and cookies must say https behind the TLS Ingress",
    "ZK_PUBLIC_PORT": "unset, links carry the listen port instead of the Ingress's 443",
}
# PostgreSQL's default superuser_reserved_connections.
PG_RESERVED = 3


class Report:
    def __init__(self) -> None:
        self.failures = 0
        self.passes = 0

    def line(self, status: str, scope: str, check: str, detail: str) -> None:
        print(f"{status:4} [{scope}] {check}: {detail}")

    def ok(self, scope: str, check: str, detail: str) -> None:
        self.passes += 1
        self.line("PASS", scope, check, detail)

    def fail(self, scope: str, check: str, detail: str) -> None:
        self.failures += 1
        self.line("FAIL", scope, check, detail)

    def skip(self, scope: str, check: str, detail: str) -> None:
        self.line("SKIP", scope, check, detail)

    def expect(self, cond: bool, scope: str, check: str, good: str, bad: str) -> bool:
        (self.ok if cond else self.fail)(scope, check, good if cond else bad)
        return cond


# ---------------------------------------------------------------------------------------------
# What the binary says about itself.


def rust_sources(*dirs: str) -> list[pathlib.Path]:
    files: list[pathlib.Path] = []
    for d in dirs:
        files += sorted((ROOT / d).rglob("*.rs"))
    return files


def strip_test_modules(text: str) -> str:
    """Drops everything from the first `#[cfg(test)]` on (test modules sit at the end)."""
    cut = text.find("#[cfg(test)]")
    return text if cut < 0 else text[:cut]


def kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def enum_variants(text: str, enum: str) -> list[str]:
    m = re.search(r"enum\s+" + enum + r"\s*\{(.*?)\n\}", text, re.S)
    if not m:
        raise SystemExit(f"enum {enum} not found")
    body = re.sub(r"//.*", "", m.group(1))
    # Top-level variant names: an identifier at the start of a line, followed by { , or (.
    return re.findall(r"^\s{4}([A-Z][A-Za-z0-9]*)\s*[{,(]", body, re.M)


class Binary:
    def __init__(self) -> None:
        sources = rust_sources("crates/kernel/src", "src")
        text = "\n".join(strip_test_modules(p.read_text()) for p in sources)
        read_call = r'(?:\bvar|env::var|\bparse(?:::<[^>]+>)?)\(\s*"([A-Z][A-Z0-9_]*)"'
        self.env_read = set(re.findall(read_call, text))
        if re.search(r"EnvFilter::(?:try_)?from_default_env", text):
            self.env_read.add("RUST_LOG")  # tracing-subscriber reads RUST_LOG
        config_rs = (ROOT / "crates/kernel/src/config.rs").read_text()
        self.refused = set(re.findall(r"\b([A-Z][A-Z0-9_]+) is replaced by", config_rs))
        self.secret_wrapped = set(re.findall(r'var\("([A-Z0-9_]+)"\)\s*\.map\(Secret::new\)', config_rs))
        self.secret_wrapped |= set(re.findall(r'Secret::new\(var\("([A-Z0-9_]+)"\)', config_rs))
        # Typed values: parse("NAME", default) -> kind of the default.
        self.typed: dict[str, str] = {}
        for name, default in re.findall(r'\bparse(?:::<[^>]+>)?\(\s*"([A-Z0-9_]+)",\s*([^)]*\)?)', text):
            d = default.strip()
            if d.startswith("SocketAddr"):
                self.typed[name] = "socket address"
            elif d in ("true", "false"):
                self.typed[name] = "boolean"
            else:
                self.typed[name] = "unsigned integer"
        for name in re.findall(r'var\("([A-Z0-9_]+)"\)\.map\(\|\w+\| \w+\.parse\(\)\)', config_rs):
            self.typed[name] = "port"
        m = re.search(r'parse\("ZK_DB_MAX_CONNECTIONS",\s*(\d+)\)', config_rs)
        self.default_db_max = int(m.group(1)) if m else 16
        m = re.search(r'parse\("ZK_BODY_LIMIT_BYTES",\s*([^)]*)\)', config_rs)
        self.default_body_limit = eval_int(m.group(1)) if m else 2 * 1024 * 1024
        m = re.search(r'SocketAddr::from\(\(\[(\d+), (\d+), (\d+), (\d+)\], (\d+)\)\)', config_rs)
        self.default_listen = f"{m.group(1)}.{m.group(2)}.{m.group(3)}.{m.group(4)}:{m.group(5)}" if m else "127.0.0.1:8080"

        lib_rs = (ROOT / "src/lib.rs").read_text()
        self.services = [kebab(v) for v in enum_variants(lib_rs, "ServiceName")]
        # need(&up.tenant, "ZK_TENANT_URL") -> {"ZK_TENANT_URL": "tenant"}
        self.gateway_needs = {env: svc for svc, env in re.findall(r'need\(&up\.(\w+),\s*"([A-Z0-9_]+)"\)', lib_rs)}

        cli_rs = (ROOT / "src/cli.rs").read_text()
        self.subcommands = [kebab(v) for v in enum_variants(cli_rs, "Command")]
        m = re.search(r"\n\s{4}Serve\s*\{(.*?)\n\s{4}\}", cli_rs, re.S)
        self.serve_flags = {"--" + kebab(f).replace("_", "-") for f in re.findall(r"(\w+):\s*Option<", m.group(1))} if m else set()

        dockerfile = (ROOT / "infra/Dockerfile").read_text()
        m = re.search(r"^ENTRYPOINT\s+(\[.*\])\s*$", dockerfile, re.M)
        self.entrypoint = json.loads(m.group(1)) if m else None
        users = re.findall(r"^USER\s+(\S+)", dockerfile, re.M)
        self.image_user = users[-1] if users else "root"

        layers = (ROOT / "crates/kernel/src/http/layers.rs").read_text()
        self.infra_routes = set(re.findall(r'\.route\("(/[a-z]+)"', layers))

        results = (ROOT / "loadtests/RESULTS.md").read_text()
        m = re.search(r"Peak over the whole run \(VmHWM\)\s*\|\s*([\d.]+)", results)
        self.rss_peak_mb = float(m.group(1)) if m else None
        m = re.search(r"Idle, after start-up \(VmRSS\)\s*\|\s*([\d.]+)", results)
        self.rss_idle_mb = float(m.group(1)) if m else None

        db_rs = strip_test_modules((ROOT / "crates/kernel/src/db.rs").read_text())
        fixed = sum(int(n) for n in re.findall(r"\.max_connections\((\d+)\)", db_rs))
        platform_rs = strip_test_modules((ROOT / "crates/kernel/src/platform.rs").read_text())
        listeners = len(re.findall(r"PgListener::connect", platform_rs))
        # Per serving process: the app pool (ZK_DB_MAX_CONNECTIONS) plus these.
        self.extra_connections = fixed + listeners
        # The migration: the owner pool only.
        m = re.search(r"let owner = PgPoolOptions::new\(\)\s*\.max_connections\((\d+)\)", db_rs)
        self.migrate_connections = int(m.group(1)) if m else 2


def eval_int(expr: str) -> int:
    expr = expr.strip().replace("_", "")
    if not re.fullmatch(r"[\d\s*+]+", expr):
        raise SystemExit(f"cannot read the integer {expr!r}")
    return int(eval(expr))  # digits, * and + only (checked above)


# ---------------------------------------------------------------------------------------------
# Kubernetes helpers.


def quantity(q: str | int | float) -> float:
    """A Kubernetes quantity as a number (bytes or cores)."""
    s = str(q)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9, "m": 1e-3}
    for suffix, factor in units.items():
        if s.endswith(suffix):
            return float(s[: -len(suffix)]) * factor
    return float(s)


def selects(selector: dict | None, labels: dict) -> bool:
    if selector is None:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def container_port(container: dict, port) -> int | None:
    if isinstance(port, int):
        return port
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return p["containerPort"]
    return None


def split_addr(addr: str) -> tuple[str, int] | None:
    m = re.fullmatch(r"\[?([0-9a-fA-F.:]+?)\]?:(\d+)", addr)
    if not m:
        return None
    try:
        ipaddress.ip_address(m.group(1))
    except ValueError:
        return None
    return m.group(1), int(m.group(2))


def typed_value_problems(b: Binary, env: dict[str, str | None]) -> list[str]:
    """Values the binary would refuse at start-up: numbers, ports, booleans and addresses that
    don't parse as config.rs parses them, and a too short ZK_SECRET_KEY."""
    bad_values = []
    for n, v in env.items():
        if v is None or v == "" or n not in b.typed:
            continue
        kind = b.typed[n]
        if kind == "unsigned integer" and not re.fullmatch(r"\d+", v.strip()):
            bad_values.append(f"{n}={v!r} is no {kind}")
        elif kind == "port" and not (re.fullmatch(r"\d+", v.strip()) and int(v) < 65536):
            bad_values.append(f"{n}={v!r} is no port")
        elif kind == "boolean" and v.strip() not in ("true", "false"):
            bad_values.append(f"{n}={v!r} is no boolean (true or false)")
        elif kind == "socket address" and split_addr(v.strip()) is None:
            bad_values.append(f"{n}={v!r} is no socket address (IP:port)")
    key = env.get("ZK_SECRET_KEY")
    if key is not None and key.strip() and len(key.strip()) < 32:
        bad_values.append("ZK_SECRET_KEY is shorter than 32 characters (the binary refuses it)")
    return bad_values


def serve_problems(b: Binary, args: list[str], taken) -> tuple[str | None, list[str]]:
    """The --service of a `serve` command line, and what is wrong with it: flags serve doesn't
    take, a service that isn't one of ServiceName, or one already running elsewhere (in taken)."""
    flags = [a.split("=", 1)[0] for a in args[1:] if a.startswith("--")]
    unknown = [f for f in flags if f not in b.serve_flags]
    service = arg_value(args, "--service")
    problems = []
    if unknown:
        problems.append(f"unknown flags {unknown} (serve takes {sorted(b.serve_flags)})")
    if service not in b.services:
        problems.append(f"--service {service!r} is not one of {b.services} (ServiceName, src/lib.rs)")
    elif service in taken:
        problems.append(f"--service {service} runs twice")
    return service, problems


def listen_port(addr: str) -> tuple[int | None, str | None]:
    """The port of a listen address, or what is wrong with it: no IP:port, or one address only
    (unreachable from other machines and containers)."""
    parsed = split_addr(addr)
    if parsed is None:
        return None, f"listen address {addr!r} is no IP:port"
    if not ipaddress.ip_address(parsed[0]).is_unspecified:
        return None, f"listens on {addr}: only that address; use 0.0.0.0"
    return parsed[1], None


class Rendering:
    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.docs = [d for d in yaml.safe_load_all(open(path)) if d]
        self.by_kind: dict[str, list[dict]] = {}
        for d in self.docs:
            self.by_kind.setdefault(d["kind"], []).append(d)

    def kind(self, kind: str) -> list[dict]:
        return self.by_kind.get(kind, [])

    def named(self, kind: str, name: str) -> dict | None:
        return next((d for d in self.kind(kind) if d["metadata"]["name"] == name), None)

    def env_sources(self, container: dict) -> tuple[dict, dict, list[str]]:
        """(effective env: name -> value or None for unknown, origin: name -> where,
        missing refs)."""
        env: dict[str, str | None] = {}
        origin: dict[str, str] = {}
        missing: list[str] = []
        for src in container.get("envFrom") or []:
            if "configMapRef" in src:
                ref = src["configMapRef"]["name"]
                cm = self.named("ConfigMap", ref)
                if cm is None:
                    missing.append(f"ConfigMap {ref}")
                    continue
                for k, v in (cm.get("data") or {}).items():
                    env[k], origin[k] = v, f"ConfigMap {ref}"
            if "secretRef" in src:
                ref = src["secretRef"]["name"]
                secret = self.named("Secret", ref)
                if secret is None:
                    missing.append(f"Secret {ref}")
                    continue
                import base64
                for k, v in (secret.get("data") or {}).items():
                    env[k], origin[k] = base64.b64decode(v).decode(), f"Secret {ref}"
                for k, v in (secret.get("stringData") or {}).items():
                    env[k], origin[k] = v, f"Secret {ref}"
        for e in container.get("env") or []:
            if "value" in e:
                env[e["name"]], origin[e["name"]] = e["value"], "literal env"
            elif "valueFrom" in e:
                vf = e["valueFrom"]
                if "secretKeyRef" in vf:
                    env[e["name"]], origin[e["name"]] = None, f"Secret {vf['secretKeyRef']['name']}"
                elif "configMapKeyRef" in vf:
                    env[e["name"]], origin[e["name"]] = None, f"ConfigMap {vf['configMapKeyRef']['name']}"
                else:
                    env[e["name"]], origin[e["name"]] = None, "fieldRef"
            else:
                env[e["name"]], origin[e["name"]] = "", "literal env"
        return env, origin, missing


def workloads(r: Rendering) -> list[tuple[str, dict, dict]]:
    """(kind/name, pod template spec, object) of every Deployment and Job."""
    out = []
    for kind in ("Deployment", "Job"):
        for d in r.kind(kind):
            out.append((f"{kind}/{d['metadata']['name']}", d["spec"]["template"], d))
    return out


def arg_value(args: list[str], flag: str) -> str | None:
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


# ---------------------------------------------------------------------------------------------
# The checks.


def check_schema(rep: Report, r: Rendering, version: str) -> None:
    # Imported here: scripts/check_compose.py imports this module without the validator.
    import kubernetes_validate
    from kubernetes_validate import utils as kv_utils

    bad = 0
    for d in r.docs:
        what = f"{d.get('kind')}/{d.get('metadata', {}).get('name')}"
        try:
            kv_utils.validate(d, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            bad += 1
            path = "/".join(str(p) for p in getattr(e, "absolute_path", e.path))
            rep.fail(r.name, "schema", f"{what} at {path or '/'}: {e.message}")
        except kubernetes_validate.SchemaNotFoundError:
            bad += 1
            rep.fail(r.name, "schema", f"{what}: no schema for {d.get('apiVersion')} {d.get('kind')} in Kubernetes {version}")
    if not bad:
        rep.ok(r.name, "schema", f"{len(r.docs)} objects valid against Kubernetes {version} (strict: unknown fields refused)")


def check_workloads(rep: Report, r: Rendering, b: Binary) -> dict[str, dict]:
    """Checks commands and images; returns service name -> Deployment."""
    by_service: dict[str, dict] = {}
    images = set()
    for what, tmpl, obj in workloads(r):
        for c in tmpl["spec"]["containers"]:
            images.add(c.get("image"))
            cmd = c.get("command")
            if cmd is not None:
                rep.expect(cmd == b.entrypoint, r.name, "entrypoint", f"{what}: command {cmd} is the image's ENTRYPOINT",
                           f"{what}: command {cmd} is not the image's ENTRYPOINT {b.entrypoint} (infra/Dockerfile)")
            args = c.get("args") or []
            if not args or args[0] not in b.subcommands:
                rep.fail(r.name, "command", f"{what}: args {args}: the first must be one of {b.subcommands} (src/cli.rs)")
                continue
            if obj["kind"] == "Job":
                rep.expect(args == ["migrate"], r.name, "command", f"{what}: `zorgklas migrate`",
                           f"{what}: args {args}, expected ['migrate']")
                continue
            if args[0] != "serve":
                rep.fail(r.name, "command", f"{what}: a Deployment must run `serve`, not {args[0]}")
                continue
            service, problems = serve_problems(b, args, by_service)
            label = tmpl["metadata"].get("labels", {}).get("app.kubernetes.io/component")
            if label != service:
                problems.append(f"pod label app.kubernetes.io/component={label!r} differs from --service {service!r}")
            if problems:
                rep.fail(r.name, "command", f"{what}: " + "; ".join(problems))
            else:
                by_service[service] = obj
                rep.ok(r.name, "command", f"{what}: `zorgklas {' '.join(args)}` (src/cli.rs, ServiceName)")
    missing = [s for s in b.services if s not in by_service]
    rep.expect(not missing, r.name, "services", f"a Deployment for each of {b.services} (split mode)",
               f"no Deployment for {missing}")
    repos = {re.sub(r"[:@].*$", "", i.rsplit("/", 1)[-1]) for i in images if i}
    rep.expect(len(images) == 1 and repos == {"zorgklas"}, r.name, "image",
               f"every container runs the one image {images.pop() if len(images) == 1 else images} (infra/Dockerfile)",
               f"containers run {sorted(map(str, images))}: expected one image named zorgklas (the migration must match the servers)")
    return by_service


def check_security(rep: Report, r: Rendering, b: Binary) -> None:
    bad = []
    for what, tmpl, _ in workloads(r):
        pod_sc = tmpl["spec"].get("securityContext") or {}
        for c in tmpl["spec"]["containers"]:
            sc = {**pod_sc, **(c.get("securityContext") or {})}
            if sc.get("runAsNonRoot") and not b.image_user.isdigit() and "runAsUser" not in sc:
                bad.append(f"{what}: runAsNonRoot with the image's non-numeric USER {b.image_user} needs runAsUser")
    rep.expect(not bad, r.name, "run as", f"runAsNonRoot with a numeric runAsUser (the image's USER is {b.image_user})", "; ".join(bad))


def check_env(rep: Report, r: Rendering, b: Binary, by_service: dict[str, dict], tls: bool) -> dict[str, dict]:
    """Env names and values of every container; returns service -> effective env."""
    secret_names = SECRET_NAMES | b.secret_wrapped
    envs: dict[str, dict] = {}
    for what, tmpl, obj in workloads(r):
        for c in tmpl["spec"]["containers"]:
            env, origin, missing_refs = r.env_sources(c)
            if missing_refs:
                rep.skip(r.name, "env", f"{what}: {', '.join(missing_refs)} not in this rendering (an overlay provides it)")
            unknown = sorted(n for n in env if n not in b.env_read)
            refused = sorted(n for n in env if n in b.refused)
            rep.expect(not unknown and not refused, r.name, "env names",
                       f"{what}: all {len(env)} names are read by the binary",
                       f"{what}: " + "; ".join(
                           ([f"not read by the binary: {unknown}"] if unknown else [])
                           + ([f"refused by the binary: {refused}"] if refused else [])))
            leaked = sorted(n for n in env if n in secret_names and not origin[n].startswith("Secret"))
            rep.expect(not leaked, r.name, "secrets", f"{what}: secret values come from a Secret only",
                       f"{what}: {', '.join(f'{n} from {origin[n]}' for n in leaked)}: must come from a Secret")
            bad_values = typed_value_problems(b, env)
            rep.expect(not bad_values, r.name, "env values", f"{what}: typed values parse as the binary parses them",
                       f"{what}: " + "; ".join(bad_values))
            if obj["kind"] == "Job":
                need = ["DATABASE_URL"]
            else:
                need = list(REQUIRED)
            if any(ref.startswith("Secret") for ref in missing_refs):
                need = [n for n in need if n not in secret_names]
            absent = [n for n in need if not (env.get(n) or "").strip()]
            if not need:
                rep.skip(r.name, "env required", f"{what}: what it needs comes from the Secret")
            else:
                rep.expect(not absent, r.name, "env required", f"{what}: {', '.join(need)} set",
                           f"{what}: " + "; ".join(f"{n} missing ({REQUIRED.get(n, 'required')})" for n in absent))
            if obj["kind"] == "Deployment":
                if tls:
                    scheme, port = env.get("ZK_PUBLIC_SCHEME"), env.get("ZK_PUBLIC_PORT")
                    rep.expect(scheme == "https" and port == "443", r.name, "public URL",
                               f"{what}: links are https on port 443, like the TLS Ingress",
                               f"{what}: ZK_PUBLIC_SCHEME={scheme!r} ZK_PUBLIC_PORT={port!r}; behind the TLS Ingress: https and 443")
                service = arg_value(c.get("args") or [], "--service")
                if service:
                    envs[service] = {"env": env, "container": c, "deployment": obj}
    return envs


def check_ports(rep: Report, r: Rendering, b: Binary, envs: dict[str, dict]) -> dict[str, int]:
    """Listen address vs container ports and probes; returns service -> listen port."""
    listen_ports: dict[str, int] = {}
    for service, e in envs.items():
        c, what = e["container"], f"Deployment/{e['deployment']['metadata']['name']}"
        addr = arg_value(c.get("args") or [], "--listen") or e["env"].get("ZK_LISTEN") or b.default_listen
        port, problem = listen_port(addr)
        if not rep.expect(problem is None, r.name, "listen", f"{what}: listens on {addr} (all interfaces)",
                          f"{what}: {problem}; the kubelet and the Service can't reach it"):
            continue
        listen_ports[service] = port
        declared = [p["containerPort"] for p in c.get("ports") or []]
        rep.expect(declared == [port], r.name, "ports", f"{what}: containerPort {port} = the listen port",
                   f"{what}: containerPorts {declared}, but the process listens on {port}")
        for probe_name, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", "/healthz")):
            probe = c.get(probe_name)
            if probe is None:
                if probe_name == "startupProbe":
                    continue
                rep.fail(r.name, "probes", f"{what}: no {probe_name}")
                continue
            get = probe.get("httpGet") or {}
            pport = container_port(c, get.get("port"))
            ok = get.get("path") == path and path in b.infra_routes and pport == port and get.get("host") is None
            rep.expect(ok, r.name, "probes", f"{what}: {probe_name} GET {path} on port {port}",
                       f"{what}: {probe_name} is {get}; expected GET {path} on the listen port {port}"
                       f" (routes in layers.rs: {sorted(b.infra_routes)}; no host, the kubelet's Host is the pod IP)")
    return listen_ports


def service_for(r: Rendering, deployment: dict) -> list[dict]:
    labels = deployment["spec"]["template"]["metadata"].get("labels", {})
    return [s for s in r.kind("Service") if s["spec"].get("selector") and selects({"matchLabels": s["spec"]["selector"]}, labels)]


def check_services(rep: Report, r: Rendering, b: Binary, envs: dict[str, dict], listen_ports: dict[str, int]) -> None:
    for service, e in envs.items():
        dep, c = e["deployment"], e["container"]
        svcs = service_for(r, dep)
        if not rep.expect(len(svcs) == 1, r.name, "service", f"Deployment/{dep['metadata']['name']}: one Service selects it",
                          f"Deployment/{dep['metadata']['name']}: {len(svcs)} Services select it"):
            continue
        for p in svcs[0]["spec"]["ports"]:
            target = container_port(c, p.get("targetPort", p["port"]))
            rep.expect(target == listen_ports.get(service), r.name, "service",
                       f"Service/{svcs[0]['metadata']['name']} port {p['port']} -> {target} = the listen port",
                       f"Service/{svcs[0]['metadata']['name']} port {p['port']} targets {target}, the process listens on {listen_ports.get(service)}")
    gw = envs.get("gateway")
    if not gw:
        return
    namespace = gw["deployment"]["metadata"].get("namespace")
    for env_name, target_service in sorted(b.gateway_needs.items()):
        url = gw["env"].get(env_name)
        if not url:
            rep.fail(r.name, "upstreams", f"gateway: {env_name} unset (src/lib.rs needs it in split mode)")
            continue
        u = urlsplit(url)
        host = u.hostname or ""
        parts = host.split(".")
        svc_name = parts[0]
        problems = []
        if u.scheme != "http":
            problems.append(f"scheme {u.scheme!r} (the services speak plain http)")
        if len(parts) > 1 and namespace and parts[1] != namespace:
            problems.append(f"namespace {parts[1]!r} is not the gateway's {namespace!r}")
        svc = r.named("Service", svc_name)
        target = envs.get(target_service)
        if svc is None:
            problems.append(f"no Service {svc_name}")
        elif target is None:
            problems.append(f"no Deployment runs --service {target_service}")
        elif svc not in service_for(r, target["deployment"]):
            problems.append(f"Service {svc_name} does not select the {target_service} pods")
        else:
            port = u.port or 80
            sp = next((p for p in svc["spec"]["ports"] if p["port"] == port), None)
            if sp is None:
                problems.append(f"Service {svc_name} has no port {port}")
            elif container_port(target["container"], sp.get("targetPort", port)) != listen_ports.get(target_service):
                problems.append(f"port {port} does not reach the {target_service} listen port")
        rep.expect(not problems, r.name, "upstreams", f"gateway {env_name}={url} reaches the {target_service} pods",
                   f"gateway {env_name}={url}: " + "; ".join(problems))


def check_ingress(rep: Report, r: Rendering, b: Binary, envs: dict[str, dict]) -> None:
    ingresses = r.kind("Ingress")
    if not rep.expect(len(ingresses) == 1, r.name, "ingress", "one Ingress", f"{len(ingresses)} Ingresses"):
        return
    ing = ingresses[0]
    gw = envs.get("gateway")
    if not gw:
        rep.fail(r.name, "ingress", "no gateway Deployment")
        return
    gw_svcs = [s["metadata"]["name"] for s in service_for(r, gw["deployment"])]
    backends = []
    for rule in ing["spec"].get("rules") or []:
        for p in (rule.get("http") or {}).get("paths") or []:
            backends.append(p["backend"]["service"])
    if ing["spec"].get("defaultBackend"):
        backends.append(ing["spec"]["defaultBackend"]["service"])
    others = [be["name"] for be in backends if be["name"] not in gw_svcs]
    rep.expect(backends and not others, r.name, "ingress", f"every path goes to the gateway Service {gw_svcs}",
               f"paths go to {others or 'nothing'}: only the gateway may be behind the Ingress")
    for be in backends:
        svc = r.named("Service", be["name"])
        if svc is None:
            continue
        port = be["port"].get("number") or be["port"].get("name")
        ok = any(p["port"] == port or p.get("name") == port for p in svc["spec"]["ports"])
        if not ok:
            rep.fail(r.name, "ingress", f"backend port {port} is not a port of Service {be['name']}")
    base = (gw["env"].get("ZK_BASE_DOMAIN") or "localhost").lower()
    pkg = (gw["env"].get("ZK_PACKAGE_DOMAIN") or f"pakket.{base}").lower()
    want = {base, f"*.{base}", f"*.{pkg}"}
    rule_hosts = {rule.get("host") for rule in ing["spec"].get("rules") or []}
    tls_hosts = {h for t in ing["spec"].get("tls") or [] for h in t.get("hosts") or []}
    rep.expect(rule_hosts == want, r.name, "ingress hosts", f"rules for {sorted(want)} (ZK_BASE_DOMAIN, ZK_PACKAGE_DOMAIN)",
               f"rules for {sorted(h or '<any>' for h in rule_hosts)}, expected {sorted(want)} from ZK_BASE_DOMAIN={base} ZK_PACKAGE_DOMAIN={pkg}")
    rep.expect(tls_hosts == want and all(t.get("secretName") for t in ing["spec"].get("tls") or []), r.name, "ingress tls",
               f"TLS (secret) for {sorted(want)}", f"TLS for {sorted(tls_hosts)}, expected {sorted(want)}, each with a secretName")
    body = ing["metadata"].get("annotations", {}).get("nginx.ingress.kubernetes.io/proxy-body-size")
    limit = int(gw["env"].get("ZK_BODY_LIMIT_BYTES") or b.default_body_limit)
    if body is not None:
        m = re.fullmatch(r"(\d+)([kKmMgG]?)", body)
        size = int(m.group(1)) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[m.group(2).lower()] if m else -1
        rep.expect(size == 0 or size >= limit, r.name, "ingress body", f"proxy-body-size {body} >= ZK_BODY_LIMIT_BYTES {limit}",
                   f"proxy-body-size {body} is below ZK_BODY_LIMIT_BYTES {limit}")


def pod_labels(r: Rendering) -> dict[str, dict]:
    return {what: tmpl["metadata"].get("labels", {}) for what, tmpl, _ in workloads(r)}


def check_network(rep: Report, r: Rendering, envs: dict[str, dict]) -> None:
    pols = r.kind("NetworkPolicy")
    deny = [p for p in pols if p["spec"].get("podSelector") in ({}, None) and "Ingress" in (p["spec"].get("policyTypes") or [])
            and not p["spec"].get("ingress")]
    rep.expect(bool(deny), r.name, "network", "default deny of ingress for every pod in the namespace",
               "no NetworkPolicy denies ingress to every pod (podSelector {}, policyTypes [Ingress], no rules)")
    gw = envs.get("gateway")
    gw_labels = gw["deployment"]["spec"]["template"]["metadata"]["labels"] if gw else {}
    for what, labels in pod_labels(r).items():
        peers = []
        for p in pols:
            if "Ingress" not in (p["spec"].get("policyTypes") or ["Ingress"]):
                continue
            if not selects(p["spec"].get("podSelector") or {}, labels):
                continue
            for rule in p["spec"].get("ingress") or []:
                peers += rule.get("from") or [{"<anyone>": True}]
        component = labels.get("app.kubernetes.io/component")
        if component == "gateway":
            ok = bool(peers) and all(set(peer) == {"namespaceSelector"} for peer in peers)
            rep.expect(ok, r.name, "network", f"{what}: takes traffic from the ingress controller's namespace only",
                       f"{what}: allowed from {peers}; expected namespaceSelector peers (the ingress controller) only")
        elif component == "migrate":
            rep.expect(not peers, r.name, "network", f"{what}: takes no traffic", f"{what}: allowed from {peers}")
        else:
            ok = bool(peers) and all(set(peer) == {"podSelector"} and selects(peer["podSelector"], gw_labels)
                                     and not any(selects(peer["podSelector"], l) for w, l in pod_labels(r).items()
                                                 if l.get("app.kubernetes.io/component") != "gateway")
                                     for peer in peers)
            rep.expect(ok, r.name, "network", f"{what}: takes traffic from the gateway pods only",
                       f"{what}: allowed from {peers}; expected the gateway's pods only (only the gateway calls the services)")
    # The migration's egress: PostgreSQL (and DNS) only.
    for what, labels in pod_labels(r).items():
        if labels.get("app.kubernetes.io/component") != "migrate":
            continue
        egress_pols = [p for p in pols if "Egress" in (p["spec"].get("policyTypes") or []) and selects(p["spec"].get("podSelector") or {}, labels)]
        ports = {(pt.get("protocol", "TCP"), pt.get("port")) for p in egress_pols for rule in p["spec"].get("egress") or []
                 for pt in rule.get("ports") or [{"port": "<any>"}]}
        ok = bool(egress_pols) and ports <= {("TCP", 5432), ("UDP", 53), ("TCP", 53)} and ("TCP", 5432) in ports
        rep.expect(ok, r.name, "network", f"{what}: egress to PostgreSQL (5432) and DNS (53) only",
                   f"{what}: egress {sorted(map(str, ports)) or 'unrestricted'}; expected 5432/TCP and DNS only")


def check_scaling(rep: Report, r: Rendering, b: Binary, envs: dict[str, dict]) -> None:
    hpas = r.kind("HorizontalPodAutoscaler")
    pdbs = r.kind("PodDisruptionBudget")
    total = 0
    parts = []
    for service, e in sorted(envs.items()):
        dep = e["deployment"]
        name = dep["metadata"]["name"]
        hpa = [h for h in hpas if h["spec"]["scaleTargetRef"]["kind"] == "Deployment" and h["spec"]["scaleTargetRef"]["name"] == name]
        labels = dep["spec"]["template"]["metadata"]["labels"]
        pdb = [p for p in pdbs if selects(p["spec"].get("selector"), labels)]
        max_replicas = dep["spec"].get("replicas", 1)
        if rep.expect(len(hpa) == 1, r.name, "hpa", f"Deployment/{name}: HPA {hpa[0]['spec'].get('minReplicas', 1)}..{hpa[0]['spec']['maxReplicas']}" if hpa else "",
                      f"Deployment/{name}: {len(hpa)} HorizontalPodAutoscalers"):
            max_replicas = hpa[0]["spec"]["maxReplicas"]
            min_replicas = hpa[0]["spec"].get("minReplicas", 1)
        else:
            min_replicas = dep["spec"].get("replicas", 1)
        ok = len(pdb) == 1 and min_replicas >= 2 and (
            pdb[0]["spec"].get("maxUnavailable") is not None or int(pdb[0]["spec"].get("minAvailable", 0)) < min_replicas)
        rep.expect(ok, r.name, "pdb", f"Deployment/{name}: a PodDisruptionBudget that still lets a drain evict one of {min_replicas}",
                   f"Deployment/{name}: {len(pdb)} PodDisruptionBudgets for at least {min_replicas} replicas (need one, and 2+ replicas)")
        pool = int(e["env"].get("ZK_DB_MAX_CONNECTIONS") or b.default_db_max)
        per_pod = pool + b.extra_connections
        total += max_replicas * per_pod
        parts.append(f"{service} {max_replicas}x{per_pod}")
    total += b.migrate_connections
    parts.append(f"migrate {b.migrate_connections}")
    budgets = {cm["metadata"].get("annotations", {}).get("zorgklas/postgres-max-connections") for cm in r.kind("ConfigMap")} - {None}
    if not budgets:
        rep.fail(r.name, "db connections", f"{total} at most ({' + '.join(parts)}), but no ConfigMap says PostgreSQL's "
                 "max_connections (annotation zorgklas/postgres-max-connections)")
    else:
        budget = int(budgets.pop())
        rep.expect(total <= budget - PG_RESERVED, r.name, "db connections",
                   f"{total} at most ({' + '.join(parts)}; pool + {b.extra_connections} per pod) <= max_connections {budget} - {PG_RESERVED} reserved",
                   f"{total} at most ({' + '.join(parts)}) > max_connections {budget} - {PG_RESERVED} reserved: lower maxReplicas or ZK_DB_MAX_CONNECTIONS, or raise max_connections")


def check_resources(rep: Report, r: Rendering, b: Binary) -> None:
    if b.rss_peak_mb is None:
        rep.fail(r.name, "resources", "no measured peak RSS in loadtests/RESULTS.md")
        return
    peak = b.rss_peak_mb * 2**20
    for what, tmpl, obj in workloads(r):
        for c in tmpl["spec"]["containers"]:
            res = c.get("resources") or {}
            req, lim = res.get("requests") or {}, res.get("limits") or {}
            if not all(k in d for d in (req, lim) for k in ("cpu", "memory")):
                rep.fail(r.name, "resources", f"{what}: requests and limits for cpu and memory are needed, got {res}")
                continue
            if obj["kind"] == "Job":
                rep.ok(r.name, "resources", f"{what}: requests {req}, limits {lim}")
                continue
            ok = quantity(req["memory"]) >= peak and quantity(lim["memory"]) >= 2 * peak and quantity(lim["cpu"]) >= 1
            rep.expect(ok, r.name, "resources",
                       f"{what}: memory request {req['memory']} >= measured peak {b.rss_peak_mb} MB, limit {lim['memory']} >= 2x peak (loadtests/RESULTS.md)",
                       f"{what}: memory request {req['memory']} / limit {lim['memory']} / cpu limit {lim['cpu']}: need request >= the "
                       f"measured peak {b.rss_peak_mb} MB, limit >= twice that, cpu limit >= 1 (loadtests/RESULTS.md)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kubernetes-version", required=True)
    ap.add_argument("renderings", nargs="+", help="NAME=PATH of a rendered kustomization")
    args = ap.parse_args()
    b = Binary()
    rep = Report()
    print(f"From the source: {len(b.env_read)} env vars read ({len(b.refused)} refused: {sorted(b.refused)}), "
          f"subcommands {b.subcommands}, serve flags {sorted(b.serve_flags)}, services {b.services}, "
          f"entrypoint {b.entrypoint}, probe routes {sorted(b.infra_routes)}, "
          f"measured RSS idle {b.rss_idle_mb} MB / peak {b.rss_peak_mb} MB, "
          f"database connections per pod: ZK_DB_MAX_CONNECTIONS + {b.extra_connections}")
    for spec in args.renderings:
        name, path = spec.split("=", 1)
        r = Rendering(name, path)
        check_schema(rep, r, args.kubernetes_version)
        by_service = check_workloads(rep, r, b)
        check_security(rep, r, b)
        tls = any(i["spec"].get("tls") for i in r.kind("Ingress"))
        envs = check_env(rep, r, b, by_service, tls)
        listen_ports = check_ports(rep, r, b, envs)
        check_services(rep, r, b, envs, listen_ports)
        check_ingress(rep, r, b, envs)
        check_network(rep, r, envs)
        check_scaling(rep, r, b, envs)
        check_resources(rep, r, b)
    print(f"Kubernetes manifests: {rep.passes} checks passed, {rep.failures} failed")
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main())
