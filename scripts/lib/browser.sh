# shellcheck shell=bash
# The browser tests' tools: Debian's Chromium and its chromedriver (apt), and Selenium from
# PyPI in a virtualenv under .build-tools/ (ignored by git). Selenium is always handed the
# chromedriver path, so it never looks for a driver to download.
# Sourced by common.sh; uses ROOT and say from there.

SELENIUM_VERSION="4.38.0"

ensure_browser() {
    if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
        say "installing chromium and chromium-driver (the console's browser tests)"
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
    fi
    SELENIUM_VENV="$ROOT/.build-tools/selenium-$SELENIUM_VERSION"
    if [ ! -x "$SELENIUM_VENV/bin/python" ] || ! "$SELENIUM_VENV/bin/python" -c 'import selenium' 2>/dev/null; then
        say "installing selenium $SELENIUM_VERSION into $SELENIUM_VENV"
        rm -rf "$SELENIUM_VENV"
        python3 -m venv "$SELENIUM_VENV"
        "$SELENIUM_VENV/bin/pip" install -q --disable-pip-version-check "selenium==$SELENIUM_VERSION"
    fi
}
