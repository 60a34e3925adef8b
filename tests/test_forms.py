"""Request bodies: size limit (413), forms through the Request API."""

from typing import Any

import pytest

from genever import ConfigurationError, Genever, Request


def _app(limit: int | None) -> Genever:
    app = Genever(max_body_size=limit)

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.post("/form")
    async def form(request: Request) -> dict[str, Any]:
        data = await request.form()
        upload = data.get("file")
        return {"name": data.get("name"), "file": getattr(upload, "filename", None)}

    return app


def test_body_limit_declared_and_streamed(client_factory: Any) -> None:
    client = client_factory(_app(10))
    assert client.post("/echo", content=b"x" * 10).json() == {"size": 10}
    too_big = client.post("/echo", content=b"x" * 11)
    assert too_big.status_code == 413
    assert too_big.json() == {"detail": "Request Entity Too Large"}

    def chunks() -> Any:  # no Content-Length: the limit is enforced while reading
        yield b"x" * 6
        yield b"x" * 6

    assert client.post("/echo", content=chunks()).status_code == 413


def test_no_limit_by_default(client_factory: Any) -> None:
    assert client_factory(_app(None)).post("/echo", content=b"x" * 100_000).json() == {"size": 100_000}


def test_bad_limit_is_a_startup_error() -> None:
    with pytest.raises(ConfigurationError):
        Genever(max_body_size=-1)


def test_request_form_api(client_factory: Any) -> None:
    client = client_factory(_app(None))
    assert client.post("/form", data={"name": "n"}).json() == {"name": "n", "file": None}
    multipart = client.post("/form", data={"name": "m"}, files={"file": ("f.txt", b"data")})
    assert multipart.json() == {"name": "m", "file": "f.txt"}


def test_large_upload_is_spooled_to_disk() -> None:
    from genever import UploadFile
    from genever.testclient import TestClient

    app = Genever()
    seen: dict[str, Any] = {}

    @app.post("/up")
    async def up(file: UploadFile) -> dict[str, int]:
        seen["rolled"] = file.file._rolled
        return {"size": len(await file.read())}

    response = TestClient(app).post("/up", files={"file": ("big.bin", b"z" * (5 * 1024 * 1024))})
    assert response.json() == {"size": 5 * 1024 * 1024}
    assert seen["rolled"] is True
