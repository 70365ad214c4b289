"""The tests' own LTI 1.3 platform: a small LMS for the tool to talk to, as a real process.

    .venv-peers/bin/python tests/peers/lti_platform.py PORT

Only the standard library's HTTP server and jwcrypto. Everything lives in memory and is
recorded for the tests to read back (GET /_recorded); nothing is printed. The issuer is
http://127.0.0.1:PORT. At start it makes two RSA-2048 keys, both with kid "platform-1": the
first is published in /jwks and signs id_tokens, the second ("other key") is never published
(a token it signs must fail the signature check).

LTI endpoints:
  GET  /jwks                                the platform's public JWKS
  GET  /.well-known/openid-configuration    OpenID configuration (LTI Dynamic Registration 1.0)
  GET  /auth                                the authorisation endpoint (the test plays it, see below)
  POST /register                            Dynamic Registration (Bearer registration token)
  POST /token                               client credentials with a JWT client assertion
  GET/POST /lineitems/<context>             AGS line items of a context
  GET  /lineitems/<context>/<n>             one line item
  GET  /lineitems/<context>/<n>/results     its results (the latest score per user)
  POST /lineitems/<context>/<n>/scores      a score
  GET  /memberships/<context>[?page=N]      NRPS memberships, paged with Link rel="next"

Test control (no part of LTI):
  POST /_config    JSON merged into the configuration: registration_token ("reg-token-1"),
                   tool_jwks_url (the tool's JWKS for client ids registered by hand),
                   client_ids (the client ids registered by hand; unset: any client id that
                   did not register dynamically counts as registered by hand once
                   tool_jwks_url is set), members, page_size (2), fail_scores (0),
                   context_title ("Zorg basis"), lineitems ({context: [line item]}: line
                   items made as if a tool had posted them, numbered on from the context's
                   last; not recorded in "lineitems" of /_recorded)
  POST /_sign      {"claims", "variant": rs256|none|hs256_public|other_key|unknown_kid, "kid"?}
                   -> {"id_token"}
  POST /_verify    {"jwt", "jwks_url"} -> {"valid", "header", "claims", "error"} (the signature
                   only, RS256 only; the test checks the claims it cares about)
  GET  /_recorded  everything received: registrations, token_requests, lineitems, scores,
                   failed_scores, membership_requests, jwks_fetches

GET /auth is no real authorisation endpoint (there is no platform login here): it answers 200
with the query it was given, so a test can see what the tool sent; the test signs the id_token
itself through /_sign and posts it to the tool as the browser would.

URLs of hosts under .localhost (the tool's members, e.g. http://zorg-a.localhost:PORT/lti/jwks)
are fetched from 127.0.0.1 with the name in the Host header (RFC 6761: .localhost is loopback).
"""

import base64
import copy
import hashlib
import hmac
import http.client
import json
import re
import secrets
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from jwcrypto import jwk, jwt

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 0
ISSUER = f"http://127.0.0.1:{PORT}"
TOKEN_URL = f"{ISSUER}/token"
KID = "platform-1"
LEEWAY = 60

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCOPE_LINEITEM = AGS + "lineitem"
SCOPE_LINEITEM_READ = AGS + "lineitem.readonly"
SCOPE_RESULT_READ = AGS + "result.readonly"
SCOPE_SCORE = AGS + "score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SERVICE_SCOPES = [SCOPE_LINEITEM, SCOPE_LINEITEM_READ, SCOPE_RESULT_READ, SCOPE_SCORE, SCOPE_NRPS]
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"

LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULTS_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


def new_key():
    return jwk.JWK.generate(kty="RSA", size=2048, kid=KID, use="sig", alg="RS256")


KEY = new_key()
OTHER_KEY = new_key()  # the same kid, never published

LOCK = threading.Lock()
CONFIG = {
    "registration_token": "reg-token-1",
    "tool_jwks_url": None,
    "client_ids": None,
    "members": [],
    "page_size": 2,
    "fail_scores": 0,
    "context_title": "Zorg basis",
}
# client id -> {"jwks_uri", "scope": [..] or None}
CLIENTS = {}
# access token -> {"client_id", "scopes", "expires"}
TOKENS = {}
SEEN_JTI = set()
# context -> [line item]
LINEITEMS = {}
RECORDED = {
    "registrations": [],
    "token_requests": [],
    "lineitems": [],
    "scores": [],
    "failed_scores": [],
    "membership_requests": [],
    "jwks_fetches": 0,
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(value) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def unverified(token: str):
    """The header and claims of a compact JWS, unchecked ({} for what does not decode)."""
    parts = (token or "").split(".")

    def part(i):
        try:
            raw = parts[i] + "=" * (-len(parts[i]) % 4)
            value = json.loads(base64.urlsafe_b64decode(raw))
            return value if isinstance(value, dict) else {}
        except Exception:  # noqa: BLE001 - anything unreadable is just empty
            return {}

    return part(0), part(1)


def fetch(url: str, timeout=10):
    """GET `url` (hosts under .localhost from 127.0.0.1): (status, text)."""
    u = urllib.parse.urlsplit(url)
    host = u.hostname or ""
    connect_to = "127.0.0.1" if host == "localhost" or host.endswith(".localhost") else host
    port = u.port or (443 if u.scheme == "https" else 80)
    cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
    conn = cls(connect_to, port, timeout=timeout)
    try:
        path = (u.path or "/") + (f"?{u.query}" if u.query else "")
        conn.request("GET", path, headers={"Host": u.netloc, "Accept": "application/json"})
        res = conn.getresponse()
        return res.status, res.read().decode("utf-8", "replace")
    finally:
        conn.close()


def fetch_jwks(url: str):
    status, body = fetch(url)
    if status != 200:
        raise ValueError(f"JWKS at {url}: status {status}")
    return jwk.JWKSet.from_json(body)


def verify_rs256(token: str, keyset):
    """The claims of an RS256 token whose signature checks against a key of `keyset`, chosen by
    its kid (every key when it names none). Raises ValueError with the reason."""
    header, _ = unverified(token)
    if header.get("alg") != "RS256":
        raise ValueError(f"alg {header.get('alg')!r} is not RS256")
    kid = header.get("kid")
    keys = [k for k in keyset["keys"] if kid is None or k.get("kid") == kid]
    if not keys:
        raise ValueError(f"no key with kid {kid!r}")
    for key in keys:
        try:
            t = jwt.JWT(jwt=token, key=key, algs=["RS256"], check_claims=False)
            claims = json.loads(t.claims)
            if not isinstance(claims, dict):
                raise ValueError("claims are no object")
            return claims
        except ValueError:
            raise
        except Exception:  # noqa: BLE001 - try the next key
            continue
    raise ValueError("bad signature")


def sign(claims, variant, kid=None):
    if variant == "rs256":
        return sign_rs256(claims, KEY, kid or KID)
    if variant == "other_key":
        return sign_rs256(claims, OTHER_KEY, kid or KID)
    if variant == "unknown_kid":
        return sign_rs256(claims, KEY, kid or "nobody-knows")
    if variant == "none":
        header = {"alg": "none", "typ": "JWT"}
        if kid:
            header["kid"] = kid
        return f"{b64json(header)}.{b64json(claims)}."
    if variant == "hs256_public":
        # The key-confusion attack: the published public key's PEM as the HMAC secret.
        header = {"alg": "HS256", "typ": "JWT", "kid": kid or KID}
        signing_input = f"{b64json(header)}.{b64json(claims)}"
        secret = KEY.export_to_pem(private_key=False)
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64url(mac)}"
    raise ValueError(f"unknown variant {variant!r}")


def sign_rs256(claims, key, kid):
    t = jwt.JWT(header={"alg": "RS256", "typ": "JWT", "kid": kid}, claims=claims)
    t.make_signed_token(key)
    return t.serialize()


def openid_configuration():
    return {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}/auth",
        "token_endpoint": TOKEN_URL,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "jwks_uri": f"{ISSUER}/jwks",
        "registration_endpoint": f"{ISSUER}/register",
        "scopes_supported": ["openid", *SERVICE_SCOPES],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": [
            "iss", "aud", "sub", "iat", "exp", "nonce",
            "name", "given_name", "family_name", "email",
        ],
        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
            "product_family_code": "zk-test-platform",
            "version": "1",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest"},
                {"type": "LtiDeepLinkingRequest"},
            ],
        },
    }


class Refusal(Exception):
    def __init__(self, status, error, description, headers=None):
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}
        self.headers = headers or {}


class Handler(BaseHTTPRequestHandler):
    server_version = "zk-test-platform/1"

    def log_message(self, *args):  # nothing on requests
        pass

    # --- plumbing -------------------------------------------------------------------------

    def reply(self, status, body=None, content_type="application/json", headers=None):
        data = b""
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def json_body(self):
        try:
            value = json.loads(self.body() or b"null")
        except ValueError:
            raise Refusal(400, "invalid_request", "the body is no JSON")
        if not isinstance(value, dict):
            raise Refusal(400, "invalid_request", "the body is no JSON object")
        return value

    def bearer(self):
        auth = self.headers.get("Authorization") or ""
        return auth[7:].strip() if auth[:7].lower() == "bearer " else None

    def client_for(self, *scopes):
        """The client id of a valid access token with one of `scopes`, else a 401 refusal."""
        token = self.bearer()
        with LOCK:
            grant = TOKENS.get(token) if token else None
        challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        if grant is None:
            raise Refusal(401, "invalid_token", "no valid access token", challenge)
        if grant["expires"] < time.time():
            raise Refusal(401, "invalid_token", "the access token expired", challenge)
        if not any(s in grant["scopes"] for s in scopes):
            raise Refusal(401, "insufficient_scope", f"needs one of {list(scopes)}", challenge)
        return grant["client_id"]

    def dispatch(self, method):
        try:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            path = url.path.rstrip("/") or "/"
            for pattern, m, handler in ROUTES:
                match = re.fullmatch(pattern, path)
                if match and m == method:
                    return handler(self, query, *match.groups())
            if any(re.fullmatch(p, path) for p, _, _ in ROUTES):
                return self.reply(405, {"error": "method_not_allowed"})
            return self.reply(404, {"error": "not_found", "error_description": path})
        except Refusal as r:
            return self.reply(r.status, r.body, headers=r.headers)
        except Exception as e:  # noqa: BLE001 - the test sees what went wrong
            return self.reply(
                500, {"error": "server_error", "error_description": repr(e),
                      "trace": traceback.format_exc()}
            )

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    # --- LTI ------------------------------------------------------------------------------

    def jwks(self, _q):
        with LOCK:
            RECORDED["jwks_fetches"] += 1
        self.reply(200, {"keys": [KEY.export_public(as_dict=True)]})

    def openid(self, _q):
        self.reply(200, openid_configuration())

    def auth(self, q):
        self.reply(200, {"query": q})

    def register(self, _q):
        with LOCK:
            expected = CONFIG["registration_token"]
        given = (self.bearer() or "").encode()
        if not expected or not hmac.compare_digest(given, str(expected).encode()):
            raise Refusal(401, "invalid_token", "a wrong or missing registration token")
        tool = self.json_body()
        for field in ("client_name", "jwks_uri", "initiate_login_uri", "redirect_uris"):
            if not tool.get(field):
                raise Refusal(400, "invalid_client_metadata", f"{field} is missing")
        with LOCK:
            n = len(RECORDED["registrations"]) + 1
            client_id, deployment_id = f"client-{n}", f"deploy-{n}"
            answer = copy.deepcopy(tool)
            answer["client_id"] = client_id
            conf = dict(answer.get(TOOL_CONFIGURATION) or {})
            conf["deployment_id"] = deployment_id
            answer[TOOL_CONFIGURATION] = conf
            scope = tool.get("scope")
            CLIENTS[client_id] = {
                "jwks_uri": tool["jwks_uri"],
                "scope": scope.split() if isinstance(scope, str) else None,
            }
            RECORDED["registrations"].append(
                {"client_id": client_id, "deployment_id": deployment_id, "request": tool,
                 "registration_token": self.bearer()}
            )
        self.reply(200, answer)

    def token(self, _q):
        form = dict(urllib.parse.parse_qsl(self.body().decode("utf-8", "replace")))
        assertion = form.get("client_assertion", "")
        header, claims = unverified(assertion)
        record = {
            "client_id": claims.get("sub"),
            "scopes": (form.get("scope") or "").split(),
            "grant_type": form.get("grant_type"),
            "assertion_header": header,
            "assertion_claims": claims,
        }
        try:
            answer = self.grant(form, assertion, header, claims)
        except Refusal as r:
            record.update(accepted=False, status=r.status, reason=r.body["error_description"])
            with LOCK:
                RECORDED["token_requests"].append(record)
            raise
        record.update(accepted=True, status=200, granted=answer["scope"].split())
        with LOCK:
            RECORDED["token_requests"].append(record)
        self.reply(200, answer)

    def grant(self, form, assertion, header, claims):
        if form.get("grant_type") != "client_credentials":
            raise Refusal(400, "unsupported_grant_type", f"grant_type {form.get('grant_type')!r}")
        if form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            raise Refusal(400, "invalid_request", "client_assertion_type is not jwt-bearer")
        if not assertion:
            raise Refusal(400, "invalid_request", "no client_assertion")
        if header.get("alg") != "RS256":
            raise Refusal(401, "invalid_client", f"alg {header.get('alg')!r} is not RS256")
        client_id = claims.get("sub")
        if not isinstance(client_id, str) or claims.get("iss") != client_id:
            raise Refusal(401, "invalid_client", "iss and sub must both be the client id")
        with LOCK:
            client = CLIENTS.get(client_id)
            by_hand = CONFIG["client_ids"]
            hand_jwks = CONFIG["tool_jwks_url"]
        if client is None:
            if hand_jwks and (by_hand is None or client_id in by_hand):
                client = {"jwks_uri": hand_jwks, "scope": None}
            else:
                raise Refusal(401, "invalid_client", f"unknown client {client_id!r}")
        try:
            keyset = fetch_jwks(client["jwks_uri"])
        except Exception as e:  # noqa: BLE001
            raise Refusal(401, "invalid_client", f"the tool's JWKS: {e}")
        try:
            verify_rs256(assertion, keyset)
        except ValueError as e:
            raise Refusal(401, "invalid_client", str(e))
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if TOKEN_URL not in audiences:
            raise Refusal(401, "invalid_client", f"aud {aud!r} is not {TOKEN_URL}")
        now = time.time()
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, (int, float)) or exp <= now:
            raise Refusal(401, "invalid_client", "exp is missing or past")
        if not isinstance(iat, (int, float)) or iat > now + LEEWAY:
            raise Refusal(401, "invalid_client", "iat is missing or in the future")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise Refusal(401, "invalid_client", "no jti")
        with LOCK:
            if (client_id, jti) in SEEN_JTI:
                raise Refusal(401, "invalid_client", "jti used before")
            SEEN_JTI.add((client_id, jti))
        allowed = [s for s in SERVICE_SCOPES if client["scope"] is None or s in client["scope"]]
        scopes = [s for s in (form.get("scope") or "").split() if s in allowed]
        if not scopes:
            raise Refusal(400, "invalid_scope", f"none of {form.get('scope')!r} is granted")
        token = secrets.token_urlsafe(24)
        with LOCK:
            TOKENS[token] = {"client_id": client_id, "scopes": scopes, "expires": now + 3600}
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": " ".join(scopes),
        }

    # AGS

    def lineitems_list(self, q, context):
        self.client_for(SCOPE_LINEITEM, SCOPE_LINEITEM_READ)
        with LOCK:
            items = [dict(i) for i in LINEITEMS.get(context, [])]
        for param, field in (("resource_link_id", "resourceLinkId"),
                             ("resource_id", "resourceId"), ("tag", "tag")):
            if param in q:
                items = [i for i in items if i.get(field) == q[param]]
        self.reply(200, items, LINEITEMS_TYPE)

    def lineitems_create(self, _q, context):
        client_id = self.client_for(SCOPE_LINEITEM)
        item = self.json_body()
        maximum = item.get("scoreMaximum")
        if not isinstance(maximum, (int, float)) or maximum <= 0 or not item.get("label"):
            raise Refusal(400, "invalid_request", "a line item needs scoreMaximum > 0 and label")
        with LOCK:
            items = LINEITEMS.setdefault(context, [])
            item = {k: v for k, v in item.items() if k != "id"}
            item["id"] = f"{ISSUER}/lineitems/{context}/{len(items) + 1}"
            items.append(item)
            RECORDED["lineitems"].append(
                {"context": context, "client_id": client_id,
                 "content_type": self.headers.get("Content-Type"), "lineitem": dict(item)}
            )
        self.reply(201, item, LINEITEM_TYPE)

    def lineitem(self, context, n):
        with LOCK:
            items = LINEITEMS.get(context, [])
            i = int(n) - 1
            item = dict(items[i]) if 0 <= i < len(items) else None
        if item is None:
            raise Refusal(404, "not_found", f"no line item {n} in {context}")
        return item

    def lineitem_get(self, _q, context, n):
        self.client_for(SCOPE_LINEITEM, SCOPE_LINEITEM_READ)
        self.reply(200, self.lineitem(context, n), LINEITEM_TYPE)

    def results(self, _q, context, n):
        self.client_for(SCOPE_RESULT_READ)
        item = self.lineitem(context, n)
        with LOCK:
            scores = [s["score"] for s in RECORDED["scores"] if s["lineitem"] == item["id"]]
        latest = {}
        for s in scores:
            latest[s.get("userId")] = s
        results = [
            {"id": f"{item['id']}/results/{uid}", "scoreOf": item["id"], "userId": uid,
             "resultScore": s.get("scoreGiven"), "resultMaximum": s.get("scoreMaximum"),
             "comment": s.get("comment")}
            for uid, s in latest.items()
        ]
        self.reply(200, results, RESULTS_TYPE)

    def score(self, _q, context, n):
        lineitem_url = f"{ISSUER}/lineitems/{context}/{n}"
        record = {"lineitem": lineitem_url, "content_type": self.headers.get("Content-Type")}
        raw = self.body()
        try:
            record["score"] = json.loads(raw or b"null")
        except ValueError:
            record["score"] = raw.decode("utf-8", "replace")
        try:
            record["client_id"] = self.client_for(SCOPE_SCORE)
            self.lineitem(context, n)
            score = record["score"]
            if not isinstance(score, dict) or any(
                f not in score for f in ("userId", "activityProgress", "gradingProgress",
                                         "timestamp")
            ):
                raise Refusal(400, "invalid_request",
                              "a score needs userId, activityProgress, gradingProgress, timestamp")
            with LOCK:
                fail = CONFIG["fail_scores"] > 0
                if fail:
                    CONFIG["fail_scores"] -= 1
            if fail:
                raise Refusal(500, "server_error", "fail_scores: this one fails")
        except Refusal as r:
            record.update(status=r.status, reason=r.body["error_description"])
            with LOCK:
                RECORDED["failed_scores"].append(record)
            raise
        record["status"] = 204
        with LOCK:
            RECORDED["scores"].append(record)
        self.reply(204)

    # NRPS

    def memberships(self, q, context):
        record = {"context": context, "query": q, "accept": self.headers.get("Accept")}
        try:
            record["client_id"] = self.client_for(SCOPE_NRPS)
        except Refusal as r:
            record.update(status=r.status)
            with LOCK:
                RECORDED["membership_requests"].append(record)
            raise
        with LOCK:
            members = [dict(m) for m in CONFIG["members"]]
            size = int(CONFIG["page_size"]) or 2
            title = CONFIG["context_title"]
        for m in members:
            m.setdefault("status", "Active")
            m.setdefault("roles", [])
        if "role" in q:
            role = q["role"]
            members = [m for m in members
                       if any(r == role or r.rsplit("#", 1)[-1] == role for r in m["roles"])]
        if q.get("limit", "").isdigit() and int(q["limit"]) > 0:
            size = int(q["limit"])
        page = int(q["page"]) if q.get("page", "").isdigit() and int(q["page"]) > 0 else 1
        base = f"{ISSUER}/memberships/{context}"
        this_url = base + (f"?{urllib.parse.urlencode(q)}" if q else "")
        chunk = members[(page - 1) * size: page * size]
        headers = {}
        if page * size < len(members):
            nq = {k: v for k, v in q.items() if k != "page"}
            nq = {"page": str(page + 1), **nq}
            headers["Link"] = f'<{base}?{urllib.parse.urlencode(nq)}>; rel="next"'
        record.update(status=200, page=page, members=len(chunk))
        with LOCK:
            RECORDED["membership_requests"].append(record)
        body = {"id": this_url, "context": {"id": context, "title": title}, "members": chunk}
        self.reply(200, body, MEMBERSHIPS_TYPE, headers)

    # --- test control ---------------------------------------------------------------------

    def config(self, _q):
        changes = self.json_body()
        seed = changes.pop("lineitems", None) or {}
        with LOCK:
            CONFIG.update(changes)
            for context, items in seed.items():
                have = LINEITEMS.setdefault(context, [])
                for item in items:
                    item = {k: v for k, v in item.items() if k != "id"}
                    item["id"] = f"{ISSUER}/lineitems/{context}/{len(have) + 1}"
                    have.append(item)
            current = copy.deepcopy(CONFIG)
            current["lineitems"] = copy.deepcopy(LINEITEMS)
        self.reply(200, current)

    def sign_route(self, _q):
        req = self.json_body()
        claims = req.get("claims")
        if not isinstance(claims, dict):
            raise Refusal(400, "invalid_request", "claims must be an object")
        try:
            token = sign(claims, req.get("variant") or "rs256", req.get("kid"))
        except ValueError as e:
            raise Refusal(400, "invalid_request", str(e))
        self.reply(200, {"id_token": token})

    def verify_route(self, _q):
        req = self.json_body()
        token = req.get("jwt") or ""
        header, claims = unverified(token)
        answer = {"valid": False, "header": header, "claims": claims, "error": None}
        try:
            answer["claims"] = verify_rs256(token, fetch_jwks(req.get("jwks_url") or ""))
            answer["valid"] = True
        except Exception as e:  # noqa: BLE001
            answer["error"] = str(e)
        self.reply(200, answer)

    def recorded(self, _q):
        with LOCK:
            snapshot = copy.deepcopy(RECORDED)
        self.reply(200, snapshot)


CTX = r"([^/]+)"
ROUTES = [
    (r"/jwks", "GET", Handler.jwks),
    (r"/\.well-known/openid-configuration", "GET", Handler.openid),
    (r"/auth", "GET", Handler.auth),
    (r"/register", "POST", Handler.register),
    (r"/token", "POST", Handler.token),
    (rf"/lineitems/{CTX}", "GET", Handler.lineitems_list),
    (rf"/lineitems/{CTX}", "POST", Handler.lineitems_create),
    (rf"/lineitems/{CTX}/(\d+)", "GET", Handler.lineitem_get),
    (rf"/lineitems/{CTX}/(\d+)/results", "GET", Handler.results),
    (rf"/lineitems/{CTX}/(\d+)/scores", "POST", Handler.score),
    (rf"/memberships/{CTX}", "GET", Handler.memberships),
    (r"/_config", "POST", Handler.config),
    (r"/_sign", "POST", Handler.sign_route),
    (r"/_verify", "POST", Handler.verify_route),
    (r"/_recorded", "GET", Handler.recorded),
]


def main():
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
