#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests (Debian's postgresql package).
#   scripts/test-postgres.sh install          apt-get install postgresql if it is missing (CI)
#   scripts/test-postgres.sh start DIR PORT   initdb in DIR, start on 127.0.0.1:PORT (TCP only, trust auth),
#                                             create the database genever_test; prints its URL
#   scripts/test-postgres.sh stop DIR         stop it (DIR can then be removed)
# As root the cluster runs as the `postgres` user (PostgreSQL refuses to run as root), so DIR
# is handed to that user; as anyone else, as yourself. tests/postgres.py calls start and stop.
set -euo pipefail

bindir() {
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  echo "PostgreSQL is not installed (scripts/test-postgres.sh install, or apt-get install postgresql)" >&2
  return 2
}

if [ "$(id -u)" = 0 ]; then
  owner=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  owner="$(id -un)"
  as_owner() { "$@"; }
fi

case "${1:-}" in
  install)
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
    "$(bindir)/postgres" --version
    ;;
  start)
    dir="${2:?usage: $0 start DIR PORT}"; port="${3:?usage: $0 start DIR PORT}"
    bin="$(bindir)"
    mkdir -p "$dir/data"
    chmod 755 "$dir"
    chown -R "$owner" "$dir"
    chmod 700 "$dir/data"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C --auth=trust >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
CONF
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null \
      || { cat "$dir/postgres.log" >&2; exit 1; }
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -c "CREATE DATABASE genever_test" >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/genever_test"
    ;;
  stop)
    dir="${2:?usage: $0 stop DIR}"
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  *)
    echo "usage: $0 install | start DIR PORT | stop DIR" >&2
    exit 2
    ;;
esac
