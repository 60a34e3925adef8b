"""The ecosystem tests need the packages of the ``ecosystem`` extra (``pip install -e '.[ecosystem]'``).
Without them they are skipped; with ``GENEVER_ECOSYSTEM=1`` (CI installs the extra, then runs them so)
a missing package is an error."""

from __future__ import annotations

import importlib.util
import os

import pytest

NEEDED = ["opentelemetry.instrumentation.fastapi", "fastapi_users", "fastapi_users_db_sqlalchemy", "fastapi_filter",
          "sqlmodel",
          "prometheus_fastapi_instrumentator", "starlette_exporter", "asgi_correlation_id", "itsdangerous",
          "slowapi", "sentry_sdk", "opentelemetry.instrumentation.asgi", "opentelemetry.sdk", "fastapi_pagination",
          "strawberry", "ariadne", "fastapi_cache", "a2wsgi", "authlib"]  # fmt: skip


def _missing() -> list[str]:
    missing = []
    for name in NEEDED:
        try:
            found = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            missing.append(name)
    return missing


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = _missing()
    if not missing:
        return
    if os.environ.get("GENEVER_ECOSYSTEM"):
        raise pytest.UsageError(f"the ecosystem tests need {missing}: pip install -e '.[ecosystem]'")
    skip = pytest.mark.skip(reason=f"pip install -e '.[ecosystem]' (missing: {', '.join(missing)})")
    for item in items:
        if "ecosystem" in item.nodeid:
            item.add_marker(skip)
