"""The README's tour does what the README says."""

from typing import Any

from examples.tour import app


def test_tour(client_factory: Any) -> None:
    client = client_factory(app)
    assert client.get("/").json() == {"message": "Hello, World!"}
    assert client.get("/items/3?q=x").json() == {"item_id": 3, "q": "x", "limit": 10}
    assert client.get("/items/404").status_code == 404
    assert client.get("/items/0").json()["detail"][0]["type"] == "greater_than_equal"
    assert client.get("/items/3?limit=101").json()["detail"][0]["loc"] == ["query", "limit"]
    assert client.post("/items", json={"name": "a", "price": 1}).status_code == 201
    assert client.post("/items", json={"name": "", "price": 0}).status_code == 422
