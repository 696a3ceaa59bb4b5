#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium when /usr/bin/chromium is absent.
# Used by python/tests/integration/test_report.py to open the HTML report. Needs root (or sudo).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-chromium: /usr/bin/chromium is missing and this is not root; run as root: apt-get install -y chromium" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y chromium
/usr/bin/chromium --version
