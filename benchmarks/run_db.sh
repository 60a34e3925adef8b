#!/usr/bin/env bash
# The database suite (../shared/bench/SPEC.md, "Database suite"): genever's benchmarks/app_db.py
# beside Gin (pgx), FastAPI (asyncpg, uvicorn) and the raw RSGI app (asyncpg), on the harness's
# private PostgreSQL (../shared/bench/db/setup_db.sh; started here if it is down). Two genever rows:
# `genever` (its recommended pool, genever.ext.asyncpg) and `genever-asyncpg-pool` (asyncpg's own
# pool, as the raw app: the framework alone); LIKE_FOR_LIKE=0 leaves the second out.
#   benchmarks/run_db.sh [extra run.py flags, e.g. --duration 5 --rounds 1 --endpoints db,fortunes]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bench="$here/../shared/bench"
py="$here/.venv/bin/python"
[ -x "$py" ] || { echo "run: python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' first" >&2; exit 2; }
bash "$bench/db/setup_db.sh" >/dev/null
cd "$here"
serve="$py -m granian --interface rsgi --host 127.0.0.1 --port \$PORT --workers 1 --runtime-threads 1 --loop uvloop --http 1 --no-ws --log-level warning"
candidates=(--candidate "genever=$serve benchmarks.app_db:app")
if [ "${LIKE_FOR_LIKE:-1}" != 0 ]; then
  candidates+=(--candidate "genever-asyncpg-pool=BENCH_POOL=asyncpg $serve benchmarks.app_db:app")
fi
exec "$bench/.venv/bin/python" "$bench/run.py" --suite db \
  --only "${ONLY:-fastapi,gin,raw-rsgi-granian}" "${candidates[@]}" "$@"
