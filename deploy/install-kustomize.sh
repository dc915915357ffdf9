#!/bin/sh
# Make `kubectl kustomize` (or a standalone kustomize) available for rendering deploy/k8s offline.
# Idempotent: nothing to do when kubectl or var/bin/kustomize is there. Otherwise apt's kubectl
# where a Kubernetes apt repository is configured, else kustomize built from its Go module.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
KUSTOMIZE=${KUSTOMIZE_VERSION:-v5.5.0}
if command -v kubectl >/dev/null 2>&1; then
    echo "kustomize: kubectl $(kubectl version --client 2>/dev/null | head -1)"; exit 0
fi
if [ -x "$root/var/bin/kustomize" ]; then
    echo "kustomize: $root/var/bin/kustomize"; exit 0
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if apt-cache policy kubectl 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends kubectl
    exit 0
fi
command -v go >/dev/null 2>&1 || { echo "kustomize: need kubectl or Go to build kustomize" >&2; exit 1; }
mkdir -p "$root/var/bin"
GOBIN="$root/var/bin" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE"
echo "kustomize: built $root/var/bin/kustomize ($KUSTOMIZE)"
