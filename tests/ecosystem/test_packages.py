"""FastAPI's ecosystem on genever: each package's documented basic usage (``cases.py``), on an app
written against genever (both adapters, in process) and on one written against ``fastapi`` with
``genever.alias_fastapi()`` (in a fresh interpreter, both adapters)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest

from tests.ecosystem.cases import ALIAS_ONLY, CASES
from tests.servers import ROOT

# authlib 1.9 warns, when its httpx client is first used, that it moves to httpx2
pytestmark = pytest.mark.filterwarnings("ignore:The httpx module is deprecated")


@pytest.mark.parametrize("name", sorted(set(CASES) - set(ALIAS_ONLY)))
def test_directly_on_genever(name: str, client_factory: Any) -> None:
    import genever

    CASES[name](genever, client_factory)


@pytest.mark.parametrize("name", sorted(CASES))
def test_through_the_fastapi_alias(name: str) -> None:
    code = textwrap.dedent(f"""
        import genever
        genever.alias_fastapi()
        import fastapi
        from fastapi.testclient import TestClient
        from tests.ecosystem.cases import CASES
        from tests.rsgi_client import RSGITestClient
        assert fastapi is genever
        for make_client in (TestClient, RSGITestClient):
            CASES[{name!r}](fastapi, make_client)
        import sys
        real = [m for m in sys.modules.values() if "site-packages/fastapi/" in (getattr(m, "__file__", "") or "")]
        assert not real, real  # the real FastAPI was never imported
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


@pytest.mark.parametrize("name", sorted(CASES))
def test_on_fastapi_itself(name: str) -> None:
    """The oracle: each case passes on the real FastAPI too (in a fresh interpreter, no alias), so what
    it asserts is FastAPI's behaviour with the package, not genever's own idea of it."""
    code = textwrap.dedent(f"""
        import warnings
        warnings.simplefilter("ignore", DeprecationWarning)  # Starlette's TestClient on httpx
        import fastapi
        from fastapi.testclient import TestClient
        from tests.ecosystem.cases import CASES
        assert "site-packages/fastapi/" in fastapi.__file__
        CASES[{name!r}](fastapi, TestClient)
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
