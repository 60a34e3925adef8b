"""The instruction-count benchmark's driver (benchmarks/inprocess.py), run without valgrind: every
row answers every endpoint of ../shared/bench/SPEC.md correctly through the stand-ins, and the
stand-ins refuse what Granian and uvicorn refuse, so a broken endpoint cannot look cheap."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from benchmarks import inprocess
from benchmarks.instructions import compare

SHARED_APPS = inprocess.shared_bench() / "apps"


def _rows() -> list[Any]:
    params = []
    for row in inprocess.ROWS:
        marks = []
        if row.shared and not SHARED_APPS.is_dir():  # the shared benchmark sits beside the repository
            marks.append(pytest.mark.skip(reason=f"{SHARED_APPS} (the other frameworks' apps) is not here"))
        params.append(pytest.param(row, id=row.name, marks=marks))
    return params


@pytest.mark.parametrize("row", _rows())
def test_every_endpoint_answers_through_the_stand_ins(row: inprocess.Row) -> None:
    marks: list[int] = []
    phases, problems = inprocess.serve(row, inprocess.ENDPOINTS, n=3, warmup=2, marker=lambda: marks.append(1))
    assert problems == {}
    names = [f"{kind}:{e}" for e in (*inprocess.ENDPOINT_NAMES, "driver") for kind in ("warm", "run")]
    assert [p for p in phases if p not in ("startup", "-")] == names
    assert len(marks) == len(phases) - 1  # one marker ends each phase but the last


def test_a_wrong_answer_is_reported() -> None:
    row = inprocess.ROWS_BY_NAME["genever-rsgi"]
    wrong = [
        dataclasses.replace(inprocess.ENDPOINTS[1], expected={"message": "Bye"}),
        dataclasses.replace(inprocess.ENDPOINTS[3], status=200),
        dataclasses.replace(inprocess.ENDPOINTS[0], media_type="text/html"),
    ]
    _, problems = inprocess.serve(row, wrong, n=2, warmup=1)
    assert set(problems) == {"json", "body", "plaintext"}
    assert "expected JSON" in problems["json"] and "status 201" in problems["body"]
    assert "text/html" in problems["plaintext"]


def test_the_rsgi_stand_in_keeps_granians_rules() -> None:
    async def twice(proto: inprocess.RSGIProto) -> None:
        await proto()
        await proto()

    proto = inprocess.RSGIProto(b"x", True)
    with pytest.raises(RuntimeError, match="read twice"):
        asyncio.run(twice(proto))
    proto = inprocess.RSGIProto(b"x", True)
    proto.__aiter__()
    with pytest.raises(RuntimeError, match="read twice"):
        proto.__aiter__()
    proto.response_bytes(200, [("content-type", "text/plain")], b"ok")
    with pytest.raises(RuntimeError, match="started twice"):
        proto.response_str(200, [], "again")
    proto = inprocess.RSGIProto(b"", True)
    proto.response_empty(204, [("content-type", "a/b"), ("Content-Type", "c/d")])
    assert proto.content_type == ""  # two content types: never the expected one


def test_the_asgi_stand_in_keeps_the_message_order() -> None:
    async def body_first(call: inprocess.ASGICall) -> None:
        await call.send({"type": "http.response.body", "body": b"x"})

    with pytest.raises(RuntimeError, match="out of order"):
        asyncio.run(body_first(inprocess.ASGICall(b"", True)))

    async def unfinished(call: inprocess.ASGICall) -> None:
        assert (await call.receive())["type"] == "http.request"
        await call.send({"type": "http.response.start", "status": 200, "headers": []})
        await call.send({"type": "http.response.body", "body": b"a", "more_body": True})

    call = inprocess.ASGICall(b"", True)
    asyncio.run(unfinished(call))
    assert call.problem(inprocess.ENDPOINTS[0]) == "ASGI: the response body was not finished"


def _results(tmp_path: Path, name: str, scale: float) -> str:
    path = tmp_path / f"{name}.json"
    rows = {
        "genever-rsgi": {"per_request": {e: 1000.0 * scale for e in inprocess.ENDPOINT_NAMES}},
        # a row that is not genever's is shown but does not decide
        "raw-rsgi": {"per_request": {e: 1000.0 * scale**3 for e in inprocess.ENDPOINT_NAMES}},
    }
    data = {"measured": "2026-11-28", "commit": name, "n": 3, "endpoints": list(inprocess.ENDPOINT_NAMES), "rows": rows}
    path.write_text(json.dumps(data))
    return str(path)


def test_compare_reports_the_change_per_endpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _results(tmp_path, "old", 1.0)
    assert compare(old, _results(tmp_path, "same", 1.015), threshold=2.0) == 0
    out = capsys.readouterr().out
    assert "| plaintext | 1,000 → 1,015 (+1.50%) |" in out and out.rstrip().endswith("threshold +2.00%")
    assert compare(old, _results(tmp_path, "worse", 1.03), threshold=2.0) == 1
    assert "WORSE: the largest increase of a genever row is +3.00%" in capsys.readouterr().out


def test_without_valgrind_the_tool_says_so(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.instructions", "--n", "1"],
        capture_output=True,
        text=True,
        cwd=inprocess.ROOT,
        env={"PATH": str(tmp_path)},
    )
    assert done.returncode == 2 and "valgrind is not installed" in done.stderr
