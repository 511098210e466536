#!/usr/bin/env bash
# The servers the tests need beside those they start in-process: a private PostgreSQL, an
# S3-compatible store (moto_server, SigV4 checked) and the image servers over HTTP and HTTPS.
#
#   scripts/lib/test-services.sh start DIR   # starts them; writes DIR/env (KEY=VALUE lines)
#   scripts/lib/test-services.sh stop DIR    # stops what start started
#
# The test process runs `start` itself, once per run, when its environment does not name
# the servers already (plain `swift test`), and `stop` when it exits; scripts/test runs both
# around the suite. Logs go to DIR/logs, or to OKAYFACE_TEST_LOG_DIR when set.
set -euo pipefail
# runuser and friends live in sbin, which a non-login PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
source "$(dirname "$0")/common.sh"

command="${1:?usage: test-services.sh start|stop DIR}"
RUN_DIR="${2:?usage: test-services.sh start|stop DIR}"

case "$command" in
start)
    mkdir -p "$RUN_DIR"
    chmod 755 "$RUN_DIR"
    if [ -n "${OKAYFACE_TEST_LOG_DIR:-}" ]; then
        mkdir -p "$OKAYFACE_TEST_LOG_DIR"
        ln -sfn "$OKAYFACE_TEST_LOG_DIR" "$RUN_DIR/logs"
    else
        mkdir -p "$RUN_DIR/logs"
    fi
    pg_ensure_installed
    pg_start "$RUN_DIR/pg" >&2
    start_s3
    start_image_servers
    ensure_browser
    ensure_kubernetes_tools
    printf '%s\n' "${STARTED_PIDS[@]}" >"$RUN_DIR/pids"
    {
        echo "DATABASE_URL=$DATABASE_URL"
        for name in OKAYFACE_TEST_S3_ENDPOINT OKAYFACE_TEST_S3_KEY_ID_FILE OKAYFACE_TEST_S3_SECRET_FILE \
            OKAYFACE_TEST_CA_FILE OKAYFACE_TEST_IMAGE_ROOT OKAYFACE_TEST_HTTP_IMAGES OKAYFACE_TEST_HTTPS_IMAGES; do
            echo "$name=${!name}"
        done
        # The moto virtualenv also holds jsonschema and PyYAML, for the contract checks.
        echo "OKAYFACE_TEST_PYTHON=$MOTO_VENV/bin/python"
        # Selenium, Chromium and its driver for the console's browser tests.
        echo "OKAYFACE_TEST_BROWSER_PYTHON=$SELENIUM_VENV/bin/python"
        echo "OKAYFACE_TEST_CHROMEDRIVER=$(command -v chromedriver)"
        echo "OKAYFACE_TEST_CHROMIUM=$(command -v chromium)"
        # kubectl kustomize and kubernetes-validate for the Kubernetes manifests.
        echo "OKAYFACE_TEST_KUBECTL=$(command -v kubectl)"
        echo "OKAYFACE_TEST_KUBERNETES_VALIDATE=$KUBERNETES_VALIDATE_VENV/bin/kubernetes-validate"
    } >"$RUN_DIR/env.partial"
    mv "$RUN_DIR/env.partial" "$RUN_DIR/env"
    ;;
stop)
    if [ -f "$RUN_DIR/pids" ]; then
        mapfile -t pids <"$RUN_DIR/pids"
        for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
        for _ in $(seq 1 30); do
            alive=0
            for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
            [ "$alive" -eq 0 ] && break
            sleep 0.1
        done
        for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    fi
    pg_stop "$RUN_DIR/pg" >&2 || true
    ;;
*)
    echo "usage: test-services.sh start|stop DIR" >&2
    exit 64
    ;;
esac
