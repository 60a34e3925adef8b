#!/usr/bin/env bash
# Two revisions of genever side by side in ONE run of the shared harness (same machine, same load,
# rounds interleaved): each is exported (git archive) to a temporary directory and served from there
# with this checkout's venv (PYTHONPATH=<export>/src wins over the editable install), beside the
# framework-free RSGI app as the ceiling.
#   benchmarks/compare_checkouts.sh OLD_REV [NEW_REV] [extra run.py flags, e.g. --duration 5 --rounds 3]
# NEW_REV defaults to HEAD. Needs ../shared/bench/setup.sh to have run once.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bench="$here/../shared/bench"
py="$here/.venv/bin/python"
[ -x "$py" ] || { echo "run: python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' first" >&2; exit 2; }
[ $# -ge 1 ] || { echo "usage: $0 OLD_REV [NEW_REV] [run.py flags]" >&2; exit 2; }
old="$1"; shift
new=HEAD
if [ $# -ge 1 ] && [[ "$1" != -* ]]; then new="$1"; shift; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for side in old new; do
  rev="${!side}"
  mkdir -p "$work/$side"
  git -C "$here" archive "$rev" | tar -x -C "$work/$side"
  echo "$side = $(git -C "$here" rev-parse --short "$rev") in $work/$side" >&2
done
serve() {  # the command run.py runs (by bash, in the export) for one side
  echo "cd $work/$1 && PYTHONPATH=$work/$1/src:$work/$1 $py -m granian --interface rsgi --host 127.0.0.1 --port \$PORT --workers 1 --runtime-threads 1 --loop uvloop --http 1 --no-ws --log-level warning benchmarks.app:app"
}
"$bench/.venv/bin/python" "$bench/run.py" \
  --only "${ONLY:-raw-rsgi-granian}" \
  --candidate "genever-old=$(serve old)" \
  --candidate "genever-new=$(serve new)" \
  "$@"
