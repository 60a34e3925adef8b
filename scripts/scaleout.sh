#!/usr/bin/env bash
# Scale-out test across hosts: three `genever run` instances of the example service, each in its
# own network namespace (a host), behind nginx in another, all writing to one PostgreSQL in a
# fourth, over a bridge. Under load one instance gets SIGTERM and comes back, another gets
# kill -9 and comes back; then every write a client saw acknowledged must be in the database.
#   sudo scripts/scaleout.sh [SECONDS]       (root: namespaces; Debian's nginx and postgresql)
# Prints requests sent, answered, failed, acknowledged writes, lost writes (must be 0).
# Needs the example service on a database (examples/service.py with DATABASE_URL) and
# genever's `examples` extra in the venv ($PYTHON, default .venv/bin/python).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
BIN="$(dirname "$PY")"
SECONDS_OF_LOAD="${1:-16}"
[ "$(id -u)" = 0 ] || { echo "scaleout: needs root (network namespaces)" >&2; exit 2; }
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$PGBIN/initdb" ] || { echo "scaleout: needs PostgreSQL (apt-get install postgresql)" >&2; exit 2; }
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "scaleout: needs nginx (apt-get install nginx)" >&2; exit 2; }

run="$$"
tag="gv$((run % 100000))"                      # interface and namespace names stay under 15 characters
net="10.$((100 + run % 100)).$((run / 100 % 250)).0"
net="${net%.0}"                                 # e.g. 10.142.37: .1 bridge, .10 db, .20 lb, .31-.33 apps
work="$(mktemp -d)" && chmod 755 "$work"
declare -A pid=()

cleanup() {
  set +e
  for name in "${!pid[@]}"; do kill -KILL "${pid[$name]}" 2>/dev/null; done
  wait 2>/dev/null
  [ -f "$work/pg/data/postmaster.pid" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1
  for ns in db lb app1 app2 app3; do ip netns del "$tag-$ns" 2>/dev/null; done
  ip link del "${tag}br" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf 'scaleout: %s\n' "$*" >&2; }

# -- hosts: a bridge, a namespace per host, a veth pair into the bridge each --------------------------
ip link add "${tag}br" type bridge || { say "cannot create network devices (CAP_NET_ADMIN)"; exit 2; }
ip addr add "$net.1/24" dev "${tag}br"
ip link set "${tag}br" up
host() {  # host NAME LAST_OCTET
  local ns="$tag-$1"
  ip netns add "$ns"
  ip link add "${tag}$1" type veth peer name "${tag}$1p"
  ip link set "${tag}$1p" netns "$ns"
  ip -n "$ns" addr add "$net.$2/24" dev "${tag}$1p"
  ip -n "$ns" link set "${tag}$1p" up
  ip -n "$ns" link set lo up
  ip link set "${tag}$1" master "${tag}br"
  ip link set "${tag}$1" up
}
host db 10; host lb 20; host app1 31; host app2 32; host app3 33

wait_http() {  # wait_http URL: until it answers (any status), 30 s at most
  "$PY" - "$1" <<'EOF'
import sys, time, urllib.request, urllib.error
deadline = time.monotonic() + 30
while True:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1)
        break
    except urllib.error.HTTPError:
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"scaleout: {sys.argv[1]} did not answer")
        time.sleep(0.1)
EOF
}

# -- PostgreSQL on the db host -----------------------------------------------------------------------
mkdir -p "$work/pg/data" && chown -R postgres "$work/pg" && chmod 700 "$work/pg/data"
runuser -u postgres -- "$PGBIN/initdb" -D "$work/pg/data" -U postgres -E UTF8 --locale=C --auth=trust >/dev/null
cat >> "$work/pg/data/postgresql.conf" <<CONF
listen_addresses = '$net.10'
unix_socket_directories = ''
max_connections = 200
CONF
echo "host all all $net.0/24 trust" >> "$work/pg/data/pg_hba.conf"
ip netns exec "$tag-db" runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -t 60 start >/dev/null
"$PGBIN/psql" -X -q -h "$net.10" -U postgres -d postgres -c "CREATE DATABASE scaleout" >/dev/null
export DATABASE_URL="postgresql://postgres@$net.10:5432/scaleout"

# -- the instances ------------------------------------------------------------------------------------
start_app() {  # start_app N
  ip netns exec "$tag-app$1" "$BIN/genever" run examples.service:app --host "$net.3$1" --port 8000 --workers 1 \
    --forwarded-allow-ips "$net.20" --graceful-timeout 10 --log-level warning >>"$work/app$1.log" 2>&1 &
  pid[app$1]=$!
  wait_http "http://$net.3$1:8000/health"
}
cd "$ROOT"
start_app 1   # runs the migrations first; the others find them done
start_app 2
start_app 3

# -- nginx on the lb host: deploy/nginx/nginx.conf with this network's addresses -----------------------
mkdir -p "$work/nginx"
sed -e "s/listen 8080;/listen $net.20:8080;/" \
    -e "s/127\.0\.0\.1:8001/$net.31:8000/; s/127\.0\.0\.1:8002/$net.32:8000/; s/127\.0\.0\.1:8003/$net.33:8000/" \
    "$ROOT/deploy/nginx/nginx.conf" > "$work/nginx/nginx.conf"
ip netns exec "$tag-lb" "$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g "daemon off;" >"$work/nginx.log" 2>&1 &
pid[nginx]=$!
wait_http "http://$net.20:8080/nginx-health"

# -- load, a drained restart, a kill -9 -----------------------------------------------------------------
"$PY" "$ROOT/scripts/scaleout_load.py" "http://$net.20:8080" "$SECONDS_OF_LOAD" "$run" "$work/load.json" &
load=$!
sleep $((SECONDS_OF_LOAD / 4))
say "SIGTERM app1 (drain), then start it again"
kill -TERM "${pid[app1]}"; wait "${pid[app1]}" || true
start_app 1
sleep $((SECONDS_OF_LOAD / 4))
say "kill -9 app2, then start it again"
kill -KILL "${pid[app2]}"; wait "${pid[app2]}" 2>/dev/null || true
start_app 2
wait "$load"

# -- what was acknowledged is in the database ----------------------------------------------------------
"$PGBIN/psql" -X -A -t -h "$net.10" -U postgres -d scaleout \
  -c "SELECT name FROM items WHERE name LIKE 'so-$run-%'" > "$work/stored.txt"
"$PY" - "$work/load.json" "$work/stored.txt" <<'EOF'
import json, sys
load = json.load(open(sys.argv[1]))
stored = {line.strip() for line in open(sys.argv[2]) if line.strip()}
counts = load["counts"]
acked = set(load["acked"])
lost = sorted(acked - stored)
unknown = set(load["unknown"])
sent, answered = counts.get("sent", 0), counts.get("answered", 0)
print(f"scaleout: requests sent {sent}, answered {answered}, failed {sent - answered} "
      f"({100 * (sent - answered) / max(sent, 1):.2f}%)")
print("scaleout: failures by kind: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())
                                                 if k not in ("sent", "answered")) or "none"))
print(f"scaleout: writes acknowledged {len(acked)}, in the database {len(acked & stored)}, lost {len(lost)}; "
      f"unacknowledged writes of unknown fate {len(unknown)}, of which stored {len(unknown & stored)}")
if lost:
    print("scaleout: LOST: " + ", ".join(lost[:20]))
sys.exit(1 if lost or not acked else 0)
EOF
