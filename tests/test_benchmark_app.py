"""The benchmark's reference API (benchmarks/app.py, and its pydantic twin app_pydantic.py) answers
as ../shared/bench/SPEC.md says."""

import json
from typing import Any

import pytest
from benchmarks import app as structs
from benchmarks import app_pydantic as pydantic_models

ITEM = {"name": "widget", "price": 9.5, "tags": ["a", "b"], "dims": {"w": 1.0, "h": 2.0}}
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("module", [structs, pydantic_models], ids=["structs", "pydantic"])
def test_reference_api(client_factory: Any, module: Any) -> None:
    client = client_factory(module.app)
    plain = client.get("/plaintext")
    assert (plain.text, plain.headers["content-type"]) == ("Hello, World!", "text/plain; charset=utf-8")
    assert client.get("/json").json() == {"message": "Hello, World!"}
    assert client.get("/users/42?verbose=true").json() == {"id": 42, "name": "user-42", "verbose": True}
    assert client.get("/users/7").json() == {"id": 7, "name": "user-7", "verbose": False}
    assert client.get("/users/abc").status_code == 422
    assert client.get("/users/0").status_code == 422
    created = client.post("/items", content=json.dumps(ITEM), headers=JSON)
    assert (created.status_code, created.json()) == (201, dict(ITEM, id=1))
    for bad in ({**ITEM, "price": 0}, {**ITEM, "name": ""}, {**ITEM, "tags": ["t"] * 11}, {**ITEM, "dims": {"w": 1}}):
        assert client.post("/items", content=json.dumps(bad), headers=JSON).status_code == 422
    assert client.post("/items", content=b'{"name": "x", ', headers=JSON).status_code == 422
    too_cheap = client.post("/items", content=json.dumps({**ITEM, "price": 0}), headers=JSON).json()["detail"][0]
    assert (too_cheap["type"], too_cheap["loc"], too_cheap["input"]) == ("greater_than", ["body", "price"], 0)
    missing = client.post("/items", content=json.dumps({"name": "x", "price": 1}), headers=JSON).json()
    assert missing["detail"] == [{"type": "missing", "loc": ["body", "dims"], "msg": "Field required",
                                  "input": {"name": "x", "price": 1}}]  # fmt: skip
    assert client.get("/deps", headers={"X-Token": "secret"}).json() == {"user": "alice", "db": "open"}
    assert client.get("/deps").status_code == 422
    assert client.get("/deps", headers={"X-Token": "wrong"}).status_code == 401
    items = client.get("/list?n=3").json()
    assert items == [{"id": i, "name": f"item-{i}", "price": i * 1.5, "tags": ["a", "b"]} for i in range(3)]
    assert len(client.get("/list").json()) == 100
