# shellcheck shell=bash
# Shared by scripts/demo and scripts/test: install what is missing, build, start and stop the
# dev stand-ins (mock Kafka, vendor simulator). Every process started is stopped on exit.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=postgres.sh
source "$ROOT/scripts/lib/postgres.sh"
# shellcheck source=stores.sh
source "$ROOT/scripts/lib/stores.sh"
# shellcheck source=browser.sh
source "$ROOT/scripts/lib/browser.sh"
# shellcheck source=kubernetes.sh
source "$ROOT/scripts/lib/kubernetes.sh"

STARTED_PIDS=()
PG_DIRS=()

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Debian packages the build and the tests need; installs only the missing ones.
ensure_packages() {
    local wanted=(librdkafka-dev libcurl4-openssl-dev libpq-dev postgresql-15 postgresql-client-15 pkg-config openssl)
    local missing=()
    for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    # Python runs the image server and the S3 stand-in (moto, in a virtualenv).
    if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        missing+=(python3 python3-venv)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
    fi
    command -v swift >/dev/null || { echo "swift is not on PATH: install the Swift 6.3 toolchain first" >&2; exit 1; }
}

build() {
    say "building (the first build compiles the Swift dependencies and takes several minutes)"
    local log
    log="$(mktemp)"
    if ! (cd "$ROOT" && swift build "$@" >"$log" 2>&1); then
        grep -E 'error|warning: unre' "$log" | head -40 >&2
        tail -n 20 "$log" >&2
        exit 1
    fi
    rm -f "$log"
    BIN="$(cd "$ROOT" && swift build "$@" --show-bin-path)"
}

# A private run folder under /tmp (the postgres user must be able to reach it).
make_run_dir() {
    RUN_DIR="$(mktemp -d "/tmp/okayface-$1.XXXXXX")"
    chmod 755 "$RUN_DIR"
    mkdir -p "$RUN_DIR/logs"
}

start_postgres() {
    pg_start "$RUN_DIR/pg" >&2
    PG_DIRS+=("$RUN_DIR/pg")
}

# Waits until FILE exists and is non-empty (a started process writes it when ready).
wait_for_file() {
    local file="$1" what="$2" pid="$3"
    for _ in $(seq 1 300); do
        [ -s "$file" ] && return 0
        kill -0 "$pid" 2>/dev/null || { echo "$what exited before it was ready; see $RUN_DIR" >&2; exit 1; }
        sleep 0.1
    done
    echo "$what did not become ready in 30 s" >&2
    exit 1
}

start_kafka() {
    "$BIN/okayface-dev" kafka --brokers 3 --partitions 6 --bootstrap-file "$RUN_DIR/bootstrap" >"$RUN_DIR/kafka.log" 2>&1 &
    STARTED_PIDS+=($!)
    wait_for_file "$RUN_DIR/bootstrap" "the mock Kafka cluster" $!
    KAFKA_BROKERS="$(cat "$RUN_DIR/bootstrap")"
    export KAFKA_BROKERS
    say "mock Kafka cluster: $KAFKA_BROKERS"
}

start_simulator() {
    "$BIN/okayface-dev" simulator --port 0 --username demo --password demo-password \
        --url-file "$RUN_DIR/simulator-url" "$@" >"$RUN_DIR/simulator.log" 2>&1 &
    STARTED_PIDS+=($!)
    wait_for_file "$RUN_DIR/simulator-url" "the vendor simulator" $!
    OKAYFACE_BASE_URL="$(cat "$RUN_DIR/simulator-url")"
    export OKAYFACE_BASE_URL
    say "vendor simulator: $OKAYFACE_BASE_URL"
}

# Stops what this script started, in the order given (the worker before the Kafka it
# commits to): SIGTERM (graceful), SIGKILL after 30 s.
stop_all() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "process $pid did not stop within 30 s; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    local dir
    for dir in "${PG_DIRS[@]}"; do pg_stop "$dir" || true; done
}
