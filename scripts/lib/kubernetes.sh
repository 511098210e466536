# shellcheck shell=bash
# The Kubernetes manifests' checkers: kubectl (apt), whose `kubectl kustomize` builds
# deploy/kubernetes, and kubernetes-validate from PyPI in a virtualenv under .build-tools/
# (ignored by git), which bundles the API schemas and validates the built kinds strictly.
# Sourced by common.sh; uses ROOT and say from there.

KUBERNETES_VALIDATE_VERSION="1.37.0"

ensure_kubernetes_tools() {
    if ! command -v kubectl >/dev/null; then
        say "installing kubectl (the Kubernetes manifests' tests)"
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends kubectl >/dev/null
    fi
    KUBERNETES_VALIDATE_VENV="$ROOT/.build-tools/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"
    if [ ! -x "$KUBERNETES_VALIDATE_VENV/bin/kubernetes-validate" ]; then
        say "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION into $KUBERNETES_VALIDATE_VENV"
        rm -rf "$KUBERNETES_VALIDATE_VENV"
        python3 -m venv "$KUBERNETES_VALIDATE_VENV"
        "$KUBERNETES_VALIDATE_VENV/bin/pip" install -q --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
    fi
}
