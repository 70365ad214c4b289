#!/usr/bin/env python3
"""Checks docker-compose.yml, as `docker compose config` renders it (anchors merged, `${...}`
filled in), against the binary's own configuration, read from the source each run by
scripts/check_k8s.py's `Binary` (env var names, subcommands, services, the gateway's upstreams,
the image's ENTRYPOINT), and against infra/Caddyfile:

- commands: `migrate` once, `serve --service NAME --listen 0.0.0.0:PORT` once for every service;
- env: every ZK_*/DATABASE_URL name is one the binary reads (and does not refuse), typed values
  parse, the required ones are set, the shared ones (keys, database, bucket) are the same in
  every process, the proxy hops match the proxies in front;
- wiring: the gateway's ZK_*_URL upstreams reach the services' listen ports; DATABASE_URL reaches
  the postgres service with its user and password; the bucket the one-shot init makes is
  ZK_S3_BUCKET, with the app's key; ZK_S3_ENDPOINT reaches the S3 server from inside and is
  published for browsers (presigned URLs); ZK_SMTP_URL is Mailpit's SMTP port; Caddy's sites
  cover the base and package domains and reverse_proxy to the gateway's listen port, published
  as ZK_PUBLIC_PORT;
- order and images: migrations and the bucket before the services; third-party images pinned.

Called by scripts/test.sh:  check_compose.py RENDERED.yaml [--caddyfile infra/Caddyfile]
Prints a line per check (PASS or FAIL) and a summary; exits 1 on any FAIL.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import shlex
import sys
from urllib.parse import urlsplit

import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from check_k8s import (REQUIRED, ROOT, Binary, Report, arg_value, listen_port,  # noqa: E402
                       serve_problems, typed_value_problems)

SCOPE = "compose"
# Set in every serving process, on top of check_k8s.REQUIRED (ZK_LISTEN may come from --listen).
REQUIRED_HERE = {
    "ZK_S3_ACCESS_KEY": "unset, the S3 requests go unsigned",
    "ZK_S3_SECRET_KEY": "unset, the S3 requests go unsigned",
    "ZK_SMTP_URL": "unset, mail stays in the outbox table and never reaches Mailpit",
}
# The same in every process of one deployment.
SHARED = ["DATABASE_URL", "ZK_APP_DATABASE_URL", "ZK_SECRET_KEY", "ZK_BASE_DOMAIN", "ZK_PACKAGE_DOMAIN",
          "ZK_PUBLIC_SCHEME", "ZK_PUBLIC_PORT", "ZK_S3_ENDPOINT", "ZK_S3_BUCKET", "ZK_S3_REGION",
          "ZK_S3_ACCESS_KEY", "ZK_S3_SECRET_KEY", "ZK_SMTP_URL", "ZK_METRICS_TOKEN"]
MAILPIT_SMTP_DEFAULT = 1025
MINIO_API_DEFAULT = 9000


# ---------------------------------------------------------------------------------------------
# The rendered compose model.


def env_of(svc: dict) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, "") for e in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def as_list(cmd) -> list[str]:
    if cmd is None:
        return []
    return shlex.split(cmd) if isinstance(cmd, str) else [str(c) for c in cmd]


def ports_of(svc: dict) -> list[tuple[int | None, int]]:
    """(published host port or None, container port) of a service."""
    out = []
    for p in svc.get("ports") or []:
        if isinstance(p, dict):
            pub = p.get("published")
            out.append((int(pub) if pub not in (None, "") else None, int(p["target"])))
            continue
        spec = str(p).split("/", 1)[0]
        parts = spec.rsplit(":", 2) if spec.count(":") >= 1 else [spec]
        if len(parts) == 1:
            out.append((None, int(parts[0])))
        else:
            out.append((int(parts[-2]) if parts[-2] else None, int(parts[-1])))
    return out


def mounts_of(svc: dict) -> list[tuple[str, str]]:
    """(source, target) of each volume of a service."""
    out = []
    for v in svc.get("volumes") or []:
        if isinstance(v, dict):
            out.append((str(v.get("source", "")), str(v["target"])))
        else:
            parts = str(v).split(":")
            out.append((parts[0], parts[1] if len(parts) > 1 else parts[0]))
    return out


def is_read_only(svc: dict, target: str) -> bool:
    for v in svc.get("volumes") or []:
        if isinstance(v, dict) and str(v.get("target")) == target:
            return bool(v.get("read_only"))
        if isinstance(v, str) and v.split(":")[1:2] == [target]:
            return v.split(":")[2:3] == ["ro"]
    return False


def depends_on(svc: dict) -> dict[str, str]:
    d = svc.get("depends_on") or {}
    if isinstance(d, list):
        return {n: "service_started" for n in d}
    return {n: (c or {}).get("condition", "service_started") for n, c in d.items()}


def aliases_of(svc: dict) -> set[str]:
    out = set()
    nets = svc.get("networks") or {}
    if isinstance(nets, dict):
        for n in nets.values():
            out |= set((n or {}).get("aliases") or [])
    return out


def image_repo(image: str) -> str:
    return re.sub(r"[:@].*$", "", image.rsplit("/", 1)[-1])


def image_tag(image: str) -> str | None:
    if "@sha256:" in image:
        return image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def unescape(s: str) -> str:
    """`$$` as `docker compose config` may print it, back to the `$` the shell sees."""
    return s.replace("$$", "$")


def substitute(s: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), m.group(0)), s)


def script_lines(svc: dict) -> list[list[str]]:
    """A one-shot's shell script (entrypoint `sh -c` + command), as words per line, the
    service's own env vars filled in."""
    env = env_of(svc)
    words = as_list(svc.get("entrypoint")) + as_list(svc.get("command"))
    text = "\n".join(w for w in words if "\n" in w or " " in w) or " ".join(words)
    lines = []
    for line in unescape(text).splitlines():
        line = re.split(r"\|\||&&|;", line)[0].strip()
        if line and not line.startswith("#"):
            try:
                lines.append([substitute(w, env) for w in shlex.split(line)])
            except ValueError:
                pass
    return lines


class Compose:
    def __init__(self, path: str) -> None:
        self.model = yaml.safe_load(open(path))
        self.services: dict[str, dict] = self.model.get("services") or {}

    def resolve(self, host: str) -> str | None:
        """The service a host name reaches inside the compose network (name or alias)."""
        if host in self.services:
            return host
        return next((n for n, s in self.services.items() if host in aliases_of(s)), None)

    def by_image(self, repo: str) -> list[str]:
        return [n for n, s in self.services.items() if image_repo(str(s.get("image", ""))) == repo]


# ---------------------------------------------------------------------------------------------
# Caddyfile: top-level site blocks (addresses, body).


def caddy_sites(text: str) -> list[tuple[list[str], str]]:
    text = re.sub(r"(?m)(^|\s)#.*$", "", text)
    sites, i = [], 0
    while True:
        m = re.compile(r"([^{}]*)\{").search(text, i)
        if not m:
            return sites
        depth, j = 1, m.end()
        while depth and j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        addrs = [a for a in re.split(r"[\s,]+", m.group(1).strip()) if a]
        if addrs:  # the global options block has none
            sites.append((addrs, text[m.end(): j - 1]))
        i = j


def site_host_port(addr: str) -> tuple[str, int | None]:
    addr = re.sub(r"^https?://", "", addr)
    host, _, port = addr.partition(":")
    return host.lower(), int(port) if port else None


def host_matches(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        rest = host.split(".", 1)
        return len(rest) == 2 and rest[1] == pattern[2:]
    return pattern == host


def site_for(sites: list[tuple[list[str], str]], host: str, port: int) -> tuple[list[str], str] | None:
    """The site Caddy picks for host:port: an exact name before a wildcard."""
    exact = [s for s in sites if any(site_host_port(a) == (host, port) for a in s[0])]
    if exact:
        return exact[0]
    wild = [s for s in sites for a in s[0] if (lambda hp: hp[1] == port and host_matches(hp[0], host))(site_host_port(a))]
    return wild[0] if wild else None


def proxy_targets(body: str) -> list[str]:
    out = []
    for m in re.finditer(r"(?m)^\s*reverse_proxy\s+([^{\n]+)", body):
        out += m.group(1).split()
    return out


# ---------------------------------------------------------------------------------------------
# The checks.


class Checks:
    def __init__(self, rep: Report, c: Compose, b: Binary, caddyfile: pathlib.Path | None) -> None:
        self.rep, self.c, self.b, self.caddyfile = rep, c, b, caddyfile
        self.apps: dict[str, dict] = {}  # compose service -> service dict, running our image
        self.serving: dict[str, str] = {}  # --service name -> compose service
        self.listen: dict[str, int] = {}  # --service name -> listen port
        self.migrate: str | None = None

    def ok(self, check: str, detail: str) -> None:
        self.rep.ok(SCOPE, check, detail)

    def fail(self, check: str, detail: str) -> None:
        self.rep.fail(SCOPE, check, detail)

    def expect(self, cond: bool, check: str, good: str, bad: str) -> bool:
        return self.rep.expect(cond, SCOPE, check, good, bad)

    def env(self, service_name: str) -> dict[str, str]:
        return env_of(self.c.services[self.serving[service_name]])

    # -- images and commands ------------------------------------------------------------------

    def images(self) -> None:
        for name, svc in sorted(self.c.services.items()):
            image = str(svc.get("image", ""))
            dockerfile = ((svc.get("build") or {}) if isinstance(svc.get("build"), dict) else {}).get("dockerfile", "")
            if image_repo(image) == "zorgklas" or dockerfile.endswith("infra/Dockerfile"):
                self.apps[name] = svc
                continue
            tag = image_tag(image)
            self.expect(bool(tag) and tag != "latest", "image pinned", f"{name}: {image}",
                        f"{name}: image {image!r} has {'tag latest' if tag == 'latest' else 'no tag'}: pin a release")
        built = {str(s.get("image")) for s in self.apps.values()}
        self.expect(len(built) == 1 and all(s.get("build") for s in self.apps.values()), "image",
                    f"{len(self.apps)} services run the one image built from infra/Dockerfile ({built.pop() if len(built) == 1 else built})",
                    f"the zorgklas services run {sorted(built)}, some without build: one image, built from infra/Dockerfile")

    def commands(self) -> None:
        b = self.b
        for name, svc in sorted(self.apps.items()):
            ep = svc.get("entrypoint")
            if ep is not None:
                self.expect(as_list(ep) == b.entrypoint, "entrypoint", f"{name}: entrypoint is the image's",
                            f"{name}: entrypoint {ep} is not the image's ENTRYPOINT {b.entrypoint} (infra/Dockerfile)")
            args = as_list(svc.get("command"))
            if not args or args[0] not in b.subcommands:
                self.fail("command", f"{name}: command {args}: the first word must be one of {b.subcommands} (src/cli.rs)")
                continue
            if args[0] == "migrate":
                if self.expect(args == ["migrate"] and self.migrate is None, "command", f"{name}: `zorgklas migrate`",
                               f"{name}: {args}: one service runs exactly `migrate`"):
                    self.migrate = name
                continue
            if args[0] != "serve":
                self.fail("command", f"{name}: a long-running service runs `serve`, not {args[0]}")
                continue
            service, problems = serve_problems(b, args, self.serving)
            listen = arg_value(args, "--listen") or env_of(svc).get("ZK_LISTEN") or b.default_listen
            port, problem = listen_port(listen)
            if problem:
                problems.append(problem + " (unreachable from the other containers)")
            if problems:
                self.fail("command", f"{name}: " + "; ".join(problems))
                continue
            self.serving[service] = name
            self.listen[service] = port
            self.ok("command", f"{name}: `zorgklas {' '.join(args)}` (src/cli.rs, ServiceName)")
        missing = [s for s in b.services if s not in self.serving]
        self.expect(not missing, "services", f"a compose service for each of {b.services} (split mode)",
                    f"no compose service runs --service {missing}")
        self.expect(self.migrate is not None, "migrate", f"migrations in `{self.migrate}`", "no service runs `zorgklas migrate`")

    # -- env ------------------------------------------------------------------------------------

    def env_names_and_values(self) -> None:
        b = self.b
        for name, svc in sorted(self.apps.items()):
            env = env_of(svc)
            ours = {n for n in env if n.startswith("ZK_") or n == "DATABASE_URL"}
            unknown = sorted(n for n in ours if n not in b.env_read)
            refused = sorted(n for n in ours if n in b.refused)
            others = sorted(set(env) - ours)
            self.expect(not unknown and not refused, "env names",
                        f"{name}: all {len(ours)} ZK_*/DATABASE_URL names are read by the binary"
                        + (f" (others: {', '.join(others)})" if others else ""),
                        f"{name}: " + "; ".join(([f"not read by the binary: {unknown}"] if unknown else [])
                                               + ([f"refused by the binary: {refused}"] if refused else [])))
            bad = typed_value_problems(b, env)
            self.expect(not bad, "env values", f"{name}: typed values parse as the binary parses them", f"{name}: " + "; ".join(bad))
            if name == self.migrate:
                need = {"DATABASE_URL": "migrations need the owner connection"}
            elif name in self.serving.values():
                args = as_list(svc.get("command"))
                need = {k: v for k, v in {**REQUIRED, **REQUIRED_HERE}.items()
                        if not (k == "ZK_LISTEN" and arg_value(args, "--listen"))}
            else:
                continue
            absent = [n for n in need if not env.get(n, "").strip()]
            self.expect(not absent, "env required", f"{name}: {len(need)} required settings set",
                        f"{name}: " + "; ".join(f"{n} missing ({need[n]})" for n in absent))

    def shared_values(self) -> None:
        for n in SHARED:
            values = {env_of(self.c.services[s]).get(n) for s in self.serving.values()}
            self.expect(len(values) <= 1, "env shared", f"{n} is the same in every service",
                        f"{n} differs between the services ({len(values)} values): every process of one deployment needs the same")

    def proxy_hops(self) -> None:
        if "gateway" not in self.serving:
            return
        gw = int(self.env("gateway").get("ZK_TRUSTED_PROXY_HOPS") or 0)
        front = 1 if self.c.by_image("caddy") else 0
        self.expect(gw == front, "proxy hops", f"gateway: ZK_TRUSTED_PROXY_HOPS={gw} (Caddy in front)",
                    f"gateway: ZK_TRUSTED_PROXY_HOPS={gw}, but {front} proxy sits in front of it")
        for svc in self.b.services:
            if svc == "gateway" or svc not in self.serving:
                continue
            hops = int(self.env(svc).get("ZK_TRUSTED_PROXY_HOPS") or 0)
            self.expect(hops == gw + 1, "proxy hops", f"{svc}: ZK_TRUSTED_PROXY_HOPS={hops} (the gateway's + 1)",
                        f"{svc}: ZK_TRUSTED_PROXY_HOPS={hops}, expected {gw + 1} (the proxies in front of the gateway, plus the gateway)")

    # -- wiring ---------------------------------------------------------------------------------

    def upstreams(self) -> None:
        if "gateway" not in self.serving:
            return
        env = self.env("gateway")
        for env_name, target in sorted(self.b.gateway_needs.items()):
            value = env.get(env_name, "").strip()
            if not value:
                self.fail("upstreams", f"gateway: {env_name} unset (src/lib.rs needs it in split mode)")
                continue
            for url in value.split(","):
                u = urlsplit(url.strip())
                reached = self.c.resolve(u.hostname or "")
                problems = []
                if u.scheme != "http":
                    problems.append(f"scheme {u.scheme!r} (the services speak plain http)")
                if reached is None:
                    problems.append(f"no compose service {u.hostname!r}")
                elif reached != self.serving.get(target):
                    problems.append(f"{u.hostname} is compose service {reached!r}, which does not run --service {target}")
                elif (u.port or 80) != self.listen.get(target):
                    problems.append(f"port {u.port or 80}, but {target} listens on {self.listen.get(target)}")
                self.expect(not problems, "upstreams", f"gateway {env_name}={url} reaches `--service {target}` on its listen port",
                            f"gateway {env_name}={url}: " + "; ".join(problems))

    def order(self) -> None:
        for name, svc in sorted(self.apps.items()):
            deps = depends_on(svc)
            if name == self.migrate:
                pg = self.c.by_image("postgres")
                self.expect(any(deps.get(p) == "service_healthy" for p in pg), "order", f"{name}: after PostgreSQL is healthy",
                            f"{name}: depends on {deps}, expected the postgres service with condition service_healthy")
                continue
            if name not in self.serving.values():
                continue
            need = [self.migrate] + self.one_shots()
            missing = [n for n in need if n and deps.get(n) != "service_completed_successfully"]
            self.expect(not missing, "order", f"{name}: after {', '.join(n for n in need if n)} completed",
                        f"{name}: does not wait for {missing} (condition service_completed_successfully)")

    def one_shots(self) -> list[str]:
        """What the services wait for besides the migration: the bucket init, and any other
        service that writes a volume they mount (Caddy's CA certificate)."""
        theirs = {src for n in self.serving.values() for src, _ in mounts_of(self.c.services[n])}
        writers = [n for n, svc in self.c.services.items() if n not in self.apps and not svc.get("ports")
                   and any(src in theirs and not is_read_only(svc, t) for src, t in mounts_of(svc))]
        return sorted(set(self.bucket_inits()) | set(writers))

    def bucket_inits(self) -> list[str]:
        return [n for n in self.c.services if any(l[:2] == ["mc", "mb"] for l in script_lines(self.c.services[n]))]

    def database(self) -> None:
        pg = self.c.by_image("postgres")
        if not self.expect(len(pg) == 1, "database", f"PostgreSQL in `{pg[0] if pg else ''}`", f"{len(pg)} postgres services"):
            return
        pg_env = env_of(self.c.services[pg[0]])
        init_sql = ""
        for src, target in mounts_of(self.c.services[pg[0]]):
            if target.startswith("/docker-entrypoint-initdb.d/") and pathlib.Path(src).is_file():
                init_sql += pathlib.Path(src).read_text()
        name = next(iter(self.serving.values()), self.migrate)
        if name is None:
            return
        env = env_of(self.c.services[name])
        for var, user_want, pw_want in (
            ("DATABASE_URL", pg_env.get("POSTGRES_USER", "postgres"), pg_env.get("POSTGRES_PASSWORD")),
            ("ZK_APP_DATABASE_URL", None, None),
        ):
            url = env.get(var)
            if not url:
                continue
            u = urlsplit(url)
            problems = []
            if self.c.resolve(u.hostname or "") != pg[0] or (u.port or 5432) != 5432:
                problems.append(f"{u.hostname}:{u.port or 5432} is not {pg[0]}:5432")
            if u.path.lstrip("/") != pg_env.get("POSTGRES_DB", pg_env.get("POSTGRES_USER", "postgres")):
                problems.append(f"database {u.path.lstrip('/')!r} is not POSTGRES_DB {pg_env.get('POSTGRES_DB')!r}")
            if user_want is not None and (u.username != user_want or u.password != pw_want):
                problems.append("user or password differ from POSTGRES_USER / POSTGRES_PASSWORD")
            if user_want is None:
                m = re.search(r"CREATE ROLE\s+(\w+)\s+LOGIN\s+PASSWORD\s+'([^']*)'", init_sql)
                if m and (u.username, u.password) != (m.group(1), m.group(2)):
                    problems.append(f"user or password differ from the role the init script makes ({m.group(1)})")
            self.expect(not problems, "database", f"{var} reaches {pg[0]} with its user and password",
                        f"{var}: " + "; ".join(problems))

    def s3(self) -> None:
        if not self.serving:
            return
        env = env_of(self.c.services[next(iter(self.serving.values()))])
        bucket, key, secret = env.get("ZK_S3_BUCKET"), env.get("ZK_S3_ACCESS_KEY"), env.get("ZK_S3_SECRET_KEY")
        inits = self.bucket_inits()
        if not self.expect(len(inits) == 1, "bucket", f"one-shot `{inits[0] if inits else ''}` makes the bucket",
                           f"{len(inits)} services run `mc mb`: one one-shot must make the bucket before the services start"):
            return
        init = self.c.services[inits[0]]
        lines = script_lines(init)
        made = [l[-1].split("/", 1)[1] if "/" in l[-1] else l[-1] for l in lines if l[:2] == ["mc", "mb"]]
        self.expect(bucket in made, "bucket", f"`{inits[0]}` makes the bucket {bucket!r} = ZK_S3_BUCKET",
                    f"`{inits[0]}` makes {made}, the services use ZK_S3_BUCKET={bucket!r}")
        # The S3 server the init talks to, and its root credentials.
        alias = next((l for l in lines if l[:3] == ["mc", "alias", "set"] and len(l) >= 7), None)
        server = self.c.resolve(urlsplit(alias[4]).hostname or "") if alias else None
        server_env = env_of(self.c.services[server]) if server else {}
        users = {(l[5], l[6]) for l in lines if l[:4] == ["mc", "admin", "user", "add"] and len(l) >= 7}
        root = (server_env.get("MINIO_ROOT_USER"), server_env.get("MINIO_ROOT_PASSWORD"))
        self.expect(alias is not None and server is not None and (alias[5], alias[6]) == root, "bucket",
                    f"`{inits[0]}` logs in to `{server}` with its root credentials",
                    f"`{inits[0]}`: `mc alias set` {alias[3:5] if alias else 'missing'} is not a compose S3 server with its MINIO_ROOT_USER/PASSWORD")
        self.expect((key, secret) in users or (key, secret) == root, "s3 key",
                    f"ZK_S3_ACCESS_KEY {key!r} is a user `{inits[0]}` makes (with ZK_S3_SECRET_KEY)",
                    f"ZK_S3_ACCESS_KEY {key!r} / ZK_S3_SECRET_KEY are neither a user `{inits[0]}` makes nor the root credentials")
        # The endpoint: from inside (the services) and from the browser (presigned URLs).
        endpoint = env.get("ZK_S3_ENDPOINT", "")
        u = urlsplit(endpoint)
        port = u.port or (443 if u.scheme == "https" else 80)
        reached = self.c.resolve(u.hostname or "")
        api_port = MINIO_API_DEFAULT
        if reached is None:
            self.fail("s3 endpoint", f"ZK_S3_ENDPOINT={endpoint}: {u.hostname} is no compose service or network alias")
            return
        if reached == server:
            self.expect(u.scheme == "http" and port == api_port, "s3 endpoint", f"ZK_S3_ENDPOINT={endpoint} is {server}'s API",
                        f"ZK_S3_ENDPOINT={endpoint}: {server} serves plain http on {api_port}")
        elif image_repo(str(self.c.services[reached].get("image", ""))) == "caddy" and self.caddyfile:
            site = site_for(caddy_sites(self.caddyfile.read_text()), u.hostname or "", port)
            targets = proxy_targets(site[1]) if site else []
            ok = any(self.c.resolve(t.split(":")[0]) == server and int(t.split(":")[1] if ":" in t else 80) == api_port for t in targets)
            self.expect(site is not None and ok, "s3 endpoint",
                        f"ZK_S3_ENDPOINT={endpoint}: Caddy's site {site[0] if site else ''} proxies to {server}:{api_port}",
                        f"ZK_S3_ENDPOINT={endpoint}: Caddy's site for {u.hostname}:{port} is {site[0] if site else 'missing'}, "
                        f"proxying to {targets or 'nothing'}, not {server}:{api_port}")
            if site and "tls internal" in site[1]:
                trusted = [p for n in ("SSL_CERT_DIR", "SSL_CERT_FILE") for p in env.get(n, "").split(":") if p]
                unmounted = [n for n in self.serving.values()
                             if not any(p == t or p.startswith(t.rstrip("/") + "/")
                                        for p in trusted for _, t in mounts_of(self.c.services[n]))]
                self.expect(bool(trusted) and not unmounted, "s3 tls",
                            f"the services trust Caddy's local CA (SSL_CERT_DIR/SSL_CERT_FILE {trusted}, a volume in each)",
                            f"Caddy signs {u.hostname} with its local CA, but SSL_CERT_DIR/SSL_CERT_FILE is {trusted or 'unset'} "
                            f"and no volume of {unmounted or 'the services'} holds it: the S3 requests would fail TLS")
        else:
            self.fail("s3 endpoint", f"ZK_S3_ENDPOINT={endpoint}: {u.hostname} is `{reached}`, neither the S3 server nor Caddy")
        published = [pub for pub, target in ports_of(self.c.services[reached]) if target == port]
        browser_host = (u.hostname or "") == "localhost" or (u.hostname or "").endswith(".localhost")
        self.expect(published == [port] and browser_host, "s3 presigned",
                    f"presigned URLs ({u.scheme}://{u.hostname}:{port}) reach `{reached}` from the host too (published {port}, *.localhost)",
                    f"presigned URLs point at {u.hostname}:{port}: browsers reach it only if that port is published as itself "
                    f"(published: {published}) and the name resolves to this machine (*.localhost)")

    def smtp(self) -> None:
        if not self.serving:
            return
        url = env_of(self.c.services[next(iter(self.serving.values()))]).get("ZK_SMTP_URL", "")
        u = urlsplit(url)
        mailpit = self.c.by_image("mailpit")
        if not self.expect(len(mailpit) == 1, "smtp", f"Mailpit in `{mailpit[0] if mailpit else ''}`", f"{len(mailpit)} mailpit services"):
            return
        mp_env = env_of(self.c.services[mailpit[0]])
        bind = mp_env.get("MP_SMTP_BIND_ADDR", "")
        smtp_port = int(bind.rsplit(":", 1)[1]) if ":" in bind else MAILPIT_SMTP_DEFAULT
        # mail.rs: `smtp://host[:port]`, port 25 when none is given.
        got = u.port or 25
        self.expect(u.scheme == "smtp" and self.c.resolve(u.hostname or "") == mailpit[0] and got == smtp_port, "smtp",
                    f"ZK_SMTP_URL={url} is {mailpit[0]}'s SMTP port {smtp_port}",
                    f"ZK_SMTP_URL={url!r}: expected smtp://{mailpit[0]}:{smtp_port} (mail.rs reads smtp://host[:port], port 25 by default)")
        ui = [pub for pub, target in ports_of(self.c.services[mailpit[0]]) if target == 8025]
        self.expect(bool(ui), "smtp", f"Mailpit's web UI published on {ui[0] if ui else ''}", "Mailpit's web UI (8025) is not published")

    def caddy(self) -> None:
        caddies = [n for n in self.c.by_image("caddy") if any(t == "/etc/caddy/Caddyfile" for _, t in mounts_of(self.c.services[n]))]
        if not self.expect(len(caddies) == 1 and self.caddyfile is not None, "caddy", f"Caddy in `{caddies[0] if caddies else ''}` with {self.caddyfile}",
                           f"{len(caddies)} caddy services mount /etc/caddy/Caddyfile"):
            return
        name = caddies[0]
        gw_env = self.env("gateway") if "gateway" in self.serving else {}
        base = (gw_env.get("ZK_BASE_DOMAIN") or "localhost").lower()
        pkg = (gw_env.get("ZK_PACKAGE_DOMAIN") or f"pakket.{base}").lower()
        sites = caddy_sites(self.caddyfile.read_text())
        published = ports_of(self.c.services[name])
        public_port = gw_env.get("ZK_PUBLIC_PORT")
        for host in (base, f"x.{base}", f"x.{pkg}"):
            label = host.replace("x.", "*.", 1)
            ports = {p for p in (site_host_port(a)[1] for s in sites for a in s[0]) if p}
            site = next((site_for(sites, host, p) for p in sorted(ports) if site_for(sites, host, p)), None)
            if site is None:
                self.fail("caddy", f"no site for {label} in {self.caddyfile}")
                continue
            port = next(site_host_port(a)[1] for a in site[0] if host_matches(site_host_port(a)[0], host) or site_host_port(a)[0] == host)
            targets = proxy_targets(site[1])
            gw_port = self.listen.get("gateway")
            ok = bool(targets) and all(self.c.resolve(t.split(":")[0]) == self.serving.get("gateway")
                                       and int(t.split(":")[1] if ":" in t else 80) == gw_port for t in targets)
            self.expect(ok, "caddy", f"{label}:{port} reverse_proxy {' '.join(targets)} = the gateway's listen port {gw_port}",
                        f"{label}:{port} reverse_proxy {targets or 'nothing'}, the gateway listens on {self.serving.get('gateway')}:{gw_port}")
            pub = [p for p, t in published if t == port]
            self.expect(pub == [port] and str(port) == str(public_port) and gw_env.get("ZK_PUBLIC_SCHEME") == "https"
                        and "tls" in site[1], "public URL",
                        f"{label}: https on {port}, published as {port} = ZK_PUBLIC_PORT",
                        f"{label}: Caddy serves port {port} (tls: {'tls' in site[1]}), published as {pub}; links say "
                        f"{gw_env.get('ZK_PUBLIC_SCHEME')}://…:{public_port} (ZK_PUBLIC_SCHEME, ZK_PUBLIC_PORT)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rendered", help="output of `docker compose -f docker-compose.yml config`")
    ap.add_argument("--caddyfile", default=str(ROOT / "infra/Caddyfile"))
    args = ap.parse_args()
    b = Binary()
    c = Compose(args.rendered)
    rep = Report()
    checks = Checks(rep, c, b, pathlib.Path(args.caddyfile) if args.caddyfile else None)
    print(f"From the source: {len(b.env_read)} env vars read, subcommands {b.subcommands}, services {b.services}, "
          f"gateway upstreams {sorted(b.gateway_needs)}, entrypoint {b.entrypoint}")
    checks.images()
    checks.commands()
    checks.env_names_and_values()
    checks.shared_values()
    checks.proxy_hops()
    checks.upstreams()
    checks.order()
    checks.database()
    checks.s3()
    checks.smtp()
    checks.caddy()
    print(f"docker-compose.yml: {rep.passes} checks passed, {rep.failures} failed")
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main())
