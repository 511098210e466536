# shellcheck shell=bash
# A private, throw-away PostgreSQL 15 cluster for tests and demos.
#
#   source scripts/lib/postgres.sh
#   pg_ensure_installed            # apt-get installs postgresql-15 + libpq-dev if initdb is missing
#   pg_start /tmp/okf-pg           # exports DATABASE_URL and PGPORT_PRIVATE; writes /tmp/okf-pg/url
#   pg_restart /tmp/okf-pg         # same port, so DATABASE_URL stays valid
#   pg_stop /tmp/okf-pg
#
# Layout of DIR: data/ (the cluster), port, url, log, and the unix socket. The server listens
# on 127.0.0.1 only with trust authentication, so nothing outside this machine can reach it.
# Durability is switched off (fsync=off): the data is disposable and tests run much faster.
# As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root);
# as any other user it runs as that user. Every function is idempotent and safe under `set -eu`.

PG_BINDIR="${PG_BINDIR:-/usr/lib/postgresql/15/bin}"
# runuser lives in sbin, which a non-login PATH (a test process's, say) may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac

pg_ensure_installed() {
    if [ -x "$PG_BINDIR/initdb" ] && [ -x "$PG_BINDIR/pg_ctl" ]; then
        return 0
    fi
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo"
        else
            echo "postgres.sh: $PG_BINDIR/initdb is missing; install postgresql-15 and libpq-dev as root" >&2
            return 1
        fi
    fi
    echo "postgres.sh: installing postgresql-15 and libpq-dev" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 libpq-dev
}

# Runs a command as the cluster's owner, from / so a private working directory doesn't matter.
_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

_pg_is_running() {
    local dir="$1"
    [ -f "$dir/data/PG_VERSION" ] && _pg_as_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

_pg_port_in_use() {
    # A successful TCP connect means something listens there.
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_pg_pick_port() {
    # Below the kernel's ephemeral range: a port there can be the local end of an outgoing
    # connection (a bench leaves thousands), which no connect test sees but bind refuses.
    local port tries=0 low=32768 high
    read -r low high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    [ "$low" -gt 11000 ] 2>/dev/null || low=32768
    while [ "$tries" -lt 200 ]; do
        port=$((10000 + RANDOM % (low - 10000)))
        if ! _pg_port_in_use "$port"; then
            echo "$port"
            return 0
        fi
        tries=$((tries + 1))
    done
    echo "postgres.sh: no free TCP port found" >&2
    return 1
}

_pg_init() {
    local dir="$1"
    if [ "$(id -u)" -eq 0 ]; then
        if ! id postgres >/dev/null 2>&1; then
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres || return 1
        fi
        chown postgres: "$dir" || return 1
        if ! runuser -u postgres -- test -w "$dir"; then
            echo "postgres.sh: user postgres cannot write $dir (is a parent directory private?); use a directory under /tmp" >&2
            return 1
        fi
    fi
    chmod 700 "$dir"
    [ -f "$dir/data/PG_VERSION" ] && return 0

    echo "postgres.sh: creating a cluster in $dir/data" >&2
    rm -rf "${dir:?}/data"
    _pg_as_owner "$PG_BINDIR/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        echo "postgres.sh: initdb failed; see $dir/initdb.log" >&2
        cat "$dir/initdb.log" >&2
        return 1
    }
    # Socket only inside DIR (private), TCP only on 127.0.0.1; the port is given at start.
    _pg_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<CONF

# --- okayface private cluster (scripts/lib/postgres.sh) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 500
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    _pg_as_owner tee "$dir/data/pg_hba.conf" >/dev/null <<'HBA'
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
HBA
}

pg_start() {
    local dir="${1:?usage: pg_start DIR}"
    pg_ensure_installed || return 1
    mkdir -p "$dir" || return 1
    dir="$(cd "$dir" && pwd)"
    _pg_init "$dir" || return 1

    local port=""
    [ -f "$dir/port" ] && port="$(cat "$dir/port")"
    if ! _pg_is_running "$dir"; then
        # Reuse the previous port so a restart keeps DATABASE_URL valid, unless it was taken.
        local attempt=0
        while :; do
            if [ -z "$port" ] || _pg_port_in_use "$port"; then
                port="$(_pg_pick_port)" || return 1
            fi
            echo "$port" >"$dir/port"
            # -l needs a file the owner can write; create it as the owner.
            _pg_as_owner touch "$dir/log"
            if _pg_as_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 -o "-p $port" start >/dev/null; then
                break
            fi
            attempt=$((attempt + 1))
            if [ "$attempt" -ge 3 ]; then
                echo "postgres.sh: PostgreSQL did not start; last lines of $dir/log:" >&2
                tail -n 20 "$dir/log" >&2
                return 1
            fi
            port=""  # maybe someone grabbed the port between the check and the start
        done
    fi

    if ! "$PG_BINDIR/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAq \
        -c "SELECT 1 FROM pg_database WHERE datname = 'okayface'" | grep -q 1; then
        "$PG_BINDIR/createdb" -h 127.0.0.1 -p "$port" -U postgres okayface || return 1
    fi

    export PGPORT_PRIVATE="$port"
    export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/okayface"
    echo "$DATABASE_URL" >"$dir/url"
    echo "postgres.sh: PostgreSQL running on 127.0.0.1:$port (data in $dir/data)" >&2
}

pg_stop() {
    local dir="${1:?usage: pg_stop DIR}"
    if _pg_is_running "$dir"; then
        _pg_as_owner "$PG_BINDIR/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || {
            echo "postgres.sh: pg_ctl stop failed for $dir" >&2
            return 1
        }
    fi
    return 0
}

pg_restart() {
    local dir="${1:?usage: pg_restart DIR}"
    pg_stop "$dir" && pg_start "$dir"
}
