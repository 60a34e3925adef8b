"""Run FastAPI's own test suite (its tutorial tests, or all of it) against genever.

    .venv/bin/python scripts/fastapi_suite/run.py              # tests/test_tutorial
    .venv/bin/python scripts/fastapi_suite/run.py tests        # the whole suite
    .venv/bin/python scripts/fastapi_suite/run.py tests/test_tutorial/test_body -x

It downloads the source distribution of the installed FastAPI version from the
package registry (it ships ``tests/`` and ``docs_src/``), installs what those
tests import, and runs pytest there with ``fastapi`` mapped to ``genever``
(``fastapi_as_genever.py``). The result is a compatibility measure, not a gate:
the failures that remain are listed in the README (Differences from FastAPI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE.parents[1] / ".cache" / "fastapi-suite"
# FastAPI's own telemetry integration and its benchmarks: nothing genever offers or can be compared on
IGNORE = ["tests/test_telemetry", "tests/test_tutorial/test_opentelemetry", "tests/benchmarks",
          "tests/memory_benchmarks"]  # fmt: skip
NEEDS = ["inline-snapshot", "dirty-equals", "pytest-timeout", "email-validator", "pwdlib[argon2]", "pyyaml", "jinja2",
         "a2wsgi", "flask", "sqlmodel"]  # what some tutorial examples import


# Tests that never end on genever, deselected and counted as failures. Each asserts that a sync
# dependency runs on anyio's default thread limiter (genever runs it in its own pool), fails before
# releasing the event its worker threads wait on, and the test's event loop then waits for those
# threads at teardown (a sync generator's exit waits for its thread, as in FastAPI).
HANGS = [
    f"tests/test_dependency_concurrency.py::test_shared_declaration_limits_both_routes_before_worker_entry[asyncio-{v}]"
    for v in ("False-sync", "True-sync", "False-sync_yield", "True-sync_yield")
]


# files of the documentation that tutorial examples read (a FileResponse of the favicon)
DOC_FILES = ["docs/en/docs/img/favicon.png"]


def fetch(fastapi_version: str) -> Path:
    root = CACHE / f"fastapi-{fastapi_version}"
    if (root / "tests").is_dir() and all((root / name).is_file() for name in DOC_FILES):
        return root
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
         f"fastapi=={fastapi_version}", "-d", str(CACHE)],
        check=True,
    )  # fmt: skip
    with tarfile.open(CACHE / f"fastapi-{fastapi_version}.tar.gz") as sdist:
        members = [
            m for m in sdist.getmembers()
            if m.name.split("/")[1:2] in (["tests"], ["docs_src"]) or m.name.split("/", 1)[-1] in DOC_FILES
        ]  # fmt: skip
        sdist.extractall(CACHE, members=members, filter="data")
    return root


def main(argv: list[str]) -> int:
    root = fetch(version("fastapi"))
    for path in IGNORE:  # their conftest files import what is not installed; --ignore does not stop that
        shutil.rmtree(root / path, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *NEEDS], check=True)
    targets = [a for a in argv if not a.startswith("-")] or ["tests/test_tutorial"]
    options = [a for a in argv if a.startswith("-")]
    command = [
        sys.executable, "-m", "pytest", *targets, "-p", "fastapi_as_genever", "-p", "no:cacheprovider",
        "-o", "addopts=", "-o", "filterwarnings=", "--inline-snapshot=disable", "--timeout=30", "-q",
        "--tb=line", "--continue-on-collection-errors", *options,
    ]  # fmt: skip
    prefix = root.relative_to(HERE.parents[1])  # pytest's rootdir is this repository (its pyproject.toml)
    for test in HANGS:
        command += ["--deselect", f"{prefix}/{test}"]
    print(f"{len(HANGS)} tests deselected because they never end on genever (count them as failures): {HANGS}")
    env = {"PYTHONPATH": f"{HERE}:{root}"}
    return subprocess.run(command, cwd=root, env={**os.environ, **env}, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
