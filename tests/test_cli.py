"""The ``genever`` command: route table and one-line target errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from genever.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_routes_prints_the_table(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["routes", "examples.service:app"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["METHODS", "PATH", "HANDLER", "PARAMETERS"]
    rows = {tuple(line.split()[:2]): line for line in out[1:]}
    assert "path:item_id" in rows[("GET", "/items/{item_id}")]
    assert "examples.service.read_item" in rows[("GET", "/items/{item_id}")]
    assert "body:username" in rows[("POST", "/token")]  # a dependency's parameters (the OAuth2 form class)
    assert "body:data" in rows[("POST", "/items")]
    assert "query:limit" in rows[("GET", "/items")]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nocolon", "must look like 'module:app'"),
        ("no_such_module_xyz:app", "cannot import module 'no_such_module_xyz'"),
        ("examples.service:nope", "has no attribute 'nope'"),
        ("examples.service:db", "not a genever app"),
    ],
)
def test_bad_targets_are_one_line(target: str, message: str, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["routes", target]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_misdeclared_app_fails_with_the_route_named(tmp_path: Path) -> None:
    (tmp_path / "broken_app.py").write_text(
        "from genever import Genever, Query\n"
        "app = Genever()\n"
        "@app.get('/items/{item_id}')\n"
        "def read_item(item_id: int = Query(1)): ...\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "genever.cli", "routes", "broken_app:app"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "genever: error: broken_app: GET /items/{item_id}: parameter 'item_id' of read_item() is declared as "
        "Query but the path captures {item_id}; use Path() or rename one of them"
    )
