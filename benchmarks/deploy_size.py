"""The size on disk of a deployable genever environment, and of FastAPI's beside it.

    .venv/bin/python -m benchmarks.deploy_size [--keep DIR]

A fresh venv without pip or setuptools (``python -m venv --without-pip``), into
which this checkout is installed with its production dependencies only (no
extras), by the running interpreter's pip (``pip --python``). Shared objects are
then stripped (``strip --strip-unneeded``, as a Dockerfile's build stage does)
and the venv measured with ``du -sb``, with and without bytecode. FastAPI's
deployment (fastapi, pydantic, ``uvicorn[standard]``) is measured the same way.
The Python runtime (interpreter, standard library) is not in the venv and not
counted, as in ../shared/bench/deploy_size.py.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def du(path: Path) -> int:
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True).stdout.split()[0])


def mib(n: int) -> str:
    return f"{n / 2**20:.1f} MiB"


def build(venv: Path, requirements: list[str]) -> dict[str, int]:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                    "--disable-pip-version-check", *requirements], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    installed = du(venv)
    if shutil.which("strip"):
        for shared in site.rglob("*.so*"):
            subprocess.run(["strip", "--strip-unneeded", str(shared)], check=False, capture_output=True)
    stripped = du(venv)
    for cache in site.rglob("__pycache__"):
        shutil.rmtree(cache)
    without_bytecode = du(venv)
    biggest = sorted(((du(p), p.name) for p in site.iterdir() if p.is_dir() and not p.name.endswith("-info")),
                     reverse=True)[:6]
    print(f"  largest: {', '.join(f'{name} {mib(size)}' for size, name in biggest)}", file=sys.stderr)
    return {"installed": installed, "stripped": stripped, "stripped_without_bytecode": without_bytecode}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", type=Path, help="build the venvs here and keep them")
    args = parser.parse_args()
    targets = {"genever": [str(ROOT)], "fastapi": ["fastapi", "pydantic", "uvicorn[standard]"]}
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        print("| deployment | installed | stripped .so | stripped, no bytecode |")
        print("|---|---|---|---|")
        for name, requirements in targets.items():
            venv = base / name
            shutil.rmtree(venv, ignore_errors=True)
            sizes = build(venv, requirements)
            print(f"| {name} | {mib(sizes['installed'])} | {mib(sizes['stripped'])} | "
                  f"{mib(sizes['stripped_without_bytecode'])} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
