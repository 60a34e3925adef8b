#!/usr/bin/env bash
# Debian's Chromium for the docs browser test (Playwright drives it; no browser download).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
chromium --version
