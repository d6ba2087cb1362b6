#!/usr/bin/env bash
# Create .venv with Python 3.11 and install the pinned requirements; a no-op when nothing changed.
# Usage: scripts/bootstrap.sh runtime|dev
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-runtime}
requirements=requirements.txt
[ "$kind" = dev ] && requirements=requirements-dev.txt

is_311() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; }

python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && is_311 "$candidate"; then python=$candidate; break; fi
  done
fi
if [ -z "$python" ]; then
  echo "Python 3.11 is needed but was not found. Install it (Debian: apt-get install python3.11 python3.11-venv)" \
       "or point PYTHON at it." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ] || ! is_311 .venv/bin/python; then
  rm -rf .venv
  "$python" -m venv .venv || {
    echo "Could not create a virtualenv with $python (Debian: apt-get install python3.11-venv)." >&2
    exit 1
  }
fi

stamp=.venv/.installed-$kind
wanted=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing the $kind dependencies into .venv…"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$wanted" > "$stamp"
fi
