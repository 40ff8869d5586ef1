#!/usr/bin/env bash
# Headless Chromium for the browser test of the status page (test/integration/status-page.test.ts):
# Debian's package, installed when missing (the test machines run as root; Debian's registry is
# reachable). A $CHROMIUM pointing at another binary is used as it is.
set -euo pipefail
if [[ -n "${CHROMIUM:-}" ]]; then exit 0; fi
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [[ "$(id -u)" != "0" ]]; then
  echo "chromium: not installed; run 'apt-get install chromium' as root, or set CHROMIUM=/path/to/chromium" >&2
  exit 1
fi
echo "chromium: installing Debian's chromium package (first run)" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
