#!/usr/bin/env bash
# Measure genever beside FastAPI, Gin and the raw RSGI app with the shared harness.
#   benchmarks/run.sh [extra run.py flags, e.g. --duration 3 --rounds 1 --endpoints json,deps]
# Needs ../shared/bench/setup.sh to have run once (wrk, Go + Gin, the harness venv).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bench="$here/../shared/bench"
py="$here/.venv/bin/python"
[ -x "$py" ] || { echo "run: python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' first" >&2; exit 2; }
cd "$here"
serve="$py -m granian --interface rsgi --host 127.0.0.1 --port \$PORT --workers 1 --runtime-threads 1 --loop uvloop --http 1 --no-ws --log-level warning"
# genever: benchmarks/app.py (msgspec Structs for the body and list models);
# genever-pydantic: benchmarks/app_pydantic.py, FastAPI's app with only its imports changed.
exec "$bench/.venv/bin/python" "$bench/run.py" \
  --only "${ONLY:-fastapi,gin,raw-rsgi-granian}" \
  --candidate "genever=$serve benchmarks.app:app" \
  --candidate "genever-pydantic=$serve benchmarks.app_pydantic:app" \
  "$@"
