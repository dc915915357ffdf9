#!/bin/sh
# Install promtool (from Debian's `prometheus` package) if it is not on PATH yet.
# Idempotent: does nothing when promtool is already installed. Needs root (or sudo) and apt.
# The package's daemon is not wanted here: a temporary policy-rc.d stops apt from starting it.
set -eu

if command -v promtool >/dev/null 2>&1; then
    echo "promtool: already installed ($(command -v promtool))"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

POLICY=/usr/sbin/policy-rc.d
ADDED_POLICY=0
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
    $SUDO chmod 755 "$POLICY"
    ADDED_POLICY=1
fi
cleanup() {
    if [ "$ADDED_POLICY" -eq 1 ]; then
        $SUDO rm -f "$POLICY"
    fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1; then
    # The package lists may be missing or stale: refresh them once and retry.
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends prometheus
fi
echo "promtool: installed ($(command -v promtool))"
