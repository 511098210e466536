# shellcheck shell=bash
# The image sources' stand-ins for tests and demos, each a real server on loopback:
# an S3-compatible store (moto_server from PyPI, which checks SigV4 signatures here), and an
# image server over HTTP and over HTTPS with a certificate from a throw-away CA.
# Sourced by common.sh; uses RUN_DIR, STARTED_PIDS and say from there.

MOTO_VERSION="5.2.5"

# Installs moto[server] into a virtualenv under .build-tools/ (ignored by git) once.
ensure_moto() {
    MOTO_VENV="$ROOT/.build-tools/moto-$MOTO_VERSION"
    if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
        say "installing moto[server] $MOTO_VERSION (the S3 stand-in) into $MOTO_VENV"
        rm -rf "$MOTO_VENV"
        python3 -m venv "$MOTO_VENV"
        "$MOTO_VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until something accepts connections on 127.0.0.1:PORT.
wait_for_port() {
    local port="$1" what="$2" pid="$3"
    for _ in $(seq 1 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || { echo "$what exited before it was ready; see $RUN_DIR" >&2; exit 1; }
        sleep 0.1
    done
    echo "$what did not listen on port $port within 30 s" >&2
    exit 1
}

# moto_server on loopback with signature checks: the three unsigned calls it still accepts
# create the IAM user whose key the tests sign with (s3_credentials.py). Exports
# OKAYFACE_TEST_S3_ENDPOINT, OKAYFACE_TEST_S3_KEY_ID_FILE and OKAYFACE_TEST_S3_SECRET_FILE.
start_s3() {
    ensure_moto
    local port
    port="$(free_port)"
    INITIAL_NO_AUTH_ACTION_COUNT=3 "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$RUN_DIR/logs/moto.log" 2>&1 &
    STARTED_PIDS+=($!)
    wait_for_port "$port" "moto_server" $!
    "$MOTO_VENV/bin/python" "$ROOT/scripts/lib/s3_credentials.py" "http://127.0.0.1:$port" "$RUN_DIR/s3"
    export OKAYFACE_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
    export OKAYFACE_TEST_S3_KEY_ID_FILE="$RUN_DIR/s3/access-key-id"
    export OKAYFACE_TEST_S3_SECRET_FILE="$RUN_DIR/s3/secret-access-key"
    say "S3 (moto_server, SigV4 checked): $OKAYFACE_TEST_S3_ENDPOINT"
}

# A CA and a server certificate for 127.0.0.1 signed by it, valid for two days.
make_test_ca() {
    local dir="$RUN_DIR/tls"
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=okayface-worker test CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
        -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
    export OKAYFACE_TEST_CA_FILE="$dir/ca.pem"
}

# The image server (scripts/lib/image_server.py) twice over one folder: plain HTTP, and HTTPS
# with the test CA's certificate. Exports OKAYFACE_TEST_IMAGE_ROOT, OKAYFACE_TEST_HTTP_IMAGES
# and OKAYFACE_TEST_HTTPS_IMAGES (base URLs).
start_image_servers() {
    make_test_ca
    export OKAYFACE_TEST_IMAGE_ROOT="$RUN_DIR/images"
    mkdir -p "$OKAYFACE_TEST_IMAGE_ROOT"
    local server="$ROOT/scripts/lib/image_server.py"
    python3 "$server" --root "$OKAYFACE_TEST_IMAGE_ROOT" --port-file "$RUN_DIR/http-port" 2>"$RUN_DIR/logs/image-server-http.log" &
    STARTED_PIDS+=($!)
    wait_for_file "$RUN_DIR/http-port" "the HTTP image server" $!
    python3 "$server" --root "$OKAYFACE_TEST_IMAGE_ROOT" --port-file "$RUN_DIR/https-port" \
        --cert "$RUN_DIR/tls/server.pem" --key "$RUN_DIR/tls/server.key" 2>"$RUN_DIR/logs/image-server-https.log" &
    STARTED_PIDS+=($!)
    wait_for_file "$RUN_DIR/https-port" "the HTTPS image server" $!
    export OKAYFACE_TEST_HTTP_IMAGES="http://127.0.0.1:$(cat "$RUN_DIR/http-port")"
    export OKAYFACE_TEST_HTTPS_IMAGES="https://127.0.0.1:$(cat "$RUN_DIR/https-port")"
    say "image servers: $OKAYFACE_TEST_HTTP_IMAGES, $OKAYFACE_TEST_HTTPS_IMAGES (test CA)"
}
