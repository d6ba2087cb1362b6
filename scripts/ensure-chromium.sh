#!/usr/bin/env bash
# The browser tests drive Debian's Chromium; install it when it is missing (needs root).
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "The browser tests need Debian's chromium package: run 'sudo apt-get install chromium', or run this as root." >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser tests…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
