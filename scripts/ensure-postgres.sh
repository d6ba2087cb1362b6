#!/usr/bin/env bash
# The suite runs every core test on PostgreSQL too. Use the server at 127.0.0.1:5432 (user postgres, trust auth);
# if none answers, start the installed cluster or install Debian's postgresql and start it (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
url=${HUB_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres}

reachable() {
  HUB_TEST_POSTGRES_URL=$url .venv/bin/python - <<'PY' 2>/dev/null
import os, sys
import psycopg
from sqlalchemy.engine import make_url
url = make_url(os.environ["HUB_TEST_POSTGRES_URL"])
try:
    psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                    dbname=url.database, connect_timeout=3).close()
except Exception as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
PY
}

wait_reachable() {
  for _ in $(seq 1 30); do reachable && return 0; sleep 1; done
  return 1
}

reachable && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "PostgreSQL does not answer at $url and installing it needs root. Start PostgreSQL, or set" \
       "HUB_TEST_POSTGRES_URL to a server where the user may create databases." >&2
  exit 1
fi
if ! ls -d /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "Installing Debian's postgresql for the test suite…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
wait_reachable && exit 0
# A fresh Debian cluster asks for a password on TCP; this throwaway test server trusts local connections.
hba=/etc/postgresql/$version/main/pg_hba.conf
grep -q "hub test suite" "$hba" || sed -i '1i host all postgres 127.0.0.1/32 trust # hub test suite' "$hba"
pg_ctlcluster --skip-systemctl-redirect "$version" main reload
wait_reachable && exit 0
echo "PostgreSQL could not be started at $url; the test run cannot go on without it." >&2
exit 1
